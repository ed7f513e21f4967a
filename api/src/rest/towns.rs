//! `/api/v1/towns`: towns with their state, by id, by municipality key, filtered and ordered.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::expand::Expand;
use super::listing::{ListPage, PageQuery};
use super::query::{ApiQuery, list};
use super::views::{TownView, town_view};
use super::{one, param_id, path_id, rows};
use crate::error::{AppError, AppResult};
use crate::service::relation::TownById;
use crate::service::town::{self as service, TownFilter, TownOrder, TownOrderField};
use crate::state::AppState;

const EXPANSIONS: &[&str] = &["modelProjects"];

/// Filters, order and expansions of the town list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct TownQuery {
    /// States, comma-separated, by code as in GraphQL (`SN,TH`) or by two-digit key (`14,16`).
    state: Option<String>,
    /// Town types, comma-separated (`SMALLER_SMALL_TOWN,LARGER_SMALL_TOWN`).
    town_type: Option<String>,
    /// At least this many inhabitants.
    population_min: Option<i32>,
    /// At most this many inhabitants.
    population_max: Option<i32>,
    /// Text in the name.
    q: Option<String>,
    /// Members of this model project (global ID).
    model_project: Option<String>,
    /// `name` (default) or `population`; a leading `-` sorts descending.
    order_by: Option<String>,
    /// Related records to embed: `modelProjects`.
    expand: Option<String>,
}

/// State keys from codes (`SN`) or keys (`14`).
pub(super) fn state_keys(value: Option<&str>) -> AppResult<Option<Vec<String>>> {
    let Some(value) = value else {
        return Ok(None);
    };
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            service::state_key(item).map(str::to_owned).ok_or_else(|| {
                AppError::bad_field("state", format!("`{item}` is not a German state"))
            })
        })
        .collect::<AppResult<Vec<_>>>()
        .map(Some)
}

fn order(value: Option<&str>) -> AppResult<TownOrder> {
    let value = value.unwrap_or("name");
    let (descending, field) = match value.strip_prefix('-') {
        Some(field) => (true, field),
        None => (false, value),
    };
    let field = match field {
        "name" => TownOrderField::Name,
        "population" => TownOrderField::Population,
        other => {
            return Err(AppError::bad_field(
                "orderBy",
                format!("cannot order towns by `{other}`; use `name` or `population`"),
            ));
        }
    };
    Ok(TownOrder { field, descending })
}

/// Towns, filtered and ordered.
#[utoipa::path(
    get,
    path = "/api/v1/towns",
    tag = "towns",
    params(PageQuery, TownQuery),
    responses(
        (status = 200, description = "One page of towns", body = ListPage<TownView>),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn list_towns(
    State(state): State<AppState>,
    uri: Uri,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(query): ApiQuery<TownQuery>,
) -> AppResult<Response> {
    let window = page.window()?;
    let expand = Expand::parse(query.expand.as_deref(), EXPANSIONS)?;
    let filter = TownFilter {
        state_keys: state_keys(query.state.as_deref())?,
        town_types: list(query.town_type.as_deref(), "townType")?,
        population_min: query.population_min,
        population_max: query.population_max,
        name_contains: query.q.clone(),
        model_project_id: param_id(
            query.model_project.as_deref(),
            "ModelProject",
            "modelProject",
        )?,
    };
    let found = service::list(
        &state.db,
        &filter,
        order(query.order_by.as_deref())?,
        &window.args,
        true,
    )
    .await?;
    let models = found.items.iter().map(|(_, m)| m.clone()).collect();
    let mut items = Vec::new();
    for row in rows(&state, models) {
        items.push(town_view(&row, &expand).await?);
    }
    Ok(ListPage::new(&found, &window, items).respond(&uri))
}

/// Expansions of a single town.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TownExpand {
    /// Related records to embed: `modelProjects`.
    expand: Option<String>,
}

/// One town.
#[utoipa::path(
    get,
    path = "/api/v1/towns/{id}",
    tag = "towns",
    params(("id" = String, Path, description = "Global ID of the town"), TownExpand),
    responses(
        (status = 200, description = "The town", body = TownView),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
        (status = 404, description = "No such town", body = crate::error::ErrorBody),
    )
)]
pub async fn get_town(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<TownExpand>,
) -> AppResult<Response> {
    let expand = Expand::parse(query.expand.as_deref(), EXPANSIONS)?;
    let row = one::<TownById>(&state, path_id(&id, "Town")?, "Town").await?;
    Ok(Json(town_view(&row, &expand).await?).into_response())
}

/// One town by its official municipality key (AGS).
#[utoipa::path(
    get,
    path = "/api/v1/towns/by-municipality-key/{key}",
    tag = "towns",
    params(("key" = String, Path, description = "8-digit municipality key (AGS)", pattern = "^[0-9]{8}$"), TownExpand),
    responses(
        (status = 200, description = "The town", body = TownView),
        (status = 400, description = "Not an 8-digit key, or an invalid parameter", body = crate::error::ErrorBody),
        (status = 404, description = "No town has this key", body = crate::error::ErrorBody),
    )
)]
pub async fn get_town_by_municipality_key(
    State(state): State<AppState>,
    Path(key): Path<String>,
    ApiQuery(query): ApiQuery<TownExpand>,
) -> AppResult<Response> {
    let expand = Expand::parse(query.expand.as_deref(), EXPANSIONS)?;
    let town = service::by_municipality_key(&state.db, &key)
        .await?
        .ok_or(AppError::NotFound("Town"))?;
    let row = rows(&state, vec![town])
        .into_iter()
        .next()
        .ok_or(AppError::NotFound("Town"))?;
    Ok(Json(town_view(&row, &expand).await?).into_response())
}
