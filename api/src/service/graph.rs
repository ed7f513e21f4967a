//! The public knowledge graph: towns, model projects, organisations, people, events and sessions
//! as nodes; memberships, partnerships, organisers, contributions, programme items, places and
//! affiliations as edges. Only what an anonymous reader may see is part of it: published events
//! and their programmes, public people.
//!
//! The edge list is read in one statement per relation and searched in memory (breadth first);
//! depths and result sizes are bounded.

use std::collections::{HashMap, HashSet, VecDeque};

use entity::{
    contribution, event, event_organiser, model_project, model_project_partner, model_project_town,
    organisation, person, session, town,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::error::{AppError, AppResult};
use crate::viewer::Viewer;

/// Deepest neighbourhood asked for.
pub const MAX_DEPTH: u32 = 3;
/// Longest path searched for.
pub const MAX_PATH_LENGTH: u32 = 6;
/// Most nodes (or pairs) in one answer.
pub const MAX_RESULTS: usize = 500;

/// The kinds of node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKind {
    Town,
    ModelProject,
    Organisation,
    Person,
    Event,
    Session,
}

impl NodeKind {
    /// Every kind of node.
    pub const ALL: [Self; 6] = [
        Self::Town,
        Self::ModelProject,
        Self::Organisation,
        Self::Person,
        Self::Event,
        Self::Session,
    ];

    /// The public type name (as in global IDs).
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Town => "Town",
            Self::ModelProject => "ModelProject",
            Self::Organisation => "Organisation",
            Self::Person => "Person",
            Self::Event => "Event",
            Self::Session => "Session",
        }
    }

    /// The kind named `name`, if it is a node kind.
    pub fn from_type_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.type_name() == name)
    }
}

/// A node: its kind and row id.
pub type NodeKey = (NodeKind, i32);

/// What connects two nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    /// Town → model project (role LEAD or MEMBER).
    Membership,
    /// Organisation → model project (its partner role).
    Partnership,
    /// Organisation → event (its organiser role).
    Organiser,
    /// Person or organisation → session (the contribution role).
    Contribution,
    /// Session → event.
    ProgrammeItem,
    /// Event → model project.
    ProjectEvent,
    /// Event or organisation → town.
    Location,
    /// Person → organisation.
    Affiliation,
    /// Person → town.
    Residence,
}

impl EdgeKind {
    /// The name used in exports (`membership`, `partnership`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Membership => "membership",
            Self::Partnership => "partnership",
            Self::Organiser => "organiser",
            Self::Contribution => "contribution",
            Self::ProgrammeItem => "programmeItem",
            Self::ProjectEvent => "projectEvent",
            Self::Location => "location",
            Self::Affiliation => "affiliation",
            Self::Residence => "residence",
        }
    }
}

/// A directed edge (the direction only reads naturally; the graph is searched both ways).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edge {
    pub source: NodeKey,
    pub target: NodeKey,
    pub kind: EdgeKind,
    /// The role on the edge, where there is one (`LEAD`, `SPEAKER`, `ORGANISER`, …).
    pub role: Option<String>,
}

/// The public graph: its edges and, per node, the indexes of its edges.
#[derive(Debug, Default)]
pub struct Graph {
    pub edges: Vec<Edge>,
    adjacency: HashMap<NodeKey, Vec<usize>>,
}

/// A node of an answer, with its label and degree.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeView {
    pub key: NodeKey,
    pub label: String,
    /// Edges at the node in the public graph.
    pub degree: usize,
    /// Steps from the start (neighbourhoods and paths).
    pub distance: Option<u32>,
}

/// Nodes and the edges between them.
#[derive(Clone, Debug, PartialEq)]
pub struct Subgraph {
    pub nodes: Vec<NodeView>,
    pub edges: Vec<Edge>,
    /// Whether nodes were left out to stay within the bound.
    pub truncated: bool,
}

/// Two nodes of one kind and how many projects or sessions they share.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    pub a: NodeView,
    pub b: NodeView,
    pub shared: usize,
}

/// Which co-participation to count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoParticipation {
    /// Towns sharing model projects.
    Towns,
    /// People sharing sessions.
    People,
}

impl Graph {
    fn add(&mut self, edge: Edge) {
        let at = self.edges.len();
        self.adjacency.entry(edge.source).or_default().push(at);
        self.adjacency.entry(edge.target).or_default().push(at);
        self.edges.push(edge);
    }

