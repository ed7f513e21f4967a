//! Statistics against counts made by hand on the small network (`support/network.rs`), through
//! GraphQL and REST (JSON and CSV); drafts and staff-only data never counted for the public.

use crate::support::{TestApp, error_code, network, parse_json};
use axum::http::{StatusCode, header};
use serde_json::{Value, json};

/// `[(keys joined by "|", count)]` of a GraphQL statistic table.
fn groups(table: &Value) -> Vec<(String, i64)> {
    table["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("no rows: {table}"))
        .iter()
        .map(|row| {
            let keys: Vec<String> = row["keys"]
                .as_array()
                .map(|keys| {
                    keys.iter()
                        .map(|key| key["value"].as_str().unwrap_or("-").to_owned())
                        .collect()
                })
                .unwrap();
            (keys.join("|"), row["count"].as_i64().unwrap())
        })
        .collect()
}

fn expect(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
    pairs.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect()
}

const TABLE: &str =
    "{ dimensions count rows { keys { dimension value label } count total share } }";

async fn statistic(app: &TestApp, field: &str, arguments: &str) -> Value {
    let query = format!("{{ statistics {{ {field}{arguments} {TABLE} }} }}");
    let data = app.query(&query, json!({})).await;
    data["statistics"][field].clone()
}

#[tokio::test]
async fn towns_by_every_dimension_and_filter() {
    let app = TestApp::empty().await;
    network::load(&app).await;
    let by_state = statistic(&app, "towns", "(by: [STATE])").await;
    assert_eq!(
        groups(&by_state),
        expect(&[("BY", 3), ("SN", 3), ("TH", 1)])
    );
    assert_eq!(by_state["rows"][1]["keys"][0]["label"], "Sachsen");
    assert_eq!(by_state["count"], 7);
    assert_eq!(
        groups(&statistic(&app, "towns", "(by: [TOWN_TYPE])").await),
        expect(&[
            ("LARGER_SMALL_TOWN", 2),
            ("MEDIUM_TOWN", 1),
            ("RURAL_MUNICIPALITY", 1),
            ("SMALLER_SMALL_TOWN", 3),
        ])
    );
    assert_eq!(
        groups(&statistic(&app, "towns", "(by: [POPULATION_BAND])").await),
        expect(&[
            ("0-4999", 1),
            ("5000-9999", 3),
            ("10000-19999", 2),
            ("20000-49999", 1)
        ])
    );
    assert_eq!(
        groups(&statistic(&app, "towns", "(by: [DISTRICT])").await),
        expect(&[
            ("Bad Kissingen", 1),
            ("Kreis A", 2),
            ("Kreis B", 1),
            ("-", 3)
        ])
    );
    assert_eq!(
        groups(
            &statistic(
                &app,
                "towns",
                "(by: [STATE, TOWN_TYPE], filter: { state: [SN, BY], populationMin: 5000 })"
            )
            .await
        ),
        expect(&[
            ("BY|LARGER_SMALL_TOWN", 1),
            ("BY|SMALLER_SMALL_TOWN", 2),
            ("SN|LARGER_SMALL_TOWN", 1),
            ("SN|SMALLER_SMALL_TOWN", 1),
        ])
    );
    assert_eq!(
        groups(&statistic(&app, "towns", "").await),
        expect(&[("", 7)])
    );
}

#[tokio::test]
async fn participation_is_the_share_of_small_towns() {
    let app = TestApp::empty().await;
    network::load(&app).await;
    let table = statistic(&app, "participation", "(by: [STATE])").await;
    assert_eq!(groups(&table), expect(&[("BY", 2), ("SN", 2)]));
    assert_eq!(table["rows"][0]["total"], 3);
    assert_eq!(table["rows"][1]["total"], 2);
    let share = table["rows"][0]["share"].as_f64().unwrap();
    assert!((share - 2.0 / 3.0).abs() < 1e-9, "{table}");
    let all = statistic(
        &app,
        "participation",
        "(by: [TOWN_TYPE], filter: { townType: [MEDIUM_TOWN, RURAL_MUNICIPALITY] })",
    )
    .await;
    assert_eq!(
        groups(&all),
        expect(&[("MEDIUM_TOWN", 1), ("RURAL_MUNICIPALITY", 0)])
    );
}

#[tokio::test]
async fn events_sessions_contributions_and_projects_leave_drafts_out() {
    let app = TestApp::empty().await;
    network::load(&app).await;
    assert_eq!(
        groups(&statistic(&app, "events", "(by: [YEAR])").await),
        expect(&[("2022", 1), ("2023", 1)])
    );
    assert_eq!(
        groups(&statistic(&app, "events", "(by: [FORMAT, STATUS])").await),
        expect(&[("DIGITAL|CANCELLED", 1), ("IN_PERSON|SCHEDULED", 1)])
    );
    assert_eq!(
        groups(&statistic(&app, "sessions", "(by: [KIND])").await),
        expect(&[("PANEL", 1), ("TALK", 1), ("WELCOME", 1)])
    );
    assert_eq!(
        groups(&statistic(&app, "contributions", "(by: [ROLE])").await),
        expect(&[("PANELIST", 2), ("SPEAKER", 3)])
    );
    assert_eq!(
        groups(&statistic(&app, "contributions", "(by: [ORGANISATION_KIND])").await),
        expect(&[
            ("AGENCY", 2),
            ("FEDERAL_MINISTRY", 1),
            ("RESEARCH_INSTITUTE", 2)
        ])
    );
    let calls = statistic(&app, "modelProjects", "(by: [PROJECT_CALL])").await;
    assert_eq!(groups(&calls), expect(&[("2019", 1), ("2020", 1)]));
    assert_eq!(calls["rows"][0]["keys"][0]["label"], "Projektaufruf 2019");
    assert_eq!(
        groups(&statistic(&app, "modelProjects", "(by: [TOPIC])").await),
        expect(&[("Digitalisierung", 1), ("Innenstadt", 1)])
    );

    let token = app
        .staff_token("editor@example.org", kleinstadt::auth::StaffRole::Editor)
        .await;
    let (_, body) = app
        .graphql_as(
            &token,
            "{ statistics { events(by: [YEAR]) { rows { keys { value } count } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        groups(&body["data"]["statistics"]["events"]),
        expect(&[("2022", 1), ("2023", 2)]),
        "staff count drafts"
    );
}

#[tokio::test]
async fn bad_dimensions_are_bad_input() {
    let app = TestApp::empty().await;
    let (_, body) = app
        .graphql(
            "{ statistics { towns(by: [STATE, STATE]) { count } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let (_, body) = app
        .graphql(
            "{ statistics { towns(filter: { populationMin: 10, populationMax: 1 }) { count } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    for uri in [
        "/api/v1/statistics/towns?by=nowhere",
        "/api/v1/statistics/towns?format=xls",
        "/api/v1/statistics/events?by=year,year",
    ] {
        let (status, _, body) = app.get(uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(
            parse_json(&body)["error"]["code"],
            "BAD_USER_INPUT",
            "{uri}"
        );
    }
}

#[tokio::test]
async fn rest_answers_flat_json_and_csv_with_the_licence_first() {
    let app = TestApp::empty().await;
    network::load(&app).await;
    let (status, _, body) = app
        .get("/api/v1/statistics/participation?by=state,townType")
        .await;
    assert_eq!(status, StatusCode::OK);
    let json = parse_json(&body);
    assert_eq!(json["dimensions"], json!(["state", "townType"]));
    assert_eq!(
        json["rows"][0],
        json!({ "state": "BY", "stateLabel": "Bayern", "townType": "LARGER_SMALL_TOWN",
                "count": 1, "total": 1, "share": 1.0 })
    );

    let (status, headers, body) = app
        .get("/api/v1/statistics/contributions?by=role&format=csv")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    let text = String::from_utf8(body).unwrap();
    let licence: Vec<&str> = text.lines().take_while(|l| l.starts_with('#')).collect();
    assert_eq!(licence.len(), 3);
    assert!(licence[1].contains("dl-de/by-2-0"), "{text}");
    assert!(licence[2].contains("CC BY 4.0"), "{text}");
    let data: String = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| format!("{line}\n"))
        .collect();
    let mut reader = csv::Reader::from_reader(data.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(headers.iter().collect::<Vec<_>>(), vec!["role", "count"]);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(
        rows,
        vec![
            vec!["PANELIST".to_owned(), "2".to_owned()],
            vec!["SPEAKER".to_owned(), "3".to_owned()]
        ]
    );

    let (_, _, body) = app.get("/api/v1/statistics/events?by=year").await;
    assert_eq!(
        parse_json(&body)["rows"],
        json!([{ "year": "2022", "count": 1 }, { "year": "2023", "count": 1 }])
    );
}
