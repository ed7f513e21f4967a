//! Sessions of the staff interface: a random token in an `HttpOnly` cookie, its hash and a CSRF
//! token on the server, idle and absolute expiry, and sign-out that deletes the session.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use entity::staff_user;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::service::staff_session;
use crate::state::AppState;

/// The session cookie's name over HTTPS: the `__Host-` prefix binds it to this host and path `/`.
const SECURE_COOKIE: &str = "__Host-kleinstadt-sitzung";
/// The session cookie's name over plain HTTP (local use).
const PLAIN_COOKIE: &str = "kleinstadt-sitzung";

/// The name of the session cookie under the configured transport.
pub fn cookie_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies() {
        SECURE_COOKIE
    } else {
        PLAIN_COOKIE
    }
}

pub use crate::auth::random_token;

fn digest(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// Whether two secrets are equal, in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Starts a session for an active account; returns the cookie that carries it.
pub async fn begin(state: &AppState, user: &staff_user::Model) -> AppResult<Cookie<'static>> {
    if !user.active {
        return Err(AppError::Unauthenticated(
            "the account is disabled".to_owned(),
        ));
    }
    let token = random_token();
    let lifetime = Duration::hours(state.config.session_max_hours.clamp(1, 24 * 7) as i64);
    staff_session::open(&state.db, user.id, digest(&token), random_token(), lifetime).await?;
    Ok(session_cookie(state, token, lifetime))
}

fn session_cookie(state: &AppState, token: String, lifetime: Duration) -> Cookie<'static> {
    let mut cookie = Cookie::new(cookie_name(state), token);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_secure(state.config.secure_cookies());
    cookie.set_path("/");
    cookie.set_max_age(time::Duration::seconds(lifetime.num_seconds()));
    cookie
}

/// The cookie that removes the session cookie from the browser.
pub fn removal(state: &AppState) -> Cookie<'static> {
    let mut cookie = session_cookie(state, String::new(), Duration::zero());
    cookie.make_removal();
    cookie
}

/// A signed-in staff member, as a handler sees them.
#[derive(Clone, Debug)]
pub struct Staff {
    pub actor: Actor,
    /// The display name of the account.
    pub name: String,
    /// The token every form of this session must carry.
    pub csrf: String,
    session_id: i32,
}

impl Staff {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, submitted: Option<&str>) -> AppResult<()> {
        match submitted {
            Some(token) if same_secret(token, &self.csrf) => Ok(()),
            _ => Err(AppError::Forbidden(
                "the form is outdated or was not sent from this site".to_owned(),
            )),
        }
    }

    /// Refuses anyone but an administrator.
    pub fn require_admin(&self) -> AppResult<()> {
        if self.actor.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "only administrators may do this".to_owned(),
            ))
        }
    }

    /// The id of this session.
    pub fn session_id(&self) -> i32 {
        self.session_id
    }

    /// Ends this session on the server.
    pub async fn end(&self, state: &AppState) -> AppResult<()> {
        staff_session::close(&state.db, self.session_id).await
    }
}

/// Where a request without a valid session goes: the sign-in page, which returns to `path`.
fn to_sign_in(state: &AppState, path: &str) -> Response {
    let target = if path.starts_with("/admin") && !path.starts_with("/admin/anmelden") {
        format!(
            "/admin/anmelden?weiter={}",
            url::form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>()
        )
    } else {
        "/admin/anmelden".to_owned()
    };
    (CookieJar::new().add(removal(state)), Redirect::to(&target)).into_response()
}

/// The session a cookie names, if it is live and its account active.
async fn live(state: &AppState, token: &str) -> AppResult<Option<Staff>> {
    let idle = Duration::minutes(state.config.session_idle_minutes.clamp(1, 24 * 60) as i64);
    Ok(staff_session::live(&state.db, &digest(token), idle)
        .await?
        .map(|(session, user)| Staff {
            actor: Actor {
                id: user.id,
                email: user.email,
                role: user.role,
            },
            name: user.name,
            csrf: session.csrf_token,
            session_id: session.id,
        }))
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let path = parts.extensions.get::<OriginalUri>().map_or_else(
            || parts.uri.path().to_owned(),
            |uri| uri.0.path().to_owned(),
        );
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(cookie_name(state)).map(|c| c.value().to_owned()) else {
            return Err(to_sign_in(state, &path));
        };
        match live(state, &token).await {
            Ok(Some(staff)) => Ok(staff),
            Ok(None) => Err(to_sign_in(state, &path)),
            Err(error) => Err(super::page::error_page(None, &error)),
        }
    }
}

/// A staff member if the request carries a live session, without redirecting.
pub async fn optional(state: &AppState, headers: &axum::http::HeaderMap) -> Option<Staff> {
    let jar = CookieJar::from_headers(headers);
    let token = jar.get(cookie_name(state))?.value().to_owned();
    live(state, &token).await.ok().flatten()
}
