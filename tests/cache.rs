//! The answer cache: repeated anonymous queries are served without touching the database, and every
//! change is visible right away through this instance, and within the change log's poll interval
//! through any other (on PostgreSQL at once, by notification). Staff never get an anonymous answer.

use std::time::Duration;

use crate::support::{TestApp, parse_json};
use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use kleinstadt::auth::StaffRole;
use serde_json::{Value, json};
use tower::ServiceExt;

const PROGRAMME: &str = r#"{ events(filter: { text: "Bundestagung" }) { nodes { id version title sessions { totalCount } } } }"#;
const ALL: &str = "{ events(first: 100) { totalCount nodes { title } } }";

async fn cached_app() -> TestApp {
    TestApp::seeded_with(|config| config.response_cache_mib = 8).await
}

#[tokio::test]
async fn repeated_anonymous_queries_cost_no_statements() {
    let app = cached_app().await;
    // The change watcher's first look at the log's head happens in the background; let it pass
    // before measuring.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let first = app.query(PROGRAMME, json!({})).await;
    let before = app.statements().get();
    let second = app.query(PROGRAMME, json!({})).await;
    assert_eq!(app.statements().get(), before, "served from the cache");
    assert_eq!(first, second);
    // Other variables are another answer.
    let _ = app
        .query(
            "query($t: String!) { events(filter: { text: $t }) { totalCount } }",
            json!({ "t": "Werkstatt" }),
        )
        .await;
    assert!(app.statements().get() > before);
}

#[tokio::test]
async fn an_edit_is_visible_at_once() {
    let app = cached_app().await;
    let token = app
        .staff_token("editor@bbsr.example", StaffRole::Editor)
        .await;
    let data = app.query(PROGRAMME, json!({})).await;
    let event = &data["events"]["nodes"][0];
    let (_, body) = app
        .graphql_as(
            &token,
            "mutation($id: ID!, $v: Int!) { updateEvent(id: $id, expectedVersion: $v, input: { title: \"Bundestagung 2022 (geändert)\" }) { title } }",
            json!({ "id": event["id"], "v": event["version"] }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let data = app.query(PROGRAMME, json!({})).await;
    assert_eq!(
        data["events"]["nodes"][0]["title"],
        "Bundestagung 2022 (geändert)"
    );
}

#[tokio::test]
async fn staff_never_get_the_anonymous_answer() {
    let app = cached_app().await;
    let token = app
        .staff_token("editor@bbsr.example", StaffRole::Editor)
        .await;
    let (_, body) = app
        .graphql_as(&token, "mutation { createEvent(input: { title: \"Entwurf\", startsAt: \"2031-01-01T10:00:00Z\" }) { id } }", json!({}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let anonymous = app.query(ALL, json!({})).await;
    assert!(!anonymous.to_string().contains("Entwurf"));
    let (_, staff) = app.graphql_as(&token, ALL, json!({})).await;
    assert!(staff.to_string().contains("Entwurf"), "{staff}");
    let anonymous_again = app.query(ALL, json!({})).await;
    assert_eq!(anonymous, anonymous_again);
}

async fn query_state(state: &kleinstadt::AppState, query: &str) -> Value {
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "query": query }).to_string()))
        .unwrap();
    let response = kleinstadt::app(state.clone())
        .oneshot(request)
        .await
        .unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    parse_json(&body)
}

#[tokio::test]
async fn a_change_through_another_instance_clears_this_cache() {
    let app = cached_app().await;
    let other = app
        .second_instance(|config| config.response_cache_mib = 8)
        .await;
    let token = app
        .staff_token("editor@bbsr.example", StaffRole::Editor)
        .await;
    let before = app.query(ALL, json!({})).await;
    // Create and publish through the other instance.
    let create = json!({ "query": "mutation { createEvent(input: { title: \"Neu von nebenan\", startsAt: \"2031-01-01T10:00:00Z\" }) { id } }" });
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(create.to_string()))
        .unwrap();
    let response = kleinstadt::app(other.clone())
        .oneshot(request)
        .await
        .unwrap();
    let body = parse_json(&response.into_body().collect().await.unwrap().to_bytes());
    let id = body["data"]["createEvent"]["id"].clone();
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(json!({ "query": "mutation($id: ID!) { publishEvent(id: $id, expectedVersion: 1) { published } }", "variables": { "id": id } }).to_string()))
        .unwrap();
    let _ = kleinstadt::app(other.clone()).oneshot(request).await;
    let _ = query_state(&other, ALL).await;

    // The change is seen asynchronously (notification or poll); it must arrive within a few seconds.
    let mut seen = false;
    for _ in 0..50 {
        let now = app.query(ALL, json!({})).await;
        if now.to_string().contains("Neu von nebenan") {
            seen = true;
            break;
        }
        assert_eq!(now, before, "stale or fresh, nothing else");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen, "the other instance's change never reached this cache");
}
