//! Sessions (programme items) and contributions: visible exactly when their event is; edited within
//! their event's time range, in its time zone.

use chrono::{DateTime, Utc};
use entity::enums::{AuditAction, ContributionRole, SessionKind};
use entity::{contribution, document, session};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Select, Set,
};

use super::event;
use super::timing::When;
use super::validate;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::store::page::{Page, PageArgs, PageSource, paginate};
use crate::store::text;
use crate::store::write;
use crate::viewer::Viewer;

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
        event::has_visible_event(viewer, (session::Entity, session::Column::EventId))
    }
}

/// Contributions the viewer may see.
pub fn contribution_visible(viewer: Viewer) -> Condition {
    if viewer.is_staff() {
        Condition::all()
    } else {
        event::has_visible_event(
            viewer,
            (contribution::Entity, contribution::Column::EventId),
        )
    }
}

/// The condition a visible session must meet to pass `filter`.
pub fn condition(viewer: Viewer, filter: &SessionFilter) -> AppResult<Condition> {
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
    Ok(condition)
}

fn query(viewer: Viewer, filter: &SessionFilter) -> AppResult<Select<session::Entity>> {
    Ok(session::Entity::find()
        .filter(condition(viewer, filter)?)
        .order_by_asc(session::Column::StartsAt)
        .order_by_asc(session::Column::Position)
        .order_by_asc(session::Column::Id))
}

/// One page of sessions in time order.
pub async fn list<C: PageSource>(
    db: &C,
    viewer: Viewer,
    filter: &SessionFilter,
    args: &PageArgs,
    want_total: bool,
) -> AppResult<Page<session::Model>> {
    paginate(db, query(viewer, filter)?, args, want_total).await
}

fn pick<T: Clone>(change: Option<T>, current: Option<&T>) -> Option<T> {
    change.or_else(|| current.cloned())
}

/// Values for a new or changed session. `None` leaves a field as it is (on create: its default);
/// `Some(None)` clears an optional field.
#[derive(Clone, Debug, Default)]
pub struct SessionChanges {
    /// The event; only on create (a session does not move between events).
    pub event_id: Option<i32>,
    pub title: Option<String>,
    pub subtitle: Option<Option<String>>,
    pub kind: Option<SessionKind>,
    pub starts_at: Option<When>,
    pub ends_at: Option<Option<When>>,
    pub position: Option<i32>,
    pub description: Option<Option<String>>,
    pub sources: Option<Vec<String>>,
}

/// Refuses a session that does not lie inside its event: it starts no earlier than the event, and
/// when the event has an end, it starts before that end and ends no later.
pub fn within_event(
    event: &entity::event::Model,
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
) -> AppResult<()> {
    let zone = event::time_zone(event);
    let local = |at: DateTime<Utc>| at.with_timezone(&zone).to_rfc3339();
    if starts_at < event.starts_at {
        return Err(AppError::bad_field(
            "startsAt",
            format!(
                "a session cannot start before its event, which starts at {}",
                local(event.starts_at)
            ),
        ));
    }
    if let Some(event_end) = event.ends_at {
        if starts_at >= event_end {
            return Err(AppError::bad_field(
                "startsAt",
                format!(
                    "a session must start before its event ends at {}",
                    local(event_end)
                ),
            ));
        }
        if let Some(end) = ends_at
            && end > event_end
        {
            return Err(AppError::bad_field(
                "endsAt",
                format!(
                    "a session cannot end after its event, which ends at {}",
                    local(event_end)
                ),
            ));
        }
    }
    Ok(())
}

/// The next free programme position of an event.
async fn next_session_position<C: ConnectionTrait>(db: &C, event_id: i32) -> AppResult<i32> {
    let last = session::Entity::find()
        .filter(session::Column::EventId.eq(event_id))
        .order_by_desc(session::Column::Position)
        .one(db)
        .await?;
    Ok(last.map_or(1, |s| s.position.max(0) + 1))
}

