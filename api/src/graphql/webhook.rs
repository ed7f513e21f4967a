//! Webhook endpoints and their delivery log (administrators only).

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::DeliveryOutcome;
use entity::{webhook_delivery, webhook_endpoint};

use super::connection::{args, connection, page_cost};
use super::{DeletePayload, decode_opt, maybe, maybe_id, request, wants_total};
use crate::ids;
use crate::service::webhook::{self as service, DELIVERY, ENDPOINT, EndpointChanges, NewEndpoint};

/// How a delivery attempt ended.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookDeliveryOutcome {
    /// The receiver answered with 2xx.
    Delivered,
    /// The receiver answered with another status, or could not be reached; retried later.
    Failed,
    /// The receiver did not answer in time; retried later.
    TimedOut,
    /// The receiver answered 410 Gone; the endpoint was disabled.
    Gone,
    /// The URL leads to an address webhooks may not be sent to (loopback, private, …); retried
    /// later, in case the operator allows it.
    Refused,
}

impl From<DeliveryOutcome> for WebhookDeliveryOutcome {
    fn from(outcome: DeliveryOutcome) -> Self {
        match outcome {
            DeliveryOutcome::Delivered => Self::Delivered,
            DeliveryOutcome::Failed => Self::Failed,
            DeliveryOutcome::TimedOut => Self::TimedOut,
            DeliveryOutcome::Gone => Self::Gone,
            DeliveryOutcome::Refused => Self::Refused,
        }
    }
}

/// One attempt to deliver a message to an endpoint.
#[derive(Clone)]
pub struct WebhookDelivery(pub webhook_delivery::Model);

/// One attempt to deliver a message to an endpoint.
#[Object]
impl WebhookDelivery {
    /// Global ID of the attempt.
    async fn id(&self) -> ID {
        ID(ids::encode(DELIVERY, self.0.id))
    }
    /// The change-log position delivered; null for a ping.
    async fn position(&self) -> Option<i64> {
        self.0.position
    }
    /// The `webhook-id` header sent: the position, or `ping_…`.
    async fn message_id(&self) -> &str {
        &self.0.message_id
    }
    /// 1 for the first attempt at this message, then counting up.
    async fn attempt(&self) -> i32 {
        self.0.attempt
    }
    /// When the attempt ended.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// The receiver's HTTP status; null when it did not answer.
    async fn status(&self) -> Option<i32> {
        self.0.status
    }
    /// How the attempt ended.
    async fn outcome(&self) -> WebhookDeliveryOutcome {
        self.0.outcome.into()
    }
    /// What went wrong, in a few words.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// How long the attempt took, in milliseconds.
    async fn duration_ms(&self) -> i32 {
        self.0.duration_ms
    }
}

connection!(
    WebhookDeliveryConnection,
    WebhookDeliveryEdge,
    WebhookDelivery,
    "webhook delivery attempts"
);

/// A URL that receives every public change passing its filter, signed (Standard Webhooks).
#[derive(Clone)]
pub struct WebhookEndpoint(pub webhook_endpoint::Model);

/// A URL that receives every public change passing its filter, signed (Standard Webhooks).
#[Object]
impl WebhookEndpoint {
    /// Global ID.
    async fn id(&self) -> ID {
        ID(ids::encode(ENDPOINT, self.0.id))
    }
    /// Where the changes are sent (POST).
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// What the endpoint is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Only changes of these record types; empty: every type.
    async fn types(&self) -> &[String] {
        &self.0.types.0
    }
    /// Only changes about this event (global ID).
    async fn event_id(&self) -> Option<ID> {
        self.0.event_id.map(|id| ID(ids::encode("Event", id)))
    }
    /// Only changes about this town (global ID).
    async fn town_id(&self) -> Option<ID> {
        self.0.town_id.map(|id| ID(ids::encode("Town", id)))
    }
    /// Only changes about this model project (global ID).
    async fn model_project_id(&self) -> Option<ID> {
        self.0
            .model_project_id
            .map(|id| ID(ids::encode("ModelProject", id)))
    }
    /// Whether changes are sent.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// Why the endpoint was disabled.
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    /// The change-log position up to which the endpoint has its changes (delivered with a 2xx
    /// answer, or not passing its filter).
    async fn delivered_through(&self) -> i64 {
        self.0.delivered_through
    }
    /// Failed attempts since the last success.
    async fn failed_attempts(&self) -> i32 {
        self.0.attempts
    }
    /// The first failure since the last success.
    async fn failing_since(&self) -> Option<DateTime<Utc>> {
        self.0.failing_since
    }
    /// When the next attempt may be made.
    async fn next_attempt_at(&self) -> DateTime<Utc> {
        self.0.next_attempt_at
    }
    /// Optimistic-locking version.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the endpoint was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When an administrator last changed the endpoint.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The delivery log, newest first.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<WebhookDeliveryConnection> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let page = service::deliveries(
            &rc.db,
            actor,
            self.0.id,
            &args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(WebhookDeliveryConnection::from_page(
            page.map(WebhookDelivery),
        ))
    }
}

connection!(
    WebhookEndpointConnection,
    WebhookEndpointEdge,
    WebhookEndpoint,
    "webhook endpoints"
);

/// A new endpoint and its signing secret.
#[derive(SimpleObject)]
pub struct RegisterWebhookEndpointPayload {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// The signing secret (`whsec_…`): shown this once, keep it.
    pub secret: String,
}

