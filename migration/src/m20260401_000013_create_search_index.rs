//! The full-text search index: one row per searchable record with its display text and its
//! terms (folded and stemmed by the service layer, so both backends match the same records).
//! SQLite matches with an FTS5 table kept in step by triggers; PostgreSQL with a weighted
//! `tsvector` column and a GIN index.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: [&str; 6] = [
    "CREATE TABLE search_entry (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       kind VARCHAR(32) NOT NULL,
       record_id INTEGER NOT NULL,
       title TEXT NOT NULL,
       body TEXT NOT NULL,
       title_terms TEXT NOT NULL,
       body_terms TEXT NOT NULL,
       UNIQUE (kind, record_id)
     )",
    "CREATE VIRTUAL TABLE search_fts USING fts5(
       title_terms, body_terms, content='search_entry', content_rowid='id', tokenize='unicode61'
     )",
    "CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN
       INSERT INTO search_fts(rowid, title_terms, body_terms)
       VALUES (new.id, new.title_terms, new.body_terms);
     END",
    "CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN
       INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms)
       VALUES ('delete', old.id, old.title_terms, old.body_terms);
     END",
    "CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry BEGIN
       INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms)
       VALUES ('delete', old.id, old.title_terms, old.body_terms);
       INSERT INTO search_fts(rowid, title_terms, body_terms)
       VALUES (new.id, new.title_terms, new.body_terms);
     END",
    "CREATE INDEX search_entry_kind ON search_entry (kind)",
];

const SQLITE_DOWN: [&str; 5] = [
    "DROP TRIGGER IF EXISTS search_entry_au",
    "DROP TRIGGER IF EXISTS search_entry_ad",
    "DROP TRIGGER IF EXISTS search_entry_ai",
    "DROP TABLE IF EXISTS search_fts",
    "DROP TABLE IF EXISTS search_entry",
];

const POSTGRES_UP: [&str; 3] = [
    "CREATE TABLE search_entry (
       id SERIAL PRIMARY KEY,
       kind VARCHAR(32) NOT NULL,
       record_id INTEGER NOT NULL,
       title TEXT NOT NULL,
       body TEXT NOT NULL,
       title_terms TEXT NOT NULL,
       body_terms TEXT NOT NULL,
       document TSVECTOR GENERATED ALWAYS AS (
         setweight(to_tsvector('simple', title_terms), 'A') ||
         setweight(to_tsvector('simple', body_terms), 'B')
       ) STORED,
       UNIQUE (kind, record_id)
     )",
    "CREATE INDEX search_entry_document ON search_entry USING GIN (document)",
    "CREATE INDEX search_entry_kind ON search_entry (kind)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &POSTGRES_UP,
            _ => &SQLITE_UP,
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &["DROP TABLE IF EXISTS search_entry"],
            _ => &SQLITE_DOWN,
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
