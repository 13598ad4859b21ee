//! The audit log: who changed what, when, with old and new values, written in the same
//! transaction as the change itself.

use chrono::{DateTime, Utc};
use crm_core::Actor;
use diesel::prelude::*;
use serde_json::{Map, Value};

use crate::conn::DbConn;
use crate::error::StoreResult;
use crate::schema::audit_log;

/// Field-by-field differences `{field: [old, new]}` between two snapshots of a record.
pub(crate) fn diff(old: &impl serde::Serialize, new: &impl serde::Serialize) -> Value {
    let (Ok(Value::Object(old)), Ok(Value::Object(new))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return Value::Null;
    };
    let mut out = Map::new();
    for (k, v) in &new {
        let before = old.get(k).cloned().unwrap_or(Value::Null);
        if &before != v {
            out.insert(k.clone(), Value::Array(vec![before, v.clone()]));
        }
    }
    Value::Object(out)
}

/// A snapshot as the "new" side of a creation or the "old" side of a deletion.
pub(crate) fn snapshot(record: &impl serde::Serialize) -> Value {
    serde_json::to_value(record).unwrap_or(Value::Null)
}

pub(crate) fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    object_kind: &str,
    object_id: i64,
    changes: Value,
) -> StoreResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(Utc::now().naive_utc()),
            audit_log::user_id.eq(actor.user_id()),
            audit_log::action.eq(action),
            audit_log::object_kind.eq(object_kind),
            audit_log::object_id.eq(object_id),
            audit_log::changes.eq(changes.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditEntry {
    pub at: chrono::DateTime<Utc>,
    pub user_id: Option<i64>,
    pub action: String,
    pub changes: Value,
}

impl crate::Store {
    /// The history of one record, oldest first. Admins only.
    pub fn audit_entries(
        &self,
        actor: &Actor,
        object_kind: &str,
        object_id: i64,
    ) -> StoreResult<Vec<AuditEntry>> {
        if !actor.is_admin() {
            return Err(crm_core::Error::Forbidden.into());
        }
        self.read(|conn| {
            let rows: Vec<(chrono::NaiveDateTime, Option<i64>, String, String)> = audit_log::table
                .filter(audit_log::object_kind.eq(object_kind))
                .filter(audit_log::object_id.eq(object_id))
                .order(audit_log::id)
                .select((
                    audit_log::at,
                    audit_log::user_id,
                    audit_log::action,
                    audit_log::changes,
                ))
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(|(at, user_id, action, changes)| AuditEntry {
                    at: at.and_utc(),
                    user_id,
                    action,
                    changes: serde_json::from_str(&changes).unwrap_or(Value::Null),
                })
                .collect())
        })
    }
}

impl crate::Store {
    /// Writes down that `actor` is exporting the `kind` list with these filters (before the
    /// first row leaves, so that an export broken off midway is on record too).
    pub fn record_export(&self, actor: &Actor, kind: &str, filters: Value) -> StoreResult<()> {
        self.write(|conn| record(conn, actor, "export", kind, 0, filters))
    }
}

/// The database server's clock (PostgreSQL only) and the newest audit entry's time.
pub type Clocks = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

impl crate::Store {
    /// The database server's clock and the time of the newest audit entry, for `crm doctor`: a
    /// server clock that disagrees with this machine's, or entries "from the future", mean a
    /// clock was wrong or went back.
    pub fn clocks(&self) -> StoreResult<Clocks> {
        #[derive(QueryableByName)]
        struct Now {
            #[diesel(sql_type = diesel::sql_types::Timestamp)]
            now: chrono::NaiveDateTime,
        }
        self.read(|conn| {
            let server = match conn {
                DbConn::Pg(_) => Some(
                    diesel::sql_query("SELECT (now() AT TIME ZONE 'UTC') AS now")
                        .get_result::<Now>(conn)?
                        .now
                        .and_utc(),
                ),
                DbConn::Sqlite(_) => None,
            };
            let newest: Option<chrono::NaiveDateTime> = audit_log::table
                .select(diesel::dsl::max(audit_log::at))
                .first(conn)?;
            Ok((server, newest.map(|t| t.and_utc())))
        })
    }
}
