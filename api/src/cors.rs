//! Cross-origin access (CORS): partner pages may read the public API from the browser; nothing
//! that carries credentials is ever open to another origin.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::Config;
use crate::error::{AppError, AppResult};

/// The configured origins: `None` for any origin, else the list.
pub fn origins(config: &Config) -> AppResult<Option<Vec<HeaderValue>>> {
    let value = config.cors_allowed_origins.trim();
    if value == "*" {
        return Ok(None);
    }
    value
        .split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let parsed = url::Url::parse(origin).ok().filter(|url| {
                matches!(url.scheme(), "http" | "https")
                    && url.path() == "/"
                    && !origin.ends_with('/')
                    && url.query().is_none()
            });
            match (parsed, HeaderValue::from_str(origin)) {
                (Some(_), Ok(header)) => Ok(header),
                _ => Err(AppError::Internal(format!(
                    "CORS_ALLOWED_ORIGINS: `{origin}` is not an origin like `https://www.example.de`"
                ))),
            }
        })
        .collect::<AppResult<Vec<_>>>()
        .map(Some)
}

fn allow_origin(config: &Config) -> AllowOrigin {
    match origins(config) {
        Ok(None) => AllowOrigin::any(),
        Ok(Some(list)) => AllowOrigin::list(list),
        // Checked at start-up; should it still fail, no other origin is allowed.
        Err(_) => AllowOrigin::list(Vec::<HeaderValue>::new()),
    }
}

/// Public GET routes (REST, feeds, embeds): readable from the allowed origins, without credentials.
pub fn public(config: &Config) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(allow_origin(config))
        .allow_methods([Method::GET, Method::HEAD])
        .allow_headers([header::ACCEPT, header::IF_NONE_MATCH])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::RETRY_AFTER,
            HeaderName::from_static("content-location"),
        ])
        .max_age(Duration::from_secs(24 * 3600))
}

/// GraphQL: anonymous queries from the allowed origins. The `Authorization` header is not
/// allowed across origins, so no other site's page can act with a staff member's token.
pub fn graphql(config: &Config) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(allow_origin(config))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::ACCEPT, header::IF_NONE_MATCH])
        .expose_headers([header::ETAG, header::RETRY_AFTER])
        // The GraphQL handler sends one `Vary` line of its own, which names `Origin` too: caches
        // such as nginx read only the last line of several.
        .vary([])
        .max_age(Duration::from_secs(24 * 3600))
}
