//! Full-text search over towns, model projects, events, sessions, people (public fields only),
//! organisations and documents, German-aware on both backends.
//!
//! Text is cut into words; each word is indexed twice: folded (lower case, umlauts and ß as plain
//! letters, `ae`/`oe`/`ue` read as `a`/`o`/`u`, so `Münnerstadt`, `Muennerstadt` and `Munnerstadt`
//! are one word) and as its Snowball German stem, folded (`Innenstädte` → `innenstadt`). Queries go
//! through the same steps, and their last word also matches as a prefix (type-ahead). Because
//! folding and stemming happen here, SQLite (FTS5) and PostgreSQL (`tsvector`, GIN) match the
//! same records; only the ranking functions differ (bm25 and `ts_rank`, titles weighted above
//! other text).
//!
//! The index holds every record; who may see what is decided at query time with the same rules as
//! everywhere else, so publishing or unpublishing needs no re-indexing and drafts and private
//! people never appear. Every write through [`super::write`], every import and the seed update the
//! index in their own transaction.

use std::sync::LazyLock;

use entity::{document, event, model_project, organisation, person, session, town};
use rust_stemmers::{Algorithm, Stemmer};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::viewer::Viewer;
use crate::error::{AppError, AppResult};

/// Most hits one search returns.
pub const MAX_HITS: i32 = 100;

/// Most words a query may have.
pub const MAX_QUERY_WORDS: usize = 8;

/// Rows written per INSERT when the index is rebuilt.
const INSERT_CHUNK: usize = 200;

/// Records read per statement when the index is rebuilt.
const READ_CHUNK: u64 = 1_000;

/// Characters of context on each side of the first match in a snippet.
const SNIPPET_CONTEXT: usize = 70;

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::German));

/// What a search hit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SearchKind {
    Town,
    ModelProject,
    Event,
    Session,
    Person,
    Organisation,
    Document,
}

impl SearchKind {
    /// Every searchable kind.
    pub const ALL: [Self; 7] = [
        Self::Town,
        Self::ModelProject,
        Self::Event,
        Self::Session,
        Self::Person,
        Self::Organisation,
        Self::Document,
    ];

    /// The public type name (as in global IDs and the audit log).
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Town => "Town",
            Self::ModelProject => "ModelProject",
            Self::Event => "Event",
            Self::Session => "Session",
            Self::Person => "Person",
            Self::Organisation => "Organisation",
            Self::Document => "Document",
        }
    }

    fn from_type_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.type_name() == name)
    }
}

/// One ranked hit.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub kind: SearchKind,
    pub id: i32,
    pub title: String,
    /// The text around the first match (of the body, else the title).
    pub snippet: String,
    /// Relevance; higher is better. Comparable within one answer only.
    pub score: f64,
}

/// A word folded: lower case, ASCII letters and digits only, umlauts and ß spelt out and
/// `ae`/`oe`/`ue` read as `a`/`o`/`u`.
pub fn fold(word: &str) -> String {
    let mut plain = String::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' | 'á' | 'à' | 'â' | 'å' => plain.push('a'),
            'ö' | 'ó' | 'ò' | 'ô' | 'ø' => plain.push('o'),
            'ü' | 'ú' | 'ù' | 'û' => plain.push('u'),
            'é' | 'è' | 'ê' | 'ë' => plain.push('e'),
            'í' | 'ì' | 'î' | 'ï' => plain.push('i'),
            'ç' => plain.push('c'),
            'ñ' => plain.push('n'),
            'ß' => plain.push_str("ss"),
            c if c.is_ascii_alphanumeric() => plain.push(c),
            _ => {}
        }
    }
    plain
        .replace("ae", "a")
        .replace("oe", "o")
        .replace("ue", "u")
}

/// The words of a text, as written.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
}

/// The folded Snowball German stem of a word.
fn stem(word: &str) -> String {
    fold(&STEMMER.stem(&word.to_lowercase()))
}

/// The index terms of a text: each word folded and stemmed, space-separated.
pub fn terms(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for word in words(text) {
        let folded = fold(word);
        if folded.is_empty() {
            continue;
        }
        let stemmed = stem(word);
        if !stemmed.is_empty() && stemmed != folded {
            out.push(stemmed);
        }
        out.push(folded);
    }
    out.join(" ")
}

