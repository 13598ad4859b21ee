//! Schema migrations, embedded in the binary: one tree per backend, applied only by explicit
//! command (`crm install`, `crm migrate`, `crm upgrade`), never behind the admin's back.

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::conn::{DbConn, Store};
use crate::error::{StoreError, StoreResult};

pub(crate) const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub(crate) const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

fn failed(e: impl std::fmt::Display) -> StoreError {
    StoreError::Migration(e.to_string())
}

/// Runs `$body` with `$c` bound to the inner connection and `$m` to its migration tree.
macro_rules! with_harness {
    ($conn:expr, |$c:ident, $m:ident| $body:expr) => {
        match &mut *$conn {
            DbConn::Sqlite($c) => {
                let $m = SQLITE;
                $body
            }
            DbConn::Pg($c) => {
                let $m = POSTGRES;
                $body
            }
        }
    };
}

/// Every version this binary knows for `backend`, oldest first (both trees have the same).
pub(crate) fn versions(backend: crate::Backend) -> Vec<String> {
    fn of<DB: diesel::backend::Backend>(m: &impl MigrationSource<DB>) -> Vec<String> {
        let mut v: Vec<String> = m
            .migrations()
            .map(|all| all.iter().map(|m| m.name().version().to_string()).collect())
            .unwrap_or_default();
        v.sort();
        v
    }
    match backend {
        crate::Backend::Sqlite => of::<diesel::sqlite::Sqlite>(&SQLITE),
        crate::Backend::Postgres => of::<diesel::pg::Pg>(&POSTGRES),
    }
}

/// Applies, in order, the pending migrations up to and including `version`; returns their names.
pub(crate) fn migrate_to(conn: &mut DbConn, version: &str) -> StoreResult<Vec<String>> {
    with_harness!(conn, |c, m| {
        let pending = c.pending_migrations(m).map_err(failed)?;
        let mut done = Vec::new();
        for mig in pending
            .iter()
            .filter(|mig| mig.name().version().to_string().as_str() <= version)
        {
            c.run_migration(mig.as_ref()).map_err(failed)?;
            done.push(mig.name().to_string());
        }
        Ok(done)
    })
}

/// Reverts every applied migration: the schema is dropped, table by table.
pub(crate) fn revert_all(conn: &mut DbConn) -> StoreResult<()> {
    with_harness!(conn, |c, m| {
        c.revert_all_migrations(m).map_err(failed)?;
        Ok(())
    })
}

/// After migrating, before committing: every foreign key holds and the file is sound. On
/// PostgreSQL foreign keys are checked as rows change, so there is nothing left to look at.
pub(crate) fn check(conn: &mut DbConn) -> StoreResult<()> {
    match conn {
        DbConn::Sqlite(c) => check_sqlite(c),
        DbConn::Pg(_) => Ok(()),
    }
}

fn check_sqlite(c: &mut SqliteConnection) -> StoreResult<()> {
    match sqlite_problem(c)? {
        Some(p) => Err(StoreError::Migration(p)),
        None => Ok(()),
    }
}

/// The first thing wrong with a SQLite file's foreign keys or pages.
fn sqlite_problem(c: &mut SqliteConnection) -> StoreResult<Option<String>> {
    #[derive(QueryableByName)]
    struct Problem {
        #[diesel(sql_type = Text)]
        what: String,
    }
    let broken: Vec<Problem> = diesel::sql_query(
        "SELECT \"table\" || ' row ' || COALESCE(rowid, '?') || ' refers to a missing ' || parent AS what \
         FROM pragma_foreign_key_check LIMIT 5",
    )
    .load(c)?;
    if let Some(p) = broken.first() {
        return Ok(Some(format!("foreign key check failed: {}", p.what)));
    }
    let sound: Vec<Problem> =
        diesel::sql_query("SELECT quick_check AS what FROM pragma_quick_check").load(c)?;
    if sound.first().map(|p| p.what.as_str()) != Some("ok") {
        let what = sound
            .into_iter()
            .map(|p| p.what)
            .collect::<Vec<_>>()
            .join("; ");
        return Ok(Some(format!("integrity check failed: {what}")));
    }
    Ok(None)
}

impl Store {
    /// What is wrong with the database's foreign keys or file, if anything (`crm doctor`). On
    /// PostgreSQL foreign keys are checked as rows change.
    pub fn integrity_problem(&self) -> StoreResult<Option<String>> {
        match &mut *self.conn()? {
            DbConn::Sqlite(c) => sqlite_problem(c),
            DbConn::Pg(_) => Ok(None),
        }
    }
}

