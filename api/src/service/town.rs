//! Towns: lookup, filters and ordering.

use entity::enums::TownType;
use entity::{model_project_town, state, town};
use sea_orm::sea_query::{Expr, ExprTrait, NullOrdering, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
};

use super::page::{Page, PageArgs, paginate};
use super::text;
use crate::error::{AppError, AppResult};

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

fn query(filter: &TownFilter, order: TownOrder) -> AppResult<Select<town::Entity>> {
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
    let direction = if order.descending {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    let select = town::Entity::find().filter(condition);
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
