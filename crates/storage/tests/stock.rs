//! The daily stock snapshots the products syncs keep, and the stock-outs read from them.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is the failure report")]

mod common;

use chrono::NaiveDate;
use common::at;
use crm_domain::{Product, ProductId};
use crm_storage::ingest::sync_products;
use crm_storage::{Database, StockOut, catalogue, stock_outs};

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn product(id: &str, stock: Option<i64>) -> Product {
    Product {
        id: ProductId::parse(id).unwrap(),
        name: format!("Product {id}"),
        category: None,
        stock_on_hand: stock,
        lead_time_days: None,
        unit_cost: None,
        pack_size: None,
        min_order_quantity: None,
        discontinued: false,
    }
}

/// Syncs `levels` (product, stock) on `on`.
fn report(db: &Database, on: &str, levels: &[(&str, Option<i64>)]) {
    let batch: Vec<Product> = levels.iter().map(|(id, stock)| product(id, *stock)).collect();
    db.write(|c| sync_products(c, &batch, at(&format!("{on}T12:00:00Z")), day(on))).unwrap();
}

fn out(product: &str, first: &str, until: Option<&str>) -> StockOut {
    StockOut { product_id: product.into(), first: day(first), until: until.map(day) }
}

#[test]
fn a_stock_out_runs_from_the_day_a_level_at_or_below_zero_is_reported_to_the_next_report() {
    for (_store, db) in
        common::fresh_dbs("a_stock_out_runs_from_the_day_a_level_at_or_below_zero_is_reported_to_the_next_report")
    {
        report(&db, "2025-11-01", &[("A", Some(5)), ("B", Some(3)), ("C", Some(0))]);
        report(&db, "2025-11-03", &[("A", Some(0)), ("B", Some(-2))]);
        // Unchanged levels add nothing; A's restock ends its stock-out on the 6th.
        report(&db, "2025-11-04", &[("B", Some(-2)), ("C", Some(0))]);
        report(&db, "2025-11-06", &[("A", Some(20))]);
        let all = db.read(|c| stock_outs(c, day("2025-11-01"), day("2025-11-10"), None)).unwrap();
        assert_eq!(
            all,
            [out("A", "2025-11-03", Some("2025-11-06")), out("B", "2025-11-03", None), out("C", "2025-11-01", None)]
        );
        let only_a = db.read(|c| stock_outs(c, day("2025-11-01"), day("2025-11-10"), Some("A"))).unwrap();
        assert_eq!(only_a, [out("A", "2025-11-03", Some("2025-11-06"))]);
    }
}

#[test]
fn only_stock_outs_that_touch_the_window_are_read() {
    for (_store, db) in common::fresh_dbs("only_stock_outs_that_touch_the_window_are_read") {
        report(&db, "2025-10-01", &[("A", Some(0)), ("B", Some(0))]);
        report(&db, "2025-10-05", &[("A", Some(9))]);
        report(&db, "2025-10-20", &[("C", Some(0))]);
        // A's ended on the 5th, before the window; B's is still running; C's starts at the end.
        let window = db.read(|c| stock_outs(c, day("2025-10-05"), day("2025-10-20"), None)).unwrap();
        assert_eq!(window, [out("B", "2025-10-01", None)]);
        let one_more = db.read(|c| stock_outs(c, day("2025-10-04"), day("2025-10-21"), None)).unwrap();
        assert_eq!(
            one_more,
            [out("A", "2025-10-01", Some("2025-10-05")), out("B", "2025-10-01", None), out("C", "2025-10-20", None)]
        );
    }
}

#[test]
fn the_last_report_of_a_day_is_the_day_s_closing_level() {
    for (_store, db) in common::fresh_dbs("the_last_report_of_a_day_is_the_day_s_closing_level") {
        report(&db, "2025-11-01", &[("A", Some(4))]);
        report(&db, "2025-11-02", &[("A", Some(0))]);
        // Restocked the same afternoon: the 2nd closed with stock, so no stock-out.
        report(&db, "2025-11-02", &[("A", Some(30))]);
        let outs = db.read(|c| stock_outs(c, day("2025-11-01"), day("2025-11-10"), None)).unwrap();
        assert_eq!(outs, []);
        // An unknown level leaves the record alone.
        report(&db, "2025-11-03", &[("A", Some(0))]);
        report(&db, "2025-11-04", &[("A", None)]);
        let outs = db.read(|c| stock_outs(c, day("2025-11-01"), day("2025-11-10"), None)).unwrap();
        assert_eq!(outs, [out("A", "2025-11-03", None)]);
    }
}

#[test]
fn the_catalogue_carries_what_reorder_advice_needs() {
    for (_store, db) in common::fresh_dbs("the_catalogue_carries_what_reorder_advice_needs") {
        let full = Product {
            lead_time_days: Some(4),
            pack_size: Some(6),
            min_order_quantity: Some(12),
            discontinued: true,
            unit_cost: Some(crm_domain::UnitPrice::from_ten_thousandths(12_500)),
            ..product("A", Some(7))
        };
        db.write(|c| sync_products(c, &[full, product("B", None)], at("2025-11-01T12:00:00Z"), day("2025-11-01")))
            .unwrap();
        let entries = db.read(catalogue).unwrap();
        assert_eq!(entries.len(), 2);
        let a = &entries[0];
        assert_eq!(
            (a.id.as_str(), a.stock_on_hand, a.lead_time_days, a.unit_cost_e4),
            ("A", Some(7), Some(4), Some(12_500))
        );
        assert_eq!(
            (a.pack_size, a.min_order_quantity, a.discontinued, a.placeholder),
            (Some(6), Some(12), true, false)
        );
        assert_eq!((entries[1].id.as_str(), entries[1].stock_on_hand, entries[1].discontinued), ("B", None, false));
        // A changed reorder field is an update, not "unchanged".
        let resumed = Product { discontinued: false, ..product("A", Some(7)) };
        let synced = db.write(|c| sync_products(c, &[resumed], at("2025-11-02T12:00:00Z"), day("2025-11-02"))).unwrap();
        assert_eq!(synced.counts.updated, 1);
        assert!(!db.read(catalogue).unwrap()[0].discontinued);
    }
}
