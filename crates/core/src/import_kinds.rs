//! What a row of an imported file of leads, deals or products becomes: the mapped cells checked
//! as the forms check them, with the names only the store can resolve (pipeline, stage, company,
//! contact, responsible) kept as written.

use crate::deal::{DealDraft, DealInput};
use crate::import_rows::{
    Cells, CompanyName, Mapping, Policy, Problem, dedup, field_key, parse_date, problems, take,
};
use crate::lead::{LeadDraft, LeadInput};
use crate::money::{Currency, MAX_MINOR, parse_decimal};
use crate::product::{ProductDraft, ProductInput};
use crate::{Error, Phone, Region};

/// A lead read from a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadRow {
    pub draft: LeadDraft,
    pub responsible: Option<String>,
}

/// A deal read from a row; `draft` has no pipeline, stage, company or contact yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealRow {
    pub draft: DealDraft,
    pub pipeline: Option<String>,
    pub stage: Option<String>,
    pub company: Option<CompanyName>,
    /// A contact's e-mail, phone or name, as written.
    pub contact: Option<String>,
    /// The contact cell as an E.164 number, when it is one.
    pub contact_e164: Option<String>,
    pub responsible: Option<String>,
}

/// A product read from a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRow {
    pub draft: ProductDraft,
}

/// The outcome of a validation, its problems pointed at their columns.
fn checked<T>(
    result: crate::Result<T>,
    cells: &Cells<'_>,
    mut out: Vec<Problem>,
    field_of: fn(&str) -> &str,
) -> Result<T, Vec<Problem>> {
    match result {
        Ok(v) if out.is_empty() => Ok(v),
        Ok(_) => Err(out),
        Err(Error::Invalid(errors)) => {
            out.extend(problems(&errors, cells, field_of));
            dedup(&mut out);
            Err(out)
        }
        Err(_) => Err(out),
    }
}

/// The lead's field names as the import's field keys.
fn lead_field(field: &str) -> &str {
    match field {
        "company_name" => "company",
        other => other,
    }
}

fn deal_field(field: &str) -> &str {
    match field {
        "expected_close" => "close_date",
        other => field_key(other),
    }
}

/// Free text as written, line breaks kept (a request's message, a deal's notes).
fn multiline(cells: &Cells<'_>, key: &str) -> String {
    let parts: Vec<&str> = cells.all(key).into_iter().map(|(_, v)| v).collect();
    parts.join("\n")
}

fn lower(cells: &Cells<'_>, key: &str) -> Option<String> {
    cells.optional(key).map(|s| s.to_lowercase())
}

/// A lead from the mapped cells of one row. As a lead typed in by hand, a badly written phone
/// or e-mail is kept as written (no request is lost); a valid one is also stored normalised.
pub fn lead_row(
    cells: &[String],
    mapping: &Mapping,
    region: Region,
) -> Result<LeadRow, Vec<Problem>> {
    let c = Cells { cells, mapping };
    let input = LeadInput {
        title: c.text("title"),
        // A lead without a source came from the import itself.
        source: c.optional("source").unwrap_or_else(|| "import".into()),
        name: c.text("name"),
        company_name: c.text("company"),
        phone: c.text("phone"),
        email: c.text("email"),
        message: multiline(&c, "message"),
        utm_source: c.text("utm_source"),
        utm_medium: c.text("utm_medium"),
        utm_campaign: c.text("utm_campaign"),
        page_url: c.text("page_url"),
        ..Default::default()
    };
    checked(input.validate(region), &c, Vec::new(), lead_field).map(|draft| LeadRow {
        draft,
        responsible: lower(&c, "responsible"),
    })
}

/// An amount as spreadsheets hold it: `1 234,50`, `1,234.50`, or a number cell (`1234.5`).
fn amount(c: &Cells<'_>, key: &str, currency: Currency, out: &mut Vec<Problem>) -> Option<String> {
    let (col, raw) = c.all(key).into_iter().next()?;
    match parse_decimal(raw, currency.exponent(), MAX_MINOR) {
        Ok(minor) => Some(currency.plain(minor)),
        Err(code) => {
            out.push(Problem {
                column: Some(col),
                field: key.into(),
                code,
            });
            None
        }
    }
}

fn currency_of(c: &Cells<'_>, default: Currency, out: &mut Vec<Problem>) -> Currency {
    match c.all("currency").into_iter().next() {
        None => default,
        Some((col, raw)) => Currency::parse(raw).unwrap_or_else(|code| {
            out.push(Problem {
                column: Some(col),
                field: "currency".into(),
                code,
            });
            default
        }),
    }
}

/// A deal from the mapped cells of one row, in `default` currency unless the row names one.
pub fn deal_row(
    cells: &[String],
    mapping: &Mapping,
    region: Region,
    default: Currency,
) -> Result<DealRow, Vec<Problem>> {
    let c = Cells { cells, mapping };
    let mut out = Vec::new();
    let currency = currency_of(&c, default, &mut out);
    let amount = amount(&c, "amount", currency, &mut out).unwrap_or_default();
    let expected_close = match c.all("close_date").into_iter().next() {
        None => None,
        Some((col, raw)) => match parse_date(raw, region) {
            Some(d) => Some(d.format("%Y-%m-%d").to_string()),
            None => {
                out.push(Problem {
                    column: Some(col),
                    field: "close_date".into(),
                    code: "error-date-invalid",
                });
                None
            }
        },
    };
    let input = DealInput {
        title: c.text("title"),
        amount,
        currency: currency.code().to_string(),
        source: "import".into(),
        expected_close,
        notes: multiline(&c, "notes"),
        ..Default::default()
    };
    checked(input.validate(default), &c, out, deal_field).map(|draft| DealRow {
        draft,
        pipeline: c.optional("pipeline"),
        stage: c.optional("stage"),
        company: c.optional("company").map(CompanyName::new),
        contact: c.optional("contact"),
        contact_e164: c
            .optional("contact")
            .and_then(|s| Phone::parse(&s, region).ok())
            .map(|p| p.e164().to_string()),
        responsible: lower(&c, "responsible"),
    })
}

