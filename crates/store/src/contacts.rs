//! Contacts: create, read, update, delete, list — every one scoped by the acting user.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use crm_core::{
    Action, Actor, CardRef, Contact, ContactDraft, ContactRow, Cursor, Error, ListQuery,
    ObjectKind, Page, company::ContactPerson, text, webhook::Event,
};
use diesel::prelude::*;

use crate::audit;
use crate::conn::{DbConn, Store};
use crate::error::StoreResult;
use crate::listing::{Tagged, listed, tag_plan};
use crate::parties::{self, Children, Duplicates, Owner, in_order};
use crate::schema::{companies, contacts, emails, phones, tags, users};
use crate::scope::{self, companies_for, contacts_for, visible};
use crate::users::check_responsible;

#[derive(Queryable, Selectable)]
#[diesel(table_name = contacts)]
struct ContactRecord {
    id: i64,
    name: String,
    position: String,
    company_id: Option<i64>,
    birthday: Option<NaiveDate>,
    address: String,
    messengers: String,
    notes: String,
    responsible_id: Option<i64>,
    visible_to_all: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = contacts)]
#[diesel(treat_none_as_null = true)]
struct ContactChanges<'a> {
    name: &'a str,
    sort_name: String,
    position: &'a str,
    company_id: Option<i64>,
    birthday: Option<NaiveDate>,
    address: &'a str,
    messengers: &'a str,
    notes: &'a str,
    responsible_id: Option<i64>,
    visible_to_all: bool,
    updated_at: NaiveDateTime,
}

impl<'a> ContactChanges<'a> {
    fn new(d: &'a ContactDraft, responsible_id: Option<i64>) -> Self {
        ContactChanges {
            name: &d.name,
            sort_name: text::fold(&d.name),
            position: &d.position,
            company_id: d.company_id,
            birthday: d.birthday,
            address: &d.address,
            messengers: &d.messengers,
            notes: &d.notes,
            responsible_id,
            visible_to_all: d.visible_to_all,
            updated_at: Utc::now().naive_utc(),
        }
    }
}

/// The company must exist and be visible to the actor: nobody links to what they cannot see.
fn check_company(conn: &mut DbConn, actor: &Actor, company_id: Option<i64>) -> StoreResult<()> {
    if let Some(cid) = company_id {
        let found: Option<i64> = companies_for(actor, Action::View)
            .filter(companies::id.eq(cid))
            .select(companies::id)
            .first(conn)
            .optional()?;
        if found.is_none() {
            return Err(Error::invalid("company", "error-company-not-found").into());
        }
    }
    Ok(())
}

/// Finds a contact the actor may `action`; "not found" when they may not even see it.
fn check_access(conn: &mut DbConn, actor: &Actor, id: i64, action: Action) -> StoreResult<()> {
    scope::check_access!(conn, contacts_for, contacts, actor, id, action)
}

pub(crate) fn load(conn: &mut DbConn, actor: &Actor, id: i64) -> StoreResult<Contact> {
    let r: ContactRecord = contacts_for(actor, Action::View)
        .filter(contacts::id.eq(id))
        .select(ContactRecord::as_select())
        .first(conn)?;
    let company_name: Option<String> = match r.company_id {
        Some(cid) => companies::table
            .find(cid)
            .select(companies::name)
            .first(conn)
            .optional()?,
        None => None,
    };
    let names = parties::user_names(conn, [r.responsible_id])?;
    let mut children = parties::load_children(conn, ObjectKind::Contact, &[r.id])?;
    Ok(Contact {
        id: r.id,
        name: r.name,
        position: r.position,
        company_id: r.company_id,
        company_name,
        phones: children.phones.remove(&r.id).unwrap_or_default(),
        emails: children.emails.remove(&r.id).unwrap_or_default(),
        birthday: r.birthday,
        address: r.address,
        messengers: r.messengers,
        tags: children.tags.remove(&r.id).unwrap_or_default(),
        responsible_id: r.responsible_id,
        responsible_name: r.responsible_id.and_then(|u| names.get(&u).cloned()),
        visible_to_all: r.visible_to_all,
        notes: r.notes,
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
    })
}

fn children(d: &ContactDraft) -> Children<'_> {
    Children {
        phones: &d.phones,
        emails: &d.emails,
        tags: &d.tags,
        name: &d.name,
    }
}

