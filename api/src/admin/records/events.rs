//! Events: the form, the list, organisers, publishing and withdrawing, and the preview of the
//! public programme.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use entity::enums::{DatePrecision, EventFormat, EventStatus, OrganiserRole};
use entity::{event, event_organiser};
use maud::{Markup, html};
use serde_json::Value as Json;

use super::stored;
use crate::admin::form::{self, Errors, Field, Input, Reader, Submitted, Values};
use crate::admin::labels::{self, Label};
use crate::admin::page::error_page;
use crate::admin::records::{ListQuery, Listing, Refused, Resource, path};
use crate::admin::session::Staff;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::event::{self as service, EventChanges, EventFilter, EventOrder};
use crate::service::timing::When;
use crate::service::{choices, programme};
use crate::state::AppState;
use crate::viewer::Viewer;

/// Events.
pub struct Events;

fn zone_of(values: &Values, current: Option<&event::Model>) -> chrono_tz::Tz {
    values
        .get("timeZone")
        .and_then(|zone| zone.trim().parse().ok())
        .or_else(|| current.map(service::time_zone))
        .unwrap_or(chrono_tz::Europe::Berlin)
}

impl Resource for Events {
    type Model = event::Model;
    const SLUG: &'static str = "veranstaltungen";
    const ONE: &'static str = "Veranstaltung";
    const MANY: &'static str = "Veranstaltungen";
    const RECORD: &'static str = "Event";

    fn id(model: &event::Model) -> i32 {
        model.id
    }

    fn version(model: &event::Model) -> i32 {
        model.version
    }

    fn title(model: &event::Model) -> String {
        model.title.clone()
    }

    async fn get(state: &AppState, id: i32) -> AppResult<event::Model> {
        service::get(
            &state.db,
            Viewer::Staff(entity::enums::StaffRole::Editor),
            id,
        )
        .await?
        .ok_or(AppError::NotFound("Event"))
    }

    async fn fields(
        state: &AppState,
        current: Option<&event::Model>,
        values: &Values,
    ) -> AppResult<Vec<Field>> {
        let zone = zone_of(values, current);
        let projects = crate::admin::form::id_choices(choices::model_projects(&state.db).await?);
        Ok(vec![
            Field::new("title", "Titel", Input::Text).required(),
            Field::new("subtitle", "Untertitel", Input::Text),
            Field::new("description", "Beschreibung", Input::LongText),
            Field::new(
                "format",
                "Format",
                Input::Choice(labels::choices::<EventFormat>()),
            ),
            Field::new(
                "status",
                "Stand",
                Input::Choice(labels::choices::<EventStatus>()),
            )
            .required(),
            Field::new("timeZone", "Zeitzone", Input::Text)
                .required()
                .hint("IANA-Name, z. B. Europe/Berlin. Alle Zeiten gelten in dieser Zone."),
            Field::new("startsAt", "Beginn", Input::LocalDateTime(zone)).required(),
            Field::new("endsAt", "Ende", Input::LocalDateTime(zone)),
            Field::new(
                "datePrecision",
                "Genauigkeit des Termins",
                Input::Choice(labels::choices::<DatePrecision>()),
            )
            .required(),
            Field::new("place", "Veranstaltungsort", Input::Text),
            Field::new("town", "Gemeinde", Input::Text)
                .hint("Name, z. B. Bad Belzig; bei gleichnamigen Orten wie vorgeschlagen mit Schlüssel oder Nummer."),
            Field::new("onlineUrl", "Online-Adresse", Input::Url),
            Field::new("website", "Webseite", Input::Url),
            Field::new("modelProject", "Modellvorhaben", Input::Choice(projects)),
            Field::new("sources", "Quellen", Input::Lines)
                .hint("Eine Adresse (https://…) je Zeile."),
        ])
    }

