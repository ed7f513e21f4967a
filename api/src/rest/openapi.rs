//! The OpenAPI 3.1 document of the REST API, generated from the handlers and types themselves.

use axum::Json;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;

use crate::error::AppError;

/// Title, licence, tags and shared components of the document; the paths come from the router.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "kleinstadt REST API",
        version = "1",
        description = "Public, read-only REST API of the Kleinstadtakademie knowledge base: towns, model projects, events with their programme, organisations, public profiles of people, documents. IDs are the same global IDs as in the GraphQL API at `/graphql`, field names the same as there. Lists take `limit` (at most 100) and an opaque `cursor`, and answer with `Link` headers to the next and previous page. Errors have one shape, `{\"error\": {\"code\", \"message\", \"field\"}}`, with the codes of the GraphQL API.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    tags(
        (name = "events", description = "Events and their programme (sessions and contributions)."),
        (name = "towns", description = "Towns (municipalities) with their state."),
        (name = "model projects", description = "Model projects (Modellvorhaben) of groups of towns."),
        (name = "organisations", description = "Ministries, institutes, associations, agencies, …"),
        (name = "people", description = "Public profiles of people who appear in published programmes, documents or on the advisory board."),
        (name = "documents", description = "Reports, position papers and other publications."),
        (name = "calendars", description = "iCalendar (RFC 5545) feeds and schema.org JSON-LD of published events: times in the event's zone with a VTIMEZONE, stable UIDs, SEQUENCE growing with every change, cancelled events kept as `STATUS:CANCELLED`."),
        (name = "statistics", description = "Grouped counts for analysts, as JSON or CSV (`format=csv`; the CSV starts with `#` lines naming the licence)."),
        (name = "changes", description = "The change feed: every change in commit order from a cursor, with tombstones for what was deleted, unpublished or erased. The same entries are pushed to registered webhooks (Standard Webhooks 1.0)."),
        (name = "exports", description = "Bulk downloads at stable URLs: the public network as GraphML, GEXF and nodes/edges CSV, and every public record type as streamed NDJSON."),
    ),
    paths(event_calendar, event_json_ld, session_calendar),
    components(schemas(
        crate::error::ErrorBody,
        crate::error::ErrorDetail,
        crate::error::ErrorCode,
        super::views::ContributionView,
        super::views::OrganiserView,
        super::views::MemberTownView,
        super::views::PartnerView,
        super::views::TownMembershipView,
        super::exports::ExportFile,
        entity::enums::ContributionRole,
        entity::enums::MemberRole,
        entity::enums::PartnerRole,
        entity::enums::OrganiserRole,
    ))
)]
pub struct ApiDoc;

/// One published event and its programme as an iCalendar file (answered by the event route).
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}.ics",
    tag = "calendars",
    params(("id" = String, Path, description = "Global ID of the event")),
    responses(
        (status = 200, description = "The event and one VEVENT per session", content_type = "text/calendar", body = String),
        (status = 404, description = "No such published event", body = crate::error::ErrorBody),
    )
)]
#[allow(dead_code)]
fn event_calendar() {}

/// One published event as schema.org JSON-LD (also on the event URL with
/// `Accept: application/ld+json`; answered by the event route).
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}.jsonld",
    tag = "calendars",
    params(("id" = String, Path, description = "Global ID of the event")),
    responses(
        (status = 200, description = "A schema.org Event with a subEvent per session", content_type = "application/ld+json", body = Object),
        (status = 404, description = "No such published event", body = crate::error::ErrorBody),
    )
)]
#[allow(dead_code)]
fn event_json_ld() {}

/// One session of a published event as an iCalendar file (answered by the session route).
#[utoipa::path(
    get,
    path = "/api/v1/sessions/{id}.ics",
    tag = "calendars",
    params(("id" = String, Path, description = "Global ID of the session")),
    responses(
        (status = 200, description = "The session as one VEVENT", content_type = "text/calendar", body = String),
        (status = 404, description = "No such session of a published event", body = crate::error::ErrorBody),
    )
)]
#[allow(dead_code)]
fn session_calendar() {}

/// The document as pretty-printed JSON with a final newline (the committed `openapi.json`).
pub fn json() -> Result<String, AppError> {
    serde_json::to_string_pretty(super::document())
        .map(|json| json + "\n")
        .map_err(|error| AppError::Internal(format!("cannot encode the OpenAPI document: {error}")))
}

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> Response {
    Json(super::document()).into_response()
}
