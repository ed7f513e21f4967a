//! The change feed: every change in commit order, as an anonymous reader may see it (what is public,
//! drafts once published, tombstones without personal data), or in full for staff with its author.
//! Also how each record type appears in the log (visibility, scope, owned rows).

use chrono::{DateTime, Utc};
use entity::change_log;
use entity::enums::ChangeAction;
use entity::{
    advisory_board_membership, contribution, document, document_author, event, event_organiser,
    model_project, model_project_partner, model_project_town, organisation, persisted_document,
    person, project_call, registration, session, staff_user, town, webhook_endpoint,
};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use crate::ids;
use crate::store::change_log::{Logged, Owned, Public, Scope};
use crate::viewer::Viewer;

/// Entries per page when no limit is given.
pub const DEFAULT_LIMIT: u64 = 100;
/// The most entries one page may hold.
pub const MAX_LIMIT: u64 = 1000;

/// The record types the log names, with the REST collection of those that have one.
const TYPES: [(&str, Option<&str>); 18] = [
    ("Town", Some("towns")),
    ("Organisation", Some("organisations")),
    ("Person", Some("people")),
    ("ProjectCall", None),
    ("ModelProject", Some("model-projects")),
    ("ModelProjectTown", None),
    ("ModelProjectPartner", None),
    ("Event", Some("events")),
    ("EventOrganiser", None),
    ("Session", Some("sessions")),
    ("Contribution", None),
    ("Registration", None),
    ("Document", Some("documents")),
    ("DocumentAuthor", None),
    ("BoardMembership", None),
    ("User", None),
    ("WebhookEndpoint", None),
    ("PersistedDocument", None),
];

/// Which entries to read; all given filters must hold.
#[derive(Clone, Debug, Default)]
pub struct ChangeFilter {
    /// Record types (`Event`, `Session`, …); empty for all.
    pub types: Vec<String>,
    pub event_id: Option<i32>,
    pub town_id: Option<i32>,
    pub model_project_id: Option<i32>,
}