    /// Edges at a node.
    pub fn degree(&self, node: NodeKey) -> usize {
        self.adjacency.get(&node).map_or(0, Vec::len)
    }

    fn neighbours(&self, node: NodeKey) -> impl Iterator<Item = (usize, NodeKey)> + '_ {
        self.adjacency
            .get(&node)
            .into_iter()
            .flatten()
            .filter_map(move |at| {
                let edge = self.edges.get(*at)?;
                Some((
                    *at,
                    if edge.source == node {
                        edge.target
                    } else {
                        edge.source
                    },
                ))
            })
    }

    /// Every node with at least one edge.
    pub fn nodes(&self) -> impl Iterator<Item = NodeKey> + '_ {
        self.adjacency.keys().copied()
    }
}

async fn pairs<C: ConnectionTrait>(
    db: &C,
    query: sea_orm::sea_query::SelectStatement,
) -> AppResult<Vec<(i32, i32, Option<String>)>> {
    let mut found = Vec::new();
    for row in db.query_all(&query).await? {
        let a: Option<i32> = row.try_get_by_index(0)?;
        let b: Option<i32> = row.try_get_by_index(1)?;
        let role: Option<String> = row.try_get_by_index(2)?;
        if let (Some(a), Some(b)) = (a, b) {
            found.push((a, b, role));
        }
    }
    Ok(found)
}

/// Reads the public graph: one statement per relation.
pub async fn load<C: ConnectionTrait>(db: &C) -> AppResult<Graph> {
    let viewer = Viewer::Public;
    let events = super::event::visible_ids(viewer);
    let people = Query::select()
        .column(person::Column::Id)
        .from(person::Entity)
        .cond_where(super::person::visible(viewer))
        .to_owned();
    let mut graph = Graph::default();
    let relations: Vec<(
        EdgeKind,
        NodeKind,
        NodeKind,
        sea_orm::sea_query::SelectStatement,
    )> = vec![
        (
            EdgeKind::Membership,
            NodeKind::Town,
            NodeKind::ModelProject,
            Query::select()
                .columns([
                    model_project_town::Column::TownId,
                    model_project_town::Column::ModelProjectId,
                    model_project_town::Column::Role,
                ])
                .from(model_project_town::Entity)
                .to_owned(),
        ),
        (
            EdgeKind::Partnership,
            NodeKind::Organisation,
            NodeKind::ModelProject,
            Query::select()
                .columns([
                    model_project_partner::Column::OrganisationId,
                    model_project_partner::Column::ModelProjectId,
                    model_project_partner::Column::Role,
                ])
                .from(model_project_partner::Entity)
                .to_owned(),
        ),
        (
            EdgeKind::Organiser,
            NodeKind::Organisation,
            NodeKind::Event,
            Query::select()
                .columns([
                    event_organiser::Column::OrganisationId,
                    event_organiser::Column::EventId,
                    event_organiser::Column::Role,
                ])
                .from(event_organiser::Entity)
                .and_where(Expr::col(event_organiser::Column::EventId).in_subquery(events.clone()))
                .to_owned(),
        ),
        (
            EdgeKind::Contribution,
            NodeKind::Person,
            NodeKind::Session,
            Query::select()
                .columns([
                    contribution::Column::PersonId,
                    contribution::Column::SessionId,
                    contribution::Column::Role,
                ])
                .from(contribution::Entity)
                .and_where(Expr::col(contribution::Column::EventId).in_subquery(events.clone()))
                .and_where(Expr::col(contribution::Column::PersonId).in_subquery(people.clone()))
                .to_owned(),
        ),
        (
            EdgeKind::Contribution,
            NodeKind::Organisation,
            NodeKind::Session,
            Query::select()
                .columns([
                    contribution::Column::OrganisationId,
                    contribution::Column::SessionId,
                    contribution::Column::Role,
                ])
                .from(contribution::Entity)
                .and_where(Expr::col(contribution::Column::EventId).in_subquery(events.clone()))
                .and_where(Expr::col(contribution::Column::PersonId).is_null())
                .to_owned(),
        ),
        (
            EdgeKind::ProgrammeItem,
            NodeKind::Session,
            NodeKind::Event,
            Query::select()
                .columns([session::Column::Id, session::Column::EventId])
                .expr(Expr::cust("NULL"))
                .from(session::Entity)
                .and_where(Expr::col(session::Column::EventId).in_subquery(events.clone()))
                .to_owned(),
        ),
        (
            EdgeKind::ProjectEvent,
            NodeKind::Event,
            NodeKind::ModelProject,
            Query::select()
                .columns([event::Column::Id, event::Column::ModelProjectId])
                .expr(Expr::cust("NULL"))
                .from(event::Entity)
                .and_where(Expr::col(event::Column::Id).in_subquery(events.clone()))
                .to_owned(),
        ),
        (
            EdgeKind::Location,
            NodeKind::Event,
            NodeKind::Town,
            Query::select()
                .columns([event::Column::Id, event::Column::TownId])
                .expr(Expr::cust("NULL"))
                .from(event::Entity)
                .and_where(Expr::col(event::Column::Id).in_subquery(events))
                .to_owned(),
        ),
        (
            EdgeKind::Location,
            NodeKind::Organisation,
            NodeKind::Town,
            Query::select()
                .columns([organisation::Column::Id, organisation::Column::TownId])
                .expr(Expr::cust("NULL"))
                .from(organisation::Entity)
                .to_owned(),
        ),
        (
            EdgeKind::Affiliation,
            NodeKind::Person,
            NodeKind::Organisation,
            Query::select()
                .columns([person::Column::Id, person::Column::OrganisationId])
                .expr(Expr::cust("NULL"))
                .from(person::Entity)
                .and_where(Expr::col(person::Column::Id).in_subquery(people.clone()))
                .to_owned(),
        ),
        (
            EdgeKind::Residence,
            NodeKind::Person,
            NodeKind::Town,
            Query::select()
                .columns([person::Column::Id, person::Column::TownId])
                .expr(Expr::cust("NULL"))
                .from(person::Entity)
                .and_where(Expr::col(person::Column::Id).in_subquery(people))
                .to_owned(),
        ),
    ];
    for (kind, from, to, query) in relations {
        for (a, b, role) in pairs(db, query).await? {
            graph.add(Edge {
                source: (from, a),
                target: (to, b),
                kind,
                role,
            });
        }
    }
    Ok(graph)
}

