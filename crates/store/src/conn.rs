//! Connections: the backend is picked from the URL's scheme, never guessed; SQLite pragmas are
//! set on every new connection; writes go through one door per backend.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crm_core::Zone;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use serde::{Deserialize, Serialize};

use crate::error::{StoreError, StoreResult};

/// Runs `f` in an SQLite transaction that takes the write lock when it begins: a transaction
/// that reads first and writes later cannot wait for the lock (another process — a second
/// node, a CLI command — would make it fail with "database is locked"), but BEGIN IMMEDIATE
/// waits on busy_timeout like any statement.
fn immediate<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> StoreResult<T>,
) -> StoreResult<T> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    if let DbConn::Sqlite(c) = conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
    }
    type Manager = <DbConn as Connection>::TransactionManager;
    match f(conn) {
        Ok(value) => match Manager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = Manager::rollback_transaction(conn);
                Err(e.into())
            }
        },
        Err(e) => {
            Manager::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// SQLite's page cache per connection, in KiB.
pub(crate) const CACHE_KIB: i64 = 8_000;

/// Sets the page cache of a SQLite connection to `kib` KiB (shrinking drops clean pages).
pub(crate) fn set_cache_size(conn: &mut SqliteConnection, kib: i64) -> QueryResult<()> {
    conn.batch_execute(&format!("PRAGMA cache_size = -{kib}"))
}

/// Foreign key checks on or off and the page cache, on a SQLite connection outside a transaction.
fn bulk_pragmas(conn: &mut DbConn, checks: bool, cache_kib: i64) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => c.batch_execute(&format!(
            "PRAGMA foreign_keys = {}; PRAGMA cache_size = -{cache_kib}",
            if checks { "ON" } else { "OFF" }
        )),
        DbConn::Pg(_) => Ok(()),
    }
}

/// One connection to either backend; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

pub(crate) type Db = MultiBackend;

/// The storage settings of an installation (`[database]` in crm.toml).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbConfig {
    /// `sqlite:///var/lib/crm/crm.db`, `sqlite://relative.db`, or `postgres://user:pass@host/db`.
    pub url: String,
    /// Connections kept open per app node.
    #[serde(default = "default_pool_size")]
    pub pool_size: u32,
}

fn default_pool_size() -> u32 {
    8
}

impl Default for DbConfig {
    fn default() -> Self {
        DbConfig {
            url: "sqlite://crm.db".into(),
            pool_size: default_pool_size(),
        }
    }
}

/// Which database engine an installation runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A parsed database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DbUrl {
    /// `sqlite://PATH` (three slashes for an absolute path), `postgres://` or `postgresql://`.
    /// A bare path is taken as SQLite only when the file exists, so that a typo never yields a
    /// silently empty database.
    pub fn parse(url: &str) -> StoreResult<DbUrl> {
        let url = url.trim();
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(StoreError::Config("the sqlite:// URL names no file".into()));
            }
            return Ok(DbUrl::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_string()));
        }
        if !url.contains("://") && Path::new(url).is_file() {
            return Ok(DbUrl::Sqlite(PathBuf::from(url)));
        }
        Err(StoreError::Config(format!(
            "unsupported database URL {:?}: use sqlite:///path/to/crm.db or postgres://user:password@host/database",
            mask_url(url)
        )))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbUrl::Sqlite(_) => Backend::Sqlite,
            DbUrl::Postgres(_) => Backend::Postgres,
        }
    }
}

/// The URL with any password replaced by `***`, for logs and `crm doctor`.
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// Opens connections of the backend the URL names, and prepares each one.
#[derive(Debug)]
pub(crate) struct Manager {
    url: DbUrl,
    /// Set when a background thread checkpoints the WAL instead of the committing writer.
    manual_checkpoints: Arc<AtomicBool>,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::ConnectionError;

