//! Money as integer minor units of an ISO 4217 currency: no floating point anywhere, so totals
//! add up to the cent on every backend. Also the decimal parsing shared by quantities and
//! discounts.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Largest amount of one deal or line, in minor units. Far above any real deal, and small enough
/// that the sum of a million of them still fits an `i64` (board and report totals).
pub const MAX_MINOR: i64 = 10_000_000_000_000;

/// An active ISO 4217 currency (funds, test codes and superseded codes are refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// Stands in for a refused currency while the other fields of a form are still checked.
    pub const USD: Currency = Currency(iso_currency::Currency::USD);

    /// The currency with this three-letter code, in any case.
    pub fn parse(code: &str) -> Result<Currency, &'static str> {
        let code = code.trim().to_ascii_uppercase();
        match iso_currency::Currency::from_code(&code) {
            Some(c)
                if !c.is_fund()
                    && !c.is_special()
                    && c.is_superseded().is_none()
                    && c.exponent().is_some() =>
            {
                Ok(Currency(c))
            }
            _ => Err("error-currency-unknown"),
        }
    }

    pub fn code(&self) -> &'static str {
        self.0.code()
    }

    /// Digits after the decimal point (2 for EUR, 0 for JPY, 3 for KWD).
    pub fn exponent(&self) -> u32 {
        u32::from(self.0.exponent().unwrap_or(2))
    }

    /// Minor units as a plain decimal, as forms and the API take it back: `1234.50`.
    pub fn plain(&self, minor: i64) -> String {
        decimal_text(minor, self.exponent(), "", ".")
    }

    /// Minor units for people: grouped thousands in the reader's language, with the code.
    pub fn display(&self, minor: i64, lang: &str) -> String {
        let (group, point) = separators(lang);
        format!(
            "{}\u{a0}{}",
            decimal_text(minor, self.exponent(), group, point),
            self.code()
        )
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// In the OpenAPI document a currency is its code, as it is serialized.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Currency {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("ISO 4217 currency code."))
            .examples([serde_json::json!("EUR")])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Currency {}

/// Thousands and decimal separators of a language.
fn separators(lang: &str) -> (&'static str, &'static str) {
    match lang {
        "ru" => ("\u{a0}", ","),
        _ => (",", "."),
    }
}

/// `minor` with `exp` decimals, thousands grouped with `group`.
pub fn decimal_text(minor: i64, exp: u32, group: &str, point: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let scale = 10u64.pow(exp);
    let (whole, frac) = (abs / scale, abs % scale);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push_str(group);
        }
        grouped.push(c);
    }
    if exp == 0 {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}{point}{frac:0width$}", width = exp as usize)
    }
}

/// Parses a non-negative decimal typed by a person into an integer scaled by `10^exp`:
/// `"1 234,5"` with `exp = 2` is `123450`. The decimal mark is `.` or `,` (the last one when
/// both appear); thousands may be grouped with spaces, apostrophes or the other mark.
pub fn parse_decimal(text: &str, exp: u32, max: i64) -> Result<i64, &'static str> {
    let s: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'' | '_'))
        .collect();
    if s.is_empty() {
        return Err("error-required");
    }
    if s.starts_with('-') {
        return Err("error-number-negative");
    }
    let mark = s.rfind(['.', ',']);
    let (whole, frac) = match mark {
        Some(i) => {
            let (w, f) = (&s[..i], &s[i + 1..]);
            // With both marks, the earlier ones group thousands ("1,234.56").
            let other = if s.as_bytes()[i] == b'.' { ',' } else { '.' };
            let w: String = w.chars().filter(|c| *c != other).collect();
            (w, f.to_string())
        }
        None => (s.clone(), String::new()),
    };
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err("error-number-invalid");
    }
    if frac.len() > exp as usize {
        return Err("error-number-precision");
    }
    let mut value: i128 = 0;
    for c in whole.chars().chain(frac.chars()) {
        value = value * 10 + i128::from(c as u8 - b'0');
        if value > i128::from(max) * 10i128.pow(exp) {
            return Err("error-number-too-large");
        }
    }
    value *= 10i128.pow(exp - frac.len() as u32);
    if value > i128::from(max) {
        return Err("error-number-too-large");
    }
    i64::try_from(value).map_err(|_| "error-number-too-large")
}

/// Accepts a JSON string or number for a decimal field, keeping it as text so that parsing
/// (and its errors) stay in one place.
pub fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Int(i64),
        Float(f64),
    }
    Ok(match Option::<Raw>::deserialize(d)? {
        None => String::new(),
        Some(Raw::Text(s)) => s,
        Some(Raw::Int(i)) => i.to_string(),
        Some(Raw::Float(f)) => f.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn currencies_are_checked() {
        assert_eq!(Currency::parse("rub").unwrap().code(), "RUB");
        assert_eq!(Currency::parse("JPY").unwrap().exponent(), 0);
        assert_eq!(Currency::parse("KWD").unwrap().exponent(), 3);
        for bad in ["XXX", "XTS", "ABC", "", "EURO", "BOV"] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn amounts_parse_in_both_conventions() {
        let p = |s| parse_decimal(s, 2, MAX_MINOR);
        assert_eq!(p("1234.56"), Ok(123_456));
        assert_eq!(p("1 234,56"), Ok(123_456));
        assert_eq!(p("1,234.5"), Ok(123_450));
        assert_eq!(p("1.234,5"), Ok(123_450));
        assert_eq!(p("15"), Ok(1500));
        assert_eq!(p(",5"), Ok(50));
        assert_eq!(p("-5"), Err("error-number-negative"));
        assert_eq!(p("1.234"), Err("error-number-precision"));
        assert_eq!(p("12a"), Err("error-number-invalid"));
        assert_eq!(p("."), Err("error-number-invalid"));
        assert_eq!(p(""), Err("error-required"));
        assert_eq!(
            p("99999999999999999999999999999"),
            Err("error-number-too-large")
        );
        assert_eq!(p("100000000000.01"), Err("error-number-too-large"));
    }

    #[test]
    fn amounts_display_per_language() {
        let rub = Currency::parse("RUB").unwrap();
        assert_eq!(
            rub.display(123_456_789, "ru"),
            "1\u{a0}234\u{a0}567,89\u{a0}RUB"
        );
        assert_eq!(rub.display(123_456_789, "en"), "1,234,567.89\u{a0}RUB");
        assert_eq!(rub.plain(5), "0.05");
        assert_eq!(Currency::parse("JPY").unwrap().plain(1500), "1500");
    }

    proptest! {
        #[test]
        fn plain_text_parses_back(minor in 0i64..MAX_MINOR) {
            let eur = Currency::parse("EUR").unwrap();
            prop_assert_eq!(parse_decimal(&eur.plain(minor), 2, MAX_MINOR), Ok(minor));
        }
    }
}
