//! Registrations: who registered for or attended an event. Private data.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{integer, string_len, string_null, timestamp_with_time_zone_null};

use crate::columns::{fk, id, index, sources, with_record_columns};
use crate::m20260101_000004_create_people::Person;
use crate::m20260101_000006_create_events::Event;

#[derive(DeriveIden, Clone, Copy)]
pub enum Registration {
    Table,
    EventId,
    PersonId,
    Status,
    RegisteredAt,
    Note,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(Registration::Table)
            .col(id())
            .col(integer(Registration::EventId))
            .col(integer(Registration::PersonId))
            .col(string_len(Registration::Status, 32))
            .col(timestamp_with_time_zone_null(Registration::RegisteredAt))
            .col(string_null(Registration::Note))
            .col(sources())
            .foreign_key(&mut fk(
                Registration::Table,
                Registration::EventId,
                Event::Table,
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                Registration::Table,
                Registration::PersonId,
                Person::Table,
                ForeignKeyAction::Cascade,
            ));
        with_record_columns(&mut table);
        manager.create_table(table.to_owned()).await?;
        manager
            .create_index(index(
                Registration::Table,
                "event_person",
                &[Registration::EventId, Registration::PersonId],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                Registration::Table,
                "person_id",
                &[Registration::PersonId],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Registration::Table).to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