/// Creates a contact inside an open transaction (also used by lead conversion).
pub(crate) fn insert(
    conn: &mut DbConn,
    actor: &Actor,
    draft: &ContactDraft,
) -> StoreResult<Contact> {
    let responsible = actor
        .responsible_for(draft.responsible_id)
        .map_err(|code| Error::invalid("responsible", code))?;
    check_company(conn, actor, draft.company_id)?;
    check_responsible(conn, responsible)?;
    let now = Utc::now().naive_utc();
    let id: i64 = diesel::insert_into(contacts::table)
        .values((
            ContactChanges::new(draft, responsible),
            contacts::created_by.eq(actor.user_id()),
            contacts::created_at.eq(now),
        ))
        .returning(contacts::id)
        .get_result(conn)?;
    parties::replace_children(conn, Owner::Contact(id), children(draft))?;
    let created = load(conn, actor, id)?;
    let card = CardRef::Contact(id);
    crate::activities::card_saved(
        conn,
        actor,
        card,
        None,
        created.responsible_id,
        &created.name,
    )?;
    audit::record(
        conn,
        actor,
        "create",
        "contact",
        id,
        audit::snapshot(&created.to_input()),
    )?;
    crate::webhooks::queue(conn, Event::ContactCreated, &created)?;
    Ok(created)
}

/// Saves a contact inside an open transaction (also used by imports).
pub(crate) fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    draft: &ContactDraft,
) -> StoreResult<Contact> {
    let responsible = actor
        .responsible_for(draft.responsible_id)
        .map_err(|code| Error::invalid("responsible", code))?;
    check_access(conn, actor, id, Action::Edit)?;
    check_company(conn, actor, draft.company_id)?;
    check_responsible(conn, responsible)?;
    let before = load(conn, actor, id)?;
    rewrite(conn, id, draft, responsible)?;
    let after = load(conn, actor, id)?;
    let (card, was) = (CardRef::Contact(id), Some(before.responsible_id));
    crate::activities::card_saved(conn, actor, card, was, after.responsible_id, &after.name)?;
    let changes = audit::diff(&before.to_input(), &after.to_input());
    audit::record(conn, actor, "update", "contact", id, changes)?;
    crate::webhooks::queue(conn, Event::ContactUpdated, &after)?;
    Ok(after)
}

/// Writes `draft` over card `id`: its row and child rows, nothing else. No checks, history,
/// audit or webhook: for [`update`], and for an import merging a later row of its file into a
/// card it made itself.
pub(crate) fn rewrite(
    conn: &mut DbConn,
    id: i64,
    draft: &ContactDraft,
    responsible_id: Option<i64>,
) -> StoreResult<()> {
    diesel::update(contacts::table.find(id))
        .set(ContactChanges::new(draft, responsible_id))
        .execute(conn)?;
    parties::replace_children(conn, Owner::Contact(id), children(draft))
}

/// The cards `ids` as drafts, by id: four queries per 500 cards (an import merging into them;
/// imports are an administrator's, who sees every card).
pub(crate) fn drafts(conn: &mut DbConn, ids: &[i64]) -> StoreResult<HashMap<i64, ContactDraft>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<ContactRecord> = contacts::table
            .filter(contacts::id.eq_any(chunk))
            .select(ContactRecord::as_select())
            .load(conn)?;
        let mut children = parties::load_children(conn, ObjectKind::Contact, chunk)?;
        for r in rows {
            let draft = ContactDraft {
                name: r.name,
                position: r.position,
                company_id: r.company_id,
                phones: children.phones.remove(&r.id).unwrap_or_default(),
                emails: children.emails.remove(&r.id).unwrap_or_default(),
                birthday: r.birthday,
                address: r.address,
                messengers: r.messengers,
                tags: children.tags.remove(&r.id).unwrap_or_default(),
                responsible_id: r.responsible_id,
                visible_to_all: r.visible_to_all,
                notes: r.notes,
            };
            out.insert(r.id, draft);
        }
    }
    Ok(out)
}

impl Store {
    /// One contact, if the actor may see it.
    pub fn contact(&self, actor: &Actor, id: i64) -> StoreResult<Contact> {
        self.read(|conn| load(conn, actor, id))
    }

    pub fn create_contact(&self, actor: &Actor, draft: &ContactDraft) -> StoreResult<Contact> {
        self.write(|conn| insert(conn, actor, draft))
    }

    pub fn update_contact(
        &self,
        actor: &Actor,
        id: i64,
        draft: &ContactDraft,
    ) -> StoreResult<Contact> {
        self.write(|conn| update(conn, actor, id, draft))
    }

