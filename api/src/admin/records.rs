//! The pages every record type has: list with search, filters and paging; detail; create and edit
//! forms; delete with a clear refusal; history with a field-by-field diff and restoring a version;
//! and the conflict page when someone else saved first. Each type says only what is its own
//! ([`Resource`]); every rule stays in the service layer.

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
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use entity::audit_entry;
use maud::{Markup, html};
use serde_json::Value as Json;

use super::form::{self, Errors, Field, Submitted, Values};
use super::labels::Label;
use super::page::{error_page, layout, respond};
use super::session::Staff;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::service::audit::{self, AuditFilter};
use crate::state::AppState;
use crate::store::page::{PageArgs, encode_cursor};
use crate::viewer::Viewer;

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
        .route(&base, get(list::<R>))
        .route(&format!("{base}/neu"), get(new_form::<R>).post(create::<R>))
        .route(&format!("{base}/{{id}}"), get(show::<R>))
        .route(
            &format!("{base}/{{id}}/bearbeiten"),
            get(edit_form::<R>).post(update::<R>),
        )
        .route(
            &format!("{base}/{{id}}/loeschen"),
            get(delete_form::<R>).post(delete::<R>),
        )
        .route(&format!("{base}/{{id}}/verlauf"), get(history::<R>))
        .route(
            &format!("{base}/{{id}}/verlauf/{{entry}}"),
            get(restore_form::<R>),
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

async fn list<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Response {
    let result = async {
        let filters = R::filters(&state).await?;
        let listing = R::list(&state, &query).await?;
        Ok::<_, AppError>((filters, listing))
    }
    .await;
    let (filters, listing) = match result {
        Ok(found) => found,
        Err(error) => return error_page(Some(&staff), &error),
    };
    let mut values: Values = query.filters.clone();
    values.remove("meldung");
    if let Some(text) = query.text() {
        values.insert("q".to_owned(), text);
    }
    let search = Field::new("q", "Suche", form::Input::Text);
    let keep = |cursor_name: &str, cursor: &str| {
        let mut pairs: Vec<(String, String)> =
            values.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        pairs.push((cursor_name.to_owned(), cursor.to_owned()));
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("/admin/{}?{query}", R::SLUG)
    };
    let body = html! {
        h1 { (R::MANY) }
        (notice_line(&query))
        p { a.knopf href={ "/admin/" (R::SLUG) "/neu" } { (R::ONE) " anlegen" } }
        form.filter method="get" action={ "/admin/" (R::SLUG) } role="search" aria-label={ (R::MANY) " durchsuchen" } {
            (form::field(&search, &values, &Errors::default()))
            @for filter in &filters {
                (form::field(filter, &values, &Errors::default()))
            }
            button type="submit" { "Suchen" }
        }
        @if let Some(total) = listing.total {
            p role="status" { (total) " " (if total == 1 { "Eintrag" } else { "Einträge" }) }
        }
        @if listing.rows.is_empty() {
            p { "Keine Einträge gefunden." }
        } @else {
            table {
                caption.unsichtbar { (R::MANY) }
                thead { tr { @for column in &listing.columns { th scope="col" { (column) } } } }
                tbody {
                    @for (_, cells) in &listing.rows {
                        tr { @for cell in cells { td { (cell) } } }
                    }
                }
            }
        }
        nav.blaettern aria-label="Seiten" {
            @if let Some(previous) = &listing.previous {
                a href=(keep("vor", previous)) rel="prev" { "Vorherige Seite" }
            }
            @if let Some(next) = &listing.next {
                a href=(keep("nach", next)) rel="next" { "Nächste Seite" }
            }
        }
    };
    respond(
        StatusCode::OK,
        layout(Some(&staff), &format!("/admin/{}", R::SLUG), R::MANY, body),
    )
}

/// A record's form page: the summary of errors, the fields, and the button.
#[allow(clippy::too_many_arguments)]
fn form_page<R: Resource>(
    staff: &Staff,
    title: &str,
    action: &str,
    fields: &[Field],
    values: &Values,
    errors: &Errors,
    version: Option<i32>,
    before: Option<&Values>,
    intro: Option<Markup>,
) -> Markup {
    let body = html! {
        h1 { (title) }
        @if let Some(intro) = intro { (intro) }
        (form::summary(errors, fields))
        form method="post" action=(action) novalidate {
            (form::hidden(&staff.csrf, version, before))
            @for field in fields {
                (form::field(field, values, errors))
            }
            button type="submit" { "Speichern" }
        }
    };
    layout(Some(staff), &format!("/admin/{}", R::SLUG), title, body)
}

async fn new_form<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Response {
    let values = R::defaults(&query);
    match R::fields(&state, None, &values).await {
        Ok(fields) => respond(
            StatusCode::OK,
            form_page::<R>(
                &staff,
                &format!("{} anlegen", R::ONE),
                &format!("/admin/{}/neu", R::SLUG),
                &fields,
                &values,
                &Errors::default(),
                None,
                None,
                None,
            ),
        ),
        Err(error) => error_page(Some(&staff), &error),
    }
}

async fn create<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    if let Err(error) = staff.check_csrf(submitted.get(form::CSRF)) {
        return error_page(Some(&staff), &error);
    }
    let values = submitted.values();
    let fields = match R::fields(&state, None, &values).await {
        Ok(fields) => fields,
        Err(error) => return error_page(Some(&staff), &error),
    };
    match R::save(&state, &staff.actor, None, &values, &fields).await {
        Ok(created) => Redirect::to(&format!("{}?meldung=angelegt", path::<R>(R::id(&created))))
            .into_response(),
        Err(Refused::Form(errors)) => respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page::<R>(
                &staff,
                &format!("{} anlegen", R::ONE),
                &format!("/admin/{}/neu", R::SLUG),
                &fields,
                &values,
                &errors,
                None,
                None,
                None,
            ),
        ),
        Err(Refused::Stale) => error_page(Some(&staff), &AppError::conflict("stale")),
        Err(Refused::Failed(error)) => error_page(Some(&staff), &error),
    }
}

