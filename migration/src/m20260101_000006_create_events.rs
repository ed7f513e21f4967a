//! Events (Veranstaltungen) and their organising organisations.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    integer, integer_null, string_len, string_len_null, string_null, text_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null,
};

use crate::columns::{fk, id, index, sources, with_record_columns};
use crate::m20260101_000002_create_towns::Town;
use crate::m20260101_000003_create_organisations::Organisation;
use crate::m20260101_000005_create_model_projects::ModelProject;

#[derive(DeriveIden, Clone, Copy)]
pub enum Event {
    Table,
    Slug,
    Title,
    Subtitle,
    Description,
    Format,
    Status,
    TimeZone,
    StartsAt,
    EndsAt,
    DatePrecision,
    Place,
    TownId,
    OnlineUrl,
    Website,
    ModelProjectId,
    Published,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum EventOrganiser {
    Table,
    EventId,
    OrganisationId,
    Role,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut events = Table::create();
        events
            .table(Event::Table)
            .col(id())
            .col(string_len_null(Event::Slug, 64))
            .col(string_len(Event::Title, 500))
            .col(string_len_null(Event::Subtitle, 500))
            .col(text_null(Event::Description))
            .col(string_len_null(Event::Format, 32))
            .col(string_len(Event::Status, 32).default("SCHEDULED"))
            .col(string_len(Event::TimeZone, 64).default("Europe/Berlin"))
            .col(timestamp_with_time_zone(Event::StartsAt))
            .col(timestamp_with_time_zone_null(Event::EndsAt))
            .col(string_len(Event::DatePrecision, 16).default("MINUTE"))
            .col(string_null(Event::Place))
            .col(integer_null(Event::TownId))
            .col(string_null(Event::OnlineUrl))
            .col(string_null(Event::Website))
            .col(integer_null(Event::ModelProjectId))
            .col(
                ColumnDef::new(Event::Published)
                    .boolean()
                    .not_null()
                    .default(false),
            )
            .col(sources())
            .foreign_key(&mut fk(
                Event::Table,
                Event::TownId,
                Town::Table,
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                Event::Table,
                Event::ModelProjectId,
                ModelProject::Table,
                ForeignKeyAction::Restrict,
            ));
        with_record_columns(&mut events);
        manager.create_table(events.to_owned()).await?;
        for statement in [
            index(Event::Table, "slug", &[Event::Slug], true),
            index(Event::Table, "starts_at", &[Event::StartsAt], false),
            index(
                Event::Table,
                "published_starts_at",
                &[Event::Published, Event::StartsAt],
                false,
            ),
            index(Event::Table, "town_id", &[Event::TownId], false),
            index(
                Event::Table,
                "model_project_id",
                &[Event::ModelProjectId],
                false,
            ),
        ] {
            manager.create_index(statement).await?;
        }

        let mut organisers = Table::create();
        organisers
            .table(EventOrganiser::Table)
            .col(id())
            .col(integer(EventOrganiser::EventId))
            .col(integer(EventOrganiser::OrganisationId))
            .col(string_len(EventOrganiser::Role, 32))
            .foreign_key(&mut fk(
                EventOrganiser::Table,
                EventOrganiser::EventId,
                Event::Table,
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                EventOrganiser::Table,
                EventOrganiser::OrganisationId,
                Organisation::Table,
                ForeignKeyAction::Restrict,
            ));
        with_record_columns(&mut organisers);
        manager.create_table(organisers.to_owned()).await?;
        manager
            .create_index(index(
                EventOrganiser::Table,
                "event_org_role",
                &[
                    EventOrganiser::EventId,
                    EventOrganiser::OrganisationId,
                    EventOrganiser::Role,
                ],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                EventOrganiser::Table,
                "organisation_id",
                &[EventOrganiser::OrganisationId],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EventOrganiser::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Event::Table).to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
