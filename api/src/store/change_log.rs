//! Appending to the change log, in the transaction of the change: which record, what happened, its
//! new version, who did it, what an anonymous reader may see of it, and the event, town and model
//! project it belongs to. Positions are assigned by the database when the transaction commits
//! (see the migration `create_change_log`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SubsecRound, Utc};
use entity::change_log;
use entity::enums::{AuditAction, ChangeAction};
use entity::{event, person};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ActiveValue, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::error::AppResult;

/// Rows per multi-row insert and per `IN` list.
const CHUNK: usize = 500;

/// The current instant to microseconds, the precision both backends keep: a bulk load stamps its
/// rows with it and finds them again by it.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Which records of a type an anonymous reader may see.
#[derive(Clone, Debug)]
pub enum Public {
    Always,
    Never,
    /// Those meeting a condition on the type's table.
    When(Condition),
}

/// The event, town and model project a record belongs to: what the feed filters on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub event: Option<i32>,
    pub town: Option<i32>,
    pub model_project: Option<i32>,
}

/// Rows that the schema deletes with a record (`ON DELETE CASCADE`): they get entries of their
/// own, so a reader following them learns that they are gone.
#[derive(Clone, Copy, Debug)]
pub struct Owned {
    /// Their public type name.
    pub record_type: &'static str,
    pub table: &'static str,
    /// Their column that refers to the owner.
    pub key: &'static str,
    /// Whether they are public exactly when their owner is (else never).
    pub public: bool,
}

/// How the records of a type appear in the change log.
pub trait Logged: EntityTrait {
    /// Rows deleted with a record of this type, and made visible or hidden with it.
    const OWNED: &'static [Owned] = &[];

    /// Which records an anonymous reader may see.
    fn public() -> Public {
        Public::Always
    }

    /// The event, town and model project a record belongs to, as far as the record itself says.
    fn scope(_model: &Self::Model) -> Scope {
        Scope::default()
    }

    /// The column naming a person whom a record of this type can make public (a contribution, an
    /// authorship, a board seat).
    fn person_column() -> Option<Self::Column> {
        None
    }

    /// The people whose visibility follows the record `id` (an event's contributors, a document's
    /// authors), as a query of their ids.
    fn people_of(_id: i32) -> Option<SelectStatement> {
        None
    }
}

/// People a change may make public or hide, and which of them an anonymous reader could see
/// before it: people are public through their part in a published programme or a document, so a
/// change to those records changes who is public.
#[derive(Clone, Debug, Default)]
pub struct People {
    ids: Vec<i32>,
    public_before: HashSet<i32>,
}

impl People {
    /// The people named by `persons` (values of a record's person column) and by the record `id`'s
    /// `people_of`, with their visibility now, before the change.
    pub async fn before<E, C>(db: &C, persons: &[Option<i32>], id: Option<i32>) -> AppResult<Self>
    where
        E: Logged,
        C: ConnectionTrait,
    {
        let mut ids: Vec<i32> = persons.iter().flatten().copied().collect();
        if let Some(query) = id.and_then(E::people_of) {
            let rows = PersonRow::find_by_statement(db.get_database_backend().build(&query))
                .all(db)
                .await?;
            ids.extend(rows.into_iter().filter_map(|row| row.person_id));
        }
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(Self::default());
        }
        let public_before = public_ids::<person::Entity, C>(db, person::Column::Id, &ids).await?;
        Ok(Self { ids, public_before })
    }

    /// Entries for the people whose visibility the change flipped: `PUBLISHED` or `UNPUBLISHED`,
    /// at their current version.
    pub async fn changes<C: ConnectionTrait>(&self, db: &C) -> AppResult<Vec<Change>> {
        if self.ids.is_empty() {
            return Ok(Vec::new());
        }
        let public_after =
            public_ids::<person::Entity, C>(db, person::Column::Id, &self.ids).await?;
        let flipped: Vec<i32> = self
            .ids
            .iter()
            .copied()
            .filter(|id| self.public_before.contains(id) != public_after.contains(id))
            .collect();
        if flipped.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(i32, i32, Option<i32>)> = person::Entity::find()
            .select_only()
            .column(person::Column::Id)
            .column(person::Column::Version)
            .column(person::Column::TownId)
            .filter(person::Column::Id.is_in(flipped))
            .order_by_asc(person::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, version, town)| {
                let action = if public_after.contains(&id) {
                    ChangeAction::Published
                } else {
                    ChangeAction::Unpublished
                };
                Change {
                    record_type: "Person",
                    record_id: id,
                    action,
                    public_action: Some(action),
                    version,
                    scope: Scope {
                        town,
                        ..Scope::default()
                    },
                }
            })
            .collect())
    }
}

