//! People: the form, the privacy state of a profile (what is public, by which consent), consent
//! recorded with date and note, and for administrators export and erasure, each confirmed.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{NaiveTime, TimeZone, Utc};
use entity::person;
use maud::{Markup, html};
use serde_json::Value as Json;

use super::stored;
use crate::admin::form::{self, Errors, Field, Input, Reader, Submitted, Values};
use crate::admin::page::{error_page, layout, respond};
use crate::admin::records::{ListQuery, Listing, Refused, Resource, path};
use crate::admin::session::Staff;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::choices;
use crate::service::person::{self as service, ErasureOutcome, PersonChanges, PersonFilter};
use crate::state::AppState;
use crate::viewer::Viewer;

/// People.
pub struct People;

impl Resource for People {
    type Model = person::Model;
    const SLUG: &'static str = "personen";
    const ONE: &'static str = "Person";
    const MANY: &'static str = "Personen";
    const RECORD: &'static str = "Person";

    fn id(model: &person::Model) -> i32 {
        model.id
    }

    fn version(model: &person::Model) -> i32 {
        model.version
    }

    fn title(model: &person::Model) -> String {
        model.name.clone()
    }

    async fn get(state: &AppState, id: i32) -> AppResult<person::Model> {
        crate::service::record::get::<person::Entity, _>(&state.db, id).await
    }

    async fn fields(
        state: &AppState,
        _current: Option<&person::Model>,
        _values: &Values,
    ) -> AppResult<Vec<Field>> {
        Ok(vec![
            Field::new("name", "Name", Input::Text).required(),
            Field::new("academicTitle", "Akademischer Titel", Input::Text),
            Field::new("position", "Funktion", Input::Text),
            Field::new(
                "organisation",
                "Organisation",
                Input::Choice(crate::admin::form::id_choices(
                    choices::organisations(&state.db).await?,
                )),
            ),
            Field::new("town", "Gemeinde", Input::Text)
                .hint("Name; bei gleichnamigen Orten mit Schlüssel oder Nummer."),
            Field::new("email", "E-Mail-Adresse", Input::Email)
                .hint("Nie öffentlich; nur die Redaktion sieht sie."),
            Field::new("phone", "Telefon", Input::Text)
                .hint("Nie öffentlich; nur die Redaktion sieht es."),
            Field::new("biography", "Kurzbiografie", Input::LongText)
                .hint("Öffentlich nur mit Einwilligung."),
            Field::new("photoUrl", "Foto (Adresse)", Input::Url)
                .hint("Öffentlich nur mit Einwilligung."),
            Field::new("website", "Webseite", Input::Url).hint("Öffentlich nur mit Einwilligung."),
            Field::new("sources", "Quellen", Input::Lines)
                .hint("Eine Adresse (https://…) je Zeile."),
        ])
    }

