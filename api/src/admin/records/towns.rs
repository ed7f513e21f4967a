//! Towns: the places of the network, with their official keys and figures.

use entity::enums::TownType;
use entity::town;
use maud::{Markup, html};
use serde_json::Value as Json;

use super::stored;
use crate::admin::form::{Field, Input, Reader, Values};
use crate::admin::labels::{self, Label};
use crate::admin::records::{ListQuery, Listing, Refused, Resource, path};
use crate::admin::session::Staff;
use crate::auth::Actor;
use crate::error::AppResult;
use crate::service::town::{self as service, TownChanges, TownFilter, TownOrder, TownOrderField};
use crate::state::AppState;

/// Towns.
pub struct Towns;

async fn state_choices(state: &AppState) -> AppResult<Vec<(String, String)>> {
    Ok(service::states(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.key, s.name))
        .collect())
}

impl Resource for Towns {
    type Model = town::Model;
    const SLUG: &'static str = "orte";
    const ONE: &'static str = "Ort";
    const MANY: &'static str = "Orte";
    const RECORD: &'static str = "Town";

    fn id(model: &town::Model) -> i32 {
        model.id
    }

    fn version(model: &town::Model) -> i32 {
        model.version
    }

    fn title(model: &town::Model) -> String {
        model.name.clone()
    }

    async fn get(state: &AppState, id: i32) -> AppResult<town::Model> {
        crate::service::record::get::<town::Entity, _>(&state.db, id).await
    }

    async fn fields(
        state: &AppState,
        _current: Option<&town::Model>,
        _values: &Values,
    ) -> AppResult<Vec<Field>> {
        Ok(vec![
            Field::new("name", "Name", Input::Text).required(),
            Field::new("state", "Land", Input::Choice(state_choices(state).await?))
                .hint("Ohne Angabe folgt das Land aus dem Gemeindeschlüssel."),
            Field::new("district", "Kreis", Input::Text),
            Field::new("municipalityKey", "Gemeindeschlüssel", Input::Text)
                .hint("Amtlicher Gemeindeschlüssel, acht Ziffern."),
            Field::new("geonamesId", "GeoNames-Kennung", Input::Number),
            Field::new("population", "Einwohnerzahl", Input::Number),
            Field::new("latitude", "Breitengrad", Input::Text).hint("Dezimal, z. B. 52,1683."),
            Field::new("longitude", "Längengrad", Input::Text).hint("Dezimal, z. B. 12,5906."),
            Field::new(
                "townType",
                "Stadt- und Gemeindetyp (amtlich)",
                Input::Choice(labels::choices::<TownType>()),
            )
            .hint("Ohne Angabe folgt der Typ aus der Einwohnerzahl."),
            Field::new("website", "Webseite", Input::Url),
            Field::new("sources", "Quellen", Input::Lines)
                .hint("Eine Adresse (https://…) je Zeile."),
        ])
    }

    async fn values(state: &AppState, current: &town::Model, stored: &Json) -> AppResult<Values> {
        let state_key = match stored::id(stored, "state_id") {
            Some(id) => service::states(&state.db)
                .await?
                .into_iter()
                .find(|s| s.id == id)
                .map(|s| s.key)
                .unwrap_or_default(),
            None => String::new(),
        };
        let official = stored["town_type_official"]
            .as_bool()
            .unwrap_or(current.town_type_official);
        Ok([
            ("name", stored::text(stored, "name")),
            ("state", state_key),
            ("district", stored::text(stored, "district")),
            ("municipalityKey", stored::text(stored, "municipality_key")),
            ("geonamesId", stored::text(stored, "geonames_id")),
            ("population", stored::text(stored, "population")),
            ("latitude", stored::text(stored, "latitude")),
            ("longitude", stored::text(stored, "longitude")),
            (
                "townType",
                if official {
                    stored::text(stored, "town_type")
                } else {
                    String::new()
                },
            ),
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
        current: Option<(&town::Model, i32)>,
        values: &Values,
        fields: &[Field],
    ) -> Result<town::Model, Refused> {
        let mut reader = Reader::new(values);
        let name = reader.required("name", "Name");
        let population = reader.number("population", "Einwohnerzahl");
        let latitude = reader.decimal("latitude", "Breitengrad");
        let longitude = reader.decimal("longitude", "Längengrad");
        let town_type = reader.choice("townType", "Typ", labels::parse::<TownType>);
        let geonames = reader.text("geonamesId");
        let geonames_id = match geonames.as_deref().map(str::parse::<i64>) {
            Some(Ok(id)) => Some(id),
            Some(Err(_)) => {
                reader
                    .errors
                    .add("geonamesId", "Die GeoNames-Kennung ist eine ganze Zahl.");
                None
            }
            None => None,
        };
        if !reader.errors.is_empty() {
            return Err(Refused::Form(reader.errors));
        }
        let changes = TownChanges {
            name,
            state_key: Some(reader.text("state")),
            district: Some(reader.text("district")),
            municipality_key: Some(reader.text("municipalityKey")),
            geonames_id: Some(geonames_id),
            population: Some(population),
            latitude: Some(latitude),
            longitude: Some(longitude),
            town_type: Some(town_type),
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
        Ok(vec![
            Field::new("land", "Land", Input::Choice(state_choices(state).await?)),
            Field::new("typ", "Typ", Input::Choice(labels::choices::<TownType>())),
        ])
    }

    async fn list(state: &AppState, query: &ListQuery) -> AppResult<Listing> {
        let filter = TownFilter {
            name_contains: query.text(),
            state_keys: query.filter("land").map(|k| vec![k.to_owned()]),
            town_types: query.filter_choice::<TownType>("typ").map(|t| vec![t]),
            ..Default::default()
        };
        let order = TownOrder {
            field: TownOrderField::Name,
            descending: false,
        };
        let page = service::list(&state.db, &filter, order, &query.page(), true).await?;
        Ok(Listing::from_page(
            vec!["Name", "Gemeindeschlüssel", "Einwohner", "Typ"],
            page,
            |t| {
                (
                    t.id,
                    vec![
                        html! { a href=(path::<Towns>(t.id)) { (t.name) } },
                        html! { (t.municipality_key.unwrap_or_default()) },
                        html! { (t.population.map(|p| p.to_string()).unwrap_or_default()) },
                        html! { (t.town_type.map(Label::label).unwrap_or_default()) },
                    ],
                )
            },
        ))
    }

    async fn related(_state: &AppState, _staff: &Staff, _model: &town::Model) -> AppResult<Markup> {
        Ok(html! {})
    }
}
