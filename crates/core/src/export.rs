//! Exports: who may take the client base away in a file, and cells that a spreadsheet opening
//! the file cannot run as formulas.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};

use crate::Actor;

/// Rows read and written per step of an export: memory stays flat on a million rows (a page of
/// contacts is a few megabytes), and each page's fixed cost is spread over many rows.
pub const EXPORT_PAGE: usize = 20_000;

/// The most rows one XLSX worksheet holds (Excel's limit, header included); longer exports
/// go on over further sheets.
pub const XLSX_SHEET_ROWS: u32 = 1_048_576;

/// One cell of an exported row, typed so that a spreadsheet file can keep numbers and dates
/// as such (CSV writes them all as text).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Text(Cow<'a, str>),
    Int(i64),
    /// A decimal number as plain text (`"1500.00"`): exact in CSV, a number in a spreadsheet.
    Decimal(Cow<'a, str>),
    Date(NaiveDate),
    /// A moment, written in the reader's time zone.
    Time(DateTime<Utc>),
}

impl<'a> Cell<'a> {
    /// Text borrowed from the row, or an empty cell.
    pub fn text(s: &'a str) -> Cell<'a> {
        Cell::Text(Cow::Borrowed(s))
    }

    /// Optional text; none is an empty cell.
    pub fn maybe(s: Option<&'a str>) -> Cell<'a> {
        Cell::Text(Cow::Borrowed(s.unwrap_or_default()))
    }
}

/// Whether a spreadsheet would take the text for a formula (or for a number with a sign that
/// some spreadsheets then evaluate).
pub fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Only administrators export: a manager sees their own clients on screen, but a whole list in
/// a file is how a client base walks out of the company.
pub fn allowed(actor: &Actor) -> bool {
    actor.is_admin()
}

/// The text as a cell that Excel, LibreOffice or Google Sheets show as text: one that begins
/// like a formula (`=`, `+`, `-`, `@`, or a tab or carriage return before one) gets a leading
/// apostrophe, which spreadsheets hide and never evaluate.
pub fn cell(text: &str) -> Cow<'_, str> {
    if looks_like_formula(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;

    #[test]
    fn formulas_become_text() {
        for bad in [
            "=1+1",
            "+7 495 123-45-67",
            "-2",
            "@SUM(A1)",
            "=HYPERLINK(\"http://x\")",
            "\t=1",
        ] {
            assert_eq!(cell(bad), format!("'{bad}"));
        }
        for fine in ["Анна", "ООО «Ромашка»", "a=b", "", "1+1", "'quoted"] {
            assert_eq!(cell(fine), fine);
        }
    }

    #[test]
    fn only_administrators_export() {
        assert!(allowed(&Actor::user(1, Role::Admin)));
        assert!(!allowed(&Actor::user(2, Role::Manager)));
    }
}
