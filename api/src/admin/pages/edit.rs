//! Creating, showing, editing and deleting a record, and the conflict page when someone else
//! saved first.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use crate::admin::form::{self, Errors, Field, Submitted, Values};
use crate::admin::page::{error_page, layout, respond};
use crate::admin::pages::{current, details, form_page, shown};
use crate::admin::records::{ListQuery, Refused, Resource, notice_line, path};
use crate::admin::session::Staff;
use crate::error::AppError;
use crate::state::AppState;

pub async fn new_form<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Response {
    let values = R::defaults(&query);
    match R::fields(&state, None, &values).await {
        Ok(fields) => respond(
            StatusCode::OK,
            form_page::<R>(
                &staff,
                &format!("{} anlegen", R::ONE),
                &format!("/admin/{}/neu", R::SLUG),
                &fields,
                &values,
                &Errors::default(),
                None,
                None,
                None,
            ),
        ),
        Err(error) => error_page(Some(&staff), &error),
    }
}

pub async fn create<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    if let Err(error) = staff.check_csrf(submitted.get(form::CSRF)) {
        return error_page(Some(&staff), &error);
    }
    let values = submitted.values();
    let fields = match R::fields(&state, None, &values).await {
        Ok(fields) => fields,
        Err(error) => return error_page(Some(&staff), &error),
    };
    match R::save(&state, &staff.actor, None, &values, &fields).await {
        Ok(created) => Redirect::to(&format!("{}?meldung=angelegt", path::<R>(R::id(&created))))
            .into_response(),
        Err(Refused::Form(errors)) => respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page::<R>(
                &staff,
                &format!("{} anlegen", R::ONE),
                &format!("/admin/{}/neu", R::SLUG),
                &fields,
                &values,
                &errors,
                None,
                None,
                None,
            ),
        ),
        Err(Refused::Stale) => error_page(Some(&staff), &AppError::conflict("stale")),
        Err(Refused::Failed(error)) => error_page(Some(&staff), &error),
    }
}

pub async fn show<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    Query(query): Query<ListQuery>,
) -> Response {
    let result = async {
        let (model, values) = current::<R>(&state, id).await?;
        let fields = R::fields(&state, Some(&model), &values).await?;
        let related = R::related(&state, &staff, &model).await?;
        Ok::<_, AppError>((model, values, fields, related))
    }
    .await;
    let (model, values, fields, related) = match result {
        Ok(found) => found,
        Err(error) => return error_page(Some(&staff), &error),
    };
    let title = R::title(&model);
    let base = path::<R>(id);
    let body = html! {
        p.pfad { a href={ "/admin/" (R::SLUG) } { (R::MANY) } }
        h1 { (title) }
        (notice_line(&query))
        ul.aktionen {
            li { a.knopf href={ (base) "/bearbeiten" } { "Bearbeiten" } }
            li { a href={ (base) "/verlauf" } { "Verlauf" } }
            li { a href={ (base) "/loeschen" } { "Löschen" } }
        }
        (details(&fields, &values))
        (related)
    };
    respond(
        StatusCode::OK,
        layout(Some(&staff), &format!("/admin/{}", R::SLUG), &title, body),
    )
}

pub async fn edit_form<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
) -> Response {
    let result = async {
        let (model, values) = current::<R>(&state, id).await?;
        let fields = R::fields(&state, Some(&model), &values).await?;
        Ok::<_, AppError>((model, values, fields))
    }
    .await;
    match result {
        Ok((model, values, fields)) => respond(
            StatusCode::OK,
            form_page::<R>(
                &staff,
                &format!("{} bearbeiten: {}", R::ONE, R::title(&model)),
                &format!("{}/bearbeiten", path::<R>(id)),
                &fields,
                &values,
                &Errors::default(),
                Some(R::version(&model)),
                Some(&values),
                None,
            ),
        ),
        Err(error) => error_page(Some(&staff), &error),
    }
}

pub async fn update<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    if let Err(error) = staff.check_csrf(submitted.get(form::CSRF)) {
        return error_page(Some(&staff), &error);
    }
    let values = submitted.values();
    let before = submitted.before();
    let (model, stored) = match current::<R>(&state, id).await {
        Ok(found) => found,
        Err(error) => return error_page(Some(&staff), &error),
    };
    let fields = match R::fields(&state, Some(&model), &values).await {
        Ok(fields) => fields,
        Err(error) => return error_page(Some(&staff), &error),
    };
    let Some(version) = submitted.version() else {
        return error_page(
            Some(&staff),
            &AppError::bad_field("_version", "the form lacks the version it was opened at"),
        );
    };
    let action = format!("{}/bearbeiten", path::<R>(id));
    let title = format!("{} bearbeiten: {}", R::ONE, R::title(&model));
    if version != R::version(&model) {
        return conflict_page::<R>(&staff, &model, &fields, &values, &stored, &before);
    }
    match R::save(
        &state,
        &staff.actor,
        Some((&model, version)),
        &values,
        &fields,
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("{}?meldung=gespeichert", path::<R>(id))).into_response(),
        Err(Refused::Form(errors)) => respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page::<R>(
                &staff,
                &title,
                &action,
                &fields,
                &values,
                &errors,
                Some(version),
                Some(&before),
                None,
            ),
        ),
        Err(Refused::Stale) => match current::<R>(&state, id).await {
            Ok((model, stored)) => {
                conflict_page::<R>(&staff, &model, &fields, &values, &stored, &before)
            }
            Err(error) => error_page(Some(&staff), &error),
        },
        Err(Refused::Failed(error)) => error_page(Some(&staff), &error),
    }
}

