//! A webhook endpoint: where public changes are sent, with its filter, its cursor into the change
//! log and the state of its retries.

use sea_orm::FromJsonQueryResult;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The public type names an endpoint receives changes of; empty: all types.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct TypeNames(pub Vec<String>);

/// A webhook endpoint. `version` counts the administrators' changes only; the dispatcher's
/// bookkeeping (cursor, streak, lease) leaves it alone.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "webhook_endpoint")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub url: String,
    pub description: Option<String>,
    /// `whsec_` and the base64 of the signing key; shown once, at registration.
    pub secret: String,
    pub types: TypeNames,
    pub event_id: Option<i32>,
    pub town_id: Option<i32>,
    pub model_project_id: Option<i32>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    /// The position of the last change delivered with a 2xx answer (or skipped by the filter).
    pub delivered_through: i64,
    /// Failed attempts in the current streak.
    pub attempts: i32,
    pub failing_since: Option<DateTimeUtc>,
    pub next_attempt_at: DateTimeUtc,
    /// While set and in the future, the instance `lease_owner` delivers for this endpoint.
    pub leased_until: Option<DateTimeUtc>,
    pub lease_owner: Option<String>,
    /// Optimistic-locking counter.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::webhook_delivery::Entity")]
    Delivery,
}

impl Related<super::webhook_delivery::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Delivery.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
