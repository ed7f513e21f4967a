//! Staff sign-in through the OpenID Connect provider: the authorization code flow with PKCE (S256),
//! state and nonce, built on the `openidconnect` crate.
//!
//! [`OidcClient::begin`] makes the authorization URL and a [`PendingLogin`] that the caller keeps
//! (in a private cookie) until the provider redirects back; [`OidcClient::finish`] checks the
//! returned state, exchanges the code with the PKCE verifier and the client secret, verifies the ID
//! token (signature with the provider's keys, issuer, audience, nonce, expiry, algorithm) and says
//! who signed in. The discovery document (with the provider's keys) is fetched on first use and
//! kept; an ID token signed with a key it does not have makes one fresh discovery, at most one per
//! [`UNKNOWN_KID_REFRESH`]. Roles, e-mail address and name come from the ID token, and from the
//! userinfo endpoint when the ID token lacks them.

use std::sync::{Arc, RwLock};
use std::time::Instant;

use chrono::{DateTime, Utc};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AccessToken, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde_json::Value;

use super::StaffRole;
use super::jwks::{UNKNOWN_KID_REFRESH, provider_claims, roles_from};
use crate::config::OidcSettings;
use crate::error::{AppError, AppResult};

/// How long a started sign-in may take until the provider redirects back.
pub const PENDING_LOGIN_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// Seconds of clock difference tolerated in `exp` and `iat`.
const LEEWAY_SECONDS: i64 = 30;

/// The answer to a sign-in that fails on the caller's side (state, code, token, nonce, expiry).
const SIGN_IN_FAILED: &str = "the sign-in could not be completed; please start again";

/// A sign-in started at the provider, kept by the caller (in a private cookie) until the provider redirects back.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct PendingLogin {
    state: String,
    nonce: String,
    pkce_verifier: String,
    created_at: DateTime<Utc>,
}

impl std::fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingLogin")
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

impl PendingLogin {
    /// When the sign-in was started.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
}

/// Who the provider says signed in.
#[derive(Clone, Debug)]
pub struct Identity {
    /// The person's id at the provider (`sub`).
    pub subject: String,
    /// The e-mail address: the staff account it signs in to.
    pub email: String,
    /// The display name (may be empty).
    pub name: String,
    /// The staff role the provider's roles give; `None` without a kleinstadt role.
    pub role: Option<StaffRole>,
}

/// The sign-in flow with the configured provider; cheap to clone.
#[derive(Clone)]
pub struct OidcClient(Arc<Inner>);

impl std::fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcClient")
            .field("issuer", &self.0.settings.issuer)
            .finish_non_exhaustive()
    }
}

struct Inner {
    settings: OidcSettings,
    http: reqwest::Client,
    metadata: RwLock<Option<Arc<CoreProviderMetadata>>>,
    /// Held while discovering, so that concurrent sign-ins wait for one discovery.
    discovering: tokio::sync::Mutex<Discovering>,
}

#[derive(Default)]
struct Discovering {
    last_refresh: Option<Instant>,
}

fn failed() -> AppError {
    AppError::Unauthenticated(SIGN_IN_FAILED.to_owned())
}

fn unavailable(what: &str, error: impl std::fmt::Display) -> AppError {
    tracing::warn!(%error, "OpenID Connect provider: {what}");
    AppError::Unavailable(format!("OpenID Connect provider: {what}: {error}"))
}

/// Whether two strings are equal, in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |difference, (x, y)| difference | (x ^ y))
            == 0
}

fn signing_algorithm(alg: jsonwebtoken::Algorithm) -> Option<CoreJwsSigningAlgorithm> {
    match alg {
        jsonwebtoken::Algorithm::RS256 => Some(CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256),
        jsonwebtoken::Algorithm::PS256 => Some(CoreJwsSigningAlgorithm::RsaSsaPssSha256),
        jsonwebtoken::Algorithm::ES256 => Some(CoreJwsSigningAlgorithm::EcdsaP256Sha256),
        jsonwebtoken::Algorithm::ES384 => Some(CoreJwsSigningAlgorithm::EcdsaP384Sha384),
        _ => None,
    }
}

/// The claims of a compact JWS, read without verifying it: only for an ID token already verified.
fn payload_of(jwt: &str) -> Option<Value> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The value at a dotted claim path.
fn claim_at<'a>(claims: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(claims, |value, step| value.get(step))
}

