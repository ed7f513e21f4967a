//! GraphQL types, queries and mutations of sessions (programme items) and contributions.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, NaiveDateTime, Utc};
use entity::{contribution, session};

use super::audit::AuditEntryConnection;
use super::connection::{args, connection, page_cost};
use super::document::{Document, DocumentConnection};
use super::enums::{ContributionRole, SessionKind};
use super::event::Event;
use super::organisation::Organisation;
use super::person::Person;
use super::{DeletePayload, decode_opt, maybe, maybe_id, request, wants_total};
use crate::ids;
use crate::load::Row;
use crate::service::relation::{
    ContributionEvent, ContributionOrganisation, ContributionPerson, ContributionSession,
    SessionById, SessionContributions, SessionDocuments, SessionEvent, SessionWhole,
};
use crate::service::session::{
    self as service, ContributionChanges, SessionChanges, SessionFilter,
};
use crate::service::timing::When;
use crate::service::timing::local;

/// A programme item of an event.
#[derive(Clone)]
pub struct Session(pub Row<session::Model>);

impl Session {
    async fn zone(&self) -> Result<chrono_tz::Tz> {
        let event = self.0.load_one::<SessionEvent>().await?;
        Ok(event
            .map(|event| crate::service::event::time_zone(&event))
            .unwrap_or(chrono_tz::Europe::Berlin))
    }
}

/// A programme item of an event.
#[Object]
impl Session {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode("Session", self.0.id))
    }
    /// Version of the record: pass it as `expectedVersion` when changing it.
    pub async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record last changed.
    pub async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
    /// Position in the printed programme (1, 2, …).
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Subtitle.
    async fn subtitle(&self) -> Option<&str> {
        self.0.subtitle.as_deref()
    }
    /// What kind of item it is.
    async fn kind(&self) -> SessionKind {
        self.0.kind.into()
    }
    /// Summary.
    async fn description(&self) -> Result<Option<String>> {
        let whole = self.0.whole::<SessionWhole>().await?;
        Ok(whole.and_then(|row| row.description.clone()))
    }
    /// Start (UTC).
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    /// End (UTC), where known.
    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.ends_at
    }
    /// Start in the event's time zone (RFC 3339 with offset).
    async fn starts_at_local(&self) -> Result<String> {
        Ok(local(self.0.starts_at, self.zone().await?))
    }
    /// End in the event's time zone (RFC 3339 with offset), where known.
    async fn ends_at_local(&self) -> Result<Option<String>> {
        match self.0.ends_at {
            Some(at) => Ok(Some(local(at, self.zone().await?))),
            None => Ok(None),
        }
    }
    /// Whether the end was not published but taken from the next item's start.
    async fn end_inferred(&self) -> bool {
        self.0.end_inferred
    }
    /// Public sources of this record.
    async fn sources(&self) -> &[String] {
        &self.0.sources.0
    }
    /// The event.
    async fn event(&self) -> Result<Option<Event>> {
        Ok(self.0.load_one::<SessionEvent>().await?.map(Event))
    }
    /// Who appears in the session, in programme order.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<ContributionConnection> {
        let look = ctx.look_ahead();
        let shows = |field: &str| {
            look.field("nodes").field(field).exists()
                || look.field("edges").field("node").field(field).exists()
        };
        let args = args(first, after, last, before);
        let page = if shows("person") || shows("organisation") {
            self.0
                .page_with::<SessionContributions, (ContributionPerson, ContributionOrganisation)>(
                    &args,
                )
                .await
        } else {
            self.0.page::<SessionContributions>(&args).await
        }?;
        Ok(ContributionConnection::from_page(page.map(Contribution)))
    }
    /// Documents presented in the session.
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
            .page::<SessionDocuments>(&args(first, after, last, before))
            .await?;
        Ok(DocumentConnection::from_page(page.map(Document)))
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
        super::audit::history::<session::Entity>(ctx, &self.0, args(first, after, last, before))
            .await
    }
}

