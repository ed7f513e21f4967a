//! The OpenID Connect provider's signing keys, and verification of the access tokens it issues.
//!
//! The key set is found through the issuer's discovery document on first use and kept. A token whose
//! `kid` is not in it makes one fresh fetch (the provider may have rotated its keys), but at most
//! one such fetch per [`UNKNOWN_KID_REFRESH`], so a stream of invented key ids cannot hammer the
//! provider; a set older than [`MAX_KEY_AGE`] is fetched again on the next use. The algorithm of a
//! token must be one of the configured ones and fit the key: the key's own `alg` when it names one,
//! and always its type and curve. `none`, HMAC and every other algorithm are refused.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use super::StaffRole;
use crate::config::OidcSettings;
use crate::error::{AppError, AppResult};

/// The shortest time between two fetches caused by tokens with unknown key ids.
pub const UNKNOWN_KID_REFRESH: Duration = Duration::from_secs(30);
/// How long a fetched key set is used before it is fetched again.
pub const MAX_KEY_AGE: Duration = Duration::from_secs(3600);
/// After a failed fetch, requests are refused at once for this long instead of each trying again.
const FAILURE_BACKOFF: Duration = Duration::from_secs(5);
/// Seconds of clock difference tolerated in `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 30;
/// The answer to every refused token.
const REFUSED: &str = "invalid or expired token";

/// What a verified access token of the provider says.
#[derive(Clone, Debug)]
pub struct ProviderClaims {
    /// The subject (`sub`): the person's id at the provider.
    pub subject: String,
    /// The `email` claim, when present.
    pub email: Option<String>,
    /// The `name` claim (or `preferred_username`), when present.
    pub name: Option<String>,
    /// Every claim of the token.
    pub claims: Value,
}

/// The provider's signing keys, fetched lazily and kept; cheap to clone.
#[derive(Clone)]
pub struct ProviderKeys(Arc<Inner>);

impl std::fmt::Debug for ProviderKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderKeys")
            .field("issuer", &self.0.settings.issuer)
            .finish_non_exhaustive()
    }
}

struct Inner {
    settings: OidcSettings,
    http: reqwest::Client,
    keys: RwLock<Option<Arc<KeySet>>>,
    /// Held while fetching, so that concurrent requests wait for one fetch instead of each making one.
    fetching: tokio::sync::Mutex<Fetching>,
}

#[derive(Default)]
struct Fetching {
    jwks_uri: Option<String>,
    last_unknown_kid_refresh: Option<Instant>,
    last_failure: Option<Instant>,
}

struct KeySet {
    keys: Arc<Vec<ProviderKey>>,
    fetched_at: Instant,
}

impl KeySet {
    fn find(&self, kid: &str) -> Option<&ProviderKey> {
        self.keys.iter().find(|key| key.kid == kid)
    }
}

/// The kinds of public key a token may be verified with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    P256,
    P384,
}

struct ProviderKey {
    kid: String,
    kind: KeyKind,
    /// The key's own `alg`, when it names one.
    alg: Option<String>,
    decoding: DecodingKey,
}

impl ProviderKey {
    /// A signing key of the set, or `None` for keys that are not for signatures or of another kind.
    fn from_jwk(jwk: &Jwk) -> Option<Self> {
        let kid = jwk.common.key_id.clone()?;
        if matches!(&jwk.common.public_key_use, Some(usage) if *usage != PublicKeyUse::Signature) {
            return None;
        }
        let kind = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => KeyKind::Rsa,
            AlgorithmParameters::EllipticCurve(params) => match params.curve {
                EllipticCurve::P256 => KeyKind::P256,
                EllipticCurve::P384 => KeyKind::P384,
                _ => return None,
            },
            AlgorithmParameters::OctetKey(_) | AlgorithmParameters::OctetKeyPair(_) => {
                return None;
            }
        };
        let alg = jwk
            .common
            .key_algorithm
            .and_then(|alg| serde_json::to_value(alg).ok())
            .and_then(|alg| alg.as_str().map(str::to_owned));
        let decoding = DecodingKey::from_jwk(jwk).ok()?;
        Some(Self {
            kid,
            kind,
            alg,
            decoding,
        })
    }

    /// Whether a token signed with `alg` may be verified with this key.
    fn fits(&self, alg: Algorithm) -> bool {
        let kind = match alg {
            Algorithm::RS256 | Algorithm::PS256 => KeyKind::Rsa,
            Algorithm::ES256 => KeyKind::P256,
            Algorithm::ES384 => KeyKind::P384,
            _ => return false,
        };
        kind == self.kind
            && self
                .alg
                .as_deref()
                .is_none_or(|own| Some(own) == algorithm_name(alg))
    }
}

