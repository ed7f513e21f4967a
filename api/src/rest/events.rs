//! `/api/v1/events`: events with their programme, filtered like GraphQL's `events`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::expand::Expand;
use super::listing::{ListPage, PageQuery};
use super::query::{ApiQuery, list};
use super::views::{EventView, SessionView, event_view, session_view};
use super::{VIEWER, one, param_id, path_id, rows};
use crate::error::{AppError, AppResult};
use crate::feeds;
use crate::service::event::{self as service, EventFilter, EventOrder, EventOrderField};
use crate::service::relation::EventById;
use crate::service::session::{self as session_service, SessionFilter};
use crate::state::AppState;

const EXPANSIONS: &[&str] = &["town", "modelProject", "organisers", "sessions"];

/// Filters, order and expansions of the event list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Events that end (or, without an end, start) at or after this instant (RFC 3339).
    from: Option<DateTime<Utc>>,
    /// Events that start before this instant (RFC 3339).
    to: Option<DateTime<Utc>>,
    /// `true`: only events that have not ended yet.
    upcoming: Option<bool>,
    /// Formats, comma-separated (`DIGITAL,HYBRID`).
    format: Option<String>,
    /// Statuses, comma-separated (`SCHEDULED,MOVED_ONLINE`).
    status: Option<String>,
    /// In this town (global ID).
    town: Option<String>,
    /// Organised by this organisation (global ID).
    organiser: Option<String>,
    /// Of this model project (global ID).
    model_project: Option<String>,
    /// Text in title, subtitle or description.
    q: Option<String>,
    /// `startsAt` (default) or `title`; a leading `-` sorts descending.
    order_by: Option<String>,
    /// Related records to embed, comma-separated: `town`, `modelProject`, `organisers`, `sessions`.
    expand: Option<String>,
}

fn order(value: Option<&str>) -> AppResult<EventOrder> {
    let value = value.unwrap_or("startsAt");
    let (descending, field) = match value.strip_prefix('-') {
        Some(field) => (true, field),
        None => (false, value),
    };
    let field = match field {
        "startsAt" => EventOrderField::StartsAt,
        "title" => EventOrderField::Title,
        other => {
            return Err(AppError::bad_field(
                "orderBy",
                format!("cannot order events by `{other}`; use `startsAt` or `title`"),
            ));
        }
    };
    Ok(EventOrder { field, descending })
}

/// Published events, filtered and ordered.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    tag = "events",
    params(PageQuery, EventQuery),
    responses(
        (status = 200, description = "One page of events", body = ListPage<EventView>),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn list_events(
    State(state): State<AppState>,
    uri: Uri,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(query): ApiQuery<EventQuery>,
) -> AppResult<Response> {
    let window = page.window()?;
    let expand = Expand::parse(query.expand.as_deref(), EXPANSIONS)?;
    let filter = EventFilter {
        from: query.from,
        to: query.to,
        upcoming: query.upcoming,
        formats: list(query.format.as_deref(), "format")?,
        statuses: list(query.status.as_deref(), "status")?,
        town_id: param_id(query.town.as_deref(), "Town", "town")?,
        organiser_id: param_id(query.organiser.as_deref(), "Organisation", "organiser")?,
        model_project_id: param_id(
            query.model_project.as_deref(),
            "ModelProject",
            "modelProject",
        )?,
        text: query.q.clone(),
    };
    let order = order(query.order_by.as_deref())?;
    let found = service::list(&state.db, VIEWER, &filter, order, &window.args, true).await?;
    let models = found.items.iter().map(|(_, m)| m.clone()).collect();
    let mut items = Vec::new();
    for row in rows(&state, models) {
        items.push(event_view(&row, &expand).await?);
    }
    Ok(ListPage::new(&found, &window, items).respond(&uri))
}

/// Expansions of a single event.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventExpand {
    /// Related records to embed, comma-separated: `town`, `modelProject`, `organisers`, `sessions`.
    expand: Option<String>,
}

/// One published event: JSON, or schema.org JSON-LD for `Accept: application/ld+json`. The same
/// path with `.ics` or `.jsonld` appended is its calendar or its JSON-LD document.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}",
    tag = "events",
    params(("id" = String, Path, description = "Global ID of the event"), EventExpand),
    responses(
        (status = 200, description = "The event", body = EventView),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
        (status = 404, description = "No such published event", body = crate::error::ErrorBody),
    )
)]
pub async fn get_event(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<EventExpand>,
) -> AppResult<Response> {
    if id.contains('.') {
        return feeds::event_file_response(&state, &id).await;
    }
    let mut response = if wants_json_ld(&headers) {
        feeds::event_jsonld(&state, &id).await?
    } else {
        let expand = Expand::parse(query.expand.as_deref(), EXPANSIONS)?;
        let row = one::<EventById>(&state, path_id(&id, "Event")?, "Event").await?;
        Json(event_view(&row, &expand).await?).into_response()
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept"));
    Ok(response)
}

/// Whether the client prefers JSON-LD to plain JSON.
fn wants_json_ld(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| {
            accept.split(',').any(|media| {
                media
                    .split(';')
                    .next()
                    .is_some_and(|m| m.trim() == feeds::JSON_LD)
            })
        })
}

/// The programme of one published event: its sessions in time order, each with its contributions.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}/sessions",
    tag = "events",
    params(("id" = String, Path, description = "Global ID of the event"), PageQuery),
    responses(
        (status = 200, description = "One page of the programme", body = ListPage<SessionView>),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
        (status = 404, description = "No such published event", body = crate::error::ErrorBody),
    )
)]
pub async fn list_event_sessions(
    State(state): State<AppState>,
    Path(id): Path<String>,
    uri: Uri,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> AppResult<Response> {
    let window = page.window()?;
    let event = path_id(&id, "Event")?;
    service::get(&state.db, VIEWER, event)
        .await?
        .ok_or(AppError::NotFound("Event"))?;
    let filter = SessionFilter {
        event_id: Some(event),
        ..SessionFilter::default()
    };
    let found = session_service::list(&state.db, VIEWER, &filter, &window.args, true).await?;
    let models = found.items.iter().map(|(_, m)| m.clone()).collect();
    let programme = Expand::parse(Some("contributions"), &["contributions"])?;
    let mut items = Vec::new();
    for row in rows(&state, models) {
        items.push(session_view(&row, &programme).await?);
    }
    Ok(ListPage::new(&found, &window, items).respond(&uri))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_parse_with_direction() {
        assert!(matches!(
            order(Some("-title")),
            Ok(EventOrder {
                field: EventOrderField::Title,
                descending: true
            })
        ));
        assert!(order(Some("place")).is_err());
    }
}
