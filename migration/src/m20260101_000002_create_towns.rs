//! Towns (Gemeinden): GeoNames places and municipalities of the network.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer_null, double_null, integer_null, string_len, string_len_null, string_null,
};

use crate::columns::{fk, id, index, sources, with_record_columns};
use crate::m20260101_000001_create_states::State;

// The column names `town_type*` are the schema's; the lint only sees the Rust names.
#[allow(clippy::enum_variant_names)]
#[derive(DeriveIden, Clone, Copy)]
pub enum Town {
    Table,
    Slug,
    Name,
    StateId,
    District,
    MunicipalityKey,
    GeonamesId,
    Population,
    Latitude,
    Longitude,
    TownType,
    TownTypeOfficial,
    Website,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(Town::Table)
            .col(id())
            .col(string_len_null(Town::Slug, 64))
            .col(string_len(Town::Name, 200))
            .col(integer_null(Town::StateId))
            .col(string_len_null(Town::District, 200))
            .col(string_len_null(Town::MunicipalityKey, 8))
            .col(big_integer_null(Town::GeonamesId))
            .col(integer_null(Town::Population))
            .col(double_null(Town::Latitude))
            .col(double_null(Town::Longitude))
            .col(string_len_null(Town::TownType, 32))
            .col(
                ColumnDef::new(Town::TownTypeOfficial)
                    .boolean()
                    .not_null()
                    .default(false),
            )
            .col(string_null(Town::Website))
            .col(sources())
            .foreign_key(&mut fk(
                Town::Table,
                Town::StateId,
                State::Table,
                ForeignKeyAction::Restrict,
            ));
        with_record_columns(&mut table);
        manager.create_table(table.to_owned()).await?;
        for statement in [
            index(Town::Table, "slug", &[Town::Slug], true),
            index(
                Town::Table,
                "municipality_key",
                &[Town::MunicipalityKey],
                true,
            ),
            index(Town::Table, "geonames_id", &[Town::GeonamesId], true),
            index(Town::Table, "state_id", &[Town::StateId], false),
            index(Town::Table, "name", &[Town::Name], false),
            index(Town::Table, "population", &[Town::Population], false),
            index(Town::Table, "town_type", &[Town::TownType], false),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Town::Table).to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
