//! GraphQL types, queries and mutations of documents and their authors.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use entity::{document, document_author};

use super::audit::AuditEntryConnection;
use super::connection::{args, connection, page_cost};
use super::enums::DocumentKind;
use super::event::Event;
use super::model_project::ModelProject;
use super::organisation::Organisation;
use super::person::Person;
use super::session::Session;
use super::{DeletePayload, decode_opt, joined, maybe, maybe_id, request, wants_total};
use crate::ids;
use crate::load::Row;
use crate::service::document::{self as service, DocumentChanges, DocumentFilter};
use crate::service::relation::{
    AuthorDocument, AuthorPerson, DocumentAuthors, DocumentById, DocumentEvent,
    DocumentModelProject, DocumentPublisher, DocumentSession,
};

/// A publication: report, position paper, final report, talk, film, …
#[derive(Clone)]
pub struct Document(pub Row<document::Model>);

/// A publication: report, position paper, final report, talk, film, …
#[Object]
impl Document {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode("Document", self.0.id))
    }
    /// Version of the record: pass it as `expectedVersion` when changing it.
    pub async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record last changed.
    pub async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What the document is.
    async fn kind(&self) -> DocumentKind {
        self.0.kind.into()
    }
    /// Publication date (ISO 8601, possibly partial).
    async fn published_on(&self) -> Option<&str> {
        self.0.published_on.as_deref()
    }
    /// Publication year.
    async fn year(&self) -> Option<i32> {
        self.0.year
    }
    /// Where to read it.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// ISBN.
    async fn isbn(&self) -> Option<&str> {
        self.0.isbn.as_deref()
    }
    /// Language (ISO 639-1).
    async fn language(&self) -> Option<&str> {
        self.0.language.as_deref()
    }
    /// Summary.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Public sources of this record.
    async fn sources(&self) -> &[String] {
        &self.0.sources.0
    }
    /// The publishing organisation.
    async fn publisher(&self) -> Result<Option<Organisation>> {
        Ok(self
            .0
            .load_one::<DocumentPublisher>()
            .await?
            .map(Organisation))
    }
    /// The model project the document is about.
    async fn model_project(&self) -> Result<Option<ModelProject>> {
        Ok(self
            .0
            .load_one::<DocumentModelProject>()
            .await?
            .map(ModelProject))
    }
    /// The event it was presented at or is about.
    async fn event(&self) -> Result<Option<Event>> {
        Ok(self.0.load_one::<DocumentEvent>().await?.map(Event))
    }
    /// The session it was presented in.
    async fn session(&self) -> Result<Option<Session>> {
        Ok(self.0.load_one::<DocumentSession>().await?.map(Session))
    }
    /// Authors, in the order of the title page.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn authors(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<DocumentAuthorConnection> {
        let rows = self
            .0
            .page_with::<DocumentAuthors, (AuthorPerson,)>(&args(first, after, last, before))
            .await?;
        let page = joined::<AuthorPerson, _, _>(
            rows,
            |row| {
                (
                    ID(ids::encode("DocumentAuthor", row.id)),
                    row.version,
                    row.position,
                )
            },
            Person,
        )
        .await?;
        Ok(DocumentAuthorConnection::from_page(page))
    }
    /// Changes to this record, newest first (staff only; null for anonymous callers).
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<Option<AuditEntryConnection>> {
        super::audit::history::<document::Entity>(ctx, &self.0, args(first, after, last, before))
            .await
    }
}

connection!(DocumentConnection, DocumentEdge, Document, "documents");
connection!(
    DocumentAuthorConnection,
    DocumentAuthorEdge,
    Person,
    "a document's authors",
    edge: {
        id: ID => "Global ID of this author entry (a DocumentAuthor): pass it to `removeDocumentAuthor`.",
        version: i32 => "Version of this author entry: pass it as `expectedVersion`.",
        position: i32 => "Place in the list of authors (1, 2, …).",
    }
);

/// Which documents to list; all given conditions must hold.
#[derive(Default, InputObject)]
pub struct DocumentFilterInput {
    /// Documents of one of these kinds.
    pub kind: Option<Vec<DocumentKind>>,
    /// Documents published in this year.
    pub year: Option<i32>,
    /// Documents this organisation published.
    pub publisher: Option<ID>,
    /// Documents about this model project.
    pub model_project: Option<ID>,
    /// Documents of this event.
    pub event: Option<ID>,
    /// Documents this person (co-)authored.
    pub author: Option<ID>,
    /// Documents whose title or description contains this text (case-insensitive).
    pub text: Option<String>,
}

