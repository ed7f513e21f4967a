//! An organisation.

use crate::Sources;
use crate::enums::OrganisationKind;
use sea_orm::entity::prelude::*;

/// An organisation.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "organisation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub slug: Option<String>,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: OrganisationKind,
    pub description: Option<String>,
    pub website: Option<String>,
    pub address: Option<String>,
    /// Seat of the organisation.
    pub town_id: Option<i32>,
    pub sources: Sources,
    /// Optimistic-locking counter.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::town::Entity",
        from = "Column::TownId",
        to = "super::town::Column::Id"
    )]
    Town,
}

impl Related<super::town::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Town.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
