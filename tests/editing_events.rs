//! Editing events: roles, validation per rule, no lost updates, audited changes, owned deletion.

use crate::support::{TestApp, error_code};
use kleinstadt::auth::StaffRole;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateEventInput!) { createEvent(input: $input) { id version title startsAtLocal endsAtLocal timeZone } }";
const UPDATE: &str = "mutation($id: ID!, $v: Int!, $input: UpdateEventInput!) { updateEvent(id: $id, expectedVersion: $v, input: $input) { id version title place } }";
const DELETE: &str =
    "mutation($id: ID!, $v: Int!) { deleteEvent(id: $id, expectedVersion: $v) { id } }";

fn event(title: &str) -> Value {
    json!({ "title": title, "startsAtLocal": "2031-03-01T09:30:00", "endsAtLocal": "2031-03-01T14:15:00" })
}

async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    let (_, body) = app
        .graphql_as(token, CREATE, json!({ "input": input }))
        .await;
    body
}

#[tokio::test]
async fn anonymous_callers_cannot_change_anything_and_editors_can() {
    let app = TestApp::empty().await;
    let (status, body) = app
        .graphql(CREATE, json!({ "input": event("Tagung") }))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    assert_eq!(status, axum::http::StatusCode::OK);
    let count = entity::event::Entity::find().count(app.db()).await.unwrap();
    assert_eq!(count, 0, "nothing written");

    for role in [StaffRole::Editor, StaffRole::Admin] {
        let token = app
            .staff_token(&format!("{role:?}@bbsr.example"), role)
            .await;
        let body = create(&app, &token, event("Tagung")).await;
        assert!(body.get("errors").is_none(), "{role:?}: {body}");
        let created = &body["data"]["createEvent"];
        assert_eq!(created["version"], 1);
        assert_eq!(created["startsAtLocal"], "2031-03-01T09:30:00+01:00");
        assert_eq!(created["timeZone"], "Europe/Berlin");
    }
}

#[tokio::test]
async fn mutations_are_refused_over_get() {
    let app = TestApp::empty().await;
    let (status, _, body) = app
        .get("/graphql?query=mutation%7BdeleteEvent(id%3A%22RXZlbnQ6MQ%22%2CexpectedVersion%3A1)%7Bid%7D%7D")
        .await;
    assert_ne!(status, axum::http::StatusCode::OK);
    assert_eq!(
        error_code(&crate::support::parse_json(&body)),
        Some("BAD_USER_INPUT")
    );
}

#[tokio::test]
async fn every_rule_has_a_field_level_error() {
    let app = TestApp::empty().await;
    let token = app
        .staff_token("editor@bbsr.example", StaffRole::Editor)
        .await;
    let cases = [
        (
            json!({ "title": " ", "startsAtLocal": "2031-03-01T09:30:00" }),
            "title",
        ),
        (
            json!({ "title": "x".repeat(501), "startsAtLocal": "2031-03-01T09:30:00" }),
            "title",
        ),
        (json!({ "title": "T" }), "startsAt"),
        (
            json!({ "title": "T", "startsAt": "2031-03-01T09:30:00Z", "startsAtLocal": "2031-03-01T09:30:00" }),
            "startsAt",
        ),
        (
            json!({ "title": "T", "startsAtLocal": "2031-03-30T02:30:00" }),
            "startsAt",
        ),
        (
            json!({ "title": "T", "startsAtLocal": "2031-03-01T09:30:00", "endsAtLocal": "2031-03-01T09:00:00" }),
            "endsAt",
        ),
        (
            json!({ "title": "T", "startsAtLocal": "2031-03-01T09:30:00", "timeZone": "Mars/Olympus" }),
            "timeZone",
        ),
        (
            json!({ "title": "T", "startsAtLocal": "2031-03-01T09:30:00", "onlineUrl": "javascript:alert(1)" }),
            "onlineUrl",
        ),
        (
            json!({ "title": "T", "startsAtLocal": "2031-03-01T09:30:00", "website": "not a url" }),
            "website",
        ),
        (
            json!({ "title": "T", "startsAtLocal": "2031-03-01T09:30:00", "town": "VG93bjo5OTk5OTk" }),
            "town",
        ),
        (
            json!({ "title": "T", "startsAtLocal": "2031-03-01T09:30:00", "sources": ["ftp://x"] }),
            "sources",
        ),
    ];
    for (input, field) in cases {
        let body = create(&app, &token, input.clone()).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{input}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"], field,
            "{input}: {body}"
        );
    }
    let count = entity::event::Entity::find().count(app.db()).await.unwrap();
    assert_eq!(count, 0, "no invalid event was written");
}

