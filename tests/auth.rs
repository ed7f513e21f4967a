//! Login and tokens: success, every failure mode, rate limits. A bad token is an error, never anonymous.

use crate::support::{STAFF_PASSWORD, TestApp, error_code, parse_json};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use kleinstadt::auth::StaffRole;
use kleinstadt::service::account;
use serde_json::{Value, json};

const LOGIN: &str = "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token expiresAt user { email role } } }";
const ME: &str = "{ me { email role } }";
/// The secret `Config::for_database` gives every test app.
const TEST_SECRET: &[u8] = b"test-secret-test-secret-test-secret-0123";

async fn login(app: &TestApp, email: &str, password: &str) -> Value {
    app.graphql(LOGIN, json!({ "email": email, "password": password }))
        .await
        .1
}

#[tokio::test]
async fn a_staff_member_logs_in_and_is_known_by_the_token() {
    let app = TestApp::empty().await;
    account::create(
        app.db(),
        "editor@bbsr.example",
        "Eda Editor",
        StaffRole::Editor,
        STAFF_PASSWORD.into(),
    )
    .await
    .unwrap();
    let body = login(&app, "Editor@BBSR.example", STAFF_PASSWORD).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["login"]["user"]["role"], "EDITOR");
    let token = body["data"]["login"]["token"].as_str().unwrap().to_owned();
    assert_eq!(token.split('.').count(), 3);
    let (status, me) = app.graphql_as(&token, ME, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["data"]["me"]["email"], "editor@bbsr.example");
    let (_, anonymous) = app.graphql(ME, json!({})).await;
    assert!(anonymous["data"]["me"].is_null());
}

#[tokio::test]
async fn failed_logins_all_look_the_same() {
    let app = TestApp::empty().await;
    account::create(
        app.db(),
        "a@bbsr.example",
        "A",
        StaffRole::Editor,
        STAFF_PASSWORD.into(),
    )
    .await
    .unwrap();
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

    let wrong_password = login(&app, "a@bbsr.example", "wrong password here").await;
    let unknown_user = login(&app, "nobody@bbsr.example", STAFF_PASSWORD).await;
    let disabled_user = login(&app, "gone@bbsr.example", STAFF_PASSWORD).await;
    for body in [&wrong_password, &unknown_user, &disabled_user] {
        assert_eq!(error_code(body), Some("UNAUTHENTICATED"), "{body}");
        assert!(body["data"].is_null(), "{body}");
    }
    assert_eq!(
        wrong_password["errors"][0]["message"],
        unknown_user["errors"][0]["message"]
    );
    assert_eq!(
        wrong_password["errors"][0]["message"],
        disabled_user["errors"][0]["message"]
    );
}

