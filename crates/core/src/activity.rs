//! Activities: what happened with a client — calls, meetings, notes, e-mails, files — and the
//! system's own events (created, stage changed, responsible changed), on a card's timeline.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::card::CardRef;
use crate::error::{FieldErrors, Result};
use crate::party;
use crate::zone::{self, Zone};

/// Longest call the form accepts: a day.
pub const MAX_CALL_SECONDS: i32 = 86_400;
/// Timeline entries per page.
pub const TIMELINE_PAGE: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ActivityKind {
    Call,
    Meeting,
    Note,
    Email,
    File,
    Event,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 6] = [
        ActivityKind::Call,
        ActivityKind::Meeting,
        ActivityKind::Note,
        ActivityKind::Email,
        ActivityKind::File,
        ActivityKind::Event,
    ];
    /// What a user logs by hand (files come by upload, events from the system).
    pub const LOGGED: [ActivityKind; 4] = [
        ActivityKind::Call,
        ActivityKind::Meeting,
        ActivityKind::Note,
        ActivityKind::Email,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            ActivityKind::Call => "call",
            ActivityKind::Meeting => "meeting",
            ActivityKind::Note => "note",
            ActivityKind::Email => "email",
            ActivityKind::File => "file",
            ActivityKind::Event => "event",
        }
    }

    pub fn parse(s: &str) -> Option<ActivityKind> {
        ActivityKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Which way a call or e-mail went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    pub fn as_str(&self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }

    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "in" => Some(Direction::In),
            "out" => Some(Direction::Out),
            _ => None,
        }
    }
}

/// How a call ended.
pub const CALL_RESULTS: &[&str] = &["answered", "no_answer", "busy", "voicemail", "wrong_number"];

/// What the system records by itself.
pub const EVENTS: &[&str] = &[
    "created",
    "stage_changed",
    "responsible_changed",
    "converted",
];

/// An activity as typed in the form or posted to the API. Times are local to the user's zone
/// in forms and RFC 3339 in the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityInput {
    pub kind: String,
    #[serde(default)]
    pub occurred_at: Option<String>,
    #[serde(default)]
    pub ends_at: Option<String>,
    #[serde(default)]
    pub direction: Option<String>,
    /// Minutes, `m:ss`, or (in the API) whole seconds with an `s` suffix.
    #[serde(default)]
    pub duration: Option<String>,
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub recording_url: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
}

/// A checked activity, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityDraft {
    pub kind: ActivityKind,
    pub occurred_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub direction: Option<Direction>,
    pub duration_s: Option<i32>,
    pub result: String,
    pub recording_url: String,
    pub subject: String,
    pub body: String,
}

impl ActivityInput {
    /// Checks the input; a blank time means `now`.
    pub fn validate(&self, zone: Zone, now: DateTime<Utc>) -> Result<ActivityDraft> {
        let mut e = FieldErrors::new();
        let kind = match ActivityKind::parse(self.kind.trim()) {
            Some(k) if ActivityKind::LOGGED.contains(&k) => Some(k),
            _ => {
                e.add("kind", "error-choice-invalid");
                None
            }
        };
        let occurred_at =
            zone::moment(&mut e, "occurred_at", self.occurred_at.as_deref(), zone).unwrap_or(now);
        let ends_at = zone::moment(&mut e, "ends_at", self.ends_at.as_deref(), zone);
        if ends_at.is_some_and(|end| end < occurred_at) {
            e.add("ends_at", "error-ends-before-start");
        }
        let direction = match self.direction.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => {
                let d = Direction::parse(s);
                if d.is_none() {
                    e.add("direction", "error-choice-invalid");
                }
                d
            }
        };
        let duration_s = duration(&mut e, self.duration.as_deref());
        let result = self.result.as_deref().unwrap_or("").trim().to_string();
        if !result.is_empty() && !CALL_RESULTS.contains(&result.as_str()) {
            e.add("result", "error-choice-invalid");
        }
        let recording_url = self
            .recording_url
            .as_deref()
            .unwrap_or("")
            .trim()
            .to_string();
        let web_link =
            recording_url.starts_with("https://") || recording_url.starts_with("http://");
        if !recording_url.is_empty() && !web_link {
            e.add("recording_url", "error-url-invalid");
        } else if recording_url.chars().count() > 2000 {
            e.add("recording_url", "error-too-long");
        }
        let subject = party::line(
            &mut e,
            "subject",
            self.subject.as_deref().unwrap_or(""),
            false,
        );
        let body = party::note(&mut e, "body", self.body.as_deref().unwrap_or(""));
        let Some(kind) = kind else {
            return Err(crate::Error::Invalid(e));
        };
        match kind {
            ActivityKind::Note if body.is_empty() => e.add("body", "error-required"),
            ActivityKind::Email if subject.is_empty() && body.is_empty() => {
                e.add("subject", "error-required")
            }
            ActivityKind::Meeting if subject.is_empty() => e.add("subject", "error-required"),
            _ => {}
        }
        let is_call = kind == ActivityKind::Call;
        e.into_result(ActivityDraft {
            kind,
            occurred_at,
            ends_at: if kind == ActivityKind::Meeting {
                ends_at
            } else {
                None
            },
            // A call always has a direction: outgoing unless said otherwise.
            direction: match kind {
                ActivityKind::Call => Some(direction.unwrap_or(Direction::Out)),
                ActivityKind::Email => direction,
                _ => None,
            },
            duration_s: if is_call { duration_s } else { None },
            result: if is_call { result } else { String::new() },
            recording_url: if is_call {
                recording_url
            } else {
                String::new()
            },
            subject,
            body,
        })
    }
}

