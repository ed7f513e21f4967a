//! The `Node` interface and `node(id:)`: any object by its global ID.

use async_graphql::{Context, ID, Interface, Object, Result};

use super::document::Document;
use super::event::Event;
use super::model_project::{ModelProject, ModelProjectPartner, ModelProjectTown, ProjectCall};
use super::organisation::Organisation;
use super::person::{BoardMembership, Person};
use super::request;
use super::session::{Contribution, Session};
use super::town::{State, Town};
use crate::error::AppError;
use crate::ids;
use crate::service::relation::{
    BoardMembershipById, ContributionById, DocumentById, EventById, ModelProjectById,
    ModelProjectPartnerById, ModelProjectTownById, OrganisationById, PersonById, ProjectCallById,
    SessionById, StateById, TownById,
};

/// An object with a global ID.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Global, opaque ID; stable across releases."
))]
pub enum Node {
    State(State),
    Town(Town),
    Organisation(Organisation),
    Person(Person),
    ProjectCall(ProjectCall),
    ModelProject(ModelProject),
    ModelProjectTown(ModelProjectTown),
    ModelProjectPartner(ModelProjectPartner),
    Event(Event),
    Session(Session),
    Contribution(Contribution),
    Document(Document),
    BoardMembership(BoardMembership),
}

/// The `node` and `nodes` queries.
#[derive(Default)]
pub struct NodeQuery;

impl NodeQuery {
    async fn find(ctx: &Context<'_>, id: &str) -> crate::AppResult<Option<Node>> {
        let rc = request(ctx)?;
        let (type_name, id) = ids::decode(id)?;
        Ok(match type_name.as_str() {
            "State" => rc
                .fetch_one::<StateById>(id)
                .await?
                .map(|r| Node::State(State(r))),
            "Town" => rc
                .fetch_one::<TownById>(id)
                .await?
                .map(|r| Node::Town(Town(r))),
            "Organisation" => rc
                .fetch_one::<OrganisationById>(id)
                .await?
                .map(|r| Node::Organisation(Organisation(r))),
            "Person" => rc
                .fetch_one::<PersonById>(id)
                .await?
                .map(|r| Node::Person(Person(r))),
            "ProjectCall" => rc
                .fetch_one::<ProjectCallById>(id)
                .await?
                .map(|r| Node::ProjectCall(ProjectCall(r))),
            "ModelProject" => rc
                .fetch_one::<ModelProjectById>(id)
                .await?
                .map(|r| Node::ModelProject(ModelProject(r))),
            "ModelProjectTown" => rc
                .fetch_one::<ModelProjectTownById>(id)
                .await?
                .map(|r| Node::ModelProjectTown(ModelProjectTown(r))),
            "ModelProjectPartner" => rc
                .fetch_one::<ModelProjectPartnerById>(id)
                .await?
                .map(|r| Node::ModelProjectPartner(ModelProjectPartner(r))),
            "Event" => rc
                .fetch_one::<EventById>(id)
                .await?
                .map(|r| Node::Event(Event(r))),
            "Session" => rc
                .fetch_one::<SessionById>(id)
                .await?
                .map(|r| Node::Session(Session(r))),
            "Contribution" => rc
                .fetch_one::<ContributionById>(id)
                .await?
                .map(|r| Node::Contribution(Contribution(r))),
            "Document" => rc
                .fetch_one::<DocumentById>(id)
                .await?
                .map(|r| Node::Document(Document(r))),
            "BoardMembership" => rc
                .fetch_one::<BoardMembershipById>(id)
                .await?
                .map(|r| Node::BoardMembership(BoardMembership(r))),
            other => {
                return Err(AppError::bad_field(
                    "id",
                    format!("unknown type `{other}` in ID"),
                ));
            }
        })
    }
}

#[Object]
impl NodeQuery {
    /// Any object by its global ID; null when it does not exist or is not visible to the caller.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the object.")] id: ID,
    ) -> Result<Option<Node>> {
        Ok(Self::find(ctx, &id).await?)
    }

    /// Several objects by global ID, in the given order (at most 100).
    #[graphql(complexity = "ids.len() * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global IDs of the objects.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() > crate::store::page::MAX_PAGE_SIZE as usize {
            return Err(AppError::bad_field("ids", "at most 100 IDs at a time").into());
        }
        let lookups = ids.iter().map(|id| Self::find(ctx, id));
        Ok(futures::future::try_join_all(lookups).await?)
    }
}
