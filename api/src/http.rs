//! The HTTP edge: routes, GraphQL over HTTP, GraphiQL, health, readiness, and the layers every
//! request passes.

mod graphiql;
mod graphql;
mod media;
mod params;

use std::net::{IpAddr, SocketAddr};

use axum::error_handling::HandleErrorLayer;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
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
use crate::db::backend_name;
use crate::error::AppError;
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
        .route("/graphql", get(graphql::get).post(graphql::post))
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
        .merge(graphiql::router())
        .merge(public)
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics::serve))
        .merge(login_route)
        .merge(crate::admin::router(&state))
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

/// The staff member a request's bearer token names: none without a token; a bad, expired or
/// foreign token, or one of a disabled account, is an error, never anonymous. Tokens whose `iss` is
/// the configured OpenID Connect provider are verified with its keys, all others as ours.
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
    if let Some(provider) = &state.provider_keys
        && provider.claims_issuer(token)
    {
        return account::provider_actor(&state.db, provider, token)
            .await
            .map(Some);
    }
    account::actor(&state.db, &state.tokens, token)
        .await
        .map(Some)
}

/// The client's address, when the server knows it.
pub fn client_address(connect: Option<&ConnectInfo<SocketAddr>>) -> Option<IpAddr> {
    connect.map(|ConnectInfo(address)| address.ip())
}
