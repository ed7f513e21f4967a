//! Storage plumbing shared by every domain: the one way records change (`write`) and the log of
//! those changes (`change_log`), paging lists (`page`), text matching that behaves the same on both
//! backends (`text`), existence checks by key (`probe`) and the full-text index (`search_index`). No
//! business rule lives here.

pub mod change_log;
pub mod page;
pub mod probe;
pub mod search_index;
pub mod text;
pub mod write;
