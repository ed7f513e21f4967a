//! PostgreSQL only: every committed change to public content sends a `kleinstadt_changes`
//! notification, so every API instance on the database drops its cached answers, whoever wrote.
//! Replaced by the change log's own notification (`m20260501_000014_create_change_log`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// The tables whose content answers depend on.
const TABLES: [&str; 15] = [
    "town",
    "organisation",
    "person",
    "project_call",
    "model_project",
    "model_project_town",
    "model_project_partner",
    "event",
    "event_organiser",
    "session",
    "contribution",
    "registration",
    "document",
    "document_author",
    "advisory_board_membership",
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        create_triggers(manager.get_connection()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        drop_triggers(manager.get_connection()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// Creates the notifying function and a trigger on every table.
pub(crate) async fn create_triggers(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    db.execute_unprepared(
        "CREATE OR REPLACE FUNCTION kleinstadt_notify_change() RETURNS trigger AS $$
         BEGIN
           PERFORM pg_notify('kleinstadt_changes', TG_TABLE_NAME);
           RETURN NULL;
         END;
         $$ LANGUAGE plpgsql",
    )
    .await?;
    for table in TABLES {
        db.execute_unprepared(&format!(
            "CREATE TRIGGER kleinstadt_notify_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE \
             ON \"{table}\" FOR EACH STATEMENT EXECUTE FUNCTION kleinstadt_notify_change()"
        ))
        .await?;
    }
    Ok(())
}

/// Drops the triggers and their function.
pub(crate) async fn drop_triggers(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    for table in TABLES {
        db.execute_unprepared(&format!(
            "DROP TRIGGER IF EXISTS kleinstadt_notify_{table} ON \"{table}\""
        ))
        .await?;
    }
    db.execute_unprepared("DROP FUNCTION IF EXISTS kleinstadt_notify_change()")
        .await?;
    Ok(())
}
