//! `/api/v1/statistics/...`: grouped counts as JSON (one flat object per group) or CSV
//! (`format=csv`, licence block first).

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::query::{ApiQuery, list};
use super::towns::state_keys;
use super::{VIEWER, param_id};
use crate::error::{AppError, AppResult};
use crate::export;
use crate::service::event::EventFilter;
use crate::service::model_project::ModelProjectFilter;
use crate::service::session::SessionFilter;
use crate::service::statistics::{
    self as service, ContributionDimension, ContributionFilter, EventDimension,
    ModelProjectDimension, ParticipationDimension, SessionDimension, Statistic, TownDimension,
    parse_dimensions,
};
use crate::service::town::TownFilter;
use crate::state::AppState;

/// A grouped count.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Statistic)]
pub struct StatisticView {
    /// What is counted (`towns`, `participation`, `events`, `sessions`, `contributions`, `modelProjects`).
    pub subject: String,
    /// The dimensions grouped by, in the order asked for.
    pub dimensions: Vec<String>,
    /// One object per group: each dimension's value (`null` where unknown), `<dimension>Label`
    /// where the value is a code, `count`, and for participation `total` and `share`.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<Map<String, Value>>,
    /// The sum of `count` over all rows.
    pub count: i64,
}

fn view(statistic: &Statistic) -> StatisticView {
    let columns = export::csv::statistic_columns(statistic);
    let rows = statistic
        .rows
        .iter()
        .map(|row| {
            let mut object = Map::new();
            for (dimension, key) in statistic.dimensions.iter().zip(&row.keys) {
                object.insert((*dimension).to_owned(), key.value.clone().into());
                let label = format!("{dimension}Label");
                if columns.contains(&label) {
                    object.insert(label, key.label.clone().into());
                }
            }
            object.insert("count".to_owned(), row.count.into());
            if statistic.has_total {
                object.insert("total".to_owned(), row.total.into());
                object.insert("share".to_owned(), row.share().into());
            }
            object
        })
        .collect();
    StatisticView {
        subject: statistic.subject.to_owned(),
        dimensions: statistic
            .dimensions
            .iter()
            .map(|d| (*d).to_owned())
            .collect(),
        rows,
        count: statistic.rows.iter().map(|row| row.count).sum(),
    }
}

/// The answer in the format asked for.
fn respond(statistic: &Statistic, format: Option<&str>) -> AppResult<Response> {
    match format.unwrap_or("json") {
        "json" => Ok(Json(view(statistic)).into_response()),
        "csv" => Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            export::csv::statistic(statistic)?,
        )
            .into_response()),
        other => Err(AppError::bad_field(
            "format",
            format!("`{other}` is not a format; use `json` or `csv`"),
        )),
    }
}

/// Parameters of the town and participation statistics.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct TownStatisticQuery {
    /// Dimensions, comma-separated, at most 3: `state`, `district`, `townType`, `populationBand`
    /// (participation: `state`, `townType`). None: the overall count.
    by: Option<String>,
    /// States, comma-separated, by code (`SN,TH`) or two-digit key (`14,16`).
    state: Option<String>,
    /// Town types, comma-separated (`SMALLER_SMALL_TOWN,LARGER_SMALL_TOWN`). Participation counts
    /// small towns when left out.
    town_type: Option<String>,
    /// At least this many inhabitants.
    population_min: Option<i32>,
    /// At most this many inhabitants.
    population_max: Option<i32>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

impl TownStatisticQuery {
    fn filter(&self) -> AppResult<TownFilter> {
        Ok(TownFilter {
            state_keys: state_keys(self.state.as_deref())?,
            town_types: list(self.town_type.as_deref(), "townType")?,
            population_min: self.population_min,
            population_max: self.population_max,
            ..TownFilter::default()
        })
    }
}

fn names<D: Copy>(all: &[D], name: fn(D) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|d| name(*d)).collect()
}

