//! The change log: one entry per change of a record, appended in the transaction of the change.
//!
//! Positions follow commit order. On PostgreSQL an entry's position is assigned by a deferred
//! trigger when its transaction commits, under a transaction-scoped advisory lock that is held until
//! the commit is visible, so a reader never sees a position before every lower one is committed (or
//! rolled back). The same trigger notifies `kleinstadt_changes`, replacing the per-table triggers of
//! an earlier migration. On SQLite writers are serialised, and the position is the row id.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer_null, big_pk_auto, integer, integer_null, string_len, string_len_null,
    timestamp_with_time_zone,
};
use sea_orm_migration::sea_orm::DbBackend;

use crate::columns::index;
use crate::m20260301_000012_notify_changes as per_table;

#[derive(DeriveIden, Clone, Copy)]
enum ChangeLog {
    Table,
    Id,
    Position,
    At,
    RecordType,
    RecordId,
    Action,
    PublicAction,
    Version,
    EventId,
    TownId,
    ModelProjectId,
    AuditEntryId,
    ActorEmail,
}

const POSTGRES_UP: [&str; 3] = [
    "CREATE SEQUENCE change_log_position",
    // 0x6b6c_6368_616e_6765 spells "klchange": the one lock that orders positions.
    "CREATE FUNCTION kleinstadt_stamp_change() RETURNS trigger AS $$
     BEGIN
       PERFORM pg_advisory_xact_lock(7740671159505413989);
       UPDATE change_log SET position = nextval('change_log_position') WHERE id = NEW.id;
       PERFORM pg_notify('kleinstadt_changes', '');
       RETURN NULL;
     END;
     $$ LANGUAGE plpgsql",
    "CREATE CONSTRAINT TRIGGER kleinstadt_stamp_change AFTER INSERT ON change_log
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION kleinstadt_stamp_change()",
];

const POSTGRES_DOWN: [&str; 3] = [
    "DROP TRIGGER IF EXISTS kleinstadt_stamp_change ON change_log",
    "DROP FUNCTION IF EXISTS kleinstadt_stamp_change()",
    "DROP SEQUENCE IF EXISTS change_log_position",
];

const SQLITE_UP: &str = "CREATE TRIGGER kleinstadt_stamp_change AFTER INSERT ON change_log BEGIN
   UPDATE change_log SET position = NEW.id WHERE id = NEW.id;
 END";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ChangeLog::Table)
                    .col(big_pk_auto(ChangeLog::Id))
                    .col(big_integer_null(ChangeLog::Position))
                    .col(timestamp_with_time_zone(ChangeLog::At))
                    .col(string_len(ChangeLog::RecordType, 32))
                    .col(integer(ChangeLog::RecordId))
                    .col(string_len(ChangeLog::Action, 16))
                    .col(string_len_null(ChangeLog::PublicAction, 16))
                    .col(integer(ChangeLog::Version))
                    .col(integer_null(ChangeLog::EventId))
                    .col(integer_null(ChangeLog::TownId))
                    .col(integer_null(ChangeLog::ModelProjectId))
                    .col(integer_null(ChangeLog::AuditEntryId))
                    .col(string_len_null(ChangeLog::ActorEmail, 320))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                ChangeLog::Table,
                "position",
                &[ChangeLog::Position],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                ChangeLog::Table,
                "record",
                &[ChangeLog::RecordType, ChangeLog::RecordId],
                false,
            ))
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                per_table::drop_triggers(db).await?;
                for statement in POSTGRES_UP {
                    db.execute_unprepared(statement).await?;
                }
            }
            _ => {
                db.execute_unprepared(SQLITE_UP).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                for statement in POSTGRES_DOWN {
                    db.execute_unprepared(statement).await?;
                }
                per_table::create_triggers(db).await?;
            }
            _ => {
                db.execute_unprepared("DROP TRIGGER IF EXISTS kleinstadt_stamp_change")
                    .await?;
            }
        }
        manager
            .drop_table(Table::drop().table(ChangeLog::Table).to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