/// The JWS name of the algorithms a provider key may be used with.
fn algorithm_name(alg: Algorithm) -> Option<&'static str> {
    match alg {
        Algorithm::RS256 => Some("RS256"),
        Algorithm::PS256 => Some("PS256"),
        Algorithm::ES256 => Some("ES256"),
        Algorithm::ES384 => Some("ES384"),
        _ => None,
    }
}

fn refused() -> AppError {
    AppError::Unauthenticated(REFUSED.to_owned())
}

fn unavailable(what: &str, error: impl std::fmt::Display) -> AppError {
    tracing::warn!(%error, "OpenID Connect provider: {what}");
    AppError::Unavailable(format!("OpenID Connect provider: {what}: {error}"))
}

/// The HTTP client for the provider: short timeouts, no redirects, no proxy.
pub fn http_client() -> AppResult<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("kleinstadt/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| AppError::Internal(format!("cannot build the OpenID Connect client: {e}")))
}

/// The URL of the issuer's discovery document.
pub fn discovery_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// Largest answer of the provider read (discovery, key set, userinfo).
const MAX_ANSWER_BYTES: usize = 512 * 1024;

/// GETs a JSON document of the provider, with a bearer token when given.
pub(crate) async fn get_json(
    http: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
) -> Result<Value, String> {
    let mut request = http
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json");
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let answer = request
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| e.to_string())?;
    let body = answer.bytes().await.map_err(|e| e.to_string())?;
    if body.len() > MAX_ANSWER_BYTES {
        return Err(format!("{url} answered more than {MAX_ANSWER_BYTES} bytes"));
    }
    serde_json::from_slice(&body).map_err(|e| format!("{url} answered no JSON: {e}"))
}

/// The `iss` of a token, read without verifying anything.
fn unverified_issuer(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    #[derive(serde::Deserialize)]
    struct Issuer {
        iss: String,
    }
    serde_json::from_slice::<Issuer>(&bytes)
        .ok()
        .map(|claims| claims.iss)
}

impl ProviderKeys {
    /// Keys of the configured provider; nothing is fetched before the first verification.
    pub fn new(settings: OidcSettings, http: reqwest::Client) -> Self {
        Self(Arc::new(Inner {
            settings,
            http,
            keys: RwLock::new(None),
            fetching: tokio::sync::Mutex::new(Fetching::default()),
        }))
    }

    /// The settings these keys were made for.
    pub fn settings(&self) -> &OidcSettings {
        &self.0.settings
    }

    /// Whether a token claims (unverified) to come from the configured provider.
    pub fn claims_issuer(&self, token: &str) -> bool {
        unverified_issuer(token).is_some_and(|iss| iss == self.0.settings.issuer)
    }

