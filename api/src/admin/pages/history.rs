//! A record's history: every audited change with a field-by-field diff, and restoring a version
//! as an ordinary, audited edit.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use entity::audit_entry;
use maud::html;
use serde_json::Value as Json;

use crate::admin::form::{Errors, Field};
use crate::admin::labels::Label;
use crate::admin::page::{error_page, layout, respond};
use crate::admin::pages::{current, form_page};
use crate::admin::records::{Resource, path};
use crate::admin::session::Staff;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::service::audit::{self, AuditFilter};
use crate::state::AppState;
use crate::store::page::PageArgs;
use crate::viewer::Viewer;

/// A record's newest audit entries (at most a page), newest first.
async fn entries<R: Resource>(
    state: &AppState,
    staff: &Staff,
    id: i32,
) -> AppResult<Vec<audit_entry::Model>> {
    let filter = AuditFilter {
        entity_id: Some(ids::encode(R::RECORD, id)),
        ..Default::default()
    };
    let page = audit::list(
        &state.db,
        Viewer::Staff(staff.actor.role),
        &filter,
        &PageArgs {
            first: Some(crate::store::page::MAX_PAGE_SIZE),
            ..Default::default()
        },
        false,
    )
    .await?;
    Ok(page.items.into_iter().map(|(_, entry)| entry).collect())
}

/// The label of a stored field (`starts_at`) among the form's fields (`startsAt`).
fn stored_label<'f>(fields: &'f [Field], stored: &'f str) -> &'f str {
    let camel = camel_case(stored);
    fields
        .iter()
        .find(|f| f.name == camel || format!("{}Id", f.name) == camel)
        .map_or(stored, |f| f.label)
}

/// `starts_at` → `startsAt`.
fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn json_text(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(text) => text.clone(),
        Json::Array(items) => items.iter().map(json_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

pub async fn history<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
) -> Response {
    let result = async {
        let (model, values) = current::<R>(&state, id).await?;
        let fields = R::fields(&state, Some(&model), &values).await?;
        let entries = entries::<R>(&state, &staff, id).await?;
        Ok::<_, AppError>((model, fields, entries))
    }
    .await;
    let (model, fields, entries) = match result {
        Ok(found) => found,
        Err(error) => return error_page(Some(&staff), &error),
    };
    let title = format!("Verlauf: {}", R::title(&model));
    let body = html! {
        p.pfad { a href=(path::<R>(id)) { (R::title(&model)) } }
        h1 { (title) }
        @if entries.is_empty() {
            p { "Für diesen Eintrag ist keine Änderung verzeichnet." }
        }
        ol.verlauf {
            @for (index, entry) in entries.iter().enumerate() {
                li {
                    h2 {
                        (entry.action.label()) " am "
                        time datetime=(entry.at.to_rfc3339()) { (entry.at.with_timezone(&chrono_tz::Europe::Berlin).format("%d.%m.%Y um %H:%M:%S")) }
                        " von " (entry.actor_email)
                    }
                    @if let Some(changes) = entry.changes.as_object().filter(|c| !c.is_empty()) {
                        table.vergleich {
                            caption.unsichtbar { "Geänderte Felder" }
                            thead { tr { th scope="col" { "Feld" } th scope="col" { "Vorher" } th scope="col" { "Nachher" } } }
                            tbody {
                                @for (name, change) in changes {
                                    tr {
                                        th scope="row" { (stored_label(&fields, name)) }
                                        td { del { (json_text(&change["before"])) } }
                                        td { ins { (json_text(&change["after"])) } }
                                    }
                                }
                            }
                        }
                    }
                    @if index > 0 && matches!(entry.action, entity::enums::AuditAction::Create | entity::enums::AuditAction::Update | entity::enums::AuditAction::Publish | entity::enums::AuditAction::Unpublish) {
                        p { a href={ (path::<R>(id)) "/verlauf/" (entry.id) } { "Diesen Stand wiederherstellen" } }
                    }
                }
            }
        }
    };
    respond(
        StatusCode::OK,
        layout(Some(&staff), &format!("/admin/{}", R::SLUG), &title, body),
    )
}

/// The record as it was right after an audit entry: today's stored form with every later change
/// undone. Masked personal values cannot be brought back; those fields keep today's value.
fn as_of(current: &Json, entries: &[audit_entry::Model], entry_id: i32) -> Option<Json> {
    let mut state = current.as_object()?.clone();
    for entry in entries.iter().filter(|e| e.id > entry_id) {
        if let Some(changes) = entry.changes.as_object() {
            for (name, change) in changes {
                let before = &change["before"];
                if before != &Json::String("***".to_owned()) {
                    state.insert(name.clone(), before.clone());
                }
            }
        }
    }
    Some(Json::Object(state))
}

pub async fn restore_form<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, entry_id)): Path<(i32, i32)>,
) -> Response {
    let result = async {
        let model = R::get(&state, id).await?;
        let stored = serde_json::to_value(&model)
            .map_err(|e| AppError::Internal(format!("record as JSON: {e}")))?;
        let current_values = R::values(&state, &model, &stored).await?;
        let entries = entries::<R>(&state, &staff, id).await?;
        let entry = entries
            .iter()
            .find(|e| e.id == entry_id)
            .ok_or(AppError::NotFound("history entry"))?;
        let then = as_of(&stored, &entries, entry_id).ok_or(AppError::NotFound("history entry"))?;
        let values = R::values(&state, &model, &then).await?;
        let fields = R::fields(&state, Some(&model), &values).await?;
        Ok::<_, AppError>((model, current_values, values, fields, entry.at))
    }
    .await;
    let (model, current_values, values, fields, at) = match result {
        Ok(found) => found,
        Err(error) => return error_page(Some(&staff), &error),
    };
    let intro = html! {
        p { "Das Formular enthält den Stand vom "
            (at.with_timezone(&chrono_tz::Europe::Berlin).format("%d.%m.%Y um %H:%M:%S"))
            ". Prüfen Sie die Werte; erst „Speichern“ stellt diesen Stand wieder her, als neue Änderung im Verlauf." }
    };
    respond(
        StatusCode::OK,
        form_page::<R>(
            &staff,
            &format!("Stand wiederherstellen: {}", R::title(&model)),
            &format!("{}/bearbeiten", path::<R>(id)),
            &fields,
            &values,
            &Errors::default(),
            Some(R::version(&model)),
            Some(&current_values),
            Some(intro),
        ),
    )
}
