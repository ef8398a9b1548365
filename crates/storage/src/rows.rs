//! Row types: what a table holds, and the conversions from domain records.

use crate::schema::{customers, products, sale_items, sales};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use crm_domain::{Customer, Product, Sale, SaleItem};
use diesel::prelude::*;

/// A `customers` row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = customers, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg), treat_none_as_null = true)]
pub struct CustomerRow {
    pub id: i64,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    pub pos_created_at: Option<NaiveDateTime>,
    pub placeholder: bool,
    pub first_seen_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// When the customer's personal data was erased (such a row is never written by a sync).
    pub erased_at: Option<NaiveDateTime>,
}

impl CustomerRow {
    pub fn from_domain(customer: &Customer, now: DateTime<Utc>) -> Self {
        Self {
            id: customer.id.get(),
            name: Some(customer.name.clone()),
            phone: customer.phone.clone(),
            email: customer.email.clone(),
            address: customer.address.clone(),
            notes: customer.notes.clone(),
            pos_created_at: customer.created_at.map(|at| at.naive_utc()),
            placeholder: false,
            first_seen_at: now.naive_utc(),
            updated_at: now.naive_utc(),
            erased_at: None,
        }
    }

    /// A stand-in for a customer that a sale names before the customer itself syncs.
    pub fn placeholder(id: i64, now: DateTime<Utc>) -> Self {
        Self {
            id,
            name: None,
            phone: None,
            email: None,
            address: None,
            notes: None,
            pos_created_at: None,
            placeholder: true,
            first_seen_at: now.naive_utc(),
            updated_at: now.naive_utc(),
            erased_at: None,
        }
    }

    /// Whether two rows hold the same profile, ignoring bookkeeping timestamps.
    pub fn same_profile(&self, other: &Self) -> bool {
        (&self.name, &self.phone, &self.email, &self.address, &self.notes, self.pos_created_at, self.placeholder)
            == (
                &other.name,
                &other.phone,
                &other.email,
                &other.address,
                &other.notes,
                other.pos_created_at,
                other.placeholder,
            )
    }
}

/// A `products` row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = products, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg), treat_none_as_null = true)]
pub struct ProductRow {
    pub id: String,
    pub name: String,
    pub category: Option<String>,
    pub stock_on_hand: Option<i64>,
    pub lead_time_days: Option<i32>,
    pub unit_cost_e4: Option<i64>,
    pub placeholder: bool,
    pub updated_at: NaiveDateTime,
    pub pack_size: Option<i64>,
    pub min_order_quantity: Option<i64>,
    pub discontinued: bool,
}

impl ProductRow {
    pub fn from_domain(product: &Product, now: DateTime<Utc>) -> Self {
        Self {
            id: product.id.as_str().to_owned(),
            name: product.name.clone(),
            category: product.category.clone(),
            stock_on_hand: product.stock_on_hand,
            lead_time_days: product.lead_time_days,
            unit_cost_e4: product.unit_cost.map(|c| c.ten_thousandths()),
            placeholder: false,
            updated_at: now.naive_utc(),
            pack_size: product.pack_size,
            min_order_quantity: product.min_order_quantity,
            discontinued: product.discontinued,
        }
    }

    /// A product known so far only from a sale line: named as the line names it.
    pub fn from_line(item: &SaleItem, now: DateTime<Utc>) -> Self {
        Self {
            id: item.product_id.as_str().to_owned(),
            name: item.product_name.clone().unwrap_or_else(|| item.product_id.as_str().to_owned()),
            category: item.category.clone(),
            stock_on_hand: None,
            lead_time_days: None,
            unit_cost_e4: None,
            placeholder: true,
            updated_at: now.naive_utc(),
            pack_size: None,
            min_order_quantity: None,
            discontinued: false,
        }
    }

    /// Whether two rows describe the product alike, ignoring bookkeeping timestamps.
    pub fn same_entry(&self, other: &Self) -> bool {
        Self { updated_at: other.updated_at, ..self.clone() } == *other
    }
}

/// A `sales` row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = sales, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg), treat_none_as_null = true)]
pub struct SaleRow {
    pub id: i64,
    pub customer_id: Option<i64>,
    pub total_cents: i64,
    pub created_at: NaiveDateTime,
    pub local_date: NaiveDate,
    pub status: String,
    pub store_id: Option<String>,
    pub payment_method: Option<String>,
    pub units: i64,
    pub synced_at: NaiveDateTime,
}

impl SaleRow {
    pub fn from_domain(sale: &Sale, now: DateTime<Utc>) -> Self {
        Self {
            id: sale.id.get(),
            customer_id: sale.customer_id.map(|c| c.get()),
            total_cents: sale.total.cents(),
            created_at: sale.created_at().naive_utc(),
            local_date: sale.local_date(),
            status: sale.status.as_str().to_owned(),
            store_id: sale.store_id.clone(),
            payment_method: sale.payment_method.clone(),
            units: sale.units(),
            synced_at: now.naive_utc(),
        }
    }

    /// Whether two rows record the same sale, ignoring when it was synced.
    pub fn same_sale(&self, other: &Self) -> bool {
        Self { synced_at: other.synced_at, ..self.clone() } == *other
    }
}

/// A `sale_items` row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sale_items, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct SaleItemRow {
    pub sale_id: i64,
    pub line_no: i32,
    pub product_id: String,
    pub product_name: Option<String>,
    pub category: Option<String>,
    pub quantity: i64,
    pub unit_price_e4: i64,
}

impl SaleItemRow {
    /// The rows of a sale's lines, numbered from 1 in the order the POS sent them.
    pub fn lines_of(sale: &Sale) -> impl Iterator<Item = Self> + '_ {
        sale.items.iter().zip(1..).map(|(item, line_no)| Self {
            sale_id: sale.id.get(),
            line_no,
            product_id: item.product_id.as_str().to_owned(),
            product_name: item.product_name.clone(),
            category: item.category.clone(),
            quantity: item.quantity,
            unit_price_e4: item.unit_price.ten_thousandths(),
        })
    }
}
