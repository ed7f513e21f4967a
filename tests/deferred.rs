//! GraphQL reads lists without their long descriptions unless the document shows them, and then
//! reads them with their rows: every description a query shows is the stored one, however it is
//! reached (a list, a relation, a lookup by ID, aliases with different selections), and asking for
//! it costs no statement of its own.

use std::collections::BTreeMap;

use crate::support::TestApp;
use entity::{event, model_project, session};
use kleinstadt::ids::encode;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

/// Global ID → description, as stored.
async fn stored(app: &TestApp) -> BTreeMap<String, Option<String>> {
    let mut all = BTreeMap::new();
    let events = event::Entity::find().all(app.db()).await;
    for row in events.expect("events") {
        all.insert(encode("Event", row.id), row.description);
    }
    let sessions = session::Entity::find().all(app.db()).await;
    for row in sessions.expect("sessions") {
        all.insert(encode("Session", row.id), row.description);
    }
    let projects = model_project::Entity::find().all(app.db()).await;
    for row in projects.expect("model projects") {
        all.insert(encode("ModelProject", row.id), row.description);
    }
    all
}

/// Every object with an `id` and a `description` in `value`, as (id, description).
fn shown(value: &Value, found: &mut Vec<(String, Option<String>)>) {
    match value {
        Value::Object(object) => {
            if let (Some(Value::String(id)), Some(description)) =
                (object.get("id"), object.get("description"))
            {
                found.push((id.clone(), description.as_str().map(str::to_owned)));
            }
            object.values().for_each(|child| shown(child, found));
        }
        Value::Array(items) => items.iter().for_each(|child| shown(child, found)),
        _ => {}
    }
}

/// Checks every description `data` shows against the stored ones; returns how many were shown.
fn check(data: &Value, stored: &BTreeMap<String, Option<String>>) -> usize {
    let mut found = Vec::new();
    shown(data, &mut found);
    for (id, description) in &found {
        assert_eq!(
            Some(description),
            stored.get(id),
            "description of {id} in {data}"
        );
    }
    found.len()
}

#[tokio::test]
async fn descriptions_are_the_stored_ones_wherever_they_are_shown() {
    let app = TestApp::seeded().await;
    let stored = stored(&app).await;
    let with_text = stored.values().filter(|d| d.is_some()).count();
    assert!(with_text >= 3, "the demo data has descriptions: {stored:?}");

    let data = app
        .query(
            "{ events(first: 20) { nodes { id title description
                 sessions(first: 20) { nodes { id description } }
                 modelProject { id description } } }
               modelProjects(first: 10) { nodes { id description
                 events(first: 10) { nodes { id description } } } } }",
            json!({}),
        )
        .await;
    let count = check(&data, &stored);
    let events = data["events"]["nodes"].as_array().map_or(0, Vec::len);
    assert!(events > 0 && count > events, "{data}");
    let mut found = Vec::new();
    shown(&data, &mut found);
    assert!(
        found.iter().any(|(_, d)| d.is_some()),
        "no description shown: {data}"
    );

    // One event by ID, and the same relation twice under aliases, once without its description.
    let (id, _) = stored
        .iter()
        .find(|(id, d)| id.starts_with("RXZlbnQ") && d.is_some())
        .unwrap_or_else(|| panic!("an event with a description: {stored:?}"));
    let data = app
        .query(
            "query($id: ID!) { event(id: $id) { id description
                 short: sessions(first: 50) { nodes { id title } }
                 long: sessions(first: 50) { nodes { id title description } } } }",
            json!({ "id": id }),
        )
        .await;
    check(&data, &stored);
    assert!(data["event"]["description"].is_string(), "{data}");
    assert_eq!(
        data["event"]["short"]["nodes"].as_array().map(Vec::len),
        data["event"]["long"]["nodes"].as_array().map(Vec::len),
    );
}

#[tokio::test]
async fn a_description_comes_with_its_rows() {
    let app = TestApp::seeded_with(|config| config.response_cache_mib = 0).await;
    let counter = app.statements();
    let mut costs = Vec::new();
    for fields in ["id title", "id title description"] {
        let query = format!(
            "{{ events(first: 20) {{ nodes {{ {fields} sessions(first: 20) {{ nodes {{ {fields} }} }} }} }} }}"
        );
        let before = counter.get();
        let data = app.query(&query, json!({})).await;
        costs.push(counter.get() - before);
        assert!(
            data["events"]["nodes"]
                .as_array()
                .is_some_and(|n| !n.is_empty())
        );
    }
    // A document that shows descriptions reads its rows whole: no statement of their own.
    assert_eq!(
        costs[1], costs[0],
        "statements without and with descriptions: {costs:?}"
    );
}
