//! GraphQL types and queries of sessions (programme items) and contributions.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::{contribution, session};

use super::connection::{args, connection, page_cost};
use super::document::{Document, DocumentConnection};
use super::enums::{ContributionRole, SessionKind};
use super::event::{Event, local};
use super::loaders::{
    ContributionsBySession, DocumentsBySession, EventById, OrganisationById, PersonById, Row,
    SessionById,
};
use super::organisation::Organisation;
use super::person::Person;
use super::{decode_opt, request, wants_total};
use crate::error::GqlResult;
use crate::ids;
use crate::service::page::paginate_vec;
use crate::service::person::profile_for;
use crate::service::session::{self as service, SessionFilter};

/// A programme item of an event.
#[derive(Clone)]
pub struct Session(pub Row<session::Model>);

impl Session {
    async fn zone(&self) -> Result<chrono_tz::Tz> {
        let event = self
            .0
            .related_one::<EventById>("EventById", |m| Some(m.event_id))
            .await
            .gql()?;
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
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
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
        Ok(self
            .0
            .related_one::<EventById>("EventById", |m| Some(m.event_id))
            .await
            .gql()?
            .map(Event))
    }
    /// Who appears in the session, in programme order.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn contributions(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<ContributionConnection> {
        let rows = self
            .0
            .related::<ContributionsBySession>("ContributionsBySession", |m| Some(m.id))
            .await
            .gql()?;
        let page = paginate_vec(&rows, &args(first, after, last, before)).gql()?;
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
        let rows = self
            .0
            .related::<DocumentsBySession>("DocumentsBySession", |m| Some(m.id))
            .await
            .gql()?;
        let page = paginate_vec(&rows, &args(first, after, last, before)).gql()?;
        Ok(DocumentConnection::from_page(page.map(Document)))
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
            .related_as::<PersonById, _>(
                "PersonById",
                |m| m.person_id,
                profile_for(self.0.viewer()),
            )
            .await
            .gql()?
            .into_iter()
            .next()
            .map(Person))
    }
    /// The organisation: the one appearing itself, or the one the person speaks for.
    async fn organisation(&self) -> Result<Option<Organisation>> {
        Ok(self
            .0
            .related_one::<OrganisationById>("OrganisationById", |m| m.organisation_id)
            .await
            .gql()?
            .map(Organisation))
    }
    /// The session, unless the contribution is to the event as a whole.
    async fn session(&self) -> Result<Option<Session>> {
        Ok(self
            .0
            .related_one::<SessionById>("SessionById", |m| m.session_id)
            .await
            .gql()?
            .map(Session))
    }
    /// The event.
    async fn event(&self) -> Result<Option<Event>> {
        Ok(self
            .0
            .related_one::<EventById>("EventById", |m| Some(m.event_id))
            .await
            .gql()?
            .map(Event))
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
        let rc = request(ctx).gql()?;
        let filter = filter.unwrap_or_default();
        let filter = SessionFilter {
            event_id: decode_opt(filter.event.as_ref(), "Event", "filter.event").gql()?,
            kinds: filter.kind.map(|v| v.into_iter().map(Into::into).collect()),
            from: filter.from,
            to: filter.to,
            text: filter.text,
        };
        let page = service::list(
            &rc.db,
            rc.viewer,
            &filter,
            &args(first, after, last, before),
            wants_total(ctx),
        )
        .await
        .gql()?;
        Ok(SessionConnection::from_page(rc.rows(page).map(Session)))
    }

    /// One session by global ID, if the caller may see it.
    async fn session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the session.")] id: ID,
    ) -> Result<Option<Session>> {
        let rc = request(ctx).gql()?;
        let id = ids::decode_as(&id, "Session", "id").gql()?;
        Ok(rc.fetch_one::<SessionById>(id).await.gql()?.map(Session))
    }
}