    /// Verifies an access token of the provider: signature with the key its `kid` names, algorithm,
    /// issuer, audience, expiry and not-before.
    pub async fn verify(&self, token: &str) -> AppResult<ProviderClaims> {
        let settings = &self.0.settings;
        let header = jsonwebtoken::decode_header(token).map_err(|error| {
            tracing::debug!(%error, "provider token refused: header");
            refused()
        })?;
        if !settings.algorithms.contains(&header.alg) {
            tracing::debug!(alg = ?header.alg, "provider token refused: algorithm not allowed");
            return Err(refused());
        }
        let Some(kid) = header.kid.as_deref() else {
            tracing::debug!("provider token refused: no kid");
            return Err(refused());
        };
        let keys = self.keys_with(kid).await?;
        let Some(key) = keys.find(kid) else {
            tracing::debug!(kid, "provider token refused: unknown key");
            return Err(refused());
        };
        if !key.fits(header.alg) {
            tracing::debug!(kid, alg = ?header.alg, "provider token refused: algorithm does not fit the key");
            return Err(refused());
        }
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.set_issuer(&[settings.issuer.as_str()]);
        validation.set_audience(&[settings.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        let claims = jsonwebtoken::decode::<Value>(token, &key.decoding, &validation)
            .map_err(|error| {
                tracing::debug!(%error, "provider token refused");
                refused()
            })?
            .claims;
        provider_claims(claims)
    }

    /// A key set that holds `kid` if the provider has it: the kept one, or a fresh one when the
    /// kept one is missing, old, or lacks `kid` and no such fetch happened lately.
    async fn keys_with(&self, kid: &str) -> AppResult<Arc<KeySet>> {
        if let Some(keys) = self.current()
            && keys.fetched_at.elapsed() < MAX_KEY_AGE
            && keys.find(kid).is_some()
        {
            return Ok(keys);
        }
        let mut fetching = self.0.fetching.lock().await;
        match self.current() {
            None => self.fetch(&mut fetching).await,
            Some(keys) if keys.fetched_at.elapsed() >= MAX_KEY_AGE => {
                match self.fetch(&mut fetching).await {
                    Ok(fresh) => Ok(fresh),
                    // The old keys stay in use; the next try comes after the backoff.
                    Err(_) => Ok(self.keep(KeySet {
                        keys: keys.keys.clone(),
                        fetched_at: Instant::now()
                            .checked_sub(MAX_KEY_AGE - FAILURE_BACKOFF)
                            .unwrap_or(keys.fetched_at),
                    })),
                }
            }
            Some(keys) if keys.find(kid).is_some() => Ok(keys),
            Some(keys) => {
                let recently = fetching
                    .last_unknown_kid_refresh
                    .is_some_and(|at| at.elapsed() < UNKNOWN_KID_REFRESH);
                if recently {
                    return Ok(keys);
                }
                fetching.last_unknown_kid_refresh = Some(Instant::now());
                self.fetch(&mut fetching).await
            }
        }
    }

    fn current(&self) -> Option<Arc<KeySet>> {
        self.0.keys.read().ok().and_then(|keys| keys.clone())
    }

    fn keep(&self, set: KeySet) -> Arc<KeySet> {
        let set = Arc::new(set);
        if let Ok(mut kept) = self.0.keys.write() {
            *kept = Some(set.clone());
        }
        set
    }

    /// Fetches the key set (and, the first time, the discovery document) and keeps it; after a
    /// failure, fails at once for a few seconds.
    async fn fetch(&self, fetching: &mut Fetching) -> AppResult<Arc<KeySet>> {
        if fetching
            .last_failure
            .is_some_and(|at| at.elapsed() < FAILURE_BACKOFF)
        {
            return Err(AppError::Unavailable(
                "OpenID Connect provider: failed moments ago".to_owned(),
            ));
        }
        let result = self.fetch_now(fetching).await;
        fetching.last_failure = result.is_err().then(Instant::now);
        result
    }

    async fn fetch_now(&self, fetching: &mut Fetching) -> AppResult<Arc<KeySet>> {
        let jwks_uri = match &fetching.jwks_uri {
            Some(uri) => uri.clone(),
            None => {
                let uri = self.discover_jwks_uri().await?;
                fetching.jwks_uri = Some(uri.clone());
                uri
            }
        };
        let document: Value = self
            .get_json(&jwks_uri)
            .await
            .map_err(|e| unavailable("cannot fetch the key set", e))?;
        let keys: Vec<ProviderKey> = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| unavailable("the key set has no keys", &jwks_uri))?
            .iter()
            .filter_map(|key| serde_json::from_value::<Jwk>(key.clone()).ok())
            .filter_map(|jwk| ProviderKey::from_jwk(&jwk))
            .collect();
        tracing::info!(
            keys = keys.len(),
            "fetched the OpenID Connect provider's keys"
        );
        Ok(self.keep(KeySet {
            keys: Arc::new(keys),
            fetched_at: Instant::now(),
        }))
    }

    async fn discover_jwks_uri(&self) -> AppResult<String> {
        let issuer = &self.0.settings.issuer;
        let document: Value = self
            .get_json(&discovery_url(issuer))
            .await
            .map_err(|e| unavailable("cannot fetch the discovery document", e))?;
        if document.get("issuer").and_then(Value::as_str) != Some(issuer.as_str()) {
            return Err(unavailable(
                "the discovery document names another issuer",
                issuer,
            ));
        }
        document
            .get("jwks_uri")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| unavailable("the discovery document has no jwks_uri", issuer))
    }

