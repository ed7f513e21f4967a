//! Registrations: who registered for or attended an event. Private data: readable by staff only,
//! never listed, filtered or searched for anyone else; their audit entries mask status and note.

use chrono::{DateTime, Utc};
use entity::enums::{AuditAction, RegistrationStatus};
use entity::registration;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, Set,
};

use super::{event, validate};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::store::write;
use crate::viewer::Viewer;

/// Whether the viewer may read registrations at all (otherwise the fields are null).
pub fn may_read(viewer: Viewer) -> bool {
    viewer.is_staff()
}

/// Registrations the viewer may see: all for staff, none for anyone else.
pub fn visible(viewer: Viewer) -> Condition {
    if may_read(viewer) {
        Condition::all()
    } else {
        // The id is never null: a condition no row meets.
        Condition::all().add(registration::Column::Id.is_null())
    }
}

/// Values for a new or changed registration. `None` leaves a field as it is (on create: its
/// default); `Some(None)` clears an optional field. Event and person are set on create only.
#[derive(Clone, Debug, Default)]
pub struct RegistrationChanges {
    pub event_id: Option<i32>,
    pub person_id: Option<i32>,
    pub status: Option<RegistrationStatus>,
    pub registered_at: Option<Option<DateTime<Utc>>>,
    pub note: Option<Option<String>>,
    pub sources: Option<Vec<String>>,
}

fn pick<T: Clone>(change: Option<T>, current: Option<&T>) -> Option<T> {
    change.or_else(|| current.cloned())
}

async fn prepare<C: ConnectionTrait>(
    db: &C,
    current: Option<&registration::Model>,
    changes: RegistrationChanges,
) -> AppResult<registration::ActiveModel> {
    let mut record = match current {
        Some(current) => current.clone().into_active_model(),
        None => {
            let event_id = changes
                .event_id
                .ok_or_else(|| AppError::bad_field("event", "a registration is for an event"))?;
            let person_id = changes
                .person_id
                .ok_or_else(|| AppError::bad_field("person", "a registration is of a person"))?;
            write::must_exist::<entity::event::Entity, _>(db, "event", event_id).await?;
            write::must_exist::<entity::person::Entity, _>(db, "person", person_id).await?;
            let existing = registration::Entity::find()
                .filter(registration::Column::EventId.eq(event_id))
                .filter(registration::Column::PersonId.eq(person_id))
                .count(db)
                .await?;
            if existing > 0 {
                return Err(AppError::conflict(
                    "the person is registered for this event already",
                ));
            }
            registration::ActiveModel {
                event_id: Set(event_id),
                person_id: Set(person_id),
                ..Default::default()
            }
        }
    };
    let status =
        pick(changes.status, current.map(|r| &r.status)).unwrap_or(RegistrationStatus::Registered);
    let registered_at = pick(changes.registered_at, current.map(|r| &r.registered_at)).flatten();
    let note = pick(changes.note, current.map(|r| &r.note)).flatten();
    let note = validate::opt_text("note", note.as_deref(), 2_000)?;
    let sources = match changes.sources {
        Some(sources) => event::validate_sources(sources)?,
        None => current.map(|r| r.sources.clone()).unwrap_or_default(),
    };
    record.status = Set(status);
    record.registered_at = Set(registered_at);
    record.note = Set(note);
    record.sources = Set(sources);
    Ok(record)
}

/// Registers a person for an event; a second registration of the same person is a conflict.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: RegistrationChanges,
) -> AppResult<registration::Model> {
    let txn = write::begin(db).await?;
    let record = prepare(&txn, None, changes).await?;
    let created = write::create::<registration::Entity, _>(&txn, actor, record).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a registration (the version must match).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    changes: RegistrationChanges,
) -> AppResult<registration::Model> {
    if changes.event_id.is_some() || changes.person_id.is_some() {
        return Err(AppError::bad_input(
            "a registration keeps its event and person: delete it and register again",
        ));
    }
    let txn = write::begin(db).await?;
    let current =
        write::load_for_change::<registration::Entity, _>(&txn, id, expected_version).await?;
    let record = prepare(&txn, Some(&current), changes).await?;
    let updated = write::update::<registration::Entity, _, _>(
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

/// Deletes a registration (the version must match).
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<registration::Model> {
    let txn = write::begin(db).await?;
    let deleted =
        write::delete::<registration::Entity, _>(&txn, actor, id, expected_version).await?;
    txn.commit().await?;
    Ok(deleted)
}