    async fn values(state: &AppState, current: &event::Model, stored: &Json) -> AppResult<Values> {
        let zone = stored["time_zone"]
            .as_str()
            .and_then(|z| z.parse().ok())
            .unwrap_or_else(|| service::time_zone(current));
        let town = match stored::id(stored, "town_id") {
            Some(id) => choices::town_text(&state.db, id).await?,
            None => String::new(),
        };
        Ok([
            ("title", stored::text(stored, "title")),
            ("subtitle", stored::text(stored, "subtitle")),
            ("description", stored::text(stored, "description")),
            ("format", stored::text(stored, "format")),
            ("status", stored::text(stored, "status")),
            ("timeZone", zone.name().to_owned()),
            ("startsAt", stored::local(stored, "starts_at", zone)),
            ("endsAt", stored::local(stored, "ends_at", zone)),
            ("datePrecision", stored::text(stored, "date_precision")),
            ("place", stored::text(stored, "place")),
            ("town", town),
            ("onlineUrl", stored::text(stored, "online_url")),
            ("website", stored::text(stored, "website")),
            ("modelProject", stored::text(stored, "model_project_id")),
            ("sources", stored::lines(stored, "sources")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect())
    }

    fn defaults(_query: &ListQuery) -> Values {
        [
            ("timeZone", "Europe/Berlin"),
            ("status", "SCHEDULED"),
            ("datePrecision", "MINUTE"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    async fn save(
        state: &AppState,
        actor: &Actor,
        current: Option<(&event::Model, i32)>,
        values: &Values,
        fields: &[Field],
    ) -> Result<event::Model, Refused> {
        let mut reader = Reader::new(values);
        let title = reader.required("title", "Titel");
        let status = reader.choice("status", "Stand", labels::parse::<EventStatus>);
        let format = reader.choice("format", "Format", labels::parse::<EventFormat>);
        let precision = reader.choice(
            "datePrecision",
            "Genauigkeit",
            labels::parse::<DatePrecision>,
        );
        let zone = reader.required("timeZone", "Zeitzone");
        let starts_at = reader
            .required("startsAt", "Beginn")
            .and(reader.local_datetime("startsAt", "Beginn"));
        let ends_at = reader.local_datetime("endsAt", "Ende");
        let model_project = reader.id("modelProject", "Modellvorhaben");
        let town = match reader.text("town") {
            Some(text) => match choices::town(&state.db, "town", &text).await {
                Ok(town) => Some(town.id),
                Err(error) => return Err(Refused::from_service(error, fields)),
            },
            None => None,
        };
        if !reader.errors.is_empty() {
            return Err(Refused::Form(reader.errors));
        }
        let changes = EventChanges {
            title,
            subtitle: Some(reader.text("subtitle")),
            description: Some(reader.text("description")),
            format: Some(format),
            status,
            time_zone: zone,
            starts_at: starts_at.map(When::Local),
            ends_at: Some(ends_at.map(When::Local)),
            date_precision: precision,
            place: Some(reader.text("place")),
            town_id: Some(town),
            online_url: Some(reader.text("onlineUrl")),
            website: Some(reader.text("website")),
            model_project_id: Some(model_project),
            sources: Some(reader.lines("sources")),
        };
        let saved = match current {
            None => service::create(&state.db, actor, changes).await,
            Some((model, version)) => {
                service::update(&state.db, actor, model.id, version, changes).await
            }
        };
        saved.map_err(|error| Refused::from_service(error, fields))
    }

    async fn delete(state: &AppState, actor: &Actor, id: i32, version: i32) -> AppResult<()> {
        service::delete(&state.db, actor, id, version)
            .await
            .map(|_| ())
    }

    async fn filters(_state: &AppState) -> AppResult<Vec<Field>> {
        Ok(vec![
            Field::new(
                "stand",
                "Stand",
                Input::Choice(labels::choices::<EventStatus>()),
            ),
            Field::new(
                "format",
                "Format",
                Input::Choice(labels::choices::<EventFormat>()),
            ),
        ])
    }

    async fn list(state: &AppState, query: &ListQuery) -> AppResult<Listing> {
        let filter = EventFilter {
            text: query.text(),
            statuses: query.filter_choice::<EventStatus>("stand").map(|s| vec![s]),
            formats: query
                .filter_choice::<EventFormat>("format")
                .map(|f| vec![f]),
            ..Default::default()
        };
        let order = EventOrder {
            field: service::EventOrderField::StartsAt,
            descending: true,
        };
        let page = service::list(
            &state.db,
            Viewer::Staff(entity::enums::StaffRole::Editor),
            &filter,
            order,
            &query.page(),
            true,
        )
        .await?;
        Ok(Listing::from_page(
            vec!["Titel", "Beginn", "Stand", "Veröffentlicht"],
            page,
            |e| {
                let zone = service::time_zone(&e);
                (
                    e.id,
                    vec![
                        html! { a href=(path::<Events>(e.id)) { (e.title) } },
                        html! { (form::local_text(e.starts_at, zone)) },
                        html! { (e.status.label()) },
                        html! { @if e.published { "ja" } @else { span.entwurf { "Entwurf" } } },
                    ],
                )
            },
        ))
    }

    async fn related(state: &AppState, staff: &Staff, model: &event::Model) -> AppResult<Markup> {
        let organisers: Vec<(event_organiser::Model, String)> =
            service::organisers_of(&state.db, model.id)
                .await?
                .into_iter()
                .map(|(organiser, organisation)| {
                    (organiser, organisation.map(|o| o.name).unwrap_or_default())
                })
                .collect();
        let organisations =
            crate::admin::form::id_choices(choices::organisations(&state.db).await?);
        let base = path::<Events>(model.id);
        let role_field = Field::new(
            "role",
            "Rolle",
            Input::Choice(labels::choices::<OrganiserRole>()),
        )
        .required();
        let organisation_field =
            Field::new("organisation", "Organisation", Input::Choice(organisations)).required();
        let none = Values::new();
        Ok(html! {
            section aria-labelledby="veroeffentlichung" {
                h2 #veroeffentlichung { "Veröffentlichung" }
                @if model.published {
                    p { "Die Veranstaltung ist veröffentlicht: Programm, Kalender und Einbettung zeigen sie öffentlich." }
                    form method="post" action={ (base) "/zurueckziehen" } {
                        (form::hidden(&staff.csrf, Some(model.version), None))
                        button.zweitrangig type="submit" { "Zurückziehen (wieder Entwurf)" }
                    }
                } @else {
                    p { span.entwurf { "Entwurf" } " Nur die Redaktion sieht diese Veranstaltung." }
                    form method="post" action={ (base) "/veroeffentlichen" } {
                        (form::hidden(&staff.csrf, Some(model.version), None))
                        button type="submit" { "Veröffentlichen" }
                    }
                }
                ul.aktionen {
                    li { a href={ (base) "/programm" } { "Programm bearbeiten" } }
                    li { a href={ (base) "/vorschau" } { "Vorschau des öffentlichen Programms" } }
                }
            }
            section aria-labelledby="veranstalter" {
                h2 #veranstalter { "Veranstalter und Partner" }
                @if organisers.is_empty() {
                    p { "Noch keine Organisation eingetragen." }
                } @else {
                    ul {
                        @for (organiser, name) in &organisers {
                            li {
                                (name) " – " (organiser.role.label()) " "
                                form.inline method="post" action={ (base) "/veranstalter/" (organiser.id) "/entfernen" } {
                                    (form::hidden(&staff.csrf, Some(organiser.version), None))
                                    button.zweitrangig type="submit" aria-label={ (name) " als " (organiser.role.label()) " entfernen" } { "Entfernen" }
                                }
                            }
                        }
                    }
                }
                form method="post" action={ (base) "/veranstalter" } {
                    (form::hidden(&staff.csrf, None, None))
                    fieldset {
                        legend { "Organisation hinzufügen" }
                        (form::field(&organisation_field, &none, &Errors::default()))
                        (form::field(&role_field, &none, &Errors::default()))
                        button type="submit" { "Hinzufügen" }
                    }
                }
            }
        })
    }
}

/// The routes of events beyond the common ones.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/veranstaltungen/{id}/veroeffentlichen",
            post(publish),
        )
        .route("/admin/veranstaltungen/{id}/zurueckziehen", post(withdraw))
        .route("/admin/veranstaltungen/{id}/vorschau", get(preview))
        .route(
            "/admin/veranstaltungen/{id}/veranstalter",
            post(add_organiser),
        )
        .route(
            "/admin/veranstaltungen/{id}/veranstalter/{organiser}/entfernen",
            post(remove_organiser),
        )
}

async fn set_published(
    state: AppState,
    staff: Staff,
    id: i32,
    submitted: Submitted,
    published: bool,
) -> Response {
    let outcome = async {
        staff.check_csrf(submitted.get(form::CSRF))?;
        let version = submitted
            .version()
            .ok_or_else(|| AppError::bad_field("_version", "the form lacks the version"))?;
        service::set_published(&state.db, &staff.actor, id, version, published).await
    }
    .await;
    match outcome {
        Ok(_) => Redirect::to(&format!(
            "{}?meldung={}",
            path::<Events>(id),
            if published {
                "veroeffentlicht"
            } else {
                "zurueckgezogen"
            }
        ))
        .into_response(),
        Err(error) => error_page(Some(&staff), &error),
    }
}

async fn publish(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    set_published(state, staff, id, submitted, true).await
}

async fn withdraw(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    set_published(state, staff, id, submitted, false).await
}

/// The public programme page as it will look, drafts included (staff only).
async fn preview(State(state): State<AppState>, staff: Staff, Path(id): Path<i32>) -> Response {
    match programme::load(&state.reader, Viewer::Staff(staff.actor.role), id).await {
        Ok(programme) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    crate::feeds::embed::PREVIEW_CONTENT_SECURITY_POLICY,
                ),
            ],
            crate::feeds::embed::page(&programme),
        )
            .into_response(),
        Err(error) => error_page(Some(&staff), &error),
    }
}

