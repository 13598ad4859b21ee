//! Website lead forms: their settings (administrators only) and the posts they receive. A post
//! writes the lead, picks its responsible — one user, or the next member of a department in
//! turn — moves the turn on and notifies, all in one transaction, so that several app nodes
//! sharing a database hand leads out in the same order.

use chrono::{NaiveDateTime, Utc};
use crm_core::lead_form::next_in_turn;
use crm_core::{
    Actor, Assignee, CardRef, Error, FieldSpec, Lead, LeadDraft, LeadForm, LeadFormDraft, Notice,
    NoticeKind, Origin,
};
use diesel::prelude::*;

use crate::conn::{DbConn, Store};
use crate::error::{StoreError, StoreResult};
use crate::schema::{department_members, departments, lead_form_entries, lead_forms, users};
use crate::scope::admin_only;
use crate::{audit, leads, pipelines};

#[derive(Queryable, Selectable)]
#[diesel(table_name = lead_forms)]
struct FormRecord {
    id: i64,
    public_key: String,
    name: String,
    fields: String,
    pipeline_id: Option<i64>,
    responsible_id: Option<i64>,
    department_id: Option<i64>,
    origins: String,
    redirect_url: String,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<FormRecord> for LeadForm {
    type Error = StoreError;

    fn try_from(r: FormRecord) -> StoreResult<LeadForm> {
        let bad = |what: &str| {
            StoreError::Db(diesel::result::Error::DeserializationError(
                format!("lead form {}: {what}", r.id).into(),
            ))
        };
        let fields: Vec<FieldSpec> =
            serde_json::from_str(&r.fields).map_err(|_| bad("fields are not a field list"))?;
        let origins = r
            .origins
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| Origin::parse(l).ok_or_else(|| bad("an origin does not parse")))
            .collect::<StoreResult<Vec<_>>>()?;
        let assignee = match (r.responsible_id, r.department_id) {
            (_, Some(d)) => Assignee::Department(d),
            (Some(u), None) => Assignee::User(u),
            (None, None) => Assignee::Nobody,
        };
        Ok(LeadForm {
            id: r.id,
            key: r.public_key,
            name: r.name,
            fields,
            pipeline_id: r.pipeline_id,
            assignee,
            origins,
            redirect_url: r.redirect_url,
            active: r.active,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        })
    }
}

fn load(conn: &mut DbConn, id: i64) -> StoreResult<LeadForm> {
    lead_forms::table
        .find(id)
        .select(FormRecord::as_select())
        .first(conn)?
        .try_into()
}

/// The pipeline, user and department a form names must exist (the user active).
fn check_refs(conn: &mut DbConn, d: &LeadFormDraft) -> StoreResult<()> {
    if let Some(p) = d.pipeline_id {
        pipelines::load(conn, p)
            .map_err(|_| Error::invalid("pipeline_id", "error-pipeline-not-found"))?;
    }
    match d.assignee {
        Assignee::User(u) => crate::users::check_responsible(conn, Some(u))
            .map_err(|_| Error::invalid("assignee", "error-not-found"))?,
        Assignee::Department(dep) => {
            departments::table
                .find(dep)
                .select(departments::id)
                .first::<i64>(conn)
                .optional()?
                .ok_or_else(|| Error::invalid("assignee", "error-not-found"))?;
        }
        Assignee::Nobody => return Err(Error::invalid("assignee", "error-required").into()),
    }
    Ok(())
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = lead_forms)]
#[diesel(treat_none_as_null = true)]
struct FormChanges<'a> {
    name: &'a str,
    fields: String,
    pipeline_id: Option<i64>,
    responsible_id: Option<i64>,
    department_id: Option<i64>,
    origins: String,
    redirect_url: &'a str,
    active: bool,
    updated_at: NaiveDateTime,
}

