//! Test support: a fresh, migrated database per test (SQLite by default, PostgreSQL when
//! `TEST_DATABASE_URL` names a server), the real router, and helpers to call it.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use kleinstadt::config::Config;
use kleinstadt::db::StatementCounter;
use kleinstadt::{AppState, app};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use tower::ServiceExt;

pub mod network;

/// Where the test databases live.
enum Backend {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

/// One test's application over its own database, dropped with the value.
pub struct TestApp {
    pub state: AppState,
    backend: Backend,
}

/// The PostgreSQL server for tests, when one is configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| url.starts_with("postgres"))
}

fn unique_name() -> String {
    format!("kleinstadt_test_{}", uuid::Uuid::new_v4().simple())
}

fn with_database(url: &str, name: &str) -> String {
    match url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => format!("{url}/{name}"),
    }
}

impl TestApp {
    /// A migrated, empty database.
    pub async fn empty() -> Self {
        Self::empty_with(|_| {}).await
    }

    /// A migrated, empty database, with settings changed by `configure`.
    pub async fn empty_with(configure: impl FnOnce(&mut Config)) -> Self {
        let (url, backend) = match postgres_url() {
            Some(admin_url) => {
                let name = unique_name();
                let admin = Database::connect(admin_url.as_str())
                    .await
                    .unwrap_or_else(|e| panic!("cannot reach TEST_DATABASE_URL: {e}"));
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .unwrap_or_else(|e| panic!("cannot create test database: {e}"));
                let _ = admin.close().await;
                (
                    with_database(&admin_url, &name),
                    Backend::Postgres { admin_url, name },
                )
            }
            None => {
                let path = std::env::temp_dir().join(format!("{}.sqlite", unique_name()));
                (
                    format!("sqlite://{}?mode=rwc", path.display()),
                    Backend::Sqlite(path),
                )
            }
        };
        let mut config = Config::for_database(url);
        configure(&mut config);
        let state = AppState::connect(config)
            .await
            .unwrap_or_else(|e| panic!("cannot connect: {e}"));
        kleinstadt::db::migrate(&state.db)
            .await
            .unwrap_or_else(|e| panic!("migration failed: {e}"));
        Self { state, backend }
    }

    /// A migrated database with the demo data.
    pub async fn seeded() -> Self {
        Self::seeded_with(|_| {}).await
    }

    /// A migrated database with the demo data, with settings changed by `configure`.
    pub async fn seeded_with(configure: impl FnOnce(&mut Config)) -> Self {
        let app = Self::empty_with(configure).await;
        kleinstadt::bulk::seed::seed_demo(&app.state.db)
            .await
            .unwrap_or_else(|e| panic!("seeding failed: {e:?}"));
        app
    }

    /// The pool.
    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// The statement counter of the pool.
    pub fn statements(&self) -> Arc<StatementCounter> {
        self.state.statements.clone()
    }

    /// The real router over this app's state.
    pub fn router(&self) -> Router {
        app(self.state.clone())
    }

    /// Sends a request through the router; returns status, headers and body bytes.
    pub async fn send(
        &self,
        request: Request<Body>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let response = self
            .router()
            .oneshot(request)
            .await
            .unwrap_or_else(|e| panic!("router failed: {e}"));
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap_or_else(|e| panic!("body failed: {e}"))
            .to_bytes()
            .to_vec();
        assert_no_leak(status, &body);
        (status, headers, body)
    }

    /// POSTs a GraphQL query with variables; returns status and the JSON response.
    pub async fn graphql(&self, query: &str, variables: Value) -> (StatusCode, Value) {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap_or_else(|e| panic!("bad request: {e}"));
        let (status, _, body) = self.send(request).await;
        (status, parse_json(&body))
    }

