//! Sessions (programme items): the form in the event's time zone, and the list.

use entity::enums::{SessionKind, StaffRole};
use entity::{event, session};
use maud::{Markup, html};
use serde_json::Value as Json;

use super::events::Events;
use super::stored;
use crate::admin::form::{self, Field, Input, Reader, Values};
use crate::admin::labels::{self, Label};
use crate::admin::records::{ListQuery, Listing, Refused, Resource, path};
use crate::admin::session::Staff;
use crate::auth::Actor;
use crate::error::AppResult;
use crate::service::choices;
use crate::service::event::{self as events, time_zone};
use crate::service::session::{self as service, SessionChanges, SessionFilter};
use crate::service::timing::When;
use crate::state::AppState;
use crate::viewer::Viewer;

/// Sessions.
pub struct Sessions;

const STAFF: Viewer = Viewer::Staff(StaffRole::Editor);

/// The event a session form belongs to: the session's, or the one chosen for a new session.
async fn event_of(
    state: &AppState,
    current: Option<&session::Model>,
    values: &Values,
) -> AppResult<Option<event::Model>> {
    let id = match current {
        Some(session) => Some(session.event_id),
        None => values.get("event").and_then(|v| v.trim().parse().ok()),
    };
    match id {
        Some(id) => events::get(&state.db, STAFF, id).await,
        None => Ok(None),
    }
}

impl Resource for Sessions {
    type Model = session::Model;
    const SLUG: &'static str = "programmpunkte";
    const ONE: &'static str = "Programmpunkt";
    const MANY: &'static str = "Programmpunkte";
    const RECORD: &'static str = "Session";

    fn id(model: &session::Model) -> i32 {
        model.id
    }

    fn version(model: &session::Model) -> i32 {
        model.version
    }

    fn title(model: &session::Model) -> String {
        model.title.clone()
    }

    async fn get(state: &AppState, id: i32) -> AppResult<session::Model> {
        crate::service::record::get::<session::Entity, _>(&state.db, id).await
    }

    async fn fields(
        state: &AppState,
        current: Option<&session::Model>,
        values: &Values,
    ) -> AppResult<Vec<Field>> {
        let event = event_of(state, current, values).await?;
        let zone = event.as_ref().map_or(chrono_tz::Europe::Berlin, time_zone);
        let mut fields = Vec::new();
        if current.is_none() {
            let events = choices::events(&state.db).await?;
            fields.push(
                Field::new(
                    "event",
                    "Veranstaltung",
                    Input::Choice(crate::admin::form::id_choices(events)),
                )
                .required(),
            );
        }
        fields.extend([
            Field::new("title", "Titel", Input::Text).required(),
            Field::new("subtitle", "Untertitel", Input::Text),
            Field::new(
                "kind",
                "Art",
                Input::Choice(labels::choices::<SessionKind>()),
            )
            .required(),
            Field::new("startsAt", "Beginn", Input::LocalDateTime(zone))
                .required()
                .hint("In der Zeitzone der Veranstaltung."),
            Field::new("endsAt", "Ende", Input::LocalDateTime(zone)),
            Field::new("position", "Reihenfolge bei gleicher Zeit", Input::Number),
            Field::new("description", "Beschreibung", Input::LongText),
            Field::new("sources", "Quellen", Input::Lines)
                .hint("Eine Adresse (https://…) je Zeile."),
        ]);
        Ok(fields)
    }

