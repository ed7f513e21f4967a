//! Migrations run up, down and up again on the test backend, leaving a working schema.

use crate::support::TestApp;
use migration::{Migrator, MigratorTrait};
use serde_json::json;

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let app = TestApp::empty().await;
    let applied = Migrator::get_applied_migrations(app.db()).await.unwrap();
    assert_eq!(applied.len(), Migrator::migrations().len());

    Migrator::down(app.db(), None).await.expect("down failed");
    assert!(
        Migrator::get_applied_migrations(app.db())
            .await
            .unwrap()
            .is_empty()
    );
    let (_, body) = app.graphql("{ towns { totalCount } }", json!({})).await;
    assert!(
        body.get("errors").is_some(),
        "tables are gone after down: {body}"
    );

    Migrator::up(app.db(), None).await.expect("up again failed");
    let data = app
        .query(
            "{ states { totalCount nodes { key code name } } towns { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(data["states"]["totalCount"], 16);
    assert_eq!(data["states"]["nodes"][13]["code"], "SN");
    assert_eq!(data["states"]["nodes"][13]["key"], "14");
    assert_eq!(data["towns"]["totalCount"], 0);
}

#[tokio::test]
async fn a_failed_query_does_not_leak_internals() {
    let app = TestApp::empty().await;
    Migrator::down(app.db(), None).await.expect("down failed");
    let (_, body) = app
        .graphql("{ towns { totalCount nodes { name } } }", json!({}))
        .await;
    let text = body.to_string().to_lowercase();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "INTERNAL",
        "{body}"
    );
    for leak in [
        "select",
        "sqlite",
        "postgres",
        "relation",
        "no such table",
        "sqlx",
    ] {
        assert!(!text.contains(leak), "{leak} leaked: {body}");
    }
}
