//! Sale sync: sales with their lines, placeholders for unknown customers and products,
//! and the per-day aggregates, all in the caller's transaction.

use super::customers::ensure_customers;
use super::products::ensure_products;
use super::{HighWater, SyncCounts, count_inserted, load_by_keys, record_run, rows_per_insert};
use crate::Query;
use crate::daily::DailyDeltas;
use crate::rows::{SaleItemRow, SaleRow};
use crate::schema::{sale_items, sales};
use crate::{Conn, StorageError};
use chrono::{DateTime, Utc};
use crm_domain::Sale;
use crm_domain::SyncKind;
use diesel::prelude::*;
use std::collections::HashMap;

/// What a sale batch did: the counts, and the customers whose purchases changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesSynced {
    /// Created, updated and unchanged records.
    pub counts: SyncCounts,
    /// Customers with a new or changed sale, including the former customer of a sale moved
    /// to another one; sorted, without repeats.
    pub customers: Vec<i64>,
}

/// Upserts a batch of sales (ids unique within the batch). A new sale adds to its day's
/// aggregate; a changed one (refund, void, edited total or lines, moved day) takes its old
/// contribution out and puts the new one in; an identical one is left alone.
pub fn sync_sales(conn: &mut Conn, batch: &[Sale], now: DateTime<Utc>) -> Result<SalesSynced, StorageError> {
    let ids: Vec<i64> = batch.iter().map(|s| s.id.get()).collect();
    let stored = load_by_keys(
        &ids,
        |chunk| {
            sales::table
                .filter(sales::id.eq_any(chunk))
                .select(crate::backend::columns::<SaleRow>())
                .load_in::<SaleRow>(conn)
        },
        |row| row.id,
    )?;
    let stored_lines = load_lines(conn, stored.keys().copied().collect())?;

    let mut counts = super::received(batch.len());
    let mut deltas = DailyDeltas::default();
    let mut fresh: Vec<SaleRow> = Vec::new();
    let mut fresh_lines: Vec<SaleItemRow> = Vec::new();
    let mut changed: Vec<(SaleRow, Vec<SaleItemRow>)> = Vec::new();
    let mut written: Vec<&Sale> = Vec::new();
    let mut customers: Vec<i64> = Vec::new();
    for sale in batch {
        let row = SaleRow::from_domain(sale, now);
        let lines: Vec<SaleItemRow> = SaleItemRow::lines_of(sale).collect();
        match stored.get(&row.id) {
            None => {
                counts.created += 1;
                deltas.add(&row, &lines);
                fresh.push(row);
                fresh_lines.extend(lines);
            }
            Some(old) => {
                let old_lines = stored_lines.get(&row.id).map_or(&[][..], Vec::as_slice);
                if old.same_sale(&row) && old_lines == lines {
                    counts.unchanged += 1;
                    continue;
                }
                counts.updated += 1;
                customers.extend(old.customer_id);
                deltas.remove(old, old_lines);
                deltas.add(&row, &lines);
                changed.push((row, lines));
            }
        }
        customers.extend(sale.customer_id.map(|c| c.get()));
        written.push(sale);
    }
    customers.sort_unstable();
    customers.dedup();

    ensure_customers(conn, written.iter().filter_map(|s| s.customer_id.map(|c| c.get())), now)?;
    ensure_products(conn, written.iter().flat_map(|s| &s.items), now)?;
    for chunk in fresh.chunks(rows_per_insert(10)) {
        diesel::insert_into(sales::table).values(chunk).execute_in(conn)?;
    }
    count_inserted(conn, SyncKind::Sales, fresh.len())?;
    for chunk in fresh_lines.chunks(rows_per_insert(7)) {
        diesel::insert_into(sale_items::table).values(chunk).execute_in(conn)?;
    }
    for (row, lines) in &changed {
        diesel::update(sales::table.find(row.id)).set(row).execute_in(conn)?;
        diesel::delete(sale_items::table.filter(sale_items::sale_id.eq(row.id))).execute_in(conn)?;
        diesel::insert_into(sale_items::table).values(lines).execute_in(conn)?;
    }
    deltas.apply(conn)?;

    let marks = HighWater {
        max_record_id: ids.iter().copied().max(),
        max_created_at: batch.iter().map(|s| s.created_at().naive_utc()).max(),
    };
    record_run(conn, SyncKind::Sales, &counts, marks, now, Utc::now())?;
    Ok(SalesSynced { counts, customers })
}

/// The stored lines of the given sales, in line order.
fn load_lines(conn: &mut Conn, sale_ids: Vec<i64>) -> Result<HashMap<i64, Vec<SaleItemRow>>, StorageError> {
    let mut lines: HashMap<i64, Vec<SaleItemRow>> = HashMap::new();
    for chunk in sale_ids.chunks(crate::MAX_BINDS) {
        let rows = sale_items::table
            .filter(sale_items::sale_id.eq_any(chunk))
            .order((sale_items::sale_id, sale_items::line_no))
            .select(crate::backend::columns::<SaleItemRow>())
            .load_in::<SaleItemRow>(conn)?;
        for row in rows {
            lines.entry(row.sale_id).or_default().push(row);
        }
    }
    Ok(lines)
}

/// The floor the ingest path is measured against: inserts the sales and their lines and
/// nothing else (no lookups, no placeholders, no aggregates, no sync record). Customers
/// and products must already exist. For benchmarks only: it does not keep `sales_daily`.
pub fn insert_sales_bare(conn: &mut Conn, batch: &[Sale], now: DateTime<Utc>) -> Result<(), StorageError> {
    let rows: Vec<SaleRow> = batch.iter().map(|s| SaleRow::from_domain(s, now)).collect();
    let lines: Vec<SaleItemRow> = batch.iter().flat_map(SaleItemRow::lines_of).collect();
    for chunk in rows.chunks(rows_per_insert(10)) {
        diesel::insert_into(sales::table).values(chunk).execute_in(conn)?;
    }
    for chunk in lines.chunks(rows_per_insert(7)) {
        diesel::insert_into(sale_items::table).values(chunk).execute_in(conn)?;
    }
    Ok(())
}