/// Queries of documents.
#[derive(Default)]
pub struct DocumentQuery;

#[Object]
impl DocumentQuery {
    /// Documents, filtered, by title.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which documents to list.")] filter: Option<DocumentFilterInput>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<DocumentConnection> {
        let rc = request(ctx)?;
        let filter = filter.unwrap_or_default();
        let filter = DocumentFilter {
            kinds: filter.kind.map(|v| v.into_iter().map(Into::into).collect()),
            year: filter.year,
            publisher_id: decode_opt(
                filter.publisher.as_ref(),
                "Organisation",
                "filter.publisher",
            )?,
            model_project_id: decode_opt(
                filter.model_project.as_ref(),
                "ModelProject",
                "filter.modelProject",
            )?,
            event_id: decode_opt(filter.event.as_ref(), "Event", "filter.event")?,
            author_id: decode_opt(filter.author.as_ref(), "Person", "filter.author")?,
            text: filter.text,
        };
        let page = service::list(
            &rc.db,
            rc.viewer,
            &filter,
            &args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(DocumentConnection::from_page(rc.rows(page).map(Document)))
    }

    /// One document by global ID.
    async fn document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the document.")] id: ID,
    ) -> Result<Option<Document>> {
        let rc = request(ctx)?;
        let id = ids::decode_as(&id, "Document", "id")?;
        Ok(rc.fetch_one::<DocumentById>(id).await?.map(Document))
    }
}

/// One entry of a document's author list.
#[derive(Clone)]
pub struct DocumentAuthor(pub Row<document_author::Model>);

/// One entry of a document's author list.
#[Object]
impl DocumentAuthor {
    /// Global ID: pass it to `removeDocumentAuthor`.
    pub async fn id(&self) -> ID {
        ID(ids::encode("DocumentAuthor", self.0.id))
    }
    /// Version of the record: pass it as `expectedVersion` when removing it.
    pub async fn version(&self) -> i32 {
        self.0.version
    }
    /// Place in the list of authors (1, 2, …).
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// The document.
    async fn document(&self) -> Result<Option<Document>> {
        Ok(self.0.load_one::<AuthorDocument>().await?.map(Document))
    }
    /// The author.
    async fn person(&self) -> Result<Option<Person>> {
        Ok(self
            .0
            .load::<AuthorPerson>()
            .await?
            .into_iter()
            .next()
            .map(Person))
    }
}

/// A new document.
#[derive(InputObject)]
pub struct CreateDocumentInput {
    /// What the document is.
    pub kind: DocumentKind,
    /// Title.
    pub title: String,
    /// Publication year (taken from `publishedOn` when left out).
    pub year: Option<i32>,
    /// Publication date: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub published_on: Option<String>,
    /// The publishing organisation.
    pub publisher: Option<ID>,
    /// Where to read it (http or https URL).
    pub url: Option<String>,
    /// ISBN-10 or ISBN-13.
    pub isbn: Option<String>,
    /// Language (ISO 639-1, e.g. `de`).
    pub language: Option<String>,
    /// The model project the document is about.
    pub model_project: Option<ID>,
    /// The event it was presented at or is about (taken from `session` when one is given).
    pub event: Option<ID>,
    /// The session it was presented in.
    pub session: Option<ID>,
    /// Summary.
    pub description: Option<String>,
    /// Public sources (URLs).
    pub sources: Option<Vec<String>>,
}

/// Changes to a document; fields left out stay as they are, `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateDocumentInput {
    /// What the document is.
    pub kind: Option<DocumentKind>,
    /// Title.
    pub title: Option<String>,
    /// Publication year.
    pub year: MaybeUndefined<i32>,
    /// Publication date: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub published_on: MaybeUndefined<String>,
    /// The publishing organisation.
    pub publisher: MaybeUndefined<ID>,
    /// Where to read it (http or https URL).
    pub url: MaybeUndefined<String>,
    /// ISBN-10 or ISBN-13.
    pub isbn: MaybeUndefined<String>,
    /// Language (ISO 639-1, e.g. `de`).
    pub language: MaybeUndefined<String>,
    /// The model project the document is about.
    pub model_project: MaybeUndefined<ID>,
    /// The event it was presented at or is about.
    pub event: MaybeUndefined<ID>,
    /// The session it was presented in.
    pub session: MaybeUndefined<ID>,
    /// Summary.
    pub description: MaybeUndefined<String>,
    /// Public sources (URLs); replaces the list.
    pub sources: Option<Vec<String>>,
}

