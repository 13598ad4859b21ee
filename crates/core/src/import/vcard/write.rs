//! One contact as a vCard 4.0.

use super::syntax::floor_char_boundary;
use crate::Contact;

/// One contact as a vCard 4.0 (RFC 6350): CRLF line ends, text escaped, lines folded at 75
/// octets. Phones are written as `tel:` URIs in E.164, the form every reader understands.
pub fn vcard_of(contact: &Contact) -> String {
    let mut out = String::new();
    let mut line = |name: &str, value: &str| {
        fold(&mut out, &format!("{name}:{value}"));
    };
    line("BEGIN", "VCARD");
    line("VERSION", "4.0");
    line("UID", &format!("urn:crm:contact:{}", contact.id));
    line("FN", &escape(&contact.name));
    if let Some(company) = contact.company_name.as_deref().filter(|c| !c.is_empty()) {
        line("ORG", &escape(company));
    }
    if !contact.position.is_empty() {
        line("TITLE", &escape(&contact.position));
    }
    for phone in &contact.phones {
        line("TEL;VALUE=uri", &format!("tel:{}", phone.e164()));
    }
    for email in &contact.emails {
        line("EMAIL", &escape(email.raw()));
    }
    if let Some(b) = contact.birthday {
        line("BDAY", &b.format("%Y%m%d").to_string());
    }
    if !contact.address.is_empty() {
        // Free text: the street part holds it all.
        line("ADR", &format!(";;{};;;;", escape(&contact.address)));
    }
    if !contact.tags.is_empty() {
        let tags: Vec<String> = contact.tags.iter().map(|t| escape(t)).collect();
        line("CATEGORIES", &tags.join(","));
    }
    if !contact.messengers.is_empty() {
        line("X-CRM-MESSENGERS", &escape(&contact.messengers));
    }
    if !contact.notes.is_empty() {
        line("NOTE", &escape(&contact.notes));
    }
    line(
        "REV",
        &contact.updated_at.format("%Y%m%dT%H%M%SZ").to_string(),
    );
    line("END", "VCARD");
    out
}

/// Escapes a text value: backslash, comma, semicolon and line breaks.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out
}

/// Appends `line` folded at 75 octets (continuations start with a space), never inside a
/// character, and a CRLF.
fn fold(out: &mut String, line: &str) {
    let mut rest = line;
    let mut first = true;
    while !rest.is_empty() {
        let room = if first { 75 } else { 74 };
        let cut = if rest.len() <= room {
            rest.len()
        } else {
            floor_char_boundary(rest, room)
        };
        if !first {
            out.push(' ');
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n");
        rest = &rest[cut..];
        first = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::vcard::syntax::{split_unescaped, unescape};

    #[test]
    fn escapes_round_trip() {
        let s = "a,b;c\\d\ne";
        assert_eq!(unescape(&escape(s)), s);
        assert_eq!(
            split_unescaped("Petrov;Ivan\\;Jr;;", ';'),
            vec!["Petrov", "Ivan\\;Jr", "", ""]
        );
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let mut out = String::new();
        let line = format!("NOTE:{}", "я".repeat(100));
        fold(&mut out, &line);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{}", l.len());
        }
        let unfolded: String = out
            .split("\r\n")
            .enumerate()
            .map(|(i, l)| {
                if i == 0 {
                    l
                } else {
                    l.strip_prefix(' ').unwrap_or(l)
                }
            })
            .collect();
        assert_eq!(unfolded, line);
    }
}