impl ChangeFilter {
    /// Checks the type names; `field` names the input in errors.
    pub fn check(&self, field: &str) -> AppResult<()> {
        for name in &self.types {
            if !TYPES.iter().any(|(known, _)| known == name) {
                return Err(AppError::bad_field(
                    field,
                    format!(
                        "`{name}` is not a record type; use one of {}",
                        TYPES.map(|(known, _)| known).join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if !self.types.is_empty() {
            condition = condition.add(change_log::Column::RecordType.is_in(self.types.clone()));
        }
        if let Some(id) = self.event_id {
            condition = condition.add(change_log::Column::EventId.eq(id));
        }
        if let Some(id) = self.town_id {
            condition = condition.add(change_log::Column::TownId.eq(id));
        }
        if let Some(id) = self.model_project_id {
            condition = condition.add(change_log::Column::ModelProjectId.eq(id));
        }
        condition
    }
}

/// One entry as a reader sees it.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeEntry {
    /// The entry's place in commit order; also its cursor and its webhook message id.
    pub position: i64,
    /// When the change was made.
    pub at: DateTime<Utc>,
    /// The record's type.
    #[serde(rename = "type")]
    pub record_type: String,
    /// The record's global ID.
    pub id: String,
    /// What happened to the record.
    pub action: ChangeAction,
    /// Whether the reader should drop its copy (deleted, unpublished or erased).
    pub tombstone: bool,
    /// The record's version after the change (for a deletion: its last version).
    pub version: i32,
    /// The record's REST resource, for the types that have one.
    pub url: Option<String>,
    /// The event the record belongs to.
    pub event: Option<String>,
    /// The town the record belongs to.
    pub town: Option<String>,
    /// The model project the record belongs to.
    pub model_project: Option<String>,
    /// Who made the change (staff only; absent for bulk loads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The audit entry of the change (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_entry: Option<String>,
}

/// One page of the feed.
#[derive(Clone, Debug)]
pub struct Feed {
    pub entries: Vec<ChangeEntry>,
    /// Where to continue: the last position read, or the head when everything was read.
    pub next: i64,
    /// Whether more entries follow `next` already.
    pub has_more: bool,
}

/// The REST resource of a record, under `base` (empty for a path).
pub fn url_of(base: &str, record_type: &str, global_id: &str) -> Option<String> {
    TYPES
        .iter()
        .find(|(name, _)| *name == record_type)
        .and_then(|(_, collection)| *collection)
        .map(|collection| format!("{base}/api/v1/{collection}/{global_id}"))
}

/// An entry as `viewer` sees it; `None` when the entry is hidden from them.
pub fn entry_for(viewer: Viewer, entry: &change_log::Model, base: &str) -> Option<ChangeEntry> {
    let staff = viewer.is_staff();
    let action = if staff {
        entry.action
    } else {
        entry.public_action?
    };
    let id = ids::encode(&entry.record_type, entry.record_id);
    Some(ChangeEntry {
        position: entry.position?,
        at: entry.at,
        url: url_of(base, &entry.record_type, &id),
        record_type: entry.record_type.clone(),
        id,
        action,
        tombstone: action.is_tombstone(),
        version: entry.version,
        event: entry.event_id.map(|id| ids::encode("Event", id)),
        town: entry.town_id.map(|id| ids::encode("Town", id)),
        model_project: entry
            .model_project_id
            .map(|id| ids::encode("ModelProject", id)),
        author: staff.then(|| entry.actor_email.clone()).flatten(),
        audit_entry: staff
            .then(|| entry.audit_entry_id.map(|id| ids::encode("AuditEntry", id)))
            .flatten(),
    })
}

/// The public entries after `after` that pass `filter`: what webhooks deliver.
pub fn public_after(after: i64, filter: &ChangeFilter) -> Condition {
    Condition::all()
        .add(change_log::Column::Position.gt(after))
        .add(change_log::Column::PublicAction.is_not_null())
        .add(filter.condition())
}

/// The webhook payload's `data` of a public entry (nothing for an entry hidden from the public).
pub fn public_payload(entry: &change_log::Model, base: &str) -> serde_json::Value {
    entry_for(Viewer::Public, entry, base)
        .and_then(|entry| serde_json::to_value(entry).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// The highest committed position (0 for an empty log).
pub async fn head<C: ConnectionTrait>(db: &C) -> AppResult<i64> {
    crate::store::change_log::head(db).await
}

/// One page of the feed after position `after`, as `viewer` may see it.
pub async fn feed<C: ConnectionTrait>(
    db: &C,
    viewer: Viewer,
    after: i64,
    limit: Option<u64>,
    filter: &ChangeFilter,
    base: &str,
) -> AppResult<Feed> {
    if after < 0 {
        return Err(AppError::bad_field("after", "`after` must not be negative"));
    }
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::bad_field(
            "limit",
            format!("`limit` must be between 1 and {MAX_LIMIT}"),
        ));
    }
    // Every position up to the head read first is committed, so a short page may move the cursor
    // to that head without skipping anything.
    let head = head(db).await?;
    let mut condition = Condition::all()
        .add(change_log::Column::Position.gt(after))
        .add(change_log::Column::Position.lte(head))
        .add(filter.condition());
    if !viewer.is_staff() {
        condition = condition.add(change_log::Column::PublicAction.is_not_null());
    }
    let rows = change_log::Entity::find()
        .filter(condition)
        .order_by_asc(change_log::Column::Position)
        .limit(limit + 1)
        .all(db)
        .await?;
    let has_more = rows.len() as u64 > limit;
    let entries: Vec<ChangeEntry> = rows
        .iter()
        .take(limit as usize)
        .filter_map(|row| entry_for(viewer, row, base))
        .collect();
    let next = if has_more {
        entries.last().map_or(after, |entry| entry.position)
    } else {
        head.max(after)
    };
    Ok(Feed {
        entries,
        next,
        has_more,
    })
}

const fn owned(
    record_type: &'static str,
    table: &'static str,
    key: &'static str,
    public: bool,
) -> Owned {
    Owned {
        record_type,
        table,
        key,
        public,
    }
}

/// The people contributing to the event or session `id` (`column`: the contribution's key).
fn contributors(column: contribution::Column, id: i32) -> SelectStatement {
    Query::select()
        .column(contribution::Column::PersonId)
        .from(contribution::Entity)
        .and_where(column.eq(id))
        .to_owned()
}

impl Logged for town::Entity {
    fn scope(model: &town::Model) -> Scope {
        Scope {
            town: Some(model.id),
            ..Scope::default()
        }
    }
}

impl Logged for organisation::Entity {
    fn scope(model: &organisation::Model) -> Scope {
        Scope {
            town: model.town_id,
            ..Scope::default()
        }
    }
}

impl Logged for person::Entity {
    const OWNED: &'static [Owned] = &[
        owned("Registration", "registration", "person_id", false),
        owned(
            "BoardMembership",
            "advisory_board_membership",
            "person_id",
            true,
        ),
    ];

    fn public() -> Public {
        Public::When(super::person::visible(Viewer::Public))
    }

    fn scope(model: &person::Model) -> Scope {
        Scope {
            town: model.town_id,
            ..Scope::default()
        }
    }
}

impl Logged for project_call::Entity {}

impl Logged for model_project::Entity {
    const OWNED: &'static [Owned] = &[
        owned(
            "ModelProjectTown",
            "model_project_town",
            "model_project_id",
            true,
        ),
        owned(
            "ModelProjectPartner",
            "model_project_partner",
            "model_project_id",
            true,
        ),
    ];

    fn scope(model: &model_project::Model) -> Scope {
        Scope {
            model_project: Some(model.id),
            town: model.lead_town_id,
            ..Scope::default()
        }
    }
}

impl Logged for model_project_town::Entity {
    fn scope(model: &model_project_town::Model) -> Scope {
        Scope {
            model_project: Some(model.model_project_id),
            town: Some(model.town_id),
            ..Scope::default()
        }
    }
}

impl Logged for model_project_partner::Entity {
    fn scope(model: &model_project_partner::Model) -> Scope {
        Scope {
            model_project: Some(model.model_project_id),
            ..Scope::default()
        }
    }
}

impl Logged for event::Entity {
    const OWNED: &'static [Owned] = &[
        owned("Session", "session", "event_id", true),
        owned("Contribution", "contribution", "event_id", true),
        owned("EventOrganiser", "event_organiser", "event_id", true),
        owned("Registration", "registration", "event_id", false),
    ];

    fn public() -> Public {
        Public::When(super::event::visible(Viewer::Public))
    }

    fn scope(model: &event::Model) -> Scope {
        Scope {
            event: Some(model.id),
            town: model.town_id,
            model_project: model.model_project_id,
        }
    }

    fn people_of(id: i32) -> Option<SelectStatement> {
        Some(contributors(contribution::Column::EventId, id))
    }
}

impl Logged for event_organiser::Entity {
    fn public() -> Public {
        Public::When(Condition::all().add(
            event_organiser::Column::EventId.in_subquery(super::event::visible_ids(Viewer::Public)),
        ))
    }

