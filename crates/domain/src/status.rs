//! What the store holds, how syncs went and when the analytics last ran: the values that
//! `/api/health` and `/api/sync/status` report, read by the store and passed on unchanged.

use chrono::{DateTime, NaiveDate, Utc};

/// The kinds of record the POS syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncKind {
    /// `POST /api/sync/customers`.
    Customers,
    /// `POST /api/sync/sales`.
    Sales,
    /// `POST /api/sync/products`.
    Products,
}

impl SyncKind {
    /// Every kind, in a stable order.
    pub const ALL: [Self; 3] = [Self::Customers, Self::Sales, Self::Products];

    /// The kind's name, as stored and sent.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Customers => "customers",
            Self::Sales => "sales",
            Self::Products => "products",
        }
    }
}

/// What a batch did to the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncCounts {
    /// Records in the batch.
    pub received: usize,
    /// Records seen for the first time (a placeholder being filled counts here).
    pub created: usize,
    /// Records that existed and changed.
    pub updated: usize,
    /// Records that existed and were identical, so nothing was written.
    pub unchanged: usize,
}

/// Row counts of the main tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableCounts {
    /// Customers, placeholders included.
    pub customers: i64,
    /// Sales of every status.
    pub sales: i64,
    /// Products, placeholders included.
    pub products: i64,
    /// Calendar events.
    pub calendar_events: i64,
}

/// Sync state of one kind of record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindStatus {
    /// Which kind.
    pub kind: SyncKind,
    /// Records of this kind stored.
    pub records: i64,
    /// Accepted batches so far.
    pub batches: i64,
    /// When the last accepted batch finished.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Records in the last accepted batch.
    pub last_received: Option<i64>,
    /// Largest id ever synced (customers and sales).
    pub max_id: Option<i64>,
    /// Newest `created_at` ever synced (sales).
    pub max_created_at: Option<DateTime<Utc>>,
}

/// Sync state of every kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus {
    /// One entry per kind, in [`SyncKind::ALL`] order.
    pub kinds: Vec<KindStatus>,
}

/// Why writes fail and since when: kept from a write that failed for a reason only an
/// operator can fix (a full disk, a read-only file) until a write succeeds again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteFault {
    /// When writes began to fail.
    pub since: DateTime<Utc>,
    /// What failed, with its cause.
    pub reason: String,
}

/// A finished refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyticsRun {
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: DateTime<Utc>,
    /// The store-local day it computed for.
    pub as_of: NaiveDate,
    /// Customers scored.
    pub customers: i64,
    /// Products scored.
    pub products: i64,
    /// Product pairs kept.
    pub pairs: i64,
}
