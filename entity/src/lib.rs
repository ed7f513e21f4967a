//! sea-orm entities of the kleinstadt knowledge graph, one module per table.
//!
//! Entities are storage, not API: the GraphQL and REST layers map them to their own types, so a new
//! column never becomes public by accident.

pub mod advisory_board_membership;
pub mod audit_entry;
pub mod change_log;
pub mod contribution;
pub mod document;
pub mod document_author;
pub mod enums;
pub mod event;
pub mod event_organiser;
pub mod model_project;
pub mod model_project_partner;
pub mod model_project_town;
pub mod organisation;
pub mod persisted_document;
pub mod person;
pub mod project_call;
pub mod registration;
pub mod session;
pub mod sources;
pub mod staff_session;
pub mod staff_user;
pub mod state;
pub mod town;
pub mod webhook_delivery;
pub mod webhook_endpoint;

pub use sources::Sources;
