//! What a row of an imported file becomes: the mapped cells turned into a checked contact or
//! company, the policy for duplicates, and how an incoming record merges into one that exists.

use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::company::{CompanyDraft, CompanyInput};
use crate::contact::{ContactDraft, ContactInput};
use crate::party::split_list;
use crate::text::{Folded, squish};
use crate::{Email, Error, FieldErrors, Phone, Region};

/// What happens when a row matches a record that exists (by E.164 phone, e-mail or tax id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Leave the record as it is; the row counts as skipped.
    #[default]
    Skip,
    /// Fill the record's empty fields from the row; add its new phones, e-mails and tags.
    FillEmpty,
    /// Replace the record's fields with the row's non-empty ones; add its new phones, e-mails and
    /// tags (a number is never dropped by an import).
    Overwrite,
}

impl Policy {
    pub const ALL: [Policy; 3] = [Policy::Skip, Policy::FillEmpty, Policy::Overwrite];

    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Skip => "skip",
            Policy::FillEmpty => "fill_empty",
            Policy::Overwrite => "overwrite",
        }
    }
}

impl FromStr for Policy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Policy::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown policy {s:?}: use skip, fill_empty or overwrite"))
    }
}

/// For each column of the file, the field it is imported into (`None`: not imported).
pub type Mapping = Vec<Option<String>>;

/// How an import reads its file and treats its rows, as chosen at the mapping step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub mapping: Mapping,
    pub policy: Policy,
    /// Region of numbers written without a country code; `None`: the installation's.
    pub region: Option<String>,
    /// Responsible for rows that name none; `None`: whoever runs the import.
    pub responsible_id: Option<i64>,
    /// The file's text encoding and delimiter when not detected right (CSV).
    pub encoding: Option<String>,
    pub delimiter: Option<char>,
    /// The sheet of a workbook; `None`: the first.
    pub sheet: Option<String>,
    /// Currency of deals and products whose row names none; `None`: the installation's.
    pub currency: Option<String>,
}

/// What an import did with its rows so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// New records.
    pub created: i64,
    /// Records that existed before the import, changed as the policy says.
    pub updated: i64,
    /// Rows taken into a record an earlier row of the same file created.
    pub merged: i64,
    /// Rows matching a record that the policy leaves alone, or that changed nothing.
    pub skipped: i64,
    pub failed: i64,
    /// Companies created because a contact named one that did not exist.
    pub companies_created: i64,
}

impl Counts {
    pub fn rows(&self) -> i64 {
        self.created + self.updated + self.merged + self.skipped + self.failed
    }

    pub fn add(&mut self, o: Counts) {
        self.created += o.created;
        self.updated += o.updated;
        self.merged += o.merged;
        self.skipped += o.skipped;
        self.failed += o.failed;
        self.companies_created += o.companies_created;
    }
}

/// Why a row was not imported: the column (0-based) and field concerned, and a translation key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub column: Option<usize>,
    pub field: String,
    pub code: &'static str,
}

/// A contact read from a row, with what only the store can resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub draft: ContactDraft,
    pub company: Option<CompanyName>,
    /// The responsible user's e-mail, lower-cased.
    pub responsible: Option<String>,
    /// The draft's name folded, here on the thread that reads the file rather than in the
    /// import's write transaction (6 % of its instructions). Merging later rows into the card
    /// keeps its name, and so its fold.
    pub folded: Folded,
}

/// A company named in a row, linked by its folded name: folded here, on the thread that reads
/// the file, rather than in the import's write transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyName {
    /// As written in the file.
    pub name: String,
    /// [`crate::text::fold`]ed.
    pub key: String,
}

impl CompanyName {
    pub fn new(name: String) -> Self {
        let key = crate::text::fold(&name);
        CompanyName { name, key }
    }
}

/// A company read from a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyRow {
    pub draft: CompanyDraft,
    pub responsible: Option<String>,
}

/// The mapped, non-empty cells of one row.
pub(crate) struct Cells<'a> {
    pub(crate) cells: &'a [String],
    pub(crate) mapping: &'a Mapping,
}

impl<'a> Cells<'a> {
    /// Every (column, trimmed text) mapped to `key`, blank cells left out.
    pub(crate) fn all(&self, key: &str) -> Vec<(usize, &'a str)> {
        self.mapping
            .iter()
            .enumerate()
            .filter(|(_, m)| m.as_deref() == Some(key))
            .filter_map(|(i, _)| {
                let v = self.cells.get(i).map(|c| c.trim()).unwrap_or("");
                (!v.is_empty()).then_some((i, v))
            })
            .collect()
    }

