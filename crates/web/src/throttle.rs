//! Throttling: of sign-in attempts, per e-mail and per client address, so that guessing
//! passwords is slow while a person who mistypes twice is not held up; and of API requests,
//! per token (or per address without a valid one).

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Keys kept before idle ones are swept.
const MAX_KEYS: usize = 10_000;

pub struct LoginThrottle {
    by_email: DefaultKeyedRateLimiter<String>,
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
}

fn quota(burst: u32, every: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(every)
        .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
        .allow_burst(burst)
}

impl LoginThrottle {
    pub fn new() -> Self {
        LoginThrottle {
            // Five tries at once, then one every 20 seconds per account.
            by_email: RateLimiter::keyed(quota(5, Duration::from_secs(20))),
            // A whole office may share one address behind NAT: more room per address.
            by_ip: RateLimiter::keyed(quota(30, Duration::from_secs(2))),
        }
    }

    /// Whether another attempt for this e-mail from this address may go ahead now.
    pub fn allow(&self, email: &str, ip: Option<IpAddr>) -> bool {
        // Guessing through many made-up e-mails must not grow memory without end: forget keys
        // whose budget has refilled once there are many.
        if self.by_email.len() > MAX_KEYS {
            self.by_email.retain_recent();
        }
        if self.by_ip.len() > MAX_KEYS {
            self.by_ip.retain_recent();
        }
        let email_ok = self
            .by_email
            .check_key(&email.trim().to_lowercase())
            .is_ok();
        let ip_ok = ip.is_none_or(|ip| self.by_ip.check_key(&ip).is_ok());
        email_ok && ip_ok
    }
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new()
    }
}

/// A rate per key (`per_minute` with bursts of `burst`), with memory bounded like
/// [`LoginThrottle`]'s.
pub struct KeyedThrottle<K: Hash + Eq + Clone> {
    /// None: no limit.
    limiter: Option<DefaultKeyedRateLimiter<K>>,
}

impl<K: Hash + Eq + Clone> KeyedThrottle<K> {
    /// `per_minute` 0 turns the limit off.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        let limiter = NonZeroU32::new(per_minute).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
            RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
        });
        KeyedThrottle { limiter }
    }

    /// Ok if a request for `key` may go ahead now; otherwise how long until one may.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if limiter.len() > MAX_KEYS {
            limiter.retain_recent();
        }
        limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
    }
}

/// Whose budget an API request spends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ApiCaller {
    /// A valid token, by id.
    Token(i64),
    /// No valid token: the client's address (None when unknown, all such requests together).
    Address(Option<IpAddr>),
}

pub type ApiThrottle = KeyedThrottle<ApiCaller>;

/// Posts to the public website forms, per client address (`None`: unknown, one budget).
pub type FormThrottle = KeyedThrottle<Option<IpAddr>>;

impl FormThrottle {
    /// Five at once, then five a minute: plenty for people, little for a spam script.
    pub fn for_forms() -> Self {
        KeyedThrottle::new(5, 5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixth_quick_attempt_is_refused() {
        let t = LoginThrottle::new();
        for _ in 0..5 {
            assert!(t.allow("a@example.com", None));
        }
        assert!(
            !t.allow("A@example.com", None),
            "case does not open a new budget"
        );
        assert!(t.allow("b@example.com", None));
    }

    #[test]
    fn keyed_throttle_refuses_past_the_burst_and_says_how_long() {
        let t = ApiThrottle::new(60, 3);
        let key = ApiCaller::Token(1);
        for _ in 0..3 {
            assert!(t.check(&key).is_ok());
        }
        let wait = t.check(&key).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1));
        assert!(
            t.check(&ApiCaller::Token(2)).is_ok(),
            "another token, another budget"
        );
        let off = ApiThrottle::new(0, 0);
        for _ in 0..1000 {
            assert!(off.check(&key).is_ok());
        }
    }

    #[test]
    fn sixth_quick_form_post_waits() {
        let t = FormThrottle::for_forms();
        let ip: Option<IpAddr> = Some("203.0.113.5".parse().unwrap());
        for _ in 0..5 {
            assert!(t.check(&ip).is_ok());
        }
        let wait = t.check(&ip).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(12));
        assert!(t.check(&Some("203.0.113.6".parse().unwrap())).is_ok());
    }
}
