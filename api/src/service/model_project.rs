//! Model projects (Modellvorhaben) and project calls: lists and editing, with member towns and
//! partner organisations. A project has at most one LEAD town, and its `lead_town_id` always names
//! the town of that membership.

use entity::enums::{AuditAction, MemberRole, PartnerRole};
use entity::{
    document, model_project, model_project_partner, model_project_town, organisation, project_call,
    town,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Select, Set,
};

use super::{event, validate};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::store::page::{Page, PageArgs, PageSource, paginate};
use crate::store::write::pick;
use crate::store::{text, write};

/// Filters of the model-project list; all given filters must hold.
#[derive(Clone, Debug, Default)]
pub struct ModelProjectFilter {
    pub project_call_id: Option<i32>,
    /// Projects this town is a member of.
    pub town_id: Option<i32>,
    /// Projects this organisation is a partner of.
    pub partner_id: Option<i32>,
    /// Text in title, topic or description.
    pub text: Option<String>,
}

/// The condition a model project must meet to pass `filter`.
pub fn condition(filter: &ModelProjectFilter) -> AppResult<Condition> {
    let mut condition = Condition::all();
    if let Some(call) = filter.project_call_id {
        condition = condition.add(model_project::Column::ProjectCallId.eq(call));
    }
    if let Some(town) = filter.town_id {
        condition = condition.add(
            model_project::Column::Id.in_subquery(
                Query::select()
                    .column(model_project_town::Column::ModelProjectId)
                    .from(model_project_town::Entity)
                    .and_where(Expr::col(model_project_town::Column::TownId).eq(town))
                    .to_owned(),
            ),
        );
    }
    if let Some(partner) = filter.partner_id {
        condition = condition.add(
            model_project::Column::Id.in_subquery(
                Query::select()
                    .column(model_project_partner::Column::ModelProjectId)
                    .from(model_project_partner::Entity)
                    .and_where(Expr::col(model_project_partner::Column::OrganisationId).eq(partner))
                    .to_owned(),
            ),
        );
    }
    if let Some(search) = &filter.text {
        let search = text::search_text(search, "filter.text")?;
        condition = condition.add(
            Condition::any()
                .add(text::contains(model_project::Column::Title, &search))
                .add(text::contains(model_project::Column::Topic, &search))
                .add(text::contains(model_project::Column::Description, &search)),
        );
    }
    Ok(condition)
}

fn query(filter: &ModelProjectFilter) -> AppResult<Select<model_project::Entity>> {
    Ok(model_project::Entity::find()
        .filter(condition(filter)?)
        .order_by_asc(model_project::Column::Title)
        .order_by_asc(model_project::Column::Id))
}

/// One page of model projects, by title.
pub async fn list<C: PageSource>(
    db: &C,
    filter: &ModelProjectFilter,
    args: &PageArgs,
    want_total: bool,
) -> AppResult<Page<model_project::Model>> {
    paginate(db, query(filter)?, args, want_total).await
}

/// One page of project calls, by year.
pub async fn list_calls<C: ConnectionTrait>(
    db: &C,
    args: &PageArgs,
    want_total: bool,
) -> AppResult<Page<project_call::Model>> {
    let select = project_call::Entity::find()
        .order_by_asc(project_call::Column::Year)
        .order_by_asc(project_call::Column::Id);
    paginate(db, select, args, want_total).await
}

/// One page of the project calls whose name contains `text` (any case), by year.
pub async fn calls_matching<C: ConnectionTrait>(
    db: &C,
    text: &str,
    args: &PageArgs,
    want_total: bool,
) -> AppResult<Page<project_call::Model>> {
    let text = crate::store::text::search_text(text, "text")?;
    let select = project_call::Entity::find()
        .filter(crate::store::text::contains(
            project_call::Column::Name,
            &text,
        ))
        .order_by_asc(project_call::Column::Year)
        .order_by_asc(project_call::Column::Id);
    paginate(db, select, args, want_total).await
}

/// Values for a new or changed project call. `None` leaves a field as it is (on create: empty);
/// `Some(None)` clears an optional field.
#[derive(Clone, Debug, Default)]
pub struct ProjectCallChanges {
    pub name: Option<String>,
    pub year: Option<i32>,
    pub opened_on: Option<Option<String>>,
    pub deadline_on: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub sources: Option<Vec<String>>,
}

