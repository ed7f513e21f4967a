//! An event's programme as partner sites show it (calendar feeds, JSON-LD, the embeddable page,
//! REST): the event, its town, organisers, sessions in programme order and every contributor's
//! profile for the viewer, loaded in a constant number of statements. Also the upcoming events of
//! the network, a town, a model project or an organisation.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use entity::enums::{ContributionRole, OrganiserRole};
use entity::{contribution, event, model_project, organisation, session, state, town};
use sea_orm::ConnectionTrait;

use super::event as event_service;
use super::event::{EventFilter, EventOrder, EventOrderField};
use super::person::PersonView;
use super::relation::{
    ContributionOrganisation, ContributionPerson, EventById, EventContributions, EventOrganisers,
    EventSessions, EventTown, OrganiserOrganisation, PersonOrganisation, SessionById, TownState,
};
use crate::error::{AppError, AppResult};
use crate::load::reader::Reader;
use crate::load::{Level, Row, fetch};
use crate::store::write::{self, Record};
use crate::viewer::Viewer;

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
/// public, unpublished events. It reads through the same relations as GraphQL and REST.
pub async fn load(reader: &Reader, viewer: Viewer, id: i32) -> AppResult<Programme> {
    let event = fetch::<EventById>(reader, viewer, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound("Event"))?;
    let info = event_info(&event).await?;
    let sessions = event.load::<EventSessions>().await?;
    let contributions = event
        .load_with::<EventContributions, (ContributionPerson, ContributionOrganisation)>()
        .await?;
    let mut by_session: HashMap<i32, Vec<Contributor>> = HashMap::new();
    let mut to_event = Vec::new();
    for contribution in &contributions {
        let Some(entry) = contributor(contribution).await? else {
            continue;
        };
        match contribution.session_id {
            Some(session_id) => by_session.entry(session_id).or_default().push(entry),
            None => to_event.push(entry),
        }
    }
    let records: Vec<session::Model> = sessions.iter().map(|row| (**row).clone()).collect();
    let ends = calendar_ends(&records, event.ends_at);
    let sessions = records
        .into_iter()
        .zip(ends)
        .map(|(record, calendar_end)| ProgrammeSession {
            contributors: by_session.remove(&record.id).unwrap_or_default(),
            record,
            calendar_end,
        })
        .collect();
    Ok(Programme {
        event: info,
        contributors: to_event,
        sessions,
    })
}

/// An event with its zone, town (with its state) and organisers; their relations load for the
/// event's whole level at once.
async fn event_info(event: &Row<event::Model>) -> AppResult<EventInfo> {
    let town = match event.load_with::<EventTown, (TownState,)>().await?.first() {
        Some(town) => Some(TownWithState {
            state: town
                .load_one::<TownState>()
                .await?
                .map(|state| (*state).clone()),
            town: (**town).clone(),
        }),
        None => None,
    };
    let mut organisers = Vec::new();
    for link in event
        .load_with::<EventOrganisers, (OrganiserOrganisation,)>()
        .await?
    {
        if let Some(organisation) = link.load_one::<OrganiserOrganisation>().await? {
            organisers.push(Organiser {
                role: link.role,
                organisation: (*organisation).clone(),
            });
        }
    }
    Ok(EventInfo {
        zone: event_service::time_zone(event),
        record: (**event).clone(),
        town,
        organisers,
    })
}

/// Who appears in a contribution, or `None` when neither its person nor its organisation is
/// visible.
async fn contributor(contribution: &Row<contribution::Model>) -> AppResult<Option<Contributor>> {
    let person = contribution.load_one::<ContributionPerson>().await?;
    let organisation = contribution.load_one::<ContributionOrganisation>().await?;
    if person.is_none() && organisation.is_none() {
        return Ok(None);
    }
    let person_organisation = match &person {
        Some(person) => person
            .load_one::<PersonOrganisation>()
            .await?
            .map(|organisation| (*organisation).clone()),
        None => None,
    };
    Ok(Some(Contributor {
        id: contribution.id,
        role: contribution.role,
        affiliation: contribution.affiliation.clone(),
        person: person.map(|person| (*person).clone()),
        person_organisation,
        organisation: organisation.map(|organisation| (*organisation).clone()),
        updated_at: contribution.updated_at,
    }))
}

/// The id of the event a session belongs to, if the viewer may see the session.
pub async fn event_of_session(reader: &Reader, viewer: Viewer, session_id: i32) -> AppResult<i32> {
    fetch::<SessionById>(reader, viewer, &[session_id])
        .await?
        .first()
        .map(|session| session.event_id)
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
    reader: &Reader,
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
    let mut infos = Vec::with_capacity(events.len());
    for event in Level::rows(events, reader, viewer) {
        infos.push(event_info(&event).await?);
    }
    Ok(infos)
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
