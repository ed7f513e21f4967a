//! The dispatcher: a task per instance that sends every public change to the endpoints whose filter
//! it passes, in change-log order, and retries with backoff.
//!
//! The queue is the database: each endpoint's cursor (`delivered_through`) says what it has
//! received, so a restart loses nothing (delivery is at least once). An instance claims a due
//! endpoint with one guarded `UPDATE` that sets a lease (on PostgreSQL the candidate is locked with
//! `FOR UPDATE SKIP LOCKED`), so one instance at a time delivers to an endpoint, one change at a time:
//! a later change never goes out before an earlier one was answered with 2xx. Writes are short
//! statements of their own; no transaction is open while a request is in flight.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::enums::DeliveryOutcome;
use entity::{change_log, webhook_endpoint};
use rand::Rng;
use sea_orm::sea_query::{Expr, LockBehavior, LockType, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Order,
    QueryFilter, QueryOrder, QuerySelect,
};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::{log, message};
use crate::error::AppResult;
use crate::service::changes::{self, ChangeFilter};
use crate::state::AppState;

/// Added to the request timeout for the lease of an endpoint.
const LEASE_MARGIN: Duration = Duration::from_secs(5);

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(12 * 3600);

/// Changes read per statement while an endpoint catches up.
const BATCH: u64 = 50;

/// A running dispatcher; [`Dispatcher::stop`] ends it.
pub struct Dispatcher {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Dispatcher {
    /// Starts the dispatcher of `state`'s instance.
    pub fn start(state: AppState) -> Self {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(state, stopped));
        Self { stop, task }
    }

    /// Stops claiming, lets deliveries in flight finish (for at most the request timeout), and
    /// returns when the task has ended.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::error!(%error, "the webhook dispatcher failed");
        }
    }
}

/// The wait before attempt `attempts + 1` after `attempts` failures: `base` doubled for each
/// failure after the first, at most 12 hours, ±20%.
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(32);
    let wait = base
        .checked_mul(1u32 << doublings.min(31))
        .unwrap_or(MAX_BACKOFF)
        .min(MAX_BACKOFF);
    wait.mul_f64(rand::rng().random_range(0.8..=1.2))
}

/// One instance's view of the work.
#[derive(Clone)]
struct Worker {
    state: AppState,
    /// This instance's lease owner name.
    instance: Arc<str>,
    lease: Duration,
    stopped: watch::Receiver<bool>,
}

