//! kleinstadt: the open knowledge base and API of Germany's small-town network.

pub mod auth;
pub mod cache;
pub mod config;
pub mod db;
pub mod error;
pub mod feeds;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod run;
pub mod service;
pub mod state;

pub use error::{AppError, AppResult};
pub use http::app;
pub use state::AppState;
