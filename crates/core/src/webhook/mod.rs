//! Webhooks: the events the CRM announces, the subscriptions that receive them, the payload
//! and its signature, the retry schedule, and which network addresses a delivery may reach.
//! Everything here is pure; the store queues deliveries and the web worker sends them.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::deal::Deal;
use crate::error::{FieldErrors, Result};
use crate::pipeline::StageKind;

pub mod address;

pub use address::{Host, Target, check_resolved, check_url, is_private, parse_url};

/// Attempts before a delivery is given up and marked failed.
pub const MAX_ATTEMPTS: i32 = 8;
/// How long one HTTP request may take, from name lookup to the end of the response.
pub const TIMEOUT_SECONDS: u64 = 10;
/// How much of a response is read (the rest is ignored), and how much of it is kept.
pub const MAX_RESPONSE_READ: usize = 64 * 1024;
pub const MAX_RESPONSE_KEPT: usize = 1024;
/// How long a claimed delivery stays with its worker: longer than a request can take.
pub const LEASE_SECONDS: i64 = 120;
/// Settled deliveries older than this are dropped by the daily clean-up.
pub const KEEP_DAYS: i64 = 30;
/// The longest subscription address.
pub const MAX_URL_CHARS: usize = 2000;

/// What a subscription may be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Event {
    ContactCreated,
    ContactUpdated,
    CompanyCreated,
    DealCreated,
    DealStageChanged,
    DealWon,
    DealLost,
    LeadCreated,
    TaskOverdue,
    /// Sent on an administrator's request ("send a test event"), whatever the subscription's
    /// events.
    Test,
}

impl Event {
    /// Every event a subscription can choose, in the order forms list them.
    pub const ALL: &'static [Event] = &[
        Event::ContactCreated,
        Event::ContactUpdated,
        Event::CompanyCreated,
        Event::DealCreated,
        Event::DealStageChanged,
        Event::DealWon,
        Event::DealLost,
        Event::LeadCreated,
        Event::TaskOverdue,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Event::ContactCreated => "contact.created",
            Event::ContactUpdated => "contact.updated",
            Event::CompanyCreated => "company.created",
            Event::DealCreated => "deal.created",
            Event::DealStageChanged => "deal.stage_changed",
            Event::DealWon => "deal.won",
            Event::DealLost => "deal.lost",
            Event::LeadCreated => "lead.created",
            Event::TaskOverdue => "task.overdue",
            Event::Test => "webhook.test",
        }
    }

    pub fn parse(s: &str) -> Option<Event> {
        Event::ALL
            .iter()
            .chain([&Event::Test])
            .find(|e| e.as_str() == s)
            .copied()
    }
}

/// The events a subscription receives: all of them ("*"), or a chosen few.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    All,
    Only(Vec<Event>),
}

impl EventFilter {
    /// As stored: `*`, or the names separated by commas.
    pub fn to_db(&self) -> String {
        match self {
            EventFilter::All => "*".into(),
            EventFilter::Only(events) => events
                .iter()
                .map(Event::as_str)
                .collect::<Vec<_>>()
                .join(","),
        }
    }

    /// Reads the stored form back; names this version does not know are skipped.
    pub fn from_db(s: &str) -> EventFilter {
        if s.trim() == "*" {
            return EventFilter::All;
        }
        EventFilter::Only(
            s.split(',')
                .filter_map(|n| Event::parse(n.trim()))
                .collect(),
        )
    }

    /// Whether `event` goes to a subscription with this filter (the test event always does).
    pub fn matches(&self, event: Event) -> bool {
        match self {
            EventFilter::All => true,
            EventFilter::Only(events) => event == Event::Test || events.contains(&event),
        }
    }

    /// The names, for pages and forms (`["*"]` for all).
    pub fn names(&self) -> Vec<&'static str> {
        match self {
            EventFilter::All => vec!["*"],
            EventFilter::Only(events) => events.iter().map(Event::as_str).collect(),
        }
    }
}

/// A subscription as typed into the form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionInput {
    pub url: String,
    /// Event names, or `*` for all.
    pub events: Vec<String>,
    pub active: bool,
    pub allow_private_network: bool,
    pub description: String,
}

/// A checked subscription, ready to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscriptionDraft {
    pub url: String,
    #[serde(serialize_with = "filter_names")]
    pub events: EventFilter,
    pub active: bool,
    pub allow_private_network: bool,
    pub description: String,
}

fn filter_names<S: serde::Serializer>(
    f: &EventFilter,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    f.names().serialize(s)
}

