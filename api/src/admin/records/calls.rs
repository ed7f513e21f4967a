//! Project calls: the calls for proposals model projects were selected in.

use entity::project_call;
use maud::{Markup, html};
use serde_json::Value as Json;

use super::stored;
use crate::admin::form::{Field, Input, Reader, Values};
use crate::admin::records::{ListQuery, Listing, Refused, Resource, path};
use crate::admin::session::Staff;
use crate::auth::Actor;
use crate::error::AppResult;
use crate::service::model_project::{self as service, ProjectCallChanges};
use crate::state::AppState;

/// Project calls.
pub struct Calls;

impl Resource for Calls {
    type Model = project_call::Model;
    const SLUG: &'static str = "aufrufe";
    const ONE: &'static str = "Projektaufruf";
    const MANY: &'static str = "Projektaufrufe";
    const RECORD: &'static str = "ProjectCall";

    fn id(model: &project_call::Model) -> i32 {
        model.id
    }

    fn version(model: &project_call::Model) -> i32 {
        model.version
    }

    fn title(model: &project_call::Model) -> String {
        format!("{} ({})", model.name, model.year)
    }

    async fn get(state: &AppState, id: i32) -> AppResult<project_call::Model> {
        crate::service::record::get::<project_call::Entity, _>(&state.db, id).await
    }

    async fn fields(
        _state: &AppState,
        _current: Option<&project_call::Model>,
        _values: &Values,
    ) -> AppResult<Vec<Field>> {
        Ok(vec![
            Field::new("name", "Name", Input::Text).required(),
            Field::new("year", "Jahr", Input::Number).required(),
            Field::new("openedOn", "Geöffnet am", Input::Text)
                .hint("Datum JJJJ-MM-TT, auch nur JJJJ-MM oder JJJJ."),
            Field::new("deadlineOn", "Einsendeschluss", Input::Text)
                .hint("Datum JJJJ-MM-TT, auch nur JJJJ-MM oder JJJJ."),
            Field::new("description", "Beschreibung", Input::LongText),
            Field::new("sources", "Quellen", Input::Lines)
                .hint("Eine Adresse (https://…) je Zeile."),
        ])
    }

    async fn values(
        _state: &AppState,
        _current: &project_call::Model,
        stored: &Json,
    ) -> AppResult<Values> {
        Ok([
            ("name", stored::text(stored, "name")),
            ("year", stored::text(stored, "year")),
            ("openedOn", stored::text(stored, "opened_on")),
            ("deadlineOn", stored::text(stored, "deadline_on")),
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
        current: Option<(&project_call::Model, i32)>,
        values: &Values,
        fields: &[Field],
    ) -> Result<project_call::Model, Refused> {
        let mut reader = Reader::new(values);
        let name = reader.required("name", "Name");
        let year = reader
            .required("year", "Jahr")
            .and(reader.number("year", "Jahr"));
        if !reader.errors.is_empty() {
            return Err(Refused::Form(reader.errors));
        }
        let changes = ProjectCallChanges {
            name,
            year,
            opened_on: Some(reader.text("openedOn")),
            deadline_on: Some(reader.text("deadlineOn")),
            description: Some(reader.text("description")),
            sources: Some(reader.lines("sources")),
        };
        let saved = match current {
            None => service::create_call(&state.db, actor, changes).await,
            Some((model, version)) => {
                service::update_call(&state.db, actor, model.id, version, changes).await
            }
        };
        saved.map_err(|error| Refused::from_service(error, fields))
    }

    async fn delete(state: &AppState, actor: &Actor, id: i32, version: i32) -> AppResult<()> {
        service::delete_call(&state.db, actor, id, version)
            .await
            .map(|_| ())
    }

    async fn filters(_state: &AppState) -> AppResult<Vec<Field>> {
        Ok(Vec::new())
    }

    async fn list(state: &AppState, query: &ListQuery) -> AppResult<Listing> {
        let page = match query.text() {
            Some(text) => service::calls_matching(&state.db, &text, &query.page(), true).await?,
            None => service::list_calls(&state.db, &query.page(), true).await?,
        };
        Ok(Listing::from_page(vec!["Name", "Jahr"], page, |c| {
            (
                c.id,
                vec![
                    html! { a href=(path::<Calls>(c.id)) { (c.name) } },
                    html! { (c.year) },
                ],
            )
        }))
    }

    async fn related(
        _state: &AppState,
        _staff: &Staff,
        model: &project_call::Model,
    ) -> AppResult<Markup> {
        Ok(html! {
            p { a href={ "/admin/modellvorhaben?aufruf=" (model.id) } { "Modellvorhaben dieses Aufrufs" } }
        })
    }
}