#[tokio::test]
async fn two_editors_cannot_overwrite_each_other() {
    let app = TestApp::empty().await;
    let anna = app
        .staff_token("anna@bbsr.example", StaffRole::Editor)
        .await;
    let bernd = app
        .staff_token("bernd@bbsr.example", StaffRole::Editor)
        .await;
    let body = create(&app, &anna, event("Werkstatt")).await;
    let id = body["data"]["createEvent"]["id"].clone();

    // Both read version 1 and change it at the same time.
    let first = app.graphql_as(
        &anna,
        UPDATE,
        json!({ "id": id, "v": 1, "input": { "place": "Rathaus" } }),
    );
    let second = app.graphql_as(
        &bernd,
        UPDATE,
        json!({ "id": id, "v": 1, "input": { "place": "Bahnhof" } }),
    );
    let ((_, a), (_, b)) = tokio::join!(first, second);
    let (winner, loser) = if a.get("errors").is_none() {
        (a, b)
    } else {
        (b, a)
    };
    assert!(winner.get("errors").is_none(), "{winner}");
    assert_eq!(winner["data"]["updateEvent"]["version"], 2);
    assert_eq!(error_code(&loser), Some("CONFLICT"), "{loser}");
    assert_eq!(
        loser["errors"][0]["extensions"]["currentVersion"], 2,
        "{loser}"
    );

    let data = app
        .graphql_as(
            &anna,
            "query($id: ID!) { event(id: $id) { place version } }",
            json!({ "id": id }),
        )
        .await
        .1;
    assert_eq!(
        data["data"]["event"]["place"],
        winner["data"]["updateEvent"]["place"]
    );
    assert_eq!(data["data"]["event"]["version"], 2);

    // A retry based on the current version succeeds.
    let (_, retry) = app
        .graphql_as(
            &bernd,
            UPDATE,
            json!({ "id": id, "v": 2, "input": { "place": "Bahnhof" } }),
        )
        .await;
    assert_eq!(retry["data"]["updateEvent"]["version"], 3, "{retry}");
}

#[tokio::test]
async fn changes_are_audited_with_before_and_after() {
    let app = TestApp::empty().await;
    let token = app
        .staff_token("anna@bbsr.example", StaffRole::Editor)
        .await;
    let body = create(&app, &token, event("Werkstatt")).await;
    let id = body["data"]["createEvent"]["id"].clone();
    let (_, body) = app
        .graphql_as(&token, UPDATE, json!({ "id": id, "v": 1, "input": { "title": "Transferwerkstatt", "place": "Mölln" } }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let (_, body) = app
        .graphql_as(
            &token,
            UPDATE,
            json!({ "id": id, "v": 2, "input": { "place": null } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateEvent"]["place"],
        Value::Null,
        "null clears: {body}"
    );
    let (_, body) = app
        .graphql_as(&token, DELETE, json!({ "id": id, "v": 3 }))
        .await;
    assert_eq!(body["data"]["deleteEvent"]["id"], id, "{body}");

    let row = kleinstadt::ids::decode(id.as_str().unwrap())
        .map(|(_, id)| id)
        .unwrap();
    let entries = entity::audit_entry::Entity::find()
        .filter(entity::audit_entry::Column::EntityType.eq("Event"))
        .filter(entity::audit_entry::Column::EntityId.eq(row))
        .order_by_asc(entity::audit_entry::Column::Id)
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(entries.len(), 4);
    assert!(entries.iter().all(|e| e.actor_email == "anna@bbsr.example"));
    assert_eq!(entries[0].changes["title"]["after"], "Werkstatt");
    assert_eq!(
        entries[1].changes["title"],
        json!({ "before": "Werkstatt", "after": "Transferwerkstatt" })
    );
    assert_eq!(
        entries[1].changes["place"],
        json!({ "before": null, "after": "Mölln" })
    );
    assert!(
        entries[1].changes.get("starts_at").is_none(),
        "unchanged fields are not listed"
    );
    assert_eq!(
        entries[2].changes["place"],
        json!({ "before": "Mölln", "after": null })
    );
    assert_eq!(entries[3].changes["title"]["before"], "Transferwerkstatt");
}

#[tokio::test]
async fn deleting_an_event_takes_its_programme_along_in_one_transaction() {
    let app = TestApp::seeded().await;
    let token = app
        .staff_token("anna@bbsr.example", StaffRole::Editor)
        .await;
    let data = app
        .query(
            r#"{ events(filter: { text: "Bundestagung" }) { nodes { id version } } }"#,
            json!({}),
        )
        .await;
    let id = data["events"]["nodes"][0]["id"].clone();
    let version = data["events"]["nodes"][0]["version"].clone();
    let sessions_before = entity::session::Entity::find()
        .count(app.db())
        .await
        .unwrap();

    let (_, body) = app
        .graphql_as(&token, DELETE, json!({ "id": id, "v": 99 }))
        .await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    assert_eq!(
        entity::session::Entity::find()
            .count(app.db())
            .await
            .unwrap(),
        sessions_before
    );

    let (_, body) = app
        .graphql_as(&token, DELETE, json!({ "id": id, "v": version }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let sessions_after = entity::session::Entity::find()
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(sessions_before - sessions_after, 11);
    let orphans = entity::contribution::Entity::find()
        .filter(entity::contribution::Column::SessionId.is_null())
        .filter(
            entity::contribution::Column::EventId.eq(kleinstadt::ids::decode(id.as_str().unwrap())
                .map(|(_, i)| i)
                .unwrap()),
        )
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(orphans, 0);
    let (_, body) = app
        .graphql_as(
            &token,
            "query($id: ID!) { event(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert!(body["data"]["event"].is_null());
}

#[tokio::test]
async fn an_event_cannot_shrink_away_from_its_sessions() {
    let app = TestApp::seeded().await;
    let token = app
        .staff_token("anna@bbsr.example", StaffRole::Editor)
        .await;
    let data = app
        .query(
            r#"{ events(filter: { text: "Bundestagung" }) { nodes { id version } } }"#,
            json!({}),
        )
        .await;
    let id = data["events"]["nodes"][0]["id"].clone();
    let version = data["events"]["nodes"][0]["version"].clone();
    let (_, body) = app
        .graphql_as(
            &token,
            UPDATE,
            json!({ "id": id, "v": version, "input": { "endsAtLocal": "2022-01-21T12:00:00" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let data = app
        .query(
            "query($id: ID!) { event(id: $id) { version endsAtLocal } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["event"]["version"], version, "nothing written");
    assert_eq!(data["event"]["endsAtLocal"], "2022-01-21T14:15:00+01:00");
}
