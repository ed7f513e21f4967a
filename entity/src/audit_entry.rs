//! One entry of the audit log: who changed what, when, from what to what.

use sea_orm::entity::prelude::*;

use crate::enums::AuditAction;

/// An audit entry. Written by the service layer in the transaction of the change; never updated.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "audit_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub at: DateTimeUtc,
    pub actor_id: Option<i32>,
    pub actor_email: String,
    pub action: AuditAction,
    pub entity_type: String,
    pub entity_id: i32,
    /// `{ field: { "before": …, "after": … } }`, personal fields masked.
    pub changes: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
