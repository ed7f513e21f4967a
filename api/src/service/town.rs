//! Towns: lookup, filters, ordering and editing.

use entity::enums::{AuditAction, TownType};
use entity::{model_project_town, organisation, person, state, town};
use sea_orm::sea_query::{Expr, ExprTrait, NullOrdering, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, Select, Set,
};

use super::{event, validate};
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::store::page::{Page, PageArgs, paginate};
use crate::store::write::pick;
use crate::store::{text, write};

/// Filters of the town list; all given filters must hold.
#[derive(Clone, Debug, Default)]
pub struct TownFilter {
    /// Two-digit state keys (`"14"` = Sachsen).
    pub state_keys: Option<Vec<String>>,
    pub town_types: Option<Vec<TownType>>,
    pub population_min: Option<i32>,
    pub population_max: Option<i32>,
    pub name_contains: Option<String>,
    pub model_project_id: Option<i32>,
}

/// Sort keys of the town list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TownOrderField {
    #[default]
    Name,
    Population,
}

/// Ordering of the town list; ties are broken by id.
#[derive(Clone, Copy, Debug, Default)]
pub struct TownOrder {
    pub field: TownOrderField,
    pub descending: bool,
}

/// The condition a town must meet to pass `filter`.
pub fn condition(filter: &TownFilter) -> AppResult<Condition> {
    let mut condition = Condition::all();
    if let Some(keys) = &filter.state_keys {
        condition = condition.add(
            town::Column::StateId.in_subquery(
                Query::select()
                    .column(state::Column::Id)
                    .from(state::Entity)
                    .and_where(state::Column::Key.is_in(keys.clone()))
                    .to_owned(),
            ),
        );
    }
    if let Some(types) = &filter.town_types {
        condition = condition.add(town::Column::TownType.is_in(types.clone()));
    }
    if let (Some(min), Some(max)) = (filter.population_min, filter.population_max)
        && min > max
    {
        return Err(AppError::bad_field(
            "filter.populationMin",
            "`populationMin` must not exceed `populationMax`",
        ));
    }
    if let Some(min) = filter.population_min {
        condition = condition.add(town::Column::Population.gte(min));
    }
    if let Some(max) = filter.population_max {
        condition = condition.add(town::Column::Population.lte(max));
    }
    if let Some(name) = &filter.name_contains {
        let name = text::search_text(name, "filter.nameContains")?;
        condition = condition.add(text::contains(town::Column::Name, &name));
    }
    if let Some(project) = filter.model_project_id {
        condition = condition.add(
            town::Column::Id.in_subquery(
                Query::select()
                    .column(model_project_town::Column::TownId)
                    .from(model_project_town::Entity)
                    .and_where(Expr::col(model_project_town::Column::ModelProjectId).eq(project))
                    .to_owned(),
            ),
        );
    }
    Ok(condition)
}

fn query(filter: &TownFilter, order: TownOrder) -> AppResult<Select<town::Entity>> {
    let direction = if order.descending {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    let select = town::Entity::find().filter(condition(filter)?);
    let select = match order.field {
        TownOrderField::Name => select.order_by(town::Column::Name, direction.clone()),
        // Towns without a known population come last in both directions, on every backend.
        TownOrderField::Population => select.order_by_with_nulls(
            town::Column::Population,
            direction.clone(),
            NullOrdering::Last,
        ),
    };
    Ok(select.order_by(town::Column::Id, direction))
}

/// One page of towns.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &TownFilter,
    order: TownOrder,
    args: &PageArgs,
    want_total: bool,
) -> AppResult<Page<town::Model>> {
    paginate(db, query(filter, order)?, args, want_total).await
}

/// A town by its 8-digit municipality key.
pub async fn by_municipality_key<C: ConnectionTrait>(
    db: &C,
    key: &str,
) -> AppResult<Option<town::Model>> {
    if key.len() != 8 || !key.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::bad_field(
            "municipalityKey",
            "a municipality key has exactly 8 digits",
        ));
    }
    Ok(town::Entity::find()
        .filter(town::Column::MunicipalityKey.eq(key))
        .one(db)
        .await?)
}

/// The town type in effect: the stored (official or derived) one, else derived from population.
pub fn town_type(town: &town::Model) -> Option<TownType> {
    town.town_type
        .or_else(|| town.population.map(TownType::from_population))
}

/// The 16 states in key order.
pub async fn states<C: ConnectionTrait>(db: &C) -> AppResult<Vec<state::Model>> {
    Ok(state::Entity::find()
        .order_by_asc(state::Column::Key)
        .all(db)
        .await?)
}

