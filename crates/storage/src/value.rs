//! The inputs of the customer-value models: each customer's purchase days before a day,
//! and the purchase days of known customers day by day after it (the calibration check).

use crate::{Conn, Query, StorageError};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date};

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

/// Every customer's completed purchases on the days before `before`, by customer id.
pub fn purchase_days(conn: &mut Conn, before: NaiveDate) -> Result<Vec<PurchaseDays>, StorageError> {
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
               GROUP BY customer_id, local_date) AS days
         GROUP BY customer_id
         ORDER BY customer_id",
    )))
    .bind::<Date, _>(before)
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
