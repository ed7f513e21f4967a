//! The demo seed and the town import, checked in the database itself: what the shipped files
//! load, that a second run adds nothing, that the seed is the bundle `import-bundle` loads, and how
//! the import updates rows and refuses bad headers.

use std::error::Error;
use std::time::Instant;

use crate::support::TestApp;
use chrono::{DateTime, Utc};
use entity::enums::{DatePrecision, EventFormat, MemberRole, SessionKind, TownType};
use entity::{
    advisory_board_membership, contribution, document, document_author, event, event_organiser,
    model_project, model_project_partner, model_project_town, organisation, person, project_call,
    registration, session, state, town,
};
use kleinstadt::bulk::import::import_towns;
use kleinstadt::bulk::seed::{demo_bundle, has_content, seed_demo};
use kleinstadt::config::Config;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Statement,
};
use serde_json::Value;

type TestResult = Result<(), Box<dyn Error>>;

const PLACES: &[u8] = include_bytes!("../data/de-towns.csv");

fn utc(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    text.parse()
}

#[tokio::test]
async fn seeds_the_shipped_files_once() -> TestResult {
    let app = TestApp::empty().await;
    let db = app.db();
    assert!(!has_content(db).await?);

    let started = Instant::now();
    let report = seed_demo(db).await?;
    let seeded_in = started.elapsed();
    assert_eq!(report.towns.created, 6978);
    assert!(report.towns.rejected.is_empty());
    assert_eq!(report.model_projects, 5);
    assert_eq!(report.organisations, 24);
    assert_eq!(report.people, 48);
    assert_eq!(report.events, 19);
    assert_eq!(report.documents, 15);
    assert_eq!(report.sessions, 13);
    assert!(
        report
            .skipped
            .iter()
            .any(|reason| reason.starts_with("model project sixth_model_project")),
        "{:#?}",
        report.skipped
    );
    assert!(
        report
            .skipped
            .iter()
            .any(|reason| reason.starts_with("event erfahrungsaustausch_wittenberge")),
        "{:#?}",
        report.skipped
    );

    let geonames = town::Entity::find()
        .filter(town::Column::GeonamesId.is_not_null())
        .count(db)
        .await?;
    assert_eq!(geonames, 6978);
    let unmatched = report
        .skipped
        .iter()
        .filter(|reason| reason.starts_with("town "))
        .count() as u64;
    assert_eq!(unmatched, 7, "{:#?}", report.skipped);
    assert_eq!(town::Entity::find().count(db).await?, 6978 + unmatched);
    assert!(
        report.skipped.contains(
            &"town herzberg_elster: no state in the sources, not matched to GeoNames; \
              created as a town of its own"
                .to_owned()
        ),
        "{:#?}",
        report.skipped
    );

    let wittenberge = town::Entity::find()
        .filter(town::Column::Slug.eq("wittenberge"))
        .one(db)
        .await?
        .ok_or("no town wittenberge")?;
    assert_eq!(wittenberge.geonames_id, Some(2807344));
    assert_eq!(wittenberge.district.as_deref(), Some("Prignitz"));
    assert!(
        wittenberge
            .sources
            .0
            .contains(&"https://www.geonames.org/2807344".to_owned())
    );
    assert!(wittenberge.sources.0.len() > 1);
    for (slug, geonames_id) in [
        ("osterburg", 2856639),
        ("laucha", 2880228),
        ("muecheln", 2868933),
        ("frankenberg_sachsen", 2925630),
        ("malente", 2874111),
    ] {
        let town = town::Entity::find()
            .filter(town::Column::Slug.eq(slug))
            .one(db)
            .await?
            .ok_or_else(|| format!("no town {slug}"))?;
        assert_eq!(town.geonames_id, Some(geonames_id), "{slug}");
    }

    assert_eq!(model_project::Entity::find().count(db).await?, 5);
    assert_eq!(model_project_town::Entity::find().count(db).await?, 22);
    let leads = model_project_town::Entity::find()
        .filter(model_project_town::Column::Role.eq(MemberRole::Lead))
        .count(db)
        .await?;
    assert_eq!(leads, 3);

    let tagung = event::Entity::find()
        .filter(event::Column::Slug.eq("bundestagung_2022"))
        .one(db)
        .await?
        .ok_or("no event bundestagung_2022")?;
    assert_eq!(tagung.starts_at, utc("2022-01-21T08:30:00Z")?);
    assert_eq!(tagung.ends_at, Some(utc("2022-01-21T13:15:00Z")?));
    assert_eq!(tagung.date_precision, DatePrecision::Minute);
    assert_eq!(tagung.format, Some(EventFormat::Digital));
    assert_eq!(tagung.time_zone, "Europe/Berlin");
    let sessions = session::Entity::find()
        .filter(session::Column::EventId.eq(tagung.id))
        .order_by_asc(session::Column::Position)
        .all(db)
        .await?;
    let starts: Vec<String> = sessions
        .iter()
        .map(|session| session.starts_at.format("%H:%M").to_string())
        .collect();
    assert_eq!(
        starts,
        [
            "08:30", "08:45", "09:00", "09:15", "10:00", "10:15", "10:30", "11:15", "11:45",
            "12:00", "13:00"
        ]
    );
    let positions: Vec<i32> = sessions.iter().map(|session| session.position).collect();
    assert_eq!(positions, (1..=11).collect::<Vec<_>>());
    assert_eq!(sessions[10].ends_at, Some(utc("2022-01-21T13:15:00Z")?));
    assert!(sessions.iter().all(|session| session.end_inferred));
    assert_eq!(sessions[7].kind, SessionKind::Keynote);
    let panel = contribution::Entity::find()
        .filter(contribution::Column::SessionId.eq(sessions[3].id))
        .count(db)
        .await?;
    assert_eq!(panel, 4);

    let webtalks = event::Entity::find()
        .filter(event::Column::Slug.eq("webtalk_series_2021"))
        .one(db)
        .await?
        .ok_or("no event webtalk_series_2021")?;
    assert_eq!(webtalks.starts_at, utc("2021-03-11T17:30:00Z")?);
    assert_eq!(webtalks.ends_at, Some(utc("2021-06-07T16:30:00Z")?));

    let kastl = person::Entity::find()
        .filter(person::Column::Slug.eq("michael_kastl"))
        .one(db)
        .await?
        .ok_or("no person michael_kastl")?;
    assert_eq!(kastl.position.as_deref(), Some("Bürgermeister"));

    let report_doc = document::Entity::find()
        .filter(document::Column::Slug.eq("kleinstadtbericht_2021"))
        .one(db)
        .await?
        .ok_or("no document kleinstadtbericht_2021")?;
    assert_eq!(report_doc.event_id, Some(tagung.id));
    assert_eq!(report_doc.session_id, Some(sessions[2].id));
    assert_eq!(report_doc.published_on.as_deref(), Some("2021-06"));
    assert_eq!(document_author::Entity::find().count(db).await?, 5);
    assert_eq!(
        advisory_board_membership::Entity::find().count(db).await?,
        4
    );

    let started = Instant::now();
    let again = import_towns(db, PLACES).await?;
    let reimported_in = started.elapsed();
    assert_eq!(
        (again.created, again.updated, again.unchanged),
        (0, 0, 6978)
    );
    let second = seed_demo(db).await?;
    assert_eq!((second.towns.created, second.towns.updated), (0, 0));
    assert_eq!(second.events, 0);
    assert_eq!(event::Entity::find().count(db).await?, 19);
    let backend = if app.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("seed on {backend}: {seeded_in:?}; town re-import: {reimported_in:?}");
    Ok(())
}

