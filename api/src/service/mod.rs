//! The service layer: every business rule and every database access, one module per domain.
//! GraphQL and REST call these functions and never hold a rule of their own.

pub mod bundle;
pub mod document;
pub mod event;
pub mod import;
pub mod model_project;
pub mod organisation;
pub mod page;
pub mod person;
pub mod seed;
pub mod session;
pub mod text;
pub mod town;
pub mod viewer;
