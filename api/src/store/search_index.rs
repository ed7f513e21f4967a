//! The full-text index over towns, model projects, events, sessions, people (public fields only),
//! organisations and documents: what is indexed and how, German-aware on both backends.
//!
//! Text is cut into words; each word is indexed twice: folded (lower case, umlauts and ß as plain
//! letters, `ae`/`oe`/`ue` read as `a`/`o`/`u`, so `Münnerstadt`, `Muennerstadt` and `Munnerstadt`
//! are one word) and as its Snowball German stem, folded (`Innenstädte` → `innenstadt`). Because
//! folding and stemming happen here, SQLite (FTS5) and PostgreSQL (`tsvector`, GIN) match the same
//! records.
//!
//! The index holds every record; who may see what is decided at query time (`service::search`).
//! Every write through [`super::write`], every import and the seed update the index in their own
//! transaction.

use std::any::Any;
use std::sync::LazyLock;

use entity::{document, event, model_project, organisation, person, session, town};
use rust_stemmers::{Algorithm, Stemmer};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::{AppError, AppResult};

/// Rows written per INSERT when the index is rebuilt.
const INSERT_CHUNK: usize = 200;

/// Records read per statement when the index is rebuilt.
const READ_CHUNK: u64 = 1_000;

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

    pub(crate) fn from_type_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.type_name() == name)
    }
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
pub(crate) fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
}

/// The folded Snowball German stem of a word.
pub(crate) fn stem(word: &str) -> String {
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

pub(crate) fn table() -> Alias {
    Alias::new("search_entry")
}

pub(crate) fn col(name: &'static str) -> SimpleExpr {
    Expr::col((table(), Alias::new(name)))
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

/// Brings the index up to date after `model`, a record of type `type_name`, was created or changed
/// (anything not searchable is ignored); the entry is made from the model, not read again.
pub async fn record_saved<C: ConnectionTrait>(
    db: &C,
    type_name: &str,
    id: i32,
    model: &(dyn Any + Sync),
) -> AppResult<()> {
    let Some(kind) = SearchKind::from_type_name(type_name) else {
        return Ok(());
    };
    remove(db, kind, Some(id)).await?;
    if let Some(entry) = entry_of(model) {
        insert(db, &[entry]).await?;
    }
    Ok(())
}

/// Brings the index up to date after a record of type `type_name` was deleted. Sessions deleted
/// with their event go too.
pub async fn record_deleted<C: ConnectionTrait>(db: &C, type_name: &str, id: i32) -> AppResult<()> {
    let Some(kind) = SearchKind::from_type_name(type_name) else {
        return Ok(());
    };
    remove(db, kind, Some(id)).await?;
    if kind == SearchKind::Event {
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
    Ok(())
}

/// The index entry of a searchable model.
fn entry_of(model: &dyn Any) -> Option<Entry> {
    macro_rules! entry {
        ($($module:ident => $convert:ident),+) => {$(
            if let Some(model) = model.downcast_ref::<$module::Model>() {
                return Some($convert(model.clone()));
            }
        )+};
    }
    entry!(
        town => town_entry,
        model_project => model_project_entry,
        event => event_entry,
        session => session_entry,
        person => person_entry,
        organisation => organisation_entry,
        document => document_entry
    );
    None
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

/// Whether a database has content but no index yet (one migrated from before the index existed).
pub async fn needs_build(db: &sea_orm::DatabaseConnection) -> AppResult<bool> {
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
    Ok(!has_index && town::Entity::find().one(db).await?.is_some())
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
}
