//! The GraphQL edge: schema, types and batched relations. Resolvers parse arguments, call the service layer or a
//! loader, and map models to GraphQL types; they hold no rule of their own.

pub mod account;
pub mod audit;
pub mod board;
pub mod changes;
pub mod connection;
pub mod document;
pub mod documents;
pub mod enums;
pub mod event;
pub mod model_project;
pub mod network;
pub mod node;
pub mod organisation;
pub mod persisted;
pub mod person;
pub mod registration;
pub mod schema;
pub mod search;
pub mod session;
pub mod statistics;
pub mod town;
pub mod webhook;

use std::net::IpAddr;

use async_graphql::Context;
use sea_orm::DatabaseConnection;

use crate::auth::Actor;
use crate::state::AppState;

use crate::error::{AppError, AppResult};
use crate::load::reader::Reader;
use crate::load::{Level, Relation, Row};
use crate::store::page::Page;
use crate::viewer::Viewer;

/// Per-request data every resolver can reach.
pub struct RequestContext {
    pub db: DatabaseConnection,
    /// The connection relations are loaded with.
    pub reader: Reader,
    pub viewer: Viewer,
    /// The logged-in staff member, if any.
    pub actor: Option<Actor>,
    /// The client's address, where known.
    pub address: Option<IpAddr>,
    /// Token keys and login limits.
    pub state: AppState,
}

impl RequestContext {
    /// The context of one request by `actor` (None: anonymous).
    pub fn new(state: &AppState, actor: Option<Actor>, address: Option<IpAddr>) -> Self {
        Self {
            db: state.db.clone(),
            reader: state.reader.abridged(),
            viewer: actor
                .as_ref()
                .map_or(Viewer::Public, |actor| Viewer::Staff(actor.role)),
            actor,
            address,
            state: state.clone(),
        }
    }

    /// The same context, reading rows whole when the document `query` names `description` (the
    /// only deferred column): the descriptions then come with their rows instead of in a second
    /// statement per level.
    pub fn for_document(mut self, query: &str) -> Self {
        if query.contains("description") {
            self.reader = self.state.reader.clone();
        }
        self
    }

    /// The logged-in staff member; editing needs one.
    pub fn editor(&self) -> AppResult<&Actor> {
        self.actor
            .as_ref()
            .ok_or_else(|| AppError::Unauthenticated("log in to change data".to_owned()))
    }

    /// The logged-in administrator.
    pub fn admin(&self) -> AppResult<&Actor> {
        let actor = self.editor()?;
        if actor.is_admin() {
            Ok(actor)
        } else {
            Err(AppError::Forbidden(
                "only administrators may do this".to_owned(),
            ))
        }
    }

    /// A service page as rows of one level, so their relations load together.
    pub fn rows<M: Send + Sync + 'static>(&self, page: Page<M>) -> Page<Row<M>> {
        let (positions, models): (Vec<u64>, Vec<M>) = page.items.into_iter().unzip();
        let rows = Level::rows(models, &self.reader, self.viewer);
        Page {
            items: positions.into_iter().zip(rows).collect(),
            has_previous: page.has_previous,
            has_next: page.has_next,
            total: page.total,
        }
    }

    /// One model as a row of its own level (the answer of a mutation).
    pub fn row<M: Send + Sync + 'static>(&self, model: M) -> Row<M> {
        Level::row(model, &self.reader, self.viewer)
    }

    /// The row of `R` (a lookup by ID) for `id`, if the viewer may see it.
    pub async fn fetch_one<R: Relation<Parent = i32>>(
        &self,
        id: i32,
    ) -> AppResult<Option<Row<R::Item>>> {
        Ok(crate::load::fetch::<R>(&self.reader, self.viewer, &[id])
            .await?
            .into_iter()
            .next())
    }
}

/// The request context, or an internal error when the schema is executed without one.
pub fn request<'a>(ctx: &Context<'a>) -> AppResult<&'a RequestContext> {
    ctx.data::<RequestContext>()
        .map_err(|_| AppError::Internal("request context missing".to_owned()))
}

/// Whether the selection asks for `totalCount` (counting costs a statement, so only then).
pub fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// Decodes an optional global ID argument.
pub fn decode_opt(
    id: Option<&async_graphql::ID>,
    type_name: &str,
    argument: &str,
) -> AppResult<Option<i32>> {
    id.map(|id| crate::ids::decode_as(id, type_name, argument))
        .transpose()
}

/// Resolves the targets of a page of join rows (memberships, partnerships, …), keeping each join
/// row's role. Targets load for the whole level at once; rows whose target the viewer may not see
/// are left out.
pub async fn joined<R, Role, N>(
    page: Page<Row<R::Parent>>,
    role: impl Fn(&R::Parent) -> Role,
    node: impl Fn(Row<R::Item>) -> N,
) -> AppResult<Page<(Role, N)>>
where
    R: Relation,
{
    let targets =
        futures::future::try_join_all(page.items.iter().map(|(_, row)| row.load::<R>())).await?;
    let items = page
        .items
        .iter()
        .zip(targets)
        .filter_map(|((at, row), found)| {
            found
                .into_iter()
                .next()
                .map(|target| (*at, (role(row), node(target))))
        })
        .collect();
    Ok(Page {
        items,
        has_previous: page.has_previous,
        has_next: page.has_next,
        total: page.total,
    })
}

/// The answer to a deletion.
#[derive(async_graphql::SimpleObject)]
pub struct DeletePayload {
    /// Global ID of the deleted record.
    pub id: async_graphql::ID,
}

/// A nullable input field: absent leaves the value, `null` clears it, a value sets it.
pub fn maybe<T>(value: async_graphql::MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        async_graphql::MaybeUndefined::Undefined => None,
        async_graphql::MaybeUndefined::Null => Some(None),
        async_graphql::MaybeUndefined::Value(value) => Some(Some(value)),
    }
}

/// A nullable ID input field, decoded as an ID of `type_name`.
pub fn maybe_id(
    value: async_graphql::MaybeUndefined<async_graphql::ID>,
    type_name: &str,
    field: &str,
) -> AppResult<Option<Option<i32>>> {
    match maybe(value) {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        Some(Some(id)) => Ok(Some(Some(crate::ids::decode_as(&id, type_name, field)?))),
    }
}
