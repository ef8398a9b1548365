//! The per-day aggregates: `sales_daily` (one row per store-local day with completed or
//! refunded sales) and `product_sales_daily` (one row per day and product sold), each kept
//! equal to a recomputation over `sales` and `sale_items` by applying each batch's deltas
//! in its transaction.

use crate::Query;
use crate::rows::{SaleItemRow, SaleRow};
use crate::schema::sales_daily;
use crate::{Conn, StorageError};
use chrono::NaiveDate;
use crm_domain::{Money, SaleStatus, UnitPrice};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};
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
pub fn daily_totals(conn: &mut Conn, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyTotals>, StorageError> {
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
        .load_in(conn)?)
}

/// The first and last store-local days with a per-day total, if any.
pub fn sales_day_range(conn: &mut Conn) -> Result<Option<(NaiveDate, NaiveDate)>, StorageError> {
    use diesel::dsl::{max, min};
    let (first, last): (Option<NaiveDate>, Option<NaiveDate>) =
        sales_daily::table.select((min(sales_daily::local_date), max(sales_daily::local_date))).first_in(conn)?;
    Ok(first.zip(last))
}

/// The per-day totals computed from scratch over `sales`: what `sales_daily` must equal.
pub fn recompute_daily_totals(conn: &mut Conn) -> Result<Vec<DailyTotals>, StorageError> {
    Ok(diesel::sql_query(crate::with_labels::<crm_domain::SaleStatus>(
        "SELECT local_date,
                CAST(SUM(CASE WHEN status = {completed} THEN total_cents ELSE 0 END) AS BIGINT) AS revenue_cents,
                CAST(SUM(CASE WHEN status = {completed} THEN 1 ELSE 0 END) AS BIGINT) AS sale_count,
                CAST(SUM(CASE WHEN status = {completed} THEN units ELSE 0 END) AS BIGINT) AS units,
                CAST(SUM(CASE WHEN status = {refunded} THEN 1 ELSE 0 END) AS BIGINT) AS refund_count,
                CAST(SUM(CASE WHEN status = {refunded} THEN total_cents ELSE 0 END) AS BIGINT) AS refunded_cents
         FROM sales
         WHERE status <> {voided}
         GROUP BY local_date
         ORDER BY local_date",
    ))
    .load_in(conn)?)
}

/// The totals of one product on one store-local day, over completed sales' lines.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName)]
pub struct ProductDayTotals {
    /// The store-local day.
    #[diesel(sql_type = Date)]
    pub local_date: NaiveDate,
    /// The product code.
    #[diesel(sql_type = Text)]
    pub product_id: String,
    /// Units sold.
    #[diesel(sql_type = BigInt)]
    pub units: i64,
    /// Line revenue (unit price times quantity, each line rounded to the cent), in cents.
    #[diesel(sql_type = BigInt)]
    pub revenue_cents: i64,
    /// Completed sales with at least one line of the product.
    #[diesel(sql_type = BigInt)]
    pub sale_count: i64,
}

