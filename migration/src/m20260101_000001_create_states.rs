//! The 16 German states (Länder), keyed by the first two digits of the municipality key.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{integer, string_len, string_len_uniq};

use crate::columns::id;

/// The states, as (key, abbreviation, name as GeoNames writes it).
const STATES: [(&str, &str, &str); 16] = [
    ("01", "SH", "Schleswig-Holstein"),
    ("02", "HH", "Hamburg"),
    ("03", "NI", "Niedersachsen"),
    ("04", "HB", "Bremen"),
    ("05", "NW", "Nordrhein-Westfalen"),
    ("06", "HE", "Hessen"),
    ("07", "RP", "Rheinland-Pfalz"),
    ("08", "BW", "Baden-Württemberg"),
    ("09", "BY", "Bayern"),
    ("10", "SL", "Saarland"),
    ("11", "BE", "Berlin"),
    ("12", "BB", "Brandenburg"),
    ("13", "MV", "Mecklenburg-Vorpommern"),
    ("14", "SN", "Sachsen"),
    ("15", "ST", "Sachsen-Anhalt"),
    ("16", "TH", "Thüringen"),
];

#[derive(DeriveIden, Clone, Copy)]
pub enum State {
    Table,
    Key,
    Code,
    Name,
    Version,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(State::Table)
                    .col(id())
                    .col(string_len_uniq(State::Key, 2))
                    .col(string_len_uniq(State::Code, 2))
                    .col(string_len(State::Name, 64))
                    .col(integer(State::Version).default(1))
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert()
            .into_table(State::Table)
            .columns([State::Key, State::Code, State::Name])
            .to_owned();
        for (key, code, name) in STATES {
            insert.values_panic([key.into(), code.into(), name.into()]);
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(State::Table).to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
