//! To-one relations read in the statement of the rows they belong to (a contribution's person and
//! organisation, a membership's town and the town's state) give the answer their own loaders give: the same people,
//! organisations and towns, with the same privacy rules for each caller.

use std::collections::BTreeMap;

use crate::support::TestApp;
use entity::person;
use kleinstadt::auth::StaffRole;
use sea_orm::sea_query::Expr;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement};
use serde_json::{Value, json};

const PERSON: &str = "id name email phone consentGivenAt sources version";
const ORGANISATION: &str = "id name shortName version";

/// Every contribution of `list` (a `nodes` array), by ID.
fn by_id(list: &Value, into: &mut BTreeMap<String, Value>) {
    for contribution in list.as_array().into_iter().flatten() {
        let id = contribution["id"].as_str().unwrap().to_owned();
        assert!(!id.is_empty(), "a contribution without ID: {contribution}");
        into.insert(id, contribution.clone());
    }
}

/// The contributions of all events, once through their sessions (people and organisations read
/// with them) and once through their events (loaded on their own), as `token` sees them.
async fn both_ways(
    app: &TestApp,
    token: Option<&str>,
) -> (BTreeMap<String, Value>, BTreeMap<String, Value>) {
    let contribution = format!("id role person {{ {PERSON} }} organisation {{ {ORGANISATION} }}");
    let through_sessions = format!(
        "{{ events(first: 100) {{ nodes {{ sessions(first: 100) {{ nodes {{ contributions(first: 100) {{ nodes {{ {contribution} }} }} }} }} }} }} }}"
    );
    let through_events = format!(
        "{{ events(first: 100) {{ nodes {{ contributions(first: 100) {{ nodes {{ {contribution} }} }} }} }} }}"
    );
    let run = |query: String| async move {
        let (_, body) = match token {
            Some(token) => app.graphql_as(token, &query, json!({})).await,
            None => app.graphql(&query, json!({})).await,
        };
        assert!(body.get("errors").is_none(), "errors: {body}");
        body["data"]["events"]["nodes"].clone()
    };
    let mut joined = BTreeMap::new();
    for event in run(through_sessions).await.as_array().into_iter().flatten() {
        for session in event["sessions"]["nodes"].as_array().into_iter().flatten() {
            by_id(&session["contributions"]["nodes"], &mut joined);
        }
    }
    let mut separate = BTreeMap::new();
    for event in run(through_events).await.as_array().into_iter().flatten() {
        by_id(&event["contributions"]["nodes"], &mut separate);
    }
    (joined, separate)
}

#[tokio::test]
async fn people_and_organisations_read_with_contributions_match_their_own_loaders() {
    let app = TestApp::seeded_with(|config| config.graphql_max_complexity = usize::MAX).await;
    let token = app
        .staff_token("editor@example.org", StaffRole::Editor)
        .await;
    for (caller, token) in [("anonymous", None), ("staff", Some(token.as_str()))] {
        let (joined, separate) = both_ways(&app, token).await;
        assert!(
            joined.len() > 10,
            "{caller}: only {} contributions",
            joined.len()
        );
        let people = joined.values().filter(|c| c["person"].is_object()).count();
        let organisations = joined
            .values()
            .filter(|c| c["organisation"].is_object())
            .count();
        assert!(people > 0 && organisations > 0, "{caller}: {joined:?}");
        for (id, contribution) in &joined {
            assert_eq!(
                Some(contribution),
                separate.get(id),
                "{caller}: contribution {id}"
            );
        }
    }
}

#[tokio::test]
async fn private_contact_data_stays_hidden_when_read_with_contributions() {
    let app = TestApp::seeded_with(|config| config.graphql_max_complexity = usize::MAX).await;
    let token = app
        .staff_token("editor@example.org", StaffRole::Editor)
        .await;
    person::Entity::update_many()
        .col_expr(person::Column::Email, Expr::value("contact@example.org"))
        .exec(app.db())
        .await
        .expect("cannot set e-mail addresses");
    let (anonymous, _) = both_ways(&app, None).await;
    let (staff, _) = both_ways(&app, Some(&token)).await;
    let emails = |all: &BTreeMap<String, Value>| {
        all.values()
            .filter(|c| c["person"]["email"].is_string())
            .count()
    };
    assert!(emails(&staff) > 0, "staff see e-mail addresses: {staff:?}");
    assert_eq!(emails(&anonymous), 0, "anonymous callers see none");
}

#[tokio::test]
async fn towns_read_with_memberships_match_their_own_loader() {
    let app = TestApp::seeded_with(|config| config.graphql_max_complexity = usize::MAX).await;
    // Two requests: within one, both fields share the project's loaded memberships.
    let joined = app
        .query(
            "{ modelProjects(first: 100) { nodes { id towns(first: 100) { edges { role node { id name population latitude sources state { code name } } } } } } }",
            json!({}),
        )
        .await;
    let separate = app
        .query(
            "{ modelProjects(first: 100) { nodes { id memberships(first: 100) { nodes { role town { id name population latitude sources state { code name } } } } } } }",
            json!({}),
        )
        .await;
    let projects = |data: &Value| data["modelProjects"]["nodes"].as_array().cloned().unwrap();
    let (joined, separate) = (projects(&joined), projects(&separate));
    assert!(joined.len() >= 5, "{joined:?}");
    assert_eq!(joined.len(), separate.len());
    let mut towns = 0;
    for (project, other) in joined.iter().zip(&separate) {
        assert_eq!(project["id"], other["id"]);
        let joined: Vec<Value> = project["towns"]["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|edge| json!({ "role": edge["role"], "town": edge["node"] }))
            .collect();
        let separate = other["memberships"]["nodes"].as_array().cloned().unwrap();
        assert_eq!(joined, separate, "project {}", project["id"]);
        towns += joined.len();
    }
    assert!(towns >= 20, "{towns} member towns");
}

/// On PostgreSQL the service's connections plan with the cost of a random page of data kept in
/// memory, so that the join above looks the people up by key instead of scanning their table.
#[tokio::test]
async fn postgres_connections_plan_for_data_in_memory() {
    let app = TestApp::empty().await;
    let backend = app.db().get_database_backend();
    if backend != DbBackend::Postgres {
        return;
    }
    let row = app
        .db()
        .query_one_raw(Statement::from_string(backend, "SHOW random_page_cost"))
        .await
        .expect("SHOW")
        .expect("SHOW returned no row");
    let cost: String = row.try_get_by_index(0).expect("random_page_cost");
    assert_eq!(cost, "1.1");
}
