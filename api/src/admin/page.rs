//! The frame of every page: German, landmarks, skip link, navigation, the account and sign-out,
//! messages; the error pages; and the security headers of the interface.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::session::Staff;
use crate::error::AppError;

/// Scripts and styles from this server only; no inline script, no frames, forms to this site only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// The sections of the navigation: path and label.
const SECTIONS: &[(&str, &str)] = &[
    ("/admin/veranstaltungen", "Veranstaltungen"),
    ("/admin/programmpunkte", "Programmpunkte"),
    ("/admin/personen", "Personen"),
    ("/admin/organisationen", "Organisationen"),
    ("/admin/orte", "Orte"),
    ("/admin/modellvorhaben", "Modellvorhaben"),
    ("/admin/aufrufe", "Projektaufrufe"),
    ("/admin/beirat", "Beirat"),
    ("/admin/dokumente", "Dokumente"),
];

/// A page for a signed-in staff member (or the sign-in page, without one).
pub fn layout(staff: Option<&Staff>, current: &str, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="de" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – kleinstadt Redaktion" }
                link rel="stylesheet" href=(super::assets::STYLESHEET.as_str());
            }
            body {
                a.skip href="#inhalt" { "Zum Inhalt springen" }
                header.kopf {
                    p.marke { a href="/admin" { "kleinstadt" } " · Redaktion" }
                    @if let Some(staff) = staff {
                        nav aria-label="Hauptnavigation" {
                            ul {
                                li { a href="/admin" aria-current=[(current == "/admin").then_some("page")] { "Start" } }
                                @for (path, label) in SECTIONS {
                                    li { a href=(path) aria-current=[(current.starts_with(path)).then_some("page")] { (label) } }
                                }
                                @if staff.actor.is_admin() {
                                    li { a href="/admin/konten" aria-current=[(current.starts_with("/admin/konten")).then_some("page")] { "Konten" } }
                                }
                            }
                        }
                        div.konto {
                            p { "Angemeldet als " strong { (staff.name) } " (" (role_label(staff)) ")" }
                            a href="/admin/passwort" { "Passwort ändern" }
                            form method="post" action="/admin/abmelden" {
                                input type="hidden" name="_csrf" value=(staff.csrf);
                                button type="submit" { "Abmelden" }
                            }
                        }
                    }
                }
                main #inhalt tabindex="-1" {
                    (body)
                }
            }
        }
    }
}

fn role_label(staff: &Staff) -> &'static str {
    if staff.actor.is_admin() {
        "Administration"
    } else {
        "Redaktion"
    }
}

/// A page as a response.
pub fn respond(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// The page an error gets: what happened, in German, never internals.
pub fn error_page(staff: Option<&Staff>, error: &AppError) -> Response {
    let (status, title, text) = match error {
        AppError::NotFound(_) => (
            StatusCode::NOT_FOUND,
            "Nicht gefunden",
            "Diesen Eintrag gibt es nicht (mehr).".to_owned(),
        ),
        AppError::Forbidden(_) => (
            StatusCode::FORBIDDEN,
            "Keine Berechtigung",
            "Diese Seite oder Aktion ist Ihrer Rolle nicht erlaubt, oder das Formular war veraltet. Laden Sie die Seite neu und versuchen Sie es noch einmal.".to_owned(),
        ),
        AppError::Unauthenticated(_) => (
            StatusCode::UNAUTHORIZED,
            "Nicht angemeldet",
            "Bitte melden Sie sich an.".to_owned(),
        ),
        AppError::RateLimited { retry_after } => (
            StatusCode::TOO_MANY_REQUESTS,
            "Zu viele Versuche",
            format!("Bitte warten Sie {retry_after} Sekunden und versuchen Sie es dann erneut."),
        ),
        AppError::BadUserInput { .. } | AppError::Conflict { .. } => (
            error.code().status(),
            "Nicht möglich",
            "Die Aktion wurde abgelehnt; es wurde nichts geändert.".to_owned(),
        ),
        AppError::Unavailable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Gerade nicht erreichbar",
            "Der Dienst ist ausgelastet oder seine Datenbank nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.".to_owned(),
        ),
        AppError::Database(_) | AppError::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Fehler",
            "Bei uns ist ein Fehler aufgetreten; es wurde nichts geändert.".to_owned(),
        ),
    };
    let detail = match error {
        AppError::BadUserInput { message, .. } | AppError::Conflict { message, .. } => {
            Some(message.clone())
        }
        _ => None,
    };
    let body = html! {
        h1 { (title) }
        p { (text) }
        @if let Some(detail) = detail {
            p { "Begründung: " span lang="en" { (detail) } }
        }
        p { a href="/admin" { "Zur Startseite" } }
    };
    respond(status, layout(staff, "", title, body))
}

/// Security headers on every answer of the interface; pages are never stored by caches.
pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}
