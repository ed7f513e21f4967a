//! Factories for the records tests make again and again: events, sessions and people through the
//! router (as a staff client), and rows stored directly where their editing is not under test.

use chrono::Utc;
use entity::Sources;
use entity::enums::OrganisationKind;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use serde_json::{Value, json};

use super::Client;

const CREATE_EVENT: &str = "mutation($input: CreateEventInput!) { createEvent(input: $input) { id version published title } }";
const PUBLISH_EVENT: &str = "mutation($id: ID!, $v: Int!) { publishEvent(id: $id, expectedVersion: $v) { id version published } }";
const CREATE_SESSION: &str =
    "mutation($input: CreateSessionInput!) { createSession(input: $input) { id version title } }";
const CREATE_PERSON: &str = "mutation($input: CreatePersonInput!) { createPerson(input: $input) { id version name email phone } }";

impl Client<'_> {
    /// Creates an event (a draft) from `input`; returns its `id version published title`.
    pub async fn create_event(&self, input: Value) -> Value {
        self.ok(CREATE_EVENT, json!({ "input": input })).await["createEvent"].clone()
    }

    /// Publishes the event `id`, at whatever version it has; returns its `id version published`.
    pub async fn publish_event(&self, id: &str) -> Value {
        let data = self
            .ok(
                "query($id: ID!) { event(id: $id) { version } }",
                json!({ "id": id }),
            )
            .await;
        let version = &data["event"]["version"];
        assert!(version.is_i64(), "no event {id}: {data}");
        self.ok(PUBLISH_EVENT, json!({ "id": id, "v": version }))
            .await["publishEvent"]
            .clone()
    }

    /// Creates a session from `input`; returns its `id version title`.
    pub async fn create_session(&self, input: Value) -> Value {
        self.ok(CREATE_SESSION, json!({ "input": input })).await["createSession"].clone()
    }

    /// Creates a person from `input`; returns their `id version name email phone`.
    pub async fn create_person(&self, input: Value) -> Value {
        self.ok(CREATE_PERSON, json!({ "input": input })).await["createPerson"].clone()
    }
}

/// Stores a person named `name`, with consent to publication when `consent`.
pub async fn insert_person(
    db: &DatabaseConnection,
    name: &str,
    consent: bool,
) -> entity::person::Model {
    let now = Utc::now();
    entity::person::ActiveModel {
        name: Set(name.to_owned()),
        consent_given_at: Set(consent.then_some(now)),
        sources: Set(Sources::default()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("cannot insert person")
}

/// Stores an organisation named `name` of `kind`.
pub async fn insert_organisation(
    db: &DatabaseConnection,
    name: &str,
    kind: OrganisationKind,
) -> entity::organisation::Model {
    let now = Utc::now();
    entity::organisation::ActiveModel {
        name: Set(name.to_owned()),
        kind: Set(kind),
        sources: Set(Sources::default()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("cannot insert organisation")
}