    /// Deletes the card with its timeline; returns the storage keys of the files attached there,
    /// for the caller to remove once the transaction has committed.
    pub fn delete_contact(&self, actor: &Actor, id: i64) -> StoreResult<Vec<String>> {
        self.write(|conn| {
            check_access(conn, actor, id, Action::Delete)?;
            let before = load(conn, actor, id)?;
            parties::delete_children(conn, Owner::Contact(id))?;
            let files = crate::activities::forget(conn, CardRef::Contact(id))?;
            diesel::delete(contacts::table.find(id)).execute(conn)?;
            audit::record(
                conn,
                actor,
                "delete",
                "contact",
                id,
                audit::snapshot(&before.to_input()),
            )?;
            Ok(files)
        })
    }

    /// Existing cards sharing a phone or e-mail with `draft` (other than contact `except`).
    pub fn contact_duplicates(
        &self,
        actor: &Actor,
        draft: &ContactDraft,
        except: Option<i64>,
    ) -> StoreResult<Duplicates> {
        let e164s: Vec<String> = draft.phones.iter().map(|p| p.e164().to_string()).collect();
        let emails: Vec<String> = draft.emails.iter().map(|e| e.lower().to_string()).collect();
        self.read(|conn| {
            parties::find_duplicates(conn, actor, &e164s, &emails, except.map(Owner::Contact))
        })
    }

