//! Staff editing of programmes and what hangs off them: sessions, contributions, organisers,
//! registrations, documents and their authors, advisory-board seats, and the audit log that records
//! every change. Through the router, as an anonymous caller, an editor and an administrator.

use crate::support::{Client, TestApp, factory};
use entity::enums::OrganisationKind;
use kleinstadt::ids;
use serde_json::{Value, json};

/// Runs a query that must fail (as `editor`, or anonymously); returns its first error.
async fn fails(client: &Client<'_>, query: &str, variables: Value) -> Value {
    client.fails(query, variables).await["errors"][0].clone()
}

/// Asserts a `BAD_USER_INPUT` error naming `field`.
fn assert_bad_field(error: &Value, field: &str) {
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    assert_eq!(error["extensions"]["field"], field, "{error}");
}

fn code(error: &Value) -> &str {
    error["extensions"]["code"].as_str().unwrap()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap().to_owned()
}

fn version(value: &Value) -> i64 {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("no version: {value}"))
}

async fn insert_person(app: &TestApp, name: &str, consent: bool) -> String {
    ids::encode(
        "Person",
        factory::insert_person(app.db(), name, consent).await.id,
    )
}

async fn insert_organisation(app: &TestApp, name: &str, kind: OrganisationKind) -> String {
    let organisation = factory::insert_organisation(app.db(), name, kind).await;
    ids::encode("Organisation", organisation.id)
}

/// A two-day workshop in Berlin time over the night the clocks go forward (27 March 2022, 2:00).
async fn workshop(editor: &Client<'_>) -> String {
    let event = editor
        .create_event(json!({
            "title": "Werkstatt Kleinstadtentwicklung",
            "timeZone": "Europe/Berlin",
            "startsAtLocal": "2022-03-26T10:00:00",
            "endsAtLocal": "2022-03-27T18:00:00",
        }))
        .await;
    text(&event["id"])
}

const CREATE_SESSION: &str = r#"
mutation($input: CreateSessionInput!) {
  createSession(input: $input) {
    id version position title subtitle kind startsAt startsAtLocal endsAtLocal endInferred
    event { id }
  }
}"#;

const UPDATE_SESSION: &str = r#"
mutation($id: ID!, $v: Int!, $input: UpdateSessionInput!) {
  updateSession(id: $id, expectedVersion: $v, input: $input) {
    id version title subtitle startsAtLocal endsAtLocal
  }
}"#;

const DELETE_SESSION: &str = r#"
mutation($id: ID!, $v: Int!) { deleteSession(id: $id, expectedVersion: $v) { id } }"#;

async fn session(editor: &Client<'_>, event: &str, start: &str, end: &str) -> Value {
    let data = editor
        .ok(
            CREATE_SESSION,
            json!({ "input": {
                "event": event, "title": "Podium", "kind": "PANEL",
                "startsAtLocal": start, "endsAtLocal": end,
            }}),
        )
        .await;
    data["createSession"].clone()
}

const CREATE_CONTRIBUTION: &str = r#"
mutation($input: CreateContributionInput!) {
  createContribution(input: $input) {
    id version role position affiliation
    session { id } event { id } person { name } organisation { name }
  }
}"#;

const UPDATE_CONTRIBUTION: &str = r#"
mutation($id: ID!, $v: Int!, $input: UpdateContributionInput!) {
  updateContribution(id: $id, expectedVersion: $v, input: $input) {
    id version position session { id } event { id } person { name } organisation { name }
  }
}"#;

const AUDIT_LOG: &str = r#"
query($filter: AuditFilterInput, $first: Int) {
  auditLog(filter: $filter, first: $first) {
    totalCount
    nodes { id at actorEmail action entityType entity changes }
  }
}"#;

async fn audit(editor: &Client<'_>, filter: Value) -> Vec<Value> {
    let data = editor
        .ok(AUDIT_LOG, json!({ "filter": filter, "first": 100 }))
        .await;
    data["auditLog"]["nodes"].as_array().cloned().unwrap()
}

#[tokio::test]
async fn anonymous_callers_cannot_edit_and_editors_can() {
    let app = TestApp::empty().await;
    let editor = app.editor().await;
    let event = workshop(&editor).await;
    let person = insert_person(&app, "Erika Muster", false).await;
    let board = insert_organisation(&app, "Beirat", OrganisationKind::AdvisoryBoard).await;
    let some_id = ids::encode("Session", 1);
    let attempts = [
        (
            CREATE_SESSION,
            json!({ "input": { "event": event, "title": "T", "kind": "TALK", "startsAtLocal": "2022-03-26T11:00:00" } }),
        ),
        (
            UPDATE_SESSION,
            json!({ "id": some_id, "v": 1, "input": { "title": "T" } }),
        ),
        (DELETE_SESSION, json!({ "id": some_id, "v": 1 })),
        (
            CREATE_CONTRIBUTION,
            json!({ "input": { "event": event, "person": person, "role": "SPEAKER" } }),
        ),
        (
            "mutation($e: ID!, $o: ID!) { addEventOrganiser(event: $e, organisation: $o, role: ORGANISER) { id } }",
            json!({ "e": event, "o": board }),
        ),
        (
            "mutation($e: ID!, $p: ID!) { createRegistration(input: { event: $e, person: $p }) { id } }",
            json!({ "e": event, "p": person }),
        ),
        (
            "mutation { createDocument(input: { kind: REPORT, title: \"Bericht\" }) { id } }",
            json!({}),
        ),
        (
            "mutation($b: ID!, $p: ID!) { createBoardMembership(input: { board: $b, person: $p, role: MEMBER }) { id } }",
            json!({ "b": board, "p": person }),
        ),
    ];
    for (query, variables) in attempts {
        let error = fails(&app.anonymous(), query, variables).await;
        assert_eq!(code(&error), "UNAUTHENTICATED", "{query}: {error}");
    }
    let created = session(
        &editor,
        &event,
        "2022-03-26T11:00:00",
        "2022-03-26T12:00:00",
    )
    .await;
    assert_eq!(created["version"], 1);
    assert_eq!(created["event"]["id"], event.as_str());

    let admin = app.admin().await;
    let by_admin = session(&admin, &event, "2022-03-26T13:00:00", "2022-03-26T14:00:00").await;
    assert_eq!(by_admin["position"], 2);
}