impl SubscriptionInput {
    /// Checks every field; a private-network address needs the allowance.
    pub fn validate(&self) -> Result<SubscriptionDraft> {
        let mut errors = FieldErrors::new();
        let url = self.url.trim().to_string();
        if url.is_empty() {
            errors.add("url", "error-required");
        } else if let Err(code) = check_url(&url, self.allow_private_network) {
            errors.add("url", code);
        }
        let mut chosen: Vec<Event> = Vec::new();
        let mut all = false;
        for name in self
            .events
            .iter()
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
        {
            if name == "*" {
                all = true;
            } else {
                match Event::parse(name) {
                    Some(e) if e != Event::Test => {
                        if !chosen.contains(&e) {
                            chosen.push(e);
                        }
                    }
                    _ => errors.add("events", "error-webhook-event-unknown"),
                }
            }
        }
        if !all && chosen.is_empty() && errors.get("events").is_none() {
            errors.add("events", "error-webhook-events-required");
        }
        chosen.sort();
        let description = crate::party::line(&mut errors, "description", &self.description, false);
        errors.into_result(SubscriptionDraft {
            url,
            events: if all {
                EventFilter::All
            } else {
                EventFilter::Only(chosen)
            },
            active: self.active,
            allow_private_network: self.allow_private_network,
            description,
        })
    }
}

/// A stored subscription (administrators only: it carries the signing secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    pub id: i64,
    pub url: String,
    #[serde(serialize_with = "filter_names")]
    pub events: EventFilter,
    pub active: bool,
    pub allow_private_network: bool,
    pub description: String,
    pub secret: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Subscription {
    /// Everything but the secret (for the audit log).
    pub fn to_draft(&self) -> SubscriptionDraft {
        SubscriptionDraft {
            url: self.url.clone(),
            events: self.events.clone(),
            active: self.active,
            allow_private_network: self.allow_private_network,
            description: self.description.clone(),
        }
    }

    pub fn to_input(&self) -> SubscriptionInput {
        SubscriptionInput {
            url: self.url.clone(),
            events: self.events.names().into_iter().map(String::from).collect(),
            active: self.active,
            allow_private_network: self.allow_private_network,
            description: self.description.clone(),
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Not sent yet, or waiting for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after [`MAX_ATTEMPTS`].
    Failed,
    /// Not sent: the address is in a private network and the subscription does not allow it.
    Refused,
}

impl DeliveryStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::Delivered,
            DeliveryStatus::Failed,
            DeliveryStatus::Refused,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// One queued event for one subscription, with its last attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub id: i64,
    pub subscription_id: i64,
    pub event: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub occurred_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub http_status: Option<i32>,
    pub duration_ms: Option<i64>,
    /// Why the last attempt failed ("" when it did not).
    pub error: String,
    /// The start of the last response's body.
    pub response: String,
    /// When it is tried again (pending deliveries only).
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// What one attempt to send a delivery came to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attempt {
    /// The receiver's status code, if it answered.
    pub http_status: Option<u16>,
    pub duration_ms: i64,
    /// Why it failed: the network error or "HTTP 500" ("" on success).
    pub error: String,
    /// The start of the response body (at most [`MAX_RESPONSE_KEPT`] bytes).
    pub response: String,
    /// Not sent because the address is private (see [`is_private`]).
    pub refused: bool,
}

impl Attempt {
    pub fn delivered(&self) -> bool {
        !self.refused && self.http_status.is_some_and(|s| (200..300).contains(&s))
    }

    /// What becomes of a delivery after its `attempts`-th attempt at `now`: its status, and
    /// when it is tried again.
    pub fn outcome(
        &self,
        attempts: i32,
        now: DateTime<Utc>,
    ) -> (DeliveryStatus, Option<DateTime<Utc>>) {
        if self.delivered() {
            return (DeliveryStatus::Delivered, None);
        }
        // A refusal is final: the address will not become public by waiting, and a rebinding
        // attacker must not get eight tries.
        if self.refused {
            return (DeliveryStatus::Refused, None);
        }
        match retry_delay(attempts) {
            Some(d) => (DeliveryStatus::Pending, Some(now + d)),
            None => (DeliveryStatus::Failed, None),
        }
    }
}

/// The wait after a failed `attempts`-th attempt: 1 min, 5 min, 30 min, 2 h, 6 h, then 12 h;
/// none after the last attempt.
pub fn retry_delay(attempts: i32) -> Option<Duration> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    Some(match attempts {
        ..=1 => Duration::minutes(1),
        2 => Duration::minutes(5),
        3 => Duration::minutes(30),
        4 => Duration::hours(2),
        5 => Duration::hours(6),
        _ => Duration::hours(12),
    })
}

/// The request body: `{"id", "event", "occurred_at", "data"}`. The same bytes on every
/// attempt; the signature covers them.
pub fn body(id: i64, event: &str, occurred_at: DateTime<Utc>, data: &Value) -> String {
    json!({
        "id": id,
        "event": event,
        "occurred_at": occurred_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "data": data,
    })
    .to_string()
}

