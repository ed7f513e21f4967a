//! The per-run templates: copies made at the same time are separate databases, each with the whole
//! demo data or none of it.

use entity::enums::OrganisationKind;
use serde_json::json;

use crate::support::{TestApp, factory};

const COUNTS: &str = "{ towns { totalCount } organisations { totalCount } events { totalCount } }";

#[tokio::test]
async fn concurrent_copies_are_separate_databases_with_the_demo_data() {
    let (a, b, c, d) = tokio::join!(
        TestApp::seeded(),
        TestApp::seeded(),
        TestApp::seeded(),
        TestApp::empty()
    );
    let urls = [&a, &b, &c, &d].map(TestApp::database_url);
    for (i, url) in urls.iter().enumerate() {
        assert!(!urls[..i].contains(url), "{url} was handed out twice");
    }
    let seeded = a.query(COUNTS, json!({})).await;
    assert!(
        seeded["events"]["totalCount"].as_u64().unwrap() > 0,
        "{seeded}"
    );
    assert!(
        seeded["towns"]["totalCount"].as_u64().unwrap() > 1000,
        "{seeded}"
    );
    factory::insert_organisation(a.db(), "Nur in A", OrganisationKind::Agency).await;
    let changed = a.query(COUNTS, json!({})).await;
    assert_eq!(
        changed["organisations"]["totalCount"].as_u64().unwrap(),
        seeded["organisations"]["totalCount"].as_u64().unwrap() + 1
    );
    assert_eq!(b.query(COUNTS, json!({})).await, seeded);
    assert_eq!(c.query(COUNTS, json!({})).await, seeded);
    assert_eq!(
        d.query(COUNTS, json!({})).await,
        json!({ "towns": { "totalCount": 0 }, "organisations": { "totalCount": 0 }, "events": { "totalCount": 0 } })
    );
}