async fn run(state: AppState, mut stopped: watch::Receiver<bool>) {
    let config = state.config.clone();
    let worker = Worker {
        instance: Arc::from(uuid::Uuid::new_v4().simple().to_string()),
        lease: state.webhooks.timeout() + LEASE_MARGIN,
        stopped: stopped.clone(),
        state: state.clone(),
    };
    let permits = Arc::new(Semaphore::new(config.webhook_concurrency.max(1)));
    let poll = Duration::from_millis(config.webhook_poll_ms.max(10));
    let mut heads = Some(state.changes.subscribe());
    let mut tasks = JoinSet::new();
    let mut pruned: Option<DateTime<Utc>> = None;
    tracing::info!(instance = %worker.instance, "webhook dispatcher started");
    loop {
        while let Some(ended) = tasks.try_join_next() {
            if let Err(error) = ended {
                tracing::error!(%error, "a webhook delivery task failed");
            }
        }
        while let Ok(permit) = permits.clone().try_acquire_owned() {
            match worker.claim().await {
                Ok(Some((endpoint, head))) => {
                    let worker = worker.clone();
                    tasks.spawn(async move {
                        worker.deliver(endpoint, head).await;
                        drop(permit);
                    });
                }
                Ok(None) => break,
                Err(error) => {
                    tracing::warn!(error = %error.detail(), "cannot claim a webhook endpoint");
                    break;
                }
            }
        }
        if pruned.is_none_or(|at| Utc::now() - at > chrono::Duration::hours(1)) {
            pruned = Some(Utc::now());
            match log::prune(&state.db, config.webhook_log_retention_days).await {
                Ok(0) => {}
                Ok(rows) => tracing::info!(rows, "pruned the webhook delivery log"),
                Err(error) => {
                    tracing::warn!(error = %error.detail(), "cannot prune the webhook log")
                }
            }
        }
        let head_moved = async {
            match heads.as_mut() {
                Some(receiver) => receiver.changed().await.is_ok(),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = stopped.changed() => break,
            moved = head_moved => {
                if !moved {
                    heads = None;
                }
            }
            () = tokio::time::sleep(poll) => {}
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    let grace = state.webhooks.timeout() + Duration::from_secs(1);
    let drained =
        tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tasks.shutdown().await;
    }
    tracing::info!(instance = %worker.instance, "webhook dispatcher stopped");
}

/// The lease of an endpoint is free: never taken, released, or expired.
fn lease_free(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(webhook_endpoint::Column::LeasedUntil.is_null())
        .add(webhook_endpoint::Column::LeasedUntil.lt(now))
}

/// The endpoint's row while this instance holds its lease.
fn leased(id: i32, instance: &str) -> Condition {
    Condition::all()
        .add(webhook_endpoint::Column::Id.eq(id))
        .add(webhook_endpoint::Column::LeaseOwner.eq(instance))
}

/// The filter of an endpoint, as the change log reads it.
fn filter_of(endpoint: &webhook_endpoint::Model) -> ChangeFilter {
    ChangeFilter {
        types: endpoint.types.0.clone(),
        event_id: endpoint.event_id,
        town_id: endpoint.town_id,
        model_project_id: endpoint.model_project_id,
    }
}

impl Worker {
    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    fn stopping(&self) -> bool {
        *self.stopped.borrow()
    }

    fn lease_end(&self) -> DateTime<Utc> {
        Utc::now() + self.lease
    }

    /// Takes the lease of one enabled, due endpoint whose lease is free and that has not seen the
    /// change-log head yet; returns it with that head.
    async fn claim(&self) -> AppResult<Option<(webhook_endpoint::Model, i64)>> {
        let db = self.db();
        let head = changes::head(db).await?;
        let now = Utc::now();
        let mut candidate = Query::select();
        candidate
            .column(webhook_endpoint::Column::Id)
            .from(webhook_endpoint::Entity)
            .and_where(webhook_endpoint::Column::Enabled.eq(true))
            .and_where(webhook_endpoint::Column::NextAttemptAt.lte(now))
            .and_where(webhook_endpoint::Column::DeliveredThrough.lt(head))
            .cond_where(lease_free(now))
            .order_by(webhook_endpoint::Column::NextAttemptAt, Order::Asc)
            .order_by(webhook_endpoint::Column::Id, Order::Asc)
            .limit(1);
        if db.get_database_backend() == DbBackend::Postgres {
            candidate.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        // The lease condition again: of two instances that chose the same candidate, the second
        // finds the lease taken when its update reaches the row.
        let claimed = webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::LeaseOwner,
                Expr::value(self.instance.to_string()),
            )
            .col_expr(
                webhook_endpoint::Column::LeasedUntil,
                Expr::value(self.lease_end()),
            )
            .filter(webhook_endpoint::Column::Id.in_subquery(candidate))
            .filter(lease_free(now))
            .exec_with_returning(db)
            .await?;
        Ok(claimed.into_iter().next().map(|endpoint| (endpoint, head)))
    }

    /// Delivers the endpoint's changes up to `head`, then releases it; failures are logged.
    async fn deliver(&self, endpoint: webhook_endpoint::Model, head: i64) {
        let id = endpoint.id;
        if let Err(error) = self.catch_up(endpoint, head).await {
            tracing::warn!(endpoint = id, error = %error.detail(), "webhook delivery stopped");
            if let Err(error) = self.release(id).await {
                tracing::warn!(endpoint = id, error = %error.detail(), "cannot release a webhook lease");
            }
        }
    }

    /// Gives the lease of endpoint `id` back.
    async fn release(&self, id: i32) -> AppResult<()> {
        webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::LeaseOwner,
                Expr::value(None::<String>),
            )
            .col_expr(
                webhook_endpoint::Column::LeasedUntil,
                Expr::value(None::<DateTime<Utc>>),
            )
            .filter(leased(id, &self.instance))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Extends the lease for one more attempt; false when this instance no longer holds it.
    async fn renew(&self, id: i32) -> AppResult<bool> {
        let renewed = webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::LeasedUntil,
                Expr::value(self.lease_end()),
            )
            .filter(leased(id, &self.instance))
            .exec(self.db())
            .await?;
        Ok(renewed.rows_affected == 1)
    }

    async fn catch_up(&self, mut endpoint: webhook_endpoint::Model, head: i64) -> AppResult<()> {
        let filter = filter_of(&endpoint);
        let base_url = &self.state.config.public_base_url;
        loop {
            if self.stopping() {
                return self.release(endpoint.id).await;
            }
            let entries = change_log::Entity::find()
                .filter(changes::public_after(endpoint.delivered_through, &filter))
                .filter(change_log::Column::Position.lte(head))
                .order_by_asc(change_log::Column::Position)
                .limit(BATCH)
                .all(self.db())
                .await?;
            if entries.is_empty() {
                // Nothing up to the head passes the filter: the cursor moves to the head.
                if !self.advance(self.db(), &endpoint, head, true).await? {
                    self.release(endpoint.id).await?;
                }
                return Ok(());
            }
            for entry in entries {
                let Some(position) = entry.position else {
                    continue;
                };
                if self.stopping() || !self.renew(endpoint.id).await? {
                    return self.release(endpoint.id).await;
                }
                let Some(message) = message::of_change(&entry, base_url) else {
                    // Not a change an anonymous reader sees: nothing to send.
                    if !self.advance(self.db(), &endpoint, position, false).await? {
                        return self.release(endpoint.id).await;
                    }
                    endpoint.delivered_through = position;
                    continue;
                };
                let attempt_no = endpoint.attempts.saturating_add(1);
                let attempt = self
                    .state
                    .webhooks
                    .send(&endpoint.url, &endpoint.secret, &message)
                    .await;
                let txn = crate::store::write::begin(self.db()).await?;
                log::record(
                    &txn,
                    endpoint.id,
                    Some(position),
                    &message.id,
                    attempt_no,
                    &attempt,
                )
                .await?;
                if attempt.outcome != DeliveryOutcome::Delivered {
                    let gone = attempt.outcome == DeliveryOutcome::Gone;
                    self.failed(&txn, &endpoint, &attempt, gone).await?;
                    txn.commit().await?;
                    return Ok(());
                }
                let advanced = self.advance(&txn, &endpoint, position, false).await?;
                txn.commit().await?;
                if !advanced {
                    // Replayed or changed meanwhile: start again from the stored cursor.
                    return self.release(endpoint.id).await;
                }
                endpoint.delivered_through = position;
                endpoint.attempts = 0;
                endpoint.failing_since = None;
            }
        }
    }

    /// Moves the cursor to `position` and ends a failure streak; with `release`, gives the lease
    /// back too. False (and nothing written) when the cursor or the lease changed meanwhile.
    async fn advance<C: ConnectionTrait>(
        &self,
        db: &C,
        endpoint: &webhook_endpoint::Model,
        position: i64,
        release: bool,
    ) -> AppResult<bool> {
        let mut update = webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::DeliveredThrough,
                Expr::value(position),
            )
            .col_expr(webhook_endpoint::Column::Attempts, Expr::value(0))
            .col_expr(
                webhook_endpoint::Column::FailingSince,
                Expr::value(None::<DateTime<Utc>>),
            );
        if release {
            update = update
                .col_expr(
                    webhook_endpoint::Column::LeaseOwner,
                    Expr::value(None::<String>),
                )
                .col_expr(
                    webhook_endpoint::Column::LeasedUntil,
                    Expr::value(None::<DateTime<Utc>>),
                );
        }
        let moved = update
            .filter(leased(endpoint.id, &self.instance))
            .filter(webhook_endpoint::Column::DeliveredThrough.eq(endpoint.delivered_through))
            .exec(db)
            .await?;
        Ok(moved.rows_affected == 1)
    }

    /// Records a failed attempt: the streak grows and the next attempt waits, or (410 Gone, or a
    /// streak past `WEBHOOK_DISABLE_AFTER_SECONDS`) the endpoint is disabled. Releases the lease.
    async fn failed<C: ConnectionTrait>(
        &self,
        db: &C,
        endpoint: &webhook_endpoint::Model,
        attempt: &super::client::Attempt,
        gone: bool,
    ) -> AppResult<()> {
        let config = &self.state.config;
        let now = Utc::now();
        let attempts = endpoint.attempts.saturating_add(1);
        let since = endpoint.failing_since.unwrap_or(now);
        let wait = backoff(
            Duration::from_millis(config.webhook_backoff_base_ms),
            attempts,
        );
        let next = now + wait;
        let limit = chrono::Duration::seconds(
            i64::try_from(config.webhook_disable_after_seconds).unwrap_or(i64::MAX / 1000),
        );
        let last = attempt.error.as_deref().unwrap_or("failed");
        let reason = if gone {
            Some("the receiver answered 410 Gone".to_owned())
        } else if next - since > limit {
            Some(format!(
                "failing since {} ({attempts} attempts; the last: {last})",
                since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ))
        } else {
            None
        };
        let mut update = webhook_endpoint::Entity::update_many()
            .col_expr(webhook_endpoint::Column::Attempts, Expr::value(attempts))
            .col_expr(webhook_endpoint::Column::FailingSince, Expr::value(since))
            .col_expr(webhook_endpoint::Column::NextAttemptAt, Expr::value(next))
            .col_expr(
                webhook_endpoint::Column::LeaseOwner,
                Expr::value(None::<String>),
            )
            .col_expr(
                webhook_endpoint::Column::LeasedUntil,
                Expr::value(None::<DateTime<Utc>>),
            );
        if let Some(reason) = &reason {
            tracing::warn!(endpoint = endpoint.id, %reason, "webhook endpoint disabled");
            update = update
                .col_expr(webhook_endpoint::Column::Enabled, Expr::value(false))
                .col_expr(
                    webhook_endpoint::Column::DisabledReason,
                    Expr::value(reason.clone()),
                );
        }
        update
            .filter(leased(endpoint.id, &self.instance))
            .exec(db)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_twelve_hours() {
        let base = Duration::from_secs(5);
        for _ in 0..50 {
            let first = backoff(base, 1);
            assert!(first >= Duration::from_secs(4) && first <= Duration::from_secs(6));
            let third = backoff(base, 3);
            assert!(third >= Duration::from_secs(16) && third <= Duration::from_secs(24));
            let late = backoff(base, 40);
            assert!(late >= MAX_BACKOFF.mul_f64(0.8) && late <= MAX_BACKOFF.mul_f64(1.2));
        }
    }
}
