//! A German state (Land).

use sea_orm::entity::prelude::*;

/// A German state (Land).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "state")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// First two digits of the municipality key.
    pub key: String,
    /// Two-letter abbreviation (SN, BY, …).
    pub code: String,
    pub name: String,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
