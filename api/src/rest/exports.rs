//! `/api/v1/exports`: bulk downloads for analysts at stable URLs. The public network as GraphML,
//! GEXF and a nodes and an edges CSV; every public record type as newline-delimited JSON,
//! streamed in chunks by id, so memory stays bounded whatever the size of the table.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::expand::Expand;
use super::views::{
    document_view, event_view, model_project_view, organisation_view, person_profile, session_view,
    town_view,
};
use super::{VIEWER, rows};
use crate::bulk::export::{self as service, RecordType};
use crate::error::{AppError, AppResult};
use crate::export;
use crate::load::Level;
use crate::service::person::public_profile;
use crate::state::AppState;

/// Where the licence of every download is published (also sent as `Link: <…>; rel="license"`).
const LICENCE_URL: &str = "https://www.govdata.de/dl-de/by-2-0";

/// A file of the bulk exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub enum ExportFile {
    /// The public network as GraphML.
    #[serde(rename = "network.graphml")]
    Graphml,
    /// The public network as GEXF 1.3.
    #[serde(rename = "network.gexf")]
    Gexf,
    /// The nodes of the public network as CSV.
    #[serde(rename = "nodes.csv")]
    Nodes,
    /// The edges of the public network as CSV.
    #[serde(rename = "edges.csv")]
    Edges,
    /// Towns, one JSON object per line.
    #[serde(rename = "towns.ndjson")]
    Towns,
    /// Model projects with their towns and partners, one per line.
    #[serde(rename = "model-projects.ndjson")]
    ModelProjects,
    /// Organisations, one per line.
    #[serde(rename = "organisations.ndjson")]
    Organisations,
    /// Public profiles of people, one per line.
    #[serde(rename = "people.ndjson")]
    People,
    /// Published events with their organisers, one per line.
    #[serde(rename = "events.ndjson")]
    Events,
    /// Sessions of published events with their contributions, one per line.
    #[serde(rename = "sessions.ndjson")]
    Sessions,
    /// Documents with their authors, one per line.
    #[serde(rename = "documents.ndjson")]
    Documents,
}

impl ExportFile {
    /// Every file, in the order of the index.
    pub const ALL: [Self; 11] = [
        Self::Graphml,
        Self::Gexf,
        Self::Nodes,
        Self::Edges,
        Self::Towns,
        Self::ModelProjects,
        Self::Organisations,
        Self::People,
        Self::Events,
        Self::Sessions,
        Self::Documents,
    ];

    /// The record type of an NDJSON file.
    fn records(self) -> Option<RecordType> {
        match self {
            Self::Graphml | Self::Gexf | Self::Nodes | Self::Edges => None,
            Self::Towns => Some(RecordType::Towns),
            Self::ModelProjects => Some(RecordType::ModelProjects),
            Self::Organisations => Some(RecordType::Organisations),
            Self::People => Some(RecordType::People),
            Self::Events => Some(RecordType::Events),
            Self::Sessions => Some(RecordType::Sessions),
            Self::Documents => Some(RecordType::Documents),
        }
    }

    /// The file name in the URL.
    pub fn name(self) -> String {
        match self {
            Self::Graphml => "network.graphml".to_owned(),
            Self::Gexf => "network.gexf".to_owned(),
            Self::Nodes => "nodes.csv".to_owned(),
            Self::Edges => "edges.csv".to_owned(),
            other => match other.records() {
                Some(kind) => format!("{}.ndjson", kind.name()),
                None => String::new(),
            },
        }
    }

    fn media_type(self) -> &'static str {
        match self {
            Self::Graphml => "application/graphml+xml",
            Self::Gexf => "application/gexf+xml",
            Self::Nodes | Self::Edges => "text/csv; charset=utf-8; header=present",
            _ => "application/x-ndjson",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Self::Graphml => "The public network (nodes with at least one edge) as GraphML",
            Self::Gexf => "The public network as GEXF 1.3, Gephi's own format",
            Self::Nodes => "The nodes of the public network: id, label, type and attributes",
            Self::Edges => "The edges of the public network: source, target, relation, role",
            Self::Towns => "Every town, as in /api/v1/towns",
            Self::ModelProjects => "Every model project with its towns and partners",
            Self::Organisations => "Every organisation",
            Self::People => "Every public profile of a person, as in /api/v1/people",
            Self::Events => "Every published event with its organisers",
            Self::Sessions => "Every session of a published event with its contributions",
            Self::Documents => "Every public document with its authors",
        }
    }
}