/// `5` (minutes), `4:30` (minutes and seconds) or `270s`.
fn duration(e: &mut FieldErrors, value: Option<&str>) -> Option<i32> {
    let s = value.unwrap_or("").trim();
    if s.is_empty() {
        return None;
    }
    let seconds = if let Some(secs) = s.strip_suffix('s') {
        secs.trim().parse::<i64>().ok()
    } else if let Some((m, sec)) = s.split_once(':') {
        match (m.trim().parse::<i64>(), sec.trim().parse::<i64>()) {
            (Ok(m), Ok(sec)) if (0..60).contains(&sec) => Some(m * 60 + sec),
            _ => None,
        }
    } else {
        s.parse::<i64>().ok().map(|m| m * 60)
    };
    match seconds {
        Some(n) if (0..=i64::from(MAX_CALL_SECONDS)).contains(&n) => i32::try_from(n).ok(),
        Some(_) => {
            e.add("duration", "error-out-of-range");
            None
        }
        None => {
            e.add("duration", "error-duration-invalid");
            None
        }
    }
}

/// A file attached to an activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: i64,
    pub activity_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Where the bytes live under the data directory; never shown, never built from the name.
    #[serde(skip)]
    pub storage_key: String,
    pub created_at: DateTime<Utc>,
}

/// One entry of a timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub id: i64,
    pub kind: ActivityKind,
    pub occurred_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub direction: Option<Direction>,
    pub duration_s: Option<i32>,
    pub result: String,
    pub recording_url: String,
    pub subject: String,
    pub body: String,
    /// For events: which one, and its values (stage or user names at the time).
    pub event: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Map<String, serde_json::Value>,
    /// The card it was logged on; a company's timeline also shows its contacts' and deals'.
    pub home: CardRef,
    pub contact_id: Option<i64>,
    pub company_id: Option<i64>,
    pub deal_id: Option<i64>,
    pub lead_id: Option<i64>,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub attachments: Vec<Attachment>,
    pub created_at: DateTime<Utc>,
}

/// A page of a timeline, newest first, with the key of the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timeline {
    pub items: Vec<Activity>,
    /// `(occurred_at, id)` of the last item when more follow.
    pub next: Option<(DateTime<Utc>, i64)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_call_defaults_to_now_and_outgoing() {
        let d = ActivityInput {
            kind: "call".into(),
            duration: Some("4:30".into()),
            result: Some("answered".into()),
            ..Default::default()
        }
        .validate(Zone::UTC, now())
        .unwrap();
        assert_eq!(d.occurred_at, now());
        assert_eq!(d.direction, Some(Direction::Out));
        assert_eq!(d.duration_s, Some(270));
    }

    #[test]
    fn bad_input_is_named_per_field() {
        let err = ActivityInput {
            kind: "meeting".into(),
            occurred_at: Some("2026-11-23 10:00".into()),
            ends_at: Some("2026-11-23 09:00".into()),
            duration: Some("ten".into()),
            recording_url: Some("javascript:alert(1)".into()),
            ..Default::default()
        }
        .validate(Zone::UTC, now())
        .unwrap_err();
        let crate::Error::Invalid(e) = err else {
            panic!()
        };
        assert_eq!(e.get("ends_at"), Some("error-ends-before-start"));
        assert_eq!(e.get("duration"), Some("error-duration-invalid"));
        assert_eq!(e.get("recording_url"), Some("error-url-invalid"));
        assert_eq!(e.get("subject"), Some("error-required"));
        let file = ActivityInput {
            kind: "file".into(),
            ..Default::default()
        };
        assert!(file.validate(Zone::UTC, now()).is_err());
        let empty_note = ActivityInput {
            kind: "note".into(),
            body: Some("  ".into()),
            ..Default::default()
        };
        assert!(empty_note.validate(Zone::UTC, now()).is_err());
    }
}