/// `X-CRM-Signature`: `sha256=` and the hex HMAC-SHA256 of `"<timestamp>.<body>"` keyed with
/// the subscription's secret. The timestamp inside lets a receiver refuse old replays.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256=");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The events a deal's save announces, each with its data: created (and won or lost when
/// created closed), or stage changed (and won or lost when it entered such a stage).
pub fn deal_events(before: Option<&Deal>, after: &Deal) -> Vec<(Event, Value)> {
    let deal = serde_json::to_value(after).unwrap_or(Value::Null);
    let mut out = Vec::new();
    let was = match before {
        None => {
            out.push((Event::DealCreated, deal.clone()));
            None
        }
        Some(b) => {
            if b.stage_id != after.stage_id {
                out.push((
                    Event::DealStageChanged,
                    json!({
                        "deal": deal,
                        "from": {"id": b.stage_id, "name": b.stage_name, "kind": b.stage_kind.as_str()},
                        "to": {"id": after.stage_id, "name": after.stage_name, "kind": after.stage_kind.as_str()},
                    }),
                ));
            }
            Some(b.stage_kind)
        }
    };
    if was != Some(after.stage_kind) {
        match after.stage_kind {
            StageKind::Won => out.push((Event::DealWon, deal)),
            StageKind::Lost => out.push((Event::DealLost, deal)),
            StageKind::Open => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_are_validated() {
        let input = SubscriptionInput {
            url: " https://example.com/hook ".into(),
            events: vec![
                "deal.won".into(),
                "contact.created".into(),
                "deal.won".into(),
            ],
            active: true,
            allow_private_network: false,
            description: "  Accounting  ".into(),
        };
        let d = input.validate().unwrap();
        assert_eq!(d.url, "https://example.com/hook");
        assert_eq!(
            d.events,
            EventFilter::Only(vec![Event::ContactCreated, Event::DealWon])
        );
        assert_eq!(d.description, "Accounting");
        let all = SubscriptionInput {
            events: vec!["*".into()],
            ..input.clone()
        };
        assert_eq!(all.validate().unwrap().events, EventFilter::All);
        let bad = SubscriptionInput {
            url: "http://10.0.0.5/".into(),
            events: vec![],
            ..input.clone()
        };
        let crate::Error::Invalid(e) = bad.validate().unwrap_err() else {
            panic!("invalid");
        };
        assert_eq!(e.get("url"), Some("error-webhook-url-private"));
        assert_eq!(e.get("events"), Some("error-webhook-events-required"));
        let unknown = SubscriptionInput {
            events: vec!["deal.exploded".into()],
            ..input
        };
        assert!(unknown.validate().is_err());
    }

    #[test]
    fn filters_round_trip_and_match() {
        let f = EventFilter::Only(vec![Event::DealWon, Event::LeadCreated]);
        assert_eq!(f.to_db(), "deal.won,lead.created");
        assert_eq!(EventFilter::from_db(&f.to_db()), f);
        assert!(f.matches(Event::DealWon));
        assert!(f.matches(Event::Test));
        assert!(!f.matches(Event::DealLost));
        assert_eq!(EventFilter::from_db("*"), EventFilter::All);
        assert!(EventFilter::All.matches(Event::TaskOverdue));
        for e in Event::ALL {
            assert_eq!(Event::parse(e.as_str()), Some(*e));
        }
    }

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_and_body() {
        // RFC 4231 test case 2, through the same construction.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let body = b"{\"id\":1}";
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(b"1800000000.{\"id\":1}");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let a = signature("s3cret", 1_800_000_000, body);
        assert_eq!(a, format!("sha256={hex}"));
        assert_ne!(
            a,
            signature("s3cret", 1_800_000_001, body),
            "the time is signed"
        );
        assert_ne!(a, signature("other", 1_800_000_000, body));
    }

    #[test]
    fn body_has_the_documented_shape() {
        let at = DateTime::parse_from_rfc3339("2026-11-26T10:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let b: Value = serde_json::from_str(&body(7, "deal.won", at, &json!({"id": 3}))).unwrap();
        assert_eq!(
            b,
            json!({"id": 7, "event": "deal.won", "occurred_at": "2026-11-26T10:30:00Z", "data": {"id": 3}})
        );
    }

    #[test]
    fn retries_back_off_then_give_up() {
        let now = Utc::now();
        let failed = Attempt {
            http_status: Some(500),
            error: "HTTP 500".into(),
            ..Attempt::default()
        };
        assert_eq!(
            failed.outcome(1, now),
            (DeliveryStatus::Pending, Some(now + Duration::minutes(1)))
        );
        assert_eq!(
            failed.outcome(6, now),
            (DeliveryStatus::Pending, Some(now + Duration::hours(12)))
        );
        assert_eq!(failed.outcome(8, now), (DeliveryStatus::Failed, None));
        let ok = Attempt {
            http_status: Some(204),
            ..Attempt::default()
        };
        assert_eq!(ok.outcome(3, now), (DeliveryStatus::Delivered, None));
        let redirect = Attempt {
            http_status: Some(302),
            ..Attempt::default()
        };
        assert_eq!(redirect.outcome(1, now).0, DeliveryStatus::Pending);
        let refused = Attempt {
            refused: true,
            ..Attempt::default()
        };
        assert_eq!(refused.outcome(1, now), (DeliveryStatus::Refused, None));
    }
}
