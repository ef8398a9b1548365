//! Ingest use cases: idempotent upserts of synced batches by the POS's own ids.
//!
//! Each function does the whole unit of work for one batch on the connection it is given
//! and never opens a transaction: the caller runs it inside [`crate::Database::write`],
//! so a batch lands whole or not at all. Replaying a batch changes nothing: a record
//! equal to what is stored (bookkeeping timestamps aside) is counted as unchanged and
//! not written.

mod customers;
mod products;
mod sales;

pub use customers::{erase_customer, sync_customers};
pub use products::{ProductsSynced, sync_products};
pub use sales::{SalesSynced, insert_sales_bare, sync_sales};

use crate::Query;
use crate::schema::sync_runs;
use crate::{Conn, StorageError};
use chrono::{DateTime, NaiveDateTime, Utc};
use crm_domain::{SyncCounts, SyncKind};
use diesel::prelude::*;
use std::collections::HashMap;
use std::hash::Hash;

fn received(received: usize) -> SyncCounts {
    SyncCounts { received, ..SyncCounts::default() }
}

/// High-water marks of a batch, recorded for incremental sync.
#[derive(Debug, Clone, Copy, Default)]
struct HighWater {
    max_record_id: Option<i64>,
    max_created_at: Option<NaiveDateTime>,
}

fn record_run(
    conn: &mut Conn,
    kind: SyncKind,
    counts: &SyncCounts,
    marks: HighWater,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
) -> Result<(), StorageError> {
    let as_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    diesel::insert_into(sync_runs::table)
        .values((
            sync_runs::kind.eq(kind.as_str()),
            sync_runs::received.eq(as_i64(counts.received)),
            sync_runs::created.eq(as_i64(counts.created)),
            sync_runs::updated.eq(as_i64(counts.updated)),
            sync_runs::unchanged.eq(as_i64(counts.unchanged)),
            sync_runs::max_record_id.eq(marks.max_record_id),
            sync_runs::max_created_at.eq(marks.max_created_at),
            sync_runs::started_at.eq(started_at.naive_utc()),
            sync_runs::finished_at.eq(finished_at.naive_utc()),
        ))
        .execute_in(conn)?;
    Ok(())
}

/// Runs `load` over `keys` in chunks small enough for SQLite's bind limit and indexes
/// the rows it returns by `key_of`.
fn load_by_keys<K, R>(
    keys: &[K],
    mut load: impl FnMut(&[K]) -> QueryResult<Vec<R>>,
    key_of: impl Fn(&R) -> K,
) -> Result<HashMap<K, R>, StorageError>
where
    K: Eq + Hash + Clone,
{
    let mut found = HashMap::new();
    for chunk in keys.chunks(crate::MAX_BINDS) {
        for row in load(chunk)? {
            found.insert(key_of(&row), row);
        }
    }
    Ok(found)
}

/// Adds `inserted` to the stored row count of `kind`.
fn count_inserted(conn: &mut Conn, kind: SyncKind, inserted: usize) -> Result<(), StorageError> {
    use crate::schema::record_counts;
    if inserted > 0 {
        diesel::update(record_counts::table.find(kind.as_str()))
            .set(record_counts::records.eq(record_counts::records + i64::try_from(inserted).unwrap_or(i64::MAX)))
            .execute_in(conn)?;
    }
    Ok(())
}

/// Rows per multi-row INSERT for a table of `columns` columns.
const fn rows_per_insert(columns: usize) -> usize {
    crate::MAX_BINDS / columns
}
