//! GraphiQL served by the server itself: the page under a strict `Content-Security-Policy`,
//! linking only to this server's assets, and the assets with their types and caching.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::support::TestApp;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

async fn page(app: &TestApp) -> (HeaderMap, String) {
    let request = Request::get("/graphql")
        .header(
            header::ACCEPT,
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    (headers, String::from_utf8(body).unwrap())
}

/// Sends a request straight through the router. The suite's leak check of error answers is
/// skipped here: GraphiQL's script holds words (`"errors"`, `constraint`) that it looks for.
async fn fetch(app: &TestApp, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = app.router().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, body.to_vec())
}

async fn get(app: &TestApp, uri: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    fetch(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

fn header<'a>(headers: &'a HeaderMap, name: &header::HeaderName) -> &'a str {
    headers
        .get(name)
        .map_or("", |value| value.to_str().unwrap())
}

/// The values of every `src` and `href` attribute of the page.
fn links(page: &str) -> Vec<String> {
    let mut links = Vec::new();
    for attribute in [" src=\"", " href=\""] {
        let mut rest = page;
        while let Some(at) = rest.find(attribute) {
            rest = &rest[at + attribute.len()..];
            let end = rest.find('"').unwrap();
            links.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    links
}

fn asset_links(page: &str) -> Vec<String> {
    links(page)
        .into_iter()
        .filter(|link| link != "data:,")
        .collect()
}

/// The sources a directive of a policy allows, or `None` without that directive.
fn directive<'a>(policy: &'a str, name: &str) -> Option<Vec<&'a str>> {
    policy.split(';').map(str::trim).find_map(|part| {
        let mut words = part.split_whitespace();
        (words.next() == Some(name)).then(|| words.collect())
    })
}

#[tokio::test]
async fn the_page_runs_only_its_own_scripts() {
    let app = TestApp::empty().await;
    let (headers, page) = page(&app).await;
    assert_eq!(
        header(&headers, &header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    let policy = header(&headers, &header::CONTENT_SECURITY_POLICY);
    assert_eq!(directive(policy, "script-src"), Some(vec!["'self'"]));
    assert_eq!(directive(policy, "default-src"), Some(vec!["'none'"]));
    assert_eq!(directive(policy, "connect-src"), Some(vec!["'self'"]));
    assert_eq!(directive(policy, "style-src"), Some(vec!["'self'"]));
    assert_eq!(directive(policy, "img-src"), Some(vec!["'self'", "data:"]));
    assert_eq!(directive(policy, "frame-ancestors"), Some(vec!["'none'"]));
    assert_eq!(directive(policy, "base-uri"), Some(vec!["'none'"]));
    assert_eq!(directive(policy, "form-action"), Some(vec!["'self'"]));
    assert!(!policy.contains("unsafe"), "{policy}");
    assert_eq!(header(&headers, &header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(header(&headers, &header::REFERRER_POLICY), "no-referrer");
    assert!(header(&headers, &header::VARY).contains("Accept"));

    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "{page}"
    );
    assert!(!page.contains("<style"), "{page}");
    assert!(!page.contains(" style="), "{page}");
    assert_eq!(
        page.matches("<script").count(),
        page.matches("<script src=\"/graphql/assets/").count(),
        "every script is one of the assets: {page}"
    );
    let links = asset_links(&page);
    assert_eq!(links.len(), 6, "{links:?}");
    for link in &links {
        assert!(link.starts_with("/graphql/assets/"), "{link}");
    }
}

#[tokio::test]
async fn every_asset_of_the_page_is_served_and_kept_for_a_year() {
    let app = TestApp::empty().await;
    let (_, page) = page(&app).await;
    for link in asset_links(&page) {
        let (status, headers, body) = get(&app, &link).await;
        assert_eq!(status, StatusCode::OK, "{link}");
        let expected = if link.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else if link.ends_with(".css") {
            "text/css; charset=utf-8"
        } else {
            panic!("unexpected asset {link}")
        };
        assert_eq!(header(&headers, &header::CONTENT_TYPE), expected, "{link}");
        assert_eq!(
            header(&headers, &header::CACHE_CONTROL),
            IMMUTABLE,
            "{link}"
        );
        assert_eq!(header(&headers, &header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        let etag = header(&headers, &header::ETAG).to_owned();
        assert!(
            etag.starts_with('"') && etag.ends_with('"'),
            "{link}: {etag}"
        );
        assert!(!body.is_empty(), "{link}");
        let version = link.split('/').nth(3).unwrap();
        assert_eq!(version.len(), 8, "{link}");
        assert!(etag[1..].starts_with(version), "{link}: {etag}");

        let request = Request::get(&link)
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .unwrap();
        let (status, headers, body) = fetch(&app, request).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{link}");
        assert_eq!(header(&headers, &header::ETAG), etag);
        assert!(body.is_empty());

        // Without the version the same file answers, to be revalidated.
        let name = link.rsplit('/').next().unwrap();
        let (status, headers, _) = get(&app, &format!("/graphql/assets/{name}")).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(header(&headers, &header::CACHE_CONTROL), "no-cache");
        assert_eq!(header(&headers, &header::ETAG), etag);
    }
}

#[tokio::test]
async fn the_init_script_mounts_graphiql_on_the_endpoint_of_the_page() {
    let app = TestApp::empty().await;
    let (_, page) = page(&app).await;
    assert!(
        page.contains("id=\"graphiql\" data-endpoint=\"/graphql\""),
        "{page}"
    );
    let (status, _, body) = get(&app, "/graphql/assets/init.js").await;
    assert_eq!(status, StatusCode::OK);
    let script = String::from_utf8(body).unwrap();
    assert!(script.contains("GraphiQL.createFetcher"), "{script}");
    assert!(script.contains("isHeadersEditorEnabled: true"), "{script}");
}

#[tokio::test]
async fn anything_else_under_assets_is_not_found() {
    let app = TestApp::empty().await;
    let (_, page) = page(&app).await;
    let script = asset_links(&page)
        .into_iter()
        .find(|link| link.ends_with("/graphiql.min.js"))
        .unwrap();
    let version = script.split('/').nth(3).unwrap();
    for uri in [
        "/graphql/assets/nothing.js".to_owned(),
        "/graphql/assets/graphiql.min.js.map".to_owned(),
        "/graphql/assets/00000000/graphiql.min.js".to_owned(),
        format!("/graphql/assets/{version}/init.js"),
        format!("/graphql/assets/{version}/nothing.js"),
        "/graphql/assets/a/b/graphiql.min.js".to_owned(),
        "/graphql/assets/".to_owned(),
        "/graphql/assets/..%2Fgraphql".to_owned(),
    ] {
        let (status, _, _) = get(&app, &uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
    }
}

#[tokio::test]
async fn assets_take_no_body_and_skip_the_json_check() {
    let app = TestApp::empty().await;
    let request = Request::post("/graphql/assets/init.js")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("x"))
        .unwrap();
    let (status, _, _) = fetch(&app, request).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}
