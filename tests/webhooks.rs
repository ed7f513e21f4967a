//! Webhooks: endpoints registered by administrators receive the public changes made through the API,
//! signed per Standard Webhooks, in change-log order, with retries, replays, pings and a refusal of
//! addresses inside the network.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use kleinstadt::config::Config;
use kleinstadt::webhook::Dispatcher;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::receiver::{Received, Receiver};
use crate::support::{Client, TestApp, error_code};

const REGISTER: &str = "mutation($input: RegisterWebhookEndpointInput!) {
  registerWebhookEndpoint(input: $input) { secret endpoint { id version url enabled deliveredThrough types } }
}";

const ENDPOINT: &str = "query($id: ID!) { webhookEndpoint(id: $id) {
  enabled disabledReason deliveredThrough failedAttempts version
  deliveries(first: 100) { totalCount nodes { position messageId attempt status outcome error durationMs } }
} }";

const CREATE_TOWN: &str =
    "mutation($input: CreateTownInput!) { createTown(input: $input) { id version } }";

const UPDATE_TOWN: &str = "mutation($id: ID!, $v: Int!, $input: UpdateTownInput!) {
  updateTown(id: $id, expectedVersion: $v, input: $input) { id version }
}";

/// Loopback allowed (the receiver is there), quick retries and polls.
fn fast(config: &mut Config) {
    config.webhook_allowed_networks = "127.0.0.0/8".to_owned();
    config.webhook_backoff_base_ms = 20;
    config.webhook_poll_ms = 20;
    config.webhook_timeout_seconds = 5;
}

/// Registers an endpoint; returns its ID and secret.
async fn register(admin: &Client<'_>, input: Value) -> (String, String) {
    let data = admin.ok(REGISTER, json!({ "input": input })).await;
    let payload = &data["registerWebhookEndpoint"];
    (
        payload["endpoint"]["id"].as_str().unwrap().to_owned(),
        payload["secret"].as_str().unwrap().to_owned(),
    )
}

async fn endpoint(admin: &Client<'_>, id: &str) -> Value {
    admin.ok(ENDPOINT, json!({ "id": id })).await["webhookEndpoint"].clone()
}

