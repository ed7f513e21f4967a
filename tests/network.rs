//! Network queries on the small known graph of `support/network.rs`: neighbourhoods, shortest
//! paths, co-participation and degrees; drafts and private people are not part of the graph.

use std::collections::BTreeSet;

use crate::support::{TestApp, error_code, network};
use kleinstadt::ids::encode;
use serde_json::{Value, json};

fn labels(graph: &Value) -> Vec<String> {
    graph["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no nodes: {graph}"))
        .iter()
        .map(|n| n["label"].as_str().unwrap().to_owned())
        .collect()
}

const GRAPH: &str =
    "nodes { id type label degree distance } edges { source target type role } truncated";

#[tokio::test]
async fn neighbours_up_to_a_depth() {
    let app = TestApp::empty().await;
    let ids = network::load(&app).await;
    let aheim = encode("Town", ids.towns["Aheim"]);
    let data = app
        .query(
            &format!("query($id: ID!) {{ network {{ neighbours(id: $id) {{ {GRAPH} }} }} }}"),
            json!({ "id": aheim }),
        )
        .await;
    let graph = &data["network"]["neighbours"];
    assert_eq!(graph["nodes"][0]["label"], "Aheim");
    assert_eq!(graph["nodes"][0]["degree"], 3);
    assert_eq!(graph["nodes"][0]["distance"], 0);
    let found: BTreeSet<String> = labels(graph).into_iter().collect();
    let expected: BTreeSet<String> = [
        "Aheim",
        "Innenstädte beleben",
        "Werkstatt Innenstadt",
        "Agentur Stadtraum",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(found, expected);
    let kinds: BTreeSet<String> = graph["edges"]
        .as_array()
        .expect("no edges")
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(graph["edges"].as_array().map(Vec::len), Some(6), "{graph}");
    assert!(
        kinds.contains("MEMBERSHIP") && kinds.contains("LOCATION") && kinds.contains("ORGANISER")
    );

    let data = app
        .query(
            &format!("query($id: ID!) {{ network {{ neighbours(id: $id, depth: 2, first: 3) {{ {GRAPH} }} }} }}"),
            json!({ "id": aheim }),
        )
        .await;
    assert_eq!(
        data["network"]["neighbours"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert_eq!(data["network"]["neighbours"]["truncated"], true);
}

#[tokio::test]
async fn shortest_path_with_its_edges() {
    let app = TestApp::empty().await;
    let ids = network::load(&app).await;
    let data = app
        .query(
            &format!("query($a: ID!, $b: ID!) {{ network {{ shortestPath(from: $a, to: $b) {{ {GRAPH} }} }} }}"),
            json!({ "a": encode("Town", ids.towns["Aheim"]), "b": encode("Town", ids.towns["Fburg"]) }),
        )
        .await;
    let path = &data["network"]["shortestPath"];
    assert_eq!(
        labels(path),
        vec![
            "Aheim",
            "Innenstädte beleben",
            "Bdorf",
            "Digitale Dörfer",
            "Fburg"
        ]
    );
    let roles: Vec<&str> = path["edges"]
        .as_array()
        .expect("no edges")
        .iter()
        .map(|e| e["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, vec!["LEAD", "MEMBER", "LEAD", "MEMBER"]);

    let data = app
        .query(
            "query($a: ID!, $b: ID!) { network { shortestPath(from: $a, to: $b, maxLength: 3) { truncated } } }",
            json!({ "a": encode("Town", ids.towns["Aheim"]), "b": encode("Town", ids.towns["Fburg"]) }),
        )
        .await;
    assert_eq!(data["network"]["shortestPath"], Value::Null);

    let data = app
        .query(
            &format!("query($a: ID!, $b: ID!) {{ network {{ shortestPath(from: $a, to: $b) {{ {GRAPH} }} }} }}"),
            json!({ "a": encode("Person", ids.people["anna"]), "b": encode("Person", ids.people["bernd"]) }),
        )
        .await;
    assert_eq!(
        labels(&data["network"]["shortestPath"]),
        vec!["Anna Arendt", "Podium Leerstand", "Bernd Berg"]
    );
}

#[tokio::test]
async fn co_participation_and_degrees() {
    let app = TestApp::empty().await;
    let ids = network::load(&app).await;
    let data = app
        .query(
            "{ network { coParticipation(of: TOWNS) { a { label } b { label } shared } } }",
            json!({}),
        )
        .await;
    let pairs = data["network"]["coParticipation"]
        .as_array()
        .cloned()
        .unwrap();
    assert_eq!(pairs.len(), 6, "{data}");
    assert!(pairs.iter().all(|p| p["shared"] == 1));
    let data = app
        .query(
            "query($w: ID!) { network { coParticipation(of: TOWNS, with: $w) { a { label } b { label } shared } } }",
            json!({ "w": encode("Town", ids.towns["Bdorf"]) }),
        )
        .await;
    assert_eq!(
        data["network"]["coParticipation"].as_array().map(Vec::len),
        Some(4)
    );
    let data = app
        .query(
            "{ network { coParticipation(of: PEOPLE) { a { label } b { label } shared } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["network"]["coParticipation"],
        json!([{ "a": { "label": "Anna Arendt" }, "b": { "label": "Bernd Berg" }, "shared": 1 }])
    );
    let data = app
        .query(
            "{ network { degrees(types: [TOWN], first: 2) { label degree } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["network"]["degrees"],
        json!([{ "label": "Aheim", "degree": 3 }, { "label": "Bdorf", "degree": 2 }])
    );
}

#[tokio::test]
async fn drafts_and_private_people_are_not_in_the_graph() {
    let app = TestApp::empty().await;
    let ids = network::load(&app).await;
    let data = app
        .query(
            &format!("query($id: ID!) {{ network {{ neighbours(id: $id, depth: 3, first: 500) {{ {GRAPH} }} }} }}"),
            json!({ "id": encode("Organisation", ids.organisations["ministerium"]) }),
        )
        .await;
    let found = labels(&data["network"]["neighbours"]);
    assert_eq!(
        found[..2],
        ["Bundesministerium für Kleinstädte", "Begrüßung"]
    );
    for hidden in [
        "Geheime Runde",
        "Vortrag Geheimsache",
        "Carla Conrad",
        "Dieter Dorn",
    ] {
        assert!(!found.iter().any(|l| l == hidden), "{hidden} in {found:?}");
    }
    let data = app
        .query("{ network { degrees(first: 500) { label } } }", json!({}))
        .await;
    let all: Vec<String> = data["network"]["degrees"]
        .as_array()
        .expect("no degrees")
        .iter()
        .map(|n| n["label"].as_str().unwrap().to_owned())
        .collect();
    for hidden in [
        "Geheime Runde",
        "Vortrag Geheimsache",
        "Carla Conrad",
        "Dieter Dorn",
    ] {
        assert!(!all.contains(&hidden.to_owned()), "{hidden} in {all:?}");
    }
    for (who, id) in [
        ("Person", ids.people["carla"]),
        ("Person", ids.people["dieter"]),
        ("Event", ids.events["geheim"]),
    ] {
        let (_, body) = app
            .graphql(
                "query($id: ID!) { network { neighbours(id: $id) { truncated } } }",
                json!({ "id": encode(who, id) }),
            )
            .await;
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{who} {id}: {body}");
    }
}

#[tokio::test]
async fn bounds_and_foreign_ids_are_bad_input() {
    let app = TestApp::empty().await;
    let ids = network::load(&app).await;
    let aheim = encode("Town", ids.towns["Aheim"]);
    for query in [
        "query($id: ID!) { network { neighbours(id: $id, depth: 4) { truncated } } }",
        "query($id: ID!) { network { neighbours(id: $id, first: 501) { truncated } } }",
        "query($id: ID!) { network { shortestPath(from: $id, to: $id, maxLength: 7) { truncated } } }",
    ] {
        let (_, body) = app.graphql(query, json!({ "id": aheim })).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{query}: {body}");
    }
    let (_, body) = app
        .graphql(
            "query($id: ID!) { network { neighbours(id: $id) { truncated } } }",
            json!({ "id": encode("State", 1) }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}
