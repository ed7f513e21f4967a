//! Organisations: ministries, institutes, associations, agencies.

use entity::enums::OrganisationKind;
use entity::organisation;
use maud::{Markup, html};
use serde_json::Value as Json;

use super::stored;
use crate::admin::form::{Field, Input, Reader, Values};
use crate::admin::labels::{self, Label};
use crate::admin::records::{ListQuery, Listing, Refused, Resource, path};
use crate::admin::session::Staff;
use crate::auth::Actor;
use crate::error::AppResult;
use crate::service::choices;
use crate::service::organisation::{self as service, OrganisationChanges, OrganisationFilter};
use crate::state::AppState;

/// Organisations.
pub struct Organisations;

impl Resource for Organisations {
    type Model = organisation::Model;
    const SLUG: &'static str = "organisationen";
    const ONE: &'static str = "Organisation";
    const MANY: &'static str = "Organisationen";
    const RECORD: &'static str = "Organisation";

    fn id(model: &organisation::Model) -> i32 {
        model.id
    }

    fn version(model: &organisation::Model) -> i32 {
        model.version
    }

    fn title(model: &organisation::Model) -> String {
        model.name.clone()
    }

    async fn get(state: &AppState, id: i32) -> AppResult<organisation::Model> {
        crate::service::record::get::<organisation::Entity, _>(&state.db, id).await
    }

    async fn fields(
        _state: &AppState,
        _current: Option<&organisation::Model>,
        _values: &Values,
    ) -> AppResult<Vec<Field>> {
        Ok(vec![
            Field::new("name", "Name", Input::Text).required(),
            Field::new("shortName", "Kurzname", Input::Text),
            Field::new(
                "kind",
                "Art",
                Input::Choice(labels::choices::<OrganisationKind>()),
            )
            .required(),
            Field::new("description", "Beschreibung", Input::LongText),
            Field::new("website", "Webseite", Input::Url),
            Field::new("address", "Anschrift", Input::Text),
            Field::new("town", "Gemeinde", Input::Text)
                .hint("Name; bei gleichnamigen Orten mit Schlüssel oder Nummer."),
            Field::new("sources", "Quellen", Input::Lines)
                .hint("Eine Adresse (https://…) je Zeile."),
        ])
    }

    async fn values(
        state: &AppState,
        _current: &organisation::Model,
        stored: &Json,
    ) -> AppResult<Values> {
        let town = match stored::id(stored, "town_id") {
            Some(id) => choices::town_text(&state.db, id).await?,
            None => String::new(),
        };
        Ok([
            ("name", stored::text(stored, "name")),
            ("shortName", stored::text(stored, "short_name")),
            ("kind", stored::text(stored, "kind")),
            ("description", stored::text(stored, "description")),
            ("website", stored::text(stored, "website")),
            ("address", stored::text(stored, "address")),
            ("town", town),
            ("sources", stored::lines(stored, "sources")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect())
    }

    async fn save(
        state: &AppState,
        actor: &Actor,
        current: Option<(&organisation::Model, i32)>,
        values: &Values,
        fields: &[Field],
    ) -> Result<organisation::Model, Refused> {
        let mut reader = Reader::new(values);
        let name = reader.required("name", "Name");
        let kind = reader.choice("kind", "Art", labels::parse::<OrganisationKind>);
        if kind.is_none() && reader.text("kind").is_none() {
            reader
                .errors
                .add("kind", "Bitte wählen Sie die Art der Organisation.");
        }
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
        let changes = OrganisationChanges {
            name,
            short_name: Some(reader.text("shortName")),
            kind,
            description: Some(reader.text("description")),
            website: Some(reader.text("website")),
            address: Some(reader.text("address")),
            town_id: Some(town),
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
            Input::Choice(labels::choices::<OrganisationKind>()),
        )])
    }

    async fn list(state: &AppState, query: &ListQuery) -> AppResult<Listing> {
        let filter = OrganisationFilter {
            name_contains: query.text(),
            kinds: query
                .filter_choice::<OrganisationKind>("art")
                .map(|k| vec![k]),
            ..Default::default()
        };
        let page = service::list(&state.db, &filter, &query.page(), true).await?;
        Ok(Listing::from_page(
            vec!["Name", "Kurzname", "Art"],
            page,
            |o| {
                (
                    o.id,
                    vec![
                        html! { a href=(path::<Organisations>(o.id)) { (o.name) } },
                        html! { (o.short_name.unwrap_or_default()) },
                        html! { (o.kind.label()) },
                    ],
                )
            },
        ))
    }

    async fn related(
        _state: &AppState,
        _staff: &Staff,
        _model: &organisation::Model,
    ) -> AppResult<Markup> {
        Ok(html! {})
    }
}
