//! Schema migrations of kleinstadt. Every migration runs in a transaction, on SQLite as on PostgreSQL,
//! and can be rolled back.

pub use sea_orm_migration::prelude::*;

mod columns;
mod m20260101_000001_create_states;
mod m20260101_000002_create_towns;
mod m20260101_000003_create_organisations;
mod m20260101_000004_create_people;
mod m20260101_000005_create_model_projects;
mod m20260101_000006_create_events;
mod m20260101_000007_create_sessions;
mod m20260101_000008_create_registrations;
mod m20260101_000009_create_documents;
mod m20260101_000010_create_advisory_board_memberships;
mod m20260201_000011_create_users_and_audit_log;
mod m20260301_000012_notify_changes;
mod m20260401_000013_create_search_index;
mod m20260501_000014_create_change_log;
mod m20260601_000015_create_webhooks;
mod m20261201_000016_create_persisted_documents;
mod m20261206_000017_create_staff_sessions;

/// The ordered list of kleinstadt's migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20260101_000001_create_states::Migration),
            Box::new(m20260101_000002_create_towns::Migration),
            Box::new(m20260101_000003_create_organisations::Migration),
            Box::new(m20260101_000004_create_people::Migration),
            Box::new(m20260101_000005_create_model_projects::Migration),
            Box::new(m20260101_000006_create_events::Migration),
            Box::new(m20260101_000007_create_sessions::Migration),
            Box::new(m20260101_000008_create_registrations::Migration),
            Box::new(m20260101_000009_create_documents::Migration),
            Box::new(m20260101_000010_create_advisory_board_memberships::Migration),
            Box::new(m20260201_000011_create_users_and_audit_log::Migration),
            Box::new(m20260301_000012_notify_changes::Migration),
            Box::new(m20260401_000013_create_search_index::Migration),
            Box::new(m20260501_000014_create_change_log::Migration),
            Box::new(m20260601_000015_create_webhooks::Migration),
            Box::new(m20261201_000016_create_persisted_documents::Migration),
            Box::new(m20261206_000017_create_staff_sessions::Migration),
        ]
    }
}
