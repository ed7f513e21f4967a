//! GraphQL types and queries of project calls and model projects.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use entity::{model_project, model_project_partner, model_project_town, project_call};

use super::connection::{args, connection, page_cost};
use super::document::{Document, DocumentConnection};
use super::enums::{MemberRole, PartnerRole};
use super::event::{Event, EventConnection};
use super::organisation::Organisation;
use super::town::Town;
use super::{DeletePayload, decode_opt, joined, maybe, maybe_id, request, wants_total};
use crate::ids;
use crate::load::{Row, Then};
use crate::service::model_project::{
    self as service, ModelProjectChanges, ModelProjectFilter, ProjectCallChanges,
};
use crate::service::relation::{
    CallModelProjects, MemberModelProject, MemberTown, ModelProjectById, ModelProjectCall,
    ModelProjectDocuments, ModelProjectEvents, ModelProjectLeadTown, ModelProjectMembers,
    ModelProjectPartners, ModelProjectWhole, PartnerModelProject, PartnerOrganisation,
    ProjectCallById, TownState,
};

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
        let page = self
            .0
            .page::<CallModelProjects>(&args(first, after, last, before))
            .await?;
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
    async fn description(&self) -> Result<Option<String>> {
        let whole = self.0.whole::<ModelProjectWhole>().await?;
        Ok(whole.and_then(|row| row.description.clone()))
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
            .load_one::<ModelProjectCall>()
            .await?
            .map(ProjectCall))
    }
    /// The lead town, where the sources name one.
    async fn lead_town(&self) -> Result<Option<Town>> {
        Ok(self.0.load_one::<ModelProjectLeadTown>().await?.map(Town))
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
            .page_with::<ModelProjectMembers, Then<MemberTown, TownState>>(&args(
                first, after, last, before,
            ))
            .await?;
        let page = joined::<MemberTown, _, _>(rows, |row| MemberRole::from(row.role), Town).await?;
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
            .page_with::<ModelProjectPartners, (PartnerOrganisation,)>(&args(
                first, after, last, before,
            ))
            .await?;
        let page = joined::<PartnerOrganisation, _, _>(
            rows,
            |row| PartnerRole::from(row.role),
            Organisation,
        )
        .await?;
        Ok(ModelProjectPartnerConnection::from_page(page))
    }
    /// Memberships of the member towns (with their IDs and versions, for editing), in the order
    /// the sources list them.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn memberships(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<ModelProjectMembershipConnection> {
        let page = self
            .0
            .page::<ModelProjectMembers>(&args(first, after, last, before))
            .await?;
        Ok(ModelProjectMembershipConnection::from_page(
            page.map(ModelProjectTown),
        ))
    }
    /// Partnerships of the partner organisations (with their IDs and versions, for editing).
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn partnerships(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<ModelProjectPartnershipConnection> {
        let page = self
            .0
            .page::<ModelProjectPartners>(&args(first, after, last, before))
            .await?;
        Ok(ModelProjectPartnershipConnection::from_page(
            page.map(ModelProjectPartner),
        ))
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
        let page = self
            .0
            .page::<ModelProjectEvents>(&args(first, after, last, before))
            .await?;
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
        let page = self
            .0
            .page::<ModelProjectDocuments>(&args(first, after, last, before))
            .await?;
        Ok(DocumentConnection::from_page(page.map(Document)))
    }
}

/// A town's membership in a model project.
#[derive(Clone)]
pub struct ModelProjectTown(pub Row<model_project_town::Model>);

/// A town's membership in a model project.
#[Object]
impl ModelProjectTown {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode("ModelProjectTown", self.0.id))
    }
    /// Version of the record: pass it as `expectedVersion` when changing it.
    pub async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record last changed.
    pub async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
    /// The town's role in the model project.
    async fn role(&self) -> MemberRole {
        self.0.role.into()
    }
    /// Place in the list of member towns.
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// The member town.
    async fn town(&self) -> Result<Option<Town>> {
        Ok(self.0.load_one::<MemberTown>().await?.map(Town))
    }
    /// The model project.
    async fn model_project(&self) -> Result<Option<ModelProject>> {
        Ok(self
            .0
            .load_one::<MemberModelProject>()
            .await?
            .map(ModelProject))
    }
}

