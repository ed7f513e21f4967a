//! An organisation's partnership in a model project.

use crate::enums::PartnerRole;
use sea_orm::entity::prelude::*;

/// An organisation's partnership in a model project.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "model_project_partner")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub model_project_id: i32,
    pub organisation_id: i32,
    pub role: PartnerRole,
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
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
}

impl Related<super::model_project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ModelProject.def()
    }
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organisation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
