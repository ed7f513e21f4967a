//! A multi-row change that fails halfway writes nothing: deleting a town first unlinks its people
//! (audited updates), then fails on the event still located there; all of it is rolled back.

use crate::support::{TestApp, error_code};
use kleinstadt::auth::StaffRole;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

#[tokio::test]
async fn a_failing_town_deletion_leaves_people_and_log_untouched() {
    let app = TestApp::seeded().await;
    let token = app
        .staff_token("editor@bbsr.example", StaffRole::Editor)
        .await;
    // Malente: in no model project, home of a person; an event located there forbids the deletion,
    // but only at the last step, after the person has been unlinked.
    let data = app
        .query(
            r#"{ towns(filter: { nameContains: "Malente", state: [SH] }) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    let malente = data["towns"]["nodes"][0]["id"].clone();
    let (_, body) = app
        .graphql_as(
            &token,
            "mutation($town: ID!) { createEvent(input: { title: \"Beiratssitzung\", startsAt: \"2031-02-01T09:00:00Z\", town: $town }) { id } }",
            json!({ "town": malente }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let data = app
        .graphql_as(
            &token,
            r#"query($id: ID!) { town(id: $id) { id version name people { totalCount } events { totalCount } modelProjects { totalCount } } }"#,
            json!({ "id": malente }),
        )
        .await
        .1;
    let town = &data["data"]["town"];
    assert_eq!(town["modelProjects"]["totalCount"], 0, "{town}");
    let people = town["people"]["totalCount"].as_i64().unwrap();
    assert!(people > 0, "{town}");
    assert!(town["events"]["totalCount"].as_i64().unwrap() > 0, "{town}");
    let town_row = kleinstadt::ids::decode(town["id"].as_str().unwrap())
        .map(|(_, id)| id)
        .unwrap();
    let linked_before = entity::person::Entity::find()
        .filter(entity::person::Column::TownId.eq(town_row))
        .count(app.db())
        .await
        .unwrap();
    let audit_before = entity::audit_entry::Entity::find()
        .count(app.db())
        .await
        .unwrap();

    let (_, body) = app
        .graphql_as(
            &token,
            "mutation($id: ID!, $v: Int!) { deleteTown(id: $id, expectedVersion: $v) { id } }",
            json!({ "id": town["id"], "v": town["version"] }),
        )
        .await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    // Refused by the database at the last step, after the people had been unlinked.
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("still referenced"),
        "{body}"
    );

    let linked_after = entity::person::Entity::find()
        .filter(entity::person::Column::TownId.eq(town_row))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(
        linked_after, linked_before,
        "the people were unlinked and not restored"
    );
    let audit_after = entity::audit_entry::Entity::find()
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(
        audit_after, audit_before,
        "audit entries of a rolled-back change survived"
    );
    let data = app
        .query(
            r#"query($id: ID!) { town(id: $id) { version people { totalCount } } }"#,
            json!({ "id": malente }),
        )
        .await;
    assert_eq!(data["town"]["version"], town["version"]);
    assert_eq!(data["town"]["people"]["totalCount"], people);
}