/// An organisation's partnership in a model project.
#[derive(Clone)]
pub struct ModelProjectPartner(pub Row<model_project_partner::Model>);

/// An organisation's partnership in a model project.
#[Object]
impl ModelProjectPartner {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode("ModelProjectPartner", self.0.id))
    }
    /// Version of the record: pass it as `expectedVersion` when changing it.
    pub async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record last changed.
    pub async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
    /// The organisation's role in the model project.
    async fn role(&self) -> PartnerRole {
        self.0.role.into()
    }
    /// The partner organisation.
    async fn organisation(&self) -> Result<Option<Organisation>> {
        Ok(self
            .0
            .load_one::<PartnerOrganisation>()
            .await?
            .map(Organisation))
    }
    /// The model project.
    async fn model_project(&self) -> Result<Option<ModelProject>> {
        Ok(self
            .0
            .load_one::<PartnerModelProject>()
            .await?
            .map(ModelProject))
    }
}

connection!(
    ModelProjectMembershipConnection,
    ModelProjectMembershipEdge,
    ModelProjectTown,
    "memberships of towns in a model project"
);
connection!(
    ModelProjectPartnershipConnection,
    ModelProjectPartnershipEdge,
    ModelProjectPartner,
    "partnerships of organisations in a model project"
);
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
    pub fn into_filter(self) -> crate::AppResult<ModelProjectFilter> {
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
        let rc = request(ctx)?;
        let filter = filter.unwrap_or_default().into_filter()?;
        let page = service::list(
            &rc.reader,
            &filter,
            &args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
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
        let rc = request(ctx)?;
        let id = ids::decode_as(&id, "ModelProject", "id")?;
        Ok(rc
            .fetch_one::<ModelProjectById>(id)
            .await?
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
        let rc = request(ctx)?;
        let page = service::list_calls(&rc.db, &args(first, after, last, before), wants_total(ctx))
            .await?;
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
        let rc = request(ctx)?;
        let id = ids::decode_as(&id, "ProjectCall", "id")?;
        Ok(rc.fetch_one::<ProjectCallById>(id).await?.map(ProjectCall))
    }
}

/// A new project call.
#[derive(InputObject)]
pub struct CreateProjectCallInput {
    /// Name of the call.
    pub name: String,
    /// Year of the call (1900 to 2100).
    pub year: i32,
    /// When the call opened (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    pub opened_on: Option<String>,
    /// Application deadline (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`); not before `openedOn`.
    pub deadline_on: Option<String>,
    /// Summary.
    pub description: Option<String>,
    /// Public sources (URLs).
    pub sources: Option<Vec<String>>,
}

/// Changes to a project call; fields left out stay as they are, `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateProjectCallInput {
    /// Name of the call.
    pub name: Option<String>,
    /// Year of the call (1900 to 2100).
    pub year: Option<i32>,
    /// When the call opened (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    pub opened_on: MaybeUndefined<String>,
    /// Application deadline (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`); not before `openedOn`.
    pub deadline_on: MaybeUndefined<String>,
    /// Summary.
    pub description: MaybeUndefined<String>,
    /// Public sources (URLs); replaces the list.
    pub sources: Option<Vec<String>>,
}

impl From<CreateProjectCallInput> for ProjectCallChanges {
    fn from(input: CreateProjectCallInput) -> Self {
        ProjectCallChanges {
            name: Some(input.name),
            year: Some(input.year),
            opened_on: Some(input.opened_on),
            deadline_on: Some(input.deadline_on),
            description: Some(input.description),
            sources: input.sources,
        }
    }
}

impl From<UpdateProjectCallInput> for ProjectCallChanges {
    fn from(input: UpdateProjectCallInput) -> Self {
        ProjectCallChanges {
            name: input.name,
            year: input.year,
            opened_on: maybe(input.opened_on),
            deadline_on: maybe(input.deadline_on),
            description: maybe(input.description),
            sources: input.sources,
        }
    }
}

