//! The web front-end's settings (`[web]` in crm.toml).

use serde::{Deserialize, Serialize};

/// Parses an IANA time zone name, with a message fit for the admin.
pub fn parse_time_zone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.trim().parse().map_err(|_| {
        format!("unknown time zone {name:?}: use an IANA name such as Europe/Moscow, Asia/Jerusalem or UTC")
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// Address and port to listen on.
    pub listen: String,
    /// Reverse proxies whose `X-Forwarded-For` is believed (exact IP addresses).
    pub trusted_proxies: Vec<String>,
    /// How long a sign-in lasts.
    pub session_hours: u32,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest file accepted for an import, in bytes (a million contacts in CSV is ~100 MB).
    pub max_import_bytes: usize,
    /// Mark cookies `Secure` (set when the CRM is served over HTTPS, directly or by a proxy).
    pub secure_cookies: bool,
    /// Worker threads; 0 means one per CPU core.
    pub workers: usize,
    /// The time zone times are shown in (IANA name, e.g. Europe/Moscow) for users who chose
    /// none; storage is UTC.
    pub time_zone: String,
    /// Where attached files are kept; a relative path is taken from the configuration file's
    /// folder.
    pub files_dir: String,
    /// API requests allowed per minute and token (or, without a valid token, per client
    /// address); 0 turns the limit off.
    pub api_requests_per_minute: u32,
    /// API requests a token may make at once before the per-minute rate applies.
    pub api_burst: u32,
    /// The address people and other sites reach the CRM at (`https://crm.example.com`), used
    /// in the website form snippets; empty: the address the administrator's browser used.
    pub public_url: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            listen: "127.0.0.1:8080".into(),
            trusted_proxies: Vec::new(),
            session_hours: 12,
            max_body_bytes: 25 * 1024 * 1024,
            max_import_bytes: 512 * 1024 * 1024,
            secure_cookies: false,
            workers: 0,
            time_zone: "UTC".into(),
            files_dir: "files".into(),
            api_requests_per_minute: 600,
            api_burst: 60,
            public_url: String::new(),
        }
    }
}
