//! A small network with hand-countable facts, for statistics, graph, search and export tests.
//!
//! Towns (state, population, district):
//! - Aheim (Sachsen, 6,000, Kreis A), Bdorf (Sachsen, 12,000, Kreis A), Cstadt (Sachsen, 3,000, Kreis B),
//!   Münnerstadt (Bayern, 7,500, Bad Kissingen), Estadt (Bayern, 15,000), Gdorf (Bayern, 8,000),
//!   Fburg (Thüringen, 25,000).
//!
//! Model projects: "Innenstädte beleben" (call 2019, topic Innenstadt: Aheim lead, Bdorf, Münnerstadt;
//! partner Agentur Stadtraum) and "Digitale Dörfer" (call 2020, topic Digitalisierung: Bdorf lead,
//! Estadt, Fburg; partner Institut für Landforschung).
//!
//! Organisations: Agentur Stadtraum (AGENCY, in Aheim), Institut für Landforschung
//! (RESEARCH_INSTITUTE), Bundesministerium für Kleinstädte (FEDERAL_MINISTRY).
//!
//! People: Anna Arendt (Agentur Stadtraum) and Bernd Berg (Institut) appear in published
//! programmes; Carla Conrad (Institut) only in the draft; Dieter Dorn nowhere (private).
//!
//! Events: "Werkstatt Innenstadt" (2022, IN_PERSON, SCHEDULED, in Aheim, of the first project,
//! organised by the Agentur) with a WELCOME (Anna speaker, the ministry speaker) and a PANEL
//! (Anna and Bernd panelists); "Digitaltag" (2023, DIGITAL, CANCELLED, of the second project,
//! organised by the Institut) with a TALK (Bernd speaker); and the draft "Geheime Runde"
//! (2023, HYBRID, organised by the ministry) with a TALK (Carla speaker).

use std::collections::HashMap;

use chrono::Utc;
use entity::{event, model_project, person, project_call, town};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::TestApp;

/// Row ids of the fixture by name.
pub struct Network {
    pub towns: HashMap<&'static str, i32>,
    pub projects: HashMap<&'static str, i32>,
    pub people: HashMap<&'static str, i32>,
    pub organisations: HashMap<&'static str, i32>,
    pub events: HashMap<&'static str, i32>,
}

const TOWNS: [(&str, i64, &str, i64, Option<&str>); 7] = [
    ("Aheim", 9_900_001, "Sachsen", 6_000, Some("Kreis A")),
    ("Bdorf", 9_900_002, "Sachsen", 12_000, Some("Kreis A")),
    ("Cstadt", 9_900_003, "Sachsen", 3_000, Some("Kreis B")),
    (
        "Münnerstadt",
        9_900_004,
        "Bayern",
        7_500,
        Some("Bad Kissingen"),
    ),
    ("Estadt", 9_900_005, "Bayern", 15_000, None),
    ("Gdorf", 9_900_007, "Bayern", 8_000, None),
    ("Fburg", 9_900_006, "Thüringen", 25_000, None),
];

fn bundle() -> serde_json::Value {
    let towns: Vec<_> = TOWNS
        .iter()
        .map(|(name, geonames, state, population, _)| {
            json!({ "key": name, "geonames_id": geonames, "name": name, "state": state,
                    "population": population, "latitude": 50.0, "longitude": 10.0 })
        })
        .collect();
    json!({
        "format": "kleinstadt-bundle/1",
        "source": "test fixture",
        "towns": towns,
        "organisations": [
            { "key": "agentur", "name": "Agentur Stadtraum", "kind": "AGENCY", "town": "Aheim" },
            { "key": "institut", "name": "Institut für Landforschung", "kind": "RESEARCH_INSTITUTE" },
            { "key": "ministerium", "name": "Bundesministerium für Kleinstädte", "short_name": "BMK", "kind": "FEDERAL_MINISTRY" },
        ],
        "people": [
            { "key": "anna", "name": "Anna Arendt", "position": "Projektleiterin", "organisation": "agentur" },
            { "key": "bernd", "name": "Bernd Berg", "organisation": "institut" },
            { "key": "carla", "name": "Carla Conrad", "organisation": "institut" },
            { "key": "dieter", "name": "Dieter Dorn", "town": "Aheim" },
        ],
        "model_projects": [
            { "key": "innenstaedte", "title": "Innenstädte beleben", "topic": "Innenstadt",
              "description": "Leerstand in Innenstädten gemeinsam angehen.",
              "lead_town": "Aheim",
              "towns": [{ "town": "Aheim", "role": "LEAD" }, { "town": "Bdorf", "role": "MEMBER" },
                        { "town": "Münnerstadt", "role": "MEMBER" }],
              "partners": [{ "organisation": "agentur", "role": "PROJECT_AGENCY" }] },
            { "key": "digital", "title": "Digitale Dörfer", "topic": "Digitalisierung",
              "lead_town": "Bdorf",
              "towns": [{ "town": "Bdorf", "role": "LEAD" }, { "town": "Estadt", "role": "MEMBER" },
                        { "town": "Fburg", "role": "MEMBER" }],
              "partners": [{ "organisation": "institut", "role": "SCIENTIFIC_ACCOMPANIMENT" }] },
        ],
        "events": [
            { "key": "werkstatt", "title": "Werkstatt Innenstadt", "format": "IN_PERSON",
              "starts_at": "2022-03-05T08:00:00Z", "ends_at": "2022-03-05T15:00:00Z",
              "town": "Aheim", "model_project": "innenstaedte",
              "organisers": [{ "organisation": "agentur", "role": "ORGANISER" }] },
            { "key": "digitaltag", "title": "Digitaltag", "format": "DIGITAL", "status": "CANCELLED",
              "starts_at": "2023-06-01T08:00:00Z", "model_project": "digital",
              "organisers": [{ "organisation": "institut", "role": "ORGANISER" }] },
            { "key": "geheim", "title": "Geheime Runde", "format": "HYBRID",
              "starts_at": "2023-09-01T08:00:00Z",
              "organisers": [{ "organisation": "ministerium", "role": "ORGANISER" }] },
        ],
        "sessions": [
            { "key": "s1", "event": "werkstatt", "title": "Begrüßung", "kind": "WELCOME", "starts_at": "2022-03-05T08:00:00Z" },
            { "key": "s2", "event": "werkstatt", "title": "Podium Leerstand", "kind": "PANEL", "starts_at": "2022-03-05T09:00:00Z" },
            { "key": "s3", "event": "digitaltag", "title": "Vortrag Breitband", "kind": "TALK", "starts_at": "2023-06-01T08:00:00Z" },
            { "key": "s4", "event": "geheim", "title": "Vortrag Geheimsache", "kind": "TALK", "starts_at": "2023-09-01T08:00:00Z" },
        ],
        "contributions": [
            { "key": "c1", "session": "s1", "person": "anna", "role": "SPEAKER" },
            { "key": "c2", "session": "s1", "organisation": "ministerium", "role": "SPEAKER" },
            { "key": "c3", "session": "s2", "person": "anna", "role": "PANELIST" },
            { "key": "c4", "session": "s2", "person": "bernd", "role": "PANELIST" },
            { "key": "c5", "session": "s3", "person": "bernd", "role": "SPEAKER" },
            { "key": "c6", "session": "s4", "person": "carla", "role": "SPEAKER" },
        ],
    })
}

