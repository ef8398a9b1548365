//! Opening the database: the pragmas every connection gets, the read pool, the single
//! guarded writer connection and the embedded migrations applied at start.

use crate::{Conn, StorageError};
use crm_domain::WriteFault;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::{Connection, QueryResult, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The migrations in `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Databases a thread keeps its own read connection to ([`Database::read_on_this_thread`]).
const OWN_CONNECTIONS: usize = 4;

/// Tunables for [`Database::open`].
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Read-only connections kept in the pool.
    pub read_connections: u32,
    /// How long a statement waits for a lock held by another connection.
    pub busy_timeout: Duration,
    /// The largest the database file may grow, in bytes (SQLite's `max_page_count`): a
    /// write past it fails as [`StorageError::Full`], as on a full disk. `None`: the disk
    /// is the limit.
    pub max_bytes: Option<u64>,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self { read_connections: 4, busy_timeout: Duration::from_secs(5), max_bytes: None }
    }
}

/// The store: one writer connection behind a mutex, and a pool of read-only connections.
pub struct Database {
    path: PathBuf,
    options: DbOptions,
    writer: Mutex<Conn>,
    reads: Pool<ConnectionManager<Conn>>,
    write_fault: Mutex<Option<WriteFault>>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Database {
    /// Opens (creating if needed) the database file at `path`, its directory included,
    /// and applies pending migrations.
    pub fn open(path: impl AsRef<Path>, options: DbOptions) -> Result<Self, StorageError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| StorageError::File { path: dir.display().to_string(), source })?;
        }
        let mut writer = open_writer(&path, &options)?;
        // SQLite opens a file it cannot write read-only without a word, and every write
        // would then fail: find out now, with a write that leaves nothing behind. A full
        // database still opens (its data can be read); the fault is kept for health.
        let mut full = match probe_write(&mut writer) {
            Ok(()) => None,
            Err(error @ StorageError::Full(_)) => {
                let _ = writer.batch_execute("ROLLBACK;");
                Some(error)
            }
            Err(error) => return Err(error),
        };
        if full.is_none() {
            writer.run_pending_migrations(MIGRATIONS).map_err(StorageError::Migration)?;
        } else if let Some(error) = full.take_if(|_| writer.has_pending_migration(MIGRATIONS).unwrap_or(true)) {
            // Full and behind this version's schema: it could not be read correctly either.
            return Err(error);
        }
        let manager = ConnectionManager::<Conn>::new(path.to_string_lossy());
        let reads = Pool::builder()
            .max_size(options.read_connections.max(1))
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .connection_customizer(Box::new(ReadOnly { busy_timeout: options.busy_timeout }))
            .build(manager)
            .map_err(StorageError::Pool)?;
        let db = Self { path, options, writer: Mutex::new(writer), reads, write_fault: Mutex::new(None) };
        if let Some(error) = full {
            db.note_write::<()>(&Err(error));
        }
        Ok(db)
    }

    /// Why writes fail, while a write that failed for a reason only an operator can fix (a
    /// full disk, a read-only file) has not been followed by one that succeeded.
    pub fn write_fault(&self) -> Option<WriteFault> {
        self.write_fault.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Notes what a write's outcome says about writing: a fault that blocks writes is kept
    /// (and logged once, in words an operator can act on), a success clears it.
    fn note_write<T>(&self, outcome: &Result<T, StorageError>) {
        let mut fault = self.write_fault.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match outcome {
            Err(error) if error.blocks_writes() && fault.is_none() => {
                let reason = crate::error_chain(error);
                log::error!(
                    "writes to {} are refused: {reason}. Reads go on and nothing stored is lost; free disk space \
                     (or raise CRM_MAX_DATABASE_MB, or fix the file's permissions) and writes resume",
                    self.path.display()
                );
                *fault = Some(WriteFault { since: chrono::Utc::now(), reason });
            }
            Ok(_) if fault.is_some() => {
                log::warn!("writes to {} succeed again", self.path.display());
                *fault = None;
            }
            _ => {}
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes on disk: the database file plus its write-ahead log.
    pub fn size_bytes(&self) -> u64 {
        let wal = PathBuf::from(format!("{}-wal", self.path.display()));
        [self.path.as_path(), wal.as_path()].iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum()
    }

    /// Runs `unit` on the writer connection inside one immediate transaction: all of its
    /// writes land, or none do. Writers queue on the mutex, so SQLite never sees two.
    pub fn write<T>(&self, unit: impl FnOnce(&mut Conn) -> Result<T, StorageError>) -> Result<T, StorageError> {
        let mut writer = self.lock_writer()?;
        // When a statement fails with SQLITE_FULL, SQLite may end the transaction itself;
        // diesel's rollback then fails ("not in a transaction") and would answer with that
        // instead of the cause. The unit's own error is kept and answered.
        let mut failed = None;
        let outcome = writer.immediate_transaction(|conn| {
            unit(conn).map_err(|error| {
                failed = Some(error);
                StorageError::NotFound
            })
        });
        let outcome = outcome.map_err(|error| explain(&mut writer, failed.take().unwrap_or(error)));
        drop(writer);
        self.note_write(&outcome);
        outcome
    }

    /// Runs `reads` inside one read transaction on a read-only connection of its own (not
    /// one of the pool's): every query sees the same snapshot of the database however long
    /// the work takes, and the pooled readers that serve requests stay free meanwhile. With
    /// WAL, the writer is never blocked by it (the analytics refresh reads through this).
    pub fn snapshot<T>(&self, reads: impl FnOnce(&mut Conn) -> Result<T, StorageError>) -> Result<T, StorageError> {
        let mut conn = Conn::establish(&self.path.to_string_lossy())?;
        set_common_pragmas(&mut conn, self.options.busy_timeout)?;
        conn.batch_execute("PRAGMA query_only = ON;")?;
        conn.transaction(reads)
    }

    /// Runs `query` on a pooled read-only connection.
    pub fn read<T>(&self, query: impl FnOnce(&mut Conn) -> Result<T, StorageError>) -> Result<T, StorageError> {
        let mut conn = self.reads.get().map_err(StorageError::pool_timeout)?;
        query(&mut conn)
    }

    /// Runs a short read on a read-only connection of the calling thread's own, opened on
    /// its first use there and kept for the thread's life (2 MiB of page cache): no wait
    /// for a pooled connection, for a thread that must not wait (an async worker serving a
    /// checkout card). Only for threads that are few and long-lived; any other reads
    /// through [`Database::read`]. A read nested in another falls back to the pool.
    pub fn read_on_this_thread<T>(
        &self,
        query: impl FnOnce(&mut Conn) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        thread_local! {
            static OWN: std::cell::RefCell<Vec<(PathBuf, Conn)>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        OWN.with(|own| {
            let Ok(mut own) = own.try_borrow_mut() else { return self.read(query) };
            let at = match own.iter().position(|(path, _)| *path == self.path) {
                Some(at) => at,
                None => {
                    let mut conn = Conn::establish(&self.path.to_string_lossy())?;
                    set_common_pragmas(&mut conn, self.options.busy_timeout)?;
                    conn.batch_execute("PRAGMA query_only = ON; PRAGMA cache_size = -2048;")?;
                    if own.len() == OWN_CONNECTIONS {
                        own.remove(0);
                    }
                    own.push((self.path.clone(), conn));
                    own.len() - 1
                }
            };
            query(&mut own[at].1)
        })
    }

    /// The writer, replaced by a fresh connection if a panic left the old one mid-transaction.
    fn lock_writer(&self) -> Result<MutexGuard<'_, Conn>, StorageError> {
        match self.writer.lock() {
            Ok(guard) => Ok(guard),
            Err(poisoned) => {
                let mut guard = poisoned.into_inner();
                *guard = open_writer(&self.path, &self.options)?;
                self.writer.clear_poison();
                log::warn!("writer connection reopened after a panic during a write");
                Ok(guard)
            }
        }
    }
}

fn open_writer(path: &Path, options: &DbOptions) -> Result<Conn, StorageError> {
    let mut conn = Conn::establish(&path.to_string_lossy())?;
    set_common_pragmas(&mut conn, options.busy_timeout)?;
    conn.batch_execute(
        // Readers and the writer never block each other; set after busy_timeout so the
        // switch waits for a lock instead of failing with "database is locked".
        "PRAGMA journal_mode = WAL;
         -- Fsync the WAL at every commit: a 2xx answer means the batch survives a power cut.
         -- Batches are large, so this is one fsync per thousand sales.
         PRAGMA synchronous = FULL;
         -- Checkpoint every 20,000 pages (about 80 MiB of WAL) instead of 1,000: pages that
         -- every batch rewrites (index tails, aggregates) are copied to the database once per
         -- checkpoint, not once per batch. Measured: +50% ingest rate (docs/performance.md).
         PRAGMA wal_autocheckpoint = 20000;
         -- The writer gets a 64 MiB page cache so index pages that batches keep touching stay
         -- in memory (readers keep 4 MiB each). Measured: 32 MiB cost the ingest ratio about
         -- 4 points (docs/performance.md).
         PRAGMA cache_size = -65536;",
    )?;
    if let Some(max_bytes) = options.max_bytes {
        // A cap in pages of the file's own size; SQLite keeps it at least the pages in use.
        let page_size = diesel::sql_query("PRAGMA page_size").get_result::<PageSize>(&mut conn)?.page_size;
        let pages = i64::try_from(max_bytes).unwrap_or(i64::MAX) / page_size.max(512);
        conn.batch_execute(&format!("PRAGMA max_page_count = {};", pages.max(1)))?;
    }
    Ok(conn)
}

/// A write that leaves nothing behind: whether the database takes writes now.
fn probe_write(conn: &mut Conn) -> Result<(), StorageError> {
    conn.batch_execute("BEGIN IMMEDIATE; CREATE TABLE crm_write_probe (x INTEGER); ROLLBACK;").map_err(|error| {
        // A failed statement may leave the probe's transaction open.
        let _ = conn.batch_execute("ROLLBACK;");
        StorageError::from(error)
    })
}

/// The cause of a failed write. When a statement fails with `SQLITE_FULL` SQLite ends the
/// transaction itself, and diesel, rolling back the savepoint of a batch insert, reports only
/// that it found none ("no such savepoint", "not in a transaction"). Such a failure with
/// the database at its size cap is the cap's doing. (A full disk shows at the commit, where
/// the write-ahead log is written, and keeps SQLite's own message.)
fn explain(conn: &mut Conn, error: StorageError) -> StorageError {
    let ended = match &error {
        StorageError::Query(diesel::result::Error::NotInTransaction) => true,
        StorageError::Query(diesel::result::Error::DatabaseError(_, info)) => {
            let message = info.message();
            message.contains("no such savepoint") || message.contains("no transaction is active")
        }
        _ => false,
    };
    if !ended {
        return error;
    }
    let pages = diesel::sql_query(
        "SELECT (SELECT page_count FROM pragma_page_count()) AS used, \
                (SELECT max_page_count FROM pragma_max_page_count()) AS cap",
    )
    .get_result::<Pages>(conn);
    match pages {
        // Within a few pages of the cap: the batch had no room.
        Ok(Pages { used, cap }) if used + 64 >= cap => StorageError::Full(Box::new(std::io::Error::other(format!(
            "database or disk is full ({used} of its {cap} pages in use)"
        )))),
        _ => error,
    }
}

/// The database's pages in use, and its cap.
#[derive(diesel::QueryableByName)]
struct Pages {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    used: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    cap: i64,
}

/// `PRAGMA page_size`'s answer.
#[derive(diesel::QueryableByName)]
struct PageSize {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    page_size: i64,
}

fn set_common_pragmas(conn: &mut Conn, busy_timeout: Duration) -> QueryResult<()> {
    conn.batch_execute(&format!(
        // Wait for a competing lock instead of failing at once.
        "PRAGMA busy_timeout = {};
         -- Enforce the references between sales, lines, customers and products.
         PRAGMA foreign_keys = ON;
         -- Sorts and temporary b-trees stay in memory.
         PRAGMA temp_store = MEMORY;
         -- 4 MiB of page cache per connection (negative means KiB): the readers' pages are
         -- the operating system's page cache's to keep; a larger cache here is held per
         -- connection in the process's memory and served cards no faster (measured,
         -- docs/performance.md, issue 23).
         PRAGMA cache_size = -4096;",
        busy_timeout.as_millis()
    ))
}

/// Sets up pooled connections as read-only, so a read path can never write by mistake.
#[derive(Debug)]
struct ReadOnly {
    busy_timeout: Duration,
}

impl CustomizeConnection<Conn, diesel::r2d2::Error> for ReadOnly {
    fn on_acquire(&self, conn: &mut Conn) -> Result<(), diesel::r2d2::Error> {
        set_common_pragmas(conn, self.busy_timeout)
            .and_then(|()| conn.batch_execute("PRAGMA query_only = ON;"))
            .map_err(diesel::r2d2::Error::QueryError)
    }
}
