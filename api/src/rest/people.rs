//! `/api/v1/people`: public profiles only. The representation has no field for contact or consent
//! data, and biography, photo and web site come through the privacy rule's public profile.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use entity::enums::ContributionRole;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::expand::Expand;
use super::listing::{ListPage, PageQuery};
use super::organisations::{OrganisationView, organisation_view};
use super::query::ApiQuery;
use super::towns::{TownView, town_view};
use super::{VIEWER, param_id, path_id};
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::load::{Level, Row, fetch};
use crate::service::person::{self as service, PersonFilter, PersonView, public_profile};
use crate::service::relation::{PersonById, PersonOrganisation, PersonTown};
use crate::state::AppState;

const EXPANSIONS: &[&str] = &["organisation", "town"];

/// A person's public profile.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Person)]
pub struct PersonProfile {
    /// Global ID (the same as in GraphQL).
    pub id: String,
    /// Version of the record; it grows with every change.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// Name.
    pub name: String,
    /// Academic title (`Dr.`).
    pub academic_title: Option<String>,
    /// Position (`Bürgermeisterin`).
    pub position: Option<String>,
    /// Biography (only with the person's consent).
    pub biography: Option<String>,
    /// Photo (only with the person's consent).
    pub photo_url: Option<String>,
    /// Web site (only with the person's consent).
    pub website: Option<String>,
    /// Public sources of this record.
    pub sources: Vec<String>,
    /// Global ID of the person's organisation.
    pub organisation_id: Option<String>,
    /// Global ID of the person's town.
    pub town_id: Option<String>,
    /// With `expand=organisation`: the organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub organisation: Option<Box<OrganisationView>>,
    /// With `expand=town`: the town.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub town: Option<Box<TownView>>,
}

/// The public representation of a person's (public) profile row.
pub async fn person_profile(row: &Row<PersonView>, expand: &Expand) -> AppResult<PersonProfile> {
    let organisation = match expand.has("organisation") {
        true => match row.load_one::<PersonOrganisation>().await? {
            Some(organisation) => Some(Box::new(
                Box::pin(organisation_view(&organisation, &Expand::default())).await?,
            )),
            None => None,
        },
        false => None,
    };
    let town = match expand.has("town") {
        true => match row.load_one::<PersonTown>().await? {
            Some(town) => Some(Box::new(
                Box::pin(town_view(&town, &Expand::default())).await?,
            )),
            None => None,
        },
        false => None,
    };
    Ok(PersonProfile {
        id: ids::encode("Person", row.id),
        version: row.version,
        updated_at: row.updated_at,
        name: row.name.clone(),
        academic_title: row.academic_title.clone(),
        position: row.position.clone(),
        biography: row.biography.clone(),
        photo_url: row.photo_url.clone(),
        website: row.website.clone(),
        sources: row.sources.clone(),
        organisation_id: row
            .organisation_id
            .map(|id| ids::encode("Organisation", id)),
        town_id: row.town_id.map(|id| ids::encode("Town", id)),
        organisation,
        town,
    })
}

/// Filters and expansions of the people list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PersonQuery {
    /// Text in the name.
    q: Option<String>,
    /// Of this organisation (global ID).
    organisation: Option<String>,
    /// Of this town (global ID).
    town: Option<String>,
    /// Who appeared in a published programme in this role.
    role: Option<ContributionRole>,
    /// Related records to embed, comma-separated: `organisation`, `town`.
    expand: Option<String>,
}

/// People with a public profile, by name.
#[utoipa::path(
    get,
    path = "/api/v1/people",
    tag = "people",
    params(PageQuery, PersonQuery),
    responses(
        (status = 200, description = "One page of public profiles", body = ListPage<PersonProfile>),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn list_people(
    State(state): State<AppState>,
    uri: Uri,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(query): ApiQuery<PersonQuery>,
) -> AppResult<Response> {
    let window = page.window()?;
    let expand = Expand::parse(query.expand.as_deref(), EXPANSIONS)?;
    let filter = PersonFilter {
        name_contains: query.q.clone(),
        email_contains: None,
        organisation_id: param_id(
            query.organisation.as_deref(),
            "Organisation",
            "organisation",
        )?,
        town_id: param_id(query.town.as_deref(), "Town", "town")?,
        role: query.role,
    };
    let found = service::list(&state.db, VIEWER, &filter, &window.args, true).await?;
    let profiles = found
        .items
        .iter()
        .map(|(_, m)| public_profile(m.clone()))
        .collect();
    let mut items = Vec::new();
    for row in Level::rows(profiles, &state.reader, VIEWER) {
        items.push(person_profile(&row, &expand).await?);
    }
    Ok(ListPage::new(&found, &window, items).respond(&uri))
}

/// Expansions of a single person.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonExpand {
    /// Related records to embed, comma-separated: `organisation`, `town`.
    expand: Option<String>,
}

/// One person's public profile; a person without one does not exist here.
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}",
    tag = "people",
    params(("id" = String, Path, description = "Global ID of the person"), PersonExpand),
    responses(
        (status = 200, description = "The public profile", body = PersonProfile),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
        (status = 404, description = "No such person, or no public profile", body = crate::error::ErrorBody),
    )
)]
pub async fn get_person(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<PersonExpand>,
) -> AppResult<Response> {
    let expand = Expand::parse(query.expand.as_deref(), EXPANSIONS)?;
    let id = path_id(&id, "Person")?;
    let row = fetch::<PersonById>(&state.reader, VIEWER, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound("Person"))?;
    Ok(Json(person_profile(&row, &expand).await?).into_response())
}
