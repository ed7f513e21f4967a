//! The change log and its feed: every write appends entries in commit order; anonymous readers see
//! what is public (drafts once published, tombstones without personal data), staff see everything
//! with its author; readers following the cursor never miss an entry, even when transactions
//! commit out of the order in which they began.

use std::time::Duration;

use crate::support::TestApp;
use axum::http::StatusCode;
use serde_json::{Value, json};

const FEED: &str = "query($after: String, $first: Int, $filter: ChangeFilter) { changes(after: $after, first: $first, filter: $filter) { nextCursor hasMore nodes { cursor recordType record action tombstone version url event town author auditEntry } } }";

/// Every entry after `after` (REST, anonymous), following `next` to the end.
async fn follow(app: &TestApp, after: i64, query: &str) -> (Vec<Value>, i64) {
    let mut entries = Vec::new();
    let mut cursor = after;
    loop {
        let page = app
            .anonymous()
            .get_ok(&format!("/api/v1/changes?after={cursor}&limit=1000{query}"))
            .await;
        let changes = page["items"].as_array().cloned().unwrap_or_default();
        entries.extend(changes);
        cursor = page["next"].as_i64().unwrap();
        if page["hasMore"] == false {
            return (entries, cursor);
        }
    }
}

/// A town to store directly (its version and times are set by the write).
fn new_town(name: &str) -> entity::town::ActiveModel {
    use sea_orm::ActiveValue::Set;
    entity::town::ActiveModel {
        name: Set(name.to_owned()),
        sources: Set(entity::Sources::default()),
        town_type_official: Set(false),
        ..Default::default()
    }
}

/// An administrator acting outside the API, as the command line does.
fn admin(email: &str) -> kleinstadt::auth::Actor {
    kleinstadt::auth::Actor {
        id: 1,
        email: email.to_owned(),
        role: kleinstadt::auth::StaffRole::Admin,
    }
}

fn positions(entries: &[Value]) -> Vec<i64> {
    entries
        .iter()
        .map(|entry| entry["position"].as_i64().unwrap())
        .collect()
}

fn about<'a>(entries: &'a [Value], id: &Value) -> Vec<&'a Value> {
    entries.iter().filter(|entry| entry["id"] == *id).collect()
}

