//! Opening the database: the pragmas every connection gets, the read pool, the single
//! guarded writer connection and the embedded migrations applied at start.

use crate::{Conn, StorageError};
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::{Connection, QueryResult};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The migrations in `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Tunables for [`Database::open`].
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Read-only connections kept in the pool.
    pub read_connections: u32,
    /// How long a statement waits for a lock held by another connection.
    pub busy_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self { read_connections: 4, busy_timeout: Duration::from_secs(5) }
    }
}

/// The store: one writer connection behind a mutex, and a pool of read-only connections.
pub struct Database {
    path: PathBuf,
    options: DbOptions,
    writer: Mutex<Conn>,
    reads: Pool<ConnectionManager<Conn>>,
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
        writer.run_pending_migrations(MIGRATIONS).map_err(StorageError::Migration)?;
        let manager = ConnectionManager::<Conn>::new(path.to_string_lossy());
        let reads = Pool::builder()
            .max_size(options.read_connections.max(1))
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .connection_customizer(Box::new(ReadOnly { busy_timeout: options.busy_timeout }))
            .build(manager)
            .map_err(StorageError::Pool)?;
        Ok(Self { path, options, writer: Mutex::new(writer), reads })
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
        writer.immediate_transaction(unit)
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
         -- in memory (readers keep 16 MiB each).
         PRAGMA cache_size = -65536;",
    )?;
    Ok(conn)
}

fn set_common_pragmas(conn: &mut Conn, busy_timeout: Duration) -> QueryResult<()> {
    conn.batch_execute(&format!(
        // Wait for a competing lock instead of failing at once.
        "PRAGMA busy_timeout = {};
         -- Enforce the references between sales, lines, customers and products.
         PRAGMA foreign_keys = ON;
         -- Sorts and temporary b-trees stay in memory.
         PRAGMA temp_store = MEMORY;
         -- 16 MiB of page cache per connection (negative means KiB).
         PRAGMA cache_size = -16384;",
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