/// Someone else saved first: the submitted values, the current ones and those the edit began
/// from, side by side, and the form again with the submitted values at the current version, so
/// that saving it is a deliberate merge under the lock.
fn conflict_page<R: Resource>(
    staff: &Staff,
    model: &R::Model,
    fields: &[Field],
    submitted: &Values,
    stored: &Values,
    before: &Values,
) -> Response {
    let value = |values: &Values, name: &str| values.get(name).cloned().unwrap_or_default();
    let title = format!("Konflikt: {}", R::title(model));
    let body = html! {
        h1 { (title) }
        div.fehlerliste role="alert" {
            p { "Jemand anderes hat diesen Eintrag gespeichert, während Sie ihn bearbeitet haben. Ihre Änderungen sind noch nicht gespeichert und gehen nicht verloren: Sie stehen unten im Formular." }
            p { "Vergleichen Sie Ihre Eingaben mit dem jetzt gespeicherten Stand, übernehmen Sie, was bleiben soll, und speichern Sie erneut." }
        }
        table.vergleich {
            caption { "Vergleich der Werte" }
            thead { tr {
                th scope="col" { "Feld" }
                th scope="col" { "Ihre Eingabe" }
                th scope="col" { "Jetzt gespeichert" }
                th scope="col" { "Beim Öffnen" }
            } }
            tbody {
                @for field in fields {
                    @let mine = value(submitted, &field.name);
                    @let theirs = value(stored, &field.name);
                    @let original = value(before, &field.name);
                    tr.abweichend[mine != theirs] {
                        th scope="row" { (field.label) }
                        td { (shown(field, &mine)) }
                        td { (shown(field, &theirs)) }
                        td { (shown(field, &original)) }
                    }
                }
            }
        }
        h2 { "Zusammenführen und speichern" }
        form method="post" action={ (path::<R>(R::id(model))) "/bearbeiten" } novalidate {
            (form::hidden(&staff.csrf, Some(R::version(model)), Some(stored)))
            @for field in fields {
                (form::field(field, submitted, &Errors::default()))
            }
            button type="submit" { "Zusammengeführt speichern" }
        }
    };
    respond(
        StatusCode::CONFLICT,
        layout(Some(staff), &format!("/admin/{}", R::SLUG), &title, body),
    )
}

pub async fn delete_form<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
) -> Response {
    let model = match R::get(&state, id).await {
        Ok(model) => model,
        Err(error) => return error_page(Some(&staff), &error),
    };
    let title = format!("{} löschen: {}", R::ONE, R::title(&model));
    let body = html! {
        h1 { (title) }
        p { "Soll „" (R::title(&model)) "“ wirklich gelöscht werden? Das lässt sich nur über den Verlauf nachvollziehen, nicht rückgängig machen." }
        form method="post" action={ (path::<R>(id)) "/loeschen" } {
            (form::hidden(&staff.csrf, Some(R::version(&model)), None))
            button.gefahr type="submit" { "Endgültig löschen" }
            " "
            a href=(path::<R>(id)) { "Abbrechen" }
        }
    };
    respond(
        StatusCode::OK,
        layout(Some(&staff), &format!("/admin/{}", R::SLUG), &title, body),
    )
}

pub async fn delete<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    if let Err(error) = staff.check_csrf(submitted.get(form::CSRF)) {
        return error_page(Some(&staff), &error);
    }
    let Some(version) = submitted.version() else {
        return error_page(
            Some(&staff),
            &AppError::bad_field("_version", "the form lacks the version"),
        );
    };
    match R::delete(&state, &staff.actor, id, version).await {
        Ok(()) => Redirect::to(&format!("/admin/{}?meldung=geloescht", R::SLUG)).into_response(),
        Err(error @ AppError::Conflict { .. }) => {
            let stale = matches!(
                error,
                AppError::Conflict {
                    current_version: Some(_),
                    ..
                }
            );
            let title = format!("{} nicht gelöscht", R::ONE);
            let body = html! {
                h1 { (title) }
                div.fehlerliste role="alert" {
                    @if stale {
                        p { "Der Eintrag wurde inzwischen geändert. Prüfen Sie den neuen Stand, bevor Sie ihn löschen." }
                    } @else {
                        p { "Der Eintrag wird noch von anderen Einträgen verwendet und kann deshalb nicht gelöscht werden. Entfernen Sie zuerst diese Verweise." }
                        @if let AppError::Conflict { message, .. } = &error {
                            p { "Begründung: " span lang="en" { (message) } }
                        }
                    }
                }
                p { a href=(path::<R>(id)) { "Zurück zum Eintrag" } }
            };
            respond(
                StatusCode::CONFLICT,
                layout(Some(&staff), &format!("/admin/{}", R::SLUG), &title, body),
            )
        }
        Err(error) => error_page(Some(&staff), &error),
    }
}
