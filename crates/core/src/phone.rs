//! Phone numbers: kept as typed for display and as E.164 for matching and search.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{LazyLock, RwLock};

use phonenumber::country;
use phonenumber::metadata::DATABASE;
use regex::{Regex, RegexBuilder};

/// The installation's default region (ISO 3166 alpha-2), used for numbers typed without `+`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region(country::Id);

impl Region {
    pub fn code(&self) -> &str {
        self.0.as_ref()
    }
}

impl FromStr for Region {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        country::Id::from_str(&s.trim().to_ascii_uppercase())
            .map(Region)
            .map_err(|_| format!("unknown region code {s:?}: expected a two-letter country code such as RU, IL or US"))
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A phone number that libphonenumber accepts as valid. It can only be built through
/// [`Phone::parse`] (or re-read from storage with [`Phone::from_stored`]), so every `Phone` has an
/// E.164 form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Phone {
    raw: String,
    e164: String,
}

/// Longest phone text accepted as typed.
pub const MAX_PHONE_CHARS: usize = 40;

impl Phone {
    /// Parses `raw` with `region` as the default for numbers typed without a country code.
    /// The number must fit its country's general number pattern in libphonenumber's metadata
    /// (any kind of number there: fixed, mobile, toll-free...). Validity of the exact range is
    /// not required: the ranges lag behind operators, and refusing a real client's number is
    /// worse than keeping one from a range the metadata has not heard of yet.
    pub fn parse(raw: &str, region: Region) -> Result<Phone, &'static str> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("error-required");
        }
        if raw.chars().count() > MAX_PHONE_CHARS {
            return Err("error-too-long");
        }
        if !raw
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().\u{a0}/".contains(c))
        {
            return Err("error-phone-invalid");
        }
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        // The phonenumber crate's own parser strips the national prefix "8" from numbers that
        // start with 8 after +7 (every St Petersburg number, +7 812...), so only its metadata
        // is used here.
        let e164 = if raw.starts_with('+') {
            from_international(&digits)
        } else if let Some(rest) = digits.strip_prefix("00") {
            from_international(rest)
        } else {
            from_national(&digits, region)
        };
        e164.map(|e164| Phone {
            raw: raw.to_string(),
            e164,
        })
        .ok_or("error-phone-invalid")
    }

    /// Rebuilds a phone read back from storage, where both forms were checked on the way in.
    pub fn from_stored(raw: String, e164: String) -> Phone {
        Phone { raw, e164 }
    }

    /// As typed.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// `+` and digits, e.g. `+74951234567`.
    pub fn e164(&self) -> &str {
        &self.e164
    }

    /// The digits of the E.164 form, last digit first: "last N digits" searches become an
    /// index-friendly prefix search on this.
    pub fn digits_reversed(&self) -> String {
        reversed_digits(&self.e164)
    }

    /// As typed and in E.164, for storing without a copy.
    pub fn into_parts(self) -> (String, String) {
        (self.raw, self.e164)
    }
}

/// `+` and the digits, when they start with a known country code followed by a national
/// number that fits one of that code's countries.
fn from_international(digits: &str) -> Option<String> {
    (1..=3).find_map(|len| {
        let code: u16 = digits.get(..len)?.parse().ok()?;
        let national = &digits[len..];
        let fits_one = DATABASE
            .by_code(&code)?
            .iter()
            .any(|meta| fits(meta, national));
        fits_one.then(|| format!("+{digits}"))
    })
}

/// The E.164 form of a number typed the way it is dialled inside `region`: with or without the
/// national prefix (8 in Russia, 0 in Israel), or with the country code but no `+`.
fn from_national(digits: &str, region: Region) -> Option<String> {
    let meta = DATABASE.by_id(region.code())?;
    let code = meta.country_code().to_string();
    let without_prefix = meta.national_prefix().and_then(|p| digits.strip_prefix(p));
    let without_code = digits.strip_prefix(code.as_str());
    [without_prefix, Some(digits), without_code]
        .into_iter()
        .flatten()
        .find(|national| fits(meta, national))
        .map(|national| format!("+{code}{national}"))
}

