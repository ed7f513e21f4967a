//! What each record type contributes to the common pages ([`Resource`]: its fields, list and
//! relations, one small file per type under `records/`), the routes of those pages (in `pages/`),
//! and what lists and forms share: the list query, a listing, why a save was refused. Every rule
//! stays in the service layer.

mod board;
mod calls;
mod contributions;
mod documents;
mod events;
mod model_projects;
mod organisations;
mod people;
mod programme;
mod sessions;
mod stored;
mod towns;

use std::future::Future;

use axum::Router;
use axum::routing::get;
use maud::{Markup, html};
use serde_json::Value as Json;

use super::form::{Errors, Field, Values};
use super::labels::Label;
use super::pages;
use super::session::Staff;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::page::{PageArgs, encode_cursor};

/// Rows per list page.
pub const PAGE_SIZE: i32 = 25;

/// What a list was asked for: search text, filters, and the page.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    /// Search text.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub nach: Option<String>,
    #[serde(default)]
    pub vor: Option<String>,
    /// Any other parameter: the type's filters.
    #[serde(flatten)]
    pub filters: std::collections::BTreeMap<String, String>,
}

impl ListQuery {
    /// The search text, trimmed; `None` when empty.
    pub fn text(&self) -> Option<String> {
        self.q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_owned)
    }

    /// A filter's value; `None` when empty.
    pub fn filter(&self, name: &str) -> Option<&str> {
        self.filters
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// A filter naming a record id.
    pub fn filter_id(&self, name: &str) -> Option<i32> {
        self.filter(name).and_then(|v| v.parse().ok())
    }

    /// A filter naming an enumeration value.
    pub fn filter_choice<E: Label>(&self, name: &str) -> Option<E> {
        self.filter(name).and_then(super::labels::parse::<E>)
    }

    /// The page to read.
    pub fn page(&self) -> PageArgs {
        match (&self.nach, &self.vor) {
            (_, Some(before)) if !before.is_empty() => PageArgs {
                last: Some(PAGE_SIZE),
                before: Some(before.clone()),
                ..Default::default()
            },
            (Some(after), _) if !after.is_empty() => PageArgs {
                first: Some(PAGE_SIZE),
                after: Some(after.clone()),
                ..Default::default()
            },
            _ => PageArgs {
                first: Some(PAGE_SIZE),
                ..Default::default()
            },
        }
    }
}

/// One page of a list: column headings, rows (id and cells), and the ways on.
#[derive(Debug, Default)]
pub struct Listing {
    pub columns: Vec<&'static str>,
    pub rows: Vec<(i32, Vec<Markup>)>,
    pub total: Option<u64>,
    /// Cursor of the page after this one.
    pub next: Option<String>,
    /// Cursor of the page before this one.
    pub previous: Option<String>,
}

impl Listing {
    /// A listing from a page of the service layer, each item turned into (id, cells).
    pub fn from_page<T>(
        columns: Vec<&'static str>,
        page: crate::store::page::Page<T>,
        mut row: impl FnMut(T) -> (i32, Vec<Markup>),
    ) -> Self {
        let first = page.items.first().map(|(position, _)| *position);
        let last = page.items.last().map(|(position, _)| *position);
        Self {
            columns,
            total: page.total,
            next: page.has_next.then(|| last.map(encode_cursor)).flatten(),
            previous: page
                .has_previous
                .then(|| first.map(encode_cursor))
                .flatten(),
            rows: page.items.into_iter().map(|(_, item)| row(item)).collect(),
        }
    }
}

/// Why a save did not happen.
#[derive(Debug)]
pub enum Refused {
    /// Values are missing or invalid: shown at their fields.
    Form(Errors),
    /// Someone else saved since the edit began: the conflict page.
    Stale,
    /// Anything else: the error page.
    Failed(AppError),
}

impl Refused {
    /// Sorts a service error: invalid values and key conflicts go to the form, a failed version
    /// check to the conflict page.
    pub fn from_service(error: AppError, fields: &[Field]) -> Self {
        match error {
            AppError::Conflict {
                current_version: Some(_),
                ..
            } => Self::Stale,
            AppError::BadUserInput { .. } | AppError::Conflict { .. } | AppError::NotFound(_) => {
                Self::Form(Errors::from_service(&error, fields))
            }
            other => Self::Failed(other),
        }
    }
}