    /// The cells mapped to `key`, joined by a space (a name spread over columns).
    pub(crate) fn text(&self, key: &str) -> String {
        let parts: Vec<&str> = self.all(key).into_iter().map(|(_, v)| v).collect();
        squish(&parts.join(" "))
    }

    pub(crate) fn column(&self, key: &str) -> Option<usize> {
        self.mapping.iter().position(|m| m.as_deref() == Some(key))
    }

    pub(crate) fn optional(&self, key: &str) -> Option<String> {
        Some(self.text(key)).filter(|s| !s.is_empty())
    }

    /// The entries of list cells ("+7 495 …; 8 800 …"), each with its column.
    pub(crate) fn list(&self, key: &str) -> Vec<(usize, String)> {
        self.all(key)
            .into_iter()
            .flat_map(|(i, v)| split_list(v).into_iter().map(move |s| (i, s)))
            .collect()
    }
}

/// Each problem of a validated input, pointed at the column its field came from.
pub(crate) fn problems(
    errors: &FieldErrors,
    cells: &Cells<'_>,
    field_of: fn(&str) -> &str,
) -> Vec<Problem> {
    errors
        .iter()
        .map(|e| {
            let field = field_of(&e.field);
            Problem {
                column: cells.column(field),
                field: field.to_string(),
                code: e.code,
            }
        })
        .collect()
}

/// The input's field names (plural for lists) as the import's field keys.
pub(crate) fn field_key(field: &str) -> &str {
    match field {
        "phones" => "phone",
        "emails" => "email",
        other => other,
    }
}

/// Phones one by one, so that a bad number is reported at its own column.
fn phones(cells: &Cells<'_>, region: Region, out: &mut Vec<Problem>) -> Vec<String> {
    cells
        .list("phone")
        .into_iter()
        .filter_map(|(col, raw)| match Phone::parse(&raw, region) {
            Ok(_) => Some(raw),
            Err(code) => {
                out.push(Problem {
                    column: Some(col),
                    field: "phone".into(),
                    code,
                });
                None
            }
        })
        .collect()
}

fn emails(cells: &Cells<'_>, out: &mut Vec<Problem>) -> Vec<String> {
    cells
        .list("email")
        .into_iter()
        .filter_map(|(col, raw)| match Email::parse(&raw) {
            Ok(_) => Some(raw),
            Err(code) => {
                out.push(Problem {
                    column: Some(col),
                    field: "email".into(),
                    code,
                });
                None
            }
        })
        .collect()
}

