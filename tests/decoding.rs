//! Rows read by kleinstadt's own decoder (by position, on PostgreSQL) equal the models sea-orm
//! decodes by name: every column of every entity of the known network, with timestamps before
//! and after PostgreSQL's epoch (2000-01-01) and with sub-second precision.

use crate::support::{TestApp, network};
use chrono::{DateTime, Utc};
use entity::{contribution, event, model_project, organisation, person, session, town};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QueryOrder, Set};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .with_timezone(&Utc)
}

macro_rules! same_models {
    ($db:expr, $($entity:ident),+) => {$(
        let ours = kleinstadt::load::decode::all(
            $entity::Entity::find().order_by_asc($entity::Column::Id),
            $db,
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", stringify!($entity)));
        let theirs = $entity::Entity::find()
            .order_by_asc($entity::Column::Id)
            .all($db)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", stringify!($entity)));
        assert!(!ours.is_empty(), "{} has rows", stringify!($entity));
        assert_eq!(ours, theirs, "{}", stringify!($entity));
    )+};
}

#[tokio::test]
async fn positional_decoding_equals_sea_orm() {
    let app = TestApp::empty().await;
    let ids = network::load(&app).await;
    let db = app.db();
    let workshop = event::Entity::find_by_id(ids.events["werkstatt"])
        .one(db)
        .await
        .unwrap()
        .expect("the workshop is missing");
    let mut changed = workshop.into_active_model();
    changed.starts_at = Set(at("1999-12-31T23:59:59.123456Z"));
    changed.ends_at = Set(Some(at("2022-01-21T08:30:00.5Z")));
    changed.update(db).await.unwrap();
    let written = event::Entity::find_by_id(ids.events["werkstatt"])
        .one(db)
        .await
        .unwrap()
        .expect("the workshop is missing");
    assert_eq!(written.starts_at, at("1999-12-31T23:59:59.123456Z"));
    same_models!(
        db,
        event,
        session,
        contribution,
        person,
        organisation,
        model_project,
        town
    );
}
