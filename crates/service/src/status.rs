//! What the store holds and when it was last synced and refreshed.

use crate::{Service, ServiceError};
use crm_storage::{AnalyticsRun, StorageError, SyncStatus, TableCounts};

/// Sync state per kind of record, and the last refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncState {
    /// Per kind: records, batches, high-water marks.
    pub sync: SyncStatus,
    /// The last analytics refresh.
    pub analytics: Option<AnalyticsRun>,
}

impl Service {
    /// Sync state per kind of record, and the last refresh.
    pub fn sync_state(&self) -> Result<SyncState, ServiceError> {
        Ok(self.db.read(|conn| {
            Ok(SyncState { sync: crm_storage::sync_status(conn)?, analytics: crm_storage::last_analytics_run(conn)? })
        })?)
    }

    /// Checks that the store answers, and counts its main tables.
    pub fn store_counts(&self) -> Result<TableCounts, StorageError> {
        self.db.read(|conn| {
            crm_storage::ping(conn)?;
            crm_storage::table_counts(conn)
        })
    }
}
