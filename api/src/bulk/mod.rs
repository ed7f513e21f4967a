//! Bulk data paths: the bundle import (the one writer of bulk data), the demo seed (a translation of
//! the shipped files into a bundle), the GeoNames town import, backups, and what the bulk exports
//! read. Each goes through the same validation as a single edit, in one transaction.

pub mod backup;
pub mod bundle;
pub mod export;
pub mod import;
pub mod seed;
