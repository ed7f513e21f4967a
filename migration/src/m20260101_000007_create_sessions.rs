//! Sessions (Programmpunkte) of events and the contributions (who appears, in which role) to them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer, integer_null, string_len, string_len_null, text_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null,
};

use crate::columns::{fk, id, index, sources, with_record_columns};
use crate::m20260101_000003_create_organisations::Organisation;
use crate::m20260101_000004_create_people::Person;
use crate::m20260101_000006_create_events::Event;

#[derive(DeriveIden, Clone, Copy)]
pub enum Session {
    Table,
    EventId,
    Position,
    Title,
    Subtitle,
    Kind,
    StartsAt,
    EndsAt,
    EndInferred,
    Description,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Contribution {
    Table,
    EventId,
    SessionId,
    PersonId,
    OrganisationId,
    Role,
    Affiliation,
    Position,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut sessions = Table::create();
        sessions
            .table(Session::Table)
            .col(id())
            .col(integer(Session::EventId))
            .col(integer(Session::Position).default(0))
            .col(string_len(Session::Title, 500))
            .col(string_len_null(Session::Subtitle, 500))
            .col(string_len(Session::Kind, 32))
            .col(timestamp_with_time_zone(Session::StartsAt))
            .col(timestamp_with_time_zone_null(Session::EndsAt))
            .col(boolean(Session::EndInferred).default(false))
            .col(text_null(Session::Description))
            .col(sources())
            .foreign_key(&mut fk(
                Session::Table,
                Session::EventId,
                Event::Table,
                ForeignKeyAction::Cascade,
            ));
        with_record_columns(&mut sessions);
        manager.create_table(sessions.to_owned()).await?;
        manager
            .create_index(index(
                Session::Table,
                "event_starts_at",
                &[Session::EventId, Session::StartsAt],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                Session::Table,
                "starts_at",
                &[Session::StartsAt],
                false,
            ))
            .await?;

        let mut contributions = Table::create();
        contributions
            .table(Contribution::Table)
            .col(id())
            .col(integer(Contribution::EventId))
            .col(integer_null(Contribution::SessionId))
            .col(integer_null(Contribution::PersonId))
            .col(integer_null(Contribution::OrganisationId))
            .col(string_len(Contribution::Role, 32))
            .col(string_len_null(Contribution::Affiliation, 500))
            .col(integer(Contribution::Position).default(0))
            .check(
                Expr::col(Contribution::PersonId)
                    .is_not_null()
                    .or(Expr::col(Contribution::OrganisationId).is_not_null()),
            )
            .foreign_key(&mut fk(
                Contribution::Table,
                Contribution::EventId,
                Event::Table,
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                Contribution::Table,
                Contribution::SessionId,
                Session::Table,
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                Contribution::Table,
                Contribution::PersonId,
                Person::Table,
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                Contribution::Table,
                Contribution::OrganisationId,
                Organisation::Table,
                ForeignKeyAction::Restrict,
            ));
        with_record_columns(&mut contributions);
        manager.create_table(contributions.to_owned()).await?;
        for statement in [
            index(
                Contribution::Table,
                "event_id",
                &[Contribution::EventId],
                false,
            ),
            index(
                Contribution::Table,
                "session_id",
                &[Contribution::SessionId],
                false,
            ),
            index(
                Contribution::Table,
                "person_id",
                &[Contribution::PersonId],
                false,
            ),
            index(
                Contribution::Table,
                "organisation_id",
                &[Contribution::OrganisationId],
                false,
            ),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Contribution::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Session::Table).to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
