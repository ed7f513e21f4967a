//! Calendar feeds and JSON-LD through the router, read back with independent parsers: the
//! `icalendar` crate's parser for RFC 5545 and the `json-ld` crate's expansion for JSON-LD.

use std::collections::HashMap;

use crate::support::{TestApp, parse_json};
use axum::http::{StatusCode, header};
use chrono::{NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use icalendar::parser::{Component, read_calendar, unfold};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};

const DEMO: &str = r#"{ events(filter: { text: "Bundestagung" }, first: 2) { nodes { id version startsAt
  sessions(first: 20) { nodes { id version title startsAt
    contributions(first: 10) { nodes { person { id name } } } } } } } }"#;

const TITLES: [&str; 11] = [
    "Einführung durch die Moderation",
    "Grußwort und Perspektiven der Kleinstadtentwicklung",
    "Handlungsstrategien für Kleinstädte: Der Kleinstadtbericht des BBSR",
    "Die Kleinstadtakademie durch Kleinstädte aktiv gestalten",
    "„Abstimmungsräume, Netzwerk, Öffentlichkeit, Plattform, Kontinuität“ – Das Positionspapier des Beirats der Pilotphase Kleinstadtakademie",
    "Sie sind gefragt! I",
    "Pause",
    "Kleinstädte als Orte der Demokratiebildung",
    "Sie sind gefragt! II",
    "„Kleinstädte gemeinsam stärken“",
    "Verabschiedung",
];

/// The demo event as GraphQL sees it.
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
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {value}"))
        .to_owned()
}

/// GETs a path that must answer 200 with `content_type`; returns the body.
async fn fetch(app: &TestApp, path: &str, content_type: &str) -> String {
    let (status, headers, body) = app.get(path).await;
    let body = String::from_utf8(body).unwrap_or_else(|e| panic!("{path}: not UTF-8: {e}"));
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    assert_eq!(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some(content_type),
        "{path}"
    );
    body
}

async fn ics(app: &TestApp, path: &str) -> String {
    let text = fetch(app, path, "text/calendar; charset=utf-8").await;
    assert_well_formed(&text);
    text
}

/// Asserts the JSON `NOT_FOUND` error of the REST contract.
async fn assert_not_found(app: &TestApp, path: &str) {
    let (status, headers, body) = app.get(path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    assert_eq!(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "{path}"
    );
    assert_eq!(parse_json(&body)["error"]["code"], "NOT_FOUND", "{path}");
}

/// CRLF line ends only, and no physical line longer than 75 octets.
fn assert_well_formed(text: &str) {
    assert!(text.ends_with("\r\n"));
    for line in text.trim_end_matches("\r\n").split("\r\n") {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare line break in {line:?}"
        );
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
}

/// A parsed VEVENT: property name → (value, parameters).
type Properties = HashMap<String, (String, Vec<(String, String)>)>;

fn properties(component: &Component<'_>) -> Properties {
    component
        .properties
        .iter()
        .map(|p| {
            let params = p
                .params
                .iter()
                .map(|param| {
                    (
                        param.key.as_str().to_owned(),
                        param.val.as_ref().map(|v| v.as_str().to_owned()).unwrap(),
                    )
                })
                .collect();
            (
                p.name.as_str().to_owned(),
                (p.val.as_str().to_owned(), params),
            )
        })
        .collect()
}

/// The calendar's properties, its VTIMEZONE ids and its VEVENTs, by an independent parser.
fn parse(text: &str) -> (Properties, Vec<String>, Vec<Properties>) {
    let unfolded = unfold(text);
    let calendar = read_calendar(&unfolded).expect("not iCalendar");
    let own = calendar
        .properties
        .iter()
        .map(|p| {
            (
                p.name.as_str().to_owned(),
                (p.val.as_str().to_owned(), Vec::new()),
            )
        })
        .collect();
    let zones = calendar
        .components
        .iter()
        .filter(|c| c.name.as_str() == "VTIMEZONE")
        .filter_map(|c| c.find_prop("TZID").map(|p| p.val.as_str().to_owned()))
        .collect();
    let events = calendar
        .components
        .iter()
        .filter(|c| c.name.as_str() == "VEVENT")
        .map(properties)
        .collect();
    (own, zones, events)
}

fn value<'a>(event: &'a Properties, name: &str) -> &'a str {
    event
        .get(name)
        .map(|(v, _)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {event:?}"))
}

