//! GraphQL types, queries and mutations of events and their organisers.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, NaiveDateTime, Utc};
use entity::{event, event_organiser};

use super::audit::AuditEntryConnection;
use super::connection::{args, connection, page_cost};
use super::document::{Document, DocumentConnection};
use super::enums::{DatePrecision, EventFormat, EventStatus, OrganiserRole};
use super::model_project::ModelProject;
use super::organisation::Organisation;
use super::registration::RegistrationConnection;
use super::session::{Contribution, ContributionConnection, Session, SessionConnection};
use super::town::Town;
use super::{DeletePayload, decode_opt, joined, maybe, maybe_id, request, wants_total};
use crate::ids;
use crate::load::Row;
use crate::service::event::{
    self as service, EventChanges, EventFilter, EventOrder, EventOrderField,
};
use crate::service::relation::{
    EventById, EventContributions, EventDocuments, EventModelProject, EventOrganisers,
    EventRegistrations, EventSessions, EventTown, EventWhole, OrganiserEvent,
    OrganiserOrganisation,
};
use crate::service::timing::{When, local};

/// An event (Veranstaltung): a conference, workshop, meeting, …
#[derive(Clone)]
pub struct Event(pub Row<event::Model>);

/// An event (Veranstaltung): a conference, workshop, meeting, …
#[Object]
impl Event {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode("Event", self.0.id))
    }
    /// Version of the record: pass it as `expectedVersion` when changing it.
    pub async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record last changed.
    pub async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Subtitle.
    async fn subtitle(&self) -> Option<&str> {
        self.0.subtitle.as_deref()
    }
    /// Summary.
    async fn description(&self) -> Result<Option<String>> {
        let whole = self.0.whole::<EventWhole>().await?;
        Ok(whole.and_then(|row| row.description.clone()))
    }
    /// How the event takes place, where known.
    async fn format(&self) -> Option<EventFormat> {
        self.0.format.map(Into::into)
    }
    /// Whether it takes place as planned.
    async fn status(&self) -> EventStatus {
        self.0.status.into()
    }
    /// IANA time zone the event's local times are given in.
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }
    /// Start (UTC). See `datePrecision` for how exactly it is known.
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    /// End (UTC), where known.
    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.ends_at
    }
    /// Start in the event's time zone (RFC 3339 with offset).
    async fn starts_at_local(&self) -> String {
        local(self.0.starts_at, service::time_zone(&self.0))
    }
    /// End in the event's time zone (RFC 3339 with offset), where known.
    async fn ends_at_local(&self) -> Option<String> {
        self.0
            .ends_at
            .map(|at| local(at, service::time_zone(&self.0)))
    }
    /// How exactly the start is known (time, day, month or only year).
    async fn date_precision(&self) -> DatePrecision {
        self.0.date_precision.into()
    }
    /// Venue, as text.
    async fn place(&self) -> Option<&str> {
        self.0.place.as_deref()
    }
    /// URL of the online stream or meeting.
    async fn online_url(&self) -> Option<&str> {
        self.0.online_url.as_deref()
    }
    /// Web site of the event.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// Whether the event is published (anonymous readers only ever see published events).
    async fn published(&self) -> bool {
        self.0.published
    }
    /// Public sources of this record.
    async fn sources(&self) -> &[String] {
        &self.0.sources.0
    }
    /// Town the event takes place in.
    async fn town(&self) -> Result<Option<Town>> {
        Ok(self.0.load_one::<EventTown>().await?.map(Town))
    }
    /// Model project the event belongs to.
    async fn model_project(&self) -> Result<Option<ModelProject>> {
        Ok(self
            .0
            .load_one::<EventModelProject>()
            .await?
            .map(ModelProject))
    }
    /// The programme: sessions in time order.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn sessions(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<SessionConnection> {
        let page = self
            .0
            .page::<EventSessions>(&args(first, after, last, before))
            .await?;
        Ok(SessionConnection::from_page(page.map(Session)))
    }
    /// Everyone who appears in the event: in its sessions, or in the event as a whole.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn contributions(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<ContributionConnection> {
        let page = self
            .0
            .page::<EventContributions>(&args(first, after, last, before))
            .await?;
        Ok(ContributionConnection::from_page(page.map(Contribution)))
    }
    /// Organisations that organised, produced or supported the event, with their role.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn organisers(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<EventOrganiserConnection> {
        let rows = self
            .0
            .page_with::<EventOrganisers, (OrganiserOrganisation,)>(&args(
                first, after, last, before,
            ))
            .await?;
        let page = joined::<OrganiserOrganisation, _, _>(
            rows,
            |row| {
                (
                    ID(ids::encode("EventOrganiser", row.id)),
                    row.version,
                    OrganiserRole::from(row.role),
                )
            },
            Organisation,
        )
        .await?;
        Ok(EventOrganiserConnection::from_page(page))
    }
    /// Documents presented at or about the event, by title.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn documents(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<DocumentConnection> {
        let page = self
            .0
            .page::<EventDocuments>(&args(first, after, last, before))
            .await?;
        Ok(DocumentConnection::from_page(page.map(Document)))
    }
    /// Registrations for the event (staff only; null for anonymous callers).
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn registrations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<Option<RegistrationConnection>> {
        super::registration::registrations::<EventRegistrations>(
            ctx,
            &self.0,
            args(first, after, last, before),
        )
        .await
    }
    /// Changes to this record, newest first (staff only; null for anonymous callers).
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<Option<AuditEntryConnection>> {
        super::audit::history::<event::Entity>(ctx, &self.0, args(first, after, last, before)).await
    }
}

