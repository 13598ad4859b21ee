//! Deals: what is being sold to whom, where it stands in its pipeline, and its line items with
//! totals computed in integer minor units.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::contact::double_option;
use crate::error::{FieldErrors, Result};
use crate::money::{self, Currency, MAX_MINOR};
use crate::party;
use crate::pipeline::StageKind;
use crate::product::some_text_or_number;

/// Most line items one deal may hold.
pub const MAX_LINES: usize = 200;
/// Quantities carry three decimals (2.5 m² is 2500).
pub const QUANTITY_EXP: u32 = 3;
const MAX_QUANTITY_MILLI: i64 = 1_000_000_000_000;
/// Discounts carry two decimals of a per cent (12.5 % is 1250).
const DISCOUNT_EXP: u32 = 2;
const FULL_DISCOUNT: i64 = 10_000;

/// Where a deal or lead came from.
pub const SOURCES: &[&str] = &["web_form", "email", "call", "import", "manual", "api"];

/// One line item as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    #[serde(default)]
    pub product_id: Option<i64>,
    /// Free text, or empty to use the product's name.
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "money::text_or_number")]
    pub quantity: String,
    #[serde(default, deserialize_with = "money::text_or_number")]
    pub unit_price: String,
    /// Per cent, `"12.5"`.
    #[serde(default, deserialize_with = "money::text_or_number")]
    pub discount: String,
}

/// A checked line item with its total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineDraft {
    pub product_id: Option<i64>,
    pub name: String,
    pub quantity_milli: i64,
    pub unit_price: i64,
    pub discount_bp: i64,
    pub total: i64,
}

/// `quantity × price × (1 − discount)`, rounded half up to a minor unit; `None` on overflow.
pub fn line_total(quantity_milli: i64, unit_price: i64, discount_bp: i64) -> Option<i64> {
    let num = i128::from(quantity_milli)
        * i128::from(unit_price)
        * i128::from(FULL_DISCOUNT - discount_bp);
    let den: i128 = 1_000 * i128::from(FULL_DISCOUNT);
    let total = (num + den / 2) / den;
    i64::try_from(total).ok().filter(|t| *t <= MAX_MINOR)
}

/// Checks the lines of a deal in `currency`; the product names of lines left unnamed are filled
/// in by the store. Returns the lines and their sum.
pub fn check_lines(
    e: &mut FieldErrors,
    lines: &[LineInput],
    currency: Currency,
) -> (Vec<LineDraft>, i64) {
    let mut out = Vec::with_capacity(lines.len());
    let mut sum: i64 = 0;
    if lines.len() > MAX_LINES {
        e.add("lines", "error-too-many");
    }
    for (i, l) in lines.iter().enumerate() {
        let field = |f: &str| format!("lines[{i}].{f}");
        let name = party::line(e, &field("name"), &l.name, false);
        if name.is_empty() && l.product_id.is_none() {
            e.add(field("name"), "error-required");
        }
        let quantity_milli =
            match money::parse_decimal(&l.quantity, QUANTITY_EXP, MAX_QUANTITY_MILLI) {
                Ok(0) => {
                    e.add(field("quantity"), "error-quantity-positive");
                    0
                }
                Ok(q) => q,
                Err("error-number-negative") => {
                    e.add(field("quantity"), "error-quantity-positive");
                    0
                }
                Err(code) => {
                    e.add(field("quantity"), code);
                    0
                }
            };
        let unit_price = money::parse_decimal(&l.unit_price, currency.exponent(), MAX_MINOR)
            .unwrap_or_else(|code| {
                e.add(field("unit_price"), code);
                0
            });
        let discount_bp = if l.discount.trim().is_empty() {
            0
        } else {
            match money::parse_decimal(&l.discount, DISCOUNT_EXP, FULL_DISCOUNT) {
                Ok(d) => d,
                Err("error-number-too-large" | "error-number-negative") => {
                    e.add(field("discount"), "error-discount-range");
                    0
                }
                Err(code) => {
                    e.add(field("discount"), code);
                    0
                }
            }
        };
        let total = line_total(quantity_milli, unit_price, discount_bp).unwrap_or_else(|| {
            e.add(field("unit_price"), "error-number-too-large");
            0
        });
        sum = sum.saturating_add(total);
        out.push(LineDraft {
            product_id: l.product_id,
            name,
            quantity_milli,
            unit_price,
            discount_bp,
            total,
        });
    }
    if sum > MAX_MINOR {
        e.add("amount", "error-number-too-large");
    }
    (out, sum)
}

