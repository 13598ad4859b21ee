//! Throttling of sign-in attempts, per e-mail and per client address, so that guessing
//! passwords is slow while a person who mistypes twice is not held up.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

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
}
