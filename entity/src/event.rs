//! An event (Veranstaltung). Instants in UTC, rendered in `time_zone`.

use crate::Sources;
use crate::enums::{DatePrecision, EventFormat, EventStatus};
use sea_orm::entity::prelude::*;

/// An event (Veranstaltung). Instants in UTC, rendered in `time_zone`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub slug: Option<String>,
    pub title: String,
    pub subtitle: Option<String>,
    pub description: Option<String>,
    pub format: Option<EventFormat>,
    pub status: EventStatus,
    pub time_zone: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: Option<DateTimeUtc>,
    pub date_precision: DatePrecision,
    pub place: Option<String>,
    pub town_id: Option<i32>,
    pub online_url: Option<String>,
    pub website: Option<String>,
    pub model_project_id: Option<i32>,
    pub published: bool,
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
    #[sea_orm(
        belongs_to = "super::model_project::Entity",
        from = "Column::ModelProjectId",
        to = "super::model_project::Column::Id"
    )]
    ModelProject,
}

impl Related<super::town::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Town.def()
    }
}

impl Related<super::model_project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ModelProject.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
