//! Upserts and the maintenance of the per-day aggregates.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is the failure report")]

mod common;

use chrono::NaiveDate;
use common::{at, customer, item, sale};
use crm_domain::SyncCounts;
use crm_domain::{CustomerId, Money, Product, ProductId, SaleStatus, StoreZone};
use crm_storage::ingest::{sync_customers, sync_products, sync_sales};
use crm_storage::{daily_totals, product_daily_totals, recompute_daily_totals, sync_status, table_counts};

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

#[test]
fn replaying_a_customer_batch_changes_nothing() {
    for (_store, db) in common::fresh_dbs("replaying_a_customer_batch_changes_nothing") {
        let batch = [customer(1, "John Doe"), customer(2, "Asha Rao")];
        let first = db.write(|c| sync_customers(c, &batch, at("2025-09-27T10:00:00Z"))).unwrap();
        assert_eq!(first, SyncCounts { received: 2, created: 2, updated: 0, unchanged: 0 });
        let again = db.write(|c| sync_customers(c, &batch, at("2025-09-28T10:00:00Z"))).unwrap();
        assert_eq!(again, SyncCounts { received: 2, created: 0, updated: 0, unchanged: 2 });

        let renamed = [customer(1, "John D. Doe")];
        let third = db.write(|c| sync_customers(c, &renamed, at("2025-09-29T10:00:00Z"))).unwrap();
        assert_eq!(third.updated, 1);
    }
}

#[test]
fn a_sale_for_an_unknown_customer_makes_a_placeholder_that_the_customer_sync_fills() {
    for (_store, db) in
        common::fresh_dbs("a_sale_for_an_unknown_customer_makes_a_placeholder_that_the_customer_sync_fills")
    {
        let now = at("2025-09-27T12:00:00Z");
        db.write(|c| sync_sales(c, &[sale(1001, Some(7), 15000, "2025-09-27T10:30:00Z", vec![])], now)).unwrap();
        assert_eq!(db.read(table_counts).unwrap().customers, 1);

        let filled = db.write(|c| sync_customers(c, &[customer(7, "Late Comer")], now)).unwrap();
        assert_eq!(filled.created, 1, "filling a placeholder counts as the customer's creation");
        assert_eq!(db.read(table_counts).unwrap().customers, 1);
        assert_eq!(db.read(table_counts).unwrap(), db.read(crm_storage::recount_tables).unwrap());
    }
}

#[test]
fn sales_add_to_their_day_and_a_replay_adds_nothing() {
    for (_store, db) in common::fresh_dbs("sales_add_to_their_day_and_a_replay_adds_nothing") {
        let now = at("2025-09-28T00:00:00Z");
        let batch = vec![
            sale(1, Some(1), 15000, "2025-09-27T10:30:00Z", vec![item("85123A", 2, 25500)]),
            sale(2, None, 199, "2025-09-27T11:00:00Z", vec![item("85123A", 1, 1990), item("22423", 3, 0)]),
            sale(3, None, 500, "2025-09-26T09:00:00Z", vec![]),
        ];
        let first = db.write(|c| sync_sales(c, &batch, now)).unwrap();
        assert_eq!(first.counts.created, 3);
        let replay = db.write(|c| sync_sales(c, &batch, now)).unwrap();
        assert_eq!(replay.counts.unchanged, 3);

        let days = db.read(|c| daily_totals(c, day("2025-09-01"), day("2025-09-30"))).unwrap();
        assert_eq!(days.len(), 2);
        assert_eq!(
            (days[1].local_date, days[1].revenue(), days[1].sale_count, days[1].units),
            (day("2025-09-27"), Money::from_cents(15199), 2, 6)
        );
        assert_eq!(db.read(recompute_daily_totals).unwrap(), days);

        let products = db.read(|c| product_daily_totals(c, day("2025-09-27"), day("2025-09-27"))).unwrap();
        let summary: Vec<(&str, i64, i64, i64)> =
            products.iter().map(|p| (p.product_id.as_str(), p.units, p.revenue_cents, p.sale_count)).collect();
        // 2 x 2.55 = 5.10 and 1 x 0.199 = 0.20 (rounded per line) for 85123A; 3 free units of 22423.
        assert_eq!(summary, [("22423", 3, 0, 1), ("85123A", 3, 530, 2)]);
    }
}

#[test]
fn a_refund_takes_revenue_out_of_its_day_and_a_void_of_a_refund_clears_the_day() {
    for (_store, db) in common::fresh_dbs("a_refund_takes_revenue_out_of_its_day_and_a_void_of_a_refund_clears_the_day")
    {
        let now = at("2025-09-28T00:00:00Z");
        let mut s = sale(9, Some(1), 4200, "2025-09-27T10:30:00Z", vec![item("A", 1, 420000)]);
        db.write(|c| sync_sales(c, std::slice::from_ref(&s), now)).unwrap();

        s.status = SaleStatus::Refunded;
        let synced = db.write(|c| sync_sales(c, std::slice::from_ref(&s), now)).unwrap();
        assert_eq!(synced.counts.updated, 1);
        let days = db.read(|c| daily_totals(c, day("2025-09-27"), day("2025-09-27"))).unwrap();
        assert_eq!(
            (days[0].revenue_cents, days[0].sale_count, days[0].refund_count, days[0].refunded_cents),
            (0, 0, 1, 4200)
        );

        s.status = SaleStatus::Voided;
        db.write(|c| sync_sales(c, std::slice::from_ref(&s), now)).unwrap();
        assert!(db.read(|c| daily_totals(c, day("2025-09-27"), day("2025-09-27"))).unwrap().is_empty());
    }
}

