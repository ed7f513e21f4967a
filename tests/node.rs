//! Global IDs: every object is reachable through `node(id:)`, and IDs round-trip.

use crate::support::{TestApp, error_code};
use serde_json::{Value, json};

#[tokio::test]
async fn ids_of_every_type_round_trip_through_node() {
    let app = TestApp::seeded().await;
    let data = app
        .query(
            r#"{
              towns(first: 1) { nodes { id __typename state { id __typename } } }
              events(first: 1, filter: { text: "Bundestagung" }) { nodes { id __typename
                sessions(first: 1) { nodes { id __typename } } contributions(first: 1) { nodes { id __typename } } } }
              people(first: 1) { nodes { id __typename } }
              organisations(first: 1) { nodes { id __typename } }
              modelProjects(first: 1) { nodes { id __typename projectCall { id __typename } } }
              documents(first: 1) { nodes { id __typename } }
              organisation: organisations(filter: { kind: [ADVISORY_BOARD] }, first: 1) {
                nodes { boardMemberships(first: 1) { nodes { id __typename } } } }
            }"#,
            json!({}),
        )
        .await;
    let mut objects: Vec<Value> = Vec::new();
    collect(&data, &mut objects);
    let types: std::collections::BTreeSet<String> = objects
        .iter()
        .filter_map(|o| o["__typename"].as_str().map(str::to_owned))
        .collect();
    for expected in [
        "Town",
        "State",
        "Event",
        "Session",
        "Contribution",
        "Person",
        "Organisation",
        "ModelProject",
        "ProjectCall",
        "Document",
        "BoardMembership",
    ] {
        assert!(types.contains(expected), "no {expected} in {types:?}");
    }
    for object in objects {
        let data = app
            .query(
                "query($id: ID!) { node(id: $id) { id __typename } }",
                json!({ "id": object["id"] }),
            )
            .await;
        assert_eq!(data["node"]["id"], object["id"]);
        assert_eq!(data["node"]["__typename"], object["__typename"]);
    }
}

fn collect(value: &Value, out: &mut Vec<Value>) {
    match value {
        Value::Object(map) => {
            if map.contains_key("id") && map.contains_key("__typename") {
                out.push(value.clone());
            }
            map.values().for_each(|v| collect(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn unknown_and_malformed_ids() {
    let app = TestApp::seeded().await;
    // Well-formed, but no such row: null, not an error.
    let data = app
        .query(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": "VG93bjo5OTk5OTk5" }),
        )
        .await;
    assert!(data["node"].is_null());
    for bad in ["", "not base64!", "VG93bg", "Rm9vOjE"] {
        let (_, body) = app
            .graphql(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": bad }),
            )
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{bad}: {body}");
    }
    // The ID of a town is not the ID of an event.
    let data = app
        .query("{ towns(first: 1) { nodes { id } } }", json!({}))
        .await;
    let town = data["towns"]["nodes"][0]["id"].clone();
    let (_, body) = app
        .graphql(
            "query($id: ID!) { event(id: $id) { title } }",
            json!({ "id": town }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}
