//! Bulk exports on the small known network of `support/network.rs`: GraphML and GEXF read back
//! with an XML reader, the nodes and edges CSV with the `csv` crate, NDJSON line by line; the
//! counts are the hand-counted graph; drafts and private people are in no file; NDJSON is streamed
//! in chunks; an edit shows in the next download.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::{TestApp, network, parse_json};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use kleinstadt::ids::encode;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Nodes of the fixture's public graph: 5 towns (Cstadt and Gdorf have no edge), 2 projects,
/// 3 organisations, Anna and Bernd, 2 published events, their 3 sessions.
const NODES: usize = 17;
/// Edges: 6 memberships, 2 partnerships, 2 organisers, 5 contributions, 3 programme items,
/// 2 project events, 2 locations (the workshop and the agency in Aheim), 2 affiliations.
const EDGES: usize = 24;

const SECRETS: [&str; 3] = ["Geheime Runde", "Carla Conrad", "Dieter Dorn"];

async fn download(app: &TestApp, file: &str) -> (axum::http::HeaderMap, String) {
    let (status, headers, body) = app.get(&format!("/api/v1/exports/{file}")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{file}: {}",
        String::from_utf8_lossy(&body)
    );
    let text = String::from_utf8(body).unwrap_or_else(|e| panic!("{file} is not UTF-8: {e}"));
    for secret in SECRETS {
        assert!(!text.contains(secret), "{file} shows {secret}");
    }
    assert!(!text.contains("email"), "{file} names e-mail");
    (headers, text)
}

fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .try_get_attribute(name)
        .unwrap_or_else(|e| panic!("bad attribute {name}: {e}"))
        .map(|a| {
            a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                .unwrap_or_else(|e| panic!("bad value of {name}: {e}"))
                .into_owned()
        })
}

/// Nodes (id → label attribute, if any) and edges (source, target) of a graph file.
struct Graph {
    nodes: BTreeMap<String, Option<String>>,
    edges: Vec<(String, String)>,
}

/// Reads a GraphML or GEXF document, checking that every edge joins two declared nodes.
fn read_graph(xml: &str) -> Graph {
    let mut reader = Reader::from_str(xml);
    let mut nodes = BTreeMap::new();
    let mut edges = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(element) | Event::Empty(element)) => {
                match element.name().into_inner() {
                    "node" => {
                        let id = attribute(&element, "id").expect("node id");
                        let fresh = nodes.insert(id.clone(), attribute(&element, "label"));
                        assert!(fresh.is_none(), "node {id} twice");
                    }
                    "edge" => edges.push((
                        attribute(&element, "source").unwrap(),
                        attribute(&element, "target").unwrap(),
                    )),
                    _ => {}
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(error) => panic!("not well-formed XML: {error}"),
        }
    }
    for (source, target) in &edges {
        assert!(
            nodes.contains_key(source),
            "edge from unknown node {source}"
        );
        assert!(nodes.contains_key(target), "edge to unknown node {target}");
    }
    Graph { nodes, edges }
}

/// The records of a CSV download after its `#` licence lines: header and rows.
fn read_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let licence: Vec<&str> = text.lines().take_while(|l| l.starts_with('#')).collect();
    assert_eq!(licence.len(), 3, "licence block: {licence:?}");
    assert!(licence[1].contains("dl-de/by-2-0"));
    assert!(licence[2].contains("CC BY 4.0"));
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("row").iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn ndjson(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("bad line {line}: {e}")))
        .collect()
}

