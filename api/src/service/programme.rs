//! An event's programme as partner sites show it (calendar feeds, JSON-LD, the embeddable page,
//! REST): the event, its town, organisers, sessions in programme order and every contributor's
//! profile for the viewer, loaded in a constant number of statements. Also the upcoming events of
//! the network, a town, a model project or an organisation.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use entity::enums::{ContributionRole, OrganiserRole};
use entity::{
    contribution, event, event_organiser, model_project, organisation, person, session, state, town,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::event::{EventFilter, EventOrder, EventOrderField};
use super::person::{PersonView, profile_for};
use super::viewer::Viewer;
use super::write::{self, Record};
use super::{event as event_service, person as person_service, session as session_service};
use crate::error::{AppError, AppResult};

/// How long a session without an end lasts in a calendar when no later session and no event end
/// bound it.
pub const DEFAULT_SESSION_MINUTES: i64 = 30;

/// Most events in one feed of upcoming events.
pub const MAX_UPCOMING: u64 = 500;

/// A town with its state.
#[derive(Clone, Debug)]
pub struct TownWithState {
    pub town: town::Model,
    pub state: Option<state::Model>,
}

/// An organisation's part in an event.
#[derive(Clone, Debug)]
pub struct Organiser {
    pub role: OrganiserRole,
    pub organisation: organisation::Model,
}

/// An event with what every rendering of it names: its zone, town and organisers.
#[derive(Clone, Debug)]
pub struct EventInfo {
    pub record: event::Model,
    pub zone: Tz,
    pub town: Option<TownWithState>,
    /// In the order they were recorded.
    pub organisers: Vec<Organiser>,
}

/// Who appears in a session (or the event as a whole): a person with their profile for the
/// viewer, an organisation, or a person on behalf of an organisation.
#[derive(Clone, Debug)]
pub struct Contributor {
    pub id: i32,
    pub role: ContributionRole,
    /// The affiliation as printed in the programme.
    pub affiliation: Option<String>,
    pub person: Option<PersonView>,
    /// The person's own organisation.
    pub person_organisation: Option<organisation::Model>,
    /// The organisation named by the contribution itself.
    pub organisation: Option<organisation::Model>,
    pub updated_at: DateTime<Utc>,
}

/// A programme item with its contributors in order.
#[derive(Clone, Debug)]
pub struct ProgrammeSession {
    pub record: session::Model,
    /// The end a calendar shows: the stored end, else the start of the next later session, else
    /// the event's end, else [`DEFAULT_SESSION_MINUTES`] after the start.
    pub calendar_end: DateTime<Utc>,
    pub contributors: Vec<Contributor>,
}

/// One event's programme for a viewer.
#[derive(Clone, Debug)]
pub struct Programme {
    pub event: EventInfo,
    /// Contributions to the event as a whole, not to one session.
    pub contributors: Vec<Contributor>,
    /// In programme order: start, position, id.
    pub sessions: Vec<ProgrammeSession>,
}

impl Programme {
    /// The session with this id, if it is part of the programme.
    pub fn session(&self, id: i32) -> Option<&ProgrammeSession> {
        self.sessions.iter().find(|s| s.record.id == id)
    }
}

/// Loads the programme of event `id` as the viewer may see it; `NotFound` for unknown and, for the
/// public, unpublished events.
pub async fn load<C: ConnectionTrait>(db: &C, viewer: Viewer, id: i32) -> AppResult<Programme> {
    let record = event_service::get(db, viewer, id)
        .await?
        .ok_or(AppError::NotFound("Event"))?;
    let town = match record.town_id {
        Some(town_id) => town_with_state(db, &[town_id]).await?.remove(&town_id),
        None => None,
    };
    let links = event_organiser::Entity::find()
        .filter(event_organiser::Column::EventId.eq(id))
        .order_by_asc(event_organiser::Column::Id)
        .all(db)
        .await?;
    let sessions = session::Entity::find()
        .filter(session::Column::EventId.eq(id))
        .filter(session_service::visible(viewer))
        .order_by_asc(session::Column::StartsAt)
        .order_by_asc(session::Column::Position)
        .order_by_asc(session::Column::Id)
        .all(db)
        .await?;
    let contributions = contribution::Entity::find()
        .filter(contribution::Column::EventId.eq(id))
        .filter(session_service::contribution_visible(viewer))
        .order_by_asc(contribution::Column::Position)
        .order_by_asc(contribution::Column::Id)
        .all(db)
        .await?;
    let person_ids: BTreeSet<i32> = contributions.iter().filter_map(|c| c.person_id).collect();
    let people: HashMap<i32, PersonView> = if person_ids.is_empty() {
        HashMap::new()
    } else {
        person::Entity::find()
            .filter(person::Column::Id.is_in(person_ids))
            .filter(person_service::visible(viewer))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, profile_for(viewer)(p)))
            .collect()
    };
    let organisation_ids: BTreeSet<i32> = links
        .iter()
        .map(|l| l.organisation_id)
        .chain(contributions.iter().filter_map(|c| c.organisation_id))
        .chain(people.values().filter_map(|p| p.organisation_id))
        .collect();
    let organisations = organisations(db, organisation_ids).await?;

    let contributor = |c: &contribution::Model| -> Option<Contributor> {
        let person = c.person_id.and_then(|id| people.get(&id).cloned());
        let organisation = c
            .organisation_id
            .and_then(|id| organisations.get(&id).cloned());
        if person.is_none() && organisation.is_none() {
            return None;
        }
        Some(Contributor {
            id: c.id,
            role: c.role,
            affiliation: c.affiliation.clone(),
            person_organisation: person
                .as_ref()
                .and_then(|p| p.organisation_id)
                .and_then(|id| organisations.get(&id).cloned()),
            person,
            organisation,
            updated_at: c.updated_at,
        })
    };
    let mut by_session: HashMap<i32, Vec<Contributor>> = HashMap::new();
    let mut to_event = Vec::new();
    for c in &contributions {
        let Some(entry) = contributor(c) else {
            continue;
        };
        match c.session_id {
            Some(session_id) => by_session.entry(session_id).or_default().push(entry),
            None => to_event.push(entry),
        }
    }
    let ends = calendar_ends(&sessions, record.ends_at);
    let sessions = sessions
        .into_iter()
        .zip(ends)
        .map(|(record, calendar_end)| ProgrammeSession {
            contributors: by_session.remove(&record.id).unwrap_or_default(),
            record,
            calendar_end,
        })
        .collect();
    let organisers = links
        .into_iter()
        .filter_map(|link| {
            organisations
                .get(&link.organisation_id)
                .cloned()
                .map(|organisation| Organiser {
                    role: link.role,
                    organisation,
                })
        })
        .collect();
    Ok(Programme {
        event: EventInfo {
            zone: event_service::time_zone(&record),
            record,
            town,
            organisers,
        },
        contributors: to_event,
        sessions,
    })
}

