//! Sending webhooks, on a thread of the worker: claim due deliveries under a lease, POST each
//! (no database transaction is open meanwhile), then record the outcome. A slow receiver
//! delays other deliveries, never reminders.
//!
//! The address is checked after the name is resolved, every address of it, and the connection
//! goes to the addresses checked — resolved once, so a name that answers with a public address
//! to a check and a private one to the connection (DNS rebinding) gets nowhere.

use std::io::Read;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crm_core::webhook::{self, Attempt, MAX_RESPONSE_KEPT, MAX_RESPONSE_READ, TIMEOUT_SECONDS};
use crm_store::{ClaimedDelivery, Store, StoreResult};
use ureq::config::Config;
use ureq::http::Uri;
use ureq::tls::{RootCerts, TlsConfig};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// Deliveries taken per round, sent side by side: one round then lasts at most one request's
/// time-out, well inside the lease.
pub const BATCH: usize = 8;
/// Pause between rounds when nothing was due.
const IDLE: Duration = Duration::from_millis(500);

/// Sends due deliveries until told to stop.
pub fn run(store: &Store, worker: &str, stop: &AtomicBool) {
    while !stop.load(Ordering::Acquire) {
        match deliver_due(store, worker, Utc::now()) {
            Ok(n) if n == BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "webhook outbox unavailable"),
        }
        std::thread::sleep(IDLE);
    }
}

/// One round: claims deliveries due by `now`, sends them, records each outcome as of `now`
/// (so tests can step through the retry schedule without waiting). Returns how many were
/// claimed.
pub fn deliver_due(store: &Store, worker: &str, now: DateTime<Utc>) -> StoreResult<usize> {
    let claimed = store.claim_webhook_deliveries(worker, BATCH, now)?;
    let attempts: Vec<Attempt> = std::thread::scope(|s| {
        let running: Vec<_> = claimed.iter().map(|c| s.spawn(move || send(c))).collect();
        running
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| Attempt {
                    error: "the sender stopped unexpectedly".into(),
                    ..Attempt::default()
                })
            })
            .collect()
    });
    for (c, attempt) in claimed.iter().zip(&attempts) {
        match store.settle_webhook_delivery(worker, c, now, attempt) {
            Ok(Some(status)) => tracing::info!(
                delivery = c.id,
                event = %c.event,
                status = status.as_str(),
                http_status = attempt.http_status,
                error = %attempt.error,
                "webhook attempt"
            ),
            Ok(None) => tracing::warn!(delivery = c.id, "webhook delivery lease lost"),
            Err(e) => {
                tracing::warn!(delivery = c.id, error = %e, "cannot record a webhook attempt")
            }
        }
    }
    Ok(claimed.len())
}

/// Resolves as ureq would, then refuses private addresses unless allowed; the connector gets
/// exactly the addresses checked here.
#[derive(Debug)]
struct CheckedResolver {
    allow_private: bool,
    refused: Arc<Mutex<Option<IpAddr>>>,
}

impl Resolver for CheckedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = DefaultResolver::default().resolve(uri, config, timeout)?;
        let ips: Vec<IpAddr> = addrs.iter().map(|a| a.ip()).collect();
        if let Err(ip) = webhook::check_resolved(&ips, self.allow_private) {
            if let Ok(mut r) = self.refused.lock() {
                *r = Some(ip);
            }
            return Err(ureq::Error::ConnectionFailed);
        }
        Ok(addrs)
    }
}

/// One attempt: POST the body, signed, and see what comes back.
pub fn send(c: &ClaimedDelivery) -> Attempt {
    let started = Instant::now();
    let elapsed = || i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    if let Err(code) = webhook::parse_url(&c.url) {
        return Attempt {
            error: format!("invalid address ({code})"),
            ..Attempt::default()
        };
    }
    let refused = Arc::new(Mutex::new(None));
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // A redirect could lead anywhere, past the address check: it counts as a failure.
        .max_redirects(0)
        // Not through a proxy from the environment: the address checked is the one reached.
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(TIMEOUT_SECONDS)))
        // Connections are not reused across subscriptions with other allowances.
        .max_idle_connections(0)
        .user_agent("crm-webhooks")
        .tls_config(
            TlsConfig::builder()
                .root_certs(RootCerts::PlatformVerifier)
                .build(),
        )
        .build();
    let agent = ureq::Agent::with_parts(
        config,
        DefaultConnector::default(),
        CheckedResolver {
            allow_private: c.allow_private_network,
            refused: refused.clone(),
        },
    );
    let timestamp = Utc::now().timestamp();
    let result = agent
        .post(&c.url)
        .header("Content-Type", "application/json")
        .header("X-CRM-Event", &c.event)
        .header("X-CRM-Delivery", c.id.to_string())
        .header("X-CRM-Timestamp", timestamp.to_string())
        .header(
            "X-CRM-Signature",
            webhook::signature(&c.secret, timestamp, c.body.as_bytes()),
        )
        .send(c.body.as_bytes());
    let refused_ip = refused.lock().ok().and_then(|r| *r);
    if let Some(ip) = refused_ip {
        return Attempt {
            refused: true,
            duration_ms: elapsed(),
            error: format!(
                "refused: the address resolves to {ip}, in a private network \
                 (tick 'allow private network' to allow)"
            ),
            ..Attempt::default()
        };
    }
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            let mut buf = Vec::new();
            // What the receiver says matters only for the log: a broken body is no failure.
            let _ = res
                .body_mut()
                .as_reader()
                .take(MAX_RESPONSE_READ as u64)
                .read_to_end(&mut buf);
            Attempt {
                http_status: Some(status),
                duration_ms: elapsed(),
                error: if (200..300).contains(&status) {
                    String::new()
                } else {
                    format!("HTTP {status}")
                },
                response: kept(&buf),
                refused: false,
            }
        }
        Err(e) => Attempt {
            duration_ms: elapsed(),
            error: e.to_string(),
            ..Attempt::default()
        },
    }
}

/// The start of a response body as text, at most [`MAX_RESPONSE_KEPT`] bytes.
fn kept(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut end = text.len().min(MAX_RESPONSE_KEPT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}