/// Towns grouped by state, district, town type or population band.
#[utoipa::path(
    get,
    path = "/api/v1/statistics/towns",
    tag = "statistics",
    params(TownStatisticQuery),
    responses(
        (status = 200, description = "Towns per group (JSON, or CSV with `format=csv`)",
            content((StatisticView = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn town_statistics(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TownStatisticQuery>,
) -> AppResult<Response> {
    let by = parse_dimensions(
        query.by.as_deref(),
        TownDimension::from_name,
        &names(TownDimension::ALL, TownDimension::name),
    )?;
    let statistic = service::towns(&state.db, &by, &query.filter()?).await?;
    respond(&statistic, query.format.as_deref())
}

/// Towns in model projects against all towns, per state or town type; small towns unless
/// `townType` says otherwise.
#[utoipa::path(
    get,
    path = "/api/v1/statistics/participation",
    tag = "statistics",
    params(TownStatisticQuery),
    responses(
        (status = 200, description = "Participating towns (`count`), all towns (`total`) and `share` per group",
            content((StatisticView = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn participation_statistics(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TownStatisticQuery>,
) -> AppResult<Response> {
    let by = parse_dimensions(
        query.by.as_deref(),
        ParticipationDimension::from_name,
        &names(ParticipationDimension::ALL, ParticipationDimension::name),
    )?;
    let statistic = service::participation(&state.db, &by, &query.filter()?).await?;
    respond(&statistic, query.format.as_deref())
}

/// Parameters of the event statistics.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct EventStatisticQuery {
    /// Dimensions, comma-separated: `year`, `format`, `status`. None: the overall count.
    by: Option<String>,
    /// Formats, comma-separated (`DIGITAL,HYBRID`).
    event_format: Option<String>,
    /// Statuses, comma-separated (`SCHEDULED,CANCELLED`).
    status: Option<String>,
    /// Events that end (or, without an end, start) at or after this instant (RFC 3339).
    from: Option<chrono::DateTime<chrono::Utc>>,
    /// Events that start before this instant (RFC 3339).
    to: Option<chrono::DateTime<chrono::Utc>>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

/// Published events grouped by year, format or status.
#[utoipa::path(
    get,
    path = "/api/v1/statistics/events",
    tag = "statistics",
    params(EventStatisticQuery),
    responses(
        (status = 200, description = "Events per group (JSON, or CSV with `format=csv`)",
            content((StatisticView = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn event_statistics(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<EventStatisticQuery>,
) -> AppResult<Response> {
    let by = parse_dimensions(
        query.by.as_deref(),
        EventDimension::from_name,
        &names(EventDimension::ALL, EventDimension::name),
    )?;
    let filter = EventFilter {
        from: query.from,
        to: query.to,
        formats: list(query.event_format.as_deref(), "eventFormat")?,
        statuses: list(query.status.as_deref(), "status")?,
        ..EventFilter::default()
    };
    let statistic = service::events(&state.db, VIEWER, &by, &filter).await?;
    respond(&statistic, query.format.as_deref())
}

/// Parameters of the session statistics.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SessionStatisticQuery {
    /// Dimensions, comma-separated: `kind`, `year`. None: the overall count.
    by: Option<String>,
    /// Sessions of this event (global ID).
    event: Option<String>,
    /// Kinds, comma-separated (`TALK,PANEL`).
    kind: Option<String>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

/// Sessions of published events grouped by kind or year.
#[utoipa::path(
    get,
    path = "/api/v1/statistics/sessions",
    tag = "statistics",
    params(SessionStatisticQuery),
    responses(
        (status = 200, description = "Sessions per group (JSON, or CSV with `format=csv`)",
            content((StatisticView = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn session_statistics(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SessionStatisticQuery>,
) -> AppResult<Response> {
    let by = parse_dimensions(
        query.by.as_deref(),
        SessionDimension::from_name,
        &names(SessionDimension::ALL, SessionDimension::name),
    )?;
    let filter = SessionFilter {
        event_id: param_id(query.event.as_deref(), "Event", "event")?,
        kinds: list(query.kind.as_deref(), "kind")?,
        ..SessionFilter::default()
    };
    let statistic = service::sessions(&state.db, VIEWER, &by, &filter).await?;
    respond(&statistic, query.format.as_deref())
}

/// Parameters of the contribution statistics.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ContributionStatisticQuery {
    /// Dimensions, comma-separated: `role`, `organisationKind`. None: the overall count.
    by: Option<String>,
    /// Roles, comma-separated (`SPEAKER,MODERATOR`).
    role: Option<String>,
    /// Contributions to this event (global ID).
    event: Option<String>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

/// Contributions to published programmes grouped by role or organisation kind.
#[utoipa::path(
    get,
    path = "/api/v1/statistics/contributions",
    tag = "statistics",
    params(ContributionStatisticQuery),
    responses(
        (status = 200, description = "Contributions per group (JSON, or CSV with `format=csv`)",
            content((StatisticView = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn contribution_statistics(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ContributionStatisticQuery>,
) -> AppResult<Response> {
    let by = parse_dimensions(
        query.by.as_deref(),
        ContributionDimension::from_name,
        &names(ContributionDimension::ALL, ContributionDimension::name),
    )?;
    let filter = ContributionFilter {
        roles: list(query.role.as_deref(), "role")?,
        event_id: param_id(query.event.as_deref(), "Event", "event")?,
    };
    let statistic = service::contributions(&state.db, VIEWER, &by, &filter).await?;
    respond(&statistic, query.format.as_deref())
}

/// Parameters of the model-project statistics.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ModelProjectStatisticQuery {
    /// Dimensions, comma-separated: `projectCall`, `topic`. None: the overall count.
    by: Option<String>,
    /// Projects of this call (global ID).
    project_call: Option<String>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

/// Model projects grouped by project call or topic.
#[utoipa::path(
    get,
    path = "/api/v1/statistics/model-projects",
    tag = "statistics",
    params(ModelProjectStatisticQuery),
    responses(
        (status = 200, description = "Model projects per group (JSON, or CSV with `format=csv`)",
            content((StatisticView = "application/json"), (String = "text/csv"))),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn model_project_statistics(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ModelProjectStatisticQuery>,
) -> AppResult<Response> {
    let by = parse_dimensions(
        query.by.as_deref(),
        ModelProjectDimension::from_name,
        &names(ModelProjectDimension::ALL, ModelProjectDimension::name),
    )?;
    let filter = ModelProjectFilter {
        project_call_id: param_id(query.project_call.as_deref(), "ProjectCall", "projectCall")?,
        ..ModelProjectFilter::default()
    };
    let statistic = service::model_projects(&state.db, &by, &filter).await?;
    respond(&statistic, query.format.as_deref())
}