connection!(EventConnection, EventEdge, Event, "events");
connection!(
    EventOrganiserConnection,
    EventOrganiserEdge,
    Organisation,
    "an event's organisers",
    edge: {
        id: ID => "Global ID of this organiser entry (an EventOrganiser): pass it to `removeEventOrganiser`.",
        version: i32 => "Version of this organiser entry: pass it as `expectedVersion`.",
        role: OrganiserRole => "The organisation's part in the event.",
    }
);
connection!(
    OrganisationEventConnection,
    OrganisationEventEdge,
    Event,
    "the events of an organisation",
    role: OrganiserRole,
    "The organisation's part in the event."
);

/// Which events to list; all given conditions must hold.
#[derive(Default, InputObject)]
pub struct EventFilterInput {
    /// Events that end (or, without a known end, start) at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Events that start before this instant.
    pub to: Option<DateTime<Utc>>,
    /// `true`: only events that have not ended yet.
    pub upcoming: Option<bool>,
    /// Events in one of these formats.
    pub format: Option<Vec<EventFormat>>,
    /// Events in one of these states.
    pub status: Option<Vec<EventStatus>>,
    /// Events in this town.
    pub town: Option<ID>,
    /// Events this organisation organised, produced or supported.
    pub organiser: Option<ID>,
    /// Events of this model project.
    pub model_project: Option<ID>,
    /// Events whose title, subtitle or description contains this text (case-insensitive).
    pub text: Option<String>,
}

impl EventFilterInput {
    pub fn into_filter(self) -> crate::AppResult<EventFilter> {
        Ok(EventFilter {
            from: self.from,
            to: self.to,
            upcoming: self.upcoming,
            formats: self.format.map(|v| v.into_iter().map(Into::into).collect()),
            statuses: self.status.map(|v| v.into_iter().map(Into::into).collect()),
            town_id: decode_opt(self.town.as_ref(), "Town", "filter.town")?,
            organiser_id: decode_opt(self.organiser.as_ref(), "Organisation", "filter.organiser")?,
            model_project_id: decode_opt(
                self.model_project.as_ref(),
                "ModelProject",
                "filter.modelProject",
            )?,
            text: self.text,
        })
    }
}

/// Sort keys of events.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum EventOrderBy {
    /// Earliest first.
    #[default]
    StartsAtAsc,
    /// Latest first.
    StartsAtDesc,
    /// By title, A to Z.
    TitleAsc,
    /// By title, Z to A.
    TitleDesc,
}

impl From<EventOrderBy> for EventOrder {
    fn from(order: EventOrderBy) -> Self {
        let (field, descending) = match order {
            EventOrderBy::StartsAtAsc => (EventOrderField::StartsAt, false),
            EventOrderBy::StartsAtDesc => (EventOrderField::StartsAt, true),
            EventOrderBy::TitleAsc => (EventOrderField::Title, false),
            EventOrderBy::TitleDesc => (EventOrderField::Title, true),
        };
        EventOrder { field, descending }
    }
}

/// Queries of events.
#[derive(Default)]
pub struct EventQuery;

#[Object]
impl EventQuery {
    /// Published events (staff also see drafts), filtered and ordered.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which events to list.")] filter: Option<EventFilterInput>,
        #[graphql(desc = "Sort order; ties are broken by ID.", default)] order_by: EventOrderBy,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<EventConnection> {
        let rc = request(ctx)?;
        let filter = filter.unwrap_or_default().into_filter()?;
        let page = service::list(
            &rc.reader,
            rc.viewer,
            &filter,
            order_by.into(),
            &args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(EventConnection::from_page(rc.rows(page).map(Event)))
    }

    /// One event by global ID, if the caller may see it.
    async fn event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the event.")] id: ID,
    ) -> Result<Option<Event>> {
        let rc = request(ctx)?;
        let id = ids::decode_as(&id, "Event", "id")?;
        Ok(rc.fetch_one::<EventById>(id).await?.map(Event))
    }
}