/// What a record type contributes to the common pages.
pub trait Resource: Send + Sync + 'static {
    /// The stored record.
    type Model: serde::Serialize + Send + Sync + 'static;
    /// The path segment under `/admin`.
    const SLUG: &'static str;
    /// One record, in German (`Veranstaltung`).
    const ONE: &'static str;
    /// Many records, in German (`Veranstaltungen`).
    const MANY: &'static str;
    /// The type's name in the audit log and in global IDs (`Event`).
    const RECORD: &'static str;

    /// The record's id.
    fn id(model: &Self::Model) -> i32;
    /// The record's version (optimistic lock).
    fn version(model: &Self::Model) -> i32;
    /// What the record is called in headings and links.
    fn title(model: &Self::Model) -> String;

    /// One record (staff see every record).
    fn get(state: &AppState, id: i32) -> impl Future<Output = AppResult<Self::Model>> + Send;

    /// The form's fields; `current` is the record being edited (none on create), `values` what
    /// the form holds (which may decide a time zone).
    fn fields(
        state: &AppState,
        current: Option<&Self::Model>,
        values: &Values,
    ) -> impl Future<Output = AppResult<Vec<Field>>> + Send;

    /// The form values of a record in its stored form (the JSON the audit log keeps), read with
    /// `current` for context such as the time zone.
    fn values(
        state: &AppState,
        current: &Self::Model,
        stored: &Json,
    ) -> impl Future<Output = AppResult<Values>> + Send;

    /// Defaults of a new record's form, from the page's query (e.g. the event of a new session).
    fn defaults(query: &ListQuery) -> Values {
        let _ = query;
        Values::new()
    }

    /// Creates (`current` none) or changes a record from the form's values.
    fn save(
        state: &AppState,
        actor: &Actor,
        current: Option<(&Self::Model, i32)>,
        values: &Values,
        fields: &[Field],
    ) -> impl Future<Output = Result<Self::Model, Refused>> + Send;

    /// Deletes a record at a version.
    fn delete(
        state: &AppState,
        actor: &Actor,
        id: i32,
        version: i32,
    ) -> impl Future<Output = AppResult<()>> + Send;

    /// The filters of the list (besides the search text).
    fn filters(state: &AppState) -> impl Future<Output = AppResult<Vec<Field>>> + Send;

    /// One page of the list.
    fn list(state: &AppState, query: &ListQuery)
    -> impl Future<Output = AppResult<Listing>> + Send;

    /// Sections of the detail page below the fields: relations and actions of this type.
    fn related(
        state: &AppState,
        staff: &Staff,
        model: &Self::Model,
    ) -> impl Future<Output = AppResult<Markup>> + Send;
}

/// The routes of every record type.
pub fn all() -> Router<AppState> {
    Router::new()
        .merge(routes::<events::Events>())
        .merge(events::routes())
        .merge(programme::routes())
        .merge(routes::<sessions::Sessions>())
        .merge(routes::<contributions::Contributions>())
        .merge(routes::<people::People>())
        .merge(people::routes())
        .merge(routes::<organisations::Organisations>())
        .merge(routes::<towns::Towns>())
        .merge(routes::<model_projects::ModelProjects>())
        .merge(model_projects::routes())
        .merge(routes::<calls::Calls>())
        .merge(routes::<board::Board>())
        .merge(routes::<documents::Documents>())
        .merge(documents::routes())
}

/// The routes of a record type.
pub fn routes<R: Resource>() -> Router<AppState> {
    let base = format!("/admin/{}", R::SLUG);
    Router::new()
        .route(&base, get(pages::list::list::<R>))
        .route(
            &format!("{base}/neu"),
            get(pages::edit::new_form::<R>).post(pages::edit::create::<R>),
        )
        .route(&format!("{base}/{{id}}"), get(pages::edit::show::<R>))
        .route(
            &format!("{base}/{{id}}/bearbeiten"),
            get(pages::edit::edit_form::<R>).post(pages::edit::update::<R>),
        )
        .route(
            &format!("{base}/{{id}}/loeschen"),
            get(pages::edit::delete_form::<R>).post(pages::edit::delete::<R>),
        )
        .route(
            &format!("{base}/{{id}}/verlauf"),
            get(pages::history::history::<R>),
        )
        .route(
            &format!("{base}/{{id}}/verlauf/{{entry}}"),
            get(pages::history::restore_form::<R>),
        )
}

/// The path of a record's page.
pub fn path<R: Resource>(id: i32) -> String {
    format!("/admin/{}/{id}", R::SLUG)
}

/// The message a page shows after a redirect, by its fixed code.
fn notice(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "angelegt" => Some("Der Eintrag wurde angelegt."),
        "gespeichert" => Some("Die Änderungen wurden gespeichert."),
        "geloescht" => Some("Der Eintrag wurde gelöscht."),
        "veroeffentlicht" => Some("Die Veranstaltung ist veröffentlicht."),
        "zurueckgezogen" => Some("Die Veranstaltung ist wieder ein Entwurf."),
        "hinzugefuegt" => Some("Der Eintrag wurde hinzugefügt."),
        "entfernt" => Some("Der Eintrag wurde entfernt."),
        "einwilligung" => Some("Die Einwilligung wurde gespeichert."),
        _ => None,
    }
}

/// The message of a redirect, shown as a status line.
pub fn notice_line(query: &ListQuery) -> Markup {
    html! {
        @if let Some(text) = notice(query.filters.get("meldung").map(String::as_str)) {
            p.meldung role="status" { (text) }
        }
    }
}
