//! What partner and municipal sites take over as it is: calendar feeds, schema.org JSON-LD and the
//! embeddable programme page. Public data only (the viewer is always [`Viewer::Public`]); URLs
//! carry the global IDs of GraphQL's `id` fields. An unknown, malformed or unpublished ID is a
//! `NOT_FOUND` error.

pub mod content_line;
pub mod embed;
pub mod german;
pub mod ical;
pub mod jsonld;
pub mod people;
pub mod vtimezone;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::AppError;
use crate::ids;
use crate::service::programme::{self, Scope};
use crate::state::AppState;
use crate::viewer::Viewer;

/// Content type of the calendar feeds.
pub const CALENDAR: &str = "text/calendar; charset=utf-8";
/// Content type of the JSON-LD documents.
pub const JSON_LD: &str = "application/ld+json";

/// The route of the embeddable page. The calendar feeds are REST routes (`rest/mod.rs`), and
/// `/api/v1/events/{id}.ics|.jsonld` and `/api/v1/sessions/{id}.ics` share their path with the
/// REST records and are answered there.
pub fn router() -> Router<AppState> {
    Router::new().route("/embed/events/{id}", get(embed_event))
}

/// Answers `/api/v1/events/{id}.ics` and `/api/v1/events/{id}.jsonld`; any other file name is
/// `NOT_FOUND`. (axum cannot route a parameter with a suffix, so the suffix is read here.)
pub async fn event_file_response(state: &AppState, file: &str) -> Result<Response, AppError> {
    if let Some(id) = file.strip_suffix(".ics") {
        event_ics(state, id).await
    } else if let Some(id) = file.strip_suffix(".jsonld") {
        event_jsonld(state, id).await
    } else {
        Err(AppError::NotFound("Event"))
    }
}

/// The row id a global ID names, if it names a `type_name`; anything else is `NOT_FOUND`.
fn row_id(global: &str, type_name: &'static str) -> Result<i32, AppError> {
    ids::decode_as(global, type_name, "id").map_err(|_| AppError::NotFound(type_name))
}

/// `GET /api/v1/events/{id}.ics`: the event and every session.
pub async fn event_ics(state: &AppState, id: &str) -> Result<Response, AppError> {
    let programme = programme::load(&state.reader, Viewer::Public, row_id(id, "Event")?).await?;
    Ok(calendar(
        ical::event_calendar(&programme),
        &format!("{id}.ics"),
    ))
}

/// `GET /api/v1/events/{id}.jsonld`: the event as a schema.org `Event`.
pub async fn event_jsonld(state: &AppState, id: &str) -> Result<Response, AppError> {
    let programme = programme::load(&state.reader, Viewer::Public, row_id(id, "Event")?).await?;
    let body = serde_json::to_string(&jsonld::event(&programme))
        .map_err(|error| AppError::Internal(format!("cannot encode JSON-LD: {error}")))?;
    Ok(([(header::CONTENT_TYPE, JSON_LD)], body).into_response())
}

/// `GET /api/v1/sessions/{id}.ics`: one session.
pub async fn session_ics(state: &AppState, id: &str) -> Result<Response, AppError> {
    let session_id = row_id(id, "Session")?;
    let event_id = programme::event_of_session(&state.reader, Viewer::Public, session_id).await?;
    let programme = programme::load(&state.reader, Viewer::Public, event_id).await?;
    let session = programme
        .session(session_id)
        .ok_or(AppError::NotFound("Session"))?;
    Ok(calendar(
        ical::session_calendar(&programme, session),
        &format!("{id}.ics"),
    ))
}

/// The upcoming events of a scope as a calendar named `name`.
pub async fn upcoming_ics(
    state: &AppState,
    scope: Scope,
    name: &str,
) -> Result<Response, AppError> {
    let events = programme::upcoming(&state.db, &state.reader, Viewer::Public, scope).await?;
    Ok(calendar(ical::events_calendar(name, &events), "events.ics"))
}

/// The network's upcoming published events (not yet ended, by start, at most 500) as an iCalendar feed.
#[utoipa::path(
    get,
    path = "/api/v1/events.ics",
    tag = "calendars",
    responses(
        (status = 200, description = "An iCalendar (RFC 5545) feed", content_type = "text/calendar", body = String),
    )
)]
pub async fn network_events(State(state): State<AppState>) -> Result<Response, AppError> {
    upcoming_ics(
        &state,
        Scope::Network,
        "Kleinstädte in Deutschland: Veranstaltungen",
    )
    .await
}

/// Upcoming published events in a town as an iCalendar feed.
#[utoipa::path(
    get,
    path = "/api/v1/towns/{id}/events.ics",
    tag = "calendars",
    params(("id" = String, Path, description = "Global ID of the town")),
    responses(
        (status = 200, description = "An iCalendar (RFC 5545) feed", content_type = "text/calendar", body = String),
        (status = 404, description = "No such town", body = crate::error::ErrorBody),
    )
)]
pub async fn town_events(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let scope = Scope::Town(row_id(&id, "Town")?);
    upcoming_ics(
        &state,
        scope,
        "Kleinstädte in Deutschland: Veranstaltungen der Stadt",
    )
    .await
}

/// Upcoming published events of a model project as an iCalendar feed.
#[utoipa::path(
    get,
    path = "/api/v1/model-projects/{id}/events.ics",
    tag = "calendars",
    params(("id" = String, Path, description = "Global ID of the model project")),
    responses(
        (status = 200, description = "An iCalendar (RFC 5545) feed", content_type = "text/calendar", body = String),
        (status = 404, description = "No such model project", body = crate::error::ErrorBody),
    )
)]
pub async fn model_project_events(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let scope = Scope::ModelProject(row_id(&id, "ModelProject")?);
    upcoming_ics(
        &state,
        scope,
        "Kleinstädte in Deutschland: Veranstaltungen des Modellvorhabens",
    )
    .await
}

/// Upcoming published events an organisation organised as an iCalendar feed.
#[utoipa::path(
    get,
    path = "/api/v1/organisations/{id}/events.ics",
    tag = "calendars",
    params(("id" = String, Path, description = "Global ID of the organisation")),
    responses(
        (status = 200, description = "An iCalendar (RFC 5545) feed", content_type = "text/calendar", body = String),
        (status = 404, description = "No such organisation", body = crate::error::ErrorBody),
    )
)]
pub async fn organisation_events(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let scope = Scope::Organisation(row_id(&id, "Organisation")?);
    upcoming_ics(
        &state,
        scope,
        "Kleinstädte in Deutschland: Veranstaltungen der Organisation",
    )
    .await
}

/// `GET /embed/events/{id}`: the programme page for framing.
pub async fn embed_event_page(state: &AppState, id: &str) -> Result<Response, AppError> {
    let programme = programme::load(&state.reader, Viewer::Public, row_id(id, "Event")?).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                embed::CONTENT_SECURITY_POLICY,
            ),
        ],
        embed::page(&programme),
    )
        .into_response())
}

async fn embed_event(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    embed_event_page(&state, &id).await
}

fn calendar(body: String, file_name: &str) -> Response {
    let mut response = ([(header::CONTENT_TYPE, CALENDAR)], body).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("inline; filename=\"{file_name}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
