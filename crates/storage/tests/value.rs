//! The customer-value models' inputs, on both engines: each customer's purchase days read
//! in one pass in storage order equal the days grouped by the database, whatever order the
//! sales were synced in, and the calibration's purchase days count each customer once a day.
#![allow(clippy::unwrap_used, reason = "test code: a panic is the failure report")]

mod common;

use chrono::NaiveDate;
use common::{at, customer, item, sale};
use crm_domain::{Sale, SaleStatus};
use crm_storage::PurchaseDays;
use crm_storage::ingest::{sync_customers, sync_sales};

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn days(customer_id: i64, n: i64, first: &str, last: &str, spend: i64, first_cents: i64) -> PurchaseDays {
    PurchaseDays {
        customer_id,
        purchase_days: n,
        first_day: day(first),
        last_day: day(last),
        spend_cents: spend,
        first_day_cents: first_cents,
    }
}

#[test]
fn purchase_days_read_in_one_pass_equal_the_grouped_ones_in_any_sync_order() {
    for (_store, db) in common::fresh_dbs("purchase_days_read_in_one_pass_equal_the_grouped_ones_in_any_sync_order") {
        let now = at("2025-10-01T00:00:00Z");
        db.write(|c| sync_customers(c, &[customer(1, "A"), customer(2, "B"), customer(3, "C")], now)).unwrap();
        let line = || vec![item("P1", 1, 10_000)];
        let mut refunded = sale(9, Some(1), 9_900, "2025-03-03T10:00:00Z", line());
        refunded.status = SaleStatus::Refunded;
        let batches: Vec<Vec<Sale>> = vec![
            // Customer 1 in order: two sales on the first day, one later, one after `before`.
            vec![
                sale(1, Some(1), 1_000, "2025-01-05T09:00:00Z", line()),
                sale(2, Some(1), 500, "2025-01-05T17:00:00Z", line()),
                sale(3, Some(1), 700, "2025-02-01T09:00:00Z", line()),
                sale(4, Some(1), 300, "2025-09-30T09:00:00Z", line()),
                refunded,
            ],
            // Customer 2 back-filled: the latest day first, then the earlier ones.
            vec![sale(10, Some(2), 400, "2025-04-10T09:00:00Z", line())],
            vec![
                sale(11, Some(2), 200, "2025-01-01T09:00:00Z", line()),
                sale(12, Some(2), 100, "2025-04-10T12:00:00Z", line()),
                sale(13, Some(2), 250, "2025-01-01T19:00:00Z", line()),
                sale(14, Some(2), 50, "2025-02-02T09:00:00Z", line()),
            ],
            // Customer 3: one sale only; an anonymous sale belongs to nobody.
            vec![
                sale(20, Some(3), 999, "2025-06-06T09:00:00Z", line()),
                sale(21, None, 5_000, "2025-06-06T09:00:00Z", line()),
            ],
        ];
        for batch in &batches {
            db.write(|c| sync_sales(c, batch, now)).unwrap();
        }
        let before = day("2025-09-30");
        let expected = vec![
            days(1, 2, "2025-01-05", "2025-02-01", 2_200, 1_500),
            days(2, 3, "2025-01-01", "2025-04-10", 1_000, 450),
            days(3, 1, "2025-06-06", "2025-06-06", 999, 999),
        ];
        assert_eq!(db.read(|c| crm_storage::purchase_days(c, before, None)).unwrap(), expected);
        assert_eq!(db.read(|c| crm_storage::grouped_purchase_days(c, before, None)).unwrap(), expected);
        assert_eq!(db.read(|c| crm_storage::purchase_days(c, before, Some(2))).unwrap(), vec![expected[1].clone()]);
        assert_eq!(db.read(|c| crm_storage::purchase_days(c, before, Some(99))).unwrap(), vec![]);

        // From 2025-02-01: customers who had bought before it (1 and 2), once a day.
        let repeat = db.read(|c| crm_storage::repeat_purchase_days(c, day("2025-02-01"), day("2025-12-31"))).unwrap();
        assert_eq!(
            repeat,
            vec![(day("2025-02-01"), 1), (day("2025-02-02"), 1), (day("2025-04-10"), 1), (day("2025-09-30"), 1)]
        );
    }
}