/// Names of nodes, read for the nodes of an answer only (one statement per kind). A node missing
/// here does not exist or is not public.
async fn labels<C: ConnectionTrait>(
    db: &C,
    nodes: &HashSet<NodeKey>,
) -> AppResult<HashMap<NodeKey, String>> {
    let mut labels = HashMap::new();
    for kind in NodeKind::ALL {
        let ids: Vec<i32> = nodes
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| *id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        let named: Vec<(i32, String)> = match kind {
            NodeKind::Town => {
                town::Entity::find()
                    .select_only()
                    .columns([town::Column::Id, town::Column::Name])
                    .filter(town::Column::Id.is_in(ids))
                    .into_tuple()
                    .all(db)
                    .await?
            }
            NodeKind::ModelProject => {
                model_project::Entity::find()
                    .select_only()
                    .columns([model_project::Column::Id, model_project::Column::Title])
                    .filter(model_project::Column::Id.is_in(ids))
                    .into_tuple()
                    .all(db)
                    .await?
            }
            NodeKind::Organisation => {
                organisation::Entity::find()
                    .select_only()
                    .columns([organisation::Column::Id, organisation::Column::Name])
                    .filter(organisation::Column::Id.is_in(ids))
                    .into_tuple()
                    .all(db)
                    .await?
            }
            NodeKind::Person => {
                person::Entity::find()
                    .select_only()
                    .columns([person::Column::Id, person::Column::Name])
                    .filter(
                        Condition::all()
                            .add(person::Column::Id.is_in(ids))
                            .add(super::person::visible(Viewer::Public)),
                    )
                    .into_tuple()
                    .all(db)
                    .await?
            }
            NodeKind::Event => {
                event::Entity::find()
                    .select_only()
                    .columns([event::Column::Id, event::Column::Title])
                    .filter(
                        Condition::all()
                            .add(event::Column::Id.is_in(ids))
                            .add(super::event::visible(Viewer::Public)),
                    )
                    .into_tuple()
                    .all(db)
                    .await?
            }
            NodeKind::Session => {
                session::Entity::find()
                    .select_only()
                    .columns([session::Column::Id, session::Column::Title])
                    .filter(
                        Condition::all()
                            .add(session::Column::Id.is_in(ids))
                            .add(super::session::visible(Viewer::Public)),
                    )
                    .into_tuple()
                    .all(db)
                    .await?
            }
        };
        labels.extend(named.into_iter().map(|(id, name)| ((kind, id), name)));
    }
    Ok(labels)
}

