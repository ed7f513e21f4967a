//! Organisations: filters, ordering and editing.

use entity::enums::{AuditAction, OrganisationKind};
use entity::{organisation, person};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Select, Set,
};

use super::{event, validate};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::store::page::{Page, PageArgs, paginate};
use crate::store::write::pick;
use crate::store::{text, write};

/// Filters of the organisation list; all given filters must hold.
#[derive(Clone, Debug, Default)]
pub struct OrganisationFilter {
    /// Text in the name or short name.
    pub name_contains: Option<String>,
    pub kinds: Option<Vec<OrganisationKind>>,
    pub town_id: Option<i32>,
}

fn query(filter: &OrganisationFilter) -> AppResult<Select<organisation::Entity>> {
    let mut condition = Condition::all();
    if let Some(name) = &filter.name_contains {
        let name = text::search_text(name, "filter.nameContains")?;
        condition = condition.add(
            Condition::any()
                .add(text::contains(organisation::Column::Name, &name))
                .add(text::contains(organisation::Column::ShortName, &name)),
        );
    }
    if let Some(kinds) = &filter.kinds {
        condition = condition.add(organisation::Column::Kind.is_in(kinds.clone()));
    }
    if let Some(town) = filter.town_id {
        condition = condition.add(organisation::Column::TownId.eq(town));
    }
    Ok(organisation::Entity::find()
        .filter(condition)
        .order_by_asc(organisation::Column::Name)
        .order_by_asc(organisation::Column::Id))
}

/// One page of organisations, by name.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &OrganisationFilter,
    args: &PageArgs,
    want_total: bool,
) -> AppResult<Page<organisation::Model>> {
    paginate(db, query(filter)?, args, want_total).await
}

/// Values for a new or changed organisation. `None` leaves a field as it is (on create: empty);
/// `Some(None)` clears an optional field.
#[derive(Clone, Debug, Default)]
pub struct OrganisationChanges {
    pub name: Option<String>,
    pub short_name: Option<Option<String>>,
    pub kind: Option<OrganisationKind>,
    pub description: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub town_id: Option<Option<i32>>,
    pub sources: Option<Vec<String>>,
}

/// Validates the changes against the current record (none on create) into the values to store.
async fn prepare<C: ConnectionTrait>(
    db: &C,
    current: Option<&organisation::Model>,
    changes: OrganisationChanges,
) -> AppResult<organisation::ActiveModel> {
    let name = pick(changes.name, current.map(|o| &o.name))
        .ok_or_else(|| AppError::bad_field("name", "an organisation needs a name"))?;
    let name = validate::text("name", &name, 300)?;
    let short_name = pick(changes.short_name, current.map(|o| &o.short_name)).flatten();
    let short_name = validate::opt_text("shortName", short_name.as_deref(), 100)?;
    let kind = pick(changes.kind, current.map(|o| &o.kind))
        .ok_or_else(|| AppError::bad_field("kind", "an organisation needs a kind"))?;
    let description = pick(changes.description, current.map(|o| &o.description)).flatten();
    let description = validate::opt_text("description", description.as_deref(), 20_000)?;
    let website = pick(changes.website, current.map(|o| &o.website)).flatten();
    let website = validate::opt_url("website", website.as_deref())?;
    let address = pick(changes.address, current.map(|o| &o.address)).flatten();
    let address = validate::opt_text("address", address.as_deref(), 500)?;
    let town_id = pick(changes.town_id, current.map(|o| &o.town_id)).flatten();
    if let Some(town) = town_id {
        write::must_exist::<entity::town::Entity, _>(db, "town", town).await?;
    }
    let sources = match changes.sources {
        Some(sources) => event::validate_sources(sources)?,
        None => current.map(|o| o.sources.clone()).unwrap_or_default(),
    };
    let mut record = match current {
        Some(current) => current.clone().into_active_model(),
        None => organisation::ActiveModel {
            slug: Set(None),
            ..Default::default()
        },
    };
    record.name = Set(name);
    record.short_name = Set(short_name);
    record.kind = Set(kind);
    record.description = Set(description);
    record.website = Set(website);
    record.address = Set(address);
    record.town_id = Set(town_id);
    record.sources = Set(sources);
    Ok(record)
}

/// Creates an organisation.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: OrganisationChanges,
) -> AppResult<organisation::Model> {
    let txn = write::begin(db).await?;
    let record = prepare(&txn, None, changes).await?;
    let created = write::create::<organisation::Entity, _>(&txn, actor, record).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes an organisation (the version must match).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    changes: OrganisationChanges,
) -> AppResult<organisation::Model> {
    let txn = write::begin(db).await?;
    let current =
        write::load_for_change::<organisation::Entity, _>(&txn, id, expected_version).await?;
    let record = prepare(&txn, Some(&current), changes).await?;
    let updated = write::update::<organisation::Entity, _, _>(
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

/// Deletes an organisation; its people lose the affiliation (each change audited). Refused while
/// partnerships, events, contributions, documents or board seats refer to it.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<organisation::Model> {
    let txn = write::begin(db).await?;
    write::load_for_change::<organisation::Entity, _>(&txn, id, expected_version).await?;
    let people = person::Entity::find()
        .filter(person::Column::OrganisationId.eq(id))
        .all(&txn)
        .await?;
    for row in people {
        write::update::<person::Entity, _, _>(
            &txn,
            actor,
            row.clone(),
            AuditAction::Update,
            |_, target| {
                target.organisation_id = Set(None);
                Ok(())
            },
        )
        .await?;
    }
    let deleted =
        write::delete::<organisation::Entity, _>(&txn, actor, id, expected_version).await?;
    txn.commit().await?;
    Ok(deleted)
}