/// The current record with its form values.
async fn current<R: Resource>(state: &AppState, id: i32) -> AppResult<(R::Model, Values)> {
    let model = R::get(state, id).await?;
    let stored = serde_json::to_value(&model)
        .map_err(|e| AppError::Internal(format!("record as JSON: {e}")))?;
    let values = R::values(state, &model, &stored).await?;
    Ok((model, values))
}

async fn show<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    Query(query): Query<ListQuery>,
) -> Response {
    let result = async {
        let (model, values) = current::<R>(&state, id).await?;
        let fields = R::fields(&state, Some(&model), &values).await?;
        let related = R::related(&state, &staff, &model).await?;
        Ok::<_, AppError>((model, values, fields, related))
    }
    .await;
    let (model, values, fields, related) = match result {
        Ok(found) => found,
        Err(error) => return error_page(Some(&staff), &error),
    };
    let title = R::title(&model);
    let base = path::<R>(id);
    let body = html! {
        p.pfad { a href={ "/admin/" (R::SLUG) } { (R::MANY) } }
        h1 { (title) }
        (notice_line(&query))
        ul.aktionen {
            li { a.knopf href={ (base) "/bearbeiten" } { "Bearbeiten" } }
            li { a href={ (base) "/verlauf" } { "Verlauf" } }
            li { a href={ (base) "/loeschen" } { "Löschen" } }
        }
        (details(&fields, &values))
        (related)
    };
    respond(
        StatusCode::OK,
        layout(Some(&staff), &format!("/admin/{}", R::SLUG), &title, body),
    )
}

/// A record's fields as a description list, choices by their labels.
pub fn details(fields: &[Field], values: &Values) -> Markup {
    html! {
        dl.werte {
            @for field in fields {
                dt { (field.label) }
                dd { (shown(field, values.get(&field.name).map(String::as_str).unwrap_or(""))) }
            }
        }
    }
}

/// A form value as people read it.
fn shown(field: &Field, value: &str) -> Markup {
    if value.is_empty() {
        return html! { span.leer { "keine Angabe" } };
    }
    match &field.input {
        form::Input::Choice(choices) => {
            let label = choices
                .iter()
                .find(|(choice, _)| choice == value)
                .map_or(value, |(_, label)| label.as_str());
            html! { (label) }
        }
        form::Input::Checkbox => html! { "ja" },
        form::Input::LocalDateTime(zone) => {
            html! { (value.replacen('T', " ", 1)) " (" (zone.name()) ")" }
        }
        form::Input::Lines | form::Input::LongText => {
            html! { @for line in value.lines() { (line) br; } }
        }
        _ => html! { (value) },
    }
}

