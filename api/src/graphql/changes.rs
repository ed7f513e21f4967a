//! The change feed: `changes(after:, first:, filter:)`, in commit order, as the caller may see it.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::enums::ChangeAction;
use super::request;
use crate::ids;
use crate::service::changes::{self as service, ChangeEntry, ChangeFilter};

/// One change to a record, at its place in commit order.
#[derive(SimpleObject)]
#[graphql(name = "Change")]
pub struct ChangeNode {
    /// The entry's place in commit order, as a string: pass it as `after` to read on. Webhook
    /// deliveries of this entry carry it as `webhook-id`.
    pub cursor: String,
    /// When the change was made.
    pub at: DateTime<Utc>,
    /// The record's type (`Event`, `Session`, …).
    pub record_type: String,
    /// The record's global ID (it may no longer exist).
    pub record: ID,
    /// What happened to the record.
    pub action: ChangeAction,
    /// Whether a copy of the record should be dropped (deleted, unpublished or erased).
    pub tombstone: bool,
    /// The record's version after the change (for a deletion: its last version).
    pub version: i32,
    /// The record's REST resource, for the types that have one.
    pub url: Option<String>,
    /// The event the record belongs to.
    pub event: Option<ID>,
    /// The town the record belongs to.
    pub town: Option<ID>,
    /// The model project the record belongs to.
    pub model_project: Option<ID>,
    /// E-mail address of the staff member who made the change (staff only; null for bulk loads).
    pub author: Option<String>,
    /// The audit entry of the change, with its field-by-field differences (staff only).
    pub audit_entry: Option<ID>,
}

impl From<ChangeEntry> for ChangeNode {
    fn from(entry: ChangeEntry) -> Self {
        Self {
            cursor: entry.position.to_string(),
            at: entry.at,
            record_type: entry.record_type,
            record: ID(entry.id),
            action: entry.action.into(),
            tombstone: entry.tombstone,
            version: entry.version,
            url: entry.url,
            event: entry.event.map(ID),
            town: entry.town.map(ID),
            model_project: entry.model_project.map(ID),
            author: entry.author,
            audit_entry: entry.audit_entry.map(ID),
        }
    }
}

/// One page of the change feed.
#[derive(SimpleObject)]
pub struct ChangeFeed {
    /// The entries, in commit order.
    pub nodes: Vec<ChangeNode>,
    /// The `after` of the next request. When `hasMore` is false it is the current head: asking
    /// again later returns only what changed since.
    pub next_cursor: String,
    /// Whether more entries are ready after `nextCursor`.
    pub has_more: bool,
}

/// Which entries to read; all given conditions must hold.
#[derive(Default, InputObject)]
#[graphql(name = "ChangeFilter")]
pub struct ChangeFilterInput {
    /// Record types (`Event`, `Session`, …).
    pub types: Option<Vec<String>>,
    /// Entries about this event and what belongs to it.
    pub event: Option<ID>,
    /// Entries about this town and what belongs to it.
    pub town: Option<ID>,
    /// Entries about this model project and what belongs to it.
    pub model_project: Option<ID>,
}

impl ChangeFilterInput {
    /// The service filter, with IDs checked.
    pub fn into_filter(self) -> crate::error::AppResult<ChangeFilter> {
        let id = |value: Option<ID>, type_name: &str, field: &str| {
            value
                .map(|id| ids::decode_as(&id, type_name, field))
                .transpose()
        };
        let filter = ChangeFilter {
            types: self.types.unwrap_or_default(),
            event_id: id(self.event, "Event", "filter.event")?,
            town_id: id(self.town, "Town", "filter.town")?,
            model_project_id: id(self.model_project, "ModelProject", "filter.modelProject")?,
        };
        filter.check("filter.types")?;
        Ok(filter)
    }
}

/// Reading the change feed.
#[derive(Default)]
pub struct ChangeQuery;

#[Object]
impl ChangeQuery {
    /// What changed, in commit order. Anonymous callers see what is public: records created,
    /// changed or published, and tombstones without data for what was deleted, unpublished or
    /// erased. Staff see every change with its author.
    #[graphql(complexity = "first.unwrap_or(100).max(1) as usize * child_complexity")]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Entries after this cursor (`nextCursor` of an earlier page); absent for the beginning."
        )]
        after: Option<String>,
        #[graphql(desc = "Number of entries, 1 to 1000 (default 100).")] first: Option<i32>,
        #[graphql(desc = "Which entries to read.")] filter: Option<ChangeFilterInput>,
    ) -> Result<ChangeFeed> {
        let rc = request(ctx)?;
        let after = match after.as_deref() {
            None | Some("") => 0,
            Some(cursor) => cursor.parse::<i64>().map_err(|_| {
                crate::error::AppError::bad_field("after", "`after` is not a cursor of this feed")
            })?,
        };
        let limit = first
            .map(|first| {
                u64::try_from(first).map_err(|_| {
                    crate::error::AppError::bad_field("first", "`first` must not be negative")
                })
            })
            .transpose()?;
        let filter = filter.unwrap_or_default().into_filter()?;
        let feed = service::feed(
            &rc.db,
            rc.viewer,
            after,
            limit,
            &filter,
            &rc.state.config.public_base_url,
        )
        .await?;
        Ok(ChangeFeed {
            nodes: feed.entries.into_iter().map(ChangeNode::from).collect(),
            next_cursor: feed.next.to_string(),
            has_more: feed.has_more,
        })
    }
}
