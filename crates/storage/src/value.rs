//! The inputs of the customer-value models: each customer's purchase days before a day,
//! and the purchase days of known customers day by day after it (the calibration check).

use crate::{Conn, Query, StorageError};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable};
use std::collections::HashMap;

/// One customer's completed purchases before a day, by purchase day (several sales on one
/// store-local day are one purchase day, their totals summed).
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct PurchaseDays {
    /// The customer.
    #[diesel(sql_type = BigInt)]
    pub customer_id: i64,
    /// Days with a completed purchase.
    #[diesel(sql_type = BigInt)]
    pub purchase_days: i64,
    /// The first of them.
    #[diesel(sql_type = Date)]
    pub first_day: NaiveDate,
    /// The last of them.
    #[diesel(sql_type = Date)]
    pub last_day: NaiveDate,
    /// Spent on every purchase day, in cents.
    #[diesel(sql_type = BigInt)]
    pub spend_cents: i64,
    /// Spent on the first purchase day, in cents.
    #[diesel(sql_type = BigInt)]
    pub first_day_cents: i64,
}

/// A completed sale of a known customer, as the refresh's sequential reads of the sales
/// table take it: whose, which day, how much.
#[derive(QueryableByName)]
pub(crate) struct SaleOfCustomer {
    #[diesel(sql_type = BigInt)]
    pub(crate) customer_id: i64,
    #[diesel(sql_type = Date, deserialize_as = crate::moments::Day)]
    pub(crate) local_date: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub(crate) total_cents: i64,
}

/// Every customer's completed purchases on the days before `before` (or only `customer`'s),
/// by customer id.
///
/// For every customer the sales are read in one pass in the order the table holds them
/// (a sequential scan: no sort, a few bytes per customer), which is the order they were
/// synced and, in practice, the order they happened. A customer whose sales come out of
/// day order there (a back-filled history) is read again exactly, with the days grouped by
/// the database; the answer is the same either way (tested).
pub fn purchase_days(
    conn: &mut Conn,
    before: NaiveDate,
    customer: Option<i64>,
) -> Result<Vec<PurchaseDays>, StorageError> {
    if customer.is_some() {
        return grouped_purchase_days(conn, before, customer);
    }
    /// A customer's purchase days so far; `in_order` while no sale came before the last day.
    struct Tally {
        days: PurchaseDays,
        in_order: bool,
    }
    let mut tallies: HashMap<i64, Tally> = HashMap::new();
    let text = conn.sql(&crate::with_labels::<crm_domain::SaleStatus>(
        "SELECT customer_id, local_date, total_cents FROM sales
         WHERE status = {completed} AND customer_id IS NOT NULL AND local_date < ?",
    ));
    crate::for_each_row!(conn, diesel::sql_query(&text).bind::<Date, _>(before), SaleOfCustomer, |row| {
        let row = row?;
        let tally = tallies.entry(row.customer_id).or_insert_with(|| Tally {
            days: PurchaseDays {
                customer_id: row.customer_id,
                purchase_days: 1,
                first_day: row.local_date,
                last_day: row.local_date,
                spend_cents: 0,
                first_day_cents: 0,
            },
            in_order: true,
        });
        let days = &mut tally.days;
        if row.local_date > days.last_day {
            days.purchase_days += 1;
            days.last_day = row.local_date;
        } else if row.local_date < days.last_day {
            tally.in_order = false;
        }
        days.spend_cents = days.spend_cents.saturating_add(row.total_cents);
        if row.local_date == days.first_day {
            days.first_day_cents = days.first_day_cents.saturating_add(row.total_cents);
        }
    });
    let mut out = Vec::with_capacity(tallies.len());
    for (customer, tally) in tallies {
        if tally.in_order {
            out.push(tally.days);
        } else {
            out.extend(grouped_purchase_days(conn, before, Some(customer))?);
        }
    }
    out.sort_unstable_by_key(|d| d.customer_id);
    Ok(out)
}

/// [`purchase_days`] with the days grouped by the database (a sort of the customers'
/// sales): exact whatever order the sales are stored in.
pub fn grouped_purchase_days(
    conn: &mut Conn,
    before: NaiveDate,
    customer: Option<i64>,
) -> Result<Vec<PurchaseDays>, StorageError> {
    diesel::sql_query(conn.sql(&crate::with_labels::<crm_domain::SaleStatus>(
        "SELECT customer_id,
                CAST(COUNT(*) AS BIGINT) AS purchase_days,
                MIN(local_date) AS first_day,
                MAX(local_date) AS last_day,
                CAST(SUM(day_cents) AS BIGINT) AS spend_cents,
                CAST(SUM(CASE WHEN local_date = first_date THEN day_cents ELSE 0 END) AS BIGINT) AS first_day_cents
         FROM (SELECT customer_id, local_date, SUM(total_cents) AS day_cents,
                      MIN(local_date) OVER (PARTITION BY customer_id) AS first_date
               FROM sales
               WHERE status = {completed} AND customer_id IS NOT NULL AND local_date < ?
                 AND (? IS NULL OR customer_id = ?)
               GROUP BY customer_id, local_date) AS days
         GROUP BY customer_id
         ORDER BY customer_id",
    )))
    .bind::<Date, _>(before)
    .bind::<Nullable<BigInt>, _>(customer)
    .bind::<Nullable<BigInt>, _>(customer)
    .load_in(conn)
    .map_err(Into::into)
}

/// Purchase days per store-local day in `from..until` by the customers who had bought
/// before `from`: what the calibration check compares the model's expectation with.
pub fn repeat_purchase_days(
    conn: &mut Conn,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<(NaiveDate, i64)>, StorageError> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Date)]
        day: NaiveDate,
        #[diesel(sql_type = BigInt)]
        purchases: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(conn.sql(&crate::with_labels::<crm_domain::SaleStatus>(
        "SELECT local_date AS day, CAST(COUNT(DISTINCT customer_id) AS BIGINT) AS purchases
         FROM sales
         WHERE status = {completed} AND customer_id IS NOT NULL AND local_date >= ? AND local_date < ?
           AND customer_id IN (SELECT customer_id FROM sales
                               WHERE status = {completed} AND customer_id IS NOT NULL AND local_date < ?)
         GROUP BY local_date
         ORDER BY local_date",
    )))
    .bind::<Date, _>(from)
    .bind::<Date, _>(until)
    .bind::<Date, _>(from)
    .load_in(conn)?;
    Ok(rows.into_iter().map(|r| (r.day, r.purchases)).collect())
}
