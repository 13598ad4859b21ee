//! What contacts and companies share in storage: phones, e-mails, tags and search terms (child
//! rows of exactly one owner), their batch loading for a page of rows, and duplicate detection.

use std::collections::{BTreeSet, HashMap};

use crm_core::phone::reversed_digits;
use crm_core::{Actor, Email, ObjectKind, Phone, text};
use diesel::prelude::*;
use serde::Serialize;

use crate::conn::DbConn;
use crate::error::StoreResult;
use crate::schema::{companies, contacts, emails, phones, search_terms, tags, users};
use crate::scope::visible;

/// The record a child row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    Contact(i64),
    Company(i64),
}

impl Owner {
    fn ids(self) -> (Option<i64>, Option<i64>) {
        match self {
            Owner::Contact(id) => (Some(id), None),
            Owner::Company(id) => (None, Some(id)),
        }
    }
}

/// The searchable, reachable parts of a card, written together.
pub(crate) struct Children<'a> {
    pub phones: &'a [Phone],
    pub emails: &'a [Email],
    pub tags: &'a [String],
    /// The text whose words are searchable (the name).
    pub name: &'a str,
}

/// Replaces every child row of `owner` (the card is saved as a whole).
pub(crate) fn replace_children(
    conn: &mut DbConn,
    owner: Owner,
    c: Children<'_>,
) -> StoreResult<()> {
    delete_children(conn, owner)?;
    let (contact_id, company_id) = owner.ids();
    for (i, p) in c.phones.iter().enumerate() {
        diesel::insert_into(phones::table)
            .values((
                phones::contact_id.eq(contact_id),
                phones::company_id.eq(company_id),
                phones::position.eq(i32::try_from(i).unwrap_or(i32::MAX)),
                phones::raw.eq(p.raw()),
                phones::e164.eq(p.e164()),
                phones::digits_rev.eq(p.digits_reversed()),
            ))
            .execute(conn)?;
    }
    for (i, e) in c.emails.iter().enumerate() {
        diesel::insert_into(emails::table)
            .values((
                emails::contact_id.eq(contact_id),
                emails::company_id.eq(company_id),
                emails::position.eq(i32::try_from(i).unwrap_or(i32::MAX)),
                emails::raw.eq(e.raw()),
                emails::lower.eq(e.lower()),
            ))
            .execute(conn)?;
    }
    for t in c.tags {
        diesel::insert_into(tags::table)
            .values((
                tags::contact_id.eq(contact_id),
                tags::company_id.eq(company_id),
                tags::name.eq(t),
                tags::name_lower.eq(t.to_lowercase()),
            ))
            .execute(conn)?;
    }
    for term in text::words(c.name) {
        diesel::insert_into(search_terms::table)
            .values((
                search_terms::contact_id.eq(contact_id),
                search_terms::company_id.eq(company_id),
                search_terms::term.eq(term),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Deletes every child row of `owner` (the foreign keys cascade too; this keeps SQLite files
/// opened without `foreign_keys` honest as well).
pub(crate) fn delete_children(conn: &mut DbConn, owner: Owner) -> StoreResult<()> {
    match owner {
        Owner::Contact(id) => {
            diesel::delete(phones::table.filter(phones::contact_id.eq(id))).execute(conn)?;
            diesel::delete(emails::table.filter(emails::contact_id.eq(id))).execute(conn)?;
            diesel::delete(tags::table.filter(tags::contact_id.eq(id))).execute(conn)?;
            diesel::delete(search_terms::table.filter(search_terms::contact_id.eq(id)))
                .execute(conn)?;
        }
        Owner::Company(id) => {
            diesel::delete(phones::table.filter(phones::company_id.eq(id))).execute(conn)?;
            diesel::delete(emails::table.filter(emails::company_id.eq(id))).execute(conn)?;
            diesel::delete(tags::table.filter(tags::company_id.eq(id))).execute(conn)?;
            diesel::delete(search_terms::table.filter(search_terms::company_id.eq(id)))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Child rows of a batch of records of one kind, by owner id.
#[derive(Default)]
pub(crate) struct Loaded {
    pub phones: HashMap<i64, Vec<Phone>>,
    pub emails: HashMap<i64, Vec<Email>>,
    pub tags: HashMap<i64, Vec<String>>,
}

/// Loads the phones, e-mails and tags of `ids` in three queries, whatever the page size.
pub(crate) fn load_children(
    conn: &mut DbConn,
    kind: ObjectKind,
    ids: &[i64],
) -> StoreResult<Loaded> {
    let mut out = Loaded::default();
    if ids.is_empty() {
        return Ok(out);
    }
    type Rows = (
        Vec<(Option<i64>, String, String)>,
        Vec<(Option<i64>, String)>,
        Vec<(Option<i64>, String)>,
    );
    let (phone_rows, email_rows, tag_rows): Rows = match kind {
        ObjectKind::Contact => (
            phones::table
                .filter(phones::contact_id.eq_any(ids))
                .order((phones::contact_id, phones::position))
                .select((phones::contact_id, phones::raw, phones::e164))
                .load(conn)?,
            emails::table
                .filter(emails::contact_id.eq_any(ids))
                .order((emails::contact_id, emails::position))
                .select((emails::contact_id, emails::raw))
                .load(conn)?,
            tags::table
                .filter(tags::contact_id.eq_any(ids))
                .order((tags::contact_id, tags::id))
                .select((tags::contact_id, tags::name))
                .load(conn)?,
        ),
        ObjectKind::Company => (
            phones::table
                .filter(phones::company_id.eq_any(ids))
                .order((phones::company_id, phones::position))
                .select((phones::company_id, phones::raw, phones::e164))
                .load(conn)?,
            emails::table
                .filter(emails::company_id.eq_any(ids))
                .order((emails::company_id, emails::position))
                .select((emails::company_id, emails::raw))
                .load(conn)?,
            tags::table
                .filter(tags::company_id.eq_any(ids))
                .order((tags::company_id, tags::id))
                .select((tags::company_id, tags::name))
                .load(conn)?,
        ),
        // Only contacts and companies have phones and e-mails.
        _ => return Ok(out),
    };
    for (owner, raw, e164) in phone_rows {
        if let Some(id) = owner {
            out.phones
                .entry(id)
                .or_default()
                .push(Phone::from_stored(raw, e164));
        }
    }
    for (owner, raw) in email_rows {
        if let Some(id) = owner {
            out.emails
                .entry(id)
                .or_default()
                .push(Email::from_stored(raw));
        }
    }
    for (owner, name) in tag_rows {
        if let Some(id) = owner {
            out.tags.entry(id).or_default().push(name);
        }
    }
    Ok(out)
}

/// Names of the given users, by id, in one query.
pub(crate) fn user_names(
    conn: &mut DbConn,
    ids: impl IntoIterator<Item = Option<i64>>,
) -> StoreResult<HashMap<i64, String>> {
    let ids: BTreeSet<i64> = ids.into_iter().flatten().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i64> = ids.into_iter().collect();
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// An existing card that shares a phone or an e-mail with the one being saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    /// "contact" or "company".
    pub kind: &'static str,
    pub id: i64,
    pub name: String,
    /// The E.164 phone or lower-case e-mail that matched.
    pub matched: String,
}

/// Possible duplicates: those the actor may see, and how many others exist beyond their access
/// (named by count only, so that a duplicate check reveals nobody else's client).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Duplicates {
    pub visible: Vec<Duplicate>,
    pub hidden: usize,
}

impl Duplicates {
    pub fn is_empty(&self) -> bool {
        self.visible.is_empty() && self.hidden == 0
    }
}

/// Cards of either kind sharing any of `e164s` or `emails` (lower-case), except `exclude`.
pub(crate) fn find_duplicates(
    conn: &mut DbConn,
    actor: &Actor,
    e164s: &[String],
    emails_lower: &[String],
    exclude: Option<Owner>,
) -> StoreResult<Duplicates> {
    // Owner -> the first value that matched it.
    let mut hits: Vec<(Owner, String)> = Vec::new();
    let mut note = |contact: Option<i64>, company: Option<i64>, matched: String| {
        let owner = match (contact, company) {
            (Some(id), _) => Owner::Contact(id),
            (None, Some(id)) => Owner::Company(id),
            (None, None) => return,
        };
        if Some(owner) != exclude && !hits.iter().any(|(o, _)| *o == owner) {
            hits.push((owner, matched));
        }
    };
    if !e164s.is_empty() {
        // Numbers are found by their reversed digits (one to one with E.164), in the index
        // of each owner kind.
        let revs: Vec<String> = e164s.iter().map(|e| reversed_digits(e)).collect();
        let contacts: Vec<(Option<i64>, Option<i64>, String)> = phones::table
            .filter(phones::digits_rev.eq_any(&revs))
            .filter(phones::contact_id.is_not_null())
            .select((phones::contact_id, phones::company_id, phones::e164))
            .limit(100)
            .load(conn)?;
        let companies: Vec<(Option<i64>, Option<i64>, String)> = phones::table
            .filter(phones::digits_rev.eq_any(&revs))
            .filter(phones::company_id.is_not_null())
            .select((phones::contact_id, phones::company_id, phones::e164))
            .limit(100)
            .load(conn)?;
        for (a, b, m) in contacts.into_iter().chain(companies) {
            note(a, b, m);
        }
    }
    if !emails_lower.is_empty() {
        let rows: Vec<(Option<i64>, Option<i64>, String)> = emails::table
            .filter(emails::lower.eq_any(emails_lower))
            .select((emails::contact_id, emails::company_id, emails::lower))
            .limit(100)
            .load(conn)?;
        for (a, b, m) in rows {
            note(a, b, m);
        }
    }
    let contact_ids: Vec<i64> = hits
        .iter()
        .filter_map(|(o, _)| match o {
            Owner::Contact(id) => Some(*id),
            Owner::Company(_) => None,
        })
        .collect();
    let company_ids: Vec<i64> = hits
        .iter()
        .filter_map(|(o, _)| match o {
            Owner::Company(id) => Some(*id),
            Owner::Contact(_) => None,
        })
        .collect();
    let seen_contacts: HashMap<i64, String> = contacts::table
        .filter(contacts::id.eq_any(&contact_ids))
        .filter(visible!(contacts, actor, ObjectKind::Contact))
        .select((contacts::id, contacts::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let seen_companies: HashMap<i64, String> = companies::table
        .filter(companies::id.eq_any(&company_ids))
        .filter(visible!(companies, actor, ObjectKind::Company))
        .select((companies::id, companies::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let mut out = Duplicates::default();
    for (owner, matched) in hits {
        let found = match owner {
            Owner::Contact(id) => seen_contacts.get(&id).map(|n| ("contact", id, n)),
            Owner::Company(id) => seen_companies.get(&id).map(|n| ("company", id, n)),
        };
        match found {
            Some((kind, id, name)) => out.visible.push(Duplicate {
                kind,
                id,
                name: name.clone(),
                matched,
            }),
            None => out.hidden += 1,
        }
    }
    Ok(out)
}

/// `rows` in the order of `ids` (a query by `IN (...)` returns them in any order).
pub(crate) fn in_order<T>(rows: Vec<T>, ids: &[i64], id: impl Fn(&T) -> i64) -> Vec<T> {
    let position: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut rows = rows;
    rows.sort_by_key(|r| position.get(&id(r)).copied().unwrap_or(usize::MAX));
    rows
}
