//! GraphQL types and queries of project calls and model projects.

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::{model_project, project_call};

use super::connection::{args, connection, page_cost};
use super::document::{Document, DocumentConnection};
use super::enums::{MemberRole, PartnerRole};
use super::event::{Event, EventConnection};
use super::loaders::{
    DocumentsByModelProject, EventsByModelProject, MembersByProject, ModelProjectById,
    ModelProjectsByCall, OrganisationById, PartnersByProject, ProjectCallById, Row, TownById,
};
use super::organisation::Organisation;
use super::town::Town;
use super::{decode_opt, joined, request, wants_total};
use crate::error::GqlResult;
use crate::ids;
use crate::service::model_project::{self as service, ModelProjectFilter};
use crate::service::page::paginate_vec;

/// A call for model projects (Projektaufruf).
#[derive(Clone)]
pub struct ProjectCall(pub Row<project_call::Model>);

/// A call for model projects (Projektaufruf).
#[Object]
impl ProjectCall {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode("ProjectCall", self.0.id))
    }
    /// Version of the record: pass it as `expectedVersion` when changing it.
    pub async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record last changed.
    pub async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
    /// Name of the call.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Year of the call.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// When the call opened (ISO 8601 date, possibly partial, e.g. `2019-09`).
    async fn opened_on(&self) -> Option<&str> {
        self.0.opened_on.as_deref()
    }
    /// Application deadline (ISO 8601 date, possibly partial).
    async fn deadline_on(&self) -> Option<&str> {
        self.0.deadline_on.as_deref()
    }
    /// Summary.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Public sources of this record.
    async fn sources(&self) -> &[String] {
        &self.0.sources.0
    }
    /// Model projects selected in this call, by title.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn model_projects(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<ModelProjectConnection> {
        let rows = self
            .0
            .related::<ModelProjectsByCall>("ModelProjectsByCall", |m| Some(m.id))
            .await
            .gql()?;
        let page = paginate_vec(&rows, &args(first, after, last, before)).gql()?;
        Ok(ModelProjectConnection::from_page(page.map(ModelProject)))
    }
}

/// A model project (Modellvorhaben): a group of four or more towns working on one topic.
#[derive(Clone)]
pub struct ModelProject(pub Row<model_project::Model>);

/// A model project (Modellvorhaben): a group of four or more towns working on one topic.
#[Object]
impl ModelProject {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode("ModelProject", self.0.id))
    }
    /// Version of the record: pass it as `expectedVersion` when changing it.
    pub async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record last changed.
    pub async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
    /// Full title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Short title, where the full title has one.
    async fn short_title(&self) -> Option<&str> {
        self.0.short_title.as_deref()
    }
    /// Topic.
    async fn topic(&self) -> Option<&str> {
        self.0.topic.as_deref()
    }
    /// Summary.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Start of the project (ISO 8601 date, possibly partial).
    async fn period_start(&self) -> Option<&str> {
        self.0.period_start.as_deref()
    }
    /// End of the project (ISO 8601 date, possibly partial).
    async fn period_end(&self) -> Option<&str> {
        self.0.period_end.as_deref()
    }
    /// Funding programme.
    async fn funding_programme(&self) -> Option<&str> {
        self.0.funding_programme.as_deref()
    }
    /// Public sources of this record.
    async fn sources(&self) -> &[String] {
        &self.0.sources.0
    }
    /// The call the project was selected in.
    async fn project_call(&self) -> Result<Option<ProjectCall>> {
        Ok(self
            .0
            .related_one::<ProjectCallById>("ProjectCallById", |m| m.project_call_id)
            .await
            .gql()?
            .map(ProjectCall))
    }
    /// The lead town, where the sources name one.
    async fn lead_town(&self) -> Result<Option<Town>> {
        Ok(self
            .0
            .related_one::<TownById>("TownById", |m| m.lead_town_id)
            .await
            .gql()?
            .map(Town))
    }
    /// Member towns with their role, in the order the sources list them.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn towns(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<ModelProjectTownConnection> {
        let rows = self
            .0
            .related::<MembersByProject>("MembersByProject", |m| Some(m.id))
            .await
            .gql()?;
        let page = joined::<_, TownById, _, _, _>(
            &rows,
            &args(first, after, last, before),
            "TownById",
            |row| Some(row.town_id),
            std::convert::identity,
            |row| MemberRole::from(row.role),
            Town,
        )
        .await
        .gql()?;
        Ok(ModelProjectTownConnection::from_page(page))
    }
    /// Partner organisations with their role.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn partners(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<ModelProjectPartnerConnection> {
        let rows = self
            .0
            .related::<PartnersByProject>("PartnersByProject", |m| Some(m.id))
            .await
            .gql()?;
        let page = joined::<_, OrganisationById, _, _, _>(
            &rows,
            &args(first, after, last, before),
            "OrganisationById",
            |row| Some(row.organisation_id),
            std::convert::identity,
            |row| PartnerRole::from(row.role),
            Organisation,
        )
        .await
        .gql()?;
        Ok(ModelProjectPartnerConnection::from_page(page))
    }
    /// Events of the project, by start.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn events(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<EventConnection> {
        let rows = self
            .0
            .related::<EventsByModelProject>("EventsByModelProject", |m| Some(m.id))
            .await
            .gql()?;
        let page = paginate_vec(&rows, &args(first, after, last, before)).gql()?;
        Ok(EventConnection::from_page(page.map(Event)))
    }
    /// Documents about the project, by title.
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
            .related::<DocumentsByModelProject>("DocumentsByModelProject", |m| Some(m.id))
            .await
            .gql()?;
        let page = paginate_vec(&rows, &args(first, after, last, before)).gql()?;
        Ok(DocumentConnection::from_page(page.map(Document)))
    }
}