#[tokio::test]
async fn import_updates_changed_rows_and_writes_nothing_on_a_bad_header() -> TestResult {
    let app = TestApp::empty().await;
    let db = app.db();
    let csv = "geonames_id,name,state,population,lat,lon\n\
               1,Alpha,Bayern,4000,48,11\n\
               2,Beta,Bayern,12000,48,11\n\
               3,Gamma,Bavaria,1,48,11\n";
    let first = import_towns(db, csv.as_bytes()).await?;
    assert_eq!((first.created, first.updated, first.unchanged), (2, 0, 0));
    assert_eq!(first.rejected.len(), 1);

    let changed = "geonames_id,name,state,population,lat,lon\n\
                   1,Alpha,Bayern,6000,48,11\n\
                   2,Beta,Bayern,12000,48,11\n";
    let second = import_towns(db, changed.as_bytes()).await?;
    assert_eq!(
        (second.created, second.updated, second.unchanged),
        (0, 1, 1)
    );
    let alpha = town::Entity::find()
        .filter(town::Column::GeonamesId.eq(1))
        .one(db)
        .await?
        .ok_or("no town with geonames_id 1")?;
    assert_eq!(alpha.version, 2);
    assert_eq!(alpha.population, Some(6000));
    assert_eq!(alpha.town_type, Some(TownType::SmallerSmallTown));

    let bad = "id,name,state,population,lat,lon\n4,Delta,Bayern,1,48,11\n";
    assert!(import_towns(db, bad.as_bytes()).await.is_err());
    assert_eq!(town::Entity::find().count(db).await?, 2);
    Ok(())
}

