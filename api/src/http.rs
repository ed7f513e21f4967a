//! The HTTP edge: routes, GraphQL over HTTP, GraphiQL, health, readiness, and the layers every
//! request passes.

use async_graphql::http::GraphiQLSource;
use async_graphql::{ErrorExtensionValues, ServerError, Value};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse, rejection::GraphQLRejection};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::error_handling::HandleErrorLayer;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, middleware};
use axum::{Json, Router};
use serde_json::json;
use std::time::Duration;
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::auth::Actor;
use crate::config::Mode;
use crate::db::backend_name;
use crate::error::AppError;
use crate::error::ErrorCode;
use crate::graphql::RequestContext;
use crate::service::account;
use crate::state::AppState;
use crate::{cors, guard, metrics, rate_limit, rest};

/// The whole application over `state`: GraphQL, GraphiQL, the REST API, health, readiness and
/// metrics, behind request ids, panic catching, metrics, a timeout, a concurrency limit with load
/// shedding, a body limit, a content-type check and rate limits.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    // Only the routes that take a body check its type, after routing, so that a method a route
    // does not have is a 405, whatever its body.
    let graphql = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route_layer(middleware::from_fn(guard::require_json))
        .layer(cors::graphql(&config));
    let login_route = Router::new()
        .route("/api/v1/auth/login", post(login))
        .route_layer(middleware::from_fn(guard::require_json));
    let public = rest::router()
        .merge(crate::feeds::router())
        .route("/api/v1/openapi.json", get(rest::openapi::serve))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            rest::conditional::etag,
        ))
        .layer(cors::public(&config));
    Router::new()
        .merge(graphql)
        .merge(public)
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics::serve))
        .merge(login_route)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            rate_limit::limit,
        ))
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(guard::overloaded))
                .load_shed()
                .layer(GlobalConcurrencyLimitLayer::with_semaphore(
                    state.in_flight.clone(),
                ))
                .timeout(Duration::from_secs(config.request_timeout_seconds.max(1))),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(CatchPanicLayer::custom(guard::panicked))
        .layer(middleware::from_fn(guard::request_id_in_errors))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(guard::span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
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

async fn not_found() -> AppError {
    AppError::NotFound("resource")
}

/// Readiness: the database answers and every migration of this build is applied.
async fn ready(State(state): State<AppState>) -> Response {
    match crate::db::pending_migrations(&state.db).await {
        Ok(0) => Json(json!({ "status": "ready" })).into_response(),
        Ok(pending) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "migrations pending", "pending": pending })),
        )
            .into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "database unreachable" })),
            )
                .into_response()
        }
    }
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
        Err(rejection) if too_large(&rejection.0) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                Json(json!({ "error": {
                    "code": ErrorCode::BadUserInput.as_str(),
                    "message": "the request body is too large",
                } })),
            )
                .into_response();
        }
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
    let operation = request.operation_name.clone();
    let started = std::time::Instant::now();
    let anonymous = actor.is_none();
    let mut request = request.data(RequestContext::new(&state, actor, address));
    let schema = if anonymous && state.config.mode == Mode::Production {
        request = request.disable_introspection();
        state.public_schema.as_ref().unwrap_or(&state.schema)
    } else {
        &state.schema
    };
    let mut response = schema.execute(request).await;
    state
        .metrics
        .graphql_operation(operation.as_deref(), started.elapsed().as_secs_f64());
    if mutation {
        state.cache.clear();
        // The watcher reads the new head now instead of at its next poll: webhooks go out at once.
        state.changes.poke();
    }
    let request_id = headers
        .get("x-request-id")
        .and_then(|value| value.to_str().ok());
    for error in &mut response.errors {
        ensure_code(error, request_id);
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
fn ensure_code(error: &mut ServerError, request_id: Option<&str>) {
    let extensions = error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default);
    if extensions.get("code").is_none() {
        extensions.set("code", Value::from(ErrorCode::BadUserInput.as_str()));
    }
    if let Some(id) = request_id {
        extensions.set("requestId", Value::from(id));
    }
}

fn json_body(body: Arc<[u8]>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        axum::body::Bytes::from_owner(body),
    )
        .into_response()
}

/// Whether the body was cut off by the body limit (a body sent without `Content-Length`). The
/// GraphQL extractor keeps only the message of the body error, so the message is what is compared.
fn too_large(error: &async_graphql::ParseRequestError) -> bool {
    matches!(error, async_graphql::ParseRequestError::Io(io) if io.to_string().contains("length limit exceeded"))
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
