//! Taking a backup: every table read in one snapshot transaction (writers carry on beside it),
//! written as portable JSON lines, then the attached files the snapshot refers to.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde_json::Value;

use super::archive::{About, FORMAT, Manifest, TableEntry, Writer, file_entry};
use super::tables::{self, LiveColumn, TABLES, portable};
use crate::conn::{DbConn, Store};
use crate::error::{StoreError, StoreResult};

/// Rows read per query: keyset pages keep memory flat on tables of millions of rows.
const PAGE: i64 = 5_000;
/// Rows of one table are cut into entries of about this many bytes.
const CHUNK_BYTES: usize = 4 << 20;

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    k: i64,
    #[diesel(sql_type = Text)]
    r: String,
}

/// Where a table's rows are going: chunks of JSON lines into the archive.
struct TableOut<'w> {
    writer: &'w mut Writer,
    entry: TableEntry,
    buf: Vec<u8>,
}

impl TableOut<'_> {
    fn push(&mut self, line: &str) -> StoreResult<()> {
        self.buf.extend_from_slice(line.as_bytes());
        self.buf.push(b'\n');
        self.entry.rows += 1;
        if self.buf.len() >= CHUNK_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> StoreResult<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let name = format!(
            "data/{}/{:06}.jsonl",
            self.entry.name,
            self.entry.chunks.len() + 1
        );
        self.writer.add(&name, &self.buf)?;
        self.entry.chunks.push(name);
        self.buf.clear();
        Ok(())
    }
}

impl Store {
    /// Writes a complete archive of the database and of the attachments in `files_dir` to
    /// `path` (or a numbered name beside it, if taken); returns where. Nothing is left there
    /// unless the archive is complete and on disk.
    pub(crate) fn write_archive(
        &self,
        files_dir: &Path,
        path: &Path,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<(PathBuf, Manifest)> {
        let schema = self.schema_version()?.ok_or_else(|| {
            StoreError::Backup("the database has no schema yet: nothing to back up".into())
        })?;
        if let Some(latest) = self.latest_schema_version()
            && schema > latest
        {
            return Err(StoreError::Backup(format!(
                "the database schema {schema} is newer than this crm knows ({latest}): use the newer crm"
            )));
        }
        let about = About {
            format: FORMAT,
            version: env!("CARGO_PKG_VERSION").into(),
            schema,
            backend: self.backend().as_str().into(),
            created_at: now,
            reason: reason.into(),
        };
        let mut writer = Writer::create(path, &about)?;
        match self.fill(&mut writer, files_dir, about) {
            Ok(manifest) => {
                let path = writer.path().to_path_buf();
                writer.finish(&manifest)?;
                Ok((path, manifest))
            }
            Err(e) => {
                writer.abandon();
                Err(e)
            }
        }
    }

    fn fill(&self, writer: &mut Writer, files_dir: &Path, about: About) -> StoreResult<Manifest> {
        let mut keys = Vec::new();
        let mut conn = self.conn()?;
        let tables = (*conn).transaction(|conn| {
            // One snapshot for every table: on PostgreSQL this must be the first statement of
            // the transaction; SQLite in WAL mode gives a read transaction one snapshot anyway.
            if let DbConn::Pg(c) = conn {
                c.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
            }
            let present = tables::table_names(conn)?;
            if let Some(unknown) = present.iter().find(|t| {
                !TABLES.iter().any(|(n, _)| n == t) && !tables::DERIVED.contains(&t.as_str())
            }) {
                return Err(StoreError::Backup(format!(
                    "table {unknown} is not known to this crm: use the crm that created it"
                )));
            }
            let mut out = Vec::new();
            for (table, key) in TABLES
                .iter()
                .filter(|(t, _)| present.iter().any(|p| p == t))
            {
                let columns = tables::columns(conn, table)?;
                let entry = dump_table(conn, writer, table, key, &columns, &mut keys)?;
                out.push(entry);
            }
            Ok::<_, StoreError>(out)
        })?;
        drop(conn);
        let mut missing_files = Vec::new();
        for key in keys {
            let Some(entry) = file_entry(&key) else {
                return Err(StoreError::Backup(format!(
                    "attachment storage key {key:?} is not a plain path"
                )));
            };
            let path = key
                .split('/')
                .fold(files_dir.to_path_buf(), |p, k| p.join(k));
            if !writer.add_file(&entry, &path)? {
                tracing::warn!(
                    key,
                    "attachment file is gone; it was deleted after the snapshot or lost before"
                );
                missing_files.push(key);
            }
        }
        Ok(Manifest {
            about,
            tables,
            entries: writer.entries.clone(),
            missing_files,
        })
    }
}

fn dump_table(
    conn: &mut DbConn,
    writer: &mut Writer,
    table: &str,
    key: &str,
    columns: &[LiveColumn],
    storage_keys: &mut Vec<String>,
) -> StoreResult<TableEntry> {
    let storage_key = (table == "attachments")
        .then(|| columns.iter().position(|c| c.column.name == "storage_key"))
        .flatten();
    let placeholder = match conn {
        DbConn::Sqlite(_) => "?",
        DbConn::Pg(_) => "$1",
    };
    let sql = format!(
        "SELECT \"{key}\" AS k, {} AS r FROM {table} WHERE \"{key}\" > {placeholder} \
         ORDER BY \"{key}\" LIMIT {PAGE}",
        tables::row_json(conn, columns)
    );
    let mut out = TableOut {
        writer,
        entry: TableEntry {
            name: table.into(),
            columns: columns.iter().map(|c| c.column.clone()).collect(),
            rows: 0,
            chunks: Vec::new(),
        },
        buf: Vec::with_capacity(CHUNK_BYTES + (64 << 10)),
    };
    let mut after = i64::MIN;
    loop {
        let rows: Vec<Row> = diesel::sql_query(&sql)
            .bind::<BigInt, _>(after)
            .load(conn)?;
        for row in &rows {
            let values: Vec<Value> = serde_json::from_str(&row.r)
                .map_err(|e| StoreError::Backup(format!("{table} row {}: {e}", row.k)))?;
            let values = values
                .into_iter()
                .zip(columns)
                .map(|(v, c)| portable(c.column.kind, v))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::Backup(format!("{table} row {}: {e}", row.k)))?;
            if let Some(Value::String(k)) = storage_key.and_then(|i| values.get(i)) {
                storage_keys.push(k.clone());
            }
            let line =
                serde_json::to_string(&values).map_err(|e| StoreError::Backup(e.to_string()))?;
            out.push(&line)?;
        }
        match rows.last() {
            Some(last) if rows.len() as i64 == PAGE => after = last.k,
            _ => break,
        }
    }
    out.flush()?;
    Ok(out.entry)
}
