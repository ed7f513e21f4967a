//! Staff editing of the network: towns, organisations, project calls, model projects with their
//! member towns and partners. Roles, validation per rule, conflicts, consistency, audit.

use crate::support::{Client, TestApp, error_code};
use entity::audit_entry;
use entity::enums::AuditAction;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

/// Runs a request that must fail with `code` (and name `field`, when given).
async fn fails(
    client: &Client<'_>,
    query: &str,
    variables: Value,
    code: &str,
    field: Option<&str>,
) -> Value {
    let (_, body) = client.graphql(query, variables.clone()).await;
    assert_eq!(
        error_code(&body),
        Some(code),
        "{query} with {variables}: {body}"
    );
    if let Some(field) = field {
        assert_eq!(
            body["errors"][0]["extensions"]["field"], field,
            "{variables}: {body}"
        );
    }
    body
}

const CREATE_TOWN: &str = "mutation($input: CreateTownInput!) { createTown(input: $input) {
    id version name municipalityKey geonamesId population latitude longitude townType townTypeOfficial website
    state { code } } }";
const UPDATE_TOWN: &str = "mutation($id: ID!, $v: Int!, $input: UpdateTownInput!) {
    updateTown(id: $id, expectedVersion: $v, input: $input) {
      id version name district municipalityKey population townType townTypeOfficial state { code } } }";
const DELETE_TOWN: &str =
    "mutation($id: ID!, $v: Int!) { deleteTown(id: $id, expectedVersion: $v) { id } }";

async fn create_town(editor: &Client<'_>, input: Value) -> Value {
    editor.ok(CREATE_TOWN, json!({ "input": input })).await["createTown"].clone()
}

async fn audit_actions(app: &TestApp, entity_type: &str) -> Vec<AuditAction> {
    audit_entry::Entity::find()
        .filter(audit_entry::Column::EntityType.eq(entity_type))
        .order_by_asc(audit_entry::Column::Id)
        .all(app.db())
        .await
        .expect("audit")
        .into_iter()
        .map(|entry| entry.action)
        .collect()
}

#[tokio::test]
async fn anonymous_callers_cannot_edit_and_editors_can() {
    let app = TestApp::empty().await;
    let any = "VG93bjox"; // Town:1
    for (query, variables) in [
        (CREATE_TOWN, json!({ "input": { "name": "Kyritz" } })),
        (
            UPDATE_TOWN,
            json!({ "id": any, "v": 1, "input": { "name": "x" } }),
        ),
        (DELETE_TOWN, json!({ "id": any, "v": 1 })),
        (
            "mutation { createOrganisation(input: { name: \"BBSR\", kind: FEDERAL_AUTHORITY }) { id } }",
            json!({}),
        ),
        (
            "mutation { createProjectCall(input: { name: \"Kleinstadtakademie\", year: 2019 }) { id } }",
            json!({}),
        ),
        (
            "mutation { createModelProject(input: { title: \"Pilotphase\" }) { id } }",
            json!({}),
        ),
        (
            "mutation($p: ID!, $t: ID!) { addModelProjectTown(modelProject: $p, town: $t, role: MEMBER) { id } }",
            json!({ "p": "TW9kZWxQcm9qZWN0OjE", "t": any }),
        ),
        (
            "mutation($p: ID!, $o: ID!) { addModelProjectPartner(modelProject: $p, organisation: $o, role: OTHER) { id } }",
            json!({ "p": "TW9kZWxQcm9qZWN0OjE", "o": "T3JnYW5pc2F0aW9uOjE" }),
        ),
        (
            "mutation { createPerson(input: { name: \"Erika Muster\" }) { id } }",
            json!({}),
        ),
    ] {
        fails(&app.anonymous(), query, variables, "UNAUTHENTICATED", None).await;
    }
    assert!(audit_actions(&app, "Town").await.is_empty());

    let editor = app.editor().await;
    let town = create_town(&editor, json!({ "name": "Kyritz", "state": "BB" })).await;
    let organisation = editor
        .ok(
            "mutation($town: ID) { createOrganisation(input: { name: \"Stadtverwaltung Kyritz\", kind: OTHER, town: $town }) { id version town { name } } }",
            json!({ "town": town["id"] }),
        )
        .await["createOrganisation"]
            .clone();
    assert_eq!(organisation["town"]["name"], "Kyritz");
    let call = editor
        .ok(
            "mutation { createProjectCall(input: { name: \"Kleinstadtakademie\", year: 2019 }) { id } }",
            json!({}),
        )
        .await;
    let project = editor
        .ok(
            "mutation($call: ID) { createModelProject(input: { title: \"Pilotphase\", projectCall: $call }) { id projectCall { name } } }",
            json!({ "call": call["createProjectCall"]["id"] }),
        )
        .await;
    assert_eq!(
        project["createModelProject"]["projectCall"]["name"],
        "Kleinstadtakademie"
    );
    let member = editor
        .ok(
            "mutation($p: ID!, $t: ID!) { addModelProjectTown(modelProject: $p, town: $t, role: MEMBER) { role town { name } } }",
            json!({ "p": project["createModelProject"]["id"], "t": town["id"] }),
        )
        .await;
    assert_eq!(member["addModelProjectTown"]["town"]["name"], "Kyritz");
    let partner = editor
        .ok(
            "mutation($p: ID!, $o: ID!) { addModelProjectPartner(modelProject: $p, organisation: $o, role: LOCAL_SUPPORT) { role organisation { name } } }",
            json!({ "p": project["createModelProject"]["id"], "o": organisation["id"] }),
        )
        .await;
    assert_eq!(partner["addModelProjectPartner"]["role"], "LOCAL_SUPPORT");
    assert_eq!(audit_actions(&app, "Town").await, vec![AuditAction::Create]);
    assert_eq!(
        audit_actions(&app, "ModelProjectTown").await,
        vec![AuditAction::Create]
    );
    assert_eq!(
        audit_actions(&app, "ModelProjectPartner").await,
        vec![AuditAction::Create]
    );
}