/// The id of the event a session belongs to, if the viewer may see the session.
pub async fn event_of_session<C: ConnectionTrait>(
    db: &C,
    viewer: Viewer,
    session_id: i32,
) -> AppResult<i32> {
    session::Entity::find_by_id(session_id)
        .filter(session_service::visible(viewer))
        .one(db)
        .await?
        .map(|s| s.event_id)
        .ok_or(AppError::NotFound("Session"))
}

/// The calendar end of each session (in programme order): see [`ProgrammeSession::calendar_end`].
fn calendar_ends(
    sessions: &[session::Model],
    event_end: Option<DateTime<Utc>>,
) -> Vec<DateTime<Utc>> {
    sessions
        .iter()
        .map(|s| {
            s.ends_at
                .or_else(|| {
                    sessions
                        .iter()
                        .map(|other| other.starts_at)
                        .filter(|start| *start > s.starts_at)
                        .min()
                })
                .or_else(|| event_end.filter(|end| *end > s.starts_at))
                .unwrap_or(s.starts_at + Duration::minutes(DEFAULT_SESSION_MINUTES))
        })
        .collect()
}

/// Whose upcoming events a feed lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The whole network.
    Network,
    /// Events in a town.
    Town(i32),
    /// Events of a model project.
    ModelProject(i32),
    /// Events an organisation organises (in any organiser role).
    Organisation(i32),
}