/// Values for a new or changed town. `None` leaves a field as it is (on create: empty);
/// `Some(None)` clears an optional field.
#[derive(Clone, Debug, Default)]
pub struct TownChanges {
    pub name: Option<String>,
    /// Two-digit key of the state; without one, the state follows from the municipality key.
    pub state_key: Option<Option<String>>,
    pub district: Option<Option<String>>,
    pub municipality_key: Option<Option<String>>,
    pub geonames_id: Option<Option<i64>>,
    pub population: Option<Option<i32>>,
    pub latitude: Option<Option<f64>>,
    pub longitude: Option<Option<f64>>,
    /// `Some(Some(type))` sets the official type; `Some(None)` derives it from population again.
    pub town_type: Option<Option<TownType>>,
    pub website: Option<Option<String>>,
    pub sources: Option<Vec<String>>,
}

async fn state_by_key<C: ConnectionTrait>(db: &C, key: &str) -> AppResult<Option<state::Model>> {
    Ok(state::Entity::find()
        .filter(state::Column::Key.eq(key))
        .one(db)
        .await?)
}

/// Refuses a unique value another town holds already.
async fn unique<C: ConnectionTrait>(
    db: &C,
    own_id: Option<i32>,
    column: town::Column,
    value: sea_orm::Value,
    field: &str,
) -> AppResult<()> {
    let mut query = town::Entity::find().filter(column.eq(value));
    if let Some(id) = own_id {
        query = query.filter(town::Column::Id.ne(id));
    }
    if let Some(other) = query.one(db).await? {
        return Err(AppError::conflict(format!(
            "`{field}` is taken already: it belongs to the town {}",
            other.name
        )));
    }
    Ok(())
}

/// Validates the changes against the current record (none on create) into the values to store.
async fn prepare<C: ConnectionTrait>(
    db: &C,
    current: Option<&town::Model>,
    changes: TownChanges,
) -> AppResult<town::ActiveModel> {
    let name = pick(changes.name, current.map(|t| &t.name))
        .ok_or_else(|| AppError::bad_field("name", "a town needs a name"))?;
    let name = validate::text("name", &name, 200)?;
    let district = pick(changes.district, current.map(|t| &t.district)).flatten();
    let district = validate::opt_text("district", district.as_deref(), 200)?;
    let key = pick(
        changes.municipality_key,
        current.map(|t| &t.municipality_key),
    )
    .flatten();
    let mut state = match changes.state_key {
        Some(Some(key)) => Some(
            state_by_key(db, &key)
                .await?
                .ok_or_else(|| AppError::bad_field("state", "no such state"))?,
        ),
        Some(None) => None,
        None => match current.and_then(|t| t.state_id) {
            Some(id) => state::Entity::find_by_id(id).one(db).await?,
            None => None,
        },
    };
    let municipality_key = match key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(key) => Some(validate::municipality_key(
            "municipalityKey",
            key,
            state.as_ref().map(|s| s.key.as_str()),
        )?),
        None => None,
    };
    if let (None, Some(key)) = (&state, &municipality_key) {
        let prefix = key.get(..2).unwrap_or_default();
        state = Some(state_by_key(db, prefix).await?.ok_or_else(|| {
            AppError::bad_field(
                "municipalityKey",
                format!(
                    "no state has the key {prefix}, the first two digits of a municipality key"
                ),
            )
        })?);
    }
    let geonames_id = pick(changes.geonames_id, current.map(|t| &t.geonames_id))
        .flatten()
        .map(|id| validate::external_id("geonamesId", id))
        .transpose()?;
    let population = pick(changes.population, current.map(|t| &t.population))
        .flatten()
        .map(|p| validate::population("population", p))
        .transpose()?;
    let latitude = pick(changes.latitude, current.map(|t| &t.latitude))
        .flatten()
        .map(|l| validate::latitude("latitude", l))
        .transpose()?;
    let longitude = pick(changes.longitude, current.map(|t| &t.longitude))
        .flatten()
        .map(|l| validate::longitude("longitude", l))
        .transpose()?;
    match (latitude, longitude) {
        (Some(_), None) => {
            return Err(AppError::bad_field(
                "longitude",
                "give latitude and longitude together",
            ));
        }
        (None, Some(_)) => {
            return Err(AppError::bad_field(
                "latitude",
                "give latitude and longitude together",
            ));
        }
        _ => {}
    }
    let derived = population.map(TownType::from_population);
    let (town_type, official) = match changes.town_type {
        Some(Some(official)) => (Some(official), true),
        Some(None) => (derived, false),
        None => match current {
            Some(current) if current.town_type_official => (current.town_type, true),
            _ => (derived, false),
        },
    };
    let website = pick(changes.website, current.map(|t| &t.website)).flatten();
    let website = validate::opt_url("website", website.as_deref())?;
    let sources = match changes.sources {
        Some(sources) => event::validate_sources(sources)?,
        None => current.map(|t| t.sources.clone()).unwrap_or_default(),
    };
    let own_id = current.map(|t| t.id);
    if let Some(key) = &municipality_key {
        unique(
            db,
            own_id,
            town::Column::MunicipalityKey,
            key.clone().into(),
            "municipalityKey",
        )
        .await?;
    }
    if let Some(id) = geonames_id {
        unique(
            db,
            own_id,
            town::Column::GeonamesId,
            id.into(),
            "geonamesId",
        )
        .await?;
    }
    let mut record = match current {
        Some(current) => current.clone().into_active_model(),
        None => town::ActiveModel::default(),
    };
    if current.is_none() {
        record.slug = Set(None);
    }
    record.name = Set(name);
    record.state_id = Set(state.map(|s| s.id));
    record.district = Set(district);
    record.municipality_key = Set(municipality_key);
    record.geonames_id = Set(geonames_id);
    record.population = Set(population);
    record.latitude = Set(latitude);
    record.longitude = Set(longitude);
    record.town_type = Set(town_type);
    record.town_type_official = Set(official);
    record.website = Set(website);
    record.sources = Set(sources);
    Ok(record)
}