#[tokio::test]
async fn town_fields_are_validated_one_rule_at_a_time() {
    let app = TestApp::empty().await;
    let editor = app.editor().await;
    let long = "x".repeat(201);
    for (input, field) in [
        (json!({ "name": "  " }), "name"),
        (json!({ "name": long }), "name"),
        (
            json!({ "name": "Kyritz", "municipalityKey": "1206813" }),
            "municipalityKey",
        ),
        (
            json!({ "name": "Kyritz", "municipalityKey": "120681x2" }),
            "municipalityKey",
        ),
        (
            json!({ "name": "Kyritz", "state": "SN", "municipalityKey": "12068181" }),
            "municipalityKey",
        ),
        (
            json!({ "name": "Kyritz", "municipalityKey": "99068181" }),
            "municipalityKey",
        ),
        (json!({ "name": "Kyritz", "population": -1 }), "population"),
        (
            json!({ "name": "Kyritz", "latitude": 90.5, "longitude": 12.0 }),
            "latitude",
        ),
        (
            json!({ "name": "Kyritz", "latitude": 52.9, "longitude": -180.5 }),
            "longitude",
        ),
        (json!({ "name": "Kyritz", "latitude": 52.9 }), "longitude"),
        (json!({ "name": "Kyritz", "geonamesId": 0 }), "geonamesId"),
        (
            json!({ "name": "Kyritz", "website": "www.kyritz.de" }),
            "website",
        ),
        (
            json!({ "name": "Kyritz", "website": "javascript:alert(1)" }),
            "website",
        ),
        (
            json!({ "name": "Kyritz", "sources": ["not a url"] }),
            "sources",
        ),
    ] {
        fails(
            &editor,
            CREATE_TOWN,
            json!({ "input": input }),
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }
    assert!(
        audit_actions(&app, "Town").await.is_empty(),
        "nothing was written"
    );

    // The state follows from the key; key and state must agree on update too.
    let town = create_town(&editor, json!({ "name": " Kyritz ", "municipalityKey": "12068264", "population": 9000,
                "latitude": 52.94, "longitude": 12.4, "website": "https://www.kyritz.de", "geonamesId": 2882439 }),
    )
    .await;
    assert_eq!(town["name"], "Kyritz");
    assert_eq!(town["state"]["code"], "BB");
    fails(
        &editor,
        UPDATE_TOWN,
        json!({ "id": town["id"], "v": 1, "input": { "state": "SN" } }),
        "BAD_USER_INPUT",
        Some("municipalityKey"),
    )
    .await;
    fails(
        &editor,
        UPDATE_TOWN,
        json!({ "id": town["id"], "v": 1, "input": { "population": -5 } }),
        "BAD_USER_INPUT",
        Some("population"),
    )
    .await;
    // A partial update keeps the rest; null clears.
    let updated = editor.ok(UPDATE_TOWN,
        json!({ "id": town["id"], "v": 1, "input": { "district": "Ostprignitz-Ruppin", "municipalityKey": null } }),
    )
    .await["updateTown"]
        .clone();
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["district"], "Ostprignitz-Ruppin");
    assert!(updated["municipalityKey"].is_null());
    assert_eq!(updated["state"]["code"], "BB", "the state stays");
    assert_eq!(updated["population"], 9000);
}

