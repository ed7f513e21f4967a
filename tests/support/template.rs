//! Test databases copied from per-run templates: the schema is migrated, and the demo data seeded,
//! once per test process instead of once per test.
//!
//! SQLite: each template is built once per process, in a `OnceLock` initialiser on a thread with its
//! own runtime (every `#[tokio::test]` has its own runtime, and a pool must not outlive the runtime it
//! was opened on). The WAL is checkpointed into the main file, the pool is closed, the file is read into
//! memory and deleted at once. Each test writes those bytes to a file of its own (removed with its
//! `TestApp`), so no template file outlives the first moments of a run, whether it ends or is killed.
//!
//! PostgreSQL: each run has a random id; its template and test databases are named
//! `kleinstadt_test_<run>_…`, so runs never see each other's data. A run first takes a session-level
//! advisory lock keyed by its id, on a connection it keeps open until the process ends, then builds its
//! templates (migrated; migrated and seeded) and closes every connection to them, so that each test can
//! copy one with `CREATE DATABASE … TEMPLATE …`; concurrent copies of one template are allowed. A test's
//! database is dropped when its `TestApp` is. A template cannot be dropped at the end of a run (libtest
//! offers no exit hook, and a killed run would not run one); instead, before building its own, every run
//! sweeps the databases of earlier runs: a run whose advisory lock can be taken has ended (the server
//! releases the lock when the owner's connection closes, also when the process was killed), so its
//! databases are dropped. Between runs, only the templates (and the databases of tests a kill
//! interrupted) of the runs that ended since the last one started remain.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kleinstadt::config::Config;
use sea_orm::sqlx::{self, Connection, PgConnection, Row};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

/// What a test's database starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    /// The migrated schema, no rows.
    Migrated,
    /// The migrated schema with the demo data.
    Seeded,
}

/// A test's own database, removed by [`TestDatabase::remove`].
pub enum TestDatabase {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

/// Every database of a test run starts with this; the sweep looks for it.
const PREFIX: &str = "kleinstadt_test_";

/// Tags the advisory-lock keys of test runs (`kl` in ASCII) in the server's shared key space.
const LOCK_TAG: i64 = 0x6b6c << 48;

/// The PostgreSQL server for tests, when one is configured.
fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| url.starts_with("postgres"))
}

/// The URL of database `name` on the server of `url`.
fn with_database(url: &str, name: &str) -> String {
    match url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => format!("{url}/{name}"),
    }
}

/// A random hexadecimal name part of `digits` digits.
fn random_hex(digits: usize) -> String {
    uuid::Uuid::new_v4().simple().to_string()[..digits].to_owned()
}

/// Runs `work` to completion on a new thread with a runtime of its own.
fn on_own_runtime<T: Send + 'static>(work: impl Future<Output = T> + Send + 'static) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the template")
            .block_on(work)
    })
    .join()
    .expect("the template thread panicked")
}

/// Migrates `db` and, for [`Template::Seeded`], loads the demo data.
async fn fill(db: &DatabaseConnection, template: Template) {
    kleinstadt::db::migrate(db).await.expect("migration");
    if template == Template::Seeded {
        kleinstadt::bulk::seed::seed_demo(db)
            .await
            .expect("seeding the demo data");
    }
}

impl TestDatabase {
    /// A new database for one test, copied from `template`.
    pub async fn create(template: Template) -> Self {
        match postgres_url() {
            Some(admin_url) => {
                let run = run(&admin_url);
                let source = postgres_template(&admin_url, template);
                let name = format!("{PREFIX}{}_{}", run.id, random_hex(16));
                let admin = Database::connect(admin_url.as_str())
                    .await
                    .expect("cannot reach TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!(
                        "CREATE DATABASE \"{name}\" TEMPLATE \"{source}\""
                    ))
                    .await
                    .expect("copying the template database");
                admin.close().await.expect("closing the admin connection");
                Self::Postgres { admin_url, name }
            }
            None => {
                let path = std::env::temp_dir().join(format!("{PREFIX}{}.sqlite", random_hex(32)));
                std::fs::write(&path, sqlite_template(template))
                    .expect("writing the test database");
                Self::Sqlite(path)
            }
        }
    }

    /// The URL to connect to.
    pub fn url(&self) -> String {
        match self {
            Self::Sqlite(path) => sqlite_url(path),
            Self::Postgres { admin_url, name } => with_database(admin_url, name),
        }
    }

    /// Whether this database is on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
    }

    /// Deletes the database; errors are ignored, as the test's result is already decided.
    pub fn remove(&self) {
        match self {
            Self::Sqlite(path) => remove_sqlite(path),
            Self::Postgres { admin_url, name } => {
                let admin_url = admin_url.clone();
                let name = name.clone();
                // Called from Drop inside the test's runtime (maybe while a failed test unwinds): a
                // runtime of its own on another thread, and no panic.
                let dropped = std::thread::spawn(move || {
                    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    runtime.block_on(async {
                        if let Ok(admin) = Database::connect(admin_url.as_str()).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                ))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                });
                let _ = dropped.join();
            }
        }
    }
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Removes a SQLite database with its WAL and shared-memory files.
fn remove_sqlite(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
}