/// Waits until `done` holds for the endpoint as GraphQL shows it.
async fn wait_endpoint(admin: &Client<'_>, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let found = endpoint(admin, id).await;
        if done(&found) {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the endpoint did not get there: {found}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn create_town(editor: &Client<'_>, name: &str) -> Value {
    editor
        .ok(CREATE_TOWN, json!({ "input": { "name": name } }))
        .await["createTown"]
        .clone()
}

async fn set_population(editor: &Client<'_>, town: &Value, population: i32) -> Value {
    editor
        .ok(
            UPDATE_TOWN,
            json!({ "id": town["id"], "v": town["version"], "input": { "population": population } }),
        )
        .await["updateTown"]
        .clone()
}

/// Checks the Standard Webhooks signature of a request with the endpoint's secret.
fn assert_signed(secret: &str, request: &Received) {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(
        format!(
            "{}.{}.",
            request.header("webhook-id"),
            request.header("webhook-timestamp")
        )
        .as_bytes(),
    );
    mac.update(&request.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    assert!(
        request
            .header("webhook-signature")
            .split(' ')
            .any(|signature| signature == expected),
        "bad signature on {:?}",
        request.headers
    );
}

fn ids(received: &[Received]) -> Vec<i64> {
    received
        .iter()
        .map(|request| request.header("webhook-id").parse().unwrap())
        .collect()
}

#[tokio::test]
async fn changes_arrive_signed_and_in_order() {
    let app = TestApp::empty_with(fast).await;
    let receiver = Receiver::start(Duration::ZERO).await;
    let admin = app.admin().await;
    let editor = app.editor().await;
    let before = create_town(&editor, "Vorher").await;
    let (id, secret) = register(
        &admin,
        json!({ "url": receiver.url("all"), "description": "Alles" }),
    )
    .await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    let dispatcher = Dispatcher::start(app.state.clone());

    let town = create_town(&editor, "Neustadt").await;
    let town = set_population(&editor, &town, 4200).await;
    set_population(&editor, &before, 900).await;

    let received = receiver.wait_delivered("all", 3).await;
    assert_eq!(received.len(), 3);
    let positions = ids(&received);
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "{positions:?}"
    );
    let now = chrono::Utc::now().timestamp();
    for request in &received {
        assert_signed(&secret, request);
        assert_eq!(request.header("content-type"), "application/json");
        let sent: i64 = request.header("webhook-timestamp").parse().unwrap();
        assert!((now - sent).abs() < 300, "timestamp {sent}");
        let body = request.json();
        assert!(chrono::DateTime::parse_from_rfc3339(body["timestamp"].as_str().unwrap()).is_ok());
        assert!(body["data"].is_object(), "{body}");
    }
    let types: Vec<Value> = received.iter().map(|r| r.json()["type"].clone()).collect();
    assert_eq!(types, ["town.created", "town.updated", "town.updated"]);
    assert_eq!(received[0].json()["data"]["id"], town["id"]);
    assert_eq!(received[2].json()["data"]["id"], before["id"]);

    let shown = wait_endpoint(&admin, &id, |e| {
        e["deliveredThrough"].as_i64() == positions.last().copied()
    })
    .await;
    assert_eq!(shown["failedAttempts"], 0);
    let log = shown["deliveries"]["nodes"].as_array().unwrap();
    assert_eq!(log.len(), 3);
    // Newest first.
    assert_eq!(log[0]["position"].as_i64(), Some(positions[2]));
    assert!(
        log.iter()
            .all(|d| d["outcome"] == "DELIVERED" && d["status"] == 200)
    );

    // The secret is shown once: no field shows it, and the audit log masks it.
    let (_, body) = admin
        .graphql(
            "query($id: ID!) { webhookEndpoint(id: $id) { secret } }",
            json!({ "id": id }),
        )
        .await;
    assert!(body["errors"].is_array(), "{body}");
    let audit = admin
        .ok(
            "{ auditLog(filter: { entityType: \"WebhookEndpoint\" }) { nodes { action changes } } }",
            json!({}),
        )
        .await;
    let entry = &audit["auditLog"]["nodes"][0];
    assert_eq!(entry["changes"]["secret"]["after"], "***", "{entry}");
    assert!(!audit.to_string().contains(&secret));
    dispatcher.stop().await;
}

#[tokio::test]
async fn failures_are_retried_and_later_changes_wait() {
    let app = TestApp::empty_with(fast).await;
    let receiver = Receiver::start(Duration::ZERO).await;
    let admin = app.admin().await;
    let editor = app.editor().await;
    let (id, secret) = register(&admin, json!({ "url": receiver.url("flaky") })).await;
    receiver.script(&[500, 503, 500]);
    let dispatcher = Dispatcher::start(app.state.clone());

    create_town(&editor, "Erste").await;
    create_town(&editor, "Zweite").await;
    let received = receiver.wait_delivered("flaky", 2).await;
    let positions = ids(&received);
    let statuses: Vec<u16> = received.iter().map(|r| r.status).collect();
    // The first change is retried until it succeeds; the second waits behind it.
    assert_eq!(statuses, [500, 503, 500, 200, 200], "{positions:?}");
    assert!(positions[..4].iter().all(|p| *p == positions[0]));
    assert!(positions[4] > positions[0]);
    for request in &received {
        assert_signed(&secret, request);
    }
    let shown = wait_endpoint(&admin, &id, |e| {
        e["deliveredThrough"].as_i64() == Some(positions[4])
    })
    .await;
    assert_eq!(shown["failedAttempts"], 0);
    let mut log = shown["deliveries"]["nodes"].as_array().unwrap().clone();
    log.reverse();
    let attempts: Vec<(Value, Value)> = log
        .iter()
        .map(|d| (d["attempt"].clone(), d["outcome"].clone()))
        .collect();
    assert_eq!(
        attempts,
        [
            (json!(1), json!("FAILED")),
            (json!(2), json!("FAILED")),
            (json!(3), json!("FAILED")),
            (json!(4), json!("DELIVERED")),
            (json!(1), json!("DELIVERED")),
        ]
    );
    assert_eq!(log[0]["error"], "HTTP 500");
    dispatcher.stop().await;
}

#[tokio::test]
async fn gone_and_long_streaks_disable_until_enabled_again() {
    let app = TestApp::empty_with(|config| {
        fast(config);
        config.webhook_disable_after_seconds = 0;
    })
    .await;
    let receiver = Receiver::start(Duration::ZERO).await;
    let admin = app.admin().await;
    let editor = app.editor().await;
    let (gone, _) = register(&admin, json!({ "url": receiver.url("gone") })).await;
    let (broken, _) = register(&admin, json!({ "url": receiver.url("broken") })).await;
    receiver.always("gone", 410);
    receiver.always("broken", 502);
    let dispatcher = Dispatcher::start(app.state.clone());

    create_town(&editor, "Irgendwo").await;
    let shown = wait_endpoint(&admin, &gone, |e| e["enabled"] == false).await;
    assert_eq!(shown["disabledReason"], "the receiver answered 410 Gone");
    assert_eq!(shown["deliveries"]["nodes"][0]["outcome"], "GONE");
    assert_eq!(shown["deliveries"]["nodes"][0]["status"], 410);
    let shown = wait_endpoint(&admin, &broken, |e| e["enabled"] == false).await;
    assert!(
        shown["disabledReason"]
            .as_str()
            .unwrap()
            .contains("HTTP 502"),
        "{shown}"
    );
    assert_eq!(receiver.received("gone").len(), 1);

    // Enabled again, it resumes with the change it did not get.
    receiver.always("gone", 200);
    let enabled = admin
        .ok(
            "mutation($id: ID!) { enableWebhookEndpoint(id: $id) { enabled disabledReason failedAttempts } }",
            json!({ "id": gone }),
        )
        .await;
    assert_eq!(
        enabled["enableWebhookEndpoint"],
        json!({ "enabled": true, "disabledReason": null, "failedAttempts": 0 })
    );
    let received = receiver.wait_delivered("gone", 1).await;
    assert_eq!(
        received[0].header("webhook-id"),
        received[1].header("webhook-id")
    );
    dispatcher.stop().await;
}

#[tokio::test]
async fn replay_delivers_again_from_a_position() {
    let app = TestApp::empty_with(fast).await;
    let receiver = Receiver::start(Duration::ZERO).await;
    let admin = app.admin().await;
    let editor = app.editor().await;
    let (id, _) = register(&admin, json!({ "url": receiver.url("replay") })).await;
    let dispatcher = Dispatcher::start(app.state.clone());
    create_town(&editor, "Eins").await;
    create_town(&editor, "Zwei").await;
    let first = ids(&receiver.wait_delivered("replay", 2).await);

    let replayed = admin
        .ok(
            "mutation($id: ID!, $from: Int!) { replayWebhookEndpoint(id: $id, from: $from) { deliveredThrough } }",
            json!({ "id": id, "from": first[0] }),
        )
        .await;
    assert_eq!(
        replayed["replayWebhookEndpoint"]["deliveredThrough"].as_i64(),
        Some(first[0] - 1)
    );
    let again = ids(&receiver.wait_delivered("replay", 4).await);
    assert_eq!(again, [first[0], first[1], first[0], first[1]]);

    let refused = admin
        .fails(
            "mutation($id: ID!) { replayWebhookEndpoint(id: $id, from: 0) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&refused), Some("BAD_USER_INPUT"));
    assert_eq!(refused["errors"][0]["extensions"]["field"], "from");
    dispatcher.stop().await;
}

#[tokio::test]
async fn a_ping_is_sent_at_once_and_logged() {
    let app = TestApp::empty_with(fast).await;
    let receiver = Receiver::start(Duration::ZERO).await;
    let admin = app.admin().await;
    let (id, secret) = register(&admin, json!({ "url": receiver.url("ping") })).await;
    let ping = admin
        .ok(
            "mutation($id: ID!) { pingWebhookEndpoint(id: $id) { position messageId attempt status outcome error } }",
            json!({ "id": id }),
        )
        .await["pingWebhookEndpoint"]
        .clone();
    assert_eq!(ping["outcome"], "DELIVERED", "{ping}");
    assert_eq!(ping["status"], 200);
    assert_eq!(ping["position"], Value::Null);
    assert!(ping["messageId"].as_str().unwrap().starts_with("ping_"));
    let received = receiver.received("ping");
    assert_eq!(received.len(), 1);
    assert_signed(&secret, &received[0]);
    assert_eq!(received[0].header("webhook-id"), ping["messageId"]);
    assert_eq!(received[0].json()["type"], "ping");
    let shown = endpoint(&admin, &id).await;
    assert_eq!(shown["deliveries"]["totalCount"], 1);
}

#[tokio::test]
async fn only_administrators_manage_webhooks() {
    let app = TestApp::empty_with(fast).await;
    let editor = app.editor().await;
    let input = json!({ "input": { "url": "https://hooks.example.org/in" } });
    let anonymous = app.anonymous().fails(REGISTER, input.clone()).await;
    assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));
    let refused = editor.fails(REGISTER, input).await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"));
    let listed = editor
        .fails("{ webhookEndpoints { nodes { id url } } }", json!({}))
        .await;
    assert_eq!(error_code(&listed), Some("FORBIDDEN"));
    let listed = app
        .anonymous()
        .fails("{ webhookEndpoints { nodes { id url } } }", json!({}))
        .await;
    assert_eq!(error_code(&listed), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn urls_are_checked_and_internal_addresses_refused() {
    // Default settings: no network besides public addresses is allowed.
    let app = TestApp::empty_with(|config| {
        config.webhook_backoff_base_ms = 20;
        config.webhook_poll_ms = 20;
    })
    .await;
    let receiver = Receiver::start(Duration::ZERO).await;
    let admin = app.admin().await;
    for (url, problem) in [
        ("ftp://hooks.example.org/in", "http or https"),
        ("https://user:secret@hooks.example.org/in", "credentials"),
        ("hooks.example.org/in", "absolute"),
    ] {
        let body = admin
            .fails(REGISTER, json!({ "input": { "url": url } }))
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{url}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "url", "{url}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(problem), "{url}: {message}");
    }
    let bad_type = admin
        .fails(
            REGISTER,
            json!({ "input": { "url": "https://hooks.example.org/in", "types": ["Banana"] } }),
        )
        .await;
    assert_eq!(bad_type["errors"][0]["extensions"]["field"], "types");

    let ping = "mutation($id: ID!) { pingWebhookEndpoint(id: $id) { status outcome error } }";
    let (literal, _) = register(&admin, json!({ "url": receiver.url("inside") })).await;
    let refused = admin.ok(ping, json!({ "id": literal })).await["pingWebhookEndpoint"].clone();
    assert_eq!(refused["outcome"], "REFUSED", "{refused}");
    assert_eq!(refused["status"], Value::Null);
    assert!(
        refused["error"].as_str().unwrap().contains("loopback"),
        "{refused}"
    );

    let port = receiver.base.rsplit(':').next().unwrap();
    let (named, _) = register(
        &admin,
        json!({ "url": format!("http://localhost:{port}/hooks/inside") }),
    )
    .await;
    let refused = admin.ok(ping, json!({ "id": named })).await["pingWebhookEndpoint"].clone();
    assert_eq!(refused["outcome"], "REFUSED", "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains("localhost"),
        "{refused}"
    );

    // The dispatcher refuses the same way, and retries later.
    let dispatcher = Dispatcher::start(app.state.clone());
    create_town(&app.editor().await, "Drinnen").await;
    let shown = wait_endpoint(&admin, &literal, |e| {
        e["failedAttempts"].as_i64() >= Some(1)
    })
    .await;
    assert_eq!(shown["enabled"], true);
    assert_eq!(shown["deliveries"]["nodes"][0]["outcome"], "REFUSED");
    assert!(receiver.received("inside").is_empty());
    dispatcher.stop().await;
}

#[tokio::test]
async fn filters_choose_the_changes() {
    let app = TestApp::empty_with(fast).await;
    let receiver = Receiver::start(Duration::ZERO).await;
    let admin = app.admin().await;
    let editor = app.editor().await;
    let watched = create_town(&editor, "Beobachtet").await;
    let other = create_town(&editor, "Andere").await;
    let (one_town, _) = register(
        &admin,
        json!({ "url": receiver.url("town"), "townId": watched["id"] }),
    )
    .await;
    register(
        &admin,
        json!({ "url": receiver.url("towns"), "types": ["Town"] }),
    )
    .await;
    register(
        &admin,
        json!({ "url": receiver.url("events"), "types": ["Event"] }),
    )
    .await;
    let dispatcher = Dispatcher::start(app.state.clone());

    set_population(&editor, &other, 100).await;
    set_population(&editor, &watched, 200).await;
    let event = editor
        .create_event(json!({ "title": "Werkstatt", "startsAtLocal": "2031-05-06T10:00:00" }))
        .await;
    editor.publish_event(event["id"].as_str().unwrap()).await;

    let towns = receiver.wait_delivered("towns", 2).await;
    let data: Vec<Value> = towns
        .iter()
        .map(|r| r.json()["data"]["id"].clone())
        .collect();
    assert_eq!(data, [other["id"].clone(), watched["id"].clone()]);
    let events = receiver.wait_delivered("events", 1).await;
    // The draft was hidden; it appears when published.
    assert_eq!(events[0].json()["type"], "event.published");
    assert_eq!(events[0].json()["data"]["id"], event["id"]);
    let last = ids(&events)[0];
    wait_endpoint(&admin, &one_town, |e| {
        e["deliveredThrough"].as_i64() >= Some(last)
    })
    .await;
    let town = receiver.received("town");
    assert_eq!(town.len(), 1);
    assert_eq!(town[0].json()["data"]["id"], watched["id"]);
    assert_eq!(receiver.received("events").len(), 1);
    assert_eq!(receiver.received("towns").len(), 2);
    dispatcher.stop().await;
}

#[tokio::test]
async fn two_instances_deliver_each_change_once_in_order() {
    // On PostgreSQL as deployed with several instances; on SQLite as two processes on one file (the
    // claim is one guarded UPDATE on both).
    let app = TestApp::empty_with(fast).await;
    let second = app.second_instance(fast).await;
    // Slow answers, so that the instances overlap.
    let receiver = Receiver::start(Duration::from_millis(40)).await;
    let admin = app.admin().await;
    let editor = app.editor().await;
    register(&admin, json!({ "url": receiver.url("a") })).await;
    register(&admin, json!({ "url": receiver.url("b") })).await;
    let dispatchers = [
        Dispatcher::start(app.state.clone()),
        Dispatcher::start(second.clone()),
    ];
    for n in 0..12 {
        create_town(&editor, &format!("Stadt {n}")).await;
    }
    for path in ["a", "b"] {
        let received = receiver.wait_delivered(path, 12).await;
        let positions = ids(&received);
        assert_eq!(positions.len(), 12, "{path}: {positions:?}");
        assert!(
            positions.windows(2).all(|pair| pair[0] < pair[1]),
            "{path}: {positions:?}"
        );
        assert_eq!(receiver.most_in_flight(path), 1, "{path}");
    }
    for dispatcher in dispatchers {
        dispatcher.stop().await;
    }
    assert_eq!(receiver.received("a").len(), 12);
    assert_eq!(receiver.received("b").len(), 12);
}
