//! Product catalogue sync, and the placeholders that sale lines create for products the
//! catalogue has not named yet.

use super::{HighWater, SyncCounts, count_inserted, load_by_keys, record_run, rows_per_insert};
use crate::Query;
use crate::rows::ProductRow;
use crate::schema::products;
use crate::{Conn, StorageError};
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::SyncKind;
use crm_domain::{Product, SaleItem};
use diesel::prelude::*;
use std::collections::BTreeMap;

/// What a catalogue batch did: the counts, and the stored products whose name or category
/// changed (what a receipt or an insight card shows of them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductsSynced {
    /// Created, updated and unchanged records.
    pub counts: SyncCounts,
    /// Products that existed and now have another name or category, sorted.
    pub relabelled: Vec<String>,
}

/// Upserts a batch of catalogue entries. Filling a placeholder counts as created. A stock
/// level that is new or changed is recorded as the product's level at the close of `today`
/// (the store-local day), replacing an earlier report of the same day.
pub fn sync_products(
    conn: &mut Conn,
    batch: &[Product],
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<ProductsSynced, StorageError> {
    let ids: Vec<String> = batch.iter().map(|p| p.id.as_str().to_owned()).collect();
    let existing = load_by_keys(
        &ids,
        |chunk| {
            products::table
                .filter(products::id.eq_any(chunk))
                .select(crate::backend::columns::<ProductRow>())
                .load_in::<ProductRow>(conn)
        },
        |row| row.id.clone(),
    )?;
    let mut counts = super::received(batch.len());
    let mut fresh = Vec::new();
    let mut relabelled = Vec::new();
    let mut levels = Vec::new();
    for product in batch {
        let row = ProductRow::from_domain(product, now);
        let known_level = existing.get(&row.id).filter(|old| !old.placeholder).and_then(|old| old.stock_on_hand);
        if let Some(level) = row.stock_on_hand.filter(|level| known_level != Some(*level)) {
            levels.push(StockSnapshot { product_id: row.id.clone(), day: today, stock_on_hand: level });
        }
        match existing.get(&row.id) {
            None => {
                counts.created += 1;
                fresh.push(row);
            }
            Some(old) if old.same_entry(&row) => counts.unchanged += 1,
            Some(old) => {
                if (&old.name, &old.category) != (&row.name, &row.category) {
                    relabelled.push(row.id.clone());
                }
                if old.placeholder {
                    counts.created += 1;
                } else {
                    counts.updated += 1;
                }
                diesel::update(products::table.find(&row.id)).set(&row).execute_in(conn)?;
            }
        }
    }
    for chunk in fresh.chunks(rows_per_insert(8)) {
        diesel::insert_into(products::table).values(chunk).execute_in(conn)?;
    }
    count_inserted(conn, SyncKind::Products, fresh.len())?;
    record_levels(conn, levels)?;
    record_run(conn, SyncKind::Products, &counts, HighWater::default(), now, Utc::now())?;
    relabelled.sort();
    Ok(ProductsSynced { counts, relabelled })
}

/// A product's stock level at the close of a day.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StockSnapshot {
    product_id: String,
    day: NaiveDate,
    stock_on_hand: i64,
}

/// Stores the day's levels; the latest report of a day replaces an earlier one.
fn record_levels(conn: &mut Conn, levels: Vec<StockSnapshot>) -> Result<(), StorageError> {
    use crate::schema::stock_snapshots::dsl::*;
    let rows: Vec<_> = levels
        .into_iter()
        .map(|s| (product_id.eq(s.product_id), day.eq(s.day), stock_on_hand.eq(s.stock_on_hand)))
        .collect();
    for chunk in rows.chunks(rows_per_insert(3)) {
        diesel::insert_into(stock_snapshots)
            .values(chunk)
            .on_conflict((product_id, day))
            .do_update()
            .set(stock_on_hand.eq(diesel::upsert::excluded(stock_on_hand)))
            .execute_in(conn)?;
    }
    Ok(())
}

/// Makes sure every line's product has a row, adding placeholders named as the first
/// line that mentions them.
pub(super) fn ensure_products<'a>(
    conn: &mut Conn,
    lines: impl IntoIterator<Item = &'a SaleItem>,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let mut first_line: BTreeMap<&str, &SaleItem> = BTreeMap::new();
    for line in lines {
        first_line.entry(line.product_id.as_str()).or_insert(line);
    }
    let ids: Vec<String> = first_line.keys().map(|id| (*id).to_owned()).collect();
    let known = load_by_keys(
        &ids,
        |chunk| products::table.filter(products::id.eq_any(chunk)).select(products::id).load_in(conn),
        Clone::clone,
    )?;
    let missing: Vec<ProductRow> = first_line
        .into_iter()
        .filter(|(id, _)| !known.contains_key(*id))
        .map(|(_, line)| ProductRow::from_line(line, now))
        .collect();
    for chunk in missing.chunks(rows_per_insert(8)) {
        diesel::insert_into(products::table).values(chunk).execute_in(conn)?;
    }
    count_inserted(conn, SyncKind::Products, missing.len())?;
    Ok(())
}
