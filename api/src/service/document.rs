//! Documents (publications): visible unless tied to an event the viewer may not see; their editing
//! and their author lists.

use entity::enums::{AuditAction, DocumentKind};
use entity::{document, document_author};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Select, Set,
};

use super::event;
use super::validate;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::store::page::{Page, PageArgs, paginate};
use crate::store::text;
use crate::store::write;
use crate::viewer::Viewer;

/// Filters of the document list; all given filters must hold.
#[derive(Clone, Debug, Default)]
pub struct DocumentFilter {
    pub kinds: Option<Vec<DocumentKind>>,
    pub year: Option<i32>,
    pub publisher_id: Option<i32>,
    pub model_project_id: Option<i32>,
    pub event_id: Option<i32>,
    pub author_id: Option<i32>,
    /// Text in the title or description.
    pub text: Option<String>,
}

/// Documents the viewer may see.
pub fn visible(viewer: Viewer) -> Condition {
    if viewer.is_staff() {
        return Condition::all();
    }
    Condition::any()
        .add(document::Column::EventId.is_null())
        .add(event::has_visible_event(
            viewer,
            (document::Entity, document::Column::EventId),
        ))
}

fn query(viewer: Viewer, filter: &DocumentFilter) -> AppResult<Select<document::Entity>> {
    let mut condition = Condition::all().add(visible(viewer));
    if let Some(kinds) = &filter.kinds {
        condition = condition.add(document::Column::Kind.is_in(kinds.clone()));
    }
    if let Some(year) = filter.year {
        condition = condition.add(document::Column::Year.eq(year));
    }
    if let Some(publisher) = filter.publisher_id {
        condition = condition.add(document::Column::PublisherId.eq(publisher));
    }
    if let Some(project) = filter.model_project_id {
        condition = condition.add(document::Column::ModelProjectId.eq(project));
    }
    if let Some(event) = filter.event_id {
        condition = condition.add(document::Column::EventId.eq(event));
    }
    if let Some(author) = filter.author_id {
        condition = condition.add(
            document::Column::Id.in_subquery(
                Query::select()
                    .column(document_author::Column::DocumentId)
                    .from(document_author::Entity)
                    .and_where(Expr::col(document_author::Column::PersonId).eq(author))
                    .to_owned(),
            ),
        );
    }
    if let Some(search) = &filter.text {
        let search = text::search_text(search, "filter.text")?;
        condition = condition.add(
            Condition::any()
                .add(text::contains(document::Column::Title, &search))
                .add(text::contains(document::Column::Description, &search)),
        );
    }
    Ok(document::Entity::find()
        .filter(condition)
        .order_by_asc(document::Column::Title)
        .order_by_asc(document::Column::Id))
}

/// One page of documents, by title.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    viewer: Viewer,
    filter: &DocumentFilter,
    args: &PageArgs,
    want_total: bool,
) -> AppResult<Page<document::Model>> {
    paginate(db, query(viewer, filter)?, args, want_total).await
}

fn pick<T: Clone>(change: Option<T>, current: Option<&T>) -> Option<T> {
    change.or_else(|| current.cloned())
}

/// Values for a new or changed document. `None` leaves a field as it is (on create: its default);
/// `Some(None)` clears an optional field.
#[derive(Clone, Debug, Default)]
pub struct DocumentChanges {
    pub title: Option<String>,
    pub kind: Option<DocumentKind>,
    pub year: Option<Option<i32>>,
    /// ISO 8601 date, possibly partial.
    pub published_on: Option<Option<String>>,
    pub publisher_id: Option<Option<i32>>,
    pub url: Option<Option<String>>,
    pub isbn: Option<Option<String>>,
    pub language: Option<Option<String>>,
    pub model_project_id: Option<Option<i32>>,
    /// The event; follows the session when a session is given.
    pub event_id: Option<Option<i32>>,
    pub session_id: Option<Option<i32>>,
    pub description: Option<Option<String>>,
    pub sources: Option<Vec<String>>,
}

