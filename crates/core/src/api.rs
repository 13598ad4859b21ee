//! Rules of the REST API's access: what a token's scope allows, when its last use is worth
//! writing down, and what makes an idempotency key acceptable.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::error::{FieldErrors, Result};

/// How often a token's `last_used_at` is written at most: a busy integration must not turn
/// every read into a write.
pub const LAST_USED_EVERY_SECONDS: i64 = 60;
/// How long an idempotency key and its stored answer are kept.
pub const IDEMPOTENCY_KEEP_HOURS: i64 = 24;
/// A key still marked as running after this long belongs to a request that died with its
/// server; a retry may take it over.
pub const IDEMPOTENCY_ABANDONED_MINUTES: i64 = 10;
/// Longest idempotency key accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;
/// Longest token name accepted.
pub const MAX_TOKEN_NAME_CHARS: usize = 100;

/// What a token may do. `Write` includes reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    Read,
    Write,
}

impl TokenScope {
    pub fn parse(s: &str) -> Option<TokenScope> {
        match s.trim() {
            "read" => Some(TokenScope::Read),
            "write" => Some(TokenScope::Write),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    /// Whether a request with this HTTP method is within the scope: reading is any method
    /// that changes nothing.
    pub fn allows(&self, method: &str) -> bool {
        match self {
            TokenScope::Write => true,
            TokenScope::Read => matches!(method, "GET" | "HEAD" | "OPTIONS"),
        }
    }
}

/// An API token as its owner and administrators see it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub user_email: String,
    pub name: String,
    pub scope: TokenScope,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Whether a use at `now` should be written down, given the last one written.
pub fn last_use_due(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last.is_none_or(|t| now - t >= Duration::seconds(LAST_USED_EVERY_SECONDS))
}

/// A checked token name: trimmed, 1 to [`MAX_TOKEN_NAME_CHARS`] characters.
pub fn token_name(name: &str) -> Result<String> {
    let name = name.trim();
    let mut e = FieldErrors::new();
    if name.is_empty() {
        e.add("name", "error-required");
    } else if name.chars().count() > MAX_TOKEN_NAME_CHARS || name.chars().any(char::is_control) {
        e.add("name", "error-too-long");
    }
    e.into_result(name.to_string())
}

/// Whether `key` may be used as an `Idempotency-Key`: 1 to 255 printable ASCII characters.
pub fn idempotency_key_valid(key: &str) -> bool {
    (1..=MAX_IDEMPOTENCY_KEY).contains(&key.len())
        && key.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_scope_only_reads() {
        assert!(TokenScope::Read.allows("GET"));
        assert!(!TokenScope::Read.allows("POST"));
        assert!(!TokenScope::Read.allows("PATCH"));
        assert!(!TokenScope::Read.allows("DELETE"));
        assert!(TokenScope::Write.allows("DELETE"));
        assert_eq!(TokenScope::parse("write"), Some(TokenScope::Write));
        assert_eq!(TokenScope::parse("admin"), None);
    }

    #[test]
    fn last_use_is_written_once_a_minute() {
        let now = Utc::now();
        assert!(last_use_due(None, now));
        assert!(!last_use_due(Some(now - Duration::seconds(59)), now));
        assert!(last_use_due(Some(now - Duration::seconds(60)), now));
    }

    #[test]
    fn idempotency_keys() {
        assert!(idempotency_key_valid("order-42"));
        assert!(idempotency_key_valid(&"k".repeat(255)));
        assert!(!idempotency_key_valid(""));
        assert!(!idempotency_key_valid(&"k".repeat(256)));
        assert!(!idempotency_key_valid("ключ"));
        assert!(!idempotency_key_valid("a\tb"));
    }

    #[test]
    fn token_names() {
        assert_eq!(token_name("  website ").unwrap(), "website");
        assert!(token_name(" ").is_err());
        assert!(token_name(&"x".repeat(101)).is_err());
    }
}
