//! The one search box: first letters of any word of a name (any script), an e-mail, or the last
//! digits of a phone — over contacts and companies, inside the actor's view scope. Every form is
//! an index range scan on a plain column, the same on SQLite and PostgreSQL.

use crm_core::phone::reversed_digits;
use crm_core::{Actor, CompanyRow, ContactRow, ObjectKind, text};
use diesel::prelude::*;
use serde::Serialize;

use crate::conn::{DbConn, Store};
use crate::error::StoreResult;
use crate::schema::{companies, contacts, emails, phones, search_terms};
use crate::scope::visible;
use crate::{companies as company_rows, contacts as contact_rows};

/// Fewest characters a name search needs; fewer would match most of the base.
pub const MIN_QUERY_CHARS: usize = 2;
/// Fewest digits a phone search needs.
pub const MIN_PHONE_DIGITS: usize = 4;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SearchResults {
    pub contacts: Vec<ContactRow>,
    pub companies: Vec<CompanyRow>,
}

/// What the typed text is taken to be.
#[derive(Debug, PartialEq, Eq)]
enum Needle {
    /// Reversed digits: "last digits" becomes a prefix.
    PhoneSuffix(String),
    EmailPrefix(String),
    /// Folded words, each a prefix; the longest first (it narrows most).
    Words(Vec<String>),
    TooShort,
}

fn classify(q: &str) -> Needle {
    let q = q.trim();
    if q.chars().count() < MIN_QUERY_CHARS {
        return Needle::TooShort;
    }
    if q.contains('@') {
        return Needle::EmailPrefix(q.to_lowercase());
    }
    let phone_like = q
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if phone_like {
        let digits = reversed_digits(q);
        if digits.len() >= MIN_PHONE_DIGITS {
            return Needle::PhoneSuffix(digits);
        }
    }
    let mut words = text::words(q);
    if words.is_empty() {
        return Needle::TooShort;
    }
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    Needle::Words(words)
}

/// Rows of `$table` matching the needle, as `$row` records, in index order, deduplicated.
macro_rules! find {
    ($conn:expr, $actor:expr, $needle:expr, $limit:expr, $table:ident, $owner:ident, $kind:expr, $row:ty) => {{
        let fetch = $limit * 3;
        let rows: Vec<$row> = match $needle {
            Needle::PhoneSuffix(rev) => phones::table
                .inner_join($table::table.on($table::id.nullable().eq(phones::$owner)))
                .filter(phones::$owner.is_not_null())
                .filter(phones::digits_rev.ge(rev.clone()))
                .filter(phones::digits_rev.lt(text::prefix_end(rev)))
                .filter(visible!($table, $actor, $kind))
                .order(phones::digits_rev)
                .select(<$row>::as_select())
                .limit(fetch)
                .load($conn)?,
            Needle::EmailPrefix(p) => emails::table
                .inner_join($table::table.on($table::id.nullable().eq(emails::$owner)))
                .filter(emails::$owner.is_not_null())
                .filter(emails::lower.ge(p.clone()))
                .filter(emails::lower.lt(text::prefix_end(p)))
                .filter(visible!($table, $actor, $kind))
                .order(emails::lower)
                .select(<$row>::as_select())
                .limit(fetch)
                .load($conn)?,
            Needle::Words(words) => {
                let (first, rest) = match words.split_first() {
                    Some(split) => split,
                    None => return Ok(Vec::new()),
                };
                let mut query = search_terms::table
                    .inner_join($table::table.on($table::id.nullable().eq(search_terms::$owner)))
                    .filter(search_terms::$owner.is_not_null())
                    .filter(search_terms::term.ge(first.clone()))
                    .filter(search_terms::term.lt(text::prefix_end(first)))
                    .filter(visible!($table, $actor, $kind))
                    .into_boxed();
                // Every further word must match some word of the same record.
                let other = diesel::alias!(search_terms as other_terms);
                for w in rest {
                    query = query.filter(
                        $table::id.nullable().eq_any(
                            other
                                .filter(other.field(search_terms::$owner).is_not_null())
                                .filter(other.field(search_terms::term).ge(w.clone()))
                                .filter(other.field(search_terms::term).lt(text::prefix_end(w)))
                                .select(other.field(search_terms::$owner)),
                        ),
                    );
                }
                query
                    .order(search_terms::term)
                    .select(<$row>::as_select())
                    .limit(fetch)
                    .load($conn)?
            }
            Needle::TooShort => Vec::new(),
        };
        let mut seen = std::collections::HashSet::new();
        let mut rows = rows;
        rows.retain(|r| seen.insert(r.id()));
        rows.truncate(usize::try_from($limit).unwrap_or(0));
        rows
    }};
}

fn find_contacts(
    conn: &mut DbConn,
    actor: &Actor,
    needle: &Needle,
    limit: i64,
) -> StoreResult<Vec<contact_rows::RowRecord>> {
    Ok(find!(
        conn,
        actor,
        needle,
        limit,
        contacts,
        contact_id,
        ObjectKind::Contact,
        contact_rows::RowRecord
    ))
}

fn find_companies(
    conn: &mut DbConn,
    actor: &Actor,
    needle: &Needle,
    limit: i64,
) -> StoreResult<Vec<company_rows::RowRecord>> {
    Ok(find!(
        conn,
        actor,
        needle,
        limit,
        companies,
        company_id,
        ObjectKind::Company,
        company_rows::RowRecord
    ))
}

impl Store {
    /// Up to `limit` contacts and `limit` companies matching `q` that the actor may see.
    pub fn search(&self, actor: &Actor, q: &str, limit: i64) -> StoreResult<SearchResults> {
        let needle = classify(q);
        if needle == Needle::TooShort {
            return Ok(SearchResults::default());
        }
        let limit = limit.clamp(1, 200);
        self.read(|conn| {
            let contacts = find_contacts(conn, actor, &needle, limit)?;
            let companies = find_companies(conn, actor, &needle, limit)?;
            Ok(SearchResults {
                contacts: contact_rows::rows_of(conn, contacts)?,
                companies: company_rows::rows_of(conn, companies)?,
            })
        })
    }
}

/// Whether `q` is long enough to search for.
pub fn searchable(q: &str) -> bool {
    classify(q) != Needle::TooShort
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_what_was_typed() {
        assert_eq!(classify("4567"), Needle::PhoneSuffix("7654".into()));
        assert_eq!(
            classify("+7 (495) 12"),
            Needle::PhoneSuffix("21594 7".replace(' ', ""))
        );
        assert_eq!(classify("Anna@Ex"), Needle::EmailPrefix("anna@ex".into()));
        assert_eq!(
            classify("ан пет"),
            Needle::Words(vec!["пет".into(), "ан".into()])
        );
        assert_eq!(classify("a"), Needle::TooShort);
        assert_eq!(classify("123"), Needle::Words(vec!["123".into()]));
    }
}
