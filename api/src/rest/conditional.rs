//! HTTP caching of public answers: an `ETag` from the body, `Cache-Control`, and `304 Not Modified`
//! for a matching `If-None-Match`. Streamed answers (the NDJSON exports) are tagged by their handler
//! with the change log's head instead, which moves with every committed change.

use axum::body::{Body, HttpBody as _};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::state::AppState;

/// Largest answer hashed for an `ETag`; larger (and streamed) answers go out without one.
const MAX_TAGGED_BYTES: u64 = 8 * 1024 * 1024;

/// Adds `ETag` and `Cache-Control` to successful GET and HEAD answers and answers `304` when the
/// client already has the same body. The tag is a hash of the body, so it changes exactly when
/// the data shown changes, and every instance computes the same tag.
pub async fn etag(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    if parts.headers.contains_key(header::ETAG)
        || body
            .size_hint()
            .exact()
            .is_none_or(|size| size > MAX_TAGGED_BYTES)
    {
        return Response::from_parts(parts, body);
    }
    let bytes = match axum::body::to_bytes(body, MAX_TAGGED_BYTES as usize).await {
        Ok(bytes) => bytes,
        Err(error) => {
            return AppError::Internal(format!("cannot read the answer: {error}")).into_response();
        }
    };
    let tag = tag(&Sha256::digest(&bytes));
    let Ok(tag_value) = HeaderValue::from_str(&tag) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    parts.headers.insert(header::ETAG, tag_value);
    if !parts.headers.contains_key(header::CACHE_CONTROL)
        && let Ok(value) = HeaderValue::from_str(&format!(
            "public, max-age={}",
            state.config.http_cache_max_age
        ))
    {
        parts.headers.insert(header::CACHE_CONTROL, value);
    }
    if if_none_match.is_some_and(|value| matches(&value, &tag)) {
        let mut headers = HeaderMap::new();
        for name in [
            header::ETAG,
            header::CACHE_CONTROL,
            header::VARY,
            header::CONTENT_LOCATION,
        ] {
            if let Some(value) = parts.headers.get(&name) {
                headers.insert(name, value.clone());
            }
        }
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Whether an `If-None-Match` value names `tag` (weak comparison, RFC 9110 §13.1.2).
pub(crate) fn matches(value: &HeaderValue, tag: &str) -> bool {
    let Ok(value) = value.to_str() else {
        return false;
    };
    value.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == tag
    })
}

/// A strong entity tag from a SHA-256 digest (its first 128 bits, in hex).
pub(crate) fn tag(digest: &[u8]) -> String {
    format!("\"{}\"", hex(digest.get(..16).unwrap_or(digest)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists() {
        let tag = "\"abc\"";
        assert!(matches(&HeaderValue::from_static("\"abc\""), tag));
        assert!(matches(&HeaderValue::from_static("W/\"abc\""), tag));
        assert!(matches(&HeaderValue::from_static("\"x\", \"abc\""), tag));
        assert!(matches(&HeaderValue::from_static("*"), tag));
        assert!(!matches(&HeaderValue::from_static("\"abd\""), tag));
    }
}
