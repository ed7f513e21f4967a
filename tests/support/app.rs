//! `TestApp`: one test's application, over its own database, through the real router.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use kleinstadt::auth::StaffRole;
use kleinstadt::config::Config;
use kleinstadt::db::StatementCounter;
use kleinstadt::{AppState, app};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::Client;
use super::leaks::assert_no_leak;
use super::template::{Template, TestDatabase};

/// One test's application over its own database, dropped with the value.
pub struct TestApp {
    pub state: AppState,
    database: TestDatabase,
}

/// The password of staff accounts made by [`TestApp::staff_token`].
pub const STAFF_PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// A migrated, empty database.
    pub async fn empty() -> Self {
        Self::empty_with(|_| {}).await
    }

    /// A migrated, empty database, with settings changed by `configure`.
    pub async fn empty_with(configure: impl FnOnce(&mut Config)) -> Self {
        Self::from_template(Template::Migrated, configure).await
    }

    /// A migrated database with the demo data.
    pub async fn seeded() -> Self {
        Self::seeded_with(|_| {}).await
    }

    /// A migrated database with the demo data, with settings changed by `configure`. Seeding reads
    /// no setting (it is given only the database), so the data is the template's whatever `configure`
    /// changes.
    pub async fn seeded_with(configure: impl FnOnce(&mut Config)) -> Self {
        Self::from_template(Template::Seeded, configure).await
    }

    async fn from_template(template: Template, configure: impl FnOnce(&mut Config)) -> Self {
        let database = TestDatabase::create(template).await;
        let mut config = Config::for_database(database.url());
        configure(&mut config);
        let state = AppState::connect(config).await.expect("cannot connect");
        Self { state, database }
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
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
        let response = self.router().oneshot(request).await.expect("router failed");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body failed")
            .to_bytes()
            .to_vec();
        assert_no_leak(status, &body);
        (status, headers, body)
    }

    /// POSTs a GraphQL query with variables; returns status and the JSON response.
    pub async fn graphql(&self, query: &str, variables: Value) -> (StatusCode, Value) {
        self.anonymous().graphql(query, variables).await
    }

    /// POSTs a GraphQL query with a bearer token; returns status and the JSON response.
    pub async fn graphql_as(
        &self,
        token: &str,
        query: &str,
        variables: Value,
    ) -> (StatusCode, Value) {
        Client::new(self, Some(token.to_owned()))
            .graphql(query, variables)
            .await
    }

    /// Creates a staff account and logs it in through the router; returns the token.
    pub async fn staff_token(&self, email: &str, role: StaffRole) -> String {
        kleinstadt::service::account::create(
            self.db(),
            email,
            email,
            role,
            STAFF_PASSWORD.to_owned(),
        )
        .await
        .unwrap_or_else(|e| panic!("cannot create {email}: {e:?}"));
        let data = self
            .query(
                "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }",
                json!({ "email": email, "password": STAFF_PASSWORD }),
            )
            .await;
        data["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login failed: {data}"))
            .to_owned()
    }

    /// A client without a token.
    pub fn anonymous(&self) -> Client<'_> {
        Client::new(self, None)
    }

    /// A client logged in as a new staff account `email` with `role`.
    pub async fn staff(&self, email: &str, role: StaffRole) -> Client<'_> {
        let token = self.staff_token(email, role).await;
        Client::new(self, Some(token))
    }

    /// A client logged in as the editor `editor@bbsr.example` (created by the first call).
    pub async fn editor(&self) -> Client<'_> {
        self.staff("editor@bbsr.example", StaffRole::Editor).await
    }

    /// A client logged in as the administrator `admin@bbsr.example` (created by the first call).
    pub async fn admin(&self) -> Client<'_> {
        self.staff("admin@bbsr.example", StaffRole::Admin).await
    }

    /// POSTs a query that must succeed; returns its `data`.
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        self.anonymous().ok(query, variables).await
    }

    /// GETs a path; returns status, headers and body bytes.
    pub async fn get(&self, uri: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let request = Request::get(uri).body(Body::empty()).expect("bad request");
        self.send(request).await
    }

    /// A second instance on this app's database (as another server process would be).
    pub async fn second_instance(&self, configure: impl FnOnce(&mut Config)) -> AppState {
        let mut config = Config::for_database(self.database_url());
        configure(&mut config);
        AppState::connect(config).await.expect("cannot connect")
    }

    /// The database URL of this app.
    pub fn database_url(&self) -> String {
        self.state.config.database_url.clone()
    }

    /// Whether this app runs on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.database.is_postgres()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.database.remove();
    }
}
