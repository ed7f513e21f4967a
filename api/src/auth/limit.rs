//! Login rate limits, per account and per client address, in this instance's memory.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{AppError, AppResult};

/// Limits on login attempts.
#[derive(Clone)]
pub struct LoginLimiter {
    per_account: Arc<DefaultKeyedRateLimiter<String>>,
    per_address: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl std::fmt::Debug for LoginLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginLimiter")
    }
}

fn quota(burst: u32, per: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(per / burst.get())
        .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl LoginLimiter {
    /// `per_account` attempts per account and `per_address` per client address, each per minute.
    pub fn new(per_account: u32, per_address: u32) -> Self {
        Self {
            per_account: Arc::new(RateLimiter::keyed(quota(
                per_account,
                Duration::from_secs(60),
            ))),
            per_address: Arc::new(RateLimiter::keyed(quota(
                per_address,
                Duration::from_secs(60),
            ))),
        }
    }

    /// Counts one attempt; refuses it when either limit is exhausted.
    pub fn check(&self, account: &str, address: Option<IpAddr>) -> AppResult<()> {
        let clock = DefaultClock::default();
        if let Some(address) = address
            && let Err(not_until) = self.per_address.check_key(&address)
        {
            let wait = not_until.wait_time_from(clock.now());
            return Err(AppError::RateLimited {
                retry_after: wait.as_secs().max(1),
            });
        }
        if let Err(not_until) = self.per_account.check_key(&account.to_lowercase()) {
            let wait = not_until.wait_time_from(clock.now());
            return Err(AppError::RateLimited {
                retry_after: wait.as_secs().max(1),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_attempt_on_an_account_is_refused() {
        let limiter = LoginLimiter::new(5, 100);
        for _ in 0..5 {
            assert!(limiter.check("a@example.org", None).is_ok());
        }
        assert!(matches!(
            limiter.check("A@example.org", None),
            Err(AppError::RateLimited { .. })
        ));
        assert!(limiter.check("b@example.org", None).is_ok());
    }
}
