//! Backup and restore of the embedded SQLite database: an online, consistent copy made with
//! `VACUUM INTO` and checked, and a restore that checks a copy and swaps it in atomically.
//! PostgreSQL databases are saved with `pg_dump -Fc` and restored with `pg_restore`
//! (docs/OPERATIONS.md).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sea_orm::sqlx::{self, Connection as _};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

use crate::config::Config;

/// Why a backup or restore was refused or failed; every message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "PostgreSQL databases are backed up with `pg_dump -Fc` and restored with `pg_restore` \
         (see \"Backup and restore\" in docs/OPERATIONS.md); kleinstadt backup/restore handle \
         SQLite files"
    )]
    Postgres,
    #[error("backup and restore need a SQLite file database, not {0}")]
    NotAFile(String),
    #[error("no database at {0}")]
    NoDatabase(PathBuf),
    #[error("{0} already exists; a backup never overwrites a file")]
    Exists(PathBuf),
    #[error("{0} is the database itself; give the path of a backup")]
    SameFile(PathBuf),
    #[error("{path} is not a SQLite database ({reason})")]
    NotADatabase { path: PathBuf, reason: String },
    #[error("{0} is not a kleinstadt database: it has no migration table")]
    NotKleinstadt(PathBuf),
    #[error(
        "{path} was written by another version of kleinstadt: its migrations ({reason}) are not a \
         prefix of this binary's; restore it with the version that wrote it"
    )]
    ForeignMigrations { path: PathBuf, reason: String },
    #[error("{path} is damaged: {problems}")]
    Damaged { path: PathBuf, problems: String },
    #[error("{0} is in use by another process; stop the server before restoring")]
    InUse(PathBuf),
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the backup {path}: {reason}")]
    Copy { path: PathBuf, reason: String },
}

/// What a backup or a restore wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The file written.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// The migrations applied in it, oldest first.
    pub migrations: Vec<String>,
}

/// The SQLite file of `config`, whether or not it exists yet.
pub fn sqlite_file(config: &Config) -> Result<PathBuf, BackupError> {
    if config.database_url.starts_with("postgres") {
        return Err(BackupError::Postgres);
    }
    config
        .sqlite_path()
        .ok_or_else(|| BackupError::NotAFile(config.database_display()))
}

/// Writes a consistent copy of the open SQLite database `db` to `target`, which must not exist,
/// then syncs and checks it. A copy that fails its check is removed.
pub async fn backup(db: &DatabaseConnection, target: &Path) -> Result<Written, BackupError> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err(BackupError::Postgres);
    }
    if target.symlink_metadata().is_ok() {
        return Err(BackupError::Exists(target.to_owned()));
    }
    let name = target.to_str().ok_or_else(|| BackupError::Io {
        action: "name",
        path: target.to_owned(),
        source: std::io::Error::other("the path is not valid UTF-8"),
    })?;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [name.into()],
    ))
    .await
    .map_err(|error: DbErr| BackupError::Copy {
        path: target.to_owned(),
        reason: error.to_string(),
    })?;
    let checked = async {
        sync_file(target)?;
        sync_dir(target)?;
        inspect(target).await
    };
    match checked.await {
        Ok(migrations) => Ok(Written {
            path: target.to_owned(),
            bytes: size(target)?,
            migrations,
        }),
        Err(error) => {
            let _ = std::fs::remove_file(target);
            Err(error)
        }
    }
}

