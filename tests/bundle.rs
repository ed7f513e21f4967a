//! Import of a data bundle (`kleinstadt import-bundle`): what it loads is readable through the real
//! router, and a bundle with any problem writes nothing (checked for every part of the format).

use crate::support::TestApp;
use kleinstadt::bulk::bundle::{Bundle, BundleReport, import_bundle, parse};
use kleinstadt::error::ErrorCode;
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
            ..BundleReport::default()
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

/// Rows of every table a bundle writes, counted in the database.
async fn stored(app: &TestApp) -> Vec<u64> {
    use entity::{
        advisory_board_membership, contribution, document, document_author, event, organisation,
        person, project_call, registration, session, town,
    };
    use sea_orm::{EntityTrait, PaginatorTrait};
    let db = app.db();
    let count = |result: Result<u64, sea_orm::DbErr>| result.unwrap_or_else(|e| panic!("{e}"));
    vec![
        count(town::Entity::find().count(db).await),
        count(organisation::Entity::find().count(db).await),
        count(advisory_board_membership::Entity::find().count(db).await),
        count(project_call::Entity::find().count(db).await),
        count(person::Entity::find().count(db).await),
        count(event::Entity::find().count(db).await),
        count(registration::Entity::find().count(db).await),
        count(session::Entity::find().count(db).await),
        count(contribution::Entity::find().count(db).await),
        count(document::Entity::find().count(db).await),
        count(document_author::Entity::find().count(db).await),
    ]
}

/// [`BUNDLE`] with `change` applied to its JSON.
fn changed(change: impl FnOnce(&mut Value)) -> Bundle {
    let mut value: Value = serde_json::from_str(BUNDLE).unwrap_or_else(|e| panic!("{e}"));
    change(&mut value);
    bundle(&value.to_string())
}

/// Imports `broken` into an empty database: it must be refused as bad input, naming every
/// `expected` problem, and leave every table empty.
async fn refused(broken: &Bundle, expected: &[&str]) {
    let app = TestApp::empty().await;
    let before = stored(&app).await;
    let error = match import_bundle(app.db(), broken).await {
        Ok(report) => panic!("imported despite {expected:?}: {report:?}"),
        Err(error) => error,
    };
    assert_eq!(error.code(), ErrorCode::BadUserInput, "{error}");
    let message = error.to_string();
    for text in expected {
        assert!(message.contains(text), "missing {text:?} in {message}");
    }
    assert_eq!(stored(&app).await, before, "nothing may be written");
}

/// Imports `first`, then `second` into the same database: the second must be refused, naming
/// `expected`, and change nothing.
async fn refused_after(first: &Bundle, second: &Bundle, expected: &str) {
    let app = TestApp::empty().await;
    import_bundle(app.db(), first)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let before = stored(&app).await;
    let error = match import_bundle(app.db(), second).await {
        Ok(report) => panic!("imported despite {expected:?}: {report:?}"),
        Err(error) => error,
    };
    assert_eq!(error.code(), ErrorCode::BadUserInput, "{error}");
    assert!(error.to_string().contains(expected), "{error}");
    assert_eq!(stored(&app).await, before, "nothing may be written");
}

#[tokio::test]
async fn towns_without_geonames_and_town_details_are_checked() {
    let broken = changed(|b| {
        let towns = b["towns"].as_array_mut().unwrap_or_else(|| panic!("towns"));
        towns[0]["slug"] = json!("prignitz");
        towns[0]["sources"] = json!(["https://example.org", " "]);
        towns[1]["latitude"] = Value::Null;
        towns.push(json!({"key": "no-id", "name": "Irgendwo"}));
        towns.push(
            json!({"key": "mars", "slug": "mars", "name": "Mars", "state": "Mars",
                          "population": -4, "latitude": 1.0}),
        );
        towns.push(json!({"key": "twin", "slug": "prignitz", "name": "Zwilling"}));
    });
    refused(
        &broken,
        &[
            "town `wittenberge`: `sources` has an empty entry",
            "town `perleberg`: a GeoNames place needs `state`, `population`, `latitude` and \
             `longitude`",
            "town `no-id`: needs a `geonames_id` or a `slug`",
            "town `mars`: `latitude` and `longitude` are only read with a `geonames_id`",
            "town `mars`: unknown state \"Mars\"",
            "town `mars`: `population` -4 is not a count of inhabitants",
            "town `twin`: slug `prignitz` is also town `wittenberge`",
        ],
    )
    .await;

    // A slug that already names another town is refused; the place keeping its own slug is not.
    let first = changed(|b| b["towns"][0]["slug"] = json!("prignitz"));
    let second = bundle(
        r#"{"format": "kleinstadt-bundle/1", "source": "t",
            "towns": [{"key": "other", "slug": "prignitz", "name": "Anderswo"}]}"#,
    );
    refused_after(
        &first,
        &second,
        "town `other`: slug `prignitz` is already in the database",
    )
    .await;
}

