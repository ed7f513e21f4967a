//! The pages every record type has, over [`Resource`]: the list, the forms, the record, the
//! conflict page and deleting (`edit`), and the history with restoring a version (`history`); and
//! what they share.

pub mod edit;
pub mod history;
pub mod list;

use maud::{Markup, html};

use crate::admin::form::{self, Errors, Field, Values};
use crate::admin::page::layout;
use crate::admin::records::Resource;
use crate::admin::session::Staff;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A record's form page: the summary of errors, the fields, and the button.
#[allow(clippy::too_many_arguments)]
pub fn form_page<R: Resource>(
    staff: &Staff,
    title: &str,
    action: &str,
    fields: &[Field],
    values: &Values,
    errors: &Errors,
    version: Option<i32>,
    before: Option<&Values>,
    intro: Option<Markup>,
) -> Markup {
    let body = html! {
        h1 { (title) }
        @if let Some(intro) = intro { (intro) }
        (form::summary(errors, fields))
        form method="post" action=(action) novalidate {
            (form::hidden(&staff.csrf, version, before))
            @for field in fields {
                (form::field(field, values, errors))
            }
            button type="submit" { "Speichern" }
        }
    };
    layout(Some(staff), &format!("/admin/{}", R::SLUG), title, body)
}

/// The current record with its form values.
pub async fn current<R: Resource>(state: &AppState, id: i32) -> AppResult<(R::Model, Values)> {
    let model = R::get(state, id).await?;
    let stored = serde_json::to_value(&model)
        .map_err(|e| AppError::Internal(format!("record as JSON: {e}")))?;
    let values = R::values(state, &model, &stored).await?;
    Ok((model, values))
}

/// A record's fields as a description list, choices by their labels.
pub fn details(fields: &[Field], values: &Values) -> Markup {
    html! {
        dl.werte {
            @for field in fields {
                dt { (field.label) }
                dd { (shown(field, values.get(&field.name).map(String::as_str).unwrap_or(""))) }
            }
        }
    }
}

/// A form value as people read it.
pub fn shown(field: &Field, value: &str) -> Markup {
    if value.is_empty() {
        return html! { span.leer { "keine Angabe" } };
    }
    match &field.input {
        form::Input::Choice(choices) => {
            let label = choices
                .iter()
                .find(|(choice, _)| choice == value)
                .map_or(value, |(_, label)| label.as_str());
            html! { (label) }
        }
        form::Input::Checkbox => html! { "ja" },
        form::Input::LocalDateTime(zone) => {
            html! { (value.replacen('T', " ", 1)) " (" (zone.name()) ")" }
        }
        form::Input::Lines | form::Input::LongText => {
            html! { @for line in value.lines() { (line) br; } }
        }
        _ => html! { (value) },
    }
}
