//! The one way records change: validated by the domain, then created, updated or deleted here with
//! optimistic locking, an audit entry, a change-log entry and a search-index update, inside the
//! caller's transaction.

use chrono::Utc;
use entity::audit_entry;
use entity::enums::{AuditAction, ChangeAction};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, EntityTrait, IntoActiveModel, QueryFilter, SqlErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait, Value,
};
use serde::Serialize;
use serde_json::{Map, Value as Json, json};

use super::change_log::{self, Author, Change, Logged, People};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};

/// A table the API writes to.
pub trait Record: EntityTrait + Logged
where
    Self::Model: Serialize + Clone + Send + Sync + IntoActiveModel<Self::ActiveModel>,
    Self::ActiveModel: ActiveModelTrait<Entity = Self> + Send,
{
    /// The public type name (also the audit log's entity type).
    const TYPE: &'static str;
    /// Fields shown as `"***"` in the audit log.
    const PRIVATE: &'static [&'static str] = &[];
    /// The primary key column.
    fn id_column() -> Self::Column;
    /// The optimistic-locking column.
    fn version_column() -> Self::Column;
    /// The creation-time column.
    fn created_at_column() -> Self::Column;
    /// The last-change column.
    fn updated_at_column() -> Self::Column;
    /// The row id.
    fn id_of(model: &Self::Model) -> i32;
    /// The row version.
    fn version_of(model: &Self::Model) -> i32;
}

/// Implements [`Record`] for entities with the standard columns.
macro_rules! record {
    ($($module:ident => $name:literal $(, private = [$($private:literal),*])?;)+) => {
        $(
            impl Record for entity::$module::Entity {
                const TYPE: &'static str = $name;
                $(const PRIVATE: &'static [&'static str] = &[$($private),*];)?
                fn id_column() -> Self::Column {
                    entity::$module::Column::Id
                }
                fn version_column() -> Self::Column {
                    entity::$module::Column::Version
                }
                fn created_at_column() -> Self::Column {
                    entity::$module::Column::CreatedAt
                }
                fn updated_at_column() -> Self::Column {
                    entity::$module::Column::UpdatedAt
                }
                fn id_of(model: &Self::Model) -> i32 {
                    model.id
                }
                fn version_of(model: &Self::Model) -> i32 {
                    model.version
                }
            }
        )+
    };
}

record! {
    town => "Town";
    organisation => "Organisation";
    person => "Person", private = ["email", "phone", "consent_given_at", "consent_note", "biography", "photo_url", "website"];
    project_call => "ProjectCall";
    model_project => "ModelProject";
    model_project_town => "ModelProjectTown";
    model_project_partner => "ModelProjectPartner";
    event => "Event";
    event_organiser => "EventOrganiser";
    session => "Session";
    contribution => "Contribution";
    registration => "Registration", private = ["status", "registered_at", "note", "sources"];
    document => "Document";
    document_author => "DocumentAuthor";
    advisory_board_membership => "BoardMembership";
    staff_user => "User";
    webhook_endpoint => "WebhookEndpoint", private = ["secret"];
    persisted_document => "PersistedDocument";
}

/// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so
/// concurrent writers wait for each other (busy timeout) instead of failing when they upgrade.
pub async fn begin(db: &DatabaseConnection) -> AppResult<DatabaseTransaction> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    let options = match db.get_database_backend() {
        DbBackend::Sqlite => options,
        _ => TransactionOptions::default(),
    };
    Ok(db.begin_with_options(options).await?)
}

/// Maps database failures to client errors where the client caused them.
pub fn map_db_error(error: DbErr) -> AppError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            AppError::conflict("a record with this key exists already")
        }
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => broken_reference(),
        // SQLite reports an `ON DELETE RESTRICT` as a trigger constraint (code 1811), which
        // sea-orm does not classify.
        _ if error.to_string().contains("FOREIGN KEY constraint failed") => broken_reference(),
        _ => AppError::from(error),
    }
}

fn broken_reference() -> AppError {
    AppError::conflict(
        "the change would break a reference: the record is still referenced by others, or refers to one that does not exist",
    )
}

/// `{ field: { before, after } }` for every field that differs, private fields masked, bookkeeping
/// fields left out.
pub fn changes(before: Option<&Json>, after: Option<&Json>, private: &[&str]) -> Json {
    let empty = Map::new();
    let before = before.and_then(Json::as_object).unwrap_or(&empty);
    let after = after.and_then(Json::as_object).unwrap_or(&empty);
    let mut fields: Vec<&String> = before.keys().chain(after.keys()).collect();
    fields.sort();
    fields.dedup();
    let mask = |field: &str, value: Option<&Json>| match value {
        None | Some(Json::Null) => Json::Null,
        Some(_) if private.contains(&field) => json!("***"),
        Some(value) => value.clone(),
    };
    let mut out = Map::new();
    for field in fields {
        if matches!(field.as_str(), "version" | "created_at" | "updated_at") {
            continue;
        }
        let (old, new) = (before.get(field), after.get(field));
        if old != new {
            out.insert(
                field.clone(),
                json!({ "before": mask(field, old), "after": mask(field, new) }),
            );
        }
    }
    Json::Object(out)
}