#[tokio::test]
async fn board_members_are_checked() {
    let broken = changed(|b| {
        b["organisations"][1]["board_members"] = json!([
            {"person": "person-1", "role": "CHAIR", "from": "2021-05"},
            {"person": "person-9", "role": "PRESIDENT", "from": "spring 2021", "until": "2023-13"}
        ]);
    });
    refused(
        &broken,
        &[
            "organisation `inst`: `board_members.person` names no person with key `person-9`",
            "organisation `inst`: `board_members.role` is `PRESIDENT`, not one of",
            "organisation `inst`: `board_members.from` `spring 2021` is not a date",
            "organisation `inst`: `board_members.until` `2023-13` is not a date",
        ],
    )
    .await;
}

#[tokio::test]
async fn project_calls_are_checked() {
    let call = json!({"key": "call-2019", "name": "Projektaufruf 2019", "year": 2019,
                      "opened_on": "2019-09", "deadline_on": "2019-11-30",
                      "sources": ["https://example.org/aufruf"]});
    let broken = changed(|b| {
        b["project_calls"] = json!([
            call.clone(),
            {"key": "call-2019", "name": " ", "year": 19, "opened_on": "2019-9-1"}
        ]);
        b["model_projects"][0]["project_call"] = json!("call-2020");
    });
    refused(
        &broken,
        &[
            "project call `call-2019`: key used twice",
            "project call `call-2019`: `name` is empty",
            "project call `call-2019`: `year` 19 is not between 1900 and 2100",
            "project call `call-2019`: `opened_on` `2019-9-1` is not a date",
            "model project `mv-prignitz`: `project_call` names no project call with key \
             `call-2020`",
        ],
    )
    .await;

    let first = changed(|b| b["project_calls"] = json!([call.clone()]));
    let second = bundle(&format!(
        r#"{{"format": "kleinstadt-bundle/1", "source": "t", "project_calls": [{call}]}}"#
    ));
    refused_after(
        &first,
        &second,
        "project call `call-2019` is already in the database",
    )
    .await;
}

#[tokio::test]
async fn registrations_are_checked() {
    let broken = changed(|b| {
        b["events"][0]["registrations"] = json!([
            {"person": "person-1", "status": "ATTENDED"},
            {"person": "person-1", "status": "REGISTERED"},
            {"person": "person-7", "status": "MAYBE"}
        ]);
    });
    refused(
        &broken,
        &[
            "event `werkstatt`: person `person-1` registered twice",
            "event `werkstatt`: `registrations.person` names no person with key `person-7`",
            "event `werkstatt`: `registrations.status` is `MAYBE`, not one of",
        ],
    )
    .await;
}

#[tokio::test]
async fn session_positions_are_checked() {
    let broken = changed(|b| {
        b["sessions"][0]["position"] = json!(0);
        b["sessions"][1]["position"] = json!(0);
        b["sessions"][1]["end_inferred"] = json!(true);
        b["sessions"][1]["sources"] = json!([""]);
    });
    refused(
        &broken,
        &[
            "session `s2`: `position` must be 1 or more",
            "session `s1`: position 0 is taken by another session of event `werkstatt`",
            "session `s1`: `sources` has an empty entry",
        ],
    )
    .await;
}

#[tokio::test]
async fn event_wide_contributions_are_checked() {
    let broken = changed(|b| {
        let contributions = b["contributions"]
            .as_array_mut()
            .unwrap_or_else(|| panic!("contributions"));
        contributions[0]["event"] = json!("werkstatt");
        contributions.push(json!({"key": "none", "person": "person-1", "role": "SPEAKER"}));
        contributions.push(
            json!({"key": "far", "event": "kongress", "person": "person-1",
                                  "role": "SPEAKER"}),
        );
    });
    refused(
        &broken,
        &[
            "contribution `s1-c1`: needs a `session` or an `event`, not both",
            "contribution `none`: needs a `session` or an `event`, not both",
            "contribution `far`: `event` names no event with key `kongress`",
        ],
    )
    .await;
}

