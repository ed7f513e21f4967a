//! Signing in through the institute's OpenID Connect provider: the redirect there with PKCE, and
//! the return, which turns the provider's identity into a staff account and a session. The
//! pending sign-in waits in an encrypted cookie bound to this browser.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, PrivateCookieJar, SameSite};

use super::page::error_page;
use super::session;
use super::signin::continue_to;
use crate::auth::oidc::{PENDING_LOGIN_LIFETIME, PendingLogin};
use crate::error::AppError;
use crate::service::account;
use crate::state::AppState;

/// The cookie that holds the pending sign-in.
const PENDING_COOKIE: &str = "kleinstadt-oidc";
/// The path the provider sends the browser back to.
const RETURN_PATH: &str = "/admin/anmelden/oidc/rueckkehr";

/// What the pending cookie holds: the sign-in at the provider and where to go afterwards.
#[derive(serde::Serialize, serde::Deserialize)]
struct Pending {
    login: PendingLogin,
    weiter: String,
}

/// The address the provider returns to: the configured public address, else this request's host.
fn redirect_uri(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let base = state.config.public_base_url.trim_end_matches('/');
    if !base.is_empty() {
        return Some(format!("{base}{RETURN_PATH}"));
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())?;
    let scheme = if state.config.secure_cookies() {
        "https"
    } else {
        "http"
    };
    Some(format!("{scheme}://{host}{RETURN_PATH}"))
}

fn jar(state: &AppState, headers: &HeaderMap) -> PrivateCookieJar {
    PrivateCookieJar::from_headers(headers, state.tokens.cookie_key().clone())
}

/// Parameters of the way to the provider.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Start {
    #[serde(default)]
    weiter: Option<String>,
}

/// `GET /admin/anmelden/oidc`: off to the provider.
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<Start>,
) -> Response {
    let Some(client) = state.oidc.clone() else {
        return error_page(None, &AppError::NotFound("sign-in provider"));
    };
    let Some(redirect) = redirect_uri(&state, &headers) else {
        return error_page(None, &AppError::bad_input("the request names no host"));
    };
    match client.begin(&redirect).await {
        Ok((authorize, login)) => {
            let pending = Pending {
                login,
                weiter: continue_to(query.weiter.as_deref()),
            };
            let Ok(value) = serde_json::to_string(&pending) else {
                return error_page(None, &AppError::Internal("pending sign-in".to_owned()));
            };
            let mut cookie = Cookie::new(PENDING_COOKIE, value);
            cookie.set_http_only(true);
            // The provider's redirect back is a cross-site navigation: Lax lets the cookie come.
            cookie.set_same_site(SameSite::Lax);
            cookie.set_secure(state.config.secure_cookies());
            cookie.set_path("/admin/anmelden/oidc");
            cookie.set_max_age(time::Duration::seconds(
                PENDING_LOGIN_LIFETIME.num_seconds(),
            ));
            (jar(&state, &headers).add(cookie), Redirect::to(&authorize)).into_response()
        }
        Err(error) => {
            tracing::warn!(%error, "cannot start a sign-in at the provider");
            Redirect::to("/admin/anmelden?fehler=anbieter").into_response()
        }
    }
}

/// What the provider sends back.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Return {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// `GET /admin/anmelden/oidc/rueckkehr`: the provider's answer becomes a session.
pub async fn finish(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(answer): Query<Return>,
) -> Response {
    let cookies = jar(&state, &headers);
    let pending: Option<Pending> = cookies
        .get(PENDING_COOKIE)
        .and_then(|c| serde_json::from_str(c.value()).ok());
    let cookies = cookies.remove(Cookie::build(PENDING_COOKIE).path("/admin/anmelden/oidc"));
    let failed = |code: &str| {
        (
            cookies.clone(),
            Redirect::to(&format!("/admin/anmelden?fehler={code}")),
        )
            .into_response()
    };
    let (Some(client), Some(pending), Some(redirect)) =
        (state.oidc.clone(), pending, redirect_uri(&state, &headers))
    else {
        return failed("anbieter");
    };
    if answer.error.is_some() {
        return failed("anbieter");
    }
    let (Some(code), Some(returned)) = (answer.code, answer.state) else {
        return failed("anbieter");
    };
    let identity = match client
        .finish(&redirect, pending.login, &code, &returned)
        .await
    {
        Ok(identity) => identity,
        Err(error) => {
            tracing::info!(%error, "sign-in at the provider refused");
            return failed("anbieter");
        }
    };
    let user = match account::provision(&state.db, &identity).await {
        Ok(user) => user,
        Err(AppError::Forbidden(_)) => return failed("keine-rolle"),
        Err(error) => return error_page(None, &error),
    };
    match session::begin(&state, &user).await {
        Ok(cookie) => (
            cookies,
            axum_extra::extract::CookieJar::new().add(cookie),
            Redirect::to(&pending.weiter),
        )
            .into_response(),
        Err(error) => error_page(None, &error),
    }
}
