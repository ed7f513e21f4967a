//! Events: visibility (drafts are staff-only), filters, ordering, local time, editing and organisers.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::enums::{AuditAction, DatePrecision, EventFormat, EventStatus, OrganiserRole};
use entity::{Sources, event, event_organiser, session};
use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, Set,
};

use super::timing::When;
use super::validate;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::store::page::{Page, PageArgs, PageSource, paginate};
use crate::store::write;
use crate::store::{probe, text};
use crate::viewer::Viewer;

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

/// Rows whose event, named by their column `event_id`, the viewer may see: the event is looked up
/// by its key for each row (see `store::probe`), so a statement stays driven by its own keys.
pub fn has_visible_event(viewer: Viewer, event_id: impl IntoColumnRef) -> Condition {
    if viewer.is_staff() {
        return Condition::all();
    }
    Condition::all().add(probe::found(
        Query::select()
            .expr(Expr::val(1))
            .from(event::Entity)
            .and_where(Expr::col((event::Entity, event::Column::Id)).equals(event_id))
            .cond_where(visible(viewer))
            .to_owned(),
    ))
}

/// The condition on the event table itself for what the viewer may see.
pub fn visible(viewer: Viewer) -> Condition {
    if viewer.is_staff() {
        Condition::all()
    } else {
        Condition::all().add(event::Column::Published.eq(true))
    }
}

/// The condition a visible event must meet to pass `filter` at `now`.
pub fn condition(viewer: Viewer, filter: &EventFilter, now: DateTime<Utc>) -> AppResult<Condition> {
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
    Ok(condition)
}

