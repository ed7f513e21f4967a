//! The embeddable programme page through the router: German, complete, in order, escaped, and
//! loading nothing from anywhere.

use crate::support::{TestApp, parse_json};
use axum::http::{StatusCode, header};
use kleinstadt::auth::StaffRole;
use serde_json::{Value, json};

const DEMO: &str = r#"{ events(filter: { text: "Bundestagung" }, first: 2) { nodes { id version startsAt
  sessions(first: 20) { nodes { id version } } } } }"#;

/// The eleven items of the demo programme: start as shown, title.
const ITEMS: [(&str, &str); 11] = [
    ("9:30 Uhr", "Einführung durch die Moderation"),
    (
        "9:45 Uhr",
        "Grußwort und Perspektiven der Kleinstadtentwicklung",
    ),
    (
        "10:00 Uhr",
        "Handlungsstrategien für Kleinstädte: Der Kleinstadtbericht des BBSR",
    ),
    (
        "10:15 Uhr",
        "Die Kleinstadtakademie durch Kleinstädte aktiv gestalten",
    ),
    (
        "11:00 Uhr",
        "„Abstimmungsräume, Netzwerk, Öffentlichkeit, Plattform, Kontinuität“ – Das Positionspapier des Beirats der Pilotphase Kleinstadtakademie",
    ),
    ("11:15 Uhr", "Sie sind gefragt! I"),
    ("11:30 Uhr", "Pause"),
    ("12:15 Uhr", "Kleinstädte als Orte der Demokratiebildung"),
    ("12:45 Uhr", "Sie sind gefragt! II"),
    ("13:00 Uhr", "„Kleinstädte gemeinsam stärken“"),
    ("14:00 Uhr", "Verabschiedung"),
];

async fn demo(app: &TestApp) -> Value {
    let data = app.query(DEMO, json!({})).await;
    data["events"]["nodes"]
        .as_array()
        .and_then(|events| {
            events.iter().find(|e| {
                e["startsAt"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("2022-01-21"))
            })
        })
        .cloned()
        .unwrap_or_else(|| panic!("no Bundestagung in {data}"))
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

async fn page(app: &TestApp, event: &str) -> (axum::http::HeaderMap, String) {
    let (status, headers, body) = app.get(&format!("/embed/events/{event}")).await;
    let body = String::from_utf8(body).expect("not UTF-8");
    assert_eq!(status, StatusCode::OK, "{body}");
    (headers, body)
}

fn header(headers: &axum::http::HeaderMap, name: header::HeaderName) -> &str {
    headers.get(&name).and_then(|v| v.to_str().ok()).unwrap()
}

#[tokio::test]
async fn the_page_shows_all_eleven_items_in_order_in_german() {
    let app = TestApp::seeded().await;
    let event = id(&demo(&app).await);
    let (headers, html) = page(&app, &event).await;
    assert_eq!(
        header(&headers, header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"de\">"));
    assert!(html.contains("<h1>Bundestagung „Kleinstädte in Deutschland“</h1>"));
    assert!(html.contains("Freitag, 21. Januar 2022, 9:30–14:15 Uhr"));
    assert!(html.contains("<h2 id=\"programm\">Programm</h2>"));
    assert!(html.contains("<ol class=\"programme\">"));

    let mut from = 0;
    for (time, title) in ITEMS {
        let item = html[from..]
            .find(&format!(">{time}</time>"))
            .map(|at| at + from)
            .unwrap_or_else(|| panic!("{time} missing or out of order"));
        let heading = html[item..]
            .find(&format!("<h3>{title}</h3>"))
            .map(|at| at + item)
            .unwrap_or_else(|| panic!("{title} missing or out of order"));
        from = heading;
    }
    assert_eq!(html.matches("<h3>").count(), 11);
    assert!(html.contains("<strong>Dr. Roland Löffler</strong>"));
    assert!(html.contains("Bürgermeister Bad Soden-Salmünster"));
    assert!(html.contains(&format!("href=\"/api/v1/events/{event}.ics\"")));
    assert!(html.contains("@media print"));
}

/// Whether an attribute like ` onload=` occurs.
fn has_event_handler(html: &str) -> bool {
    html.match_indices(" on").any(|(at, _)| {
        let rest = &html[at + 3..];
        let name: String = rest.chars().take_while(char::is_ascii_lowercase).collect();
        !name.is_empty() && rest[name.len()..].starts_with('=')
    })
}

#[tokio::test]
async fn the_page_loads_nothing_runs_nothing_and_may_be_framed() {
    let app = TestApp::seeded().await;
    let event = id(&demo(&app).await);
    let (headers, html) = page(&app, &event).await;
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"));
    assert!(!has_event_handler(&lower), "no event handler attributes");
    for loader in ["src=", "<link", "@import", "url(", "<iframe", "<img"] {
        assert!(!lower.contains(loader), "{loader} in the page");
    }
    let csp = header(&headers, header::CONTENT_SECURITY_POLICY);
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("script-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors *"), "{csp}");
    assert!(headers.get(header::X_FRAME_OPTIONS).is_none());
    assert!(headers.get(header::SET_COOKIE).is_none());
    assert!(html.len() < 20_000, "{} bytes", html.len());
}

#[tokio::test]
async fn text_from_editors_is_escaped() {
    let app = TestApp::seeded().await;
    let event = demo(&app).await;
    let session = &event["sessions"]["nodes"][0];
    let token = app
        .staff_token("editor@bbsr.example", StaffRole::Editor)
        .await;
    let (status, body) = app
        .graphql_as(
            &token,
            "mutation($id: ID!, $v: Int!, $input: UpdateSessionInput!) { updateSession(id: $id, expectedVersion: $v, input: $input) { version } }",
            json!({ "id": id(session), "v": session["version"], "input": { "title": "<script>alert(1)</script> & \"Zitat\"" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("errors").is_none(), "{body}");
    let (_, html) = page(&app, &id(&event)).await;
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Zitat&quot;"));
}

#[tokio::test]
async fn drafts_and_bad_ids_are_not_found() {
    let app = TestApp::seeded().await;
    let token = app
        .staff_token("editor@bbsr.example", StaffRole::Editor)
        .await;
    let (_, created) = app
        .graphql_as(
            &token,
            "mutation($input: CreateEventInput!) { createEvent(input: $input) { id } }",
            json!({ "input": { "title": "Entwurf", "startsAtLocal": "2031-05-04T10:00:00" } }),
        )
        .await;
    let draft = id(&created["data"]["createEvent"]);
    assert!(!draft.is_empty(), "{created}");
    for path in [
        format!("/embed/events/{draft}"),
        "/embed/events/kaputt".to_owned(),
        format!("/embed/events/{}", kleinstadt::ids::encode("Town", 1)),
    ] {
        let (status, _, body) = app.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(parse_json(&body)["error"]["code"], "NOT_FOUND");
    }
}
