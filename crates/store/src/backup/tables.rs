//! What a backup holds: the tables in an order that satisfies every foreign key, each column's
//! portable kind, and the conversion of values between the backends and the archive's JSON.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::conn::DbConn;
use crate::error::{StoreError, StoreResult};

/// Every table of the schema, parents before children, with the key rows are read in.
/// Dumping in this order and loading in the same order satisfies every foreign key.
pub(crate) const TABLES: &[(&str, &str)] = &[
    ("users", "id"),
    ("sessions", "id"),
    ("api_tokens", "id"),
    ("companies", "id"),
    ("contacts", "id"),
    ("phones", "id"),
    ("emails", "id"),
    ("tags", "id"),
    ("search_terms", "id"),
    ("audit_log", "id"),
    ("pipelines", "id"),
    ("stages", "id"),
    ("lost_reasons", "id"),
    ("products", "id"),
    ("product_terms", "id"),
    ("deals", "id"),
    ("deal_lines", "id"),
    ("deal_tags", "id"),
    ("deal_stage_changes", "id"),
    ("leads", "id"),
    ("departments", "id"),
    ("department_members", "user_id"),
    ("activities", "id"),
    ("attachments", "id"),
    ("tasks", "id"),
    ("task_comments", "id"),
    ("notifications", "id"),
    ("jobs", "id"),
    ("imports", "id"),
    ("import_failures", "id"),
    ("import_mappings", "id"),
    ("webhooks", "id"),
    ("webhook_deliveries", "id"),
    ("idempotency_keys", "id"),
    ("lead_forms", "id"),
    ("lead_form_entries", "lead_id"),
];

/// Tables the database keeps itself (triggers fill them as rows are loaded): never archived,
/// emptied before a restore.
pub(crate) const DERIVED: &[&str] = &["deal_totals"];

/// A column's type as the archive knows it, the same on both backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Int,
    Bool,
    Text,
    /// UTC, microseconds, written `YYYY-MM-DDTHH:MM:SS.ffffff`.
    Timestamp,
    Date,
}

/// One column of an archived table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
}

/// A column of the live database: its portable kind and, for binding on PostgreSQL, whether
/// the integer is 32 bits wide.
#[derive(Debug, Clone)]
pub(crate) struct LiveColumn {
    pub column: Column,
    pub narrow: bool,
}

#[derive(QueryableByName)]
struct CatalogRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    ty: String,
}

/// The columns of `table` in the live database, in their order; empty if there is no such table.
pub(crate) fn columns(conn: &mut DbConn, table: &str) -> StoreResult<Vec<LiveColumn>> {
    let rows: Vec<CatalogRow> = match conn {
        DbConn::Sqlite(_) => diesel::sql_query(
            "SELECT name, upper(type) AS ty FROM pragma_table_info(?) ORDER BY cid",
        )
        .bind::<Text, _>(table)
        .load(conn)?,
        DbConn::Pg(_) => diesel::sql_query(
            "SELECT column_name::text AS name, data_type::text AS ty \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 \
             ORDER BY ordinal_position",
        )
        .bind::<Text, _>(table)
        .load(conn)?,
    };
    rows.into_iter()
        .map(|r| {
            let (kind, narrow) = match r.ty.as_str() {
                "BIGINT" | "bigint" => (Kind::Int, false),
                "INTEGER" => (Kind::Int, false),
                "integer" | "smallint" => (Kind::Int, true),
                "BOOLEAN" | "boolean" => (Kind::Bool, false),
                "TEXT" | "text" | "character varying" => (Kind::Text, false),
                "TIMESTAMP" | "timestamp without time zone" => (Kind::Timestamp, false),
                "DATE" | "date" => (Kind::Date, false),
                other => {
                    return Err(StoreError::Backup(format!(
                        "column {table}.{} has a type backups do not know: {other}",
                        r.name
                    )));
                }
            };
            Ok(LiveColumn {
                column: Column { name: r.name, kind },
                narrow,
            })
        })
        .collect()
}

/// Names of the tables in the live database (the migrations' own bookkeeping excluded).
pub(crate) fn table_names(conn: &mut DbConn) -> StoreResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let sql = match conn {
        DbConn::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations'"
        }
        DbConn::Pg(_) => {
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name <> '__diesel_schema_migrations'"
        }
    };
    let names: Vec<Name> = diesel::sql_query(sql).load(conn)?;
    Ok(names.into_iter().map(|n| n.name).collect())
}

/// The SQL expression that renders a row of `columns` as one JSON array of text.
pub(crate) fn row_json(conn: &DbConn, columns: &[LiveColumn]) -> String {
    let list = columns
        .iter()
        .map(|c| format!("\"{}\"", c.column.name))
        .collect::<Vec<_>>()
        .join(", ");
    match conn {
        DbConn::Sqlite(_) => format!("json_array({list})"),
        DbConn::Pg(_) => format!("json_build_array({list})::text"),
    }
}

const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f";

/// Brings one value as a backend rendered it into the archive's form: booleans as `true`/`false`
/// (SQLite keeps 0/1), times as `YYYY-MM-DDTHH:MM:SS.ffffff` (SQLite keeps them as typed).
pub(crate) fn portable(kind: Kind, value: Value) -> Result<Value, String> {
    Ok(match (kind, value) {
        (_, Value::Null) => Value::Null,
        (Kind::Int, v @ Value::Number(_)) if v.is_i64() => v,
        (Kind::Bool, Value::Bool(b)) => Value::Bool(b),
        (Kind::Bool, Value::Number(n)) => Value::Bool(n.as_i64() != Some(0)),
        (Kind::Text, v @ Value::String(_)) => v,
        (Kind::Timestamp, Value::String(s)) => {
            Value::String(parse_time(&s)?.format(TIME_FORMAT).to_string())
        }
        (Kind::Date, Value::String(s)) => Value::String(parse_date(&s)?.to_string()),
        (kind, v) => return Err(format!("{v} is not a {kind:?} value")),
    })
}

pub(crate) fn parse_time(s: &str) -> Result<NaiveDateTime, String> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
        .map_err(|_| format!("{s:?} is not a time"))
}

pub(crate) fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("{s:?} is not a date"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_of_both_backends_become_the_same_portable_value() {
        let t = |v| portable(Kind::Timestamp, v).unwrap();
        assert_eq!(
            t(json!("2026-03-29 01:30:00.5")),
            t(json!("2026-03-29T01:30:00.500000"))
        );
        assert_eq!(
            t(json!("2026-03-29 01:30:00")),
            json!("2026-03-29T01:30:00.000000")
        );
        assert_eq!(portable(Kind::Bool, json!(1)).unwrap(), json!(true));
        assert_eq!(portable(Kind::Bool, json!(false)).unwrap(), json!(false));
        assert_eq!(portable(Kind::Int, json!(null)).unwrap(), json!(null));
        assert!(portable(Kind::Int, json!("7")).is_err());
        assert!(portable(Kind::Int, json!(1.5)).is_err());
        assert!(portable(Kind::Date, json!("2026-02-30")).is_err());
    }
}
