//! Schema migrations, embedded in the binary: one tree per backend, applied only by explicit
//! command (`crm install`, `crm migrate`), never behind the admin's back.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::conn::{DbConn, Store};
use crate::error::{StoreError, StoreResult};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

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

impl Store {
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
        let m = match self.backend() {
            crate::Backend::Sqlite => SQLITE,
            crate::Backend::Postgres => POSTGRES,
        };
        diesel::migration::MigrationSource::<crate::conn::Db>::migrations(&m)
            .ok()
            .and_then(|all| all.iter().map(|m| m.name().version().to_string()).max())
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
