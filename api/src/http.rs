//! The HTTP edge: routes, GraphQL over HTTP, GraphiQL, health.

use async_graphql::http::GraphiQLSource;
use async_graphql::{ErrorExtensionValues, ServerError, Value};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse, rejection::GraphQLRejection};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::db::backend_name;
use crate::error::ErrorCode;
use crate::graphql::RequestContext;
use crate::service::viewer::Viewer;
use crate::state::AppState;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The whole application: GraphQL, GraphiQL and health, over `state`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/health", get(health))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => {
            Json(json!({ "status": "ok", "database": backend_name(&state.db) })).into_response()
        }
        Err(error) => {
            tracing::warn!(%error, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable" })),
            )
                .into_response()
        }
    }
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

async fn graphql_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    if uri.query().is_none() && wants_html(&headers) {
        return Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response();
    }
    execute(state, request).await
}

async fn graphql_post(
    State(state): State<AppState>,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    execute(state, request).await
}

async fn execute(state: AppState, request: Result<GraphQLRequest, GraphQLRejection>) -> Response {
    let request = match request {
        Ok(request) => request.into_inner(),
        Err(rejection) => return bad_request(&rejection.0.to_string()),
    };
    let request = request.data(RequestContext::new(state.db.clone(), Viewer::Public));
    let mut response = state.schema.execute(request).await;
    for error in &mut response.errors {
        ensure_code(error);
    }
    GraphQLResponse::from(response).into_response()
}

/// Errors raised by the GraphQL engine itself (syntax, validation, limits) carry no code: they are
/// all the client's doing.
fn ensure_code(error: &mut ServerError) {
    let extensions = error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default);
    if extensions.get("code").is_none() {
        extensions.set("code", Value::from(ErrorCode::BadUserInput.as_str()));
    }
}

fn bad_request(message: &str) -> Response {
    let body = json!({
        "errors": [{
            "message": format!("invalid GraphQL request: {message}"),
            "extensions": { "code": ErrorCode::BadUserInput.as_str() }
        }]
    });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}