    async fn values(
        state: &AppState,
        current: &session::Model,
        stored: &Json,
    ) -> AppResult<Values> {
        let event = events::get(&state.db, STAFF, current.event_id).await?;
        let zone = event.as_ref().map_or(chrono_tz::Europe::Berlin, time_zone);
        Ok([
            ("event", current.event_id.to_string()),
            ("title", stored::text(stored, "title")),
            ("subtitle", stored::text(stored, "subtitle")),
            ("kind", stored::text(stored, "kind")),
            ("startsAt", stored::local(stored, "starts_at", zone)),
            ("endsAt", stored::local(stored, "ends_at", zone)),
            ("position", stored::text(stored, "position")),
            ("description", stored::text(stored, "description")),
            ("sources", stored::lines(stored, "sources")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect())
    }

    fn defaults(query: &ListQuery) -> Values {
        let mut values = Values::new();
        if let Some(event) = query.filter_id("veranstaltung") {
            values.insert("event".to_owned(), event.to_string());
        }
        values.insert("kind".to_owned(), "TALK".to_owned());
        values
    }

    async fn save(
        state: &AppState,
        actor: &Actor,
        current: Option<(&session::Model, i32)>,
        values: &Values,
        fields: &[Field],
    ) -> Result<session::Model, Refused> {
        let mut reader = Reader::new(values);
        let event = if current.is_none() {
            reader.id("event", "Veranstaltung")
        } else {
            None
        };
        if current.is_none() && event.is_none() && reader.text("event").is_none() {
            reader
                .errors
                .add("event", "Bitte wählen Sie die Veranstaltung.");
        }
        let title = reader.required("title", "Titel");
        let kind = reader.choice("kind", "Art", labels::parse::<SessionKind>);
        if kind.is_none() && reader.text("kind").is_none() {
            reader
                .errors
                .add("kind", "Bitte wählen Sie die Art des Programmpunkts.");
        }
        let starts_at = reader
            .required("startsAt", "Beginn")
            .and(reader.local_datetime("startsAt", "Beginn"));
        let ends_at = reader.local_datetime("endsAt", "Ende");
        let position = reader.number("position", "Reihenfolge");
        if !reader.errors.is_empty() {
            return Err(Refused::Form(reader.errors));
        }
        let changes = SessionChanges {
            event_id: event,
            title,
            subtitle: Some(reader.text("subtitle")),
            kind,
            starts_at: starts_at.map(When::Local),
            ends_at: Some(ends_at.map(When::Local)),
            position,
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

    async fn filters(state: &AppState) -> AppResult<Vec<Field>> {
        let events = crate::admin::form::id_choices(choices::events(&state.db).await?);
        Ok(vec![
            Field::new("veranstaltung", "Veranstaltung", Input::Choice(events)),
            Field::new(
                "art",
                "Art",
                Input::Choice(labels::choices::<SessionKind>()),
            ),
        ])
    }

    async fn list(state: &AppState, query: &ListQuery) -> AppResult<Listing> {
        let filter = SessionFilter {
            event_id: query.filter_id("veranstaltung"),
            kinds: query.filter_choice::<SessionKind>("art").map(|k| vec![k]),
            text: query.text(),
            ..Default::default()
        };
        let page = service::list(&state.db, STAFF, &filter, &query.page(), true).await?;
        Ok(Listing::from_page(
            vec!["Beginn", "Titel", "Art", "Veranstaltung"],
            page,
            |s| {
                (
                    s.id,
                    vec![
                        html! { time datetime=(s.starts_at.to_rfc3339()) { (s.starts_at.with_timezone(&chrono_tz::Europe::Berlin).format("%d.%m.%Y %H:%M")) } },
                        html! { a href=(path::<Sessions>(s.id)) { (s.title) } },
                        html! { (s.kind.label()) },
                        html! { a href=(path::<Events>(s.event_id)) { "Veranstaltung" } },
                    ],
                )
            },
        ))
    }

    async fn related(
        state: &AppState,
        _staff: &Staff,
        model: &session::Model,
    ) -> AppResult<Markup> {
        let event = events::get(&state.db, STAFF, model.event_id).await?;
        Ok(html! {
            @if let Some(event) = event {
                p {
                    "Teil von " a href=(path::<Events>(event.id)) { (event.title) }
                    ". Mitwirkende bearbeiten Sie im "
                    a href={ (path::<Events>(event.id)) "/programm#punkt-" (model.id) } { "Programm der Veranstaltung" } "."
                }
                p { "Beginn: " (form::local_text(model.starts_at, time_zone(&event))) }
            }
        })
    }
}