/// A global ID as a node key; anything that is not a node kind is `BAD_USER_INPUT`.
pub fn node_key(global: &str, argument: &str) -> AppResult<NodeKey> {
    let (type_name, id) = crate::ids::decode(global)?;
    NodeKind::from_type_name(&type_name)
        .map(|kind| (kind, id))
        .ok_or_else(|| {
            AppError::bad_field(
                argument,
                format!("a {type_name} is not a node of the network"),
            )
        })
}

async fn views<C: ConnectionTrait>(
    db: &C,
    graph: &Graph,
    nodes: &[(NodeKey, Option<u32>)],
) -> AppResult<Vec<NodeView>> {
    let keys: HashSet<NodeKey> = nodes.iter().map(|(key, _)| *key).collect();
    let labels = labels(db, &keys).await?;
    Ok(nodes
        .iter()
        .filter_map(|(key, distance)| {
            labels.get(key).map(|label| NodeView {
                key: *key,
                label: label.clone(),
                degree: graph.degree(*key),
                distance: *distance,
            })
        })
        .collect())
}

fn check_bound(value: i32, max: u32, argument: &str) -> AppResult<u32> {
    u32::try_from(value)
        .ok()
        .filter(|v| (1..=max).contains(v))
        .ok_or_else(|| {
            AppError::bad_field(
                argument,
                format!("`{argument}` must be between 1 and {max}, got {value}"),
            )
        })
}

fn check_first(first: i32) -> AppResult<usize> {
    check_bound(first, MAX_RESULTS as u32, "first").map(|v| v as usize)
}

/// The nodes within `depth` steps of `start` (at most `first`, nearest first) and the edges
/// among them.
pub async fn neighbourhood<C: ConnectionTrait>(
    db: &C,
    start: NodeKey,
    depth: i32,
    first: i32,
) -> AppResult<Subgraph> {
    let depth = check_bound(depth, MAX_DEPTH, "depth")?;
    let first = check_first(first)?;
    let graph = load(db).await?;
    let mut seen: HashMap<NodeKey, u32> = HashMap::from([(start, 0)]);
    let mut order = vec![(start, Some(0))];
    let mut queue = VecDeque::from([start]);
    let mut truncated = false;
    'search: while let Some(node) = queue.pop_front() {
        let distance = seen.get(&node).copied().unwrap_or(0);
        if distance >= depth {
            continue;
        }
        let mut next: Vec<NodeKey> = graph.neighbours(node).map(|(_, n)| n).collect();
        next.sort();
        for neighbour in next {
            if seen.contains_key(&neighbour) {
                continue;
            }
            if order.len() >= first {
                truncated = true;
                break 'search;
            }
            seen.insert(neighbour, distance + 1);
            order.push((neighbour, Some(distance + 1)));
            queue.push_back(neighbour);
        }
    }
    let nodes = views(db, &graph, &order).await?;
    if nodes.first().map(|n| n.key) != Some(start) {
        return Err(AppError::NotFound(start.0.type_name()));
    }
    let kept: HashSet<NodeKey> = nodes.iter().map(|n| n.key).collect();
    let mut edges: Vec<Edge> = graph
        .edges
        .iter()
        .filter(|e| kept.contains(&e.source) && kept.contains(&e.target))
        .cloned()
        .collect();
    edges.sort();
    edges.dedup();
    Ok(Subgraph {
        nodes,
        edges,
        truncated,
    })
}

