//! Read queries behind the insight card, the customer list and the dashboard. Each is an
//! indexed lookup or range scan; none reads all sales.

use crate::Query;
use crate::derived::{
    AnalyticsRecord, ProductPairRow, TrendRecord, stored_customer, stored_rfm_segment, stored_segment,
};
use crate::schema::{
    calendar_events, customer_analytics, customer_rule_tags, customer_tags, customers, product_pairs, product_trends,
    products, sale_items, sales,
};
use crate::{Conn, MAX_BINDS, StorageError};
use chrono::{NaiveDate, NaiveDateTime};
use crm_domain::{
    CalendarEvent, CustomerAnalytics, CustomerId, CustomerProfile, EventId, PopularProduct, ProductTrend, RfmSegment,
    Segment, StoredEvent,
};
use diesel::prelude::*;
use std::collections::HashMap;

/// Id, name, phone, e-mail and placeholder flag of a customer row.
type Contact = (i64, Option<String>, Option<String>, Option<String>, bool);

/// A customer by id, with analytics.
pub fn customer_profile(conn: &mut Conn, id: CustomerId) -> Result<Option<CustomerProfile>, StorageError> {
    let row: Option<Contact> = customers::table
        .find(id.get())
        .select((customers::id, customers::name, customers::phone, customers::email, customers::placeholder))
        .first_in(conn)
        .optional()?;
    let Some((id, name, phone, email, placeholder)) = row else {
        return Ok(None);
    };
    let analytics: Option<AnalyticsRecord> = customer_analytics::table
        .find(id)
        .select(crate::backend::columns::<AnalyticsRecord>())
        .first_in(conn)
        .optional()?;
    let analytics = analytics.map(CustomerAnalytics::try_from).transpose()?;
    Ok(Some(CustomerProfile { id: stored_customer(id)?, name, phone, email, placeholder, analytics }))
}

/// One of a customer's completed sales.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct CustomerSale {
    /// The sale.
    pub id: i64,
    /// When.
    pub created_at: NaiveDateTime,
    /// The store-local day.
    pub local_date: NaiveDate,
    /// The receipt total, in cents.
    pub total_cents: i64,
}

/// A line of one of a customer's completed sales.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerLine {
    /// The sale.
    pub sale_id: i64,
    /// The product.
    pub product_id: String,
    /// The product's name on the receipt.
    pub product_name: Option<String>,
    /// Units.
    pub quantity: i64,
    /// Unit price, in ten-thousandths.
    pub unit_price_e4: i64,
}

/// A customer's completed sales (oldest first) and their lines (in sale and line order),
/// read in one pass over the customer's index entries.
pub fn customer_purchases(
    conn: &mut Conn,
    customer: i64,
) -> Result<(Vec<CustomerSale>, Vec<CustomerLine>), StorageError> {
    type Joined = (CustomerSale, Option<(String, Option<String>, i64, i64)>);
    let rows: Vec<Joined> = sales::table
        .left_join(sale_items::table)
        .filter(sales::customer_id.eq(customer))
        .filter(sales::status.eq(crm_domain::SaleStatus::Completed.as_str()))
        .order((sales::created_at, sales::id, sale_items::line_no))
        .select((
            (sales::id, sales::created_at, sales::local_date, sales::total_cents),
            (sale_items::product_id, sale_items::product_name, sale_items::quantity, sale_items::unit_price_e4)
                .nullable(),
        ))
        .load_in(conn)?;
    let mut sales: Vec<CustomerSale> = Vec::new();
    let mut lines = Vec::new();
    for (sale, line) in rows {
        if let Some((product_id, product_name, quantity, unit_price_e4)) = line {
            lines.push(CustomerLine { sale_id: sale.id, product_id, product_name, quantity, unit_price_e4 });
        }
        if sales.last().map(|s| s.id) != Some(sale.id) {
            sales.push(sale);
        }
    }
    Ok((sales, lines))
}

/// Names and categories of products, by code.
pub fn product_names(
    conn: &mut Conn,
    ids: &[String],
) -> Result<HashMap<String, (String, Option<String>)>, StorageError> {
    let mut names = HashMap::new();
    for chunk in ids.chunks(MAX_BINDS) {
        let rows: Vec<(String, String, Option<String>)> = products::table
            .filter(products::id.eq_any(chunk))
            .select((products::id, products::name, products::category))
            .load_in(conn)?;
        names.extend(rows.into_iter().map(|(id, name, category)| (id, (name, category))));
    }
    Ok(names)
}