#[tokio::test]
async fn sessions_lie_inside_their_event_in_its_time_zone() {
    let app = TestApp::empty().await;
    let editor = app.editor().await;
    let event = workshop(&editor).await;

    let first = session(
        &editor,
        &event,
        "2022-03-26T10:00:00",
        "2022-03-26T11:00:00",
    )
    .await;
    assert_eq!(first["startsAtLocal"], "2022-03-26T10:00:00+01:00");
    assert_eq!(first["startsAt"], "2022-03-26T09:00:00+00:00");
    assert_eq!(first["position"], 1);
    assert_eq!(first["endInferred"], false);
    // After the clock change the zone's offset is +02:00.
    let sunday = session(
        &editor,
        &event,
        "2022-03-27T10:00:00",
        "2022-03-27T18:00:00",
    )
    .await;
    assert_eq!(sunday["startsAtLocal"], "2022-03-27T10:00:00+02:00");
    assert_eq!(sunday["endsAtLocal"], "2022-03-27T18:00:00+02:00");
    assert_eq!(sunday["position"], 2);

    let create = |input: Value| {
        let mut full = json!({ "event": event, "title": "Podium", "kind": "PANEL" });
        full.as_object_mut()
            .unwrap()
            .extend(input.as_object().unwrap().clone());
        json!({ "input": full })
    };
    let cases = [
        (
            json!({ "startsAtLocal": "2022-03-26T09:59:00" }),
            "startsAt",
        ),
        (
            json!({ "startsAtLocal": "2022-03-27T18:00:00" }),
            "startsAt",
        ),
        (
            json!({ "startsAtLocal": "2022-03-27T17:00:00", "endsAtLocal": "2022-03-27T18:30:00" }),
            "endsAt",
        ),
        (
            json!({ "startsAtLocal": "2022-03-26T12:00:00", "endsAtLocal": "2022-03-26T11:00:00" }),
            "endsAt",
        ),
        (
            json!({ "startsAtLocal": "2022-03-26T12:00:00", "startsAt": "2022-03-26T11:00:00Z" }),
            "startsAt",
        ),
        (
            json!({ "startsAtLocal": "2022-03-26T12:00:00", "title": "   " }),
            "title",
        ),
        (
            json!({ "startsAtLocal": "2022-03-26T12:00:00", "position": 0 }),
            "position",
        ),
        (
            json!({ "startsAtLocal": "2022-03-26T12:00:00", "sources": ["not a url"] }),
            "sources",
        ),
        (json!({}), "startsAt"),
        (
            json!({ "startsAtLocal": "2022-03-26T12:00:00", "event": ids::encode("Town", 1) }),
            "event",
        ),
        (
            json!({ "startsAtLocal": "2022-03-26T12:00:00", "event": ids::encode("Event", 999) }),
            "event",
        ),
    ];
    for (input, field) in cases {
        let error = fails(&editor, CREATE_SESSION, create(input.clone())).await;
        assert_bad_field(&error, field);
    }

    // 2:30 on 27 March 2022 does not exist in Berlin: the clocks jump from 2:00 to 3:00.
    let error = fails(
        &editor,
        CREATE_SESSION,
        create(json!({ "startsAtLocal": "2022-03-27T02:30:00" })),
    )
    .await;
    assert_bad_field(&error, "startsAt");
    assert!(
        text(&error["message"]).contains("does not exist"),
        "{error}"
    );

    // Updates keep the rules: moving the session out of the event is refused, other changes apply.
    let error = fails(
        &editor,
        UPDATE_SESSION,
        json!({ "id": first["id"], "v": 1, "input": { "startsAtLocal": "2022-03-25T10:00:00" } }),
    )
    .await;
    assert_bad_field(&error, "startsAt");
    let error = fails(
        &editor,
        UPDATE_SESSION,
        json!({ "id": first["id"], "v": 1, "input": { "endsAtLocal": "2022-03-26T09:30:00" } }),
    )
    .await;
    assert_bad_field(&error, "endsAt");
    let updated = editor
        .ok(
            UPDATE_SESSION,
            json!({ "id": first["id"], "v": 1, "input": {
                "title": "Begrüßung", "subtitle": "mit Kaffee", "endsAt": null
            }}),
        )
        .await;
    assert_eq!(updated["updateSession"]["title"], "Begrüßung");
    assert_eq!(updated["updateSession"]["subtitle"], "mit Kaffee");
    assert_eq!(updated["updateSession"]["endsAtLocal"], Value::Null);
    assert_eq!(updated["updateSession"]["version"], 2);
    let cleared = editor
        .ok(
            UPDATE_SESSION,
            json!({ "id": first["id"], "v": 2, "input": { "subtitle": null } }),
        )
        .await;
    assert_eq!(cleared["updateSession"]["subtitle"], Value::Null);
    assert_eq!(cleared["updateSession"]["title"], "Begrüßung");
}