/// Creates a town.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: TownChanges,
) -> AppResult<town::Model> {
    let txn = write::begin(db).await?;
    let record = prepare(&txn, None, changes).await?;
    let created = write::create::<town::Entity, _>(&txn, actor, record).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a town (the version must match).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    changes: TownChanges,
) -> AppResult<town::Model> {
    let txn = write::begin(db).await?;
    let current = write::load_for_change::<town::Entity, _>(&txn, id, expected_version).await?;
    let record = prepare(&txn, Some(&current), changes).await?;
    let updated = write::update::<town::Entity, _, _>(
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

/// Deletes a town; its people and organisations lose it (each change audited). Refused while it is
/// a member or the lead of a model project, or events take place in it.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<town::Model> {
    let txn = write::begin(db).await?;
    write::load_for_change::<town::Entity, _>(&txn, id, expected_version).await?;
    let memberships = model_project_town::Entity::find()
        .filter(model_project_town::Column::TownId.eq(id))
        .count(&txn)
        .await?;
    if memberships > 0 {
        return Err(AppError::conflict(format!(
            "the town is a member of {memberships} model project(s); remove it from them first"
        )));
    }
    let people = person::Entity::find()
        .filter(person::Column::TownId.eq(id))
        .all(&txn)
        .await?;
    for row in people {
        write::update::<person::Entity, _, _>(
            &txn,
            actor,
            row.clone(),
            AuditAction::Update,
            |_, target| {
                target.town_id = Set(None);
                Ok(())
            },
        )
        .await?;
    }
    let organisations = organisation::Entity::find()
        .filter(organisation::Column::TownId.eq(id))
        .all(&txn)
        .await?;
    for row in organisations {
        write::update::<organisation::Entity, _, _>(
            &txn,
            actor,
            row.clone(),
            AuditAction::Update,
            |_, target| {
                target.town_id = Set(None);
                Ok(())
            },
        )
        .await?;
    }
    let deleted = write::delete::<town::Entity, _>(&txn, actor, id, expected_version).await?;
    txn.commit().await?;
    Ok(deleted)
}

/// The 16 German states by key (the first two digits of their municipality keys), each with its
/// usual two-letter abbreviation.
pub const STATES: [(&str, &str); 16] = [
    ("01", "SH"),
    ("02", "HH"),
    ("03", "NI"),
    ("04", "HB"),
    ("05", "NW"),
    ("06", "HE"),
    ("07", "RP"),
    ("08", "BW"),
    ("09", "BY"),
    ("10", "SL"),
    ("11", "BE"),
    ("12", "BB"),
    ("13", "MV"),
    ("14", "SN"),
    ("15", "ST"),
    ("16", "TH"),
];

/// The key of a state named by its key (`14`) or its abbreviation in any case (`SN`, `sn`).
pub fn state_key(text: &str) -> Option<&'static str> {
    STATES
        .iter()
        .find(|(key, abbreviation)| *key == text || abbreviation.eq_ignore_ascii_case(text))
        .map(|(key, _)| *key)
}