async fn edit_form<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
) -> Response {
    let result = async {
        let (model, values) = current::<R>(&state, id).await?;
        let fields = R::fields(&state, Some(&model), &values).await?;
        Ok::<_, AppError>((model, values, fields))
    }
    .await;
    match result {
        Ok((model, values, fields)) => respond(
            StatusCode::OK,
            form_page::<R>(
                &staff,
                &format!("{} bearbeiten: {}", R::ONE, R::title(&model)),
                &format!("{}/bearbeiten", path::<R>(id)),
                &fields,
                &values,
                &Errors::default(),
                Some(R::version(&model)),
                Some(&values),
                None,
            ),
        ),
        Err(error) => error_page(Some(&staff), &error),
    }
}

async fn update<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    if let Err(error) = staff.check_csrf(submitted.get(form::CSRF)) {
        return error_page(Some(&staff), &error);
    }
    let values = submitted.values();
    let before = submitted.before();
    let (model, stored) = match current::<R>(&state, id).await {
        Ok(found) => found,
        Err(error) => return error_page(Some(&staff), &error),
    };
    let fields = match R::fields(&state, Some(&model), &values).await {
        Ok(fields) => fields,
        Err(error) => return error_page(Some(&staff), &error),
    };
    let Some(version) = submitted.version() else {
        return error_page(
            Some(&staff),
            &AppError::bad_field("_version", "the form lacks the version it was opened at"),
        );
    };
    let action = format!("{}/bearbeiten", path::<R>(id));
    let title = format!("{} bearbeiten: {}", R::ONE, R::title(&model));
    if version != R::version(&model) {
        return conflict_page::<R>(&staff, &model, &fields, &values, &stored, &before);
    }
    match R::save(
        &state,
        &staff.actor,
        Some((&model, version)),
        &values,
        &fields,
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("{}?meldung=gespeichert", path::<R>(id))).into_response(),
        Err(Refused::Form(errors)) => respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page::<R>(
                &staff,
                &title,
                &action,
                &fields,
                &values,
                &errors,
                Some(version),
                Some(&before),
                None,
            ),
        ),
        Err(Refused::Stale) => match current::<R>(&state, id).await {
            Ok((model, stored)) => {
                conflict_page::<R>(&staff, &model, &fields, &values, &stored, &before)
            }
            Err(error) => error_page(Some(&staff), &error),
        },
        Err(Refused::Failed(error)) => error_page(Some(&staff), &error),
    }
}

/// Someone else saved first: the submitted values, the current ones and those the edit began
/// from, side by side, and the form again with the submitted values at the current version, so
/// that saving it is a deliberate merge under the lock.
fn conflict_page<R: Resource>(
    staff: &Staff,
    model: &R::Model,
    fields: &[Field],
    submitted: &Values,
    stored: &Values,
    before: &Values,
) -> Response {
    let value = |values: &Values, name: &str| values.get(name).cloned().unwrap_or_default();
    let title = format!("Konflikt: {}", R::title(model));
    let body = html! {
        h1 { (title) }
        div.fehlerliste role="alert" {
            p { "Jemand anderes hat diesen Eintrag gespeichert, während Sie ihn bearbeitet haben. Ihre Änderungen sind noch nicht gespeichert und gehen nicht verloren: Sie stehen unten im Formular." }
            p { "Vergleichen Sie Ihre Eingaben mit dem jetzt gespeicherten Stand, übernehmen Sie, was bleiben soll, und speichern Sie erneut." }
        }
        table.vergleich {
            caption { "Vergleich der Werte" }
            thead { tr {
                th scope="col" { "Feld" }
                th scope="col" { "Ihre Eingabe" }
                th scope="col" { "Jetzt gespeichert" }
                th scope="col" { "Beim Öffnen" }
            } }
            tbody {
                @for field in fields {
                    @let mine = value(submitted, &field.name);
                    @let theirs = value(stored, &field.name);
                    @let original = value(before, &field.name);
                    tr.abweichend[mine != theirs] {
                        th scope="row" { (field.label) }
                        td { (shown(field, &mine)) }
                        td { (shown(field, &theirs)) }
                        td { (shown(field, &original)) }
                    }
                }
            }
        }
        h2 { "Zusammenführen und speichern" }
        form method="post" action={ (path::<R>(R::id(model))) "/bearbeiten" } novalidate {
            (form::hidden(&staff.csrf, Some(R::version(model)), Some(stored)))
            @for field in fields {
                (form::field(field, submitted, &Errors::default()))
            }
            button type="submit" { "Zusammengeführt speichern" }
        }
    };
    respond(
        StatusCode::CONFLICT,
        layout(Some(staff), &format!("/admin/{}", R::SLUG), &title, body),
    )
}