#[tokio::test]
async fn town_type_is_official_when_set_and_derived_when_cleared() {
    let app = TestApp::empty().await;
    let editor = app.editor().await;
    let town = create_town(
        &editor,
        json!({ "name": "Wittenberge", "state": "BB", "population": 8000 }),
    )
    .await;
    assert_eq!(town["townType"], "SMALLER_SMALL_TOWN");
    assert_eq!(town["townTypeOfficial"], false);
    let id = town["id"].clone();
    let set = editor
        .ok(
            UPDATE_TOWN,
            json!({ "id": id, "v": 1, "input": { "townType": "LARGER_SMALL_TOWN" } }),
        )
        .await;
    assert_eq!(set["updateTown"]["townType"], "LARGER_SMALL_TOWN");
    assert_eq!(set["updateTown"]["townTypeOfficial"], true);
    let grown = editor
        .ok(
            UPDATE_TOWN,
            json!({ "id": id, "v": 2, "input": { "population": 30000 } }),
        )
        .await;
    assert_eq!(
        grown["updateTown"]["townType"], "LARGER_SMALL_TOWN",
        "an official type stays"
    );
    let cleared = editor
        .ok(
            UPDATE_TOWN,
            json!({ "id": id, "v": 3, "input": { "townType": null } }),
        )
        .await;
    assert_eq!(
        cleared["updateTown"]["townType"], "MEDIUM_TOWN",
        "derived from population again"
    );
    assert_eq!(cleared["updateTown"]["townTypeOfficial"], false);
    let shrunk = editor
        .ok(
            UPDATE_TOWN,
            json!({ "id": id, "v": 4, "input": { "population": 4000 } }),
        )
        .await;
    assert_eq!(shrunk["updateTown"]["townType"], "RURAL_MUNICIPALITY");
}

#[tokio::test]
async fn duplicate_keys_and_stale_versions_conflict() {
    let app = TestApp::empty().await;
    let editor = app.editor().await;
    let first = create_town(
        &editor,
        json!({ "name": "Kyritz", "municipalityKey": "12068264", "geonamesId": 2882439 }),
    )
    .await;
    let body = fails(
        &editor,
        CREATE_TOWN,
        json!({ "input": { "name": "Kyritz II", "municipalityKey": "12068264" } }),
        "CONFLICT",
        None,
    )
    .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("municipalityKey"),
        "{body}"
    );
    fails(
        &editor,
        CREATE_TOWN,
        json!({ "input": { "name": "Kyritz III", "geonamesId": 2882439 } }),
        "CONFLICT",
        None,
    )
    .await;
    let second = create_town(
        &editor,
        json!({ "name": "Pritzwalk", "municipalityKey": "12070316" }),
    )
    .await;
    fails(
        &editor,
        UPDATE_TOWN,
        json!({ "id": second["id"], "v": 1, "input": { "municipalityKey": "12068264" } }),
        "CONFLICT",
        None,
    )
    .await;

    // Two editors start from version 1: the second change is refused and learns the current version.
    editor
        .ok(
            UPDATE_TOWN,
            json!({ "id": first["id"], "v": 1, "input": { "population": 9000 } }),
        )
        .await;
    let body = fails(
        &editor,
        UPDATE_TOWN,
        json!({ "id": first["id"], "v": 1, "input": { "population": 9100 } }),
        "CONFLICT",
        None,
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["currentVersion"], 2);
    fails(
        &editor,
        DELETE_TOWN,
        json!({ "id": first["id"], "v": 1 }),
        "CONFLICT",
        None,
    )
    .await;
    editor
        .ok(DELETE_TOWN, json!({ "id": first["id"], "v": 2 }))
        .await;
    let data = app
        .query(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": first["id"] }),
        )
        .await;
    assert!(data["node"].is_null());
    assert_eq!(
        audit_actions(&app, "Town").await,
        vec![
            AuditAction::Create,
            AuditAction::Create,
            AuditAction::Update,
            AuditAction::Delete
        ]
    );
}

