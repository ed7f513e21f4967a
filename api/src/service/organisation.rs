//! Organisations: filters and ordering.

use entity::enums::OrganisationKind;
use entity::organisation;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
};

use super::page::{Page, PageArgs, paginate};
use super::text;
use crate::error::AppResult;

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
