//! Stock: the catalogue as reorder advice reads it, and the days products were out of
//! stock, from the daily stock snapshots the products syncs keep (`stock_snapshots`).

use crate::Query;
use crate::{Conn, StorageError};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable, Text};

/// A catalogue entry with what reorder advice needs.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct CatalogueEntry {
    /// The product code.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Category.
    pub category: Option<String>,
    /// Units in stock, as last synced.
    pub stock_on_hand: Option<i64>,
    /// Days from ordering to delivery.
    pub lead_time_days: Option<i32>,
    /// Cost of a unit, in ten-thousandths.
    pub unit_cost_e4: Option<i64>,
    /// Units per pack.
    pub pack_size: Option<i64>,
    /// Smallest order, in units.
    pub min_order_quantity: Option<i64>,
    /// No longer sold.
    pub discontinued: bool,
    /// Known only from sale lines: the catalogue never described it.
    pub placeholder: bool,
}

/// Every product, sorted by code.
pub fn catalogue(conn: &mut Conn) -> Result<Vec<CatalogueEntry>, StorageError> {
    use crate::schema::products::dsl::*;
    Ok(products
        .order(id)
        .select((
            id,
            name,
            category,
            stock_on_hand,
            lead_time_days,
            unit_cost_e4,
            pack_size,
            min_order_quantity,
            discontinued,
            placeholder,
        ))
        .load_in(conn)?)
}

/// Days a product closed with nothing in stock (a level at or below zero): from `first`
/// up to, not including, `until` (the next day a level was reported; `None` while none
/// has been).
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct StockOut {
    /// The product code.
    #[diesel(sql_type = Text)]
    pub product_id: String,
    /// The first day it closed out of stock.
    #[diesel(sql_type = Date)]
    pub first: NaiveDate,
    /// The next day a level was reported.
    #[diesel(sql_type = Nullable<Date>)]
    pub until: Option<NaiveDate>,
}

/// The stock-outs that touch the days `from` up to (not including) `until`, of one product
/// or of all, sorted by product and day. Reads only the snapshots at or below zero (an
/// index holds them) and, for each, the next snapshot's day.
pub fn stock_outs(
    conn: &mut Conn,
    from: NaiveDate,
    until: NaiveDate,
    product: Option<&str>,
) -> Result<Vec<StockOut>, StorageError> {
    Ok(diesel::sql_query(conn.sql(
        "SELECT product_id, first, until FROM (
             SELECT s.product_id AS product_id, s.day AS first,
                    (SELECT MIN(n.day) FROM stock_snapshots n
                      WHERE n.product_id = s.product_id AND n.day > s.day) AS until
             FROM stock_snapshots s
             WHERE s.stock_on_hand <= 0 AND s.day < ? AND (? IS NULL OR s.product_id = ?)
         ) AS outs
         WHERE until IS NULL OR until > ?
         ORDER BY product_id, first",
    ))
    .bind::<Date, _>(until)
    .bind::<Nullable<Text>, _>(product)
    .bind::<Nullable<Text>, _>(product)
    .bind::<Date, _>(from)
    .load_in(conn)?)
}