fn param<'a>(event: &'a Properties, name: &str, key: &str) -> Option<&'a str> {
    event
        .get(name)
        .and_then(|(_, params)| params.iter().find(|(k, _)| k == key))
        .map(|(_, v)| v.as_str())
}

fn sequences(events: &[Properties]) -> HashMap<String, i64> {
    events
        .iter()
        .map(|e| {
            (
                value(e, "UID").to_owned(),
                value(e, "SEQUENCE").parse().unwrap(),
            )
        })
        .collect()
}

const UPDATE_EVENT: &str = "mutation($id: ID!, $v: Int!, $input: UpdateEventInput!) { updateEvent(id: $id, expectedVersion: $v, input: $input) { version } }";
const UPDATE_SESSION: &str = "mutation($id: ID!, $v: Int!, $input: UpdateSessionInput!) { updateSession(id: $id, expectedVersion: $v, input: $input) { version } }";
#[tokio::test]
async fn the_event_feed_holds_the_event_and_its_eleven_sessions_in_local_time() {
    let app = TestApp::seeded().await;
    let event = demo(&app).await;
    let event_id = id(&event);
    let text = ics(&app, &format!("/api/v1/events/{event_id}.ics")).await;
    let (calendar, zones, events) = parse(&text);
    assert_eq!(value(&calendar, "VERSION"), "2.0");
    assert_eq!(zones, vec!["Europe/Berlin".to_owned()]);
    assert_eq!(events.len(), 12, "the event and eleven sessions");

    let (head, sessions) = events.split_at(1);
    let head = &head[0];
    assert!(value(head, "UID").starts_with("event-"));
    assert!(value(head, "UID").ends_with("@kleinstadt"));
    assert_eq!(
        value(head, "SUMMARY"),
        "Bundestagung „Kleinstädte in Deutschland“"
    );
    assert_eq!(value(head, "DTSTART"), "20220121T093000");
    assert_eq!(param(head, "DTSTART", "TZID"), Some("Europe/Berlin"));
    assert_eq!(value(head, "DTEND"), "20220121T141500");
    assert_eq!(value(head, "STATUS"), "CONFIRMED");
    assert_eq!(value(head, "SEQUENCE"), "0");
    for name in ["DTSTAMP", "LAST-MODIFIED", "ORGANIZER"] {
        assert!(head.contains_key(name), "{name} missing");
    }
    assert_eq!(
        param(head, "ORGANIZER", "CN"),
        Some("Bundesministerium für Wohnen, Stadtentwicklung und Bauwesen")
    );

    let titles: Vec<&str> = sessions.iter().map(|s| value(s, "SUMMARY")).collect();
    assert_eq!(titles, TITLES);
    let first = &sessions[0];
    assert_eq!(value(first, "DTSTART"), "20220121T093000");
    assert_eq!(param(first, "DTSTART", "TZID"), Some("Europe/Berlin"));
    assert_eq!(value(first, "DTEND"), "20220121T094500");
    assert_eq!(value(first, "CATEGORIES"), "Moderation");
    assert_eq!(value(first, "RELATED-TO"), value(head, "UID"));
    assert_eq!(value(&sessions[6], "CATEGORIES"), "Pause");
    assert_eq!(value(&sessions[10], "DTEND"), "20220121T141500");

    // 9:30 in Berlin in January is 08:30 UTC, as GraphQL says.
    let local = NaiveDateTime::parse_from_str(value(first, "DTSTART"), "%Y%m%dT%H%M%S").unwrap();
    let instant = Berlin
        .from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&Utc).to_rfc3339());
    assert_eq!(instant.as_deref(), Some("2022-01-21T08:30:00+00:00"));
    assert_eq!(
        event["sessions"]["nodes"][0]["startsAt"],
        "2022-01-21T08:30:00+00:00"
    );
    assert!(text.contains(
        "BEGIN:STANDARD\r\nDTSTART:20211031T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
    ));

    let panel = &sessions[3];
    assert!(value(panel, "DESCRIPTION").contains("Dr. Elke Bojarra-Becker"));
}