/// A new webhook endpoint.
#[derive(InputObject)]
pub struct RegisterWebhookEndpointInput {
    /// Where the changes are sent (http or https, no credentials).
    pub url: String,
    /// What the endpoint is for.
    pub description: Option<String>,
    /// Only changes of these record types (`Event`, `Town`, …); empty or absent: every type.
    pub types: Option<Vec<String>>,
    /// Only changes about this event (global ID).
    pub event_id: Option<ID>,
    /// Only changes about this town (global ID).
    pub town_id: Option<ID>,
    /// Only changes about this model project (global ID).
    pub model_project_id: Option<ID>,
}

/// Changes to a webhook endpoint; absent fields stay, `null` clears.
#[derive(InputObject)]
pub struct UpdateWebhookEndpointInput {
    /// Where the changes are sent; a new URL starts a new failure streak.
    pub url: Option<String>,
    /// What the endpoint is for.
    pub description: MaybeUndefined<String>,
    /// Only changes of these record types; empty: every type.
    pub types: Option<Vec<String>>,
    /// Only changes about this event (global ID).
    pub event_id: MaybeUndefined<ID>,
    /// Only changes about this town (global ID).
    pub town_id: MaybeUndefined<ID>,
    /// Only changes about this model project (global ID).
    pub model_project_id: MaybeUndefined<ID>,
}

fn endpoint_id(id: &ID) -> crate::AppResult<i32> {
    ids::decode_as(id, ENDPOINT, "id")
}

/// Reading webhook endpoints.
#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// Every webhook endpoint, oldest first (administrators only).
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn webhook_endpoints(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<WebhookEndpointConnection> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let page = service::list(
            &rc.db,
            actor,
            &args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(WebhookEndpointConnection::from_page(
            page.map(WebhookEndpoint),
        ))
    }

    /// One webhook endpoint (administrators only); null when there is none with this ID.
    async fn webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the endpoint.")] id: ID,
    ) -> Result<Option<WebhookEndpoint>> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        match service::get(&rc.db, actor, endpoint_id(&id)?).await {
            Ok(endpoint) => Ok(Some(WebhookEndpoint(endpoint))),
            Err(crate::AppError::NotFound(_)) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }
}

/// Managing webhook endpoints (administrators only).
#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers an endpoint: it receives the public changes made from now on that pass its
    /// filter. The answer holds the signing secret, which is never shown again.
    async fn register_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new endpoint.")] input: RegisterWebhookEndpointInput,
    ) -> Result<RegisterWebhookEndpointPayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let input = NewEndpoint {
            url: input.url,
            description: input.description,
            types: input.types.unwrap_or_default(),
            event_id: decode_opt(input.event_id.as_ref(), "Event", "eventId")?,
            town_id: decode_opt(input.town_id.as_ref(), "Town", "townId")?,
            model_project_id: decode_opt(
                input.model_project_id.as_ref(),
                "ModelProject",
                "modelProjectId",
            )?,
        };
        let created = service::register(&rc.db, actor, input).await?;
        Ok(RegisterWebhookEndpointPayload {
            secret: created.secret.clone(),
            endpoint: WebhookEndpoint(created),
        })
    }

    /// Changes an endpoint's URL, description or filter; fails with CONFLICT when someone else
    /// changed it since `expectedVersion`.
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the endpoint.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The changes.")] input: UpdateWebhookEndpointInput,
    ) -> Result<WebhookEndpoint> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let changes = EndpointChanges {
            url: input.url,
            description: maybe(input.description),
            types: input.types,
            event_id: maybe_id(input.event_id, "Event", "eventId")?,
            town_id: maybe_id(input.town_id, "Town", "townId")?,
            model_project_id: maybe_id(input.model_project_id, "ModelProject", "modelProjectId")?,
        };
        let updated =
            service::update(&rc.db, actor, endpoint_id(&id)?, expected_version, changes).await?;
        Ok(WebhookEndpoint(updated))
    }

    /// Deletes an endpoint with its delivery log.
    async fn delete_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the endpoint.")] id: ID,
        #[graphql(desc = "The version the deletion is based on.")] expected_version: i32,
    ) -> Result<DeletePayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let deleted = service::delete(&rc.db, actor, endpoint_id(&id)?, expected_version).await?;
        Ok(DeletePayload {
            id: ID(ids::encode(ENDPOINT, deleted.id)),
        })
    }

    /// Enables an endpoint again: delivery resumes where it stopped, with a new failure streak.
    async fn enable_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the endpoint.")] id: ID,
    ) -> Result<WebhookEndpoint> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        Ok(WebhookEndpoint(
            service::enable(&rc.db, actor, endpoint_id(&id)?).await?,
        ))
    }

    /// Disables an endpoint: nothing is sent until it is enabled again.
    async fn disable_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the endpoint.")] id: ID,
    ) -> Result<WebhookEndpoint> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        Ok(WebhookEndpoint(
            service::disable(&rc.db, actor, endpoint_id(&id)?).await?,
        ))
    }

    /// Delivers again every change from position `from` on (the endpoint's `deliveredThrough`
    /// becomes `from - 1`); its failure streak starts anew.
    async fn replay_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the endpoint.")] id: ID,
        #[graphql(desc = "The first change-log position to deliver again (at least 1).")] from: i64,
    ) -> Result<WebhookEndpoint> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        Ok(WebhookEndpoint(
            service::replay(&rc.db, actor, endpoint_id(&id)?, from).await?,
        ))
    }

    /// Sends a ping (`{"type": "ping"}`) to an endpoint now and returns the logged attempt.
    async fn ping_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the endpoint.")] id: ID,
    ) -> Result<WebhookDelivery> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let delivery = service::ping(&rc.db, &rc.state.webhooks, actor, endpoint_id(&id)?).await?;
        Ok(WebhookDelivery(delivery))
    }
}