/// A shortest path from `from` to `to` of at most `max_length` edges, with those edges; `None`
/// when there is none that short.
pub async fn shortest_path<C: ConnectionTrait>(
    db: &C,
    from: NodeKey,
    to: NodeKey,
    max_length: i32,
) -> AppResult<Option<Subgraph>> {
    let max_length = check_bound(max_length, MAX_PATH_LENGTH, "maxLength")?;
    let graph = load(db).await?;
    let endpoints = views(db, &graph, &[(from, None), (to, None)]).await?;
    for end in [from, to] {
        if !endpoints.iter().any(|n| n.key == end) {
            return Err(AppError::NotFound(end.0.type_name()));
        }
    }
    let mut parent: HashMap<NodeKey, (NodeKey, usize, u32)> = HashMap::new();
    let mut queue = VecDeque::from([(from, 0u32)]);
    let mut seen = HashSet::from([from]);
    while let Some((node, distance)) = queue.pop_front() {
        if node == to || distance >= max_length {
            continue;
        }
        let mut next: Vec<(usize, NodeKey)> = graph.neighbours(node).collect();
        next.sort_by_key(|(_, n)| *n);
        for (edge, neighbour) in next {
            if seen.insert(neighbour) {
                parent.insert(neighbour, (node, edge, distance + 1));
                queue.push_back((neighbour, distance + 1));
            }
        }
    }
    if from != to && !parent.contains_key(&to) {
        return Ok(None);
    }
    let mut path = vec![to];
    let mut edges = Vec::new();
    let mut at = to;
    while let Some((previous, edge, _)) = parent.get(&at) {
        if let Some(edge) = graph.edges.get(*edge) {
            edges.push(edge.clone());
        }
        path.push(*previous);
        at = *previous;
        if at == from {
            break;
        }
    }
    path.reverse();
    edges.reverse();
    let with_distance: Vec<(NodeKey, Option<u32>)> = path
        .iter()
        .enumerate()
        .map(|(step, key)| (*key, u32::try_from(step).ok()))
        .collect();
    Ok(Some(Subgraph {
        nodes: views(db, &graph, &with_distance).await?,
        edges,
        truncated: false,
    }))
}

/// Pairs of towns sharing model projects, or of people sharing sessions, most shared first;
/// with `of`, only pairs containing that node.
pub async fn co_participation<C: ConnectionTrait>(
    db: &C,
    which: CoParticipation,
    of: Option<NodeKey>,
    first: i32,
) -> AppResult<Vec<Pair>> {
    let first = check_first(first)?;
    let graph = load(db).await?;
    let (kind, hub, edge_kind) = match which {
        CoParticipation::Towns => (NodeKind::Town, NodeKind::ModelProject, EdgeKind::Membership),
        CoParticipation::People => (NodeKind::Person, NodeKind::Session, EdgeKind::Contribution),
    };
    let mut members: HashMap<NodeKey, HashSet<NodeKey>> = HashMap::new();
    for edge in &graph.edges {
        if edge.kind == edge_kind && edge.source.0 == kind && edge.target.0 == hub {
            members.entry(edge.target).or_default().insert(edge.source);
        }
    }
    let mut shared: HashMap<(NodeKey, NodeKey), usize> = HashMap::new();
    for group in members.values() {
        let mut group: Vec<NodeKey> = group.iter().copied().collect();
        group.sort();
        for (i, a) in group.iter().enumerate() {
            for b in &group[i + 1..] {
                if of.is_none_or(|of| of == *a || of == *b) {
                    *shared.entry((*a, *b)).or_default() += 1;
                }
            }
        }
    }
    let mut ranked: Vec<((NodeKey, NodeKey), usize)> = shared.into_iter().collect();
    ranked.sort_by(|(x, n), (y, m)| m.cmp(n).then(x.cmp(y)));
    ranked.truncate(first);
    let mut nodes: Vec<(NodeKey, Option<u32>)> = Vec::new();
    for ((a, b), _) in &ranked {
        nodes.push((*a, None));
        nodes.push((*b, None));
    }
    let found: HashMap<NodeKey, NodeView> = views(db, &graph, &nodes)
        .await?
        .into_iter()
        .map(|view| (view.key, view))
        .collect();
    Ok(ranked
        .into_iter()
        .filter_map(|((a, b), count)| {
            Some(Pair {
                a: found.get(&a)?.clone(),
                b: found.get(&b)?.clone(),
                shared: count,
            })
        })
        .collect())
}

/// The nodes with the most edges (of the given kinds, all when `None`).
pub async fn top_degrees<C: ConnectionTrait>(
    db: &C,
    kinds: Option<&[NodeKind]>,
    first: i32,
) -> AppResult<Vec<NodeView>> {
    let first = check_first(first)?;
    let graph = load(db).await?;
    let mut ranked: Vec<NodeKey> = graph
        .nodes()
        .filter(|(kind, _)| kinds.is_none_or(|kinds| kinds.contains(kind)))
        .collect();
    ranked.sort_by(|a, b| graph.degree(*b).cmp(&graph.degree(*a)).then(a.cmp(b)));
    ranked.truncate(first);
    let nodes: Vec<(NodeKey, Option<u32>)> = ranked.into_iter().map(|k| (k, None)).collect();
    views(db, &graph, &nodes).await
}
