//! Model projects with their member towns and partner organisations, edited in place.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use entity::enums::{MemberRole, PartnerRole};
use entity::model_project;
use maud::{Markup, html};
use serde_json::Value as Json;

use super::stored;
use super::towns::Towns;
use crate::admin::form::{self, Errors, Field, Input, Reader, Submitted, Values};
use crate::admin::labels::{self, Label};
use crate::admin::page::error_page;
use crate::admin::records::{ListQuery, Listing, Refused, Resource, path};
use crate::admin::session::Staff;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::model_project::{self as service, ModelProjectChanges, ModelProjectFilter};
use crate::service::{choices, record};
use crate::state::AppState;

/// Model projects.
pub struct ModelProjects;

impl Resource for ModelProjects {
    type Model = model_project::Model;
    const SLUG: &'static str = "modellvorhaben";
    const ONE: &'static str = "Modellvorhaben";
    const MANY: &'static str = "Modellvorhaben";
    const RECORD: &'static str = "ModelProject";

    fn id(model: &model_project::Model) -> i32 {
        model.id
    }

    fn version(model: &model_project::Model) -> i32 {
        model.version
    }

    fn title(model: &model_project::Model) -> String {
        model.title.clone()
    }

    async fn get(state: &AppState, id: i32) -> AppResult<model_project::Model> {
        record::get::<model_project::Entity, _>(&state.db, id).await
    }

    async fn fields(
        state: &AppState,
        _current: Option<&model_project::Model>,
        _values: &Values,
    ) -> AppResult<Vec<Field>> {
        Ok(vec![
            Field::new("title", "Titel", Input::Text).required(),
            Field::new("shortTitle", "Kurztitel", Input::Text),
            Field::new("topic", "Thema", Input::Text),
            Field::new("description", "Beschreibung", Input::LongText),
            Field::new(
                "projectCall",
                "Projektaufruf",
                Input::Choice(crate::admin::form::id_choices(choices::project_calls(&state.db).await?)),
            ),
            Field::new("leadTown", "Federführende Gemeinde", Input::Text)
                .hint("Name; bei gleichnamigen Orten mit Schlüssel oder Nummer. Wird als federführendes Mitglied eingetragen."),
            Field::new("periodStart", "Laufzeit von", Input::Text)
                .hint("JJJJ-MM-TT, auch nur JJJJ-MM oder JJJJ."),
            Field::new("periodEnd", "Laufzeit bis", Input::Text)
                .hint("JJJJ-MM-TT, auch nur JJJJ-MM oder JJJJ."),
            Field::new("fundingProgramme", "Förderprogramm", Input::Text),
            Field::new("sources", "Quellen", Input::Lines).hint("Eine Adresse (https://…) je Zeile."),
        ])
    }

