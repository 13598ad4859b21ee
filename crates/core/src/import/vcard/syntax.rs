//! The lines of a vCard: unfolding, parameters, escapes, quoted-printable and charsets.

use std::io::BufRead;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1251};

use super::super::{CODE_CELL_TOO_LARGE, CODE_ENCODING, CODE_ROW_TOO_LARGE, ReadError};

/// One property of a card, unfolded.
#[derive(Debug)]
pub(super) struct Property {
    /// Upper case, without its group (`item1.TEL` -> `TEL`).
    pub(super) name: String,
    /// Names upper case; a 2.1 bare parameter (`TEL;CELL`) has the name `TYPE`, and a bare
    /// `QUOTED-PRINTABLE` the name `ENCODING`.
    pub(super) params: Vec<(String, String)>,
    /// As in the file: still escaped, still quoted-printable.
    pub(super) value: String,
}

impl Property {
    pub(super) fn parse(line: &str) -> Option<Property> {
        let colon = unquoted(line, b':')?;
        let (head, value) = (&line[..colon], &line[colon + 1..]);
        let mut parts = split_params(head).into_iter();
        let name = parts.next()?.trim().to_ascii_uppercase();
        let name = match name.rsplit_once('.') {
            Some((_, n)) => n.to_string(),
            None => name,
        };
        let params = parts
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (
                    k.trim().to_ascii_uppercase(),
                    v.trim().trim_matches('"').to_string(),
                ),
                None => {
                    let v = p.trim().to_string();
                    let k = if v.eq_ignore_ascii_case("QUOTED-PRINTABLE")
                        || v.eq_ignore_ascii_case("BASE64")
                    {
                        "ENCODING"
                    } else {
                        "TYPE"
                    };
                    (k.to_string(), v)
                }
            })
            .collect();
        Some(Property {
            name,
            params,
            value: value.to_string(),
        })
    }

    pub(super) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn quoted_printable(&self) -> bool {
        self.param("ENCODING")
            .is_some_and(|e| e.eq_ignore_ascii_case("QUOTED-PRINTABLE"))
    }

    /// The value with 2.1's quoted-printable decoded in its CHARSET, still escaped.
    pub(super) fn decoded(&self) -> Result<String, ReadError> {
        if !self.quoted_printable() {
            return Ok(self.value.clone());
        }
        let bytes = quoted_printable(&self.value);
        let charset = self
            .param("CHARSET")
            .and_then(|c| Encoding::for_label(c.as_bytes()));
        let encoding = match charset {
            Some(e) => e,
            None if std::str::from_utf8(&bytes).is_ok() => UTF_8,
            None => WINDOWS_1251,
        };
        let (text, _, bad) = encoding.decode(&bytes);
        if bad {
            return Err(ReadError::new(
                CODE_ENCODING,
                format!(
                    "field {}: bytes that are not {} text",
                    self.key(),
                    encoding.name()
                ),
            ));
        }
        Ok(text.into_owned())
    }

    /// A text value, decoded and unescaped.
    pub(super) fn text(&self) -> Result<String, ReadError> {
        Ok(unescape(&self.decoded()?))
    }

    /// A structured value's parts (`N`, `ADR`, `ORG`), each decoded and unescaped.
    pub(super) fn components(&self) -> Result<Vec<String>, ReadError> {
        Ok(split_unescaped(&self.decoded()?, ';')
            .iter()
            .map(|s| unescape(s).trim().to_string())
            .collect())
    }

    /// The contacts field this property fills, for error messages.
    pub(super) fn key(&self) -> &'static str {
        match self.name.as_str() {
            "FN" => "name",
            "N" => "last_name",
            "TEL" => "phone",
            "EMAIL" => "email",
            "ORG" => "company",
            "TITLE" | "ROLE" => "position",
            "BDAY" => "birthday",
            "ADR" => "address",
            "CATEGORIES" => "tags",
            "NOTE" => "notes",
            _ => "messengers",
        }
    }
}

/// The byte position of the first `c` outside double quotes.
pub(super) fn unquoted(s: &str, c: u8) -> Option<usize> {
    let mut quoted = false;
    for (i, b) in s.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            _ if b == c && !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// `NAME;A=1;B="x;y"` -> `NAME`, `A=1`, `B="x;y"`.
pub(super) fn split_params(head: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = head;
    while let Some(i) = unquoted(rest, b';') {
        out.push(&rest[..i]);
        rest = &rest[i + 1..];
    }
    out.push(rest);
    out
}

/// Splits at each `sep` not escaped by a backslash; the parts stay escaped.
pub(super) fn split_unescaped(s: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut part = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            part.push(c);
            if let Some(n) = chars.next() {
                part.push(n);
            }
        } else if c == sep {
            out.push(std::mem::take(&mut part));
        } else {
            part.push(c);
        }
    }
    out.push(part);
    out
}

/// Undoes vCard escapes: `\n` and `\N` a line break, `\,` `\;` `\:` `\\` the character.
pub(super) fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(n) => out.push(n),
            None => out.push('\\'),
        }
    }
    out
}

