//! A call for model projects (Projektaufruf).

use crate::Sources;
use sea_orm::entity::prelude::*;

/// A call for model projects (Projektaufruf).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "project_call")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub slug: Option<String>,
    pub name: String,
    pub year: i32,
    /// ISO 8601 date, possibly partial (`2019-09`).
    pub opened_on: Option<String>,
    pub deadline_on: Option<String>,
    pub description: Option<String>,
    pub sources: Sources,
    /// Optimistic-locking counter.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