#[tokio::test]
async fn a_session_has_its_own_feed_with_the_same_uid() {
    let app = TestApp::seeded().await;
    let event = demo(&app).await;
    let keynote = &event["sessions"]["nodes"][7];
    let (_, _, all) = parse(&ics(&app, &format!("/api/v1/events/{}.ics", id(&event))).await);
    let (_, zones, events) =
        parse(&ics(&app, &format!("/api/v1/sessions/{}.ics", id(keynote))).await);
    assert_eq!(zones, vec!["Europe/Berlin".to_owned()]);
    assert_eq!(events.len(), 1);
    let session = &events[0];
    assert_eq!(value(session, "SUMMARY"), TITLES[7]);
    assert_eq!(value(session, "DTSTART"), "20220121T121500");
    assert_eq!(value(session, "CATEGORIES"), "Impulsvortrag");
    assert_eq!(value(session, "UID"), value(&all[8], "UID"));
    assert!(value(session, "DESCRIPTION").contains("Roland Löffler"));
}

#[tokio::test]
async fn uids_are_stable_and_sequence_counts_every_change() {
    let app = TestApp::seeded().await;
    let event = demo(&app).await;
    let path = format!("/api/v1/events/{}.ics", id(&event));
    let first = ics(&app, &path).await;
    let second = ics(&app, &path).await;
    assert_eq!(first, second, "an unchanged programme renders alike");
    let before = sequences(&parse(&first).2);
    assert_eq!(before.len(), 12);

    let editor = app.editor().await;
    editor.ok(UPDATE_EVENT,
        json!({ "id": id(&event), "v": event["version"], "input": { "subtitle": "Digitale Tagung" } }),
    )
    .await;
    let session = &event["sessions"]["nodes"][2];
    editor.ok(UPDATE_SESSION,
        json!({ "id": id(session), "v": session["version"], "input": { "subtitle": "mit Fragen" } }),
    )
    .await;
    let after_text = ics(&app, &path).await;
    let after = sequences(&parse(&after_text).2);
    assert_eq!(
        before.keys().collect::<std::collections::BTreeSet<_>>(),
        after.keys().collect(),
        "UIDs survive edits"
    );
    let (_, _, events) = parse(&after_text);
    let event_uid = value(&events[0], "UID");
    let session_uid = value(&events[3], "UID");
    assert_eq!(after[event_uid], before[event_uid] + 1);
    assert_eq!(
        after[session_uid],
        before[session_uid] + 2,
        "own and event change"
    );
    let other_uid = value(&events[1], "UID");
    assert_eq!(
        after[other_uid],
        before[other_uid] + 1,
        "the event's change"
    );
}

#[tokio::test]
async fn a_cancelled_event_stays_with_every_session_cancelled() {
    let app = TestApp::seeded().await;
    let event = demo(&app).await;
    let editor = app.editor().await;
    editor
        .ok(
            UPDATE_EVENT,
            json!({ "id": id(&event), "v": event["version"], "input": { "status": "CANCELLED" } }),
        )
        .await;
    let (_, _, events) = parse(&ics(&app, &format!("/api/v1/events/{}.ics", id(&event))).await);
    assert_eq!(events.len(), 12, "nothing is dropped");
    for e in &events {
        assert_eq!(value(e, "STATUS"), "CANCELLED", "{}", value(e, "SUMMARY"));
    }
    let session = &event["sessions"]["nodes"][4];
    let (_, _, one) = parse(&ics(&app, &format!("/api/v1/sessions/{}.ics", id(session))).await);
    assert_eq!(value(&one[0], "STATUS"), "CANCELLED");
}

#[tokio::test]
async fn text_is_escaped_and_long_lines_are_folded() {
    let app = TestApp::seeded().await;
    let event = demo(&app).await;
    let session = &event["sessions"]["nodes"][0];
    let editor = app.editor().await;
    let title = "Stadt, Land; Fluss \\ Weg";
    let description = "Erste Zeile\nZweite Zeile, mit Komma; und Semikolon\nÄußerst lange Beschreibung für Kleinstädte in Deutschland mit Umlauten: äöüß ÄÖÜ – bis zum Ende der Zeile und darüber hinaus";
    editor.ok(UPDATE_SESSION,
        json!({ "id": id(session), "v": session["version"], "input": { "title": title, "description": description } }),
    )
    .await;
    let text = ics(&app, &format!("/api/v1/sessions/{}.ics", id(session))).await;
    let unfolded = unfold(&text);
    assert!(
        unfolded.contains("SUMMARY:Stadt\\, Land\\; Fluss \\\\ Weg\r\n"),
        "{unfolded}"
    );
    assert!(unfolded.contains("Erste Zeile\\nZweite Zeile\\, mit Komma\\; und Semikolon\\n"));
    assert!(text.contains("\r\n "), "long lines are folded");
    let (_, _, events) = parse(&text);
    assert_eq!(value(&events[0], "SUMMARY"), title);
    assert!(value(&events[0], "DESCRIPTION").contains(description));
}