/// Loads the fixture into an empty app: the bundle, then districts, project calls and the draft.
pub async fn load(app: &TestApp) -> Network {
    let db = app.db();
    let bundle = kleinstadt::bulk::bundle::parse(bundle().to_string().as_bytes()).expect("bundle");
    kleinstadt::bulk::bundle::import_bundle(db, &bundle)
        .await
        .expect("bundle import");
    let mut towns = HashMap::new();
    for (name, geonames, _, _, district) in TOWNS {
        let row = town::Entity::find()
            .filter(town::Column::GeonamesId.eq(geonames))
            .one(db)
            .await
            .expect("town")
            .unwrap_or_else(|| panic!("town {name} missing"));
        towns.insert(name, row.id);
        if let Some(district) = district {
            let mut active: town::ActiveModel = row.into();
            active.district = Set(Some(district.to_owned()));
            active.update(db).await.expect("district");
        }
    }
    let slug = |name: &str| Some(name.to_owned());
    let now = Utc::now();
    let mut projects = HashMap::new();
    for (key, year) in [("innenstaedte", 2019), ("digital", 2020)] {
        let call = project_call::ActiveModel {
            slug: Set(Some(format!("call-{year}"))),
            name: Set(format!("Projektaufruf {year}")),
            year: Set(year),
            sources: Set(Default::default()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("call");
        let project = model_project::Entity::find()
            .filter(model_project::Column::Slug.eq(slug(key)))
            .one(db)
            .await
            .expect("project")
            .unwrap_or_else(|| panic!("project {key} missing"));
        projects.insert(key, project.id);
        let mut active: model_project::ActiveModel = project.into();
        active.project_call_id = Set(Some(call.id));
        active.update(db).await.expect("call link");
    }
    let mut events = HashMap::new();
    for key in ["werkstatt", "digitaltag", "geheim"] {
        let found = event::Entity::find()
            .filter(event::Column::Slug.eq(slug(key)))
            .one(db)
            .await
            .expect("event")
            .unwrap_or_else(|| panic!("event {key} missing"));
        events.insert(key, found.id);
        if key == "geheim" {
            let mut active: event::ActiveModel = found.into();
            active.published = Set(false);
            active.update(db).await.expect("draft");
        }
    }
    let mut people = HashMap::new();
    for key in ["anna", "bernd", "carla", "dieter"] {
        let found = person::Entity::find()
            .filter(person::Column::Slug.eq(slug(key)))
            .one(db)
            .await
            .expect("person")
            .unwrap_or_else(|| panic!("person {key} missing"));
        people.insert(key, found.id);
    }
    let mut organisations = HashMap::new();
    for key in ["agentur", "institut", "ministerium"] {
        let found = entity::organisation::Entity::find()
            .filter(entity::organisation::Column::Slug.eq(slug(key)))
            .one(db)
            .await
            .expect("organisation")
            .unwrap_or_else(|| panic!("organisation {key} missing"));
        organisations.insert(key, found.id);
    }
    Network {
        towns,
        projects,
        people,
        organisations,
        events,
    }
}