/// A deal as typed in a form or sent to the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DealInput {
    #[serde(default)]
    pub title: String,
    /// Empty: the first pipeline.
    #[serde(default)]
    pub pipeline_id: Option<i64>,
    /// Empty: the pipeline's first open stage.
    #[serde(default)]
    pub stage_id: Option<i64>,
    /// Ignored when the deal has lines: then the amount is their sum.
    #[serde(default, deserialize_with = "money::text_or_number")]
    pub amount: String,
    /// Empty: the installation's currency.
    #[serde(default)]
    pub currency: String,
    /// Overrides the stage's probability; empty follows the stage.
    #[serde(default)]
    pub probability: Option<i32>,
    #[serde(default)]
    pub responsible_id: Option<i64>,
    #[serde(default)]
    pub deal_type: String,
    #[serde(default)]
    pub source: String,
    /// `YYYY-MM-DD`, or empty.
    #[serde(default)]
    pub expected_close: Option<String>,
    #[serde(default)]
    pub contact_id: Option<i64>,
    #[serde(default)]
    pub company_id: Option<i64>,
    #[serde(default)]
    pub visible_to_all: bool,
    /// Required when the stage is a lost one.
    #[serde(default)]
    pub lost_reason_id: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub notes: String,
    /// Absent: the lines stay as they are.
    #[serde(default)]
    pub lines: Option<Vec<LineInput>>,
    /// The version the editor started from; a stale one is refused rather than overwriting a
    /// colleague's change unseen.
    #[serde(default)]
    pub version: Option<i64>,
}

/// A checked deal. Stage and pipeline are checked against each other by the store, which
/// holds the pipelines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealDraft {
    pub title: String,
    pub pipeline_id: Option<i64>,
    pub stage_id: Option<i64>,
    /// The typed amount; the store uses the lines' sum when the deal has lines.
    pub amount: i64,
    pub currency: Currency,
    pub probability: Option<i32>,
    pub responsible_id: Option<i64>,
    pub deal_type: String,
    pub source: String,
    pub expected_close: Option<NaiveDate>,
    pub contact_id: Option<i64>,
    pub company_id: Option<i64>,
    pub visible_to_all: bool,
    pub lost_reason_id: Option<i64>,
    pub tags: Vec<String>,
    pub notes: String,
    pub lines: Option<Vec<LineDraft>>,
    pub version: Option<i64>,
}

/// Checks a date field typed as `YYYY-MM-DD`.
pub fn date(e: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<NaiveDate> {
    match value.map(str::trim) {
        None | Some("") => None,
        Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if (1900..=2999).contains(&chrono::Datelike::year(&d)) => Some(d),
            Ok(_) => {
                e.add(field, "error-date-out-of-range");
                None
            }
            Err(_) => {
                e.add(field, "error-date-invalid");
                None
            }
        },
    }
}

/// Checks a source: one of [`SOURCES`], or empty.
pub fn source(e: &mut FieldErrors, value: &str) -> String {
    let v = value.trim();
    if !v.is_empty() && !SOURCES.contains(&v) {
        e.add("source", "error-source-unknown");
    }
    v.to_string()
}

