//! Exports: the stored records in pages, in id order, each page one short read (an export
//! of any size holds one page in memory and no connection between pages).

use crate::derived::AnalyticsRecord;
use crate::rows::{CustomerRow, ProductRow, SaleItemRow, SaleRow};
use crate::schema::{customer_analytics, customer_tags, customers, products, sale_items, sales};
use crate::{Conn, Query, StorageError};
use chrono::{NaiveDate, NaiveDateTime};
use crm_domain::CustomerAnalytics;
use diesel::prelude::*;
use std::collections::HashMap;

/// A customer as the POS sent it, with its manual tags and the last refresh's analytics.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedCustomer {
    /// The POS's id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// When the POS created it (UTC).
    pub created_at: Option<NaiveDateTime>,
    /// Manual tags, sorted.
    pub tags: Vec<String>,
    /// The last refresh's analytics, if it has run since the customer came.
    pub analytics: Option<CustomerAnalytics>,
    /// When its personal data was erased.
    pub erased_at: Option<NaiveDateTime>,
}

/// A catalogue entry as the POS sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedProduct {
    /// Product code.
    pub id: String,
    /// Name.
    pub name: String,
    /// Category.
    pub category: Option<String>,
    /// Units in stock.
    pub stock_on_hand: Option<i64>,
    /// Lead time, days.
    pub lead_time_days: Option<i32>,
    /// Unit cost in ten-thousandths.
    pub unit_cost_e4: Option<i64>,
    /// Units per pack.
    pub pack_size: Option<i64>,
    /// Smallest order.
    pub min_order_quantity: Option<i64>,
    /// No longer sold.
    pub discontinued: bool,
}

/// A sale with its lines, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedSale {
    /// The POS's id.
    pub id: i64,
    /// The customer, if any.
    pub customer_id: Option<i64>,
    /// Total in cents.
    pub total_cents: i64,
    /// When (UTC).
    pub created_at: NaiveDateTime,
    /// `completed`, `refunded` or `voided`.
    pub status: String,
    /// Store or till.
    pub store_id: Option<String>,
    /// How it was paid.
    pub payment_method: Option<String>,
    /// Its lines, in order: product, name, category, quantity, unit price in
    /// ten-thousandths.
    pub lines: Vec<ExportedLine>,
}

/// A sale line, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedLine {
    /// Product code.
    pub product_id: String,
    /// Name on the receipt.
    pub product_name: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Units.
    pub quantity: i64,
    /// Unit price in ten-thousandths.
    pub unit_price_e4: i64,
}

/// Up to `limit` customers with an id above `after`, by id; placeholders (ids a sale named
/// that no customer sync has filled, and erased customers) left out.
pub fn customers_after(conn: &mut Conn, after: i64, limit: i64) -> Result<Vec<ExportedCustomer>, StorageError> {
    // `as_select` names its engine: the query is built per engine.
    let rows: Vec<(CustomerRow, Option<AnalyticsRecord>)> = crate::on_backend!(conn, c => {
        customers::table
            .left_join(customer_analytics::table)
            .filter(customers::id.gt(after))
            .filter(customers::placeholder.eq(false))
            .order(customers::id)
            .limit(limit)
            .select((CustomerRow::as_select(), Option::<AnalyticsRecord>::as_select()))
            .load(c)?
    });
    with_tags(conn, rows)
}

/// One customer, placeholder or erased alike (a personal data export).
pub fn customer(conn: &mut Conn, id: i64) -> Result<Option<ExportedCustomer>, StorageError> {
    let rows: Vec<(CustomerRow, Option<AnalyticsRecord>)> = crate::on_backend!(conn, c => {
        customers::table
            .left_join(customer_analytics::table)
            .filter(customers::id.eq(id))
            .select((CustomerRow::as_select(), Option::<AnalyticsRecord>::as_select()))
            .load(c)?
    });
    Ok(with_tags(conn, rows)?.pop())
}

fn with_tags(
    conn: &mut Conn,
    rows: Vec<(CustomerRow, Option<AnalyticsRecord>)>,
) -> Result<Vec<ExportedCustomer>, StorageError> {
    let ids: Vec<i64> = rows.iter().map(|(c, _)| c.id).collect();
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(crate::MAX_BINDS) {
        let pairs: Vec<(i64, String)> = customer_tags::table
            .filter(customer_tags::customer_id.eq_any(chunk))
            .order((customer_tags::customer_id, customer_tags::tag))
            .select((customer_tags::customer_id, customer_tags::tag))
            .load_in(conn)?;
        for (customer, tag) in pairs {
            tags.entry(customer).or_default().push(tag);
        }
    }
    rows.into_iter()
        .map(|(row, analytics)| {
            Ok(ExportedCustomer {
                tags: tags.remove(&row.id).unwrap_or_default(),
                analytics: analytics.map(CustomerAnalytics::try_from).transpose()?,
                id: row.id,
                name: row.name.unwrap_or_default(),
                phone: row.phone,
                email: row.email,
                address: row.address,
                notes: row.notes,
                created_at: row.pos_created_at,
                erased_at: row.erased_at,
            })
        })
        .collect()
}

