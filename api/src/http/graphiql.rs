//! GraphiQL for browsers, self-contained: the page and its scripts and styles come from the binary
//! (`api/assets/graphiql/`), under a `Content-Security-Policy` that lets it load nothing else.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{DOCTYPE, html};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::rest::conditional;
use crate::state::AppState;

/// The `Content-Security-Policy` of the page.
// GraphiQL's stylesheet embeds its fonts as `data:` URLs. Its components set styles through the
// DOM, which `style-src` allows; the one `<style>` element it adds (the scroll lock of an open
// dialog) is refused, which changes nothing, as the page never scrolls.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// A year: versioned asset URLs never change their answer.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// The files, by name, with their media types.
const FILES: [(&str, &str, &[u8]); 6] = [
    (
        "react.production.min.js",
        JAVASCRIPT,
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        JAVASCRIPT,
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
    (
        "graphiql.min.js",
        JAVASCRIPT,
        include_bytes!("../../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        CSS,
        include_bytes!("../../assets/graphiql/graphiql.min.css"),
    ),
    (
        "page.css",
        CSS,
        include_bytes!("../../assets/graphiql/page.css"),
    ),
    (
        "init.js",
        JAVASCRIPT,
        include_bytes!("../../assets/graphiql/init.js"),
    ),
];

/// A file as served: its version (the first 8 hex digits of its SHA-256) and its `ETag`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    version: String,
    etag: String,
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|&(name, content_type, body)| {
            let digest = Sha256::digest(body);
            let etag = conditional::tag(&digest);
            Asset {
                name,
                content_type,
                body,
                version: etag.trim_matches('"').chars().take(8).collect(),
                etag,
            }
        })
        .collect()
});

fn asset(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.name == name)
}

/// The versioned URL of an asset, which the page links to.
fn url(name: &str) -> String {
    match asset(name) {
        Some(asset) => format!("/graphql/assets/{}/{}", asset.version, asset.name),
        None => format!("/graphql/assets/{name}"),
    }
}

/// `GET /graphql/assets/{name}` (revalidated by `ETag`) and `GET /graphql/assets/{version}/{name}`
/// (kept for a year): GraphiQL's files. Anything else under `/graphql/assets/` is a 404.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/graphql/assets/{name}", get(unversioned))
        .route("/graphql/assets/{version}/{name}", get(versioned))
}

async fn unversioned(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match asset(&name) {
        Some(asset) => serve(asset, "no-cache", &headers),
        None => AppError::NotFound("asset").into_response(),
    }
}

async fn versioned(Path((version, name)): Path<(String, String)>, headers: HeaderMap) -> Response {
    match asset(&name) {
        Some(asset) if asset.version == version => serve(asset, IMMUTABLE, &headers),
        _ => AppError::NotFound("asset").into_response(),
    }
}

fn serve(asset: &'static Asset, cache_control: &'static str, request: &HeaderMap) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(etag) = HeaderValue::from_str(&asset.etag) {
        headers.insert(header::ETAG, etag);
    }
    if request
        .get(header::IF_NONE_MATCH)
        .is_some_and(|value| conditional::matches(value, &asset.etag))
    {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    (headers, asset.body).into_response()
}

/// The GraphiQL page: only this server's assets, no inline script or style.
pub fn page() -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="robots" content="noindex";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "GraphiQL · kleinstadt" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(url("graphiql.min.css"));
                link rel="stylesheet" href=(url("page.css"));
                script src=(url("react.production.min.js")) {}
                script src=(url("react-dom.production.min.js")) {}
                script src=(url("graphiql.min.js")) {}
            }
            body {
                div #graphiql data-endpoint="/graphql" { "Loading…" }
                script src=(url("init.js")) {}
            }
        }
    };
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        markup.into_string(),
    )
        .into_response()
}