/// Where the database's schema stands relative to this binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaState {
    Current,
    /// Migrations this binary would apply, oldest first.
    Behind(Vec<String>),
    /// The database was migrated by a newer binary: (its version, the newest this one knows).
    Ahead(String, String),
}

impl Store {
    /// Compares the database's schema with this binary's migrations.
    pub fn schema_state(&self) -> StoreResult<SchemaState> {
        let known = versions(self.backend());
        let latest = known.last().cloned().unwrap_or_default();
        if let Some(applied) = self.schema_version()?
            && applied > latest
        {
            return Ok(SchemaState::Ahead(applied, latest));
        }
        let pending = self.pending_migrations()?;
        Ok(if pending.is_empty() {
            SchemaState::Current
        } else {
            SchemaState::Behind(pending)
        })
    }

    /// Applies every pending migration in ONE transaction and checks the result before it
    /// commits: on any failure the database is exactly as it was. Returns what was applied.
    pub fn upgrade(&self) -> StoreResult<Vec<String>> {
        self.upgrade_with(SQLITE, POSTGRES)
    }

    pub(crate) fn upgrade_with(
        &self,
        sqlite: impl MigrationSource<diesel::sqlite::Sqlite>,
        pg: impl MigrationSource<diesel::pg::Pg>,
    ) -> StoreResult<Vec<String>> {
        fn names(v: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
            v.iter().map(|v| v.to_string()).collect()
        }
        let mut conn = self.conn()?;
        match &mut *conn {
            DbConn::Sqlite(c) => {
                // Writers of a running node wait on busy_timeout instead of failing midway.
                c.batch_execute("PRAGMA busy_timeout = 60000")?;
                SqliteConnection::immediate_transaction(c, |c| {
                    let done = names(c.run_pending_migrations(sqlite).map_err(failed)?);
                    check_sqlite(c)?;
                    Ok(done)
                })
            }
            DbConn::Pg(c) => PgConnection::transaction(c, |c| {
                Ok(names(c.run_pending_migrations(pg).map_err(failed)?))
            }),
        }
    }

    /// Names of the migrations not yet applied, oldest first.
    pub fn pending_migrations(&self) -> StoreResult<Vec<String>> {
        let mut conn = self.conn()?;
        with_harness!(conn, |c, m| {
            let pending = c.pending_migrations(m).map_err(failed)?;
            Ok(pending.iter().map(|m| m.name().to_string()).collect())
        })
    }

    /// Applies every pending migration, each in its own transaction; returns their names.
    pub fn migrate(&self) -> StoreResult<Vec<String>> {
        let mut conn = self.conn()?;
        with_harness!(conn, |c, m| {
            let done = c.run_pending_migrations(m).map_err(failed)?;
            Ok(done.iter().map(|v| v.to_string()).collect())
        })
    }

    /// The newest applied migration's version, `None` on an empty database.
    pub fn schema_version(&self) -> StoreResult<Option<String>> {
        let mut conn = self.conn()?;
        with_harness!(conn, |c, _m| {
            let applied = c.applied_migrations().map_err(failed)?;
            Ok(applied.iter().map(|v| v.to_string()).max())
        })
    }

    /// The newest version this binary knows.
    pub fn latest_schema_version(&self) -> Option<String> {
        versions(self.backend()).pop()
    }