#[tokio::test]
async fn the_network_in_graphml_gexf_and_csv() {
    let app = TestApp::empty().await;
    let ids = network::load(&app).await;
    let (headers, graphml) = download(&app, "network.graphml").await;
    assert_eq!(headers[header::CONTENT_TYPE], "application/graphml+xml");
    assert!(
        headers[header::LINK]
            .to_str()
            .unwrap()
            .contains("rel=\"license\"")
    );
    assert!(
        headers.contains_key(header::ETAG),
        "the graph files are cacheable"
    );
    assert!(graphml.contains(
        "<key id=\"population\" for=\"node\" attr.name=\"population\" attr.type=\"long\"/>"
    ));
    let Graph {
        nodes: graph_nodes,
        edges: graph_edges,
    } = read_graph(&graphml);
    assert_eq!(graph_nodes.len(), NODES, "{graph_nodes:?}");
    assert_eq!(graph_edges.len(), EDGES);

    let (_, gexf) = download(&app, "network.gexf").await;
    let Graph {
        nodes: gexf_nodes,
        edges: gexf_edges,
    } = read_graph(&gexf);
    assert_eq!(
        gexf_nodes.keys().collect::<Vec<_>>(),
        graph_nodes.keys().collect::<Vec<_>>()
    );
    assert_eq!(gexf_edges, graph_edges);
    let aheim = encode("Town", ids.towns["Aheim"]);
    assert_eq!(gexf_nodes[&aheim].as_deref(), Some("Aheim"));
    let labels: BTreeSet<&str> = gexf_nodes.values().flatten().map(String::as_str).collect();
    for public in [
        "Anna Arendt",
        "Bernd Berg",
        "Werkstatt Innenstadt",
        "Digitaltag",
        "Begrüßung",
    ] {
        assert!(labels.contains(public), "{public} missing: {labels:?}");
    }
    for isolated in ["Cstadt", "Gdorf"] {
        assert!(!labels.contains(isolated), "{isolated} has no edge");
    }

    let (nodes_headers, nodes_csv) = download(&app, "nodes.csv").await;
    assert!(
        nodes_headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let (header, nodes) = read_csv(&nodes_csv);
    assert_eq!(
        header,
        [
            "id",
            "label",
            "type",
            "degree",
            "state",
            "population",
            "latitude",
            "longitude",
            "startsAt",
            "category"
        ]
    );
    assert_eq!(nodes.len(), NODES);
    let aheim_row = nodes
        .iter()
        .find(|row| row[0] == aheim)
        .expect("Aheim missing from nodes.csv");
    assert_eq!(
        aheim_row[1..8],
        ["Aheim", "Town", "3", "SN", "6000", "50", "10"]
    );
    let werkstatt = encode("Event", ids.events["werkstatt"]);
    let werkstatt_row = nodes
        .iter()
        .find(|row| row[0] == werkstatt)
        .expect("workshop missing from nodes.csv");
    assert_eq!(
        werkstatt_row[8..],
        ["2022-03-05T08:00:00+00:00", "IN_PERSON"]
    );
    let degrees: usize = nodes
        .iter()
        .map(|row| row[3].parse::<usize>().expect("degree"))
        .sum();
    assert_eq!(degrees, 2 * EDGES, "every edge counts at both ends");

    let (_, edges_csv) = download(&app, "edges.csv").await;
    let (header, edges) = read_csv(&edges_csv);
    assert_eq!(header, ["source", "target", "relation", "role"]);
    assert_eq!(edges.len(), EDGES);
    let mut relations: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &edges {
        *relations.entry(row[2].as_str()).or_default() += 1;
    }
    assert_eq!(
        relations,
        BTreeMap::from([
            ("affiliation", 2),
            ("contribution", 5),
            ("location", 2),
            ("membership", 6),
            ("organiser", 2),
            ("partnership", 2),
            ("programmeItem", 3),
            ("projectEvent", 2),
        ])
    );
    let lead = edges
        .iter()
        .find(|row| row[0] == aheim && row[2] == "membership")
        .expect("Aheim's membership missing");
    assert_eq!(
        lead[1],
        encode("ModelProject", ids.projects["innenstaedte"])
    );
    assert_eq!(lead[3], "LEAD");

    // The same degrees as the network query.
    let data = app
        .query(
            "{ network { degrees(first: 100) { id degree } } }",
            json!({}),
        )
        .await;
    let queried: BTreeMap<String, String> = data["network"]["degrees"]
        .as_array()
        .unwrap_or_else(|| panic!("no degrees: {data}"))
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap().to_owned(),
                n["degree"].to_string(),
            )
        })
        .collect();
    let exported: BTreeMap<String, String> = nodes
        .iter()
        .map(|row| (row[0].clone(), row[3].clone()))
        .collect();
    assert_eq!(queried, exported);
}

