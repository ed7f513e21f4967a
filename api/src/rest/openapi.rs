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
        (name = "statistics", description = "Grouped counts for analysts, as JSON or CSV (`format=csv`; the CSV starts with `#` lines naming the licence)."),
    ),
    components(schemas(
        crate::error::ErrorBody,
        crate::error::ErrorDetail,
        crate::error::ErrorCode,
        super::sessions::ContributionView,
        super::events::OrganiserView,
        super::model_projects::MemberTownView,
        super::model_projects::PartnerView,
        super::towns::TownMembershipView,
        entity::enums::ContributionRole,
        entity::enums::MemberRole,
        entity::enums::PartnerRole,
        entity::enums::OrganiserRole,
    ))
)]
pub struct ApiDoc;

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
