//! Webhook endpoints (where public changes are sent, with each endpoint's cursor into the change
//! log and its retry state) and the log of delivery attempts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, boolean, integer, integer_null, json, string_len,
    string_len_null, text_null, timestamp_with_time_zone, timestamp_with_time_zone_null,
};

use crate::columns::{fk, id, index, with_record_columns};

#[derive(DeriveIden, Clone, Copy)]
pub enum WebhookEndpoint {
    Table,
    Url,
    Description,
    Secret,
    Types,
    EventId,
    TownId,
    ModelProjectId,
    Enabled,
    DisabledReason,
    DeliveredThrough,
    Attempts,
    FailingSince,
    NextAttemptAt,
    LeasedUntil,
    LeaseOwner,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum WebhookDelivery {
    Table,
    EndpointId,
    Position,
    MessageId,
    Attempt,
    At,
    Status,
    Outcome,
    Error,
    DurationMs,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut endpoints = Table::create();
        endpoints
            .table(WebhookEndpoint::Table)
            .col(id())
            .col(string_len(WebhookEndpoint::Url, 2000))
            .col(string_len_null(WebhookEndpoint::Description, 500))
            .col(string_len(WebhookEndpoint::Secret, 100))
            .col(json(WebhookEndpoint::Types))
            .col(integer_null(WebhookEndpoint::EventId))
            .col(integer_null(WebhookEndpoint::TownId))
            .col(integer_null(WebhookEndpoint::ModelProjectId))
            .col(boolean(WebhookEndpoint::Enabled).default(true))
            .col(text_null(WebhookEndpoint::DisabledReason))
            .col(big_integer(WebhookEndpoint::DeliveredThrough).default(0))
            .col(integer(WebhookEndpoint::Attempts).default(0))
            .col(timestamp_with_time_zone_null(WebhookEndpoint::FailingSince))
            .col(timestamp_with_time_zone(WebhookEndpoint::NextAttemptAt))
            .col(timestamp_with_time_zone_null(WebhookEndpoint::LeasedUntil))
            .col(string_len_null(WebhookEndpoint::LeaseOwner, 64));
        with_record_columns(&mut endpoints);
        manager.create_table(endpoints.to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookDelivery::Table)
                    .col(id())
                    .col(integer(WebhookDelivery::EndpointId))
                    .col(big_integer_null(WebhookDelivery::Position))
                    .col(string_len(WebhookDelivery::MessageId, 64))
                    .col(integer(WebhookDelivery::Attempt))
                    .col(timestamp_with_time_zone(WebhookDelivery::At))
                    .col(integer_null(WebhookDelivery::Status))
                    .col(string_len(WebhookDelivery::Outcome, 16))
                    .col(string_len_null(WebhookDelivery::Error, 300))
                    .col(integer(WebhookDelivery::DurationMs))
                    .foreign_key(&mut fk(
                        WebhookDelivery::Table,
                        WebhookDelivery::EndpointId,
                        WebhookEndpoint::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        for statement in [
            // The dispatcher's claim: enabled endpoints by due time.
            index(
                WebhookEndpoint::Table,
                "due",
                &[WebhookEndpoint::Enabled, WebhookEndpoint::NextAttemptAt],
                false,
            ),
            // An endpoint's deliveries, newest first.
            index(
                WebhookDelivery::Table,
                "endpoint",
                &[WebhookDelivery::EndpointId, WebhookDelivery::At],
                false,
            ),
            index(WebhookDelivery::Table, "at", &[WebhookDelivery::At], false),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookDelivery::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(WebhookEndpoint::Table).to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
