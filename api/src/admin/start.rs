//! The start page: what changed recently, and the drafts waiting to be published.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

use super::labels::Label;
use super::page::{error_page, layout, respond};
use super::session::Staff;
use crate::error::AppError;
use crate::service::audit::{self, AuditFilter};
use crate::service::event;
use crate::state::AppState;
use crate::store::page::PageArgs;
use crate::viewer::Viewer;

/// The page of a record named in the audit log, when the interface has one.
pub fn record_path(record_type: &str, id: i32) -> Option<String> {
    let slug = match record_type {
        "Event" => "veranstaltungen",
        "Session" => "programmpunkte",
        "Contribution" => "beitraege",
        "Person" => "personen",
        "Organisation" => "organisationen",
        "Town" => "orte",
        "ModelProject" => "modellvorhaben",
        "ProjectCall" => "aufrufe",
        "BoardMembership" => "beirat",
        "Document" => "dokumente",
        _ => return None,
    };
    Some(format!("/admin/{slug}/{id}"))
}

/// `GET /admin`.
pub async fn page(State(state): State<AppState>, staff: Staff) -> Response {
    let result = async {
        let recent = audit::list(
            &state.db,
            Viewer::Staff(staff.actor.role),
            &AuditFilter::default(),
            &PageArgs {
                first: Some(15),
                ..Default::default()
            },
            false,
        )
        .await?;
        let drafts = event::drafts(&state.db, 50).await?;
        Ok::<_, AppError>((recent, drafts))
    }
    .await;
    let (recent, drafts) = match result {
        Ok(found) => found,
        Err(error) => return error_page(Some(&staff), &error),
    };
    let berlin = chrono_tz::Europe::Berlin;
    let body = html! {
        h1 { "Redaktion" }
        p { "Guten Tag, " (staff.name) "." }
        section aria-labelledby="entwuerfe" {
            h2 #entwuerfe { "Entwürfe, die auf Veröffentlichung warten" }
            @if drafts.is_empty() {
                p { "Keine Entwürfe." }
            } @else {
                ul {
                    @for draft in &drafts {
                        li {
                            a href={ "/admin/veranstaltungen/" (draft.id) } { (draft.title) }
                            " – " (draft.starts_at.with_timezone(&berlin).format("%d.%m.%Y"))
                        }
                    }
                }
            }
        }
        section aria-labelledby="zuletzt" {
            h2 #zuletzt { "Zuletzt geändert" }
            @if recent.items.is_empty() {
                p { "Noch keine Änderungen." }
            } @else {
                table {
                    caption.unsichtbar { "Die letzten Änderungen" }
                    thead { tr { th scope="col" { "Wann" } th scope="col" { "Was" } th scope="col" { "Eintrag" } th scope="col" { "Wer" } } }
                    tbody {
                        @for (_, entry) in &recent.items {
                            tr {
                                td { (entry.at.with_timezone(&berlin).format("%d.%m.%Y %H:%M")) }
                                td { (entry.action.label()) }
                                td {
                                    @match record_path(&entry.entity_type, entry.entity_id) {
                                        Some(path) => a href=(path) { (entry.entity_type) " " (entry.entity_id) },
                                        None => { (entry.entity_type) " " (entry.entity_id) },
                                    }
                                }
                                td { (entry.actor_email) }
                            }
                        }
                    }
                }
            }
        }
    };
    respond(
        StatusCode::OK,
        layout(Some(&staff), "/admin", "Start", body),
    )
}
