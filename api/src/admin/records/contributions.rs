//! Contributions: who appears in a session (or an event as a whole), in which role.

use entity::contribution;
use entity::enums::{ContributionRole, StaffRole};
use maud::{Markup, html};
use serde_json::Value as Json;

use super::events::Events;
use super::sessions::Sessions;
use super::stored;
use crate::admin::form::{Field, Input, Reader, Values};
use crate::admin::labels::{self, Label};
use crate::admin::records::{ListQuery, Listing, Refused, Resource, path};
use crate::admin::session::Staff;
use crate::auth::Actor;
use crate::error::AppResult;
use crate::service::choices;
use crate::service::event::{self as events, time_zone};
use crate::service::session::{self as service, ContributionChanges};
use crate::state::AppState;
use crate::store::page::paginate;
use crate::viewer::Viewer;

/// Contributions.
pub struct Contributions;

/// The fields of a contribution to an event whose sessions are `sessions`.
pub fn contribution_fields(
    sessions: Vec<(String, String)>,
    people: Vec<(String, String)>,
    organisations: Vec<(String, String)>,
) -> Vec<Field> {
    vec![
        Field::new("session", "Programmpunkt", Input::Choice(sessions))
            .hint("Leer lassen für einen Beitrag zur ganzen Veranstaltung."),
        Field::new("person", "Person", Input::Choice(people)),
        Field::new("organisation", "Organisation", Input::Choice(organisations))
            .hint("Person, Organisation oder beides."),
        Field::new(
            "role",
            "Rolle",
            Input::Choice(labels::choices::<ContributionRole>()),
        )
        .required(),
        Field::new("affiliation", "Zugehörigkeit wie im Programm", Input::Text),
    ]
}

/// Reads a contribution form into changes; `event` is the event of a new contribution.
pub fn changes(values: &Values, event: Option<i32>) -> Result<ContributionChanges, Refused> {
    let mut reader = Reader::new(values);
    let session = reader.id("session", "Programmpunkt");
    let person = reader.id("person", "Person");
    let organisation = reader.id("organisation", "Organisation");
    let role = reader.choice("role", "Rolle", labels::parse::<ContributionRole>);
    if role.is_none() && reader.text("role").is_none() {
        reader.errors.add("role", "Bitte wählen Sie die Rolle.");
    }
    if person.is_none() && organisation.is_none() && reader.errors.is_empty() {
        reader.errors.add(
            "person",
            "Bitte wählen Sie eine Person, eine Organisation oder beide.",
        );
    }
    if !reader.errors.is_empty() {
        return Err(Refused::Form(reader.errors));
    }
    Ok(ContributionChanges {
        session_id: Some(session),
        event_id: event,
        person_id: Some(person),
        organisation_id: Some(organisation),
        role,
        affiliation: Some(reader.text("affiliation")),
        position: None,
    })
}

impl Resource for Contributions {
    type Model = contribution::Model;
    const SLUG: &'static str = "beitraege";
    const ONE: &'static str = "Beitrag";
    const MANY: &'static str = "Beiträge";
    const RECORD: &'static str = "Contribution";

    fn id(model: &contribution::Model) -> i32 {
        model.id
    }

    fn version(model: &contribution::Model) -> i32 {
        model.version
    }

    fn title(model: &contribution::Model) -> String {
        format!("Beitrag {} ({})", model.id, model.role.label())
    }

    async fn get(state: &AppState, id: i32) -> AppResult<contribution::Model> {
        crate::service::record::get::<contribution::Entity, _>(&state.db, id).await
    }

