//! What contacts and companies share: ways to reach them, tags, ownership, and the checks on
//! free text. A "party" is either side of a business relationship.

use crate::email::Email;
use crate::error::FieldErrors;
use crate::phone::{Phone, Region};
use crate::text::squish;

/// Most phones or e-mails one card may hold.
pub const MAX_CHANNELS: usize = 10;
/// Most tags one card may hold, and the longest tag.
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;
/// Limits for one-line and multi-line text fields.
pub const MAX_LINE_CHARS: usize = 200;
pub const MAX_NOTE_CHARS: usize = 10_000;

/// Checks a one-line text field: trimmed, inner white space collapsed, length-limited.
pub fn line(errors: &mut FieldErrors, field: &str, value: &str, required: bool) -> String {
    let v = squish(value);
    if required && v.is_empty() {
        errors.add(field, "error-required");
    } else if v.chars().count() > MAX_LINE_CHARS {
        errors.add(field, "error-too-long");
    }
    v
}

/// Checks a multi-line text field: trimmed at the ends only, length-limited.
pub fn note(errors: &mut FieldErrors, field: &str, value: &str) -> String {
    let v = value.trim().replace("\r\n", "\n");
    if v.chars().count() > MAX_NOTE_CHARS {
        errors.add(field, "error-too-long");
    }
    v
}

/// Parses every non-blank entry; duplicates (same E.164) are dropped silently.
pub fn phones(errors: &mut FieldErrors, values: &[String], region: Region) -> Vec<Phone> {
    let mut out: Vec<Phone> = Vec::new();
    for raw in values.iter().filter(|v| !v.trim().is_empty()) {
        match Phone::parse(raw, region) {
            Ok(p) if out.iter().any(|q| q.e164() == p.e164()) => {}
            Ok(p) => out.push(p),
            Err(code) => errors.add("phones", code),
        }
    }
    if out.len() > MAX_CHANNELS {
        errors.add("phones", "error-too-many");
    }
    out
}

/// Parses every non-blank entry; duplicates (same lower-case form) are dropped silently.
pub fn emails(errors: &mut FieldErrors, values: &[String]) -> Vec<Email> {
    let mut out: Vec<Email> = Vec::new();
    for raw in values.iter().filter(|v| !v.trim().is_empty()) {
        match Email::parse(raw) {
            Ok(e) if out.iter().any(|f| f.lower() == e.lower()) => {}
            Ok(e) => out.push(e),
            Err(code) => errors.add("emails", code),
        }
    }
    if out.len() > MAX_CHANNELS {
        errors.add("emails", "error-too-many");
    }
    out
}

/// Tags are matched case-insensitively; the first spelling seen is kept.
pub fn tags(errors: &mut FieldErrors, values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in values.iter().map(|t| squish(t)).filter(|t| !t.is_empty()) {
        if t.chars().count() > MAX_TAG_CHARS {
            errors.add("tags", "error-too-long");
        } else if !out.iter().any(|o| o.to_lowercase() == t.to_lowercase()) {
            out.push(t);
        }
    }
    if out.len() > MAX_TAGS {
        errors.add("tags", "error-too-many");
    }
    out
}

/// Splits a free-text list as typed in one form field ("a, b; c" or one per line).
pub fn split_list(s: &str) -> Vec<String> {
    s.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_dedupe_by_e164_and_report_bad_ones() {
        let mut errors = FieldErrors::new();
        let ru: Region = "RU".parse().unwrap();
        let got = phones(
            &mut errors,
            &[
                "8 (495) 123-45-67".into(),
                "+7 495 123 45 67".into(),
                " ".into(),
            ],
            ru,
        );
        assert_eq!(got.len(), 1);
        assert!(errors.is_empty());
        phones(&mut errors, &["nope".into()], ru);
        assert_eq!(errors.get("phones"), Some("error-phone-invalid"));
    }

    #[test]
    fn tags_case_insensitive_and_limited() {
        let mut errors = FieldErrors::new();
        assert_eq!(
            tags(&mut errors, &["VIP".into(), "vip".into(), " Опт ".into()]),
            vec!["VIP", "Опт"]
        );
        tags(&mut errors, &["x".repeat(51)]);
        assert_eq!(errors.get("tags"), Some("error-too-long"));
    }

    #[test]
    fn lines_are_squished_and_checked() {
        let mut errors = FieldErrors::new();
        assert_eq!(
            line(&mut errors, "name", "  Anna   Petrova ", true),
            "Anna Petrova"
        );
        line(&mut errors, "name", "   ", true);
        line(&mut errors, "position", &"x".repeat(201), false);
        assert_eq!(errors.get("name"), Some("error-required"));
        assert_eq!(errors.get("position"), Some("error-too-long"));
    }

    #[test]
    fn split_list_accepts_commas_semicolons_lines() {
        assert_eq!(split_list("a, b;c\n\n d "), vec!["a", "b", "c", "d"]);
    }
}
