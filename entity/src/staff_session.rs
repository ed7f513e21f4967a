//! A signed-in staff member's session in the web interface.

use sea_orm::entity::prelude::*;

/// A session. The browser holds a random token; only its SHA-256 is stored, so a copy of the
/// database signs nobody in.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_session")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Hex SHA-256 of the cookie's token.
    pub token_hash: String,
    pub staff_user_id: i32,
    /// The token every form of this session carries.
    pub csrf_token: String,
    pub created_at: DateTimeUtc,
    /// The last request; the session ends after the idle time without one.
    pub last_seen_at: DateTimeUtc,
    /// The absolute end, whatever the activity.
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
