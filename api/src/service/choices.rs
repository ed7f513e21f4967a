//! Names of records for choosing among them (the selects of the staff interface): id and label,
//! staff only, alphabetical or in time order.

use chrono_tz::Tz;
use entity::{event, model_project, organisation, person, project_call, session, town};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::{AppError, AppResult};

/// Upper bound of a list of choices; beyond it a select is no longer usable.
const LIMIT: u64 = 2000;

/// Organisations by name.
pub async fn organisations<C: ConnectionTrait>(db: &C) -> AppResult<Vec<(i32, String)>> {
    Ok(organisation::Entity::find()
        .order_by_asc(organisation::Column::Name)
        .limit(LIMIT)
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

/// People by name.
pub async fn people<C: ConnectionTrait>(db: &C) -> AppResult<Vec<(i32, String)>> {
    Ok(person::Entity::find()
        .order_by_asc(person::Column::Name)
        .limit(LIMIT)
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

/// Model projects by title.
pub async fn model_projects<C: ConnectionTrait>(db: &C) -> AppResult<Vec<(i32, String)>> {
    Ok(model_project::Entity::find()
        .order_by_asc(model_project::Column::Title)
        .limit(LIMIT)
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.title))
        .collect())
}

/// Project calls, newest first.
pub async fn project_calls<C: ConnectionTrait>(db: &C) -> AppResult<Vec<(i32, String)>> {
    Ok(project_call::Entity::find()
        .order_by_desc(project_call::Column::Year)
        .order_by_asc(project_call::Column::Name)
        .limit(LIMIT)
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, format!("{} ({})", c.name, c.year)))
        .collect())
}

/// Events, newest first, with their date.
pub async fn events<C: ConnectionTrait>(db: &C) -> AppResult<Vec<(i32, String)>> {
    Ok(event::Entity::find()
        .order_by_desc(event::Column::StartsAt)
        .limit(LIMIT)
        .all(db)
        .await?
        .into_iter()
        .map(|e| {
            let zone: Tz = e.time_zone.parse().unwrap_or(chrono_tz::Europe::Berlin);
            (
                e.id,
                format!(
                    "{} ({})",
                    e.title,
                    e.starts_at.with_timezone(&zone).format("%d.%m.%Y")
                ),
            )
        })
        .collect())
}

/// The sessions of an event in programme order, with their local start.
pub async fn sessions<C: ConnectionTrait>(
    db: &C,
    event_id: i32,
    zone: Tz,
) -> AppResult<Vec<(i32, String)>> {
    Ok(session::Entity::find()
        .filter(session::Column::EventId.eq(event_id))
        .order_by_asc(session::Column::StartsAt)
        .order_by_asc(session::Column::Position)
        .limit(LIMIT)
        .all(db)
        .await?
        .into_iter()
        .map(|s| {
            (
                s.id,
                format!(
                    "{} {}",
                    s.starts_at.with_timezone(&zone).format("%H:%M"),
                    s.title
                ),
            )
        })
        .collect())
}

/// The town a person typed: its 8-digit municipality key, the form text of a town (`Name (key)`
/// or `Name (Nr. id)`), or a name that only one town has. Errors name the field.
pub async fn town<C: ConnectionTrait>(db: &C, field: &str, text: &str) -> AppResult<town::Model> {
    let text = text.trim();
    let inner = text
        .rsplit_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .map(str::trim);
    if let Some(id) = inner
        .and_then(|inner| inner.strip_prefix("Nr."))
        .and_then(|id| id.trim().parse::<i32>().ok())
    {
        return town::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| AppError::bad_field(field, format!("no town has the number {id}")));
    }
    let is_key = |key: &str| key.len() == 8 && key.bytes().all(|b| b.is_ascii_digit());
    let key = inner
        .filter(|key| is_key(key))
        .or_else(|| is_key(text).then_some(text));
    if let Some(key) = key {
        return town::Entity::find()
            .filter(town::Column::MunicipalityKey.eq(key))
            .one(db)
            .await?
            .ok_or_else(|| AppError::bad_field(field, format!("no town has the key {key}")));
    }
    let found = town::Entity::find()
        .filter(town::Column::Name.eq(text))
        .limit(10)
        .all(db)
        .await?;
    match found.len() {
        0 => Err(AppError::bad_field(
            field,
            format!("no town is called „{text}“"),
        )),
        1 => found.into_iter().next().ok_or(AppError::NotFound("town")),
        _ => Err(AppError::bad_field(
            field,
            format!(
                "several towns are called „{text}“; write one of: {}",
                found.iter().map(town_label).collect::<Vec<_>>().join("; ")
            ),
        )),
    }
}

/// How a town is written in a form: `Name (municipality key)`, or `Name (Nr. id)` without a key.
pub fn town_label(town: &town::Model) -> String {
    match &town.municipality_key {
        Some(key) => format!("{} ({key})", town.name),
        None => format!("{} (Nr. {})", town.name, town.id),
    }
}

/// The form text of a town by id.
pub async fn town_text<C: ConnectionTrait>(db: &C, id: i32) -> AppResult<String> {
    Ok(town::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|t| town_label(&t))
        .unwrap_or_default())
}