#[tokio::test]
async fn drafts_are_not_found_and_not_in_any_feed() {
    let app = TestApp::seeded().await;
    let editor = app.editor().await;
    let towns = app
        .query(
            "{ towns(first: 2, orderBy: NAME_ASC) { nodes { id } } modelProjects(first: 1) { nodes { id } } organisations(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
    let town = id(&towns["towns"]["nodes"][0]);
    let other_town = id(&towns["towns"]["nodes"][1]);
    let project = id(&towns["modelProjects"]["nodes"][0]);
    let organisation = id(&towns["organisations"]["nodes"][0]);
    let starts = (Utc::now() + chrono::Duration::days(30))
        .with_timezone(&Berlin)
        .format("%Y-%m-%dT10:00:00")
        .to_string();
    let created = editor
        .create_event(json!({
            "title": "Werkstatt Zukunftsstadt", "startsAtLocal": starts, "format": "IN_PERSON",
            "place": "Rathaus", "town": town, "modelProject": project,
        }))
        .await;
    let draft = id(&created);
    editor
        .ok(
            "mutation($e: ID!, $o: ID!) { addEventOrganiser(event: $e, organisation: $o, role: ORGANISER) { id } }",
            json!({ "e": draft, "o": organisation }),
        )
        .await;
    let feeds = [
        "/api/v1/events.ics".to_owned(),
        format!("/api/v1/towns/{town}/events.ics"),
        format!("/api/v1/model-projects/{project}/events.ics"),
        format!("/api/v1/organisations/{organisation}/events.ics"),
    ];
    for path in [
        format!("/api/v1/events/{draft}.ics"),
        format!("/api/v1/events/{draft}.jsonld"),
        format!("/embed/events/{draft}"),
    ] {
        assert_not_found(&app, &path).await;
    }
    for path in &feeds {
        let text = ics(&app, path).await;
        assert!(!text.contains("Werkstatt Zukunftsstadt"), "draft in {path}");
    }

    editor.publish_event(&draft).await;
    for path in &feeds {
        let (_, _, events) = parse(&ics(&app, path).await);
        let listed: Vec<&str> = events.iter().map(|e| value(e, "SUMMARY")).collect();
        assert!(
            listed.contains(&"Werkstatt Zukunftsstadt"),
            "{path}: {listed:?}"
        );
        let ours = events
            .iter()
            .find(|e| value(e, "SUMMARY") == "Werkstatt Zukunftsstadt")
            .expect("listed");
        assert_eq!(value(ours, "DTSTART"), starts.replace(['-', ':'], ""));
        assert!(value(ours, "LOCATION").starts_with("Rathaus, "));
        assert!(ours.contains_key("ORGANIZER"));
    }
    let (_, _, elsewhere) =
        parse(&ics(&app, &format!("/api/v1/towns/{other_town}/events.ics")).await);
    assert!(
        elsewhere
            .iter()
            .all(|e| value(e, "SUMMARY") != "Werkstatt Zukunftsstadt")
    );
    let (_, _, network) = parse(&ics(&app, "/api/v1/events.ics").await);
    assert!(
        network
            .iter()
            .all(|e| !value(e, "SUMMARY").starts_with("Bundestagung")),
        "past events are not upcoming"
    );
}

#[tokio::test]
async fn unknown_malformed_and_foreign_ids_are_not_found() {
    let app = TestApp::seeded().await;
    let event = demo(&app).await;
    let event_id = id(&event);
    let session_id = id(&event["sessions"]["nodes"][0]);
    let unknown_event = kleinstadt::ids::encode("Event", 999_999);
    for path in [
        format!("/api/v1/events/{unknown_event}.ics"),
        format!("/api/v1/events/{unknown_event}.jsonld"),
        "/api/v1/events/not-an-id.ics".to_owned(),
        "/api/v1/events/%25%25.ics".to_owned(),
        format!("/api/v1/events/{session_id}.ics"),
        format!("/api/v1/events/{event_id}.pdf"),
        format!("/api/v1/sessions/{event_id}.ics"),
        format!("/api/v1/sessions/{session_id}.jsonld"),
        format!("/api/v1/towns/{event_id}/events.ics"),
        format!(
            "/api/v1/towns/{}/events.ics",
            kleinstadt::ids::encode("Town", 999_999)
        ),
        format!(
            "/api/v1/model-projects/{}/events.ics",
            kleinstadt::ids::encode("ModelProject", 999_999)
        ),
        format!(
            "/api/v1/organisations/{}/events.ics",
            kleinstadt::ids::encode("Organisation", 999_999)
        ),
        "/embed/events/nope".to_owned(),
    ] {
        assert_not_found(&app, &path).await;
    }
}

#[tokio::test]
async fn the_event_url_negotiates_json_ld() {
    let app = TestApp::seeded().await;
    let event = demo(&app).await;
    let path = format!("/api/v1/events/{}", id(&event));
    let request = axum::http::Request::get(&path)
        .header(
            header::ACCEPT,
            "application/ld+json, application/json;q=0.5",
        )
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, headers, body) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/ld+json")
    );
    assert_eq!(
        headers.get(header::VARY).and_then(|v| v.to_str().ok()),
        Some("accept")
    );
    let negotiated = parse_json(&body);
    assert_eq!(negotiated["@type"], "Event");
    let (_, _, file) = app.get(&format!("{path}.jsonld")).await;
    assert_eq!(negotiated, parse_json(&file));
    let (_, headers, body) = app.get(&path).await;
    assert_eq!(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    assert_eq!(parse_json(&body)["id"], id(&event));
}

