//! Follows the head of the change log, whoever writes (this instance, another one, the CLI, a
//! bundle import): when it moves, the answer cache is dropped and subscribers (the webhook
//! dispatcher) are woken. It polls every `CHANGE_POLL_MS`, which bounds how long a stale answer can
//! outlive a commit; on PostgreSQL the commit's `kleinstadt_changes` notification wakes it at once.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::sync::{Notify, watch};

use crate::cache::ResponseCache;

/// The PostgreSQL notification channel the change log's trigger uses.
pub const CHANNEL: &str = "kleinstadt_changes";

/// The last head of the change log seen by this instance.
#[derive(Clone, Debug)]
pub struct ChangeWatcher {
    head: watch::Receiver<i64>,
    wake: Arc<Notify>,
}

impl ChangeWatcher {
    /// A receiver that is told every new head.
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.head.clone()
    }

    /// The last head seen.
    pub fn head(&self) -> i64 {
        *self.head.borrow()
    }

    /// Looks at the head now instead of at the next poll.
    pub fn poke(&self) {
        self.wake.notify_one();
    }

    /// Starts following the log of `db` (inside a Tokio runtime; elsewhere it only reports 0).
    /// The task ends when every clone of the watcher is gone.
    pub fn start(db: DatabaseConnection, cache: ResponseCache, every: Duration) -> Self {
        let (sender, head) = watch::channel(0);
        let wake = Arc::new(Notify::new());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(follow(db, cache, every, sender, wake.clone()));
        }
        Self { head, wake }
    }

    /// Also wakes on PostgreSQL's notifications of committed changes, reconnecting after
    /// failures. The task ends with the watcher.
    pub fn listen(&self, database_url: String) {
        let wake = Arc::downgrade(&self.wake);
        tokio::spawn(async move {
            loop {
                match sea_orm::sqlx::postgres::PgListener::connect(&database_url).await {
                    Ok(mut listener) => match listener.listen(CHANNEL).await {
                        Ok(()) => loop {
                            let received =
                                tokio::time::timeout(Duration::from_secs(30), listener.try_recv())
                                    .await;
                            let Some(wake) = wake.upgrade() else { return };
                            match received {
                                Ok(Ok(_)) => wake.notify_one(),
                                Ok(Err(error)) => {
                                    tracing::warn!(%error, "change listener failed");
                                    break;
                                }
                                Err(_) => {}
                            }
                        },
                        Err(error) => tracing::warn!(%error, "cannot listen for changes"),
                    },
                    Err(error) => tracing::warn!(%error, "cannot connect the change listener"),
                }
                let Some(wake) = wake.upgrade() else { return };
                wake.notify_one();
                drop(wake);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}

/// The head, read straight through the pool: the polls are not the requests' statements, and do not
/// count as such.
async fn read_head(db: &DatabaseConnection) -> Result<i64, sea_orm::sqlx::Error> {
    const HEAD: &str = "SELECT max(position) FROM change_log";
    let head: Option<i64> = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            sea_orm::sqlx::query_scalar(HEAD)
                .fetch_one(db.get_postgres_connection_pool())
                .await?
        }
        _ => {
            sea_orm::sqlx::query_scalar(HEAD)
                .fetch_one(db.get_sqlite_connection_pool())
                .await?
        }
    };
    Ok(head.unwrap_or(0))
}

async fn follow(
    db: DatabaseConnection,
    cache: ResponseCache,
    every: Duration,
    sender: watch::Sender<i64>,
    wake: Arc<Notify>,
) {
    let mut last = None;
    loop {
        match read_head(&db).await {
            Ok(head) if last != Some(head) => {
                if last.is_some() {
                    cache.clear();
                }
                last = Some(head);
                sender.send_replace(head);
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "cannot read the change log's head"),
        }
        tokio::select! {
            () = sender.closed() => return,
            () = wake.notified() => {}
            () = tokio::time::sleep(every) => {}
        }
    }
}
