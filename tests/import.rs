//! Import of GeoNames places: the full file, idempotence, bad lines rejected with reasons.

use crate::support::TestApp;
use kleinstadt::bulk::import::import_towns;
use serde_json::json;

const PLACES: &[u8] = include_bytes!("../data/de-towns.csv");

#[tokio::test]
async fn the_full_file_imports_and_a_second_run_changes_nothing() {
    let app = TestApp::empty().await;
    let first = import_towns(app.db(), PLACES).await.unwrap();
    assert_eq!(first.created, 6978);
    assert_eq!(first.updated, 0);
    assert!(first.rejected.is_empty(), "{:?}", first.rejected);

    let before = app
        .query(
            "{ towns(orderBy: NAME_ASC, first: 100) { totalCount nodes { id name population } } }",
            json!({}),
        )
        .await;
    let second = import_towns(app.db(), PLACES).await.unwrap();
    assert_eq!(
        (second.created, second.updated, second.unchanged),
        (0, 0, 6978)
    );
    let after = app
        .query(
            "{ towns(orderBy: NAME_ASC, first: 100) { totalCount nodes { id name population } } }",
            json!({}),
        )
        .await;
    assert_eq!(before, after, "same rows, same ids");
    assert_eq!(after["towns"]["totalCount"], 6978);
}

#[tokio::test]
async fn changed_lines_update_and_bad_lines_are_rejected_with_reasons() {
    let app = TestApp::empty().await;
    let csv = "geonames_id,name,state,population,lat,lon\n\
2807344,Wittenberge,Brandenburg,20171,53.00543,11.75032\n\
abc,Nowhere,Bayern,100,48.1,11.5\n\
1,Atlantis,Bavaria,100,48.1,11.5\n\
2,Minus,Bayern,-5,48.1,11.5\n\
3,Polar,Bayern,100,95,11.5\n\
4,,Bayern,100,48.1,11.5\n\
5,Short,Bayern,100\n\
2807344,Wittenberge,Brandenburg,20171,53.00543,11.75032\n";
    let report = import_towns(app.db(), csv.as_bytes()).await.unwrap();
    assert_eq!(report.created, 1);
    let lines: Vec<u64> = report.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7, 8, 9]);
    for rejected in &report.rejected {
        assert!(!rejected.reason.is_empty());
    }
    assert!(
        report.rejected[0].reason.contains("abc"),
        "{:?}",
        report.rejected[0]
    );
    assert!(
        report.rejected[1].reason.contains("Bavaria"),
        "{:?}",
        report.rejected[1]
    );
    assert!(
        report.rejected[6].reason.contains("duplicate"),
        "{:?}",
        report.rejected[6]
    );

    let updated = "geonames_id,name,state,population,lat,lon\n2807344,Wittenberge,Brandenburg,16900,53.00543,11.75032\n";
    let report = import_towns(app.db(), updated.as_bytes()).await.unwrap();
    assert_eq!(
        (report.created, report.updated, report.unchanged),
        (0, 1, 0)
    );
    let data = app
        .query(r#"{ towns(filter: { nameContains: "Wittenberge" }) { nodes { population townType } } }"#, json!({}))
        .await;
    assert_eq!(data["towns"]["nodes"][0]["population"], 16900);
    assert_eq!(data["towns"]["nodes"][0]["townType"], "LARGER_SMALL_TOWN");
}

#[tokio::test]
async fn a_wrong_header_writes_nothing() {
    let app = TestApp::empty().await;
    let csv = "id,name\n1,Somewhere\n";
    assert!(import_towns(app.db(), csv.as_bytes()).await.is_err());
    let data = app.query("{ towns { totalCount } }", json!({})).await;
    assert_eq!(data["towns"]["totalCount"], 0);
}