fn prepare_call(
    current: Option<&project_call::Model>,
    changes: ProjectCallChanges,
) -> AppResult<project_call::ActiveModel> {
    let name = pick(changes.name, current.map(|c| &c.name))
        .ok_or_else(|| AppError::bad_field("name", "a project call needs a name"))?;
    let name = validate::text("name", &name, 300)?;
    let year = pick(changes.year, current.map(|c| &c.year))
        .ok_or_else(|| AppError::bad_field("year", "a project call needs a year"))?;
    let year = validate::year("year", year)?;
    let opened_on = pick(changes.opened_on, current.map(|c| &c.opened_on)).flatten();
    let opened_on = validate::opt_partial_date("openedOn", opened_on.as_deref())?;
    let deadline_on = pick(changes.deadline_on, current.map(|c| &c.deadline_on)).flatten();
    let deadline_on = validate::opt_partial_date("deadlineOn", deadline_on.as_deref())?;
    validate::dates_in_order("deadlineOn", opened_on.as_deref(), deadline_on.as_deref())?;
    let description = pick(changes.description, current.map(|c| &c.description)).flatten();
    let description = validate::opt_text("description", description.as_deref(), 20_000)?;
    let sources = match changes.sources {
        Some(sources) => event::validate_sources(sources)?,
        None => current.map(|c| c.sources.clone()).unwrap_or_default(),
    };
    let mut record = match current {
        Some(current) => current.clone().into_active_model(),
        None => project_call::ActiveModel {
            slug: Set(None),
            ..Default::default()
        },
    };
    record.name = Set(name);
    record.year = Set(year);
    record.opened_on = Set(opened_on);
    record.deadline_on = Set(deadline_on);
    record.description = Set(description);
    record.sources = Set(sources);
    Ok(record)
}