/// The stored per-product totals for days in `from..=to`, by day then product.
pub fn product_daily_totals(
    conn: &mut Conn,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ProductDayTotals>, StorageError> {
    use crate::schema::product_sales_daily::dsl::*;
    Ok(product_sales_daily
        .filter(local_date.between(from, to))
        .order((local_date, product_id))
        .select((local_date, product_id, units, revenue_cents, sale_count))
        .load_in(conn)?)
}

/// The per-product totals computed from scratch over `sale_items` and `sales`: what
/// `product_sales_daily` must equal.
pub fn recompute_product_daily_totals(conn: &mut Conn) -> Result<Vec<ProductDayTotals>, StorageError> {
    Ok(diesel::sql_query(crate::with_labels::<crm_domain::SaleStatus>(
        "SELECT s.local_date AS local_date,
                i.product_id AS product_id,
                CAST(SUM(i.quantity) AS BIGINT) AS units,
                CAST(SUM((i.unit_price_e4 * i.quantity + 50) / 100) AS BIGINT) AS revenue_cents,
                COUNT(DISTINCT s.id) AS sale_count
         FROM sale_items i
         JOIN sales s ON s.id = i.sale_id
         WHERE s.status = {completed}
         GROUP BY s.local_date, i.product_id
         ORDER BY s.local_date, i.product_id",
    ))
    .load_in(conn)?)
}

/// Changes to the per-day and per-product-day totals gathered over a batch, applied in
/// one pass at its end.
#[derive(Debug, Default)]
pub(crate) struct DailyDeltas {
    days: BTreeMap<NaiveDate, [i64; 5]>,
    products: BTreeMap<(NaiveDate, String), [i64; 3]>,
}

impl DailyDeltas {
    /// Adds a sale's contribution.
    pub(crate) fn add(&mut self, sale: &SaleRow, lines: &[SaleItemRow]) {
        self.shift(sale, lines, 1);
    }

    /// Takes a sale's contribution out.
    pub(crate) fn remove(&mut self, sale: &SaleRow, lines: &[SaleItemRow]) {
        self.shift(sale, lines, -1);
    }

    fn shift(&mut self, sale: &SaleRow, lines: &[SaleItemRow], sign: i64) {
        let contribution = match sale.status.parse::<SaleStatus>() {
            Ok(SaleStatus::Completed) => [sale.total_cents, 1, sale.units, 0, 0],
            Ok(SaleStatus::Refunded) => [0, 0, 0, 1, sale.total_cents],
            Ok(SaleStatus::Voided) | Err(_) => return,
        };
        let day = self.days.entry(sale.local_date).or_default();
        for (total, part) in day.iter_mut().zip(contribution) {
            *total += sign * part;
        }
        if contribution[1] == 0 {
            return;
        }
        let mut seen: Vec<&str> = Vec::with_capacity(lines.len());
        for line in lines {
            let revenue = UnitPrice::from_ten_thousandths(line.unit_price_e4).line_total(line.quantity).cents();
            let first_in_sale = !seen.contains(&line.product_id.as_str());
            if first_in_sale {
                seen.push(&line.product_id);
            }
            let totals = self.products.entry((sale.local_date, line.product_id.clone())).or_default();
            totals[0] += sign * line.quantity;
            totals[1] += sign * revenue;
            totals[2] += sign * i64::from(first_in_sale);
        }
    }

    /// Adds the deltas to `sales_daily` and `product_sales_daily`, dropping rows left with
    /// no sales (only a change to a stored sale can empty a row).
    pub(crate) fn apply(self, conn: &mut Conn) -> Result<(), StorageError> {
        apply_days(conn, self.days)?;
        apply_products(conn, self.products)
    }
}

fn apply_days(conn: &mut Conn, days: BTreeMap<NaiveDate, [i64; 5]>) -> Result<(), StorageError> {
    use crate::schema::sales_daily::dsl::*;
    for (day, [revenue, sales, sold, refunds, refunded]) in days {
        if [revenue, sales, sold, refunds, refunded] == [0; 5] {
            continue;
        }
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
            .execute_in(conn)?;
        if sales < 0 || refunds < 0 {
            diesel::delete(sales_daily.find(day).filter(sale_count.eq(0)).filter(refund_count.eq(0)))
                .execute_in(conn)?;
        }
    }
    Ok(())
}

fn apply_products(conn: &mut Conn, products: BTreeMap<(NaiveDate, String), [i64; 3]>) -> Result<(), StorageError> {
    use crate::schema::product_sales_daily::dsl::*;
    let mut emptied = Vec::new();
    let rows: Vec<_> = products
        .into_iter()
        .filter(|(_, delta)| *delta != [0; 3])
        .map(|((day, product), [sold, revenue, sales])| {
            if sales < 0 {
                emptied.push((day, product.clone()));
            }
            (
                local_date.eq(day),
                product_id.eq(product),
                units.eq(sold),
                revenue_cents.eq(revenue),
                sale_count.eq(sales),
            )
        })
        .collect();
    // One multi-row upsert per chunk: a batch of recent sales touches thousands of
    // product-days, and one statement each would cost more than the sales themselves.
    for chunk in rows.chunks(crate::MAX_BINDS / 5) {
        diesel::insert_into(product_sales_daily)
            .values(chunk)
            .on_conflict((local_date, product_id))
            .do_update()
            .set((
                units.eq(units + excluded(units)),
                revenue_cents.eq(revenue_cents + excluded(revenue_cents)),
                sale_count.eq(sale_count + excluded(sale_count)),
            ))
            .execute_in(conn)?;
    }
    for (day, product) in emptied {
        diesel::delete(product_sales_daily.find((day, &product)).filter(sale_count.eq(0))).execute_in(conn)?;
    }
    Ok(())
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
pub fn daily_sales(conn: &mut Conn, from: NaiveDate, to: NaiveDate) -> Result<Vec<crm_domain::DaySales>, StorageError> {
    Ok(daily_totals(conn, from, to)?.into_iter().map(Into::into).collect())
}

/// Units of `product` sold on each of `days` (completed sales), for the days it sold.
///
/// The table is keyed by day first, so a range filtered by product would read every
/// product's rows; the days are looked up one key each instead (a few hundred lookups).
pub fn product_units_on(
    conn: &mut Conn,
    product: &str,
    days: &[NaiveDate],
) -> Result<Vec<(NaiveDate, i64)>, StorageError> {
    use crate::schema::product_sales_daily::dsl::*;
    let mut found = Vec::new();
    for chunk in days.chunks(crate::MAX_BINDS - 1) {
        let rows: Vec<(NaiveDate, i64)> = product_sales_daily
            .filter(product_id.eq(product))
            .filter(local_date.eq_any(chunk))
            .order(local_date)
            .select((local_date, units))
            .load_in(conn)?;
        found.extend(rows);
    }
    Ok(found)
}

/// What one product sold over a range of days (completed sales).
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct ProductWindowTotals {
    /// The product code.
    #[diesel(sql_type = Text)]
    pub product_id: String,
    /// Units sold.
    #[diesel(sql_type = BigInt)]
    pub units: i64,
    /// Line revenue, in cents.
    #[diesel(sql_type = BigInt)]
    pub revenue_cents: i64,
    /// Sales with the product (a sale is counted once per day it is dated).
    #[diesel(sql_type = BigInt)]
    pub sale_count: i64,
}

/// Every product's totals over the store-local days `from` to `to`, for the products that
/// sold then. One range read of `product_sales_daily` (keyed by day first).
pub fn product_window_totals(
    conn: &mut Conn,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ProductWindowTotals>, StorageError> {
    Ok(diesel::sql_query(conn.sql(
        "SELECT product_id, CAST(SUM(units) AS BIGINT) AS units, CAST(SUM(revenue_cents) AS BIGINT) AS revenue_cents,
                CAST(SUM(sale_count) AS BIGINT) AS sale_count
         FROM product_sales_daily
         WHERE local_date BETWEEN ? AND ?
         GROUP BY product_id",
    ))
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .load_in(conn)?)
}

/// Whether a product with code `id` has been synced.
pub fn product_exists(conn: &mut Conn, id: &str) -> Result<bool, StorageError> {
    use crate::schema::products;
    Ok(diesel::select(diesel::dsl::exists(products::table.filter(products::id.eq(id)))).get_result_in(conn)?)
}
