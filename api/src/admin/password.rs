//! Changing one's own password.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::form::{self, Errors, Submitted};
use super::page::{error_page, layout, respond};
use super::session::Staff;
use crate::error::AppError;
use crate::service::account;
use crate::state::AppState;

fn page(staff: &Staff, errors: &Errors, done: bool) -> Markup {
    let field = |name: &str, label: &str, autocomplete: &str, hint: Option<&str>| {
        let id = form::control_id(name);
        let error = errors
            .0
            .iter()
            .find(|(f, _)| f.as_deref() == Some(name))
            .map(|(_, m)| m.clone());
        let described: Vec<String> = [
            hint.map(|_| format!("{id}-hinweis")),
            error.as_ref().map(|_| format!("{id}-fehler")),
        ]
        .into_iter()
        .flatten()
        .collect();
        html! {
            div.feld.fehlerhaft[error.is_some()] {
                label for=(id) { (label) " " span.pflicht { "(Pflichtfeld)" } }
                @if let Some(hint) = hint { p.hinweis id={ (id) "-hinweis" } { (hint) } }
                @if let Some(error) = &error { p.fehlertext id={ (id) "-fehler" } { span.unsichtbar { "Fehler: " } (error) } }
                input type="password" id=(id) name=(name) autocomplete=(autocomplete) required
                    aria-invalid=[error.as_ref().map(|_| "true")]
                    aria-describedby=[(!described.is_empty()).then(|| described.join(" "))];
            }
        }
    };
    let fields = [
        form::Field::new("current", "Bisheriges Passwort", form::Input::Text),
        form::Field::new("new", "Neues Passwort", form::Input::Text),
        form::Field::new("repeat", "Neues Passwort wiederholen", form::Input::Text),
    ];
    let body = html! {
        h1 { "Passwort ändern" }
        @if done { p.meldung role="status" { "Das Passwort ist geändert. Ihre anderen Sitzungen sind beendet." } }
        (form::summary(errors, &fields))
        form method="post" action="/admin/passwort" novalidate {
            (form::hidden(&staff.csrf, None, None))
            (field("current", "Bisheriges Passwort", "current-password", None))
            (field("new", "Neues Passwort", "new-password", Some("Mindestens 12 Zeichen.")))
            (field("repeat", "Neues Passwort wiederholen", "new-password", None))
            button type="submit" { "Passwort ändern" }
        }
    };
    layout(Some(staff), "/admin/passwort", "Passwort ändern", body)
}

/// `GET /admin/passwort`.
pub async fn form_page(
    staff: Staff,
    query: axum::extract::Query<super::records::ListQuery>,
) -> Response {
    let done = query.filters.contains_key("geaendert");
    respond(StatusCode::OK, page(&staff, &Errors::default(), done))
}

/// `POST /admin/passwort`.
pub async fn change(
    State(state): State<AppState>,
    staff: Staff,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    if let Err(error) = staff.check_csrf(submitted.get(form::CSRF)) {
        return error_page(Some(&staff), &error);
    }
    let new = submitted.get("new").unwrap_or_default();
    if new != submitted.get("repeat").unwrap_or_default() {
        let mut errors = Errors::default();
        errors.add(
            "repeat",
            "Die Wiederholung stimmt nicht mit dem neuen Passwort überein.",
        );
        return respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&staff, &errors, false),
        );
    }
    let changed = account::change_password(
        &state.db,
        &state.login_limiter,
        &staff.actor,
        submitted.get("current").unwrap_or_default(),
        new.to_owned(),
        staff.session_id(),
    )
    .await;
    match changed {
        Ok(()) => Redirect::to("/admin/passwort?geaendert=1").into_response(),
        Err(AppError::BadUserInput { field, .. }) => {
            let mut errors = Errors::default();
            let field = field.unwrap_or_else(|| "new".to_owned());
            let german = if field == "current" {
                "Das bisherige Passwort ist nicht richtig.".to_owned()
            } else {
                format!(
                    "Das neue Passwort muss {} bis {} Zeichen lang sein.",
                    crate::auth::password::MIN_PASSWORD_LENGTH,
                    crate::auth::password::MAX_PASSWORD_LENGTH
                )
            };
            errors.add(&field, german);
            respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&staff, &errors, false),
            )
        }
        Err(error) => error_page(Some(&staff), &error),
    }
}
