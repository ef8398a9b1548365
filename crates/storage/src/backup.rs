//! Online backups: a consistent copy of the database taken while the server runs and syncs
//! go on.
//!
//! `VACUUM INTO` copies the database as one read transaction sees it: every batch committed
//! before the copy's snapshot is in it whole, every later one is not, and never a part of
//! one. With WAL the writer is not held up meanwhile. The copy is compacted, synced to disk,
//! then opened and checked (`PRAGMA integrity_check`) before the backup is called done.

use crate::{Conn, Query, StorageError};
use crm_domain::TableCounts;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use std::path::Path;
use std::time::{Duration, Instant};

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// Size of the copy, in bytes.
    pub bytes: u64,
    /// What `PRAGMA integrity_check` said of the copy (`ok`).
    pub integrity: String,
    /// The copy's row counts.
    pub counts: TableCounts,
    /// How long it took.
    pub took: Duration,
}

#[derive(diesel::QueryableByName)]
struct Integrity {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}

/// Copies the database at `database` into a new file `target` (which must not exist), then
/// checks the copy. Needs no lock: it only reads the database, beside a running server.
pub fn backup(database: &Path, target: &Path) -> Result<BackupReport, StorageError> {
    let started = Instant::now();
    let file_error =
        |path: &Path, source: std::io::Error| StorageError::File { path: path.display().to_string(), source };
    if !database.is_file() {
        let missing = std::io::Error::new(std::io::ErrorKind::NotFound, "no database there");
        return Err(file_error(database, missing));
    }
    if target.exists() {
        let exists =
            std::io::Error::new(std::io::ErrorKind::AlreadyExists, "a file is already there; choose a new name");
        return Err(file_error(target, exists));
    }
    let mut source = diesel::SqliteConnection::establish(&database.to_string_lossy())?;
    // Wait out the writer's lock rather than fail: the copy's read needs only a snapshot.
    source.batch_execute("PRAGMA busy_timeout = 10000;")?;
    let quoted = target.to_string_lossy().replace('\'', "''");
    source.batch_execute(&format!("VACUUM INTO '{quoted}';"))?;
    drop(source);
    // On disk before it is called a backup.
    std::fs::File::open(target).and_then(|f| f.sync_all()).map_err(|e| file_error(target, e))?;
    let mut copy = Conn::Sqlite(diesel::SqliteConnection::establish(&target.to_string_lossy())?);
    let integrity: Vec<Integrity> = diesel::sql_query("PRAGMA integrity_check").load_in(&mut copy)?;
    let integrity = integrity.into_iter().map(|row| row.integrity_check).collect::<Vec<_>>().join("; ");
    let counts = crate::table_counts(&mut copy)?;
    drop(copy);
    let bytes = std::fs::metadata(target).map_err(|e| file_error(target, e))?.len();
    Ok(BackupReport { bytes, integrity, counts, took: started.elapsed() })
}
