//! GraphQL types and queries of documents.

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::document;

use super::connection::{args, connection, page_cost};
use super::enums::DocumentKind;
use super::event::Event;
use super::loaders::{
    AuthorsByDocument, DocumentById, EventById, ModelProjectById, OrganisationById, PersonById,
    Row, SessionById,
};
use super::model_project::ModelProject;
use super::organisation::Organisation;
use super::person::{Person, PersonConnection};
use super::session::Session;
use super::{decode_opt, joined, request, wants_total};
use crate::error::GqlResult;
use crate::ids;
use crate::service::document::{self as service, DocumentFilter};
use crate::service::person::profile_for;

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
            .related_one::<OrganisationById>("OrganisationById", |m| m.publisher_id)
            .await
            .gql()?
            .map(Organisation))
    }
    /// The model project the document is about.
    async fn model_project(&self) -> Result<Option<ModelProject>> {
        Ok(self
            .0
            .related_one::<ModelProjectById>("ModelProjectById", |m| m.model_project_id)
            .await
            .gql()?
            .map(ModelProject))
    }
    /// The event it was presented at or is about.
    async fn event(&self) -> Result<Option<Event>> {
        Ok(self
            .0
            .related_one::<EventById>("EventById", |m| m.event_id)
            .await
            .gql()?
            .map(Event))
    }
    /// The session it was presented in.
    async fn session(&self) -> Result<Option<Session>> {
        Ok(self
            .0
            .related_one::<SessionById>("SessionById", |m| m.session_id)
            .await
            .gql()?
            .map(Session))
    }
    /// Authors, in the order of the title page.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn authors(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<PersonConnection> {
        let rows = self
            .0
            .related::<AuthorsByDocument>("AuthorsByDocument", |m| Some(m.id))
            .await
            .gql()?;
        let page = joined::<_, PersonById, _, _, _>(
            &rows,
            &args(first, after, last, before),
            "PersonById",
            |row| Some(row.person_id),
            profile_for(self.0.viewer()),
            |_| (),
            Person,
        )
        .await
        .gql()?;
        Ok(PersonConnection::from_page(page.map(|((), person)| person)))
    }
}

connection!(DocumentConnection, DocumentEdge, Document, "documents");

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
        let rc = request(ctx).gql()?;
        let filter = filter.unwrap_or_default();
        let filter = DocumentFilter {
            kinds: filter.kind.map(|v| v.into_iter().map(Into::into).collect()),
            year: filter.year,
            publisher_id: decode_opt(
                filter.publisher.as_ref(),
                "Organisation",
                "filter.publisher",
            )
            .gql()?,
            model_project_id: decode_opt(
                filter.model_project.as_ref(),
                "ModelProject",
                "filter.modelProject",
            )
            .gql()?,
            event_id: decode_opt(filter.event.as_ref(), "Event", "filter.event").gql()?,
            author_id: decode_opt(filter.author.as_ref(), "Person", "filter.author").gql()?,
            text: filter.text,
        };
        let page = service::list(
            &rc.db,
            rc.viewer,
            &filter,
            &args(first, after, last, before),
            wants_total(ctx),
        )
        .await
        .gql()?;
        Ok(DocumentConnection::from_page(rc.rows(page).map(Document)))
    }

    /// One document by global ID.
    async fn document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the document.")] id: ID,
    ) -> Result<Option<Document>> {
        let rc = request(ctx).gql()?;
        let id = ids::decode_as(&id, "Document", "id").gql()?;
        Ok(rc.fetch_one::<DocumentById>(id).await.gql()?.map(Document))
    }
}
