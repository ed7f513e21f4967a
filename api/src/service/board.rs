//! Advisory-board (Beirat) memberships: a person's seat on a board, with role and period.

use entity::advisory_board_membership as membership;
use entity::enums::{AuditAction, BoardRole, OrganisationKind};
use sea_orm::{ConnectionTrait, DatabaseConnection, IntoActiveModel, Set};

use super::{event, validate};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::store::write;

/// Values for a new or changed membership. `None` leaves a field as it is (on create: its default);
/// `Some(None)` clears an optional field.
#[derive(Clone, Debug, Default)]
pub struct BoardMembershipChanges {
    /// The board: an organisation of kind ADVISORY_BOARD.
    pub board_id: Option<i32>,
    pub person_id: Option<i32>,
    pub role: Option<BoardRole>,
    /// ISO 8601 date, possibly partial.
    pub from: Option<Option<String>>,
    /// ISO 8601 date, possibly partial; not before `from`.
    pub until: Option<Option<String>>,
    pub note: Option<Option<String>>,
    pub sources: Option<Vec<String>>,
}

fn pick<T: Clone>(change: Option<T>, current: Option<&T>) -> Option<T> {
    change.or_else(|| current.cloned())
}

async fn prepare<C: ConnectionTrait>(
    db: &C,
    current: Option<&membership::Model>,
    changes: BoardMembershipChanges,
) -> AppResult<membership::ActiveModel> {
    if let Some(board) = changes.board_id {
        let board =
            write::must_exist::<entity::organisation::Entity, _>(db, "board", board).await?;
        if board.kind != OrganisationKind::AdvisoryBoard {
            return Err(AppError::bad_field(
                "board",
                "the board must be an organisation of kind ADVISORY_BOARD",
            ));
        }
    }
    let board_id = pick(changes.board_id, current.map(|m| &m.board_id))
        .ok_or_else(|| AppError::bad_field("board", "a membership is a seat on a board"))?;
    if let Some(person) = changes.person_id {
        write::must_exist::<entity::person::Entity, _>(db, "person", person).await?;
    }
    let person_id = pick(changes.person_id, current.map(|m| &m.person_id))
        .ok_or_else(|| AppError::bad_field("person", "a membership is held by a person"))?;
    let role = pick(changes.role, current.map(|m| &m.role))
        .ok_or_else(|| AppError::bad_field("role", "a membership needs a role"))?;
    let from = pick(changes.from, current.map(|m| &m.from_date)).flatten();
    let from = validate::opt_partial_date("from", from.as_deref())?;
    let until = pick(changes.until, current.map(|m| &m.until_date)).flatten();
    let until = validate::opt_partial_date("until", until.as_deref())?;
    validate::dates_in_order("until", from.as_deref(), until.as_deref())?;
    let note = pick(changes.note, current.map(|m| &m.note)).flatten();
    let note = validate::opt_text("note", note.as_deref(), 2_000)?;
    let sources = match changes.sources {
        Some(sources) => event::validate_sources(sources)?,
        None => current.map(|m| m.sources.clone()).unwrap_or_default(),
    };
    let mut record = match current {
        Some(current) => current.clone().into_active_model(),
        None => membership::ActiveModel::default(),
    };
    record.board_id = Set(board_id);
    record.person_id = Set(person_id);
    record.role = Set(role);
    record.from_date = Set(from);
    record.until_date = Set(until);
    record.note = Set(note);
    record.sources = Set(sources);
    Ok(record)
}

/// Records a seat on an advisory board.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: BoardMembershipChanges,
) -> AppResult<membership::Model> {
    let txn = write::begin(db).await?;
    let record = prepare(&txn, None, changes).await?;
    let created = write::create::<membership::Entity, _>(&txn, actor, record).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a seat (the version must match).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    changes: BoardMembershipChanges,
) -> AppResult<membership::Model> {
    let txn = write::begin(db).await?;
    let current =
        write::load_for_change::<membership::Entity, _>(&txn, id, expected_version).await?;
    let record = prepare(&txn, Some(&current), changes).await?;
    let updated = write::update::<membership::Entity, _, _>(
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

/// Deletes a seat (the version must match).
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<membership::Model> {
    let txn = write::begin(db).await?;
    let deleted = write::delete::<membership::Entity, _>(&txn, actor, id, expected_version).await?;
    txn.commit().await?;
    Ok(deleted)
}

/// Board memberships for staff lists: one board's or all, by board and person.
pub fn list_query(board_id: Option<i32>) -> sea_orm::Select<membership::Entity> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let mut select = membership::Entity::find();
    if let Some(board) = board_id {
        select = select.filter(membership::Column::BoardId.eq(board));
    }
    select
        .order_by_asc(membership::Column::BoardId)
        .order_by_asc(membership::Column::PersonId)
        .order_by_asc(membership::Column::Id)
}
