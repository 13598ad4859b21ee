//! Leads: kept as given, worked by their responsible manager, and converted in one transaction
//! into a contact, a company and a deal — or into links to cards that already exist.

use chrono::{NaiveDateTime, Utc};
use crm_core::{
    Action, Actor, CardRef, Conversion, Cursor, Error, Lead, LeadDraft, LeadRow, LeadStatus,
    ListQuery, Page, Part, SortKey, text,
};
use diesel::prelude::*;

use crate::audit;
use crate::conn::{DbConn, Store};
use crate::error::StoreResult;
use crate::parties::{self, Duplicates, in_order};
use crate::schema::{companies, contacts, lead_form_entries, leads};
use crate::scope::{self, companies_for, contacts_for, leads_for};
use crate::users::check_responsible;
use crate::{companies as company_store, contacts as contact_store, deals};

#[derive(Queryable, Selectable)]
#[diesel(table_name = leads)]
struct LeadRecord {
    id: i64,
    title: String,
    source: String,
    status: String,
    name: String,
    company_name: String,
    phone: String,
    phone_e164: Option<String>,
    email: String,
    message: String,
    utm_source: String,
    utm_medium: String,
    utm_campaign: String,
    utm_term: String,
    utm_content: String,
    page_url: String,
    responsible_id: Option<i64>,
    contact_id: Option<i64>,
    company_id: Option<i64>,
    deal_id: Option<i64>,
    converted_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn status_of(s: &str) -> LeadStatus {
    // The column's CHECK admits only the four statuses.
    LeadStatus::parse(s).unwrap_or(LeadStatus::New)
}

pub(crate) fn load(conn: &mut DbConn, actor: &Actor, id: i64) -> StoreResult<Lead> {
    let r: LeadRecord = leads_for(actor, Action::View)
        .filter(leads::id.eq(id))
        .select(LeadRecord::as_select())
        .first(conn)?;
    let names = parties::user_names(conn, [r.responsible_id])?;
    let pipeline_id: Option<i64> = lead_form_entries::table
        .find(id)
        .select(lead_form_entries::pipeline_id)
        .first::<Option<i64>>(conn)
        .optional()?
        .flatten();
    Ok(Lead {
        id: r.id,
        title: r.title,
        source: r.source,
        status: status_of(&r.status),
        name: r.name,
        company_name: r.company_name,
        phone: r.phone,
        phone_e164: r.phone_e164,
        email: r.email,
        message: r.message,
        utm_source: r.utm_source,
        utm_medium: r.utm_medium,
        utm_campaign: r.utm_campaign,
        utm_term: r.utm_term,
        utm_content: r.utm_content,
        page_url: r.page_url,
        responsible_name: r.responsible_id.and_then(|u| names.get(&u).cloned()),
        responsible_id: r.responsible_id,
        contact_id: r.contact_id,
        company_id: r.company_id,
        deal_id: r.deal_id,
        pipeline_id,
        converted_at: r.converted_at.map(|t| t.and_utc()),
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
    })
}

/// Finds a lead the actor may `action`; "not found" when they may not even see it.
fn check_access(conn: &mut DbConn, actor: &Actor, id: i64, action: Action) -> StoreResult<()> {
    scope::check_access!(conn, leads_for, leads, actor, id, action)
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = leads)]
#[diesel(treat_none_as_null = true)]
pub(crate) struct LeadChanges<'a> {
    title: String,
    source: &'a str,
    name: &'a str,
    company_name: &'a str,
    phone: &'a str,
    phone_e164: Option<&'a str>,
    email: &'a str,
    email_lower: Option<&'a str>,
    message: &'a str,
    utm_source: &'a str,
    utm_medium: &'a str,
    utm_campaign: &'a str,
    utm_term: &'a str,
    utm_content: &'a str,
    page_url: &'a str,
    responsible_id: Option<i64>,
    updated_at: NaiveDateTime,
}

