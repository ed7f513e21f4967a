//! People's privacy through the router: private fields, filters, consent, export and erasure.

use crate::support::{Client, TestApp, error_code};
use chrono::Utc;
use entity::enums::{AuditAction, ContributionRole, RegistrationStatus, StaffRole};
use entity::{audit_entry, contribution, registration};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};

/// Runs a request that must fail with `code`; returns the response.
async fn fails(client: &Client<'_>, query: &str, variables: Value, code: &str) -> Value {
    let (_, body) = client.graphql(query, variables.clone()).await;
    assert_eq!(
        error_code(&body),
        Some(code),
        "{query} with {variables}: {body}"
    );
    body
}

const PERSON: &str = "query($id: ID!) { person(id: $id) { id version name email phone consentGivenAt consentNote biography website } }";
const CREATE_PERSON: &str = "mutation($input: CreatePersonInput!) { createPerson(input: $input) { id version name email phone } }";
const RECORD_CONSENT: &str = "mutation($id: ID!, $v: Int!, $note: String!) { recordConsent(id: $id, expectedVersion: $v, note: $note) { version consentGivenAt consentNote } }";

fn raw_id(global: &Value, type_name: &str) -> i32 {
    kleinstadt::ids::decode_as(global.as_str().unwrap(), type_name, "id")
        .unwrap_or_else(|e| panic!("{global}: {e}"))
}

/// A published event; returns its global ID.
async fn published_event(editor: &Client<'_>) -> Value {
    let event = editor
        .create_event(json!({ "title": "Kleinstadtgespräch", "startsAt": "2022-01-21T08:30:00Z" }))
        .await;
    editor.publish_event(event["id"].as_str().unwrap()).await;
    event["id"].clone()
}