    async fn values(
        state: &AppState,
        _current: &model_project::Model,
        stored: &Json,
    ) -> AppResult<Values> {
        let lead = match stored::id(stored, "lead_town_id") {
            Some(id) => choices::town_text(&state.db, id).await?,
            None => String::new(),
        };
        Ok([
            ("title", stored::text(stored, "title")),
            ("shortTitle", stored::text(stored, "short_title")),
            ("topic", stored::text(stored, "topic")),
            ("description", stored::text(stored, "description")),
            ("projectCall", stored::text(stored, "project_call_id")),
            ("leadTown", lead),
            ("periodStart", stored::text(stored, "period_start")),
            ("periodEnd", stored::text(stored, "period_end")),
            (
                "fundingProgramme",
                stored::text(stored, "funding_programme"),
            ),
            ("sources", stored::lines(stored, "sources")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect())
    }

    async fn save(
        state: &AppState,
        actor: &Actor,
        current: Option<(&model_project::Model, i32)>,
        values: &Values,
        fields: &[Field],
    ) -> Result<model_project::Model, Refused> {
        let mut reader = Reader::new(values);
        let title = reader.required("title", "Titel");
        let call = reader.id("projectCall", "Projektaufruf");
        if !reader.errors.is_empty() {
            return Err(Refused::Form(reader.errors));
        }
        let lead = match reader.text("leadTown") {
            Some(text) => Some(
                choices::town(&state.db, "leadTown", &text)
                    .await
                    .map_err(|e| Refused::from_service(e, fields))?
                    .id,
            ),
            None => None,
        };
        let changes = ModelProjectChanges {
            title,
            short_title: Some(reader.text("shortTitle")),
            topic: Some(reader.text("topic")),
            description: Some(reader.text("description")),
            project_call_id: Some(call),
            lead_town_id: Some(lead),
            period_start: Some(reader.text("periodStart")),
            period_end: Some(reader.text("periodEnd")),
            funding_programme: Some(reader.text("fundingProgramme")),
            sources: Some(reader.lines("sources")),
        };
        let saved = match current {
            None => service::create_project(&state.db, actor, changes).await,
            Some((model, version)) => {
                service::update_project(&state.db, actor, model.id, version, changes).await
            }
        };
        saved.map_err(|error| Refused::from_service(error, fields))
    }

    async fn delete(state: &AppState, actor: &Actor, id: i32, version: i32) -> AppResult<()> {
        service::delete_project(&state.db, actor, id, version)
            .await
            .map(|_| ())
    }

    async fn filters(state: &AppState) -> AppResult<Vec<Field>> {
        Ok(vec![Field::new(
            "aufruf",
            "Projektaufruf",
            Input::Choice(crate::admin::form::id_choices(
                choices::project_calls(&state.db).await?,
            )),
        )])
    }

    async fn list(state: &AppState, query: &ListQuery) -> AppResult<Listing> {
        let filter = ModelProjectFilter {
            text: query.text(),
            project_call_id: query.filter_id("aufruf"),
            ..Default::default()
        };
        let page = service::list(&state.db, &filter, &query.page(), true).await?;
        Ok(Listing::from_page(
            vec!["Titel", "Thema", "Laufzeit"],
            page,
            |m| {
                (
                    m.id,
                    vec![
                        html! { a href=(path::<ModelProjects>(m.id)) { (m.title) } },
                        html! { (m.topic.unwrap_or_default()) },
                        html! { (m.period_start.unwrap_or_default()) "–" (m.period_end.unwrap_or_default()) },
                    ],
                )
            },
        ))
    }

    async fn related(
        state: &AppState,
        staff: &Staff,
        model: &model_project::Model,
    ) -> AppResult<Markup> {
        let members = service::members_of(&state.db, model.id).await?;
        let partners = service::partners_of(&state.db, model.id).await?;
        let base = path::<ModelProjects>(model.id);
        let none = Values::new();
        let no_errors = Errors::default();
        let member_fields = [
            Field::new("town", "Gemeinde", Input::Text)
                .required()
                .hint("Name; bei gleichnamigen Orten mit Schlüssel oder Nummer."),
            Field::new(
                "role",
                "Rolle",
                Input::Choice(labels::choices::<MemberRole>()),
            )
            .required(),
        ];
        let partner_fields = [
            Field::new(
                "organisation",
                "Organisation",
                Input::Choice(crate::admin::form::id_choices(
                    choices::organisations(&state.db).await?,
                )),
            )
            .required(),
            Field::new(
                "role",
                "Rolle",
                Input::Choice(labels::choices::<PartnerRole>()),
            )
            .required(),
        ];
        Ok(html! {
            section aria-labelledby="mitglieder" {
                h2 #mitglieder { "Mitgliedsgemeinden" }
                @if members.is_empty() { p { "Noch keine Gemeinde eingetragen." } }
                ul {
                    @for (member, town) in &members {
                        @let name = town.as_ref().map(|t| t.name.clone()).unwrap_or_default();
                        li {
                            a href=(path::<Towns>(member.town_id)) { (name) } " – " (member.role.label()) " "
                            form.inline method="post" action={ (base) "/mitglieder/" (member.id) "/entfernen" } {
                                (form::hidden(&staff.csrf, Some(member.version), None))
                                button.zweitrangig type="submit" aria-label={ (name) " entfernen" } { "Entfernen" }
                            }
                        }
                    }
                }
                form method="post" action={ (base) "/mitglieder" } novalidate {
                    (form::hidden(&staff.csrf, None, None))
                    fieldset {
                        legend { "Gemeinde hinzufügen" }
                        @for field in &member_fields { (form::field(field, &none, &no_errors)) }
                        button type="submit" { "Hinzufügen" }
                    }
                }
            }
            section aria-labelledby="partner" {
                h2 #partner { "Partner" }
                @if partners.is_empty() { p { "Noch keine Organisation eingetragen." } }
                ul {
                    @for (partner, organisation) in &partners {
                        @let name = organisation.as_ref().map(|o| o.name.clone()).unwrap_or_default();
                        li {
                            (name) " – " (partner.role.label()) " "
                            form.inline method="post" action={ (base) "/partner/" (partner.id) "/entfernen" } {
                                (form::hidden(&staff.csrf, Some(partner.version), None))
                                button.zweitrangig type="submit" aria-label={ (name) " entfernen" } { "Entfernen" }
                            }
                        }
                    }
                }
                form method="post" action={ (base) "/partner" } novalidate {
                    (form::hidden(&staff.csrf, None, None))
                    fieldset {
                        legend { "Partner hinzufügen" }
                        @for field in &partner_fields { (form::field(field, &none, &no_errors)) }
                        button type="submit" { "Hinzufügen" }
                    }
                }
            }
        })
    }
}

/// The routes of member towns and partners.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/modellvorhaben/{id}/mitglieder", post(add_member))
        .route(
            "/admin/modellvorhaben/{id}/mitglieder/{member}/entfernen",
            post(remove_member),
        )
        .route("/admin/modellvorhaben/{id}/partner", post(add_partner))
        .route(
            "/admin/modellvorhaben/{id}/partner/{partner}/entfernen",
            post(remove_partner),
        )
}

fn done(id: i32, outcome: AppResult<()>, staff: &Staff, code: &str) -> Response {
    match outcome {
        Ok(()) => {
            Redirect::to(&format!("{}?meldung={code}", path::<ModelProjects>(id))).into_response()
        }
        Err(error) => error_page(Some(staff), &error),
    }
}

fn version_of(submitted: &Submitted) -> AppResult<i32> {
    submitted
        .version()
        .ok_or_else(|| AppError::bad_field("_version", "the form lacks the version"))
}

async fn add_member(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    let outcome = async {
        staff.check_csrf(submitted.get(form::CSRF))?;
        let town =
            choices::town(&state.db, "town", submitted.get("town").unwrap_or_default()).await?;
        let role = submitted
            .get("role")
            .and_then(labels::parse::<MemberRole>)
            .ok_or_else(|| AppError::bad_field("role", "choose a role"))?;
        service::add_member(&state.db, &staff.actor, id, town.id, role, None)
            .await
            .map(|_| ())
    }
    .await;
    done(id, outcome, &staff, "hinzugefuegt")
}

async fn remove_member(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, member)): Path<(i32, i32)>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    let outcome = async {
        staff.check_csrf(submitted.get(form::CSRF))?;
        service::remove_member(&state.db, &staff.actor, member, version_of(&submitted)?)
            .await
            .map(|_| ())
    }
    .await;
    done(id, outcome, &staff, "entfernt")
}

async fn add_partner(
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
            .and_then(labels::parse::<PartnerRole>)
            .ok_or_else(|| AppError::bad_field("role", "choose a role"))?;
        service::add_partner(&state.db, &staff.actor, id, organisation, role)
            .await
            .map(|_| ())
    }
    .await;
    done(id, outcome, &staff, "hinzugefuegt")
}

async fn remove_partner(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, partner)): Path<(i32, i32)>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    let outcome = async {
        staff.check_csrf(submitted.get(form::CSRF))?;
        service::remove_partner(&state.db, &staff.actor, partner, version_of(&submitted)?)
            .await
            .map(|_| ())
    }
    .await;
    done(id, outcome, &staff, "entfernt")
}
