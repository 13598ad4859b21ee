//! vCard address books (2.1, 3.0 and 4.0), read as a table whose headers are the contacts
//! fields' keys, and one contact written as a vCard 4.0.
//!
//! A small parser of our own: the vCard crates either read 4.0 alone, or leave 2.1's
//! QUOTED-PRINTABLE and CHARSET undecoded, and phones still export 2.1. This one reads only what
//! a contact keeps, streams card by card, and skips photos without holding them.

mod syntax;
mod write;

use std::io::BufRead;

use chrono::NaiveDate;

use self::syntax::{Lines, Property, split_unescaped, unescape};
use super::decode::Text;
use super::{CODE_CELL_TOO_LARGE, Format, Fused, ReadError, ReadOptions, Row, Table};

pub use self::write::vcard_of;

/// Whether decoded text starts like a vCard file.
pub(crate) fn looks_like(head: &str) -> bool {
    let head = head.trim_start_matches('\u{feff}').trim_start();
    head.get(..11)
        .is_some_and(|s| s.eq_ignore_ascii_case("BEGIN:VCARD"))
}

/// The columns before the phones and e-mails, and after them.
const BEFORE: [&str; 4] = ["name", "last_name", "first_name", "middle_name"];
const AFTER: [&str; 7] = [
    "company",
    "position",
    "birthday",
    "address",
    "tags",
    "notes",
    "messengers",
];

/// Reads the cards of `text`. The file is read twice: once to count the most phones and
/// e-mails one card has (each gets its own column), once to hand out the rows.
pub(crate) fn read(mut text: Text, opts: &ReadOptions) -> Result<Table, ReadError> {
    let (mut phones, mut emails) = (1, 1);
    {
        let reader = text.reader().map_err(|e| ReadError::io(&e))?;
        // Errors are reported by the second pass, with their columns.
        for card in Cards::new(reader, opts.max_cell_bytes).map_while(Result::ok) {
            phones = phones.max(card.phones.len());
            emails = emails.max(card.emails.len());
        }
    }
    let layout = Layout { phones, emails };
    let encoding = text.encoding.name();
    let reader = text.into_reader().map_err(|e| ReadError::io(&e))?;
    let cards = Cards::new(reader, opts.max_cell_bytes);
    let rows = cards.filter_map(move |card| match card {
        Err(e) => Some(Err(layout.locate(e))),
        Ok(card) if card.is_empty() => None,
        Ok(card) => Some(layout.row(card)),
    });
    Ok(Table {
        format: Format::Vcard,
        encoding: Some(encoding),
        delimiter: None,
        headers: layout.headers(),
        rows: Box::new(Fused::new(rows)),
    })
}

/// Where each field's column is.
#[derive(Clone, Copy)]
struct Layout {
    phones: usize,
    emails: usize,
}

impl Layout {
    fn headers(&self) -> Vec<String> {
        let mut h: Vec<String> = BEFORE.iter().map(|s| s.to_string()).collect();
        h.extend(std::iter::repeat_n("phone".to_string(), self.phones));
        h.extend(std::iter::repeat_n("email".to_string(), self.emails));
        h.extend(AFTER.iter().map(|s| s.to_string()));
        h
    }

    fn column(&self, key: &str) -> Option<usize> {
        let before = BEFORE.len();
        match key {
            "phone" => Some(before),
            "email" => Some(before + self.phones),
            _ => BEFORE.iter().position(|k| *k == key).or_else(|| {
                AFTER
                    .iter()
                    .position(|k| *k == key)
                    .map(|i| before + self.phones + self.emails + i)
            }),
        }
    }

    /// Gives an error about a field the column of that field.
    fn locate(&self, mut e: ReadError) -> ReadError {
        if let Some(key) = e
            .detail
            .strip_prefix("field ")
            .and_then(|d| d.split(':').next())
        {
            e.column = self.column(key);
        }
        e
    }

    fn row(&self, card: Card) -> Result<Row, ReadError> {
        let mut cells = Vec::with_capacity(BEFORE.len() + self.phones + self.emails + AFTER.len());
        cells.extend([card.name, card.last_name, card.first_name, card.middle_name]);
        let mut phones = card.phones;
        phones.resize(self.phones, String::new());
        cells.extend(phones);
        let mut emails = card.emails;
        emails.resize(self.emails, String::new());
        cells.extend(emails);
        cells.extend([
            card.company,
            card.position,
            card.birthday,
            card.address,
            card.tags.join(", "),
            card.notes.join("\n"),
            card.messengers.join(", "),
        ]);
        Ok(Row {
            number: card.line,
            cells,
        })
    }
}