fn query(
    viewer: Viewer,
    filter: &EventFilter,
    order: EventOrder,
    now: DateTime<Utc>,
) -> AppResult<Select<event::Entity>> {
    let condition = condition(viewer, filter, now)?;
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
pub async fn list<C: PageSource>(
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

/// The events the viewer may see that match `filter`, in `order`, at most `limit` (for feeds, which
/// are not paged).
pub async fn all_matching<C: ConnectionTrait>(
    db: &C,
    viewer: Viewer,
    filter: &EventFilter,
    order: EventOrder,
    limit: u64,
) -> AppResult<Vec<event::Model>> {
    Ok(query(viewer, filter, order, Utc::now())?
        .limit(limit)
        .all(db)
        .await?)
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

/// Values for a new or changed event. `None` leaves a field as it is (on create: its default);
/// `Some(None)` clears an optional field.
#[derive(Clone, Debug, Default)]
pub struct EventChanges {
    pub title: Option<String>,
    pub subtitle: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub format: Option<Option<EventFormat>>,
    pub status: Option<EventStatus>,
    pub time_zone: Option<String>,
    pub starts_at: Option<When>,
    pub ends_at: Option<Option<When>>,
    pub date_precision: Option<DatePrecision>,
    pub place: Option<Option<String>>,
    pub town_id: Option<Option<i32>>,
    pub online_url: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub model_project_id: Option<Option<i32>>,
    pub sources: Option<Vec<String>>,
}

fn pick<T: Clone>(change: Option<T>, current: Option<&T>) -> Option<T> {
    change.or_else(|| current.cloned())
}

/// Validates the changes against the current record (none on create) into the values to store.
async fn prepare<C: ConnectionTrait>(
    db: &C,
    current: Option<&event::Model>,
    changes: EventChanges,
) -> AppResult<event::ActiveModel> {
    let title = pick(changes.title, current.map(|e| &e.title))
        .ok_or_else(|| AppError::bad_field("title", "an event needs a title"))?;
    let title = validate::text("title", &title, 500)?;
    let subtitle = pick(changes.subtitle, current.map(|e| &e.subtitle)).flatten();
    let subtitle = validate::opt_text("subtitle", subtitle.as_deref(), 500)?;
    let description = pick(changes.description, current.map(|e| &e.description)).flatten();
    let description = validate::opt_text("description", description.as_deref(), 20_000)?;
    let zone_name = pick(changes.time_zone, current.map(|e| &e.time_zone))
        .unwrap_or_else(|| "Europe/Berlin".to_owned());
    let zone = validate::time_zone("timeZone", &zone_name)?;
    let starts_at = match (changes.starts_at, current) {
        (Some(when), _) => when.resolve("startsAt", zone)?,
        (None, Some(current)) => current.starts_at,
        (None, None) => return Err(AppError::bad_field("startsAt", "an event needs a start")),
    };
    let ends_at = match (changes.ends_at, current) {
        (Some(Some(when)), _) => Some(when.resolve("endsAt", zone)?),
        (Some(None), _) => None,
        (None, current) => current.and_then(|e| e.ends_at),
    };
    validate::end_after_start("endsAt", starts_at, ends_at)?;
    let place = pick(changes.place, current.map(|e| &e.place)).flatten();
    let place = validate::opt_text("place", place.as_deref(), 500)?;
    let online_url = pick(changes.online_url, current.map(|e| &e.online_url)).flatten();
    let online_url = validate::opt_url("onlineUrl", online_url.as_deref())?;
    let website = pick(changes.website, current.map(|e| &e.website)).flatten();
    let website = validate::opt_url("website", website.as_deref())?;
    let town_id = pick(changes.town_id, current.map(|e| &e.town_id)).flatten();
    if let Some(town) = town_id {
        write::must_exist::<entity::town::Entity, _>(db, "town", town).await?;
    }
    let model_project_id = pick(
        changes.model_project_id,
        current.map(|e| &e.model_project_id),
    )
    .flatten();
    if let Some(project) = model_project_id {
        write::must_exist::<entity::model_project::Entity, _>(db, "modelProject", project).await?;
    }
    let sources = match changes.sources {
        Some(sources) => validate_sources(sources)?,
        None => current.map(|e| e.sources.clone()).unwrap_or_default(),
    };
    if let Some(current) = current {
        sessions_fit(db, current.id, starts_at, ends_at).await?;
    }
    let mut record = match current {
        Some(current) => current.clone().into_active_model(),
        None => event::ActiveModel {
            published: Set(false),
            ..Default::default()
        },
    };
    record.title = Set(title);
    record.subtitle = Set(subtitle);
    record.description = Set(description);
    record.format = Set(pick(changes.format, current.map(|e| &e.format)).flatten());
    record.status =
        Set(pick(changes.status, current.map(|e| &e.status)).unwrap_or(EventStatus::Scheduled));
    record.time_zone = Set(zone.name().to_owned());
    record.starts_at = Set(starts_at);
    record.ends_at = Set(ends_at);
    record.date_precision = Set(
        pick(changes.date_precision, current.map(|e| &e.date_precision))
            .unwrap_or(DatePrecision::Minute),
    );
    record.place = Set(place);
    record.town_id = Set(town_id);
    record.online_url = Set(online_url);
    record.website = Set(website);
    record.model_project_id = Set(model_project_id);
    record.sources = Set(sources);
    Ok(record)
}

/// Source URLs: each an http(s) URL (or `seed`), at most 50.
pub fn validate_sources(sources: Vec<String>) -> AppResult<Sources> {
    if sources.len() > 50 {
        return Err(AppError::bad_field("sources", "at most 50 sources"));
    }
    sources
        .into_iter()
        .map(|source| {
            if source.trim() == "seed" {
                Ok("seed".to_owned())
            } else {
                validate::url("sources", &source)
            }
        })
        .collect::<AppResult<Vec<_>>>()
        .map(Sources)
}

/// Refuses an event time range that would leave some of its sessions outside.
async fn sessions_fit<C: ConnectionTrait>(
    db: &C,
    event_id: i32,
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
) -> AppResult<()> {
    let mut outside = Condition::any().add(session::Column::StartsAt.lt(starts_at));
    if let Some(end) = ends_at {
        outside = outside
            .add(session::Column::StartsAt.gte(end))
            .add(session::Column::EndsAt.gt(end));
    }
    let count = session::Entity::find()
        .filter(session::Column::EventId.eq(event_id))
        .filter(outside)
        .count(db)
        .await?;
    if count > 0 {
        return Err(AppError::bad_field(
            "startsAt",
            format!("{count} session(s) would lie outside the event's new time range"),
        ));
    }
    Ok(())
}

/// Creates an event as a draft.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: EventChanges,
) -> AppResult<event::Model> {
    let txn = write::begin(db).await?;
    let record = prepare(&txn, None, changes).await?;
    let created = write::create::<event::Entity, _>(&txn, actor, record).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes an event (the version must match).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    changes: EventChanges,
) -> AppResult<event::Model> {
    let txn = write::begin(db).await?;
    let current = write::load_for_change::<event::Entity, _>(&txn, id, expected_version).await?;
    let record = prepare(&txn, Some(&current), changes).await?;
    let updated = write::update::<event::Entity, _, _>(
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

/// Publishes (`true`) or withdraws (`false`) an event with its programme.
pub async fn set_published(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    published: bool,
) -> AppResult<event::Model> {
    let txn = write::begin(db).await?;
    let current = write::load_for_change::<event::Entity, _>(&txn, id, expected_version).await?;
    let action = if published {
        AuditAction::Publish
    } else {
        AuditAction::Unpublish
    };
    let updated =
        write::update::<event::Entity, _, _>(&txn, actor, current, action, |current, target| {
            if current.published == published {
                return Err(AppError::conflict(if published {
                    "the event is published already"
                } else {
                    "the event is not published"
                }));
            }
            target.published = Set(published);
            Ok(())
        })
        .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deletes an event with its sessions, contributions, organisers and registrations, in one transaction.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<event::Model> {
    let txn = write::begin(db).await?;
    let deleted = write::delete::<event::Entity, _>(&txn, actor, id, expected_version).await?;
    txn.commit().await?;
    Ok(deleted)
}

/// Records an organisation's part in an event; the same organisation in the same role twice is a
/// conflict.
pub async fn add_organiser(
    db: &DatabaseConnection,
    actor: &Actor,
    event_id: i32,
    organisation_id: i32,
    role: OrganiserRole,
) -> AppResult<event_organiser::Model> {
    let txn = write::begin(db).await?;
    write::must_exist::<event::Entity, _>(&txn, "event", event_id).await?;
    write::must_exist::<entity::organisation::Entity, _>(&txn, "organisation", organisation_id)
        .await?;
    let existing = event_organiser::Entity::find()
        .filter(event_organiser::Column::EventId.eq(event_id))
        .filter(event_organiser::Column::OrganisationId.eq(organisation_id))
        .filter(event_organiser::Column::Role.eq(role))
        .count(&txn)
        .await?;
    if existing > 0 {
        return Err(AppError::conflict(
            "the organisation has this role in the event already",
        ));
    }
    let record = event_organiser::ActiveModel {
        event_id: Set(event_id),
        organisation_id: Set(organisation_id),
        role: Set(role),
        ..Default::default()
    };
    let created = write::create::<event_organiser::Entity, _>(&txn, actor, record).await?;
    txn.commit().await?;
    Ok(created)
}

/// Removes an organisation's part in an event (the version must match).
pub async fn remove_organiser(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<event_organiser::Model> {
    let txn = write::begin(db).await?;
    let deleted =
        write::delete::<event_organiser::Entity, _>(&txn, actor, id, expected_version).await?;
    txn.commit().await?;
    Ok(deleted)
}

/// Events not yet published (drafts), soonest first.
pub async fn drafts<C: ConnectionTrait>(db: &C, limit: u64) -> AppResult<Vec<event::Model>> {
    Ok(event::Entity::find()
        .filter(event::Column::Published.eq(false))
        .order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// An event's organisers with their organisations, in the order they were recorded.
pub async fn organisers_of<C: ConnectionTrait>(
    db: &C,
    event_id: i32,
) -> AppResult<Vec<(event_organiser::Model, Option<entity::organisation::Model>)>> {
    Ok(event_organiser::Entity::find()
        .filter(event_organiser::Column::EventId.eq(event_id))
        .order_by_asc(event_organiser::Column::Id)
        .find_also_related(entity::organisation::Entity)
        .all(db)
        .await?)
}
