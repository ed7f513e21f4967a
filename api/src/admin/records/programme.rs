//! The programme editor of an event: its sessions in time order with local times in the event's
//! zone, contributors added and removed in place, and new sessions added below.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};

use super::contributions::{self, contribution_fields};
use super::events::Events;
use super::sessions::Sessions;
use crate::admin::form::{self, Errors, Field, Submitted, Values};
use crate::admin::labels::Label;
use crate::admin::page::{error_page, layout, respond};
use crate::admin::records::{ListQuery, Refused, Resource, notice_line, path};
use crate::admin::session::Staff;
use crate::error::{AppError, AppResult};
use crate::service::programme::{self, Contributor, Programme};
use crate::service::{choices, session as sessions};
use crate::state::AppState;
use crate::viewer::Viewer;

/// The routes of the programme editor.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/veranstaltungen/{id}/programm",
            get(page).post(add_session),
        )
        .route(
            "/admin/veranstaltungen/{id}/programm/{session}/mitwirkende",
            post(add_contributor),
        )
        .route(
            "/admin/veranstaltungen/{id}/programm/mitwirkende/{contribution}/entfernen",
            post(remove_contributor),
        )
}

fn contributor_name(contributor: &Contributor) -> String {
    let person = contributor.person.as_ref().map(|p| p.name.clone());
    let organisation = contributor
        .organisation
        .as_ref()
        .map(|o| o.name.clone())
        .or_else(|| contributor.affiliation.clone());
    match (person, organisation) {
        (Some(person), Some(organisation)) => format!("{person} ({organisation})"),
        (Some(person), None) => person,
        (None, Some(organisation)) => organisation,
        (None, None) => format!("Beitrag {}", contributor.id),
    }
}

/// What a failed form on this page left: which form, its values and errors.
struct Pending {
    /// The session whose contributor form failed; `None` for the new-session form.
    session: Option<i32>,
    values: Values,
    errors: Errors,
}

async fn render(
    state: &AppState,
    staff: &Staff,
    id: i32,
    notice: Markup,
    pending: Option<Pending>,
) -> AppResult<Markup> {
    let programme: Programme =
        programme::load(&state.reader, Viewer::Staff(staff.actor.role), id).await?;
    let event = &programme.event.record;
    let zone = programme.event.zone;
    let versions: HashMap<i32, i32> = sessions::contributions_of_event(&state.db, id)
        .await?
        .into_iter()
        .map(|c| (c.id, c.version))
        .collect();
    let people = crate::admin::form::id_choices(choices::people(&state.db).await?);
    let organisations = crate::admin::form::id_choices(choices::organisations(&state.db).await?);
    let contributor_form: Vec<Field> = contribution_fields(Vec::new(), people, organisations)
        .into_iter()
        .filter(|f| f.name != "session")
        .collect();
    let mut new_values = Values::new();
    new_values.insert("event".to_owned(), id.to_string());
    new_values.insert("kind".to_owned(), "TALK".to_owned());
    let session_fields: Vec<Field> = Sessions::fields(state, None, &new_values)
        .await?
        .into_iter()
        .filter(|f| f.name != "event")
        .collect();
    let empty = Errors::default();
    let (new_session_values, new_session_errors) = match &pending {
        Some(Pending {
            session: None,
            values,
            errors,
        }) => (values.clone(), errors),
        _ => (new_values, &empty),
    };
    let base = path::<Events>(id);
    let remove = |contributor: &Contributor| {
        let name = contributor_name(contributor);
        html! {
            li {
                (name) " – " (contributor.role.label()) " "
                form.inline method="post" action={ (base) "/programm/mitwirkende/" (contributor.id) "/entfernen" } {
                    (form::hidden(&staff.csrf, versions.get(&contributor.id).copied(), None))
                    button.zweitrangig type="submit" aria-label={ (name) " entfernen" } { "Entfernen" }
                }
            }
        }
    };
    let title = format!("Programm: {}", event.title);
    let body = html! {
        p.pfad { a href=(base) { (event.title) } }
        h1 { (title) }
        (notice)
        p { "Alle Zeiten in Ortszeit " strong { (zone.name()) } "."
            @if !event.published { " " span.entwurf { "Entwurf" } } }
        p { a href={ (base) "/vorschau" } { "Vorschau des öffentlichen Programms" } }
        @if !programme.contributors.is_empty() {
            h2 { "Mitwirkende der ganzen Veranstaltung" }
            ul { @for contributor in &programme.contributors { (remove(contributor)) } }
        }
        h2 { "Programmpunkte" }
        @if programme.sessions.is_empty() {
            p { "Noch keine Programmpunkte." }
        }
        ol.programm {
            @for item in &programme.sessions {
                @let s = &item.record;
                @let heading = format!("punkt-{}-titel", s.id);
                li #{ "punkt-" (s.id) } {
                    section aria-labelledby=(heading) {
                        h3 id=(heading) {
                            time datetime=(s.starts_at.to_rfc3339()) { (s.starts_at.with_timezone(&zone).format("%H:%M")) }
                            @if let Some(end) = s.ends_at {
                                "–" time datetime=(end.to_rfc3339()) { (end.with_timezone(&zone).format("%H:%M")) }
                            }
                            " Uhr: " (s.title)
                        }
                        p { (s.kind.label()) " · "
                            a href={ (path::<Sessions>(s.id)) "/bearbeiten" } aria-label={ (s.title) " bearbeiten" } { "Bearbeiten" } }
                        @if item.contributors.is_empty() {
                            p { "Keine Mitwirkenden." }
                        } @else {
                            ul { @for contributor in &item.contributors { (remove(contributor)) } }
                        }
                        @let (values, errors) = match &pending {
                            Some(Pending { session: Some(sid), values, errors }) if *sid == s.id => (values.clone(), errors),
                            _ => (Values::new(), &empty),
                        };
                        details open[!errors.is_empty()] {
                            summary { "Mitwirkende hinzufügen zu „" (s.title) "“" }
                            form method="post" action={ (base) "/programm/" (s.id) "/mitwirkende" } novalidate {
                                (form::hidden(&staff.csrf, None, None))
                                @let prefixed: Vec<Field> = contributor_form.iter().cloned().map(|mut f| { f.name = format!("p{}-{}", s.id, f.name); f }).collect();
                                @let prefixed_values: Values = values.iter().map(|(k, v)| (format!("p{}-{k}", s.id), v.clone())).collect();
                                @let prefixed_errors = Errors(errors.0.iter().map(|(f, m)| (f.as_ref().map(|f| format!("p{}-{f}", s.id)), m.clone())).collect());
                                (form::summary(&prefixed_errors, &prefixed))
                                @for field in &prefixed {
                                    (form::field(field, &prefixed_values, &prefixed_errors))
                                }
                                button type="submit" { "Hinzufügen" }
                            }
                        }
                    }
                }
            }
        }
        h2 #neu { "Programmpunkt hinzufügen" }
        (form::summary(new_session_errors, &session_fields))
        form method="post" action={ (base) "/programm" } novalidate {
            (form::hidden(&staff.csrf, None, None))
            @for field in &session_fields {
                (form::field(field, &new_session_values, new_session_errors))
            }
            button type="submit" { "Programmpunkt anlegen" }
        }
    };
    Ok(layout(Some(staff), "/admin/veranstaltungen", &title, body))
}

