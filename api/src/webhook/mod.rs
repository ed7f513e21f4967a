//! Webhooks (Standard Webhooks 1.0): every public change, signed, to the endpoints administrators
//! registered. `service::webhook` manages the endpoints; this module signs, sends and dispatches.

pub mod address;
pub mod client;
pub mod dispatcher;
pub mod log;
pub mod message;
pub mod sign;

pub use dispatcher::Dispatcher;