    async fn fields(
        state: &AppState,
        current: Option<&contribution::Model>,
        values: &Values,
    ) -> AppResult<Vec<Field>> {
        let event_id = current
            .map(|c| c.event_id)
            .or_else(|| values.get("event").and_then(|v| v.trim().parse().ok()));
        let sessions = match event_id {
            Some(id) => {
                let zone = events::get(&state.db, Viewer::Staff(StaffRole::Editor), id)
                    .await?
                    .map_or(chrono_tz::Europe::Berlin, |e| time_zone(&e));
                crate::admin::form::id_choices(choices::sessions(&state.db, id, zone).await?)
            }
            None => Vec::new(),
        };
        let mut fields = Vec::new();
        if current.is_none() {
            fields.push(
                Field::new(
                    "event",
                    "Veranstaltung",
                    Input::Choice(crate::admin::form::id_choices(
                        choices::events(&state.db).await?,
                    )),
                )
                .required(),
            );
        }
        fields.extend(contribution_fields(
            sessions,
            crate::admin::form::id_choices(choices::people(&state.db).await?),
            crate::admin::form::id_choices(choices::organisations(&state.db).await?),
        ));
        Ok(fields)
    }

    async fn values(
        _state: &AppState,
        current: &contribution::Model,
        stored: &Json,
    ) -> AppResult<Values> {
        Ok([
            ("event", current.event_id.to_string()),
            ("session", stored::text(stored, "session_id")),
            ("person", stored::text(stored, "person_id")),
            ("organisation", stored::text(stored, "organisation_id")),
            ("role", stored::text(stored, "role")),
            ("affiliation", stored::text(stored, "affiliation")),
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
        values
    }

    async fn save(
        state: &AppState,
        actor: &Actor,
        current: Option<(&contribution::Model, i32)>,
        values: &Values,
        fields: &[Field],
    ) -> Result<contribution::Model, Refused> {
        let event = match current {
            Some(_) => None,
            None => {
                let event = values.get("event").and_then(|v| v.trim().parse().ok());
                if event.is_none() {
                    let mut errors = crate::admin::form::Errors::default();
                    errors.add("event", "Bitte wählen Sie die Veranstaltung.");
                    return Err(Refused::Form(errors));
                }
                event
            }
        };
        let changes = changes(values, event)?;
        let saved = match current {
            None => service::create_contribution(&state.db, actor, changes).await,
            Some((model, version)) => {
                service::update_contribution(&state.db, actor, model.id, version, changes).await
            }
        };
        saved.map_err(|error| Refused::from_service(error, fields))
    }

    async fn delete(state: &AppState, actor: &Actor, id: i32, version: i32) -> AppResult<()> {
        service::delete_contribution(&state.db, actor, id, version)
            .await
            .map(|_| ())
    }

    async fn filters(state: &AppState) -> AppResult<Vec<Field>> {
        Ok(vec![
            Field::new(
                "veranstaltung",
                "Veranstaltung",
                Input::Choice(crate::admin::form::id_choices(
                    choices::events(&state.db).await?,
                )),
            ),
            Field::new(
                "rolle",
                "Rolle",
                Input::Choice(labels::choices::<ContributionRole>()),
            ),
        ])
    }

    async fn list(state: &AppState, query: &ListQuery) -> AppResult<Listing> {
        let select = service::contribution_query(
            query.filter_id("veranstaltung"),
            query.filter_choice::<ContributionRole>("rolle"),
        );
        let page = paginate(&state.db, select, &query.page(), true).await?;
        Ok(Listing::from_page(
            vec!["Beitrag", "Rolle", "Programmpunkt", "Veranstaltung"],
            page,
            |c| {
                (
                    c.id,
                    vec![
                        html! { a href=(path::<Contributions>(c.id)) { "Beitrag " (c.id) } },
                        html! { (c.role.label()) },
                        html! { @if let Some(session) = c.session_id { a href=(path::<Sessions>(session)) { "Programmpunkt " (session) } } @else { "ganze Veranstaltung" } },
                        html! { a href=(path::<Events>(c.event_id)) { "Veranstaltung " (c.event_id) } },
                    ],
                )
            },
        ))
    }

    async fn related(
        _state: &AppState,
        _staff: &Staff,
        model: &contribution::Model,
    ) -> AppResult<Markup> {
        Ok(html! {
            p { a href={ (path::<Events>(model.event_id)) "/programm" } { "Zum Programm der Veranstaltung" } }
        })
    }
}
