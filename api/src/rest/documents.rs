//! `/api/v1/documents`: reports, position papers and other publications of the network.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::expand::Expand;
use super::listing::{ListPage, PageQuery};
use super::query::{ApiQuery, list};
use super::views::{DocumentView, document_view};
use super::{VIEWER, one, param_id, path_id, rows};
use crate::error::AppResult;
use crate::service::document::{self as service, DocumentFilter};
use crate::service::relation::DocumentById;
use crate::state::AppState;

const EXPANSIONS: &[&str] = &["authors", "publisher"];

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