/// A downloadable file of the exports.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportEntry {
    /// File name (`network.graphml`).
    pub name: String,
    /// Where to download it.
    pub url: String,
    /// Its media type.
    pub media_type: String,
    /// What it holds.
    pub description: String,
}

/// The bulk exports and their licence.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportIndex {
    /// The licence and attribution of every file.
    pub licence: String,
    /// The files.
    pub files: Vec<ExportEntry>,
}

/// The files of the bulk exports.
#[utoipa::path(
    get,
    path = "/api/v1/exports",
    tag = "exports",
    responses((status = 200, description = "The exported files and their licence", body = ExportIndex))
)]
pub async fn list_exports() -> Json<ExportIndex> {
    Json(ExportIndex {
        licence: export::licence_text(),
        files: ExportFile::ALL
            .into_iter()
            .map(|file| ExportEntry {
                url: format!("/api/v1/exports/{}", file.name()),
                name: file.name(),
                media_type: file.media_type().to_owned(),
                description: file.description().to_owned(),
            })
            .collect(),
    })
}

/// One file of the bulk exports. NDJSON files are streamed: a download that ends without the
/// final chunk of the HTTP body failed and must be repeated.
#[utoipa::path(
    get,
    path = "/api/v1/exports/{file}",
    tag = "exports",
    params(("file" = ExportFile, Path, description = "File name, as listed by /api/v1/exports")),
    responses(
        (status = 200, description = "The file; CSV files start with `#` licence lines",
            content(
                (String = "application/graphml+xml"),
                (String = "application/gexf+xml"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 404, description = "No such file", body = crate::error::ErrorBody),
    )
)]
pub async fn get_export(
    State(state): State<AppState>,
    Path(file): Path<String>,
    request: HeaderMap,
) -> AppResult<Response> {
    let file = ExportFile::ALL
        .into_iter()
        .find(|candidate| candidate.name() == file)
        .ok_or(AppError::NotFound("export"))?;
    // A streamed file cannot be hashed before it is sent: its tag is the change log's head, read
    // before the first record, so an unchanged head means an unchanged file.
    let mut tag = None;
    if file.records().is_some() {
        let head = crate::service::changes::head(&state.db).await?;
        let value = format!("W/\"{head}-{}\"", env!("CARGO_PKG_VERSION"));
        let cache = format!("public, max-age={}", state.config.http_cache_max_age);
        let value = HeaderValue::from_str(&value)
            .map_err(|error| AppError::Internal(format!("bad export tag: {error}")))?;
        let cache = HeaderValue::from_str(&cache)
            .map_err(|error| AppError::Internal(format!("bad cache header: {error}")))?;
        let current = value.to_str().unwrap_or_default().trim_start_matches("W/");
        if request
            .get(header::IF_NONE_MATCH)
            .is_some_and(|seen| super::conditional::matches(seen, current))
        {
            return Ok((
                StatusCode::NOT_MODIFIED,
                [(header::ETAG, value), (header::CACHE_CONTROL, cache)],
            )
                .into_response());
        }
        tag = Some((value, cache));
    }
    let body = match file.records() {
        Some(kind) => records(state, kind).await?,
        None => {
            let network = service::network(&state.db).await?;
            Body::from(match file {
                ExportFile::Graphml => export::graphml::network(&network)?,
                ExportFile::Gexf => export::gexf::network(&network)?,
                ExportFile::Nodes => export::csv::nodes(&network)?.into_bytes(),
                _ => export::csv::edges(&network)?.into_bytes(),
            })
        }
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.media_type()),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"kleinstadt-{}\"",
        file.name()
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("<{LICENCE_URL}>; rel=\"license\"")) {
        headers.insert(header::LINK, value);
    }
    if let Some((tag, cache)) = tag {
        headers.insert(header::ETAG, tag);
        headers.insert(header::CACHE_CONTROL, cache);
    }
    Ok(response)
}

