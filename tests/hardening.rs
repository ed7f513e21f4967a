//! Limits and failure handling through the real router (and, for the connection-level limits, a
//! real TCP server): body size, content type, batching, introspection in production mode, rate
//! limits, request ids, a locked or lost database, overload, timeouts, slow clients, shutdown,
//! readiness and metrics.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::support::{TestApp, parse_json};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use entity::enums::StaffRole;
use kleinstadt::config::Mode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn post(uri: &str, content_type: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut request = Request::post(uri);
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    request.body(body.into()).unwrap()
}

fn from(address: [u8; 4], mut request: Request<Body>) -> Request<Body> {
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((address, 40000))));
    request
}

const ORGANISATION: &str =
    "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id } }";

#[tokio::test]
async fn bodies_are_limited_and_must_be_json() {
    let app = TestApp::empty().await;
    let huge = format!(
        "{{\"query\": \"{{ towns {{ totalCount }} }}\", \"padding\": \"{}\"}}",
        "x".repeat(2 * 1024 * 1024)
    );
    // Announced with `Content-Length`, and streamed without one: both refused.
    let mut announced = post("/graphql", Some("application/json"), huge.clone());
    announced.headers_mut().insert(
        header::CONTENT_LENGTH,
        huge.len().to_string().parse().unwrap(),
    );
    let (status, _, body) = app.send(announced).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(parse_json(&body)["error"]["code"], "BAD_USER_INPUT");
    let (status, headers, body) = app
        .send(post("/graphql", Some("application/json"), huge))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // Streamed, the limit is met by the GraphQL endpoint itself, which answers as GraphQL does.
    let body = parse_json(&body);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        body["errors"][0]["extensions"]["requestId"].as_str(),
        headers.get("x-request-id").and_then(|v| v.to_str().ok())
    );
    let query = r#"{"query": "{ towns { totalCount } }"}"#;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let (status, _, body) = app.send(post("/graphql", content_type, query)).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        assert_eq!(parse_json(&body)["error"]["code"], "BAD_USER_INPUT");
    }
    let (status, _, _) = app
        .send(post(
            "/api/v1/auth/login",
            Some("text/plain"),
            r#"{"email":"a@b.example","password":"x"}"#,
        ))
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _, _) = app
        .send(post(
            "/graphql",
            Some("application/json; charset=utf-8"),
            query,
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    // A method a route does not have is a 405, whatever the body.
    let put = Request::put("/api/v1/events")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("x"))
        .unwrap();
    let (status, _, body) = app.send(put).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(parse_json(&body)["error"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn batches_are_refused_and_mutations_need_post() {
    let app = TestApp::empty().await;
    let batch =
        json!([{ "query": "{ towns { totalCount } }" }, { "query": "{ events { totalCount } }" }]);
    let (status, _, body) = app
        .send(post(
            "/graphql",
            Some("application/json"),
            batch.to_string(),
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        parse_json(&body)["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    let (_, _, body) = app
        .get("/graphql?query=mutation%7BdeleteTown(id%3A%22VG93bjox%22%2CexpectedVersion%3A1)%7Bid%7D%7D")
        .await;
    assert_eq!(
        parse_json(&body)["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn production_mode_hides_the_schema_from_anonymous_callers_only() {
    let app = TestApp::empty_with(|config| config.mode = Mode::Production).await;
    let (_, body) = app
        .graphql("{ __schema { types { name } } }", json!({}))
        .await;
    assert!(body["data"]["__schema"].is_null(), "{body}");
    let (_, body) = app
        .graphql(
            "{ __type(name: \"Person\") { fields { name } } }",
            json!({}),
        )
        .await;
    assert!(body["data"]["__type"].is_null(), "{body}");
    let (_, body) = app.graphql("{ evnts { totalCount } }", json!({})).await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        !message.is_empty() && !message.contains("Did you mean"),
        "{message}"
    );

    let token = app
        .staff_token("admin@bbsr.example", StaffRole::Admin)
        .await;
    let (_, body) = app
        .graphql_as(&token, "{ __schema { types { name } } }", json!({}))
        .await;
    assert!(
        body["data"]["__schema"]["types"]
            .as_array()
            .is_some_and(|t| t.len() > 20)
    );

    let development = TestApp::empty().await;
    let (_, body) = development
        .graphql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
    let (_, body) = development
        .graphql("{ evnts { totalCount } }", json!({}))
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean")
    );
}

#[tokio::test]
async fn anonymous_callers_are_rate_limited_per_address() {
    let app = TestApp::empty_with(|config| {
        config.rate_limit_anonymous_per_minute = 3;
        config.rate_limit_staff_per_minute = 2;
    })
    .await;
    let get = |address: [u8; 4]| {
        from(
            address,
            Request::get("/api/v1/towns?limit=1")
                .body(Body::empty())
                .unwrap(),
        )
    };
    for remaining in ["2", "1", "0"] {
        let (status, headers, _) = app.send(get([192, 0, 2, 1])).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            headers.get("ratelimit-limit").and_then(|v| v.to_str().ok()),
            Some("3")
        );
        assert_eq!(
            headers
                .get("ratelimit-remaining")
                .and_then(|v| v.to_str().ok()),
            Some(remaining)
        );
    }
    let (status, headers, body) = app.send(get([192, 0, 2, 1])).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(parse_json(&body)["error"]["code"], "RATE_LIMITED");
    let retry = headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    assert!(
        retry.is_some_and(|seconds| (1..=60).contains(&seconds)),
        "{headers:?}"
    );
    assert_eq!(
        headers
            .get("ratelimit-remaining")
            .and_then(|v| v.to_str().ok()),
        Some("0")
    );
    // Another address has its own bucket; health checks are never limited.
    let (status, _, _) = app.send(get([192, 0, 2, 2])).await;
    assert_eq!(status, StatusCode::OK);
    let health = from(
        [192, 0, 2, 1],
        Request::get("/health").body(Body::empty()).unwrap(),
    );
    assert_eq!(app.send(health).await.0, StatusCode::OK);

    // Staff count per account, whatever their address.
    let token = app
        .staff_token("editor@bbsr.example", StaffRole::Editor)
        .await;
    let staff = |address: [u8; 4]| {
        from(
            address,
            post(
                "/graphql",
                Some("application/json"),
                json!({ "query": "{ me { email } }" }).to_string(),
            ),
        )
    };
    let mut statuses = Vec::new();
    for address in [[198, 51, 100, 1], [198, 51, 100, 2], [198, 51, 100, 3]] {
        let mut request = staff(address);
        request.headers_mut().insert(
            header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        statuses.push(app.send(request).await.0);
    }
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    let (_, _, metrics) = app.get("/metrics").await;
    let metrics = String::from_utf8_lossy(&metrics);
    assert!(
        metrics.contains("kleinstadt_rate_limited_total{scope=\"anonymous\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("kleinstadt_rate_limited_total{scope=\"staff\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn error_answers_carry_the_request_id_and_one_shape() {
    let app = TestApp::empty().await;
    for (request, status) in [
        (
            Request::get("/nowhere").body(Body::empty()),
            StatusCode::NOT_FOUND,
        ),
        (
            Request::delete("/api/v1/events").body(Body::empty()),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Request::get("/api/v1/events?limit=500").body(Body::empty()),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let request = request.unwrap();
        let (got, headers, body) = app.send(request).await;
        assert_eq!(got, status);
        let id = headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap();
        assert!(!id.is_empty());
        let body = parse_json(&body);
        assert_eq!(body["error"]["requestId"], id, "{body}");
        assert!(body["error"]["code"].is_string() && body["error"]["message"].is_string());
    }
    // A request id sent by a proxy is kept.
    let request = Request::get("/nowhere")
        .header("x-request-id", "proxy-4711")
        .body(Body::empty())
        .unwrap();
    let (_, headers, body) = app.send(request).await;
    assert_eq!(
        headers.get("x-request-id").and_then(|v| v.to_str().ok()),
        Some("proxy-4711")
    );
    assert_eq!(parse_json(&body)["error"]["requestId"], "proxy-4711");
    // GraphQL errors carry it in their extensions.
    let (status, headers, body) = app
        .send(post(
            "/graphql",
            Some("application/json"),
            json!({ "query": "{ town(id: \"nonsense\") { name } }" }).to_string(),
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let body = parse_json(&body);
    assert_eq!(
        body["errors"][0]["extensions"]["requestId"].as_str(),
        headers.get("x-request-id").and_then(|v| v.to_str().ok()),
        "{body}"
    );
}

#[tokio::test]
async fn readiness_and_metrics() {
    let app = TestApp::seeded().await;
    let (status, _, body) = app.get("/ready").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(parse_json(&body)["status"], "ready");
    app.get("/api/v1/events?limit=1").await;
    app.send(post(
        "/graphql",
        Some("application/json"),
        json!({ "query": "query Programme { events(first: 1) { totalCount } }", "operationName": "Programme" }).to_string(),
    ))
    .await;
    let (status, headers, body) = app.get("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/openmetrics-text"))
    );
    let text = String::from_utf8_lossy(&body);
    for expected in [
        "kleinstadt_http_requests_total{route=\"/api/v1/events\",method=\"GET\",status=\"200\"} 1",
        "kleinstadt_http_request_duration_seconds_bucket{le=",
        "kleinstadt_graphql_operations_total{operation=\"Programme\"} 1",
        "kleinstadt_db_pool_connections{state=\"idle\"}",
        "kleinstadt_db_pool_connections{state=\"in_use\"}",
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
    // Raw paths never become labels.
    app.get("/api/v1/towns/VG93bjox").await;
    let (_, _, body) = app.get("/metrics").await;
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("route=\"/api/v1/towns/{id}\""), "{text}");
    assert!(!text.contains("VG93bjox"));
    // The statement counter is the database's own, read at each scrape.
    let statements = |text: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix("kleinstadt_db_statements_total "))
            .and_then(|value| value.trim().parse::<u64>().ok())
    };
    let before = statements(&text).expect("statement counter in /metrics");
    assert!(before <= app.statements().get());
    app.send(post(
        "/graphql",
        Some("application/json"),
        json!({ "query": "{ towns(first: 2) { nodes { name } } }" }).to_string(),
    ))
    .await;
    let (_, _, body) = app.get("/metrics").await;
    let after = statements(&String::from_utf8_lossy(&body)).expect("statement counter");
    assert!(after > before, "{before} → {after}");
    assert!(after <= app.statements().get());
}

/// Holds SQLite's write lock from another connection until dropped.
async fn lock_sqlite(url: &str) -> sea_orm::DatabaseConnection {
    let other = Database::connect(url).await.unwrap();
    other.execute_unprepared("BEGIN IMMEDIATE").await.unwrap();
    other
}

#[tokio::test]
async fn a_locked_or_lost_database_answers_503_and_recovers() {
    let app = TestApp::empty_with(|config| config.db_statement_timeout_ms = 300).await;
    let token = app
        .staff_token("editor@bbsr.example", StaffRole::Editor)
        .await;
    let create = |name: &str| json!({ "input": { "name": name, "kind": "AGENCY" } });
    if app.is_postgres() {
        // A restarted server drops every connection of the pool.
        let admin = Database::connect(app.database_url().as_str())
            .await
            .unwrap();
        admin
            .execute_unprepared(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .await
            .unwrap();
        let _ = admin.close().await;
        let mut codes = Vec::new();
        for attempt in 0..5 {
            let (status, body) = app
                .graphql_as(&token, ORGANISATION, create(&format!("Agentur {attempt}")))
                .await;
            let code = body["errors"][0]["extensions"]["code"]
                .as_str()
                .map(str::to_owned);
            assert!(
                code.is_none() || code.as_deref() == Some("UNAVAILABLE"),
                "{status} {body}"
            );
            codes.push(code);
            if codes.last().is_some_and(Option::is_none) {
                break;
            }
        }
        assert!(
            codes.last().is_some_and(Option::is_none),
            "no recovery: {codes:?}"
        );
        return;
    }
    let lock = lock_sqlite(&app.database_url()).await;
    let started = Instant::now();
    let (_, body) = app
        .graphql_as(&token, ORGANISATION, create("Agentur A"))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{body}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // Reads go on while a writer holds the lock (WAL).
    let data = app
        .query("{ organisations { totalCount } }", json!({}))
        .await;
    assert_eq!(data["organisations"]["totalCount"], 0);
    lock.execute_unprepared("ROLLBACK").await.unwrap();
    let (_, body) = app
        .graphql_as(&token, ORGANISATION, create("Agentur A"))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn overload_is_shed_and_slow_requests_time_out() {
    let app = TestApp::empty_with(|config| {
        config.max_concurrent_requests = 1;
        config.request_timeout_seconds = 1;
        config.db_statement_timeout_ms = 3000;
    })
    .await;
    if app.is_postgres() {
        // Holding a PostgreSQL lock for this is covered by the statement timeout; the layers
        // themselves do not depend on the backend.
        return;
    }
    let token = app
        .staff_token("editor@bbsr.example", StaffRole::Editor)
        .await;
    let lock = lock_sqlite(&app.database_url()).await;
    let slow = app.graphql_as(
        &token,
        ORGANISATION,
        json!({ "input": { "name": "Langsam", "kind": "AGENCY" } }),
    );
    let second = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let started = Instant::now();
        let answer = app.get("/api/v1/towns").await;
        (answer, started.elapsed())
    };
    let started = Instant::now();
    let ((status, body), ((shed, headers, shed_body), shed_after)) = tokio::join!(slow, second);
    assert_eq!(shed, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(parse_json(&shed_body)["error"]["code"], "UNAVAILABLE");
    assert!(headers.get(header::RETRY_AFTER).is_some());
    assert!(
        shed_after < Duration::from_millis(500),
        "shed at once, took {shed_after:?}"
    );
    // The slow request was cut at the request timeout (1 s), not after the 3 s lock wait.
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    drop(lock);
}

/// Starts the real server loop on a free port; returns its address and a trigger to stop it.
async fn server(
    app: &TestApp,
    header_read_timeout: Duration,
    drain: Duration,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let limits = kleinstadt::serve::ServeLimits {
        header_read_timeout,
        drain_deadline: drain,
    };
    let router = app.router();
    let handle = tokio::spawn(async move {
        kleinstadt::serve::serve(listener, router, limits, async {
            let _ = stopped.await;
        })
        .await;
    });
    (address, stop, handle)
}

#[tokio::test]
async fn slow_clients_are_cut_off_and_shutdown_drains() {
    let app = TestApp::empty().await;
    let (address, stop, handle) =
        server(&app, Duration::from_secs(1), Duration::from_secs(2)).await;
    // A normal request works, and the server knows the client's address.
    let mut client = tokio::net::TcpStream::connect(address).await.unwrap();
    client
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    client.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // A client that never finishes its request head is disconnected after the header timeout.
    let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buffer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut buffer)).await;
    assert!(read.is_ok(), "the slow connection was still open after 5 s");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    // Shutdown: no new connections, the loop ends within the drain deadline.
    let _ = stop.send(());
    let ended = tokio::time::timeout(Duration::from_secs(4), handle).await;
    assert!(
        ended.is_ok(),
        "the server did not stop within its drain deadline"
    );
    assert!(tokio::net::TcpStream::connect(address).await.is_err());
}

#[tokio::test]
async fn every_error_of_a_broken_database_is_generic() {
    let app = TestApp::seeded().await;
    // Break the schema behind the server's back: every read of towns fails inside the database.
    let other = Database::connect(app.database_url().as_str())
        .await
        .unwrap();
    other
        .execute_unprepared("ALTER TABLE town RENAME COLUMN population TO inhabitants")
        .await
        .unwrap();
    let (status, headers, body) = app.get("/api/v1/towns").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = parse_json(&body);
    assert_eq!(body["error"]["code"], "INTERNAL");
    assert_eq!(body["error"]["message"], "internal error");
    assert_eq!(
        body["error"]["requestId"].as_str(),
        headers.get("x-request-id").and_then(|v| v.to_str().ok())
    );
    let (_, body) = app
        .graphql("{ towns { nodes { name population } } }", json!({}))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "INTERNAL",
        "{body}"
    );
    assert_eq!(body["errors"][0]["message"], "internal error");
}

/// The introspection query of graphql-js (`getIntrospectionQuery()`), which GraphiQL and client
/// code generators send.
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}"#;

#[tokio::test]
async fn the_standard_introspection_query_is_within_the_limits() {
    let app = TestApp::empty().await;
    let (_, body) = app.graphql(INTROSPECTION, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert!(
        body["data"]["__schema"]["types"]
            .as_array()
            .is_some_and(|t| t.len() > 50)
    );
}
