//! Query strings: parsed with serde, every failure a `BAD_USER_INPUT` naming the problem.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{AppError, AppResult};

/// Query parameters of type `T`; a malformed query string is a `BAD_USER_INPUT` error.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(value)| Self(value))
            .map_err(|rejection| {
                AppError::bad_input(format!("invalid query: {}", rejection.body_text()))
            })
    }
}

/// A comma-separated list of enum values (`format=DIGITAL,HYBRID`), named `parameter` in errors.
pub fn list<T: DeserializeOwned>(
    value: Option<&str>,
    parameter: &str,
) -> AppResult<Option<Vec<T>>> {
    let Some(value) = value else {
        return Ok(None);
    };
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            serde_json::from_value(serde_json::Value::String(item.to_owned())).map_err(|_| {
                AppError::bad_field(parameter, format!("`{item}` is not a valid `{parameter}`"))
            })
        })
        .collect::<AppResult<Vec<T>>>()
        .map(Some)
}