    /// POSTs a GraphQL query with a bearer token; returns status and the JSON response.
    pub async fn graphql_as(
        &self,
        token: &str,
        query: &str,
        variables: Value,
    ) -> (StatusCode, Value) {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::from(body))
            .unwrap_or_else(|e| panic!("bad request: {e}"));
        let (status, _, body) = self.send(request).await;
        (status, parse_json(&body))
    }

    /// Creates a staff account and logs it in through the router; returns the token.
    pub async fn staff_token(&self, email: &str, role: kleinstadt::auth::StaffRole) -> String {
        kleinstadt::service::account::create(
            self.db(),
            email,
            email,
            role,
            STAFF_PASSWORD.to_owned(),
        )
        .await
        .unwrap_or_else(|e| panic!("cannot create {email}: {e:?}"));
        let (_, body) = self
            .graphql(
                "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }",
                json!({ "email": email, "password": STAFF_PASSWORD }),
            )
            .await;
        body["data"]["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login failed: {body}"))
            .to_owned()
    }

    /// POSTs a query that must succeed; returns its `data`.
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self.graphql(query, variables).await;
        assert_eq!(status, StatusCode::OK, "HTTP status for {query}: {body}");
        assert!(body.get("errors").is_none(), "errors for {query}: {body}");
        body["data"].clone()
    }

    /// GETs a path; returns status, headers and body bytes.
    pub async fn get(&self, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let request = Request::get(uri)
            .body(Body::empty())
            .unwrap_or_else(|e| panic!("bad request: {e}"));
        self.send(request).await
    }

    /// A second instance on this app's database (as another server process would be).
    pub async fn second_instance(&self, configure: impl FnOnce(&mut Config)) -> AppState {
        let mut config = Config::for_database(self.state.config.database_url.clone());
        configure(&mut config);
        AppState::connect(config)
            .await
            .unwrap_or_else(|e| panic!("cannot connect: {e}"))
    }

    /// The database URL of this app.
    pub fn database_url(&self) -> String {
        self.state.config.database_url.clone()
    }

    /// Whether this app runs on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres { .. })
    }
}

/// What must never appear in an error answer: SQL, driver and crate names, source paths, panics.
const LEAKS: &[&str] = &[
    "sqlx",
    "sea_orm",
    "sea-orm",
    "sqlite_",
    "SQLITE",
    "constraint",
    "panicked",
    "/src/",
    ".rs:",
    "SELECT ",
    "INSERT ",
    "UPDATE \"",
    "DELETE FROM",
    "syntax error at",
    "stack backtrace",
    "postgres://",
    "pg_",
    "relation \"",
];

/// Every answer that reports an error is checked for leaks of internals, across the whole suite.
fn assert_no_leak(status: StatusCode, body: &[u8]) {
    let text = String::from_utf8_lossy(body);
    let is_error = status.is_client_error()
        || status.is_server_error()
        || text.contains("\"errors\"")
        || text.starts_with("{\"error\"");
    if !is_error {
        return;
    }
    for leak in LEAKS {
        assert!(
            !text.contains(leak),
            "an error answer ({status}) shows `{leak}`: {text}"
        );
    }
}

/// The password of staff accounts made by [`TestApp::staff_token`].
pub const STAFF_PASSWORD: &str = "correct horse battery staple";

/// Parses a JSON body, failing the test with the body when it is not JSON.
pub fn parse_json(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

/// The `extensions.code` of the first error of a GraphQL response.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        match &self.backend {
            Backend::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Backend::Postgres { admin_url, name } => {
                let admin_url = admin_url.clone();
                let name = name.clone();
                // Drop runs inside the test's runtime; a fresh runtime on its own thread may block.
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(runtime) = runtime {
                        runtime.block_on(async {
                            if let Ok(admin) = Database::connect(admin_url.as_str()).await {
                                let _ = admin
                                    .execute_unprepared(&format!(
                                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                    ))
                                    .await;
                                let _ = admin.close().await;
                            }
                        });
                    }
                });
                let _ = dropped.join();
            }
        }
    }
}
