//! kleinstadt: the open knowledge base and API of Germany's small-town network.

pub mod error;
pub mod service;

pub use error::{AppError, AppResult};