/// Replaces the SQLite database `database` by the backup `source` after checking the backup: a copy
/// is written beside the database, synced, checked and renamed over it; the old database's WAL and
/// shared-memory files go with it. The caller migrates the result. The server must be stopped.
pub async fn restore(source: &Path, database: &Path) -> Result<Written, BackupError> {
    if !source.is_file() {
        return Err(BackupError::NoDatabase(source.to_owned()));
    }
    if database.exists() && same_file(source, database)? {
        return Err(BackupError::SameFile(source.to_owned()));
    }
    let temp = temp_path(database);
    let written = async {
        copy_synced(source, &temp)?;
        let migrations = inspect(&temp)
            .await
            .map_err(|error| blame_source(error, source))?;
        remove_companions(&temp)?;
        Ok::<_, BackupError>(migrations)
    }
    .await;
    let migrations = match written {
        Ok(migrations) => migrations,
        Err(error) => {
            let _ = std::fs::remove_file(&temp);
            let _ = remove_companions(&temp);
            return Err(error);
        }
    };
    if let Err(error) = release(database).await {
        let _ = std::fs::remove_file(&temp);
        return Err(error);
    }
    std::fs::rename(&temp, database).map_err(|source| BackupError::Io {
        action: "move the restored copy to",
        path: database.to_owned(),
        source,
    })?;
    sync_dir(database)?;
    Ok(Written {
        path: database.to_owned(),
        bytes: size(database)?,
        migrations,
    })
}

/// Checks a database file: integrity, foreign keys, and migrations that are a prefix of ours.
/// Returns the applied migrations.
async fn inspect(path: &Path) -> Result<Vec<String>, BackupError> {
    let not_a_database = |error: sqlx::Error| BackupError::NotADatabase {
        path: path.to_owned(),
        reason: error.to_string(),
    };
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false);
    let mut connection = SqliteConnection::connect_with(&options)
        .await
        .map_err(not_a_database)?;
    let checked = check(&mut connection, path).await;
    let _ = connection.close().await;
    let applied = checked?;
    let known: Vec<String> = Migrator::migrations()
        .iter()
        .map(|migration| migration.name().to_owned())
        .collect();
    if let Some(reason) = prefix_mismatch(&applied, &known) {
        return Err(BackupError::ForeignMigrations {
            path: path.to_owned(),
            reason,
        });
    }
    Ok(applied)
}

async fn check(connection: &mut SqliteConnection, path: &Path) -> Result<Vec<String>, BackupError> {
    let not_a_database = |error: sqlx::Error| BackupError::NotADatabase {
        path: path.to_owned(),
        reason: error.to_string(),
    };
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *connection)
        .await
        .map_err(not_a_database)?;
    if integrity != ["ok"] {
        return Err(BackupError::Damaged {
            path: path.to_owned(),
            problems: integrity.join("; "),
        });
    }
    let orphans: Vec<(String, Option<i64>, String)> =
        sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")
            .fetch_all(&mut *connection)
            .await
            .map_err(not_a_database)?;
    if !orphans.is_empty() {
        let examples: Vec<String> = orphans
            .iter()
            .take(5)
            .map(|(table, row, parent)| {
                format!(
                    "{table} row {} points to a missing {parent}",
                    row.unwrap_or(0)
                )
            })
            .collect();
        return Err(BackupError::Damaged {
            path: path.to_owned(),
            problems: format!(
                "{} broken foreign keys, e.g. {}",
                orphans.len(),
                examples.join(", ")
            ),
        });
    }
    let has_migrations: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'",
    )
    .fetch_optional(&mut *connection)
    .await
    .map_err(not_a_database)?;
    if has_migrations.is_none() {
        return Err(BackupError::NotKleinstadt(path.to_owned()));
    }
    sqlx::query_scalar("SELECT version FROM seaql_migrations ORDER BY version")
        .fetch_all(&mut *connection)
        .await
        .map_err(not_a_database)
}

/// Why `applied` is not a prefix of `known`, if it is not.
fn prefix_mismatch(applied: &[String], known: &[String]) -> Option<String> {
    let unknown: Vec<&str> = applied
        .iter()
        .filter(|name| !known.contains(name))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Some(format!("unknown: {}", unknown.join(", ")));
    }
    let missing = known
        .iter()
        .take(applied.len())
        .find(|name| !applied.contains(name))?;
    Some(format!("{missing} is missing before later ones"))
}