/// A person or an organisation appearing in an event, usually in one of its sessions.
#[derive(Clone)]
pub struct Contribution(pub Row<contribution::Model>);

/// A person or an organisation appearing in an event, usually in one of its sessions.
#[Object]
impl Contribution {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode("Contribution", self.0.id))
    }
    /// Version of the record: pass it as `expectedVersion` when changing it.
    pub async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record last changed.
    pub async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
    /// In which role.
    async fn role(&self) -> ContributionRole {
        self.0.role.into()
    }
    /// Affiliation as printed in the programme (e.g. "Bürgermeister Bad Soden-Salmünster").
    async fn affiliation(&self) -> Option<&str> {
        self.0.affiliation.as_deref()
    }
    /// Order within the session.
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// The person, when a person is named.
    async fn person(&self) -> Result<Option<Person>> {
        Ok(self
            .0
            .load::<ContributionPerson>()
            .await?
            .into_iter()
            .next()
            .map(Person))
    }
    /// The organisation: the one appearing itself, or the one the person speaks for.
    async fn organisation(&self) -> Result<Option<Organisation>> {
        Ok(self
            .0
            .load_one::<ContributionOrganisation>()
            .await?
            .map(Organisation))
    }
    /// The session, unless the contribution is to the event as a whole.
    async fn session(&self) -> Result<Option<Session>> {
        Ok(self.0.load_one::<ContributionSession>().await?.map(Session))
    }
    /// The event.
    async fn event(&self) -> Result<Option<Event>> {
        Ok(self.0.load_one::<ContributionEvent>().await?.map(Event))
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
        super::audit::history::<contribution::Entity>(
            ctx,
            &self.0,
            args(first, after, last, before),
        )
        .await
    }
}

connection!(SessionConnection, SessionEdge, Session, "sessions");
connection!(
    ContributionConnection,
    ContributionEdge,
    Contribution,
    "contributions"
);

/// Which sessions to list; all given conditions must hold.
#[derive(Default, InputObject)]
pub struct SessionFilterInput {
    /// Sessions of this event.
    pub event: Option<ID>,
    /// Sessions of one of these kinds.
    pub kind: Option<Vec<SessionKind>>,
    /// Sessions that start at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Sessions that start before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Sessions whose title or subtitle contains this text (case-insensitive).
    pub text: Option<String>,
}

impl SessionFilterInput {
    pub fn into_filter(self) -> crate::AppResult<SessionFilter> {
        Ok(SessionFilter {
            event_id: decode_opt(self.event.as_ref(), "Event", "filter.event")?,
            kinds: self.kind.map(|v| v.into_iter().map(Into::into).collect()),
            from: self.from,
            to: self.to,
            text: self.text,
        })
    }
}

/// Queries of sessions.
#[derive(Default)]
pub struct SessionQuery;

#[Object]
impl SessionQuery {
    /// Sessions of published events (staff also see drafts), in time order.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which sessions to list.")] filter: Option<SessionFilterInput>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<SessionConnection> {
        let rc = request(ctx)?;
        let filter = filter.unwrap_or_default().into_filter()?;
        let page = service::list(
            &rc.reader,
            rc.viewer,
            &filter,
            &args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(SessionConnection::from_page(rc.rows(page).map(Session)))
    }

    /// One session by global ID, if the caller may see it.
    async fn session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the session.")] id: ID,
    ) -> Result<Option<Session>> {
        let rc = request(ctx)?;
        let id = ids::decode_as(&id, "Session", "id")?;
        Ok(rc.fetch_one::<SessionById>(id).await?.map(Session))
    }
}

