//! kleinstadt: the open knowledge base and API of Germany's small-town network.

pub mod admin;
pub mod auth;
pub mod bulk;
pub mod cache;
pub mod change_watch;
pub mod config;
pub mod cors;
pub mod db;
pub mod error;
pub mod export;
pub mod feeds;
pub mod graphql;
pub mod guard;
pub mod http;
pub mod ids;
pub mod load;
pub mod metrics;
pub mod persisted;
pub mod rate_limit;
pub mod rest;
pub mod run;
pub mod serve;
pub mod service;
pub mod state;
pub mod store;
pub mod viewer;
pub mod webhook;

pub use error::{AppError, AppResult};
pub use http::app;
pub use state::AppState;
