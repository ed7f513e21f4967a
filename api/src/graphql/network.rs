//! GraphQL `network { … }`: the public knowledge graph as a graph — neighbourhoods, shortest
//! paths, co-participation and degrees.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};

use super::request;
use crate::ids;
use crate::service::graph::{
    self as service, CoParticipation, Edge, EdgeKind, NodeKind, NodeView, Pair, Subgraph,
};

/// The kind of a network node.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkNodeType {
    /// A town.
    Town,
    /// A model project.
    ModelProject,
    /// An organisation.
    Organisation,
    /// A person (public profile).
    Person,
    /// A published event.
    Event,
    /// A session of a published event.
    Session,
}

impl From<NodeKind> for NetworkNodeType {
    fn from(value: NodeKind) -> Self {
        match value {
            NodeKind::Town => Self::Town,
            NodeKind::ModelProject => Self::ModelProject,
            NodeKind::Organisation => Self::Organisation,
            NodeKind::Person => Self::Person,
            NodeKind::Event => Self::Event,
            NodeKind::Session => Self::Session,
        }
    }
}

impl From<NetworkNodeType> for NodeKind {
    fn from(value: NetworkNodeType) -> Self {
        match value {
            NetworkNodeType::Town => Self::Town,
            NetworkNodeType::ModelProject => Self::ModelProject,
            NetworkNodeType::Organisation => Self::Organisation,
            NetworkNodeType::Person => Self::Person,
            NetworkNodeType::Event => Self::Event,
            NetworkNodeType::Session => Self::Session,
        }
    }
}

/// What an edge stands for.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkEdgeType {
    /// A town is a member of a model project (role `LEAD` or `MEMBER`).
    Membership,
    /// An organisation is a partner of a model project.
    Partnership,
    /// An organisation organises an event.
    Organiser,
    /// A person or organisation contributes to a session.
    Contribution,
    /// A session belongs to an event's programme.
    ProgrammeItem,
    /// An event belongs to a model project.
    ProjectEvent,
    /// An event takes place in, or an organisation has its seat in, a town.
    Location,
    /// A person works for an organisation.
    Affiliation,
    /// A person is associated with a town.
    Residence,
}

impl From<EdgeKind> for NetworkEdgeType {
    fn from(value: EdgeKind) -> Self {
        match value {
            EdgeKind::Membership => Self::Membership,
            EdgeKind::Partnership => Self::Partnership,
            EdgeKind::Organiser => Self::Organiser,
            EdgeKind::Contribution => Self::Contribution,
            EdgeKind::ProgrammeItem => Self::ProgrammeItem,
            EdgeKind::ProjectEvent => Self::ProjectEvent,
            EdgeKind::Location => Self::Location,
            EdgeKind::Affiliation => Self::Affiliation,
            EdgeKind::Residence => Self::Residence,
        }
    }
}

/// A node of the network.
#[derive(SimpleObject)]
pub struct NetworkNode {
    /// Global ID of the record.
    pub id: ID,
    /// What the node is.
    #[graphql(name = "type")]
    pub kind: NetworkNodeType,
    /// Its name or title.
    pub label: String,
    /// Number of edges at the node in the whole public network.
    pub degree: i32,
    /// Steps from the start node (neighbourhoods and paths).
    pub distance: Option<i32>,
}

impl From<NodeView> for NetworkNode {
    fn from(view: NodeView) -> Self {
        Self {
            id: ID(ids::encode(view.key.0.type_name(), view.key.1)),
            kind: view.key.0.into(),
            label: view.label,
            degree: i32::try_from(view.degree).unwrap_or(i32::MAX),
            distance: view.distance.and_then(|d| i32::try_from(d).ok()),
        }
    }
}

/// An edge of the network.
#[derive(SimpleObject)]
pub struct NetworkEdge {
    /// Global ID of the source node.
    pub source: ID,
    /// Global ID of the target node.
    pub target: ID,
    /// What the edge stands for.
    #[graphql(name = "type")]
    pub kind: NetworkEdgeType,
    /// The role on the edge, where there is one (`LEAD`, `SPEAKER`, `ORGANISER`, …).
    pub role: Option<String>,
}

impl From<Edge> for NetworkEdge {
    fn from(edge: Edge) -> Self {
        Self {
            source: ID(ids::encode(edge.source.0.type_name(), edge.source.1)),
            target: ID(ids::encode(edge.target.0.type_name(), edge.target.1)),
            kind: edge.kind.into(),
            role: edge.role,
        }
    }
}

