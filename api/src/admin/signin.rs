//! Signing in with a local account and signing out. The sign-in form is protected against
//! cross-site submission by a token in a strict cookie and in the form; the API's login limits
//! apply.

use std::net::SocketAddr;

use axum::Extension;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use maud::{Markup, html};

use super::form::{self, Errors, Field, Input, Submitted, Values};
use super::page::{error_page, layout, respond};
use super::session::{self, Staff};
use crate::error::AppError;
use crate::service::account;
use crate::state::AppState;

/// The cookie that pairs the sign-in form with the browser that loaded it.
const FORM_COOKIE: &str = "kleinstadt-anmeldung";

/// Parameters of the sign-in page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct SignInQuery {
    /// Where to go after signing in (a path under `/admin`).
    #[serde(default)]
    pub weiter: Option<String>,
    /// Set after signing out.
    #[serde(default)]
    pub abgemeldet: Option<String>,
    /// A code for a failed sign-in at the identity provider.
    #[serde(default)]
    pub fehler: Option<String>,
}

/// A path under `/admin` to continue to, never an address elsewhere.
pub fn continue_to(weiter: Option<&str>) -> String {
    match weiter {
        Some(path)
            if path.starts_with("/admin")
                && !path.starts_with("/admin/anmelden")
                && !path.contains("//")
                && !path.contains('\\') =>
        {
            path.to_owned()
        }
        _ => "/admin".to_owned(),
    }
}

fn fields() -> Vec<Field> {
    vec![
        Field::new("email", "E-Mail-Adresse", Input::Email).required(),
        Field::new("password", "Passwort", Input::Text).required(),
    ]
}

fn page(
    state: &AppState,
    token: &str,
    weiter: &str,
    email: &str,
    errors: &Errors,
    message: Option<&str>,
) -> Markup {
    let fields = fields();
    let values: Values = [("email".to_owned(), email.to_owned())]
        .into_iter()
        .collect();
    let body = html! {
        h1 { "Anmelden" }
        @if let Some(message) = message {
            p.meldung role="status" { (message) }
        }
        (form::summary(errors, &fields))
        @if state.oidc.is_some() {
            p { a.knopf href={ "/admin/anmelden/oidc?weiter=" (url::form_urlencoded::byte_serialize(weiter.as_bytes()).collect::<String>()) } { "Mit dem Konto des Instituts anmelden" } }
            h2 { "Oder mit einem lokalen Konto" }
        }
        form method="post" action="/admin/anmelden" novalidate {
            input type="hidden" name="_csrf" value=(token);
            input type="hidden" name="weiter" value=(weiter);
            (form::field(&fields[0], &values, errors))
            div.feld.fehlerhaft[errors.0.iter().any(|(f, _)| f.as_deref() == Some("password"))] {
                label for=(form::control_id("password")) { "Passwort " span.pflicht { "(Pflichtfeld)" } }
                input type="password" id=(form::control_id("password")) name="password" autocomplete="current-password" required;
            }
            button type="submit" { "Anmelden" }
        }
    };
    layout(None, "/admin/anmelden", "Anmelden", body)
}

fn form_cookie(state: &AppState, token: String) -> Cookie<'static> {
    let mut cookie = Cookie::new(FORM_COOKIE, token);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Strict);
    cookie.set_secure(state.config.secure_cookies());
    cookie.set_path("/admin/anmelden");
    cookie.set_max_age(time::Duration::hours(1));
    cookie
}