    /// Reverts every applied migration (tests prove each one can go down and up again).
    pub fn revert_all_migrations(&self) -> StoreResult<usize> {
        let mut conn = self.conn()?;
        with_harness!(conn, |c, m| {
            let reverted = c.revert_all_migrations(m).map_err(failed)?;
            Ok(reverted.len())
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    use diesel_migrations::MigrationHarness;

    use crate::conn::DbConn;
    use crate::testing::TestStore;

    #[derive(QueryableByName)]
    struct Pair {
        #[diesel(sql_type = Text)]
        a: String,
        #[diesel(sql_type = Text)]
        b: String,
    }

    fn pairs(conn: &mut DbConn, sqlite: &str, pg: &str) -> BTreeSet<(String, String)> {
        let sql = match conn {
            DbConn::Sqlite(_) => sqlite,
            DbConn::Pg(_) => pg,
        };
        diesel::sql_query(sql)
            .load::<Pair>(conn)
            .unwrap()
            .into_iter()
            .map(|p| (p.a, p.b))
            .collect()
    }

    /// (table, column) of every column `schema.rs` declares.
    fn declared() -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        let mut table = None;
        for line in include_str!("schema.rs").lines().map(str::trim) {
            // `name (id) {`, or `name (key, columns) {` for a composite key.
            if let Some((name, _)) = line.split_once(" (").filter(|_| line.ends_with(") {")) {
                table = Some(name.trim().to_string());
            } else if line == "}" {
                table = None;
            } else if let (Some(t), Some((col, _))) = (&table, line.split_once(" -> ")) {
                out.insert((t.clone(), col.trim().to_string()));
            }
        }
        out
    }

    const COLUMNS_SQLITE: &str = "SELECT m.name AS a, c.name AS b FROM sqlite_master m \
        JOIN pragma_table_info(m.name) c WHERE m.type = 'table' \
        AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'";
    const COLUMNS_PG: &str = "SELECT table_name::text AS a, column_name::text AS b \
        FROM information_schema.columns WHERE table_schema = 'public' \
        AND table_name <> '__diesel_schema_migrations'";

    #[test]
    fn every_migration_tree_ends_with_the_schema_of_schema_rs() {
        let want = declared();
        assert!(want.len() > 50, "schema.rs parsed: {}", want.len());
        for t in TestStore::each() {
            let mut conn = t.store.conn().unwrap();
            let have = pairs(&mut conn, COLUMNS_SQLITE, COLUMNS_PG);
            assert_eq!(have, want, "{}", t.backend_name());
        }
    }

    #[test]
    fn migrations_go_down_and_up_again() {
        for t in TestStore::each() {
            assert!(t.store.revert_all_migrations().unwrap() > 0);
            let mut conn = t.store.conn().unwrap();
            assert!(
                pairs(&mut conn, COLUMNS_SQLITE, COLUMNS_PG).is_empty(),
                "{}: down leaves no table",
                t.backend_name()
            );
            drop(conn);
            assert_eq!(t.store.schema_version().unwrap(), None);
            assert!(!t.store.migrate().unwrap().is_empty());
            assert!(t.store.pending_migrations().unwrap().is_empty());
            assert_eq!(
                t.store.schema_version().unwrap(),
                t.store.latest_schema_version()
            );
        }
    }

    #[test]
    fn every_foreign_key_has_an_index() {
        const FKS_SQLITE: &str = "SELECT m.name AS a, f.\"from\" AS b FROM sqlite_master m \
            JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'";
        // An index led by an expression has no column name there.
        const INDEXED_SQLITE: &str = "SELECT m.name AS a, i.name AS b FROM sqlite_master m \
            JOIN pragma_index_list(m.name) l JOIN pragma_index_info(l.name) i \
            WHERE m.type = 'table' AND i.seqno = 0 AND i.name IS NOT NULL";
        const FKS_PG: &str = "SELECT k.table_name::text AS a, k.column_name::text AS b \
            FROM information_schema.table_constraints c \
            JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name \
            WHERE c.constraint_type = 'FOREIGN KEY' AND c.table_schema = 'public'";
        const INDEXED_PG: &str = "SELECT t.relname::text AS a, a.attname::text AS b FROM pg_index x \
            JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0] \
            WHERE n.nspname = 'public'";
        for t in TestStore::each() {
            let mut conn = t.store.conn().unwrap();
            let fks = pairs(&mut conn, FKS_SQLITE, FKS_PG);
            let indexed = pairs(&mut conn, INDEXED_SQLITE, INDEXED_PG);
            assert!(fks.len() > 10);
            let missing: BTreeMap<_, _> = fks.difference(&indexed).cloned().collect();
            assert!(
                missing.is_empty(),
                "{}: foreign keys without an index: {missing:?}",
                t.backend_name()
            );
        }
    }

    mod failing {
        //! A migration made to fail halfway, after changing schema and data.
        use diesel::backend::Backend;
        use diesel::connection::BoxableConnection;
        use diesel::migration::{
            Migration, MigrationMetadata, MigrationName, MigrationSource, MigrationVersion, Result,
        };

        pub struct Failing;

        impl std::fmt::Display for Failing {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("2999-01-01-000000_made_to_fail")
            }
        }

        impl MigrationName for Failing {
            fn version(&self) -> MigrationVersion<'_> {
                MigrationVersion::from("29990101000000".to_string())
            }
        }

        impl MigrationMetadata for Failing {}

        impl<DB: Backend> Migration<DB> for Failing {
            fn run(&self, conn: &mut dyn BoxableConnection<DB>) -> Result<()> {
                conn.batch_execute(
                    "UPDATE pipelines SET name = 'changed'; \
                     CREATE TABLE upgrade_probe (id BIGINT); \
                     INSERT INTO no_such_table VALUES (1);",
                )?;
                Ok(())
            }
            fn revert(&self, _conn: &mut dyn BoxableConnection<DB>) -> Result<()> {
                Ok(())
            }
            fn metadata(&self) -> &dyn MigrationMetadata {
                self
            }
            fn name(&self) -> &dyn MigrationName {
                self
            }
        }

        /// The real migrations followed by the failing one.
        pub struct Plus<S>(pub S);

        impl<DB: Backend, S: MigrationSource<DB>> MigrationSource<DB> for Plus<S> {
            fn migrations(&self) -> Result<Vec<Box<dyn Migration<DB>>>> {
                let mut all = self.0.migrations()?;
                all.push(Box::new(Failing));
                Ok(all)
            }
        }
    }

