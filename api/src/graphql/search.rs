//! GraphQL `search(query:, types:, first:)`: ranked full-text hits across the knowledge base.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};

use super::request;
use crate::ids;
use crate::service::search::{self as service, Hit};
use crate::store::search_index::SearchKind;

/// What a search hit is.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchType {
    /// A town.
    Town,
    /// A model project.
    ModelProject,
    /// An event.
    Event,
    /// A session (programme item).
    Session,
    /// A person (public profile).
    Person,
    /// An organisation.
    Organisation,
    /// A document.
    Document,
}

impl From<SearchType> for SearchKind {
    fn from(value: SearchType) -> Self {
        match value {
            SearchType::Town => Self::Town,
            SearchType::ModelProject => Self::ModelProject,
            SearchType::Event => Self::Event,
            SearchType::Session => Self::Session,
            SearchType::Person => Self::Person,
            SearchType::Organisation => Self::Organisation,
            SearchType::Document => Self::Document,
        }
    }
}

impl From<SearchKind> for SearchType {
    fn from(value: SearchKind) -> Self {
        match value {
            SearchKind::Town => Self::Town,
            SearchKind::ModelProject => Self::ModelProject,
            SearchKind::Event => Self::Event,
            SearchKind::Session => Self::Session,
            SearchKind::Person => Self::Person,
            SearchKind::Organisation => Self::Organisation,
            SearchKind::Document => Self::Document,
        }
    }
}

/// One ranked search hit.
#[derive(SimpleObject)]
pub struct SearchHit {
    /// What the hit is.
    #[graphql(name = "type")]
    pub kind: SearchType,
    /// Global ID of the record (load it with `node(id:)` or `nodes(ids:)`).
    pub id: ID,
    /// Its name or title.
    pub title: String,
    /// The text around the first match (plain text, `…` where cut).
    pub snippet: String,
    /// Relevance, higher is better; comparable within one answer only (the backends rank
    /// differently).
    pub score: f64,
}

impl From<Hit> for SearchHit {
    fn from(hit: Hit) -> Self {
        Self {
            id: ID(ids::encode(hit.kind.type_name(), hit.id)),
            kind: hit.kind.into(),
            title: hit.title,
            snippet: hit.snippet,
            score: hit.score,
        }
    }
}

/// The `search` root field.
#[derive(Default)]
pub struct SearchQuery;

/// The `search` root field.
#[Object]
impl SearchQuery {
    /// Full-text search across towns, model projects, events, sessions, people (public fields),
    /// organisations and documents, best hits first. German-aware: inflected forms find each other
    /// (`Innenstädte` finds `Innenstadt`), umlauts and ß may be written out or left plain
    /// (`Muennerstadt`, `Munnerstadt`), and the last word matches as a prefix (type-ahead). Every
    /// word must match. Only what the caller may see is found.
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The words to find (at most 8 words, 200 characters).")] query: String,
        #[graphql(desc = "Only hits of these types; all types when left out.")] types: Option<
            Vec<SearchType>,
        >,
        #[graphql(desc = "Number of hits, 1 to 100 (default 20).")] first: Option<i32>,
    ) -> Result<Vec<SearchHit>> {
        let rc = request(ctx)?;
        let kinds: Option<Vec<SearchKind>> =
            types.map(|types| types.into_iter().map(Into::into).collect());
        let hits = service::search(
            &rc.db,
            rc.viewer,
            &query,
            kinds.as_deref(),
            first.unwrap_or(20),
        )
        .await?;
        Ok(hits.into_iter().map(Into::into).collect())
    }
}
