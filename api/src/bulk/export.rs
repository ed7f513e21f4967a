//! What the bulk exports read: the public network with an attribute table per node, and the
//! public records of each type in chunks by id, so a download of any size is streamed with a
//! bounded number of rows in memory.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::enums::{EventFormat, OrganisationKind, SessionKind};
use entity::{document, event, model_project, organisation, person, session, state, town};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::Serialize;

use crate::error::AppResult;
use crate::load::decode::{self as rows, Decode};
use crate::service::graph::{self, Edge, NodeKey, NodeKind};
use crate::viewer::Viewer;

/// A node of the exported network with its attributes; those a kind does not have are `None`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportNode {
    pub key: NodeKey,
    pub label: String,
    /// Edges at the node.
    pub degree: usize,
    /// Towns: the state's code (`SN`).
    pub state: Option<String>,
    /// Towns: inhabitants.
    pub population: Option<i32>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Events and sessions: when they start.
    pub starts_at: Option<DateTime<Utc>>,
    /// Organisations: their kind; events: their format; sessions: their kind (enum names).
    pub category: Option<String>,
}

/// The public network: every node with at least one edge, by kind and id, and the edges
/// between them.
#[derive(Clone, Debug, Default)]
pub struct Network {
    pub nodes: Vec<ExportNode>,
    pub edges: Vec<Edge>,
}

/// The enum name a value serialises to (`MUNICIPALITY`).
fn enum_name<T: Serialize>(value: &T) -> Option<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => Some(name),
        _ => None,
    }
}

fn node(key: NodeKey, label: String) -> ExportNode {
    ExportNode {
        key,
        label,
        degree: 0,
        state: None,
        population: None,
        latitude: None,
        longitude: None,
        starts_at: None,
        category: None,
    }
}

/// The public nodes of every kind with their attributes: one statement per kind, reading only
/// public columns (never a person's contact data).
async fn public_nodes<C: ConnectionTrait>(db: &C) -> AppResult<HashMap<NodeKey, ExportNode>> {
    let viewer = Viewer::Public;
    let mut nodes = HashMap::new();
    let states: HashMap<i32, String> = state::Entity::find()
        .select_only()
        .columns([state::Column::Id, state::Column::Code])
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    type TownColumns = (
        i32,
        String,
        Option<i32>,
        Option<i32>,
        Option<f64>,
        Option<f64>,
    );
    for (id, name, state_id, population, latitude, longitude) in town::Entity::find()
        .select_only()
        .columns([
            town::Column::Id,
            town::Column::Name,
            town::Column::StateId,
            town::Column::Population,
            town::Column::Latitude,
            town::Column::Longitude,
        ])
        .into_tuple::<TownColumns>()
        .all(db)
        .await?
    {
        let key = (NodeKind::Town, id);
        let mut town = node(key, name);
        town.state = state_id.and_then(|s| states.get(&s).cloned());
        town.population = population;
        town.latitude = latitude;
        town.longitude = longitude;
        nodes.insert(key, town);
    }
    for (id, title) in model_project::Entity::find()
        .select_only()
        .columns([model_project::Column::Id, model_project::Column::Title])
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
    {
        let key = (NodeKind::ModelProject, id);
        nodes.insert(key, node(key, title));
    }
    for (id, name, kind) in organisation::Entity::find()
        .select_only()
        .columns([
            organisation::Column::Id,
            organisation::Column::Name,
            organisation::Column::Kind,
        ])
        .into_tuple::<(i32, String, OrganisationKind)>()
        .all(db)
        .await?
    {
        let key = (NodeKind::Organisation, id);
        let mut organisation = node(key, name);
        organisation.category = enum_name(&kind);
        nodes.insert(key, organisation);
    }
    for (id, name) in person::Entity::find()
        .select_only()
        .columns([person::Column::Id, person::Column::Name])
        .filter(crate::service::person::visible(viewer))
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
    {
        let key = (NodeKind::Person, id);
        nodes.insert(key, node(key, name));
    }
    for (id, title, starts_at, format) in event::Entity::find()
        .select_only()
        .columns([
            event::Column::Id,
            event::Column::Title,
            event::Column::StartsAt,
            event::Column::Format,
        ])
        .filter(crate::service::event::visible(viewer))
        .into_tuple::<(i32, String, DateTime<Utc>, Option<EventFormat>)>()
        .all(db)
        .await?
    {
        let key = (NodeKind::Event, id);
        let mut event = node(key, title);
        event.starts_at = Some(starts_at);
        event.category = format.as_ref().and_then(enum_name);
        nodes.insert(key, event);
    }
    for (id, title, starts_at, kind) in session::Entity::find()
        .select_only()
        .columns([
            session::Column::Id,
            session::Column::Title,
            session::Column::StartsAt,
            session::Column::Kind,
        ])
        .filter(crate::service::session::visible(viewer))
        .into_tuple::<(i32, String, DateTime<Utc>, SessionKind)>()
        .all(db)
        .await?
    {
        let key = (NodeKind::Session, id);
        let mut session = node(key, title);
        session.starts_at = Some(starts_at);
        session.category = enum_name(&kind);
        nodes.insert(key, session);
    }
    Ok(nodes)
}

