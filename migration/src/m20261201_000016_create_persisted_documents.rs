//! Persisted documents: GraphQL documents registered by an operator, run by their SHA-256 id.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string_len, string_len_null, text};

use crate::columns::{id, index, with_record_columns};

#[derive(DeriveIden, Clone, Copy)]
pub enum PersistedDocument {
    Table,
    DocumentId,
    Document,
    Name,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut documents = Table::create();
        documents
            .table(PersistedDocument::Table)
            .col(id())
            .col(string_len(PersistedDocument::DocumentId, 71))
            .col(text(PersistedDocument::Document))
            .col(string_len_null(PersistedDocument::Name, 200));
        with_record_columns(&mut documents);
        manager.create_table(documents.to_owned()).await?;
        manager
            .create_index(index(
                PersistedDocument::Table,
                "document_id",
                &[PersistedDocument::DocumentId],
                true,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PersistedDocument::Table).to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
