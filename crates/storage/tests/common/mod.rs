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

/// What keeps a test's store alive: its SQLite file's directory, or its scratch
/// PostgreSQL database (dropped with this).
#[derive(Debug)]
pub enum Store {
    /// A temporary directory holding the SQLite file.
    Sqlite(tempfile::TempDir),
    /// A scratch PostgreSQL database.
    Postgres(crm_storage::scratch::ScratchDatabase),
}

/// A migrated store on every engine this machine runs: a SQLite file, and a scratch
/// PostgreSQL database when a server answers (else the PostgreSQL half is skipped, and
/// says so, unless `CRM_REQUIRE_POSTGRES=1`). A test runs its body on each.
pub fn fresh_dbs(test: &str) -> Vec<(Store, Database)> {
    let (dir, db) = fresh_db();
    let mut stores = vec![(Store::Sqlite(dir), db)];
    if let Some(scratch) = crm_storage::scratch::ScratchDatabase::create(test) {
        let db = Database::connect(scratch.location(), DbOptions::default()).unwrap();
        stores.push((Store::Postgres(scratch), db));
    }
    stores
}
