//! Import of a data bundle (`kleinstadt import-bundle`): what it loads is readable through the real
//! router, and a bundle with any problem writes nothing.

use crate::support::TestApp;
use kleinstadt::service::bundle::{Bundle, BundleReport, import_bundle, parse};
use serde_json::{Value, json};

/// Two towns, two organisations, three people, a model project, one event with two sessions.
const BUNDLE: &str = r#"{
  "format": "kleinstadt-bundle/1",
  "source": "test bundle",
  "towns": [
    {"key": "wittenberge", "geonames_id": 2807344, "name": "Wittenberge", "state": "Brandenburg",
     "population": 17000, "latitude": 53.00543, "longitude": 11.75032},
    {"key": "perleberg", "geonames_id": 2855047, "name": "Perleberg", "state": "Brandenburg",
     "population": 12000, "latitude": 53.07583, "longitude": 11.86028}
  ],
  "organisations": [
    {"key": "stadt-w", "name": "Stadt Wittenberge", "short_name": "SW", "kind": "OTHER", "town": "wittenberge"},
    {"key": "inst", "name": "Institut für Kleinstadtforschung", "kind": "RESEARCH_INSTITUTE"}
  ],
  "people": [
    {"key": "person-1", "name": "Erika Muster", "academic_title": "Dr.", "organisation": "inst"},
    {"key": "person-2", "name": "Max Beispiel", "organisation": "stadt-w", "town": "wittenberge"},
    {"key": "person-3", "name": "Lena Probe"}
  ],
  "model_projects": [
    {"key": "mv-prignitz", "title": "Modellvorhaben Prignitz", "topic": "Innenstadt",
     "lead_town": "wittenberge",
     "towns": [{"town": "wittenberge", "role": "LEAD"}, {"town": "perleberg", "role": "MEMBER"}],
     "partners": [{"organisation": "inst", "role": "SCIENTIFIC_ACCOMPANIMENT"}]}
  ],
  "events": [
    {"key": "werkstatt", "title": "Werkstatt Innenstadt", "format": "HYBRID",
     "starts_at": "2026-03-05T08:00:00Z", "ends_at": "2026-03-05T15:00:00Z",
     "town": "wittenberge", "model_project": "mv-prignitz",
     "organisers": [{"organisation": "stadt-w", "role": "ORGANISER"}]}
  ],
  "sessions": [
    {"key": "s2", "event": "werkstatt", "title": "Podium", "kind": "PANEL",
     "starts_at": "2026-03-05T10:00:00Z", "ends_at": "2026-03-05T11:00:00Z"},
    {"key": "s1", "event": "werkstatt", "title": "Begrüßung", "kind": "WELCOME",
     "starts_at": "2026-03-05T08:00:00Z"}
  ],
  "contributions": [
    {"key": "s1-c1", "session": "s1", "person": "person-2", "organisation": "stadt-w", "role": "HOST"},
    {"key": "s2-c1", "session": "s2", "person": "person-1", "organisation": "inst", "role": "PANELIST"},
    {"key": "s2-c2", "session": "s2", "person": "person-3", "role": "MODERATOR"}
  ]
}"#;

fn bundle(json: &str) -> Bundle {
    parse(json.as_bytes()).unwrap()
}

const PROGRAMME: &str = r#"{
  events(filter: { text: "Werkstatt" }, first: 5) {
    nodes {
      title format published startsAtLocal
      town { name }
      modelProject { title }
      organisers(first: 5) { edges { role node { name } } }
      sessions(first: 10) {
        nodes {
          title kind startsAtLocal
          contributions(first: 5) { nodes { role person { name organisation { shortName } } organisation { name } } }
        }
      }
    }
  }
}"#;

const COUNTS: &str = "{ towns { totalCount } organisations { totalCount } people { totalCount } \
                      modelProjects { totalCount } events { totalCount } sessions { totalCount } }";

async fn counts(app: &TestApp) -> Value {
    let data = app.query(COUNTS, json!({})).await;
    json!([
        data["towns"]["totalCount"],
        data["organisations"]["totalCount"],
        data["people"]["totalCount"],
        data["modelProjects"]["totalCount"],
        data["events"]["totalCount"],
        data["sessions"]["totalCount"],
    ])
}

