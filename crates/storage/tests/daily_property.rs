//! For random batches in random order, with replays and edits, `sales_daily` and
//! `product_sales_daily` always equal a from-scratch recomputation over `sales` and
//! `sale_items`.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is the failure report")]

mod common;

use common::{at, fresh_dbs, item, sale};
use crm_domain::{Money, Sale, SaleStatus};
use crm_storage::ingest::sync_sales;
use crm_storage::{daily_totals, product_daily_totals, recompute_daily_totals, recompute_product_daily_totals};
use proptest::prelude::*;

fn arb_sale() -> impl Strategy<Value = Sale> {
    (
        1_i64..40,
        prop::option::of(1_i64..6),
        0_i64..100_000,
        0_u32..6,
        0_u32..24,
        0_usize..3,
        prop::collection::vec((0_u8..4, 1_i64..5, 0_i64..20_000), 0..4),
    )
        .prop_map(|(id, customer, cents, day, hour, status, lines)| {
            let items = lines.into_iter().map(|(p, q, price)| item(&format!("P{p}"), q, price)).collect();
            let mut s = sale(id, customer, cents, &format!("2025-09-{:02}T{hour:02}:15:00Z", 20 + day), items);
            s.status = SaleStatus::ALL[status];
            s.total = Money::from_cents(cents);
            s
        })
}

/// Batches whose ids are unique within each batch (the API rejects duplicates).
fn arb_batches() -> impl Strategy<Value = Vec<Vec<Sale>>> {
    prop::collection::vec(prop::collection::vec(arb_sale(), 1..12), 1..8).prop_map(|batches| {
        batches
            .into_iter()
            .map(|batch| {
                let mut seen = std::collections::HashSet::new();
                batch.into_iter().filter(|s| seen.insert(s.id)).collect()
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn daily_aggregates_equal_a_recomputation(batches in arb_batches(), replay in prop::collection::vec(0_usize..8, 0..4)) {
        for (_store, db) in fresh_dbs("daily_aggregates_equal_a_recomputation") {
        let now = at("2025-10-01T00:00:00Z");
        let order = batches.iter().chain(replay.iter().filter_map(|i| batches.get(*i)));
        for batch in order {
            db.write(|c| sync_sales(c, batch, now)).unwrap();
            let kept = db
                .read(|c| daily_totals(c, "2025-01-01".parse().unwrap(), "2025-12-31".parse().unwrap()))
                .unwrap();
            prop_assert_eq!(kept, db.read(recompute_daily_totals).unwrap());
            let kept = db
                .read(|c| product_daily_totals(c, "2025-01-01".parse().unwrap(), "2025-12-31".parse().unwrap()))
                .unwrap();
            prop_assert_eq!(kept, db.read(recompute_product_daily_totals).unwrap());
            prop_assert_eq!(db.read(crm_storage::table_counts).unwrap(), db.read(crm_storage::recount_tables).unwrap());
        }
        }
    }
}