/// One chunk of records as NDJSON lines, and the id to continue after (none after the last).
struct Chunk {
    lines: Vec<u8>,
    next: Option<i32>,
}

impl Chunk {
    fn new(size: usize) -> Self {
        Self {
            lines: Vec::with_capacity(size * 512),
            next: None,
        }
    }

    fn push<T: Serialize>(&mut self, record: &T) -> AppResult<()> {
        serde_json::to_writer(&mut self.lines, record)
            .map_err(|error| AppError::Internal(format!("cannot write a record: {error}")))?;
        self.lines.push(b'\n');
        Ok(())
    }
}

/// The expansions of `offered` (all of them, checked like a client's `expand=`).
fn expanded(offered: &'static [&'static str]) -> AppResult<Expand> {
    Expand::parse(Some(&offered.join(",")), offered)
}

/// Renders a chunk of models of one type through its REST view.
macro_rules! render {
    ($state:expr, $models:expr, $size:expr, $view:ident, $expand:expr) => {{
        let models = $models;
        let expand = $expand;
        let mut chunk = Chunk::new(models.len());
        if models.len() as u64 == $size {
            chunk.next = models.last().map(|model| model.id);
        }
        for row in rows($state, models) {
            chunk.push(&$view(&row, &expand).await?)?;
        }
        chunk
    }};
}

/// The records of `kind` after id `after`, at most `size`.
async fn chunk(state: &AppState, kind: RecordType, after: i32, size: u64) -> AppResult<Chunk> {
    let db = &state.db;
    Ok(match kind {
        RecordType::Towns => render!(
            state,
            service::towns(db, after, size).await?,
            size,
            town_view,
            Expand::default()
        ),
        RecordType::ModelProjects => render!(
            state,
            service::model_projects(db, after, size).await?,
            size,
            model_project_view,
            expanded(&["towns", "partners"])?
        ),
        RecordType::Organisations => render!(
            state,
            service::organisations(db, after, size).await?,
            size,
            organisation_view,
            Expand::default()
        ),
        RecordType::Events => render!(
            state,
            service::events(db, after, size).await?,
            size,
            event_view,
            expanded(&["organisers"])?
        ),
        RecordType::Sessions => render!(
            state,
            service::sessions(db, after, size).await?,
            size,
            session_view,
            expanded(&["contributions"])?
        ),
        RecordType::Documents => render!(
            state,
            service::documents(db, after, size).await?,
            size,
            document_view,
            expanded(&["authors"])?
        ),
        RecordType::People => {
            let people = service::people(db, after, size).await?;
            let mut chunk = Chunk::new(people.len());
            if people.len() as u64 == size {
                chunk.next = people.last().map(|person| person.id);
            }
            let profiles = people.into_iter().map(public_profile).collect();
            for row in Level::rows(profiles, &state.reader, VIEWER) {
                chunk.push(&person_profile(&row, &Expand::default()).await?)?;
            }
            chunk
        }
    })
}

/// The body of an NDJSON export. The first chunk is read before the answer starts, so a failure
/// there is an ordinary error answer; a later failure ends the body early, which the client
/// sees as an incomplete transfer.
async fn records(state: AppState, kind: RecordType) -> AppResult<Body> {
    let size = u64::from(state.config.export_chunk_rows.max(1));
    let first = chunk(&state, kind, 0, size).await?;
    let rest = futures::stream::try_unfold((state, first.next), move |(state, after)| async move {
        let Some(after) = after else {
            return Ok(None);
        };
        match chunk(&state, kind, after, size).await {
            Ok(next) => {
                let continue_after = next.next;
                Ok(Some((Bytes::from(next.lines), (state, continue_after))))
            }
            Err(error) => {
                tracing::warn!(%error, export = kind.name(), "export ended early");
                Err(error)
            }
        }
    });
    let head = futures::stream::once(async move { Ok::<_, AppError>(Bytes::from(first.lines)) });
    Ok(Body::from_stream(futures::StreamExt::chain(head, rest)))
}