/// Decodes `=XX` escapes; anything malformed is kept as it is.
pub(super) fn quoted_printable(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            let hex = |x: u8| (x as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Properties whose values are pictures or keys: skipped without being held.
pub(super) fn is_binary(name: &str) -> bool {
    matches!(name, "PHOTO" | "LOGO" | "SOUND" | "KEY")
}

/// The upper-case name (group removed) at the start of a content line.
pub(super) fn name_of(line: &str) -> String {
    let end = line.find([';', ':']).unwrap_or(line.len());
    let name = line[..end].trim().to_ascii_uppercase();
    match name.rsplit_once('.') {
        Some((_, n)) => n.to_string(),
        None => name,
    }
}

/// Content lines, unfolded: a line starting with a space or a tab continues the previous one,
/// and so does any line after a quoted-printable line ending in `=` (2.1's soft break).
pub(super) struct Lines<R> {
    source: R,
    /// The physical line read ahead: its number and text.
    ahead: Option<(u64, String)>,
    number: u64,
    limit: usize,
    buf: Vec<u8>,
}

/// One unfolded content line.
pub(super) struct Logical {
    pub(super) number: u64,
    pub(super) text: String,
    /// A picture's bytes were dropped: only the name is left.
    pub(super) skipped: bool,
}

impl<R: BufRead> Lines<R> {
    pub(super) fn new(source: R, limit: usize) -> Self {
        Self {
            source,
            ahead: None,
            number: 0,
            limit,
            buf: Vec::new(),
        }
    }

    /// Reads one physical line, without its line break; a line longer than the limit is cut
    /// (the rest is read and dropped) and flagged.
    fn physical(&mut self) -> Option<Result<(u64, String, bool), ReadError>> {
        self.buf.clear();
        let mut long = false;
        let mut any = false;
        loop {
            let available = match self.source.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Some(Err(ReadError::io(&e).at(self.number + 1, None))),
            };
            if available.is_empty() {
                break;
            }
            any = true;
            let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
                Some(i) => (&available[..=i], true),
                None => (available, false),
            };
            let room = (self.limit + 1).saturating_sub(self.buf.len());
            if chunk.len() > room {
                long = true;
            }
            self.buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            let n = chunk.len();
            self.source.consume(n);
            if done {
                break;
            }
        }
        if !any {
            return None;
        }
        self.number += 1;
        while self.buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            self.buf.pop();
        }
        long |= self.buf.len() > self.limit;
        let text = match std::str::from_utf8(&self.buf) {
            Ok(s) => s.to_string(),
            Err(e) if long && e.error_len().is_none() => {
                // Cut inside a character by the limit.
                String::from_utf8_lossy(&self.buf[..e.valid_up_to()]).into_owned()
            }
            Err(_) => {
                return Some(Err(ReadError::new(
                    CODE_ENCODING,
                    "bytes that are not UTF-8 text",
                )
                .at(self.number, None)));
            }
        };
        Some(Ok((self.number, text, long)))
    }

    fn next_physical(&mut self) -> Option<Result<(u64, String, bool), ReadError>> {
        match self.ahead.take() {
            Some((n, t)) => Some(Ok((n, t, false))),
            None => self.physical(),
        }
    }

    pub(super) fn next_logical(&mut self) -> Option<Result<Logical, ReadError>> {
        let (number, mut text, mut long) = match self.next_physical()? {
            Ok(line) => line,
            Err(e) => return Some(Err(e)),
        };
        let name = name_of(&text);
        let skipped = is_binary(&name);
        if skipped {
            text = name.clone();
        }
        let qp = !skipped && {
            let head = unquoted(&text, b':').map(|i| &text[..i]).unwrap_or("");
            head.to_ascii_uppercase().contains("QUOTED-PRINTABLE")
        };
        loop {
            let soft_break = qp && text.ends_with('=');
            let (n, next, next_long) = match self.physical() {
                None => break,
                Some(Err(e)) => return Some(Err(e)),
                Some(Ok(line)) => line,
            };
            if soft_break {
                text.pop();
                text.push_str(&next);
            } else if let Some(rest) = next.strip_prefix([' ', '\t']) {
                if !skipped {
                    text.push_str(rest);
                }
            } else if next.trim().is_empty() && skipped {
                // 2.1 ends an unfolded base64 picture with a blank line.
                continue;
            } else {
                self.ahead = Some((n, next));
                if next_long {
                    return Some(Err(ReadError::new(
                        CODE_ROW_TOO_LARGE,
                        format!("a line of more than {} bytes", self.limit),
                    )
                    .at(n, None)));
                }
                break;
            }
            long |= next_long;
            if text.len() > self.limit {
                long = true;
                text.truncate(floor_char_boundary(&text, self.limit));
            }
        }
        if long && !skipped {
            return Some(Err(ReadError::new(
                CODE_CELL_TOO_LARGE,
                format!(
                    "field {}: more than {} bytes",
                    Property::key_of(&name),
                    self.limit
                ),
            )
            .at(number, None)));
        }
        Some(Ok(Logical {
            number,
            text,
            skipped,
        }))
    }
}

impl Property {
    fn key_of(name: &str) -> &'static str {
        Property {
            name: name.to_string(),
            params: Vec::new(),
            value: String::new(),
        }
        .key()
    }
}

pub(super) fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_decodes_and_keeps_junk() {
        assert_eq!(
            quoted_printable("=D0=90=D0=BD=D0=BD=D0=B0"),
            "Анна".as_bytes()
        );
        assert_eq!(quoted_printable("a=ZZb="), b"a=ZZb=");
    }

    #[test]
    fn parameters_may_be_quoted_and_bare() {
        let p =
            Property::parse("item1.ADR;TYPE=home;LABEL=\"Main St. 1;\nTown\":;;Main St. 1;Town")
                .unwrap();
        assert_eq!(p.name, "ADR");
        assert_eq!(p.param("LABEL"), Some("Main St. 1;\nTown"));
        let p = Property::parse("TEL;CELL;PREF:+7 916 000-00-00").unwrap();
        assert_eq!(p.param("TYPE"), Some("CELL"));
        assert_eq!(p.value, "+7 916 000-00-00");
        let p = Property::parse("NOTE;QUOTED-PRINTABLE;CHARSET=UTF-8:=D0=AF").unwrap();
        assert_eq!(p.text().unwrap(), "Я");
    }
}
