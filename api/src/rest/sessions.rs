//! `/api/v1/sessions`: programme items with their contributors, in time order.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use entity::enums::{ContributionRole, SessionKind};
use entity::{contribution, session};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::events::{EventView, event_view};
use super::expand::Expand;
use super::listing::{ListPage, PageQuery};
use super::organisations::{OrganisationView, organisation_view};
use super::people::{PersonProfile, person_profile};
use super::query::{ApiQuery, list};
use super::{one, param_id, path_id, rows};
use crate::error::AppResult;
use crate::ids;
use crate::load::Row;
use crate::service::event::time_zone;
use crate::service::relation::{
    ContributionOrganisation, ContributionPerson, SessionById, SessionContributions, SessionEvent,
};
use crate::service::session::{self as service, SessionFilter};
use crate::service::timing::local;
use crate::state::AppState;

const EXPANSIONS: &[&str] = &["contributions", "event"];

/// A programme item (Programmpunkt) of an event.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Session)]
pub struct SessionView {
    /// Global ID (the same as in GraphQL).
    pub id: String,
    /// Version of the record; it grows with every change.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// Order within the programme.
    pub position: i32,
    /// Title.
    pub title: String,
    /// Subtitle.
    pub subtitle: Option<String>,
    /// What the item is.
    pub kind: SessionKind,
    /// Summary.
    pub description: Option<String>,
    /// Start (UTC).
    pub starts_at: DateTime<Utc>,
    /// End (UTC), where known.
    pub ends_at: Option<DateTime<Utc>>,
    /// Start in the event's time zone (RFC 3339 with offset).
    pub starts_at_local: Option<String>,
    /// End in the event's time zone (RFC 3339 with offset).
    pub ends_at_local: Option<String>,
    /// Whether the end was not published but taken from the next item's start.
    pub end_inferred: bool,
    /// Public sources of this record.
    pub sources: Vec<String>,
    /// Global ID of the event.
    pub event_id: String,
    /// With `expand=event`: the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub event: Option<Box<EventView>>,
    /// With `expand=contributions` (always in an event's programme): who appears, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub contributions: Option<Vec<ContributionView>>,
}

/// Who appears in a session, and in which role.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Contribution)]
pub struct ContributionView {
    /// Global ID.
    pub id: String,
    /// In which role.
    pub role: ContributionRole,
    /// Affiliation as printed in the programme.
    pub affiliation: Option<String>,
    /// Order within the session.
    pub position: i32,
    /// The person, when a person is named (public profile).
    pub person: Option<PersonProfile>,
    /// The organisation: the one appearing itself, or the one the person speaks for.
    pub organisation: Option<OrganisationView>,
}

async fn contribution_view(row: &Row<contribution::Model>) -> AppResult<ContributionView> {
    let none = Expand::default();
    let person = match row.load::<ContributionPerson>().await?.first() {
        Some(person) => Some(person_profile(person, &none).await?),
        None => None,
    };
    let organisation = match row.load_one::<ContributionOrganisation>().await? {
        Some(organisation) => Some(organisation_view(&organisation, &none).await?),
        None => None,
    };
    Ok(ContributionView {
        id: ids::encode("Contribution", row.id),
        role: row.role,
        affiliation: row.affiliation.clone(),
        position: row.position,
        person,
        organisation,
    })
}

/// The representation of a session row; its event (for the time zone) loads with the level.
pub async fn session_view(row: &Row<session::Model>, expand: &Expand) -> AppResult<SessionView> {
    let event = row.load_one::<SessionEvent>().await?;
    let zone = event.as_ref().map(|event| time_zone(event));
    let contributions = if expand.has("contributions") {
        let found = row.load::<SessionContributions>().await?;
        let mut views = Vec::with_capacity(found.len());
        for contribution in &found {
            views.push(contribution_view(contribution).await?);
        }
        Some(views)
    } else {
        None
    };
    let event = match (expand.has("event"), event) {
        (true, Some(event)) => Some(Box::new(
            Box::pin(event_view(&event, &Expand::default())).await?,
        )),
        _ => None,
    };
    Ok(SessionView {
        id: ids::encode("Session", row.id),
        version: row.version,
        updated_at: row.updated_at,
        position: row.position,
        title: row.title.clone(),
        subtitle: row.subtitle.clone(),
        kind: row.kind,
        description: row.description.clone(),
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        starts_at_local: zone.map(|zone| local(row.starts_at, zone)),
        ends_at_local: zone.and_then(|zone| row.ends_at.map(|at| local(at, zone))),
        end_inferred: row.end_inferred,
        sources: row.sources.0.clone(),
        event_id: ids::encode("Event", row.event_id),
        event,
        contributions,
    })
}

/// Filters and expansions of the session list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SessionQuery {
    /// Of this event (global ID).
    event: Option<String>,
    /// Kinds, comma-separated (`KEYNOTE,PANEL`).
    kind: Option<String>,
    /// Starting at or after this instant (RFC 3339).
    from: Option<DateTime<Utc>>,
    /// Starting before this instant (RFC 3339).
    to: Option<DateTime<Utc>>,
    /// Text in title or subtitle.
    q: Option<String>,
    /// Related records to embed, comma-separated: `contributions`, `event`.
    expand: Option<String>,
}

/// Sessions of published events, in time order.
#[utoipa::path(
    get,
    path = "/api/v1/sessions",
    tag = "events",
    params(PageQuery, SessionQuery),
    responses(
        (status = 200, description = "One page of sessions", body = ListPage<SessionView>),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn list_sessions(
    State(state): State<AppState>,
    uri: Uri,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(query): ApiQuery<SessionQuery>,
) -> AppResult<Response> {
    let window = page.window()?;
    let expand = Expand::parse(query.expand.as_deref(), EXPANSIONS)?;
    let filter = SessionFilter {
        event_id: param_id(query.event.as_deref(), "Event", "event")?,
        kinds: list(query.kind.as_deref(), "kind")?,
        from: query.from,
        to: query.to,
        text: query.q.clone(),
    };
    let found = service::list(&state.db, super::VIEWER, &filter, &window.args, true).await?;
    let models = found.items.iter().map(|(_, m)| m.clone()).collect();
    let mut items = Vec::new();
    for row in rows(&state, models) {
        items.push(session_view(&row, &expand).await?);
    }
    Ok(ListPage::new(&found, &window, items).respond(&uri))
}

/// Expansions of a single session.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionExpand {
    /// Related records to embed, comma-separated: `contributions`, `event`.
    expand: Option<String>,
}

/// One session; the same path with `.ics` appended is its calendar.
#[utoipa::path(
    get,
    path = "/api/v1/sessions/{id}",
    tag = "events",
    params(("id" = String, Path, description = "Global ID of the session"), SessionExpand),
    responses(
        (status = 200, description = "The session", body = SessionView),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
        (status = 404, description = "No such session", body = crate::error::ErrorBody),
    )
)]
pub async fn get_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<SessionExpand>,
) -> AppResult<Response> {
    if let Some(id) = id.strip_suffix(".ics") {
        return crate::feeds::session_ics(&state, id).await;
    }
    let expand = Expand::parse(query.expand.as_deref(), EXPANSIONS)?;
    let row = one::<SessionById>(&state, path_id(&id, "Session")?, "Session").await?;
    Ok(Json(session_view(&row, &expand).await?).into_response())
}
