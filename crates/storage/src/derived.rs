//! Derived analytics tables (`customer_analytics`, `product_trends`, `product_pairs`,
//! `analytics_runs`): the inputs a refresh reads and the whole-table replacements it
//! writes. The computations themselves live in `crm-analytics`; this module only moves
//! rows.

use crate::Query;
use crate::schema::{
    analytics_runs, customer_analytics, customer_rule_tags, customers, product_pairs, product_trends, rfm_cell_counts,
    segment_day_counts,
};
use crate::{Conn, MAX_BINDS, StorageError};
use chrono::{NaiveDate, NaiveDateTime};
use crm_domain::{
    AnalyticsRun, CustomerAnalytics, CustomerId, Direction, ProductId, ProductTrend, RfmSegment, Segment, ValueScore,
};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamp};
use std::collections::BTreeMap;

/// A customer's completed-sales totals, all-time and within a trailing window.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct CustomerTotals {
    /// The customer.
    #[diesel(sql_type = BigInt)]
    pub customer_id: i64,
    /// Day of the first completed purchase.
    #[diesel(sql_type = Nullable<Date>)]
    pub first_purchase: Option<NaiveDate>,
    /// Day of the last completed purchase.
    #[diesel(sql_type = Nullable<Date>)]
    pub last_purchase: Option<NaiveDate>,
    /// Completed purchases.
    #[diesel(sql_type = BigInt)]
    pub visits: i64,
    /// Spent on completed purchases, in cents.
    #[diesel(sql_type = BigInt)]
    pub total_spent_cents: i64,
    /// Completed purchases on or after the window's start.
    #[diesel(sql_type = BigInt)]
    pub window_purchases: i64,
    /// Spent on or after the window's start, in cents.
    #[diesel(sql_type = BigInt)]
    pub window_spend_cents: i64,
}

/// Every customer (placeholders and customers without purchases included), with totals,
/// by id. The completed sales are read once in the order the table holds them (a
/// sequential scan) and tallied here, customer by customer: grouping by customer in the
/// database walks `sales_by_customer` and reads each sale's row at random, which cost a
/// refresh of 1.1 million sales 1.8 s against 0.3 s (docs/performance.md, issue 23).
pub fn customer_totals(conn: &mut Conn, window_start: NaiveDate) -> Result<Vec<CustomerTotals>, StorageError> {
    let ids: Vec<i64> = customers::table.select(customers::id).order(customers::id).load_in(conn)?;
    let mut totals: Vec<CustomerTotals> = ids
        .iter()
        .map(|&customer_id| CustomerTotals {
            customer_id,
            first_purchase: None,
            last_purchase: None,
            visits: 0,
            total_spent_cents: 0,
            window_purchases: 0,
            window_spend_cents: 0,
        })
        .collect();
    let text = conn.sql(&crate::with_labels::<crm_domain::SaleStatus>(&format!(
        "SELECT customer_id, local_date, total_cents FROM sales{}
         WHERE status = {{completed}} AND customer_id IS NOT NULL",
        conn.in_stored_order()
    )));
    crate::for_each_row!(conn, diesel::sql_query(&text), crate::value::SaleOfCustomer, |row| {
        let crate::value::SaleOfCustomer { customer_id, local_date, total_cents } = row?;
        // Every sale's customer is stored (a foreign key); one the snapshot cannot see is
        // not counted.
        // Searched in the ids alone (8 bytes each), which stay in the processor's cache.
        let Ok(at) = ids.binary_search(&customer_id) else { continue };
        let t = &mut totals[at];
        t.first_purchase = Some(t.first_purchase.map_or(local_date, |d| d.min(local_date)));
        t.last_purchase = Some(t.last_purchase.map_or(local_date, |d| d.max(local_date)));
        t.visits += 1;
        // Saturating: a sum past what a cent count holds stays the largest one, as no
        // single receipt can reach it.
        t.total_spent_cents = t.total_spent_cents.saturating_add(total_cents);
        if local_date >= window_start {
            t.window_purchases += 1;
            t.window_spend_cents = t.window_spend_cents.saturating_add(total_cents);
        }
    });
    Ok(totals)
}