/// Whether `national` matches the whole general pattern of `meta`'s country.
fn fits(meta: &phonenumber::Metadata, national: &str) -> bool {
    if national.len() < 4 || national.len() > 14 {
        return false;
    }
    full_match(
        meta.descriptors().general().national_number().as_str(),
        national,
    )
}

/// Metadata patterns are meant to match whole numbers; the crate's matcher only anchors the
/// start, so anchored copies are compiled once per pattern and kept.
fn full_match(pattern: &str, s: &str) -> bool {
    static ANCHORED: LazyLock<RwLock<HashMap<String, Option<Regex>>>> =
        LazyLock::new(Default::default);
    let cached = ANCHORED
        .read()
        .ok()
        .and_then(|m| m.get(pattern).map(|r| r.as_ref().map(|r| r.is_match(s))));
    if let Some(answer) = cached {
        return answer.unwrap_or(false);
    }
    // The metadata lays patterns out over several lines: white space is not part of them.
    let compiled = RegexBuilder::new(&format!("^(?:{pattern})$"))
        .ignore_whitespace(true)
        .build()
        .ok();
    let answer = compiled.as_ref().is_some_and(|r| r.is_match(s));
    if let Ok(mut m) = ANCHORED.write() {
        m.insert(pattern.to_string(), compiled);
    }
    answer
}

/// The ASCII digits of `s`, last first.
pub fn reversed_digits(s: &str) -> String {
    s.chars().rev().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ru() -> Region {
        "RU".parse().unwrap()
    }

    #[test]
    fn russian_formats_normalise_to_one_number() {
        for raw in [
            "8 (495) 123-45-67",
            "+7 495 123 45 67",
            "495-123-45-67",
            "+7 (495) 1234567",
            "7 495 123 4567",
            "00 7 495 123 45 67",
        ] {
            let p = Phone::parse(raw, ru()).unwrap();
            assert_eq!(p.e164(), "+74951234567", "{raw}");
            assert_eq!(p.raw(), raw);
        }
    }

    #[test]
    fn numbers_starting_with_8_after_the_country_code() {
        for raw in [
            "+7 812 315-20-01",
            "8 812 315-20-01",
            "812 315 20 01",
            "8 800 555-35-35",
        ] {
            let p = Phone::parse(raw, ru()).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert!(
                p.e164() == "+78123152001" || p.e164() == "+78005553535",
                "{raw}: {}",
                p.e164()
            );
        }
    }

    #[test]
    fn israeli_mobile() {
        let il: Region = "il".parse().unwrap();
        assert_eq!(
            Phone::parse("050-123-4567", il).unwrap().e164(),
            "+972501234567"
        );
    }

    #[test]
    fn garbage_is_refused() {
        assert_eq!(Phone::parse("hello", ru()), Err("error-phone-invalid"));
        assert_eq!(Phone::parse("12", ru()), Err("error-phone-invalid"));
        assert_eq!(
            Phone::parse("+7 495 123 45 67 89 01", ru()),
            Err("error-phone-invalid")
        );
        assert_eq!(
            Phone::parse("+999 123 456", ru()),
            Err("error-phone-invalid")
        );
        assert_eq!(Phone::parse("  ", ru()), Err("error-required"));
        assert!("XX".parse::<Region>().is_err());
    }

    #[test]
    fn reversed_digits_for_suffix_search() {
        let p = Phone::parse("+7 495 123 45 67", ru()).unwrap();
        assert_eq!(p.digits_reversed(), "76543215947");
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_e164_is_plus_digits(s in "\\PC{0,30}") {
            if let Ok(p) = Phone::parse(&s, ru()) {
                prop_assert!(p.e164().starts_with('+'));
                prop_assert!(p.e164()[1..].chars().all(|c| c.is_ascii_digit()));
            }
        }

        #[test]
        fn parsing_the_e164_form_gives_it_back(n in 4_950_000_000u64..4_959_999_999u64) {
            let typed = format!("+7{n}");
            if let Ok(p) = Phone::parse(&typed, ru()) {
                let again = Phone::parse(p.e164(), ru()).unwrap();
                prop_assert_eq!(again.e164(), p.e164());
            }
        }
    }
}