async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    Query(query): Query<ListQuery>,
) -> Response {
    match render(&state, &staff, id, notice_line(&query), None).await {
        Ok(markup) => respond(StatusCode::OK, markup),
        Err(error) => error_page(Some(&staff), &error),
    }
}

async fn again(state: &AppState, staff: &Staff, id: i32, pending: Pending) -> Response {
    match render(state, staff, id, html! {}, Some(pending)).await {
        Ok(markup) => respond(StatusCode::UNPROCESSABLE_ENTITY, markup),
        Err(error) => error_page(Some(staff), &error),
    }
}

async fn add_session(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    if let Err(error) = staff.check_csrf(submitted.get(form::CSRF)) {
        return error_page(Some(&staff), &error);
    }
    let mut values = submitted.values();
    values.insert("event".to_owned(), id.to_string());
    let fields = match Sessions::fields(&state, None, &values).await {
        Ok(fields) => fields,
        Err(error) => return error_page(Some(&staff), &error),
    };
    match Sessions::save(&state, &staff.actor, None, &values, &fields).await {
        Ok(created) => Redirect::to(&format!(
            "{}/programm?meldung=angelegt#punkt-{}",
            path::<Events>(id),
            created.id
        ))
        .into_response(),
        Err(Refused::Form(errors)) => {
            again(
                &state,
                &staff,
                id,
                Pending {
                    session: None,
                    values,
                    errors,
                },
            )
            .await
        }
        Err(Refused::Stale) => error_page(Some(&staff), &AppError::conflict("stale")),
        Err(Refused::Failed(error)) => error_page(Some(&staff), &error),
    }
}

async fn add_contributor(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, session)): Path<(i32, i32)>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    if let Err(error) = staff.check_csrf(submitted.get(form::CSRF)) {
        return error_page(Some(&staff), &error);
    }
    let prefix = format!("p{session}-");
    let mut values: Values = submitted
        .values()
        .into_iter()
        .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|k| (k.to_owned(), v)))
        .collect();
    values.insert("session".to_owned(), session.to_string());
    let outcome = match contributions::changes(&values, Some(id)) {
        Ok(changes) => sessions::create_contribution(&state.db, &staff.actor, changes)
            .await
            .map_err(|error| {
                let fields = contribution_fields(Vec::new(), Vec::new(), Vec::new());
                Refused::from_service(error, &fields)
            }),
        Err(refused) => Err(refused),
    };
    match outcome {
        Ok(_) => Redirect::to(&format!(
            "{}/programm?meldung=hinzugefuegt#punkt-{session}",
            path::<Events>(id)
        ))
        .into_response(),
        Err(Refused::Form(errors)) => {
            values.remove("session");
            again(
                &state,
                &staff,
                id,
                Pending {
                    session: Some(session),
                    values,
                    errors,
                },
            )
            .await
        }
        Err(Refused::Stale) => error_page(Some(&staff), &AppError::conflict("stale")),
        Err(Refused::Failed(error)) => error_page(Some(&staff), &error),
    }
}

async fn remove_contributor(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, contribution)): Path<(i32, i32)>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    let outcome = async {
        staff.check_csrf(submitted.get(form::CSRF))?;
        let version = submitted
            .version()
            .ok_or_else(|| AppError::bad_field("_version", "the form lacks the version"))?;
        sessions::delete_contribution(&state.db, &staff.actor, contribution, version).await
    }
    .await;
    match outcome {
        Ok(_) => Redirect::to(&format!("{}/programm?meldung=entfernt", path::<Events>(id)))
            .into_response(),
        Err(error) => error_page(Some(&staff), &error),
    }
}
