//! Batching: a page of events with their programmes and contributors costs the same number of SQL
//! statements whatever the page size.

use crate::support::TestApp;
use chrono::{Duration, TimeZone, Utc};
use entity::enums::{
    ContributionRole, DatePrecision, EventFormat, EventStatus, OrganisationKind, SessionKind,
};
use entity::{contribution, event, organisation, person, session};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;

/// Adds `count` published events, each with three sessions of two contributors.
async fn add_events(app: &TestApp, count: usize) {
    let db = app.db();
    let now = Utc::now();
    let org = organisation::ActiveModel {
        name: Set("Fixture Institut".into()),
        kind: Set(OrganisationKind::ResearchInstitute),
        sources: Set(Default::default()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let start = Utc.with_ymd_and_hms(2030, 3, 1, 8, 0, 0).single().unwrap();
    for i in 0..count {
        let starts_at = start + Duration::days(i as i64);
        let ev = event::ActiveModel {
            title: Set(format!("Fixture-Tagung {i}")),
            format: Set(Some(EventFormat::InPerson)),
            status: Set(EventStatus::Scheduled),
            time_zone: Set("Europe/Berlin".into()),
            starts_at: Set(starts_at),
            ends_at: Set(Some(starts_at + Duration::hours(4))),
            date_precision: Set(DatePrecision::Minute),
            published: Set(true),
            sources: Set(Default::default()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        for s in 0..3 {
            let session = session::ActiveModel {
                event_id: Set(ev.id),
                position: Set(s + 1),
                title: Set(format!("Vortrag {s}")),
                kind: Set(SessionKind::Talk),
                starts_at: Set(starts_at + Duration::hours(s as i64)),
                end_inferred: Set(false),
                sources: Set(Default::default()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();
            for c in 0..2 {
                let speaker = person::ActiveModel {
                    name: Set(format!("Person {i}-{s}-{c}")),
                    organisation_id: Set(Some(org.id)),
                    sources: Set(Default::default()),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await
                .unwrap();
                contribution::ActiveModel {
                    event_id: Set(ev.id),
                    session_id: Set(Some(session.id)),
                    person_id: Set(Some(speaker.id)),
                    organisation_id: Set(Some(org.id)),
                    role: Set(ContributionRole::Speaker),
                    position: Set(c),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await
                .unwrap();
            }
        }
    }
}

const PAGE: &str = r#"
query Page($first: Int!) {
  events(filter: { text: "Fixture-Tagung" }, first: $first) {
    totalCount
    nodes {
      title startsAtLocal
      town { name }
      organisers(first: 3) { nodes { name } }
      sessions(first: 3) {
        nodes {
          title startsAtLocal
          contributions(first: 2) { nodes { role person { name organisation { name } } organisation { name } } }
        }
      }
    }
  }
}"#;

async fn statements_for(app: &TestApp, first: i64) -> (u64, usize) {
    let counter = app.statements();
    let before = counter.get();
    let data = app.query(PAGE, json!({ "first": first })).await;
    let after = counter.get();
    let events = data["events"]["nodes"].as_array().map(Vec::len).unwrap();
    (after - before, events)
}

#[tokio::test]
async fn a_page_of_events_costs_a_constant_number_of_statements() {
    let app = TestApp::empty().await;
    add_events(&app, 60).await;

    let (small, small_events) = statements_for(&app, 10).await;
    let (large, large_events) = statements_for(&app, 50).await;
    assert_eq!(small_events, 10);
    assert_eq!(large_events, 50);
    println!(
        "statements: {small} for 10 events, {large} for 50 events (with 3 sessions × 2 speakers each)"
    );
    assert_eq!(small, large, "statements grow with the page size");
    // count + page + town + organisers + sessions + contributions + people + organisations (+ event
    // lookups for local times) — a handful, nowhere near one per row.
    assert!(large <= 12, "{large} statements for one page");
}

/// A root list's count comes with its page, also when nothing matches: one statement.
#[tokio::test]
async fn an_empty_counted_page_costs_one_statement() {
    let app = TestApp::seeded().await;
    let counter = app.statements();
    let before = counter.get();
    let data = app
        .query(
            r#"{ events(filter: { from: "2199-01-01T00:00:00Z" }, first: 10) { totalCount pageInfo { hasNextPage } nodes { title } } }"#,
            json!({}),
        )
        .await;
    let statements = counter.get() - before;
    assert_eq!(data["events"]["totalCount"], 0, "{data}");
    assert_eq!(data["events"]["nodes"], json!([]), "{data}");
    assert_eq!(data["events"]["pageInfo"]["hasNextPage"], false, "{data}");
    assert_eq!(
        statements, 1,
        "an empty counted page cost {statements} statements"
    );
}

/// Each relation a query selects costs at most one statement, also where a list passes through a
/// join table (memberships, partnerships, organisers, authorships): the join rows and the records
/// they point to are read together. Each query is the root list plus the relations it names.
#[tokio::test]
async fn a_relation_through_a_join_table_costs_one_statement() {
    let app = TestApp::seeded().await;
    let cases = [
        (
            "{ modelProjects(first: 20) { nodes { towns(first: 10) { nodes { modelProjects(first: 5) { edges { role node { title } } } } } } } }",
            &["modelProjects", "towns", "modelProjects"][..],
        ),
        (
            "{ modelProjects(first: 20) { nodes { partners(first: 5) { edges { role node { name } } } } } }",
            &["modelProjects", "partners"][..],
        ),
        (
            "{ organisations(first: 100) { nodes { modelProjects(first: 5) { nodes { title } } events(first: 5) { nodes { title } } } } }",
            &["organisations", "modelProjects", "events"][..],
        ),
        (
            "{ people(first: 100) { nodes { documents(first: 5) { nodes { title } } } } }",
            &["people", "documents"][..],
        ),
        (
            "{ documents(first: 50) { nodes { authors(first: 5) { nodes { name } } } } }",
            &["documents", "authors"][..],
        ),
        (
            "{ events(first: 50) { nodes { organisers(first: 5) { nodes { name } } } } }",
            &["events", "organisers"][..],
        ),
    ];
    let counter = app.statements();
    for (query, relations) in cases {
        let before = counter.get();
        let data = app.query(query, json!({})).await;
        let statements = counter.get() - before;
        let inner = relations[1..]
            .iter()
            .map(|name| count_nested(&data, name))
            .sum::<usize>();
        assert!(inner > 0, "nothing related found by {query}: {data}");
        assert!(
            statements <= relations.len() as u64,
            "{statements} statements for {} relations: {query}",
            relations.len()
        );
    }
}

/// How many items the lists under key `name` hold, anywhere in `value`.
fn count_nested(value: &serde_json::Value, name: &str) -> usize {
    match value {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(key, inner)| {
                let own = if key == name {
                    inner["nodes"]
                        .as_array()
                        .or_else(|| inner["edges"].as_array())
                        .map_or(0, Vec::len)
                } else {
                    0
                };
                own + count_nested(inner, name)
            })
            .sum(),
        serde_json::Value::Array(items) => items.iter().map(|item| count_nested(item, name)).sum(),
        _ => 0,
    }
}
