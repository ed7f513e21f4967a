//! The check, run on every answer of the suite, that error answers show nothing of the internals.

use axum::http::StatusCode;

/// What must never appear in an error answer: SQL, driver and crate names, source paths, panics.
const LEAKS: &[&str] = &[
    "sqlx",
    "sea_orm",
    "sea-orm",
    "sqlite_",
    "SQLITE",
    "constraint",
    "panicked",
    "/src/",
    ".rs:",
    "SELECT ",
    "INSERT ",
    "UPDATE \"",
    "DELETE FROM",
    "syntax error at",
    "stack backtrace",
    "postgres://",
    "pg_",
    "relation \"",
];

/// Every answer that reports an error is checked for leaks of internals, across the whole suite.
pub fn assert_no_leak(status: StatusCode, body: &[u8]) {
    let text = String::from_utf8_lossy(body);
    let is_error = status.is_client_error()
        || status.is_server_error()
        || text.contains("\"errors\"")
        || text.starts_with("{\"error\"");
    if !is_error {
        return;
    }
    for leak in LEAKS {
        assert!(
            !text.contains(leak),
            "an error answer ({status}) shows `{leak}`: {text}"
        );
    }
}