    fn scope(model: &event_organiser::Model) -> Scope {
        Scope {
            event: Some(model.event_id),
            ..Scope::default()
        }
    }
}

impl Logged for session::Entity {
    const OWNED: &'static [Owned] = &[owned("Contribution", "contribution", "session_id", true)];

    fn public() -> Public {
        Public::When(super::session::visible(Viewer::Public))
    }

    fn scope(model: &session::Model) -> Scope {
        Scope {
            event: Some(model.event_id),
            ..Scope::default()
        }
    }

    fn people_of(id: i32) -> Option<SelectStatement> {
        Some(contributors(contribution::Column::SessionId, id))
    }
}

impl Logged for contribution::Entity {
    fn public() -> Public {
        Public::When(super::session::contribution_visible(Viewer::Public))
    }

    fn scope(model: &contribution::Model) -> Scope {
        Scope {
            event: Some(model.event_id),
            ..Scope::default()
        }
    }

    fn person_column() -> Option<contribution::Column> {
        Some(contribution::Column::PersonId)
    }
}

impl Logged for registration::Entity {
    fn public() -> Public {
        Public::Never
    }

    fn scope(model: &registration::Model) -> Scope {
        Scope {
            event: Some(model.event_id),
            ..Scope::default()
        }
    }
}

impl Logged for document::Entity {
    const OWNED: &'static [Owned] = &[owned(
        "DocumentAuthor",
        "document_author",
        "document_id",
        true,
    )];

    fn public() -> Public {
        Public::When(super::document::visible(Viewer::Public))
    }

    fn scope(model: &document::Model) -> Scope {
        Scope {
            event: model.event_id,
            model_project: model.model_project_id,
            ..Scope::default()
        }
    }

    fn people_of(id: i32) -> Option<SelectStatement> {
        Some(
            Query::select()
                .column(document_author::Column::PersonId)
                .from(document_author::Entity)
                .and_where(document_author::Column::DocumentId.eq(id))
                .to_owned(),
        )
    }
}