/// Every row of `E`, ordered by id, as JSON without the write times.
async fn rows_of<E>(db: &DatabaseConnection) -> Result<Vec<Value>, Box<dyn Error>>
where
    E: EntityTrait,
    E::Model: serde::Serialize,
{
    let mut rows = Vec::new();
    for model in E::find().all(db).await? {
        let mut row = serde_json::to_value(model)?;
        if let Some(fields) = row.as_object_mut() {
            fields.remove("created_at");
            fields.remove("updated_at");
        }
        rows.push(row);
    }
    rows.sort_by_key(|row| row["id"].as_i64());
    Ok(rows)
}

/// The content of every table the seed writes, table by table.
async fn content(
    db: &DatabaseConnection,
) -> Result<Vec<(&'static str, Vec<Value>)>, Box<dyn Error>> {
    // Search entries are derived rows, renumbered by every rebuild of the index: only counted.
    let search = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS entries FROM search_entry",
        ))
        .await?
        .ok_or("no count of search entries")?
        .try_get::<i64>("", "entries")?;
    Ok(vec![
        ("state", rows_of::<state::Entity>(db).await?),
        ("town", rows_of::<town::Entity>(db).await?),
        ("organisation", rows_of::<organisation::Entity>(db).await?),
        ("project_call", rows_of::<project_call::Entity>(db).await?),
        ("person", rows_of::<person::Entity>(db).await?),
        (
            "advisory_board_membership",
            rows_of::<advisory_board_membership::Entity>(db).await?,
        ),
        ("model_project", rows_of::<model_project::Entity>(db).await?),
        (
            "model_project_town",
            rows_of::<model_project_town::Entity>(db).await?,
        ),
        (
            "model_project_partner",
            rows_of::<model_project_partner::Entity>(db).await?,
        ),
        ("event", rows_of::<event::Entity>(db).await?),
        (
            "event_organiser",
            rows_of::<event_organiser::Entity>(db).await?,
        ),
        ("session", rows_of::<session::Entity>(db).await?),
        ("contribution", rows_of::<contribution::Entity>(db).await?),
        ("registration", rows_of::<registration::Entity>(db).await?),
        ("document", rows_of::<document::Entity>(db).await?),
        (
            "document_author",
            rows_of::<document_author::Entity>(db).await?,
        ),
        ("search_entry", vec![Value::from(search)]),
    ])
}

#[tokio::test]
async fn the_demo_bundle_loaded_by_import_bundle_is_the_seed() -> TestResult {
    let seeded = TestApp::empty().await;
    seed_demo(seeded.db()).await?;

    let imported = TestApp::empty().await;
    let demo = demo_bundle(imported.db(), true).await?;
    assert!(demo.rejected.is_empty());
    assert!(!demo.bundle.documents.is_empty());
    let file = std::env::temp_dir().join(format!("demo-bundle-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&file, serde_json::to_vec_pretty(&demo.bundle)?)?;
    let loaded =
        kleinstadt::run::import_bundle(Config::for_database(imported.database_url()), &file).await;
    std::fs::remove_file(&file)?;
    loaded?;

    let expected = content(seeded.db()).await?;
    let actual = content(imported.db()).await?;
    for ((table, expected), (_, actual)) in expected.iter().zip(&actual) {
        assert_eq!(expected.len(), actual.len(), "rows of {table}");
        for (expected, actual) in expected.iter().zip(actual) {
            assert_eq!(expected, actual, "{table}");
        }
    }
    assert_eq!(
        document::Entity::find().count(imported.db()).await?,
        15,
        "the documents are part of the bundle"
    );
    Ok(())
}
