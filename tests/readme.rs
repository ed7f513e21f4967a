//! The README's example query gives the answer the README shows.

use crate::support::TestApp;
use serde_json::{Value, json};

fn block<'a>(readme: &'a str, fence: &str) -> &'a str {
    let start = readme
        .find(fence)
        .map(|at| at + fence.len())
        .unwrap_or_else(|| panic!("README has no {fence} block"));
    let end = readme[start..]
        .find("```")
        .map_or(readme.len(), |at| start + at);
    &readme[start..end]
}

#[tokio::test]
async fn the_readme_example_answers_as_documented() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let query = block(&readme, "```graphql\n");
    let expected: Value = serde_json::from_str(block(&readme, "```json\n"))
        .expect("README's JSON answer does not parse");
    let app = TestApp::seeded().await;
    let (_, answer) = app.graphql(query, json!({})).await;
    assert_eq!(answer, expected);

    // Registered as a persisted document, as the README shows a partner, it answers the same over
    // GET by its id.
    let admin = kleinstadt::auth::Actor::operator();
    let registered = kleinstadt::service::persisted::register(app.db(), &admin, query, None)
        .await
        .unwrap();
    let (status, headers, body) = app
        .get(&format!("/graphql?documentId={}", registered.document_id))
        .await;
    assert_eq!(status, axum::http::StatusCode::OK);
    assert!(headers.contains_key(axum::http::header::ETAG));
    assert_eq!(crate::support::parse_json(&body), expected);
}