impl<'a> LeadChanges<'a> {
    pub(crate) fn new(d: &'a LeadDraft, responsible_id: Option<i64>) -> Self {
        LeadChanges {
            title: d.display_title(),
            source: &d.source,
            name: &d.name,
            company_name: &d.company_name,
            phone: &d.phone,
            phone_e164: d.phone_e164.as_deref(),
            email: &d.email,
            email_lower: d.email_lower.as_deref(),
            message: &d.message,
            utm_source: &d.utm[0],
            utm_medium: &d.utm[1],
            utm_campaign: &d.utm[2],
            utm_term: &d.utm[3],
            utm_content: &d.utm[4],
            page_url: &d.page_url,
            responsible_id,
            updated_at: Utc::now().naive_utc(),
        }
    }
}

/// The card a conversion part stands for: created, linked (if visible), or none.
fn contact_part(
    conn: &mut DbConn,
    actor: &Actor,
    part: &Part<crm_core::ContactDraft>,
    company_id: Option<i64>,
) -> StoreResult<Option<i64>> {
    match part {
        Part::Skip => Ok(None),
        Part::Existing(id) => {
            let seen: Option<i64> = contacts_for(actor, Action::View)
                .filter(contacts::id.eq(id))
                .select(contacts::id)
                .first(conn)
                .optional()?;
            seen.map(Some)
                .ok_or_else(|| Error::invalid("contact", "error-contact-not-found").into())
        }
        Part::New(d) => {
            let mut d = d.clone();
            d.company_id = d.company_id.or(company_id);
            Ok(Some(contact_store::insert(conn, actor, &d)?.id))
        }
    }
}

fn company_part(
    conn: &mut DbConn,
    actor: &Actor,
    part: &Part<crm_core::CompanyDraft>,
) -> StoreResult<Option<i64>> {
    match part {
        Part::Skip => Ok(None),
        Part::Existing(id) => {
            let seen: Option<i64> = companies_for(actor, Action::View)
                .filter(companies::id.eq(id))
                .select(companies::id)
                .first(conn)
                .optional()?;
            seen.map(Some)
                .ok_or_else(|| Error::invalid("company", "error-company-not-found").into())
        }
        Part::New(d) => Ok(Some(company_store::insert(conn, actor, d)?.id)),
    }
}

/// Writes a new lead with its audit entry; the caller puts it on the timeline and tells whom
/// it concerns.
pub(crate) fn insert(
    conn: &mut DbConn,
    actor: &Actor,
    draft: &LeadDraft,
    responsible: Option<i64>,
) -> StoreResult<Lead> {
    let now = Utc::now().naive_utc();
    let id: i64 = diesel::insert_into(leads::table)
        .values((
            LeadChanges::new(draft, responsible),
            leads::status.eq(draft.status.unwrap_or(LeadStatus::New).as_str()),
            leads::created_by.eq(actor.user_id()),
            leads::created_at.eq(now),
        ))
        .returning(leads::id)
        .get_result(conn)?;
    let created = load(conn, actor, id)?;
    audit::record(conn, actor, "create", "lead", id, audit::snapshot(&created))?;
    crate::webhooks::queue(conn, crm_core::webhook::Event::LeadCreated, &created)?;
    Ok(created)
}

impl Store {
    pub fn lead(&self, actor: &Actor, id: i64) -> StoreResult<Lead> {
        self.read(|conn| load(conn, actor, id))
    }

    pub fn create_lead(&self, actor: &Actor, draft: &LeadDraft) -> StoreResult<Lead> {
        let responsible = actor
            .responsible_for(draft.responsible_id)
            .map_err(|code| Error::invalid("responsible_id", code))?;
        self.write(|conn| {
            check_responsible(conn, responsible)?;
            let created = insert(conn, actor, draft, responsible)?;
            crate::activities::card_saved(
                conn,
                actor,
                CardRef::Lead(created.id),
                None,
                created.responsible_id,
                &created.title,
            )?;
            Ok(created)
        })
    }