impl OidcClient {
    /// A client of the configured provider; nothing is fetched before the first sign-in.
    pub fn new(settings: OidcSettings, http: reqwest::Client) -> Self {
        Self(Arc::new(Inner {
            settings,
            http,
            metadata: RwLock::new(None),
            discovering: tokio::sync::Mutex::new(Discovering::default()),
        }))
    }

    /// The settings this client was made for.
    pub fn settings(&self) -> &OidcSettings {
        &self.0.settings
    }

    /// Starts a sign-in: the provider's authorization URL (scopes `openid email profile roles`) to
    /// send the browser to, and what to keep until it comes back to `redirect_uri`.
    pub async fn begin(&self, redirect_uri: &str) -> AppResult<(String, PendingLogin)> {
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| AppError::Internal(format!("invalid redirect URI {redirect_uri}: {e}")))?;
        let metadata = self.metadata(false).await?;
        let client = CoreClient::from_provider_metadata(
            (*metadata).clone(),
            ClientId::new(self.0.settings.client_id.clone()),
            Some(ClientSecret::new(self.0.settings.client_secret.0.clone())),
        )
        .set_redirect_uri(redirect);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".to_owned()))
            .add_scope(Scope::new("profile".to_owned()))
            .add_scope(Scope::new("roles".to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        Ok((
            url.to_string(),
            PendingLogin {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
                created_at: Utc::now(),
            },
        ))
    }

    /// Completes a sign-in when the provider redirected back with `code` and `returned_state`.
    pub async fn finish(
        &self,
        redirect_uri: &str,
        pending: PendingLogin,
        code: &str,
        returned_state: &str,
    ) -> AppResult<Identity> {
        let age = Utc::now() - pending.created_at;
        if age > PENDING_LOGIN_LIFETIME || age < -chrono::Duration::minutes(1) {
            tracing::debug!(?age, "sign-in refused: too old");
            return Err(AppError::Unauthenticated(
                "the sign-in took too long; please start again".to_owned(),
            ));
        }
        if !same(&pending.state, returned_state) {
            tracing::debug!("sign-in refused: state does not match");
            return Err(failed());
        }
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| AppError::Internal(format!("invalid redirect URI {redirect_uri}: {e}")))?;
        let metadata = self.metadata(false).await?;
        let client = CoreClient::from_provider_metadata(
            (*metadata).clone(),
            ClientId::new(self.0.settings.client_id.clone()),
            Some(ClientSecret::new(self.0.settings.client_secret.0.clone())),
        )
        .set_redirect_uri(redirect.clone());
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| unavailable("no token endpoint", e))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.0.http)
            .await
            .map_err(|error| match error {
                openidconnect::RequestTokenError::ServerResponse(answer) => {
                    tracing::debug!(error = %answer.error(), "sign-in refused by the token endpoint");
                    failed()
                }
                openidconnect::RequestTokenError::Request(e) => {
                    unavailable("token request failed", e)
                }
                other => unavailable("unreadable token response", other),
            })?;
        let Some(id_token) = response.id_token() else {
            tracing::debug!("sign-in refused: no ID token");
            return Err(failed());
        };
        let nonce = Nonce::new(pending.nonce.clone());
        let allowed: Vec<CoreJwsSigningAlgorithm> = self
            .0
            .settings
            .algorithms
            .iter()
            .filter_map(|alg| signing_algorithm(*alg))
            .collect();
        let verified = {
            let verifier = id_token_verifier(client.id_token_verifier(), allowed.clone());
            id_token
                .claims(&verifier, &nonce)
                .map(|c| c.subject().to_string())
        };
        let subject = match verified {
            Ok(subject) => subject,
            Err(error @ openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
                // The provider may have rotated its keys since the discovery was kept.
                tracing::debug!(%error, "ID token refused; trying with fresh provider keys");
                let fresh = self.metadata(true).await?;
                let client = CoreClient::from_provider_metadata(
                    (*fresh).clone(),
                    ClientId::new(self.0.settings.client_id.clone()),
                    Some(ClientSecret::new(self.0.settings.client_secret.0.clone())),
                )
                .set_redirect_uri(redirect);
                let verifier = id_token_verifier(client.id_token_verifier(), allowed);
                id_token
                    .claims(&verifier, &nonce)
                    .map(|c| c.subject().to_string())
                    .map_err(|error| {
                        tracing::debug!(%error, "sign-in refused: ID token");
                        failed()
                    })?
            }
            Err(error) => {
                tracing::debug!(%error, "sign-in refused: ID token");
                return Err(failed());
            }
        };
        let claims = payload_of(&id_token.to_string()).ok_or_else(failed)?;
        let mut found = provider_claims(claims)?;
        let roles_claim = &self.0.settings.roles_claim;
        if (claim_at(&found.claims, roles_claim).is_none() || found.email.is_none())
            && let Some(userinfo) = self
                .userinfo(&metadata, response.access_token(), &subject)
                .await?
        {
            let more = provider_claims(userinfo)?;
            if claim_at(&found.claims, roles_claim).is_none()
                && let Some(roles) = claim_at(&more.claims, roles_claim)
            {
                found.claims = nest(roles_claim, roles.clone());
            }
            found.email = found.email.or(more.email);
            found.name = found.name.or(more.name);
        }
        let Some(email) = found.email else {
            tracing::debug!("sign-in refused: no verified e-mail address");
            return Err(AppError::Unauthenticated(
                "the provider gave no verified e-mail address".to_owned(),
            ));
        };
        Ok(Identity {
            role: roles_from(&found.claims, &self.0.settings),
            subject,
            email,
            name: found.name.unwrap_or_default(),
        })
    }

    /// The claims of the userinfo endpoint for `subject`; `None` when the provider has none.
    async fn userinfo(
        &self,
        metadata: &CoreProviderMetadata,
        token: &AccessToken,
        subject: &str,
    ) -> AppResult<Option<Value>> {
        let Some(endpoint) = metadata.userinfo_endpoint() else {
            return Ok(None);
        };
        let claims =
            super::jwks::get_json(&self.0.http, endpoint.url().as_str(), Some(token.secret()))
                .await
                .map_err(|e| unavailable("userinfo request failed", e))?;
        if claims.get("sub").and_then(Value::as_str) != Some(subject) {
            tracing::warn!("OpenID Connect provider: userinfo names another subject");
            return Err(failed());
        }
        Ok(Some(claims))
    }

    /// The provider's discovery document with its keys: the kept one, or a fresh one when none is
    /// kept, or when `refresh` asks and none was fetched for this reason lately.
    async fn metadata(&self, refresh: bool) -> AppResult<Arc<CoreProviderMetadata>> {
        let kept = || self.0.metadata.read().ok().and_then(|m| m.clone());
        if !refresh && let Some(metadata) = kept() {
            return Ok(metadata);
        }
        let mut discovering = self.0.discovering.lock().await;
        if let Some(metadata) = kept() {
            if !refresh {
                return Ok(metadata);
            }
            if discovering
                .last_refresh
                .is_some_and(|at| at.elapsed() < UNKNOWN_KID_REFRESH)
            {
                return Err(failed());
            }
            discovering.last_refresh = Some(Instant::now());
        }
        let issuer = IssuerUrl::new(self.0.settings.issuer.clone())
            .map_err(|e| AppError::Internal(format!("OIDC_ISSUER: {e}")))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.0.http)
            .await
            .map_err(|e| unavailable("discovery failed", e))?;
        let metadata = Arc::new(metadata);
        if let Ok(mut slot) = self.0.metadata.write() {
            *slot = Some(metadata.clone());
        }
        Ok(metadata)
    }
}

