//! Project calls, model projects (Modellvorhaben), their member towns and partner organisations.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    integer, integer_null, string_len, string_len_null, string_null, text_null,
};

use crate::columns::{fk, id, index, sources, with_record_columns};
use crate::m20260101_000002_create_towns::Town;
use crate::m20260101_000003_create_organisations::Organisation;

#[derive(DeriveIden, Clone, Copy)]
pub enum ProjectCall {
    Table,
    Slug,
    Name,
    Year,
    OpenedOn,
    DeadlineOn,
    Description,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum ModelProject {
    Table,
    Slug,
    Title,
    ShortTitle,
    Topic,
    Description,
    ProjectCallId,
    LeadTownId,
    PeriodStart,
    PeriodEnd,
    FundingProgramme,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum ModelProjectTown {
    Table,
    ModelProjectId,
    TownId,
    Role,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
pub enum ModelProjectPartner {
    Table,
    ModelProjectId,
    OrganisationId,
    Role,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut calls = Table::create();
        calls
            .table(ProjectCall::Table)
            .col(id())
            .col(string_len_null(ProjectCall::Slug, 64))
            .col(string_len(ProjectCall::Name, 300))
            .col(integer(ProjectCall::Year))
            .col(string_len_null(ProjectCall::OpenedOn, 10))
            .col(string_len_null(ProjectCall::DeadlineOn, 10))
            .col(text_null(ProjectCall::Description))
            .col(sources());
        with_record_columns(&mut calls);
        manager.create_table(calls.to_owned()).await?;
        manager
            .create_index(index(
                ProjectCall::Table,
                "slug",
                &[ProjectCall::Slug],
                true,
            ))
            .await?;

        let mut projects = Table::create();
        projects
            .table(ModelProject::Table)
            .col(id())
            .col(string_len_null(ModelProject::Slug, 64))
            .col(string_len(ModelProject::Title, 500))
            .col(string_len_null(ModelProject::ShortTitle, 200))
            .col(string_null(ModelProject::Topic))
            .col(text_null(ModelProject::Description))
            .col(integer_null(ModelProject::ProjectCallId))
            .col(integer_null(ModelProject::LeadTownId))
            .col(string_len_null(ModelProject::PeriodStart, 10))
            .col(string_len_null(ModelProject::PeriodEnd, 10))
            .col(string_null(ModelProject::FundingProgramme))
            .col(sources())
            .foreign_key(&mut fk(
                ModelProject::Table,
                ModelProject::ProjectCallId,
                ProjectCall::Table,
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                ModelProject::Table,
                ModelProject::LeadTownId,
                Town::Table,
                ForeignKeyAction::Restrict,
            ));
        with_record_columns(&mut projects);
        manager.create_table(projects.to_owned()).await?;
        for statement in [
            index(ModelProject::Table, "slug", &[ModelProject::Slug], true),
            index(
                ModelProject::Table,
                "project_call_id",
                &[ModelProject::ProjectCallId],
                false,
            ),
            index(
                ModelProject::Table,
                "lead_town_id",
                &[ModelProject::LeadTownId],
                false,
            ),
        ] {
            manager.create_index(statement).await?;
        }

        let mut members = Table::create();
        members
            .table(ModelProjectTown::Table)
            .col(id())
            .col(integer(ModelProjectTown::ModelProjectId))
            .col(integer(ModelProjectTown::TownId))
            .col(string_len(ModelProjectTown::Role, 32))
            .col(integer(ModelProjectTown::Position).default(0))
            .foreign_key(&mut fk(
                ModelProjectTown::Table,
                ModelProjectTown::ModelProjectId,
                ModelProject::Table,
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                ModelProjectTown::Table,
                ModelProjectTown::TownId,
                Town::Table,
                ForeignKeyAction::Restrict,
            ));
        with_record_columns(&mut members);
        manager.create_table(members.to_owned()).await?;
        manager
            .create_index(index(
                ModelProjectTown::Table,
                "project_town",
                &[ModelProjectTown::ModelProjectId, ModelProjectTown::TownId],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                ModelProjectTown::Table,
                "town_id",
                &[ModelProjectTown::TownId],
                false,
            ))
            .await?;

        let mut partners = Table::create();
        partners
            .table(ModelProjectPartner::Table)
            .col(id())
            .col(integer(ModelProjectPartner::ModelProjectId))
            .col(integer(ModelProjectPartner::OrganisationId))
            .col(string_len(ModelProjectPartner::Role, 32))
            .foreign_key(&mut fk(
                ModelProjectPartner::Table,
                ModelProjectPartner::ModelProjectId,
                ModelProject::Table,
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                ModelProjectPartner::Table,
                ModelProjectPartner::OrganisationId,
                Organisation::Table,
                ForeignKeyAction::Restrict,
            ));
        with_record_columns(&mut partners);
        manager.create_table(partners.to_owned()).await?;
        manager
            .create_index(index(
                ModelProjectPartner::Table,
                "project_org_role",
                &[
                    ModelProjectPartner::ModelProjectId,
                    ModelProjectPartner::OrganisationId,
                    ModelProjectPartner::Role,
                ],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                ModelProjectPartner::Table,
                "organisation_id",
                &[ModelProjectPartner::OrganisationId],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ModelProjectPartner::Table.into_iden(),
            ModelProjectTown::Table.into_iden(),
            ModelProject::Table.into_iden(),
            ProjectCall::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
