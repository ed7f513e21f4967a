//! Staff sessions of the web interface: kept on the server, so signing out ends them everywhere.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{integer, string_len, timestamp_with_time_zone};

use crate::columns::{fk, id, index};

#[derive(DeriveIden, Clone, Copy)]
pub enum StaffSession {
    Table,
    TokenHash,
    StaffUserId,
    CsrfToken,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum StaffUser {
    Table,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StaffSession::Table)
                    .col(id())
                    .col(string_len(StaffSession::TokenHash, 64))
                    .col(integer(StaffSession::StaffUserId))
                    .col(string_len(StaffSession::CsrfToken, 64))
                    .col(timestamp_with_time_zone(StaffSession::CreatedAt))
                    .col(timestamp_with_time_zone(StaffSession::LastSeenAt))
                    .col(timestamp_with_time_zone(StaffSession::ExpiresAt))
                    .foreign_key(&mut fk(
                        StaffSession::Table,
                        StaffSession::StaffUserId,
                        StaffUser::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                StaffSession::Table,
                "token_hash",
                &[StaffSession::TokenHash],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                StaffSession::Table,
                "staff_user_id",
                &[StaffSession::StaffUserId],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StaffSession::Table).to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
