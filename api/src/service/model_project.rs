//! Model projects (Modellvorhaben) and project calls.

use entity::{model_project, model_project_partner, model_project_town, project_call};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
};

use super::page::{Page, PageArgs, paginate};
use super::text;
use crate::error::AppResult;

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

fn query(filter: &ModelProjectFilter) -> AppResult<Select<model_project::Entity>> {
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
    Ok(model_project::Entity::find()
        .filter(condition)
        .order_by_asc(model_project::Column::Title)
        .order_by_asc(model_project::Column::Id))
}

/// One page of model projects, by title.
pub async fn list<C: ConnectionTrait>(
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