/// Validates the changes against the current document (none on create) into the values to store.
async fn prepare<C: ConnectionTrait>(
    db: &C,
    current: Option<&document::Model>,
    changes: DocumentChanges,
) -> AppResult<document::ActiveModel> {
    let title = pick(changes.title, current.map(|d| &d.title))
        .ok_or_else(|| AppError::bad_field("title", "a document needs a title"))?;
    let title = validate::text("title", &title, 500)?;
    let kind = pick(changes.kind, current.map(|d| &d.kind))
        .ok_or_else(|| AppError::bad_field("kind", "a document needs a kind"))?;
    let new_date = matches!(changes.published_on, Some(Some(_)));
    let published_on = pick(changes.published_on, current.map(|d| &d.published_on)).flatten();
    let published_on = validate::opt_partial_date("publishedOn", published_on.as_deref())?;
    let published_year = published_on
        .as_deref()
        .and_then(|date| date.get(..4))
        .and_then(|year| year.parse::<i32>().ok());
    let year = match (changes.year, current) {
        (Some(year), _) => year,
        // A new publication date without a year given brings its year along.
        (None, _) if new_date => published_year,
        (None, current) => current.and_then(|d| d.year),
    };
    let year = year.map(|year| validate::year("year", year)).transpose()?;
    if let (Some(year), Some(published)) = (year, published_year)
        && year != published
    {
        return Err(AppError::bad_field(
            "year",
            format!("`year` must be the year of `publishedOn` ({published})"),
        ));
    }
    let url = pick(changes.url, current.map(|d| &d.url)).flatten();
    let url = validate::opt_url("url", url.as_deref())?;
    let isbn = match pick(changes.isbn, current.map(|d| &d.isbn)).flatten() {
        Some(isbn) if !isbn.trim().is_empty() => Some(validate::isbn("isbn", &isbn)?),
        _ => None,
    };
    let language = match pick(changes.language, current.map(|d| &d.language)).flatten() {
        Some(language) if !language.trim().is_empty() => {
            Some(validate::language("language", &language)?)
        }
        _ => None,
    };
    let description = pick(changes.description, current.map(|d| &d.description)).flatten();
    let description = validate::opt_text("description", description.as_deref(), 20_000)?;
    if let Some(Some(publisher)) = changes.publisher_id {
        write::must_exist::<entity::organisation::Entity, _>(db, "publisher", publisher).await?;
    }
    let publisher_id = pick(changes.publisher_id, current.map(|d| &d.publisher_id)).flatten();
    if let Some(Some(project)) = changes.model_project_id {
        write::must_exist::<entity::model_project::Entity, _>(db, "modelProject", project).await?;
    }
    let model_project_id = pick(
        changes.model_project_id,
        current.map(|d| &d.model_project_id),
    )
    .flatten();
    let session_id = pick(changes.session_id, current.map(|d| &d.session_id)).flatten();
    let event_id = match session_id {
        Some(session_id) => {
            let session =
                write::must_exist::<entity::session::Entity, _>(db, "session", session_id).await?;
            match changes.event_id {
                Some(Some(event)) if event != session.event_id => {
                    return Err(AppError::bad_field(
                        "session",
                        "the session belongs to another event",
                    ));
                }
                Some(None) => {
                    return Err(AppError::bad_field(
                        "event",
                        "a document presented in a session belongs to the session's event",
                    ));
                }
                _ => Some(session.event_id),
            }
        }
        None => {
            if let Some(Some(event)) = changes.event_id {
                write::must_exist::<entity::event::Entity, _>(db, "event", event).await?;
            }
            pick(changes.event_id, current.map(|d| &d.event_id)).flatten()
        }
    };
    let sources = match changes.sources {
        Some(sources) => event::validate_sources(sources)?,
        None => current.map(|d| d.sources.clone()).unwrap_or_default(),
    };
    let mut record = match current {
        Some(current) => current.clone().into_active_model(),
        None => document::ActiveModel::default(),
    };
    record.title = Set(title);
    record.kind = Set(kind);
    record.published_on = Set(published_on);
    record.year = Set(year);
    record.publisher_id = Set(publisher_id);
    record.url = Set(url);
    record.isbn = Set(isbn);
    record.language = Set(language);
    record.model_project_id = Set(model_project_id);
    record.event_id = Set(event_id);
    record.session_id = Set(session_id);
    record.description = Set(description);
    record.sources = Set(sources);
    Ok(record)
}