/// A `customer_analytics` row as the table holds it: labels as their names. Read into a
/// [`CustomerAnalytics`] with `try_into`, which refuses a name this version does not know.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = customer_analytics, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub(crate) struct AnalyticsRecord {
    customer_id: i64,
    segment: String,
    lapsed: bool,
    recency_score: Option<i32>,
    frequency_score: Option<i32>,
    monetary_score: Option<i32>,
    rfm_segment: Option<String>,
    visits: i64,
    total_spent_cents: i64,
    first_purchase: Option<NaiveDate>,
    last_purchase: Option<NaiveDate>,
    purchase_days: i64,
    p_alive: Option<f64>,
    expected_purchases: Option<f64>,
    expected_value_cents: Option<i64>,
}

impl From<&CustomerAnalytics> for AnalyticsRecord {
    fn from(row: &CustomerAnalytics) -> Self {
        Self {
            customer_id: row.customer_id.get(),
            segment: row.segment.as_str().to_owned(),
            lapsed: row.lapsed,
            recency_score: row.recency_score,
            frequency_score: row.frequency_score,
            monetary_score: row.monetary_score,
            rfm_segment: row.rfm_segment.map(|s| s.as_str().to_owned()),
            visits: row.visits,
            total_spent_cents: row.total_spent_cents,
            first_purchase: row.first_purchase,
            last_purchase: row.last_purchase,
            purchase_days: row.purchase_days,
            p_alive: row.value.map(|v| v.p_alive),
            expected_purchases: row.value.map(|v| v.expected_purchases),
            expected_value_cents: row.value.and_then(|v| v.expected_value_cents),
        }
    }
}

impl TryFrom<AnalyticsRecord> for CustomerAnalytics {
    type Error = StorageError;

    fn try_from(r: AnalyticsRecord) -> Result<Self, StorageError> {
        Ok(Self {
            customer_id: stored_customer(r.customer_id)?,
            segment: stored_segment(&r.segment)?,
            lapsed: r.lapsed,
            recency_score: r.recency_score,
            frequency_score: r.frequency_score,
            monetary_score: r.monetary_score,
            rfm_segment: r.rfm_segment.as_deref().map(stored_rfm_segment).transpose()?,
            visits: r.visits,
            total_spent_cents: r.total_spent_cents,
            first_purchase: r.first_purchase,
            last_purchase: r.last_purchase,
            purchase_days: r.purchase_days,
            value: r.p_alive.zip(r.expected_purchases).map(|(p_alive, expected_purchases)| ValueScore {
                p_alive,
                expected_purchases,
                expected_value_cents: r.expected_value_cents,
            }),
        })
    }
}

/// A stored customer id read back (the store holds only ids it accepted).
pub fn stored_customer(id: i64) -> Result<CustomerId, StorageError> {
    CustomerId::try_from(id).map_err(|_| StorageError::unknown_label("customer_id", &id.to_string()))
}

/// A stored segment name read back.
pub(crate) fn stored_segment(name: &str) -> Result<Segment, StorageError> {
    Segment::from_name(name).ok_or_else(|| StorageError::unknown_label("segment", name))
}

/// A stored RFM segment name read back.
pub(crate) fn stored_rfm_segment(name: &str) -> Result<RfmSegment, StorageError> {
    RfmSegment::from_name(name).ok_or_else(|| StorageError::unknown_label("rfm_segment", name))
}

/// A `product_trends` row as the table holds it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = product_trends, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub(crate) struct TrendRecord {
    product_id: String,
    popularity_score: f64,
    popularity_rank: i32,
    trend_direction: String,
    decayed_units: f64,
    decayed_revenue_cents: f64,
    recent_units: i64,
}

impl From<&ProductTrend> for TrendRecord {
    fn from(row: &ProductTrend) -> Self {
        Self {
            product_id: row.product_id.as_str().to_owned(),
            popularity_score: row.popularity_score,
            popularity_rank: row.popularity_rank,
            trend_direction: row.trend_direction.as_str().to_owned(),
            decayed_units: row.decayed_units,
            decayed_revenue_cents: row.decayed_revenue_cents,
            recent_units: row.recent_units,
        }
    }
}

impl TryFrom<TrendRecord> for ProductTrend {
    type Error = StorageError;

    fn try_from(r: TrendRecord) -> Result<Self, StorageError> {
        Ok(Self {
            trend_direction: Direction::from_name(&r.trend_direction)
                .ok_or_else(|| StorageError::unknown_label("trend_direction", &r.trend_direction))?,
            product_id: ProductId::from_stored(r.product_id),
            popularity_score: r.popularity_score,
            popularity_rank: r.popularity_rank,
            decayed_units: r.decayed_units,
            decayed_revenue_cents: r.decayed_revenue_cents,
            recent_units: r.recent_units,
        })
    }
}

