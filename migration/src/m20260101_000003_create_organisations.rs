//! Organisations: ministries, institutes, associations, agencies, boards.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    integer_null, string_len, string_len_null, string_null, text_null,
};

use crate::columns::{fk, id, index, sources, with_record_columns};
use crate::m20260101_000002_create_towns::Town;

#[derive(DeriveIden, Clone, Copy)]
pub enum Organisation {
    Table,
    Slug,
    Name,
    ShortName,
    Kind,
    Description,
    Website,
    Address,
    TownId,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(Organisation::Table)
            .col(id())
            .col(string_len_null(Organisation::Slug, 64))
            .col(string_len(Organisation::Name, 300))
            .col(string_len_null(Organisation::ShortName, 100))
            .col(string_len(Organisation::Kind, 32))
            .col(text_null(Organisation::Description))
            .col(string_null(Organisation::Website))
            .col(string_null(Organisation::Address))
            .col(integer_null(Organisation::TownId))
            .col(sources())
            .foreign_key(&mut fk(
                Organisation::Table,
                Organisation::TownId,
                Town::Table,
                ForeignKeyAction::SetNull,
            ));
        with_record_columns(&mut table);
        manager.create_table(table.to_owned()).await?;
        for statement in [
            index(Organisation::Table, "slug", &[Organisation::Slug], true),
            index(Organisation::Table, "name", &[Organisation::Name], false),
            index(Organisation::Table, "kind", &[Organisation::Kind], false),
            index(
                Organisation::Table,
                "town_id",
                &[Organisation::TownId],
                false,
            ),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Organisation::Table).to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
