//! The audit log (staff only): the `auditLog` query and the `history` field of records.

use async_graphql::{Context, ID, InputObject, Json, Object, Result};
use chrono::{DateTime, Utc};
use entity::audit_entry;
use sea_orm::{ActiveModelTrait, IntoActiveModel};
use serde::Serialize;

use super::connection::{connection, page_cost};
use super::enums::AuditAction;
use super::{request, wants_total};
use crate::ids;
use crate::load::Row;
use crate::service::audit::{self as service, AuditFilter};
use crate::service::relation::History;
use crate::store::page::PageArgs;
use crate::store::write::Record;

/// One change to a record: who made it, when, and what changed.
#[derive(Clone)]
pub struct AuditEntry(pub Row<audit_entry::Model>);

/// One change to a record: who made it, when, and what changed.
#[Object]
impl AuditEntry {
    /// Global ID of the entry.
    async fn id(&self) -> ID {
        ID(ids::encode("AuditEntry", self.0.id))
    }
    /// When the change was made.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// E-mail address of the staff member who made the change.
    async fn actor_email(&self) -> &str {
        &self.0.actor_email
    }
    /// What the change did.
    async fn action(&self) -> AuditAction {
        self.0.action.into()
    }
    /// Type of the changed record (`Event`, `Session`, …).
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// Global ID of the changed record (it may no longer exist).
    async fn entity(&self) -> ID {
        ID(ids::encode(&self.0.entity_type, self.0.entity_id))
    }
    /// The changed fields as `{ field: { before, after } }` (stored field names); personal data is
    /// shown as `"***"`.
    async fn changes(&self) -> Json<serde_json::Value> {
        Json(self.0.changes.clone())
    }
}

connection!(
    AuditEntryConnection,
    AuditEntryEdge,
    AuditEntry,
    "audit entries"
);

/// The `history` field of a record of type `E`: its audit entries, newest
/// first, loaded for the whole response level at once; null for anonymous callers.
pub async fn history<E>(
    ctx: &Context<'_>,
    row: &Row<E::Model>,
    args: PageArgs,
) -> Result<Option<AuditEntryConnection>>
where
    E: Record,
    E::Model: Serialize + Clone + Send + Sync + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let rc = request(ctx)?;
    if !service::may_read(rc.viewer) {
        return Ok(None);
    }
    let page = row.page::<History<E>>(&args).await?;
    Ok(Some(AuditEntryConnection::from_page(page.map(AuditEntry))))
}

/// Which audit entries to list; all given conditions must hold.
#[derive(Default, InputObject)]
pub struct AuditFilterInput {
    /// Entries about records of this type (`Event`, `Session`, `Registration`, …).
    pub entity_type: Option<String>,
    /// Entries about this record (global ID; it may no longer exist).
    pub entity_id: Option<ID>,
    /// Entries of changes made by the staff member with this e-mail address.
    pub actor: Option<String>,
    /// Entries of this kind of change.
    pub action: Option<AuditAction>,
    /// Entries at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Entries before this instant.
    pub to: Option<DateTime<Utc>>,
}

impl From<AuditFilterInput> for AuditFilter {
    fn from(input: AuditFilterInput) -> Self {
        Self {
            entity_type: input.entity_type,
            entity_id: input.entity_id.map(|id| id.0),
            actor_email: input.actor,
            action: input.action.map(Into::into),
            from: input.from,
            to: input.to,
        }
    }
}

/// Reading the audit log.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Every recorded change, newest first (staff only: anonymous callers get UNAUTHENTICATED).
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which entries to list.")] filter: Option<AuditFilterInput>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<AuditEntryConnection> {
        let rc = request(ctx)?;
        let filter = AuditFilter::from(filter.unwrap_or_default());
        let page = service::list(
            &rc.db,
            rc.viewer,
            &filter,
            &super::connection::args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(AuditEntryConnection::from_page(
            rc.rows(page).map(AuditEntry),
        ))
    }
}
