//! The HTTP edge: routes, GraphQL over HTTP, GraphiQL, health.

use async_graphql::http::GraphiQLSource;
use async_graphql::{ErrorExtensionValues, ServerError, Value};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse, rejection::GraphQLRejection};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Extension;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::auth::Actor;
use crate::db::backend_name;
use crate::error::AppError;
use crate::error::ErrorCode;
use crate::graphql::RequestContext;
use crate::service::account;
use crate::state::AppState;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The whole application: GraphQL, GraphiQL and health, over `state`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/health", get(health))
        .route("/api/v1/auth/login", post(login))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Body of `POST /api/v1/auth/login`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    email: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    body: Result<Json<LoginRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, AppError> {
    let Json(body) = body.map_err(|rejection| {
        AppError::bad_input(format!("invalid login request: {}", rejection.body_text()))
    })?;
    let session = account::login(
        &state.db,
        &state.tokens,
        &state.login_limiter,
        &body.email,
        &body.password,
        client_address(connect.as_ref().map(|Extension(info)| info)),
    )
    .await?;
    Ok(Json(json!({
        "token": session.token,
        "expiresAt": session.expires_at,
        "user": { "email": session.user.email, "name": session.user.name, "role": session.user.role },
    }))
    .into_response())
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

/// The staff member a request's bearer token names: none without a token; a bad, expired or
/// foreign token, or one of a disabled account, is an error, never anonymous.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Actor>, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| {
            AppError::Unauthenticated("expected `Authorization: Bearer <token>`".to_owned())
        })?;
    account::actor(&state.db, &state.tokens, token)
        .await
        .map(Some)
}

/// The client's address, when the server knows it.
pub fn client_address(connect: Option<&ConnectInfo<SocketAddr>>) -> Option<IpAddr> {
    connect.map(|ConnectInfo(address)| address.ip())
}

async fn graphql_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    if uri.query().is_none() && wants_html(&headers) {
        return Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response();
    }
    execute(
        state,
        &headers,
        client_address(connect.as_ref().map(|Extension(info)| info)),
        request,
        true,
    )
    .await
}

async fn graphql_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    execute(
        state,
        &headers,
        client_address(connect.as_ref().map(|Extension(info)| info)),
        request,
        false,
    )
    .await
}

async fn execute(
    state: AppState,
    headers: &HeaderMap,
    address: Option<IpAddr>,
    request: Result<GraphQLRequest, GraphQLRejection>,
    read_only: bool,
) -> Response {
    let actor = match authenticate(&state, headers).await {
        Ok(actor) => actor,
        Err(error) => return graphql_error(error.code(), &error.public_message()),
    };
    let mut request = match request {
        Ok(request) => request.into_inner(),
        Err(rejection) => return bad_request(&rejection.0.to_string()),
    };
    let mutation = state
        .documents
        .prepare(&mut request)
        .is_some_and(is_mutation);
    if read_only && mutation {
        return graphql_error(ErrorCode::BadUserInput, "mutations need POST");
    }
    let ticket = (actor.is_none() && !mutation && state.cache.enabled()).then(|| {
        let variables = serde_json::to_string(&request.variables).unwrap_or_default();
        state.cache.ticket(
            &request.query,
            &variables,
            request.operation_name.as_deref(),
        )
    });
    if let Some(body) = ticket.as_ref().and_then(|ticket| state.cache.get(ticket)) {
        return json_body(body);
    }
    let request = request.data(RequestContext::new(&state, actor, address));
    let mut response = state.schema.execute(request).await;
    if mutation {
        state.cache.clear();
    }
    for error in &mut response.errors {
        ensure_code(error);
    }
    match ticket {
        Some(ticket) if response.errors.is_empty() => match serde_json::to_vec(&response) {
            Ok(body) => {
                let body: Arc<[u8]> = body.into();
                state.cache.put(ticket, body.clone());
                json_body(body)
            }
            Err(error) => {
                AppError::Internal(format!("cannot encode the answer: {error}")).into_response()
            }
        },
        _ => GraphQLResponse::from(response).into_response(),
    }
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

fn json_body(body: Arc<[u8]>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        axum::body::Bytes::from_owner(body),
    )
        .into_response()
}

/// Whether a document holds a mutation (GET may only read).
fn is_mutation(document: &async_graphql::parser::types::ExecutableDocument) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    match &document.operations {
        DocumentOperations::Single(operation) => operation.node.ty == OperationType::Mutation,
        DocumentOperations::Multiple(operations) => operations
            .values()
            .any(|operation| operation.node.ty == OperationType::Mutation),
    }
}

fn bad_request(message: &str) -> Response {
    graphql_error(
        ErrorCode::BadUserInput,
        &format!("invalid GraphQL request: {message}"),
    )
}

fn graphql_error(code: ErrorCode, message: &str) -> Response {
    let body = json!({
        "errors": [{ "message": message, "extensions": { "code": code.as_str() } }]
    });
    (code.status(), Json(body)).into_response()
}
