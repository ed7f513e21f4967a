//! One entry of the change log: a record changed, at a position in commit order.

use sea_orm::entity::prelude::*;

use crate::enums::ChangeAction;

/// A change-log entry. Appended in the transaction of the change; never updated except for its
/// position, which is assigned when that transaction commits.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "change_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Commit-ordered position; `None` until the writing transaction commits.
    pub position: Option<i64>,
    pub at: DateTimeUtc,
    /// The public type name of the record (`Event`, `Session`, …).
    pub record_type: String,
    pub record_id: i32,
    /// What happened, as staff see it.
    pub action: ChangeAction,
    /// What an anonymous reader sees; `None` hides the entry from them.
    pub public_action: Option<ChangeAction>,
    /// The record's version after the change (for a deletion: its last version).
    pub version: i32,
    /// The event the record belongs to, for filters.
    pub event_id: Option<i32>,
    /// The town the record belongs to, for filters.
    pub town_id: Option<i32>,
    /// The model project the record belongs to, for filters.
    pub model_project_id: Option<i32>,
    /// The audit entry of the change; `None` for bulk loads.
    pub audit_entry_id: Option<i32>,
    /// Who made the change; `None` for bulk loads.
    pub actor_email: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