impl DealInput {
    pub fn validate(&self, default_currency: Currency) -> Result<DealDraft> {
        let mut e = FieldErrors::new();
        let currency = if self.currency.trim().is_empty() {
            default_currency
        } else {
            Currency::parse(&self.currency).unwrap_or_else(|code| {
                e.add("currency", code);
                default_currency
            })
        };
        let amount = if self.amount.trim().is_empty() {
            0
        } else {
            money::parse_decimal(&self.amount, currency.exponent(), MAX_MINOR).unwrap_or_else(
                |code| {
                    e.add("amount", code);
                    0
                },
            )
        };
        if let Some(p) = self.probability
            && !(0..=100).contains(&p)
        {
            e.add("probability", "error-probability-range");
        }
        let lines = self.lines.as_ref().map(|l| {
            let (lines, _) = check_lines(&mut e, l, currency);
            lines
        });
        let draft = DealDraft {
            title: party::line(&mut e, "title", &self.title, true),
            pipeline_id: self.pipeline_id,
            stage_id: self.stage_id,
            amount,
            currency,
            probability: self.probability,
            responsible_id: self.responsible_id,
            deal_type: party::line(&mut e, "deal_type", &self.deal_type, false),
            source: source(&mut e, &self.source),
            expected_close: date(&mut e, "expected_close", self.expected_close.as_deref()),
            contact_id: self.contact_id,
            company_id: self.company_id,
            visible_to_all: self.visible_to_all,
            lost_reason_id: self.lost_reason_id,
            tags: party::tags(&mut e, &self.tags),
            notes: party::note(&mut e, "notes", &self.notes),
            lines,
            version: self.version,
        };
        e.into_result(draft)
    }
}

/// A stored line item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Line {
    pub id: i64,
    pub product_id: Option<i64>,
    pub name: String,
    pub quantity_milli: i64,
    /// The quantity as a plain decimal without trailing zeros (`"2.5"`).
    pub quantity: String,
    pub unit_price: i64,
    pub unit_price_text: String,
    pub discount_bp: i64,
    pub discount: String,
    pub total: i64,
    pub total_text: String,
}

impl Line {
    /// A stored line from its checked parts.
    pub fn from_draft(id: i64, d: LineDraft, currency: Currency) -> Line {
        Line {
            id,
            product_id: d.product_id,
            name: d.name,
            quantity_milli: d.quantity_milli,
            quantity: trimmed(d.quantity_milli, QUANTITY_EXP),
            unit_price: d.unit_price,
            unit_price_text: currency.plain(d.unit_price),
            discount_bp: d.discount_bp,
            discount: trimmed(d.discount_bp, DISCOUNT_EXP),
            total: d.total,
            total_text: currency.plain(d.total),
        }
    }

    fn to_input(&self) -> LineInput {
        LineInput {
            product_id: self.product_id,
            name: self.name.clone(),
            quantity: self.quantity.clone(),
            unit_price: self.unit_price_text.clone(),
            discount: self.discount.clone(),
        }
    }
}

