//! A publication.

use crate::Sources;
use crate::enums::DocumentKind;
use sea_orm::entity::prelude::*;

/// A publication.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "document")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub slug: Option<String>,
    pub title: String,
    pub kind: DocumentKind,
    /// ISO 8601 date, possibly partial.
    pub published_on: Option<String>,
    pub year: Option<i32>,
    pub publisher_id: Option<i32>,
    pub url: Option<String>,
    pub isbn: Option<String>,
    pub language: Option<String>,
    pub model_project_id: Option<i32>,
    pub event_id: Option<i32>,
    pub session_id: Option<i32>,
    pub description: Option<String>,
    pub sources: Sources,
    /// Optimistic-locking counter.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::PublisherId",
        to = "super::organisation::Column::Id"
    )]
    Publisher,
    #[sea_orm(
        belongs_to = "super::model_project::Entity",
        from = "Column::ModelProjectId",
        to = "super::model_project::Column::Id"
    )]
    ModelProject,
    #[sea_orm(
        belongs_to = "super::event::Entity",
        from = "Column::EventId",
        to = "super::event::Column::Id"
    )]
    Event,
    #[sea_orm(
        belongs_to = "super::session::Entity",
        from = "Column::SessionId",
        to = "super::session::Column::Id"
    )]
    Session,
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Publisher.def()
    }
}

impl Related<super::model_project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ModelProject.def()
    }
}

impl Related<super::event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Event.def()
    }
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
