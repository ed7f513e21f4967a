//! Drafts: events are drafts until published; anonymous readers never see a draft or its programme,
//! on any list, lookup or search path; staff see both.

use crate::support::{Client, TestApp, error_code};
use chrono::{Duration, TimeZone, Utc};
use entity::enums::{ContributionRole, SessionKind};
use entity::{contribution, session};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

struct Draft {
    event: String,
    event_row: i32,
    session: String,
    contribution: String,
}

/// A draft event in Wittenberge with one session by a known public person.
async fn draft(app: &TestApp, editor: &Client<'_>) -> Draft {
    let data = app
        .query(r#"{ towns(filter: { nameContains: "Wittenberge" }) { nodes { id } } people(filter: { nameContains: "Löffler" }) { nodes { id } } }"#, json!({}))
        .await;
    let town = data["towns"]["nodes"][0]["id"].clone();
    let created = editor
        .create_event(json!({
            "title": "Geheime Werkstatt Innenstadt",
            "startsAtLocal": "2031-05-06T10:00:00",
            "endsAtLocal": "2031-05-06T16:00:00",
            "format": "IN_PERSON",
            "town": town,
        }))
        .await;
    let event = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["published"], false);
    let event_row = decode(&event);
    let person_row = decode(data["people"]["nodes"][0]["id"].as_str().unwrap());
    let now = Utc::now();
    let start = Utc.with_ymd_and_hms(2031, 5, 6, 8, 0, 0).single().unwrap();
    let session = session::ActiveModel {
        event_id: Set(event_row),
        position: Set(1),
        title: Set("Geheimer Vortrag".into()),
        kind: Set(SessionKind::Talk),
        starts_at: Set(start),
        ends_at: Set(Some(start + Duration::hours(1))),
        end_inferred: Set(false),
        sources: Set(Default::default()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(app.db())
    .await
    .unwrap();
    let contribution = contribution::ActiveModel {
        event_id: Set(event_row),
        session_id: Set(Some(session.id)),
        person_id: Set(Some(person_row)),
        role: Set(ContributionRole::Speaker),
        position: Set(0),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(app.db())
    .await
    .unwrap();
    Draft {
        event,
        event_row,
        session: encode("Session", session.id),
        contribution: encode("Contribution", contribution.id),
    }
}

fn decode(global: &str) -> i32 {
    kleinstadt::ids::decode(global)
        .map(|(_, id)| id)
        .unwrap_or_else(|e| panic!("{global}: {e:?}"))
}

fn encode(type_name: &str, id: i32) -> String {
    kleinstadt::ids::encode(type_name, id)
}

fn contains(value: &Value, needle: &str) -> bool {
    value.to_string().contains(needle)
}

/// Every public path that could show the draft, with its variables.
fn paths(draft: &Draft) -> Vec<(&'static str, Value)> {
    vec![
        ("{ events(first: 100) { nodes { id title } } }", json!({})),
        (
            "{ events(filter: { text: \"Geheime\" }) { totalCount nodes { id } } }",
            json!({}),
        ),
        (
            "{ events(filter: { upcoming: true }, first: 100) { nodes { id } } }",
            json!({}),
        ),
        (
            "query($id: ID!) { event(id: $id) { id } }",
            json!({ "id": draft.event }),
        ),
        (
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": draft.event }),
        ),
        (
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": draft.session }),
        ),
        (
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": draft.contribution }),
        ),
        (
            "query($id: ID!) { session(id: $id) { id title } }",
            json!({ "id": draft.session }),
        ),
        (
            "{ sessions(first: 100, filter: { text: \"Geheim\" }) { totalCount nodes { title } } }",
            json!({}),
        ),
        (
            "{ sessions(first: 100, filter: { kind: [TALK] }) { nodes { title } } }",
            json!({}),
        ),
        (
            "{ towns(filter: { nameContains: \"Wittenberge\" }) { nodes { events(first: 100) { nodes { title } } } } }",
            json!({}),
        ),
        (
            "{ people(filter: { nameContains: \"Löffler\" }) { nodes { contributions { totalCount nodes { session { title } event { title } } } } } }",
            json!({}),
        ),
        (
            "{ organisations(first: 100) { nodes { events(first: 50) { nodes { title } } } } }",
            json!({}),
        ),
    ]
}

#[tokio::test]
async fn anonymous_readers_never_see_drafts() {
    let app = TestApp::seeded().await;
    let editor = app.editor().await;
    let draft = draft(&app, &editor).await;
    for (query, variables) in paths(&draft) {
        let (_, body) = app.graphql(query, variables.clone()).await;
        assert!(body.get("errors").is_none(), "{query}: {body}");
        for secret in [
            "Geheime",
            "Geheimer",
            draft.event.as_str(),
            draft.session.as_str(),
            draft.contribution.as_str(),
        ] {
            assert!(!contains(&body, secret), "{query} shows {secret}: {body}");
        }
    }
    // Staff see the draft on the same paths.
    for (query, variables) in paths(&draft).into_iter().take(8) {
        let (_, body) = editor.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "{query}: {body}");
        assert!(
            contains(&body, &draft.event)
                || contains(&body, &draft.session)
                || contains(&body, &draft.contribution),
            "staff miss the draft in {query}: {body}"
        );
    }
}

#[tokio::test]
async fn publishing_shows_the_event_and_unpublishing_hides_it_again() {
    let app = TestApp::seeded().await;
    let editor = app.editor().await;
    let draft = draft(&app, &editor).await;
    let publish = "mutation($id: ID!, $v: Int!) { publishEvent(id: $id, expectedVersion: $v) { published version } }";
    let unpublish = "mutation($id: ID!, $v: Int!) { unpublishEvent(id: $id, expectedVersion: $v) { published version } }";
    let (_, body) = app
        .graphql(publish, json!({ "id": draft.event, "v": 1 }))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");

    let (_, body) = editor
        .graphql(publish, json!({ "id": draft.event, "v": 1 }))
        .await;
    assert_eq!(
        body["data"]["publishEvent"],
        json!({ "published": true, "version": 2 }),
        "{body}"
    );
    let data = app
        .query("query($id: ID!) { event(id: $id) { title sessions { nodes { title contributions { nodes { person { name } } } } } } }", json!({ "id": draft.event }))
        .await;
    assert_eq!(
        data["event"]["sessions"]["nodes"][0]["title"],
        "Geheimer Vortrag"
    );

    let (_, body) = editor
        .graphql(publish, json!({ "id": draft.event, "v": 2 }))
        .await;
    assert_eq!(
        error_code(&body),
        Some("CONFLICT"),
        "publishing twice: {body}"
    );

    let (_, body) = editor
        .graphql(unpublish, json!({ "id": draft.event, "v": 2 }))
        .await;
    assert_eq!(
        body["data"]["unpublishEvent"],
        json!({ "published": false, "version": 3 }),
        "{body}"
    );
    let data = app
        .query(
            "query($id: ID!) { event(id: $id) { title } }",
            json!({ "id": draft.event }),
        )
        .await;
    assert!(data["event"].is_null());

    let actions: Vec<String> = audit_actions(&app, draft.event_row).await;
    assert_eq!(actions, vec!["CREATE", "PUBLISH", "UNPUBLISH"]);
}

async fn audit_actions(app: &TestApp, event: i32) -> Vec<String> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    entity::audit_entry::Entity::find()
        .filter(entity::audit_entry::Column::EntityType.eq("Event"))
        .filter(entity::audit_entry::Column::EntityId.eq(event))
        .order_by_asc(entity::audit_entry::Column::Id)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|entry| {
            serde_json::to_value(entry.action)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn authors_only_of_a_drafts_documents_stay_private() {
    let app = TestApp::seeded().await;
    let editor = app.editor().await;
    let draft = draft(&app, &editor).await;
    let (_, body) = editor
        .graphql(
            "mutation { createPerson(input: { name: \"Hanna Heimlich\" }) { id } }",
            json!({}),
        )
        .await;
    let person = body["data"]["createPerson"]["id"].clone();
    assert!(person.is_string(), "{body}");
    let (_, body) = editor.graphql("mutation($event: ID!) { createDocument(input: { kind: REPORT, title: \"Geheimer Bericht\", event: $event }) { id } }",
            json!({ "event": draft.event }),
        )
        .await;
    let document = body["data"]["createDocument"]["id"].clone();
    assert!(document.is_string(), "{body}");
    let (_, body) = editor.graphql("mutation($document: ID!, $person: ID!) { addDocumentAuthor(document: $document, person: $person) { position } }",
            json!({ "document": document, "person": person }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");

    let lookup = "query($id: ID!) { person(id: $id) { name } }";
    let data = app.query(lookup, json!({ "id": person })).await;
    assert!(
        data["person"].is_null(),
        "an author of a draft's document: {data}"
    );
    let (_, _, listed) = app.get("/api/v1/people?q=Heimlich").await;
    assert_eq!(crate::support::parse_json(&listed)["totalCount"], 0);
    let (_, _, exported) = app.get("/api/v1/exports/people.ndjson").await;
    assert!(!String::from_utf8_lossy(&exported).contains("Hanna Heimlich"));

    let (_, body) = editor
        .graphql(
            "mutation($id: ID!) { publishEvent(id: $id, expectedVersion: 1) { published } }",
            json!({ "id": draft.event }),
        )
        .await;
    assert_eq!(body["data"]["publishEvent"]["published"], true, "{body}");
    let data = app.query(lookup, json!({ "id": person })).await;
    assert_eq!(
        data["person"]["name"], "Hanna Heimlich",
        "public once the event is"
    );
}