/// A new event. It starts as a draft: publish it with `publishEvent`.
#[derive(InputObject)]
pub struct CreateEventInput {
    /// Title.
    pub title: String,
    /// Subtitle.
    pub subtitle: Option<String>,
    /// Summary.
    pub description: Option<String>,
    /// How the event takes place.
    pub format: Option<EventFormat>,
    /// Whether it takes place as planned (default SCHEDULED).
    pub status: Option<EventStatus>,
    /// IANA time zone of the event (default Europe/Berlin).
    pub time_zone: Option<String>,
    /// Start as an instant with offset; or give `startsAtLocal`.
    pub starts_at: Option<DateTime<Utc>>,
    /// Start as local time in the event's zone (`2022-01-21T09:30:00`).
    pub starts_at_local: Option<NaiveDateTime>,
    /// End as an instant with offset; or give `endsAtLocal`.
    pub ends_at: Option<DateTime<Utc>>,
    /// End as local time in the event's zone.
    pub ends_at_local: Option<NaiveDateTime>,
    /// How exactly the start is known (default MINUTE).
    pub date_precision: Option<DatePrecision>,
    /// Venue, as text.
    pub place: Option<String>,
    /// Town the event takes place in.
    pub town: Option<ID>,
    /// URL of the online stream or meeting.
    pub online_url: Option<String>,
    /// Web site of the event.
    pub website: Option<String>,
    /// Model project the event belongs to.
    pub model_project: Option<ID>,
    /// Public sources (URLs).
    pub sources: Option<Vec<String>>,
}

/// Changes to an event; fields left out stay as they are, `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateEventInput {
    /// Title.
    pub title: Option<String>,
    /// Subtitle.
    pub subtitle: MaybeUndefined<String>,
    /// Summary.
    pub description: MaybeUndefined<String>,
    /// How the event takes place.
    pub format: MaybeUndefined<EventFormat>,
    /// Whether it takes place as planned.
    pub status: Option<EventStatus>,
    /// IANA time zone of the event.
    pub time_zone: Option<String>,
    /// Start as an instant with offset.
    pub starts_at: Option<DateTime<Utc>>,
    /// Start as local time in the event's zone.
    pub starts_at_local: Option<NaiveDateTime>,
    /// End as an instant with offset; `null` clears the end.
    pub ends_at: MaybeUndefined<DateTime<Utc>>,
    /// End as local time in the event's zone.
    pub ends_at_local: Option<NaiveDateTime>,
    /// How exactly the start is known.
    pub date_precision: Option<DatePrecision>,
    /// Venue, as text.
    pub place: MaybeUndefined<String>,
    /// Town the event takes place in.
    pub town: MaybeUndefined<ID>,
    /// URL of the online stream or meeting.
    pub online_url: MaybeUndefined<String>,
    /// Web site of the event.
    pub website: MaybeUndefined<String>,
    /// Model project the event belongs to.
    pub model_project: MaybeUndefined<ID>,
    /// Public sources (URLs); replaces the list.
    pub sources: Option<Vec<String>>,
}

impl CreateEventInput {
    fn into_changes(self) -> crate::AppResult<EventChanges> {
        Ok(EventChanges {
            title: Some(self.title),
            subtitle: Some(self.subtitle),
            description: Some(self.description),
            format: Some(self.format.map(Into::into)),
            status: self.status.map(Into::into),
            time_zone: self.time_zone,
            starts_at: When::pick("startsAt", self.starts_at, self.starts_at_local)?,
            ends_at: Some(When::pick("endsAt", self.ends_at, self.ends_at_local)?),
            date_precision: self.date_precision.map(Into::into),
            place: Some(self.place),
            town_id: Some(decode_opt(self.town.as_ref(), "Town", "town")?),
            online_url: Some(self.online_url),
            website: Some(self.website),
            model_project_id: Some(decode_opt(
                self.model_project.as_ref(),
                "ModelProject",
                "modelProject",
            )?),
            sources: self.sources,
        })
    }
}

impl UpdateEventInput {
    fn into_changes(self) -> crate::AppResult<EventChanges> {
        let ends_at = match (maybe(self.ends_at), self.ends_at_local) {
            (Some(Some(_)), Some(_)) => {
                return Err(crate::AppError::bad_field(
                    "endsAt",
                    "give `endsAt` or `endsAtLocal`, not both",
                ));
            }
            (_, Some(local)) => Some(Some(When::Local(local))),
            (Some(Some(at)), None) => Some(Some(When::Instant(at))),
            (Some(None), None) => Some(None),
            (None, None) => None,
        };
        Ok(EventChanges {
            title: self.title,
            subtitle: maybe(self.subtitle),
            description: maybe(self.description),
            format: maybe(self.format).map(|f| f.map(Into::into)),
            status: self.status.map(Into::into),
            time_zone: self.time_zone,
            starts_at: When::pick("startsAt", self.starts_at, self.starts_at_local)?,
            ends_at,
            date_precision: self.date_precision.map(Into::into),
            place: maybe(self.place),
            town_id: maybe_id(self.town, "Town", "town")?,
            online_url: maybe(self.online_url),
            website: maybe(self.website),
            model_project_id: maybe_id(self.model_project, "ModelProject", "modelProject")?,
            sources: self.sources,
        })
    }
}

