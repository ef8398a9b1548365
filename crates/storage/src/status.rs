//! What the store holds and when it was last synced: for `/api/health` and
//! `/api/sync/status`.

use crate::Query;
use crate::schema::{calendar_events, customers, products, record_counts, sales, sync_runs};
use crate::{Conn, StorageError};
use chrono::NaiveDateTime;
use crm_domain::{KindStatus, SyncKind, SyncStatus, TableCounts};
use diesel::dsl::{count_star, max};
use diesel::prelude::*;

/// A real round trip to the database.
pub fn ping(conn: &mut Conn) -> Result<(), StorageError> {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1")).get_result_in::<i32>(conn)?;
    Ok(())
}

/// The rows of the main tables: read from `record_counts` (kept by ingest), so the cost
/// does not grow with the data.
pub fn table_counts(conn: &mut Conn) -> Result<TableCounts, StorageError> {
    let kept: Vec<(String, i64)> =
        record_counts::table.select((record_counts::kind, record_counts::records)).load_in(conn)?;
    let of = |kind: SyncKind| kept.iter().find(|(k, _)| k == kind.as_str()).map_or(0, |(_, n)| *n);
    Ok(TableCounts {
        customers: of(SyncKind::Customers),
        sales: of(SyncKind::Sales),
        products: of(SyncKind::Products),
        calendar_events: calendar_events::table.select(count_star()).get_result_in(conn)?,
    })
}

/// The rows of the main tables, counted one by one: what [`table_counts`] must equal.
pub fn recount_tables(conn: &mut Conn) -> Result<TableCounts, StorageError> {
    Ok(TableCounts {
        customers: customers::table.select(count_star()).get_result_in(conn)?,
        sales: sales::table.select(count_star()).get_result_in(conn)?,
        products: products::table.select(count_star()).get_result_in(conn)?,
        calendar_events: calendar_events::table.select(count_star()).get_result_in(conn)?,
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
            .get_result_in(conn)?;
        let last: Option<(NaiveDateTime, i64)> = sync_runs::table
            .filter(sync_runs::kind.eq(kind.as_str()))
            .order(sync_runs::id.desc())
            .select((sync_runs::finished_at, sync_runs::received))
            .first_in(conn)
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
