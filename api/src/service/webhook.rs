//! Webhook endpoints (administrators only): registering, changing, enabling and disabling, replaying
//! and pinging, and reading the delivery log. The GraphQL API and the `webhook` command both go
//! through here; the dispatcher (`crate::webhook`) does the sending.

use chrono::Utc;
use entity::enums::AuditAction;
use entity::webhook_endpoint::TypeNames;
use entity::{event, model_project, town, webhook_delivery, webhook_endpoint};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use super::{changes, validate};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::store::page::{Page, PageArgs, paginate};
use crate::store::write;
use crate::webhook::client::{Message, WebhookClient, url_problem};

/// The public type name of endpoints (global IDs, audit log).
pub const ENDPOINT: &str = "WebhookEndpoint";

/// The public type name of delivery log entries.
pub const DELIVERY: &str = "WebhookDelivery";

/// A new endpoint.
#[derive(Clone, Debug, Default)]
pub struct NewEndpoint {
    pub url: String,
    pub description: Option<String>,
    /// Public type names; empty: every type.
    pub types: Vec<String>,
    pub event_id: Option<i32>,
    pub town_id: Option<i32>,
    pub model_project_id: Option<i32>,
}

/// Changes to an endpoint; `None` leaves a field, `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub description: Option<Option<String>>,
    pub types: Option<Vec<String>>,
    pub event_id: Option<Option<i32>>,
    pub town_id: Option<Option<i32>>,
    pub model_project_id: Option<Option<i32>>,
}

fn admin(actor: &Actor) -> AppResult<()> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only administrators may manage webhooks".to_owned(),
        ))
    }
}

fn url(value: &str) -> AppResult<String> {
    let value = value.trim();
    if let Some(problem) = url_problem(value) {
        return Err(AppError::bad_field("url", format!("`url` {problem}")));
    }
    url::Url::parse(value)
        .map(|parsed| parsed.to_string())
        .map_err(|_| AppError::bad_field("url", "`url` must be an absolute http(s) URL"))
}

/// The type names of a filter, each once, checked against the change log's types.
fn types(values: Vec<String>) -> AppResult<TypeNames> {
    let mut names: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        let value = value.trim().to_owned();
        if !names.contains(&value) {
            names.push(value);
        }
    }
    let filter = changes::ChangeFilter {
        types: names,
        ..Default::default()
    };
    filter.check("types")?;
    Ok(TypeNames(filter.types))
}

/// Checks the scope keys of a filter: each must name an existing record.
async fn scope<C: ConnectionTrait>(
    db: &C,
    event_id: Option<i32>,
    town_id: Option<i32>,
    model_project_id: Option<i32>,
) -> AppResult<()> {
    if let Some(id) = event_id {
        write::must_exist::<event::Entity, _>(db, "eventId", id).await?;
    }
    if let Some(id) = town_id {
        write::must_exist::<town::Entity, _>(db, "townId", id).await?;
    }
    if let Some(id) = model_project_id {
        write::must_exist::<model_project::Entity, _>(db, "modelProjectId", id).await?;
    }
    Ok(())
}

