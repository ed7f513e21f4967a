//! OpenID Connect: bearer tokens of the provider through the real router, and the sign-in flow,
//! against a small provider served on a loopback port inside the test (discovery, keys, token and
//! userinfo endpoints). The keys are fixed test keys in `tests/fixtures/oidc/`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use kleinstadt::auth::StaffRole;
use kleinstadt::auth::oidc::{Identity, OidcClient, PendingLogin};
use kleinstadt::config::{Config, Secret};
use kleinstadt::error::AppError;
use kleinstadt::service::account;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::{STAFF_PASSWORD, TestApp, error_code};

const ME: &str = "{ me { email name role } }";
const RSA_1: &[u8] = include_bytes!("fixtures/oidc/rsa-1.pem");
const RSA_2: &[u8] = include_bytes!("fixtures/oidc/rsa-2.pem");
const STRANGER: &[u8] = include_bytes!("fixtures/oidc/stranger.pem");
const EC_1: &[u8] = include_bytes!("fixtures/oidc/ec-1.pem");
const RSA_1_PUBLIC: &[u8] = include_bytes!("fixtures/oidc/rsa-1.pub.pem");
const REDIRECT: &str = "http://127.0.0.1:9/admin/anmelden/oidc/rueckkehr";

fn jwk(name: &str) -> Value {
    let text = match name {
        "rsa-1" => include_str!("fixtures/oidc/rsa-1.jwk.json"),
        "rsa-2" => include_str!("fixtures/oidc/rsa-2.jwk.json"),
        "ec-1" => include_str!("fixtures/oidc/ec-1.jwk.json"),
        other => panic!("no JWK {other}"),
    };
    serde_json::from_str(text).unwrap()
}

/// A form the token endpoint got, and the request's Authorization header.
type TokenRequest = (Vec<(String, String)>, Option<String>);

/// What the test provider was asked and answers.
#[derive(Default)]
struct ProviderState {
    issuer: String,
    keys: Vec<Value>,
    jwks_fetches: usize,
    /// The ID token claims the token endpoint signs (with `rsa-1`), besides iss, aud, iat, exp.
    id_claims: Value,
    userinfo: Value,
    /// The form the token endpoint got last, and its Authorization header.
    token_request: Option<TokenRequest>,
}

#[derive(Clone)]
struct TestProvider {
    issuer: String,
    state: Arc<Mutex<ProviderState>>,
    fetches: Arc<AtomicUsize>,
}

impl TestProvider {
    async fn start(keys: &[&str]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(ProviderState {
            issuer: issuer.clone(),
            keys: keys.iter().map(|k| jwk(k)).collect(),
            ..Default::default()
        }));
        let fetches = Arc::new(AtomicUsize::new(0));
        let routes = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .with_state((state.clone(), fetches.clone()));
        tokio::spawn(async move {
            axum::serve(listener, routes).await.unwrap();
        });
        Self {
            issuer,
            state,
            fetches,
        }
    }

    fn add_key(&self, name: &str) {
        self.state.lock().unwrap().keys.push(jwk(name));
    }

    fn jwks_fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    fn configure(&self, config: &mut Config) {
        config.oidc_issuer = Some(self.issuer.clone());
        config.oidc_client_id = Some("kleinstadt".to_owned());
        config.oidc_client_secret = Some(Secret("client-secret".to_owned()));
    }

    async fn app(&self) -> TestApp {
        let provider = self.clone();
        TestApp::empty_with(move |config| provider.configure(config)).await
    }
}

type Shared = (Arc<Mutex<ProviderState>>, Arc<AtomicUsize>);

async fn discovery(State((state, _)): State<Shared>) -> Json<Value> {
    let issuer = state.lock().unwrap().issuer.clone();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/auth"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn jwks(State((state, fetches)): State<Shared>) -> Json<Value> {
    fetches.fetch_add(1, Ordering::SeqCst);
    let mut state = state.lock().unwrap();
    state.jwks_fetches += 1;
    Json(json!({ "keys": state.keys }))
}