impl<'a> FormChanges<'a> {
    fn new(d: &'a LeadFormDraft) -> StoreResult<Self> {
        let (responsible_id, department_id) = match d.assignee {
            Assignee::User(u) => (Some(u), None),
            Assignee::Department(dep) => (None, Some(dep)),
            Assignee::Nobody => (None, None),
        };
        Ok(FormChanges {
            name: &d.name,
            fields: serde_json::to_string(&d.fields)
                .map_err(|e| StoreError::Config(format!("cannot write form fields: {e}")))?,
            pipeline_id: d.pipeline_id,
            responsible_id,
            department_id,
            origins: d
                .origins
                .iter()
                .map(|o| o.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            redirect_url: &d.redirect_url,
            active: d.active,
            updated_at: Utc::now().naive_utc(),
        })
    }
}

/// Who the next lead of `form` goes to; moves a department's turn on. `None` when the user
/// named is no longer active or the department has no active member.
fn responsible_for(conn: &mut DbConn, form: &LeadForm) -> StoreResult<Option<i64>> {
    match form.assignee {
        Assignee::User(u) => Ok(users::table
            .filter(users::id.eq(u))
            .filter(users::active.eq(true))
            .select(users::id)
            .first::<i64>(conn)
            .optional()?),
        Assignee::Department(dep) => {
            let in_department = department_members::table
                .filter(department_members::department_id.eq(dep))
                .select(department_members::user_id);
            let members: Vec<i64> = users::table
                .filter(users::id.eq_any(in_department))
                .filter(users::active.eq(true))
                .select(users::id)
                .load(conn)?;
            let last: Option<i64> = lead_forms::table
                .find(form.id)
                .select(lead_forms::last_assigned_id)
                .first(conn)?;
            let next = next_in_turn(&members, last);
            if next.is_some() {
                diesel::update(lead_forms::table.find(form.id))
                    .set(lead_forms::last_assigned_id.eq(next))
                    .execute(conn)?;
            }
            Ok(next)
        }
        Assignee::Nobody => Ok(None),
    }
}

/// Locks the form's row until the transaction ends, so that two nodes taking posts of the same
/// form at once still give turns one after the other (SQLite's writer lock does it there).
fn lock_form(conn: &mut DbConn, key: &str) -> StoreResult<Option<LeadForm>> {
    let found: Option<FormRecord> = match conn {
        DbConn::Pg(c) => lead_forms::table
            .filter(lead_forms::public_key.eq(key))
            .select(FormRecord::as_select())
            .for_update()
            .first(c)
            .optional()?,
        DbConn::Sqlite(_) => lead_forms::table
            .filter(lead_forms::public_key.eq(key))
            .select(FormRecord::as_select())
            .first(conn)
            .optional()?,
    };
    found.map(LeadForm::try_from).transpose()
}

impl Store {
    /// Every lead form, by name. Administrators only.
    pub fn lead_forms(&self, actor: &Actor) -> StoreResult<Vec<LeadForm>> {
        admin_only(actor)?;
        self.read(|conn| {
            lead_forms::table
                .order((lead_forms::name, lead_forms::id))
                .select(FormRecord::as_select())
                .load(conn)?
                .into_iter()
                .map(LeadForm::try_from)
                .collect()
        })
    }

    pub fn lead_form(&self, actor: &Actor, id: i64) -> StoreResult<LeadForm> {
        admin_only(actor)?;
        self.read(|conn| load(conn, id))
    }

    /// Adds a form with its public `key` and the hash of its token.
    pub fn create_lead_form(
        &self,
        actor: &Actor,
        draft: &LeadFormDraft,
        key: &str,
        token_hash: &str,
    ) -> StoreResult<LeadForm> {
        admin_only(actor)?;
        let changes = FormChanges::new(draft)?;
        self.write(|conn| {
            check_refs(conn, draft)?;
            let id: i64 = diesel::insert_into(lead_forms::table)
                .values((
                    changes,
                    lead_forms::public_key.eq(key),
                    lead_forms::token_hash.eq(token_hash),
                    lead_forms::created_at.eq(Utc::now().naive_utc()),
                ))
                .returning(lead_forms::id)
                .get_result(conn)?;
            let created = load(conn, id)?;
            audit::record(
                conn,
                actor,
                "create",
                "lead_form",
                id,
                audit::snapshot(&created),
            )?;
            Ok(created)
        })
    }