/// A new model project. A lead town joins it as its LEAD member.
#[derive(InputObject)]
pub struct CreateModelProjectInput {
    /// Full title.
    pub title: String,
    /// Short title.
    pub short_title: Option<String>,
    /// Topic.
    pub topic: Option<String>,
    /// Summary.
    pub description: Option<String>,
    /// The call the project was selected in.
    pub project_call: Option<ID>,
    /// The lead town; it becomes the project's LEAD member.
    pub lead_town: Option<ID>,
    /// Start of the project (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    pub period_start: Option<String>,
    /// End of the project (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`); not before the start.
    pub period_end: Option<String>,
    /// Funding programme.
    pub funding_programme: Option<String>,
    /// Public sources (URLs).
    pub sources: Option<Vec<String>>,
}

/// Changes to a model project; fields left out stay as they are, `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateModelProjectInput {
    /// Full title.
    pub title: Option<String>,
    /// Short title.
    pub short_title: MaybeUndefined<String>,
    /// Topic.
    pub topic: MaybeUndefined<String>,
    /// Summary.
    pub description: MaybeUndefined<String>,
    /// The call the project was selected in.
    pub project_call: MaybeUndefined<ID>,
    /// The lead town: it becomes the LEAD member and the former lead a MEMBER; `null` leaves the
    /// project without a lead.
    pub lead_town: MaybeUndefined<ID>,
    /// Start of the project (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    pub period_start: MaybeUndefined<String>,
    /// End of the project (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`); not before the start.
    pub period_end: MaybeUndefined<String>,
    /// Funding programme.
    pub funding_programme: MaybeUndefined<String>,
    /// Public sources (URLs); replaces the list.
    pub sources: Option<Vec<String>>,
}

impl CreateModelProjectInput {
    fn into_changes(self) -> crate::AppResult<ModelProjectChanges> {
        Ok(ModelProjectChanges {
            title: Some(self.title),
            short_title: Some(self.short_title),
            topic: Some(self.topic),
            description: Some(self.description),
            project_call_id: Some(decode_opt(
                self.project_call.as_ref(),
                "ProjectCall",
                "projectCall",
            )?),
            lead_town_id: Some(decode_opt(self.lead_town.as_ref(), "Town", "leadTown")?),
            period_start: Some(self.period_start),
            period_end: Some(self.period_end),
            funding_programme: Some(self.funding_programme),
            sources: self.sources,
        })
    }
}

impl UpdateModelProjectInput {
    fn into_changes(self) -> crate::AppResult<ModelProjectChanges> {
        Ok(ModelProjectChanges {
            title: self.title,
            short_title: maybe(self.short_title),
            topic: maybe(self.topic),
            description: maybe(self.description),
            project_call_id: maybe_id(self.project_call, "ProjectCall", "projectCall")?,
            lead_town_id: maybe_id(self.lead_town, "Town", "leadTown")?,
            period_start: maybe(self.period_start),
            period_end: maybe(self.period_end),
            funding_programme: maybe(self.funding_programme),
            sources: self.sources,
        })
    }
}

/// Changes to project calls, model projects, their member towns and partners (staff only).
#[derive(Default)]
pub struct ModelProjectMutation;