connection!(
    ModelProjectConnection,
    ModelProjectEdge,
    ModelProject,
    "model projects"
);
connection!(
    ProjectCallConnection,
    ProjectCallEdge,
    ProjectCall,
    "project calls"
);
connection!(
    ModelProjectTownConnection,
    ModelProjectTownEdge,
    Town,
    "a model project's member towns",
    role: MemberRole,
    "The town's role in the model project."
);
connection!(
    TownModelProjectConnection,
    TownModelProjectEdge,
    ModelProject,
    "the model projects of a town",
    role: MemberRole,
    "The town's role in the model project."
);
connection!(
    ModelProjectPartnerConnection,
    ModelProjectPartnerEdge,
    Organisation,
    "a model project's partner organisations",
    role: PartnerRole,
    "The organisation's role in the model project."
);
connection!(
    OrganisationModelProjectConnection,
    OrganisationModelProjectEdge,
    ModelProject,
    "the model projects an organisation is a partner of",
    role: PartnerRole,
    "The organisation's role in the model project."
);

/// Which model projects to list; all given conditions must hold.
#[derive(Default, InputObject)]
pub struct ModelProjectFilterInput {
    /// Projects selected in this call.
    pub project_call: Option<ID>,
    /// Projects this town is a member of.
    pub town: Option<ID>,
    /// Projects this organisation is a partner of.
    pub partner: Option<ID>,
    /// Projects whose title, topic or description contains this text (case-insensitive).
    pub text: Option<String>,
}

impl ModelProjectFilterInput {
    fn into_filter(self) -> crate::AppResult<ModelProjectFilter> {
        Ok(ModelProjectFilter {
            project_call_id: decode_opt(
                self.project_call.as_ref(),
                "ProjectCall",
                "filter.projectCall",
            )?,
            town_id: decode_opt(self.town.as_ref(), "Town", "filter.town")?,
            partner_id: decode_opt(self.partner.as_ref(), "Organisation", "filter.partner")?,
            text: self.text,
        })
    }
}

/// Sort keys of model projects.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ModelProjectOrderBy {
    /// By title, A to Z.
    #[default]
    TitleAsc,
}

/// Queries of project calls and model projects.
#[derive(Default)]
pub struct ModelProjectQuery;

#[Object]
impl ModelProjectQuery {
    /// Model projects, filtered, by title.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn model_projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which model projects to list.")] filter: Option<ModelProjectFilterInput>,
        #[graphql(desc = "Sort order; ties are broken by ID.", default)]
        order_by: ModelProjectOrderBy,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<ModelProjectConnection> {
        let ModelProjectOrderBy::TitleAsc = order_by;
        let rc = request(ctx).gql()?;
        let filter = filter.unwrap_or_default().into_filter().gql()?;
        let page = service::list(
            &rc.db,
            &filter,
            &args(first, after, last, before),
            wants_total(ctx),
        )
        .await
        .gql()?;
        Ok(ModelProjectConnection::from_page(
            rc.rows(page).map(ModelProject),
        ))
    }

    /// One model project by global ID.
    async fn model_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the model project.")] id: ID,
    ) -> Result<Option<ModelProject>> {
        let rc = request(ctx).gql()?;
        let id = ids::decode_as(&id, "ModelProject", "id").gql()?;
        Ok(rc
            .fetch_one::<ModelProjectById>(id)
            .await
            .gql()?
            .map(ModelProject))
    }

    /// Project calls, by year.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn project_calls(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<ProjectCallConnection> {
        let rc = request(ctx).gql()?;
        let page = service::list_calls(&rc.db, &args(first, after, last, before), wants_total(ctx))
            .await
            .gql()?;
        Ok(ProjectCallConnection::from_page(
            rc.rows(page).map(ProjectCall),
        ))
    }

    /// One project call by global ID.
    async fn project_call(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the project call.")] id: ID,
    ) -> Result<Option<ProjectCall>> {
        let rc = request(ctx).gql()?;
        let id = ids::decode_as(&id, "ProjectCall", "id").gql()?;
        Ok(rc
            .fetch_one::<ProjectCallById>(id)
            .await
            .gql()?
            .map(ProjectCall))
    }
}
