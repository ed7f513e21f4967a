//! Documents (publications): visible unless tied to an event the viewer may not see.

use entity::enums::DocumentKind;
use entity::{document, document_author};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
};

use super::event;
use super::page::{Page, PageArgs, paginate};
use super::text;
use super::viewer::Viewer;
use crate::error::AppResult;

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
        .add(document::Column::EventId.in_subquery(event::visible_ids(viewer)))
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
