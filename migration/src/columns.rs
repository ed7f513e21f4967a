//! Column definitions shared by every table: key, optimistic-locking version, timestamps, sources.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{integer, json, pk_auto, timestamp_with_time_zone};

#[derive(DeriveIden, Clone, Copy)]
enum Common {
    Id,
    Version,
    CreatedAt,
    UpdatedAt,
    Sources,
}

/// Auto-incremented integer primary key `id`.
pub fn id() -> ColumnDef {
    pk_auto(Common::Id)
}

/// Optimistic-locking counter, 1 on insert.
pub fn version() -> ColumnDef {
    integer(Common::Version).default(1).to_owned()
}

/// Creation instant (UTC).
pub fn created_at() -> ColumnDef {
    timestamp_with_time_zone(Common::CreatedAt)
}

/// Last-change instant (UTC).
pub fn updated_at() -> ColumnDef {
    timestamp_with_time_zone(Common::UpdatedAt)
}

/// JSON array of the public URLs a record is taken from.
pub fn sources() -> ColumnDef {
    json(Common::Sources)
}

/// Adds the record-keeping columns (version, created_at, updated_at) to a table definition.
pub fn with_record_columns(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table.col(version()).col(created_at()).col(updated_at())
}

/// A foreign key from `table.column` to `target.id`.
pub fn fk(
    table: impl IntoIden + Clone,
    column: impl IntoIden,
    target: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(target, Common::Id)
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::Cascade)
        .to_owned()
}

/// A (possibly unique) index named `idx_<table>_<suffix>`.
pub fn index<T: IntoIden + Clone, C: IntoIden + Clone>(
    table: T,
    suffix: &str,
    columns: &[C],
    unique: bool,
) -> IndexCreateStatement {
    let name = format!("idx_{}_{}", table.clone().into_iden(), suffix);
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column.clone());
    }
    if unique {
        index.unique();
    }
    index.to_owned()
}
