//! Builders shared by the storage tests (a `mod.rs` so Cargo does not run it as a test).
#![allow(dead_code, reason = "each test file uses a different subset")]
#![allow(clippy::unwrap_used, reason = "test builders: a panic is the failure report")]

use chrono::{DateTime, Utc};
use crm_domain::{Customer, CustomerId, Money, ProductId, Sale, SaleId, SaleItem, StoreZone, UnitPrice};
use crm_storage::{Database, DbOptions};

/// A migrated database in a temporary directory.
pub fn fresh_db() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path().join("crm.sqlite"), DbOptions::default()).unwrap();
    (dir, db)
}

/// An instant from RFC 3339 text.
pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// A customer with only a name.
pub fn customer(id: i64, name: &str) -> Customer {
    Customer {
        id: CustomerId::try_from(id).unwrap(),
        name: name.to_owned(),
        phone: None,
        email: None,
        address: None,
        notes: None,
        created_at: None,
    }
}

/// A sale line.
pub fn item(product: &str, quantity: i64, unit_price_e4: i64) -> SaleItem {
    SaleItem {
        product_id: ProductId::parse(product).unwrap(),
        product_name: Some(format!("Product {product}")),
        category: None,
        quantity,
        unit_price: UnitPrice::from_ten_thousandths(unit_price_e4),
    }
}

/// A completed sale dated in UTC.
pub fn sale(id: i64, customer: Option<i64>, cents: i64, created_at: &str, items: Vec<SaleItem>) -> Sale {
    let mut sale = Sale::new(SaleId::try_from(id).unwrap(), Money::from_cents(cents), at(created_at), StoreZone::UTC);
    sale.customer_id = customer.map(|c| CustomerId::try_from(c).unwrap());
    sale.items = items;
    sale
}