    fn connect(&self) -> Result<DbConn, diesel::ConnectionError> {
        match &self.url {
            DbUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // 16 KiB pages (a new file only; an existing one keeps its size): an import of
                // a million contacts takes a sixth less time than with 4 KiB. WAL lets readers run beside
                // the writer; NORMAL is durable in WAL mode except for the last transactions on
                // power loss; busy_timeout waits instead of failing.
                conn.batch_execute(
                    "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                     PRAGMA temp_store = MEMORY;",
                )
                .and_then(|()| set_cache_size(&mut conn, CACHE_KIB))
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                if self.manual_checkpoints.load(Ordering::Acquire) {
                    conn.batch_execute("PRAGMA wal_autocheckpoint = 0")
                        .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                }
                Ok(DbConn::Sqlite(conn))
            }
            DbUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                conn.batch_execute("SET TIME ZONE 'UTC'")
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Pg(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), diesel::ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

pub(crate) type Pool = r2d2::Pool<Manager>;
pub(crate) type PooledConn = r2d2::PooledConnection<Manager>;

/// The storage of one installation: a connection pool and the write discipline.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    backend: Backend,
    /// SQLite has one writer at a time; queueing writers here, in-process, means they never
    /// meet "database is locked" from each other.
    write_lock: Option<Arc<Mutex<()>>>,
    /// Counts committed transactions that sent notifications (see `notifications`).
    pub(crate) notices: Arc<AtomicU64>,
    /// The installation's time zone, for users who chose none.
    default_zone: Zone,
    manual_checkpoints: Arc<AtomicBool>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Store {
    /// Connects to an existing database. An SQLite file must already exist (`crm install`
    /// creates it): a wrong path must not turn into a new, empty client base.
    pub fn open(config: &DbConfig) -> StoreResult<Store> {
        let url = DbUrl::parse(&config.url)?;
        if let DbUrl::Sqlite(path) = &url
            && !path.is_file()
        {
            return Err(StoreError::Config(format!(
                "the database file {} does not exist: run `crm install` first, or check [database] url",
                path.display()
            )));
        }
        Self::connect(url, config.pool_size)
    }

    /// Connects, creating an SQLite file if there is none (for `crm install` and tests).
    pub fn create(config: &DbConfig) -> StoreResult<Store> {
        let url = DbUrl::parse(&config.url)?;
        if let DbUrl::Sqlite(path) = &url
            && let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display())))?;
        }
        Self::connect(url, config.pool_size)
    }

    fn connect(url: DbUrl, pool_size: u32) -> StoreResult<Store> {
        let backend = url.backend();
        let manual_checkpoints = Arc::new(AtomicBool::new(false));
        let manager = Manager {
            url,
            manual_checkpoints: manual_checkpoints.clone(),
        };
        // One direct attempt first: an unreachable server is reported at once and with its
        // own words, instead of after the pool's time-out.
        r2d2::ManageConnection::connect(&manager)
            .map_err(|e| StoreError::Connect(e.to_string()))?;
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            // The whole pool opens up front: the first burst of users must not wait while
            // connections are made one by one.
            .min_idle(None)
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .map_err(|e| StoreError::Connect(e.to_string()))?;
        Ok(Store {
            pool,
            backend,
            write_lock: (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(()))),
            notices: Arc::new(AtomicU64::new(0)),
            default_zone: Zone::UTC,
            manual_checkpoints,
        })
    }

    /// Sets the zone of users who chose none (the installation's `[web] time_zone`).
    pub fn with_default_zone(mut self, zone: Zone) -> Store {
        self.default_zone = zone;
        self
    }

    pub fn default_zone(&self) -> Zone {
        self.default_zone
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Most connections open at once: more threads waiting on the database would only queue.
    pub fn pool_size(&self) -> u32 {
        self.pool.max_size()
    }

    pub(crate) fn conn(&self) -> StoreResult<PooledConn> {
        Ok(self.pool.get()?)
    }

    /// Runs `f` in a read transaction, so that a page's several queries see one snapshot.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut DbConn) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.conn()?;
        (*conn).transaction(f)
    }

    /// Runs `f` in a write transaction: all of it lands, or none of it. On SQLite writers of
    /// this process queue here first, so they never race each other for the file's write lock
    /// (another process, such as a CLI command, still waits on busy_timeout).
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut DbConn) -> StoreResult<T>) -> StoreResult<T> {
        self.write_as(None, f)
    }

    /// Runs `f` as [`Store::write`] does, for a bulk load: on SQLite with a page cache of
    /// `cache_kib`, and without foreign key checks unless `checks` (they cost a parent lookup
    /// per row, an eighth of an import's time; a load that looked up every reference it writes
    /// in this same transaction does not need them).
    pub(crate) fn write_bulk<T>(
        &self,
        cache_kib: i64,
        checks: bool,
        f: impl FnOnce(&mut DbConn) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.write_as(Some((cache_kib, checks)), f)
    }

    fn write_as<T>(
        &self,
        bulk: Option<(i64, bool)>,
        f: impl FnOnce(&mut DbConn) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let _queue = self
            .write_lock
            .as_ref()
            .map(|lock| lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        let mut conn = self.conn()?;
        crate::notifications::NOTIFIED.with(|n| n.set(false));
        let out = match (&mut *conn, bulk) {
            (DbConn::Sqlite(_), None) => immediate(&mut conn, f),
            (DbConn::Sqlite(_), Some((kib, checks))) => {
                // Outside the transaction: SQLite ignores `foreign_keys` inside one. Checks are
                // turned back on whatever happened, before the connection goes back to the pool.
                let out = match bulk_pragmas(&mut conn, checks, kib) {
                    Ok(()) => immediate(&mut conn, f),
                    Err(e) => Err(e.into()),
                };
                bulk_pragmas(&mut conn, true, CACHE_KIB)?;
                out
            }
            (DbConn::Pg(_), _) => (*conn).transaction(f),
        };
        if crate::notifications::NOTIFIED.with(|n| n.replace(false)) && out.is_ok() {
            self.notices.fetch_add(1, Ordering::AcqRel);
        }
        out
    }

    /// Refreshes the planner's statistics after a bulk load (and, on PostgreSQL, the visibility
    /// map that lets list pages read ids from the index alone). Outside any transaction.
    pub fn optimize(&self) -> StoreResult<()> {
        let mut conn = self.conn()?;
        match &mut *conn {
            DbConn::Sqlite(c) => c.batch_execute("PRAGMA optimize = 0x10002")?,
            DbConn::Pg(c) => c.batch_execute("VACUUM ANALYZE")?,
        }
        Ok(())
    }

    /// Takes SQLite's WAL checkpoints off the commit path; the caller then runs
    /// [`Store::checkpoint`] every second or so. Otherwise the write that happens to cross the
    /// WAL's size limit copies it into the database and waits for the disk — after a backup's
    /// long read, a whole backup's worth of writes (over a second at a million contacts).
    /// Returns false on PostgreSQL, which checkpoints by itself.
    pub fn take_over_checkpoints(&self) -> StoreResult<bool> {
        if self.backend != Backend::Sqlite {
            return Ok(false);
        }
        self.manual_checkpoints.store(true, Ordering::Release);
        // Every pooled connection at once, so that none keeps checkpointing on commit.
        let mut held = Vec::new();
        for _ in 0..self.pool.max_size() {
            let mut c = self.conn()?;
            c.batch_execute("PRAGMA wal_autocheckpoint = 0")?;
            held.push(c);
        }
        Ok(true)
    }

    /// Copies what it can of the WAL into the database file without blocking anyone.
    pub fn checkpoint(&self) -> StoreResult<()> {
        if self.backend == Backend::Sqlite {
            self.conn()?
                .batch_execute("PRAGMA wal_checkpoint(PASSIVE)")?;
        }
        Ok(())
    }

    /// Checks that the database answers.
    pub fn ping(&self) -> StoreResult<()> {
        let mut conn = self.conn()?;
        conn.batch_execute("SELECT 1")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    use crate::testing::TestStore;

    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = Text)]
        compile_options: String,
    }

    /// The flags in `.cargo/config.toml` reached the bundled SQLite. They are lost silently
    /// when the binary is built from outside the workspace: concurrent reads then queue on a
    /// process-wide page cache mutex, and statements are compiled again on every run.
    #[test]
    fn bundled_sqlite_is_built_with_the_workspace_flags() {
        let t = TestStore::sqlite();
        let options: Vec<String> = t
            .store
            .read(|conn| {
                Ok(diesel::sql_query("PRAGMA compile_options").load::<CompileOption>(conn)?)
            })
            .unwrap()
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        let has = |option: &str| options.iter().any(|o| o == option);
        assert!(has("THREADSAFE=2"), "{options:?}");
        assert!(has("DEFAULT_MEMSTATUS=0"), "{options:?}");
        assert!(!has("ENABLE_MEMORY_MANAGEMENT"), "{options:?}");
        assert!(!has("ENABLE_STAT4"), "{options:?}");
    }
}