async fn delete_form<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
) -> Response {
    let model = match R::get(&state, id).await {
        Ok(model) => model,
        Err(error) => return error_page(Some(&staff), &error),
    };
    let title = format!("{} löschen: {}", R::ONE, R::title(&model));
    let body = html! {
        h1 { (title) }
        p { "Soll „" (R::title(&model)) "“ wirklich gelöscht werden? Das lässt sich nur über den Verlauf nachvollziehen, nicht rückgängig machen." }
        form method="post" action={ (path::<R>(id)) "/loeschen" } {
            (form::hidden(&staff.csrf, Some(R::version(&model)), None))
            button.gefahr type="submit" { "Endgültig löschen" }
            " "
            a href=(path::<R>(id)) { "Abbrechen" }
        }
    };
    respond(
        StatusCode::OK,
        layout(Some(&staff), &format!("/admin/{}", R::SLUG), &title, body),
    )
}

async fn delete<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    if let Err(error) = staff.check_csrf(submitted.get(form::CSRF)) {
        return error_page(Some(&staff), &error);
    }
    let Some(version) = submitted.version() else {
        return error_page(
            Some(&staff),
            &AppError::bad_field("_version", "the form lacks the version"),
        );
    };
    match R::delete(&state, &staff.actor, id, version).await {
        Ok(()) => Redirect::to(&format!("/admin/{}?meldung=geloescht", R::SLUG)).into_response(),
        Err(error @ AppError::Conflict { .. }) => {
            let stale = matches!(
                error,
                AppError::Conflict {
                    current_version: Some(_),
                    ..
                }
            );
            let title = format!("{} nicht gelöscht", R::ONE);
            let body = html! {
                h1 { (title) }
                div.fehlerliste role="alert" {
                    @if stale {
                        p { "Der Eintrag wurde inzwischen geändert. Prüfen Sie den neuen Stand, bevor Sie ihn löschen." }
                    } @else {
                        p { "Der Eintrag wird noch von anderen Einträgen verwendet und kann deshalb nicht gelöscht werden. Entfernen Sie zuerst diese Verweise." }
                        @if let AppError::Conflict { message, .. } = &error {
                            p { "Begründung: " span lang="en" { (message) } }
                        }
                    }
                }
                p { a href=(path::<R>(id)) { "Zurück zum Eintrag" } }
            };
            respond(
                StatusCode::CONFLICT,
                layout(Some(&staff), &format!("/admin/{}", R::SLUG), &title, body),
            )
        }
        Err(error) => error_page(Some(&staff), &error),
    }
}

/// A record's newest audit entries (at most a page), newest first.
async fn entries<R: Resource>(
    state: &AppState,
    staff: &Staff,
    id: i32,
) -> AppResult<Vec<audit_entry::Model>> {
    let filter = AuditFilter {
        entity_id: Some(ids::encode(R::RECORD, id)),
        ..Default::default()
    };
    let page = audit::list(
        &state.db,
        Viewer::Staff(staff.actor.role),
        &filter,
        &PageArgs {
            first: Some(crate::store::page::MAX_PAGE_SIZE),
            ..Default::default()
        },
        false,
    )
    .await?;
    Ok(page.items.into_iter().map(|(_, entry)| entry).collect())
}

/// The label of a stored field (`starts_at`) among the form's fields (`startsAt`).
fn stored_label<'f>(fields: &'f [Field], stored: &'f str) -> &'f str {
    let camel = camel_case(stored);
    fields
        .iter()
        .find(|f| f.name == camel || format!("{}Id", f.name) == camel)
        .map_or(stored, |f| f.label)
}

