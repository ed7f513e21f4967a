//! `/api/v1/documents`: reports, position papers and other publications of the network.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use entity::document;
use entity::enums::DocumentKind;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::expand::Expand;
use super::listing::{ListPage, PageQuery};
use super::organisations::{OrganisationView, organisation_view};
use super::people::{PersonProfile, person_profile};
use super::query::{ApiQuery, list};
use super::{VIEWER, one, param_id, path_id, rows};
use crate::error::AppResult;
use crate::ids;
use crate::load::Row;
use crate::service::document::{self as service, DocumentFilter};
use crate::service::relation::{AuthorPerson, DocumentAuthors, DocumentById, DocumentPublisher};
use crate::state::AppState;

const EXPANSIONS: &[&str] = &["authors", "publisher"];

/// A publication.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Document)]
pub struct DocumentView {
    /// Global ID (the same as in GraphQL).
    pub id: String,
    /// Version of the record; it grows with every change.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// Title.
    pub title: String,
    /// What the document is.
    pub kind: DocumentKind,
    /// Publication date (ISO 8601, possibly partial).
    pub published_on: Option<String>,
    /// Publication year.
    pub year: Option<i32>,
    /// Where to read it.
    pub url: Option<String>,
    /// ISBN.
    pub isbn: Option<String>,
    /// Language (ISO 639-1).
    pub language: Option<String>,
    /// Summary.
    pub description: Option<String>,
    /// Public sources of this record.
    pub sources: Vec<String>,
    /// Global ID of the publishing organisation.
    pub publisher_id: Option<String>,
    /// Global ID of the model project it is about.
    pub model_project_id: Option<String>,
    /// Global ID of the event it was presented at or is about.
    pub event_id: Option<String>,
    /// Global ID of the session it was presented in.
    pub session_id: Option<String>,
    /// With `expand=publisher`: the publishing organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub publisher: Option<Box<OrganisationView>>,
    /// With `expand=authors`: the authors, in the order of the title page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub authors: Option<Vec<PersonProfile>>,
}

/// The representation of a document row.
pub async fn document_view(row: &Row<document::Model>, expand: &Expand) -> AppResult<DocumentView> {
    let none = Expand::default();
    let publisher = match expand.has("publisher") {
        true => match row.load_one::<DocumentPublisher>().await? {
            Some(organisation) => Some(Box::new(organisation_view(&organisation, &none).await?)),
            None => None,
        },
        false => None,
    };
    let authors = if expand.has("authors") {
        let found = row.load::<DocumentAuthors>().await?;
        let mut views = Vec::with_capacity(found.len());
        for author in &found {
            let person = author.load::<AuthorPerson>().await?;
            if let Some(person) = person.first() {
                views.push(person_profile(person, &none).await?);
            }
        }
        Some(views)
    } else {
        None
    };
    Ok(DocumentView {
        id: ids::encode("Document", row.id),
        version: row.version,
        updated_at: row.updated_at,
        title: row.title.clone(),
        kind: row.kind,
        published_on: row.published_on.clone(),
        year: row.year,
        url: row.url.clone(),
        isbn: row.isbn.clone(),
        language: row.language.clone(),
        description: row.description.clone(),
        sources: row.sources.0.clone(),
        publisher_id: row.publisher_id.map(|id| ids::encode("Organisation", id)),
        model_project_id: row
            .model_project_id
            .map(|id| ids::encode("ModelProject", id)),
        event_id: row.event_id.map(|id| ids::encode("Event", id)),
        session_id: row.session_id.map(|id| ids::encode("Session", id)),
        publisher,
        authors,
    })
}

/// Filters and expansions of the document list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// Kinds, comma-separated (`REPORT,POSITION_PAPER`).
    kind: Option<String>,
    /// Published in this year.
    year: Option<i32>,
    /// Published by this organisation (global ID).
    publisher: Option<String>,
    /// About this model project (global ID).
    model_project: Option<String>,
    /// Presented at or about this event (global ID).
    event: Option<String>,
    /// Written by this person (global ID).
    author: Option<String>,
    /// Text in the title or description.
    q: Option<String>,
    /// Related records to embed, comma-separated: `authors`, `publisher`.
    expand: Option<String>,
}

/// Documents, by title.
#[utoipa::path(
    get,
    path = "/api/v1/documents",
    tag = "documents",
    params(PageQuery, DocumentQuery),
    responses(
        (status = 200, description = "One page of documents", body = ListPage<DocumentView>),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
    )
)]
pub async fn list_documents(
    State(state): State<AppState>,
    uri: Uri,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(query): ApiQuery<DocumentQuery>,
) -> AppResult<Response> {
    let window = page.window()?;
    let expand = Expand::parse(query.expand.as_deref(), EXPANSIONS)?;
    let filter = DocumentFilter {
        kinds: list(query.kind.as_deref(), "kind")?,
        year: query.year,
        publisher_id: param_id(query.publisher.as_deref(), "Organisation", "publisher")?,
        model_project_id: param_id(
            query.model_project.as_deref(),
            "ModelProject",
            "modelProject",
        )?,
        event_id: param_id(query.event.as_deref(), "Event", "event")?,
        author_id: param_id(query.author.as_deref(), "Person", "author")?,
        text: query.q.clone(),
    };
    let found = service::list(&state.db, VIEWER, &filter, &window.args, true).await?;
    let models = found.items.iter().map(|(_, m)| m.clone()).collect();
    let mut items = Vec::new();
    for row in rows(&state, models) {
        items.push(document_view(&row, &expand).await?);
    }
    Ok(ListPage::new(&found, &window, items).respond(&uri))
}

/// Expansions of a single document.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentExpand {
    /// Related records to embed, comma-separated: `authors`, `publisher`.
    expand: Option<String>,
}

/// One document.
#[utoipa::path(
    get,
    path = "/api/v1/documents/{id}",
    tag = "documents",
    params(("id" = String, Path, description = "Global ID of the document"), DocumentExpand),
    responses(
        (status = 200, description = "The document", body = DocumentView),
        (status = 400, description = "Invalid parameter", body = crate::error::ErrorBody),
        (status = 404, description = "No such document", body = crate::error::ErrorBody),
    )
)]
pub async fn get_document(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<DocumentExpand>,
) -> AppResult<Response> {
    let expand = Expand::parse(query.expand.as_deref(), EXPANSIONS)?;
    let row = one::<DocumentById>(&state, path_id(&id, "Document")?, "Document").await?;
    Ok(Json(document_view(&row, &expand).await?).into_response())
}