/// One word of a query: it matches when any alternative does; `prefix` when the word may be
/// incomplete.
#[derive(Clone, Debug, PartialEq)]
struct QueryWord {
    folded: String,
    stemmed: String,
    prefix: bool,
}

impl QueryWord {
    fn matches(&self, word: &str) -> bool {
        let folded = fold(word);
        folded == self.folded
            || stem(word) == self.stemmed
            || (self.prefix && folded.starts_with(&self.folded))
    }
}

fn parse_query(query: &str) -> AppResult<Vec<QueryWord>> {
    let query = super::text::search_text(query, "query")?;
    let mut parsed: Vec<QueryWord> = words(&query)
        .map(|word| QueryWord {
            folded: fold(word),
            stemmed: stem(word),
            prefix: false,
        })
        .filter(|word| !word.folded.is_empty())
        .collect();
    if parsed.is_empty() {
        return Err(AppError::bad_field(
            "query",
            "`query` must contain at least one letter or digit",
        ));
    }
    if parsed.len() > MAX_QUERY_WORDS {
        return Err(AppError::bad_field(
            "query",
            format!("`query` may have at most {MAX_QUERY_WORDS} words"),
        ));
    }
    if let Some(last) = parsed.last_mut() {
        last.prefix = last.folded.len() >= 2;
    }
    Ok(parsed)
}