/// The public network for the graph exports. An edge whose ends are not both public is left
/// out, so every exported edge joins two exported nodes; edges are not merged, so degrees are
/// those of the network queries.
pub async fn network<C: ConnectionTrait>(db: &C) -> AppResult<Network> {
    let graph = graph::load(db).await?;
    let mut public = public_nodes(db).await?;
    let mut edges: Vec<Edge> = graph
        .edges
        .iter()
        .filter(|edge| public.contains_key(&edge.source) && public.contains_key(&edge.target))
        .cloned()
        .collect();
    edges.sort();
    let mut degrees: HashMap<NodeKey, usize> = HashMap::new();
    for edge in &edges {
        *degrees.entry(edge.source).or_default() += 1;
        *degrees.entry(edge.target).or_default() += 1;
    }
    let connected: HashSet<NodeKey> = degrees.keys().copied().collect();
    public.retain(|key, _| connected.contains(key));
    let mut nodes: Vec<ExportNode> = public
        .into_values()
        .map(|mut node| {
            node.degree = degrees.get(&node.key).copied().unwrap_or(0);
            node
        })
        .collect();
    nodes.sort_by_key(|node| node.key);
    Ok(Network { nodes, edges })
}

/// The record types of the NDJSON exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordType {
    Towns,
    ModelProjects,
    Organisations,
    People,
    Events,
    Sessions,
    Documents,
}

impl RecordType {
    /// Every exported record type.
    pub const ALL: [Self; 7] = [
        Self::Towns,
        Self::ModelProjects,
        Self::Organisations,
        Self::People,
        Self::Events,
        Self::Sessions,
        Self::Documents,
    ];

    /// The name in URLs (`model-projects`), as in the REST lists.
    pub fn name(self) -> &'static str {
        match self {
            Self::Towns => "towns",
            Self::ModelProjects => "model-projects",
            Self::Organisations => "organisations",
            Self::People => "people",
            Self::Events => "events",
            Self::Sessions => "sessions",
            Self::Documents => "documents",
        }
    }

    /// The type named `name` in a URL.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// Up to `size` rows of `select` with an id above `after`, by id.
async fn chunk<E, C>(
    db: &C,
    select: Select<E>,
    id: E::Column,
    after: i32,
    size: u64,
) -> AppResult<Vec<E::Model>>
where
    E: EntityTrait,
    E::Model: Send + Sync + Decode,
    C: ConnectionTrait,
{
    Ok(rows::all(select.filter(id.gt(after)).order_by_asc(id).limit(size), db).await?)
}

/// Towns after `after`, by id.
pub async fn towns<C: ConnectionTrait>(
    db: &C,
    after: i32,
    size: u64,
) -> AppResult<Vec<town::Model>> {
    chunk(db, town::Entity::find(), town::Column::Id, after, size).await
}

/// Model projects after `after`, by id.
pub async fn model_projects<C: ConnectionTrait>(
    db: &C,
    after: i32,
    size: u64,
) -> AppResult<Vec<model_project::Model>> {
    chunk(
        db,
        model_project::Entity::find(),
        model_project::Column::Id,
        after,
        size,
    )
    .await
}

/// Organisations after `after`, by id.
pub async fn organisations<C: ConnectionTrait>(
    db: &C,
    after: i32,
    size: u64,
) -> AppResult<Vec<organisation::Model>> {
    chunk(
        db,
        organisation::Entity::find(),
        organisation::Column::Id,
        after,
        size,
    )
    .await
}

/// People an anonymous reader may see, after `after`, by id (still to be reduced to their
/// public profiles).
pub async fn people<C: ConnectionTrait>(
    db: &C,
    after: i32,
    size: u64,
) -> AppResult<Vec<person::Model>> {
    let select = person::Entity::find().filter(crate::service::person::visible(Viewer::Public));
    chunk(db, select, person::Column::Id, after, size).await
}

/// Published events after `after`, by id.
pub async fn events<C: ConnectionTrait>(
    db: &C,
    after: i32,
    size: u64,
) -> AppResult<Vec<event::Model>> {
    let select = event::Entity::find().filter(crate::service::event::visible(Viewer::Public));
    chunk(db, select, event::Column::Id, after, size).await
}

/// Sessions of published events after `after`, by id.
pub async fn sessions<C: ConnectionTrait>(
    db: &C,
    after: i32,
    size: u64,
) -> AppResult<Vec<session::Model>> {
    let select = session::Entity::find().filter(crate::service::session::visible(Viewer::Public));
    chunk(db, select, session::Column::Id, after, size).await
}

/// Public documents after `after`, by id.
pub async fn documents<C: ConnectionTrait>(
    db: &C,
    after: i32,
    size: u64,
) -> AppResult<Vec<document::Model>> {
    let select = document::Entity::find().filter(crate::service::document::visible(Viewer::Public));
    chunk(db, select, document::Column::Id, after, size).await
}
