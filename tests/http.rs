//! GraphQL over HTTP: GET queries, GraphiQL for browsers, health, malformed requests.

use crate::support::{TestApp, error_code, parse_json};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

#[tokio::test]
async fn health_reports_the_database() {
    let app = TestApp::empty().await;
    let (status, _, body) = app.get("/health").await;
    assert_eq!(status, StatusCode::OK);
    let body = parse_json(&body);
    assert_eq!(body["status"], "ok");
    let expected = if app.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    assert_eq!(body["database"], expected);
}

#[tokio::test]
async fn queries_work_over_get() {
    let app = TestApp::seeded().await;
    let (status, _, body) = app.get("/graphql?query=%7Bstates%7BtotalCount%7D%7D").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(parse_json(&body)["data"]["states"]["totalCount"], 16);
}

#[tokio::test]
async fn browsers_get_graphiql() {
    let app = TestApp::empty().await;
    let request = Request::get("/graphql")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(String::from_utf8_lossy(&body).contains("graphiql"));
}

#[tokio::test]
async fn malformed_requests_get_a_coded_error() {
    let app = TestApp::empty().await;
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let (status, _, body) = app.send(request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&parse_json(&body)), Some("BAD_USER_INPUT"));

    let (_, body) = app
        .graphql("{ towns { nosuchfield } }", serde_json::json!({}))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let (_, body) = app.graphql("{ towns { ", serde_json::json!({})).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

#[tokio::test]
async fn deep_queries_are_refused() {
    let app = TestApp::seeded().await;
    // Town → model project → town → …: 30 levels, far beyond the depth limit of 16.
    let mut deep = "name".to_owned();
    for level in 0..15 {
        let field = if level % 2 == 0 {
            "towns"
        } else {
            "modelProjects"
        };
        deep = format!("{field}(first: 1) {{ nodes {{ {deep} }} }}");
    }
    let deep = format!("{{ {deep} }}");
    let (_, body) = app.graphql(&deep, serde_json::json!({})).await;
    assert_refused(&body, "deep");
}

#[tokio::test]
async fn costly_queries_are_refused() {
    let app = TestApp::seeded().await;
    let costly = "{ towns(first: 100) { nodes { events(first: 100) { nodes { sessions(first: 100) { nodes { title } } } } } } }";
    let (_, body) = app.graphql(costly, serde_json::json!({})).await;
    assert_refused(&body, "complex");
}

/// The list of states has no page arguments; it costs its sixteen entries, not one.
#[tokio::test]
async fn the_states_count_sixteen_times_towards_the_complexity() {
    let app = TestApp::seeded().await;
    let small = "{ states { nodes { towns(first: 10) { nodes { name } } } } }";
    let (_, body) = app.graphql(small, serde_json::json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"]["states"]["nodes"].as_array().map(Vec::len),
        Some(16),
        "{body}"
    );
    // 50 × 25 × 2 per state is within the limit once, not sixteen times.
    let costly = "{ states { nodes { towns(first: 50) { nodes { modelProjects(first: 25) { nodes { title } } } } } } }";
    let (_, body) = app.graphql(costly, serde_json::json!({})).await;
    assert_refused(&body, "complex");
}

/// The answer refuses the document as bad input, with `reason` in its first error's message.
fn assert_refused(body: &serde_json::Value, reason: &str) {
    assert_eq!(error_code(body), Some("BAD_USER_INPUT"), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|message| message.contains(reason)),
        "{body}"
    );
}

/// With one execution turn, operations run one after another: concurrent ones all answer, also
/// after one that fails, so every turn is given back.
#[tokio::test]
async fn operations_taking_turns_all_answer() {
    let app = TestApp::seeded_with(|config| config.graphql_max_executions = 1).await;
    let query = "{ states { nodes { code towns(first: 3) { nodes { name } } } } }";
    let ((_, a), (_, bad), (_, b), (_, c)) = tokio::join!(
        app.graphql(query, serde_json::json!({})),
        app.graphql(
            "{ states { nodes { noSuchField } } }",
            serde_json::json!({})
        ),
        app.graphql(query, serde_json::json!({})),
        app.graphql(query, serde_json::json!({})),
    );
    assert_eq!(error_code(&bad), Some("BAD_USER_INPUT"), "{bad}");
    for body in [&a, &b, &c] {
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(body["data"], a["data"], "{body}");
    }
    assert_eq!(
        a["data"]["states"]["nodes"].as_array().map(Vec::len),
        Some(16),
        "{a}"
    );
    // Afterwards a turn is free at once.
    let (_, after) = app.graphql(query, serde_json::json!({})).await;
    assert_eq!(after["data"], a["data"], "{after}");
}
