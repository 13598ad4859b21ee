//! Companies: create, read, update, delete, list — every one scoped by the acting user.

use chrono::{NaiveDateTime, Utc};
use crm_core::{
    Action, Actor, CardRef, Company, CompanyDraft, CompanyRow, Cursor, Error, ListQuery,
    ObjectKind, Page, text,
};
use diesel::prelude::*;

use crate::audit;
use crate::conn::{DbConn, Store};
use crate::error::StoreResult;
use crate::listing::{Tagged, listed, tag_plan};
use crate::parties::{self, Children, Duplicates, Owner, in_order};
use crate::schema::companies;
use crate::scope::{self, companies_for};
use crate::users::check_responsible;

#[derive(Queryable, Selectable)]
#[diesel(table_name = companies)]
struct CompanyRecord {
    id: i64,
    name: String,
    industry: String,
    website: String,
    address: String,
    tax_id: String,
    bank_details: String,
    notes: String,
    responsible_id: Option<i64>,
    visible_to_all: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = companies)]
#[diesel(treat_none_as_null = true)]
pub(crate) struct CompanyChanges<'a> {
    name: &'a str,
    sort_name: String,
    industry: &'a str,
    website: &'a str,
    address: &'a str,
    tax_id: &'a str,
    bank_details: &'a str,
    notes: &'a str,
    responsible_id: Option<i64>,
    visible_to_all: bool,
    updated_at: NaiveDateTime,
}

impl<'a> CompanyChanges<'a> {
    pub(crate) fn new(d: &'a CompanyDraft, responsible_id: Option<i64>) -> Self {
        CompanyChanges {
            name: &d.name,
            sort_name: text::fold(&d.name),
            industry: &d.industry,
            website: &d.website,
            address: &d.address,
            tax_id: &d.tax_id,
            bank_details: &d.bank_details,
            notes: &d.notes,
            responsible_id,
            visible_to_all: d.visible_to_all,
            updated_at: Utc::now().naive_utc(),
        }
    }
}

/// Finds a company the actor may `action`; "not found" when they may not even see it.
fn check_access(conn: &mut DbConn, actor: &Actor, id: i64, action: Action) -> StoreResult<()> {
    scope::check_access!(conn, companies_for, companies, actor, id, action)
}

pub(crate) fn load(conn: &mut DbConn, actor: &Actor, id: i64) -> StoreResult<Company> {
    let r: CompanyRecord = companies_for(actor, Action::View)
        .filter(companies::id.eq(id))
        .select(CompanyRecord::as_select())
        .first(conn)?;
    let names = parties::user_names(conn, [r.responsible_id])?;
    let mut children = parties::load_children(conn, ObjectKind::Company, &[r.id])?;
    Ok(Company {
        id: r.id,
        name: r.name,
        industry: r.industry,
        website: r.website,
        phones: children.phones.remove(&r.id).unwrap_or_default(),
        emails: children.emails.remove(&r.id).unwrap_or_default(),
        address: r.address,
        tax_id: r.tax_id,
        bank_details: r.bank_details,
        tags: children.tags.remove(&r.id).unwrap_or_default(),
        responsible_id: r.responsible_id,
        responsible_name: r.responsible_id.and_then(|u| names.get(&u).cloned()),
        visible_to_all: r.visible_to_all,
        notes: r.notes,
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
    })
}

pub(crate) fn children(d: &CompanyDraft) -> Children<'_> {
    Children {
        phones: &d.phones,
        emails: &d.emails,
        tags: &d.tags,
        name: &d.name,
    }
}

/// Creates a company inside an open transaction (also used by lead conversion).
pub(crate) fn insert(
    conn: &mut DbConn,
    actor: &Actor,
    draft: &CompanyDraft,
) -> StoreResult<Company> {
    let responsible = actor
        .responsible_for(draft.responsible_id)
        .map_err(|code| Error::invalid("responsible", code))?;
    check_responsible(conn, responsible)?;
    let now = Utc::now().naive_utc();
    let id: i64 = diesel::insert_into(companies::table)
        .values((
            CompanyChanges::new(draft, responsible),
            companies::created_by.eq(actor.user_id()),
            companies::created_at.eq(now),
        ))
        .returning(companies::id)
        .get_result(conn)?;
    parties::replace_children(conn, Owner::Company(id), children(draft))?;
    let created = load(conn, actor, id)?;
    let card = CardRef::Company(id);
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
        "company",
        id,
        audit::snapshot(&created.to_input()),
    )?;
    crate::webhooks::queue(conn, crm_core::webhook::Event::CompanyCreated, &created)?;
    Ok(created)
}