/// A product from the mapped cells of one row, in `default` currency unless the row names one.
pub fn product_row(
    cells: &[String],
    mapping: &Mapping,
    default: Currency,
) -> Result<ProductRow, Vec<Problem>> {
    let c = Cells { cells, mapping };
    let mut out = Vec::new();
    let currency = currency_of(&c, default, &mut out);
    let price = amount(&c, "price", currency, &mut out).unwrap_or_default();
    let input = ProductInput {
        name: c.text("name"),
        sku: c.text("sku"),
        unit: c.text("unit"),
        price,
        currency: currency.code().to_string(),
        category: c.text("category"),
        active: true,
    };
    checked(input.validate(), &c, out, field_key).map(|draft| ProductRow { draft })
}

/// The existing product with the row taken in as the policy says, or `None` when nothing
/// would change. A price moves together with its currency; 0 counts as no price.
pub fn merge_product(
    existing: &ProductDraft,
    row: &ProductDraft,
    policy: Policy,
) -> Option<ProductDraft> {
    if policy == Policy::Skip {
        return None;
    }
    let mut d = existing.clone();
    let mut changed = false;
    for (old, new) in [
        (&mut d.name, &row.name),
        (&mut d.sku, &row.sku),
        (&mut d.unit, &row.unit),
        (&mut d.category, &row.category),
    ] {
        changed |= take(old, new, &String::new(), policy);
    }
    let price_free = policy == Policy::Overwrite || d.price == 0;
    if row.price != 0 && (d.price, d.currency) != (row.price, row.currency) && price_free {
        d.price = row.price;
        d.currency = row.currency;
        changed = true;
    }
    changed.then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(keys: &[&str]) -> Mapping {
        keys.iter()
            .map(|k| (!k.is_empty()).then(|| k.to_string()))
            .collect()
    }

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    fn rub() -> Currency {
        Currency::parse("RUB").unwrap()
    }

    #[test]
    fn amounts_are_read_in_either_notation() {
        let m = map(&["title", "amount"]);
        let ru: Region = "RU".parse().unwrap();
        for (typed, minor) in [
            ("1 234,50", 123_450),
            ("1,234.50", 123_450),
            ("1234.5", 123_450),
            ("99", 9_900),
        ] {
            let d = deal_row(&row(&["Deal", typed]), &m, ru, rub()).unwrap();
            assert_eq!(d.draft.amount, minor, "{typed}");
        }
        let bad = deal_row(&row(&["Deal", "много"]), &m, ru, rub()).unwrap_err();
        assert_eq!(
            (bad[0].column, bad[0].code),
            (Some(1), "error-number-invalid")
        );
    }

    #[test]
    fn deal_problems_point_at_their_columns() {
        let m = map(&["title", "currency", "close_date", "stage"]);
        let ru: Region = "RU".parse().unwrap();
        let p = deal_row(&row(&["", "XYZ", "31.02.2026", "Won"]), &m, ru, rub()).unwrap_err();
        let got: Vec<(Option<usize>, &str)> = p.iter().map(|p| (p.column, p.code)).collect();
        assert!(got.contains(&(Some(0), "error-required")), "{got:?}");
        assert!(got.contains(&(Some(2), "error-date-invalid")), "{got:?}");
        assert!(got.iter().any(|g| g.0 == Some(1)), "{got:?}");
        let ok = deal_row(&row(&["A", "", "31.12.2026", "Won"]), &m, ru, rub()).unwrap();
        assert_eq!(ok.stage.as_deref(), Some("Won"));
        assert_eq!(ok.draft.currency, rub());
    }

    #[test]
    fn a_lead_keeps_a_bad_phone_and_normalises_a_good_one() {
        let m = map(&["name", "phone", "source"]);
        let ru: Region = "RU".parse().unwrap();
        let l = lead_row(&row(&["Анна", "8 (495) 123-45-67", ""]), &m, ru).unwrap();
        assert_eq!(l.draft.phone_e164.as_deref(), Some("+74951234567"));
        assert_eq!(l.draft.source, "import");
        let l = lead_row(&row(&["Анна", "12", "call"]), &m, ru).unwrap();
        assert_eq!((l.draft.phone.as_str(), l.draft.phone_e164), ("12", None));
        let p = lead_row(&row(&["Анна", "", "billboard"]), &m, ru).unwrap_err();
        assert_eq!((p[0].column, p[0].code), (Some(2), "error-source-unknown"));
        let p = lead_row(&row(&["", "", ""]), &m, ru).unwrap_err();
        assert_eq!(p[0].column, Some(0));
    }

    #[test]
    fn a_product_needs_a_name_and_a_readable_price() {
        let m = map(&["name", "sku", "price", "unit"]);
        let p = product_row(&row(&["Окно", "W-1", "12 500,00", "шт"]), &m, rub()).unwrap();
        assert_eq!((p.draft.price, p.draft.sku.as_str()), (1_250_000, "W-1"));
        let bad = product_row(&row(&["", "W-2", "abc", ""]), &m, rub()).unwrap_err();
        let got: Vec<(Option<usize>, &str)> = bad.iter().map(|p| (p.column, p.code)).collect();
        assert!(got.contains(&(Some(0), "error-required")), "{got:?}");
        assert!(got.contains(&(Some(2), "error-number-invalid")), "{got:?}");
    }
}