    /// Schema objects and every row, as comparable values.
    fn fingerprint(
        t: &TestStore,
    ) -> (
        BTreeSet<(String, String)>,
        BTreeMap<String, crate::backup::Sum>,
    ) {
        let mut conn = t.store.conn().unwrap();
        let schema = pairs(
            &mut conn,
            "SELECT name AS a, COALESCE(sql, '') AS b FROM sqlite_master",
            "SELECT tablename::text AS a, indexdef::text AS b FROM pg_indexes WHERE schemaname = 'public' \
             UNION ALL SELECT table_name::text, column_name::text || ' ' || data_type::text \
             FROM information_schema.columns WHERE table_schema = 'public'",
        );
        drop(conn);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.tar.zst");
        let (_, m) = t
            .store
            .write_archive(dir.path(), &path, "test", chrono::Utc::now())
            .unwrap();
        (schema, m.entries)
    }

    #[test]
    fn a_failing_upgrade_leaves_schema_and_data_exactly_as_before() {
        for t in TestStore::each() {
            // One migration back: the database of an older release, with its data.
            let mut conn = t.store.conn().unwrap();
            match &mut *conn {
                DbConn::Sqlite(c) => drop(c.revert_last_migration(super::SQLITE).unwrap()),
                DbConn::Pg(c) => drop(c.revert_last_migration(super::POSTGRES).unwrap()),
            }
            drop(conn);
            let older = t.store.schema_version().unwrap();
            assert!(matches!(
                t.store.schema_state().unwrap(),
                super::SchemaState::Behind(ref p) if p.len() == 1
            ));
            let before = fingerprint(&t);
            let err = t
                .store
                .upgrade_with(failing::Plus(super::SQLITE), failing::Plus(super::POSTGRES))
                .unwrap_err();
            assert!(err.to_string().contains("no_such_table"), "{err}");
            assert_eq!(
                t.store.schema_version().unwrap(),
                older,
                "{}",
                t.backend_name()
            );
            assert_eq!(fingerprint(&t), before, "{}", t.backend_name());
            // The real upgrade then goes through, checked.
            assert_eq!(t.store.upgrade().unwrap().len(), 1);
            assert_eq!(t.store.schema_state().unwrap(), super::SchemaState::Current);
        }
    }

    #[test]
    fn a_database_migrated_by_a_newer_binary_is_recognised() {
        for t in TestStore::each() {
            let mut conn = t.store.conn().unwrap();
            conn.batch_execute(
                "INSERT INTO __diesel_schema_migrations (version) VALUES ('29990101000000')",
            )
            .unwrap();
            drop(conn);
            assert!(matches!(
                t.store.schema_state().unwrap(),
                super::SchemaState::Ahead(ref db, _) if db == "29990101000000"
            ));
            let dir = tempfile::tempdir().unwrap();
            let err = t
                .store
                .write_archive(
                    dir.path(),
                    &dir.path().join("a.tar.zst"),
                    "manual",
                    chrono::Utc::now(),
                )
                .unwrap_err();
            assert!(err.to_string().contains("newer"), "{err}");
        }
    }
}
