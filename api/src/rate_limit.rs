//! Request rate limits, in this instance's memory: per client address for anonymous callers, per
//! account for staff. Answers carry `RateLimit-*` headers; a refused request gets 429 with
//! `Retry-After`.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::error::AppError;
use crate::state::AppState;

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// The limits of one instance.
#[derive(Clone)]
pub struct RequestLimiter {
    anonymous: Option<(u32, Arc<Keyed<IpAddr>>)>,
    staff: Option<(u32, Arc<Keyed<String>>)>,
}

impl std::fmt::Debug for RequestLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestLimiter")
    }
}

fn limiter<K: std::hash::Hash + Eq + Clone>(per_minute: u32) -> Option<(u32, Arc<Keyed<K>>)> {
    let burst = NonZeroU32::new(per_minute)?;
    let quota = Quota::with_period(Duration::from_secs(60) / burst.get())?.allow_burst(burst);
    Some((
        per_minute,
        Arc::new(RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>()),
    ))
}

/// Which bucket a request counts against.
enum Caller {
    Anonymous(IpAddr),
    Staff(String),
    Unknown,
}

/// Outcome of counting one request.
struct Counted {
    limit: u32,
    remaining: u32,
    /// Seconds until the bucket is full again (allowed) or until a retry can succeed (refused).
    seconds: u64,
    allowed: bool,
}

impl RequestLimiter {
    /// `anonymous` requests per minute and address, `staff` per minute and account; 0 = no limit.
    pub fn new(anonymous: u32, staff: u32) -> Self {
        Self {
            anonymous: limiter(anonymous),
            staff: limiter(staff),
        }
    }

    fn count(&self, caller: &Caller) -> Option<Counted> {
        match caller {
            Caller::Anonymous(address) => {
                let (limit, limiter) = self.anonymous.as_ref()?;
                Some(check(*limit, limiter, address))
            }
            Caller::Staff(account) => {
                let (limit, limiter) = self.staff.as_ref()?;
                Some(check(*limit, limiter, account))
            }
            Caller::Unknown => None,
        }
    }
}

fn check<K: std::hash::Hash + Eq + Clone>(limit: u32, limiter: &Keyed<K>, key: &K) -> Counted {
    match limiter.check_key(key) {
        Ok(snapshot) => {
            let remaining = snapshot.remaining_burst_capacity();
            let per_cell = 60.0 / f64::from(limit.max(1));
            Counted {
                limit,
                remaining,
                seconds: (f64::from(limit - remaining.min(limit)) * per_cell).ceil() as u64,
                allowed: true,
            }
        }
        Err(not_until) => Counted {
            limit,
            remaining: 0,
            seconds: not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1),
            allowed: false,
        },
    }
}

fn caller(state: &AppState, request: &Request) -> Caller {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    if let Some(token) = token {
        // An invalid token is refused by the handler; it does not count as anyone's.
        return match state.tokens.verify(token.trim()) {
            Ok(claims) => Caller::Staff(claims.sub),
            Err(_) => Caller::Unknown,
        };
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(Caller::Unknown, |ConnectInfo(address)| {
            Caller::Anonymous(address.ip())
        })
}

fn set_headers(headers: &mut HeaderMap, counted: &Counted) {
    for (name, value) in [
        ("ratelimit-limit", counted.limit.to_string()),
        ("ratelimit-remaining", counted.remaining.to_string()),
        ("ratelimit-reset", counted.seconds.to_string()),
        ("ratelimit-policy", format!("{};w=60", counted.limit)),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
}

/// Counts the request against its caller's bucket; refuses it with 429 when the bucket is empty.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(request.uri().path(), "/health" | "/ready" | "/metrics") {
        return next.run(request).await;
    }
    let caller = caller(&state, &request);
    let Some(counted) = state.request_limiter.count(&caller) else {
        return next.run(request).await;
    };
    if !counted.allowed {
        state.metrics.rate_limited(match caller {
            Caller::Staff(_) => "staff",
            _ => "anonymous",
        });
        let mut response = AppError::RateLimited {
            retry_after: counted.seconds,
        }
        .into_response();
        set_headers(response.headers_mut(), &counted);
        return response;
    }
    let mut response = next.run(request).await;
    set_headers(response.headers_mut(), &counted);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_and_refuses_with_a_wait() {
        let limiter = RequestLimiter::new(3, 0);
        let caller = Caller::Anonymous(IpAddr::from([192, 0, 2, 1]));
        for expected in [2, 1, 0] {
            let counted = limiter.count(&caller);
            assert!(
                counted
                    .as_ref()
                    .is_some_and(|c| c.allowed && c.remaining == expected)
            );
        }
        let refused = limiter.count(&caller);
        assert!(
            refused
                .as_ref()
                .is_some_and(|c| !c.allowed && c.seconds >= 1)
        );
        let other = Caller::Anonymous(IpAddr::from([192, 0, 2, 2]));
        assert!(limiter.count(&other).is_some_and(|c| c.allowed));
        assert!(
            limiter.count(&Caller::Staff("1".into())).is_none(),
            "0 = no limit"
        );
    }
}