/// Up to `limit` catalogue entries with an id after `after`, by id; placeholders (codes seen
/// on sale lines only) left out.
pub fn products_after(conn: &mut Conn, after: &str, limit: i64) -> Result<Vec<ExportedProduct>, StorageError> {
    let rows: Vec<ProductRow> = products::table
        .filter(products::id.gt(after.to_owned()))
        .filter(products::placeholder.eq(false))
        .order(products::id)
        .limit(limit)
        .select(crate::backend::columns::<ProductRow>())
        .load_in(conn)?;
    Ok(rows
        .into_iter()
        .map(|p| ExportedProduct {
            id: p.id,
            name: p.name,
            category: p.category,
            stock_on_hand: p.stock_on_hand,
            lead_time_days: p.lead_time_days,
            unit_cost_e4: p.unit_cost_e4,
            pack_size: p.pack_size,
            min_order_quantity: p.min_order_quantity,
            discontinued: p.discontinued,
        })
        .collect())
}

/// Which sales an export keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SaleFilter {
    /// Only those of these store-local days (both included).
    pub days: Option<(NaiveDate, NaiveDate)>,
    /// Only this customer's.
    pub customer: Option<i64>,
}

/// Up to `limit` sales with an id above `after`, by id, with their lines, those `filter`
/// keeps.
pub fn sales_after(
    conn: &mut Conn,
    after: i64,
    limit: i64,
    filter: SaleFilter,
) -> Result<Vec<ExportedSale>, StorageError> {
    // Boxed (the day filter is optional), which ties the query to one engine: built per engine.
    let rows: Vec<SaleRow> = crate::on_backend!(conn, c => {
        let mut query = sales::table
            .filter(sales::id.gt(after))
            .order(sales::id)
            .limit(limit)
            .select(crate::backend::columns::<SaleRow>())
            .into_boxed();
        if let Some((from, to)) = filter.days {
            query = query.filter(sales::local_date.ge(from)).filter(sales::local_date.le(to));
        }
        if let Some(customer) = filter.customer {
            query = query.filter(sales::customer_id.eq(customer));
        }
        query.load(c)?
    });
    let ids: Vec<i64> = rows.iter().map(|s| s.id).collect();
    let mut lines: HashMap<i64, Vec<ExportedLine>> = HashMap::new();
    for chunk in ids.chunks(crate::MAX_BINDS) {
        let items: Vec<SaleItemRow> = sale_items::table
            .filter(sale_items::sale_id.eq_any(chunk))
            .order((sale_items::sale_id, sale_items::line_no))
            .select(crate::backend::columns::<SaleItemRow>())
            .load_in(conn)?;
        for item in items {
            lines.entry(item.sale_id).or_default().push(ExportedLine {
                product_id: item.product_id,
                product_name: item.product_name,
                category: item.category,
                quantity: item.quantity,
                unit_price_e4: item.unit_price_e4,
            });
        }
    }
    Ok(rows
        .into_iter()
        .map(|s| ExportedSale {
            lines: lines.remove(&s.id).unwrap_or_default(),
            id: s.id,
            customer_id: s.customer_id,
            total_cents: s.total_cents,
            created_at: s.created_at,
            status: s.status,
            store_id: s.store_id,
            payment_method: s.payment_method,
        })
        .collect())
}

/// The numeric ids an import gave to source ids of `kind` (an id map entry each), for those
/// of `sources` that have one.
pub fn mapped_ids(conn: &mut Conn, kind: &str, sources: &[String]) -> Result<HashMap<String, i64>, StorageError> {
    use crate::schema::source_ids;
    let mut found = HashMap::new();
    for chunk in sources.chunks(crate::MAX_BINDS) {
        let pairs: Vec<(String, i64)> = source_ids::table
            .filter(source_ids::kind.eq(kind))
            .filter(source_ids::source.eq_any(chunk))
            .select((source_ids::source, source_ids::id))
            .load_in(conn)?;
        found.extend(pairs);
    }
    Ok(found)
}

/// The lowest id given to a source id of `kind` (mapped ids count down), if any.
pub fn lowest_mapped_id(conn: &mut Conn, kind: &str) -> Result<Option<i64>, StorageError> {
    use crate::schema::source_ids;
    Ok(source_ids::table
        .filter(source_ids::kind.eq(kind))
        .select(diesel::dsl::min(source_ids::id))
        .first_in::<Option<i64>>(conn)?)
}

/// Records new id map entries of `kind` (source id, numeric id).
pub fn add_mapped_ids(conn: &mut Conn, kind: &str, pairs: &[(String, i64)]) -> Result<(), StorageError> {
    use crate::schema::source_ids;
    for chunk in pairs.chunks(crate::MAX_BINDS / 3) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(source, id)| (source_ids::kind.eq(kind), source_ids::source.eq(source), source_ids::id.eq(*id)))
            .collect();
        diesel::insert_into(source_ids::table).values(&rows).execute_in(conn)?;
    }
    Ok(())
}
