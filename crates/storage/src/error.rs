//! Errors of the storage layer.

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A query failed.
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    /// A connection could not be opened.
    #[error("cannot open database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    /// No pooled connection became free in time.
    #[error("no database connection available: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    /// Applying or reverting migrations failed.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// The database file or its directory could not be prepared.
    #[error("cannot prepare database file {path}: {source}")]
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
        match self {
            Self::Pool(_) => true,
            Self::Query(diesel::result::Error::DatabaseError(_, info)) => {
                let message = info.message();
                message.contains("database is locked") || message.contains("database is busy")
            }
            _ => false,
        }
    }
}