    pub fn update_lead(&self, actor: &Actor, id: i64, draft: &LeadDraft) -> StoreResult<Lead> {
        let responsible = actor
            .responsible_for(draft.responsible_id)
            .map_err(|code| Error::invalid("responsible_id", code))?;
        self.write(|conn| {
            check_access(conn, actor, id, Action::Edit)?;
            check_responsible(conn, responsible)?;
            let before = load(conn, actor, id)?;
            let status = match (before.status, draft.status) {
                // A converted lead stays converted: its cards exist.
                (LeadStatus::Converted, Some(s)) if s != LeadStatus::Converted => {
                    return Err(Error::invalid("status", "error-lead-converted").into());
                }
                (current, wanted) => wanted.unwrap_or(current),
            };
            diesel::update(leads::table.find(id))
                .set((
                    LeadChanges::new(draft, responsible),
                    leads::status.eq(status.as_str()),
                ))
                .execute(conn)?;
            let after = load(conn, actor, id)?;
            let (card, was) = (CardRef::Lead(id), Some(before.responsible_id));
            crate::activities::card_saved(
                conn,
                actor,
                card,
                was,
                after.responsible_id,
                &after.title,
            )?;
            audit::record(
                conn,
                actor,
                "update",
                "lead",
                id,
                audit::diff(&before, &after),
            )?;
            Ok(after)
        })
    }

    /// Deletes the card with its timeline; returns the storage keys of the files attached there,
    /// for the caller to remove once the transaction has committed.
    pub fn delete_lead(&self, actor: &Actor, id: i64) -> StoreResult<Vec<String>> {
        self.write(|conn| {
            check_access(conn, actor, id, Action::Delete)?;
            let before = load(conn, actor, id)?;
            let files = crate::activities::forget(conn, CardRef::Lead(id))?;
            diesel::delete(leads::table.find(id)).execute(conn)?;
            audit::record(conn, actor, "delete", "lead", id, audit::snapshot(&before))?;
            Ok(files)
        })
    }

