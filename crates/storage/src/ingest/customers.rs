//! Customer sync, and the placeholders that sales create for customers not yet synced.

use super::{HighWater, SyncCounts, count_inserted, load_by_keys, record_run, rows_per_insert};
use crate::Query;
use crate::rows::CustomerRow;
use crate::schema::customers;
use crate::{Conn, StorageError};
use chrono::{DateTime, Utc};
use crm_domain::Customer;
use crm_domain::SyncKind;
use diesel::prelude::*;

/// Upserts a batch of customers. A placeholder made earlier by a sale is filled in and
/// counted as created. An erased customer stays erased: its record is counted unchanged
/// and none of its fields is stored.
pub fn sync_customers(conn: &mut Conn, batch: &[Customer], now: DateTime<Utc>) -> Result<SyncCounts, StorageError> {
    let ids: Vec<i64> = batch.iter().map(|c| c.id.get()).collect();
    let existing = load_by_keys(
        &ids,
        |chunk| {
            customers::table
                .filter(customers::id.eq_any(chunk))
                .select(crate::backend::columns::<CustomerRow>())
                .load_in::<CustomerRow>(conn)
        },
        |row| row.id,
    )?;
    let mut counts = super::received(batch.len());
    let mut fresh = Vec::new();
    for customer in batch {
        let mut row = CustomerRow::from_domain(customer, now);
        match existing.get(&row.id) {
            None => {
                counts.created += 1;
                fresh.push(row);
                continue;
            }
            Some(old) if old.erased_at.is_some() || old.same_profile(&row) => {
                counts.unchanged += 1;
                continue;
            }
            Some(old) if old.placeholder => counts.created += 1,
            Some(_) => counts.updated += 1,
        }
        if let Some(old) = existing.get(&row.id) {
            row.first_seen_at = old.first_seen_at;
        }
        diesel::update(customers::table.find(row.id)).set(&row).execute_in(conn)?;
    }
    for chunk in fresh.chunks(rows_per_insert(10)) {
        diesel::insert_into(customers::table).values(chunk).execute_in(conn)?;
    }
    count_inserted(conn, SyncKind::Customers, fresh.len())?;
    let marks = HighWater { max_record_id: ids.iter().copied().max(), max_created_at: None };
    record_run(conn, SyncKind::Customers, &counts, marks, now, Utc::now())?;
    Ok(counts)
}

/// Makes sure every id names a customer row, adding placeholders for unknown ones.
pub(super) fn ensure_customers(
    conn: &mut Conn,
    ids: impl IntoIterator<Item = i64>,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let known = load_by_keys(
        &ids,
        |chunk| customers::table.filter(customers::id.eq_any(chunk)).select(customers::id).load_in(conn),
        |id| *id,
    )?;
    let missing: Vec<CustomerRow> =
        ids.into_iter().filter(|id| !known.contains_key(id)).map(|id| CustomerRow::placeholder(id, now)).collect();
    for chunk in missing.chunks(rows_per_insert(10)) {
        diesel::insert_into(customers::table).values(chunk).execute_in(conn)?;
    }
    count_inserted(conn, SyncKind::Customers, missing.len())?;
    Ok(())
}

/// Erases a customer's personal data: name, phone, e-mail, address, notes, the POS's
/// creation time and manual tags are removed and its prepared cards deleted; the row stays,
/// known by its id alone, so its sales keep their customer. Whether there was such a
/// customer.
pub fn erase_customer(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> Result<bool, StorageError> {
    use crate::schema::{customer_tags, prepared_cards};
    let erased = diesel::update(customers::table.find(id))
        .set((
            customers::name.eq(None::<String>),
            customers::phone.eq(None::<String>),
            customers::email.eq(None::<String>),
            customers::address.eq(None::<String>),
            customers::notes.eq(None::<String>),
            customers::pos_created_at.eq(None::<chrono::NaiveDateTime>),
            customers::placeholder.eq(true),
            customers::updated_at.eq(now.naive_utc()),
            customers::erased_at.eq(Some(now.naive_utc())),
        ))
        .execute_in(conn)?;
    if erased == 0 {
        return Ok(false);
    }
    diesel::delete(customer_tags::table.filter(customer_tags::customer_id.eq(id))).execute_in(conn)?;
    diesel::delete(prepared_cards::table.filter(prepared_cards::customer_id.eq(id))).execute_in(conn)?;
    Ok(true)
}
