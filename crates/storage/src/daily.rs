//! `sales_daily`: one row per store-local day with completed or refunded sales, kept equal
//! to a recomputation over `sales` by applying each batch's deltas in its transaction.

use crate::rows::SaleRow;
use crate::schema::sales_daily;
use crate::{Conn, StorageError};
use chrono::NaiveDate;
use crm_domain::{Money, SaleStatus};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date};
use diesel::upsert::excluded;
use std::collections::BTreeMap;

/// The totals of one store-local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, QueryableByName)]
pub struct DailyTotals {
    /// The store-local day.
    #[diesel(sql_type = Date)]
    pub local_date: NaiveDate,
    /// Revenue of completed sales, in cents.
    #[diesel(sql_type = BigInt)]
    pub revenue_cents: i64,
    /// Completed sales.
    #[diesel(sql_type = BigInt)]
    pub sale_count: i64,
    /// Units sold on completed sales' lines.
    #[diesel(sql_type = BigInt)]
    pub units: i64,
    /// Refunded sales (dated by the original sale).
    #[diesel(sql_type = BigInt)]
    pub refund_count: i64,
    /// Value of refunded sales, in cents.
    #[diesel(sql_type = BigInt)]
    pub refunded_cents: i64,
}

impl DailyTotals {
    /// Revenue as money.
    pub fn revenue(&self) -> Money {
        Money::from_cents(self.revenue_cents)
    }
}

/// The stored totals for days in `from..=to`, oldest first; days without sales are absent.
pub fn daily_totals(
    conn: &mut Conn,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DailyTotals>, StorageError> {
    Ok(sales_daily::table
        .filter(sales_daily::local_date.between(from, to))
        .order(sales_daily::local_date)
        .select((
            sales_daily::local_date,
            sales_daily::revenue_cents,
            sales_daily::sale_count,
            sales_daily::units,
            sales_daily::refund_count,
            sales_daily::refunded_cents,
        ))
        .load(conn)?)
}

/// The per-day totals computed from scratch over `sales`: what `sales_daily` must equal.
pub fn recompute_daily_totals(conn: &mut Conn) -> Result<Vec<DailyTotals>, StorageError> {
    Ok(diesel::sql_query(
        "SELECT local_date,
                SUM(CASE WHEN status = 'completed' THEN total_cents ELSE 0 END) AS revenue_cents,
                SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS sale_count,
                SUM(CASE WHEN status = 'completed' THEN units ELSE 0 END) AS units,
                SUM(CASE WHEN status = 'refunded' THEN 1 ELSE 0 END) AS refund_count,
                SUM(CASE WHEN status = 'refunded' THEN total_cents ELSE 0 END) AS refunded_cents
         FROM sales
         WHERE status <> 'voided'
         GROUP BY local_date
         ORDER BY local_date",
    )
    .load(conn)?)
}

/// Changes to per-day totals gathered over a batch, applied in one pass.
#[derive(Debug, Default)]
pub(crate) struct DailyDeltas(BTreeMap<NaiveDate, [i64; 5]>);

impl DailyDeltas {
    /// Adds a sale's contribution.
    pub(crate) fn add(&mut self, sale: &SaleRow) {
        self.shift(sale, 1);
    }

    /// Takes a sale's contribution out.
    pub(crate) fn remove(&mut self, sale: &SaleRow) {
        self.shift(sale, -1);
    }

    fn shift(&mut self, sale: &SaleRow, sign: i64) {
        let contribution = match sale.status.parse::<SaleStatus>() {
            Ok(SaleStatus::Completed) => [sale.total_cents, 1, sale.units, 0, 0],
            Ok(SaleStatus::Refunded) => [0, 0, 0, 1, sale.total_cents],
            Ok(SaleStatus::Voided) | Err(_) => return,
        };
        let day = self.0.entry(sale.local_date).or_default();
        for (total, part) in day.iter_mut().zip(contribution) {
            *total += sign * part;
        }
    }

    /// Adds the deltas to `sales_daily` and drops days left with no sales.
    pub(crate) fn apply(self, conn: &mut Conn) -> Result<(), StorageError> {
        use crate::schema::sales_daily::dsl::*;
        let mut touched = Vec::new();
        for (day, [revenue, sales, sold, refunds, refunded]) in self.0 {
            if [revenue, sales, sold, refunds, refunded] == [0; 5] {
                continue;
            }
            touched.push(day);
            diesel::insert_into(sales_daily)
                .values((
                    local_date.eq(day),
                    revenue_cents.eq(revenue),
                    sale_count.eq(sales),
                    units.eq(sold),
                    refund_count.eq(refunds),
                    refunded_cents.eq(refunded),
                ))
                .on_conflict(local_date)
                .do_update()
                .set((
                    revenue_cents.eq(revenue_cents + excluded(revenue_cents)),
                    sale_count.eq(sale_count + excluded(sale_count)),
                    units.eq(units + excluded(units)),
                    refund_count.eq(refund_count + excluded(refund_count)),
                    refunded_cents.eq(refunded_cents + excluded(refunded_cents)),
                ))
                .execute(conn)?;
        }
        for chunk in touched.chunks(crate::MAX_BINDS) {
            diesel::delete(
                sales_daily
                    .filter(local_date.eq_any(chunk))
                    .filter(sale_count.eq(0))
                    .filter(refund_count.eq(0)),
            )
            .execute(conn)?;
        }
        Ok(())
    }
}

impl From<DailyTotals> for crm_domain::DaySales {
    fn from(t: DailyTotals) -> Self {
        Self {
            date: t.local_date,
            revenue: Money::from_cents(t.revenue_cents),
            sale_count: t.sale_count,
            units: t.units,
            refund_count: t.refund_count,
            refunded: Money::from_cents(t.refunded_cents),
        }
    }
}

/// The stored per-day sales of `from..=to` as domain values; days without sales are absent.
pub fn daily_sales(
    conn: &mut Conn,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<crm_domain::DaySales>, StorageError> {
    Ok(daily_totals(conn, from, to)?
        .into_iter()
        .map(Into::into)
        .collect())
}
