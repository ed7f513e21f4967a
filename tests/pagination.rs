//! Relay pagination: forwards and backwards without gaps or duplicates, the page-size cap, bad cursors.

use std::collections::BTreeSet;

use crate::support::{TestApp, error_code};
use serde_json::{Value, json};

const TOWNS: &str = r#"
query Towns($first: Int, $after: String, $last: Int, $before: String) {
  towns(filter: { state: [TH] }, orderBy: POPULATION_DESC, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { id name population } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"#;

fn ids(page: &Value) -> Vec<String> {
    page["towns"]["edges"]
        .as_array()
        .cloned()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn forwards_and_backwards_cover_the_list_exactly_once() {
    let app = TestApp::seeded().await;
    let first = app.query(TOWNS, json!({ "first": 1 })).await;
    let total = first["towns"]["totalCount"].as_u64().unwrap();
    assert!(total > 250, "Thüringen has {total} places");

    let mut forward = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = app
            .query(TOWNS, json!({ "first": 100, "after": after }))
            .await;
        forward.extend(ids(&page));
        let info = &page["towns"]["pageInfo"];
        assert_eq!(info["hasPreviousPage"], json!(pages > 0));
        pages += 1;
        if info["hasNextPage"] != json!(true) {
            break;
        }
        after = info["endCursor"].as_str().map(str::to_owned);
        assert!(pages < 100, "pagination does not end");
    }
    assert_eq!(forward.len() as u64, total);
    assert_eq!(
        forward.iter().collect::<BTreeSet<_>>().len() as u64,
        total,
        "duplicates"
    );

    let mut backward = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let page = app
            .query(TOWNS, json!({ "last": 70, "before": before }))
            .await;
        let mut chunk = ids(&page);
        chunk.extend(backward);
        backward = chunk;
        let info = &page["towns"]["pageInfo"];
        if info["hasPreviousPage"] != json!(true) {
            break;
        }
        before = info["startCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(backward, forward, "backwards gives the same list");
}

#[tokio::test]
async fn populations_are_in_the_requested_order() {
    let app = TestApp::seeded().await;
    let page = app.query(TOWNS, json!({ "first": 50 })).await;
    let populations: Vec<i64> = page["towns"]["edges"]
        .as_array()
        .cloned()
        .unwrap()
        .iter()
        .filter_map(|e| e["node"]["population"].as_i64())
        .collect();
    assert_eq!(populations.len(), 50);
    assert!(
        populations.windows(2).all(|w| w[0] >= w[1]),
        "{populations:?}"
    );
    assert_eq!(page["towns"]["edges"][0]["node"]["name"], "Erfurt");
}

#[tokio::test]
async fn a_page_larger_than_100_is_an_error_not_a_truncation() {
    let app = TestApp::seeded().await;
    for variables in [
        json!({ "first": 101 }),
        json!({ "last": 1000 }),
        json!({ "first": -1 }),
    ] {
        let (_, body) = app.graphql(TOWNS, variables.clone()).await;
        assert_eq!(
            error_code(&body),
            Some("BAD_USER_INPUT"),
            "{variables}: {body}"
        );
        assert!(body["data"]["towns"].is_null());
    }
    let (_, body) = app.graphql(TOWNS, json!({ "first": 100 })).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(ids(&body["data"]).len(), 100);
}

#[tokio::test]
async fn nested_lists_are_capped_too() {
    let app = TestApp::seeded().await;
    let (_, body) = app
        .graphql(
            "{ events(first: 1) { nodes { sessions(first: 500) { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

#[tokio::test]
async fn a_forged_cursor_is_rejected() {
    let app = TestApp::seeded().await;
    for cursor in ["garbage", "bzp4", "", "%%%"] {
        let (_, body) = app
            .graphql(TOWNS, json!({ "first": 5, "after": cursor }))
            .await;
        assert_eq!(
            error_code(&body),
            Some("BAD_USER_INPUT"),
            "cursor {cursor:?}: {body}"
        );
    }
}

#[tokio::test]
async fn first_and_last_together_are_rejected() {
    let app = TestApp::seeded().await;
    let (_, body) = app.graphql(TOWNS, json!({ "first": 5, "last": 5 })).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

/// A relation's page is read as a window per parent (the first rows of each key, with each key's
/// total): it must equal the same page cut from the whole list, for every parent of a level at
/// once, forwards with `after` and backwards with `before`.
#[tokio::test]
async fn a_relation_page_equals_the_same_page_of_the_whole_list() {
    let app = TestApp::seeded().await;
    let whole = app
        .query(
            "{ events(first: 20) { nodes { id sessions(last: 60) { edges { cursor node { id } } } } } }",
            json!({}),
        )
        .await;
    let lists: Vec<(String, Vec<(String, String)>)> = whole["events"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| {
            let edges = event["sessions"]["edges"].as_array().unwrap();
            let items = edges
                .iter()
                .map(|e| {
                    (
                        e["cursor"].as_str().unwrap().to_owned(),
                        e["node"]["id"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            (event["id"].as_str().unwrap().to_owned(), items)
        })
        .collect();
    let longest = lists.iter().map(|(_, items)| items.len()).max().unwrap();
    assert!(
        (6..60).contains(&longest),
        "the demo data has a programme: {longest} sessions"
    );
    let (_, sample) = lists
        .iter()
        .find(|(_, items)| items.len() == longest)
        .unwrap();
    let after = sample[1].0.clone();
    let before = sample[longest - 1].0.clone();
    let pages = app
        .query(
            "query($after: String, $before: String) { events(first: 20) { nodes { id
               none: sessions(first: 0) { totalCount pageInfo { hasNextPage } edges { node { id } } }
               head: sessions(first: 2) { totalCount pageInfo { hasNextPage hasPreviousPage } edges { node { id } } }
               next: sessions(first: 3, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage } edges { node { id } } }
               back: sessions(last: 2, before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage } edges { node { id } } } } } }",
            json!({ "after": after, "before": before }),
        )
        .await;
    let nodes = pages["events"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), lists.len());
    let ids = |page: &Value| -> Vec<String> {
        page["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    for (node, (id, items)) in nodes.iter().zip(&lists) {
        assert_eq!(node["id"].as_str(), Some(id.as_str()));
        let all: Vec<String> = items.iter().map(|(_, id)| id.clone()).collect();
        let total = all.len();
        for name in ["none", "head", "next", "back"] {
            assert_eq!(node[name]["totalCount"], json!(total), "{name} of {id}");
        }
        assert_eq!(
            ids(&node["head"]),
            all[..total.min(2)].to_vec(),
            "head of {id}"
        );
        assert_eq!(ids(&node["none"]), Vec::<String>::new());
        assert_eq!(node["none"]["pageInfo"]["hasNextPage"], json!(total > 0));
        assert_eq!(node["head"]["pageInfo"]["hasNextPage"], json!(total > 2));
        assert_eq!(node["head"]["pageInfo"]["hasPreviousPage"], json!(false));
        // The cursors are positions: the same `after` means the same place in every list.
        let next = all.iter().skip(2).take(3).cloned().collect::<Vec<_>>();
        assert_eq!(ids(&node["next"]), next, "next of {id}");
        assert_eq!(node["next"]["pageInfo"]["hasNextPage"], json!(total > 5));
        let end = (longest - 1).min(total);
        let back = all[end.saturating_sub(2)..end].to_vec();
        assert_eq!(ids(&node["back"]), back, "back of {id}");
    }
}