/// The pairs that contain any of `products`, best lift first (then most baskets together,
/// then by codes, so the order is total), at most `limit`.
pub fn pairs_with(conn: &mut Conn, products: &[String], limit: i64) -> Result<Vec<ProductPairRow>, StorageError> {
    let chunk: Vec<&String> = products.iter().take(MAX_BINDS / 2).collect();
    Ok(product_pairs::table
        .filter(product_pairs::product_a.eq_any(&chunk).or(product_pairs::product_b.eq_any(&chunk)))
        .order((
            product_pairs::lift.desc(),
            product_pairs::together.desc(),
            product_pairs::product_a,
            product_pairs::product_b,
        ))
        .limit(limit)
        .select(crate::backend::columns::<ProductPairRow>())
        .load_in(conn)?)
}

/// A customer's purpose tags, manual and by rule, sorted and without repeats.
pub fn customer_tag_list(conn: &mut Conn, customer: i64) -> Result<Vec<String>, StorageError> {
    let mut tags: Vec<String> = customer_tags::table
        .filter(customer_tags::customer_id.eq(customer))
        .select(customer_tags::tag)
        .load_in(conn)?;
    tags.extend(
        customer_rule_tags::table
            .filter(customer_rule_tags::customer_id.eq(customer))
            .select(customer_rule_tags::tag)
            .load_in::<String>(conn)?,
    );
    tags.sort();
    tags.dedup();
    Ok(tags)
}

/// Replaces a customer's manual purpose tags. An erased customer keeps none: nothing is
/// stored for it, and the answer is false.
pub fn set_customer_tags(conn: &mut Conn, customer: i64, tags: &[String]) -> Result<bool, StorageError> {
    let erased: Option<Option<NaiveDateTime>> =
        customers::table.find(customer).select(customers::erased_at).first_in(conn).optional()?;
    if matches!(erased, Some(Some(_))) {
        return Ok(false);
    }
    diesel::delete(customer_tags::table.filter(customer_tags::customer_id.eq(customer))).execute_in(conn)?;
    let rows: Vec<_> =
        tags.iter().map(|t| (customer_tags::customer_id.eq(customer), customer_tags::tag.eq(t))).collect();
    diesel::insert_into(customer_tags::table).values(&rows).execute_in(conn)?;
    Ok(true)
}

/// Filters for the customer list; all optional.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Only this segment.
    pub segment: Option<Segment>,
    /// Only customers with this manual tag.
    pub tag: Option<String>,
    /// Text contained in name, phone or e-mail (case-insensitive for ASCII).
    pub text: Option<String>,
    /// Only ids greater than this (the pagination cursor, in id order).
    pub after_id: Option<i64>,
    /// The order, and where the page starts in it.
    pub order: CustomerOrder,
    /// Most rows to return.
    pub limit: i64,
}

/// The order of the customer list, with the position after which a page starts.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum CustomerOrder {
    /// By id (`after_id` pages).
    #[default]
    Id,
    /// Highest expected value first, then by id; only customers with a value. The page
    /// starts after (value in cents, id).
    Value(Option<(i64, i64)>),
    /// Lowest P(alive) first (most likely lost), then by id; only customers with a value.
    /// The page starts after (P(alive), id).
    PAlive(Option<(f64, i64)>),
}