#[test]
fn a_sale_moved_to_another_day_or_given_new_lines_moves_its_contribution() {
    for (_store, db) in common::fresh_dbs("a_sale_moved_to_another_day_or_given_new_lines_moves_its_contribution") {
        let now = at("2025-09-30T00:00:00Z");
        let mut s = sale(5, None, 1000, "2025-09-27T10:30:00Z", vec![item("A", 1, 100000)]);
        db.write(|c| sync_sales(c, std::slice::from_ref(&s), now)).unwrap();
        s.set_created_at(at("2025-09-29T08:00:00Z"), StoreZone::UTC);
        s.items = vec![item("A", 1, 50000), item("B", 4, 1250)];
        db.write(|c| sync_sales(c, std::slice::from_ref(&s), now)).unwrap();

        let days = db.read(|c| daily_totals(c, day("2025-09-01"), day("2025-09-30"))).unwrap();
        assert_eq!(days.len(), 1);
        assert_eq!((days[0].local_date, days[0].units), (day("2025-09-29"), 5));
        assert_eq!(db.read(recompute_daily_totals).unwrap(), days);
    }
}

#[test]
fn a_sync_names_the_customers_whose_purchases_changed() {
    for (_store, db) in common::fresh_dbs("a_sync_names_the_customers_whose_purchases_changed") {
        let now = at("2025-09-30T00:00:00Z");
        let mut moved = sale(1, Some(3), 1000, "2025-09-27T10:30:00Z", vec![item("A", 1, 100000)]);
        let batch = [
            moved.clone(),
            sale(2, Some(2), 500, "2025-09-27T11:00:00Z", vec![]),
            sale(3, None, 1, "2025-09-27T12:00:00Z", vec![]),
        ];
        assert_eq!(db.write(|c| sync_sales(c, &batch, now)).unwrap().customers, vec![2, 3]);
        assert!(db.write(|c| sync_sales(c, &batch, now)).unwrap().customers.is_empty(), "a replay changes no one");

        moved.customer_id = Some(CustomerId::try_from(9).unwrap());
        let synced = db.write(|c| sync_sales(c, std::slice::from_ref(&moved), now)).unwrap();
        assert_eq!(synced.customers, vec![3, 9], "the sale's former customer lost a purchase");
    }
}

#[test]
fn a_catalogue_sync_fills_products_first_seen_on_sale_lines() {
    for (_store, db) in common::fresh_dbs("a_catalogue_sync_fills_products_first_seen_on_sale_lines") {
        let now = at("2025-09-30T00:00:00Z");
        db.write(|c| sync_sales(c, &[sale(1, None, 100, "2025-09-27T10:30:00Z", vec![item("85123A", 1, 10000)])], now))
            .unwrap();
        let product = Product {
            id: ProductId::parse("85123A").unwrap(),
            name: "White hanging heart T-light holder".into(),
            category: Some("Home".into()),
            stock_on_hand: Some(12),
            lead_time_days: Some(7),
            unit_cost: None,
            pack_size: None,
            min_order_quantity: None,
            discontinued: false,
        };
        let filled = db.write(|c| sync_products(c, std::slice::from_ref(&product), now, day("2025-09-30"))).unwrap();
        assert_eq!(filled.counts.created, 1);
        assert_eq!(filled.relabelled, vec!["85123A".to_owned()], "the placeholder was named after the code");
        let again = db.write(|c| sync_products(c, std::slice::from_ref(&product), now, day("2025-09-30"))).unwrap();
        assert_eq!((again.counts.unchanged, again.relabelled.len()), (1, 0));
        let restocked = Product { stock_on_hand: Some(40), ..product };
        let stock_only =
            db.write(|c| sync_products(c, std::slice::from_ref(&restocked), now, day("2025-09-30"))).unwrap();
        assert_eq!((stock_only.counts.updated, stock_only.relabelled.len()), (1, 0), "stock is not a label");
        assert_eq!(db.read(table_counts).unwrap().products, 1);
        assert_eq!(db.read(table_counts).unwrap(), db.read(crm_storage::recount_tables).unwrap());
    }
}

#[test]
fn sync_status_reports_high_water_marks_per_kind() {
    for (_store, db) in common::fresh_dbs("sync_status_reports_high_water_marks_per_kind") {
        let now = at("2025-09-30T00:00:00Z");
        let batch = [
            sale(1001, None, 100, "2025-09-27T10:30:00Z", vec![]),
            sale(1000, None, 100, "2025-09-28T10:30:00Z", vec![]),
        ];
        db.write(|c| sync_sales(c, &batch, now)).unwrap();
        let status = db.read(sync_status).unwrap();
        let sales = &status.kinds[1];
        assert_eq!((sales.records, sales.batches, sales.max_id), (2, 1, Some(1001)));
        assert_eq!(sales.max_created_at, Some(at("2025-09-28T10:30:00Z")));
        assert_eq!(status.kinds[0].last_sync_at, None);
    }
}

#[test]
fn a_failed_unit_of_work_leaves_nothing_behind() {
    for (_store, db) in common::fresh_dbs("a_failed_unit_of_work_leaves_nothing_behind") {
        let now = at("2025-09-30T00:00:00Z");
        let result: Result<(), crm_storage::StorageError> = db.write(|c| {
            sync_sales(c, &[sale(1, Some(3), 100, "2025-09-27T10:30:00Z", vec![item("A", 1, 1)])], now)?;
            // Any failure after the writes: here, the one a missing row gives.
            Err(crm_storage::StorageError::NotFound)
        });
        assert!(result.is_err());
        let counts = db.read(table_counts).unwrap();
        assert_eq!((counts.sales, counts.customers, counts.products), (0, 0, 0));
        assert!(db.read(recompute_daily_totals).unwrap().is_empty());
        assert!(db.read(|c| daily_totals(c, day("2025-01-01"), day("2025-12-31"))).unwrap().is_empty());
    }
}
