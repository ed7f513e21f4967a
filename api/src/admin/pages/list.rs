//! The list of a record type: search, filters and paging.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

use crate::admin::form::{self, Errors, Field, Values};
use crate::admin::page::{error_page, layout, respond};
use crate::admin::records::{ListQuery, Resource, notice_line};
use crate::admin::session::Staff;
use crate::error::AppError;
use crate::state::AppState;

pub async fn list<R: Resource>(
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