#[tokio::test]
async fn organisations_are_validated_and_partially_updated() {
    let app = TestApp::empty().await;
    let editor = app.editor().await;
    let create = "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id version name shortName kind website address } }";
    let base = json!({ "name": "Bundesinstitut für Bau-, Stadt- und Raumforschung", "kind": "FEDERAL_AUTHORITY" });
    for (patch, field) in [
        (json!({ "name": "" }), "name"),
        (json!({ "name": "x".repeat(301) }), "name"),
        (json!({ "shortName": "x".repeat(101) }), "shortName"),
        (json!({ "website": "bbsr.bund.de" }), "website"),
        (json!({ "address": "x".repeat(501) }), "address"),
        (json!({ "town": "VG93bjo5OTk5" }), "town"),
        (json!({ "town": "RXZlbnQ6MQ" }), "town"),
    ] {
        let mut input = base.clone();
        input
            .as_object_mut()
            .unwrap()
            .extend(patch.as_object().unwrap().clone());
        fails(
            &editor,
            create,
            json!({ "input": input }),
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }
    let mut input = base.clone();
    let fields = input.as_object_mut().unwrap();
    fields.insert("shortName".into(), json!("BBSR"));
    fields.insert("website".into(), json!("https://www.bbsr.bund.de"));
    let created = editor.ok(create, json!({ "input": input })).await["createOrganisation"].clone();
    assert_eq!(created["shortName"], "BBSR");
    let update = "mutation($id: ID!, $v: Int!, $input: UpdateOrganisationInput!) {
        updateOrganisation(id: $id, expectedVersion: $v, input: $input) { version name shortName kind website } }";
    let updated = editor
        .ok(
            update, json!({ "id": created["id"], "v": 1, "input": { "shortName": null, "kind": "RESEARCH_INSTITUTE" } })).await;
    assert_eq!(updated["updateOrganisation"]["shortName"], Value::Null);
    assert_eq!(updated["updateOrganisation"]["kind"], "RESEARCH_INSTITUTE");
    assert_eq!(
        updated["updateOrganisation"]["website"],
        "https://www.bbsr.bund.de/"
    );
    fails(
        &editor,
        update,
        json!({ "id": created["id"], "v": 1, "input": { "name": "BBSR" } }),
        "CONFLICT",
        None,
    )
    .await;
    editor
        .ok(
            "mutation($id: ID!) { deleteOrganisation(id: $id, expectedVersion: 2) { id } }",
            json!({ "id": created["id"] }),
        )
        .await;
    assert_eq!(
        audit_actions(&app, "Organisation").await,
        vec![
            AuditAction::Create,
            AuditAction::Update,
            AuditAction::Delete
        ]
    );
}

