//! REST API v1 for sites that do not speak GraphQL: read-only, public data only, over the same
//! service layer and batched loaders as GraphQL, with the same field names and error codes.

mod changes;
pub mod conditional;
mod documents;
mod events;
mod expand;
pub(crate) mod exports;
mod listing;
mod model_projects;
pub mod openapi;
mod organisations;
mod people;
mod query;
mod sessions;
mod statistics;
mod towns;
mod views;

use std::sync::LazyLock;

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{AppError, AppResult};
use crate::ids;
use crate::load::{Level, Relation, Row};
use crate::state::AppState;
use crate::viewer::Viewer;

/// Every REST answer shows what an anonymous reader may see.
const VIEWER: Viewer = Viewer::Public;

/// The REST routes and the OpenAPI document that describes them, built from the same code.
fn parts() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(events::list_events))
        .routes(routes!(events::get_event))
        .routes(routes!(events::list_event_sessions))
        .routes(routes!(sessions::list_sessions))
        .routes(routes!(sessions::get_session))
        .routes(routes!(towns::list_towns))
        .routes(routes!(towns::get_town))
        .routes(routes!(towns::get_town_by_municipality_key))
        .routes(routes!(model_projects::list_model_projects))
        .routes(routes!(model_projects::get_model_project))
        .routes(routes!(organisations::list_organisations))
        .routes(routes!(organisations::get_organisation))
        .routes(routes!(people::list_people))
        .routes(routes!(people::get_person))
        .routes(routes!(documents::list_documents))
        .routes(routes!(documents::get_document))
        .routes(routes!(crate::feeds::network_events))
        .routes(routes!(crate::feeds::town_events))
        .routes(routes!(crate::feeds::model_project_events))
        .routes(routes!(crate::feeds::organisation_events))
        .routes(routes!(statistics::town_statistics))
        .routes(routes!(statistics::participation_statistics))
        .routes(routes!(statistics::event_statistics))
        .routes(routes!(statistics::session_statistics))
        .routes(routes!(statistics::contribution_statistics))
        .routes(routes!(statistics::model_project_statistics))
        .routes(routes!(exports::list_exports))
        .routes(routes!(exports::get_export))
        .routes(routes!(changes::list_changes))
        .split_for_parts()
}

/// The REST routes under `/api/v1`.
pub fn router() -> axum::Router<AppState> {
    parts().0
}

/// The OpenAPI 3.1 document of the REST API, as served at `/api/v1/openapi.json`.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(|| parts().1);
    &DOCUMENT
}

/// The row id named by a global ID in a URL path: any other ID is a record that does not exist.
fn path_id(global: &str, type_name: &'static str) -> AppResult<i32> {
    ids::decode_as(global, type_name, "id").map_err(|_| AppError::NotFound(type_name))
}

/// The row id named by a global ID in a query parameter.
fn param_id(global: Option<&str>, type_name: &str, parameter: &str) -> AppResult<Option<i32>> {
    global
        .map(|global| ids::decode_as(global, type_name, parameter))
        .transpose()
}

/// One visible row of `R` (a lookup by ID), as a level of its own (so its relations load in
/// batches).
async fn one<R: Relation<Parent = i32>>(
    state: &AppState,
    id: i32,
    type_name: &'static str,
) -> AppResult<Row<R::Item>> {
    crate::load::fetch::<R>(&state.reader, VIEWER, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound(type_name))
}

/// A page of service models as rows of one level.
fn rows<M: Send + Sync + 'static>(state: &AppState, models: Vec<M>) -> Vec<Row<M>> {
    Level::rows(models, &state.reader, VIEWER)
}