    /// The next `limit` leads after id `after` that the actor may see, optionally of one status
    /// (the list page's filter), in id order, for an export.
    pub fn export_leads(
        &self,
        actor: &Actor,
        status: Option<LeadStatus>,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<LeadRow>> {
        self.read(|conn| {
            let mut query = leads_for(actor, Action::View).filter(leads::id.gt(after));
            if let Some(s) = status {
                query = query.filter(leads::status.eq(s.as_str()));
            }
            let rows: Vec<LeadRecord> = query
                .order(leads::id)
                .limit(limit as i64)
                .select(LeadRecord::as_select())
                .load(conn)?;
            rows_of(conn, rows)
        })
    }

    /// One page of the leads the actor may see, newest first, optionally of one status.
    pub fn list_leads(
        &self,
        actor: &Actor,
        status: Option<LeadStatus>,
        q: &ListQuery,
    ) -> StoreResult<Page<LeadRow>> {
        Ok(self.list_leads_after(actor, status, q, None)?.0)
    }

    /// A keyset page of leads, newest first: the page after cursor `after` (made for
    /// created/descending; or the query's page without one), and the next page's cursor.
    pub fn list_leads_after(
        &self,
        actor: &Actor,
        status: Option<LeadStatus>,
        q: &ListQuery,
        after: Option<&Cursor>,
    ) -> StoreResult<(Page<LeadRow>, Option<Cursor>)> {
        let q = ListQuery {
            sort: SortKey::Created,
            desc: true,
            ..q.clone()
        }
        .normalized();
        self.read(|conn| {
            let mut query = leads_for(actor, Action::View);
            if let Some(s) = status {
                query = query.filter(leads::status.eq(s.as_str()));
            }
            if let Some(r) = q.responsible_id {
                query = query.filter(leads::responsible_id.eq(r));
            }
            if let Some(c) = after {
                let (t, id) = (crate::listing::cursor_time(&c.value)?, c.id);
                query = query.filter(
                    leads::created_at
                        .lt(t)
                        .or(leads::created_at.eq(t).and(leads::id.lt(id))),
                );
            }
            let keys: Vec<(i64, NaiveDateTime)> = query
                .order((leads::created_at.desc(), leads::id.desc()))
                .select((leads::id, leads::created_at))
                .offset(if after.is_some() { 0 } else { q.offset() })
                .limit(q.limit_plus_one())
                .load(conn)?;
            let (ids, has_next, next) = crate::listing::keyset_page(
                keys.into_iter()
                    .map(|(id, t)| (id, String::new(), t, t))
                    .collect(),
                &q,
            );
            let rows: Vec<LeadRecord> = leads::table
                .filter(leads::id.eq_any(&ids))
                .select(LeadRecord::as_select())
                .load(conn)?;
            let rows = rows_of(conn, in_order(rows, &ids, |r| r.id))?;
            Ok((
                Page {
                    items: rows,
                    page: q.page,
                    per_page: q.per_page,
                    has_next,
                },
                next,
            ))
        })
    }

    /// Contacts and companies sharing the lead's E.164 phone or e-mail: the cards conversion
    /// offers to link instead of creating new ones.
    pub fn lead_matches(&self, actor: &Actor, lead: &Lead) -> StoreResult<Duplicates> {
        let phones: Vec<String> = lead.phone_e164.iter().cloned().collect();
        let emails: Vec<String> = crm_core::Email::parse(&lead.email)
            .ok()
            .map(|e| e.lower().to_string())
            .into_iter()
            .collect();
        let name_hint = text::fold(&lead.company_name);
        self.read(|conn| {
            let mut found = parties::find_duplicates(conn, actor, &phones, &emails, None)?;
            // A company already on file under the name the lead gave.
            if !name_hint.is_empty() {
                let same: Vec<(i64, String)> = companies_for(actor, Action::View)
                    .filter(companies::sort_name.eq(&name_hint))
                    .select((companies::id, companies::name))
                    .limit(5)
                    .load(conn)?;
                for (id, name) in same {
                    if !found
                        .visible
                        .iter()
                        .any(|d| d.kind == "company" && d.id == id)
                    {
                        found.visible.push(parties::Duplicate {
                            kind: "company",
                            id,
                            name,
                            matched: lead.company_name.clone(),
                        });
                    }
                }
            }
            Ok(found)
        })
    }

    /// Converts a lead in one transaction: the company, then the contact (in that company),
    /// then the deal linked to both, then the lead marked converted with links to all three.
    /// Any failure leaves nothing behind.
    pub fn convert_lead(&self, actor: &Actor, id: i64, c: &Conversion) -> StoreResult<Lead> {
        self.write(|conn| {
            check_access(conn, actor, id, Action::Edit)?;
            let before = load(conn, actor, id)?;
            if before.status == LeadStatus::Converted {
                return Err(Error::Conflict("error-lead-converted").into());
            }
            let company_id = company_part(conn, actor, &c.company)?;
            let contact_id = contact_part(conn, actor, &c.contact, company_id)?;
            let deal_id = match &c.deal {
                Some(d) => {
                    let mut d = d.clone();
                    // A lead from a website form opens its deal in the form's pipeline unless
                    // the converter picked a place.
                    if d.pipeline_id.is_none() && d.stage_id.is_none() {
                        d.pipeline_id = before.pipeline_id;
                    }
                    d.contact_id = contact_id;
                    d.company_id = company_id;
                    if d.source.is_empty() {
                        d.source = before.source.clone();
                    }
                    Some(deals::insert(conn, actor, &d)?.id)
                }
                None => None,
            };
            let now = Utc::now().naive_utc();
            diesel::update(leads::table.find(id))
                .set((
                    leads::status.eq(LeadStatus::Converted.as_str()),
                    leads::contact_id.eq(contact_id),
                    leads::company_id.eq(company_id),
                    leads::deal_id.eq(deal_id),
                    leads::converted_at.eq(now),
                    leads::updated_at.eq(now),
                ))
                .execute(conn)?;
            crate::activities::event(
                conn,
                actor,
                CardRef::Lead(id),
                "converted",
                serde_json::json!({}),
            )?;
            let after = load(conn, actor, id)?;
            audit::record(
                conn,
                actor,
                "convert",
                "lead",
                id,
                audit::diff(&before, &after),
            )?;
            Ok(after)
        })
    }
}

/// List rows of these records, in their order, with the responsible users' names.
fn rows_of(conn: &mut DbConn, rows: Vec<LeadRecord>) -> StoreResult<Vec<LeadRow>> {
    let users = parties::user_names(conn, rows.iter().map(|r| r.responsible_id))?;
    Ok(rows
        .into_iter()
        .map(|r| LeadRow {
            id: r.id,
            title: r.title,
            source: r.source,
            status: status_of(&r.status),
            name: r.name,
            phone: r.phone,
            email: r.email,
            responsible_name: r.responsible_id.and_then(|u| users.get(&u).cloned()),
            created_at: r.created_at.and_utc(),
        })
        .collect())
}
