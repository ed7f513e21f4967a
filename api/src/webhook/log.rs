//! The delivery log: one row per attempt, written after the attempt in a short statement of its
//! own, and pruned after `WEBHOOK_LOG_RETENTION_DAYS`.

use chrono::{Duration, Utc};
use entity::webhook_delivery;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::client::Attempt;
use crate::error::AppResult;

/// Longest error text kept.
const MAX_ERROR: usize = 300;

/// The log row of `attempt` (number `attempt_no` at message `message_id`, change `position`) for
/// endpoint `endpoint_id`, not yet written.
pub fn entry(
    endpoint_id: i32,
    position: Option<i64>,
    message_id: &str,
    attempt_no: i32,
    attempt: &Attempt,
) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        endpoint_id: Set(endpoint_id),
        position: Set(position),
        message_id: Set(message_id.to_owned()),
        attempt: Set(attempt_no),
        at: Set(Utc::now()),
        status: Set(attempt.status.map(i32::from)),
        outcome: Set(attempt.outcome),
        error: Set(attempt
            .error
            .as_ref()
            .map(|error| error.chars().take(MAX_ERROR).collect())),
        duration_ms: Set(i32::try_from(attempt.duration.as_millis()).unwrap_or(i32::MAX)),
        ..Default::default()
    }
}

/// Writes the log row of one attempt.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    endpoint_id: i32,
    position: Option<i64>,
    message_id: &str,
    attempt_no: i32,
    attempt: &Attempt,
) -> AppResult<webhook_delivery::Model> {
    entry(endpoint_id, position, message_id, attempt_no, attempt)
        .insert(db)
        .await
        .map_err(crate::store::write::map_db_error)
}

/// Deletes log rows older than `days` days; returns how many.
pub async fn prune<C: ConnectionTrait>(db: &C, days: u32) -> AppResult<u64> {
    let before = Utc::now() - Duration::days(i64::from(days));
    Ok(webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::At.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