#[tokio::test]
async fn stale_versions_are_refused_with_the_current_version() {
    let app = TestApp::empty().await;
    let editor = app.editor().await;
    let event = workshop(&editor).await;
    let created = session(
        &editor,
        &event,
        "2022-03-26T10:00:00",
        "2022-03-26T11:00:00",
    )
    .await;
    let id = text(&created["id"]);
    editor
        .ok(
            UPDATE_SESSION,
            json!({ "id": id, "v": 1, "input": { "title": "Erste Fassung" } }),
        )
        .await;
    let error = fails(
        &editor,
        UPDATE_SESSION,
        json!({ "id": id, "v": 1, "input": { "title": "Zweite Fassung" } }),
    )
    .await;
    assert_eq!(code(&error), "CONFLICT", "{error}");
    assert_eq!(error["extensions"]["currentVersion"], 2);
    let error = fails(&editor, DELETE_SESSION, json!({ "id": id, "v": 1 })).await;
    assert_eq!(code(&error), "CONFLICT", "{error}");
    assert_eq!(error["extensions"]["currentVersion"], 2);

    let person = insert_person(&app, "Erika Muster", false).await;
    let contribution = editor
        .ok(
            CREATE_CONTRIBUTION,
            json!({ "input": { "session": id, "person": person, "role": "SPEAKER" } }),
        )
        .await;
    let contribution = text(&contribution["createContribution"]["id"]);
    editor
        .ok(
            UPDATE_CONTRIBUTION,
            json!({ "id": contribution, "v": 1, "input": { "role": "PANELIST" } }),
        )
        .await;
    let error = fails(
        &editor,
        UPDATE_CONTRIBUTION,
        json!({ "id": contribution, "v": 1, "input": { "role": "MODERATOR" } }),
    )
    .await;
    assert_eq!(code(&error), "CONFLICT", "{error}");
    assert_eq!(error["extensions"]["currentVersion"], 2);

    // The session still says what the first change made of it.
    let data = editor
        .ok(
            "query($id: ID!) { session(id: $id) { title version } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["session"]["title"], "Erste Fassung");
    assert_eq!(data["session"]["version"], 2);
}

#[tokio::test]
async fn contributions_take_their_event_from_the_session() {
    let app = TestApp::empty().await;
    let editor = app.editor().await;
    let event = workshop(&editor).await;
    let other = editor
        .create_event(json!({ "title": "Anderes", "startsAtLocal": "2022-05-01T10:00:00" }))
        .await;
    let other = text(&other["id"]);
    let panel = session(
        &editor,
        &event,
        "2022-03-26T10:00:00",
        "2022-03-26T11:00:00",
    )
    .await;
    let panel = text(&panel["id"]);
    let erika = insert_person(&app, "Erika Muster", false).await;
    let max = insert_person(&app, "Max Beispiel", false).await;
    let bbsr = insert_organisation(&app, "BBSR", OrganisationKind::FederalAuthority).await;

    let first = editor.ok(CREATE_CONTRIBUTION,
        json!({ "input": { "session": panel, "person": erika, "organisation": bbsr, "role": "SPEAKER", "affiliation": " Bürgermeisterin " } }),
    )
    .await;
    let first = &first["createContribution"];
    assert_eq!(first["event"]["id"], event.as_str());
    assert_eq!(first["session"]["id"], panel.as_str());
    assert_eq!(first["position"], 1);
    assert_eq!(first["affiliation"], "Bürgermeisterin");
    let second = editor.ok(CREATE_CONTRIBUTION,
        json!({ "input": { "session": panel, "event": event, "person": max, "role": "MODERATOR" } }),
    )
    .await;
    assert_eq!(second["createContribution"]["position"], 2);
    let whole_event = editor
        .ok(
            CREATE_CONTRIBUTION,
            json!({ "input": { "event": event, "organisation": bbsr, "role": "HOST" } }),
        )
        .await;
    let whole_event = &whole_event["createContribution"];
    assert_eq!(whole_event["session"], Value::Null);
    assert_eq!(whole_event["position"], 1);

    let cases = [
        (
            json!({ "session": panel, "event": other, "person": erika, "role": "SPEAKER" }),
            "event",
        ),
        (json!({ "person": erika, "role": "SPEAKER" }), "event"),
        (json!({ "session": panel, "role": "SPEAKER" }), "person"),
        (
            json!({ "session": panel, "person": ids::encode("Person", 999), "role": "SPEAKER" }),
            "person",
        ),
        (
            json!({ "session": panel, "person": erika, "role": "SPEAKER", "position": -1 }),
            "position",
        ),
        (
            json!({ "session": ids::encode("Event", 1), "person": erika, "role": "SPEAKER" }),
            "session",
        ),
    ];
    for (input, field) in cases {
        let error = fails(&editor, CREATE_CONTRIBUTION, json!({ "input": input })).await;
        assert_bad_field(&error, field);
    }

    // Without the person, the organisation remains; without both, nothing would.
    let id = text(&first["id"]);
    let data = editor
        .ok(
            UPDATE_CONTRIBUTION,
            json!({ "id": id, "v": 1, "input": { "person": null } }),
        )
        .await;
    assert_eq!(data["updateContribution"]["person"], Value::Null);
    assert_eq!(data["updateContribution"]["organisation"]["name"], "BBSR");
    let error = fails(
        &editor,
        UPDATE_CONTRIBUTION,
        json!({ "id": id, "v": 2, "input": { "organisation": null } }),
    )
    .await;
    assert_bad_field(&error, "person");
    // Moving it to the event as a whole puts it after the event's other contributions.
    let data = editor
        .ok(
            UPDATE_CONTRIBUTION,
            json!({ "id": id, "v": 2, "input": { "session": null } }),
        )
        .await;
    assert_eq!(data["updateContribution"]["session"], Value::Null);
    assert_eq!(data["updateContribution"]["event"]["id"], event.as_str());
    assert_eq!(data["updateContribution"]["position"], 2);
}

#[tokio::test]
async fn deleting_a_session_deletes_its_contributions_in_one_transaction() {
    let app = TestApp::empty().await;
    let editor = app.editor().await;
    let event = workshop(&editor).await;
    let panel = session(
        &editor,
        &event,
        "2022-03-26T10:00:00",
        "2022-03-26T11:00:00",
    )
    .await;
    let panel_id = text(&panel["id"]);
    let erika = insert_person(&app, "Erika Muster", false).await;
    let max = insert_person(&app, "Max Beispiel", false).await;
    let mut contributions = Vec::new();
    for person in [&erika, &max] {
        let data = editor
            .ok(
                CREATE_CONTRIBUTION,
                json!({ "input": { "session": panel_id, "person": person, "role": "PANELIST" } }),
            )
            .await;
        contributions.push(text(&data["createContribution"]["id"]));
    }
    editor
        .ok(
            CREATE_CONTRIBUTION,
            json!({ "input": { "event": event, "person": erika, "role": "HOST" } }),
        )
        .await;
    let document = editor
        .ok(
            "mutation($s: ID!) { createDocument(input: { kind: PRESENTATION, title: \"Folien\", session: $s }) { id event { id } session { id } } }",
            json!({ "s": panel_id }),
        )
        .await;
    assert_eq!(document["createDocument"]["event"]["id"], event.as_str());
    let document = text(&document["createDocument"]["id"]);

    editor
        .ok(DELETE_SESSION, json!({ "id": panel_id, "v": 1 }))
        .await;
    let data = editor.ok("query($e: ID!, $ids: [ID!]!, $d: ID!) {
           event(id: $e) { sessions { totalCount } contributions { totalCount nodes { role } } }
           nodes(ids: $ids) { id }
           document(id: $d) { title session { id } event { id } }
         }",
        json!({ "e": event, "ids": [panel_id, contributions[0], contributions[1]], "d": document }),
    )
    .await;
    assert_eq!(data["event"]["sessions"]["totalCount"], 0);
    assert_eq!(data["event"]["contributions"]["totalCount"], 1);
    assert_eq!(data["event"]["contributions"]["nodes"][0]["role"], "HOST");
    assert_eq!(data["nodes"], json!([null, null, null]));
    assert_eq!(data["document"]["session"], Value::Null);
    assert_eq!(data["document"]["event"]["id"], event.as_str());

    // Every removal is in the log: the session, each of its contributions, the detached document.
    let deletions = audit(&editor, json!({ "action": "DELETE" })).await;
    let mut deleted: Vec<String> = deletions.iter().map(|e| text(&e["entity"])).collect();
    deleted.sort();
    let mut expected = vec![
        panel_id.clone(),
        contributions[0].clone(),
        contributions[1].clone(),
    ];
    expected.sort();
    assert_eq!(deleted, expected);
    let detached = audit(&editor, json!({ "entityId": document, "action": "UPDATE" })).await;
    assert_eq!(detached.len(), 1);
    assert_eq!(
        detached[0]["changes"]["session_id"]["after"],
        Value::Null,
        "{}",
        detached[0]
    );

    // A missing session cannot be deleted twice.
    let error = fails(&editor, DELETE_SESSION, json!({ "id": panel_id, "v": 1 })).await;
    assert_eq!(code(&error), "NOT_FOUND", "{error}");
}