#[tokio::test]
async fn every_public_record_type_as_ndjson() {
    let app = TestApp::empty().await;
    network::load(&app).await;
    let (_, _, index) = app.get("/api/v1/exports").await;
    let index = parse_json(&index);
    let files = index["files"]
        .as_array()
        .unwrap_or_else(|| panic!("{index}"));
    assert_eq!(files.len(), 11);
    assert!(index["licence"].as_str().unwrap().contains("CC BY 4.0"));
    for file in files {
        let (status, headers, _) = app.get(file["url"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{file}");
        assert_eq!(
            headers[header::CONTENT_TYPE],
            file["mediaType"].as_str().unwrap()
        );
    }
    let expected = [
        ("towns", 7),
        ("model-projects", 2),
        ("organisations", 3),
        ("people", 2),
        ("events", 2),
        ("sessions", 3),
    ];
    for (kind, count) in expected {
        let (headers, text) = download(&app, &format!("{kind}.ndjson")).await;
        assert_eq!(headers[header::CONTENT_TYPE], "application/x-ndjson");
        let records = ndjson(&text);
        assert_eq!(records.len(), count, "{kind}: {text}");
        // The same records as the REST list, in the same representation.
        let (_, _, listed) = app.get(&format!("/api/v1/{kind}?limit=100")).await;
        let listed = parse_json(&listed);
        let listed_ids: BTreeSet<&str> = listed["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{listed}"))
            .iter()
            .filter_map(|item| item["id"].as_str())
            .collect();
        let exported_ids: BTreeSet<&str> =
            records.iter().filter_map(|r| r["id"].as_str()).collect();
        assert_eq!(exported_ids, listed_ids, "{kind}");
    }
    let (_, sessions) = download(&app, "sessions.ndjson").await;
    let panel = ndjson(&sessions)
        .into_iter()
        .find(|s| s["title"] == "Podium Leerstand")
        .expect("panel missing");
    let names: BTreeSet<&str> = panel["contributions"]
        .as_array()
        .unwrap_or_else(|| panic!("contributions not embedded: {panel}"))
        .iter()
        .filter_map(|c| c["person"]["name"].as_str())
        .collect();
    assert_eq!(names, BTreeSet::from(["Anna Arendt", "Bernd Berg"]));
    let (_, projects) = download(&app, "model-projects.ndjson").await;
    for project in ndjson(&projects) {
        assert_eq!(
            project["towns"].as_array().map(Vec::len),
            Some(3),
            "{project}"
        );
    }
}

#[tokio::test]
async fn ndjson_is_streamed_in_chunks() {
    let app = TestApp::empty_with(|config| config.export_chunk_rows = 2).await;
    network::load(&app).await;
    let response = app
        .router()
        .oneshot(
            Request::get("/api/v1/exports/towns.ndjson")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        !response.headers().contains_key(header::CONTENT_LENGTH),
        "a streamed body has no length"
    );
    // Not a hash of the body, which is not known before it is sent: the change log's head.
    assert!(
        response.headers()[header::ETAG]
            .to_str()
            .unwrap()
            .starts_with("W/")
    );
    let mut body = response.into_body();
    let mut frames = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.expect("body failed");
        if let Ok(data) = frame.into_data()
            && !data.is_empty()
        {
            frames.push(String::from_utf8(data.to_vec()).unwrap());
        }
    }
    // Seven towns in chunks of two: 2, 2, 2, 1 lines, each chunk its own frame.
    let lines: Vec<usize> = frames.iter().map(|f| f.lines().count()).collect();
    assert_eq!(lines, [2, 2, 2, 1]);
    let (_, whole) = download(&app, "towns.ndjson").await;
    assert_eq!(frames.concat(), whole);
    let ids: Vec<i32> = ndjson(&whole)
        .iter()
        .map(|town| kleinstadt::ids::decode_as(town["id"].as_str().unwrap(), "Town", "id").unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted, "by id, each once");
}

#[tokio::test]
async fn an_edit_shows_in_the_next_download() {
    let app = TestApp::empty().await;
    let ids = network::load(&app).await;
    let (before_headers, before) = download(&app, "network.graphml").await;
    let nodes_before = read_graph(&before).nodes;
    let token = app
        .staff_token("editor@bbsr.example", kleinstadt::auth::StaffRole::Editor)
        .await;
    let secret = encode("Event", ids.events["geheim"]);
    let (_, draft) = app
        .graphql_as(
            &token,
            "query($id: ID!) { event(id: $id) { version } }",
            json!({ "id": secret }),
        )
        .await;
    let version = draft["data"]["event"]["version"].clone();
    let (status, body) = app
        .graphql_as(
            &token,
            "mutation($id: ID!, $v: Int!) { publishEvent(id: $id, expectedVersion: $v) { published } }",
            json!({ "id": secret, "v": version }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["publishEvent"]["published"], true, "{body}");
    let (status, after_headers, after) = app.get("/api/v1/exports/network.graphml").await;
    assert_eq!(status, StatusCode::OK);
    let nodes_after = read_graph(&String::from_utf8_lossy(&after)).nodes;
    assert!(!nodes_before.contains_key(&secret));
    assert!(
        nodes_after.contains_key(&secret),
        "the published event is a node now"
    );
    assert_ne!(before_headers[header::ETAG], after_headers[header::ETAG]);
    let (_, _, events) = app.get("/api/v1/exports/events.ndjson").await;
    assert!(String::from_utf8_lossy(&events).contains("Geheime Runde"));
}

#[tokio::test]
async fn an_unknown_file_is_not_found() {
    let app = TestApp::empty().await;
    for file in [
        "network.svg",
        "towns.json",
        "..%2Fsecrets",
        "audit-log.ndjson",
        "registrations.ndjson",
    ] {
        let (status, _, body) = app.get(&format!("/api/v1/exports/{file}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{file}");
        assert_eq!(parse_json(&body)["error"]["code"], "NOT_FOUND", "{file}");
    }
}