/// Makes sure nothing else has `database` open, folds its WAL into the file and removes the WAL,
/// shared-memory and journal files, so none of them is applied to the restored copy.
async fn release(database: &Path) -> Result<(), BackupError> {
    if database.exists() {
        let options = SqliteConnectOptions::new()
            .filename(database)
            .create_if_missing(false);
        match SqliteConnection::connect_with(&options).await {
            Ok(mut connection) => {
                let checkpoint = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&mut connection)
                    .await;
                let _ = connection.close().await;
                if let Err(error) = checkpoint {
                    if is_busy(&error) {
                        return Err(BackupError::InUse(database.to_owned()));
                    }
                    tracing::warn!(%error, "the database being replaced is unreadable");
                }
                // The last connection to close removes the WAL; a remaining one has other users.
                if companion(database, "-wal").exists() {
                    return Err(BackupError::InUse(database.to_owned()));
                }
            }
            Err(error) => tracing::warn!(%error, "the database being replaced cannot be opened"),
        }
    }
    remove_companions(database)
}

fn is_busy(error: &sqlx::Error) -> bool {
    let code = match error {
        sqlx::Error::Database(error) => error.code(),
        _ => None,
    };
    code.and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| matches!(code & 0xff, 5 | 6))
}

fn remove_companions(database: &Path) -> Result<(), BackupError> {
    for suffix in ["-wal", "-shm", "-journal"] {
        let path = companion(database, suffix);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(BackupError::Io {
                    action: "remove",
                    path,
                    source,
                });
            }
        }
    }
    Ok(())
}

fn companion(database: &Path, suffix: &str) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A fresh name beside `database`, so the final rename stays on one file system.
fn temp_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(format!(".restore-{}.tmp", std::process::id()));
    PathBuf::from(name)
}

fn blame_source(error: BackupError, source: &Path) -> BackupError {
    let path = source.to_owned();
    match error {
        BackupError::NotADatabase { reason, .. } => BackupError::NotADatabase { path, reason },
        BackupError::NotKleinstadt(_) => BackupError::NotKleinstadt(path),
        BackupError::ForeignMigrations { reason, .. } => {
            BackupError::ForeignMigrations { path, reason }
        }
        BackupError::Damaged { problems, .. } => BackupError::Damaged { path, problems },
        other => other,
    }
}

fn copy_synced(source: &Path, target: &Path) -> Result<(), BackupError> {
    let io = |action: &'static str, path: &Path| {
        let path = path.to_owned();
        move |source| BackupError::Io {
            action,
            path,
            source,
        }
    };
    let mut from = File::open(source).map_err(io("read", source))?;
    let mut to = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(target)
        .map_err(io("create", target))?;
    std::io::copy(&mut from, &mut to).map_err(io("write", target))?;
    to.sync_all().map_err(io("sync", target))
}

fn sync_file(path: &Path) -> Result<(), BackupError> {
    File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(|source| BackupError::Io {
            action: "sync",
            path: path.to_owned(),
            source,
        })
}

/// Syncs the directory holding `path`, so a new or renamed entry survives a crash.
fn sync_dir(path: &Path) -> Result<(), BackupError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    #[cfg(unix)]
    sync_file(dir)?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn size(path: &Path) -> Result<u64, BackupError> {
    std::fs::metadata(path)
        .map(|metadata| metadata.len())
        .map_err(|source| BackupError::Io {
            action: "read",
            path: path.to_owned(),
            source,
        })
}

fn same_file(a: &Path, b: &Path) -> Result<bool, BackupError> {
    let canonical = |path: &Path| {
        path.canonicalize().map_err(|source| BackupError::Io {
            action: "resolve",
            path: path.to_owned(),
            source,
        })
    };
    Ok(canonical(a)? == canonical(b)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn applied_migrations_must_be_a_prefix() {
        let known = names(&["m1", "m2", "m3"]);
        assert_eq!(prefix_mismatch(&names(&[]), &known), None);
        assert_eq!(prefix_mismatch(&names(&["m1", "m2"]), &known), None);
        assert_eq!(prefix_mismatch(&known, &known), None);
        assert_eq!(
            prefix_mismatch(&names(&["m1", "m9"]), &known).as_deref(),
            Some("unknown: m9")
        );
        assert_eq!(
            prefix_mismatch(&names(&["m1", "m3"]), &known).as_deref(),
            Some("m2 is missing before later ones")
        );
    }
}
