//! `/api/v1/people`: public profiles only. The representation has no field for contact or consent
//! data, and biography, photo and web site come through the privacy rule's public profile.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use entity::enums::ContributionRole;
use serde::Deserialize;
use utoipa::IntoParams;

use super::expand::Expand;
use super::listing::{ListPage, PageQuery};
use super::query::ApiQuery;
use super::views::{PersonProfile, person_profile};
use super::{VIEWER, param_id, path_id};
use crate::error::{AppError, AppResult};
use crate::load::{Level, fetch};
use crate::service::person::{self as service, PersonFilter, public_profile};
use crate::service::relation::PersonById;
use crate::state::AppState;

const EXPANSIONS: &[&str] = &["organisation", "town"];

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
