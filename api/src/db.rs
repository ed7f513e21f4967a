//! Database connection: one pool, SQLite tuned for safe concurrent use, a statement counter.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};

use crate::config::Config;
use crate::error::AppResult;
use crate::store::{search_index, write};

/// Counts the SQL statements a connection has executed (used to prove batching).
#[derive(Debug, Default)]
pub struct StatementCounter(AtomicU64);

impl StatementCounter {
    /// Statements executed so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Counts one statement sent past sea-orm.
    pub(crate) fn add(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// PostgreSQL's planner cost of reading a page out of order, for this service's connections.
const RANDOM_PAGE_COST: &str = "1.1";

/// Opens the pool. SQLite runs in WAL mode with foreign keys on, a busy timeout and full sync.
pub async fn connect(config: &Config) -> AppResult<(DatabaseConnection, Arc<StatementCounter>)> {
    let busy_timeout = Duration::from_millis(config.db_statement_timeout_ms);
    let mut options = ConnectOptions::new(config.database_url.clone());
    options
        .max_connections(config.db_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        // A ping before every statement doubles the round trips; a broken connection is dropped by
        // the pool when its statement fails instead.
        .test_before_acquire(false)
        .statement_timeout(Duration::from_millis(config.db_statement_timeout_ms))
        .sqlx_logging(false)
        // Reads look rows up by key in tables that stay in memory; with the default cost of a random
        // page (4, for spinning disks) PostgreSQL scans a whole table instead of looking up the few
        // rows a join needs.
        .map_sqlx_postgres_opts(|opts| opts.options([("random_page_cost", RANDOM_PAGE_COST)]))
        .map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(busy_timeout)
        });
    let mut db = Database::connect(options).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA foreign_keys",
            ))
            .await?;
        let on = row
            .and_then(|row| row.try_get_by_index::<i32>(0).ok())
            .is_some_and(|value| value == 1);
        if !on {
            return Err(crate::AppError::Internal(
                "SQLite refused to switch foreign keys on".to_owned(),
            ));
        }
    }
    let counter = Arc::new(StatementCounter::default());
    let sink = counter.clone();
    db.set_metric_callback(move |_info| {
        sink.0.fetch_add(1, Ordering::Relaxed);
    });
    Ok((db, counter))
}

/// Applies all pending migrations, and builds the full-text index of a database that has content
/// but no index yet.
pub async fn migrate(db: &DatabaseConnection) -> AppResult<()> {
    Migrator::up(db, None).await?;
    if search_index::needs_build(db).await? {
        let txn = write::begin(db).await?;
        search_index::rebuild(&txn).await?;
        txn.commit().await?;
    }
    Ok(())
}

/// Brings the planner's statistics up to date where they are missing or stale: on SQLite
/// `PRAGMA optimize` (which analyses the tables that need it; without statistics SQLite would
/// drive a lookup by key from a visibility condition instead), on PostgreSQL `ANALYZE` (after a
/// bulk load, before autovacuum gets to it).
pub async fn optimize(db: &DatabaseConnection) -> AppResult<()> {
    let statement = match db.get_database_backend() {
        DbBackend::Sqlite => "PRAGMA optimize=0x10002",
        DbBackend::Postgres => "ANALYZE",
        _ => return Ok(()),
    };
    db.execute_unprepared(statement).await?;
    Ok(())
}

/// How many migrations of this build are not applied yet.
pub async fn pending_migrations(db: &DatabaseConnection) -> AppResult<usize> {
    Ok(Migrator::get_pending_migrations(db).await?.len())
}

/// A short name of the backend, for logs.
pub fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Sqlite => "SQLite",
        DbBackend::Postgres => "PostgreSQL",
        _ => "other",
    }
}
