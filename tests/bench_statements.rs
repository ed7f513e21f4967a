//! The bench scenarios (`bench/queries/kleinstadt`) issue a constant number of SQL statements
//! whatever the page size: a bundle shaped like the bench data is loaded through the import path,
//! then every scenario runs with pages of 10 and of 100 items.

use crate::support::TestApp;
use kleinstadt::bulk::bundle::{import_bundle, parse};
use serde_json::{Value, json};

const Q1: &str = include_str!("../bench/queries/kleinstadt/q1.json");
const Q2: &str = include_str!("../bench/queries/kleinstadt/q2a.json");
const Q3: &str = include_str!("../bench/queries/kleinstadt/q3.json");

const STATES: [&str; 4] = ["Bayern", "Sachsen", "Hessen", "Brandenburg"];

/// Like `bench/gen_data.py`, small: 40 towns, 10 organisations, 60 people, 110 model projects of 4
/// towns, one event with a programme of 100 sessions, 210 upcoming events of 2 sessions each, and
/// 2 contributions (a person with their organisation) per session.
fn generated_bundle() -> Value {
    let towns: Vec<Value> = (0..40)
        .map(|i| {
            json!({
                "key": format!("town-{i}"), "geonames_id": 9_000_000 + i,
                "name": format!("Kleinstadt {i:02}"), "state": STATES[i % STATES.len()],
                "population": 5_000 + 300 * i, "latitude": 50.0 + 0.01 * i as f64, "longitude": 10.0,
            })
        })
        .collect();
    let organisations: Vec<Value> = (0..10)
        .map(|i| json!({ "key": format!("org-{i}"), "name": format!("Organisation {i}"), "kind": "AGENCY" }))
        .collect();
    let people: Vec<Value> = (0..60)
        .map(|i| {
            json!({ "key": format!("person-{i}"), "name": format!("Person {i:02}"), "organisation": format!("org-{}", i % 10) })
        })
        .collect();
    let projects: Vec<Value> = (0..110)
        .map(|i| {
            let towns: Vec<Value> = (0..4)
                .map(|n| json!({ "town": format!("town-{}", (i + n) % 40), "role": if n == 0 { "LEAD" } else { "MEMBER" } }))
                .collect();
            json!({
                "key": format!("project-{i:03}"), "title": format!("Modellvorhaben {i:03}"),
                "lead_town": format!("town-{}", i % 40), "towns": towns,
                "partners": [{ "organisation": format!("org-{}", i % 10), "role": "PROJECT_AGENCY" }],
            })
        })
        .collect();
    let mut events = vec![json!({
        "key": "programme", "title": "Jahreskonferenz mit großem Programm", "format": "HYBRID",
        "starts_at": "2026-06-01T07:00:00Z", "ends_at": "2026-06-03T16:00:00Z",
        "organisers": [{ "organisation": "org-0", "role": "ORGANISER" }],
    })];
    let mut sessions = Vec::new();
    for s in 0..100 {
        sessions.push(json!({
            "key": format!("programme-s{s}"), "event": "programme", "title": format!("Programmpunkt {s}"),
            "kind": "TALK", "starts_at": format!("2026-06-0{}T{:02}:{:02}:00Z", 1 + s / 40, 7 + (s % 40) / 4, (s % 4) * 15),
        }));
    }
    for e in 0..210 {
        let key = format!("event-{e:03}");
        let day = format!("2026-{:02}-{:02}", 1 + e / 28 % 12, 1 + e % 28);
        events.push(json!({
            "key": key, "title": format!("Netzwerktreffen {e:03}"), "format": "IN_PERSON",
            "starts_at": format!("{day}T08:00:00Z"), "ends_at": format!("{day}T16:00:00Z"),
            "town": format!("town-{}", e % 40),
        }));
        for s in 0..2 {
            sessions.push(json!({
                "key": format!("{key}-s{s}"), "event": key, "title": format!("Teil {s}"),
                "kind": "WORKSHOP", "starts_at": format!("{day}T{:02}:00:00Z", 8 + s),
            }));
        }
    }
    let contributions: Vec<Value> = sessions
        .iter()
        .enumerate()
        .flat_map(|(n, session)| {
            let key = session["key"].as_str().unwrap().to_owned();
            (0..2).map(move |c| {
                let person = (n * 2 + c) % 60;
                json!({
                    "key": format!("{key}-c{c}"), "session": key, "person": format!("person-{person}"),
                    "organisation": format!("org-{}", person % 10), "role": "SPEAKER",
                })
            })
        })
        .collect();
    json!({
        "format": "kleinstadt-bundle/1", "source": "tests/bench_statements.rs",
        "towns": towns, "organisations": organisations, "people": people,
        "model_projects": projects, "events": events, "sessions": sessions,
        "contributions": contributions,
    })
}

/// A bench document with those of its variables that `variables` names replaced.
fn document(file: &str, variables: Value) -> (String, Value) {
    let doc: Value = serde_json::from_str(file).unwrap();
    let mut vars = doc["variables"].clone();
    let known = vars.as_object_mut().unwrap();
    for (name, value) in variables.as_object().unwrap() {
        if known.contains_key(name) {
            known.insert(name.clone(), value.clone());
        }
    }
    (doc["query"].as_str().unwrap().to_owned(), vars)
}

/// Runs a document; returns the statements it cost and the number of items at `path`.
async fn run(app: &TestApp, file: &str, variables: Value, path: &[&str]) -> (u64, usize) {
    let (query, variables) = document(file, variables);
    let counter = app.statements();
    let before = counter.get();
    let data = app.query(&query, variables).await;
    let statements = counter.get() - before;
    let items = path
        .iter()
        .fold(&data, |value, key| &value[*key])
        .as_array()
        .map_or(0, Vec::len);
    (statements, items)
}

#[tokio::test]
async fn bench_scenarios_cost_the_same_statements_for_10_and_100_items() {
    let app = TestApp::empty().await;
    let bytes = serde_json::to_vec(&generated_bundle()).unwrap();
    let bundle = parse(&bytes).unwrap();
    import_bundle(app.db(), &bundle).await.unwrap();

    let found = app
        .query(
            r#"{ events(filter: { text: "großem Programm" }) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    let programme = found["events"]["nodes"][0]["id"].clone();
    assert!(programme.is_string(), "{found}");

    let mut figures = Vec::new();
    // One statement per level and relation, counted on every path (on PostgreSQL relations are sent
    // past sea-orm), to-one relations read with the rows they belong to: event, sessions,
    // contributions with their people and organisations; one page of events; model projects,
    // memberships with their towns and the towns' states.
    for (name, file, path, expected) in [
        ("Q1 programme", Q1, &["event", "sessions", "nodes"][..], 3),
        ("Q2 upcoming events", Q2, &["events", "nodes"][..], 1),
        ("Q3 model projects", Q3, &["modelProjects", "nodes"][..], 2),
    ] {
        let (small, small_items) = run(
            &app,
            file,
            json!({ "id": programme, "first": 10, "from": "2026-01-01T00:00:00Z" }),
            path,
        )
        .await;
        let (large, large_items) = run(
            &app,
            file,
            json!({ "id": programme, "first": 100, "from": "2026-01-01T00:00:00Z" }),
            path,
        )
        .await;
        println!(
            "{name}: {small} statements for {small_items} items, {large} statements for {large_items} items"
        );
        assert_eq!((small_items, large_items), (10, 100), "{name}");
        assert_eq!(small, expected, "{name}: statements counted");
        figures.push((name, small, large));
    }
    for (name, small, large) in figures {
        assert_eq!(small, large, "{name}: statements grow with the page size");
    }
}
