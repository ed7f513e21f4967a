//! Board memberships: who sat on an advisory board, in which role, when.

use entity::advisory_board_membership as membership;
use entity::enums::BoardRole;
use maud::{Markup, html};
use serde_json::Value as Json;

use super::people::People;
use super::stored;
use crate::admin::form::{Field, Input, Reader, Values};
use crate::admin::labels::{self, Label};
use crate::admin::records::{ListQuery, Listing, Refused, Resource, path};
use crate::admin::session::Staff;
use crate::auth::Actor;
use crate::error::AppResult;
use crate::service::board::{self as service, BoardMembershipChanges};
use crate::service::{choices, record};
use crate::state::AppState;
use crate::store::page::paginate;

/// Board memberships.
pub struct Board;

impl Resource for Board {
    type Model = membership::Model;
    const SLUG: &'static str = "beirat";
    const ONE: &'static str = "Beiratssitz";
    const MANY: &'static str = "Beiratssitze";
    const RECORD: &'static str = "BoardMembership";

    fn id(model: &membership::Model) -> i32 {
        model.id
    }

    fn version(model: &membership::Model) -> i32 {
        model.version
    }

    fn title(model: &membership::Model) -> String {
        format!("Beiratssitz {} ({})", model.id, model.role.label())
    }

    async fn get(state: &AppState, id: i32) -> AppResult<membership::Model> {
        record::get::<membership::Entity, _>(&state.db, id).await
    }

    async fn fields(
        state: &AppState,
        _current: Option<&membership::Model>,
        _values: &Values,
    ) -> AppResult<Vec<Field>> {
        Ok(vec![
            Field::new(
                "board",
                "Beirat",
                Input::Choice(crate::admin::form::id_choices(
                    choices::organisations(&state.db).await?,
                )),
            )
            .required()
            .hint("Eine Organisation der Art „Beirat“."),
            Field::new(
                "person",
                "Person",
                Input::Choice(crate::admin::form::id_choices(
                    choices::people(&state.db).await?,
                )),
            )
            .required(),
            Field::new(
                "role",
                "Rolle",
                Input::Choice(labels::choices::<BoardRole>()),
            )
            .required(),
            Field::new("from", "Von", Input::Text).hint("JJJJ-MM-TT, auch nur JJJJ-MM oder JJJJ."),
            Field::new("until", "Bis", Input::Text).hint("JJJJ-MM-TT, auch nur JJJJ-MM oder JJJJ."),
            Field::new("note", "Vermerk", Input::Text),
            Field::new("sources", "Quellen", Input::Lines)
                .hint("Eine Adresse (https://…) je Zeile."),
        ])
    }

    async fn values(
        _state: &AppState,
        _current: &membership::Model,
        stored: &Json,
    ) -> AppResult<Values> {
        Ok([
            ("board", stored::text(stored, "board_id")),
            ("person", stored::text(stored, "person_id")),
            ("role", stored::text(stored, "role")),
            ("from", stored::text(stored, "from_date")),
            ("until", stored::text(stored, "until_date")),
            ("note", stored::text(stored, "note")),
            ("sources", stored::lines(stored, "sources")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect())
    }

    async fn save(
        state: &AppState,
        actor: &Actor,
        current: Option<(&membership::Model, i32)>,
        values: &Values,
        fields: &[Field],
    ) -> Result<membership::Model, Refused> {
        let mut reader = Reader::new(values);
        let board = reader
            .required("board", "Beirat")
            .and(reader.id("board", "Beirat"));
        let person = reader
            .required("person", "Person")
            .and(reader.id("person", "Person"));
        let role = reader.required("role", "Rolle").and(reader.choice(
            "role",
            "Rolle",
            labels::parse::<BoardRole>,
        ));
        if !reader.errors.is_empty() {
            return Err(Refused::Form(reader.errors));
        }
        let changes = BoardMembershipChanges {
            board_id: board,
            person_id: person,
            role,
            from: Some(reader.text("from")),
            until: Some(reader.text("until")),
            note: Some(reader.text("note")),
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
            "beirat",
            "Beirat",
            Input::Choice(crate::admin::form::id_choices(
                choices::organisations(&state.db).await?,
            )),
        )])
    }

    async fn list(state: &AppState, query: &ListQuery) -> AppResult<Listing> {
        let people: std::collections::HashMap<i32, String> =
            choices::people(&state.db).await?.into_iter().collect();
        let page = paginate(
            &state.db,
            service::list_query(query.filter_id("beirat")),
            &query.page(),
            true,
        )
        .await?;
        Ok(Listing::from_page(
            vec!["Person", "Rolle", "Zeitraum"],
            page,
            |m| {
                let name = people.get(&m.person_id).cloned().unwrap_or_default();
                (
                    m.id,
                    vec![
                        html! { a href=(path::<Board>(m.id)) { (name) } },
                        html! { (m.role.label()) },
                        html! { (m.from_date.unwrap_or_default()) "–" (m.until_date.unwrap_or_default()) },
                    ],
                )
            },
        ))
    }

    async fn related(
        _state: &AppState,
        _staff: &Staff,
        model: &membership::Model,
    ) -> AppResult<Markup> {
        Ok(html! {
            p { a href=(path::<People>(model.person_id)) { "Zur Person" } }
        })
    }
}
