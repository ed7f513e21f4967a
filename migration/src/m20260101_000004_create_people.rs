//! People: speakers, participants, authors, board members. E-mail, phone and consent are private.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    integer_null, string_len, string_len_null, string_null, text_null,
    timestamp_with_time_zone_null,
};

use crate::columns::{fk, id, index, sources, with_record_columns};
use crate::m20260101_000002_create_towns::Town;
use crate::m20260101_000003_create_organisations::Organisation;

#[derive(DeriveIden, Clone, Copy)]
pub enum Person {
    Table,
    Slug,
    Name,
    AcademicTitle,
    Position,
    OrganisationId,
    TownId,
    Email,
    Phone,
    Biography,
    PhotoUrl,
    Website,
    ConsentGivenAt,
    ConsentNote,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(Person::Table)
            .col(id())
            .col(string_len_null(Person::Slug, 64))
            .col(string_len(Person::Name, 200))
            .col(string_len_null(Person::AcademicTitle, 50))
            .col(string_len_null(Person::Position, 300))
            .col(integer_null(Person::OrganisationId))
            .col(integer_null(Person::TownId))
            .col(string_len_null(Person::Email, 254))
            .col(string_len_null(Person::Phone, 50))
            .col(text_null(Person::Biography))
            .col(string_null(Person::PhotoUrl))
            .col(string_null(Person::Website))
            .col(timestamp_with_time_zone_null(Person::ConsentGivenAt))
            .col(string_null(Person::ConsentNote))
            .col(sources())
            .foreign_key(&mut fk(
                Person::Table,
                Person::OrganisationId,
                Organisation::Table,
                ForeignKeyAction::SetNull,
            ))
            .foreign_key(&mut fk(
                Person::Table,
                Person::TownId,
                Town::Table,
                ForeignKeyAction::SetNull,
            ));
        with_record_columns(&mut table);
        manager.create_table(table.to_owned()).await?;
        for statement in [
            index(Person::Table, "slug", &[Person::Slug], true),
            index(Person::Table, "name", &[Person::Name], false),
            index(
                Person::Table,
                "organisation_id",
                &[Person::OrganisationId],
                false,
            ),
            index(Person::Table, "town_id", &[Person::TownId], false),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Person::Table).to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
