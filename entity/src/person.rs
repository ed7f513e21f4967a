//! A person. E-mail, phone and consent are private; biography, photo and website need consent.

use crate::Sources;
use sea_orm::entity::prelude::*;

/// A person. E-mail, phone and consent are private; biography, photo and website need consent.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "person")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub slug: Option<String>,
    pub name: String,
    pub academic_title: Option<String>,
    pub position: Option<String>,
    pub organisation_id: Option<i32>,
    pub town_id: Option<i32>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub biography: Option<String>,
    pub photo_url: Option<String>,
    pub website: Option<String>,
    pub consent_given_at: Option<DateTimeUtc>,
    pub consent_note: Option<String>,
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
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
    #[sea_orm(
        belongs_to = "super::town::Entity",
        from = "Column::TownId",
        to = "super::town::Column::Id"
    )]
    Town,
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organisation.def()
    }
}

impl Related<super::town::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Town.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
