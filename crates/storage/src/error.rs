//! Errors of the storage layer, typed by what the caller can do about them: retry (busy),
//! fix the request (constraint, not found) or report a fault (everything else). Each keeps
//! its cause as its `source`, so a log shows the whole chain.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use std::error::Error;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// Another connection holds the lock past the busy timeout, or no pooled connection
    /// came free in time: transient, worth retrying.
    #[error("the database is busy")]
    Busy(#[source] Box<dyn Error + Send + Sync>),
    /// The disk, or the database's size cap, is full (`SQLITE_FULL`): writes fail until
    /// space is freed; reads go on, and nothing already stored is lost.
    #[error("the database is full: its disk, or its size cap (CRM_MAX_DATABASE_MB), has no room left")]
    Full(#[source] Box<dyn Error + Send + Sync>),
    /// The database file cannot be written (`SQLITE_READONLY`): its permissions, a
    /// read-only mount.
    #[error("the database file cannot be written (read-only)")]
    ReadOnly(#[source] Box<dyn Error + Send + Sync>),
    /// A write broke a constraint of the schema (unique key, foreign key, not null, check).
    #[error("a database constraint was violated")]
    Constraint(#[source] DieselError),
    /// A lookup that must find a row found none.
    #[error("no such row")]
    NotFound,
    /// A stored value is not one this version knows (a newer version wrote it, or it was
    /// edited by hand).
    #[error("column {column} holds {value:?}, which this version does not know")]
    UnknownLabel {
        /// The column.
        column: &'static str,
        /// What it holds.
        value: String,
    },
    /// Any other failure of a statement.
    #[error("database query failed")]
    Query(#[source] DieselError),
    /// A connection could not be opened.
    #[error("cannot open the database")]
    Connect(#[from] diesel::ConnectionError),
    /// The pool of read connections could not be built.
    #[error("cannot start the pool of read connections")]
    Pool(#[source] diesel::r2d2::PoolError),
    /// The store's schema is newer than this version: a newer crm-trends migrated it.
    #[error(
        "the database's schema has migration {version}, which this version of crm-trends does not know: a newer \
         version migrated it; run that version (or newer), not this one"
    )]
    NewerSchema {
        /// The first migration this version does not know.
        version: String,
    },
    /// Applying the migrations failed.
    #[error("applying the database migrations failed")]
    Migration(#[source] Box<dyn Error + Send + Sync>),
    /// An entry the store keeps for replicas could not be encoded or read back.
    #[error("a change log entry could not be encoded or read: {0}")]
    Encoding(String),
    /// The database file or its directory could not be prepared.
    #[error("cannot prepare database file {path}")]
    File {
        /// The path involved.
        path: String,
        /// The underlying I/O error.
        source: std::io::Error,
    },
}

impl StorageError {
    /// Whether the failure is transient contention (locked database, exhausted pool),
    /// so the client should retry later rather than treat it as a fault.
    pub fn is_busy(&self) -> bool {
        matches!(self, Self::Busy(_))
    }

    /// Whether writes cannot succeed until an operator acts (a full disk, a read-only file),
    /// while reads still can.
    pub fn blocks_writes(&self) -> bool {
        matches!(self, Self::Full(_) | Self::ReadOnly(_))
    }

    /// A stored label (segment, direction) this version cannot read.
    pub(crate) fn unknown_label(column: &'static str, value: &str) -> Self {
        Self::UnknownLabel { column, value: value.to_owned() }
    }

    /// Waiting for a pooled connection timed out.
    pub(crate) fn pool_timeout(error: diesel::r2d2::PoolError) -> Self {
        Self::Busy(Box::new(error))
    }
}

impl From<DieselError> for StorageError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => Self::NotFound,
            // A commit that failed, and its rollback too: the commit's failure is the cause.
            DieselError::RollbackErrorOnCommit { commit_error, .. } => Self::from(*commit_error),
            DieselError::DatabaseError(
                DatabaseErrorKind::UniqueViolation
                | DatabaseErrorKind::ForeignKeyViolation
                | DatabaseErrorKind::NotNullViolation
                | DatabaseErrorKind::CheckViolation,
                _,
            ) => Self::Constraint(error),
            DieselError::DatabaseError(_, ref info) if is_lock_message(info.message()) => Self::Busy(Box::new(error)),
            // PostgreSQL: a transaction that lost a race, or a server that went away: the
            // same request can succeed on a retry.
            DieselError::DatabaseError(
                DatabaseErrorKind::SerializationFailure
                | DatabaseErrorKind::ClosedConnection
                | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => Self::Busy(Box::new(error)),
            DieselError::DatabaseError(_, ref info) if info.message().contains("database or disk is full") => {
                Self::Full(Box::new(error))
            }
            DieselError::DatabaseError(_, ref info) if info.message().contains("readonly database") => {
                Self::ReadOnly(Box::new(error))
            }
            other => Self::Query(other),
        }
    }
}

/// Whether SQLite's message says a lock was not granted (`SQLITE_BUSY`, `SQLITE_LOCKED`).
///
/// Diesel's SQLite backend keeps no result code: it maps the constraint codes to a
/// [`DatabaseErrorKind`] and everything else to `Unknown` with `sqlite3_errmsg`'s text.
/// For these two codes that text is SQLite's fixed wording (`sqlite3_errstr`: "database
/// is locked", "database table is locked"), so matching it is as exact as reading the code;
/// the same holds for `SQLITE_FULL` ("database or disk is full") and `SQLITE_READONLY`
/// ("attempt to write a readonly database"). On PostgreSQL, a lock not granted within
/// `lock_timeout` is "canceling statement due to lock timeout" (SQLSTATE 55P03).
fn is_lock_message(message: &str) -> bool {
    message.contains("database is locked")
        || message.contains("database table is locked")
        || message.contains("due to lock timeout")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_typed_by_what_the_caller_can_do() {
        struct Info(&'static str);
        impl diesel::result::DatabaseErrorInformation for Info {
            fn message(&self) -> &str {
                self.0
            }
            fn details(&self) -> Option<&str> {
                None
            }
            fn hint(&self) -> Option<&str> {
                None
            }
            fn table_name(&self) -> Option<&str> {
                None
            }
            fn column_name(&self) -> Option<&str> {
                None
            }
            fn constraint_name(&self) -> Option<&str> {
                None
            }
            fn statement_position(&self) -> Option<i32> {
                None
            }
        }
        let db = |kind, message| StorageError::from(DieselError::DatabaseError(kind, Box::new(Info(message))));
        assert!(db(DatabaseErrorKind::Unknown, "database is locked").is_busy());
        assert!(db(DatabaseErrorKind::Unknown, "database table is locked").is_busy());
        assert!(matches!(
            db(DatabaseErrorKind::UniqueViolation, "UNIQUE constraint failed"),
            StorageError::Constraint(_)
        ));
        assert!(matches!(db(DatabaseErrorKind::Unknown, "no such table: x"), StorageError::Query(_)));
        let full = db(DatabaseErrorKind::Unknown, "database or disk is full");
        assert!(matches!(full, StorageError::Full(_)) && full.blocks_writes());
        let read_only = db(DatabaseErrorKind::Unknown, "attempt to write a readonly database");
        assert!(matches!(read_only, StorageError::ReadOnly(_)) && read_only.blocks_writes());
        assert!(!db(DatabaseErrorKind::Unknown, "database is locked").blocks_writes());
        assert!(matches!(StorageError::from(DieselError::NotFound), StorageError::NotFound));
        let query = db(DatabaseErrorKind::Unknown, "no such table: x");
        assert_eq!(query.source().map(ToString::to_string).as_deref(), Some("no such table: x"));
    }
}