diesel::define_sql_function! {
    /// SQL's `lower()`.
    fn lower(text: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// Customers matching `filter`, by id.
pub fn list_customers(conn: &mut Conn, filter: &CustomerFilter) -> Result<Vec<CustomerProfile>, StorageError> {
    // Text matches without regard to case: both sides lowered (SQLite's lower() and LIKE
    // fold ASCII letters only; PostgreSQL's lower() folds every letter).
    let pattern = filter.text.as_ref().map(|text| {
        let text = match conn.backend() {
            crate::Backend::Sqlite => text.to_ascii_lowercase(),
            crate::Backend::Postgres => text.to_lowercase(),
        };
        format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
    });
    // The query is boxed (its filters vary), which ties it to one engine: built per engine.
    let rows: Vec<(Contact, Option<AnalyticsRecord>)> = crate::on_backend!(conn, c => {
        let mut query = customers::table
            .left_join(customer_analytics::table)
            .select((
                (customers::id, customers::name, customers::phone, customers::email, customers::placeholder),
                Option::<AnalyticsRecord>::as_select(),
            ))
            .limit(filter.limit)
            .into_boxed();
        match filter.order {
            CustomerOrder::Id => {
                query = query.order(customers::id);
                if let Some(after) = filter.after_id {
                    query = query.filter(customers::id.gt(after));
                }
            }
            CustomerOrder::Value(after) => {
                query = query
                    .filter(customer_analytics::expected_value_cents.is_not_null())
                    .order((customer_analytics::expected_value_cents.desc(), customers::id));
                if let Some((value, id)) = after {
                    query = query.filter(
                        customer_analytics::expected_value_cents
                            .lt(value)
                            .or(customer_analytics::expected_value_cents.eq(value).and(customers::id.gt(id))),
                    );
                }
            }
            CustomerOrder::PAlive(after) => {
                query = query
                    .filter(customer_analytics::p_alive.is_not_null())
                    .order((customer_analytics::p_alive, customers::id));
                if let Some((p, id)) = after {
                    query = query.filter(
                        customer_analytics::p_alive
                            .gt(p)
                            .or(customer_analytics::p_alive.eq(p).and(customers::id.gt(id))),
                    );
                }
            }
        }
        if let Some(segment) = &filter.segment {
            query = query.filter(customer_analytics::segment.eq(segment.as_str()));
        }
        if let Some(tag) = &filter.tag {
            let tagged = customer_tags::table.filter(customer_tags::tag.eq(tag.clone())).select(customer_tags::customer_id);
            let by_rule = customer_rule_tags::table
                .filter(customer_rule_tags::tag.eq(tag.clone()))
                .select(customer_rule_tags::customer_id);
            query = query.filter(customers::id.eq_any(tagged).or(customers::id.eq_any(by_rule)));
        }
        if let Some(pattern) = &pattern {
            let pattern = pattern.clone();
            query = query.filter(
                lower(customers::name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(customers::phone).like(pattern.clone()).escape('\\'))
                    .or(lower(customers::email).like(pattern).escape('\\')),
            );
        }
        query.load(c)?
    });
    rows.into_iter()
        .map(|((id, name, phone, email, placeholder), analytics)| {
            Ok(CustomerProfile {
                id: stored_customer(id)?,
                name,
                phone,
                email,
                placeholder,
                analytics: analytics.map(CustomerAnalytics::try_from).transpose()?,
            })
        })
        .collect()
}

/// Customers per segment (from the last refresh).
pub fn segment_counts(conn: &mut Conn) -> Result<Vec<(Segment, i64)>, StorageError> {
    use crate::schema::segment_day_counts::dsl::*;
    // A few rows per day of history: summed here rather than with SUM, whose SQL type
    // differs between backends.
    let rows: Vec<(String, i64)> = segment_day_counts.select((segment, customers)).load_in(conn)?;
    let mut totals: Vec<(Segment, i64)> = Vec::new();
    for (name, n) in rows {
        let name = stored_segment(&name)?;
        match totals.iter_mut().find(|(existing, _)| *existing == name) {
            Some((_, total)) => *total += n,
            None => totals.push((name, n)),
        }
    }
    Ok(totals)
}

/// Customers whose last purchase is on or after `since` (from the last refresh).
pub fn active_customers_since(conn: &mut Conn, since: NaiveDate) -> Result<i64, StorageError> {
    use crate::schema::segment_day_counts::dsl::*;
    let counts: Vec<i64> = segment_day_counts.filter(last_purchase.ge(since)).select(customers).load_in(conn)?;
    Ok(counts.into_iter().sum())
}

/// Customers with a completed purchase on a store-local day from `from` to `to`: for a
/// window that ends before the last refresh's day, counted from the sales themselves.
pub fn active_customers_between(conn: &mut Conn, from: NaiveDate, to: NaiveDate) -> Result<i64, StorageError> {
    use crate::schema::sales::dsl::*;
    Ok(sales
        .filter(local_date.between(from, to))
        .filter(status.eq(crm_domain::SaleStatus::Completed.as_str()))
        .filter(customer_id.is_not_null())
        .select(diesel::dsl::count(customer_id).aggregate_distinct())
        .first_in(conn)?)
}

/// The last refresh's popularity of each of `ids` it ranked, by code.
pub fn product_trends_of(conn: &mut Conn, ids: &[String]) -> Result<HashMap<String, ProductTrend>, StorageError> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(MAX_BINDS) {
        let rows: Vec<TrendRecord> = product_trends::table
            .filter(product_trends::product_id.eq_any(chunk))
            .select(crate::backend::columns::<TrendRecord>())
            .load_in(conn)?;
        for row in rows {
            let row: ProductTrend = row.try_into()?;
            found.insert(row.product_id.as_str().to_owned(), row);
        }
    }
    Ok(found)
}

/// Customers per cell of the RFM grid and per named RFM segment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RfmCounts {
    /// (recency score, frequency score, customers).
    pub grid: Vec<(i32, i32, i64)>,
    /// (segment, customers).
    pub named: Vec<(RfmSegment, i64)>,
}

