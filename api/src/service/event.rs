//! Events: visibility (drafts are staff-only), filters, ordering, local time.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::enums::{EventFormat, EventStatus};
use entity::{event, event_organiser};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};

use super::page::{Page, PageArgs, paginate};
use super::text;
use super::viewer::Viewer;
use crate::error::{AppError, AppResult};

/// Filters of the event list; all given filters must hold.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    /// Events that end (or, without an end, start) at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Events that start before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Only events that have not ended yet.
    pub upcoming: Option<bool>,
    pub formats: Option<Vec<EventFormat>>,
    pub statuses: Option<Vec<EventStatus>>,
    pub town_id: Option<i32>,
    pub organiser_id: Option<i32>,
    pub model_project_id: Option<i32>,
    /// Text in title, subtitle or description.
    pub text: Option<String>,
}

/// Sort keys of the event list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EventOrderField {
    #[default]
    StartsAt,
    Title,
}

/// Ordering of the event list; ties are broken by id.
#[derive(Clone, Copy, Debug, Default)]
pub struct EventOrder {
    pub field: EventOrderField,
    pub descending: bool,
}

/// The ids of events the viewer may see, as a subquery.
pub fn visible_ids(viewer: Viewer) -> SelectStatement {
    let mut query = Query::select();
    query.column(event::Column::Id).from(event::Entity);
    if !viewer.is_staff() {
        query.and_where(Expr::col(event::Column::Published).eq(true));
    }
    query.to_owned()
}

/// The condition on the event table itself for what the viewer may see.
pub fn visible(viewer: Viewer) -> Condition {
    if viewer.is_staff() {
        Condition::all()
    } else {
        Condition::all().add(event::Column::Published.eq(true))
    }
}

fn query(
    viewer: Viewer,
    filter: &EventFilter,
    order: EventOrder,
    now: DateTime<Utc>,
) -> AppResult<Select<event::Entity>> {
    let mut condition = Condition::all().add(visible(viewer));
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        return Err(AppError::bad_field(
            "filter.from",
            "`from` must not be after `to`",
        ));
    }
    let ends_or_starts = |at: DateTime<Utc>| {
        Condition::any().add(event::Column::EndsAt.gte(at)).add(
            Condition::all()
                .add(event::Column::EndsAt.is_null())
                .add(event::Column::StartsAt.gte(at)),
        )
    };
    if let Some(from) = filter.from {
        condition = condition.add(ends_or_starts(from));
    }
    if filter.upcoming == Some(true) {
        condition = condition.add(ends_or_starts(now));
    }
    if let Some(to) = filter.to {
        condition = condition.add(event::Column::StartsAt.lt(to));
    }
    if let Some(formats) = &filter.formats {
        condition = condition.add(event::Column::Format.is_in(formats.clone()));
    }
    if let Some(statuses) = &filter.statuses {
        condition = condition.add(event::Column::Status.is_in(statuses.clone()));
    }
    if let Some(town) = filter.town_id {
        condition = condition.add(event::Column::TownId.eq(town));
    }
    if let Some(project) = filter.model_project_id {
        condition = condition.add(event::Column::ModelProjectId.eq(project));
    }
    if let Some(organiser) = filter.organiser_id {
        condition = condition.add(
            event::Column::Id.in_subquery(
                Query::select()
                    .column(event_organiser::Column::EventId)
                    .from(event_organiser::Entity)
                    .and_where(Expr::col(event_organiser::Column::OrganisationId).eq(organiser))
                    .to_owned(),
            ),
        );
    }
    if let Some(search) = &filter.text {
        let search = text::search_text(search, "filter.text")?;
        condition = condition.add(
            Condition::any()
                .add(text::contains(event::Column::Title, &search))
                .add(text::contains(event::Column::Subtitle, &search))
                .add(text::contains(event::Column::Description, &search)),
        );
    }
    let direction = if order.descending {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    let select = event::Entity::find().filter(condition);
    let select = match order.field {
        EventOrderField::StartsAt => select.order_by(event::Column::StartsAt, direction.clone()),
        EventOrderField::Title => select.order_by(event::Column::Title, direction.clone()),
    };
    Ok(select.order_by(event::Column::Id, direction))
}

/// One page of the events the viewer may see.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    viewer: Viewer,
    filter: &EventFilter,
    order: EventOrder,
    args: &PageArgs,
    want_total: bool,
) -> AppResult<Page<event::Model>> {
    paginate(
        db,
        query(viewer, filter, order, Utc::now())?,
        args,
        want_total,
    )
    .await
}

/// One event, if the viewer may see it.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    viewer: Viewer,
    id: i32,
) -> AppResult<Option<event::Model>> {
    Ok(event::Entity::find_by_id(id)
        .filter(visible(viewer))
        .limit(1)
        .one(db)
        .await?)
}

/// The event's IANA time zone (falls back to Europe/Berlin for an unknown stored name).
pub fn time_zone(event: &event::Model) -> Tz {
    event.time_zone.parse().unwrap_or(chrono_tz::Europe::Berlin)
}