/// Registers an endpoint with a new secret. It receives the public changes committed after this
/// moment that pass its filter.
pub async fn register(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewEndpoint,
) -> AppResult<webhook_endpoint::Model> {
    admin(actor)?;
    let url = url(&input.url)?;
    let description = validate::opt_text("description", input.description.as_deref(), 500)?;
    let types = types(input.types)?;
    let txn = write::begin(db).await?;
    scope(&txn, input.event_id, input.town_id, input.model_project_id).await?;
    let head = changes::head(&txn).await?;
    let record = webhook_endpoint::ActiveModel {
        url: Set(url),
        description: Set(description),
        secret: Set(crate::webhook::sign::new_secret()),
        types: Set(types),
        event_id: Set(input.event_id),
        town_id: Set(input.town_id),
        model_project_id: Set(input.model_project_id),
        enabled: Set(true),
        disabled_reason: Set(None),
        delivered_through: Set(head),
        attempts: Set(0),
        failing_since: Set(None),
        next_attempt_at: Set(Utc::now()),
        leased_until: Set(None),
        lease_owner: Set(None),
        ..Default::default()
    };
    let created = write::create::<webhook_endpoint::Entity, _>(&txn, actor, record).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes an endpoint's URL, description or filter. A new URL starts a new failure streak.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    changes: EndpointChanges,
) -> AppResult<webhook_endpoint::Model> {
    admin(actor)?;
    let new_url = changes.url.as_deref().map(url).transpose()?;
    let description = match changes.description {
        Some(description) => Some(validate::opt_text(
            "description",
            description.as_deref(),
            500,
        )?),
        None => None,
    };
    let new_types = changes.types.map(types).transpose()?;
    let txn = write::begin(db).await?;
    let current =
        write::load_for_change::<webhook_endpoint::Entity, _>(&txn, id, expected_version).await?;
    let event_id = write::pick(changes.event_id, Some(&current.event_id)).flatten();
    let town_id = write::pick(changes.town_id, Some(&current.town_id)).flatten();
    let model_project_id =
        write::pick(changes.model_project_id, Some(&current.model_project_id)).flatten();
    scope(&txn, event_id, town_id, model_project_id).await?;
    let updated = write::update::<webhook_endpoint::Entity, _, _>(
        &txn,
        actor,
        current,
        AuditAction::Update,
        |current, target| {
            if let Some(new_url) = new_url
                && new_url != current.url
            {
                target.url = Set(new_url);
                reset_streak(target);
            }
            if let Some(description) = description {
                target.description = Set(description);
            }
            if let Some(types) = new_types {
                target.types = Set(types);
            }
            target.event_id = Set(event_id);
            target.town_id = Set(town_id);
            target.model_project_id = Set(model_project_id);
            Ok(())
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

fn reset_streak(target: &mut webhook_endpoint::ActiveModel) {
    target.attempts = Set(0);
    target.failing_since = Set(None);
    target.next_attempt_at = Set(Utc::now());
}

/// Deletes an endpoint with its delivery log.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<webhook_endpoint::Model> {
    admin(actor)?;
    let txn = write::begin(db).await?;
    let deleted =
        write::delete::<webhook_endpoint::Entity, _>(&txn, actor, id, expected_version).await?;
    txn.commit().await?;
    Ok(deleted)
}

/// Changes the current version of endpoint `id` with `apply`, audited as an update.
async fn change(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    apply: impl FnOnce(&webhook_endpoint::Model, &mut webhook_endpoint::ActiveModel) -> AppResult<()>,
) -> AppResult<webhook_endpoint::Model> {
    admin(actor)?;
    let txn = write::begin(db).await?;
    let current = webhook_endpoint::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound(ENDPOINT))?;
    let updated = write::update::<webhook_endpoint::Entity, _, _>(
        &txn,
        actor,
        current,
        AuditAction::Update,
        apply,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Enables an endpoint again: delivery resumes where it stopped, with a new failure streak.
pub async fn enable(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
) -> AppResult<webhook_endpoint::Model> {
    change(db, actor, id, |_, target| {
        target.enabled = Set(true);
        target.disabled_reason = Set(None);
        reset_streak(target);
        Ok(())
    })
    .await
}

/// Disables an endpoint: nothing is sent to it until it is enabled again; its cursor stays.
pub async fn disable(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
) -> AppResult<webhook_endpoint::Model> {
    change(db, actor, id, |_, target| {
        target.enabled = Set(false);
        target.disabled_reason = Set(Some("disabled by an administrator".to_owned()));
        Ok(())
    })
    .await
}

/// Delivers again every change from position `from` on: the endpoint's cursor is set to
/// `from - 1` (the last position counted as delivered), and its failure streak starts anew.
/// `from` may be at most one past the current head.
pub async fn replay(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    from: i64,
) -> AppResult<webhook_endpoint::Model> {
    admin(actor)?;
    let head = changes::head(db).await?;
    if from < 1 || from > head + 1 {
        return Err(AppError::bad_field(
            "from",
            format!(
                "`from` must be a change-log position from 1 to {}",
                head + 1
            ),
        ));
    }
    change(db, actor, id, |_, target| {
        target.delivered_through = Set(from - 1);
        reset_streak(target);
        Ok(())
    })
    .await
}

/// One endpoint.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i32,
) -> AppResult<webhook_endpoint::Model> {
    admin(actor)?;
    webhook_endpoint::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound(ENDPOINT))
}

/// Every endpoint, oldest first (for the command line).
pub async fn all<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> AppResult<Vec<webhook_endpoint::Model>> {
    admin(actor)?;
    Ok(webhook_endpoint::Entity::find()
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(db)
        .await?)
}

/// One page of endpoints, oldest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    args: &PageArgs,
    want_total: bool,
) -> AppResult<Page<webhook_endpoint::Model>> {
    admin(actor)?;
    let select = webhook_endpoint::Entity::find().order_by_asc(webhook_endpoint::Column::Id);
    paginate(db, select, args, want_total).await
}

/// One page of an endpoint's delivery log, newest first.
pub async fn deliveries<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    endpoint_id: i32,
    args: &PageArgs,
    want_total: bool,
) -> AppResult<Page<webhook_delivery::Model>> {
    admin(actor)?;
    let select = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
        .order_by_desc(webhook_delivery::Column::At)
        .order_by_desc(webhook_delivery::Column::Id);
    paginate(db, select, args, want_total).await
}

/// Sends a ping to an endpoint now (enabled or not; its cursor and streak stay) and logs it.
pub async fn ping(
    db: &DatabaseConnection,
    client: &WebhookClient,
    actor: &Actor,
    id: i32,
) -> AppResult<webhook_delivery::Model> {
    let endpoint = get(db, actor, id).await?;
    let message_id = format!("ping_{}", uuid::Uuid::new_v4().simple());
    let body = json!({
        "type": "ping",
        "timestamp": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": { "endpoint": ids::encode(ENDPOINT, endpoint.id) },
    });
    let message = Message {
        id: message_id,
        body: body.to_string().into_bytes(),
    };
    let attempt = client.send(&endpoint.url, &endpoint.secret, &message).await;
    crate::webhook::log::record(db, endpoint.id, None, &message.id, 1, &attempt).await
}