async fn token(
    State((state, _)): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Json<Value> {
    let mut state = state.lock().unwrap();
    let authorization = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_owned());
    state.token_request = Some((form, authorization));
    let mut claims = state.id_claims.clone();
    let now = chrono::Utc::now().timestamp();
    claims["iss"] = json!(state.issuer);
    claims["aud"] = json!("kleinstadt");
    claims["iat"] = json!(now);
    claims["exp"] = json!(now + 300);
    let id_token = sign("rsa-1", Algorithm::RS256, &claims);
    Json(json!({
        "access_token": "opaque-access-token",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
}

async fn userinfo(State((state, _)): State<Shared>, headers: HeaderMap) -> Json<Value> {
    assert_eq!(
        headers.get("authorization").unwrap(),
        "Bearer opaque-access-token"
    );
    Json(state.lock().unwrap().userinfo.clone())
}

fn key_of(name: &str) -> EncodingKey {
    match name {
        "rsa-1" => EncodingKey::from_rsa_pem(RSA_1).unwrap(),
        "rsa-2" => EncodingKey::from_rsa_pem(RSA_2).unwrap(),
        "ec-1" => EncodingKey::from_ec_pem(EC_1).unwrap(),
        _ => EncodingKey::from_rsa_pem(STRANGER).unwrap(),
    }
}

/// A token signed with the key `kid`.
fn sign(kid: &str, alg: Algorithm, claims: &Value) -> String {
    sign_as(kid, kid, alg, claims)
}

/// A token whose header names `kid` but that is signed with the key of `signer`.
fn sign_as(kid: &str, signer: &str, alg: Algorithm, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &key_of(signer)).unwrap()
}

/// Access-token claims as a Keycloak realm issues them.
fn access_claims(issuer: &str, email: &str, roles: &[&str]) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": issuer,
        "aud": ["kleinstadt-api", "account"],
        "sub": format!("sub-{email}"),
        "iat": now,
        "exp": now + 300,
        "email": email,
        "email_verified": true,
        "name": format!("Name of {email}"),
        "realm_access": { "roles": roles },
    })
}

async fn me(app: &TestApp, token: &str) -> (StatusCode, Value) {
    app.graphql_as(token, ME, json!({})).await
}

#[tokio::test]
async fn rs256_and_es256_tokens_of_the_provider_are_accepted_and_mapped_to_roles() {
    let provider = TestProvider::start(&["rsa-1", "ec-1"]).await;
    let app = provider.app().await;
    let editor = sign(
        "rsa-1",
        Algorithm::RS256,
        &access_claims(
            &provider.issuer,
            "Redaktion@BBSR.example",
            &["offline_access", "kleinstadt-editor"],
        ),
    );
    let (status, body) = me(&app, &editor).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["data"]["me"],
        json!({ "email": "redaktion@bbsr.example", "name": "Name of Redaktion@BBSR.example", "role": "EDITOR" })
    );
    let admin = sign(
        "ec-1",
        Algorithm::ES256,
        &access_claims(
            &provider.issuer,
            "admin@bbsr.example",
            &["kleinstadt-editor", "kleinstadt-admin"],
        ),
    );
    let (_, body) = me(&app, &admin).await;
    assert_eq!(body["data"]["me"]["role"], "ADMIN", "{body}");
    // Administrators see every account: both were provisioned, once each.
    let (_, users) = app
        .graphql_as(&admin, "{ users { email role active } }", json!({}))
        .await;
    assert_eq!(
        users["data"]["users"],
        json!([
            { "email": "admin@bbsr.example", "role": "ADMIN", "active": true },
            { "email": "redaktion@bbsr.example", "role": "EDITOR", "active": true },
        ]),
        "{users}"
    );
    let (_, again) = me(&app, &editor).await;
    assert_eq!(again["data"]["me"]["role"], "EDITOR");
    assert_eq!(provider.jwks_fetches(), 1, "the key set is kept");
    // The editor's staff-only access works: the audit log answers.
    let (status, audit) = app
        .graphql_as(
            &editor,
            "{ auditLog(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(audit.get("errors").is_none(), "{audit}");
}

