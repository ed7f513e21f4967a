//! GraphQL types and queries of people (public profiles only) and advisory-board memberships.

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::advisory_board_membership;

use super::audit::AuditEntryConnection;
use super::connection::{args, connection, page_cost};
use super::document::{Document, DocumentConnection};
use super::enums::{BoardRole, ContributionRole};
use super::loaders::{
    AuthorshipsByPerson, BoardSeatsByPerson, ContributionsByPerson, DocumentById, OrganisationById,
    PersonById, RegistrationsByPerson, Row, TownById,
};
use super::organisation::Organisation;
use super::registration::RegistrationConnection;
use super::session::{Contribution, ContributionConnection};
use super::town::Town;
use super::{decode_opt, joined, request, wants_total};
use crate::error::GqlResult;
use crate::ids;
use crate::service::page::paginate_vec;
use crate::service::person::{self as service, PersonFilter, PublicPerson, public_profile};

/// A person's public profile. Contact data is never part of it; registrations are shown to staff only.
#[derive(Clone)]
pub struct Person(pub Row<PublicPerson>);

/// A person's public profile. Contact data is never part of it; registrations are shown to staff only.
#[Object]
impl Person {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode("Person", self.0.id))
    }
    /// Version of the record: pass it as `expectedVersion` when changing it.
    pub async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record last changed.
    pub async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
    /// Full name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Academic title (Dr., Prof. Dr.).
    async fn academic_title(&self) -> Option<&str> {
        self.0.academic_title.as_deref()
    }
    /// Position or office (e.g. Bürgermeisterin).
    async fn position(&self) -> Option<&str> {
        self.0.position.as_deref()
    }
    /// Biography; only with the person's recorded consent.
    async fn biography(&self) -> Option<&str> {
        self.0.biography.as_deref()
    }
    /// Photo URL; only with the person's recorded consent.
    async fn photo_url(&self) -> Option<&str> {
        self.0.photo_url.as_deref()
    }
    /// Personal web site; only with the person's recorded consent.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// Public sources of this record.
    async fn sources(&self) -> &[String] {
        &self.0.sources
    }
    /// The organisation the person works for.
    async fn organisation(&self) -> Result<Option<Organisation>> {
        Ok(self
            .0
            .related_one::<OrganisationById>("OrganisationById", |m| m.organisation_id)
            .await
            .gql()?
            .map(Organisation))
    }
    /// The town the person holds office in or works for.
    async fn town(&self) -> Result<Option<Town>> {
        Ok(self
            .0
            .related_one::<TownById>("TownById", |m| m.town_id)
            .await
            .gql()?
            .map(Town))
    }
    /// Appearances in published programmes.
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
            .related::<ContributionsByPerson>("ContributionsByPerson", |m| Some(m.id))
            .await
            .gql()?;
        let page = paginate_vec(&rows, &args(first, after, last, before)).gql()?;
        Ok(ContributionConnection::from_page(page.map(Contribution)))
    }
    /// Documents the person (co-)authored.
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
            .related::<AuthorshipsByPerson>("AuthorshipsByPerson", |m| Some(m.id))
            .await
            .gql()?;
        let page = joined::<_, DocumentById, _, _, _>(
            &rows,
            &args(first, after, last, before),
            "DocumentById",
            |row| Some(row.document_id),
            std::convert::identity,
            |_| (),
            Document,
        )
        .await
        .gql()?;
        Ok(DocumentConnection::from_page(
            page.map(|((), document)| document),
        ))
    }
    /// Seats the person held on advisory boards.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn board_memberships(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<BoardMembershipConnection> {
        let rows = self
            .0
            .related::<BoardSeatsByPerson>("BoardSeatsByPerson", |m| Some(m.id))
            .await
            .gql()?;
        let page = paginate_vec(&rows, &args(first, after, last, before)).gql()?;
        Ok(BoardMembershipConnection::from_page(
            page.map(BoardMembership),
        ))
    }
    /// The person's registrations for events (staff only; null for anonymous callers).
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn registrations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<Option<RegistrationConnection>> {
        super::registration::registrations::<RegistrationsByPerson, _>(
            ctx,
            &self.0,
            "RegistrationsByPerson",
            |m| m.id,
            args(first, after, last, before),
        )
        .await
    }
}

/// A seat on an advisory board (Beirat).
#[derive(Clone)]
pub struct BoardMembership(pub Row<advisory_board_membership::Model>);

/// A seat on an advisory board (Beirat).
#[Object]
impl BoardMembership {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode("BoardMembership", self.0.id))
    }
    /// Version of the record: pass it as `expectedVersion` when changing it.
    pub async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record last changed.
    pub async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
    /// The seat.
    async fn role(&self) -> BoardRole {
        self.0.role.into()
    }
    /// Since when (ISO 8601 date, possibly partial).
    async fn from(&self) -> Option<&str> {
        self.0.from_date.as_deref()
    }
    /// Until when (ISO 8601 date, possibly partial); open when absent.
    async fn until(&self) -> Option<&str> {
        self.0.until_date.as_deref()
    }
    /// What the sources say about the seat.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The board.
    async fn board(&self) -> Result<Option<Organisation>> {
        Ok(self
            .0
            .related_one::<OrganisationById>("OrganisationById", |m| Some(m.board_id))
            .await
            .gql()?
            .map(Organisation))
    }
    /// The member.
    async fn person(&self) -> Result<Option<Person>> {
        Ok(self
            .0
            .related_as::<PersonById, _>("PersonById", |m| Some(m.person_id), public_profile)
            .await
            .gql()?
            .into_iter()
            .next()
            .map(Person))
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
        super::audit::history::<advisory_board_membership::Entity, _>(
            ctx,
            &self.0,
            |m| m.id,
            args(first, after, last, before),
        )
        .await
    }
}

connection!(PersonConnection, PersonEdge, Person, "people");
connection!(
    BoardMembershipConnection,
    BoardMembershipEdge,
    BoardMembership,
    "advisory-board seats"
);

/// Which people to list; all given conditions must hold. Only public fields can be filtered on.
#[derive(Default, InputObject)]
pub struct PersonFilterInput {
    /// People whose name contains this text (case-insensitive).
    pub name_contains: Option<String>,
    /// People of this organisation.
    pub organisation: Option<ID>,
    /// People of this town.
    pub town: Option<ID>,
    /// People who appeared in a published programme in this role.
    pub role: Option<ContributionRole>,
}

/// Queries of people.
#[derive(Default)]
pub struct PersonQuery;

#[Object]
impl PersonQuery {
    /// People with a public profile, filtered, by name.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn people(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which people to list.")] filter: Option<PersonFilterInput>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<PersonConnection> {
        let rc = request(ctx).gql()?;
        let filter = filter.unwrap_or_default();
        let filter = PersonFilter {
            name_contains: filter.name_contains,
            organisation_id: decode_opt(
                filter.organisation.as_ref(),
                "Organisation",
                "filter.organisation",
            )
            .gql()?,
            town_id: decode_opt(filter.town.as_ref(), "Town", "filter.town").gql()?,
            role: filter.role.map(Into::into),
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
        Ok(PersonConnection::from_page(
            rc.rows(page.map(public_profile)).map(Person),
        ))
    }

    /// One person by global ID, if their profile is public.
    async fn person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the person.")] id: ID,
    ) -> Result<Option<Person>> {
        let rc = request(ctx).gql()?;
        let id = ids::decode_as(&id, "Person", "id").gql()?;
        Ok(rc
            .fetch_one_as::<PersonById, _>(id, public_profile)
            .await
            .gql()?
            .map(Person))
    }
}