/// A `product_pairs` row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = product_pairs, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ProductPairRow {
    /// One product (the smaller code).
    pub product_a: String,
    /// The other product.
    pub product_b: String,
    /// Baskets holding both.
    pub together: i64,
    /// Baskets holding `product_a`.
    pub baskets_with_a: i64,
    /// Baskets holding `product_b`.
    pub baskets_with_b: i64,
    /// Lift of the pair.
    pub lift: f64,
}

/// Replaces every derived table with a refresh's results and records the run. The
/// per-segment and per-RFM-cell counts are derived here from `customers`; the run is
/// recorded as `replica`'s.
pub fn replace_derived(
    conn: &mut Conn,
    customers: &[CustomerAnalytics],
    products: &[ProductTrend],
    pairs: &[ProductPairRow],
    rule_tags: &[(i64, String)],
    (run, replica): (&AnalyticsRun, &str),
) -> Result<(), StorageError> {
    diesel::delete(customer_analytics::table).execute_in(conn)?;
    for chunk in customers.chunks(MAX_BINDS / 15) {
        let records: Vec<AnalyticsRecord> = chunk.iter().map(Into::into).collect();
        diesel::insert_into(customer_analytics::table).values(&records).execute_in(conn)?;
    }
    let mut by_segment_day: BTreeMap<(&str, Option<NaiveDate>), i64> = BTreeMap::new();
    let mut by_cell: BTreeMap<(i32, i32), (&str, i64)> = BTreeMap::new();
    for c in customers {
        *by_segment_day.entry((c.segment.as_str(), c.last_purchase)).or_default() += 1;
        if let (Some(r), Some(f), Some(name)) =
            (c.recency_score, c.frequency_score, c.rfm_segment.map(RfmSegment::as_str))
        {
            by_cell.entry((r, f)).or_insert((name, 0)).1 += 1;
        }
    }
    diesel::delete(segment_day_counts::table).execute_in(conn)?;
    let rows: Vec<_> = by_segment_day
        .into_iter()
        .map(|((segment, day), n)| {
            (
                segment_day_counts::segment.eq(segment),
                segment_day_counts::last_purchase.eq(day),
                segment_day_counts::customers.eq(n),
            )
        })
        .collect();
    for chunk in rows.chunks(MAX_BINDS / 3) {
        diesel::insert_into(segment_day_counts::table).values(chunk).execute_in(conn)?;
    }
    diesel::delete(rfm_cell_counts::table).execute_in(conn)?;
    let rows: Vec<_> = by_cell
        .into_iter()
        .map(|((r, f), (name, n))| {
            (
                rfm_cell_counts::recency_score.eq(r),
                rfm_cell_counts::frequency_score.eq(f),
                rfm_cell_counts::rfm_segment.eq(name),
                rfm_cell_counts::customers.eq(n),
            )
        })
        .collect();
    diesel::insert_into(rfm_cell_counts::table).values(&rows).execute_in(conn)?;
    diesel::delete(product_trends::table).execute_in(conn)?;
    for chunk in products.chunks(MAX_BINDS / 7) {
        let records: Vec<TrendRecord> = chunk.iter().map(Into::into).collect();
        diesel::insert_into(product_trends::table).values(&records).execute_in(conn)?;
    }
    diesel::delete(product_pairs::table).execute_in(conn)?;
    for chunk in pairs.chunks(MAX_BINDS / 6) {
        diesel::insert_into(product_pairs::table).values(chunk).execute_in(conn)?;
    }
    diesel::delete(customer_rule_tags::table).execute_in(conn)?;
    let rows: Vec<_> =
        rule_tags.iter().map(|(c, t)| (customer_rule_tags::customer_id.eq(c), customer_rule_tags::tag.eq(t))).collect();
    for chunk in rows.chunks(MAX_BINDS / 2) {
        diesel::insert_into(customer_rule_tags::table).values(chunk).execute_in(conn)?;
    }
    diesel::insert_into(analytics_runs::table)
        .values((
            analytics_runs::started_at.eq(run.started_at.naive_utc()),
            analytics_runs::finished_at.eq(run.finished_at.naive_utc()),
            analytics_runs::as_of.eq(run.as_of),
            analytics_runs::customers.eq(run.customers),
            analytics_runs::products.eq(run.products),
            analytics_runs::pairs.eq(run.pairs),
            analytics_runs::replica.eq(replica),
        ))
        .execute_in(conn)?;
    Ok(())
}

