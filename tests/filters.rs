//! Every filter of the root lists, checked against the data itself.

use crate::support::{TestApp, error_code};
use serde_json::{Value, json};

fn nodes(data: &Value, field: &str) -> Vec<Value> {
    data[field]["nodes"].as_array().cloned().unwrap()
}

fn names(data: &Value, field: &str, key: &str) -> Vec<String> {
    nodes(data, field)
        .iter()
        .map(|n| n[key].as_str().unwrap().to_owned())
        .collect()
}

/// Counts the places of the shipped CSV that satisfy `keep`, independently of the API.
fn csv_count(keep: impl Fn(&str, i64) -> bool) -> u64 {
    let csv = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/de-towns.csv"))
        .expect("data/de-towns.csv");
    csv.lines()
        .skip(1)
        .filter(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let population = fields[3].parse::<i64>().expect("a population");
            keep(fields[2], population)
        })
        .count() as u64
}

#[tokio::test]
async fn towns_by_state_type_population_and_name() {
    let app = TestApp::seeded().await;
    let data = app
        .query(
            r#"{ towns(filter: { state: [SN], populationMin: 5000, populationMax: 9999 }, first: 100) {
                   totalCount nodes { population townType state { code name } } } }"#,
            json!({}),
        )
        .await;
    let expected = csv_count(|state, p| state == "Sachsen" && (5000..=9999).contains(&p));
    assert_eq!(data["towns"]["totalCount"].as_u64(), Some(expected));
    for town in nodes(&data, "towns") {
        assert_eq!(town["state"]["code"], "SN");
        assert_eq!(town["townType"], "SMALLER_SMALL_TOWN");
    }

    let data = app
        .query(
            r#"{ towns(filter: { townType: [LARGER_SMALL_TOWN] }, first: 1) { totalCount } }"#,
            json!({}),
        )
        .await;
    let larger = csv_count(|_, p| (10_000..20_000).contains(&p));
    let total = data["towns"]["totalCount"].as_u64().unwrap();
    // The demo data adds a few towns the GeoNames file lacks; none of them is in this band.
    assert_eq!(total, larger);

    let data = app
        .query(
            r#"{ towns(filter: { nameContains: "münner" }) { nodes { name geonamesId } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(names(&data, "towns", "name"), vec!["Münnerstadt"]);

    let data = app
        .query(
            r#"{ towns(filter: { nameContains: "100%_" }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["towns"]["totalCount"], 0,
        "wildcards are matched literally"
    );
}

#[tokio::test]
async fn towns_by_model_project_and_back() {
    let app = TestApp::seeded().await;
    let data = app
        .query(
            r#"{ modelProjects(filter: { text: "StadtLabor" }) { nodes { id title
                   leadTown { name }
                   towns { totalCount edges { role node { name modelProjects { nodes { title } } } } } } } }"#,
            json!({}),
        )
        .await;
    let projects = nodes(&data, "modelProjects");
    assert_eq!(projects.len(), 1);
    let project = &projects[0];
    assert_eq!(project["leadTown"]["name"], "Wittenberge");
    assert_eq!(project["towns"]["totalCount"], 5);
    let lead: Vec<&Value> = project["towns"]["edges"]
        .as_array()
        .map(|edges| edges.iter().filter(|e| e["role"] == "LEAD").collect())
        .unwrap();
    assert_eq!(lead.len(), 1);
    assert_eq!(lead[0]["node"]["name"], "Wittenberge");
    // town → model projects → towns, both ways.
    assert_eq!(
        lead[0]["node"]["modelProjects"]["nodes"][0]["title"],
        project["title"]
    );

    let id = project["id"].clone();
    let data = app
        .query(
            r#"query($id: ID!) { towns(filter: { modelProject: $id }) { totalCount nodes { name } } }"#,
            json!({ "id": id }),
        )
        .await;
    let mut towns = names(&data, "towns", "name");
    towns.sort();
    assert_eq!(
        towns,
        vec![
            "Dießen am Ammersee",
            "Dippoldiswalde",
            "Mölln",
            "Oestrich-Winkel",
            "Wittenberge"
        ]
    );
}