#[tokio::test]
async fn logins_are_rate_limited_per_account() {
    let app = TestApp::empty().await;
    account::create(
        app.db(),
        "a@bbsr.example",
        "A",
        StaffRole::Editor,
        STAFF_PASSWORD.into(),
    )
    .await
    .unwrap();
    for _ in 0..5 {
        let body = login(&app, "a@bbsr.example", "wrong password here").await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    }
    // Even the right password is refused now: the limit counts attempts, not failures.
    let body = login(&app, "a@bbsr.example", STAFF_PASSWORD).await;
    assert_eq!(error_code(&body), Some("RATE_LIMITED"), "{body}");
    assert!(
        body["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .is_some_and(|s| s >= 1)
    );
}

#[tokio::test]
async fn rest_login_gives_a_token_and_the_same_errors() {
    let app = TestApp::empty().await;
    account::create(
        app.db(),
        "a@bbsr.example",
        "A",
        StaffRole::Admin,
        STAFF_PASSWORD.into(),
    )
    .await
    .unwrap();
    let post = |body: Value| {
        Request::post("/api/v1/auth/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let (status, _, body) = app
        .send(post(
            json!({ "email": "a@bbsr.example", "password": STAFF_PASSWORD }),
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let body = parse_json(&body);
    assert_eq!(body["user"]["role"], "ADMIN");
    assert!(
        body["token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );

    let (status, _, body) = app
        .send(post(
            json!({ "email": "a@bbsr.example", "password": "nope nope nope" }),
        ))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(parse_json(&body)["error"]["code"], "UNAUTHENTICATED");
    let (status, _, body) = app.send(post(json!({ "email": 5 }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(parse_json(&body)["error"]["code"], "BAD_USER_INPUT");
}

#[derive(serde::Serialize)]
struct Claims<'a> {
    sub: &'a str,
    role: &'a str,
    iat: i64,
    exp: i64,
    iss: &'a str,
    aud: &'a str,
}

fn sign(claims: &Claims<'_>, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn b64(value: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test]
async fn bad_tokens_are_refused_not_treated_as_anonymous() {
    let app = TestApp::empty().await;
    let token = app.staff_token("a@bbsr.example", StaffRole::Admin).await;
    let user = account::list(app.db()).await.unwrap();
    let id = user[0].id.to_string();
    let now = chrono::Utc::now().timestamp();
    let valid = Claims {
        sub: &id,
        role: "ADMIN",
        iat: now,
        exp: now + 600,
        iss: "kleinstadt",
        aud: "kleinstadt-api",
    };

    // Sanity: our own signature with the right claims works.
    let (status, _) = app
        .graphql_as(&sign(&valid, TEST_SECRET), ME, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);

    let expired = sign(
        &Claims {
            iat: now - 7200,
            exp: now - 3600,
            ..valid
        },
        TEST_SECRET,
    );
    let foreign = sign(&valid, b"another-secret-another-secret-another-1234");
    let wrong_audience = sign(
        &Claims {
            aud: "someone-else",
            ..valid
        },
        TEST_SECRET,
    );
    let wrong_issuer = sign(
        &Claims {
            iss: "someone-else",
            ..valid
        },
        TEST_SECRET,
    );
    let parts: Vec<&str> = token.split('.').collect();
    let payload = json!({ "sub": id, "role": "ADMIN", "iat": now, "exp": now + 600, "iss": "kleinstadt", "aud": "kleinstadt-api" });
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({ "alg": "none", "typ": "JWT" })),
        b64(&payload)
    );
    let tampered_claims = json!({ "sub": "999", "role": "ADMIN", "iat": now, "exp": now + 600, "iss": "kleinstadt", "aud": "kleinstadt-api" });
    let tampered = format!("{}.{}.{}", parts[0], b64(&tampered_claims), parts[2]);
    let string_exp = format!(
        "{}.{}.{}",
        parts[0],
        b64(
            &json!({ "sub": id, "role": "ADMIN", "iat": now, "exp": "never", "iss": "kleinstadt", "aud": "kleinstadt-api" })
        ),
        parts[2]
    );

    for (name, bad) in [
        ("expired", expired),
        ("signed with another secret", foreign),
        ("wrong audience", wrong_audience),
        ("wrong issuer", wrong_issuer),
        ("alg none", alg_none),
        ("tampered payload", tampered),
        ("exp of the wrong type", string_exp),
        ("garbage", "garbage".to_owned()),
    ] {
        let (status, body) = app.graphql_as(&bad, ME, json!({})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {body}");
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{name}: {body}");
    }

    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Basic {token}"))
        .body(Body::from(json!({ "query": ME }).to_string()))
        .unwrap();
    let (status, _, _) = app.send(request).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a non-bearer scheme is refused"
    );
}

#[tokio::test]
async fn a_disabled_account_loses_its_tokens() {
    let app = TestApp::empty().await;
    let token = app.staff_token("a@bbsr.example", StaffRole::Editor).await;
    let (status, _) = app.graphql_as(&token, ME, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    account::disable(app.db(), "a@bbsr.example").await.unwrap();
    let (status, body) = app.graphql_as(&token, ME, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test]
async fn only_admins_manage_accounts() {
    let app = TestApp::empty().await;
    let admin = app
        .staff_token("admin@bbsr.example", StaffRole::Admin)
        .await;
    let editor = app
        .staff_token("editor@bbsr.example", StaffRole::Editor)
        .await;
    let create = r#"mutation { createUser(email: "new@bbsr.example", name: "New", role: EDITOR, password: "a long enough password") { email role active } }"#;
    let (_, body) = app.graphql_as(&editor, create, json!({})).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let (_, body) = app.graphql(create, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    let (_, body) = app.graphql_as(&admin, create, json!({})).await;
    assert_eq!(
        body["data"]["createUser"]["email"], "new@bbsr.example",
        "{body}"
    );
    let (_, body) = app.graphql_as(&admin, create, json!({})).await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
    let (_, body) = app
        .graphql_as(&admin, r#"mutation { createUser(email: "short@bbsr.example", name: "S", role: EDITOR, password: "short") { email } }"#, json!({}))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let (_, body) = app
        .graphql_as(&admin, "{ users { email role } }", json!({}))
        .await;
    assert_eq!(
        body["data"]["users"].as_array().map(Vec::len),
        Some(3),
        "{body}"
    );
    let (_, body) = app
        .graphql_as(&editor, "{ users { email } }", json!({}))
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
}