/// `GET /admin/anmelden`.
pub async fn form_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SignInQuery>,
) -> Response {
    let weiter = continue_to(query.weiter.as_deref());
    if session::optional(&state, &headers).await.is_some() {
        return Redirect::to(&weiter).into_response();
    }
    let message = if query.abgemeldet.is_some() {
        Some("Sie sind abgemeldet.")
    } else {
        match query.fehler.as_deref() {
            Some("keine-rolle") => {
                Some("Ihr Konto beim Institut hat keine Rolle in der Redaktion.")
            }
            Some(_) => Some(
                "Die Anmeldung beim Institut ist fehlgeschlagen. Bitte versuchen Sie es erneut.",
            ),
            None => None,
        }
    };
    let token = session::random_token();
    let markup = page(&state, &token, &weiter, "", &Errors::default(), message);
    (
        CookieJar::new().add(form_cookie(&state, token)),
        respond(StatusCode::OK, markup),
    )
        .into_response()
}

/// `POST /admin/anmelden`.
pub async fn sign_in(
    State(state): State<AppState>,
    jar: CookieJar,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    let weiter = continue_to(submitted.get("weiter"));
    let paired = match (jar.get(FORM_COOKIE), submitted.get(form::CSRF)) {
        (Some(cookie), Some(token)) => session::same_secret(cookie.value(), token),
        _ => false,
    };
    let email = submitted.get("email").unwrap_or_default().trim().to_owned();
    let password = submitted.get("password").unwrap_or_default();
    let token = session::random_token();
    let again = |errors: Errors, status: StatusCode| {
        (
            CookieJar::new().add(form_cookie(&state, token.clone())),
            respond(status, page(&state, &token, &weiter, &email, &errors, None)),
        )
            .into_response()
    };
    if !paired {
        let mut errors = Errors::default();
        errors.0.push((
            None,
            html! { "Das Formular war veraltet. Bitte melden Sie sich erneut an." },
        ));
        return again(errors, StatusCode::FORBIDDEN);
    }
    let mut errors = Errors::default();
    if email.is_empty() {
        errors.add("email", "Bitte geben Sie Ihre E-Mail-Adresse an.");
    }
    if password.is_empty() {
        errors.add("password", "Bitte geben Sie Ihr Passwort an.");
    }
    if !errors.is_empty() {
        return again(errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let address = crate::http::client_address(connect.as_ref().map(|Extension(info)| info));
    let signed_in =
        account::authenticate(&state.db, &state.login_limiter, &email, password, address).await;
    match signed_in {
        Ok(user) => match session::begin(&state, &user).await {
            Ok(cookie) => (
                CookieJar::new()
                    .add(cookie)
                    .remove(Cookie::build(FORM_COOKIE).path("/admin/anmelden")),
                Redirect::to(&weiter),
            )
                .into_response(),
            Err(error) => error_page(None, &error),
        },
        Err(AppError::Unauthenticated(_)) => {
            let mut errors = Errors::default();
            errors.0.push((
                None,
                html! { "E-Mail-Adresse oder Passwort sind nicht richtig, oder das Konto ist gesperrt." },
            ));
            again(errors, StatusCode::UNAUTHORIZED)
        }
        Err(AppError::RateLimited { retry_after }) => {
            let mut errors = Errors::default();
            errors.0.push((
                None,
                html! { "Zu viele Anmeldeversuche. Bitte warten Sie " (retry_after) " Sekunden." },
            ));
            let mut response = again(errors, StatusCode::TOO_MANY_REQUESTS);
            if let Ok(value) = retry_after.to_string().parse() {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, value);
            }
            response
        }
        Err(error) => error_page(None, &error),
    }
}

/// `POST /admin/abmelden`: ends the session on the server and in the browser.
pub async fn sign_out(
    State(state): State<AppState>,
    staff: Staff,
    axum::Form(submitted): axum::Form<Submitted>,
) -> Response {
    if let Err(error) = staff.check_csrf(submitted.get(form::CSRF)) {
        return error_page(Some(&staff), &error);
    }
    if let Err(error) = staff.end(&state).await {
        return error_page(Some(&staff), &error);
    }
    (
        CookieJar::new().add(session::removal(&state)),
        Redirect::to("/admin/anmelden?abgemeldet=1"),
    )
        .into_response()
}