/// The events of `scope` the viewer may see that have not ended yet, by start, at most
/// [`MAX_UPCOMING`]; `NotFound` for an unknown town, model project or organisation.
pub async fn upcoming<C: ConnectionTrait>(
    db: &C,
    viewer: Viewer,
    scope: Scope,
) -> AppResult<Vec<EventInfo>> {
    let mut filter = EventFilter {
        upcoming: Some(true),
        ..EventFilter::default()
    };
    match scope {
        Scope::Network => {}
        Scope::Town(id) => {
            must_exist::<town::Entity, _>(db, id, "Town").await?;
            filter.town_id = Some(id);
        }
        Scope::ModelProject(id) => {
            must_exist::<model_project::Entity, _>(db, id, "ModelProject").await?;
            filter.model_project_id = Some(id);
        }
        Scope::Organisation(id) => {
            must_exist::<organisation::Entity, _>(db, id, "Organisation").await?;
            filter.organiser_id = Some(id);
        }
    }
    let order = EventOrder {
        field: EventOrderField::StartsAt,
        descending: false,
    };
    let events = event_service::all_matching(db, viewer, &filter, order, MAX_UPCOMING).await?;
    let event_ids: Vec<i32> = events.iter().map(|e| e.id).collect();
    let town_ids: Vec<i32> = events.iter().filter_map(|e| e.town_id).collect();
    let towns = town_with_state(db, &town_ids).await?;
    let links = if event_ids.is_empty() {
        Vec::new()
    } else {
        event_organiser::Entity::find()
            .filter(event_organiser::Column::EventId.is_in(event_ids))
            .order_by_asc(event_organiser::Column::Id)
            .all(db)
            .await?
    };
    let organisations =
        organisations(db, links.iter().map(|l| l.organisation_id).collect()).await?;
    let mut organisers: HashMap<i32, Vec<Organiser>> = HashMap::new();
    for link in links {
        if let Some(organisation) = organisations.get(&link.organisation_id) {
            organisers
                .entry(link.event_id)
                .or_default()
                .push(Organiser {
                    role: link.role,
                    organisation: organisation.clone(),
                });
        }
    }
    Ok(events
        .into_iter()
        .map(|record| EventInfo {
            zone: event_service::time_zone(&record),
            town: record.town_id.and_then(|id| towns.get(&id).cloned()),
            organisers: organisers.remove(&record.id).unwrap_or_default(),
            record,
        })
        .collect())
}

/// `NotFound` unless a row of `E` with this id exists.
async fn must_exist<E, C>(db: &C, id: i32, name: &'static str) -> AppResult<()>
where
    E: Record,
    E::Model: serde::Serialize + Clone + Send + Sync + sea_orm::IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    match write::must_exist::<E, C>(db, "id", id).await {
        Ok(_) => Ok(()),
        Err(AppError::BadUserInput { .. }) => Err(AppError::NotFound(name)),
        Err(other) => Err(other),
    }
}

async fn town_with_state<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
) -> AppResult<HashMap<i32, TownWithState>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(town::Entity::find()
        .filter(town::Column::Id.is_in(ids.iter().copied()))
        .find_also_related(state::Entity)
        .all(db)
        .await?
        .into_iter()
        .map(|(town, state)| (town.id, TownWithState { town, state }))
        .collect())
}

async fn organisations<C: ConnectionTrait>(
    db: &C,
    ids: BTreeSet<i32>,
) -> AppResult<HashMap<i32, organisation::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect())
}