/// Saves a company inside an open transaction (also used by imports).
pub(crate) fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    draft: &CompanyDraft,
    responsible: Option<i64>,
) -> StoreResult<Company> {
    check_access(conn, actor, id, Action::Edit)?;
    check_responsible(conn, responsible)?;
    let before = load(conn, actor, id)?;
    diesel::update(companies::table.find(id))
        .set(CompanyChanges::new(draft, responsible))
        .execute(conn)?;
    parties::replace_children(conn, Owner::Company(id), children(draft))?;
    let after = load(conn, actor, id)?;
    let (card, was) = (CardRef::Company(id), Some(before.responsible_id));
    crate::activities::card_saved(conn, actor, card, was, after.responsible_id, &after.name)?;
    let changes = audit::diff(&before.to_input(), &after.to_input());
    audit::record(conn, actor, "update", "company", id, changes)?;
    Ok(after)
}

impl Store {
    /// One company, if the actor may see it.
    pub fn company(&self, actor: &Actor, id: i64) -> StoreResult<Company> {
        self.read(|conn| load(conn, actor, id))
    }

    pub fn create_company(&self, actor: &Actor, draft: &CompanyDraft) -> StoreResult<Company> {
        self.write(|conn| insert(conn, actor, draft))
    }

    pub fn update_company(
        &self,
        actor: &Actor,
        id: i64,
        draft: &CompanyDraft,
    ) -> StoreResult<Company> {
        let responsible = actor
            .responsible_for(draft.responsible_id)
            .map_err(|code| Error::invalid("responsible", code))?;
        self.write(|conn| update(conn, actor, id, draft, responsible))
    }

    /// Deletes a company; its contact persons stay, unlinked (people outlive employers). Returns
    /// the storage keys of the files attached to its timeline, for the caller to remove.
    pub fn delete_company(&self, actor: &Actor, id: i64) -> StoreResult<Vec<String>> {
        self.write(|conn| {
            check_access(conn, actor, id, Action::Delete)?;
            let before = load(conn, actor, id)?;
            parties::delete_children(conn, Owner::Company(id))?;
            diesel::update(
                crate::schema::contacts::table.filter(crate::schema::contacts::company_id.eq(id)),
            )
            .set(crate::schema::contacts::company_id.eq(None::<i64>))
            .execute(conn)?;
            let files = crate::activities::forget(conn, CardRef::Company(id))?;
            diesel::delete(companies::table.find(id)).execute(conn)?;
            audit::record(
                conn,
                actor,
                "delete",
                "company",
                id,
                audit::snapshot(&before.to_input()),
            )?;
            Ok(files)
        })
    }

    /// Existing cards sharing a phone or e-mail with `draft` (other than company `except`).
    pub fn company_duplicates(
        &self,
        actor: &Actor,
        draft: &CompanyDraft,
        except: Option<i64>,
    ) -> StoreResult<Duplicates> {
        let e164s: Vec<String> = draft.phones.iter().map(|p| p.e164().to_string()).collect();
        let emails: Vec<String> = draft.emails.iter().map(|e| e.lower().to_string()).collect();
        self.read(|conn| {
            parties::find_duplicates(conn, actor, &e164s, &emails, except.map(Owner::Company))
        })
    }

