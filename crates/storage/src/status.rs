//! What the store holds and when it was last synced: for `/api/health` and
//! `/api/sync/status`.

use crate::schema::{calendar_events, customers, products, record_counts, sales, sync_runs};
use crate::{Conn, StorageError};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::{count_star, max};
use diesel::prelude::*;

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

    /// The kind's name as stored in `sync_runs.kind`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Customers => "customers",
            Self::Sales => "sales",
            Self::Products => "products",
        }
    }
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

/// A real round trip to the database.
pub fn ping(conn: &mut Conn) -> Result<(), StorageError> {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1")).get_result::<i32>(conn)?;
    Ok(())
}

/// The rows of the main tables: read from `record_counts` (kept by ingest), so the cost
/// does not grow with the data.
pub fn table_counts(conn: &mut Conn) -> Result<TableCounts, StorageError> {
    let kept: Vec<(String, i64)> =
        record_counts::table.select((record_counts::kind, record_counts::records)).load(conn)?;
    let of = |kind: SyncKind| kept.iter().find(|(k, _)| k == kind.as_str()).map_or(0, |(_, n)| *n);
    Ok(TableCounts {
        customers: of(SyncKind::Customers),
        sales: of(SyncKind::Sales),
        products: of(SyncKind::Products),
        calendar_events: calendar_events::table.select(count_star()).get_result(conn)?,
    })
}

/// The rows of the main tables, counted one by one: what [`table_counts`] must equal.
pub fn recount_tables(conn: &mut Conn) -> Result<TableCounts, StorageError> {
    Ok(TableCounts {
        customers: customers::table.select(count_star()).get_result(conn)?,
        sales: sales::table.select(count_star()).get_result(conn)?,
        products: products::table.select(count_star()).get_result(conn)?,
        calendar_events: calendar_events::table.select(count_star()).get_result(conn)?,
    })
}

/// The sync state of every kind, read from `sync_runs` and the tables' sizes.
pub fn sync_status(conn: &mut Conn) -> Result<SyncStatus, StorageError> {
    let counts = table_counts(conn)?;
    let mut kinds = Vec::with_capacity(SyncKind::ALL.len());
    for kind in SyncKind::ALL {
        let records = match kind {
            SyncKind::Customers => counts.customers,
            SyncKind::Sales => counts.sales,
            SyncKind::Products => counts.products,
        };
        let of_kind = sync_runs::kind.eq(kind.as_str());
        let (batches, max_id, max_created): (i64, Option<i64>, Option<NaiveDateTime>) = sync_runs::table
            .filter(of_kind)
            .select((count_star(), max(sync_runs::max_record_id), max(sync_runs::max_created_at)))
            .get_result(conn)?;
        let last: Option<(NaiveDateTime, i64)> = sync_runs::table
            .filter(sync_runs::kind.eq(kind.as_str()))
            .order(sync_runs::id.desc())
            .select((sync_runs::finished_at, sync_runs::received))
            .first(conn)
            .optional()?;
        kinds.push(KindStatus {
            kind,
            records,
            batches,
            last_sync_at: last.map(|(at, _)| at.and_utc()),
            last_received: last.map(|(_, n)| n),
            max_id,
            max_created_at: max_created.map(|at| at.and_utc()),
        });
    }
    Ok(SyncStatus { kinds })
}