#[tokio::test]
async fn event_organisers_are_added_once_and_removed_by_version() {
    let app = TestApp::empty().await;
    let editor = app.editor().await;
    let event = workshop(&editor).await;
    let bbsr = insert_organisation(&app, "BBSR", OrganisationKind::FederalAuthority).await;
    const ADD: &str = "mutation($e: ID!, $o: ID!, $r: OrganiserRole!) {
        addEventOrganiser(event: $e, organisation: $o, role: $r) {
          id version role event { id } organisation { name }
        }
      }";
    const REMOVE: &str = "mutation($id: ID!, $v: Int!) { removeEventOrganiser(id: $id, expectedVersion: $v) { id } }";
    let added = editor
        .ok(ADD, json!({ "e": event, "o": bbsr, "r": "ORGANISER" }))
        .await;
    let added = &added["addEventOrganiser"];
    assert_eq!(added["role"], "ORGANISER");
    assert_eq!(added["version"], 1);
    assert_eq!(added["event"]["id"], event.as_str());
    assert_eq!(added["organisation"]["name"], "BBSR");
    let error = fails(
        &editor,
        ADD,
        json!({ "e": event, "o": bbsr, "r": "ORGANISER" }),
    )
    .await;
    assert_eq!(code(&error), "CONFLICT", "{error}");
    editor
        .ok(ADD, json!({ "e": event, "o": bbsr, "r": "SUPPORTER" }))
        .await;
    let error = fails(
        &editor,
        ADD,
        json!({ "e": event, "o": ids::encode("Organisation", 999), "r": "SUPPORTER" }),
    )
    .await;
    assert_bad_field(&error, "organisation");

    let data = editor
        .ok(
            "query($e: ID!) { event(id: $e) { organisers { edges { id version role node { name } } } } }",
            json!({ "e": event }),
        )
        .await;
    let edges = data["event"]["organisers"]["edges"]
        .as_array()
        .cloned()
        .unwrap();
    assert_eq!(edges.len(), 2);
    assert_eq!(edges[0]["id"], added["id"]);
    assert_eq!(edges[0]["role"], "ORGANISER");

    let error = fails(&editor, REMOVE, json!({ "id": added["id"], "v": 2 })).await;
    assert_eq!(code(&error), "CONFLICT", "{error}");
    assert_eq!(error["extensions"]["currentVersion"], 1);
    editor
        .ok(
            REMOVE,
            json!({ "id": added["id"], "v": version(&added["version"]) }),
        )
        .await;
    let data = editor
        .ok(
            "query($e: ID!) { event(id: $e) { organisers { edges { role } } } }",
            json!({ "e": event }),
        )
        .await;
    assert_eq!(
        data["event"]["organisers"]["edges"],
        json!([{ "role": "SUPPORTER" }])
    );
}