impl Logged for document_author::Entity {
    fn public() -> Public {
        Public::When(
            Condition::all().add(
                document_author::Column::DocumentId.in_subquery(
                    Query::select()
                        .column(document::Column::Id)
                        .from(document::Entity)
                        .cond_where(super::document::visible(Viewer::Public))
                        .to_owned(),
                ),
            ),
        )
    }

    fn person_column() -> Option<document_author::Column> {
        Some(document_author::Column::PersonId)
    }
}

impl Logged for advisory_board_membership::Entity {
    fn person_column() -> Option<advisory_board_membership::Column> {
        Some(advisory_board_membership::Column::PersonId)
    }
}

impl Logged for staff_user::Entity {
    fn public() -> Public {
        Public::Never
    }
}

impl Logged for webhook_endpoint::Entity {
    fn public() -> Public {
        Public::Never
    }
}

impl Logged for persisted_document::Entity {
    fn public() -> Public {
        Public::Never
    }
}

/// Entries for every record a bulk load wrote at `now` (created at `now`: `CREATED`; otherwise
/// `UPDATED`), appended in one go. Bulk loads set the same instant on every row they write.
pub async fn log_bulk<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> AppResult<usize> {
    use crate::store::change_log::{Author, append};
    let mut changes = Vec::new();
    macro_rules! collect {
        ($($module:ident),+ $(,)?) => {
            $(
                changes.extend(bulk::<$module::Entity, C>(db, now).await?);
            )+
        };
    }
    collect!(
        town,
        organisation,
        person,
        project_call,
        model_project,
        model_project_town,
        model_project_partner,
        event,
        event_organiser,
        session,
        contribution,
        registration,
        document,
        document_author,
        advisory_board_membership,
    );
    let count = changes.len();
    append(db, changes, Author::default(), now).await?;
    Ok(count)
}

async fn bulk<E, C>(db: &C, now: DateTime<Utc>) -> AppResult<Vec<crate::store::change_log::Change>>
where
    E: crate::store::write::Record,
    E::Model: Serialize + Clone + Send + Sync + sea_orm::IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    use crate::store::change_log::{Change, complete, public_ids};
    let rows = E::find()
        .filter(E::updated_at_column().eq(now))
        .order_by_asc(E::id_column())
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i32> = rows.iter().map(E::id_of).collect();
    let public = public_ids::<E, C>(db, E::id_column(), &ids).await?;
    let mut scopes: Vec<Scope> = rows.iter().map(E::scope).collect();
    complete(db, &mut scopes).await?;
    let created: Vec<bool> = created_now::<E, C>(db, &ids, now).await?;
    Ok(rows
        .iter()
        .zip(scopes)
        .zip(created)
        .map(|((row, scope), created)| {
            let id = E::id_of(row);
            let action = if created {
                ChangeAction::Created
            } else {
                ChangeAction::Updated
            };
            let visible = public.contains(&id);
            Change {
                record_type: E::TYPE,
                record_id: id,
                action,
                public_action: visible.then_some(action),
                version: E::version_of(row),
                scope,
            }
        })
        .collect())
}

/// For each of `ids` (in order), whether the row was created at `now`.
async fn created_now<E, C>(db: &C, ids: &[i32], now: DateTime<Utc>) -> AppResult<Vec<bool>>
where
    E: crate::store::write::Record,
    E::Model: Serialize + Clone + Send + Sync + sea_orm::IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    let mut created = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        let found: Vec<i32> = E::find()
            .select_only()
            .column(E::id_column())
            .filter(E::id_column().is_in(chunk.iter().copied()))
            .filter(E::created_at_column().eq(now))
            .into_tuple()
            .all(db)
            .await?;
        created.extend(found);
    }
    Ok(ids.iter().map(|id| created.contains(id)).collect())
}
