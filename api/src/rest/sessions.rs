//! `/api/v1/sessions`: programme items with their contributors, in time order.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::expand::Expand;
use super::listing::{ListPage, PageQuery};
use super::query::{ApiQuery, list};
use super::views::{SessionView, session_view};
use super::{one, param_id, path_id, rows};
use crate::error::AppResult;
use crate::service::relation::SessionById;
use crate::service::session::{self as service, SessionFilter};
use crate::state::AppState;

const EXPANSIONS: &[&str] = &["contributions", "event"];

/// Filters and expansions of the session list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SessionQuery {
    /// Of this event (global ID).
    event: Option<String>,
    /// Kinds, comma-separated (`KEYNOTE,PANEL`).
    kind: Option<String>,
    /// Starting at or after this instant (RFC 3339).
    from: Option<DateTime<Utc>>,
    /// Starting before this instant (RFC 3339).
    to: Option<DateTime<Utc>>,
    /// Text in title or subtitle.
    q: Option<String>,
    /// Related records to embed, comma-separated: `contributions`, `event`.
    expand: Option<String>,
}

/// Sessions of published events, in time order.
#[utoipa::path(
    get,
    path = "/api/v1/sessions",
    tag = "events",
    params(PageQuery, SessionQuery),
    responses(
        (status = 200, description = "One page of sessions", body = ListPage<SessionView>),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn list_sessions(
    State(state): State<AppState>,
    uri: Uri,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(query): ApiQuery<SessionQuery>,
) -> AppResult<Response> {
    let window = page.window()?;
    let expand = Expand::parse(query.expand.as_deref(), EXPANSIONS)?;
    let filter = SessionFilter {
        event_id: param_id(query.event.as_deref(), "Event", "event")?,
        kinds: list(query.kind.as_deref(), "kind")?,
        from: query.from,
        to: query.to,
        text: query.q.clone(),
    };
    let found = service::list(&state.db, super::VIEWER, &filter, &window.args, true).await?;
    let models = found.items.iter().map(|(_, m)| m.clone()).collect();
    let mut items = Vec::new();
    for row in rows(&state, models) {
        items.push(session_view(&row, &expand).await?);
    }
    Ok(ListPage::new(&found, &window, items).respond(&uri))
}

/// Expansions of a single session.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionExpand {
    /// Related records to embed, comma-separated: `contributions`, `event`.
    expand: Option<String>,
}

/// One session; the same path with `.ics` appended is its calendar.
#[utoipa::path(
    get,
    path = "/api/v1/sessions/{id}",
    tag = "events",
    params(("id" = String, Path, description = "Global ID of the session"), SessionExpand),
    responses(
        (status = 200, description = "The session", body = SessionView),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
        (status = 404, description = "No such session", body = crate::error::ErrorBody),
    )
)]
pub async fn get_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<SessionExpand>,
) -> AppResult<Response> {
    if let Some(id) = id.strip_suffix(".ics") {
        return crate::feeds::session_ics(&state, id).await;
    }
    let expand = Expand::parse(query.expand.as_deref(), EXPANSIONS)?;
    let row = one::<SessionById>(&state, path_id(&id, "Session")?, "Session").await?;
    Ok(Json(session_view(&row, &expand).await?).into_response())
}
