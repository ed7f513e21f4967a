//! The integration test binary: every behaviour test of kleinstadt as a module, built and linked once,
//! each test on its own database copied from a template seeded once per run (see `support`).

// A failed unwrap or expect is how a test (or a helper it calls) reports a broken assumption.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod admin;
mod auth;
mod backup;
mod bench_statements;
mod bundle;
mod cache;
mod changes;
mod decoding;
mod deferred;
mod drafts;
mod editing_events;
mod editing_network;
mod editing_programme;
mod embed;
mod exports;
mod feeds;
mod filters;
mod graphiql;
mod graphql_http;
mod hardening;
mod http;
mod import;
mod joined;
mod migrations;
mod network;
mod node;
mod oidc;
mod pagination;
mod privacy;
mod programme;
mod readme;
mod rest;
mod rollback;
mod schema;
mod search;
mod seed;
mod statements;
mod statistics;
mod templates;
mod webhooks;