/// Creates a document.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: DocumentChanges,
) -> AppResult<document::Model> {
    let txn = write::begin(db).await?;
    let record = prepare(&txn, None, changes).await?;
    let created = write::create::<document::Entity, _>(&txn, actor, record).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a document (the version must match).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    changes: DocumentChanges,
) -> AppResult<document::Model> {
    let txn = write::begin(db).await?;
    let current = write::load_for_change::<document::Entity, _>(&txn, id, expected_version).await?;
    let record = prepare(&txn, Some(&current), changes).await?;
    let updated = write::update::<document::Entity, _, _>(
        &txn,
        actor,
        current,
        AuditAction::Update,
        |_, target| {
            *target = record;
            Ok(())
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deletes a document with its author list, each removal audited, in one transaction.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<document::Model> {
    let txn = write::begin(db).await?;
    write::load_for_change::<document::Entity, _>(&txn, id, expected_version).await?;
    let authors = document_author::Entity::find()
        .filter(document_author::Column::DocumentId.eq(id))
        .all(&txn)
        .await?;
    for author in authors {
        write::delete::<document_author::Entity, _>(&txn, actor, author.id, author.version).await?;
    }
    let deleted = write::delete::<document::Entity, _>(&txn, actor, id, expected_version).await?;
    txn.commit().await?;
    Ok(deleted)
}

/// Adds a person to a document's authors, at `position` (default: last); the same person twice is
/// a conflict.
pub async fn add_author(
    db: &DatabaseConnection,
    actor: &Actor,
    document_id: i32,
    person_id: i32,
    position: Option<i32>,
) -> AppResult<document_author::Model> {
    let txn = write::begin(db).await?;
    write::must_exist::<document::Entity, _>(&txn, "document", document_id).await?;
    write::must_exist::<entity::person::Entity, _>(&txn, "person", person_id).await?;
    let authors = document_author::Entity::find()
        .filter(document_author::Column::DocumentId.eq(document_id))
        .all(&txn)
        .await?;
    if authors.iter().any(|author| author.person_id == person_id) {
        return Err(AppError::conflict(
            "the person is an author of this document already",
        ));
    }
    let position = match position {
        Some(position) => validate::position("position", position)?,
        None => {
            authors
                .iter()
                .map(|a| a.position)
                .fold(0, std::cmp::Ord::max)
                + 1
        }
    };
    let record = document_author::ActiveModel {
        document_id: Set(document_id),
        person_id: Set(person_id),
        position: Set(position),
        ..Default::default()
    };
    let created = write::create::<document_author::Entity, _>(&txn, actor, record).await?;
    txn.commit().await?;
    Ok(created)
}

/// Removes an author from a document (the version must match).
pub async fn remove_author(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<document_author::Model> {
    let txn = write::begin(db).await?;
    let deleted =
        write::delete::<document_author::Entity, _>(&txn, actor, id, expected_version).await?;
    txn.commit().await?;
    Ok(deleted)
}

/// A document's authors in order, with the people.
pub async fn authors_of<C: ConnectionTrait>(
    db: &C,
    document_id: i32,
) -> AppResult<Vec<(document_author::Model, Option<entity::person::Model>)>> {
    Ok(document_author::Entity::find()
        .filter(document_author::Column::DocumentId.eq(document_id))
        .order_by_asc(document_author::Column::Position)
        .order_by_asc(document_author::Column::Id)
        .find_also_related(entity::person::Entity)
        .all(db)
        .await?)
}
