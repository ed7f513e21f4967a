//! Storage plumbing shared by every domain: the one way records change (`write`), paging lists
//! (`page`), text matching that behaves the same on both backends (`text`) and the full-text index
//! (`search_index`). No business rule lives here.

pub mod page;
pub mod search_index;
pub mod text;
pub mod write;