#[derive(FromQueryResult)]
struct PersonRow {
    person_id: Option<i32>,
}

/// One entry to append.
#[derive(Clone, Debug)]
pub struct Change {
    pub record_type: &'static str,
    pub record_id: i32,
    pub action: ChangeAction,
    pub public_action: Option<ChangeAction>,
    pub version: i32,
    pub scope: Scope,
}

/// Who made a change, and the audit entry that describes it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Author<'a> {
    pub email: Option<&'a str>,
    pub audit_entry: Option<i32>,
}

/// The change-log action of an audited change; `None` for entries that change nothing (exports).
pub fn action_of(action: AuditAction) -> Option<ChangeAction> {
    match action {
        AuditAction::Create => Some(ChangeAction::Created),
        AuditAction::Update => Some(ChangeAction::Updated),
        AuditAction::Delete => Some(ChangeAction::Deleted),
        AuditAction::Publish => Some(ChangeAction::Published),
        AuditAction::Unpublish => Some(ChangeAction::Unpublished),
        AuditAction::Erase => Some(ChangeAction::Erased),
        AuditAction::Export => None,
    }
}

/// What an anonymous reader sees of a change, given whether they could see the record before and
/// after it: a record that appears is `CREATED` or `PUBLISHED`, one that disappears is a tombstone,
/// one they never see has no entry for them.
pub fn public_action(action: ChangeAction, before: bool, after: bool) -> Option<ChangeAction> {
    match action {
        ChangeAction::Created => after.then_some(ChangeAction::Created),
        ChangeAction::Deleted | ChangeAction::Erased => before.then_some(action),
        ChangeAction::Updated | ChangeAction::Published | ChangeAction::Unpublished => {
            match (before, after) {
                (true, true) => Some(ChangeAction::Updated),
                (false, true) => Some(ChangeAction::Published),
                (true, false) => Some(ChangeAction::Unpublished),
                (false, false) => None,
            }
        }
    }
}

/// Which of `ids` (records of type `E`) an anonymous reader may see now.
pub async fn public_ids<E, C>(db: &C, id_column: E::Column, ids: &[i32]) -> AppResult<HashSet<i32>>
where
    E: Logged,
    C: ConnectionTrait,
{
    let condition = match E::public() {
        Public::Always => return Ok(ids.iter().copied().collect()),
        Public::Never => return Ok(HashSet::new()),
        Public::When(condition) => condition,
    };
    let mut public = HashSet::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let found: Vec<i32> = E::find()
            .select_only()
            .column(id_column)
            .filter(id_column.is_in(chunk.iter().copied()))
            .filter(condition.clone())
            .into_tuple()
            .all(db)
            .await?;
        public.extend(found);
    }
    Ok(public)
}

/// Whether an anonymous reader may see the record `id` of type `E` now.
pub async fn is_public<E, C>(db: &C, id_column: E::Column, id: i32) -> AppResult<bool>
where
    E: Logged,
    C: ConnectionTrait,
{
    Ok(match E::public() {
        Public::Always => true,
        Public::Never => false,
        Public::When(condition) => {
            let found: Option<i32> = E::find()
                .select_only()
                .column(id_column)
                .filter(id_column.eq(id))
                .filter(condition)
                .into_tuple()
                .one(db)
                .await?;
            found.is_some()
        }
    })
}

