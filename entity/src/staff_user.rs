//! A staff account: e-mail, role, Argon2id password hash, active flag.

use sea_orm::entity::prelude::*;

use crate::enums::StaffRole;

/// A staff account. The password hash never leaves the service layer.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "staff_user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: StaffRole,
    #[serde(skip_serializing)]
    pub password_hash: String,
    pub active: bool,
    pub last_login_at: Option<DateTimeUtc>,
    /// Optimistic-locking counter.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