/// The bytes of the SQLite template, built on first use.
fn sqlite_template(template: Template) -> &'static [u8] {
    static MIGRATED: OnceLock<Vec<u8>> = OnceLock::new();
    static SEEDED: OnceLock<Vec<u8>> = OnceLock::new();
    let cell = match template {
        Template::Migrated => &MIGRATED,
        Template::Seeded => &SEEDED,
    };
    cell.get_or_init(|| on_own_runtime(build_sqlite(template)))
}

async fn build_sqlite(template: Template) -> Vec<u8> {
    let path = std::env::temp_dir().join(format!("{PREFIX}{}.sqlite", random_hex(32)));
    let config = Config::for_database(sqlite_url(&path));
    let (db, _) = kleinstadt::db::connect(&config)
        .await
        .expect("opening the template");
    fill(&db, template).await;
    // Every committed page into the main file, so that the file alone is the database.
    db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .expect("checkpointing the template");
    db.close().await.expect("closing the template");
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let pending = std::fs::metadata(&wal).map_or(0, |meta| meta.len());
    assert_eq!(pending, 0, "the template's WAL was not checkpointed");
    let bytes = std::fs::read(&path).expect("reading the template");
    remove_sqlite(&path);
    bytes
}

/// This process's test run on the PostgreSQL server.
struct Run {
    id: String,
}

/// The run, registered on first use: its lock is taken and earlier runs are swept.
fn run(admin_url: &str) -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let id = random_hex(12);
        let key = lock_key(&id).expect("a hexadecimal run id");
        let (ready, registered) = std::sync::mpsc::channel();
        let url = admin_url.to_owned();
        let id_of_run = id.clone();
        // The lock lives as long as this connection, and the connection as long as the process.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the run's lock");
            runtime.block_on(async move {
                let mut lock = PgConnection::connect(&url)
                    .await
                    .expect("cannot reach TEST_DATABASE_URL");
                sqlx::query("SELECT pg_advisory_lock($1)")
                    .bind(key)
                    .execute(&mut lock)
                    .await
                    .expect("taking the run's lock");
                sweep(&mut lock, &id_of_run).await;
                let _ = ready.send(());
                std::future::pending::<()>().await;
                drop(lock);
            });
        });
        registered
            .recv()
            .expect("the run's lock could not be taken");
        Run { id }
    })
}

/// The advisory-lock key of run `id`.
fn lock_key(id: &str) -> Option<i64> {
    i64::from_str_radix(id, 16).ok().map(|run| LOCK_TAG | run)
}

/// Drops the databases of every other run that has ended.
async fn sweep(connection: &mut PgConnection, own: &str) {
    let rows = sqlx::query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
        .bind(PREFIX)
        .fetch_all(&mut *connection)
        .await
        .expect("listing test databases");
    let mut runs: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for row in rows {
        let name: String = row.get(0);
        // Names without a run id are not this scheme's; they are left alone.
        if let Some((run, _)) = name[PREFIX.len()..].split_once('_') {
            runs.entry(run.to_owned()).or_default().push(name.clone());
        }
    }
    for (run, names) in runs {
        let Some(key) = lock_key(&run).filter(|_| run != own) else {
            continue;
        };
        let ended: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(key)
            .fetch_one(&mut *connection)
            .await
            .expect("trying an earlier run's lock");
        if !ended {
            continue;
        }
        for name in names {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
            )))
            .execute(&mut *connection)
            .await
            .expect("dropping an ended run's database");
        }
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(key)
            .execute(&mut *connection)
            .await
            .expect("releasing an ended run's lock");
    }
}

/// The name of this run's PostgreSQL template, built on first use.
fn postgres_template(admin_url: &str, template: Template) -> &'static str {
    static MIGRATED: OnceLock<String> = OnceLock::new();
    static SEEDED: OnceLock<String> = OnceLock::new();
    let cell = match template {
        Template::Migrated => &MIGRATED,
        Template::Seeded => &SEEDED,
    };
    cell.get_or_init(|| {
        let name = match template {
            Template::Migrated => format!("{PREFIX}{}_migrated", run(admin_url).id),
            Template::Seeded => format!("{PREFIX}{}_seeded", run(admin_url).id),
        };
        on_own_runtime(build_postgres(admin_url.to_owned(), name.clone(), template));
        name
    })
}

async fn build_postgres(admin_url: String, name: String, template: Template) {
    let admin = Database::connect(admin_url.as_str())
        .await
        .expect("cannot reach TEST_DATABASE_URL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("creating the template database");
    let config = Config::for_database(with_database(&admin_url, &name));
    let (db, _) = kleinstadt::db::connect(&config)
        .await
        .expect("opening the template");
    fill(&db, template).await;
    db.close().await.expect("closing the template");
    // A copy fails while anyone is connected to its template; from now on nobody can be.
    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false"
        ))
        .await
        .expect("closing the template to connections");
    admin.close().await.expect("closing the admin connection");
}
