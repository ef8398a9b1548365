//! Opening the database: the settings every connection gets, the read pool, the single
//! guarded writer connection and the embedded migrations applied at start, on SQLite or
//! PostgreSQL.

use crate::backend::{Backend, Location, Query};
use crate::{Conn, StorageError, on_backend};
use crm_domain::WriteFault;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::r2d2::{ManageConnection, Pool};
use diesel::{QueryResult, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The SQLite migrations in `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// The PostgreSQL migrations in `migrations-postgres/`: the same versions, in that
/// engine's SQL.
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations-postgres");

/// The key of the PostgreSQL advisory lock held while migrations run, so that replicas
/// starting together apply them once.
const MIGRATION_LOCK: i64 = 0x0063_726d_7472_6e64; // "crmtrnd"

/// Databases a thread keeps its own read connection to ([`Database::read_on_this_thread`]).
const OWN_CONNECTIONS: usize = 4;

/// Tunables for [`Database::open`].
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Read-only connections kept in the pool.
    pub read_connections: u32,
    /// Read-only connections kept open while idle, opened again in the background when
    /// taken (a server's: a read never waits for a connect). A command that reads briefly
    /// and exits wants 0: a connection opened in the background can still be mid-handshake
    /// when the process exits, and libpq's TLS library does not survive its own clean-up
    /// running beside it.
    pub idle_readers: u32,
    /// How long a statement waits for a lock held by another connection.
    pub busy_timeout: Duration,
    /// The largest the database file may grow, in bytes (SQLite's `max_page_count`): a
    /// write past it fails as [`StorageError::Full`], as on a full disk. `None`: the disk
    /// is the limit.
    pub max_bytes: Option<u64>,
}

impl DbOptions {
    /// For a command that opens the store, does its work and exits (`import`, `export`,
    /// `demo`): no reader is opened in the background.
    pub fn for_command() -> Self {
        Self { idle_readers: 0, ..Self::default() }
    }
}

impl Default for DbOptions {
    fn default() -> Self {
        Self { read_connections: 4, idle_readers: 1, busy_timeout: Duration::from_secs(5), max_bytes: None }
    }
}

/// The store: one writer connection behind a mutex, and a pool of read-only connections.
pub struct Database {
    location: Location,
    options: DbOptions,
    writer: Mutex<Conn>,
    /// The writer's PostgreSQL connection was lost: it is opened again at the next write.
    writer_lost: AtomicBool,
    reads: Pool<Readers>,
    write_fault: Mutex<Option<WriteFault>>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("location", &self.location).finish_non_exhaustive()
    }
}

impl Database {
    /// Opens (creating if needed) the SQLite database file at `path`, its directory
    /// included, and applies pending migrations.
    pub fn open(path: impl AsRef<Path>, options: DbOptions) -> Result<Self, StorageError> {
        Self::connect(&Location::Sqlite(path.as_ref().to_path_buf()), options)
    }

    /// Opens the store at `location` (a SQLite file, created with its directory if needed,
    /// or a PostgreSQL database) and applies pending migrations.
    pub fn connect(location: &Location, options: DbOptions) -> Result<Self, StorageError> {
        match location {
            Location::Sqlite(path) => Self::open_sqlite(path, options),
            Location::Postgres(_) => Self::open_postgres(location, options),
        }
    }

    fn open_postgres(location: &Location, options: DbOptions) -> Result<Self, StorageError> {
        let mut writer = open_writer(location, &options)?;
        migrate(&mut writer)?;
        if options.max_bytes.is_some() {
            log::warn!(
                "CRM_MAX_DATABASE_MB caps a SQLite file only; on PostgreSQL the server's disk and quotas decide"
            );
        }
        let reads = read_pool(location, &options)?;
        Ok(Self {
            location: location.clone(),
            options,
            writer: Mutex::new(writer),
            writer_lost: AtomicBool::new(false),
            reads,
            write_fault: Mutex::new(None),
        })
    }

    fn open_sqlite(path: &Path, options: DbOptions) -> Result<Self, StorageError> {
        let path = path.to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| StorageError::File { path: dir.display().to_string(), source })?;
        }
        let location = Location::Sqlite(path.clone());
        let mut writer = open_writer(&location, &options)?;
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
            migrate(&mut writer)?;
        } else if let Some(error) = full.take_if(|_| has_pending_migrations(&mut writer).unwrap_or(true)) {
            // Full and behind this version's schema: it could not be read correctly either.
            return Err(error);
        }
        let reads = read_pool(&location, &options)?;
        let db = Self {
            location,
            options,
            writer: Mutex::new(writer),
            writer_lost: AtomicBool::new(false),
            reads,
            write_fault: Mutex::new(None),
        };
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
                    self.location
                );
                *fault = Some(WriteFault { since: chrono::Utc::now(), reason });
            }
            Ok(_) if fault.is_some() => {
                log::warn!("writes to {} succeed again", self.location);
                *fault = None;
            }
            _ => {}
        }
    }

    /// Where the store is.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The engine the store runs on.
    pub fn backend(&self) -> Backend {
        self.location.backend()
    }

    /// The SQLite database file; `None` on PostgreSQL.
    pub fn path(&self) -> Option<&Path> {
        match &self.location {
            Location::Sqlite(path) => Some(path),
            Location::Postgres(_) => None,
        }
    }

    /// Bytes on disk: the SQLite file plus its write-ahead log, or the PostgreSQL
    /// database's size as the server reports it (0 if it cannot be read now).
    pub fn size_bytes(&self) -> u64 {
        match &self.location {
            Location::Sqlite(path) => {
                let wal = PathBuf::from(format!("{}-wal", path.display()));
                [path.as_path(), wal.as_path()].iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum()
            }
            Location::Postgres(_) => self
                .read(|conn| {
                    let size: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                        "pg_database_size(current_database())",
                    ))
                    .get_result_in(conn)?;
                    Ok(size)
                })
                .map_or(0, |size| u64::try_from(size).unwrap_or(0)),
        }
    }

    /// Runs `unit` on the writer connection inside one transaction: all of its writes
    /// land, or none do. Writers queue on the mutex, so SQLite never sees two (its
    /// transaction is immediate); on PostgreSQL the transaction first locks the one row of
    /// `crm_write_lock`, so writes through several replicas also land one at a time.
    pub fn write<T>(&self, unit: impl FnOnce(&mut Conn) -> Result<T, StorageError>) -> Result<T, StorageError> {
        let mut writer = self.lock_writer()?;
        if self.writer_lost.load(Ordering::SeqCst) {
            // Until the server answers again, a write fails as busy: 503, retry later.
            *writer =
                open_writer(&self.location, &self.options).map_err(|error| StorageError::Busy(Box::new(error)))?;
            self.writer_lost.store(false, Ordering::SeqCst);
            log::info!("the writer's connection to {} is back", self.location);
        }
        let begin = match writer.backend() {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN; SELECT 1 FROM crm_write_lock FOR UPDATE",
        };
        let outcome = in_transaction(&mut writer, begin, unit);
        // When a statement fails with SQLITE_FULL, SQLite may end the transaction itself;
        // the unit's error then says only that no transaction was found.
        let outcome = outcome.map_err(|error| explain(&mut writer, error));
        // A PostgreSQL connection that went away (the server restarted, the network cut it)
        // does not come back by itself: when a failed write's connection no longer answers,
        // the next write opens a new one.
        if let (Err(StorageError::Busy(_)), Conn::Postgres(c)) = (&outcome, &mut *writer)
            && diesel::r2d2::R2D2Connection::ping(c).is_err()
        {
            self.writer_lost.store(true, Ordering::SeqCst);
            log::warn!("the writer's connection to {} was lost: the next write opens a new one", self.location);
        }
        drop(writer);
        self.note_write(&outcome);
        outcome
    }

    /// Runs `reads` inside one read transaction on a read-only connection of its own (not
    /// one of the pool's): every query sees the same snapshot of the database however long
    /// the work takes, and the pooled readers that serve requests stay free meanwhile. The
    /// writer is never blocked by it (SQLite's WAL, PostgreSQL's MVCC; the analytics
    /// refresh reads through this).
    pub fn snapshot<T>(&self, reads: impl FnOnce(&mut Conn) -> Result<T, StorageError>) -> Result<T, StorageError> {
        let mut conn = open_reader(&self.location, self.options.busy_timeout)?;
        let begin = match conn.backend() {
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        in_transaction(&mut conn, begin, reads)
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
            static OWN: std::cell::RefCell<Vec<(Location, Conn)>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        OWN.with(|own| {
            let Ok(mut own) = own.try_borrow_mut() else { return self.read(query) };
            let at = match own.iter().position(|(location, _)| *location == self.location) {
                Some(at) => at,
                None => {
                    let mut conn = open_reader(&self.location, self.options.busy_timeout)?;
                    if let Conn::Sqlite(_) = conn {
                        conn.batch_execute("PRAGMA cache_size = -2048;")?;
                    }
                    if own.len() == OWN_CONNECTIONS {
                        own.remove(0);
                    }
                    own.push((self.location.clone(), conn));
                    own.len() - 1
                }
            };
            let outcome = query(&mut own[at].1);
            // A connection the server dropped is not kept: the next read opens a new one.
            if outcome.is_err() && on_backend!(&mut own[at].1, c => diesel::r2d2::R2D2Connection::is_broken(c)) {
                own.remove(at);
            }
            outcome
        })
    }

    /// Hands back the writer's page cache (SQLite's `PRAGMA shrink_memory`): the pages it
    /// holds after a bulk of writes to tables the next writes will not touch (a refresh's
    /// derived tables and card rows) are memory the process would otherwise keep until the
    /// cache turns over. The cache fills again as writes need pages. Nothing to do on
    /// PostgreSQL, whose cache is the server's.
    pub fn release_writer_cache(&self) -> Result<(), StorageError> {
        let mut writer = self.lock_writer()?;
        if let Conn::Sqlite(_) = &*writer {
            writer.batch_execute("PRAGMA shrink_memory;")?;
        }
        Ok(())
    }

    /// The writer, replaced by a fresh connection if a panic left the old one mid-transaction.
    fn lock_writer(&self) -> Result<MutexGuard<'_, Conn>, StorageError> {
        match self.writer.lock() {
            Ok(guard) => Ok(guard),
            Err(poisoned) => {
                let mut guard = poisoned.into_inner();
                *guard = open_writer(&self.location, &self.options)?;
                self.writer.clear_poison();
                log::warn!("writer connection reopened after a panic during a write");
                Ok(guard)
            }
        }
    }
}

/// Runs `unit` between `begin` and a commit, rolling back if it fails: diesel's own
/// transaction, taken apart so that `unit` gets the [`Conn`] of either engine.
fn in_transaction<T>(
    conn: &mut Conn,
    begin: &str,
    unit: impl FnOnce(&mut Conn) -> Result<T, StorageError>,
) -> Result<T, StorageError> {
    on_backend!(&mut *conn, c => AnsiTransactionManager::begin_transaction_sql(c, begin))?;
    match unit(conn) {
        Ok(value) => {
            match on_backend!(&mut *conn, c => <AnsiTransactionManager as TransactionManager<_>>::commit_transaction(c))
            {
                Ok(()) => Ok(value),
                Err(error) => {
                    let _ = on_backend!(&mut *conn, c => <AnsiTransactionManager as TransactionManager<_>>::rollback_transaction(c));
                    Err(error.into())
                }
            }
        }
        Err(error) => {
            // The unit's own error is the answer, whatever the rollback says (SQLite may
            // have ended the transaction itself, on a full disk).
            let _ = on_backend!(&mut *conn, c => <AnsiTransactionManager as TransactionManager<_>>::rollback_transaction(c));
            Err(error)
        }
    }
}

/// Applies the pending migrations of the connection's engine. On PostgreSQL they run under
/// an advisory lock, so replicas starting together apply each once. A store whose schema
/// has a migration this version does not know (a newer version migrated it) is refused.
fn migrate(conn: &mut Conn) -> Result<(), StorageError> {
    match conn {
        Conn::Sqlite(c) => {
            refuse_newer_schema(c, MIGRATIONS)?;
            c.run_pending_migrations(MIGRATIONS).map_err(StorageError::Migration)?;
        }
        Conn::Postgres(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(c)?;
            let outcome = refuse_newer_schema(c, POSTGRES_MIGRATIONS).and_then(|()| {
                c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()).map_err(StorageError::Migration)
            });
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(c)?;
            outcome?;
        }
    }
    Ok(())
}

fn has_pending_migrations(conn: &mut Conn) -> Result<bool, StorageError> {
    match conn {
        Conn::Sqlite(c) => c.has_pending_migration(MIGRATIONS),
        Conn::Postgres(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
    }
    .map_err(StorageError::Migration)
}

/// Fails if the store has a migration applied that `known` does not hold: a newer version
/// of crm-trends migrated it, and this one would misread what it writes.
fn refuse_newer_schema<C>(conn: &mut C, known: EmbeddedMigrations) -> Result<(), StorageError>
where
    C: MigrationHarness<C::Backend> + diesel::Connection,
{
    let applied = conn.applied_migrations().map_err(StorageError::Migration)?;
    let ours: Vec<String> = diesel::migration::MigrationSource::<C::Backend>::migrations(&known)
        .map_err(StorageError::Migration)?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    match applied.iter().map(ToString::to_string).find(|version| !ours.contains(version)) {
        Some(version) => Err(StorageError::NewerSchema { version }),
        None => Ok(()),
    }
}

/// A pool of read-only connections.
fn read_pool(location: &Location, options: &DbOptions) -> Result<Pool<Readers>, StorageError> {
    Pool::builder()
        .max_size(options.read_connections.max(1))
        .min_idle(Some(options.idle_readers.min(options.read_connections.max(1))))
        .connection_timeout(Duration::from_secs(10))
        .build(Readers { location: location.clone(), busy_timeout: options.busy_timeout })
        .map_err(StorageError::Pool)
}

/// A new read-only connection: a read path can never write by mistake.
fn open_reader(location: &Location, busy_timeout: Duration) -> Result<Conn, StorageError> {
    let mut conn = location.establish()?;
    match conn {
        Conn::Sqlite(_) => {
            set_common_pragmas(&mut conn, busy_timeout)?;
            conn.batch_execute("PRAGMA query_only = ON;")?;
        }
        Conn::Postgres(_) => {
            conn.batch_execute(&postgres_settings(busy_timeout))?;
            conn.batch_execute("SET default_transaction_read_only = on;")?;
        }
    }
    Ok(conn)
}

/// What every PostgreSQL connection is set to: a lock waited for as long as SQLite's busy
/// timeout, then a clear failure; times read and written in UTC.
fn postgres_settings(busy_timeout: Duration) -> String {
    format!("SET lock_timeout = {}; SET TIME ZONE 'UTC';", busy_timeout.as_millis())
}

/// The writer connection: on SQLite with the pragmas below, on PostgreSQL with the
/// settings every connection gets.
fn open_writer(location: &Location, options: &DbOptions) -> Result<Conn, StorageError> {
    let mut conn = location.establish()?;
    if let Conn::Postgres(_) = conn {
        conn.batch_execute(&postgres_settings(options.busy_timeout))?;
        return Ok(conn);
    }
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
         PRAGMA cache_size = -65536;
         -- An erased customer's values are overwritten in the page, not merely unlinked,
         -- where that costs no extra write (docs/operations.md, \"Personal data\").
         PRAGMA secure_delete = FAST;",
    )?;
    if let Some(max_bytes) = options.max_bytes {
        // A cap in pages of the file's own size; SQLite keeps it at least the pages in use.
        let page_size = diesel::sql_query("PRAGMA page_size").get_result_in::<PageSize>(&mut conn)?.page_size;
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
    if conn.backend() != Backend::Sqlite {
        return error;
    }
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
    .get_result_in::<Pages>(conn);
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

/// Opens the pool's read-only connections, on either engine.
#[derive(Debug)]
struct Readers {
    location: Location,
    busy_timeout: Duration,
}

impl ManageConnection for Readers {
    type Connection = Conn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Conn, Self::Error> {
        open_reader(&self.location, self.busy_timeout).map_err(|error| match error {
            StorageError::Connect(error) => diesel::r2d2::Error::ConnectionError(error),
            StorageError::Query(error) => diesel::r2d2::Error::QueryError(error),
            other => diesel::r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(other.to_string())),
        })
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), Self::Error> {
        on_backend!(conn, c => diesel::r2d2::R2D2Connection::ping(c)).map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        on_backend!(conn, c => diesel::r2d2::R2D2Connection::is_broken(c))
    }
}