/// Nodes and the edges between them.
#[derive(SimpleObject)]
pub struct NetworkGraph {
    /// The nodes, nearest first.
    pub nodes: Vec<NetworkNode>,
    /// The edges among the nodes; for a path, the edges along it in order.
    pub edges: Vec<NetworkEdge>,
    /// Whether nodes were left out to stay within `first`.
    pub truncated: bool,
}

impl From<Subgraph> for NetworkGraph {
    fn from(graph: Subgraph) -> Self {
        Self {
            nodes: graph.nodes.into_iter().map(Into::into).collect(),
            edges: graph.edges.into_iter().map(Into::into).collect(),
            truncated: graph.truncated,
        }
    }
}

/// Which co-participation to count.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoParticipationType {
    /// Towns that share model projects.
    Towns,
    /// People who share sessions.
    People,
}

/// Two nodes and how much they share.
#[derive(SimpleObject)]
pub struct CoParticipationPair {
    /// One of the two.
    pub a: NetworkNode,
    /// The other.
    pub b: NetworkNode,
    /// Model projects (towns) or sessions (people) both take part in.
    pub shared: i32,
}

impl From<Pair> for CoParticipationPair {
    fn from(pair: Pair) -> Self {
        Self {
            a: pair.a.into(),
            b: pair.b.into(),
            shared: i32::try_from(pair.shared).unwrap_or(i32::MAX),
        }
    }
}

/// The public knowledge graph: published data and public people only.
#[derive(Default)]
pub struct Network;

/// The public knowledge graph: published data and public people only.
#[Object]
impl Network {
    /// The nodes within `depth` steps of a node (nearest first) and the edges among them.
    async fn neighbours(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the start node.")] id: ID,
        #[graphql(desc = "Steps to go, 1 to 3 (default 1).")] depth: Option<i32>,
        #[graphql(desc = "Most nodes, 1 to 500 (default 100).")] first: Option<i32>,
    ) -> Result<NetworkGraph> {
        let rc = request(ctx)?;
        let start = service::node_key(&id, "id")?;
        let graph =
            service::neighbourhood(&rc.db, start, depth.unwrap_or(1), first.unwrap_or(100)).await?;
        Ok(graph.into())
    }

    /// A shortest path between two nodes with the edges along it; null when there is none within
    /// `maxLength` steps.
    async fn shortest_path(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the first node.")] from: ID,
        #[graphql(desc = "Global ID of the last node.")] to: ID,
        #[graphql(desc = "Most steps, 1 to 6 (default 6).")] max_length: Option<i32>,
    ) -> Result<Option<NetworkGraph>> {
        let rc = request(ctx)?;
        let from = service::node_key(&from, "from")?;
        let to = service::node_key(&to, "to")?;
        let path = service::shortest_path(&rc.db, from, to, max_length.unwrap_or(6)).await?;
        Ok(path.map(Into::into))
    }

    /// Pairs of towns that share model projects, or of people who share sessions, most shared
    /// first.
    async fn co_participation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Towns or people.")] of: CoParticipationType,
        #[graphql(desc = "Only pairs with this node.")] with: Option<ID>,
        #[graphql(desc = "Most pairs, 1 to 500 (default 100).")] first: Option<i32>,
    ) -> Result<Vec<CoParticipationPair>> {
        let rc = request(ctx)?;
        let with = with.map(|id| service::node_key(&id, "with")).transpose()?;
        let which = match of {
            CoParticipationType::Towns => CoParticipation::Towns,
            CoParticipationType::People => CoParticipation::People,
        };
        let pairs = service::co_participation(&rc.db, which, with, first.unwrap_or(100)).await?;
        Ok(pairs.into_iter().map(Into::into).collect())
    }

    /// The nodes with the most edges, most first.
    async fn degrees(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only nodes of these types; all when left out.")] types: Option<
            Vec<NetworkNodeType>,
        >,
        #[graphql(desc = "Most nodes, 1 to 500 (default 100).")] first: Option<i32>,
    ) -> Result<Vec<NetworkNode>> {
        let rc = request(ctx)?;
        let kinds: Option<Vec<NodeKind>> = types.map(|t| t.into_iter().map(Into::into).collect());
        let nodes = service::top_degrees(&rc.db, kinds.as_deref(), first.unwrap_or(100)).await?;
        Ok(nodes.into_iter().map(Into::into).collect())
    }
}

/// The `network` root field.
#[derive(Default)]
pub struct NetworkQuery;

/// The `network` root field.
#[Object]
impl NetworkQuery {
    /// The knowledge graph as a graph: towns, model projects, organisations, people, events and
    /// sessions, connected by memberships, partnerships, organisers, contributions, programme
    /// items, places and affiliations. Only published data and public people are part of it.
    async fn network(&self) -> Network {
        Network
    }
}