impl CreateDocumentInput {
    fn into_changes(self) -> crate::AppResult<DocumentChanges> {
        Ok(DocumentChanges {
            title: Some(self.title),
            kind: Some(self.kind.into()),
            // Left out, the year follows `publishedOn`.
            year: self.year.map(Some),
            published_on: Some(self.published_on),
            publisher_id: Some(decode_opt(
                self.publisher.as_ref(),
                "Organisation",
                "publisher",
            )?),
            url: Some(self.url),
            isbn: Some(self.isbn),
            language: Some(self.language),
            model_project_id: Some(decode_opt(
                self.model_project.as_ref(),
                "ModelProject",
                "modelProject",
            )?),
            // Left out, the event follows the session.
            event_id: decode_opt(self.event.as_ref(), "Event", "event")?.map(Some),
            session_id: Some(decode_opt(self.session.as_ref(), "Session", "session")?),
            description: Some(self.description),
            sources: self.sources,
        })
    }
}

impl UpdateDocumentInput {
    fn into_changes(self) -> crate::AppResult<DocumentChanges> {
        Ok(DocumentChanges {
            title: self.title,
            kind: self.kind.map(Into::into),
            year: maybe(self.year),
            published_on: maybe(self.published_on),
            publisher_id: maybe_id(self.publisher, "Organisation", "publisher")?,
            url: maybe(self.url),
            isbn: maybe(self.isbn),
            language: maybe(self.language),
            model_project_id: maybe_id(self.model_project, "ModelProject", "modelProject")?,
            event_id: maybe_id(self.event, "Event", "event")?,
            session_id: maybe_id(self.session, "Session", "session")?,
            description: maybe(self.description),
            sources: self.sources,
        })
    }
}

/// Changes to documents and their authors (staff only).
#[derive(Default)]
pub struct DocumentMutation;

#[Object]
impl DocumentMutation {
    /// Creates a document.
    async fn create_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new document.")] input: CreateDocumentInput,
    ) -> Result<Document> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let changes = input.into_changes()?;
        let created = service::create(&rc.db, actor, changes).await?;
        Ok(Document(rc.row(created)))
    }

    /// Changes a document; fails with CONFLICT when someone else changed it since `expectedVersion`.
    async fn update_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the document.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The changes.")] input: UpdateDocumentInput,
    ) -> Result<Document> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Document", "id")?;
        let changes = input.into_changes()?;
        let updated = service::update(&rc.db, actor, id, expected_version, changes).await?;
        Ok(Document(rc.row(updated)))
    }

    /// Deletes a document with its author list.
    async fn delete_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the document.")] id: ID,
        #[graphql(desc = "The version the deletion is based on.")] expected_version: i32,
    ) -> Result<DeletePayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Document", "id")?;
        service::delete(&rc.db, actor, id, expected_version).await?;
        Ok(DeletePayload {
            id: ID(ids::encode("Document", id)),
        })
    }

    /// Adds a person to a document's authors; CONFLICT when they are an author already.
    async fn add_document_author(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the document.")] document: ID,
        #[graphql(desc = "Global ID of the person.")] person: ID,
        #[graphql(desc = "Place in the list of authors (default: last).")] position: Option<i32>,
    ) -> Result<DocumentAuthor> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let document = ids::decode_as(&document, "Document", "document")?;
        let person = ids::decode_as(&person, "Person", "person")?;
        let created = service::add_author(&rc.db, actor, document, person, position).await?;
        Ok(DocumentAuthor(rc.row(created)))
    }

    /// Removes an author from a document.
    async fn remove_document_author(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the author entry (from `Document.authors` edges).")] id: ID,
        #[graphql(desc = "The version the removal is based on.")] expected_version: i32,
    ) -> Result<DeletePayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "DocumentAuthor", "id")?;
        service::remove_author(&rc.db, actor, id, expected_version).await?;
        Ok(DeletePayload {
            id: ID(ids::encode("DocumentAuthor", id)),
        })
    }
}