#[tokio::test]
async fn private_fields_never_appear_and_consented_ones_do() {
    let app = TestApp::seeded().await;
    let event = demo(&app).await;
    let speaker = &event["sessions"]["nodes"][7]["contributions"]["nodes"][0]["person"];
    assert_eq!(speaker["name"], "Roland Löffler");
    let (_, person_id) = kleinstadt::ids::decode(&id(speaker)).unwrap();
    let stored = entity::person::Entity::find_by_id(person_id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no person {person_id}"));
    let mut private = stored.into_active_model();
    private.email = Set(Some("roland.geheim@example.org".into()));
    private.phone = Set(Some("+49 351 0000000".into()));
    private.consent_note = Set(Some("Einwilligungsnotiz-geheim".into()));
    private.biography = Set(Some("Biografie ohne Einwilligung".into()));
    private.consent_given_at = Set(None);
    let stored = private.update(app.db()).await.unwrap();
    let paths = [
        format!("/api/v1/events/{}.ics", id(&event)),
        format!("/api/v1/events/{}.jsonld", id(&event)),
        format!("/embed/events/{}", id(&event)),
    ];
    for path in &paths {
        let (status, _, body) = app.get(path).await;
        assert_eq!(status, StatusCode::OK);
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("Roland Löffler"), "{path}");
        for secret in [
            "roland.geheim",
            "0000000",
            "Einwilligungsnotiz",
            "Biografie ohne Einwilligung",
        ] {
            assert!(!body.contains(secret), "{secret} in {path}");
        }
    }

    let mut consented = stored.into_active_model();
    consented.consent_given_at = Set(Some(Utc::now()));
    consented.update(app.db()).await.unwrap();
    let jsonld = fetch(&app, &paths[1], "application/ld+json").await;
    assert!(
        jsonld.contains("Biografie ohne Einwilligung"),
        "public with consent"
    );
    assert!(!jsonld.contains("roland.geheim"), "never public");
}

/// The local copy of the schema.org context: the test may not fetch it from the network.
fn schema_org_loader() -> HashMap<json_ld::IriBuf, json_ld::RemoteDocument> {
    use json_ld::syntax::Parse;
    let text = include_str!("fixtures/schema.org.context.jsonld");
    let (context, _) = json_ld::syntax::Value::parse_str(text).expect("bad context");
    ["https://schema.org", "https://schema.org/"]
        .into_iter()
        .map(|address| {
            let iri = json_ld::IriBuf::new(address.to_owned()).unwrap();
            let document = json_ld::RemoteDocument::new(
                Some(iri.clone()),
                Some("application/ld+json".parse().unwrap()),
                context.clone(),
            );
            (iri, document)
        })
        .collect()
}

/// Expands a JSON-LD text with the local schema.org context into plain JSON.
async fn expand(text: &str) -> Value {
    use json_ld::JsonLdProcessor;
    use json_ld::syntax::{IntoJsonWithContext, Parse};
    let (document, _) = json_ld::syntax::Value::parse_str(text).expect("not JSON");
    let document = json_ld::RemoteDocument::new(None, None, document);
    let loader = schema_org_loader();
    let expanded = document.expand(&loader).await.expect("expansion failed");
    let objects: Vec<Value> = expanded
        .into_iter()
        .map(|object| {
            let json = object.into_json_with(&()).to_string();
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
        })
        .collect();
    Value::Array(objects)
}