    async fn get_json(&self, url: &str) -> Result<Value, String> {
        get_json(&self.0.http, url, None).await
    }
}

/// Subject, e-mail and name out of verified claims. A provider that says the e-mail address is not
/// verified is not believed about it.
pub fn provider_claims(claims: Value) -> AppResult<ProviderClaims> {
    let text = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    let subject = text("sub").ok_or_else(refused)?;
    let unverified = claims.get("email_verified").and_then(Value::as_bool) == Some(false);
    let email = text("email").filter(|_| !unverified);
    let name = text("name").or_else(|| text("preferred_username"));
    Ok(ProviderClaims {
        subject,
        email,
        name,
        claims,
    })
}

/// The staff role the provider's roles give: administrator over editor; `None` without either.
pub fn roles_from(claims: &Value, settings: &OidcSettings) -> Option<StaffRole> {
    let mut value = claims;
    for step in &settings.roles_claim {
        value = value.get(step)?;
    }
    let roles: Vec<&str> = match value {
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        Value::String(list) => list.split_whitespace().collect(),
        _ => return None,
    };
    let has = |wanted: &[String]| roles.iter().any(|role| wanted.iter().any(|w| w == role));
    if has(&settings.admin_roles) {
        Some(StaffRole::Admin)
    } else if has(&settings.editor_roles) {
        Some(StaffRole::Editor)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings() -> OidcSettings {
        OidcSettings {
            issuer: "https://login.example/realms/bbsr".to_owned(),
            client_id: "kleinstadt".to_owned(),
            client_secret: crate::config::Secret("s".to_owned()),
            roles_claim: vec!["realm_access".to_owned(), "roles".to_owned()],
            admin_roles: vec!["kleinstadt-admin".to_owned()],
            editor_roles: vec!["kleinstadt-editor".to_owned(), "redaktion".to_owned()],
            audience: "kleinstadt-api".to_owned(),
            algorithms: vec![Algorithm::RS256, Algorithm::ES256],
        }
    }

    #[test]
    fn roles_follow_the_claim_path_and_admin_wins() {
        let settings = settings();
        let roles = |claims: Value| roles_from(&claims, &settings);
        assert_eq!(
            roles(json!({ "realm_access": { "roles": ["x", "kleinstadt-editor"] } })),
            Some(StaffRole::Editor)
        );
        assert_eq!(
            roles(json!({ "realm_access": { "roles": ["redaktion", "kleinstadt-admin"] } })),
            Some(StaffRole::Admin)
        );
        assert_eq!(
            roles(json!({ "realm_access": { "roles": "offline redaktion" } })),
            Some(StaffRole::Editor)
        );
        assert_eq!(
            roles(json!({ "realm_access": { "roles": ["offline_access"] } })),
            None
        );
        assert_eq!(roles(json!({ "roles": ["kleinstadt-admin"] })), None);
        assert_eq!(roles(json!({ "realm_access": { "roles": 3 } })), None);
    }

    #[test]
    fn the_issuer_is_read_without_verification() {
        use base64::Engine;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"iss":"https://login.example/realms/bbsr"}"#);
        let keys = ProviderKeys::new(settings(), reqwest::Client::new());
        assert!(keys.claims_issuer(&format!("e30.{payload}.sig")));
        assert!(!keys.claims_issuer("e30.e30.sig"));
        assert!(!keys.claims_issuer("garbage"));
    }

    #[test]
    fn unverified_addresses_are_not_believed() -> AppResult<()> {
        let claims = provider_claims(
            json!({ "sub": "1", "email": "a@b.example", "email_verified": false }),
        )?;
        assert_eq!(claims.email, None);
        let claims = provider_claims(
            json!({ "sub": "1", "email": "a@b.example", "preferred_username": "a" }),
        )?;
        assert_eq!(claims.email.as_deref(), Some("a@b.example"));
        assert_eq!(claims.name.as_deref(), Some("a"));
        assert!(provider_claims(json!({ "email": "a@b.example" })).is_err());
        Ok(())
    }
}
