//! Outbound HTTP for webhooks: one POST per attempt, with a total and a connect timeout, no
//! redirects, no proxy, at most a few KiB of the answer read, and only to addresses that
//! [`AllowedNetworks`] permits (checked for IP literals here, for names in the resolver, so a name
//! cannot be made to point inside after it was registered).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use entity::enums::DeliveryOutcome;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use url::{Host, Url};

use super::address::AllowedNetworks;
use super::sign;
use crate::config::Config;
use crate::error::{AppError, AppResult};

/// Bytes of an answer read before it is dropped.
const ANSWER_LIMIT: usize = 4096;

/// Longest URL accepted.
const MAX_URL: usize = 2000;

/// A message to send: its `webhook-id` and its JSON body.
#[derive(Clone, Debug)]
pub struct Message {
    pub id: String,
    pub body: Vec<u8>,
}

/// How one attempt went.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub outcome: DeliveryOutcome,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// What went wrong, in a few words (no detail of ours).
    pub error: Option<String>,
    pub duration: Duration,
}

/// Why a URL cannot take webhooks; `None` when it can.
pub fn url_problem(url: &str) -> Option<&'static str> {
    if url.len() > MAX_URL {
        return Some("must be at most 2000 characters");
    }
    let Ok(parsed) = Url::parse(url) else {
        return Some("must be an absolute http(s) URL");
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return Some("must be an http or https URL");
    }
    if parsed.host().is_none() {
        return Some("must name a host");
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Some("must not carry credentials");
    }
    None
}

/// The HTTP client of the dispatcher and of pings.
#[derive(Clone)]
pub struct WebhookClient {
    http: reqwest::Client,
    allowed: Arc<AllowedNetworks>,
    timeout: Duration,
}

