//! Documents: reports, position papers, presentations, with their authors edited in place.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use entity::document;
use entity::enums::{DocumentKind, StaffRole};
use maud::{Markup, html};
use serde_json::Value as Json;

use super::people::People;
use super::stored;
use crate::admin::form::{self, Errors, Field, Input, Reader, Submitted, Values};
use crate::admin::labels::{self, Label};
use crate::admin::page::error_page;
use crate::admin::records::{ListQuery, Listing, Refused, Resource, path};
use crate::admin::session::Staff;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::document::{self as service, DocumentChanges, DocumentFilter};
use crate::service::{choices, record};
use crate::state::AppState;
use crate::viewer::Viewer;

/// Documents.
pub struct Documents;

impl Resource for Documents {
    type Model = document::Model;
    const SLUG: &'static str = "dokumente";
    const ONE: &'static str = "Dokument";
    const MANY: &'static str = "Dokumente";
    const RECORD: &'static str = "Document";

    fn id(model: &document::Model) -> i32 {
        model.id
    }

    fn version(model: &document::Model) -> i32 {
        model.version
    }

    fn title(model: &document::Model) -> String {
        model.title.clone()
    }

    async fn get(state: &AppState, id: i32) -> AppResult<document::Model> {
        record::get::<document::Entity, _>(&state.db, id).await
    }

    async fn fields(
        state: &AppState,
        _current: Option<&document::Model>,
        _values: &Values,
    ) -> AppResult<Vec<Field>> {
        Ok(vec![
            Field::new("title", "Titel", Input::Text).required(),
            Field::new(
                "kind",
                "Art",
                Input::Choice(labels::choices::<DocumentKind>()),
            )
            .required(),
            Field::new("year", "Jahr", Input::Number),
            Field::new("publishedOn", "Erschienen am", Input::Text)
                .hint("JJJJ-MM-TT, auch nur JJJJ-MM oder JJJJ."),
            Field::new(
                "publisher",
                "Herausgeber",
                Input::Choice(crate::admin::form::id_choices(
                    choices::organisations(&state.db).await?,
                )),
            ),
            Field::new("url", "Adresse", Input::Url),
            Field::new("isbn", "ISBN", Input::Text),
            Field::new("language", "Sprache", Input::Text).hint("Sprachkürzel, z. B. de."),
            Field::new(
                "modelProject",
                "Modellvorhaben",
                Input::Choice(crate::admin::form::id_choices(
                    choices::model_projects(&state.db).await?,
                )),
            ),
            Field::new(
                "event",
                "Veranstaltung",
                Input::Choice(crate::admin::form::id_choices(
                    choices::events(&state.db).await?,
                )),
            ),
            Field::new("description", "Beschreibung", Input::LongText),
            Field::new("sources", "Quellen", Input::Lines)
                .hint("Eine Adresse (https://…) je Zeile."),
        ])
    }