#[tokio::test]
async fn project_calls_and_model_projects_check_dates() {
    let app = TestApp::empty().await;
    let editor = app.editor().await;
    let create_call = "mutation($input: CreateProjectCallInput!) { createProjectCall(input: $input) { id version name year openedOn deadlineOn } }";
    for (input, field) in [
        (json!({ "name": "Aufruf", "year": 1799 }), "year"),
        (json!({ "name": "", "year": 2019 }), "name"),
        (
            json!({ "name": "Aufruf", "year": 2019, "openedOn": "2019-13" }),
            "openedOn",
        ),
        (
            json!({ "name": "Aufruf", "year": 2019, "openedOn": "Sept. 2019" }),
            "openedOn",
        ),
        (
            json!({ "name": "Aufruf", "year": 2019, "deadlineOn": "2019-02-30" }),
            "deadlineOn",
        ),
        (
            json!({ "name": "Aufruf", "year": 2019, "openedOn": "2019-09", "deadlineOn": "2019-08-31" }),
            "deadlineOn",
        ),
    ] {
        fails(
            &editor,
            create_call,
            json!({ "input": input }),
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }
    let call = editor.ok(create_call,
        json!({ "input": { "name": "Kleinstadtakademie", "year": 2019, "openedOn": "2019-09", "deadlineOn": "2019" } }),
    )
    .await["createProjectCall"]
        .clone();
    assert_eq!(call["deadlineOn"], "2019");
    let updated = editor
        .ok(
            "mutation($id: ID!) { updateProjectCall(id: $id, expectedVersion: 1, input: { deadlineOn: \"2019-11-15\", description: \"Pilotphase\" }) { version deadlineOn openedOn } }",
            json!({ "id": call["id"] }),
        )
        .await;
    assert_eq!(updated["updateProjectCall"]["openedOn"], "2019-09");
    assert_eq!(updated["updateProjectCall"]["deadlineOn"], "2019-11-15");

    let create_project = "mutation($input: CreateModelProjectInput!) { createModelProject(input: $input) { id version periodStart periodEnd } }";
    for (input, field) in [
        (json!({ "title": "" }), "title"),
        (
            json!({ "title": "t", "shortTitle": "x".repeat(201) }),
            "shortTitle",
        ),
        (
            json!({ "title": "t", "periodStart": "2020-1" }),
            "periodStart",
        ),
        (
            json!({ "title": "t", "periodStart": "2020-06", "periodEnd": "2020-05-31" }),
            "periodEnd",
        ),
        (
            json!({ "title": "t", "projectCall": "UHJvamVjdENhbGw6OTk" }),
            "projectCall",
        ),
        (
            json!({ "title": "t", "leadTown": "VG93bjo5OTk5" }),
            "leadTown",
        ),
    ] {
        fails(
            &editor,
            create_project,
            json!({ "input": input }),
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }
    let project = editor.ok(create_project,
        json!({ "input": { "title": "Stadt trifft Land", "periodStart": "2020-06", "periodEnd": "2023" } }),
    )
    .await["createModelProject"]
        .clone();
    fails(
        &editor,
        "mutation($id: ID!) { updateModelProject(id: $id, expectedVersion: 1, input: { periodEnd: \"2019\" }) { id } }",
        json!({ "id": project["id"] }),
        "BAD_USER_INPUT",
        Some("periodEnd"),
    )
    .await;
    // A call with projects cannot go; once the project leaves the call, it can.
    let linked = editor
        .ok(
            "mutation($id: ID!, $call: ID) { updateModelProject(id: $id, expectedVersion: 1, input: { projectCall: $call }) { version } }",
            json!({ "id": project["id"], "call": call["id"] }),
        )
        .await;
    assert_eq!(linked["updateModelProject"]["version"], 2);
    let delete_call =
        "mutation($id: ID!, $v: Int!) { deleteProjectCall(id: $id, expectedVersion: $v) { id } }";
    fails(
        &editor,
        delete_call,
        json!({ "id": call["id"], "v": 2 }),
        "CONFLICT",
        None,
    )
    .await;
    editor
        .ok(
            "mutation($id: ID!) { updateModelProject(id: $id, expectedVersion: 2, input: { projectCall: null }) { version } }",
            json!({ "id": project["id"] }),
        )
        .await;
    editor
        .ok(delete_call, json!({ "id": call["id"], "v": 2 }))
        .await;
}

const PROJECT_TOWNS: &str = "query($id: ID!) { modelProject(id: $id) { version leadTown { name }
    memberships { nodes { id version role position town { name } } }
    partnerships { nodes { id version role organisation { name } } } } }";

async fn project_state(editor: &Client<'_>, id: &Value) -> Value {
    editor.ok(PROJECT_TOWNS, json!({ "id": id })).await["modelProject"].clone()
}

fn roles(project: &Value) -> Vec<(String, String)> {
    project["memberships"]["nodes"]
        .as_array()
        .cloned()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["town"]["name"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn membership_of<'a>(project: &'a Value, town: &str) -> &'a Value {
    project["memberships"]["nodes"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|m| m["town"]["name"] == town))
        .unwrap_or_else(|| panic!("{town} is no member: {project}"))
}