#[tokio::test]
async fn registrations_are_private() {
    let app = TestApp::empty().await;
    let editor = app.editor().await;
    let event = workshop(&editor).await;
    editor.publish_event(&event).await;
    // A person with a public profile: anyone may read them, but not their registrations.
    let person = insert_person(&app, "Erika Muster", true).await;
    const CREATE: &str = "mutation($input: CreateRegistrationInput!) {
        createRegistration(input: $input) {
          id version status registeredAt note event { id } person { name }
        }
      }";
    let created = editor
        .ok(
            CREATE,
            json!({ "input": {
                "event": event, "person": person, "status": "REGISTERED",
                "registeredAt": "2022-02-01T12:00:00Z", "note": "vegetarisch"
            }}),
        )
        .await;
    let registration = created["createRegistration"].clone();
    assert_eq!(registration["status"], "REGISTERED");
    assert_eq!(registration["note"], "vegetarisch");
    assert_eq!(registration["person"]["name"], "Erika Muster");
    let error = fails(
        &editor,
        CREATE,
        json!({ "input": { "event": event, "person": person } }),
    )
    .await;
    assert_eq!(code(&error), "CONFLICT", "{error}");
    let error = fails(
        &editor,
        CREATE,
        json!({ "input": { "event": event, "person": ids::encode("Person", 999) } }),
    )
    .await;
    assert_bad_field(&error, "person");

    const READ: &str = "query($e: ID!, $p: ID!) {
        event(id: $e) { title registrations { totalCount nodes { status note person { name } } } }
        person(id: $p) { name registrations { totalCount nodes { status event { id } } } }
      }";
    let anonymous = app.query(READ, json!({ "e": event, "p": person })).await;
    assert_eq!(
        anonymous["event"]["title"],
        "Werkstatt Kleinstadtentwicklung"
    );
    assert_eq!(anonymous["event"]["registrations"], Value::Null);
    assert_eq!(anonymous["person"]["name"], "Erika Muster");
    assert_eq!(anonymous["person"]["registrations"], Value::Null);
    let staff = editor.ok(READ, json!({ "e": event, "p": person })).await;
    assert_eq!(staff["event"]["registrations"]["totalCount"], 1);
    assert_eq!(
        staff["event"]["registrations"]["nodes"][0]["note"],
        "vegetarisch"
    );
    assert_eq!(staff["person"]["registrations"]["totalCount"], 1);
    assert_eq!(
        staff["person"]["registrations"]["nodes"][0]["event"]["id"],
        event.as_str()
    );

    let updated = editor.ok("mutation($id: ID!, $v: Int!) {
           updateRegistration(id: $id, expectedVersion: $v, input: { status: ATTENDED, note: null }) { status note version }
         }",
        json!({ "id": registration["id"], "v": 1 }),
    )
    .await;
    assert_eq!(updated["updateRegistration"]["status"], "ATTENDED");
    assert_eq!(updated["updateRegistration"]["note"], Value::Null);

    // The log records that the registration changed, never what it says.
    let entries = audit(&editor, json!({ "entityId": registration["id"] })).await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["action"], "UPDATE");
    assert_eq!(
        entries[0]["changes"]["status"],
        json!({ "before": "***", "after": "***" })
    );
    assert_eq!(
        entries[0]["changes"]["note"],
        json!({ "before": "***", "after": null })
    );
    assert_eq!(entries[1]["action"], "CREATE");
    assert_eq!(entries[1]["changes"]["status"]["after"], "***");
    assert_eq!(entries[1]["changes"]["note"]["after"], "***");
    assert_eq!(entries[1]["changes"]["registered_at"]["after"], "***");
    let serialised = serde_json::to_string(&entries).unwrap();
    assert!(!serialised.contains("vegetarisch"), "{serialised}");

    editor
        .ok(
            "mutation($id: ID!) { deleteRegistration(id: $id, expectedVersion: 2) { id } }",
            json!({ "id": registration["id"] }),
        )
        .await;
    let staff = editor.ok(READ, json!({ "e": event, "p": person })).await;
    assert_eq!(staff["event"]["registrations"]["totalCount"], 0);
}

