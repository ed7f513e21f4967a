//! The GraphQL edge: schema, types and loaders. Resolvers parse arguments, call the service layer or a
//! loader, and map models to GraphQL types; they hold no rule of their own.

pub mod connection;
pub mod document;
pub mod enums;
pub mod event;
pub mod loaders;
pub mod model_project;
pub mod node;
pub mod organisation;
pub mod person;
pub mod schema;
pub mod session;
pub mod town;

use async_graphql::Context;
use sea_orm::DatabaseConnection;

use self::loaders::Loaders;
use crate::error::{AppError, AppResult};
use crate::service::viewer::Viewer;

/// Per-request data every resolver can reach.
pub struct RequestContext {
    pub db: DatabaseConnection,
    pub viewer: Viewer,
    pub loaders: Loaders,
}

impl RequestContext {
    /// The context of one request.
    pub fn new(db: DatabaseConnection, viewer: Viewer) -> Self {
        Self {
            loaders: Loaders::new(db.clone(), viewer),
            db,
            viewer,
        }
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
pub fn decode_opt(id: Option<&async_graphql::ID>, type_name: &str, argument: &str) -> AppResult<Option<i32>> {
    id.map(|id| crate::ids::decode_as(id, type_name, argument))
        .transpose()
}

/// Pages join rows (memberships, partnerships, …) and resolves their targets in one batch, keeping the
/// join row's role on each item. Rows whose target the viewer may not see are left out.
pub async fn joined<J, S, R, N>(
    loaders: &Loaders,
    rows: &[J],
    args: &crate::service::page::PageArgs,
    target: impl Fn(&J) -> i32,
    role: impl Fn(&J) -> R,
    node: impl Fn(<S::Entity as sea_orm::EntityTrait>::Model) -> N,
) -> AppResult<crate::service::page::Page<(R, N)>>
where
    J: Clone,
    S: loaders::BatchSpec,
    <S::Entity as sea_orm::EntityTrait>::Model: Clone + Send + Sync,
{
    use sea_orm::ModelTrait;
    let page = crate::service::page::paginate_vec(rows, args)?;
    let ids: Vec<i32> = page.items.iter().map(|(_, row)| target(row)).collect();
    let mut found = std::collections::HashMap::new();
    for model in loaders.each::<S>(&ids).await? {
        if let sea_orm::Value::Int(Some(id)) = model.get(<S as loaders::BatchSpec>::key()) {
            found.insert(id, model);
        }
    }
    let items = page
        .items
        .into_iter()
        .filter_map(|(at, row)| {
            found
                .get(&target(&row))
                .cloned()
                .map(|model| (at, (role(&row), node(model))))
        })
        .collect();
    Ok(crate::service::page::Page {
        items,
        has_previous: page.has_previous,
        has_next: page.has_next,
        total: page.total,
    })
}