    /// The next `limit` companies after id `after` that the actor may see and the list's filters
    /// pass, in id order, for an export (which the caller records with `record_export`).
    pub fn export_companies(
        &self,
        actor: &Actor,
        q: &ListQuery,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<CompanyRow>> {
        let q = q.clone().normalized();
        self.read(|conn| {
            let query = crate::listing::filtered!(
                companies_for(actor, Action::View),
                companies,
                company_id,
                q
            );
            let ids: Vec<i64> = query
                .filter(companies::id.gt(after))
                .order(companies::id)
                .limit(limit as i64)
                .select(companies::id)
                .load(conn)?;
            let rows: Vec<RowRecord> = companies::table
                .filter(companies::id.eq_any(&ids))
                .select(RowRecord::as_select())
                .load(conn)?;
            rows_of(conn, in_order(rows, &ids, RowRecord::id))
        })
    }

    /// One page of the companies the actor may see.
    pub fn list_companies(&self, actor: &Actor, q: &ListQuery) -> StoreResult<Page<CompanyRow>> {
        let q = q.clone().normalized();
        self.read(|conn| {
            let rows = q.offset() + q.limit_plus_one();
            let plan = tag_plan(conn, actor, Tagged::Companies, &q, rows)?;
            let query = listed!(
                companies_for(actor, Action::View),
                companies,
                company_id,
                q,
                plan
            );
            // Ids first: the order index covers them, so deep pages do not fetch every row
            // they skip; then the page's rows by primary key.
            let ids: Vec<i64> = query
                .select(companies::id)
                .offset(q.offset())
                .limit(q.limit_plus_one())
                .load(conn)?;
            let rows: Vec<RowRecord> = companies::table
                .filter(companies::id.eq_any(&ids))
                .select(RowRecord::as_select())
                .load(conn)?;
            Ok(Page::from_rows(
                rows_of(conn, in_order(rows, &ids, RowRecord::id))?,
                &q,
            ))
        })
    }

    /// A keyset page of the companies the actor may see (see `list_contacts_after`).
    pub fn list_companies_after(
        &self,
        actor: &Actor,
        q: &ListQuery,
        after: Option<&Cursor>,
    ) -> StoreResult<(Page<CompanyRow>, Option<Cursor>)> {
        let q = q.clone().normalized();
        self.read(|conn| {
            let rows = q.limit_plus_one() + if after.is_some() { 0 } else { q.offset() };
            let plan = tag_plan(conn, actor, Tagged::Companies, &q, rows)?;
            let query = listed!(
                companies_for(actor, Action::View),
                companies,
                company_id,
                q,
                plan
            );
            let query = crate::listing::after_cursor!(query, companies, after)?;
            let keys: Vec<crate::listing::RowKeys> = query
                .select((
                    companies::id,
                    companies::sort_name,
                    companies::created_at,
                    companies::updated_at,
                ))
                .offset(if after.is_some() { 0 } else { q.offset() })
                .limit(q.limit_plus_one())
                .load(conn)?;
            let (ids, has_next, next) = crate::listing::keyset_page(keys, &q);
            let rows: Vec<RowRecord> = companies::table
                .filter(companies::id.eq_any(&ids))
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

    /// Up to `limit` visible companies whose name has a word starting with `prefix`, for the
    /// company field of the contact form.
    pub fn suggest_companies(
        &self,
        actor: &Actor,
        prefix: &str,
        limit: i64,
    ) -> StoreResult<Vec<(i64, String)>> {
        Ok(self
            .search(actor, prefix, limit)?
            .companies
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect())
    }

    /// The visible company with exactly this name (ignoring case), if there is exactly one.
    pub fn company_by_name(&self, actor: &Actor, name: &str) -> StoreResult<Option<i64>> {
        let key = text::fold(&text::squish(name));
        self.read(|conn| {
            let ids: Vec<i64> = companies_for(actor, Action::View)
                .filter(companies::sort_name.eq(key))
                .select(companies::id)
                .limit(2)
                .load(conn)?;
            Ok(if ids.len() == 1 {
                ids.first().copied()
            } else {
                None
            })
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = companies)]
pub(crate) struct RowRecord {
    id: i64,
    name: String,
    industry: String,
    responsible_id: Option<i64>,
}

impl RowRecord {
    pub(crate) fn id(&self) -> i64 {
        self.id
    }
}

/// Completes list rows with user names, first phone and e-mail, and tags.
pub(crate) fn rows_of(conn: &mut DbConn, rows: Vec<RowRecord>) -> StoreResult<Vec<CompanyRow>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let users = parties::user_names(conn, rows.iter().map(|r| r.responsible_id))?;
    let mut children = parties::load_children(conn, ObjectKind::Company, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| CompanyRow {
            id: r.id,
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
            industry: r.industry,
        })
        .collect())
}
