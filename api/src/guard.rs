//! Request guards of the HTTP edge: content type, overload and timeout answers, caught panics, and
//! one shape for every error answer, carrying the request id that the log lines carry too.

use std::any::Any;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tower::BoxError;

use crate::error::{AppError, ErrorCode};

/// Largest error body rewritten to carry the request id.
const MAX_ERROR_BYTES: usize = 64 * 1024;

/// The tracing span of a request, named by its id.
pub fn span(request: &Request<Body>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        uri = %request.uri().path(),
        request_id = %id,
    )
}

/// Requests with a body must send JSON (`415` otherwise): no form posts, no multipart uploads.
pub async fn require_json(request: Request, next: Next) -> Response {
    let has_body = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH
    );
    if has_body {
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::BadUserInput,
                "send the request body as `Content-Type: application/json`",
            );
        }
    }
    next.run(request).await
}

/// The answer when the server is saturated or a request ran out of time.
pub async fn overloaded(error: BoxError) -> Response {
    let cause = if error.is::<tower::load_shed::error::Overloaded>() {
        "too many requests in flight"
    } else if error.is::<tower::timeout::error::Elapsed>() {
        "the request took too long"
    } else {
        "the request failed"
    };
    AppError::Unavailable(format!("{cause}: {error}")).into_response()
}

/// The answer to a request whose handler panicked; the panic goes to the log, not to the client.
pub fn panicked(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    AppError::Internal(format!("handler panicked: {message}")).into_response()
}

fn error(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": { "code": code.as_str(), "message": message } });
    (status, axum::Json(body)).into_response()
}

/// Gives every error answer the JSON error shape and the request id: bodies of our own errors get
/// `requestId`, and bare answers of the HTTP stack (413, 405, …) are replaced by a JSON error.
pub async fn request_id_in_errors(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    // The staff interface answers errors with pages of its own.
    if response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"))
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_ERROR_BYTES)
        .await
        .unwrap_or_default();
    let mut value = match serde_json::from_slice::<Value>(&bytes) {
        Ok(value) if value.get("error").is_some() || value.get("errors").is_some() => value,
        _ => {
            let (code, message) = match status {
                StatusCode::PAYLOAD_TOO_LARGE => {
                    (ErrorCode::BadUserInput, "the request body is too large")
                }
                StatusCode::METHOD_NOT_ALLOWED => (
                    ErrorCode::BadUserInput,
                    "this method is not allowed on this path",
                ),
                StatusCode::NOT_FOUND => (ErrorCode::NotFound, "no such resource"),
                StatusCode::REQUEST_TIMEOUT => {
                    (ErrorCode::Unavailable, "the request took too long")
                }
                status if status.is_server_error() => (ErrorCode::Internal, "internal error"),
                _ => (ErrorCode::BadUserInput, "the request is invalid"),
            };
            parts.headers.remove(header::CONTENT_LENGTH);
            serde_json::json!({ "error": { "code": code.as_str(), "message": message } })
        }
    };
    if let Some(id) = id {
        if let Some(detail) = value.get_mut("error").and_then(Value::as_object_mut) {
            detail.insert("requestId".to_owned(), Value::String(id.clone()));
        }
        if let Some(errors) = value.get_mut("errors").and_then(Value::as_array_mut) {
            for error in errors {
                if let Some(extensions) = error
                    .as_object_mut()
                    .map(|error| {
                        error
                            .entry("extensions")
                            .or_insert_with(|| serde_json::json!({}))
                    })
                    .and_then(Value::as_object_mut)
                {
                    extensions.insert("requestId".to_owned(), Value::String(id.clone()));
                }
            }
        }
    }
    let body = serde_json::to_vec(&value).unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    // A JSON error keeps its media type (`application/graphql-response+json` stays itself).
    let json_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().ends_with("json"));
    if !json_type {
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_becomes_a_generic_internal_error() {
        let response = panicked(Box::new("index out of bounds at api/src/x.rs:1".to_owned()));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap_or_default();
        let body: Value = serde_json::from_slice(&body).unwrap_or_default();
        assert_eq!(body["error"]["code"], "INTERNAL");
        assert_eq!(body["error"]["message"], "internal error");
    }

    #[tokio::test]
    async fn overload_and_timeouts_are_unavailable() {
        let response = overloaded(Box::new(tower::load_shed::error::Overloaded::new())).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().contains_key(header::RETRY_AFTER));
    }
}
