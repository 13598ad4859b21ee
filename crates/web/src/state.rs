//! What every request handler shares.

use std::net::IpAddr;
use std::path::PathBuf;

use actix_web::HttpRequest;
use crm_core::{Currency, Region, Zone};
use crm_store::Store;

use crate::config::WebConfig;
use crate::throttle::{ApiThrottle, FormThrottle, LoginThrottle};
use crate::ui::Ui;

pub struct AppState {
    pub store: Store,
    pub ui: Ui,
    pub region: Region,
    /// The currency of new deals and products unless another is picked.
    pub currency: Currency,
    pub config: WebConfig,
    pub throttle: LoginThrottle,
    /// API requests per token, or per address without a valid token.
    pub api_throttle: ApiThrottle,
    /// Posts to the public website forms, per client address.
    pub form_throttle: FormThrottle,
    /// Where times are shown for users who chose no zone ([web] time_zone).
    pub time_zone: Zone,
    /// Where attached files live.
    pub files: PathBuf,
}

impl AppState {
    pub fn new(
        store: Store,
        region: Region,
        currency: Currency,
        config: WebConfig,
    ) -> Result<AppState, String> {
        let time_zone = Zone::parse(&config.time_zone).ok_or_else(|| {
            crate::config::parse_time_zone(&config.time_zone)
                .err()
                .unwrap_or_default()
        })?;
        Ok(AppState {
            time_zone,
            files: PathBuf::from(&config.files_dir),
            store: store.with_default_zone(time_zone),
            ui: Ui::load()?,
            api_throttle: ApiThrottle::new(config.api_requests_per_minute, config.api_burst),
            region,
            currency,
            config,
            throttle: LoginThrottle::new(),
            form_throttle: FormThrottle::for_forms(),
        })
    }

    /// The client's address: the peer, or the last hop a trusted proxy reports.
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr().map(|a| a.ip());
        let trusted = peer.is_some_and(|p| {
            self.config
                .trusted_proxies
                .iter()
                .any(|t| t.parse::<IpAddr>().ok() == Some(p))
        });
        if trusted
            && let Some(forwarded) = req
                .headers()
                .get("x-forwarded-for")
                .and_then(|h| h.to_str().ok())
            && let Some(ip) = forwarded
                .rsplit(',')
                .next()
                .and_then(|s| s.trim().parse().ok())
        {
            return Some(ip);
        }
        peer
    }
}
