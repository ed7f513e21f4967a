//! Persisted documents (administrators only): the GraphQL documents partner sites run by id.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::persisted_document;

use super::connection::{args, connection, page_cost};
use super::{DeletePayload, request, wants_total};
use crate::ids;
use crate::service::persisted::{self as service, TYPE};

/// A registered GraphQL document.
#[derive(Clone)]
pub struct PersistedDocument(pub persisted_document::Model);

/// A registered GraphQL document.
#[Object]
impl PersistedDocument {
    /// Global ID of the registration (for deleting it).
    async fn id(&self) -> ID {
        ID(ids::encode(TYPE, self.0.id))
    }
    /// What clients send as `documentId`: `sha256:` and the hex SHA-256 of the text. Apollo
    /// clients send the hex part as `extensions.persistedQuery.sha256Hash`.
    async fn document_id(&self) -> &str {
        &self.0.document_id
    }
    /// The exact text registered.
    async fn document(&self) -> &str {
        &self.0.document
    }
    /// What the operator called it.
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// Optimistic-locking version.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When it was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

connection!(
    PersistedDocumentConnection,
    PersistedDocumentEdge,
    PersistedDocument,
    "persisted documents"
);

/// Reading persisted documents.
#[derive(Default)]
pub struct PersistedDocumentQuery;

#[Object]
impl PersistedDocumentQuery {
    /// Every registered document, oldest first (administrators only).
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn persisted_documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<PersistedDocumentConnection> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let page = service::list(
            &rc.db,
            actor,
            &args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(PersistedDocumentConnection::from_page(
            page.map(PersistedDocument),
        ))
    }
}

/// Registering and removing persisted documents.
#[derive(Default)]
pub struct PersistedDocumentMutation;

#[Object]
impl PersistedDocumentMutation {
    /// Registers a GraphQL document under its SHA-256, so that clients can run it by
    /// `documentId` (and cache its answers over GET). The same text again returns the first
    /// registration.
    async fn register_persisted_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document's exact text; its id is the hash of these bytes.")]
        document: String,
        #[graphql(desc = "What to call it (a partner page, a file name).")] name: Option<String>,
    ) -> Result<PersistedDocument> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let registered = service::register(&rc.db, actor, &document, name.as_deref()).await?;
        Ok(PersistedDocument(registered))
    }

    /// Removes a registration: clients sending its id get "not found" (every instance within a
    /// minute).
    async fn delete_persisted_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the registration.")] id: ID,
        #[graphql(desc = "The version the deletion is based on.")] expected_version: i32,
    ) -> Result<DeletePayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, TYPE, "id")?;
        let deleted = service::delete(&rc.db, actor, id, expected_version).await?;
        Ok(DeletePayload {
            id: ID(ids::encode(TYPE, deleted.id)),
        })
    }
}
