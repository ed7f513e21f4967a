//! Database connection: one pool, SQLite tuned for safe concurrent use, a statement counter.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};

use crate::config::Config;
use crate::error::AppResult;

/// Counts the SQL statements a connection has executed (used to prove batching).
#[derive(Debug, Default)]
pub struct StatementCounter(AtomicU64);

impl StatementCounter {
    /// Statements executed so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Opens the pool. SQLite runs in WAL mode with foreign keys on, a busy timeout and full sync.
pub async fn connect(config: &Config) -> AppResult<(DatabaseConnection, Arc<StatementCounter>)> {
    let mut options = ConnectOptions::new(config.database_url.clone());
    options
        .max_connections(config.db_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        // A ping before every statement doubles the round trips; a broken connection is dropped by
        // the pool when its statement fails instead.
        .test_before_acquire(false)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
        });
    let mut db = Database::connect(options).await?;
    let counter = Arc::new(StatementCounter::default());
    let sink = counter.clone();
    db.set_metric_callback(move |_info| {
        sink.0.fetch_add(1, Ordering::Relaxed);
    });
    Ok((db, counter))
}

/// Applies all pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> AppResult<()> {
    Migrator::up(db, None).await?;
    crate::service::search::ensure_built(db).await?;
    Ok(())
}

/// A short name of the backend, for logs.
pub fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Sqlite => "SQLite",
        DbBackend::Postgres => "PostgreSQL",
        _ => "other",
    }
}