    async fn values(
        state: &AppState,
        _current: &person::Model,
        stored: &Json,
    ) -> AppResult<Values> {
        let town = match stored::id(stored, "town_id") {
            Some(id) => choices::town_text(&state.db, id).await?,
            None => String::new(),
        };
        Ok([
            ("name", stored::text(stored, "name")),
            ("academicTitle", stored::text(stored, "academic_title")),
            ("position", stored::text(stored, "position")),
            ("organisation", stored::text(stored, "organisation_id")),
            ("town", town),
            ("email", stored::text(stored, "email")),
            ("phone", stored::text(stored, "phone")),
            ("biography", stored::text(stored, "biography")),
            ("photoUrl", stored::text(stored, "photo_url")),
            ("website", stored::text(stored, "website")),
            ("sources", stored::lines(stored, "sources")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect())
    }

    async fn save(
        state: &AppState,
        actor: &Actor,
        current: Option<(&person::Model, i32)>,
        values: &Values,
        fields: &[Field],
    ) -> Result<person::Model, Refused> {
        let mut reader = Reader::new(values);
        let name = reader.required("name", "Name");
        let organisation = reader.id("organisation", "Organisation");
        if !reader.errors.is_empty() {
            return Err(Refused::Form(reader.errors));
        }
        let town = match reader.text("town") {
            Some(text) => Some(
                choices::town(&state.db, "town", &text)
                    .await
                    .map_err(|e| Refused::from_service(e, fields))?
                    .id,
            ),
            None => None,
        };
        let changes = PersonChanges {
            name,
            academic_title: Some(reader.text("academicTitle")),
            position: Some(reader.text("position")),
            organisation_id: Some(organisation),
            town_id: Some(town),
            email: Some(reader.text("email")),
            phone: Some(reader.text("phone")),
            biography: Some(reader.text("biography")),
            photo_url: Some(reader.text("photoUrl")),
            website: Some(reader.text("website")),
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

    async fn filters(state: &AppState) -> AppResult<Vec<Field>> {
        Ok(vec![Field::new(
            "organisation",
            "Organisation",
            Input::Choice(crate::admin::form::id_choices(
                choices::organisations(&state.db).await?,
            )),
        )])
    }

    async fn list(state: &AppState, query: &ListQuery) -> AppResult<Listing> {
        let filter = PersonFilter {
            name_contains: query.text(),
            organisation_id: query.filter_id("organisation"),
            ..Default::default()
        };
        let page = service::list(
            &state.db,
            Viewer::Staff(entity::enums::StaffRole::Editor),
            &filter,
            &query.page(),
            true,
        )
        .await?;
        Ok(Listing::from_page(
            vec!["Name", "Funktion", "Einwilligung"],
            page,
            |p| {
                (
                    p.id,
                    vec![
                        html! { a href=(path::<People>(p.id)) { (p.name) } },
                        html! { (p.position.unwrap_or_default()) },
                        html! { @if let Some(at) = p.consent_given_at { "seit " (at.format("%d.%m.%Y")) } @else { "keine" } },
                    ],
                )
            },
        ))
    }

    async fn related(_state: &AppState, staff: &Staff, model: &person::Model) -> AppResult<Markup> {
        let base = path::<People>(model.id);
        let consent = model.consent_given_at;
        let public_with_consent = |value: &Option<String>| -> Markup {
            match (value, consent) {
                (None, _) => html! { span.leer { "keine Angabe" } },
                (Some(_), Some(at)) => {
                    html! { "öffentlich, durch die Einwilligung vom " (at.format("%d.%m.%Y")) }
                }
                (Some(_), None) => html! { "nicht öffentlich: keine Einwilligung" },
            }
        };
        let today = Utc::now().date_naive().format("%Y-%m-%d").to_string();
        let consent_fields = consent_fields();
        let consent_values: Values = [("givenOn".to_owned(), today)].into_iter().collect();
        Ok(html! {
            section aria-labelledby="datenschutz" {
                h2 #datenschutz { "Datenschutz: was öffentlich ist" }
                table {
                    caption.unsichtbar { "Sichtbarkeit der Angaben" }
                    thead { tr { th scope="col" { "Angabe" } th scope="col" { "Sichtbarkeit" } } }
                    tbody {
                        tr { th scope="row" { "Name, Titel, Funktion, Organisation, Gemeinde" } td { "öffentlich, als Teil veröffentlichter Programme und Dokumente" } }
                        tr { th scope="row" { "Kurzbiografie" } td { (public_with_consent(&model.biography)) } }
                        tr { th scope="row" { "Foto" } td { (public_with_consent(&model.photo_url)) } }
                        tr { th scope="row" { "Webseite" } td { (public_with_consent(&model.website)) } }
                        tr { th scope="row" { "E-Mail-Adresse, Telefon" } td { "nie öffentlich; nur die Redaktion" } }
                        tr { th scope="row" { "Anmeldungen zu Veranstaltungen" } td { "nie öffentlich; nur die Redaktion" } }
                    }
                }
                h3 { "Einwilligung" }
                @if let Some(at) = consent {
                    p { "Erteilt am " (at.format("%d.%m.%Y")) ". Vermerk: " (model.consent_note.clone().unwrap_or_default()) }
                    form method="post" action={ (base) "/einwilligung/widerrufen" } {
                        (form::hidden(&staff.csrf, Some(model.version), None))
                        button.zweitrangig type="submit" { "Widerruf eintragen" }
                    }
                } @else {
                    p { "Keine Einwilligung eingetragen." }
                }
                form method="post" action={ (base) "/einwilligung" } novalidate {
                    (form::hidden(&staff.csrf, Some(model.version), None))
                    fieldset {
                        legend { "Einwilligung eintragen" }
                        @for field in &consent_fields {
                            (form::field(field, &consent_values, &Errors::default()))
                        }
                        button type="submit" { "Einwilligung speichern" }
                    }
                }
                @if staff.actor.is_admin() {
                    h3 { "Auskunft und Löschung (Administration)" }
                    ul.aktionen {
                        li {
                            form method="post" action={ (base) "/auskunft" } {
                                (form::hidden(&staff.csrf, None, None))
                                button.zweitrangig type="submit" { "Alle Daten exportieren (JSON)" }
                            }
                        }
                        li { a href={ (base) "/dsgvo-loeschung" } { "Personendaten löschen …" } }
                    }
                }
            }
        })
    }
}

fn consent_fields() -> Vec<Field> {
    vec![
        Field::new("givenOn", "Datum der Einwilligung", Input::Date).required(),
        Field::new("note", "Vermerk", Input::Text).required().hint(
            "Wie die Einwilligung vorliegt, z. B. „Formular vom Veranstaltungstag, Akte 12“.",
        ),
    ]
}

/// The routes of people beyond the common ones.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/personen/{id}/einwilligung", post(record_consent))
        .route(
            "/admin/personen/{id}/einwilligung/widerrufen",
            post(withdraw_consent),
        )
        .route("/admin/personen/{id}/auskunft", post(export))
        .route(
            "/admin/personen/{id}/dsgvo-loeschung",
            get(erase_form).post(erase),
        )
}

async fn record_consent(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    if let Err(error) = staff.check_csrf(submitted.get(form::CSRF)) {
        return error_page(Some(&staff), &error);
    }
    let values = submitted.values();
    let mut reader = Reader::new(&values);
    let given_on = reader
        .required("givenOn", "Datum")
        .and(reader.date("givenOn", "Datum"));
    let note = reader.required("note", "Vermerk");
    let fields = consent_fields();
    let outcome = match (given_on, note, submitted.version()) {
        (Some(day), Some(note), Some(version)) if reader.errors.is_empty() => {
            let given_at = chrono_tz::Europe::Berlin
                .from_local_datetime(&day.and_time(NaiveTime::MIN))
                .earliest()
                .map(|at| at.with_timezone(&Utc));
            service::record_consent(&state.db, &staff.actor, id, version, &note, given_at)
                .await
                .map_err(|error| Refused::from_service(error, &fields))
        }
        _ => Err(Refused::Form(reader.errors)),
    };
    match outcome {
        Ok(_) => {
            Redirect::to(&format!("{}?meldung=einwilligung", path::<People>(id))).into_response()
        }
        Err(Refused::Form(errors)) => {
            let body = html! {
                h1 { "Einwilligung eintragen" }
                (form::summary(&errors, &fields))
                form method="post" action={ (path::<People>(id)) "/einwilligung" } novalidate {
                    (form::hidden(&staff.csrf, submitted.version(), None))
                    @for field in &fields { (form::field(field, &values, &errors)) }
                    button type="submit" { "Einwilligung speichern" }
                }
                p { a href=(path::<People>(id)) { "Zurück zur Person" } }
            };
            respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                layout(
                    Some(&staff),
                    "/admin/personen",
                    "Einwilligung eintragen",
                    body,
                ),
            )
        }
        Err(Refused::Stale) => error_page(
            Some(&staff),
            &AppError::conflict("the person was changed meanwhile; reload the page"),
        ),
        Err(Refused::Failed(error)) => error_page(Some(&staff), &error),
    }
}

async fn withdraw_consent(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    let outcome = async {
        staff.check_csrf(submitted.get(form::CSRF))?;
        let version = submitted
            .version()
            .ok_or_else(|| AppError::bad_field("_version", "the form lacks the version"))?;
        service::withdraw_consent(&state.db, &staff.actor, id, version).await
    }
    .await;
    match outcome {
        Ok(_) => {
            Redirect::to(&format!("{}?meldung=gespeichert", path::<People>(id))).into_response()
        }
        Err(error) => error_page(Some(&staff), &error),
    }
}

/// All data on a person as a JSON download (administrators; audited by the service).
async fn export(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    let outcome = async {
        staff.check_csrf(submitted.get(form::CSRF))?;
        staff.require_admin()?;
        let data = service::export(&state.db, &staff.actor, id).await?;
        serde_json::to_vec_pretty(&data).map_err(|e| AppError::Internal(format!("export: {e}")))
    }
    .await;
    match outcome {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"person-{id}.json\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => error_page(Some(&staff), &error),
    }
}

fn erase_page(staff: &Staff, person: &person::Model, errors: &Errors) -> Markup {
    let confirm = Field::new(
        "bestaetigung",
        "Ich habe geprüft, dass die Löschung verlangt oder geboten ist, und will sie ausführen.",
        Input::Checkbox,
    )
    .required();
    let title = format!("Personendaten löschen: {}", person.name);
    let body = html! {
        p.pfad { a href=(path::<People>(person.id)) { (person.name) } }
        h1 { (title) }
        (form::summary(errors, std::slice::from_ref(&confirm)))
        p { "Wird die Person in keinem Programm und keinem Dokument genannt, wird sie mit ihren Anmeldungen und Beiratssitzen gelöscht. Sonst bleibt ein Eintrag „Gelöschte Person“ ohne persönliche Angaben, damit Programme und Dokumente stimmig bleiben. Persönliche Werte im Verlauf werden geschwärzt." }
        p { strong { "Das lässt sich nicht rückgängig machen." } }
        form method="post" action={ (path::<People>(person.id)) "/dsgvo-loeschung" } novalidate {
            (form::hidden(&staff.csrf, Some(person.version), None))
            (form::field(&confirm, &Values::new(), errors))
            button.gefahr type="submit" { "Personendaten endgültig löschen" }
        }
    };
    layout(Some(staff), "/admin/personen", &title, body)
}

async fn erase_form(State(state): State<AppState>, staff: Staff, Path(id): Path<i32>) -> Response {
    if let Err(error) = staff.require_admin() {
        return error_page(Some(&staff), &error);
    }
    match People::get(&state, id).await {
        Ok(person) => respond(
            StatusCode::OK,
            erase_page(&staff, &person, &Errors::default()),
        ),
        Err(error) => error_page(Some(&staff), &error),
    }
}

async fn erase(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    if let Err(error) = staff
        .check_csrf(submitted.get(form::CSRF))
        .and_then(|()| staff.require_admin())
    {
        return error_page(Some(&staff), &error);
    }
    if submitted.get("bestaetigung").is_none() {
        let mut errors = Errors::default();
        errors.add(
            "bestaetigung",
            "Bitte bestätigen Sie die Löschung, indem Sie das Kästchen ankreuzen.",
        );
        return match People::get(&state, id).await {
            Ok(person) => respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                erase_page(&staff, &person, &errors),
            ),
            Err(error) => error_page(Some(&staff), &error),
        };
    }
    let outcome = async {
        let version = submitted
            .version()
            .ok_or_else(|| AppError::bad_field("_version", "the form lacks the version"))?;
        service::erase(&state.db, &staff.actor, id, version).await
    }
    .await;
    match outcome {
        Ok(erasure) => {
            let body = html! {
                h1 { "Personendaten gelöscht" }
                p role="status" {
                    @match erasure.outcome {
                        ErasureOutcome::Deleted => "Die Person wurde gelöscht.",
                        ErasureOutcome::Pseudonymised => "Die Person wird in Programmen oder Dokumenten genannt; ihr Eintrag heißt jetzt „Gelöschte Person“ und enthält keine persönlichen Angaben mehr.",
                    }
                    " Gelöschte Anmeldungen: " (erasure.registrations_deleted) "."
                }
                p { a href="/admin/personen" { "Zu den Personen" } }
            };
            respond(
                StatusCode::OK,
                layout(
                    Some(&staff),
                    "/admin/personen",
                    "Personendaten gelöscht",
                    body,
                ),
            )
        }
        Err(error) => error_page(Some(&staff), &error),
    }
}
