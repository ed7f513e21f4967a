//! `Client`: a caller of one `TestApp`, anonymous or carrying a staff token, that sends GraphQL and
//! REST requests through the router and answers with the status and the parsed JSON.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use super::{TestApp, parse_json};

/// A caller of a [`TestApp`], with the bearer token of a staff account or none.
pub struct Client<'a> {
    app: &'a TestApp,
    token: Option<String>,
}

impl<'a> Client<'a> {
    pub(super) fn new(app: &'a TestApp, token: Option<String>) -> Self {
        Self { app, token }
    }

    fn authorised(
        &self,
        mut request: axum::http::request::Builder,
    ) -> axum::http::request::Builder {
        if let Some(token) = &self.token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        request
    }

    /// POSTs a GraphQL query with variables; returns status and the JSON response.
    pub async fn graphql(&self, query: &str, variables: Value) -> (StatusCode, Value) {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let request = self
            .authorised(Request::post("/graphql"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .expect("bad request");
        let (status, _, body) = self.app.send(request).await;
        (status, parse_json(&body))
    }

    /// POSTs a GraphQL query that must succeed (200, no errors); returns its `data`.
    pub async fn ok(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self.graphql(query, variables).await;
        assert_eq!(status, StatusCode::OK, "HTTP status for {query}: {body}");
        assert!(body.get("errors").is_none(), "errors for {query}: {body}");
        body["data"].clone()
    }

    /// POSTs a GraphQL query that must fail; returns the whole response.
    pub async fn fails(&self, query: &str, variables: Value) -> Value {
        let (_, body) = self.graphql(query, variables).await;
        assert!(
            body["errors"][0].is_object(),
            "expected an error for {query}: {body}"
        );
        body
    }

    /// GETs a REST path; returns status and the JSON body.
    pub async fn get(&self, uri: &str) -> (StatusCode, Value) {
        let request = self
            .authorised(Request::get(uri))
            .body(Body::empty())
            .expect("bad request");
        let (status, _, body) = self.app.send(request).await;
        (status, parse_json(&body))
    }

    /// GETs a REST path that must answer 200; returns the JSON body.
    pub async fn get_ok(&self, uri: &str) -> Value {
        let (status, body) = self.get(uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        body
    }
}
