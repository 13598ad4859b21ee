//! Restoring: the archive is verified completely before anything is touched; the database is
//! rebuilt all-or-nothing (SQLite in a new file renamed into place, PostgreSQL in one
//! transaction); what was there before is set aside, never deleted.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::archive::{FILES, Hashing, Manifest, io, read_entries, safe_key, sync_dir, write_file};
use super::load::Loader;
use super::tables::{self, DERIVED, LiveColumn};
use super::{Reason, verify};
use crate::conn::{DbConfig, DbConn, DbUrl, Store};
use crate::error::{StoreError, StoreResult};

/// Tables the migrations fill with starting data: rows there do not make a database "used".
const SEEDED: &[&str] = &["pipelines", "stages", "lost_reasons"];

/// Rows per table, and the migrations applied after loading.
type Loaded = (Vec<(String, u64)>, Vec<String>);

/// Where a restore goes.
#[derive(Debug, Clone)]
pub struct RestoreTarget {
    pub database: DbConfig,
    pub files_dir: PathBuf,
    /// Where a safety archive of a PostgreSQL database goes before `force` replaces it.
    pub backup_folder: PathBuf,
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub manifest: Manifest,
    /// Rows per table as counted in the restored database, in loading order.
    pub counts: Vec<(String, u64)>,
    pub files: usize,
    /// Where the previous database and files were put.
    pub set_aside: Vec<PathBuf>,
    /// Migrations applied after loading an archive of an older schema.
    pub migrated: Vec<String>,
}

fn refuse(what: String) -> StoreError {
    StoreError::Backup(what)
}

/// Restores `archive` into `target`. A database that holds data is replaced only with `force`.
pub fn restore(
    archive: &Path,
    target: &RestoreTarget,
    force: bool,
    now: DateTime<Utc>,
) -> StoreResult<Restored> {
    let manifest = verify(archive)?;
    let url = DbUrl::parse(&target.database.url)?;
    let known = super::super::migrations::versions(url.backend());
    let schema = &manifest.about.schema;
    if known.last().is_some_and(|latest| schema > latest) {
        return Err(refuse(format!(
            "the archive has schema {schema}, newer than this crm knows ({}): restore it with the crm that wrote it ({})",
            known.last().map(String::as_str).unwrap_or("none"),
            manifest.about.version
        )));
    }
    if !known.contains(schema) {
        return Err(refuse(format!(
            "the archive has schema {schema}, which this crm does not know"
        )));
    }
    let stamp = now.format("%Y%m%d-%H%M%SZ").to_string();
    let files_tmp = sibling(&target.files_dir, "restoring");
    remove_dir(&files_tmp)?;
    let mut set_aside = Vec::new();
    let (counts, migrated) = match &url {
        DbUrl::Sqlite(path) => {
            if path.is_file() {
                let store = Store::open(&target.database)?;
                if store.holds_data()? && !force {
                    return Err(in_use(path.display()));
                }
            }
            let tmp = sibling(path, "restoring");
            remove_sqlite(&tmp)?;
            let loaded = (|| {
                let store = Store::create(&DbConfig {
                    url: format!("sqlite://{}", tmp.display()),
                    pool_size: 1,
                })?;
                let out = store.load(archive, &manifest, &files_tmp, false)?;
                drop(store);
                std::fs::File::open(&tmp)
                    .and_then(|f| f.sync_all())
                    .map_err(io(tmp.display()))?;
                Ok(out)
            })();
            let loaded = match loaded {
                Ok(l) => l,
                Err(e) => {
                    let _ = remove_sqlite(&tmp);
                    let _ = remove_dir(&files_tmp);
                    return Err(e);
                }
            };
            set_aside.extend(swap_files(&target.files_dir, &files_tmp, &stamp)?);
            if path.is_file() {
                let aside = sibling(path, &format!("before-restore-{stamp}"));
                for suffix in ["", "-wal", "-shm"] {
                    let from = with_suffix(path, suffix);
                    if from.exists() {
                        std::fs::rename(&from, with_suffix(&aside, suffix))
                            .map_err(io(from.display()))?;
                    }
                }
                set_aside.push(aside);
            }
            std::fs::rename(&tmp, path).map_err(io(path.display()))?;
            sync_dir(path);
            loaded
        }
        DbUrl::Postgres(_) => {
            let store = Store::open(&target.database)?;
            let used = store.holds_data()?;
            if used && !force {
                return Err(in_use("the PostgreSQL database"));
            }
            if used {
                let safety = store.backup(
                    &target.files_dir,
                    &target.backup_folder,
                    Reason::PreRestore,
                    now,
                )?;
                set_aside.push(safety.path);
            }
            let loaded = store.load(archive, &manifest, &files_tmp, true);
            let loaded = match loaded {
                Ok(l) => l,
                Err(e) => {
                    let _ = remove_dir(&files_tmp);
                    return Err(e);
                }
            };
            set_aside.extend(swap_files(&target.files_dir, &files_tmp, &stamp)?);
            loaded
        }
    };
    Ok(Restored {
        files: manifest.files(),
        manifest,
        counts,
        set_aside,
        migrated,
    })
}

