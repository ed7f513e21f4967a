//! `/api/v1/model-projects`: model projects (Modellvorhaben) with their call, towns and partners.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::expand::Expand;
use super::listing::{ListPage, PageQuery};
use super::query::ApiQuery;
use super::views::{ModelProjectView, model_project_view};
use super::{one, param_id, path_id, rows};
use crate::error::AppResult;
use crate::service::model_project::{self as service, ModelProjectFilter};
use crate::service::relation::ModelProjectById;
use crate::state::AppState;

const EXPANSIONS: &[&str] = &["towns", "partners", "leadTown"];

/// Filters and expansions of the model-project list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ModelProjectQuery {
    /// Selected in this call (global ID).
    project_call: Option<String>,
    /// With this member town (global ID).
    town: Option<String>,
    /// With this partner organisation (global ID).
    partner: Option<String>,
    /// Text in title, topic or description.
    q: Option<String>,
    /// Related records to embed, comma-separated: `towns`, `partners`, `leadTown`.
    expand: Option<String>,
}

/// Model projects, by title.
#[utoipa::path(
    get,
    path = "/api/v1/model-projects",
    tag = "model projects",
    params(PageQuery, ModelProjectQuery),
    responses(
        (status = 200, description = "One page of model projects", body = ListPage<ModelProjectView>),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn list_model_projects(
    State(state): State<AppState>,
    uri: Uri,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(query): ApiQuery<ModelProjectQuery>,
) -> AppResult<Response> {
    let window = page.window()?;
    let expand = Expand::parse(query.expand.as_deref(), EXPANSIONS)?;
    let filter = ModelProjectFilter {
        project_call_id: param_id(query.project_call.as_deref(), "ProjectCall", "projectCall")?,
        town_id: param_id(query.town.as_deref(), "Town", "town")?,
        partner_id: param_id(query.partner.as_deref(), "Organisation", "partner")?,
        text: query.q.clone(),
    };
    let found = service::list(&state.db, &filter, &window.args, true).await?;
    let models = found.items.iter().map(|(_, m)| m.clone()).collect();
    let mut items = Vec::new();
    for row in rows(&state, models) {
        items.push(model_project_view(&row, &expand).await?);
    }
    Ok(ListPage::new(&found, &window, items).respond(&uri))
}

/// Expansions of a single model project.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ModelProjectExpand {
    /// Related records to embed, comma-separated: `towns`, `partners`, `leadTown`.
    expand: Option<String>,
}

/// One model project.
#[utoipa::path(
    get,
    path = "/api/v1/model-projects/{id}",
    tag = "model projects",
    params(("id" = String, Path, description = "Global ID of the model project"), ModelProjectExpand),
    responses(
        (status = 200, description = "The model project", body = ModelProjectView),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
        (status = 404, description = "No such model project", body = crate::error::ErrorBody),
    )
)]
pub async fn get_model_project(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ModelProjectExpand>,
) -> AppResult<Response> {
    let expand = Expand::parse(query.expand.as_deref(), EXPANSIONS)?;
    let row =
        one::<ModelProjectById>(&state, path_id(&id, "ModelProject")?, "ModelProject").await?;
    Ok(Json(model_project_view(&row, &expand).await?).into_response())
}
