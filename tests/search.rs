//! Full-text search: German folding and stemming, prefixes, ranking, type filters, drafts and
//! private people never found by the public, and an index that follows every edit.

use crate::support::{TestApp, error_code, network};
use kleinstadt::auth::StaffRole;
use serde_json::{Value, json};

const SEARCH: &str = "query($q: String!, $types: [SearchType!], $first: Int) {
  search(query: $q, types: $types, first: $first) { type id title snippet score }
}";

/// `(type, title)` of the hits, best first.
fn hits(data: &Value) -> Vec<(String, String)> {
    data["search"]
        .as_array()
        .unwrap_or_else(|| panic!("no hits: {data}"))
        .iter()
        .map(|hit| {
            (
                hit["type"].as_str().unwrap().to_owned(),
                hit["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn search(app: &TestApp, q: &str) -> Vec<(String, String)> {
    hits(&app.query(SEARCH, json!({ "q": q })).await)
}

fn has(found: &[(String, String)], kind: &str, title: &str) -> bool {
    found.iter().any(|(k, t)| k == kind && t == title)
}

#[tokio::test]
async fn umlauts_and_their_spellings_find_the_same_town() {
    let app = TestApp::empty().await;
    network::load(&app).await;
    for spelling in [
        "Münnerstadt",
        "Muennerstadt",
        "Munnerstadt",
        "münnerstadt",
        "MUENNERSTADT",
    ] {
        let found = search(&app, spelling).await;
        assert_eq!(
            found.first(),
            Some(&("TOWN".to_owned(), "Münnerstadt".to_owned())),
            "{spelling}: {found:?}"
        );
    }
}

#[tokio::test]
async fn inflected_forms_and_prefixes_match() {
    let app = TestApp::empty().await;
    network::load(&app).await;
    let found = search(&app, "Innenstädte").await;
    assert!(has(&found, "EVENT", "Werkstatt Innenstadt"), "{found:?}");
    assert!(
        has(&found, "MODEL_PROJECT", "Innenstädte beleben"),
        "{found:?}"
    );
    let found = search(&app, "Innenstadt").await;
    assert!(
        has(&found, "MODEL_PROJECT", "Innenstädte beleben"),
        "{found:?}"
    );
    assert!(has(&found, "EVENT", "Werkstatt Innenstadt"), "{found:?}");

    let found = search(&app, "Münners").await;
    assert_eq!(found, vec![("TOWN".to_owned(), "Münnerstadt".to_owned())]);
    let found = search(&app, "Werkst").await;
    assert_eq!(
        found,
        vec![("EVENT".to_owned(), "Werkstatt Innenstadt".to_owned())]
    );
    let found = search(&app, "Institut Landforsch").await;
    assert_eq!(
        found,
        vec![(
            "ORGANISATION".to_owned(),
            "Institut für Landforschung".to_owned()
        )]
    );
}

#[tokio::test]
async fn titles_rank_above_text_and_types_filter() {
    let app = TestApp::empty().await;
    network::load(&app).await;
    let data = app.query(SEARCH, json!({ "q": "Leerstand" })).await;
    let found = hits(&data);
    // The panel has it in its title, the project only in its description.
    assert_eq!(
        found,
        vec![
            ("SESSION".to_owned(), "Podium Leerstand".to_owned()),
            ("MODEL_PROJECT".to_owned(), "Innenstädte beleben".to_owned()),
        ]
    );
    assert!(
        data["search"][1]["snippet"]
            .as_str()
            .is_some_and(|s| s.contains("Leerstand in Innenstädten")),
        "{data}"
    );
    let data = app
        .query(SEARCH, json!({ "q": "Innenstadt", "types": ["EVENT"] }))
        .await;
    assert_eq!(
        hits(&data),
        vec![("EVENT".to_owned(), "Werkstatt Innenstadt".to_owned())]
    );
    let data = app.query(SEARCH, json!({ "q": "stadt", "first": 1 })).await;
    assert_eq!(hits(&data).len(), 1);
}

#[tokio::test]
async fn drafts_and_private_people_are_not_found_by_the_public() {
    let app = TestApp::empty().await;
    network::load(&app).await;
    assert!(search(&app, "Geheim").await.is_empty());
    assert!(search(&app, "Carla Conrad").await.is_empty());
    assert!(search(&app, "Dieter").await.is_empty());
    assert_eq!(
        search(&app, "Anna").await,
        vec![("PERSON".to_owned(), "Anna Arendt".to_owned())]
    );
    let token = app
        .staff_token("editor@example.org", StaffRole::Editor)
        .await;
    let (_, body) = app
        .graphql_as(&token, SEARCH, json!({ "q": "Geheim" }))
        .await;
    let found = hits(&body["data"]);
    assert!(has(&found, "EVENT", "Geheime Runde"), "{found:?}");
    assert!(has(&found, "SESSION", "Vortrag Geheimsache"), "{found:?}");
}

#[tokio::test]
async fn the_index_follows_every_edit() {
    let app = TestApp::empty().await;
    let ids = network::load(&app).await;
    let token = app
        .staff_token("editor@example.org", StaffRole::Editor)
        .await;
    let town = kleinstadt::ids::encode("Town", ids.towns["Gdorf"]);
    let (_, body) = app
        .graphql_as(
            &token,
            "mutation($id: ID!) { updateTown(id: $id, expectedVersion: 1, input: { name: \"Großweiler\" }) { name } }",
            json!({ "id": town }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        search(&app, "Grossweiler").await,
        vec![("TOWN".to_owned(), "Großweiler".to_owned())]
    );
    assert!(search(&app, "Gdorf").await.is_empty());

    let (_, body) = app
        .graphql_as(
            &token,
            "mutation($id: ID!) { deleteTown(id: $id, expectedVersion: 2) { id } }",
            json!({ "id": town }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert!(search(&app, "Großweiler").await.is_empty());

    let event = kleinstadt::ids::encode("Event", ids.events["geheim"]);
    let (_, body) = app
        .graphql_as(
            &token,
            "mutation($id: ID!) { publishEvent(id: $id, expectedVersion: 1) { id } }",
            json!({ "id": event }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert!(has(
        &search(&app, "Geheime").await,
        "EVENT",
        "Geheime Runde"
    ));
    assert!(has(&search(&app, "Carla").await, "PERSON", "Carla Conrad"));
}

#[tokio::test]
async fn bad_queries_are_bad_input() {
    let app = TestApp::empty().await;
    for (q, first) in [("", 5), ("   ", 5), ("?!", 5), ("stadt", 0), ("stadt", 101)] {
        let (_, body) = app.graphql(SEARCH, json!({ "q": q, "first": first })).await;
        assert_eq!(
            error_code(&body),
            Some("BAD_USER_INPUT"),
            "{q:?} {first}: {body}"
        );
    }
    let (_, body) = app
        .graphql(SEARCH, json!({ "q": "a b c d e f g h i" }))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

#[tokio::test]
async fn the_demo_data_is_searchable() {
    let app = TestApp::seeded().await;
    let found = search(&app, "Bundestagung").await;
    assert!(
        found
            .iter()
            .any(|(kind, title)| kind == "EVENT" && title.contains("Bundestagung")),
        "{found:?}"
    );
    let found = search(&app, "Wittenberge").await;
    assert_eq!(
        found.first().map(|(k, t)| (k.as_str(), t.as_str())),
        Some(("TOWN", "Wittenberge"))
    );
}
