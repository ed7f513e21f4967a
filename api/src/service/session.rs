//! Sessions (programme items) and contributions: visible exactly when their event is.

use chrono::{DateTime, Utc};
use entity::enums::SessionKind;
use entity::{contribution, session};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
};

use super::event;
use super::page::{Page, PageArgs, paginate};
use super::text;
use super::viewer::Viewer;
use crate::error::{AppError, AppResult};

/// Filters of the session list; all given filters must hold.
#[derive(Clone, Debug, Default)]
pub struct SessionFilter {
    pub event_id: Option<i32>,
    pub kinds: Option<Vec<SessionKind>>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub text: Option<String>,
}

/// Sessions the viewer may see.
pub fn visible(viewer: Viewer) -> Condition {
    if viewer.is_staff() {
        Condition::all()
    } else {
        Condition::all().add(session::Column::EventId.in_subquery(event::visible_ids(viewer)))
    }
}

/// Contributions the viewer may see.
pub fn contribution_visible(viewer: Viewer) -> Condition {
    if viewer.is_staff() {
        Condition::all()
    } else {
        Condition::all().add(contribution::Column::EventId.in_subquery(event::visible_ids(viewer)))
    }
}

fn query(viewer: Viewer, filter: &SessionFilter) -> AppResult<Select<session::Entity>> {
    let mut condition = Condition::all().add(visible(viewer));
    if let Some(event) = filter.event_id {
        condition = condition.add(session::Column::EventId.eq(event));
    }
    if let Some(kinds) = &filter.kinds {
        condition = condition.add(session::Column::Kind.is_in(kinds.clone()));
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        return Err(AppError::bad_field(
            "filter.from",
            "`from` must not be after `to`",
        ));
    }
    if let Some(from) = filter.from {
        condition = condition.add(session::Column::StartsAt.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(session::Column::StartsAt.lt(to));
    }
    if let Some(search) = &filter.text {
        let search = text::search_text(search, "filter.text")?;
        condition = condition.add(
            Condition::any()
                .add(text::contains(session::Column::Title, &search))
                .add(text::contains(session::Column::Subtitle, &search)),
        );
    }
    Ok(session::Entity::find()
        .filter(condition)
        .order_by_asc(session::Column::StartsAt)
        .order_by_asc(session::Column::Position)
        .order_by_asc(session::Column::Id))
}

/// One page of sessions in time order.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    viewer: Viewer,
    filter: &SessionFilter,
    args: &PageArgs,
    want_total: bool,
) -> AppResult<Page<session::Model>> {
    paginate(db, query(viewer, filter)?, args, want_total).await
}