/// Changes to events (staff only).
#[derive(Default)]
pub struct EventMutation;

#[Object]
impl EventMutation {
    /// Creates an event as a draft.
    async fn create_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new event.")] input: CreateEventInput,
    ) -> Result<Event> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let changes = input.into_changes()?;
        let created = service::create(&rc.db, actor, changes).await?;
        Ok(Event(rc.row(created)))
    }

    /// Changes an event; fails with CONFLICT when someone else changed it since `expectedVersion`.
    async fn update_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the event.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The changes.")] input: UpdateEventInput,
    ) -> Result<Event> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Event", "id")?;
        let changes = input.into_changes()?;
        let updated = service::update(&rc.db, actor, id, expected_version, changes).await?;
        Ok(Event(rc.row(updated)))
    }

    /// Publishes an event and its programme: from now on everyone sees it.
    async fn publish_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the event.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
    ) -> Result<Event> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Event", "id")?;
        let updated = service::set_published(&rc.db, actor, id, expected_version, true).await?;
        Ok(Event(rc.row(updated)))
    }

    /// Withdraws a published event: it becomes a draft again.
    async fn unpublish_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the event.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
    ) -> Result<Event> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Event", "id")?;
        let updated = service::set_published(&rc.db, actor, id, expected_version, false).await?;
        Ok(Event(rc.row(updated)))
    }

    /// Deletes an event with its sessions, contributions, organisers and registrations.
    async fn delete_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the event.")] id: ID,
        #[graphql(desc = "The version the deletion is based on.")] expected_version: i32,
    ) -> Result<DeletePayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Event", "id")?;
        service::delete(&rc.db, actor, id, expected_version).await?;
        Ok(DeletePayload {
            id: ID(ids::encode("Event", id)),
        })
    }
}

/// An organisation's part in an event: one entry of the event's organisers.
#[derive(Clone)]
pub struct EventOrganiser(pub Row<event_organiser::Model>);

/// An organisation's part in an event: one entry of the event's organisers.
#[Object]
impl EventOrganiser {
    /// Global ID: pass it to `removeEventOrganiser`.
    pub async fn id(&self) -> ID {
        ID(ids::encode("EventOrganiser", self.0.id))
    }
    /// Version of the record: pass it as `expectedVersion` when removing it.
    pub async fn version(&self) -> i32 {
        self.0.version
    }
    /// The organisation's part in the event.
    async fn role(&self) -> OrganiserRole {
        self.0.role.into()
    }
    /// The event.
    async fn event(&self) -> Result<Option<Event>> {
        Ok(self.0.load_one::<OrganiserEvent>().await?.map(Event))
    }
    /// The organisation.
    async fn organisation(&self) -> Result<Option<Organisation>> {
        Ok(self
            .0
            .load_one::<OrganiserOrganisation>()
            .await?
            .map(Organisation))
    }
}

/// Changes to the organisers of events (staff only).
#[derive(Default)]
pub struct EventOrganiserMutation;

#[Object]
impl EventOrganiserMutation {
    /// Records an organisation's part in an event; CONFLICT when it has that role already.
    async fn add_event_organiser(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the event.")] event: ID,
        #[graphql(desc = "Global ID of the organisation.")] organisation: ID,
        #[graphql(desc = "The organisation's part in the event.")] role: OrganiserRole,
    ) -> Result<EventOrganiser> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let event = ids::decode_as(&event, "Event", "event")?;
        let organisation = ids::decode_as(&organisation, "Organisation", "organisation")?;
        let created =
            service::add_organiser(&rc.db, actor, event, organisation, role.into()).await?;
        Ok(EventOrganiser(rc.row(created)))
    }

    /// Removes an organisation's part in an event.
    async fn remove_event_organiser(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the organiser entry (from `Event.organisers` edges).")]
        id: ID,
        #[graphql(desc = "The version the removal is based on.")] expected_version: i32,
    ) -> Result<DeletePayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "EventOrganiser", "id")?;
        service::remove_organiser(&rc.db, actor, id, expected_version).await?;
        Ok(DeletePayload {
            id: ID(ids::encode("EventOrganiser", id)),
        })
    }
}