/// `starts_at` → `startsAt`.
pub fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn json_text(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(text) => text.clone(),
        Json::Array(items) => items.iter().map(json_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

async fn history<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i32>,
) -> Response {
    let result = async {
        let (model, values) = current::<R>(&state, id).await?;
        let fields = R::fields(&state, Some(&model), &values).await?;
        let entries = entries::<R>(&state, &staff, id).await?;
        Ok::<_, AppError>((model, fields, entries))
    }
    .await;
    let (model, fields, entries) = match result {
        Ok(found) => found,
        Err(error) => return error_page(Some(&staff), &error),
    };
    let title = format!("Verlauf: {}", R::title(&model));
    let body = html! {
        p.pfad { a href=(path::<R>(id)) { (R::title(&model)) } }
        h1 { (title) }
        @if entries.is_empty() {
            p { "Für diesen Eintrag ist keine Änderung verzeichnet." }
        }
        ol.verlauf {
            @for (index, entry) in entries.iter().enumerate() {
                li {
                    h2 {
                        (entry.action.label()) " am "
                        time datetime=(entry.at.to_rfc3339()) { (entry.at.with_timezone(&chrono_tz::Europe::Berlin).format("%d.%m.%Y um %H:%M:%S")) }
                        " von " (entry.actor_email)
                    }
                    @if let Some(changes) = entry.changes.as_object().filter(|c| !c.is_empty()) {
                        table.vergleich {
                            caption.unsichtbar { "Geänderte Felder" }
                            thead { tr { th scope="col" { "Feld" } th scope="col" { "Vorher" } th scope="col" { "Nachher" } } }
                            tbody {
                                @for (name, change) in changes {
                                    tr {
                                        th scope="row" { (stored_label(&fields, name)) }
                                        td { del { (json_text(&change["before"])) } }
                                        td { ins { (json_text(&change["after"])) } }
                                    }
                                }
                            }
                        }
                    }
                    @if index > 0 && matches!(entry.action, entity::enums::AuditAction::Create | entity::enums::AuditAction::Update | entity::enums::AuditAction::Publish | entity::enums::AuditAction::Unpublish) {
                        p { a href={ (path::<R>(id)) "/verlauf/" (entry.id) } { "Diesen Stand wiederherstellen" } }
                    }
                }
            }
        }
    };
    respond(
        StatusCode::OK,
        layout(Some(&staff), &format!("/admin/{}", R::SLUG), &title, body),
    )
}

/// The record as it was right after an audit entry: today's stored form with every later change
/// undone. Masked personal values cannot be brought back; those fields keep today's value.
fn as_of(current: &Json, entries: &[audit_entry::Model], entry_id: i32) -> Option<Json> {
    let mut state = current.as_object()?.clone();
    for entry in entries.iter().filter(|e| e.id > entry_id) {
        if let Some(changes) = entry.changes.as_object() {
            for (name, change) in changes {
                let before = &change["before"];
                if before != &Json::String("***".to_owned()) {
                    state.insert(name.clone(), before.clone());
                }
            }
        }
    }
    Some(Json::Object(state))
}

async fn restore_form<R: Resource>(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, entry_id)): Path<(i32, i32)>,
) -> Response {
    let result = async {
        let model = R::get(&state, id).await?;
        let stored = serde_json::to_value(&model)
            .map_err(|e| AppError::Internal(format!("record as JSON: {e}")))?;
        let current_values = R::values(&state, &model, &stored).await?;
        let entries = entries::<R>(&state, &staff, id).await?;
        let entry = entries
            .iter()
            .find(|e| e.id == entry_id)
            .ok_or(AppError::NotFound("history entry"))?;
        let then = as_of(&stored, &entries, entry_id).ok_or(AppError::NotFound("history entry"))?;
        let values = R::values(&state, &model, &then).await?;
        let fields = R::fields(&state, Some(&model), &values).await?;
        Ok::<_, AppError>((model, current_values, values, fields, entry.at))
    }
    .await;
    let (model, current_values, values, fields, at) = match result {
        Ok(found) => found,
        Err(error) => return error_page(Some(&staff), &error),
    };
    let intro = html! {
        p { "Das Formular enthält den Stand vom "
            (at.with_timezone(&chrono_tz::Europe::Berlin).format("%d.%m.%Y um %H:%M:%S"))
            ". Prüfen Sie die Werte; erst „Speichern“ stellt diesen Stand wieder her, als neue Änderung im Verlauf." }
    };
    respond(
        StatusCode::OK,
        form_page::<R>(
            &staff,
            &format!("Stand wiederherstellen: {}", R::title(&model)),
            &format!("{}/bearbeiten", path::<R>(id)),
            &fields,
            &values,
            &Errors::default(),
            Some(R::version(&model)),
            Some(&current_values),
            Some(intro),
        ),
    )
}
