//! The staff interface under `/admin`: German pages rendered on the server, usable without
//! JavaScript, over the same service layer as GraphQL and REST. Sessions live on the server;
//! every form carries a CSRF token; pages allow scripts and styles from this server only.

mod accounts;
mod assets;
mod form;
mod labels;
mod page;
mod pages;
mod password;
mod provider;
mod records;
pub mod session;
mod signin;
mod start;

use axum::Router;
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

use crate::error::AppError;
use crate::state::AppState;

/// The routes of the interface, with its security headers and the same-origin check.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/admin", get(start::page))
        .route(
            "/admin/anmelden",
            get(signin::form_page).post(signin::sign_in),
        )
        .route("/admin/anmelden/oidc", get(provider::start))
        .route("/admin/anmelden/oidc/rueckkehr", get(provider::finish))
        .route("/admin/abmelden", post(signin::sign_out))
        .route(
            "/admin/passwort",
            get(password::form_page).post(password::change),
        )
        .route("/admin/assets/{name}", get(assets::serve))
        .merge(records::all())
        .merge(accounts::routes())
        .layer(middleware::from_fn_with_state(state.clone(), same_origin))
        .layer(middleware::from_fn(page::headers))
}

/// Refuses a form sent from another site: browsers name the sending site in `Sec-Fetch-Site`
/// and `Origin`, which must be this request's host or the public address (`PUBLIC_BASE_URL`,
/// behind a proxy that changes the host). The CSRF token stays the main protection; this is the
/// second lock.
async fn same_origin(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let public_host = url::Url::parse(&state.config.public_base_url)
        .ok()
        .and_then(|url| {
            url.host_str().map(|host| match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_owned(),
            })
        });
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let headers = request.headers();
        let cross_site = headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|site| site == "cross-site");
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let foreign_origin = headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .filter(|origin| *origin != "null")
            .is_some_and(|origin| {
                let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
                Some(origin_host) != host && Some(origin_host) != public_host.as_deref()
            });
        if cross_site || foreign_origin {
            return page::error_page(
                None,
                &AppError::Forbidden("forms are accepted from this site only".to_owned()),
            );
        }
    }
    next.run(request).await
}
