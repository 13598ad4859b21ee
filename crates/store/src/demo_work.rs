//! Bulk loading of timelines and tasks (demo and benchmark data): multi-row inserts per batch,
//! each activity filed under its contact and that contact's company, as logging one would.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use crm_core::Actor;
use diesel::prelude::*;

use crate::audit;
use crate::bulk::{ROWS_PER_STATEMENT, advance_sequence, insert_chunks, reserve_ids};
use crate::conn::{DbConn, Store};
use crate::error::StoreResult;
use crate::schema::{activities, contacts, tasks};

/// A logged activity on a contact.
pub struct BulkActivity {
    pub contact_id: i64,
    /// call, meeting, note or email.
    pub kind: &'static str,
    pub occurred_at: NaiveDateTime,
    pub author_id: Option<i64>,
    pub direction: &'static str,
    pub duration_s: Option<i32>,
    pub result: &'static str,
    pub subject: String,
    pub body: String,
}

/// A task, optionally on a contact.
pub struct BulkTask {
    pub title: String,
    pub assignee_id: Option<i64>,
    pub author_id: Option<i64>,
    pub due_at: Option<NaiveDateTime>,
    pub contact_id: Option<i64>,
    pub done_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = activities)]
struct NewActivity {
    id: i64,
    kind: String,
    occurred_at: NaiveDateTime,
    direction: String,
    duration_s: Option<i32>,
    result: String,
    subject: String,
    body: String,
    home: String,
    contact_id: Option<i64>,
    company_id: Option<i64>,
    author_id: Option<i64>,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = tasks)]
struct NewTask {
    id: i64,
    title: String,
    assignee_id: Option<i64>,
    author_id: Option<i64>,
    due_at: Option<NaiveDateTime>,
    contact_id: Option<i64>,
    done_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// The companies of these contacts.
fn companies_of(conn: &mut DbConn, ids: &[i64]) -> StoreResult<HashMap<i64, i64>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<(i64, Option<i64>)> = contacts::table
            .filter(contacts::id.eq_any(chunk))
            .select((contacts::id, contacts::company_id))
            .load(conn)?;
        out.extend(rows.into_iter().filter_map(|(c, co)| Some((c, co?))));
    }
    Ok(out)
}

impl Store {
    /// Inserts logged activities in one transaction.
    pub fn bulk_insert_activities(&self, actor: &Actor, rows: &[BulkActivity]) -> StoreResult<()> {
        self.write(|conn| {
            let first = reserve_ids(conn, "activities")?;
            let mut contact_ids: Vec<i64> = rows.iter().map(|r| r.contact_id).collect();
            contact_ids.sort_unstable();
            contact_ids.dedup();
            let companies = companies_of(conn, &contact_ids)?;
            let now = chrono::Utc::now().naive_utc();
            let new: Vec<NewActivity> = rows
                .iter()
                .zip(first..)
                .map(|(r, id)| NewActivity {
                    id,
                    kind: r.kind.to_string(),
                    occurred_at: r.occurred_at,
                    direction: r.direction.to_string(),
                    duration_s: r.duration_s,
                    result: r.result.to_string(),
                    subject: r.subject.clone(),
                    body: r.body.clone(),
                    home: "contact".to_string(),
                    contact_id: Some(r.contact_id),
                    company_id: companies.get(&r.contact_id).copied(),
                    author_id: r.author_id,
                    created_at: now,
                })
                .collect();
            insert_chunks!(conn, activities::table, new);
            advance_sequence(conn, "activities")?;
            let summary = serde_json::json!({ "count": rows.len() });
            audit::record(conn, actor, "bulk_create", "activity", first, summary)
        })
    }

    /// Inserts tasks in one transaction (no reminders are queued for them).
    pub fn bulk_insert_tasks(&self, actor: &Actor, rows: &[BulkTask]) -> StoreResult<()> {
        self.write(|conn| {
            let first = reserve_ids(conn, "tasks")?;
            let new: Vec<NewTask> = rows
                .iter()
                .zip(first..)
                .map(|(r, id)| NewTask {
                    id,
                    title: r.title.clone(),
                    assignee_id: r.assignee_id,
                    author_id: r.author_id,
                    due_at: r.due_at,
                    contact_id: r.contact_id,
                    done_at: r.done_at,
                    created_at: r.created_at,
                    updated_at: r.done_at.unwrap_or(r.created_at),
                })
                .collect();
            insert_chunks!(conn, tasks::table, new);
            advance_sequence(conn, "tasks")?;
            let summary = serde_json::json!({ "count": rows.len() });
            audit::record(conn, actor, "bulk_create", "task", first, summary)
        })
    }
}
