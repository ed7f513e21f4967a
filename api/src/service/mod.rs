//! The service layer: every business rule and every database access, one module per domain.
//! GraphQL and REST call these functions and never hold a rule of their own.

pub mod account;
pub mod audit;
pub mod board;
pub mod changes;
pub mod choices;
pub mod document;
pub mod event;
pub mod graph;
pub mod model_project;
pub mod organisation;
pub mod persisted;
pub mod person;
pub mod programme;
pub mod record;
pub mod registration;
pub mod relation;
pub mod search;
pub mod session;
pub mod staff_session;
pub mod statistics;
pub mod timing;
pub mod town;
pub mod validate;
pub mod webhook;
