//! A town's membership in a model project.

use crate::enums::MemberRole;
use sea_orm::entity::prelude::*;

/// A town's membership in a model project.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "model_project_town")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub model_project_id: i32,
    pub town_id: i32,
    pub role: MemberRole,
    pub position: i32,
    /// Optimistic-locking counter.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::model_project::Entity",
        from = "Column::ModelProjectId",
        to = "super::model_project::Column::Id"
    )]
    ModelProject,
    #[sea_orm(
        belongs_to = "super::town::Entity",
        from = "Column::TownId",
        to = "super::town::Column::Id"
    )]
    Town,
}

impl Related<super::model_project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ModelProject.def()
    }
}

impl Related<super::town::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Town.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
