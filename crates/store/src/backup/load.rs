//! Loading archived rows: multi-row INSERTs with every value bound by its kind, so that the
//! same lines land in SQLite or PostgreSQL.

use diesel::RunQueryDsl;
use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Text, Timestamp};
use serde_json::Value;

use super::tables::{Kind, LiveColumn, parse_date, parse_time};
use crate::conn::{Db, DbConn};
use crate::error::{StoreError, StoreResult};

/// Most values bound in one statement (SQLite allows 32,766, PostgreSQL 65,535).
const MAX_BINDS: usize = 30_000;
const MAX_ROWS: usize = 500;

/// Rows of one table waiting to be inserted.
pub(crate) struct Loader {
    table: String,
    columns: Vec<LiveColumn>,
    pending: Vec<Vec<Value>>,
    per_statement: usize,
    pub rows: u64,
}

impl Loader {
    pub fn new(table: &str, columns: Vec<LiveColumn>) -> Loader {
        let per_statement = (MAX_BINDS / columns.len().max(1)).clamp(1, MAX_ROWS);
        Loader {
            table: table.into(),
            columns,
            pending: Vec::with_capacity(per_statement),
            per_statement,
            rows: 0,
        }
    }

    /// Takes one archived line (a JSON array in column order).
    pub fn push(&mut self, conn: &mut DbConn, line: &str) -> StoreResult<()> {
        let values: Vec<Value> =
            serde_json::from_str(line).map_err(|e| self.bad(format!("unreadable row: {e}")))?;
        self.push_values(conn, values)
    }

    /// Takes one row of values in column order.
    pub fn push_values(&mut self, conn: &mut DbConn, values: Vec<Value>) -> StoreResult<()> {
        if values.len() != self.columns.len() {
            return Err(self.bad(format!(
                "a row has {} values for {} columns",
                values.len(),
                self.columns.len()
            )));
        }
        self.pending.push(values);
        if self.pending.len() >= self.per_statement {
            self.flush(conn)?;
        }
        Ok(())
    }

    fn bad(&self, what: String) -> StoreError {
        StoreError::Backup(format!(
            "table {}, row {}: {what}",
            self.table,
            self.rows + self.pending.len() as u64 + 1
        ))
    }

    pub fn flush(&mut self, conn: &mut DbConn) -> StoreResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pg = matches!(conn, DbConn::Pg(_));
        let names = self
            .columns
            .iter()
            .map(|c| format!("\"{}\"", c.column.name))
            .collect::<Vec<_>>()
            .join(", ");
        let mut sql = format!("INSERT INTO {} ({names}) VALUES ", self.table);
        let mut n = 0;
        for (i, _) in self.pending.iter().enumerate() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for j in 0..self.columns.len() {
                if j > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                if pg {
                    sql.push_str(&format!("${n}"));
                } else {
                    sql.push('?');
                }
            }
            sql.push(')');
        }
        let mut query = diesel::sql_query(sql).into_boxed::<Db>();
        let rows = std::mem::take(&mut self.pending);
        for (i, row) in rows.into_iter().enumerate() {
            for (value, col) in row.into_iter().zip(&self.columns) {
                query = bind(query, col, value).map_err(|e| {
                    StoreError::Backup(format!(
                        "table {}, row {}, column {}: {e}",
                        self.table,
                        self.rows + i as u64 + 1,
                        col.column.name
                    ))
                })?;
            }
        }
        let inserted = query.execute(conn)?;
        self.rows += inserted as u64;
        self.pending = Vec::with_capacity(self.per_statement);
        Ok(())
    }
}

type Query = BoxedSqlQuery<'static, Db, diesel::query_builder::SqlQuery>;

fn bind(q: Query, col: &LiveColumn, v: Value) -> Result<Query, String> {
    let wrong = |v: &Value| format!("{v} is not a {:?} value", col.column.kind);
    Ok(match col.column.kind {
        Kind::Int => {
            let n = match &v {
                Value::Null => None,
                Value::Number(n) => Some(n.as_i64().ok_or_else(|| wrong(&v))?),
                _ => return Err(wrong(&v)),
            };
            if col.narrow {
                let n = n.map(i32::try_from).transpose().map_err(|_| wrong(&v))?;
                q.bind::<Nullable<Integer>, _>(n)
            } else {
                q.bind::<Nullable<BigInt>, _>(n)
            }
        }
        Kind::Bool => match v {
            Value::Null => q.bind::<Nullable<Bool>, _>(None::<bool>),
            Value::Bool(b) => q.bind::<Nullable<Bool>, _>(Some(b)),
            other => return Err(wrong(&other)),
        },
        Kind::Text => match v {
            Value::Null => q.bind::<Nullable<Text>, _>(None::<String>),
            Value::String(s) => q.bind::<Nullable<Text>, _>(Some(s)),
            other => return Err(wrong(&other)),
        },
        Kind::Timestamp => match v {
            Value::Null => q.bind::<Nullable<Timestamp>, _>(None::<chrono::NaiveDateTime>),
            Value::String(s) => q.bind::<Nullable<Timestamp>, _>(Some(parse_time(&s)?)),
            other => return Err(wrong(&other)),
        },
        Kind::Date => match v {
            Value::Null => q.bind::<Nullable<Date>, _>(None::<chrono::NaiveDate>),
            Value::String(s) => q.bind::<Nullable<Date>, _>(Some(parse_date(&s)?)),
            other => return Err(wrong(&other)),
        },
    })
}