#[tokio::test]
async fn bad_provider_tokens_are_refused_never_anonymous() {
    let provider = TestProvider::start(&["rsa-1", "ec-1"]).await;
    let app = provider.app().await;
    let issuer = provider.issuer.clone();
    let good = || access_claims(&issuer, "redaktion@bbsr.example", &["kleinstadt-editor"]);
    let mut refused: Vec<(&str, String)> = Vec::new();

    let mut claims = good();
    claims["iss"] = json!(format!("{issuer}/other"));
    refused.push(("another issuer", sign("rsa-1", Algorithm::RS256, &claims)));
    let mut claims = good();
    claims["iss"] = json!(format!("{issuer}/"));
    refused.push((
        "issuer with a slash",
        sign("rsa-1", Algorithm::RS256, &claims),
    ));
    let mut claims = good();
    claims["aud"] = json!(["account"]);
    refused.push(("another audience", sign("rsa-1", Algorithm::RS256, &claims)));
    let mut claims = good();
    claims["aud"] = json!("kleinstadt");
    refused.push((
        "the client as audience",
        sign("rsa-1", Algorithm::RS256, &claims),
    ));
    let mut claims = good();
    claims["exp"] = json!(chrono::Utc::now().timestamp() - 120);
    refused.push(("expired", sign("rsa-1", Algorithm::RS256, &claims)));
    let mut claims = good();
    claims["nbf"] = json!(chrono::Utc::now().timestamp() + 600);
    refused.push(("not yet valid", sign("rsa-1", Algorithm::RS256, &claims)));
    let mut claims = good();
    claims.as_object_mut().unwrap().remove("exp");
    refused.push(("without expiry", sign("rsa-1", Algorithm::RS256, &claims)));

    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&good()).unwrap());
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"rsa-1"}"#);
    refused.push(("alg none", format!("{none_header}.{payload}.")));
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("rsa-1".to_owned());
    let confused =
        jsonwebtoken::encode(&header, &good(), &EncodingKey::from_secret(RSA_1_PUBLIC)).unwrap();
    refused.push(("HS256 with the public key as secret", confused));
    // An RSA key named for an ES256 token, and an EC key for an RS256 token.
    refused.push((
        "ES256 under an RSA kid",
        sign_as("rsa-1", "ec-1", Algorithm::ES256, &good()),
    ));
    refused.push((
        "RS256 under an EC kid",
        sign_as("ec-1", "rsa-1", Algorithm::RS256, &good()),
    ));
    refused.push((
        "PS256, not allowed",
        sign("rsa-1", Algorithm::PS256, &good()),
    ));
    refused.push((
        "an unknown key",
        sign("stranger", Algorithm::RS256, &good()),
    ));
    refused.push((
        "a stranger's key under a known kid",
        sign_as("rsa-1", "stranger", Algorithm::RS256, &good()),
    ));
    let token = sign("rsa-1", Algorithm::RS256, &good());
    let (head, signature) = token.rsplit_once('.').unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
    bytes[10] ^= 1;
    refused.push((
        "one bit of the signature changed",
        format!("{head}.{}", URL_SAFE_NO_PAD.encode(bytes)),
    ));

    for (what, token) in &refused {
        let (status, body) = me(&app, token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{what}: {body}");
        assert!(body["data"].is_null(), "{what}: {body}");
    }
    // The good token works, and nothing refused created an account.
    let (_, body) = me(&app, &sign("rsa-1", Algorithm::RS256, &good())).await;
    assert_eq!(
        body["data"]["me"]["email"], "redaktion@bbsr.example",
        "{body}"
    );
    assert_eq!(account::list(app.db()).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_rotated_key_is_fetched_once_and_invented_kids_do_not_hammer_the_provider() {
    let provider = TestProvider::start(&["rsa-1"]).await;
    let app = provider.app().await;
    let claims = access_claims(
        &provider.issuer,
        "redaktion@bbsr.example",
        &["kleinstadt-editor"],
    );
    let (_, body) = me(&app, &sign("rsa-1", Algorithm::RS256, &claims)).await;
    assert_eq!(body["data"]["me"]["role"], "EDITOR", "{body}");
    assert_eq!(provider.jwks_fetches(), 1);

    provider.add_key("rsa-2");
    let (_, body) = me(&app, &sign("rsa-2", Algorithm::RS256, &claims)).await;
    assert_eq!(body["data"]["me"]["role"], "EDITOR", "{body}");
    assert_eq!(provider.jwks_fetches(), 2, "the unknown kid made one fetch");

    for _ in 0..5 {
        let (_, body) = me(&app, &sign("stranger", Algorithm::RS256, &claims)).await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    }
    assert_eq!(
        provider.jwks_fetches(),
        2,
        "no fetch within 30 s of the last"
    );
    let (_, body) = me(&app, &sign("rsa-2", Algorithm::RS256, &claims)).await;
    assert_eq!(body["data"]["me"]["role"], "EDITOR", "{body}");
}

#[tokio::test]
async fn people_without_a_staff_role_and_disabled_accounts_are_forbidden() {
    let provider = TestProvider::start(&["rsa-1"]).await;
    let app = provider.app().await;
    let guest = sign(
        "rsa-1",
        Algorithm::RS256,
        &access_claims(&provider.issuer, "gast@bbsr.example", &["offline_access"]),
    );
    let (status, body) = me(&app, &guest).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    assert!(account::list(app.db()).await.unwrap().is_empty());

    account::create(
        app.db(),
        "gone@bbsr.example",
        "Gone",
        StaffRole::Editor,
        STAFF_PASSWORD.into(),
    )
    .await
    .unwrap();
    account::disable(app.db(), "gone@bbsr.example")
        .await
        .unwrap();
    let gone = sign(
        "rsa-1",
        Algorithm::RS256,
        &access_claims(&provider.issuer, "gone@bbsr.example", &["kleinstadt-admin"]),
    );
    let (status, body) = me(&app, &gone).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let user = account::list(app.db()).await.unwrap().remove(0);
    assert!(!user.active);
    assert_eq!(
        user.role,
        StaffRole::Editor,
        "a refused token changes nothing"
    );

    // An address the provider has not verified is not believed.
    let mut unverified = access_claims(
        &provider.issuer,
        "redaktion@bbsr.example",
        &["kleinstadt-editor"],
    );
    unverified["email_verified"] = json!(false);
    let (_, body) = me(&app, &sign("rsa-1", Algorithm::RS256, &unverified)).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
}

#[tokio::test]
async fn existing_accounts_follow_the_provider_and_provisioned_ones_have_no_password() {
    let provider = TestProvider::start(&["rsa-1"]).await;
    let app = provider.app().await;
    // An account made with a password before the provider was configured.
    let local = account::create(
        app.db(),
        "lokal@bbsr.example",
        "Lokal",
        StaffRole::Editor,
        STAFF_PASSWORD.into(),
    )
    .await
    .unwrap();
    let token = sign(
        "rsa-1",
        Algorithm::RS256,
        &access_claims(
            &provider.issuer,
            "lokal@bbsr.example",
            &["kleinstadt-admin"],
        ),
    );
    let (_, body) = me(&app, &token).await;
    assert_eq!(body["data"]["me"]["role"], "ADMIN", "{body}");
    let changed = account::get(app.db(), local.id).await.unwrap().unwrap();
    assert_eq!(changed.role, StaffRole::Admin);
    assert_eq!(changed.name, "Name of lokal@bbsr.example");
    assert_eq!(changed.version, local.version + 1);
    assert!(changed.updated_at >= local.updated_at);
    let (_, again) = me(&app, &token).await;
    assert_eq!(again["data"]["me"]["role"], "ADMIN");
    let unchanged = account::get(app.db(), local.id).await.unwrap().unwrap();
    assert_eq!(
        unchanged.version, changed.version,
        "no write without a change"
    );

    // A provisioned account cannot log in with a password, whatever is tried.
    let provisioned = sign(
        "rsa-1",
        Algorithm::RS256,
        &access_claims(&provider.issuer, "neu@bbsr.example", &["kleinstadt-editor"]),
    );
    me(&app, &provisioned).await;
    let login = "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }";
    for password in [
        STAFF_PASSWORD,
        kleinstadt::auth::password::NO_PASSWORD,
        "",
        "!",
    ] {
        let (_, body) = app
            .graphql(
                login,
                json!({ "email": "neu@bbsr.example", "password": password }),
            )
            .await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    }
    // Local accounts keep logging in, and our own tokens keep working beside the provider's.
    let ours = app
        .staff_token("eigen@bbsr.example", StaffRole::Editor)
        .await;
    let (_, body) = me(&app, &ours).await;
    assert_eq!(body["data"]["me"]["email"], "eigen@bbsr.example", "{body}");
}

#[tokio::test]
async fn an_unreachable_provider_is_unavailable_not_anonymous() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let app = {
        let issuer = issuer.clone();
        TestApp::empty_with(move |config| {
            config.oidc_issuer = Some(issuer);
            config.oidc_client_id = Some("kleinstadt".to_owned());
            config.oidc_client_secret = Some(Secret("client-secret".to_owned()));
        })
        .await
    };
    let token = sign(
        "rsa-1",
        Algorithm::RS256,
        &access_claims(&issuer, "redaktion@bbsr.example", &["kleinstadt-editor"]),
    );
    let (status, body) = me(&app, &token).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(error_code(&body), Some("UNAVAILABLE"), "{body}");
}

fn client(provider: &TestProvider) -> OidcClient {
    let mut config = Config::for_database("sqlite::memory:");
    provider.configure(&mut config);
    let http = kleinstadt::auth::jwks::http_client().unwrap();
    OidcClient::new(config.oidc().unwrap().unwrap(), http)
}

fn query_of(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {pairs:?}"))
}

/// Starts a sign-in and lets the test provider put `claims` and the request's nonce in its ID token.
async fn begin(
    provider: &TestProvider,
    oidc: &OidcClient,
    claims: Value,
) -> (PendingLogin, String) {
    let (url, pending) = oidc.begin(REDIRECT).await.unwrap();
    assert!(
        url.starts_with(&format!("{}/auth?", provider.issuer)),
        "{url}"
    );
    let query = query_of(&url);
    assert_eq!(param(&query, "response_type"), "code");
    assert_eq!(param(&query, "client_id"), "kleinstadt");
    assert_eq!(param(&query, "redirect_uri"), REDIRECT);
    assert_eq!(param(&query, "code_challenge_method"), "S256");
    let scopes: Vec<&str> = param(&query, "scope").split(' ').collect();
    assert!(
        scopes.contains(&"openid") && scopes.contains(&"email"),
        "{scopes:?}"
    );
    let mut claims = claims;
    claims["nonce"] = json!(param(&query, "nonce"));
    provider.state.lock().unwrap().id_claims = claims;
    (pending, url)
}

fn id_claims(email: &str, roles: Option<&[&str]>) -> Value {
    let mut claims = json!({ "sub": "person-1", "email": email, "name": "Rita Redaktion" });
    if let Some(roles) = roles {
        claims["realm_access"] = json!({ "roles": roles });
    }
    claims
}

#[tokio::test]
async fn the_sign_in_flow_uses_pkce_state_and_nonce_and_says_who_signed_in() {
    let provider = TestProvider::start(&["rsa-1"]).await;
    let oidc = client(&provider);
    let (pending, url) = begin(
        &provider,
        &oidc,
        id_claims("Redaktion@bbsr.example", Some(&["kleinstadt-editor"])),
    )
    .await;
    let query = query_of(&url);
    let state = param(&query, "state").to_owned();
    let identity: Identity = oidc
        .finish(REDIRECT, pending.clone(), "the-code", &state)
        .await
        .unwrap();
    assert_eq!(identity.subject, "person-1");
    assert_eq!(identity.email, "Redaktion@bbsr.example");
    assert_eq!(identity.name, "Rita Redaktion");
    assert_eq!(identity.role, Some(StaffRole::Editor));

    let (form, authorization) = provider.state.lock().unwrap().token_request.take().unwrap();
    assert_eq!(param(&form, "grant_type"), "authorization_code");
    assert_eq!(param(&form, "code"), "the-code");
    assert_eq!(param(&form, "redirect_uri"), REDIRECT);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(param(&form, "code_verifier")));
    assert_eq!(challenge, param(&query, "code_challenge"), "PKCE S256");
    let basic = base64::engine::general_purpose::STANDARD.encode("kleinstadt:client-secret");
    assert_eq!(
        authorization.as_deref(),
        Some(format!("Basic {basic}").as_str())
    );

    // The identity becomes a staff account, as bearer tokens do.
    let app = provider.app().await;
    let user = account::provision(app.db(), &identity).await.unwrap();
    assert_eq!(user.email, "redaktion@bbsr.example");
    assert_eq!(user.role, StaffRole::Editor);
}