async fn add_organiser(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    let outcome = async {
        staff.check_csrf(submitted.get(form::CSRF))?;
        let organisation = submitted
            .get("organisation")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| AppError::bad_field("organisation", "choose an organisation"))?;
        let role = submitted
            .get("role")
            .and_then(labels::parse::<OrganiserRole>)
            .ok_or_else(|| AppError::bad_field("role", "choose a role"))?;
        service::add_organiser(&state.db, &staff.actor, id, organisation, role).await
    }
    .await;
    match outcome {
        Ok(_) => {
            Redirect::to(&format!("{}?meldung=hinzugefuegt", path::<Events>(id))).into_response()
        }
        Err(error) => error_page(Some(&staff), &error),
    }
}

async fn remove_organiser(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, organiser)): Path<(i32, i32)>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    let outcome = async {
        staff.check_csrf(submitted.get(form::CSRF))?;
        let version = submitted
            .version()
            .ok_or_else(|| AppError::bad_field("_version", "the form lacks the version"))?;
        service::remove_organiser(&state.db, &staff.actor, organiser, version).await
    }
    .await;
    match outcome {
        Ok(_) => Redirect::to(&format!("{}?meldung=entfernt", path::<Events>(id))).into_response(),
        Err(error) => error_page(Some(&staff), &error),
    }
}
