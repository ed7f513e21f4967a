//! `/api/v1/organisations`: ministries, institutes, associations, agencies, …

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::expand::Expand;
use super::listing::{ListPage, PageQuery};
use super::query::{ApiQuery, list};
use super::views::{OrganisationView, organisation_view};
use super::{one, param_id, path_id, rows};
use crate::error::AppResult;
use crate::service::organisation::{self as service, OrganisationFilter};
use crate::service::relation::OrganisationById;
use crate::state::AppState;

const EXPANSIONS: &[&str] = &["town"];

/// Filters and expansions of the organisation list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct OrganisationQuery {
    /// Text in the name or short name.
    q: Option<String>,
    /// Kinds, comma-separated (`MINISTRY,FEDERAL_INSTITUTE`).
    kind: Option<String>,
    /// Seated in this town (global ID).
    town: Option<String>,
    /// Related records to embed: `town`.
    expand: Option<String>,
}

/// Organisations, by name.
#[utoipa::path(
    get,
    path = "/api/v1/organisations",
    tag = "organisations",
    params(PageQuery, OrganisationQuery),
    responses(
        (status = 200, description = "One page of organisations", body = ListPage<OrganisationView>),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn list_organisations(
    State(state): State<AppState>,
    uri: Uri,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(query): ApiQuery<OrganisationQuery>,
) -> AppResult<Response> {
    let window = page.window()?;
    let expand = Expand::parse(query.expand.as_deref(), EXPANSIONS)?;
    let filter = OrganisationFilter {
        name_contains: query.q.clone(),
        kinds: list(query.kind.as_deref(), "kind")?,
        town_id: param_id(query.town.as_deref(), "Town", "town")?,
    };
    let found = service::list(&state.db, &filter, &window.args, true).await?;
    let models = found.items.iter().map(|(_, m)| m.clone()).collect();
    let mut items = Vec::new();
    for row in rows(&state, models) {
        items.push(organisation_view(&row, &expand).await?);
    }
    Ok(ListPage::new(&found, &window, items).respond(&uri))
}

/// Expansions of a single organisation.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationExpand {
    /// Related records to embed: `town`.
    expand: Option<String>,
}

/// One organisation.
#[utoipa::path(
    get,
    path = "/api/v1/organisations/{id}",
    tag = "organisations",
    params(("id" = String, Path, description = "Global ID of the organisation"), OrganisationExpand),
    responses(
        (status = 200, description = "The organisation", body = OrganisationView),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
        (status = 404, description = "No such organisation", body = crate::error::ErrorBody),
    )
)]
pub async fn get_organisation(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<OrganisationExpand>,
) -> AppResult<Response> {
    let expand = Expand::parse(query.expand.as_deref(), EXPANSIONS)?;
    let row =
        one::<OrganisationById>(&state, path_id(&id, "Organisation")?, "Organisation").await?;
    Ok(Json(organisation_view(&row, &expand).await?).into_response())
}