fn in_use(what: impl std::fmt::Display) -> StoreError {
    refuse(format!(
        "{what} already holds data: restore into an empty database, or add --force to set the current data aside (nothing is deleted)"
    ))
}

/// `path` with `.suffix` added to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!("{name}.{suffix}"))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn remove_sqlite(path: &Path) -> StoreResult<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let p = with_suffix(path, suffix);
        if p.exists() {
            std::fs::remove_file(&p).map_err(io(p.display()))?;
        }
    }
    Ok(())
}

fn remove_dir(path: &Path) -> StoreResult<()> {
    if path.exists() {
        std::fs::remove_dir_all(path).map_err(io(path.display()))?;
    }
    Ok(())
}

/// Puts the restored files in place, the previous ones (if any) aside.
fn swap_files(files_dir: &Path, restored: &Path, stamp: &str) -> StoreResult<Option<PathBuf>> {
    let mut aside = None;
    let used = std::fs::read_dir(files_dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if used {
        let to = sibling(files_dir, &format!("before-restore-{stamp}"));
        std::fs::rename(files_dir, &to).map_err(io(files_dir.display()))?;
        aside = Some(to);
    } else if files_dir.exists() {
        std::fs::remove_dir(files_dir).map_err(io(files_dir.display()))?;
    }
    if restored.exists() {
        std::fs::rename(restored, files_dir).map_err(io(files_dir.display()))?;
    } else {
        std::fs::create_dir_all(files_dir).map_err(io(files_dir.display()))?;
    }
    sync_dir(files_dir);
    Ok(aside)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut DbConn, table: &str) -> StoreResult<u64> {
    let c: Count =
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result(conn)?;
    Ok(c.n as u64)
}

impl Store {
    /// Whether any table but those the migrations seed has a row.
    pub fn holds_data(&self) -> StoreResult<bool> {
        let mut conn = self.conn()?;
        let present = tables::table_names(&mut conn)?;
        for t in present {
            if SEEDED.contains(&t.as_str()) || DERIVED.contains(&t.as_str()) {
                continue;
            }
            let c: Count = diesel::sql_query(format!(
                "SELECT COUNT(*) AS n FROM (SELECT 1 FROM {t} LIMIT 1) x"
            ))
            .get_result(&mut *conn)?;
            if c.n > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Builds the archive's database in one transaction: (on `wipe`, the old schema dropped,)
    /// the schema of the archive, its rows, the files into `files_tmp`, then the migrations
    /// the archive predates. Returns the rows counted per table and the migrations applied.
    fn load(
        &self,
        archive: &Path,
        manifest: &Manifest,
        files_tmp: &Path,
        wipe: bool,
    ) -> StoreResult<Loaded> {
        let mut conn = self.conn()?;
        if let DbConn::Sqlite(c) = &mut *conn {
            // A new file that is renamed into place only when complete: no journal needed.
            c.batch_execute(
                "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;",
            )?;
        }
        (*conn).transaction(|conn| {
            if wipe {
                crate::migrations::revert_all(conn)?;
            }
            crate::migrations::migrate_to(conn, &manifest.about.schema)?;
            let present = tables::table_names(conn)?;
            for t in manifest.tables.iter().rev() {
                conn.batch_execute(&format!("DELETE FROM {}", t.name))?;
            }
            for d in DERIVED.iter().filter(|d| present.iter().any(|p| p == *d)) {
                conn.batch_execute(&format!("DELETE FROM {d}"))?;
            }
            let chunk_table: HashMap<&str, usize> = manifest
                .tables
                .iter()
                .enumerate()
                .flat_map(|(i, t)| t.chunks.iter().map(move |c| (c.as_str(), i)))
                .collect();
            let mut current: Option<(usize, Loader)> = None;
            read_entries(archive, |name, r| {
                if let Some(&i) = chunk_table.get(name) {
                    if current.as_ref().is_none_or(|(c, _)| *c != i) {
                        if let Some((_, mut done)) = current.take() {
                            done.flush(conn)?;
                        }
                        let table = &manifest.tables[i];
                        current = Some((i, Loader::new(&table.name, matching(conn, table)?)));
                    }
                    if let Some((_, loader)) = current.as_mut() {
                        for line in std::io::BufReader::new(r).lines() {
                            let line = line.map_err(io(name))?;
                            loader.push(conn, &line)?;
                        }
                    }
                } else if let Some(key) = name.strip_prefix(FILES) {
                    let want = manifest.entries.get(name);
                    if !safe_key(key) || want.is_none() {
                        return Err(refuse(format!("unexpected entry {name}")));
                    }
                    let path = key.split('/').fold(files_tmp.to_path_buf(), |p, k| p.join(k));
                    let mut hashing = Hashing::new(r);
                    write_file(&path, &mut hashing)?;
                    if Some(&hashing.sum()) != want {
                        return Err(refuse(format!("{name} changed since it was verified")));
                    }
                }
                Ok(true)
            })?;
            if let Some((_, mut done)) = current.take() {
                done.flush(conn)?;
            }
            let mut counts = Vec::new();
            for t in &manifest.tables {
                let n = count(conn, &t.name)?;
                if n != t.rows {
                    return Err(refuse(format!(
                        "table {} has {n} rows after loading, the manifest says {}",
                        t.name, t.rows
                    )));
                }
                counts.push((t.name.clone(), n));
            }
            if let DbConn::Pg(c) = conn {
                for t in manifest.tables.iter().filter(|t| t.columns.iter().any(|c| c.name == "id")) {
                    c.batch_execute(&format!(
                        "SELECT setval(pg_get_serial_sequence('{0}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {0}",
                        t.name
                    ))?;
                }
            }
            let migrated = crate::migrations::migrate_to(conn, "99999999999999")?;
            crate::migrations::check(conn)?;
            Ok((counts, migrated))
        })
    }
}

/// The archive's columns as the live table has them; a column the live table lacks, or of
/// another kind, means the archive does not fit this schema.
fn matching(conn: &mut DbConn, table: &super::archive::TableEntry) -> StoreResult<Vec<LiveColumn>> {
    let live = tables::columns(conn, &table.name)?;
    table
        .columns
        .iter()
        .map(|c| {
            live.iter()
                .find(|l| l.column == *c)
                .cloned()
                .ok_or_else(|| {
                    refuse(format!(
                        "column {}.{} ({:?}) does not exist in this schema",
                        table.name, c.name, c.kind
                    ))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use diesel_migrations::MigrationHarness;

    use super::*;
    use crate::testing::TestStore;

    #[test]
    fn an_archive_of_an_older_schema_is_restored_then_migrated() {
        for old in TestStore::each() {
            let mut conn = old.store.conn().unwrap();
            match &mut *conn {
                DbConn::Sqlite(c) => drop(c.revert_last_migration(crate::migrations::SQLITE)),
                DbConn::Pg(c) => drop(c.revert_last_migration(crate::migrations::POSTGRES)),
            }
            conn.batch_execute(
                "INSERT INTO users (email, email_lower, name, role, password_hash, active, locale, created_at, updated_at) \
                 VALUES ('a@x.org', 'a@x.org', 'Old', 'admin', 'h', TRUE, 'en', '2026-01-02 03:04:05', '2026-01-02 03:04:05')",
            )
            .unwrap();
            drop(conn);
            let dir = tempfile::tempdir().unwrap();
            let archive = dir.path().join("old.tar.zst");
            let (archive, m) = old
                .store
                .write_archive(dir.path(), &archive, "manual", Utc::now())
                .unwrap();
            assert!(Some(&m.about.schema) < old.store.latest_schema_version().as_ref());
            for new in TestStore::each() {
                let target = RestoreTarget {
                    database: DbConfig {
                        url: new.url.clone(),
                        pool_size: 1,
                    },
                    files_dir: dir.path().join("files"),
                    backup_folder: dir.path().join("b"),
                };
                let done = restore(&archive, &target, false, Utc::now()).unwrap();
                assert_eq!(
                    done.migrated.len(),
                    1,
                    "{} -> {}",
                    old.backend_name(),
                    new.backend_name()
                );
                let store = Store::open(&target.database).unwrap();
                assert_eq!(store.schema_state().unwrap(), crate::SchemaState::Current);
                assert_eq!(store.users().unwrap().len(), 1);
            }
        }
    }
}
