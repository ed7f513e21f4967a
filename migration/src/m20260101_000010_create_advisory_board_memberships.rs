//! Advisory-board (Beirat) memberships: person, board, role, period.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{integer, string_len, string_len_null, string_null};

use crate::columns::{fk, id, index, sources, with_record_columns};
use crate::m20260101_000003_create_organisations::Organisation;
use crate::m20260101_000004_create_people::Person;

#[derive(DeriveIden, Clone, Copy)]
pub enum AdvisoryBoardMembership {
    Table,
    BoardId,
    PersonId,
    Role,
    FromDate,
    UntilDate,
    Note,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(AdvisoryBoardMembership::Table)
            .col(id())
            .col(integer(AdvisoryBoardMembership::BoardId))
            .col(integer(AdvisoryBoardMembership::PersonId))
            .col(string_len(AdvisoryBoardMembership::Role, 32))
            .col(string_len_null(AdvisoryBoardMembership::FromDate, 10))
            .col(string_len_null(AdvisoryBoardMembership::UntilDate, 10))
            .col(string_null(AdvisoryBoardMembership::Note))
            .col(sources())
            .foreign_key(&mut fk(
                AdvisoryBoardMembership::Table,
                AdvisoryBoardMembership::BoardId,
                Organisation::Table,
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                AdvisoryBoardMembership::Table,
                AdvisoryBoardMembership::PersonId,
                Person::Table,
                ForeignKeyAction::Cascade,
            ));
        with_record_columns(&mut table);
        manager.create_table(table.to_owned()).await?;
        manager
            .create_index(index(
                AdvisoryBoardMembership::Table,
                "board_id",
                &[AdvisoryBoardMembership::BoardId],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                AdvisoryBoardMembership::Table,
                "person_id",
                &[AdvisoryBoardMembership::PersonId],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(AdvisoryBoardMembership::Table)
                    .to_owned(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