impl WebhookClient {
    /// A client with the configured timeout and allowed networks.
    pub fn new(config: &Config) -> AppResult<Self> {
        let allowed = Arc::new(AllowedNetworks::parse(&config.webhook_allowed_networks)?);
        let timeout = Duration::from_secs(config.webhook_timeout_seconds.max(1));
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("kleinstadt-webhooks/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(2)
            .dns_resolver(Arc::new(GuardedResolver {
                allowed: allowed.clone(),
            }))
            .build()
            .map_err(|e| AppError::Internal(format!("cannot build the webhook client: {e}")))?;
        Ok(Self {
            http,
            allowed,
            timeout,
        })
    }

    /// The longest an attempt may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Signs `message` with `secret` for this moment and POSTs it to `url`.
    pub async fn send(&self, url: &str, secret: &str, message: &Message) -> Attempt {
        let started = Instant::now();
        let finish = |outcome, status: Option<u16>, error: Option<String>| Attempt {
            outcome,
            status,
            error,
            duration: started.elapsed(),
        };
        let parsed = match url_problem(url).map_or_else(|| Url::parse(url).ok(), |_| None) {
            Some(parsed) => parsed,
            None => {
                return finish(
                    DeliveryOutcome::Refused,
                    None,
                    Some("the URL cannot take webhooks".to_owned()),
                );
            }
        };
        let literal = match parsed.host() {
            Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        if let Some(ip) = literal
            && let Err(reason) = self.allowed.check(ip)
        {
            return finish(
                DeliveryOutcome::Refused,
                None,
                Some(format!("refused: {ip} is {reason}")),
            );
        }
        let headers = match headers(secret, message) {
            Ok(headers) => headers,
            Err(error) => {
                tracing::error!(error = %error.detail(), "cannot sign a webhook");
                return finish(
                    DeliveryOutcome::Failed,
                    None,
                    Some("the message could not be signed".to_owned()),
                );
            }
        };
        let sent = self
            .http
            .post(parsed)
            .headers(headers)
            .body(message.body.clone())
            .send()
            .await;
        match sent {
            Ok(mut response) => {
                let status = response.status();
                let mut read = 0;
                while read < ANSWER_LIMIT {
                    match response.chunk().await {
                        Ok(Some(chunk)) => read += chunk.len(),
                        _ => break,
                    }
                }
                drop(response);
                let code = Some(status.as_u16());
                if status.is_success() {
                    finish(DeliveryOutcome::Delivered, code, None)
                } else if status == reqwest::StatusCode::GONE {
                    finish(
                        DeliveryOutcome::Gone,
                        code,
                        Some("the receiver answered 410 Gone".to_owned()),
                    )
                } else if status.is_redirection() {
                    finish(
                        DeliveryOutcome::Failed,
                        code,
                        Some(format!(
                            "redirects are not followed (HTTP {})",
                            status.as_u16()
                        )),
                    )
                } else {
                    finish(
                        DeliveryOutcome::Failed,
                        code,
                        Some(format!("HTTP {}", status.as_u16())),
                    )
                }
            }
            Err(error) => {
                if let Some(refused) = refused_in(&error) {
                    finish(DeliveryOutcome::Refused, None, Some(refused))
                } else if error.is_timeout() {
                    finish(
                        DeliveryOutcome::TimedOut,
                        None,
                        Some(format!(
                            "no answer within {} s",
                            self.timeout.as_secs().max(1)
                        )),
                    )
                } else if error.is_connect() {
                    finish(
                        DeliveryOutcome::Failed,
                        None,
                        Some("cannot connect to the receiver".to_owned()),
                    )
                } else {
                    finish(
                        DeliveryOutcome::Failed,
                        None,
                        Some("the request failed".to_owned()),
                    )
                }
            }
        }
    }
}

/// The Standard Webhooks headers of `message`, signed now.
fn headers(secret: &str, message: &Message) -> AppResult<HeaderMap> {
    let timestamp = chrono::Utc::now().timestamp();
    let signature = sign::signature(secret, &message.id, timestamp, &message.body)?;
    let value = |text: &str| {
        HeaderValue::from_str(text)
            .map_err(|_| AppError::Internal("a webhook header is not valid".to_owned()))
    };
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("webhook-id", value(&message.id)?);
    headers.insert("webhook-timestamp", value(&timestamp.to_string())?);
    headers.insert("webhook-signature", value(&signature)?);
    Ok(headers)
}

/// A name that resolves only to addresses webhooks may not go to.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// The message of a [`Refused`] anywhere in the causes of `error`.
fn refused_in(error: &reqwest::Error) -> Option<String> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(refused) = current.downcast_ref::<Refused>() {
            return Some(refused.0.clone());
        }
        cause = current.source();
    }
    None
}

/// Resolves names with the system resolver and drops the addresses webhooks may not go to.
struct GuardedResolver {
    allowed: Arc<AllowedNetworks>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allowed = self.allowed.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut reason = None;
            let permitted: Vec<SocketAddr> = found
                .into_iter()
                .filter(|address| match allowed.check(address.ip()) {
                    Ok(()) => true,
                    Err(why) => {
                        reason.get_or_insert(why);
                        false
                    }
                })
                .collect();
            if permitted.is_empty() {
                let error: Box<dyn std::error::Error + Send + Sync> = match reason {
                    Some(reason) => {
                        Box::new(Refused(format!("refused: {host} resolves to {reason}")))
                    }
                    None => format!("{host} has no address").into(),
                };
                return Err(error);
            }
            let addresses: Addrs = Box::new(permitted.into_iter());
            Ok(addresses)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_urls_take_webhooks() {
        assert_eq!(url_problem("https://hooks.example.org/in?x=1"), None);
        assert_eq!(url_problem("http://127.0.0.1:8080/"), None);
        assert!(url_problem("ftp://example.org/").is_some());
        assert!(url_problem("https://user:pw@example.org/").is_some());
        assert!(url_problem("https://user@example.org/").is_some());
        assert!(url_problem("example.org/hook").is_some());
        assert!(url_problem("file:///etc/passwd").is_some());
        assert!(url_problem(&format!("https://example.org/{}", "a".repeat(2000))).is_some());
    }
}
