//! A webhook receiver on 127.0.0.1: records every request, answers with the statuses a test
//! scripts, and counts the requests it handles at once per path.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    /// The last path segment (which endpoint it was for).
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The status the receiver answered.
    pub status: u16,
}

impl Received {
    /// A header as text.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    /// Statuses to answer next, in order; then 200.
    script: VecDeque<u16>,
    /// Statuses to answer always, per path.
    fixed: HashMap<String, u16>,
    in_flight: HashMap<String, usize>,
    most_in_flight: HashMap<String, usize>,
}

/// A running receiver; its server ends with the runtime of the test.
#[derive(Clone)]
pub struct Receiver {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    inner: Arc<Mutex<Inner>>,
    delay: Duration,
}

async fn handle(
    State(receiver): State<Receiver>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    {
        let mut inner = receiver.inner.lock().unwrap();
        let now = {
            let count = inner.in_flight.entry(path.clone()).or_default();
            *count += 1;
            *count
        };
        let most = inner.most_in_flight.entry(path.clone()).or_default();
        *most = (*most).max(now);
    }
    tokio::time::sleep(receiver.delay).await;
    let mut inner = receiver.inner.lock().unwrap();
    let status = match inner.fixed.get(&path) {
        Some(status) => *status,
        None => inner.script.pop_front().unwrap_or(200),
    };
    inner.received.push(Received {
        path: path.clone(),
        headers,
        body: body.to_vec(),
        status,
    });
    *inner.in_flight.entry(path).or_default() -= 1;
    StatusCode::from_u16(status).unwrap()
}

impl Receiver {
    /// Starts a receiver that answers after `delay`.
    pub async fn start(delay: Duration) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = Self {
            base: format!("http://{}", listener.local_addr().unwrap()),
            inner: Arc::default(),
            delay,
        };
        let app = Router::new()
            .route("/hooks/{path}", post(handle))
            .with_state(receiver.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        receiver
    }

    /// The URL of endpoint `path` on this receiver.
    pub fn url(&self, path: &str) -> String {
        format!("{}/hooks/{path}", self.base)
    }

    /// Answers the next requests with `statuses`, in order (then 200 again).
    pub fn script(&self, statuses: &[u16]) {
        self.inner.lock().unwrap().script.extend(statuses);
    }

    /// Answers every request to `path` with `status`.
    pub fn always(&self, path: &str, status: u16) {
        self.inner
            .lock()
            .unwrap()
            .fixed
            .insert(path.to_owned(), status);
    }

    /// The requests to `path` so far.
    pub fn received(&self, path: &str) -> Vec<Received> {
        self.inner
            .lock()
            .unwrap()
            .received
            .iter()
            .filter(|request| request.path == path)
            .cloned()
            .collect()
    }

    /// The most requests to `path` handled at once.
    pub fn most_in_flight(&self, path: &str) -> usize {
        self.inner
            .lock()
            .unwrap()
            .most_in_flight
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// Waits until `done` holds for the requests to `path` (a deadline of a minute only catches a
    /// dispatcher that stopped); returns them.
    pub async fn wait(&self, path: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let received = self.received(path);
            if done(&received) {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the receiver did not get what was expected at {path}: {:?}",
                received
                    .iter()
                    .map(|r| (r.header("webhook-id").to_owned(), r.status))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until `path` got `count` requests answered with 2xx; returns all its requests.
    pub async fn wait_delivered(&self, path: &str, count: usize) -> Vec<Received> {
        self.wait(path, |received| {
            received.iter().filter(|r| r.status < 300).count() >= count
        })
        .await
    }
}