/// A date as spreadsheets and people write it: ISO, `31.12.1990`, or with slashes (month first
/// only where the region writes dates that way).
pub fn parse_date(s: &str, region: Region) -> Option<NaiveDate> {
    let s = s.trim();
    let s = s.split([' ', 'T']).next().unwrap_or(s);
    let slash = if region.code() == "US" {
        "%m/%d/%Y"
    } else {
        "%d/%m/%Y"
    };
    ["%Y-%m-%d", "%d.%m.%Y", slash, "%Y/%m/%d", "%d-%m-%Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

pub(crate) fn responsible(cells: &Cells<'_>) -> Option<String> {
    cells.optional("responsible").map(|s| s.to_lowercase())
}

/// A contact from the mapped cells of one row, checked as the contact form checks it.
pub fn contact_row(
    cells: &[String],
    mapping: &Mapping,
    region: Region,
) -> Result<ContactRow, Vec<Problem>> {
    let c = Cells { cells, mapping };
    let mut out = Vec::new();
    let name = match c.optional("name") {
        Some(n) => n,
        None => squish(
            &[
                c.text("last_name"),
                c.text("first_name"),
                c.text("middle_name"),
            ]
            .join(" "),
        ),
    };
    let birthday = match c.all("birthday").first() {
        None => None,
        Some((col, raw)) => match parse_date(raw, region) {
            Some(d) => Some(d.format("%Y-%m-%d").to_string()),
            None => {
                out.push(Problem {
                    column: Some(*col),
                    field: "birthday".into(),
                    code: "error-date-invalid",
                });
                None
            }
        },
    };
    let input = ContactInput {
        name,
        position: c.text("position"),
        company_id: None,
        phones: phones(&c, region, &mut out),
        emails: emails(&c, &mut out),
        birthday,
        address: c.text("address"),
        messengers: c.text("messengers"),
        tags: c.list("tags").into_iter().map(|(_, t)| t).collect(),
        responsible_id: None,
        visible_to_all: false,
        notes: c.text("notes"),
    };
    match input.validate(region) {
        Ok(draft) if out.is_empty() => Ok(ContactRow {
            folded: Folded::new(&draft.name),
            draft,
            company: c.optional("company").map(CompanyName::new),
            responsible: responsible(&c),
        }),
        Ok(_) => Err(out),
        Err(Error::Invalid(errors)) => {
            out.extend(problems(&errors, &c, field_key));
            // A number already reported at its column is not reported again for the field.
            dedup(&mut out);
            Err(out)
        }
        Err(_) => Err(out),
    }
}

/// A company from the mapped cells of one row.
pub fn company_row(
    cells: &[String],
    mapping: &Mapping,
    region: Region,
) -> Result<CompanyRow, Vec<Problem>> {
    let c = Cells { cells, mapping };
    let mut out = Vec::new();
    let input = CompanyInput {
        name: c.text("name"),
        industry: c.text("industry"),
        website: c.text("website"),
        phones: phones(&c, region, &mut out),
        emails: emails(&c, &mut out),
        address: c.text("address"),
        tax_id: c.text("tax_id"),
        bank_details: c.text("bank_details"),
        tags: c.list("tags").into_iter().map(|(_, t)| t).collect(),
        responsible_id: None,
        visible_to_all: false,
        notes: c.text("notes"),
    };
    match input.validate(region) {
        Ok(draft) if out.is_empty() => Ok(CompanyRow {
            draft,
            responsible: responsible(&c),
        }),
        Ok(_) => Err(out),
        Err(Error::Invalid(errors)) => {
            out.extend(problems(&errors, &c, field_key));
            dedup(&mut out);
            Err(out)
        }
        Err(_) => Err(out),
    }
}

pub(crate) fn dedup(out: &mut Vec<Problem>) {
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert((p.field.clone(), p.code)) || p.column.is_none());
    // Keep the most precise report of a field: the one with a column.
    let with_column: std::collections::HashSet<String> = out
        .iter()
        .filter(|p| p.column.is_some())
        .map(|p| p.field.clone())
        .collect();
    out.retain(|p| p.column.is_some() || !with_column.contains(&p.field));
}

/// Takes `new` into `old` as the policy says; true when something changed.
pub(crate) fn take<T: PartialEq + Clone>(old: &mut T, new: &T, empty: &T, policy: Policy) -> bool {
    let take = *new != *empty
        && *old != *new
        && match policy {
            Policy::Skip => false,
            Policy::FillEmpty => *old == *empty,
            Policy::Overwrite => true,
        };
    if take {
        *old = new.clone();
    }
    take
}

/// Adds the entries of `new` missing from `old` (by `key`); true when something was added.
fn union<T: Clone, K: PartialEq>(old: &mut Vec<T>, new: &[T], key: impl Fn(&T) -> K) -> bool {
    let mut changed = false;
    for n in new {
        if !old.iter().any(|o| key(o) == key(n)) {
            old.push(n.clone());
            changed = true;
        }
    }
    changed
}

/// The existing contact with the row taken in as the policy says, or `None` when nothing would
/// change (or the policy is to skip).
pub fn merge_contact(
    existing: &ContactDraft,
    row: &ContactDraft,
    policy: Policy,
) -> Option<ContactDraft> {
    if policy == Policy::Skip {
        return None;
    }
    let mut d = existing.clone();
    let mut changed = false;
    changed |= take(&mut d.name, &row.name, &String::new(), policy);
    changed |= take(&mut d.position, &row.position, &String::new(), policy);
    changed |= take(&mut d.company_id, &row.company_id, &None, policy);
    changed |= take(&mut d.birthday, &row.birthday, &None, policy);
    changed |= take(&mut d.address, &row.address, &String::new(), policy);
    changed |= take(&mut d.messengers, &row.messengers, &String::new(), policy);
    changed |= take(&mut d.responsible_id, &row.responsible_id, &None, policy);
    changed |= take(&mut d.notes, &row.notes, &String::new(), policy);
    changed |= union(&mut d.phones, &row.phones, |p| p.e164().to_string());
    changed |= union(&mut d.emails, &row.emails, |e| e.lower().to_string());
    changed |= union(&mut d.tags, &row.tags, |t| t.to_lowercase());
    changed.then_some(d)
}

/// The existing company with the row taken in, as [`merge_contact`].
pub fn merge_company(
    existing: &CompanyDraft,
    row: &CompanyDraft,
    policy: Policy,
) -> Option<CompanyDraft> {
    if policy == Policy::Skip {
        return None;
    }
    let mut d = existing.clone();
    let mut changed = false;
    for (old, new) in [
        (&mut d.name, &row.name),
        (&mut d.industry, &row.industry),
        (&mut d.website, &row.website),
        (&mut d.address, &row.address),
        (&mut d.tax_id, &row.tax_id),
        (&mut d.bank_details, &row.bank_details),
        (&mut d.notes, &row.notes),
    ] {
        changed |= take(old, new, &String::new(), policy);
    }
    changed |= take(&mut d.responsible_id, &row.responsible_id, &None, policy);
    changed |= union(&mut d.phones, &row.phones, |p| p.e164().to_string());
    changed |= union(&mut d.emails, &row.emails, |e| e.lower().to_string());
    changed |= union(&mut d.tags, &row.tags, |t| t.to_lowercase());
    changed.then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ru() -> Region {
        "RU".parse().unwrap()
    }

    fn map(keys: &[&str]) -> Mapping {
        keys.iter()
            .map(|k| (!k.is_empty()).then(|| k.to_string()))
            .collect()
    }

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn a_row_becomes_a_normalised_contact() {
        let m = map(&[
            "last_name",
            "first_name",
            "phone",
            "email",
            "company",
            "birthday",
            "",
            "tags",
        ]);
        let r = contact_row(
            &row(&[
                " Петрова ",
                "Анна",
                "8 (495) 123-45-67; +7 916 000-00-01",
                " Anna@Example.RU ",
                "ООО Ромашка",
                "17.05.1990",
                "ignored",
                "VIP, опт",
            ]),
            &m,
            ru(),
        )
        .unwrap();
        assert_eq!(r.draft.name, "Петрова Анна");
        let e164: Vec<&str> = r.draft.phones.iter().map(|p| p.e164()).collect();
        assert_eq!(e164, ["+74951234567", "+79160000001"]);
        assert_eq!(r.draft.emails[0].lower(), "anna@example.ru");
        assert_eq!(r.draft.birthday, NaiveDate::from_ymd_opt(1990, 5, 17));
        assert_eq!(r.draft.tags, ["VIP", "опт"]);
        let company = r.company.unwrap();
        assert_eq!(
            (company.name.as_str(), company.key.as_str()),
            ("ООО Ромашка", "ооо ромашка")
        );
    }

    #[test]
    fn problems_point_at_their_columns() {
        let m = map(&["name", "phone", "phone", "email", "birthday"]);
        let p = contact_row(
            &row(&["", "+7 495 123-45-67", "12", "nope", "31.02.1990"]),
            &m,
            ru(),
        )
        .unwrap_err();
        let got: Vec<(Option<usize>, &str, &str)> = p
            .iter()
            .map(|p| (p.column, p.field.as_str(), p.code))
            .collect();
        assert!(
            got.contains(&(Some(2), "phone", "error-phone-invalid")),
            "{got:?}"
        );
        assert!(
            got.contains(&(Some(3), "email", "error-email-invalid")),
            "{got:?}"
        );
        assert!(
            got.contains(&(Some(4), "birthday", "error-date-invalid")),
            "{got:?}"
        );
        assert!(
            got.contains(&(Some(0), "name", "error-required")),
            "{got:?}"
        );
        assert_eq!(got.iter().filter(|g| g.1 == "phone").count(), 1, "{got:?}");
    }

    #[test]
    fn dates_follow_the_region() {
        let us: Region = "US".parse().unwrap();
        assert_eq!(
            parse_date("05/04/1990", ru()),
            NaiveDate::from_ymd_opt(1990, 4, 5)
        );
        assert_eq!(
            parse_date("05/04/1990", us),
            NaiveDate::from_ymd_opt(1990, 5, 4)
        );
        assert_eq!(
            parse_date("1990-04-05 00:00:00", us),
            NaiveDate::from_ymd_opt(1990, 4, 5)
        );
        assert_eq!(parse_date("yesterday", us), None);
    }

    #[test]
    fn policies_merge_as_documented() {
        let m = map(&["name", "position", "phone", "email"]);
        let old = contact_row(&row(&["Anna", "", "+7 495 123-45-67", ""]), &m, ru())
            .unwrap()
            .draft;
        let new = contact_row(
            &row(&["Anna P.", "CEO", "8 495 123 45 67", "a@b.ru"]),
            &m,
            ru(),
        )
        .unwrap()
        .draft;
        assert_eq!(merge_contact(&old, &new, Policy::Skip), None);
        let filled = merge_contact(&old, &new, Policy::FillEmpty).unwrap();
        assert_eq!(
            (filled.name.as_str(), filled.position.as_str()),
            ("Anna", "CEO")
        );
        assert_eq!(
            filled.phones.len(),
            1,
            "the same number in another spelling is not added"
        );
        assert_eq!(filled.emails.len(), 1);
        let over = merge_contact(&old, &new, Policy::Overwrite).unwrap();
        assert_eq!(over.name, "Anna P.");
        assert_eq!(
            merge_contact(&over, &new, Policy::Overwrite),
            None,
            "nothing left to change"
        );
    }

    #[test]
    fn policy_names_round_trip() {
        for p in Policy::ALL {
            assert_eq!(p.as_str().parse::<Policy>(), Ok(p));
        }
        assert!("merge".parse::<Policy>().is_err());
    }
}
