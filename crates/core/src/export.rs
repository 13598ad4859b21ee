//! Exports: who may take the client base away in a file, and cells that a spreadsheet opening
//! the file cannot run as formulas.

use std::borrow::Cow;

use crate::Actor;

/// Rows read and written per step of an export: memory stays flat on a million rows.
pub const EXPORT_PAGE: usize = 5_000;

/// Only administrators export: a manager sees their own clients on screen, but a whole list in
/// a file is how a client base walks out of the company.
pub fn allowed(actor: &Actor) -> bool {
    actor.is_admin()
}

/// The text as a cell that Excel, LibreOffice or Google Sheets show as text: one that begins
/// like a formula (`=`, `+`, `-`, `@`, or a tab or carriage return before one) gets a leading
/// apostrophe, which spreadsheets hide and never evaluate.
pub fn cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
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