fn snapshot<T: Serialize>(model: &T) -> AppResult<Json> {
    serde_json::to_value(model).map_err(|e| AppError::Internal(format!("snapshot failed: {e}")))
}

/// Writes one audit entry; returns its id.
pub async fn audit<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    action: AuditAction,
    entity_type: &str,
    entity_id: i32,
    changes: Json,
) -> AppResult<i32> {
    let entry = audit_entry::ActiveModel {
        at: ActiveValue::Set(Utc::now()),
        actor_id: ActiveValue::Set((actor.id > 0).then_some(actor.id)),
        actor_email: ActiveValue::Set(actor.email.clone()),
        action: ActiveValue::Set(action),
        entity_type: ActiveValue::Set(entity_type.to_owned()),
        entity_id: ActiveValue::Set(entity_id),
        changes: ActiveValue::Set(changes),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(entry.id)
}

/// Appends the change-log entry of a created or updated record, with entries for the rows it owns
/// when its visibility flips. `public_before` is whether an anonymous reader could see the record
/// before (ignored on create).
async fn log<E, C>(
    db: &C,
    actor: &Actor,
    audit_entry: i32,
    action: AuditAction,
    model: &E::Model,
    public_before: bool,
    people: People,
) -> AppResult<()>
where
    E: Record,
    E::Model: Serialize + Clone + Send + Sync + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    let Some(action) = change_log::action_of(action) else {
        return Ok(());
    };
    let id = E::id_of(model);
    let public_after = if action == ChangeAction::Erased {
        public_before
    } else {
        change_log::is_public::<E, C>(db, E::id_column(), id).await?
    };
    let public_action = change_log::public_action(action, public_before, public_after);
    let mut scope = [E::scope(model)];
    change_log::complete(db, &mut scope).await?;
    let [scope] = scope;
    let mut changes = vec![Change {
        record_type: E::TYPE,
        record_id: id,
        action,
        public_action,
        version: E::version_of(model),
        scope,
    }];
    if public_before != public_after && action != ChangeAction::Created && !E::OWNED.is_empty() {
        let flip = if public_after {
            ChangeAction::Published
        } else {
            ChangeAction::Unpublished
        };
        changes.extend(change_log::owned_changes(db, E::OWNED, id, Some(flip), flip, scope).await?);
    }
    changes.extend(people.changes(db).await?);
    let author = Author {
        email: Some(&actor.email),
        audit_entry: Some(audit_entry),
    };
    change_log::append(db, changes, author, Utc::now()).await
}

/// Appends the change-log entries of a deleted record and of the rows deleted with it (`owned`,
/// read before the deletion).
async fn log_deletion<E, C>(
    db: &C,
    actor: &Actor,
    audit_entry: i32,
    action: AuditAction,
    model: &E::Model,
    public_before: bool,
    owned: Vec<Change>,
    people: People,
) -> AppResult<()>
where
    E: Record,
    E::Model: Serialize + Clone + Send + Sync + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    let action = change_log::action_of(action).unwrap_or(ChangeAction::Deleted);
    let mut scope = [E::scope(model)];
    change_log::complete(db, &mut scope).await?;
    let mut changes = vec![Change {
        record_type: E::TYPE,
        record_id: E::id_of(model),
        action,
        public_action: change_log::public_action(action, public_before, false),
        version: E::version_of(model),
        scope: scope[0],
    }];
    changes.extend(owned);
    changes.extend(people.changes(db).await?);
    let author = Author {
        email: Some(&actor.email),
        audit_entry: Some(audit_entry),
    };
    change_log::append(db, changes, author, Utc::now()).await
}

/// The person a record names in its person column, if its type has one.
fn person_of<E>(record: &E::ActiveModel) -> Option<i32>
where
    E: Record,
    E::Model: Serialize + Clone + Send + Sync + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    match record.get(E::person_column()?).into_value()? {
        Value::Int(id) => id,
        _ => None,
    }
}