/// What one card says about a contact.
#[derive(Debug, Default)]
struct Card {
    /// The line of its `BEGIN:VCARD`.
    line: u64,
    name: String,
    last_name: String,
    first_name: String,
    middle_name: String,
    phones: Vec<String>,
    emails: Vec<String>,
    company: String,
    position: String,
    role: String,
    birthday: String,
    address: String,
    tags: Vec<String>,
    notes: Vec<String>,
    messengers: Vec<String>,
}

impl Card {
    fn is_empty(&self) -> bool {
        self.name.is_empty()
            && self.last_name.is_empty()
            && self.first_name.is_empty()
            && self.middle_name.is_empty()
            && self.phones.is_empty()
            && self.emails.is_empty()
            && self.company.is_empty()
    }

    /// Takes in one property.
    fn add(&mut self, p: &Property) -> Result<(), ReadError> {
        let text = || p.text();
        match p.name.as_str() {
            "FN" if self.name.is_empty() => self.name = text()?,
            "N" if self.last_name.is_empty() && self.first_name.is_empty() => {
                let parts = p.components()?;
                let part = |i: usize| {
                    parts
                        .get(i)
                        .map(|s| crate::text::squish(&s.replace(',', " ")))
                        .unwrap_or_default()
                };
                self.last_name = part(0);
                self.first_name = part(1);
                self.middle_name = part(2);
            }
            "TEL" => {
                let mut v = text()?;
                if let Some(uri) = strip_scheme(&v, "tel:") {
                    v = uri.split(';').next().unwrap_or("").to_string();
                }
                if !v.trim().is_empty() {
                    self.phones.push(v.trim().to_string());
                }
            }
            "EMAIL" => {
                let mut v = text()?;
                if let Some(address) = strip_scheme(&v, "mailto:") {
                    v = address.to_string();
                }
                if !v.trim().is_empty() {
                    self.emails.push(v.trim().to_string());
                }
            }
            "ORG" if self.company.is_empty() => {
                self.company = p.components()?.into_iter().next().unwrap_or_default();
            }
            "TITLE" if self.position.is_empty() => self.position = text()?,
            "ROLE" if self.role.is_empty() => self.role = text()?,
            "BDAY" if self.birthday.is_empty() => self.birthday = birthday(&text()?),
            "ADR" if self.address.is_empty() => {
                self.address = match p.param("LABEL") {
                    Some(label) => unescape(label).replace('\n', ", "),
                    None => address(&p.components()?),
                }
            }
            "NOTE" => {
                let v = text()?;
                if !v.trim().is_empty() {
                    self.notes.push(v.trim().to_string());
                }
            }
            "CATEGORIES" => {
                for tag in split_unescaped(&p.decoded()?, ',') {
                    let tag = unescape(&tag).trim().to_string();
                    if !tag.is_empty() && !self.tags.contains(&tag) {
                        self.tags.push(tag);
                    }
                }
            }
            "IMPP" | "X-CRM-MESSENGERS" => {
                let v = text()?;
                if !v.trim().is_empty() {
                    self.messengers.push(v.trim().to_string());
                }
            }
            name => {
                if let Some(network) = messenger(name) {
                    let v = text()?;
                    if !v.trim().is_empty() {
                        self.messengers.push(format!("{network}:{}", v.trim()));
                    }
                }
            }
        }
        Ok(())
    }
}

/// `value` without the URI scheme `scheme` (ASCII, any case), if it starts with it.
fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    value
        .get(..scheme.len())
        .filter(|s| s.eq_ignore_ascii_case(scheme))
        .map(|_| &value[scheme.len()..])
}

/// The messenger an `X-` property names (`X-SKYPE-USERNAME` -> `skype`), if it is one.
fn messenger(name: &str) -> Option<String> {
    let network = name.strip_prefix("X-")?;
    let network = network.strip_suffix("-USERNAME").unwrap_or(network);
    const KNOWN: [&str; 11] = [
        "SKYPE",
        "TELEGRAM",
        "WHATSAPP",
        "VIBER",
        "ICQ",
        "JABBER",
        "AIM",
        "MSN",
        "YAHOO",
        "GOOGLE-TALK",
        "GADUGADU",
    ];
    KNOWN
        .contains(&network)
        .then(|| network.to_ascii_lowercase())
}

/// A vCard birthday as `YYYY-MM-DD`; one without a year (`--0517`) cannot be a contact's
/// birthday and is dropped; anything else is kept as written for the import to judge.
fn birthday(v: &str) -> String {
    let v = v.trim();
    if v.starts_with("--") {
        return String::new();
    }
    let date = v.split(['T', 't', ' ']).next().unwrap_or("");
    let digits: String = date.chars().filter(|c| *c != '-').collect();
    match NaiveDate::parse_from_str(&digits, "%Y%m%d") {
        Ok(d) if digits.len() == 8 => d.format("%Y-%m-%d").to_string(),
        _ => v.to_string(),
    }
}