/// The query for FTS5: every word must match, each by its folded form, its stem or (the last) as
/// a prefix. Terms are ASCII letters and digits only, so quoting them is safe.
fn fts5_query(words: &[QueryWord]) -> String {
    words
        .iter()
        .map(|word| {
            let folded = if word.prefix {
                format!("\"{}\"*", word.folded)
            } else {
                format!("\"{}\"", word.folded)
            };
            format!("({folded} OR \"{}\")", word.stemmed)
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The same query for PostgreSQL's `to_tsquery('simple', …)`.
fn tsquery(words: &[QueryWord]) -> String {
    words
        .iter()
        .map(|word| {
            let folded = if word.prefix {
                format!("{}:*", word.folded)
            } else {
                word.folded.clone()
            };
            format!("({folded} | {})", word.stemmed)
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

fn table() -> Alias {
    Alias::new("search_entry")
}

fn col(name: &'static str) -> SimpleExpr {
    Expr::col((table(), Alias::new(name)))
}

/// The records of `kind` the viewer may see, as a condition on index rows.
fn visible(kind: SearchKind, viewer: Viewer) -> Condition {
    let ids = match kind {
        SearchKind::Town => Query::select()
            .column(town::Column::Id)
            .from(town::Entity)
            .to_owned(),
        SearchKind::ModelProject => Query::select()
            .column(model_project::Column::Id)
            .from(model_project::Entity)
            .to_owned(),
        SearchKind::Organisation => Query::select()
            .column(organisation::Column::Id)
            .from(organisation::Entity)
            .to_owned(),
        SearchKind::Event => super::event::visible_ids(viewer),
        SearchKind::Session => Query::select()
            .column(session::Column::Id)
            .from(session::Entity)
            .cond_where(super::session::visible(viewer))
            .to_owned(),
        SearchKind::Person => Query::select()
            .column(person::Column::Id)
            .from(person::Entity)
            .cond_where(super::person::visible(viewer))
            .to_owned(),
        SearchKind::Document => Query::select()
            .column(document::Column::Id)
            .from(document::Entity)
            .cond_where(super::document::visible(viewer))
            .to_owned(),
    };
    Condition::all()
        .add(col("kind").eq(kind.type_name()))
        .add(col("record_id").in_subquery(ids))
}

/// The best `first` hits for `query` among `kinds` (all when `None`) that the viewer may see.
pub async fn search<C: ConnectionTrait>(
    db: &C,
    viewer: Viewer,
    query: &str,
    kinds: Option<&[SearchKind]>,
    first: i32,
) -> AppResult<Vec<Hit>> {
    if !(1..=MAX_HITS).contains(&first) {
        return Err(AppError::bad_field(
            "first",
            format!("`first` must be between 1 and {MAX_HITS}, got {first}"),
        ));
    }
    let words = parse_query(query)?;
    let kinds = kinds.unwrap_or(&SearchKind::ALL);
    let mut allowed = Condition::any();
    for kind in SearchKind::ALL {
        if kinds.contains(&kind) {
            allowed = allowed.add(visible(kind, viewer));
        }
    }
    let mut select = Query::select();
    select
        .from(table())
        .expr(col("kind"))
        .expr(col("record_id"))
        .expr(col("title"))
        .expr(col("body"))
        .cond_where(allowed)
        .limit(first as u64);
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let tsquery = tsquery(&words);
            select
                .expr_as(
                    Expr::cust_with_values(
                        "CAST(ts_rank(\"search_entry\".\"document\", to_tsquery('simple', $1)) AS DOUBLE PRECISION)",
                        [tsquery.clone()],
                    ),
                    Alias::new("score"),
                )
                .and_where(Expr::cust_with_values(
                    "\"search_entry\".\"document\" @@ to_tsquery('simple', $1)",
                    [tsquery],
                ))
                .order_by(Alias::new("score"), Order::Desc);
        }
        _ => {
            select
                .expr_as(
                    Expr::cust("-bm25(\"search_fts\", 10.0, 1.0)"),
                    Alias::new("score"),
                )
                .join(
                    sea_orm::sea_query::JoinType::InnerJoin,
                    Alias::new("search_fts"),
                    Expr::col((Alias::new("search_fts"), Alias::new("rowid")))
                        .equals((table(), Alias::new("id"))),
                )
                .and_where(Expr::cust_with_values(
                    "\"search_fts\" MATCH ?",
                    [fts5_query(&words)],
                ))
                .order_by(Alias::new("score"), Order::Desc);
        }
    }
    select.order_by((table(), Alias::new("id")), Order::Asc);
    let mut hits = Vec::new();
    for row in db.query_all(&select).await? {
        let kind: String = row.try_get_by_index(0)?;
        let Some(kind) = SearchKind::from_type_name(&kind) else {
            continue;
        };
        let title: String = row.try_get_by_index(2)?;
        let body: String = row.try_get_by_index(3)?;
        hits.push(Hit {
            kind,
            id: row.try_get_by_index(1)?,
            snippet: snippet(&body, &words).unwrap_or_else(|| {
                snippet(&title, &words).unwrap_or_else(|| shorten(&body, 2 * SNIPPET_CONTEXT))
            }),
            title,
            score: row.try_get_by_index(4)?,
        });
    }
    Ok(hits)
}

/// The text cut to about `limit` characters at a word boundary.
fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let cut: String = text.chars().take(limit).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut} …")
}

/// The text around the first word that matches the query, if one does.
fn snippet(text: &str, words: &[QueryWord]) -> Option<String> {
    let found = text
        .split(|c: char| !c.is_alphanumeric())
        .find(|word| !word.is_empty() && words.iter().any(|q| q.matches(word)))
        .map(|word| word.as_ptr() as usize - text.as_ptr() as usize)?;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let position = chars.iter().position(|(at, _)| *at >= found).unwrap_or(0);
    let start = position.saturating_sub(SNIPPET_CONTEXT);
    let end = (position + SNIPPET_CONTEXT).min(chars.len());
    let piece: String = chars[start..end].iter().map(|(_, c)| c).collect();
    let mut piece = piece.trim().to_owned();
    if start > 0 {
        piece = format!(
            "… {}",
            piece.split_once(' ').map_or(piece.as_str(), |(_, t)| t)
        );
    }
    if end < chars.len() {
        piece = format!(
            "{} …",
            piece.rsplit_once(' ').map_or(piece.as_str(), |(h, _)| h)
        );
    }
    Some(piece)
}

/// An index row: the record, the shown title and text, and their terms.
struct Entry {
    kind: SearchKind,
    id: i32,
    title: String,
    body: String,
}

fn joined(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .flatten()
        .map(|part| part.trim())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" — ")
}

fn town_entry(m: town::Model) -> Entry {
    Entry {
        kind: SearchKind::Town,
        id: m.id,
        body: joined(&[m.district.as_deref()]),
        title: m.name,
    }
}

fn model_project_entry(m: model_project::Model) -> Entry {
    Entry {
        kind: SearchKind::ModelProject,
        id: m.id,
        title: joined(&[Some(&m.title), m.short_title.as_deref()]),
        body: joined(&[m.topic.as_deref(), m.description.as_deref()]),
    }
}

fn event_entry(m: event::Model) -> Entry {
    Entry {
        kind: SearchKind::Event,
        id: m.id,
        body: joined(&[
            m.subtitle.as_deref(),
            m.description.as_deref(),
            m.place.as_deref(),
        ]),
        title: m.title,
    }
}

fn session_entry(m: session::Model) -> Entry {
    Entry {
        kind: SearchKind::Session,
        id: m.id,
        body: joined(&[m.subtitle.as_deref(), m.description.as_deref()]),
        title: m.title,
    }
}

/// Public fields only: name, academic title and position; never contact or consent data.
fn person_entry(m: person::Model) -> Entry {
    let title = match &m.academic_title {
        Some(academic) => format!("{academic} {}", m.name),
        None => m.name.clone(),
    };
    Entry {
        kind: SearchKind::Person,
        id: m.id,
        title,
        body: joined(&[m.position.as_deref()]),
    }
}

fn organisation_entry(m: organisation::Model) -> Entry {
    Entry {
        kind: SearchKind::Organisation,
        id: m.id,
        title: joined(&[Some(&m.name), m.short_name.as_deref()]),
        body: joined(&[m.description.as_deref()]),
    }
}

fn document_entry(m: document::Model) -> Entry {
    Entry {
        kind: SearchKind::Document,
        id: m.id,
        body: joined(&[m.description.as_deref()]),
        title: m.title,
    }
}

async fn insert<C: ConnectionTrait>(db: &C, entries: &[Entry]) -> AppResult<()> {
    for chunk in entries.chunks(INSERT_CHUNK) {
        let mut insert = Query::insert();
        insert.into_table(table()).columns([
            Alias::new("kind"),
            Alias::new("record_id"),
            Alias::new("title"),
            Alias::new("body"),
            Alias::new("title_terms"),
            Alias::new("body_terms"),
        ]);
        for entry in chunk {
            insert
                .values([
                    entry.kind.type_name().into(),
                    entry.id.into(),
                    entry.title.clone().into(),
                    entry.body.clone().into(),
                    terms(&entry.title).into(),
                    terms(&entry.body).into(),
                ])
                .map_err(|error| AppError::Internal(format!("search entry: {error}")))?;
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

async fn remove<C: ConnectionTrait>(db: &C, kind: SearchKind, id: Option<i32>) -> AppResult<()> {
    let mut delete = Query::delete();
    delete
        .from_table(table())
        .and_where(Expr::col(Alias::new("kind")).eq(kind.type_name()));
    if let Some(id) = id {
        delete.and_where(Expr::col(Alias::new("record_id")).eq(id));
    }
    db.execute(&delete).await?;
    Ok(())
}

/// The index entry of one record, if it exists.
async fn entry<C: ConnectionTrait>(db: &C, kind: SearchKind, id: i32) -> AppResult<Option<Entry>> {
    Ok(match kind {
        SearchKind::Town => town::Entity::find_by_id(id).one(db).await?.map(town_entry),
        SearchKind::ModelProject => model_project::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(model_project_entry),
        SearchKind::Event => event::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(event_entry),
        SearchKind::Session => session::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(session_entry),
        SearchKind::Person => person::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(person_entry),
        SearchKind::Organisation => organisation::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(organisation_entry),
        SearchKind::Document => document::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(document_entry),
    })
}

/// Brings the index up to date after a record of type `type_name` was created, changed or
/// deleted (anything not searchable is ignored). Sessions deleted with their event go too.
pub async fn record_changed<C: ConnectionTrait>(db: &C, type_name: &str, id: i32) -> AppResult<()> {
    let Some(kind) = SearchKind::from_type_name(type_name) else {
        return Ok(());
    };
    remove(db, kind, Some(id)).await?;
    match entry(db, kind, id).await? {
        Some(entry) => insert(db, &[entry]).await?,
        None if kind == SearchKind::Event => {
            let orphans = Query::delete()
                .from_table(table())
                .and_where(Expr::col(Alias::new("kind")).eq(SearchKind::Session.type_name()))
                .and_where(
                    Expr::col(Alias::new("record_id")).not_in_subquery(
                        Query::select()
                            .column(session::Column::Id)
                            .from(session::Entity)
                            .to_owned(),
                    ),
                )
                .to_owned();
            db.execute(&orphans).await?;
        }
        None => {}
    }
    Ok(())
}

macro_rules! rebuild_entity {
    ($db:expr, $entity:path, $id:path, $convert:expr) => {{
        let mut last = 0;
        loop {
            let models = <$entity>::find()
                .filter($id.gt(last))
                .order_by_asc($id)
                .limit(READ_CHUNK)
                .all($db)
                .await?;
            let Some(end) = models.last().map(|m| m.id) else {
                break;
            };
            last = end;
            let entries: Vec<Entry> = models.into_iter().map($convert).collect();
            insert($db, &entries).await?;
        }
    }};
}

/// Re-indexes every record of `kind`, reading and writing in chunks.
pub async fn rebuild_kind<C: ConnectionTrait>(db: &C, kind: SearchKind) -> AppResult<()> {
    remove(db, kind, None).await?;
    match kind {
        SearchKind::Town => rebuild_entity!(db, town::Entity, town::Column::Id, town_entry),
        SearchKind::ModelProject => rebuild_entity!(
            db,
            model_project::Entity,
            model_project::Column::Id,
            model_project_entry
        ),
        SearchKind::Event => rebuild_entity!(db, event::Entity, event::Column::Id, event_entry),
        SearchKind::Session => {
            rebuild_entity!(db, session::Entity, session::Column::Id, session_entry)
        }
        SearchKind::Person => rebuild_entity!(db, person::Entity, person::Column::Id, person_entry),
        SearchKind::Organisation => rebuild_entity!(
            db,
            organisation::Entity,
            organisation::Column::Id,
            organisation_entry
        ),
        SearchKind::Document => {
            rebuild_entity!(db, document::Entity, document::Column::Id, document_entry)
        }
    }
    Ok(())
}

/// Re-indexes everything (after a bulk load).
pub async fn rebuild<C: ConnectionTrait>(db: &C) -> AppResult<()> {
    for kind in SearchKind::ALL {
        rebuild_kind(db, kind).await?;
    }
    Ok(())
}

/// Builds the index of a database that has content but no index yet (one migrated from before
/// the index existed).
pub async fn ensure_built(db: &sea_orm::DatabaseConnection) -> AppResult<()> {
    let has_index = db
        .query_one(
            &Query::select()
                .expr(col("id"))
                .from(table())
                .limit(1)
                .to_owned(),
        )
        .await?
        .is_some();
    if has_index || town::Entity::find().one(db).await?.is_none() {
        return Ok(());
    }
    let txn = super::write::begin(db).await?;
    rebuild(&txn).await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn umlauts_and_their_spellings_fold_to_one_word() {
        assert_eq!(fold("Münnerstadt"), "munnerstadt");
        assert_eq!(fold("Muennerstadt"), "munnerstadt");
        assert_eq!(fold("Munnerstadt"), "munnerstadt");
        assert_eq!(fold("Straße"), "strasse");
    }

    #[test]
    fn plural_and_singular_share_a_stem() {
        assert_eq!(stem("Innenstädte"), stem("Innenstadt"));
        assert!(
            terms("Innenstädte beleben")
                .split(' ')
                .any(|t| t == "innenstadt")
        );
    }

    #[test]
    fn queries_become_safe_match_expressions() {
        let words = parse_query("Innenstädte \"Münn").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            fts5_query(&words),
            "(\"innenstadte\" OR \"innenstadt\") AND (\"munn\"* OR \"munn\")"
        );
        assert_eq!(
            tsquery(&words),
            "(innenstadte | innenstadt) & (munn:* | munn)"
        );
        assert!(parse_query("  ").is_err());
        assert!(parse_query("!!!").is_err());
    }

    #[test]
    fn snippets_show_the_first_match_in_context() {
        let words = parse_query("Leerstand").unwrap_or_else(|e| panic!("{e}"));
        let text = "Leerstand in Innenstädten gemeinsam angehen.";
        assert_eq!(snippet(text, &words).as_deref(), Some(text));
    }
}
