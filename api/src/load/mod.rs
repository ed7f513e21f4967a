//! Batched loading of relations for a response: the rows of one level, each relation read for the
//! whole level in one statement (see [`Row`]), with the to-one relations that can ride along read in
//! the same statement ([`Riders`]). A relation is a type ([`Relation`]), declared once in
//! `service::relation` with its key, visibility and order; how rows are read and decoded lives here.

pub mod decode;
mod level;
pub mod reader;
mod relation;
mod rider;

pub use level::{Level, Row, fetch};
pub(crate) use relation::relation;
pub use relation::{Relation, TargetModel, ToOne};
pub use rider::{Riders, Then};
