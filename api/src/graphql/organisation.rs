//! GraphQL types and queries of organisations.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use entity::organisation;

use super::connection::{args, connection, page_cost};
use super::document::{Document, DocumentConnection};
use super::enums::{OrganisationKind, OrganiserRole, PartnerRole};
use super::event::{Event, OrganisationEventConnection};
use super::model_project::{ModelProject, OrganisationModelProjectConnection};
use super::person::{BoardMembership, BoardMembershipConnection, Person, PersonConnection};
use super::session::{Contribution, ContributionConnection};
use super::town::Town;
use super::{DeletePayload, decode_opt, joined, maybe, maybe_id, request, wants_total};
use crate::ids;
use crate::load::Row;
use crate::service::organisation::{self as service, OrganisationChanges, OrganisationFilter};
use crate::service::relation::{
    OrganisationBoardSeats, OrganisationById, OrganisationContributions, OrganisationDocuments,
    OrganisationOrganised, OrganisationPartnerships, OrganisationPeople, OrganisationTown,
    OrganiserEvent, PartnerModelProject,
};

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
        Ok(self.0.load_one::<OrganisationTown>().await?.map(Town))
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
        let page = self
            .0
            .page::<OrganisationPeople>(&args(first, after, last, before))
            .await?;
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
        let page = self
            .0
            .page::<OrganisationContributions>(&args(first, after, last, before))
            .await?;
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
            .page_with::<OrganisationPartnerships, (PartnerModelProject,)>(&args(
                first, after, last, before,
            ))
            .await?;
        let page = joined::<PartnerModelProject, _, _>(
            rows,
            |row| PartnerRole::from(row.role),
            ModelProject,
        )
        .await?;
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
            .page_with::<OrganisationOrganised, (OrganiserEvent,)>(&args(
                first, after, last, before,
            ))
            .await?;
        let page = joined::<OrganiserEvent, _, _>(rows, |row| OrganiserRole::from(row.role), Event)
            .await?;
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
        let page = self
            .0
            .page::<OrganisationDocuments>(&args(first, after, last, before))
            .await?;
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
        let page = self
            .0
            .page::<OrganisationBoardSeats>(&args(first, after, last, before))
            .await?;
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
        let rc = request(ctx)?;
        let filter = filter.unwrap_or_default();
        let filter = OrganisationFilter {
            name_contains: filter.name_contains,
            kinds: filter
                .kind
                .map(|kinds| kinds.into_iter().map(Into::into).collect()),
            town_id: decode_opt(filter.town.as_ref(), "Town", "filter.town")?,
        };
        let page = service::list(
            &rc.db,
            &filter,
            &args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
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
        let rc = request(ctx)?;
        let id = ids::decode_as(&id, "Organisation", "id")?;
        Ok(rc
            .fetch_one::<OrganisationById>(id)
            .await?
            .map(Organisation))
    }
}

/// A new organisation.
#[derive(InputObject)]
pub struct CreateOrganisationInput {
    /// Full name.
    pub name: String,
    /// Short name or abbreviation.
    pub short_name: Option<String>,
    /// What kind of body it is.
    pub kind: OrganisationKind,
    /// Summary of its role in the network.
    pub description: Option<String>,
    /// Web site.
    pub website: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Town of its seat.
    pub town: Option<ID>,
    /// Public sources (URLs).
    pub sources: Option<Vec<String>>,
}

/// Changes to an organisation; fields left out stay as they are, `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    /// Full name.
    pub name: Option<String>,
    /// Short name or abbreviation.
    pub short_name: MaybeUndefined<String>,
    /// What kind of body it is.
    pub kind: Option<OrganisationKind>,
    /// Summary of its role in the network.
    pub description: MaybeUndefined<String>,
    /// Web site.
    pub website: MaybeUndefined<String>,
    /// Postal address.
    pub address: MaybeUndefined<String>,
    /// Town of its seat.
    pub town: MaybeUndefined<ID>,
    /// Public sources (URLs); replaces the list.
    pub sources: Option<Vec<String>>,
}

impl CreateOrganisationInput {
    fn into_changes(self) -> crate::AppResult<OrganisationChanges> {
        Ok(OrganisationChanges {
            name: Some(self.name),
            short_name: Some(self.short_name),
            kind: Some(self.kind.into()),
            description: Some(self.description),
            website: Some(self.website),
            address: Some(self.address),
            town_id: Some(decode_opt(self.town.as_ref(), "Town", "town")?),
            sources: self.sources,
        })
    }
}

impl UpdateOrganisationInput {
    fn into_changes(self) -> crate::AppResult<OrganisationChanges> {
        Ok(OrganisationChanges {
            name: self.name,
            short_name: maybe(self.short_name),
            kind: self.kind.map(Into::into),
            description: maybe(self.description),
            website: maybe(self.website),
            address: maybe(self.address),
            town_id: maybe_id(self.town, "Town", "town")?,
            sources: self.sources,
        })
    }
}

/// Changes to organisations (staff only).
#[derive(Default)]
pub struct OrganisationMutation;

#[Object]
impl OrganisationMutation {
    /// Creates an organisation.
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new organisation.")] input: CreateOrganisationInput,
    ) -> Result<Organisation> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let changes = input.into_changes()?;
        let created = service::create(&rc.db, actor, changes).await?;
        Ok(Organisation(rc.row(created)))
    }

    /// Changes an organisation; fails with CONFLICT when someone else changed it since
    /// `expectedVersion`.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the organisation.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The changes.")] input: UpdateOrganisationInput,
    ) -> Result<Organisation> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Organisation", "id")?;
        let changes = input.into_changes()?;
        let updated = service::update(&rc.db, actor, id, expected_version, changes).await?;
        Ok(Organisation(rc.row(updated)))
    }

    /// Deletes an organisation (its people lose the affiliation); refused (CONFLICT) while
    /// partnerships, events, contributions, documents or board seats refer to it.
    async fn delete_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the organisation.")] id: ID,
        #[graphql(desc = "The version the deletion is based on.")] expected_version: i32,
    ) -> Result<DeletePayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Organisation", "id")?;
        service::delete(&rc.db, actor, id, expected_version).await?;
        Ok(DeletePayload {
            id: ID(ids::encode("Organisation", id)),
        })
    }
}