/// Customers per (recency score, frequency score) cell, and per named RFM segment (from
/// the last refresh).
pub fn rfm_counts(conn: &mut Conn) -> Result<RfmCounts, StorageError> {
    use crate::schema::rfm_cell_counts::dsl::*;
    let cells: Vec<(i32, i32, String, i64)> = rfm_cell_counts
        .order((recency_score, frequency_score))
        .select((recency_score, frequency_score, rfm_segment, customers))
        .load_in(conn)?;
    let mut named: Vec<(RfmSegment, i64)> = Vec::new();
    for (_, _, name, n) in &cells {
        let name = stored_rfm_segment(name)?;
        match named.iter_mut().find(|(existing, _)| *existing == name) {
            Some((_, total)) => *total += n,
            None => named.push((name, *n)),
        }
    }
    Ok(RfmCounts { grid: cells.into_iter().map(|(r, f, _, n)| (r, f, n)).collect(), named })
}

/// The most popular products (from the last refresh), with names and categories.
pub fn top_products(conn: &mut Conn, limit: i64) -> Result<Vec<PopularProduct>, StorageError> {
    let rows: Vec<(TrendRecord, String, Option<String>)> = product_trends::table
        .inner_join(products::table)
        .order(product_trends::popularity_rank)
        .limit(limit)
        .select((crate::backend::columns::<TrendRecord>(), products::name, products::category))
        .load_in(conn)?;
    rows.into_iter()
        .map(|(trend, name, category)| Ok(PopularProduct { trend: trend.try_into()?, name, category }))
        .collect()
}

/// A calendar event as its row holds it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = calendar_events, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub(crate) struct EventRecord {
    id: i64,
    event_type: String,
    name: String,
    date: NaiveDate,
    end_date: Option<NaiveDate>,
    #[diesel(deserialize_as = crate::Stored<crm_domain::ImpactLevel>)]
    impact_level: crm_domain::ImpactLevel,
    expected_demand_multiplier: f64,
    notes: Option<String>,
    lead_days: Option<i32>,
    uid: Option<String>,
    source_date: Option<NaiveDate>,
}

impl TryFrom<EventRecord> for StoredEvent {
    type Error = StorageError;

    fn try_from(row: EventRecord) -> Result<Self, StorageError> {
        Ok(Self {
            id: EventId::try_from(row.id)
                .map_err(|_| StorageError::unknown_label("calendar_events.id", &row.id.to_string()))?,
            event: CalendarEvent {
                event_type: row.event_type,
                name: row.name,
                date: row.date,
                end_date: row.end_date,
                impact_level: row.impact_level,
                expected_demand_multiplier: row.expected_demand_multiplier,
                notes: row.notes,
                // The column's CHECK keeps it within 0-60.
                lead_days: row.lead_days.and_then(|days| u32::try_from(days).ok()),
            },
            uid: row.uid,
            source_date: row.source_date,
        })
    }
}

/// Rows read into events.
pub(crate) fn stored_events(rows: Vec<EventRecord>) -> Result<Vec<StoredEvent>, StorageError> {
    rows.into_iter().map(StoredEvent::try_from).collect()
}

/// Events starting in `from..=to` (or running through it), by date.
pub fn events_between(conn: &mut Conn, from: NaiveDate, to: NaiveDate) -> Result<Vec<StoredEvent>, StorageError> {
    stored_events(
        calendar_events::table
            .filter(calendar_events::date.le(to))
            .filter(calendar_events::date.ge(from).or(calendar_events::end_date.ge(from)))
            .order((calendar_events::date, calendar_events::id))
            .select(crate::backend::columns::<EventRecord>())
            .load_in(conn)?,
    )
}