/// The last finished refresh, if any.
pub fn last_analytics_run(conn: &mut Conn) -> Result<Option<AnalyticsRun>, StorageError> {
    let row: Option<(NaiveDateTime, NaiveDateTime, NaiveDate, i64, i64, i64)> = analytics_runs::table
        .order(analytics_runs::id.desc())
        .select((
            analytics_runs::started_at,
            analytics_runs::finished_at,
            analytics_runs::as_of,
            analytics_runs::customers,
            analytics_runs::products,
            analytics_runs::pairs,
        ))
        .first_in(conn)
        .optional()?;
    Ok(row.map(|(started, finished, as_of, customers, products, pairs)| AnalyticsRun {
        started_at: started.and_utc(),
        finished_at: finished.and_utc(),
        as_of,
        customers,
        products,
        pairs,
    }))
}

/// One line of a basket, as streamed by [`for_each_basket_line`].
#[derive(Debug, QueryableByName)]
struct BasketLine {
    #[diesel(sql_type = BigInt)]
    sale_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    product_id: String,
}

/// Calls `visit(sale_id, product_id)` for every line of the completed sales dated on or
/// after `since`, grouped by sale (streamed: the lines are never all in memory).
pub fn for_each_basket_line(
    conn: &mut Conn,
    since: NaiveDate,
    mut visit: impl FnMut(i64, String),
) -> Result<(), StorageError> {
    // SQLite's CROSS JOIN ([`Conn::ordered_join`]) keeps sale_items as the outer loop, so
    // its rows come in their clustered (sale_id, line_no) order and need no sort (which
    // would hold them all in memory). PostgreSQL plans a plain inner join and sorts (on
    // disk past work_mem).
    let text = conn.sql(&crate::with_labels::<crm_domain::SaleStatus>(&format!(
        "SELECT i.sale_id AS sale_id, i.product_id AS product_id
         FROM sale_items AS i {join} sales AS s ON s.id = i.sale_id
         WHERE s.status = {{completed}} AND s.local_date >= ?
         ORDER BY i.sale_id, i.line_no",
        join = conn.ordered_join()
    )));
    crate::for_each_row!(conn, diesel::sql_query(&text).bind::<Date, _>(since), BasketLine, |line| {
        let line = line?;
        visit(line.sale_id, line.product_id);
    });
    Ok(())
}

/// Calls `visit` for every row of `product_sales_daily` in `from..=to` (streamed).
pub fn for_each_product_day(
    conn: &mut Conn,
    from: NaiveDate,
    to: NaiveDate,
    mut visit: impl FnMut(crate::ProductDayTotals),
) -> Result<(), StorageError> {
    use crate::schema::product_sales_daily::dsl::*;
    let rows = product_sales_daily.filter(local_date.between(from, to)).select((
        local_date,
        product_id,
        units,
        revenue_cents,
        sale_count,
    ));
    crate::for_each_row!(conn, rows, crate::ProductDayTotals, |row| visit(row?));
    Ok(())
}

/// One purchased category, as streamed by [`for_each_customer_category`].
#[derive(Debug, QueryableByName)]
struct CustomerCategory {
    #[diesel(sql_type = BigInt)]
    customer_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    category: String,
}

/// Calls `visit(customer_id, category)` for every line with a category (the line's own, else
/// the product's) of customers' completed sales on or after `since` (streamed; a customer
/// and category may repeat).
pub fn for_each_customer_category(
    conn: &mut Conn,
    since: NaiveDate,
    mut visit: impl FnMut(i64, String),
) -> Result<(), StorageError> {
    // The ordered join, as in `for_each_basket_line`: SQLite keeps sale_items (the largest
    // table) as the outer loop, read once in order, and looks sales and products up by key.
    let text = conn.sql(&crate::with_labels::<crm_domain::SaleStatus>(&format!(
        "SELECT s.customer_id AS customer_id, COALESCE(i.category, p.category) AS category
         FROM sale_items AS i {join} sales AS s ON s.id = i.sale_id
              {join} products AS p ON p.id = i.product_id
         WHERE s.status = {{completed}} AND s.customer_id IS NOT NULL AND s.local_date >= ?
           AND COALESCE(i.category, p.category) IS NOT NULL",
        join = conn.ordered_join()
    )));
    crate::for_each_row!(conn, diesel::sql_query(&text).bind::<Date, _>(since), CustomerCategory, |line| {
        let line = line?;
        visit(line.customer_id, line.category);
    });
    Ok(())
}