#[tokio::test]
async fn one_lead_town_and_lead_town_follow_each_other() {
    let app = TestApp::empty().await;
    let editor = app.editor().await;
    let kyritz = create_town(&editor, json!({ "name": "Kyritz", "state": "BB" })).await;
    let pritzwalk = create_town(&editor, json!({ "name": "Pritzwalk", "state": "BB" })).await;
    let wittstock = create_town(&editor, json!({ "name": "Wittstock", "state": "BB" })).await;
    let project = editor
        .ok(
            "mutation($lead: ID) { createModelProject(input: { title: \"Prignitz\", leadTown: $lead }) { id leadTown { name } } }",
            json!({ "lead": kyritz["id"] }),
        )
        .await["createModelProject"]
            .clone();
    let id = project["id"].clone();
    let state = project_state(&editor, &id).await;
    assert_eq!(state["leadTown"]["name"], "Kyritz");
    assert_eq!(roles(&state), vec![("Kyritz".into(), "LEAD".into())]);

    let add = "mutation($p: ID!, $t: ID!, $role: MemberRole!) { addModelProjectTown(modelProject: $p, town: $t, role: $role) { id role position } }";
    fails(
        &editor,
        add,
        json!({ "p": id, "t": pritzwalk["id"], "role": "LEAD" }),
        "BAD_USER_INPUT",
        Some("role"),
    )
    .await;
    let added = editor
        .ok(
            add,
            json!({ "p": id, "t": pritzwalk["id"], "role": "MEMBER" }),
        )
        .await;
    assert_eq!(added["addModelProjectTown"]["position"], 1);
    fails(
        &editor,
        add,
        json!({ "p": id, "t": pritzwalk["id"], "role": "MEMBER" }),
        "CONFLICT",
        None,
    )
    .await;
    let state = project_state(&editor, &id).await;
    let member = membership_of(&state, "Pritzwalk").clone();
    let update_member = "mutation($id: ID!, $v: Int!, $role: MemberRole, $position: Int) {
        updateModelProjectTown(id: $id, expectedVersion: $v, role: $role, position: $position) { version role position } }";
    fails(
        &editor,
        update_member,
        json!({ "id": member["id"], "v": 1, "role": "LEAD" }),
        "BAD_USER_INPUT",
        Some("role"),
    )
    .await;
    fails(
        &editor,
        update_member,
        json!({ "id": member["id"], "v": 1, "position": -1 }),
        "BAD_USER_INPUT",
        Some("position"),
    )
    .await;

    // A new lead town through the project: the former lead stays a member, in one change.
    let version = state["version"].clone();
    editor
        .ok(
            "mutation($id: ID!, $v: Int!, $lead: ID) { updateModelProject(id: $id, expectedVersion: $v, input: { leadTown: $lead }) { id } }",
            json!({ "id": id, "v": version, "lead": wittstock["id"] }),
        )
        .await;
    let state = project_state(&editor, &id).await;
    assert_eq!(state["leadTown"]["name"], "Wittstock");
    assert_eq!(
        roles(&state),
        vec![
            ("Kyritz".into(), "MEMBER".into()),
            ("Pritzwalk".into(), "MEMBER".into()),
            ("Wittstock".into(), "LEAD".into())
        ]
    );

    // Demoting the lead membership clears the project's lead town; promoting another sets it.
    let lead = membership_of(&state, "Wittstock").clone();
    editor
        .ok(
            update_member,
            json!({ "id": lead["id"], "v": lead["version"], "role": "MEMBER" }),
        )
        .await;
    let state = project_state(&editor, &id).await;
    assert!(state["leadTown"].is_null(), "{state}");
    let member = membership_of(&state, "Pritzwalk").clone();
    editor
        .ok(
            update_member,
            json!({ "id": member["id"], "v": member["version"], "role": "LEAD", "position": 0 }),
        )
        .await;
    let state = project_state(&editor, &id).await;
    assert_eq!(state["leadTown"]["name"], "Pritzwalk");
    assert_eq!(membership_of(&state, "Pritzwalk")["role"], "LEAD");
    assert_eq!(membership_of(&state, "Pritzwalk")["position"], 0);

    // A member town cannot be deleted; removing the lead membership clears the lead town.
    let remove = "mutation($id: ID!, $v: Int!) { removeModelProjectTown(id: $id, expectedVersion: $v) { id } }";
    let body = fails(
        &editor,
        DELETE_TOWN,
        json!({ "id": pritzwalk["id"], "v": 1 }),
        "CONFLICT",
        None,
    )
    .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("member"),
        "{body}"
    );
    let lead = membership_of(&state, "Pritzwalk").clone();
    fails(
        &editor,
        remove,
        json!({ "id": lead["id"], "v": 1 }),
        "CONFLICT",
        None,
    )
    .await;
    editor
        .ok(remove, json!({ "id": lead["id"], "v": lead["version"] }))
        .await;
    let state = project_state(&editor, &id).await;
    assert!(state["leadTown"].is_null());
    assert_eq!(roles(&state).len(), 2);
    editor
        .ok(DELETE_TOWN, json!({ "id": pritzwalk["id"], "v": 1 }))
        .await;
}