#[tokio::test]
async fn documents_are_checked() {
    let document = json!({"key": "bericht", "title": "Werkstattbericht", "kind": "REPORT",
                          "published_on": "2026-04", "year": 2026, "publisher": "inst",
                          "event": "werkstatt", "session": "s1",
                          "authors": ["person-1", "person-3"]});
    let broken = changed(|b| {
        b["events"]
            .as_array_mut()
            .unwrap_or_else(|| panic!("events"))
            .push(json!({"key": "kongress", "title": "Kongress",
                         "starts_at": "2026-05-05T08:00:00Z"}));
        b["documents"] = json!([
            document.clone(),
            {"key": "pamphlet", "title": "Flugblatt", "kind": "PAMPHLET",
             "published_on": "Mai 2026", "publisher": "verlag", "event": "kongress",
             "session": "s1", "model_project": "mv-elsewhere",
             "authors": ["person-2", "person-2", "person-8"]},
            {"key": "bericht", "title": "", "kind": "OTHER"}
        ]);
    });
    refused(
        &broken,
        &[
            "document `bericht`: key used twice",
            "document `bericht`: `title` is empty",
            "document `pamphlet`: `kind` is `PAMPHLET`, not one of",
            "document `pamphlet`: `published_on` `Mai 2026` is not a date",
            "document `pamphlet`: `publisher` names no organisation with key `verlag`",
            "document `pamphlet`: `model_project` names no model project with key `mv-elsewhere`",
            "document `pamphlet`: session `s1` is not a session of event `kongress`",
            "document `pamphlet`: author `person-2` listed twice",
            "document `pamphlet`: `authors` names no person with key `person-8`",
        ],
    )
    .await;

    let first = changed(|b| b["documents"] = json!([document.clone()]));
    let second = bundle(
        r#"{"format": "kleinstadt-bundle/1", "source": "t",
            "documents": [{"key": "bericht", "title": "Nochmal", "kind": "REPORT"}]}"#,
    );
    refused_after(
        &first,
        &second,
        "document `bericht` is already in the database",
    )
    .await;
}

#[tokio::test]
async fn the_optional_parts_load_with_their_own_sources() {
    let app = TestApp::empty().await;
    let full = changed(|b| {
        b["towns"][0]["slug"] = json!("wittenberge");
        b["towns"][0]["district"] = json!("Prignitz");
        b["towns"][0]["sources"] = json!(["https://example.org/wittenberge"]);
        b["towns"]
            .as_array_mut()
            .unwrap_or_else(|| panic!("towns"))
            .push(json!({"key": "weiler", "slug": "weiler", "name": "Weiler",
                         "population": 800}));
        b["organisations"][1]["board_members"] =
            json!([{"person": "person-1", "role": "CHAIR", "from": "2021"}]);
        b["project_calls"] = json!([{"key": "call-2019", "name": "Aufruf", "year": 2019}]);
        b["model_projects"][0]["project_call"] = json!("call-2019");
        b["events"][0]["registrations"] = json!([{"person": "person-3", "status": "ATTENDED"}]);
        b["events"][0]["sources"] = json!(["https://example.org/werkstatt"]);
        b["sessions"][1]["position"] = json!(5);
        b["contributions"]
            .as_array_mut()
            .unwrap_or_else(|| panic!("contributions"))
            .push(
                json!({"key": "e-c1", "event": "werkstatt", "person": "person-1",
                         "role": "KEYNOTE"}),
            );
        b["documents"] = json!([{"key": "bericht", "title": "Bericht", "kind": "REPORT",
                                 "session": "s2", "authors": ["person-1"]}]);
    });
    let report = import_bundle(app.db(), &full)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (
            report.towns_completed,
            report.other_towns,
            report.board_members,
            report.project_calls,
            report.registrations,
            report.contributions,
            report.documents,
            report.document_authors,
        ),
        (1, 1, 1, 1, 1, 4, 1, 1)
    );
    use entity::{document, event, session, town};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let positions: Vec<(String, i32)> = session::Entity::find()
        .order_by_asc(session::Column::Position)
        .all(app.db())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|s| (s.title, s.position))
        .collect();
    // The first session is numbered 1; the second keeps the position it gives.
    assert_eq!(
        positions,
        [("Podium".to_owned(), 1), ("Begrüßung".to_owned(), 5)]
    );
    let wittenberge = town::Entity::find()
        .filter(town::Column::Slug.eq("wittenberge"))
        .one(app.db())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no town with the slug"));
    assert_eq!(wittenberge.district.as_deref(), Some("Prignitz"));
    assert_eq!(
        wittenberge.sources.0,
        [
            "https://www.geonames.org/2807344",
            "https://example.org/wittenberge"
        ]
    );
    let werkstatt = event::Entity::find()
        .one(app.db())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no event"));
    assert_eq!(werkstatt.sources.0, ["https://example.org/werkstatt"]);
    let bericht = document::Entity::find()
        .one(app.db())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no document"));
    assert_eq!(bericht.event_id, Some(werkstatt.id));
    assert_eq!(bericht.sources.0, ["test bundle"]);
}