const CREATE_DOCUMENT: &str = r#"
mutation($input: CreateDocumentInput!) {
  createDocument(input: $input) {
    id version title kind year publishedOn url isbn language event { id } session { id } publisher { name }
  }
}"#;

#[tokio::test]
async fn documents_validate_their_fields_and_keep_their_authors() {
    let app = TestApp::empty().await;
    let editor = app.editor().await;
    let event = workshop(&editor).await;
    let panel = session(
        &editor,
        &event,
        "2022-03-26T10:00:00",
        "2022-03-26T11:00:00",
    )
    .await;
    let panel = text(&panel["id"]);
    let bbsr = insert_organisation(&app, "BBSR", OrganisationKind::FederalAuthority).await;
    let erika = insert_person(&app, "Erika Muster", false).await;
    let max = insert_person(&app, "Max Beispiel", false).await;

    let cases = [
        (json!({ "publishedOn": "2021-13" }), "publishedOn"),
        (json!({ "url": "ftp://example.org/bericht.pdf" }), "url"),
        (json!({ "isbn": "978-3-87994-123-3" }), "isbn"),
        (json!({ "language": "deutsch" }), "language"),
        (json!({ "year": 2020, "publishedOn": "2021-05" }), "year"),
        (json!({ "year": 21 }), "year"),
        (json!({ "title": "" }), "title"),
        (
            json!({ "publisher": ids::encode("Organisation", 999) }),
            "publisher",
        ),
    ];
    for (input, field) in cases {
        let mut full = json!({ "kind": "REPORT", "title": "Bericht" });
        full.as_object_mut()
            .unwrap()
            .extend(input.as_object().unwrap().clone());
        let error = fails(&editor, CREATE_DOCUMENT, json!({ "input": full })).await;
        assert_bad_field(&error, field);
    }

    let created = editor
        .ok(
            CREATE_DOCUMENT,
            json!({ "input": {
                "kind": "PRESENTATION", "title": "Kleinstädte im Wandel", "publishedOn": "2022-03",
                "url": "https://www.bbsr.bund.de/folien.pdf", "isbn": "978-3-16-148410-0",
                "language": "DE", "publisher": bbsr, "session": panel,
            }}),
        )
        .await;
    let document = created["createDocument"].clone();
    assert_eq!(document["year"], 2022);
    assert_eq!(document["language"], "de");
    assert_eq!(document["event"]["id"], event.as_str());
    assert_eq!(document["publisher"]["name"], "BBSR");
    let id = text(&document["id"]);

    const ADD: &str = "mutation($d: ID!, $p: ID!) { addDocumentAuthor(document: $d, person: $p) { id version position person { name } document { id } } }";
    let first = editor.ok(ADD, json!({ "d": id, "p": erika })).await;
    assert_eq!(first["addDocumentAuthor"]["position"], 1);
    assert_eq!(first["addDocumentAuthor"]["document"]["id"], id.as_str());
    let second = editor.ok(ADD, json!({ "d": id, "p": max })).await;
    assert_eq!(second["addDocumentAuthor"]["position"], 2);
    let error = fails(&editor, ADD, json!({ "d": id, "p": erika })).await;
    assert_eq!(code(&error), "CONFLICT", "{error}");

    const AUTHORS: &str = "query($d: ID!) { document(id: $d) { version authors { edges { id version position node { name } } } } }";
    let data = editor.ok(AUTHORS, json!({ "d": id })).await;
    let edges = data["document"]["authors"]["edges"].clone();
    assert_eq!(edges[0]["node"]["name"], "Erika Muster");
    assert_eq!(edges[1]["id"], second["addDocumentAuthor"]["id"]);
    editor
        .ok(
            "mutation($id: ID!, $v: Int!) { removeDocumentAuthor(id: $id, expectedVersion: $v) { id } }",
            json!({ "id": edges[1]["id"], "v": edges[1]["version"] }),
        )
        .await;
    let data = editor.ok(AUTHORS, json!({ "d": id })).await;
    assert_eq!(
        data["document"]["authors"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    const UPDATE: &str = "mutation($id: ID!, $v: Int!, $input: UpdateDocumentInput!) { updateDocument(id: $id, expectedVersion: $v, input: $input) { version title year publishedOn session { id } event { id } url } }";
    let error = fails(
        &editor,
        UPDATE,
        json!({ "id": id, "v": 1, "input": { "event": null } }),
    )
    .await;
    assert_bad_field(&error, "event");
    let updated = editor.ok(UPDATE,
        json!({ "id": id, "v": 1, "input": { "title": "Kleinstädte im Wandel (Folien)", "publishedOn": "2023", "url": null, "session": null } }),
    )
    .await;
    let updated = &updated["updateDocument"];
    assert_eq!(updated["year"], 2023);
    assert_eq!(updated["url"], Value::Null);
    assert_eq!(updated["session"], Value::Null);
    assert_eq!(updated["event"]["id"], event.as_str());
    let error = fails(
        &editor,
        UPDATE,
        json!({ "id": id, "v": 1, "input": { "title": "Zu spät" } }),
    )
    .await;
    assert_eq!(code(&error), "CONFLICT", "{error}");
    assert_eq!(error["extensions"]["currentVersion"], 2);

    editor
        .ok(
            "mutation($id: ID!) { deleteDocument(id: $id, expectedVersion: 2) { id } }",
            json!({ "id": id }),
        )
        .await;
    let removed = audit(
        &editor,
        json!({ "entityType": "DocumentAuthor", "action": "DELETE" }),
    )
    .await;
    assert_eq!(removed.len(), 2, "both removals are logged: {removed:?}");
    let data = editor
        .ok(
            "query($d: ID!) { document(id: $d) { id } }",
            json!({ "d": id }),
        )
        .await;
    assert_eq!(data["document"], Value::Null);
}

#[tokio::test]
async fn board_memberships_need_a_board_and_an_ordered_period() {
    let app = TestApp::empty().await;
    let editor = app.editor().await;
    let board = insert_organisation(&app, "Beirat", OrganisationKind::AdvisoryBoard).await;
    let agency = insert_organisation(&app, "Agentur", OrganisationKind::Agency).await;
    let person = insert_person(&app, "Erika Muster", false).await;
    const CREATE: &str = "mutation($input: CreateBoardMembershipInput!) { createBoardMembership(input: $input) { id version role from until note board { name } person { name } } }";
    let cases = [
        (
            json!({ "board": agency, "person": person, "role": "MEMBER" }),
            "board",
        ),
        (
            json!({ "board": board, "person": person, "role": "MEMBER", "from": "2021-05", "until": "2020" }),
            "until",
        ),
        (
            json!({ "board": board, "person": person, "role": "MEMBER", "from": "2021-5" }),
            "from",
        ),
        (
            json!({ "board": board, "person": ids::encode("Person", 999), "role": "MEMBER" }),
            "person",
        ),
    ];
    for (input, field) in cases {
        let error = fails(&editor, CREATE, json!({ "input": input })).await;
        assert_bad_field(&error, field);
    }
    let created = editor.ok(CREATE,
        json!({ "input": { "board": board, "person": person, "role": "MEMBER", "from": "2021-05", "until": "2023", "note": "berufen 2021" } }),
    )
    .await;
    let membership = created["createBoardMembership"].clone();
    assert_eq!(membership["board"]["name"], "Beirat");
    assert_eq!(membership["until"], "2023");
    let id = text(&membership["id"]);

    const UPDATE: &str = "mutation($id: ID!, $v: Int!, $input: UpdateBoardMembershipInput!) { updateBoardMembership(id: $id, expectedVersion: $v, input: $input) { version role until } }";
    let error = fails(
        &editor,
        UPDATE,
        json!({ "id": id, "v": 1, "input": { "until": "2021-04-30" } }),
    )
    .await;
    assert_bad_field(&error, "until");
    let updated = editor
        .ok(
            UPDATE,
            json!({ "id": id, "v": 1, "input": { "role": "CHAIR", "until": null } }),
        )
        .await;
    assert_eq!(updated["updateBoardMembership"]["role"], "CHAIR");
    assert_eq!(updated["updateBoardMembership"]["until"], Value::Null);

    const HISTORY: &str = "query($p: ID!) { person(id: $p) { boardMemberships { nodes { role history { totalCount nodes { action actorEmail changes } } } } } }";
    let data = editor.ok(HISTORY, json!({ "p": person })).await;
    let history = &data["person"]["boardMemberships"]["nodes"][0]["history"];
    assert_eq!(history["totalCount"], 2);
    assert_eq!(history["nodes"][0]["action"], "UPDATE");
    assert_eq!(history["nodes"][0]["actorEmail"], "editor@bbsr.example");
    assert_eq!(
        history["nodes"][0]["changes"]["role"],
        json!({ "before": "MEMBER", "after": "CHAIR" })
    );
    assert_eq!(
        history["nodes"][0]["changes"]["until_date"],
        json!({ "before": "2023", "after": null })
    );
    assert_eq!(history["nodes"][1]["action"], "CREATE");
    let anonymous = app.query(HISTORY, json!({ "p": person })).await;
    assert_eq!(
        anonymous["person"]["boardMemberships"]["nodes"][0]["history"],
        Value::Null
    );

    editor
        .ok(
            "mutation($id: ID!) { deleteBoardMembership(id: $id, expectedVersion: 2) { id } }",
            json!({ "id": id }),
        )
        .await;
    let data = editor.ok(HISTORY, json!({ "p": person })).await;
    assert_eq!(data["person"]["boardMemberships"]["nodes"], json!([]));
}

#[tokio::test]
async fn the_audit_log_is_for_staff_newest_first_with_before_and_after() {
    let app = TestApp::empty().await;
    let editor = app.editor().await;
    let admin = app.admin().await;
    let event = workshop(&editor).await;
    admin.publish_event(&event).await;
    let created = session(
        &editor,
        &event,
        "2022-03-26T10:00:00",
        "2022-03-26T11:00:00",
    )
    .await;
    let id = text(&created["id"]);
    editor
        .ok(
            UPDATE_SESSION,
            json!({ "id": id, "v": 1, "input": { "title": "Begrüßung" } }),
        )
        .await;

    // Anonymous callers get neither the log nor any record's history.
    let error = fails(&app.anonymous(), AUDIT_LOG, json!({})).await;
    assert_eq!(code(&error), "UNAUTHENTICATED", "{error}");
    const HISTORY: &str = "query($e: ID!) { event(id: $e) { history { totalCount nodes { action } } sessions { nodes { history { totalCount nodes { action changes } } contributions { nodes { history { totalCount } } } } } } }";
    let anonymous = app.query(HISTORY, json!({ "e": event })).await;
    assert_eq!(anonymous["event"]["history"], Value::Null);
    assert_eq!(
        anonymous["event"]["sessions"]["nodes"][0]["history"],
        Value::Null
    );
    let staff = editor.ok(HISTORY, json!({ "e": event })).await;
    assert_eq!(
        staff["event"]["history"]["nodes"],
        json!([{ "action": "PUBLISH" }, { "action": "CREATE" }])
    );
    let session_history = &staff["event"]["sessions"]["nodes"][0]["history"];
    assert_eq!(session_history["totalCount"], 2);
    assert_eq!(
        session_history["nodes"][0]["changes"]["title"],
        json!({ "before": "Podium", "after": "Begrüßung" })
    );

    editor.ok(DELETE_SESSION, json!({ "id": id, "v": 2 })).await;

    let entries = audit(&admin, json!({ "entityId": id })).await;
    let actions: Vec<String> = entries.iter().map(|e| text(&e["action"])).collect();
    assert_eq!(actions, ["DELETE", "UPDATE", "CREATE"]);
    for entry in &entries {
        assert_eq!(entry["entityType"], "Session");
        assert_eq!(entry["entity"], id.as_str());
        assert_eq!(entry["actorEmail"], "editor@bbsr.example");
    }
    assert_eq!(entries[2]["changes"]["title"]["before"], Value::Null);
    assert_eq!(entries[2]["changes"]["title"]["after"], "Podium");
    assert_eq!(entries[0]["changes"]["title"]["before"], "Begrüßung");
    assert_eq!(entries[0]["changes"]["title"]["after"], Value::Null);
    let times: Vec<String> = entries.iter().map(|e| text(&e["at"])).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");

    let by_admin = audit(&editor, json!({ "actor": "ADMIN@bbsr.example" })).await;
    assert_eq!(by_admin.len(), 1);
    assert_eq!(by_admin[0]["action"], "PUBLISH");
    let updates = audit(
        &editor,
        json!({ "entityType": "Session", "action": "UPDATE" }),
    )
    .await;
    assert_eq!(updates.len(), 1);
    let everything = audit(&editor, json!({ "from": "2000-01-01T00:00:00Z" })).await;
    assert_eq!(everything.len(), 5);
    let nothing = audit(&editor, json!({ "to": "2000-01-01T00:00:00Z" })).await;
    assert!(nothing.is_empty());

    let error = fails(
        &editor,
        AUDIT_LOG,
        json!({ "filter": { "from": "2022-01-02T00:00:00Z", "to": "2022-01-01T00:00:00Z" } }),
    )
    .await;
    assert_bad_field(&error, "filter.from");
    let error = fails(
        &editor,
        AUDIT_LOG,
        json!({ "filter": { "entityType": "Event", "entityId": id } }),
    )
    .await;
    assert_bad_field(&error, "filter.entityId");
    let error = fails(&editor, AUDIT_LOG, json!({ "filter": {}, "first": 101 })).await;
    assert_bad_field(&error, "first");

    // There is no way to change or remove an entry.
    let error = fails(
        &admin,
        "mutation { deleteAuditEntry(id: \"x\") { id } }",
        json!({}),
    )
    .await;
    assert_eq!(code(&error), "BAD_USER_INPUT", "{error}");
}
