//! Sales pipelines: ordered stages, each open, won or lost, with a probability and a colour.

use serde::{Deserialize, Serialize};

use crate::error::{FieldErrors, Result};
use crate::party;

/// The board's won and lost columns show the deals closed in this many days: the board is for
/// work in progress, and the list view shows every closed deal.
pub const BOARD_CLOSED_DAYS: i64 = 30;

/// Most stages one pipeline may hold (a board wider than this is unreadable anyway).
pub const MAX_STAGES: usize = 30;

/// What reaching a stage means for a deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum StageKind {
    Open,
    Won,
    Lost,
}

impl StageKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            StageKind::Open => "open",
            StageKind::Won => "won",
            StageKind::Lost => "lost",
        }
    }

    pub fn parse(s: &str) -> Option<StageKind> {
        match s {
            "open" => Some(StageKind::Open),
            "won" => Some(StageKind::Won),
            "lost" => Some(StageKind::Lost),
            _ => None,
        }
    }

    pub fn is_closed(&self) -> bool {
        *self != StageKind::Open
    }
}

/// A stage as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stage {
    pub id: i64,
    pub pipeline_id: i64,
    pub name: String,
    pub position: i32,
    pub probability: i32,
    pub color: String,
    pub kind: StageKind,
}

/// A pipeline with its stages in board order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pipeline {
    pub id: i64,
    pub name: String,
    pub position: i32,
    pub stages: Vec<Stage>,
}

impl Pipeline {
    pub fn stage(&self, id: i64) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// Where new deals start: the first open stage.
    pub fn first_open(&self) -> Option<&Stage> {
        self.stages.iter().find(|s| s.kind == StageKind::Open)
    }
}

/// One stage in a pipeline form or API body; `id` names an existing stage to keep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StageInput {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub probability: i32,
    #[serde(default)]
    pub color: String,
    pub kind: StageKind,
}

/// A pipeline as typed: its name and its stages in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PipelineInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub stages: Vec<StageInput>,
}

/// A checked pipeline; stage positions follow the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineDraft {
    pub name: String,
    pub stages: Vec<StageInput>,
}

/// `#rrggbb`, lower-cased; anything else is refused (the colour lands in a style attribute).
pub fn color(value: &str) -> Option<String> {
    let v = value.trim().to_ascii_lowercase();
    (v.len() == 7 && v.starts_with('#') && v[1..].chars().all(|c| c.is_ascii_hexdigit()))
        .then_some(v)
}

/// Checks one stage; error fields are `prefix` + `name`, `probability`, `color`.
pub fn check_stage(e: &mut FieldErrors, prefix: &str, s: &StageInput) -> Option<StageInput> {
    let field = |f: &str| format!("{prefix}{f}");
    let name = party::line(e, &field("name"), &s.name, true);
    let mut ok = !name.is_empty();
    if !(0..=100).contains(&s.probability) {
        e.add(field("probability"), "error-probability-range");
        ok = false;
    }
    let c = if s.color.trim().is_empty() {
        Some("#64748b".to_string())
    } else {
        color(&s.color)
    };
    if c.is_none() {
        e.add(field("color"), "error-color-invalid");
        ok = false;
    }
    ok.then(|| StageInput {
        id: s.id,
        name,
        probability: s.probability,
        color: c.unwrap_or_default(),
        kind: s.kind,
    })
}

impl StageInput {
    /// Checks a stage on its own (adding or editing one stage).
    pub fn validate(&self) -> Result<StageInput> {
        let mut e = FieldErrors::new();
        let checked = check_stage(&mut e, "", self);
        match checked {
            Some(s) if e.is_empty() => Ok(s),
            _ => Err(crate::Error::Invalid(e)),
        }
    }
}

impl PipelineInput {
    /// Every stage needs a name, a probability 0–100 and a colour; a pipeline needs at least
    /// one open, one won and one lost stage, so every deal can be worked and closed.
    pub fn validate(&self) -> Result<PipelineDraft> {
        let mut e = FieldErrors::new();
        let name = party::line(&mut e, "name", &self.name, true);
        let mut stages = Vec::with_capacity(self.stages.len());
        for (i, s) in self.stages.iter().enumerate() {
            if let Some(checked) = check_stage(&mut e, &format!("stages[{i}]."), s) {
                stages.push(checked);
            }
        }
        for kind in [StageKind::Open, StageKind::Won, StageKind::Lost] {
            if !self.stages.iter().any(|s| s.kind == kind) {
                e.add("stages", "error-stages-need-each-kind");
                break;
            }
        }
        if self.stages.len() > MAX_STAGES {
            e.add("stages", "error-too-many");
        }
        let mut ids: Vec<i64> = self.stages.iter().filter_map(|s| s.id).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            e.add("stages", "error-stage-repeated");
        }
        e.into_result(PipelineDraft { name, stages })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(name: &str, kind: StageKind) -> StageInput {
        StageInput {
            id: None,
            name: name.into(),
            probability: 50,
            color: String::new(),
            kind,
        }
    }

    #[test]
    fn a_pipeline_needs_every_kind_of_stage() {
        let mut p = PipelineInput {
            name: "Retail".into(),
            stages: vec![stage("New", StageKind::Open), stage("Won", StageKind::Won)],
        };
        let Err(crate::Error::Invalid(e)) = p.validate() else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("stages"), Some("error-stages-need-each-kind"));
        p.stages.push(stage("Lost", StageKind::Lost));
        let d = p.validate().unwrap();
        assert_eq!(d.stages[0].color, "#64748b");
    }

    #[test]
    fn stage_fields_are_checked() {
        let mut s = stage("", StageKind::Open);
        s.probability = 101;
        s.color = "red; background:url(x)".into();
        let p = PipelineInput {
            name: "".into(),
            stages: vec![s, stage("W", StageKind::Won), stage("L", StageKind::Lost)],
        };
        let Err(crate::Error::Invalid(e)) = p.validate() else {
            panic!("expected invalid")
        };
        assert_eq!(e.get("name"), Some("error-required"));
        assert_eq!(e.get("stages[0].name"), Some("error-required"));
        assert_eq!(
            e.get("stages[0].probability"),
            Some("error-probability-range")
        );
        assert_eq!(e.get("stages[0].color"), Some("error-color-invalid"));
        assert_eq!(color("#AbCdEf").as_deref(), Some("#abcdef"));
    }
}
