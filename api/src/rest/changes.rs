//! `/api/v1/changes`: the public change feed, in commit order, from a cursor.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::query::ApiQuery;
use super::{VIEWER, param_id};
use crate::error::AppResult;
use crate::service::changes::{self as service, ChangeEntry, ChangeFilter};
use crate::state::AppState;

/// Where to start, how many, and which entries.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Entries after this position: `next` of the previous page; absent or 0 for the beginning.
    #[param(minimum = 0)]
    after: Option<i64>,
    /// Entries per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
    /// Record types, comma-separated (`Event,Session`).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    types: Option<String>,
    /// Only entries about this event and what belongs to it (global ID).
    event: Option<String>,
    /// Only entries about this town and what belongs to it (global ID).
    town: Option<String>,
    /// Only entries about this model project and what belongs to it (global ID).
    model_project: Option<String>,
}

/// One page of the feed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangesPage {
    /// The entries, in commit order.
    items: Vec<ChangeEntry>,
    /// The `after` of the next request. When `hasMore` is false it is the current head: asking
    /// again later returns only what changed since.
    next: i64,
    /// Whether more entries are ready after `next`.
    has_more: bool,
}

/// What changed, in commit order, as anyone may see it: records created, updated or published,
/// and tombstones (deleted, unpublished, erased) that carry no data but the record's ID. Follow
/// `next` to read on; the same `after` always returns the same entries, so a reader never misses
/// or reorders a change.
#[utoipa::path(
    get,
    path = "/api/v1/changes",
    tag = "changes",
    params(ChangesQuery),
    responses(
        (status = 200, description = "One page of the change feed", body = ChangesPage,
            example = json!({
                "items": [{
                    "position": 4711,
                    "at": "2026-12-06T09:15:02.123456Z",
                    "type": "Session",
                    "id": "U2Vzc2lvbjoxMg",
                    "action": "UPDATED",
                    "tombstone": false,
                    "version": 3,
                    "url": "/api/v1/sessions/U2Vzc2lvbjoxMg",
                    "event": "RXZlbnQ6MQ",
                    "town": null,
                    "modelProject": null
                }],
                "next": 4711,
                "hasMore": false
            })),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn list_changes(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ChangesQuery>,
) -> AppResult<Response> {
    let filter = ChangeFilter {
        types: query
            .types
            .as_deref()
            .map(|types| {
                types
                    .split(',')
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        event_id: param_id(query.event.as_deref(), "Event", "event")?,
        town_id: param_id(query.town.as_deref(), "Town", "town")?,
        model_project_id: param_id(
            query.model_project.as_deref(),
            "ModelProject",
            "modelProject",
        )?,
    };
    filter.check("type")?;
    let feed = service::feed(
        &state.db,
        VIEWER,
        query.after.unwrap_or(0),
        query.limit,
        &filter,
        &state.config.public_base_url,
    )
    .await?;
    Ok(Json(ChangesPage {
        items: feed.entries,
        next: feed.next,
        has_more: feed.has_more,
    })
    .into_response())
}
