//! GraphQL types and queries of organisations.

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::organisation;

use super::connection::{args, connection, page_cost};
use super::document::{Document, DocumentConnection};
use super::enums::{OrganisationKind, OrganiserRole, PartnerRole};
use super::event::{Event, OrganisationEventConnection};
use super::loaders::{
    BoardSeatsByBoard, ContributionsByOrganisation, DocumentsByPublisher, EventById,
    ModelProjectById, OrganisationById, OrganisedByOrganisation, PartnershipsByOrganisation,
    PeopleByOrganisation, Row, TownById,
};
use super::model_project::{ModelProject, OrganisationModelProjectConnection};
use super::person::{BoardMembership, BoardMembershipConnection, Person, PersonConnection};
use super::session::{Contribution, ContributionConnection};
use super::town::Town;
use super::{decode_opt, joined, request, wants_total};
use crate::error::GqlResult;
use crate::ids;
use crate::service::organisation::{self as service, OrganisationFilter};
use crate::service::page::paginate_vec;
use crate::service::person::profile_for;

/// An organisation: ministry, institute, association, agency, advisory board, …
#[derive(Clone)]
pub struct Organisation(pub Row<organisation::Model>);

/// An organisation: ministry, institute, association, agency, advisory board, …
#[Object]
impl Organisation {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode("Organisation", self.0.id))
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
    /// Short name or abbreviation (BBSR, DStGB, …).
    async fn short_name(&self) -> Option<&str> {
        self.0.short_name.as_deref()
    }
    /// What kind of body it is.
    async fn kind(&self) -> OrganisationKind {
        self.0.kind.into()
    }
    /// Summary of its role in the network.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Web site.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// Postal address.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    /// Public sources of this record.
    async fn sources(&self) -> &[String] {
        &self.0.sources.0
    }
    /// Town of its seat, where it is one of ours.
    async fn town(&self) -> Result<Option<Town>> {
        Ok(self
            .0
            .related_one::<TownById>("TownById", |m| m.town_id)
            .await
            .gql()?
            .map(Town))
    }
    /// Public people of the organisation, by name.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn people(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<PersonConnection> {
        let rows = self
            .0
            .related_as::<PeopleByOrganisation, _>(
                "PeopleByOrganisation",
                |m| Some(m.id),
                profile_for(self.0.viewer()),
            )
            .await
            .gql()?;
        let page = paginate_vec(&rows, &args(first, after, last, before)).gql()?;
        Ok(PersonConnection::from_page(page.map(Person)))
    }
    /// Appearances of the organisation itself in programmes (e.g. a Grußwort by a ministry).
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
            .related::<ContributionsByOrganisation>("ContributionsByOrganisation", |m| Some(m.id))
            .await
            .gql()?;
        let page = paginate_vec(&rows, &args(first, after, last, before)).gql()?;
        Ok(ContributionConnection::from_page(page.map(Contribution)))
    }
    /// Model projects the organisation is a partner of, with its role.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn model_projects(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<OrganisationModelProjectConnection> {
        let rows = self
            .0
            .related::<PartnershipsByOrganisation>("PartnershipsByOrganisation", |m| Some(m.id))
            .await
            .gql()?;
        let page = joined::<_, ModelProjectById, _, _, _>(
            &rows,
            &args(first, after, last, before),
            "ModelProjectById",
            |row| Some(row.model_project_id),
            std::convert::identity,
            |row| PartnerRole::from(row.role),
            ModelProject,
        )
        .await
        .gql()?;
        Ok(OrganisationModelProjectConnection::from_page(page))
    }
    /// Events the organisation organised, produced or supported, with its role.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn events(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<OrganisationEventConnection> {
        let rows = self
            .0
            .related::<OrganisedByOrganisation>("OrganisedByOrganisation", |m| Some(m.id))
            .await
            .gql()?;
        let page = joined::<_, EventById, _, _, _>(
            &rows,
            &args(first, after, last, before),
            "EventById",
            |row| Some(row.event_id),
            std::convert::identity,
            |row| OrganiserRole::from(row.role),
            Event,
        )
        .await
        .gql()?;
        Ok(OrganisationEventConnection::from_page(page))
    }
    /// Documents the organisation published, by title.
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
            .related::<DocumentsByPublisher>("DocumentsByPublisher", |m| Some(m.id))
            .await
            .gql()?;
        let page = paginate_vec(&rows, &args(first, after, last, before)).gql()?;
        Ok(DocumentConnection::from_page(page.map(Document)))
    }
    /// Seats on this organisation when it is an advisory board, by start.
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
            .related::<BoardSeatsByBoard>("BoardSeatsByBoard", |m| Some(m.id))
            .await
            .gql()?;
        let page = paginate_vec(&rows, &args(first, after, last, before)).gql()?;
        Ok(BoardMembershipConnection::from_page(
            page.map(BoardMembership),
        ))
    }
}

connection!(
    OrganisationConnection,
    OrganisationEdge,
    Organisation,
    "organisations"
);

/// Which organisations to list; all given conditions must hold.
#[derive(Default, InputObject)]
pub struct OrganisationFilterInput {
    /// Organisations whose name or short name contains this text (case-insensitive).
    pub name_contains: Option<String>,
    /// Organisations of one of these kinds.
    pub kind: Option<Vec<OrganisationKind>>,
    /// Organisations seated in this town.
    pub town: Option<ID>,
}

/// Queries of organisations.
#[derive(Default)]
pub struct OrganisationQuery;

#[Object]
impl OrganisationQuery {
    /// Organisations, filtered, by name.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which organisations to list.")] filter: Option<OrganisationFilterInput>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<OrganisationConnection> {
        let rc = request(ctx).gql()?;
        let filter = filter.unwrap_or_default();
        let filter = OrganisationFilter {
            name_contains: filter.name_contains,
            kinds: filter
                .kind
                .map(|kinds| kinds.into_iter().map(Into::into).collect()),
            town_id: decode_opt(filter.town.as_ref(), "Town", "filter.town").gql()?,
        };
        let page = service::list(
            &rc.db,
            &filter,
            &args(first, after, last, before),
            wants_total(ctx),
        )
        .await
        .gql()?;
        Ok(OrganisationConnection::from_page(
            rc.rows(page).map(Organisation),
        ))
    }

    /// One organisation by global ID.
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the organisation.")] id: ID,
    ) -> Result<Option<Organisation>> {
        let rc = request(ctx).gql()?;
        let id = ids::decode_as(&id, "Organisation", "id").gql()?;
        Ok(rc
            .fetch_one::<OrganisationById>(id)
            .await
            .gql()?
            .map(Organisation))
    }
}