#[tokio::test]
async fn sign_ins_with_another_state_a_wrong_nonce_or_too_late_are_refused() {
    let provider = TestProvider::start(&["rsa-1"]).await;
    let oidc = client(&provider);
    let claims = id_claims("redaktion@bbsr.example", Some(&["kleinstadt-editor"]));

    let (pending, url) = begin(&provider, &oidc, claims.clone()).await;
    let state = param(&query_of(&url), "state").to_owned();
    let wrong = oidc
        .finish(REDIRECT, pending.clone(), "code", &format!("{state}x"))
        .await;
    assert!(
        matches!(wrong, Err(AppError::Unauthenticated(_))),
        "{wrong:?}"
    );
    assert!(
        provider.state.lock().unwrap().token_request.is_none(),
        "no code is exchanged for a wrong state"
    );

    let mut other_nonce = claims.clone();
    other_nonce["nonce"] = json!("another nonce");
    provider.state.lock().unwrap().id_claims = other_nonce;
    let replayed = oidc.finish(REDIRECT, pending.clone(), "code", &state).await;
    assert!(
        matches!(replayed, Err(AppError::Unauthenticated(_))),
        "{replayed:?}"
    );

    let (pending, url) = begin(&provider, &oidc, claims).await;
    let state = param(&query_of(&url), "state").to_owned();
    let mut stored = serde_json::to_value(&pending).unwrap();
    let old = chrono::Utc::now() - chrono::Duration::minutes(11);
    stored["created_at"] = json!(old);
    let late: PendingLogin = serde_json::from_value(stored).unwrap();
    let late = oidc.finish(REDIRECT, late, "code", &state).await;
    match late {
        Err(AppError::Unauthenticated(message)) => {
            assert!(!message.contains(&provider.issuer), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn roles_missing_from_the_id_token_are_read_from_userinfo() {
    let provider = TestProvider::start(&["rsa-1"]).await;
    let oidc = client(&provider);
    provider.state.lock().unwrap().userinfo = json!({
        "sub": "person-1",
        "email": "admin@bbsr.example",
        "realm_access": { "roles": ["kleinstadt-admin"] },
    });
    let (pending, url) = begin(&provider, &oidc, id_claims("admin@bbsr.example", None)).await;
    let state = param(&query_of(&url), "state").to_owned();
    let identity = oidc
        .finish(REDIRECT, pending, "code", &state)
        .await
        .unwrap();
    assert_eq!(identity.role, Some(StaffRole::Admin));

    // Userinfo about another subject is not believed.
    provider.state.lock().unwrap().userinfo = json!({
        "sub": "person-2",
        "realm_access": { "roles": ["kleinstadt-admin"] },
    });
    let (pending, url) = begin(&provider, &oidc, id_claims("admin@bbsr.example", None)).await;
    let state = param(&query_of(&url), "state").to_owned();
    let refused = oidc.finish(REDIRECT, pending, "code", &state).await;
    assert!(
        matches!(refused, Err(AppError::Unauthenticated(_))),
        "{refused:?}"
    );

    // Without any role the identity has none, and provisioning forbids it.
    provider.state.lock().unwrap().userinfo = json!({ "sub": "person-1" });
    let (pending, url) = begin(&provider, &oidc, id_claims("gast@bbsr.example", None)).await;
    let state = param(&query_of(&url), "state").to_owned();
    let guest = oidc
        .finish(REDIRECT, pending, "code", &state)
        .await
        .unwrap();
    assert_eq!(guest.role, None);
    let app = provider.app().await;
    let refused = account::provision(app.db(), &guest).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
}

/// The staff interface's sign-in through the provider, as a browser goes it: off to the provider
/// with PKCE, back with a code, signed in, and on to where the person was going.
#[tokio::test]
async fn the_staff_interface_signs_in_through_the_provider() {
    use crate::support::browser::Browser;
    let provider = TestProvider::start(&["rsa-1"]).await;
    let configured = provider.clone();
    let app = TestApp::empty_with(move |config| {
        configured.configure(config);
        config.public_base_url = "http://kleinstadt.test".to_owned();
    })
    .await;
    let return_to = "http://kleinstadt.test/admin/anmelden/oidc/rueckkehr";

    let mut browser = Browser::new(&app);
    let page = browser.get("/admin/anmelden").await;
    assert!(
        page.body
            .contains("href=\"/admin/anmelden/oidc?weiter=%2Fadmin\"")
    );
    let off = browser
        .get("/admin/anmelden/oidc?weiter=%2Fadmin%2Fpersonen")
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    let url = off.location().to_owned();
    assert!(
        url.starts_with(&format!("{}/auth?", provider.issuer)),
        "{url}"
    );
    let query = query_of(&url);
    assert_eq!(param(&query, "redirect_uri"), return_to);
    assert_eq!(param(&query, "code_challenge_method"), "S256");
    let pending = browser.cookies.get("kleinstadt-oidc").cloned().unwrap();
    assert!(
        !pending.contains(param(&query, "state")) && !pending.contains("verifier"),
        "the pending sign-in is encrypted: {pending}"
    );

    // Another state than the one sent is refused, and the pending sign-in is spent.
    let mut claims = id_claims("redaktion@bbsr.example", Some(&["kleinstadt-editor"]));
    claims["nonce"] = json!(param(&query, "nonce"));
    provider.state.lock().unwrap().id_claims = claims;
    let mut forger = Browser::new(&app);
    forger.cookies = browser.cookies.clone();
    let forged = forger
        .get("/admin/anmelden/oidc/rueckkehr?code=c&state=another")
        .await;
    assert_eq!(forged.location(), "/admin/anmelden?fehler=anbieter");
    assert!(!forger.cookies.contains_key("kleinstadt-sitzung"));

    let back = browser
        .get(&format!(
            "/admin/anmelden/oidc/rueckkehr?code=the-code&state={}",
            param(&query, "state")
        ))
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    assert_eq!(back.location(), "/admin/personen");
    assert!(browser.cookies.contains_key("kleinstadt-sitzung"));
    assert!(!browser.cookies.contains_key("kleinstadt-oidc"));
    let start = browser.get("/admin").await;
    assert_eq!(start.status, StatusCode::OK);
    assert!(start.body.contains("Redaktion"));
    let (form, _) = provider.state.lock().unwrap().token_request.take().unwrap();
    assert_eq!(param(&form, "redirect_uri"), return_to);

    // Without the pending cookie, or without a kleinstadt role, nobody is signed in.
    let mut stranger = Browser::new(&app);
    let refused = stranger
        .get("/admin/anmelden/oidc/rueckkehr?code=c&state=s")
        .await;
    assert_eq!(refused.location(), "/admin/anmelden?fehler=anbieter");
    let mut guest = Browser::new(&app);
    let off = guest.get("/admin/anmelden/oidc").await;
    let query = query_of(off.location());
    let mut claims = id_claims("gast@bbsr.example", None);
    claims["nonce"] = json!(param(&query, "nonce"));
    provider.state.lock().unwrap().id_claims = claims;
    provider.state.lock().unwrap().userinfo = json!({ "sub": "person-1" });
    let back = guest
        .get(&format!(
            "/admin/anmelden/oidc/rueckkehr?code=c&state={}",
            param(&query, "state")
        ))
        .await;
    assert_eq!(back.location(), "/admin/anmelden?fehler=keine-rolle");
    assert!(!guest.cookies.contains_key("kleinstadt-sitzung"));
    let page = guest.get("/admin/anmelden?fehler=keine-rolle").await;
    assert!(page.body.contains("keine Rolle in der Redaktion"));
}