/// A new session in an event's programme.
#[derive(InputObject)]
pub struct CreateSessionInput {
    /// The event.
    pub event: ID,
    /// Title.
    pub title: String,
    /// Subtitle.
    pub subtitle: Option<String>,
    /// What kind of item it is.
    pub kind: SessionKind,
    /// Start as an instant with offset; or give `startsAtLocal`.
    pub starts_at: Option<DateTime<Utc>>,
    /// Start as local time in the event's zone (`2022-01-21T09:30:00`).
    pub starts_at_local: Option<NaiveDateTime>,
    /// End as an instant with offset; or give `endsAtLocal`.
    pub ends_at: Option<DateTime<Utc>>,
    /// End as local time in the event's zone.
    pub ends_at_local: Option<NaiveDateTime>,
    /// Position in the printed programme (default: after the last one).
    pub position: Option<i32>,
    /// Summary.
    pub description: Option<String>,
    /// Public sources (URLs).
    pub sources: Option<Vec<String>>,
}

/// Changes to a session; fields left out stay as they are, `null` clears an optional field. A
/// session stays in its event.
#[derive(InputObject)]
pub struct UpdateSessionInput {
    /// Title.
    pub title: Option<String>,
    /// Subtitle.
    pub subtitle: MaybeUndefined<String>,
    /// What kind of item it is.
    pub kind: Option<SessionKind>,
    /// Start as an instant with offset.
    pub starts_at: Option<DateTime<Utc>>,
    /// Start as local time in the event's zone.
    pub starts_at_local: Option<NaiveDateTime>,
    /// End as an instant with offset; `null` clears the end.
    pub ends_at: MaybeUndefined<DateTime<Utc>>,
    /// End as local time in the event's zone.
    pub ends_at_local: Option<NaiveDateTime>,
    /// Position in the printed programme.
    pub position: Option<i32>,
    /// Summary.
    pub description: MaybeUndefined<String>,
    /// Public sources (URLs); replaces the list.
    pub sources: Option<Vec<String>>,
}

impl CreateSessionInput {
    fn into_changes(self) -> crate::AppResult<SessionChanges> {
        Ok(SessionChanges {
            event_id: Some(ids::decode_as(&self.event, "Event", "event")?),
            title: Some(self.title),
            subtitle: Some(self.subtitle),
            kind: Some(self.kind.into()),
            starts_at: When::pick("startsAt", self.starts_at, self.starts_at_local)?,
            ends_at: Some(When::pick("endsAt", self.ends_at, self.ends_at_local)?),
            position: self.position,
            description: Some(self.description),
            sources: self.sources,
        })
    }
}

impl UpdateSessionInput {
    fn into_changes(self) -> crate::AppResult<SessionChanges> {
        let ends_at = match (maybe(self.ends_at), self.ends_at_local) {
            (Some(_), Some(_)) => {
                return Err(crate::AppError::bad_field(
                    "endsAt",
                    "give `endsAt` or `endsAtLocal`, not both",
                ));
            }
            (None, Some(local)) => Some(Some(When::Local(local))),
            (Some(at), None) => Some(at.map(When::Instant)),
            (None, None) => None,
        };
        Ok(SessionChanges {
            event_id: None,
            title: self.title,
            subtitle: maybe(self.subtitle),
            kind: self.kind.map(Into::into),
            starts_at: When::pick("startsAt", self.starts_at, self.starts_at_local)?,
            ends_at,
            position: self.position,
            description: maybe(self.description),
            sources: self.sources,
        })
    }
}

/// A new contribution: a person, an organisation or both appearing in a session, or in the event
/// as a whole.
#[derive(InputObject)]
pub struct CreateContributionInput {
    /// The session; leave out for a contribution to the event as a whole.
    pub session: Option<ID>,
    /// The event; taken from the session when one is given (and then must agree).
    pub event: Option<ID>,
    /// The person appearing.
    pub person: Option<ID>,
    /// The organisation appearing, or the one the person speaks for.
    pub organisation: Option<ID>,
    /// In which role.
    pub role: ContributionRole,
    /// Affiliation as printed in the programme.
    pub affiliation: Option<String>,
    /// Order within the session (default: after the last one).
    pub position: Option<i32>,
}