    /// The next `limit` contacts after id `after` that the actor may see and the list's filters
    /// pass, in id order, for an export (which the caller records with `record_export`).
    ///
    /// Four queries a page whatever its size: the rows joined with their company and
    /// responsible names, then the phones, e-mails and tags of the page's id range, merged in
    /// id order (no id lists to bind, no hash maps).
    pub fn export_contacts(
        &self,
        actor: &Actor,
        q: &ListQuery,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<ContactRow>> {
        let q = q.clone().normalized();
        self.read(|conn| {
            let query = contacts::table
                .left_join(companies::table)
                .left_join(users::table.on(contacts::responsible_id.eq(users::id.nullable())))
                .filter(visible!(contacts, actor, ObjectKind::Contact))
                .filter(contacts::id.gt(after))
                .into_boxed();
            let rows: Vec<ExportRecord> = crate::listing::filtered!(query, contacts, contact_id, q)
                .order(contacts::id)
                .limit(limit as i64)
                .select((
                    contacts::id,
                    contacts::name,
                    contacts::position,
                    contacts::company_id,
                    companies::name.nullable(),
                    contacts::responsible_id,
                    users::name.nullable(),
                ))
                .load(conn)?;
            let Some(last) = rows.last().map(|r| r.0) else {
                return Ok(Vec::new());
            };
            // The children of every contact in the range, not only of the rows that passed
            // the scope and filters: a range scan of the owner index beats binding the ids.
            let phones: Vec<(Option<i64>, i32, String)> = phones::table
                .filter(phones::contact_id.gt(after))
                .filter(phones::contact_id.le(last))
                .order(phones::contact_id)
                .select((phones::contact_id, phones::position, phones::raw))
                .load(conn)?;
            let emails: Vec<(Option<i64>, i32, String)> = emails::table
                .filter(emails::contact_id.gt(after))
                .filter(emails::contact_id.le(last))
                .order(emails::contact_id)
                .select((emails::contact_id, emails::position, emails::raw))
                .load(conn)?;
            let tags: Vec<(Option<i64>, String)> = tags::table
                .filter(tags::contact_id.gt(after))
                .filter(tags::contact_id.le(last))
                .order((tags::contact_id, tags::id))
                .select((tags::contact_id, tags::name))
                .load(conn)?;
            Ok(merge_children(rows, phones, emails, tags))
        })
    }

    /// The next `limit` contact cards after id `after` that the actor may see and the list's
    /// filters pass, in id order, whole (every phone and e-mail), for a vCard export.
    pub fn export_contact_cards(
        &self,
        actor: &Actor,
        q: &ListQuery,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<Contact>> {
        let q = q.clone().normalized();
        self.read(|conn| {
            let query = crate::listing::filtered!(
                contacts_for(actor, Action::View),
                contacts,
                contact_id,
                q
            );
            let records: Vec<ContactRecord> = query
                .filter(contacts::id.gt(after))
                .order(contacts::id)
                .limit(limit as i64)
                .select(ContactRecord::as_select())
                .load(conn)?;
            let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
            let company_ids: Vec<i64> = records.iter().filter_map(|r| r.company_id).collect();
            let company_names: std::collections::HashMap<i64, String> = companies::table
                .filter(companies::id.eq_any(&company_ids))
                .select((companies::id, companies::name))
                .load::<(i64, String)>(conn)?
                .into_iter()
                .collect();
            let names = parties::user_names(conn, records.iter().map(|r| r.responsible_id))?;
            let mut children = parties::load_children(conn, ObjectKind::Contact, &ids)?;
            Ok(records
                .into_iter()
                .map(|r| Contact {
                    id: r.id,
                    company_name: r.company_id.and_then(|c| company_names.get(&c).cloned()),
                    phones: children.phones.remove(&r.id).unwrap_or_default(),
                    emails: children.emails.remove(&r.id).unwrap_or_default(),
                    tags: children.tags.remove(&r.id).unwrap_or_default(),
                    responsible_name: r.responsible_id.and_then(|u| names.get(&u).cloned()),
                    name: r.name,
                    position: r.position,
                    company_id: r.company_id,
                    birthday: r.birthday,
                    address: r.address,
                    messengers: r.messengers,
                    responsible_id: r.responsible_id,
                    visible_to_all: r.visible_to_all,
                    notes: r.notes,
                    created_at: r.created_at.and_utc(),
                    updated_at: r.updated_at.and_utc(),
                })
                .collect())
        })
    }

    /// One page of the contacts the actor may see.
    pub fn list_contacts(&self, actor: &Actor, q: &ListQuery) -> StoreResult<Page<ContactRow>> {
        let q = q.clone().normalized();
        self.read(|conn| {
            let rows = q.offset() + q.limit_plus_one();
            let plan = tag_plan(conn, actor, Tagged::Contacts, &q, rows)?;
            let query = listed!(
                contacts_for(actor, Action::View),
                contacts,
                contact_id,
                q,
                plan
            );
            // Ids first: the order index covers them, so deep pages do not fetch every row
            // they skip; then the page's rows by primary key.
            let ids: Vec<i64> = query
                .select(contacts::id)
                .offset(q.offset())
                .limit(q.limit_plus_one())
                .load(conn)?;
            let rows: Vec<RowRecord> = contacts::table
                .filter(contacts::id.eq_any(&ids))
                .select(RowRecord::as_select())
                .load(conn)?;
            Ok(Page::from_rows(
                rows_of(conn, in_order(rows, &ids, RowRecord::id))?,
                &q,
            ))
        })
    }

    /// A keyset page of the contacts the actor may see: the page after cursor `after` (or
    /// the query's page without one), and the cursor of the next page if there is one.
    pub fn list_contacts_after(
        &self,
        actor: &Actor,
        q: &ListQuery,
        after: Option<&Cursor>,
    ) -> StoreResult<(Page<ContactRow>, Option<Cursor>)> {
        let q = q.clone().normalized();
        self.read(|conn| {
            let rows = q.limit_plus_one() + if after.is_some() { 0 } else { q.offset() };
            let plan = tag_plan(conn, actor, Tagged::Contacts, &q, rows)?;
            let query = listed!(
                contacts_for(actor, Action::View),
                contacts,
                contact_id,
                q,
                plan
            );
            let query = crate::listing::after_cursor!(query, contacts, after)?;
            let keys: Vec<crate::listing::RowKeys> = query
                .select((
                    contacts::id,
                    contacts::sort_name,
                    contacts::created_at,
                    contacts::updated_at,
                ))
                .offset(if after.is_some() { 0 } else { q.offset() })
                .limit(q.limit_plus_one())
                .load(conn)?;
            let (ids, has_next, next) = crate::listing::keyset_page(keys, &q);
            let rows: Vec<RowRecord> = contacts::table
                .filter(contacts::id.eq_any(&ids))
                .select(RowRecord::as_select())
                .load(conn)?;
            let page = Page {
                items: rows_of(conn, in_order(rows, &ids, RowRecord::id))?,
                page: q.page,
                per_page: q.per_page,
                has_next,
            };
            Ok((page, next))
        })
    }

    /// The visible contact with exactly this name (ignoring case), if there is exactly one.
    pub fn contact_by_name(&self, actor: &Actor, name: &str) -> StoreResult<Option<i64>> {
        let key = text::fold(&text::squish(name));
        self.read(|conn| {
            let ids: Vec<i64> = contacts_for(actor, Action::View)
                .filter(contacts::sort_name.eq(key))
                .select(contacts::id)
                .limit(2)
                .load(conn)?;
            Ok(if ids.len() == 1 {
                ids.first().copied()
            } else {
                None
            })
        })
    }

    /// A company's contact persons that the actor may see.
    pub fn company_people(
        &self,
        actor: &Actor,
        company_id: i64,
    ) -> StoreResult<Vec<ContactPerson>> {
        self.read(|conn| {
            let rows: Vec<(i64, String, String)> = contacts_for(actor, Action::View)
                .filter(contacts::company_id.eq(company_id))
                .order((contacts::sort_name.asc(), contacts::id.asc()))
                .select((contacts::id, contacts::name, contacts::position))
                .limit(500)
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(|(id, name, position)| ContactPerson { id, name, position })
                .collect())
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = contacts)]
pub(crate) struct RowRecord {
    id: i64,
    name: String,
    position: String,
    company_id: Option<i64>,
    responsible_id: Option<i64>,
}

impl RowRecord {
    pub(crate) fn id(&self) -> i64 {
        self.id
    }
}

/// Completes list rows with company and user names, first phone and e-mail, and tags, in a
/// fixed number of queries per page.
pub(crate) fn rows_of(conn: &mut DbConn, rows: Vec<RowRecord>) -> StoreResult<Vec<ContactRow>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let company_ids: Vec<i64> = rows.iter().filter_map(|r| r.company_id).collect();
    let company_names: std::collections::HashMap<i64, String> = if company_ids.is_empty() {
        Default::default()
    } else {
        companies::table
            .filter(companies::id.eq_any(&company_ids))
            .select((companies::id, companies::name))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect()
    };
    let users = parties::user_names(conn, rows.iter().map(|r| r.responsible_id))?;
    let mut children = parties::load_children(conn, ObjectKind::Contact, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| ContactRow {
            id: r.id,
            company_name: r.company_id.and_then(|c| company_names.get(&c).cloned()),
            phone: children
                .phones
                .get(&r.id)
                .and_then(|p| p.first())
                .map(|p| p.raw().to_string()),
            email: children
                .emails
                .get(&r.id)
                .and_then(|e| e.first())
                .map(|e| e.raw().to_string()),
            tags: children.tags.remove(&r.id).unwrap_or_default(),
            responsible_name: r.responsible_id.and_then(|u| users.get(&u).cloned()),
            name: r.name,
            position: r.position,
            company_id: r.company_id,
        })
        .collect())
}

/// An exported contact: id, name, position, company id and name, responsible id and name.
type ExportRecord = (
    i64,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
);

/// Completes exported rows (in id order) with their first phone and e-mail (lowest position)
/// and their tags, from children sorted by owner id, in one pass.
fn merge_children(
    rows: Vec<ExportRecord>,
    phones: Vec<(Option<i64>, i32, String)>,
    emails: Vec<(Option<i64>, i32, String)>,
    tags: Vec<(Option<i64>, String)>,
) -> Vec<ContactRow> {
    let mut phones = phones.into_iter().peekable();
    let mut emails = emails.into_iter().peekable();
    let mut tags = tags.into_iter().peekable();
    // The first (lowest position) of the owner's children; skips those of earlier owners.
    fn first<I: Iterator<Item = (Option<i64>, i32, String)>>(
        it: &mut std::iter::Peekable<I>,
        id: i64,
    ) -> Option<String> {
        let mut best: Option<(i32, String)> = None;
        while let Some((owner, position, _)) = it.peek() {
            match owner {
                Some(o) if *o > id => break,
                Some(o) if *o == id => {
                    let better = best.as_ref().is_none_or(|(p, _)| position < p);
                    let (_, position, raw) = it.next()?;
                    if better {
                        best = Some((position, raw));
                    }
                }
                _ => {
                    it.next();
                }
            }
        }
        best.map(|(_, raw)| raw)
    }
    rows.into_iter()
        .map(
            |(id, name, position, company_id, company_name, _, responsible_name)| {
                let mut own_tags = Vec::new();
                while let Some((owner, _)) = tags.peek() {
                    match owner {
                        Some(o) if *o > id => break,
                        Some(o) if *o == id => {
                            if let Some((_, t)) = tags.next() {
                                own_tags.push(t);
                            }
                        }
                        _ => {
                            tags.next();
                        }
                    }
                }
                ContactRow {
                    id,
                    name,
                    position,
                    company_id,
                    company_name,
                    phone: first(&mut phones, id),
                    email: first(&mut emails, id),
                    tags: own_tags,
                    responsible_name,
                }
            },
        )
        .collect()
}