#[tokio::test]
async fn events_by_date_format_status_town_organiser_and_text() {
    let app = TestApp::seeded().await;
    let all = app
        .query(
            "{ events(first: 100) { totalCount nodes { title format startsAt } } }",
            json!({}),
        )
        .await;
    let total = all["events"]["totalCount"].as_u64().unwrap();
    assert!(total >= 15, "{total} events");

    let data = app
        .query(
            r#"{ events(filter: { from: "2022-01-01T00:00:00Z", to: "2023-01-01T00:00:00Z" }, first: 100) {
                   nodes { title startsAt } } }"#,
            json!({}),
        )
        .await;
    let in_2022 = nodes(&data, "events");
    assert!(!in_2022.is_empty());
    for event in &in_2022 {
        assert!(
            event["startsAt"]
                .as_str()
                .is_some_and(|s| s.starts_with("2022")),
            "{event}"
        );
    }
    assert!(
        in_2022
            .iter()
            .any(|e| e["title"] == "Bundestagung „Kleinstädte in Deutschland“")
    );

    let data = app
        .query(
            r#"{ events(filter: { format: [DIGITAL] }, first: 100) { nodes { format } } }"#,
            json!({}),
        )
        .await;
    let digital = nodes(&data, "events");
    assert!(digital.len() >= 2);
    assert!(digital.iter().all(|e| e["format"] == "DIGITAL"));

    let data = app
        .query(
            r#"{ events(filter: { status: [CANCELLED] }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["events"]["totalCount"], 0);
    let data = app
        .query(
            r#"{ events(filter: { status: [SCHEDULED] }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["events"]["totalCount"].as_u64(), Some(total));

    let data = app
        .query(
            r#"{ towns(filter: { nameContains: "Wittenberge" }) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    let wittenberge = nodes(&data, "towns")[0]["id"].clone();
    let data = app
        .query(
            r#"query($town: ID!) { events(filter: { town: $town }, first: 100) { nodes { title town { name } } } }"#,
            json!({ "town": wittenberge }),
        )
        .await;
    let there = nodes(&data, "events");
    assert!(!there.is_empty());
    assert!(there.iter().all(|e| e["town"]["name"] == "Wittenberge"));

    let data = app
        .query(r#"{ organisations(filter: { nameContains: "Sächsische Landeszentrale" }) { nodes { id } } }"#, json!({}))
        .await;
    let slpb = nodes(&data, "organisations")[0]["id"].clone();
    let data = app
        .query(
            r#"query($org: ID!) { events(filter: { organiser: $org }) { nodes { title } } }"#,
            json!({ "org": slpb }),
        )
        .await;
    let organised = names(&data, "events", "title");
    assert_eq!(organised.len(), 1, "{organised:?}");
    assert!(organised[0].starts_with("Webtalk-Reihe"));

    let data = app
        .query(
            r#"{ events(filter: { text: "transferwerkstatt" }) { nodes { title } } }"#,
            json!({}),
        )
        .await;
    let found = names(&data, "events", "title");
    assert!(found.len() >= 2, "{found:?}");
    assert!(
        found
            .iter()
            .all(|t| t.to_lowercase().contains("transferwerkstatt"))
    );

    let data = app
        .query(
            r#"{ events(filter: { upcoming: true }) { nodes { endsAt startsAt } } }"#,
            json!({}),
        )
        .await;
    let now = chrono::Utc::now();
    for event in nodes(&data, "events") {
        let end = event["endsAt"]
            .as_str()
            .or(event["startsAt"].as_str())
            .unwrap();
        let end =
            chrono::DateTime::parse_from_rfc3339(end).unwrap_or_else(|e| panic!("{end}: {e}"));
        assert!(end >= now, "{event} is over");
    }
}

#[tokio::test]
async fn people_organisations_sessions_and_documents() {
    let app = TestApp::seeded().await;
    let data = app
        .query(r#"{ people(filter: { nameContains: "fuhrmann" }) { nodes { name position town { name } } } }"#, json!({}))
        .await;
    let people = nodes(&data, "people");
    assert_eq!(people.len(), 1);
    assert_eq!(people[0]["town"]["name"], "Bad Berleburg");

    let data = app
        .query(
            r#"{ people(filter: { role: KEYNOTE }) { nodes { name } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(names(&data, "people", "name"), vec!["Roland Löffler"]);

    let data = app
        .query(r#"{ organisations(filter: { kind: [FEDERAL_MINISTRY] }) { nodes { shortName kind } } }"#, json!({}))
        .await;
    let mut ministries = names(&data, "organisations", "shortName");
    ministries.sort();
    assert_eq!(ministries, vec!["BMI", "BMWSB"]);

    let data = app
        .query(r#"{ organisations(filter: { nameContains: "difu" }) { nodes { id name people { nodes { name } } } } }"#, json!({}))
        .await;
    let difu = nodes(&data, "organisations");
    assert_eq!(difu.len(), 1);
    assert_eq!(difu[0]["name"], "Deutsches Institut für Urbanistik");
    let org = difu[0]["id"].clone();
    let data = app
        .query(
            r#"query($org: ID!) { people(filter: { organisation: $org }) { nodes { name } } }"#,
            json!({ "org": org }),
        )
        .await;
    assert_eq!(names(&data, "people", "name"), vec!["Elke Bojarra-Becker"]);

    let data = app
        .query(
            r#"{ sessions(filter: { kind: [KEYNOTE] }) { nodes { title kind event { title } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        names(&data, "sessions", "title"),
        vec!["Kleinstädte als Orte der Demokratiebildung"]
    );

    let data = app
        .query(
            r#"{ documents(filter: { kind: [FINAL_REPORT] }) { nodes { title kind } } }"#,
            json!({}),
        )
        .await;
    let reports = nodes(&data, "documents");
    assert!(reports.len() >= 2);
    assert!(reports.iter().all(|d| d["kind"] == "FINAL_REPORT"));

    let data = app
        .query(r#"{ documents(filter: { year: 2021, text: "Kleinstädte in Deutschland" }) { nodes { title authors { nodes { name } } publisher { shortName } } } }"#, json!({}))
        .await;
    let bericht = nodes(&data, "documents");
    assert_eq!(bericht.len(), 1);
    assert_eq!(bericht[0]["publisher"]["shortName"], "BBSR");
    assert_eq!(
        bericht[0]["authors"]["nodes"].as_array().map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn contradictory_or_malformed_filters_are_bad_input() {
    let app = TestApp::seeded().await;
    for query in [
        r#"{ towns(filter: { populationMin: 10, populationMax: 5 }) { totalCount } }"#,
        r#"{ towns(filter: { nameContains: "   " }) { totalCount } }"#,
        r#"{ towns(filter: { modelProject: "bm90LWFuLWlk" }) { totalCount } }"#,
        r#"{ events(filter: { from: "2023-01-01T00:00:00Z", to: "2022-01-01T00:00:00Z" }) { totalCount } }"#,
        r#"{ events(filter: { town: "VG93bjox" , organiser: "VG93bjox" }) { totalCount } }"#,
        r#"{ town(municipalityKey: "1234") { name } }"#,
        r#"{ town { name } }"#,
    ] {
        let (_, body) = app.graphql(query, json!({})).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{query}: {body}");
    }
}

#[tokio::test]
async fn town_by_municipality_key() {
    let app = TestApp::seeded().await;
    let data = app
        .query(
            r#"{ town(municipalityKey: "16075062") { name district state { name } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["town"]["name"], "Bad Lobenstein");
    assert_eq!(data["town"]["state"]["name"], "Thüringen");
    let data = app
        .query(
            r#"{ town(municipalityKey: "99999999") { name } }"#,
            json!({}),
        )
        .await;
    assert!(data["town"].is_null());
    let (_, body) = app
        .graphql(
            r#"{ town(municipalityKey: "16075062") { name } }"#,
            json!({}),
        )
        .await;
    assert!(error_code(&body).is_none());
}
