//! Storage for crm-trends, on the embedded SQLite file or on PostgreSQL: the diesel schema,
//! embedded migrations per engine, the connection pool with its single writer, and the
//! repositories and ingest use cases.
//!
//! Rules of this crate: repository functions take `&mut Conn` (either engine) and never
//! open a transaction; the caller that needs atomicity runs the whole unit through
//! [`Database::write`], which holds the one writer connection inside a transaction that
//! writes alone. Reads go through a pool of read-only connections ([`Database::read`]).
//! Queries are written once, valid on both engines ([`Query`]); what only one engine has
//! is matched on [`Conn`].

mod backend;
mod backup;
pub mod calendar;
mod cards;
mod daily;
mod db;
mod derived;
mod error;
pub mod export;
pub mod ingest;
mod labels;
mod moments;
pub mod reads;
mod replicas;
mod rows;
pub mod schema;
pub mod scratch;
mod status;
mod stock;
mod value;

pub use backend::{Backend, Conn, Location, Query, UnsupportedUrl};
pub use backup::{BackupReport, backup};
pub use cards::{CARD_ROWS_PER_STATEMENT, insert_prepared_cards, prepared_card};
pub use crm_domain::error_chain;
pub use daily::{
    DailyTotals, ProductDayTotals, ProductWindowTotals, daily_sales, daily_totals, product_daily_totals,
    product_exists, product_units_on, product_window_totals, recompute_daily_totals, recompute_product_daily_totals,
    sales_day_range,
};
pub use db::{Database, DbOptions, MIGRATIONS, POSTGRES_MIGRATIONS};
pub use derived::{
    CustomerTotals, ProductPairRow, SaleLine, customer_names, customer_totals, for_each_basket_line,
    for_each_customer_category, for_each_product_day, for_each_sale_line, last_analytics_run, manual_tags,
    product_labels, replace_derived, stored_customer,
};
pub use error::StorageError;
pub use ingest::{ProductsSynced, SalesSynced};
pub use labels::{Stored, with_labels};
pub use replicas::{
    Change, ChangeEntry, InstalledCards, changes_after, delete_unserved_cards, installed_cards, last_change,
    new_card_generation, newest_installed_generation, prune_changes, record_change, record_installed_cards,
    refresh_lease, release_refresh_lease, store_now_ms, take_refresh_lease,
};
pub use status::{ping, recount_tables, sync_status, table_counts};
pub use stock::{CatalogueEntry, StockOut, catalogue, stock_outs};
pub use value::{PurchaseDays, grouped_purchase_days, purchase_days, repeat_purchase_days};

/// Largest number of bind parameters put in one statement; SQLite allows 32,766 and
/// PostgreSQL 65,535.
pub(crate) const MAX_BINDS: usize = 30_000;