/// Creates a project call.
pub async fn create_call(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: ProjectCallChanges,
) -> AppResult<project_call::Model> {
    let record = prepare_call(None, changes)?;
    let txn = write::begin(db).await?;
    let created = write::create::<project_call::Entity, _>(&txn, actor, record).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a project call (the version must match).
pub async fn update_call(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    changes: ProjectCallChanges,
) -> AppResult<project_call::Model> {
    let txn = write::begin(db).await?;
    let current =
        write::load_for_change::<project_call::Entity, _>(&txn, id, expected_version).await?;
    let record = prepare_call(Some(&current), changes)?;
    let updated = write::update::<project_call::Entity, _, _>(
        &txn,
        actor,
        current,
        AuditAction::Update,
        |_, target| {
            *target = record;
            Ok(())
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deletes a project call; refused while model projects belong to it.
pub async fn delete_call(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<project_call::Model> {
    let txn = write::begin(db).await?;
    let deleted =
        write::delete::<project_call::Entity, _>(&txn, actor, id, expected_version).await?;
    txn.commit().await?;
    Ok(deleted)
}

/// Values for a new or changed model project. `None` leaves a field as it is (on create: empty);
/// `Some(None)` clears an optional field.
#[derive(Clone, Debug, Default)]
pub struct ModelProjectChanges {
    pub title: Option<String>,
    pub short_title: Option<Option<String>>,
    pub topic: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub project_call_id: Option<Option<i32>>,
    /// The lead town; its LEAD membership follows in the same transaction.
    pub lead_town_id: Option<Option<i32>>,
    pub period_start: Option<Option<String>>,
    pub period_end: Option<Option<String>>,
    pub funding_programme: Option<Option<String>>,
    pub sources: Option<Vec<String>>,
}

async fn prepare_project<C: ConnectionTrait>(
    db: &C,
    current: Option<&model_project::Model>,
    changes: ModelProjectChanges,
) -> AppResult<model_project::ActiveModel> {
    let title = pick(changes.title, current.map(|p| &p.title))
        .ok_or_else(|| AppError::bad_field("title", "a model project needs a title"))?;
    let title = validate::text("title", &title, 500)?;
    let short_title = pick(changes.short_title, current.map(|p| &p.short_title)).flatten();
    let short_title = validate::opt_text("shortTitle", short_title.as_deref(), 200)?;
    let topic = pick(changes.topic, current.map(|p| &p.topic)).flatten();
    let topic = validate::opt_text("topic", topic.as_deref(), 500)?;
    let description = pick(changes.description, current.map(|p| &p.description)).flatten();
    let description = validate::opt_text("description", description.as_deref(), 20_000)?;
    let project_call_id =
        pick(changes.project_call_id, current.map(|p| &p.project_call_id)).flatten();
    if let Some(call) = project_call_id {
        write::must_exist::<project_call::Entity, _>(db, "projectCall", call).await?;
    }
    let lead_town_id = pick(changes.lead_town_id, current.map(|p| &p.lead_town_id)).flatten();
    if let Some(town) = lead_town_id {
        write::must_exist::<town::Entity, _>(db, "leadTown", town).await?;
    }
    let period_start = pick(changes.period_start, current.map(|p| &p.period_start)).flatten();
    let period_start = validate::opt_partial_date("periodStart", period_start.as_deref())?;
    let period_end = pick(changes.period_end, current.map(|p| &p.period_end)).flatten();
    let period_end = validate::opt_partial_date("periodEnd", period_end.as_deref())?;
    validate::dates_in_order("periodEnd", period_start.as_deref(), period_end.as_deref())?;
    let funding_programme = pick(
        changes.funding_programme,
        current.map(|p| &p.funding_programme),
    )
    .flatten();
    let funding_programme =
        validate::opt_text("fundingProgramme", funding_programme.as_deref(), 500)?;
    let sources = match changes.sources {
        Some(sources) => event::validate_sources(sources)?,
        None => current.map(|p| p.sources.clone()).unwrap_or_default(),
    };
    let mut record = match current {
        Some(current) => current.clone().into_active_model(),
        None => model_project::ActiveModel {
            slug: Set(None),
            ..Default::default()
        },
    };
    record.title = Set(title);
    record.short_title = Set(short_title);
    record.topic = Set(topic);
    record.description = Set(description);
    record.project_call_id = Set(project_call_id);
    record.lead_town_id = Set(lead_town_id);
    record.period_start = Set(period_start);
    record.period_end = Set(period_end);
    record.funding_programme = Set(funding_programme);
    record.sources = Set(sources);
    Ok(record)
}

async fn members<C: ConnectionTrait>(
    db: &C,
    project: i32,
) -> AppResult<Vec<model_project_town::Model>> {
    Ok(model_project_town::Entity::find()
        .filter(model_project_town::Column::ModelProjectId.eq(project))
        .order_by_asc(model_project_town::Column::Position)
        .order_by_asc(model_project_town::Column::Id)
        .all(db)
        .await?)
}

async fn next_position<C: ConnectionTrait>(db: &C, project: i32) -> AppResult<i32> {
    let last: Option<Option<i32>> = model_project_town::Entity::find()
        .select_only()
        .column_as(model_project_town::Column::Position.max(), "last")
        .filter(model_project_town::Column::ModelProjectId.eq(project))
        .into_tuple()
        .one(db)
        .await?;
    Ok(last.flatten().map_or(0, |last| last + 1))
}

/// Makes the memberships follow the project's lead town: other LEAD members become MEMBERs, and
/// the lead town becomes (or joins as) the LEAD member.
async fn lead_membership_follows<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    project: i32,
    lead: Option<i32>,
) -> AppResult<()> {
    let rows = members(db, project).await?;
    for row in rows
        .iter()
        .filter(|r| r.role == MemberRole::Lead && Some(r.town_id) != lead)
    {
        write::update::<model_project_town::Entity, _, _>(
            db,
            actor,
            row.clone(),
            AuditAction::Update,
            |_, target| {
                target.role = Set(MemberRole::Member);
                Ok(())
            },
        )
        .await?;
    }
    let Some(lead) = lead else {
        return Ok(());
    };
    match rows.iter().find(|r| r.town_id == lead) {
        Some(row) if row.role == MemberRole::Lead => {}
        Some(row) => {
            write::update::<model_project_town::Entity, _, _>(
                db,
                actor,
                row.clone(),
                AuditAction::Update,
                |_, target| {
                    target.role = Set(MemberRole::Lead);
                    Ok(())
                },
            )
            .await?;
        }
        None => {
            let position = next_position(db, project).await?;
            write::create::<model_project_town::Entity, _>(
                db,
                actor,
                model_project_town::ActiveModel {
                    model_project_id: Set(project),
                    town_id: Set(lead),
                    role: Set(MemberRole::Lead),
                    position: Set(position),
                    ..Default::default()
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// Sets the project's lead town (to follow a change of its LEAD membership).
async fn set_lead_town<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    project: i32,
    lead: Option<i32>,
) -> AppResult<()> {
    let current = model_project::Entity::find_by_id(project)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("ModelProject"))?;
    if current.lead_town_id != lead {
        write::update::<model_project::Entity, _, _>(
            db,
            actor,
            current.clone(),
            AuditAction::Update,
            |_, target| {
                target.lead_town_id = Set(lead);
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

/// Creates a model project; a lead town joins it as its LEAD member.
pub async fn create_project(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: ModelProjectChanges,
) -> AppResult<model_project::Model> {
    let txn = write::begin(db).await?;
    let record = prepare_project(&txn, None, changes).await?;
    let created = write::create::<model_project::Entity, _>(&txn, actor, record).await?;
    lead_membership_follows(&txn, actor, created.id, created.lead_town_id).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a model project (the version must match). A changed lead town changes the LEAD
/// membership with it: the former lead stays a MEMBER.
pub async fn update_project(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    changes: ModelProjectChanges,
) -> AppResult<model_project::Model> {
    let txn = write::begin(db).await?;
    let current =
        write::load_for_change::<model_project::Entity, _>(&txn, id, expected_version).await?;
    let lead_given = changes.lead_town_id.is_some();
    let record = prepare_project(&txn, Some(&current), changes).await?;
    let updated = write::update::<model_project::Entity, _, _>(
        &txn,
        actor,
        current,
        AuditAction::Update,
        |_, target| {
            *target = record;
            Ok(())
        },
    )
    .await?;
    if lead_given {
        lead_membership_follows(&txn, actor, id, updated.lead_town_id).await?;
    }
    txn.commit().await?;
    Ok(updated)
}

/// Deletes a model project with its memberships and partnerships; its documents no longer refer to
/// it (each change audited). Refused while events belong to it.
pub async fn delete_project(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<model_project::Model> {
    let txn = write::begin(db).await?;
    write::load_for_change::<model_project::Entity, _>(&txn, id, expected_version).await?;
    for row in members(&txn, id).await? {
        write::delete::<model_project_town::Entity, _>(&txn, actor, row.id, row.version).await?;
    }
    let partners = model_project_partner::Entity::find()
        .filter(model_project_partner::Column::ModelProjectId.eq(id))
        .all(&txn)
        .await?;
    for row in partners {
        write::delete::<model_project_partner::Entity, _>(&txn, actor, row.id, row.version).await?;
    }
    let documents = document::Entity::find()
        .filter(document::Column::ModelProjectId.eq(id))
        .all(&txn)
        .await?;
    for row in documents {
        write::update::<document::Entity, _, _>(
            &txn,
            actor,
            row.clone(),
            AuditAction::Update,
            |_, target| {
                target.model_project_id = Set(None);
                Ok(())
            },
        )
        .await?;
    }
    let deleted =
        write::delete::<model_project::Entity, _>(&txn, actor, id, expected_version).await?;
    txn.commit().await?;
    Ok(deleted)
}

fn one_lead(rows: &[model_project_town::Model], except: Option<i32>) -> AppResult<()> {
    if rows
        .iter()
        .any(|r| r.role == MemberRole::Lead && Some(r.id) != except)
    {
        return Err(AppError::bad_field(
            "role",
            "the model project has a lead town already; make it a MEMBER first, or set the project's `leadTown`",
        ));
    }
    Ok(())
}

/// Adds a member town to a model project (at the end unless `position` is given). Only one town
/// can be the LEAD; the project's lead town follows.
pub async fn add_member(
    db: &DatabaseConnection,
    actor: &Actor,
    project: i32,
    town_id: i32,
    role: MemberRole,
    position: Option<i32>,
) -> AppResult<model_project_town::Model> {
    let txn = write::begin(db).await?;
    write::must_exist::<model_project::Entity, _>(&txn, "modelProject", project).await?;
    write::must_exist::<town::Entity, _>(&txn, "town", town_id).await?;
    let rows = members(&txn, project).await?;
    if rows.iter().any(|r| r.town_id == town_id) {
        return Err(AppError::conflict(
            "the town is a member of this model project already",
        ));
    }
    if role == MemberRole::Lead {
        one_lead(&rows, None)?;
    }
    let position = match position {
        Some(position) if position < 0 => {
            return Err(AppError::bad_field(
                "position",
                "`position` cannot be negative",
            ));
        }
        Some(position) => position,
        None => next_position(&txn, project).await?,
    };
    let created = write::create::<model_project_town::Entity, _>(
        &txn,
        actor,
        model_project_town::ActiveModel {
            model_project_id: Set(project),
            town_id: Set(town_id),
            role: Set(role),
            position: Set(position),
            ..Default::default()
        },
    )
    .await?;
    if role == MemberRole::Lead {
        set_lead_town(&txn, actor, project, Some(town_id)).await?;
    }
    txn.commit().await?;
    Ok(created)
}

/// Changes a town's role or position in a model project; the project's lead town follows a change
/// of the LEAD.
pub async fn update_member(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    role: Option<MemberRole>,
    position: Option<i32>,
) -> AppResult<model_project_town::Model> {
    let txn = write::begin(db).await?;
    let current =
        write::load_for_change::<model_project_town::Entity, _>(&txn, id, expected_version).await?;
    if role == Some(MemberRole::Lead) {
        one_lead(&members(&txn, current.model_project_id).await?, Some(id))?;
    }
    if position.is_some_and(|p| p < 0) {
        return Err(AppError::bad_field(
            "position",
            "`position` cannot be negative",
        ));
    }
    let previous_role = current.role;
    let updated = write::update::<model_project_town::Entity, _, _>(
        &txn,
        actor,
        current,
        AuditAction::Update,
        |_, target| {
            if let Some(role) = role {
                target.role = Set(role);
            }
            if let Some(position) = position {
                target.position = Set(position);
            }
            Ok(())
        },
    )
    .await?;
    match (previous_role, updated.role) {
        (MemberRole::Lead, MemberRole::Member) => {
            set_lead_town(&txn, actor, updated.model_project_id, None).await?;
        }
        (_, MemberRole::Lead) => {
            set_lead_town(&txn, actor, updated.model_project_id, Some(updated.town_id)).await?;
        }
        _ => {}
    }
    txn.commit().await?;
    Ok(updated)
}

/// Removes a town from a model project; removing the LEAD clears the project's lead town.
pub async fn remove_member(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<model_project_town::Model> {
    let txn = write::begin(db).await?;
    let deleted =
        write::delete::<model_project_town::Entity, _>(&txn, actor, id, expected_version).await?;
    if deleted.role == MemberRole::Lead {
        set_lead_town(&txn, actor, deleted.model_project_id, None).await?;
    }
    txn.commit().await?;
    Ok(deleted)
}

/// Adds a partner organisation to a model project in a role (one row per organisation and role).
pub async fn add_partner(
    db: &DatabaseConnection,
    actor: &Actor,
    project: i32,
    organisation_id: i32,
    role: PartnerRole,
) -> AppResult<model_project_partner::Model> {
    let txn = write::begin(db).await?;
    write::must_exist::<model_project::Entity, _>(&txn, "modelProject", project).await?;
    write::must_exist::<organisation::Entity, _>(&txn, "organisation", organisation_id).await?;
    let created = write::create::<model_project_partner::Entity, _>(
        &txn,
        actor,
        model_project_partner::ActiveModel {
            model_project_id: Set(project),
            organisation_id: Set(organisation_id),
            role: Set(role),
            ..Default::default()
        },
    )
    .await
    .map_err(|error| match error {
        AppError::Conflict { .. } => AppError::conflict(
            "the organisation is a partner of this model project in this role already",
        ),
        other => other,
    })?;
    txn.commit().await?;
    Ok(created)
}

/// Removes a partnership.
pub async fn remove_partner(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<model_project_partner::Model> {
    let txn = write::begin(db).await?;
    let deleted =
        write::delete::<model_project_partner::Entity, _>(&txn, actor, id, expected_version)
            .await?;
    txn.commit().await?;
    Ok(deleted)
}

/// A project's member towns in order, with the towns.
pub async fn members_of<C: ConnectionTrait>(
    db: &C,
    project: i32,
) -> AppResult<Vec<(model_project_town::Model, Option<entity::town::Model>)>> {
    Ok(model_project_town::Entity::find()
        .filter(model_project_town::Column::ModelProjectId.eq(project))
        .order_by_asc(model_project_town::Column::Position)
        .order_by_asc(model_project_town::Column::Id)
        .find_also_related(entity::town::Entity)
        .all(db)
        .await?)
}

/// A project's partners, with the organisations.
pub async fn partners_of<C: ConnectionTrait>(
    db: &C,
    project: i32,
) -> AppResult<
    Vec<(
        model_project_partner::Model,
        Option<entity::organisation::Model>,
    )>,
> {
    Ok(model_project_partner::Entity::find()
        .filter(model_project_partner::Column::ModelProjectId.eq(project))
        .order_by_asc(model_project_partner::Column::Id)
        .find_also_related(entity::organisation::Entity)
        .all(db)
        .await?)
}
