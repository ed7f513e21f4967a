//! Documents (Publikationen) and their authors.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    integer, integer_null, string_len, string_len_null, string_null, text_null,
};

use crate::columns::{fk, id, index, sources, with_record_columns};
use crate::m20260101_000003_create_organisations::Organisation;
use crate::m20260101_000004_create_people::Person;
use crate::m20260101_000005_create_model_projects::ModelProject;
use crate::m20260101_000006_create_events::Event;
use crate::m20260101_000007_create_sessions::Session;

#[derive(DeriveIden, Clone, Copy)]
pub enum Document {
    Table,
    Slug,
    Title,
    Kind,
    PublishedOn,
    Year,
    PublisherId,
    Url,
    Isbn,
    Language,
    ModelProjectId,
    EventId,
    SessionId,
    Description,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum DocumentAuthor {
    Table,
    DocumentId,
    PersonId,
    Position,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut documents = Table::create();
        documents
            .table(Document::Table)
            .col(id())
            .col(string_len_null(Document::Slug, 64))
            .col(string_len(Document::Title, 500))
            .col(string_len(Document::Kind, 32))
            .col(string_len_null(Document::PublishedOn, 10))
            .col(integer_null(Document::Year))
            .col(integer_null(Document::PublisherId))
            .col(string_null(Document::Url))
            .col(string_len_null(Document::Isbn, 20))
            .col(string_len_null(Document::Language, 8))
            .col(integer_null(Document::ModelProjectId))
            .col(integer_null(Document::EventId))
            .col(integer_null(Document::SessionId))
            .col(text_null(Document::Description))
            .col(sources())
            .foreign_key(&mut fk(
                Document::Table,
                Document::PublisherId,
                Organisation::Table,
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                Document::Table,
                Document::ModelProjectId,
                ModelProject::Table,
                ForeignKeyAction::SetNull,
            ))
            .foreign_key(&mut fk(
                Document::Table,
                Document::EventId,
                Event::Table,
                ForeignKeyAction::SetNull,
            ))
            .foreign_key(&mut fk(
                Document::Table,
                Document::SessionId,
                Session::Table,
                ForeignKeyAction::SetNull,
            ));
        with_record_columns(&mut documents);
        manager.create_table(documents.to_owned()).await?;
        for statement in [
            index(Document::Table, "slug", &[Document::Slug], true),
            index(
                Document::Table,
                "publisher_id",
                &[Document::PublisherId],
                false,
            ),
            index(
                Document::Table,
                "model_project_id",
                &[Document::ModelProjectId],
                false,
            ),
            index(Document::Table, "event_id", &[Document::EventId], false),
            index(Document::Table, "session_id", &[Document::SessionId], false),
        ] {
            manager.create_index(statement).await?;
        }

        let mut authors = Table::create();
        authors
            .table(DocumentAuthor::Table)
            .col(id())
            .col(integer(DocumentAuthor::DocumentId))
            .col(integer(DocumentAuthor::PersonId))
            .col(integer(DocumentAuthor::Position).default(0))
            .foreign_key(&mut fk(
                DocumentAuthor::Table,
                DocumentAuthor::DocumentId,
                Document::Table,
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                DocumentAuthor::Table,
                DocumentAuthor::PersonId,
                Person::Table,
                ForeignKeyAction::Restrict,
            ));
        with_record_columns(&mut authors);
        manager.create_table(authors.to_owned()).await?;
        manager
            .create_index(index(
                DocumentAuthor::Table,
                "document_person",
                &[DocumentAuthor::DocumentId, DocumentAuthor::PersonId],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                DocumentAuthor::Table,
                "person_id",
                &[DocumentAuthor::PersonId],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DocumentAuthor::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Document::Table).to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
