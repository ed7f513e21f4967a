//! A municipality or GeoNames place.

use crate::Sources;
use crate::enums::TownType;
use sea_orm::entity::prelude::*;

/// A municipality or GeoNames place.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "town")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Stable key of the demo data (e.g. `wittenberge`).
    pub slug: Option<String>,
    pub name: String,
    pub state_id: Option<i32>,
    pub district: Option<String>,
    /// Amtlicher Gemeindeschlüssel, 8 digits.
    pub municipality_key: Option<String>,
    pub geonames_id: Option<i64>,
    pub population: Option<i32>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Derived from population unless `town_type_official`.
    pub town_type: Option<TownType>,
    pub town_type_official: bool,
    pub website: Option<String>,
    pub sources: Sources,
    /// Optimistic-locking counter.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::state::Entity",
        from = "Column::StateId",
        to = "super::state::Column::Id"
    )]
    State,
}

impl Related<super::state::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::State.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
