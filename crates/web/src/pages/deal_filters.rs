//! The filters shared by the deal list and the board, read leniently from the query string (a
//! bad value is ignored rather than failing the page) and written back into links.

use crm_core::{DealFilter, StageKind, money};
use serde::{Deserialize, Serialize};

use crate::state::AppState;

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct FilterParams {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pipeline: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stage: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub state: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub responsible: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub min: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub max: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tag: String,
}

fn id(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

impl FilterParams {
    /// The filter; amounts are read in the installation's currency.
    pub fn filter(&self, state: &AppState) -> DealFilter {
        let amount =
            |s: &str| money::parse_decimal(s, state.currency.exponent(), money::MAX_MINOR).ok();
        DealFilter {
            pipeline_id: id(&self.pipeline),
            stage_id: id(&self.stage),
            responsible_id: id(&self.responsible),
            min_amount: amount(&self.min),
            max_amount: amount(&self.max),
            tag: Some(self.tag.trim().to_lowercase()).filter(|t| !t.is_empty()),
            state: StageKind::parse(self.state.trim()),
        }
    }

    /// The filters as a query string (without `?`), plus `extra` pairs.
    pub fn query(&self, extra: &[(&str, String)]) -> String {
        let mut s = serde_urlencoded::to_string(self).unwrap_or_default();
        for (k, v) in extra {
            if !s.is_empty() {
                s.push('&');
            }
            s.push_str(&serde_urlencoded::to_string([(k, v)]).unwrap_or_default());
        }
        s
    }

    /// The values as the filter forms show them.
    pub fn view(&self) -> serde_json::Value {
        serde_json::json!({
            "pipeline": id(&self.pipeline),
            "stage": id(&self.stage),
            "state": StageKind::parse(self.state.trim()).map_or("", |k| k.as_str()),
            "responsible": id(&self.responsible),
            "min": self.min.trim(),
            "max": self.max.trim(),
            "tag": self.tag.trim(),
        })
    }
}
