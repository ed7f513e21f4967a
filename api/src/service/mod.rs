//! The service layer: every business rule and every database access, one module per domain.

pub mod import;
pub mod seed;
