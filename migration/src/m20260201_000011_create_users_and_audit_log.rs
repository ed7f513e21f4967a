//! Staff accounts and the audit log of every change.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer, integer_null, json, string_len, string_len_uniq, text,
    timestamp_with_time_zone, timestamp_with_time_zone_null,
};

use crate::columns::{id, index, with_record_columns};

#[derive(DeriveIden, Clone, Copy)]
pub enum StaffUser {
    Table,
    Email,
    Name,
    Role,
    PasswordHash,
    Active,
    LastLoginAt,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum AuditEntry {
    Table,
    At,
    ActorId,
    ActorEmail,
    Action,
    EntityType,
    EntityId,
    Changes,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut users = Table::create();
        users
            .table(StaffUser::Table)
            .col(id())
            .col(string_len_uniq(StaffUser::Email, 254))
            .col(string_len(StaffUser::Name, 200))
            .col(string_len(StaffUser::Role, 16))
            .col(text(StaffUser::PasswordHash))
            .col(boolean(StaffUser::Active).default(true))
            .col(timestamp_with_time_zone_null(StaffUser::LastLoginAt));
        with_record_columns(&mut users);
        manager.create_table(users.to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEntry::Table)
                    .col(id())
                    .col(timestamp_with_time_zone(AuditEntry::At))
                    .col(integer_null(AuditEntry::ActorId))
                    .col(string_len(AuditEntry::ActorEmail, 254))
                    .col(string_len(AuditEntry::Action, 16))
                    .col(string_len(AuditEntry::EntityType, 40))
                    .col(integer(AuditEntry::EntityId))
                    .col(json(AuditEntry::Changes))
                    .to_owned(),
            )
            .await?;
        for statement in [
            index(
                AuditEntry::Table,
                "entity",
                &[AuditEntry::EntityType, AuditEntry::EntityId],
                false,
            ),
            index(AuditEntry::Table, "at", &[AuditEntry::At], false),
            index(AuditEntry::Table, "actor_id", &[AuditEntry::ActorId], false),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEntry::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(StaffUser::Table).to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