/// The ID-token checks: the configured algorithms, and the same clock leeway as bearer tokens.
fn id_token_verifier(
    verifier: openidconnect::core::CoreIdTokenVerifier<'_>,
    allowed: Vec<CoreJwsSigningAlgorithm>,
) -> openidconnect::core::CoreIdTokenVerifier<'_> {
    let leeway = chrono::Duration::seconds(LEEWAY_SECONDS);
    verifier
        .set_allowed_algs(allowed)
        .set_time_fn(move || Utc::now() - leeway)
        .set_issue_time_verifier_fn(move |issued| {
            if issued > Utc::now() + leeway {
                Err(format!("issued in the future ({issued})"))
            } else {
                Ok(())
            }
        })
}

/// `value` at the dotted `path` of an otherwise empty object.
fn nest(path: &[String], value: Value) -> Value {
    path.iter().rev().fold(value, |inner, step| {
        let mut object = serde_json::Map::new();
        object.insert(step.clone(), inner);
        Value::Object(object)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn states_compare_exactly() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
        assert!(!same("", "a"));
    }

    #[test]
    fn claim_paths_nest_and_resolve() {
        let path = vec!["realm_access".to_owned(), "roles".to_owned()];
        let nested = nest(&path, json!(["a"]));
        assert_eq!(nested, json!({ "realm_access": { "roles": ["a"] } }));
        assert_eq!(claim_at(&nested, &path), Some(&json!(["a"])));
        assert_eq!(claim_at(&json!({}), &path), None);
    }
}
