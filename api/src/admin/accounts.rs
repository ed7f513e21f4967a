//! Staff accounts, for administrators: create, change the role, disable and enable.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use entity::enums::StaffRole;
use maud::{Markup, html};

use super::form::{self, Errors, Field, Input, Submitted, Values};
use super::labels;
use super::page::{error_page, layout, respond};
use super::records::{ListQuery, notice_line};
use super::session::Staff;
use crate::error::{AppError, AppResult};
use crate::service::account;
use crate::state::AppState;

/// The routes of the account pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/konten", get(list).post(create))
        .route("/admin/konten/{id}/rolle", post(change_role))
        .route("/admin/konten/{id}/sperren", post(disable))
        .route("/admin/konten/{id}/entsperren", post(enable))
}

fn fields() -> Vec<Field> {
    vec![
        Field::new("email", "E-Mail-Adresse", Input::Email).required(),
        Field::new("name", "Name", Input::Text).required(),
        Field::new(
            "role",
            "Rolle",
            Input::Choice(labels::choices::<StaffRole>()),
        )
        .required(),
        Field::new("password", "Erstes Passwort", Input::Text)
            .required()
            .hint("Mindestens 12 Zeichen. Geben Sie es der Person auf sicherem Weg weiter."),
    ]
}

async fn render(
    state: &AppState,
    staff: &Staff,
    notice: Markup,
    values: &Values,
    errors: &Errors,
) -> AppResult<Markup> {
    staff.require_admin()?;
    let accounts = account::list(&state.db).await?;
    let fields = fields();
    let roles = Field::new(
        "role",
        "Rolle",
        Input::Choice(labels::choices::<StaffRole>()),
    );
    let berlin = chrono_tz::Europe::Berlin;
    let body = html! {
        h1 { "Konten" }
        (notice)
        table {
            caption.unsichtbar { "Konten der Redaktion" }
            thead { tr {
                th scope="col" { "Name" } th scope="col" { "E-Mail-Adresse" } th scope="col" { "Rolle" }
                th scope="col" { "Zuletzt angemeldet" } th scope="col" { "Zugang" }
            } }
            tbody {
                @for user in &accounts {
                    tr {
                        td { (user.name) }
                        td { (user.email) }
                        td {
                            form.inline method="post" action={ "/admin/konten/" (user.id) "/rolle" } {
                                (form::hidden(&staff.csrf, Some(user.version), None))
                                label.unsichtbar for={ "rolle-" (user.id) } { "Rolle von " (user.name) }
                                select id={ "rolle-" (user.id) } name="role" {
                                    @if let Input::Choice(choices) = &roles.input {
                                        @for (value, label) in choices {
                                            option value=(value) selected[*value == sea_orm::ActiveEnum::to_value(&user.role)] { (label) }
                                        }
                                    }
                                }
                                " "
                                button.zweitrangig type="submit" aria-label={ "Rolle von " (user.name) " ändern" } { "Ändern" }
                            }
                        }
                        td { @match user.last_login_at { Some(at) => (at.with_timezone(&berlin).format("%d.%m.%Y %H:%M")), None => "nie" } }
                        td {
                            @if user.active {
                                "aktiv "
                                form.inline method="post" action={ "/admin/konten/" (user.id) "/sperren" } {
                                    (form::hidden(&staff.csrf, Some(user.version), None))
                                    button.zweitrangig type="submit" aria-label={ (user.name) " sperren" } { "Sperren" }
                                }
                            } @else {
                                "gesperrt "
                                form.inline method="post" action={ "/admin/konten/" (user.id) "/entsperren" } {
                                    (form::hidden(&staff.csrf, Some(user.version), None))
                                    button.zweitrangig type="submit" aria-label={ (user.name) " entsperren" } { "Entsperren" }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 #neu { "Konto anlegen" }
        (form::summary(errors, &fields))
        form method="post" action="/admin/konten" novalidate {
            (form::hidden(&staff.csrf, None, None))
            @for field in &fields[..3] {
                (form::field(field, values, errors))
            }
            div.feld.fehlerhaft[errors.0.iter().any(|(f, _)| f.as_deref() == Some("password"))] {
                label for=(form::control_id("password")) { "Erstes Passwort " span.pflicht { "(Pflichtfeld)" } }
                p.hinweis #feld-password-hinweis { "Mindestens 12 Zeichen. Geben Sie es der Person auf sicherem Weg weiter." }
                input type="password" id=(form::control_id("password")) name="password" autocomplete="new-password" aria-describedby="feld-password-hinweis" required;
            }
            button type="submit" { "Konto anlegen" }
        }
    };
    Ok(layout(Some(staff), "/admin/konten", "Konten", body))
}

async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Response {
    match render(
        &state,
        &staff,
        notice_line(&query),
        &Values::new(),
        &Errors::default(),
    )
    .await
    {
        Ok(markup) => respond(StatusCode::OK, markup),
        Err(error) => error_page(Some(&staff), &error),
    }
}

async fn create(
    State(state): State<AppState>,
    staff: Staff,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    if let Err(error) = staff
        .check_csrf(submitted.get(form::CSRF))
        .and_then(|()| staff.require_admin())
    {
        return error_page(Some(&staff), &error);
    }
    let mut values = submitted.values();
    let password = values.remove("password").unwrap_or_default();
    let role = values
        .get("role")
        .and_then(|r| labels::parse::<StaffRole>(r))
        .unwrap_or(StaffRole::Editor);
    let created = account::create(
        &state.db,
        values.get("email").map(String::as_str).unwrap_or_default(),
        values.get("name").map(String::as_str).unwrap_or_default(),
        role,
        password,
    )
    .await;
    match created {
        Ok(_) => Redirect::to("/admin/konten?meldung=angelegt").into_response(),
        Err(error @ (AppError::BadUserInput { .. } | AppError::Conflict { .. })) => {
            let errors = Errors::from_service(&error, &fields());
            match render(&state, &staff, html! {}, &values, &errors).await {
                Ok(markup) => respond(StatusCode::UNPROCESSABLE_ENTITY, markup),
                Err(error) => error_page(Some(&staff), &error),
            }
        }
        Err(error) => error_page(Some(&staff), &error),
    }
}

async fn apply(
    state: &AppState,
    staff: &Staff,
    id: i32,
    submitted: &Submitted,
    role: Option<StaffRole>,
    active: Option<bool>,
) -> Response {
    let outcome = async {
        staff.check_csrf(submitted.get(form::CSRF))?;
        let version = submitted
            .version()
            .ok_or_else(|| AppError::bad_field("_version", "the form lacks the version"))?;
        account::change(&state.db, &staff.actor, id, version, role, active).await
    }
    .await;
    match outcome {
        Ok(_) => Redirect::to("/admin/konten?meldung=gespeichert").into_response(),
        Err(error) => error_page(Some(staff), &error),
    }
}

async fn change_role(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    let Some(role) = submitted.get("role").and_then(labels::parse::<StaffRole>) else {
        return error_page(Some(&staff), &AppError::bad_field("role", "choose a role"));
    };
    apply(&state, &staff, id, &submitted, Some(role), None).await
}

async fn disable(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    apply(&state, &staff, id, &submitted, None, Some(false)).await
}

async fn enable(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    apply(&state, &staff, id, &submitted, None, Some(true)).await
}