/// Inserts a new record (version 1) and audits it.
pub async fn create<E, C>(db: &C, actor: &Actor, mut record: E::ActiveModel) -> AppResult<E::Model>
where
    E: Record,
    E::Model: Serialize + Clone + Send + Sync + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    let now = Utc::now();
    record.set(E::version_column(), Value::from(1i32));
    record.set(E::created_at_column(), Value::from(now));
    record.set(E::updated_at_column(), Value::from(now));
    let people = People::before::<E, C>(db, &[person_of::<E>(&record)], None).await?;
    let created = record.insert(db).await.map_err(map_db_error)?;
    let after = snapshot(&created)?;
    let entry = audit(
        db,
        actor,
        AuditAction::Create,
        E::TYPE,
        E::id_of(&created),
        changes(None, Some(&after), E::PRIVATE),
    )
    .await?;
    log::<E, C>(
        db,
        actor,
        entry,
        AuditAction::Create,
        &created,
        false,
        people,
    )
    .await?;
    super::search_index::record_saved(db, E::TYPE, E::id_of(&created), &created).await?;
    Ok(created)
}

/// Loads a record for a change and checks the version the client saw.
pub async fn load_for_change<E, C>(db: &C, id: i32, expected_version: i32) -> AppResult<E::Model>
where
    E: Record,
    E::Model: Serialize + Clone + Send + Sync + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    let current = E::find()
        .filter(E::id_column().eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound(E::TYPE))?;
    let version = E::version_of(&current);
    if version != expected_version {
        return Err(stale::<E>(version));
    }
    Ok(current)
}

fn stale<E: Record>(current: i32) -> AppError
where
    E::Model: Serialize + Clone + Send + Sync + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    AppError::Conflict {
        message: format!(
            "this {} was changed by someone else (current version {current}); reload and apply your change again",
            E::TYPE
        ),
        current_version: Some(current),
    }
}

/// Changes `current`, a record loaded with [`load_for_change`] (so its version is the one the client
/// saw): `apply` sets the new values. The version goes up by one; the change is audited with
/// `action`. The row is written and read back in one statement (`UPDATE … RETURNING`), and is not
/// read again.
pub async fn update<E, C, F>(
    db: &C,
    actor: &Actor,
    current: E::Model,
    action: AuditAction,
    apply: F,
) -> AppResult<E::Model>
where
    E: Record,
    E::Model: Serialize + Clone + Send + Sync + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
    F: FnOnce(&E::Model, &mut E::ActiveModel) -> AppResult<()>,
{
    update_audited_as::<E, C, F>(db, actor, current, action, None, apply).await
}

/// Like [`update`], but audits `summary` instead of the field differences when one is given: for
/// changes whose differences would themselves be personal data (an erasure).
pub async fn update_audited_as<E, C, F>(
    db: &C,
    actor: &Actor,
    current: E::Model,
    action: AuditAction,
    summary: Option<Json>,
    apply: F,
) -> AppResult<E::Model>
where
    E: Record,
    E::Model: Serialize + Clone + Send + Sync + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
    F: FnOnce(&E::Model, &mut E::ActiveModel) -> AppResult<()>,
{
    let id = E::id_of(&current);
    let expected_version = E::version_of(&current);
    let public_before = change_log::is_public::<E, C>(db, E::id_column(), id).await?;
    let mut record = current.clone().into_active_model();
    let person_before = person_of::<E>(&record);
    apply(&current, &mut record)?;
    let people =
        People::before::<E, C>(db, &[person_before, person_of::<E>(&record)], Some(id)).await?;
    record.set(E::version_column(), Value::from(expected_version + 1));
    record.set(E::updated_at_column(), Value::from(Utc::now()));
    // The version condition makes the write itself the lock: of two concurrent editors, one wins.
    let updated = E::update_many()
        .set(record)
        .filter(E::id_column().eq(id))
        .filter(E::version_column().eq(expected_version))
        .exec_with_returning(db)
        .await
        .map_err(map_db_error)?
        .into_iter()
        .next();
    let Some(updated) = updated else {
        let now = E::find().filter(E::id_column().eq(id)).one(db).await?;
        return Err(match now {
            Some(now) => stale::<E>(E::version_of(&now)),
            None => AppError::NotFound(E::TYPE),
        });
    };
    let summary = match summary {
        Some(summary) => summary,
        None => changes(
            Some(&snapshot(&current)?),
            Some(&snapshot(&updated)?),
            E::PRIVATE,
        ),
    };
    let entry = audit(db, actor, action, E::TYPE, id, summary).await?;
    log::<E, C>(db, actor, entry, action, &updated, public_before, people).await?;
    super::search_index::record_saved(db, E::TYPE, id, &updated).await?;
    Ok(updated)
}

/// Deletes a record when its version is still `expected_version`. Owned rows go with it (by the
/// schema's cascades); a record others still refer to is refused with `CONFLICT`.
pub async fn delete<E, C>(
    db: &C,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<E::Model>
where
    E: Record,
    E::Model: Serialize + Clone + Send + Sync + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    delete_audited_as::<E, C>(db, actor, id, expected_version, AuditAction::Delete, None).await
}