/// Validates the changes against the current session (none on create) into the values to store.
async fn prepare_session<C: ConnectionTrait>(
    db: &C,
    current: Option<&session::Model>,
    changes: SessionChanges,
) -> AppResult<session::ActiveModel> {
    let event = match (current, changes.event_id) {
        (Some(current), _) => entity::event::Entity::find_by_id(current.event_id)
            .one(db)
            .await?
            .ok_or(AppError::NotFound("Event"))?,
        (None, Some(event_id)) => {
            write::must_exist::<entity::event::Entity, _>(db, "event", event_id).await?
        }
        (None, None) => {
            return Err(AppError::bad_field(
                "event",
                "a session belongs to an event",
            ));
        }
    };
    let zone = event::time_zone(&event);
    let title = pick(changes.title, current.map(|s| &s.title))
        .ok_or_else(|| AppError::bad_field("title", "a session needs a title"))?;
    let title = validate::text("title", &title, 500)?;
    let subtitle = pick(changes.subtitle, current.map(|s| &s.subtitle)).flatten();
    let subtitle = validate::opt_text("subtitle", subtitle.as_deref(), 500)?;
    let description = pick(changes.description, current.map(|s| &s.description)).flatten();
    let description = validate::opt_text("description", description.as_deref(), 20_000)?;
    let kind = pick(changes.kind, current.map(|s| &s.kind))
        .ok_or_else(|| AppError::bad_field("kind", "a session needs a kind"))?;
    let end_changed = changes.ends_at.is_some();
    let starts_at = match (changes.starts_at, current) {
        (Some(when), _) => when.resolve("startsAt", zone)?,
        (None, Some(current)) => current.starts_at,
        (None, None) => return Err(AppError::bad_field("startsAt", "a session needs a start")),
    };
    let ends_at = match (changes.ends_at, current) {
        (Some(Some(when)), _) => Some(when.resolve("endsAt", zone)?),
        (Some(None), _) => None,
        (None, current) => current.and_then(|s| s.ends_at),
    };
    validate::end_after_start("endsAt", starts_at, ends_at)?;
    within_event(&event, starts_at, ends_at)?;
    let position = match (changes.position, current) {
        (Some(position), _) => validate::position("position", position)?,
        (None, Some(current)) => current.position,
        (None, None) => next_session_position(db, event.id).await?,
    };
    let sources = match changes.sources {
        Some(sources) => event::validate_sources(sources)?,
        None => current.map(|s| s.sources.clone()).unwrap_or_default(),
    };
    let mut record = match current {
        Some(current) => current.clone().into_active_model(),
        None => session::ActiveModel {
            event_id: Set(event.id),
            end_inferred: Set(false),
            ..Default::default()
        },
    };
    if end_changed {
        // An end given by an editor is a published end, not one taken from the next item.
        record.end_inferred = Set(false);
    }
    record.title = Set(title);
    record.subtitle = Set(subtitle);
    record.description = Set(description);
    record.kind = Set(kind);
    record.starts_at = Set(starts_at);
    record.ends_at = Set(ends_at);
    record.position = Set(position);
    record.sources = Set(sources);
    Ok(record)
}

