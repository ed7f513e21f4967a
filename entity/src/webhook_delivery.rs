//! One attempt to deliver a webhook message: the delivery log of an endpoint.

use sea_orm::entity::prelude::*;

use crate::enums::DeliveryOutcome;

/// A delivery attempt. Written by the dispatcher (and a ping) after the attempt; never changed.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "webhook_delivery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub endpoint_id: i32,
    /// The change-log position delivered; `None` for a ping.
    pub position: Option<i64>,
    /// The `webhook-id` header: the position as a decimal string, or `ping_…`.
    pub message_id: String,
    /// 1 for the first attempt at this message, then counting up.
    pub attempt: i32,
    pub at: DateTimeUtc,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<i32>,
    pub outcome: DeliveryOutcome,
    /// What went wrong, in a few words.
    pub error: Option<String>,
    pub duration_ms: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::webhook_endpoint::Entity",
        from = "Column::EndpointId",
        to = "super::webhook_endpoint::Column::Id",
        on_delete = "Cascade"
    )]
    Endpoint,
}

impl Related<super::webhook_endpoint::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Endpoint.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