/// Changes to a contribution; fields left out stay as they are, `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateContributionInput {
    /// The session; `null` makes it a contribution to the event as a whole.
    pub session: MaybeUndefined<ID>,
    /// The event; must agree with the session, when there is one.
    pub event: Option<ID>,
    /// The person appearing.
    pub person: MaybeUndefined<ID>,
    /// The organisation appearing, or the one the person speaks for.
    pub organisation: MaybeUndefined<ID>,
    /// In which role.
    pub role: Option<ContributionRole>,
    /// Affiliation as printed in the programme.
    pub affiliation: MaybeUndefined<String>,
    /// Order within the session.
    pub position: Option<i32>,
}

impl CreateContributionInput {
    fn into_changes(self) -> crate::AppResult<ContributionChanges> {
        Ok(ContributionChanges {
            session_id: Some(decode_opt(self.session.as_ref(), "Session", "session")?),
            event_id: decode_opt(self.event.as_ref(), "Event", "event")?,
            person_id: Some(decode_opt(self.person.as_ref(), "Person", "person")?),
            organisation_id: Some(decode_opt(
                self.organisation.as_ref(),
                "Organisation",
                "organisation",
            )?),
            role: Some(self.role.into()),
            affiliation: Some(self.affiliation),
            position: self.position,
        })
    }
}

impl UpdateContributionInput {
    fn into_changes(self) -> crate::AppResult<ContributionChanges> {
        Ok(ContributionChanges {
            session_id: maybe_id(self.session, "Session", "session")?,
            event_id: decode_opt(self.event.as_ref(), "Event", "event")?,
            person_id: maybe_id(self.person, "Person", "person")?,
            organisation_id: maybe_id(self.organisation, "Organisation", "organisation")?,
            role: self.role.map(Into::into),
            affiliation: maybe(self.affiliation),
            position: self.position,
        })
    }
}

/// Changes to programmes: sessions and contributions (staff only).
#[derive(Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// Adds a session to an event's programme; it must lie inside the event's time range.
    async fn create_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new session.")] input: CreateSessionInput,
    ) -> Result<Session> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let changes = input.into_changes()?;
        let created = service::create(&rc.db, actor, changes).await?;
        Ok(Session(rc.row(created)))
    }

    /// Changes a session; fails with CONFLICT when someone else changed it since `expectedVersion`.
    async fn update_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the session.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The changes.")] input: UpdateSessionInput,
    ) -> Result<Session> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Session", "id")?;
        let changes = input.into_changes()?;
        let updated = service::update(&rc.db, actor, id, expected_version, changes).await?;
        Ok(Session(rc.row(updated)))
    }

    /// Deletes a session with its contributions; documents presented in it stay, without the session.
    async fn delete_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the session.")] id: ID,
        #[graphql(desc = "The version the deletion is based on.")] expected_version: i32,
    ) -> Result<DeletePayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Session", "id")?;
        service::delete(&rc.db, actor, id, expected_version).await?;
        Ok(DeletePayload {
            id: ID(ids::encode("Session", id)),
        })
    }

    /// Adds a person or an organisation to a session, or to an event as a whole.
    async fn create_contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new contribution.")] input: CreateContributionInput,
    ) -> Result<Contribution> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let changes = input.into_changes()?;
        let created = service::create_contribution(&rc.db, actor, changes).await?;
        Ok(Contribution(rc.row(created)))
    }

    /// Changes a contribution; fails with CONFLICT when someone else changed it since `expectedVersion`.
    async fn update_contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the contribution.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The changes.")] input: UpdateContributionInput,
    ) -> Result<Contribution> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Contribution", "id")?;
        let changes = input.into_changes()?;
        let updated =
            service::update_contribution(&rc.db, actor, id, expected_version, changes).await?;
        Ok(Contribution(rc.row(updated)))
    }

    /// Deletes a contribution.
    async fn delete_contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the contribution.")] id: ID,
        #[graphql(desc = "The version the deletion is based on.")] expected_version: i32,
    ) -> Result<DeletePayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Contribution", "id")?;
        service::delete_contribution(&rc.db, actor, id, expected_version).await?;
        Ok(DeletePayload {
            id: ID(ids::encode("Contribution", id)),
        })
    }
}