/// An ADR's parts (post box, extended, street, city, region, postal code, country) as one line.
fn address(parts: &[String]) -> String {
    let order = [2, 1, 3, 4, 5, 6, 0];
    order
        .iter()
        .filter_map(|i| parts.get(*i))
        .map(|s| crate::text::squish(&s.replace('\n', " ")))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The cards of a vCard text, one at a time.
struct Cards<R> {
    lines: Lines<R>,
    max_cell: usize,
    done: bool,
}

impl<R: BufRead> Cards<R> {
    fn new(source: R, max_cell: usize) -> Self {
        Self {
            // Quoted-printable takes three bytes per byte, plus the name and parameters.
            lines: Lines::new(source, max_cell.saturating_mul(3).saturating_add(1024)),
            max_cell,
            done: false,
        }
    }

    fn next_card(&mut self) -> Option<Result<Card, ReadError>> {
        let mut card: Option<Card> = None;
        // Cards nested in a 2.1 AGENT property are not contacts of their own.
        let mut depth = 0usize;
        loop {
            let line = match self.lines.next_logical() {
                None => return card.filter(|_| depth > 0).map(Ok),
                // A row is a card: its number is the card's first line.
                Some(Err(e)) => {
                    return Some(Err(match &card {
                        Some(c) => ReadError {
                            row: Some(c.line),
                            ..e
                        },
                        None => e,
                    }));
                }
                Some(Ok(line)) => line,
            };
            if line.skipped {
                continue;
            }
            let Some(p) = Property::parse(&line.text) else {
                continue;
            };
            match p.name.as_str() {
                "BEGIN" if p.value.trim().eq_ignore_ascii_case("VCARD") => {
                    depth += 1;
                    if depth == 1 {
                        card = Some(Card {
                            line: line.number,
                            ..Card::default()
                        });
                    }
                }
                "END" if p.value.trim().eq_ignore_ascii_case("VCARD") && depth > 0 => {
                    depth -= 1;
                    if depth == 0
                        && let Some(mut c) = card.take()
                    {
                        if c.position.is_empty() {
                            c.position = std::mem::take(&mut c.role);
                        }
                        return Some(Ok(c));
                    }
                }
                _ if depth == 1 => {
                    let Some(c) = card.as_mut() else { continue };
                    if let Err(e) = c.add(&p) {
                        return Some(Err(e.at(c.line, None)));
                    }
                    if c.longest().is_some_and(|len| len > self.max_cell) {
                        return Some(Err(ReadError::new(
                            CODE_CELL_TOO_LARGE,
                            format!("field {}: more than {} bytes", p.key(), self.max_cell),
                        )
                        .at(c.line, None)));
                    }
                }
                _ => {}
            }
        }
    }
}

impl Card {
    /// The length of the longest cell this card fills so far.
    fn longest(&self) -> Option<usize> {
        let lists = [&self.phones, &self.emails]
            .into_iter()
            .flat_map(|v| v.iter().map(String::len));
        let joined = [&self.tags, &self.notes, &self.messengers]
            .into_iter()
            .map(|v| v.iter().map(|s| s.len() + 2).sum::<usize>());
        [
            &self.name,
            &self.last_name,
            &self.first_name,
            &self.middle_name,
            &self.company,
            &self.position,
            &self.role,
            &self.birthday,
            &self.address,
        ]
        .into_iter()
        .map(String::len)
        .chain(lists)
        .chain(joined)
        .max()
    }
}

impl<R: BufRead> Iterator for Cards<R> {
    type Item = Result<Card, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let card = self.next_card();
        if !matches!(card, Some(Ok(_))) {
            self.done = true;
        }
        card
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_cut_only_at_character_boundaries() {
        assert_eq!(strip_scheme("TEL:+7 495", "tel:"), Some("+7 495"));
        assert_eq!(strip_scheme("annaМосква", "mailto:"), None);
        assert_eq!(strip_scheme("anna", "mailto:"), None);
    }

    #[test]
    fn birthdays_of_every_version() {
        assert_eq!(birthday("19900517"), "1990-05-17");
        assert_eq!(birthday("1990-05-17"), "1990-05-17");
        assert_eq!(birthday("1990-05-17T00:00:00Z"), "1990-05-17");
        assert_eq!(birthday("--0517"), "");
        assert_eq!(birthday("circa 1990"), "circa 1990");
    }
}
