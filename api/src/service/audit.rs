//! Reading the audit log: staff only, newest first. Entries are written by [`crate::store::write`] in the
//! transaction of each change and never changed or deleted.

use chrono::{DateTime, Utc};
use entity::audit_entry;
use entity::enums::AuditAction;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
};

use crate::error::{AppError, AppResult};
use crate::ids;
use crate::store::page::{Page, PageArgs, paginate};
use crate::viewer::Viewer;

/// Filters of the audit log; all given filters must hold.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// The public type name of the changed records (`Event`, `Session`, …).
    pub entity_type: Option<String>,
    /// One record, by global ID.
    pub entity_id: Option<String>,
    /// The e-mail address of the staff member who made the change.
    pub actor_email: Option<String>,
    pub action: Option<AuditAction>,
    /// Entries at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Entries before this instant.
    pub to: Option<DateTime<Utc>>,
}

/// Whether the viewer may read audit entries (the log and every record's history).
pub fn may_read(viewer: Viewer) -> bool {
    viewer.is_staff()
}

/// The audit entries of records of one type the viewer may see: all for staff, none otherwise.
/// Every `history` field loads through this condition.
pub fn history_scope(viewer: Viewer, entity_type: &str) -> Condition {
    let scope = Condition::all().add(audit_entry::Column::EntityType.eq(entity_type));
    if may_read(viewer) {
        scope
    } else {
        // The id is never null: a condition no row meets.
        scope.add(audit_entry::Column::Id.is_null())
    }
}

/// Newest first; ties by id, newest first.
pub fn newest_first(select: Select<audit_entry::Entity>) -> Select<audit_entry::Entity> {
    select
        .order_by_desc(audit_entry::Column::At)
        .order_by_desc(audit_entry::Column::Id)
}

fn query(filter: &AuditFilter) -> AppResult<Select<audit_entry::Entity>> {
    let mut condition = Condition::all();
    let entity_type = filter
        .entity_type
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let entity =
        match &filter.entity_id {
            Some(global) => Some(ids::decode(global).map_err(|_| {
                AppError::bad_field("filter.entityId", "`entityId` is not a valid ID")
            })?),
            None => None,
        };
    if let (Some(entity_type), Some((record_type, _))) = (entity_type, &entity)
        && entity_type != record_type
    {
        return Err(AppError::bad_field(
            "filter.entityId",
            format!("`entityId` names a {record_type}, not a {entity_type}"),
        ));
    }
    if let Some(entity_type) = entity_type {
        condition = condition.add(audit_entry::Column::EntityType.eq(entity_type));
    }
    if let Some((record_type, id)) = &entity {
        condition = condition
            .add(audit_entry::Column::EntityType.eq(record_type.as_str()))
            .add(audit_entry::Column::EntityId.eq(*id));
    }
    if let Some(email) = &filter.actor_email {
        condition = condition.add(audit_entry::Column::ActorEmail.eq(email.trim().to_lowercase()));
    }
    if let Some(action) = filter.action {
        condition = condition.add(audit_entry::Column::Action.eq(action));
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
        condition = condition.add(audit_entry::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(audit_entry::Column::At.lt(to));
    }
    Ok(newest_first(audit_entry::Entity::find().filter(condition)))
}

/// One page of the audit log, newest first (staff only).
pub async fn list<C: ConnectionTrait>(
    db: &C,
    viewer: Viewer,
    filter: &AuditFilter,
    args: &PageArgs,
    want_total: bool,
) -> AppResult<Page<audit_entry::Model>> {
    if !may_read(viewer) {
        return Err(AppError::Unauthenticated(
            "log in to read the audit log".to_owned(),
        ));
    }
    paginate(db, query(filter)?, args, want_total).await
}
