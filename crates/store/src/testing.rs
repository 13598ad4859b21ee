//! Fresh databases for tests, on every backend the machine offers: an SQLite file always, and a
//! new PostgreSQL database when `CRM_TEST_POSTGRES_URL` names a server. Each is migrated and is
//! removed again when dropped. Used by this crate's tests and by the web crate's.

use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use rand::Rng;

use crate::conn::{DbConfig, Store};

/// The environment variable naming a PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "CRM_TEST_POSTGRES_URL";

/// A migrated database for one test.
pub struct TestStore {
    pub store: Store,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Pg { admin_url: String, name: String },
}

fn unique_name() -> String {
    let n: u64 = rand::rng().random();
    format!("crm_test_{n:016x}")
}

impl TestStore {
    pub fn sqlite() -> TestStore {
        let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
        let url = format!("sqlite://{}", path.display());
        let store = migrated(&url);
        TestStore {
            store,
            url,
            cleanup: Cleanup::File(path),
        }
    }

    /// A new database on the server at `admin_url` (any database there to connect to).
    pub fn postgres(admin_url: &str) -> TestStore {
        let name = unique_name();
        let mut admin = PgConnection::establish(admin_url)
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={admin_url} does not answer: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("cannot create test database: {e}"));
        let url = with_database(admin_url, &name);
        let store = migrated(&url);
        TestStore {
            store,
            url,
            cleanup: Cleanup::Pg {
                admin_url: admin_url.to_string(),
                name,
            },
        }
    }

    /// One store per available backend: SQLite, then PostgreSQL if configured.
    pub fn each() -> Vec<TestStore> {
        let mut out = vec![TestStore::sqlite()];
        if let Some(url) = postgres_url() {
            out.push(TestStore::postgres(&url));
        }
        out
    }

    pub fn backend_name(&self) -> &'static str {
        self.store.backend().as_str()
    }
}

/// The PostgreSQL server for tests, if one is configured.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty())
}

fn migrated(url: &str) -> Store {
    let store = Store::create(&DbConfig {
        url: url.to_string(),
        pool_size: 4,
    })
    .unwrap_or_else(|e| panic!("cannot open test database: {e}"));
    store
        .migrate()
        .unwrap_or_else(|e| panic!("cannot migrate test database: {e}"));
    store
}

/// `admin_url` with its database name replaced by `name`.
pub fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                // The database, its -wal and -shm, and the copies a restore keeps beside it
                // (`.before-restore-…`): every file whose name starts with the database's.
                let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
                    return;
                };
                let name = name.to_string_lossy();
                for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                    if entry
                        .file_name()
                        .to_string_lossy()
                        .starts_with(name.as_ref())
                    {
                        let _ = std::fs::remove_file(entry.path());
                    }
                }
            }
            Cleanup::Pg { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced() {
        use super::with_database;
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres", "x"),
            "postgres://u:p@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://h/db?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }
}
