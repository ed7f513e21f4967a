//! `/api/v1/towns`: towns with their state, by id, by municipality key, filtered and ordered.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use entity::enums::{MemberRole, TownType};
use entity::town;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::expand::Expand;
use super::listing::{ListPage, PageQuery};
use super::model_projects::{ModelProjectView, model_project_view};
use super::query::{ApiQuery, list};
use super::{one, param_id, path_id, rows};
use crate::error::{AppError, AppResult};
use crate::graphql::enums::StateCode;
use crate::ids;
use crate::load::Row;
use crate::service::relation::{MemberModelProject, TownById, TownMemberships, TownState};
use crate::service::town::{self as service, TownFilter, TownOrder, TownOrderField};
use crate::state::AppState;

const EXPANSIONS: &[&str] = &["modelProjects"];

/// A federal state (Bundesland).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = State)]
pub struct StateView {
    /// Two-digit key, the first two digits of municipality keys (`"14"`).
    pub key: String,
    /// ISO 3166-2 code (`"DE-SN"`).
    pub code: String,
    /// Name (`"Sachsen"`).
    pub name: String,
}

/// A town (municipality).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Town)]
pub struct TownView {
    /// Global ID (the same as in GraphQL).
    pub id: String,
    /// Version of the record; it grows with every change.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// Name.
    pub name: String,
    /// Federal state.
    pub state: Option<StateView>,
    /// District (Landkreis).
    pub district: Option<String>,
    /// Official municipality key (AGS), 8 digits.
    pub municipality_key: Option<String>,
    /// GeoNames id.
    pub geonames_id: Option<i64>,
    /// Inhabitants.
    pub population: Option<i32>,
    /// Latitude (WGS 84).
    pub latitude: Option<f64>,
    /// Longitude (WGS 84).
    pub longitude: Option<f64>,
    /// BBSR town type, derived from population unless set officially.
    pub town_type: Option<TownType>,
    /// Whether `townType` is the official classification.
    pub town_type_official: bool,
    /// Web site.
    pub website: Option<String>,
    /// Public sources of this record.
    pub sources: Vec<String>,
    /// With `expand=modelProjects`: the model projects the town is a member of.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub model_projects: Option<Vec<TownMembershipView>>,
}

/// A model project a town is a member of, with the town's role.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = TownMembership)]
pub struct TownMembershipView {
    /// The town's role in the project.
    pub role: MemberRole,
    /// The project.
    pub model_project: ModelProjectView,
}

/// The representation of a town row, its state loaded with the whole level.
pub async fn town_view(row: &Row<town::Model>, expand: &Expand) -> AppResult<TownView> {
    let state = row.load_one::<TownState>().await?.map(|state| StateView {
        key: state.key.clone(),
        code: state.code.clone(),
        name: state.name.clone(),
    });
    let model_projects = if expand.has("modelProjects") {
        let memberships = row.load::<TownMemberships>().await?;
        let mut views = Vec::with_capacity(memberships.len());
        for membership in &memberships {
            if let Some(project) = membership.load_one::<MemberModelProject>().await? {
                views.push(TownMembershipView {
                    role: membership.role,
                    model_project: model_project_view(&project, &Expand::default()).await?,
                });
            }
        }
        Some(views)
    } else {
        None
    };
    Ok(TownView {
        id: ids::encode("Town", row.id),
        version: row.version,
        updated_at: row.updated_at,
        name: row.name.clone(),
        state,
        district: row.district.clone(),
        municipality_key: row.municipality_key.clone(),
        geonames_id: row.geonames_id,
        population: row.population,
        latitude: row.latitude,
        longitude: row.longitude,
        town_type: service::town_type(row),
        town_type_official: row.town_type_official,
        website: row.website.clone(),
        sources: row.sources.0.clone(),
        model_projects,
    })
}

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
            let by_key = (item.len() == 2 && item.bytes().all(|b| b.is_ascii_digit()))
                .then(|| StateCode::ALL.into_iter().find(|state| state.key() == item))
                .flatten();
            by_key
                .or_else(|| StateCode::from_abbreviation(&item.to_ascii_uppercase()))
                .map(|state| state.key().to_owned())
                .ok_or_else(|| {
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