#[tokio::test]
async fn partners_and_deleting_a_project_with_its_memberships() {
    let app = TestApp::empty().await;
    let editor = app.editor().await;
    let town = create_town(&editor, json!({ "name": "Hann. Münden", "state": "NI" })).await;
    let agency = editor
        .ok(
            "mutation { createOrganisation(input: { name: \"Projektagentur\", kind: AGENCY }) { id } }",
            json!({}),
        )
        .await["createOrganisation"]
            .clone();
    let project = editor
        .ok(
            "mutation($lead: ID) { createModelProject(input: { title: \"Innenstadt\", leadTown: $lead }) { id version } }",
            json!({ "lead": town["id"] }),
        )
        .await["createModelProject"]
            .clone();
    let add = "mutation($p: ID!, $o: ID!, $role: PartnerRole!) { addModelProjectPartner(modelProject: $p, organisation: $o, role: $role) { id version role } }";
    let partner = editor
        .ok(
            add,
            json!({ "p": project["id"], "o": agency["id"], "role": "PROJECT_AGENCY" }),
        )
        .await["addModelProjectPartner"]
        .clone();
    fails(
        &editor,
        add,
        json!({ "p": project["id"], "o": agency["id"], "role": "PROJECT_AGENCY" }),
        "CONFLICT",
        None,
    )
    .await;
    fails(
        &editor,
        add,
        json!({ "p": project["id"], "o": "T3JnYW5pc2F0aW9uOjk5", "role": "OTHER" }),
        "BAD_USER_INPUT",
        Some("organisation"),
    )
    .await;
    editor
        .ok(
            add,
            json!({ "p": project["id"], "o": agency["id"], "role": "OTHER" }),
        )
        .await;
    let state = project_state(&editor, &project["id"]).await;
    assert_eq!(
        state["partnerships"]["nodes"].as_array().map(Vec::len),
        Some(2)
    );
    let data = app
        .query(
            "query($id: ID!) { node(id: $id) { __typename ... on ModelProjectPartner { role } } }",
            json!({ "id": partner["id"] }),
        )
        .await;
    assert_eq!(data["node"]["role"], "PROJECT_AGENCY");
    let remove = "mutation($id: ID!, $v: Int!) { removeModelProjectPartner(id: $id, expectedVersion: $v) { id } }";
    fails(
        &editor,
        remove,
        json!({ "id": partner["id"], "v": 7 }),
        "CONFLICT",
        None,
    )
    .await;
    editor
        .ok(remove, json!({ "id": partner["id"], "v": 1 }))
        .await;

    // The organisation is still a partner; the town still the lead member.
    fails(
        &editor,
        "mutation($id: ID!) { deleteOrganisation(id: $id, expectedVersion: 1) { id } }",
        json!({ "id": agency["id"] }),
        "CONFLICT",
        None,
    )
    .await;
    fails(
        &editor,
        DELETE_TOWN,
        json!({ "id": town["id"], "v": 1 }),
        "CONFLICT",
        None,
    )
    .await;
    editor
        .ok(
            "mutation($id: ID!, $v: Int!) { deleteModelProject(id: $id, expectedVersion: $v) { id } }",
            json!({ "id": project["id"], "v": state["version"] }),
        )
        .await;
    editor
        .ok(DELETE_TOWN, json!({ "id": town["id"], "v": 1 }))
        .await;
    editor
        .ok(
            "mutation($id: ID!) { deleteOrganisation(id: $id, expectedVersion: 1) { id } }",
            json!({ "id": agency["id"] }),
        )
        .await;
    assert_eq!(
        audit_actions(&app, "ModelProjectTown").await,
        vec![AuditAction::Create, AuditAction::Delete],
        "the lead membership came and went with the project"
    );
    assert_eq!(
        audit_actions(&app, "ModelProjectPartner").await,
        vec![
            AuditAction::Create,
            AuditAction::Create,
            AuditAction::Delete,
            AuditAction::Delete
        ]
    );
}