#[Object]
impl ModelProjectMutation {
    /// Creates a project call.
    async fn create_project_call(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new project call.")] input: CreateProjectCallInput,
    ) -> Result<ProjectCall> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let created = service::create_call(&rc.db, actor, input.into()).await?;
        Ok(ProjectCall(rc.row(created)))
    }

    /// Changes a project call; fails with CONFLICT when someone else changed it since
    /// `expectedVersion`.
    async fn update_project_call(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the project call.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The changes.")] input: UpdateProjectCallInput,
    ) -> Result<ProjectCall> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "ProjectCall", "id")?;
        let updated =
            service::update_call(&rc.db, actor, id, expected_version, input.into()).await?;
        Ok(ProjectCall(rc.row(updated)))
    }

    /// Deletes a project call; refused (CONFLICT) while model projects belong to it.
    async fn delete_project_call(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the project call.")] id: ID,
        #[graphql(desc = "The version the deletion is based on.")] expected_version: i32,
    ) -> Result<DeletePayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "ProjectCall", "id")?;
        service::delete_call(&rc.db, actor, id, expected_version).await?;
        Ok(DeletePayload {
            id: ID(ids::encode("ProjectCall", id)),
        })
    }

    /// Creates a model project; a lead town joins it as its LEAD member.
    async fn create_model_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new model project.")] input: CreateModelProjectInput,
    ) -> Result<ModelProject> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let changes = input.into_changes()?;
        let created = service::create_project(&rc.db, actor, changes).await?;
        Ok(ModelProject(rc.row(created)))
    }

    /// Changes a model project; fails with CONFLICT when someone else changed it since
    /// `expectedVersion`. A new lead town changes the LEAD membership with it.
    async fn update_model_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the model project.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The changes.")] input: UpdateModelProjectInput,
    ) -> Result<ModelProject> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "ModelProject", "id")?;
        let changes = input.into_changes()?;
        let updated = service::update_project(&rc.db, actor, id, expected_version, changes).await?;
        Ok(ModelProject(rc.row(updated)))
    }

    /// Deletes a model project with its memberships and partnerships; refused (CONFLICT) while
    /// events belong to it.
    async fn delete_model_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the model project.")] id: ID,
        #[graphql(desc = "The version the deletion is based on.")] expected_version: i32,
    ) -> Result<DeletePayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "ModelProject", "id")?;
        service::delete_project(&rc.db, actor, id, expected_version).await?;
        Ok(DeletePayload {
            id: ID(ids::encode("ModelProject", id)),
        })
    }

    /// Adds a member town to a model project. A project has one LEAD at most; adding a LEAD makes
    /// the town the project's lead town.
    async fn add_model_project_town(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the model project.")] model_project: ID,
        #[graphql(desc = "Global ID of the town.")] town: ID,
        #[graphql(desc = "The town's role.")] role: MemberRole,
        #[graphql(
            desc = "Place in the list of member towns (0 or more); at the end when left out."
        )]
        position: Option<i32>,
    ) -> Result<ModelProjectTown> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let project = ids::decode_as(&model_project, "ModelProject", "modelProject")?;
        let town = ids::decode_as(&town, "Town", "town")?;
        let created =
            service::add_member(&rc.db, actor, project, town, role.into(), position).await?;
        Ok(ModelProjectTown(rc.row(created)))
    }

    /// Changes a town's role or position in a model project; the project's lead town follows a
    /// change of the LEAD.
    async fn update_model_project_town(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the membership.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The new role; unchanged when left out.")] role: Option<MemberRole>,
        #[graphql(desc = "The new place in the list (0 or more); unchanged when left out.")]
        position: Option<i32>,
    ) -> Result<ModelProjectTown> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "ModelProjectTown", "id")?;
        let updated = service::update_member(
            &rc.db,
            actor,
            id,
            expected_version,
            role.map(Into::into),
            position,
        )
        .await?;
        Ok(ModelProjectTown(rc.row(updated)))
    }

    /// Removes a town from a model project; removing the LEAD leaves the project without a lead town.
    async fn remove_model_project_town(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the membership.")] id: ID,
        #[graphql(desc = "The version the removal is based on.")] expected_version: i32,
    ) -> Result<DeletePayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "ModelProjectTown", "id")?;
        service::remove_member(&rc.db, actor, id, expected_version).await?;
        Ok(DeletePayload {
            id: ID(ids::encode("ModelProjectTown", id)),
        })
    }

    /// Adds a partner organisation to a model project in a role.
    async fn add_model_project_partner(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the model project.")] model_project: ID,
        #[graphql(desc = "Global ID of the organisation.")] organisation: ID,
        #[graphql(desc = "The organisation's role.")] role: PartnerRole,
    ) -> Result<ModelProjectPartner> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let project = ids::decode_as(&model_project, "ModelProject", "modelProject")?;
        let organisation = ids::decode_as(&organisation, "Organisation", "organisation")?;
        let created =
            service::add_partner(&rc.db, actor, project, organisation, role.into()).await?;
        Ok(ModelProjectPartner(rc.row(created)))
    }

    /// Removes a partnership from a model project.
    async fn remove_model_project_partner(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the partnership.")] id: ID,
        #[graphql(desc = "The version the removal is based on.")] expected_version: i32,
    ) -> Result<DeletePayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "ModelProjectPartner", "id")?;
        service::remove_partner(&rc.db, actor, id, expected_version).await?;
        Ok(DeletePayload {
            id: ID(ids::encode("ModelProjectPartner", id)),
        })
    }
}