/// Like [`delete`], audited with `action` and, when given, `summary` instead of the deleted values
/// (for an erasure, whose log entry must not keep the personal data it removes).
pub async fn delete_audited_as<E, C>(
    db: &C,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    action: AuditAction,
    summary: Option<Json>,
) -> AppResult<E::Model>
where
    E: Record,
    E::Model: Serialize + Clone + Send + Sync + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    let current = load_for_change::<E, C>(db, id, expected_version).await?;
    let public_before = change_log::is_public::<E, C>(db, E::id_column(), id).await?;
    let people = People::before::<E, C>(
        db,
        &[person_of::<E>(&current.clone().into_active_model())],
        Some(id),
    )
    .await?;
    let mut owned = Vec::new();
    if !E::OWNED.is_empty() {
        let mut scope = [E::scope(&current)];
        change_log::complete(db, &mut scope).await?;
        let owned_action = change_log::action_of(action).unwrap_or(ChangeAction::Deleted);
        owned = change_log::owned_changes(
            db,
            E::OWNED,
            id,
            public_before.then_some(owned_action),
            owned_action,
            scope[0],
        )
        .await?;
    }
    let result = E::delete_many()
        .filter(E::id_column().eq(id))
        .filter(E::version_column().eq(expected_version))
        .exec(db)
        .await
        .map_err(|error| match map_db_error(error) {
            AppError::Conflict { .. } => AppError::conflict(format!(
                "this {} is still referenced by other records; remove those references first",
                E::TYPE
            )),
            other => other,
        })?;
    if result.rows_affected == 0 {
        return Err(stale::<E>(E::version_of(&current)));
    }
    let summary = match summary {
        Some(summary) => summary,
        None => changes(Some(&snapshot(&current)?), None, E::PRIVATE),
    };
    let entry = audit(db, actor, action, E::TYPE, id, summary).await?;
    log_deletion::<E, C>(
        db,
        actor,
        entry,
        action,
        &current,
        public_before,
        owned,
        people,
    )
    .await?;
    super::search_index::record_deleted(db, E::TYPE, id).await?;
    Ok(current)
}

/// The value of a changed field, else its current value (none on create).
pub fn pick<T: Clone>(change: Option<T>, current: Option<&T>) -> Option<T> {
    change.or_else(|| current.cloned())
}

/// An audit entry's changes with every value replaced by `"***"`; field names and nulls stay.
pub fn mask_all(changes: &Json) -> Json {
    match changes {
        Json::Null => Json::Null,
        Json::Object(fields) => Json::Object(
            fields
                .iter()
                .map(|(field, value)| (field.clone(), mask_all(value)))
                .collect(),
        ),
        _ => json!("***"),
    }
}

/// Masks every value of the audit entries about one record, so an erased person's data does not
/// survive in the log. Returns how many entries were rewritten.
pub async fn mask_audit_entries<C: ConnectionTrait>(
    db: &C,
    entity_type: &str,
    entity_id: i32,
) -> AppResult<u64> {
    let entries = audit_entry::Entity::find()
        .filter(audit_entry::Column::EntityType.eq(entity_type))
        .filter(audit_entry::Column::EntityId.eq(entity_id))
        .all(db)
        .await?;
    let mut rewritten = 0;
    for entry in entries {
        let masked = mask_all(&entry.changes);
        if masked != entry.changes {
            audit_entry::ActiveModel {
                id: ActiveValue::Unchanged(entry.id),
                changes: ActiveValue::Set(masked),
                ..Default::default()
            }
            .update(db)
            .await?;
            rewritten += 1;
        }
    }
    Ok(rewritten)
}

/// Checks that a referenced record exists, naming the input field otherwise.
pub async fn must_exist<E, C>(db: &C, field: &str, id: i32) -> AppResult<E::Model>
where
    E: Record,
    E::Model: Serialize + Clone + Send + Sync + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    E::find()
        .filter(E::id_column().eq(id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_field(field, format!("no {} with this ID", E::TYPE)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_keeps_field_names_and_nulls_only() {
        let entry = json!({ "name": { "before": null, "after": "Erika" }, "sources": { "before": [], "after": ["https://x.org"] } });
        assert_eq!(
            mask_all(&entry),
            json!({ "name": { "before": null, "after": "***" }, "sources": { "before": "***", "after": "***" } })
        );
    }

    #[test]
    fn changes_list_differences_and_mask_private_fields() {
        let before = json!({ "name": "A", "email": "a@x.org", "version": 1, "phone": null });
        let after = json!({ "name": "B", "email": "b@x.org", "version": 2, "phone": null });
        let diff = changes(Some(&before), Some(&after), &["email"]);
        assert_eq!(
            diff,
            json!({
                "name": { "before": "A", "after": "B" },
                "email": { "before": "***", "after": "***" }
            })
        );
    }
}
