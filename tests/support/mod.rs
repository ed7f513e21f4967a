//! Test support: a fresh database per test copied from a per-run template (SQLite by default,
//! PostgreSQL when `TEST_DATABASE_URL` names a server), the real router, clients that call it, and
//! factories for the records tests make again and again.

mod app;
pub mod browser;
mod client;
pub mod factory;
mod leaks;
pub mod network;
pub mod receiver;
mod template;

use serde_json::Value;

pub use app::{STAFF_PASSWORD, TestApp};
pub use client::Client;

/// Parses a JSON body, failing the test with the body when it is not JSON.
pub fn parse_json(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

/// The `extensions.code` of the first error of a GraphQL response.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}
