//! A model project (Modellvorhaben) of four or more towns.

use crate::Sources;
use sea_orm::entity::prelude::*;

/// A model project (Modellvorhaben) of four or more towns.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "model_project")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub slug: Option<String>,
    pub title: String,
    pub short_title: Option<String>,
    pub topic: Option<String>,
    pub description: Option<String>,
    pub project_call_id: Option<i32>,
    pub lead_town_id: Option<i32>,
    /// ISO 8601 date, possibly partial.
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub funding_programme: Option<String>,
    pub sources: Sources,
    /// Optimistic-locking counter.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::project_call::Entity",
        from = "Column::ProjectCallId",
        to = "super::project_call::Column::Id"
    )]
    ProjectCall,
    #[sea_orm(
        belongs_to = "super::town::Entity",
        from = "Column::LeadTownId",
        to = "super::town::Column::Id"
    )]
    LeadTown,
}

impl Related<super::project_call::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProjectCall.def()
    }
}

impl Related<super::town::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadTown.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
