//! Prometheus metrics at `/metrics`: requests and latency by route, GraphQL operations, database
//! pool usage, SQL statements and rate-limit rejections. One registry per instance state, no global recorder.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sea_orm::DbBackend;

use crate::error::AppError;
use crate::state::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ScopeLabels {
    scope: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: String,
}

/// Latency buckets from 0.5 ms to about 8 s.
#[derive(Clone, Copy)]
struct Buckets;

impl MetricConstructor<Histogram> for Buckets {
    fn new_metric(&self) -> Histogram {
        Histogram::new(exponential_buckets(0.0005, 2.0, 15))
    }
}

/// The metrics of one instance.
pub struct Metrics {
    registry: Registry,
    requests: Family<HttpLabels, Counter>,
    latency: Family<RouteLabels, Histogram, Buckets>,
    operations: Family<OperationLabels, Counter>,
    operation_latency: Family<OperationLabels, Histogram, Buckets>,
    rate_limited: Family<ScopeLabels, Counter>,
    pool: Family<PoolLabels, Gauge>,
    /// Mirrors the database's statement counter; the lock keeps two renders from adding a delta twice.
    statements: std::sync::Mutex<Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Arc<Self> {
        let mut registry = Registry::with_prefix("kleinstadt");
        let requests = Family::<HttpLabels, Counter>::default();
        let latency = Family::new_with_constructor(Buckets);
        let operations = Family::<OperationLabels, Counter>::default();
        let operation_latency = Family::new_with_constructor(Buckets);
        let rate_limited = Family::<ScopeLabels, Counter>::default();
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        registry.register(
            "graphql_operations",
            "GraphQL requests by operation name",
            operations.clone(),
        );
        registry.register(
            "graphql_operation_duration_seconds",
            "GraphQL request latency by operation name",
            operation_latency.clone(),
        );
        registry.register(
            "rate_limited",
            "Requests refused by a rate limit, by caller kind",
            rate_limited.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Database pool connections by state (idle, in_use)",
            pool.clone(),
        );
        let statements = Counter::default();
        registry.register(
            "db_statements",
            "SQL statements sent to the database",
            statements.clone(),
        );
        Arc::new(Self {
            registry,
            requests,
            latency,
            operations,
            operation_latency,
            rate_limited,
            pool,
            statements: std::sync::Mutex::new(statements),
        })
    }

    /// Counts a request refused by a rate limit.
    pub fn rate_limited(&self, scope: &str) {
        self.rate_limited
            .get_or_create(&ScopeLabels {
                scope: scope.to_owned(),
            })
            .inc();
    }

    /// Records one GraphQL request by its operation name (as sent; long or odd names are `other`).
    pub fn graphql_operation(&self, name: Option<&str>, seconds: f64) {
        let operation = match name {
            None => "anonymous".to_owned(),
            Some(name)
                if !name.is_empty()
                    && name.len() <= 64
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
            {
                name.to_owned()
            }
            Some(_) => "other".to_owned(),
        };
        let labels = OperationLabels { operation };
        self.operations.get_or_create(&labels).inc();
        self.operation_latency
            .get_or_create(&labels)
            .observe(seconds);
    }

    /// The metrics in the Prometheus text format, with the pool figures of `state` read now.
    fn render(&self, state: &AppState) -> Result<String, AppError> {
        let (size, idle) = match state.db.get_database_backend() {
            DbBackend::Sqlite => {
                let pool = state.db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            DbBackend::Postgres => {
                let pool = state.db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        };
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        let size = i64::from(size);
        for (label, value) in [("idle", idle), ("in_use", (size - idle).max(0))] {
            self.pool
                .get_or_create(&PoolLabels {
                    state: label.to_owned(),
                })
                .set(value);
        }
        {
            let statements = match self.statements.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            statements.inc_by(state.statements.get().saturating_sub(statements.get()));
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .map_err(|error| AppError::Internal(format!("cannot encode metrics: {error}")))?;
        Ok(text)
    }
}

/// Counts every request and its latency under its route template (never the raw path).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let metrics = &state.metrics;
    metrics
        .requests
        .get_or_create(&HttpLabels {
            route: route.clone(),
            method,
            status: response.status().as_u16(),
        })
        .inc();
    metrics
        .latency
        .get_or_create(&RouteLabels { route })
        .observe(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`.
pub async fn serve(State(state): State<AppState>) -> Response {
    match state.metrics.render(&state) {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            )],
            text,
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}
