//! Pages of REST lists: `limit` (at most 100) and an opaque `cursor`, `Link` headers for the next
//! and previous page, and the total count.

use axum::Json;
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{AppError, AppResult};
use crate::store::page::{
    DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, PageArgs, decode_cursor, encode_cursor,
};

/// Which page of a list to show.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 100 (default 20); more is an error, not a silent truncation.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i32>,
    /// Where the page starts: `nextCursor` or `previousCursor` of another page (opaque).
    pub cursor: Option<String>,
}

/// The window a `PageQuery` asks for.
pub struct Window {
    /// The same window as Relay arguments for the service layer.
    pub args: PageArgs,
    start: u64,
    limit: u64,
}

impl PageQuery {
    /// Checks the limit and decodes the cursor.
    pub fn window(&self) -> AppResult<Window> {
        let limit = self.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(AppError::bad_field(
                "limit",
                format!("`limit` must be between 1 and {MAX_PAGE_SIZE}, got {limit}"),
            ));
        }
        let start = match &self.cursor {
            Some(cursor) => decode_cursor(cursor, "cursor")?,
            None => 0,
        };
        Ok(Window {
            args: PageArgs {
                first: Some(limit),
                after: start.checked_sub(1).map(encode_cursor),
                last: None,
                before: None,
            },
            start,
            limit: limit as u64,
        })
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListPage<T> {
    /// The items of this page, in the list's order.
    pub items: Vec<T>,
    /// How many items the whole list has.
    pub total_count: u64,
    /// Cursor of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Cursor of the previous page; absent on the first page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_cursor: Option<String>,
}

impl<T: Serialize> ListPage<T> {
    /// The page of `items` that `window` selected from a service page.
    pub fn new<M>(page: &Page<M>, window: &Window, items: Vec<T>) -> Self {
        let shown = page.items.len() as u64;
        Self {
            items,
            total_count: page.total.unwrap_or(window.start + shown),
            next_cursor: page.has_next.then(|| encode_cursor(window.start + shown)),
            previous_cursor: (window.start > 0)
                .then(|| encode_cursor(window.start.saturating_sub(window.limit))),
        }
    }

    /// The JSON answer with `Link` headers (RFC 8288) to the next and previous page of `uri`.
    pub fn respond(self, uri: &Uri) -> Response {
        let mut links = Vec::new();
        if let Some(cursor) = &self.next_cursor {
            links.push(format!("<{}>; rel=\"next\"", with_cursor(uri, cursor)));
        }
        if let Some(cursor) = &self.previous_cursor {
            links.push(format!("<{}>; rel=\"prev\"", with_cursor(uri, cursor)));
        }
        let mut response = Json(self).into_response();
        if !links.is_empty()
            && let Ok(value) = HeaderValue::from_str(&links.join(", "))
        {
            response.headers_mut().insert(header::LINK, value);
        }
        response
    }
}

/// `uri`'s path and query with `cursor` set to `cursor`.
fn with_cursor(uri: &Uri, cursor: &str) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        if key != "cursor" {
            query.append_pair(&key, &value);
        }
    }
    query.append_pair("cursor", cursor);
    format!("{}?{}", uri.path(), query.finish())
}