/// A line of a customer's completed sale, as [`for_each_sale_line`] streams it: a sale
/// without lines comes once, with the line fields `None`.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct SaleLine {
    /// The customer.
    #[diesel(sql_type = BigInt)]
    pub customer_id: i64,
    /// The sale.
    #[diesel(sql_type = BigInt)]
    pub sale_id: i64,
    /// When the sale happened (UTC).
    #[diesel(sql_type = Timestamp, deserialize_as = crate::moments::Moment)]
    pub created_at: NaiveDateTime,
    /// The sale's store-local day.
    #[diesel(sql_type = Date, deserialize_as = crate::moments::Day)]
    pub local_date: NaiveDate,
    /// The receipt total, in cents.
    #[diesel(sql_type = BigInt)]
    pub total_cents: i64,
    /// The line's product.
    #[diesel(sql_type = Nullable<Text>)]
    pub product_id: Option<String>,
    /// The product's name on the receipt.
    #[diesel(sql_type = Nullable<Text>)]
    pub product_name: Option<String>,
    /// Units.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub quantity: Option<i64>,
    /// Unit price, in ten-thousandths.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub unit_price_e4: Option<i64>,
}

/// Calls `visit` for every line of the completed sales of the customers whose ids are in
/// `customers`, sale by sale in the order the sales table holds them (by sale id, each
/// sale's lines by line number). One pass reads the sales table in order and each chosen
/// sale's lines through their key, so the pages come in file order, however the customers'
/// sales are spread: several passes over ranges of customers cost less than one walk of
/// `sales_by_customer`, which reads each sale's row and lines at random (docs/performance.md,
/// issue 23). Stops at the first error `visit` returns.
pub fn for_each_sale_line<E: From<StorageError>>(
    conn: &mut Conn,
    customers: std::ops::RangeInclusive<i64>,
    mut visit: impl FnMut(SaleLine) -> Result<(), E>,
) -> Result<(), E> {
    let text = conn.sql(&crate::with_labels::<crm_domain::SaleStatus>(&format!(
        "SELECT s.customer_id AS customer_id, s.id AS sale_id, s.created_at AS created_at,
                s.local_date AS local_date, s.total_cents AS total_cents,
                i.product_id AS product_id, i.product_name AS product_name,
                i.quantity AS quantity, i.unit_price_e4 AS unit_price_e4
         FROM sales AS s{}
         LEFT JOIN sale_items AS i ON i.sale_id = s.id
         WHERE s.status = {{completed}} AND s.customer_id BETWEEN ? AND ?
         ORDER BY s.id, i.line_no",
        conn.in_stored_order()
    )));
    let query = diesel::sql_query(&text).bind::<BigInt, _>(*customers.start()).bind::<BigInt, _>(*customers.end());
    crate::for_each_row!(conn, query, SaleLine, |line| visit(line.map_err(StorageError::from)?)?);
    Ok(())
}

/// The customers whose ids are in `customers`, by id, with their names (`None` for a
/// placeholder).
pub fn customer_names(
    conn: &mut Conn,
    customers: std::ops::RangeInclusive<i64>,
) -> Result<Vec<(i64, Option<String>)>, StorageError> {
    Ok(customers::table
        .select((customers::id, customers::name))
        .filter(customers::id.between(*customers.start(), *customers.end()))
        .order(customers::id)
        .load_in(conn)?)
}

/// Every manual purpose tag, by customer and tag.
pub fn manual_tags(conn: &mut Conn) -> Result<Vec<(i64, String)>, StorageError> {
    use crate::schema::customer_tags;
    Ok(customer_tags::table
        .select((customer_tags::customer_id, customer_tags::tag))
        .order((customer_tags::customer_id, customer_tags::tag))
        .load_in(conn)?)
}

/// Every product's code, name and category, by code.
pub fn product_labels(conn: &mut Conn) -> Result<Vec<(String, String, Option<String>)>, StorageError> {
    use crate::schema::products;
    Ok(products::table.select((products::id, products::name, products::category)).order(products::id).load_in(conn)?)
}
