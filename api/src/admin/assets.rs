//! The interface's stylesheet, served from the binary under a name that changes with its content.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("../../assets/admin/admin.css");

/// The stylesheet's path, with the first 8 hex digits of its SHA-256.
pub static STYLESHEET: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(CSS.as_bytes());
    let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("/admin/assets/admin-{hash}.css")
});

/// `GET /admin/assets/{name}`: the stylesheet, cached for a year (its name changes with it).
pub async fn serve(Path(name): Path<String>) -> Response {
    if format!("/admin/assets/{name}") != *STYLESHEET {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        CSS,
    )
        .into_response()
}