/// Fills in the town and model project of scopes that name an event, from that event.
pub async fn complete<C: ConnectionTrait>(db: &C, scopes: &mut [Scope]) -> AppResult<()> {
    let events: Vec<i32> = scopes
        .iter()
        .filter(|scope| scope.town.is_none() || scope.model_project.is_none())
        .filter_map(|scope| scope.event)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if events.is_empty() {
        return Ok(());
    }
    let mut found: HashMap<i32, (Option<i32>, Option<i32>)> = HashMap::new();
    for chunk in events.chunks(CHUNK) {
        let rows: Vec<(i32, Option<i32>, Option<i32>)> = event::Entity::find()
            .select_only()
            .column(event::Column::Id)
            .column(event::Column::TownId)
            .column(event::Column::ModelProjectId)
            .filter(event::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(
            rows.into_iter()
                .map(|(id, town, project)| (id, (town, project))),
        );
    }
    for scope in scopes {
        if let Some((town, project)) = scope.event.and_then(|id| found.get(&id)) {
            scope.town = scope.town.or(*town);
            scope.model_project = scope.model_project.or(*project);
        }
    }
    Ok(())
}

/// Appends entries (their positions are assigned at commit).
pub async fn append<C: ConnectionTrait>(
    db: &C,
    changes: Vec<Change>,
    author: Author<'_>,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let mut pending = changes.into_iter().peekable();
    while pending.peek().is_some() {
        let rows: Vec<change_log::ActiveModel> = pending
            .by_ref()
            .take(CHUNK)
            .map(|change| change_log::ActiveModel {
                id: ActiveValue::NotSet,
                position: ActiveValue::Set(None),
                at: ActiveValue::Set(at),
                record_type: ActiveValue::Set(change.record_type.to_owned()),
                record_id: ActiveValue::Set(change.record_id),
                action: ActiveValue::Set(change.action),
                public_action: ActiveValue::Set(change.public_action),
                version: ActiveValue::Set(change.version),
                event_id: ActiveValue::Set(change.scope.event),
                town_id: ActiveValue::Set(change.scope.town),
                model_project_id: ActiveValue::Set(change.scope.model_project),
                audit_entry_id: ActiveValue::Set(author.audit_entry),
                actor_email: ActiveValue::Set(author.email.map(str::to_owned)),
            })
            .collect();
        change_log::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

#[derive(FromQueryResult)]
struct OwnedRow {
    id: i32,
    version: i32,
}

/// Entries for the rows `owned` by a record that was deleted (`action` `DELETED` or `ERASED`) or
/// whose visibility flipped (`PUBLISHED`, `UNPUBLISHED`): the owner's scope, and public when the
/// owner's entry is. Call before the deletion.
pub async fn owned_changes<C: ConnectionTrait>(
    db: &C,
    owned: &[Owned],
    owner: i32,
    owner_public: Option<ChangeAction>,
    action: ChangeAction,
    scope: Scope,
) -> AppResult<Vec<Change>> {
    let flip = matches!(action, ChangeAction::Published | ChangeAction::Unpublished);
    let action = match action {
        ChangeAction::Erased => ChangeAction::Deleted,
        other => other,
    };
    let mut changes = Vec::new();
    for rows in owned {
        if flip && !rows.public {
            continue;
        }
        let select = Query::select()
            .column(Alias::new("id"))
            .column(Alias::new("version"))
            .from(Alias::new(rows.table))
            .and_where(Expr::col(Alias::new(rows.key)).eq(owner))
            .to_owned();
        let found = OwnedRow::find_by_statement(db.get_database_backend().build(&select))
            .all(db)
            .await?;
        changes.extend(found.into_iter().map(|row| Change {
            record_type: rows.record_type,
            record_id: row.id,
            action,
            public_action: if rows.public {
                owner_public.map(|_| action)
            } else {
                None
            },
            version: row.version,
            scope,
        }));
    }
    Ok(changes)
}

/// The highest committed position (0 for an empty log).
pub async fn head<C: ConnectionTrait>(db: &C) -> AppResult<i64> {
    let head: Option<Option<i64>> = change_log::Entity::find()
        .select_only()
        .column_as(change_log::Column::Position.max(), "head")
        .into_tuple()
        .one(db)
        .await?;
    Ok(head.flatten().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_readers_see_appearances_and_tombstones() {
        use ChangeAction::*;
        assert_eq!(public_action(Created, false, true), Some(Created));
        assert_eq!(public_action(Created, false, false), None);
        assert_eq!(public_action(Updated, true, true), Some(Updated));
        assert_eq!(public_action(Published, false, true), Some(Published));
        assert_eq!(public_action(Updated, false, true), Some(Published));
        assert_eq!(public_action(Unpublished, true, false), Some(Unpublished));
        assert_eq!(public_action(Updated, false, false), None);
        assert_eq!(public_action(Deleted, true, false), Some(Deleted));
        assert_eq!(public_action(Deleted, false, false), None);
        assert_eq!(public_action(Erased, true, true), Some(Erased));
    }
}