/// A scaled integer as a decimal without needless zeros: 2500 with 3 decimals is `"2.5"`.
fn trimmed(value: i64, exp: u32) -> String {
    let s = money::decimal_text(value, exp, "", ".");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Whether a won deal made its client a customer or sold to one again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SaleKind {
    /// The client's first won deal.
    NewCustomer,
    /// A later won deal: the client's `nth` (2 for the second).
    Repeat { nth: i64 },
}

/// A stored deal as its readers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deal {
    pub id: i64,
    pub title: String,
    pub pipeline_id: i64,
    pub pipeline_name: String,
    pub stage_id: i64,
    pub stage_name: String,
    pub stage_color: String,
    pub stage_kind: StageKind,
    pub amount: i64,
    pub amount_text: String,
    pub currency: Currency,
    /// The probability in effect: the override, else the stage's.
    pub probability: i32,
    pub probability_override: Option<i32>,
    pub responsible_id: Option<i64>,
    pub responsible_name: Option<String>,
    pub deal_type: String,
    pub source: String,
    pub expected_close: Option<NaiveDate>,
    pub contact_id: Option<i64>,
    pub contact_name: Option<String>,
    pub company_id: Option<i64>,
    pub company_name: Option<String>,
    pub visible_to_all: bool,
    pub lost_reason_id: Option<i64>,
    pub lost_reason: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub sale: Option<SaleKind>,
    pub lead_id: Option<i64>,
    pub tags: Vec<String>,
    pub notes: String,
    pub lines: Vec<Line>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Deal {
    /// The deal as an input again (for its edit form or a partial update); lines are left
    /// out, so saving the form keeps them.
    pub fn to_input(&self) -> DealInput {
        DealInput {
            title: self.title.clone(),
            pipeline_id: Some(self.pipeline_id),
            stage_id: Some(self.stage_id),
            amount: self.amount_text.clone(),
            currency: self.currency.code().to_string(),
            probability: self.probability_override,
            responsible_id: self.responsible_id,
            deal_type: self.deal_type.clone(),
            source: self.source.clone(),
            expected_close: self
                .expected_close
                .map(|d| d.format("%Y-%m-%d").to_string()),
            contact_id: self.contact_id,
            company_id: self.company_id,
            visible_to_all: self.visible_to_all,
            lost_reason_id: self.lost_reason_id,
            tags: self.tags.clone(),
            notes: self.notes.clone(),
            lines: None,
            version: Some(self.version),
        }
    }

    /// The lines as inputs, for the line editor.
    pub fn line_inputs(&self) -> Vec<LineInput> {
        self.lines.iter().map(Line::to_input).collect()
    }
}

/// A partial update (API `PATCH`): absent fields keep their value; `null` clears.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DealPatch {
    pub title: Option<String>,
    pub pipeline_id: Option<i64>,
    pub stage_id: Option<i64>,
    #[serde(default, deserialize_with = "some_text_or_number")]
    pub amount: Option<String>,
    pub currency: Option<String>,
    #[serde(default, with = "double_option")]
    pub probability: Option<Option<i32>>,
    #[serde(default, with = "double_option")]
    pub responsible_id: Option<Option<i64>>,
    pub deal_type: Option<String>,
    pub source: Option<String>,
    #[serde(default, with = "double_option")]
    pub expected_close: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    pub contact_id: Option<Option<i64>>,
    #[serde(default, with = "double_option")]
    pub company_id: Option<Option<i64>>,
    pub visible_to_all: Option<bool>,
    #[serde(default, with = "double_option")]
    pub lost_reason_id: Option<Option<i64>>,
    pub tags: Option<Vec<String>>,
    pub notes: Option<String>,
    pub lines: Option<Vec<LineInput>>,
    pub version: Option<i64>,
}

impl DealPatch {
    pub fn apply(self, mut to: DealInput) -> DealInput {
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = self.$f { to.$f = v; } )* };
        }
        if let Some(p) = self.pipeline_id {
            to.pipeline_id = Some(p);
            // A new pipeline without a stage starts at its first open stage.
            if self.stage_id.is_none() {
                to.stage_id = None;
            }
        }
        if let Some(s) = self.stage_id {
            to.stage_id = Some(s);
        }
        set!(
            amount,
            currency,
            probability,
            responsible_id,
            deal_type,
            source,
            expected_close
        );
        set!(
            contact_id,
            company_id,
            visible_to_all,
            lost_reason_id,
            tags,
            notes,
            title
        );
        if self.lines.is_some() {
            to.lines = self.lines;
        }
        // Without a version the patch applies to whatever is current (last write wins).
        to.version = self.version;
        to
    }
}

/// A deal as one line of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DealRow {
    pub id: i64,
    pub title: String,
    pub pipeline_name: String,
    pub stage_name: String,
    pub stage_color: String,
    pub stage_kind: StageKind,
    pub amount: i64,
    pub amount_text: String,
    pub currency: Currency,
    pub client: Option<String>,
    pub responsible_name: Option<String>,
    pub expected_close: Option<NaiveDate>,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

/// Which deals a list or board shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DealFilter {
    pub pipeline_id: Option<i64>,
    pub stage_id: Option<i64>,
    pub responsible_id: Option<i64>,
    /// Minor units, compared with the amount whatever its currency.
    pub min_amount: Option<i64>,
    pub max_amount: Option<i64>,
    pub tag: Option<String>,
    /// Only open, won or lost deals.
    pub state: Option<StageKind>,
}

/// The order of a deal list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DealSort {
    #[default]
    Updated,
    Created,
    Title,
    Amount,
    ExpectedClose,
}