fn actions(entries: &[Value], id: &Value) -> Vec<String> {
    about(entries, id)
        .iter()
        .map(|entry| entry["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_seed_is_in_the_feed_in_commit_order() {
    let app = TestApp::seeded().await;
    let (entries, head) = follow(&app, 0, "").await;
    let positions = positions(&entries);
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]));
    assert_eq!(positions.last().copied(), Some(head));
    let towns = entries.iter().filter(|e| e["type"] == "Town").count();
    let data = app.query("{ towns { totalCount } }", json!({})).await;
    assert_eq!(towns as i64, data["towns"]["totalCount"].as_i64().unwrap());
    assert!(
        entries
            .iter()
            .all(|e| e["action"] == "CREATED" && e.get("author").is_none())
    );
    let event = entries.iter().find(|e| e["type"] == "Event").unwrap();
    assert!(
        event["url"]
            .as_str()
            .unwrap()
            .starts_with("/api/v1/events/")
    );
    let (status, _, _) = app.get(event["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    // Nothing private: no registration and no staff account is named to anyone.
    assert!(
        entries
            .iter()
            .all(|e| e["type"] != "Registration" && e["type"] != "User")
    );
    // Reading from the head returns nothing and keeps the cursor.
    let page = app
        .anonymous()
        .get_ok(&format!("/api/v1/changes?after={head}"))
        .await;
    assert_eq!(page, json!({ "items": [], "next": head, "hasMore": false }));
}

#[tokio::test]
async fn drafts_appear_when_published_and_leave_as_tombstones() {
    let app = TestApp::seeded().await;
    let (_, start) = follow(&app, 0, "").await;
    let editor = app.editor().await;
    let event = editor
        .create_event(json!({ "title": "Werkstatt Leerstand", "startsAt": "2031-03-01T09:00:00Z" }))
        .await;
    let session = editor
        .create_session(json!({ "event": event["id"], "title": "Begrüßung", "kind": "WELCOME", "startsAt": "2031-03-01T09:00:00Z" }))
        .await;
    let (entries, _) = follow(&app, start, "").await;
    assert!(
        entries.is_empty(),
        "a draft is nobody's business: {entries:?}"
    );

    // Staff see every step, with the author and the audit entry.
    let staff = editor.ok(FEED, json!({ "after": start.to_string() })).await["changes"].clone();
    let nodes = staff["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2, "{staff}");
    assert_eq!(nodes[0]["record"], event["id"]);
    assert_eq!(nodes[0]["action"], "CREATED");
    assert_eq!(nodes[1]["record"], session["id"]);
    assert_eq!(nodes[1]["event"], event["id"]);
    assert_eq!(nodes[0]["author"], "editor@bbsr.example");
    assert!(nodes[0]["auditEntry"].is_string());

    editor.publish_event(event["id"].as_str().unwrap()).await;
    let (entries, after_publish) = follow(&app, start, "").await;
    assert_eq!(actions(&entries, &event["id"]), ["PUBLISHED"]);
    assert_eq!(actions(&entries, &session["id"]), ["PUBLISHED"]);
    let published = about(&entries, &event["id"])[0];
    assert_eq!(published["version"], 2);
    assert_eq!(published["tombstone"], false);

    editor
        .ok(
            "mutation($id: ID!) { updateSession(id: $id, expectedVersion: 1, input: { title: \"Begrüßung und Einführung\" }) { version } }",
            json!({ "id": session["id"] }),
        )
        .await;
    editor
        .ok(
            "mutation($id: ID!) { unpublishEvent(id: $id, expectedVersion: 2) { version } }",
            json!({ "id": event["id"] }),
        )
        .await;
    let (entries, after_unpublish) = follow(&app, after_publish, "").await;
    assert_eq!(
        actions(&entries, &session["id"]),
        ["UPDATED", "UNPUBLISHED"]
    );
    assert_eq!(actions(&entries, &event["id"]), ["UNPUBLISHED"]);
    assert!(about(&entries, &event["id"])[0]["tombstone"] == true);

    // Deleting a draft tells the public nothing; staff see the deletion of the event and its session.
    editor
        .ok(
            "mutation($id: ID!) { deleteEvent(id: $id, expectedVersion: 3) { id } }",
            json!({ "id": event["id"] }),
        )
        .await;
    let (entries, _) = follow(&app, after_unpublish, "").await;
    assert!(entries.is_empty(), "{entries:?}");
    let staff = editor
        .ok(FEED, json!({ "after": after_unpublish.to_string() }))
        .await["changes"]["nodes"]
        .clone();
    let deleted: Vec<(&str, &str)> = staff
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["recordType"].as_str().unwrap(),
                n["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(deleted, [("Event", "DELETED"), ("Session", "DELETED")]);
}

#[tokio::test]
async fn an_erasure_is_a_tombstone_without_personal_data() {
    let app = TestApp::seeded().await;
    let admin = app.admin().await;
    let person = admin
        .create_person(json!({ "name": "Erika Beispiel", "email": "erika@example.org" }))
        .await;
    let consent = admin
        .ok(
            "mutation($id: ID!) { recordConsent(id: $id, expectedVersion: 1, note: \"schriftlich\") { version } }",
            json!({ "id": person["id"] }),
        )
        .await;
    let (_, before) = follow(&app, 0, "").await;
    let version = consent["recordConsent"]["version"].clone();
    admin
        .ok(
            "mutation($id: ID!, $v: Int!) { erasePerson(id: $id, expectedVersion: $v) { outcome } }",
            json!({ "id": person["id"], "v": version }),
        )
        .await;
    let (entries, _) = follow(&app, before, "").await;
    assert_eq!(actions(&entries, &person["id"]), ["ERASED"]);
    let tombstone = about(&entries, &person["id"])[0];
    assert_eq!(tombstone["tombstone"], true);
    let text = tombstone.to_string();
    assert!(
        !text.contains("Erika") && !text.contains("example.org"),
        "{text}"
    );
}

#[tokio::test]
async fn filters_select_by_type_event_and_town() {
    let app = TestApp::seeded().await;
    let (all, _) = follow(&app, 0, "").await;
    let event = all.iter().find(|e| e["type"] == "Event").unwrap();
    let event_id = event["id"].as_str().unwrap().to_owned();
    let (sessions, _) = follow(&app, 0, &format!("&type=Session&event={event_id}")).await;
    assert!(!sessions.is_empty());
    assert!(
        sessions
            .iter()
            .all(|e| e["type"] == "Session" && e["event"] == event["id"])
    );
    let expected = all
        .iter()
        .filter(|e| e["type"] == "Session" && e["event"] == event["id"])
        .count();
    assert_eq!(sessions.len(), expected);

    let town = all
        .iter()
        .find(|e| e["type"] == "Event" && e["town"].is_string())
        .map(|e| e["town"].as_str().unwrap().to_owned());
    if let Some(town) = town {
        let (in_town, _) = follow(&app, 0, &format!("&town={town}")).await;
        assert!(in_town.iter().any(|e| e["type"] == "Event"));
        assert!(in_town.iter().all(|e| e["town"] == town.as_str()));
    }

    let (types, _) = follow(&app, 0, "&type=Event,ModelProject").await;
    assert!(
        types
            .iter()
            .all(|e| e["type"] == "Event" || e["type"] == "ModelProject")
    );
    assert!(types.iter().any(|e| e["type"] == "ModelProject"));
}

#[tokio::test]
async fn bad_parameters_are_clear_errors() {
    let app = TestApp::seeded().await;
    for (uri, field) in [
        ("/api/v1/changes?type=Wizard", "type"),
        ("/api/v1/changes?limit=0", "limit"),
        ("/api/v1/changes?limit=1001", "limit"),
        ("/api/v1/changes?after=-1", "after"),
        ("/api/v1/changes?event=bm9wZQ", "event"),
    ] {
        let (status, body) = app.anonymous().get(uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(body["error"]["code"], "BAD_USER_INPUT", "{uri}: {body}");
        assert_eq!(body["error"]["field"], field, "{uri}: {body}");
    }
    let (status, _) = app.anonymous().get("/api/v1/changes?after=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let body = app
        .anonymous()
        .fails(FEED, json!({ "after": "not-a-cursor" }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let body = app
        .anonymous()
        .fails(FEED, json!({ "filter": { "types": ["Wizard"] } }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn pages_follow_each_other_without_gaps() {
    let app = TestApp::seeded().await;
    let (all, head) = follow(&app, 0, "").await;
    let mut cursor = 0;
    let mut paged = Vec::new();
    loop {
        let page = app
            .anonymous()
            .ok(FEED, json!({ "after": cursor.to_string(), "first": 250 }))
            .await["changes"]
            .clone();
        let nodes = page["nodes"].as_array().unwrap();
        assert!(nodes.len() <= 250);
        paged.extend(
            nodes
                .iter()
                .map(|n| n["cursor"].as_str().unwrap().parse::<i64>().unwrap()),
        );
        cursor = page["nextCursor"].as_str().unwrap().parse().unwrap();
        if page["hasMore"] == false {
            break;
        }
    }
    assert_eq!(paged, positions(&all));
    assert_eq!(cursor, head);
}

/// A write that began first but commits last gets the later position; a reader that read in between
/// still sees it next time. On SQLite the second writer waits for the first (one writer at a time).
#[tokio::test]
async fn a_transaction_that_commits_late_is_not_skipped() {
    use entity::town;
    use kleinstadt::store::write;
    use sea_orm::TransactionTrait;

    let app = TestApp::seeded().await;
    let (_, start) = follow(&app, 0, "").await;
    let actor = admin("import@bbsr.example");
    let editor_token = app
        .staff_token("editor@bbsr.example", kleinstadt::auth::StaffRole::Editor)
        .await;
    // The long transaction: begun first, holding its entry uncommitted.
    let long = app.db().begin().await.unwrap();
    let slow = write::create::<town::Entity, _>(&long, &actor, new_town("Langsamstadt"))
        .await
        .unwrap();

    // The quick one, through the router, in a task of its own (on SQLite it waits for the lock).
    let state = app.state.clone();
    let quick = tokio::spawn(async move {
        let request = axum::http::Request::post("/graphql")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {editor_token}"))
            .body(axum::body::Body::from(
                json!({ "query": "mutation { createOrganisation(input: { name: \"Schnellverein\", kind: ASSOCIATION }) { id } }" })
                    .to_string(),
            ))
            .unwrap();
        use tower::ServiceExt;
        let response = kleinstadt::app(state).oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (first_read, cursor) = follow(&app, start, "").await;
    long.commit().await.unwrap();
    quick.await.unwrap();
    let (second_read, _) = follow(&app, cursor, "").await;

    let seen: Vec<&Value> = first_read.iter().chain(&second_read).collect();
    let slow_id = json!(kleinstadt::ids::encode("Town", slow.id));
    let names: Vec<&str> = seen.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "both writes, each once: {seen:?}");
    assert!(seen.iter().any(|e| e["id"] == slow_id), "{seen:?}");
    assert!(names.contains(&"Organisation"));
    let all_positions: Vec<i64> = seen
        .iter()
        .map(|e| e["position"].as_i64().unwrap())
        .collect();
    assert!(
        all_positions.windows(2).all(|p| p[0] < p[1]),
        "{all_positions:?}"
    );
    if app.is_postgres() {
        // Committed last, so positioned last, though it began first.
        assert!(
            first_read.iter().all(|e| e["type"] == "Organisation"),
            "{first_read:?}"
        );
        assert_eq!(second_read.len(), 1);
        assert_eq!(second_read[0]["id"], slow_id);
    } else {
        // The quick writer waited: nothing was committed while the long one ran.
        assert!(first_read.is_empty(), "{first_read:?}");
        assert_eq!(second_read[0]["id"], slow_id);
    }
}

#[tokio::test]
async fn a_write_from_another_process_clears_the_answer_cache() {
    use entity::town;
    use kleinstadt::store::write;
    use sea_orm::Database;

    let app = TestApp::seeded_with(|config| config.response_cache_mib = 8).await;
    const QUERY: &str = "{ towns(filter: { nameContains: \"Zwischenstadt\" }) { totalCount } }";
    let before = app.query(QUERY, json!({})).await;
    assert_eq!(before["towns"]["totalCount"], 0);
    // A separate connection, as the CLI would open while the server runs.
    let other = Database::connect(app.database_url()).await.unwrap();
    let actor = admin("cli@bbsr.example");
    let txn = write::begin(&other).await.unwrap();
    write::create::<town::Entity, _>(&txn, &actor, new_town("Zwischenstadt"))
        .await
        .unwrap();
    txn.commit().await.unwrap();
    other.close().await.unwrap();
    // Within the poll interval (50 ms in tests) and well before this loop gives up.
    let mut seen = false;
    for _ in 0..40 {
        let now = app.query(QUERY, json!({})).await;
        if now["towns"]["totalCount"] == 1 {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen, "the other process's change never reached this cache");
}

#[tokio::test]
async fn streamed_exports_are_tagged_by_the_log_and_answer_304_until_a_change() {
    use axum::body::Body;
    use axum::http::{Request, header};

    let app = TestApp::seeded().await;
    let (status, headers, _) = app.get("/api/v1/exports/towns.ndjson").await;
    assert_eq!(status, StatusCode::OK);
    let tag = headers[header::ETAG].to_str().unwrap().to_owned();
    assert!(tag.starts_with("W/\""), "{tag}");
    assert!(
        headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let conditional = |tag: String| {
        Request::get("/api/v1/exports/towns.ndjson")
            .header(header::IF_NONE_MATCH, tag)
            .body(Body::empty())
            .unwrap()
    };
    let (status, headers, body) = app.send(conditional(tag.clone())).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert_eq!(headers[header::ETAG].to_str().unwrap(), tag);

    app.editor()
        .await
        .ok(
            "mutation { createOrganisation(input: { name: \"Neuer Verein\", kind: ASSOCIATION }) { id } }",
            json!({}),
        )
        .await;
    let (status, headers, _) = app.send(conditional(tag.clone())).await;
    assert_eq!(status, StatusCode::OK, "a committed change moves the tag");
    assert_ne!(headers[header::ETAG].to_str().unwrap(), tag);
}

#[tokio::test]
async fn people_appear_and_leave_with_the_programme_they_are_part_of() {
    let app = TestApp::seeded().await;
    let editor = app.editor().await;
    let event = editor
        .create_event(json!({ "title": "Werkstatt Ortskern", "startsAt": "2031-04-01T09:00:00Z" }))
        .await;
    // No consent: public only through a part in a published programme.
    let speaker = editor
        .create_person(json!({ "name": "Rita Rednerin" }))
        .await;
    let (_, start) = follow(&app, 0, "").await;
    editor
        .ok(
            "mutation($input: CreateContributionInput!) { createContribution(input: $input) { id } }",
            json!({ "input": { "event": event["id"], "person": speaker["id"], "role": "SPEAKER" } }),
        )
        .await;
    let (entries, _) = follow(&app, start, "").await;
    assert!(
        entries.is_empty(),
        "a part in a draft makes nobody public: {entries:?}"
    );

    editor.publish_event(event["id"].as_str().unwrap()).await;
    let (entries, published) = follow(&app, start, "").await;
    assert_eq!(actions(&entries, &speaker["id"]), ["PUBLISHED"]);
    let entry = about(&entries, &speaker["id"])[0];
    assert!(!entry.to_string().contains("Rita"), "{entry}");
    // Now visible to anyone, as the feed said.
    let (status, _) = app.anonymous().get(entry["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);

    // A second person joins the published programme: public at once.
    let second = editor
        .create_person(json!({ "name": "Max Moderator" }))
        .await;
    editor
        .ok(
            "mutation($input: CreateContributionInput!) { createContribution(input: $input) { id } }",
            json!({ "input": { "event": event["id"], "person": second["id"], "role": "MODERATOR" } }),
        )
        .await;
    let (entries, _) = follow(&app, published, "").await;
    assert_eq!(actions(&entries, &second["id"]), ["PUBLISHED"]);

    editor
        .ok(
            "mutation($id: ID!) { unpublishEvent(id: $id, expectedVersion: 2) { version } }",
            json!({ "id": event["id"] }),
        )
        .await;
    let (entries, _) = follow(&app, published, "").await;
    assert_eq!(actions(&entries, &speaker["id"]), ["UNPUBLISHED"]);
    assert_eq!(
        actions(&entries, &second["id"]),
        ["PUBLISHED", "UNPUBLISHED"]
    );
}