/// Puts the person into the event's programme and registers them for it (stored directly: their
/// editing is not part of these tests).
async fn appear_and_register(app: &TestApp, event: &Value, person: &Value) {
    let now = Utc::now();
    let event_id = raw_id(event, "Event");
    let person_id = raw_id(&person["id"], "Person");
    contribution::ActiveModel {
        event_id: Set(event_id),
        session_id: Set(None),
        person_id: Set(Some(person_id)),
        organisation_id: Set(None),
        role: Set(ContributionRole::Speaker),
        affiliation: Set(None),
        position: Set(0),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(app.db())
    .await
    .expect("contribution");
    registration::ActiveModel {
        event_id: Set(event_id),
        person_id: Set(person_id),
        status: Set(RegistrationStatus::Registered),
        registered_at: Set(Some(now)),
        note: Set(Some("vegetarisch".into())),
        sources: Set(Default::default()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(app.db())
    .await
    .expect("registration");
}

async fn audit_about(app: &TestApp, entity_type: &str, id: i32) -> Vec<audit_entry::Model> {
    audit_entry::Entity::find()
        .filter(audit_entry::Column::EntityType.eq(entity_type))
        .filter(audit_entry::Column::EntityId.eq(id))
        .order_by_asc(audit_entry::Column::Id)
        .all(app.db())
        .await
        .expect("audit")
}

#[tokio::test]
async fn private_fields_are_null_for_anonymous_callers_and_shown_to_staff() {
    let app = TestApp::empty().await;
    let editor = app.staff("editor@example.org", StaffRole::Editor).await;
    let organisation = editor
        .ok(
            "mutation { createOrganisation(input: { name: \"Stadt Kyritz\", kind: OTHER }) { id } }",
            json!({}),
        )
        .await["createOrganisation"]["id"]
            .clone();
    let person = editor
        .create_person(
            json!({ "name": "Erika Muster", "email": " Erika.Muster@Kyritz.de ", "phone": "+49 33971 8500",
                "biography": "Bürgermeisterin seit 2018.", "website": "https://erika.example.org", "organisation": organisation }),
        )
        .await;
    assert_eq!(person["email"], "erika.muster@kyritz.de");
    let id = person["id"].clone();

    // Without consent the person is not public at all; staff see everything.
    let data = app.query(PERSON, json!({ "id": id })).await;
    assert!(data["person"].is_null());
    let data = editor.ok(PERSON, json!({ "id": id })).await;
    assert_eq!(data["person"]["phone"], "+49 33971 8500");
    assert_eq!(data["person"]["biography"], "Bürgermeisterin seit 2018.");

    let consent = editor
        .ok(
            RECORD_CONSENT,
            json!({ "id": id, "v": 1, "note": "Formular vom 2. Mai 2024" }),
        )
        .await;
    assert_eq!(
        consent["recordConsent"]["consentNote"],
        "Formular vom 2. Mai 2024"
    );
    assert!(consent["recordConsent"]["consentGivenAt"].is_string());

    let data = app.query(PERSON, json!({ "id": id })).await;
    let public = &data["person"];
    assert_eq!(public["name"], "Erika Muster");
    assert_eq!(
        public["biography"], "Bürgermeisterin seit 2018.",
        "public with consent"
    );
    for private in ["email", "phone", "consentGivenAt", "consentNote"] {
        assert!(public[private].is_null(), "{private} leaked: {public}");
    }
    // The same through relations and node(id).
    let nested = "query($org: ID!, $id: ID!) { organisation(id: $org) { people { nodes { name email phone } } }
                   node(id: $id) { ... on Person { email consentNote } } }";
    let data = app
        .query(nested, json!({ "org": organisation, "id": id }))
        .await;
    assert_eq!(
        data["organisation"]["people"]["nodes"][0]["name"],
        "Erika Muster"
    );
    assert!(data["organisation"]["people"]["nodes"][0]["email"].is_null());
    assert!(data["node"]["email"].is_null() && data["node"]["consentNote"].is_null());
    let data = editor
        .ok(nested, json!({ "org": organisation, "id": id }))
        .await;
    assert_eq!(
        data["organisation"]["people"]["nodes"][0]["email"],
        "erika.muster@kyritz.de"
    );
    assert_eq!(data["node"]["consentNote"], "Formular vom 2. Mai 2024");

    // Withdrawn consent: the profile is no longer public.
    editor
        .ok(
            "mutation($id: ID!) { withdrawConsent(id: $id, expectedVersion: 2) { version } }",
            json!({ "id": id }),
        )
        .await;
    let data = app.query(PERSON, json!({ "id": id })).await;
    assert!(data["person"].is_null());
    fails(
        &editor,
        "mutation($id: ID!) { withdrawConsent(id: $id, expectedVersion: 3) { version } }",
        json!({ "id": id }),
        "CONFLICT",
    )
    .await;

    // The audit log shows that private fields changed, never their values.
    let entries = audit_about(&app, "Person", raw_id(&id, "Person")).await;
    let log =
        serde_json::to_string(&entries.iter().map(|e| &e.changes).collect::<Vec<_>>()).unwrap();
    assert!(
        !log.contains("kyritz.de") && !log.contains("33971") && !log.contains("Formular"),
        "{log}"
    );
}

#[tokio::test]
async fn people_filters_cannot_reach_private_fields() {
    let app = TestApp::empty().await;
    let editor = app.staff("editor@example.org", StaffRole::Editor).await;
    let person = editor
        .create_person(json!({ "name": "Erika Muster", "email": "erika@kyritz.de" }))
        .await;
    editor
        .ok(
            RECORD_CONSENT,
            json!({ "id": person["id"], "v": 1, "note": "mündlich" }),
        )
        .await;
    editor
        .create_person(json!({ "name": "Max Kyritzer" }))
        .await;

    let by_email = "query($text: String!) { people(filter: { emailContains: $text }) { totalCount nodes { name email } } }";
    fails(
        &app.anonymous(),
        by_email,
        json!({ "text": "erika" }),
        "FORBIDDEN",
    )
    .await;
    let data = app
        .query(
            "{ people(filter: { nameContains: \"kyritz\" }) { totalCount nodes { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["people"]["totalCount"], 0,
        "the name filter does not look at e-mail (Max is not public)"
    );
    let data = editor.ok(by_email, json!({ "text": "KYRITZ.de" })).await;
    assert_eq!(data["people"]["totalCount"], 1);
    assert_eq!(data["people"]["nodes"][0]["email"], "erika@kyritz.de");

    // The filter offers only public fields besides the staff-only e-mail, and people have no
    // ordering by private fields.
    let data = app
        .query(
            "{ __type(name: \"PersonFilterInput\") { inputFields { name } }
               __schema { queryType { fields { name args { name } } } } }",
            json!({}),
        )
        .await;
    let mut inputs: Vec<String> = data["__type"]["inputFields"]
        .as_array()
        .cloned()
        .unwrap()
        .iter()
        .filter_map(|f| f["name"].as_str().map(str::to_owned))
        .collect();
    inputs.sort();
    assert_eq!(
        inputs,
        vec![
            "emailContains",
            "nameContains",
            "organisation",
            "role",
            "town"
        ]
    );
    let people = data["__schema"]["queryType"]["fields"]
        .as_array()
        .and_then(|fields| fields.iter().find(|f| f["name"] == "people").cloned())
        .unwrap();
    let args: Vec<&str> = people["args"]
        .as_array()
        .map(|a| a.iter().filter_map(|a| a["name"].as_str()).collect())
        .unwrap();
    assert!(!args.contains(&"orderBy"), "{args:?}");
}

#[tokio::test]
async fn person_fields_are_validated_by_field() {
    let app = TestApp::empty().await;
    let editor = app.staff("editor@example.org", StaffRole::Editor).await;
    for (input, field) in [
        (json!({ "name": "" }), "name"),
        (json!({ "name": "x".repeat(201) }), "name"),
        (
            json!({ "name": "Erika", "academicTitle": "x".repeat(51) }),
            "academicTitle",
        ),
        (
            json!({ "name": "Erika", "email": "not an address" }),
            "email",
        ),
        (json!({ "name": "Erika", "email": "erika@" }), "email"),
        (json!({ "name": "Erika", "phone": "call me" }), "phone"),
        (
            json!({ "name": "Erika", "photoUrl": "ftp://example.org/p.jpg" }),
            "photoUrl",
        ),
        (
            json!({ "name": "Erika", "website": "example.org" }),
            "website",
        ),
        (json!({ "name": "Erika", "town": "VG93bjo5OTk5" }), "town"),
    ] {
        let body = fails(
            &editor,
            CREATE_PERSON,
            json!({ "input": input }),
            "BAD_USER_INPUT",
        )
        .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let person = editor
        .create_person(json!({ "name": "Erika Muster" }))
        .await;
    let update = "mutation($id: ID!, $v: Int!, $input: UpdatePersonInput!) { updatePerson(id: $id, expectedVersion: $v, input: $input) { version email } }";
    let body = fails(
        &editor,
        update,
        json!({ "id": person["id"], "v": 1, "input": { "email": "a@@b" } }),
        "BAD_USER_INPUT",
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "email");
    let data = editor
        .ok(
            update,
            json!({ "id": person["id"], "v": 1, "input": { "email": "erika@example.org" } }),
        )
        .await;
    assert_eq!(data["updatePerson"]["email"], "erika@example.org");
    fails(
        &editor,
        update,
        json!({ "id": person["id"], "v": 1, "input": { "email": null } }),
        "CONFLICT",
    )
    .await;
    let body = fails(
        &editor,
        RECORD_CONSENT,
        json!({ "id": person["id"], "v": 2, "note": " " }),
        "BAD_USER_INPUT",
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "note");
    fails(
        &app.anonymous(),
        RECORD_CONSENT,
        json!({ "id": person["id"], "v": 2, "note": "ja" }),
        "UNAUTHENTICATED",
    )
    .await;
    fails(
        &app.anonymous(),
        update,
        json!({ "id": person["id"], "v": 2, "input": { "name": "x" } }),
        "UNAUTHENTICATED",
    )
    .await;
    fails(
        &app.anonymous(),
        "mutation($id: ID!) { deletePerson(id: $id, expectedVersion: 2) { id } }",
        json!({ "id": person["id"] }),
        "UNAUTHENTICATED",
    )
    .await;
    editor
        .ok(
            "mutation($id: ID!) { deletePerson(id: $id, expectedVersion: 2) { id } }",
            json!({ "id": person["id"] }),
        )
        .await;
}

const EXPORT: &str = "mutation($id: ID!) { exportPerson(id: $id) }";
const ERASE: &str = "mutation($id: ID!, $v: Int!) { erasePerson(id: $id, expectedVersion: $v) { id outcome registrationsDeleted } }";

#[tokio::test]
async fn export_is_for_administrators_and_holds_everything() {
    let app = TestApp::empty().await;
    let editor = app.staff("editor@example.org", StaffRole::Editor).await;
    let admin = app.staff("admin@example.org", StaffRole::Admin).await;
    let person = editor
        .create_person(
            json!({ "name": "Erika Muster", "email": "erika@kyritz.de", "phone": "033971 8500" }),
        )
        .await;
    let event = published_event(&editor).await;
    appear_and_register(&app, &event, &person).await;

    fails(
        &app.anonymous(),
        EXPORT,
        json!({ "id": person["id"] }),
        "UNAUTHENTICATED",
    )
    .await;
    fails(&editor, EXPORT, json!({ "id": person["id"] }), "FORBIDDEN").await;
    let export = admin.ok(EXPORT, json!({ "id": person["id"] })).await["exportPerson"].clone();
    assert_eq!(export["person"]["name"], "Erika Muster");
    assert_eq!(export["person"]["email"], "erika@kyritz.de");
    assert_eq!(export["person"]["phone"], "033971 8500");
    assert_eq!(export["contributions"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        export["contributions"][0]["event_id"],
        raw_id(&event, "Event")
    );
    assert_eq!(export["registrations"][0]["note"], "vegetarisch");
    assert_eq!(export["authorships"], json!([]));
    assert_eq!(export["boardMemberships"], json!([]));
    assert_eq!(export["auditEntries"][0]["action"], "CREATE");
    assert_eq!(
        export["auditEntries"][0]["actor_email"],
        "editor@example.org"
    );

    let entries = audit_about(&app, "Person", raw_id(&person["id"], "Person")).await;
    let last = entries.last().expect("no audit entries");
    assert_eq!(last.action, AuditAction::Export);
    assert_eq!(last.actor_email, "admin@example.org");
    assert_eq!(
        last.changes,
        json!({}),
        "the export entry holds no personal data"
    );
    fails(
        &admin,
        EXPORT,
        json!({ "id": "UGVyc29uOjk5OQ" }),
        "NOT_FOUND",
    )
    .await;
}

#[tokio::test]
async fn erasure_pseudonymises_a_referenced_person_everywhere() {
    let app = TestApp::empty().await;
    let editor = app.staff("editor@example.org", StaffRole::Editor).await;
    let admin = app.staff("admin@example.org", StaffRole::Admin).await;
    let person = editor
        .create_person(
            json!({ "name": "Erika Muster", "email": "erika@kyritz.de", "phone": "033971 8500",
                "biography": "Bürgermeisterin", "sources": ["https://www.kyritz.de/erika"] }),
        )
        .await;
    let id = person["id"].clone();
    editor
        .ok(
            "mutation($id: ID!) { updatePerson(id: $id, expectedVersion: 1, input: { name: \"Erika Mustermann\", position: \"Bürgermeisterin\" }) { version } }",
            json!({ "id": id }),
        )
        .await;
    editor
        .ok(
            RECORD_CONSENT,
            json!({ "id": id, "v": 2, "note": "Formular" }),
        )
        .await;
    let event = published_event(&editor).await;
    appear_and_register(&app, &event, &person).await;
    fails(
        &editor,
        "mutation($id: ID!) { deletePerson(id: $id, expectedVersion: 3) { id } }",
        json!({ "id": id }),
        "CONFLICT",
    )
    .await;
    let data = app.query("{ people { nodes { name } } }", json!({})).await;
    assert_eq!(data["people"]["nodes"][0]["name"], "Erika Mustermann");

    fails(
        &app.anonymous(),
        ERASE,
        json!({ "id": id, "v": 3 }),
        "UNAUTHENTICATED",
    )
    .await;
    fails(&editor, ERASE, json!({ "id": id, "v": 3 }), "FORBIDDEN").await;
    fails(&admin, ERASE, json!({ "id": id, "v": 2 }), "CONFLICT").await;
    let erased = admin.ok(ERASE, json!({ "id": id, "v": 3 })).await["erasePerson"].clone();
    assert_eq!(erased["outcome"], "PSEUDONYMISED");
    assert_eq!(erased["registrationsDeleted"], 1);

    // Gone from the people list, the programme and node(id), for anyone.
    let data = app.query("{ people { nodes { name } } }", json!({})).await;
    assert_eq!(
        data["people"]["nodes"],
        json!([{ "name": "Gelöschte Person" }])
    );
    let programme = "query($id: ID!) { event(id: $id) { contributions { nodes { person { name email biography } } } } }";
    let data = app.query(programme, json!({ "id": event })).await;
    assert_eq!(
        data["event"]["contributions"]["nodes"][0]["person"],
        json!({ "name": "Gelöschte Person", "email": null, "biography": null })
    );
    let node = "query($id: ID!) { node(id: $id) { ... on Person { name academicTitle position email phone biography website consentGivenAt consentNote sources } } }";
    let data = admin.ok(node, json!({ "id": id })).await;
    assert_eq!(
        data["node"],
        json!({ "name": "Gelöschte Person", "academicTitle": null, "position": null, "email": null, "phone": null,
                "biography": null, "website": null, "consentGivenAt": null, "consentNote": null, "sources": [] })
    );
    let data = admin
        .ok(
            "{ people(filter: { nameContains: \"Erika\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(data["people"]["totalCount"], 0);
    let registrations = registration::Entity::find()
        .filter(registration::Column::PersonId.eq(raw_id(&id, "Person")))
        .all(app.db())
        .await
        .unwrap();
    assert!(registrations.is_empty());

    // The log keeps that things changed, not what they were.
    let entries = audit_about(&app, "Person", raw_id(&id, "Person")).await;
    let actions: Vec<AuditAction> = entries.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        vec![
            AuditAction::Create,
            AuditAction::Update,
            AuditAction::Update,
            AuditAction::Erase
        ]
    );
    let log =
        serde_json::to_string(&entries.iter().map(|e| &e.changes).collect::<Vec<_>>()).unwrap();
    for personal in [
        "Erika",
        "Muster",
        "kyritz",
        "033971",
        "Bürgermeisterin",
        "Formular",
    ] {
        assert!(
            !log.contains(personal),
            "{personal} survived in the log: {log}"
        );
    }
    assert_eq!(
        entries[0].changes["name"],
        json!({ "before": null, "after": "***" })
    );
    let erase = entries.last().map(|e| e.changes.clone()).unwrap();
    assert_eq!(
        erase,
        json!({ "outcome": "PSEUDONYMISED", "registrationsDeleted": 1 })
    );
    let registration_log = audit_entry::Entity::find()
        .filter(audit_entry::Column::EntityType.eq("Registration"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(
        registration_log
            .iter()
            .map(|e| e.action)
            .collect::<Vec<_>>(),
        vec![AuditAction::Delete]
    );
}

#[tokio::test]
async fn erasure_deletes_an_unreferenced_person() {
    let app = TestApp::empty().await;
    let admin = app.staff("admin@example.org", StaffRole::Admin).await;
    let person = admin
        .create_person(json!({ "name": "Max Muster", "email": "max@example.org" }))
        .await;
    let event = published_event(&admin).await;
    let person_id = raw_id(&person["id"], "Person");
    let now = Utc::now();
    registration::ActiveModel {
        event_id: Set(raw_id(&event, "Event")),
        person_id: Set(person_id),
        status: Set(RegistrationStatus::Registered),
        registered_at: Set(Some(now)),
        note: Set(None),
        sources: Set(Default::default()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(app.db())
    .await
    .expect("registration");
    let erased =
        admin.ok(ERASE, json!({ "id": person["id"], "v": 1 })).await["erasePerson"].clone();
    assert_eq!(erased["outcome"], "DELETED");
    assert_eq!(erased["registrationsDeleted"], 1);
    let data = admin
        .ok(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": person["id"] }),
        )
        .await;
    assert!(data["node"].is_null());
    let entries = audit_about(&app, "Person", person_id).await;
    assert_eq!(
        entries.iter().map(|e| e.action).collect::<Vec<_>>(),
        vec![AuditAction::Create, AuditAction::Erase]
    );
    let log =
        serde_json::to_string(&entries.iter().map(|e| &e.changes).collect::<Vec<_>>()).unwrap();
    assert!(
        !log.contains("Max") && !log.contains("example.org"),
        "{log}"
    );
    fails(
        &admin,
        ERASE,
        json!({ "id": person["id"], "v": 1 }),
        "NOT_FOUND",
    )
    .await;
}