const S: &str = "http://schema.org/";

fn types(node: &Value) -> Vec<String> {
    node["@type"]
        .as_array()
        .map(|types| {
            types
                .iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap()
}

fn literal(node: &Value, property: &str) -> Option<String> {
    node[format!("{S}{property}")][0]["@value"]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test]
async fn json_ld_expands_to_a_schema_org_event_with_sub_events() {
    let app = TestApp::seeded().await;
    let event = demo(&app).await;
    let text = fetch(
        &app,
        &format!("/api/v1/events/{}.jsonld", id(&event)),
        "application/ld+json",
    )
    .await;
    let compact: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(compact["@context"], "https://schema.org");
    assert_eq!(compact["startDate"], "2022-01-21T09:30:00+01:00");
    assert_eq!(compact["endDate"], "2022-01-21T14:15:00+01:00");

    let expanded = expand(&text).await;
    let root = &expanded[0];
    assert_eq!(types(root), vec![format!("{S}Event")]);
    assert_eq!(
        literal(root, "name").as_deref(),
        Some("Bundestagung „Kleinstädte in Deutschland“")
    );
    assert_eq!(
        literal(root, "startDate").as_deref(),
        Some("2022-01-21T09:30:00+01:00")
    );
    assert_eq!(
        literal(root, "eventAttendanceMode").as_deref(),
        Some("https://schema.org/OnlineEventAttendanceMode")
    );
    assert_eq!(
        literal(root, "eventStatus").as_deref(),
        Some("https://schema.org/EventScheduled")
    );
    assert_eq!(
        types(&root[format!("{S}location")][0]),
        vec![format!("{S}VirtualLocation")]
    );
    let organisers = root[format!("{S}organizer")].as_array().cloned().unwrap();
    assert_eq!(organisers.len(), 3);
    assert!(
        organisers
            .iter()
            .all(|o| types(o) == vec![format!("{S}Organization")])
    );

    let sub_events = root[format!("{S}subEvent")].as_array().cloned().unwrap();
    assert_eq!(sub_events.len(), 11);
    assert!(
        sub_events
            .iter()
            .all(|s| types(s) == vec![format!("{S}Event")])
    );
    let mut names: Vec<(String, String)> = sub_events
        .iter()
        .map(|s| {
            (
                literal(s, "startDate").unwrap(),
                literal(s, "name").unwrap(),
            )
        })
        .collect();
    names.sort();
    let titles: Vec<&str> = names.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(
        titles, TITLES,
        "expansion keeps every session (sets are unordered)"
    );
    let performer_types: Vec<String> = sub_events
        .iter()
        // A session without speakers has no performer.
        .flat_map(|s| {
            s[format!("{S}performer")]
                .as_array()
                .cloned()
                .into_iter()
                .flatten()
        })
        .flat_map(|p| types(&p))
        .collect();
    assert!(performer_types.contains(&format!("{S}Person")));
    assert!(performer_types.contains(&format!("{S}Organization")));
}

#[tokio::test]
async fn a_programme_costs_the_same_statements_whatever_its_size() {
    let app = TestApp::seeded().await;
    let event = demo(&app).await;
    let editor = app.editor().await;
    let starts = (Utc::now() + chrono::Duration::days(10))
        .with_timezone(&Berlin)
        .format("%Y-%m-%dT10:00:00")
        .to_string();
    let created = editor
        .create_event(json!({ "title": "Kleine Runde", "startsAtLocal": starts }))
        .await;
    let small = id(&created);
    editor.publish_event(&small).await;
    editor
        .create_session(json!({ "event": small, "title": "Begrüßung", "kind": "WELCOME", "startsAtLocal": starts }))
        .await;
    let counter = app.statements();
    let mut costs = Vec::new();
    for event_id in [id(&event), small] {
        let before = counter.get();
        ics(&app, &format!("/api/v1/events/{event_id}.ics")).await;
        costs.push(counter.get() - before);
    }
    // event, organisers, sessions, contributions, people, organisations: however long the programme
    assert!(costs.iter().all(|cost| *cost <= 7), "statements: {costs:?}");
}