    async fn values(
        _state: &AppState,
        _current: &document::Model,
        stored: &Json,
    ) -> AppResult<Values> {
        Ok([
            ("title", stored::text(stored, "title")),
            ("kind", stored::text(stored, "kind")),
            ("year", stored::text(stored, "year")),
            ("publishedOn", stored::text(stored, "published_on")),
            ("publisher", stored::text(stored, "publisher_id")),
            ("url", stored::text(stored, "url")),
            ("isbn", stored::text(stored, "isbn")),
            ("language", stored::text(stored, "language")),
            ("modelProject", stored::text(stored, "model_project_id")),
            ("event", stored::text(stored, "event_id")),
            ("description", stored::text(stored, "description")),
            ("sources", stored::lines(stored, "sources")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect())
    }

    async fn save(
        state: &AppState,
        actor: &Actor,
        current: Option<(&document::Model, i32)>,
        values: &Values,
        fields: &[Field],
    ) -> Result<document::Model, Refused> {
        let mut reader = Reader::new(values);
        let title = reader.required("title", "Titel");
        let kind = reader.required("kind", "Art").and(reader.choice(
            "kind",
            "Art",
            labels::parse::<DocumentKind>,
        ));
        let year = reader.number("year", "Jahr");
        let publisher = reader.id("publisher", "Herausgeber");
        let project = reader.id("modelProject", "Modellvorhaben");
        let event = reader.id("event", "Veranstaltung");
        if !reader.errors.is_empty() {
            return Err(Refused::Form(reader.errors));
        }
        let changes = DocumentChanges {
            title,
            kind,
            year: Some(year),
            published_on: Some(reader.text("publishedOn")),
            publisher_id: Some(publisher),
            url: Some(reader.text("url")),
            isbn: Some(reader.text("isbn")),
            language: Some(reader.text("language")),
            model_project_id: Some(project),
            event_id: Some(event),
            session_id: None,
            description: Some(reader.text("description")),
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
        Ok(vec![Field::new(
            "art",
            "Art",
            Input::Choice(labels::choices::<DocumentKind>()),
        )])
    }

    async fn list(state: &AppState, query: &ListQuery) -> AppResult<Listing> {
        let filter = DocumentFilter {
            text: query.text(),
            kinds: query.filter_choice::<DocumentKind>("art").map(|k| vec![k]),
            ..Default::default()
        };
        let page = service::list(
            &state.db,
            Viewer::Staff(StaffRole::Editor),
            &filter,
            &query.page(),
            true,
        )
        .await?;
        Ok(Listing::from_page(
            vec!["Titel", "Art", "Jahr"],
            page,
            |d| {
                (
                    d.id,
                    vec![
                        html! { a href=(path::<Documents>(d.id)) { (d.title) } },
                        html! { (d.kind.label()) },
                        html! { (d.year.map(|y| y.to_string()).unwrap_or_default()) },
                    ],
                )
            },
        ))
    }

    async fn related(
        state: &AppState,
        staff: &Staff,
        model: &document::Model,
    ) -> AppResult<Markup> {
        let authors = service::authors_of(&state.db, model.id).await?;
        let base = path::<Documents>(model.id);
        let person = Field::new(
            "person",
            "Person",
            Input::Choice(crate::admin::form::id_choices(
                choices::people(&state.db).await?,
            )),
        )
        .required();
        Ok(html! {
            section aria-labelledby="autoren" {
                h2 #autoren { "Autorinnen und Autoren" }
                @if authors.is_empty() { p { "Noch niemand eingetragen." } }
                ol {
                    @for (author, person) in &authors {
                        @let name = person.as_ref().map(|p| p.name.clone()).unwrap_or_default();
                        li {
                            a href=(path::<People>(author.person_id)) { (name) } " "
                            form.inline method="post" action={ (base) "/autoren/" (author.id) "/entfernen" } {
                                (form::hidden(&staff.csrf, Some(author.version), None))
                                button.zweitrangig type="submit" aria-label={ (name) " entfernen" } { "Entfernen" }
                            }
                        }
                    }
                }
                form method="post" action={ (base) "/autoren" } novalidate {
                    (form::hidden(&staff.csrf, None, None))
                    fieldset {
                        legend { "Person hinzufügen" }
                        (form::field(&person, &Values::new(), &Errors::default()))
                        button type="submit" { "Hinzufügen" }
                    }
                }
            }
        })
    }
}

/// The routes of authors.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/dokumente/{id}/autoren", post(add_author))
        .route(
            "/admin/dokumente/{id}/autoren/{author}/entfernen",
            post(remove_author),
        )
}

async fn add_author(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    let outcome = async {
        staff.check_csrf(submitted.get(form::CSRF))?;
        let person = submitted
            .get("person")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| AppError::bad_field("person", "choose a person"))?;
        service::add_author(&state.db, &staff.actor, id, person, None).await
    }
    .await;
    match outcome {
        Ok(_) => {
            Redirect::to(&format!("{}?meldung=hinzugefuegt", path::<Documents>(id))).into_response()
        }
        Err(error) => error_page(Some(&staff), &error),
    }
}

async fn remove_author(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, author)): Path<(i32, i32)>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    let outcome = async {
        staff.check_csrf(submitted.get(form::CSRF))?;
        let version = submitted
            .version()
            .ok_or_else(|| AppError::bad_field("_version", "the form lacks the version"))?;
        service::remove_author(&state.db, &staff.actor, author, version).await
    }
    .await;
    match outcome {
        Ok(_) => {
            Redirect::to(&format!("{}?meldung=entfernt", path::<Documents>(id))).into_response()
        }
        Err(error) => error_page(Some(&staff), &error),
    }
}