impl DealSort {
    pub fn parse(s: &str) -> Option<DealSort> {
        Some(match s {
            "updated" => DealSort::Updated,
            "created" => DealSort::Created,
            "title" => DealSort::Title,
            "amount" => DealSort::Amount,
            "expected_close" => DealSort::ExpectedClose,
            _ => return None,
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            DealSort::Updated => "updated",
            DealSort::Created => "created",
            DealSort::Title => "title",
            DealSort::Amount => "amount",
            DealSort::ExpectedClose => "expected_close",
        }
    }
}

/// One stage's column on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoardColumn {
    pub stage: crate::pipeline::Stage,
    /// Deals in the stage under the board's filters.
    pub count: i64,
    /// Their amounts summed per currency, largest first.
    pub totals: Vec<(Currency, i64)>,
    pub cards: Vec<DealRow>,
    pub has_more: bool,
}

/// One entry of a deal's stage history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageChange {
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub user_name: Option<String>,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    fn line(q: &str, p: &str, d: &str) -> LineInput {
        LineInput {
            name: "Window".into(),
            quantity: q.into(),
            unit_price: p.into(),
            discount: d.into(),
            ..Default::default()
        }
    }

    #[test]
    fn line_totals_round_half_up_in_minor_units() {
        // 2.5 × 10.01 × 0.9 = 22.5225 -> 22.52
        assert_eq!(line_total(2_500, 1_001, 1_000), Some(2_252));
        // 3 × 0.05 × 0.5 = 0.075 -> 0.08
        assert_eq!(line_total(3_000, 5, 5_000), Some(8));
        assert_eq!(line_total(1_000, 100, 10_000), Some(0));
        assert_eq!(line_total(1_000_000_000_000, MAX_MINOR, 0), None);
    }

    #[test]
    fn bad_lines_get_field_errors() {
        let mut e = FieldErrors::new();
        let (_, _) = check_lines(
            &mut e,
            &[
                line("-1", "10", ""),
                line("1", "10", "100.5"),
                line("1", "abc", ""),
                line("1000000000", "100000000000", ""),
            ],
            eur(),
        );
        assert_eq!(e.get("lines[0].quantity"), Some("error-quantity-positive"));
        assert_eq!(e.get("lines[1].discount"), Some("error-discount-range"));
        assert_eq!(e.get("lines[2].unit_price"), Some("error-number-invalid"));
        assert_eq!(e.get("lines[3].unit_price"), Some("error-number-too-large"));
    }

    #[test]
    fn deal_sums_its_lines() {
        let mut e = FieldErrors::new();
        let (lines, sum) = check_lines(
            &mut e,
            &[line("2", "100.10", "10"), line("1", "0.99", "")],
            eur(),
        );
        assert!(e.is_empty());
        assert_eq!(lines[0].total, 18_018);
        assert_eq!(sum, 18_018 + 99);
    }

    #[test]
    fn deal_input_is_checked() {
        let Err(crate::Error::Invalid(e)) = DealInput {
            title: " ".into(),
            amount: "1e9".into(),
            currency: "EUX".into(),
            probability: Some(120),
            source: "fax".into(),
            expected_close: Some("31.12.2026".into()),
            ..Default::default()
        }
        .validate(eur()) else {
            panic!("expected invalid")
        };
        for (f, code) in [
            ("title", "error-required"),
            ("amount", "error-number-invalid"),
            ("currency", "error-currency-unknown"),
            ("probability", "error-probability-range"),
            ("source", "error-source-unknown"),
            ("expected_close", "error-date-invalid"),
        ] {
            assert_eq!(e.get(f), Some(code), "{f}");
        }
        let ok = DealInput {
            title: "Windows".into(),
            amount: "1500".into(),
            ..Default::default()
        }
        .validate(eur())
        .unwrap();
        assert_eq!((ok.amount, ok.currency.code()), (150_000, "EUR"));
    }

    #[test]
    fn quantities_show_without_needless_zeros() {
        let d = LineDraft {
            product_id: None,
            name: "W".into(),
            quantity_milli: 2_500,
            unit_price: 1_000,
            discount_bp: 1_250,
            total: 2_188,
        };
        let l = Line::from_draft(1, d, eur());
        assert_eq!((l.quantity.as_str(), l.discount.as_str()), ("2.5", "12.5"));
        assert_eq!(trimmed(3_000, 3), "3");
    }
}