#[tokio::test]
async fn a_bundle_loads_with_its_programme_and_network() {
    let app = TestApp::empty().await;
    let report = import_bundle(app.db(), &bundle(BUNDLE)).await.unwrap();
    assert_eq!(
        report,
        BundleReport {
            towns_created: 2,
            towns_updated: 0,
            towns_unchanged: 0,
            organisations: 2,
            people: 3,
            model_projects: 1,
            model_project_towns: 2,
            model_project_partners: 1,
            events: 1,
            event_organisers: 1,
            sessions: 2,
            contributions: 3,
            elapsed_ms: report.elapsed_ms,
        }
    );

    let data = app.query(PROGRAMME, json!({})).await;
    assert_eq!(
        data["events"]["nodes"],
        json!([{
            "title": "Werkstatt Innenstadt",
            "format": "HYBRID",
            "published": true,
            "startsAtLocal": "2026-03-05T09:00:00+01:00",
            "town": { "name": "Wittenberge" },
            "modelProject": { "title": "Modellvorhaben Prignitz" },
            "organisers": { "edges": [{ "role": "ORGANISER", "node": { "name": "Stadt Wittenberge" } }] },
            "sessions": { "nodes": [
                {
                    "title": "Begrüßung", "kind": "WELCOME", "startsAtLocal": "2026-03-05T09:00:00+01:00",
                    "contributions": { "nodes": [
                        { "role": "HOST", "person": { "name": "Max Beispiel", "organisation": { "shortName": "SW" } },
                          "organisation": { "name": "Stadt Wittenberge" } }
                    ] }
                },
                {
                    "title": "Podium", "kind": "PANEL", "startsAtLocal": "2026-03-05T11:00:00+01:00",
                    "contributions": { "nodes": [
                        { "role": "PANELIST", "person": { "name": "Erika Muster", "organisation": { "shortName": null } },
                          "organisation": { "name": "Institut für Kleinstadtforschung" } },
                        { "role": "MODERATOR", "person": { "name": "Lena Probe", "organisation": null },
                          "organisation": null }
                    ] }
                }
            ] }
        }])
    );

    let data = app
        .query(
            "{ modelProjects(first: 5) { nodes { title leadTown { name } \
               towns(first: 10) { edges { role node { name population state { code } } } } \
               partners(first: 5) { edges { role node { name } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["modelProjects"]["nodes"],
        json!([{
            "title": "Modellvorhaben Prignitz",
            "leadTown": { "name": "Wittenberge" },
            "towns": { "edges": [
                { "role": "LEAD", "node": { "name": "Wittenberge", "population": 17000, "state": { "code": "BB" } } },
                { "role": "MEMBER", "node": { "name": "Perleberg", "population": 12000, "state": { "code": "BB" } } }
            ] },
            "partners": { "edges": [
                { "role": "SCIENTIFIC_ACCOMPANIMENT", "node": { "name": "Institut für Kleinstadtforschung" } }
            ] }
        }])
    );
}

#[tokio::test]
async fn a_bundle_with_an_unknown_reference_writes_nothing() {
    let app = TestApp::empty().await;
    let empty = counts(&app).await;
    assert_eq!(empty, json!([0, 0, 0, 0, 0, 0]));

    let broken = BUNDLE.replace(
        r#""session": "s2", "person": "person-3""#,
        r#""session": "s2", "person": "person-9""#,
    );
    assert_ne!(broken, BUNDLE);
    let error = match import_bundle(app.db(), &bundle(&broken)).await {
        Ok(report) => panic!("imported despite an unknown person: {report:?}"),
        Err(error) => error.to_string(),
    };
    assert!(
        error.contains("contribution `s2-c2`: `person` names no person with key `person-9`"),
        "{error}"
    );
    assert_eq!(counts(&app).await, empty, "nothing may be written");

    // A problem found in the database phase (an unknown state) also writes nothing.
    let broken = BUNDLE.replace(r#""state": "Brandenburg""#, r#""state": "Prignitz""#);
    let error = match import_bundle(app.db(), &bundle(&broken)).await {
        Ok(report) => panic!("imported despite an unknown state: {report:?}"),
        Err(error) => error.to_string(),
    };
    assert!(error.contains("unknown state \"Prignitz\""), "{error}");
    assert_eq!(counts(&app).await, empty, "nothing may be written");

    // The intact bundle loads once; loading it again is refused and changes nothing.
    import_bundle(app.db(), &bundle(BUNDLE)).await.unwrap();
    let loaded = counts(&app).await;
    assert_eq!(loaded, json!([2, 2, 3, 1, 1, 2]));
    let error = match import_bundle(app.db(), &bundle(BUNDLE)).await {
        Ok(report) => panic!("imported twice: {report:?}"),
        Err(error) => error.to_string(),
    };
    assert!(
        error.contains("event `werkstatt` is already in the database"),
        "{error}"
    );
    assert_eq!(counts(&app).await, loaded);
}
