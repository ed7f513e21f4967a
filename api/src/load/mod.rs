//! Batched loading of relations for a response: the rows of one level, each relation read for the
//! whole level in one statement (see [`Row`]), with the to-one relations that can ride along read in
//! the same statement ([`Riders`]). What a relation is (key, visibility, order) is declared in
//! `service::relation`; how rows are read and decoded lives here.

pub mod decode;
mod level;
pub mod reader;
mod rider;

pub(crate) use level::identity;
pub use level::{BatchSpec, Level, ModelOf, Row, fetch};
pub use rider::{Rider, Riders, Then};
