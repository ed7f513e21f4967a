//! `/api/v1/model-projects`: model projects (Modellvorhaben) with their call, towns and partners.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use entity::enums::{MemberRole, PartnerRole};
use entity::model_project;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::expand::Expand;
use super::listing::{ListPage, PageQuery};
use super::organisations::{OrganisationView, organisation_view};
use super::query::ApiQuery;
use super::towns::{TownView, town_view};
use super::{one, param_id, path_id, rows};
use crate::error::AppResult;
use crate::ids;
use crate::load::Row;
use crate::service::model_project::{self as service, ModelProjectFilter};
use crate::service::relation::{
    MemberTown, ModelProjectById, ModelProjectCall, ModelProjectLeadTown, ModelProjectMembers,
    ModelProjectPartners, PartnerOrganisation,
};
use crate::state::AppState;

const EXPANSIONS: &[&str] = &["towns", "partners", "leadTown"];

/// The call (Projektaufruf) a model project was selected in.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ProjectCall)]
pub struct ProjectCallView {
    /// Global ID.
    pub id: String,
    /// Name of the call.
    pub name: String,
    /// Year of the call.
    pub year: i32,
}

/// A model project (Modellvorhaben): a funded project of a group of towns.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ModelProject)]
pub struct ModelProjectView {
    /// Global ID (the same as in GraphQL).
    pub id: String,
    /// Version of the record; it grows with every change.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// Full title.
    pub title: String,
    /// Short title.
    pub short_title: Option<String>,
    /// Topic.
    pub topic: Option<String>,
    /// Summary.
    pub description: Option<String>,
    /// Start (ISO 8601 date, possibly partial).
    pub period_start: Option<String>,
    /// End (ISO 8601 date, possibly partial).
    pub period_end: Option<String>,
    /// Funding programme.
    pub funding_programme: Option<String>,
    /// Public sources of this record.
    pub sources: Vec<String>,
    /// The call the project was selected in.
    pub project_call: Option<ProjectCallView>,
    /// Global ID of the lead town.
    pub lead_town_id: Option<String>,
    /// With `expand=leadTown`: the lead town.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub lead_town: Option<Box<TownView>>,
    /// With `expand=towns`: member towns with their role, in the order the sources list them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub towns: Option<Vec<MemberTownView>>,
    /// With `expand=partners`: partner organisations with their role.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub partners: Option<Vec<PartnerView>>,
}

/// A member town of a model project.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ModelProjectTown)]
pub struct MemberTownView {
    /// The town's role.
    pub role: MemberRole,
    /// The town.
    pub town: TownView,
}

/// A partner organisation of a model project.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ModelProjectPartner)]
pub struct PartnerView {
    /// The organisation's role.
    pub role: PartnerRole,
    /// The organisation.
    pub organisation: OrganisationView,
}

/// The representation of a model-project row.
pub async fn model_project_view(
    row: &Row<model_project::Model>,
    expand: &Expand,
) -> AppResult<ModelProjectView> {
    let project_call = row
        .load_one::<ModelProjectCall>()
        .await?
        .map(|call| ProjectCallView {
            id: ids::encode("ProjectCall", call.id),
            name: call.name.clone(),
            year: call.year,
        });
    let lead_town = match expand.has("leadTown") {
        true => match row.load_one::<ModelProjectLeadTown>().await? {
            Some(town) => Some(Box::new(
                Box::pin(town_view(&town, &Expand::default())).await?,
            )),
            None => None,
        },
        false => None,
    };
    let towns = if expand.has("towns") {
        let members = row.load::<ModelProjectMembers>().await?;
        let mut views = Vec::with_capacity(members.len());
        for member in &members {
            let town = member.load_one::<MemberTown>().await?;
            if let Some(town) = town {
                views.push(MemberTownView {
                    role: member.role,
                    town: Box::pin(town_view(&town, &Expand::default())).await?,
                });
            }
        }
        Some(views)
    } else {
        None
    };
    let partners = if expand.has("partners") {
        let partners = row.load::<ModelProjectPartners>().await?;
        let mut views = Vec::with_capacity(partners.len());
        for partner in &partners {
            let organisation = partner.load_one::<PartnerOrganisation>().await?;
            if let Some(organisation) = organisation {
                views.push(PartnerView {
                    role: partner.role,
                    organisation: Box::pin(organisation_view(&organisation, &Expand::default()))
                        .await?,
                });
            }
        }
        Some(views)
    } else {
        None
    };
    Ok(ModelProjectView {
        id: ids::encode("ModelProject", row.id),
        version: row.version,
        updated_at: row.updated_at,
        title: row.title.clone(),
        short_title: row.short_title.clone(),
        topic: row.topic.clone(),
        description: row.description.clone(),
        period_start: row.period_start.clone(),
        period_end: row.period_end.clone(),
        funding_programme: row.funding_programme.clone(),
        sources: row.sources.0.clone(),
        project_call,
        lead_town_id: row.lead_town_id.map(|id| ids::encode("Town", id)),
        lead_town,
        towns,
        partners,
    })
}

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
