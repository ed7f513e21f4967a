//! A persisted document: a GraphQL document an operator registered, which clients run by its id
//! instead of sending its text.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A registered GraphQL document.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "persisted_document")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `sha256:` and the lowercase hex SHA-256 of `document`.
    pub document_id: String,
    /// The exact text that was registered.
    pub document: String,
    /// What the operator calls it (a file name, a page of a partner site).
    pub name: Option<String>,
    /// Optimistic-locking counter.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