    pub fn update_lead_form(
        &self,
        actor: &Actor,
        id: i64,
        draft: &LeadFormDraft,
    ) -> StoreResult<LeadForm> {
        admin_only(actor)?;
        let changes = FormChanges::new(draft)?;
        self.write(|conn| {
            let before = load(conn, id)?;
            check_refs(conn, draft)?;
            diesel::update(lead_forms::table.find(id))
                .set(changes)
                .execute(conn)?;
            let after = load(conn, id)?;
            audit::record(
                conn,
                actor,
                "update",
                "lead_form",
                id,
                audit::diff(&before, &after),
            )?;
            Ok(after)
        })
    }

    /// Replaces the form's token: the old one stops working at once.
    pub fn set_lead_form_token(&self, actor: &Actor, id: i64, token_hash: &str) -> StoreResult<()> {
        admin_only(actor)?;
        self.write(|conn| {
            let n = diesel::update(lead_forms::table.find(id))
                .set((
                    lead_forms::token_hash.eq(token_hash),
                    lead_forms::updated_at.eq(Utc::now().naive_utc()),
                ))
                .execute(conn)?;
            if n == 0 {
                return Err(Error::NotFound.into());
            }
            audit::record(conn, actor, "token", "lead_form", id, serde_json::json!({}))
        })
    }

    /// Deletes a form; the leads it brought in stay.
    pub fn delete_lead_form(&self, actor: &Actor, id: i64) -> StoreResult<()> {
        admin_only(actor)?;
        self.write(|conn| {
            let before = load(conn, id)?;
            diesel::delete(lead_forms::table.find(id)).execute(conn)?;
            audit::record(
                conn,
                actor,
                "delete",
                "lead_form",
                id,
                audit::snapshot(&before),
            )
        })
    }

    /// The active form at `/f/{key}` and the hash of its token, for the public endpoint.
    pub fn public_lead_form(&self, key: &str) -> StoreResult<Option<(LeadForm, String)>> {
        self.read(|conn| {
            let found: Option<(FormRecord, String)> = lead_forms::table
                .filter(lead_forms::public_key.eq(key))
                .filter(lead_forms::active.eq(true))
                .select((FormRecord::as_select(), lead_forms::token_hash))
                .first(conn)
                .optional()?;
            found
                .map(|(r, hash)| Ok((LeadForm::try_from(r)?, hash)))
                .transpose()
        })
    }

    /// Takes a post of the form at `key`: the lead (with the form's pipeline kept for its
    /// conversion), the responsible's turn, the timeline entry and the notice, in one
    /// transaction. Nobody to give it to (an inactive user, an empty department): the lead
    /// stays unassigned and every active administrator hears of it, so that none is lost.
    pub fn submit_lead_form(&self, key: &str, draft: &LeadDraft) -> StoreResult<Lead> {
        let actor = Actor::system();
        self.write(|conn| {
            let form = lock_form(conn, key)?
                .filter(|f| f.active)
                .ok_or(Error::NotFound)?;
            let responsible = responsible_for(conn, &form)?;
            let mut lead = leads::insert(conn, &actor, draft, responsible)?;
            diesel::insert_into(lead_form_entries::table)
                .values((
                    lead_form_entries::lead_id.eq(lead.id),
                    lead_form_entries::form_id.eq(form.id),
                    lead_form_entries::pipeline_id.eq(form.pipeline_id),
                    lead_form_entries::created_at.eq(Utc::now().naive_utc()),
                ))
                .execute(conn)?;
            lead.pipeline_id = form.pipeline_id;
            let card = CardRef::Lead(lead.id);
            crate::activities::event(
                conn,
                &actor,
                card,
                "created",
                serde_json::json!({ "form": form.name }),
            )?;
            let who = [&lead.name, &lead.company_name, &lead.phone, &lead.email]
                .into_iter()
                .find(|s| !s.is_empty())
                .cloned()
                .unwrap_or_default();
            let to: Vec<i64> = match responsible {
                Some(u) => vec![u],
                None => users::table
                    .filter(users::role.eq("admin"))
                    .filter(users::active.eq(true))
                    .select(users::id)
                    .load(conn)?,
            };
            for uid in to {
                crate::notifications::notify(
                    conn,
                    &Notice::new(uid, NoticeKind::LeadFromForm, card.path())
                        .arg("form", form.name.clone())
                        .arg("who", who.clone()),
                )?;
            }
            Ok(lead)
        })
    }
}