/// Creates a session in an event's programme.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: SessionChanges,
) -> AppResult<session::Model> {
    let txn = write::begin(db).await?;
    let record = prepare_session(&txn, None, changes).await?;
    let created = write::create::<session::Entity, _>(&txn, actor, record).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a session (the version must match).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    changes: SessionChanges,
) -> AppResult<session::Model> {
    let txn = write::begin(db).await?;
    let current = write::load_for_change::<session::Entity, _>(&txn, id, expected_version).await?;
    let record = prepare_session(&txn, Some(&current), changes).await?;
    let updated = write::update::<session::Entity, _, _>(
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

/// Deletes a session with its contributions, and detaches the documents presented in it, each
/// change audited, in one transaction.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<session::Model> {
    let txn = write::begin(db).await?;
    write::load_for_change::<session::Entity, _>(&txn, id, expected_version).await?;
    let contributions = contribution::Entity::find()
        .filter(contribution::Column::SessionId.eq(id))
        .all(&txn)
        .await?;
    for owned in contributions {
        write::delete::<contribution::Entity, _>(&txn, actor, owned.id, owned.version).await?;
    }
    let documents = document::Entity::find()
        .filter(document::Column::SessionId.eq(id))
        .all(&txn)
        .await?;
    for presented in documents {
        write::update::<document::Entity, _, _>(
            &txn,
            actor,
            presented.clone(),
            AuditAction::Update,
            |_, target| {
                target.session_id = Set(None);
                Ok(())
            },
        )
        .await?;
    }
    let deleted = write::delete::<session::Entity, _>(&txn, actor, id, expected_version).await?;
    txn.commit().await?;
    Ok(deleted)
}

/// Values for a new or changed contribution. `None` leaves a field as it is (on create: its
/// default); `Some(None)` clears an optional field.
#[derive(Clone, Debug, Default)]
pub struct ContributionChanges {
    /// The session; `Some(None)` makes it a contribution to the event as a whole.
    pub session_id: Option<Option<i32>>,
    /// The event; taken from the session when one is given (and then must agree).
    pub event_id: Option<i32>,
    pub person_id: Option<Option<i32>>,
    pub organisation_id: Option<Option<i32>>,
    pub role: Option<ContributionRole>,
    pub affiliation: Option<Option<String>>,
    pub position: Option<i32>,
}

/// The next free position among the contributions to a session (or to the event as a whole).
async fn next_contribution_position<C: ConnectionTrait>(
    db: &C,
    event_id: i32,
    session_id: Option<i32>,
) -> AppResult<i32> {
    let mut query = contribution::Entity::find().filter(contribution::Column::EventId.eq(event_id));
    query = match session_id {
        Some(session) => query.filter(contribution::Column::SessionId.eq(session)),
        None => query.filter(contribution::Column::SessionId.is_null()),
    };
    let last = query
        .order_by_desc(contribution::Column::Position)
        .one(db)
        .await?;
    Ok(last.map_or(1, |c| c.position.max(0) + 1))
}

/// Validates the changes against the current contribution (none on create) into the values to store.
async fn prepare_contribution<C: ConnectionTrait>(
    db: &C,
    current: Option<&contribution::Model>,
    changes: ContributionChanges,
) -> AppResult<contribution::ActiveModel> {
    let session_id = pick(changes.session_id, current.map(|c| &c.session_id)).flatten();
    let event_id = match session_id {
        Some(session_id) => {
            let session =
                write::must_exist::<session::Entity, _>(db, "session", session_id).await?;
            if changes
                .event_id
                .is_some_and(|event| event != session.event_id)
            {
                return Err(AppError::bad_field(
                    "event",
                    "the session belongs to another event",
                ));
            }
            session.event_id
        }
        None => match (changes.event_id, current) {
            (Some(event_id), _) => {
                write::must_exist::<entity::event::Entity, _>(db, "event", event_id).await?;
                event_id
            }
            (None, Some(current)) => current.event_id,
            (None, None) => {
                return Err(AppError::bad_field(
                    "event",
                    "give the session, or the event for a contribution to the event as a whole",
                ));
            }
        },
    };
    let person_id = pick(changes.person_id, current.map(|c| &c.person_id)).flatten();
    if let Some(Some(person)) = changes.person_id {
        write::must_exist::<entity::person::Entity, _>(db, "person", person).await?;
    }
    let organisation_id =
        pick(changes.organisation_id, current.map(|c| &c.organisation_id)).flatten();
    if let Some(Some(organisation)) = changes.organisation_id {
        write::must_exist::<entity::organisation::Entity, _>(db, "organisation", organisation)
            .await?;
    }
    if person_id.is_none() && organisation_id.is_none() {
        return Err(AppError::bad_field(
            "person",
            "a contribution names a person, an organisation or both",
        ));
    }
    let role = pick(changes.role, current.map(|c| &c.role))
        .ok_or_else(|| AppError::bad_field("role", "a contribution needs a role"))?;
    let affiliation = pick(changes.affiliation, current.map(|c| &c.affiliation)).flatten();
    let affiliation = validate::opt_text("affiliation", affiliation.as_deref(), 500)?;
    let moved = current.is_some_and(|c| c.event_id != event_id || c.session_id != session_id);
    let position = match (changes.position, current) {
        (Some(position), _) => validate::position("position", position)?,
        (None, Some(current)) if !moved => current.position,
        _ => next_contribution_position(db, event_id, session_id).await?,
    };
    let mut record = match current {
        Some(current) => current.clone().into_active_model(),
        None => contribution::ActiveModel::default(),
    };
    record.event_id = Set(event_id);
    record.session_id = Set(session_id);
    record.person_id = Set(person_id);
    record.organisation_id = Set(organisation_id);
    record.role = Set(role);
    record.affiliation = Set(affiliation);
    record.position = Set(position);
    Ok(record)
}

/// Adds a person or organisation to a session or an event.
pub async fn create_contribution(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: ContributionChanges,
) -> AppResult<contribution::Model> {
    let txn = write::begin(db).await?;
    let record = prepare_contribution(&txn, None, changes).await?;
    let created = write::create::<contribution::Entity, _>(&txn, actor, record).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a contribution (the version must match).
pub async fn update_contribution(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    changes: ContributionChanges,
) -> AppResult<contribution::Model> {
    let txn = write::begin(db).await?;
    let current =
        write::load_for_change::<contribution::Entity, _>(&txn, id, expected_version).await?;
    let record = prepare_contribution(&txn, Some(&current), changes).await?;
    let updated = write::update::<contribution::Entity, _, _>(
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

/// Deletes a contribution (the version must match).
pub async fn delete_contribution(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<contribution::Model> {
    let txn = write::begin(db).await?;
    let deleted =
        write::delete::<contribution::Entity, _>(&txn, actor, id, expected_version).await?;
    txn.commit().await?;
    Ok(deleted)
}

/// Every contribution to an event (its sessions' and its own), for editing.
pub async fn contributions_of_event<C: ConnectionTrait>(
    db: &C,
    event_id: i32,
) -> AppResult<Vec<contribution::Model>> {
    Ok(contribution::Entity::find()
        .filter(contribution::Column::EventId.eq(event_id))
        .order_by_asc(contribution::Column::Position)
        .order_by_asc(contribution::Column::Id)
        .all(db)
        .await?)
}

/// Contributions for staff lists, by event and role, in event and programme order.
pub fn contribution_query(
    event_id: Option<i32>,
    role: Option<ContributionRole>,
) -> Select<contribution::Entity> {
    let mut select = contribution::Entity::find();
    if let Some(event) = event_id {
        select = select.filter(contribution::Column::EventId.eq(event));
    }
    if let Some(role) = role {
        select = select.filter(contribution::Column::Role.eq(role));
    }
    select
        .order_by_desc(contribution::Column::EventId)
        .order_by_asc(contribution::Column::SessionId)
        .order_by_asc(contribution::Column::Position)
        .order_by_asc(contribution::Column::Id)
}
