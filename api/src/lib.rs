//! kleinstadt: the open knowledge base and API of Germany's small-town network.

pub mod config;
pub mod db;
pub mod error;
pub mod ids;
pub mod service;

pub use error::{AppError, AppResult};
