//! Reorder recommendations over a real store, on generated demand whose right answer is
//! known: steady sellers (the forecast is exact, so every figure is), stock-outs left out of
//! the demand history, and the products the list shows without advice.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is the failure report")]

use chrono::{DateTime, Days, NaiveDate, Utc};
use crm_domain::ReorderPolicy;
use crm_domain::{Money, ProductFields, SaleFields, SaleLineFields, StoreZone};
use crm_service::{AnalyticsConfig, Budget, ForecastRequest, ForecastTarget, ReorderStatus, Service, ServiceLimits};
use crm_storage::{Database, DbOptions};
use std::sync::Arc;

fn service(dir: &tempfile::TempDir, policy: ReorderPolicy) -> Service {
    let db = Database::open(dir.path().join("crm.sqlite"), DbOptions::default()).unwrap();
    let config = AnalyticsConfig { reorder: policy, ..AnalyticsConfig::default() };
    Service::new(Arc::new(db), StoreZone::UTC, config, ServiceLimits { max_batch_records: 10_000 })
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn noon(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(12, 0, 0).unwrap().and_utc()
}

fn days_ago(n: u64) -> NaiveDate {
    today() - Days::new(n)
}

/// 120 days of sales before today: every product in `steady` sells 10 units each day, one
/// sale per day carrying a line for each; a product in `out` sells nothing on the days it is
/// out of stock (40 to 21 days ago).
fn sell(service: &Service, steady: &[&str], out: &[&str]) {
    let batch = (1..=120u64)
        .map(|back| {
            let day = days_ago(back);
            let stocked_out = (21..=40).contains(&back);
            let items: Vec<SaleLineFields> = steady
                .iter()
                .chain(out.iter().filter(|_| !stocked_out))
                .map(|product| SaleLineFields {
                    product_id: (*product).into(),
                    quantity: 10,
                    unit_price: 1.0,
                    ..SaleLineFields::default()
                })
                .collect();
            Ok(SaleFields {
                id: back as i64,
                total_amount: items.len() as f64 * 10.0,
                created_at: noon(day).to_rfc3339(),
                items,
                ..SaleFields::default()
            })
        })
        .collect();
    service.sync_sales(batch, Utc::now()).unwrap();
}

fn product(id: &str, stock: Option<i64>) -> ProductFields {
    ProductFields { id: id.into(), name: format!("Product {id}"), stock_on_hand: stock, ..ProductFields::default() }
}

fn catalogue(service: &Service, on: NaiveDate, products: Vec<ProductFields>) {
    service.sync_products(products.into_iter().map(Ok).collect(), noon(on)).unwrap();
}

#[test]
fn steady_demand_gives_the_exact_reorder_point_order_and_cover() {
    let dir = tempfile::tempdir().unwrap();
    let service = service(&dir, ReorderPolicy::default());
    sell(&service, &["STEADY", "PLENTY", "GONE", "NOSTOCK"], &[]);
    catalogue(
        &service,
        today(),
        vec![
            ProductFields {
                lead_time_days: Some(5),
                pack_size: Some(12),
                min_order_quantity: Some(100),
                unit_cost: Some(1.25),
                ..product("STEADY", Some(30))
            },
            ProductFields { lead_time_days: Some(5), ..product("PLENTY", Some(500)) },
            ProductFields { discontinued: Some(true), unit_cost: Some(2.0), ..product("GONE", Some(0)) },
            product("NOSTOCK", None),
            product("NEW", Some(5)),
        ],
    );
    let list = service.reorder().unwrap();
    assert_eq!(list.as_of, today());
    assert!(!list.prepared, "no refresh has run");
    assert!(std::sync::Arc::ptr_eq(&list, &service.reorder().unwrap()), "kept until the refresh");
    let order: Vec<(&str, ReorderStatus)> = list.items.iter().map(|i| (i.product_id.as_str(), i.status)).collect();
    assert_eq!(
        order,
        [
            ("GONE", ReorderStatus::Discontinued),
            ("STEADY", ReorderStatus::OrderNow),
            ("PLENTY", ReorderStatus::Enough),
            ("NOSTOCK", ReorderStatus::NoStockData),
            ("NEW", ReorderStatus::NoSalesHistory),
        ],
        "by days of cover (0, 3, 50), then the products without any"
    );

    // 10 a day with no spread: over 5 days' lead 50 units, no safety stock, so the reorder
    // point is 50; 30 on hand lasts 3 days. Up to 12 days' demand (lead and the weekly
    // review) is 120, so 90 more, raised to the minimum of 100 and to whole packs of 12: 108.
    let steady = &list.items[1];
    let advice = steady.advice.unwrap();
    assert_eq!(advice.lead_time_days, 5);
    assert!((advice.lead_time_demand - 50.0).abs() < 1e-6, "{advice:?}");
    assert!(advice.safety_stock.abs() < 1e-6, "{advice:?}");
    assert!((advice.reorder_point - 50.0).abs() < 1e-6, "{advice:?}");
    assert!((steady.days_of_cover().unwrap() - 3.0).abs() < 1e-6, "{advice:?}");
    assert_eq!(steady.order_quantity(), 108);
    assert_eq!(steady.order_cost, Some(Money::from_cents(13_500)), "108 × 1.25");
    assert_eq!(list.order_cost(), (Money::from_cents(13_500), 0));

    let plenty = &list.items[2];
    assert!((plenty.days_of_cover().unwrap() - 50.0).abs() < 1e-6);
    assert_eq!((plenty.order_quantity(), plenty.order_cost), (0, None));
    let gone = &list.items[0];
    assert_eq!((gone.order_quantity(), gone.order_cost), (0, None), "never ordered, though out of stock");
    assert_eq!(gone.days_of_cover(), Some(0.0));
    assert_eq!((list.items[3].advice, list.items[4].advice), (None, None));
    assert_eq!(list.items[4].method, None);
    let counts = list.counts().map(|(_, n)| n);
    assert_eq!(counts, [1, 1, 1, 1, 1]);
}

#[test]
fn the_refresh_prepares_the_same_list_and_the_policy_shapes_it() {
    let dir = tempfile::tempdir().unwrap();
    let policy = ReorderPolicy { service_level: 0.95, review_days: 3, default_lead_time_days: 2 };
    let service = service(&dir, policy);
    sell(&service, &["STEADY"], &[]);
    catalogue(&service, today(), vec![product("STEADY", Some(15))]);
    let computed = service.reorder().unwrap();
    service.refresh(None).unwrap();
    let prepared = service.reorder().unwrap();
    assert!(prepared.prepared);
    assert_eq!(prepared.policy, policy);
    assert_eq!(prepared.items, computed.items, "the refresh's list is the one computed on demand");
    // The default lead time of 2 days: reorder point 20 > 15 on hand; up to 5 days' demand,
    // 50, is 35 more.
    let item = &prepared.items[0];
    assert_eq!(item.advice.unwrap().lead_time_days, 2);
    assert_eq!((item.status, item.order_quantity()), (ReorderStatus::OrderNow, 35));

    // A delivery synced after the refresh shows at once: the same forecasts, the new stock.
    catalogue(&service, today(), vec![product("STEADY", Some(60)), product("SPOON", Some(4))]);
    let restocked = service.reorder().unwrap();
    let steady = restocked.items.iter().find(|i| i.product_id.as_str() == "STEADY").unwrap();
    assert_eq!((steady.status, steady.order_quantity()), (ReorderStatus::Enough, 0));
    assert!((steady.days_of_cover().unwrap() - 6.0).abs() < 1e-6);
    assert_eq!(restocked.items.len(), 2, "the new product is listed");
    assert!(std::sync::Arc::ptr_eq(&restocked, &service.reorder().unwrap()), "computed once per sync");
}

#[test]
fn days_out_of_stock_do_not_pull_the_demand_down() {
    let dir = tempfile::tempdir().unwrap();
    let service = service(&dir, ReorderPolicy::default());
    sell(&service, &["STEADY"], &["OUT", "UNKNOWN"]);
    // OUT's stock ran out 40 days ago and came back 20 days ago; UNKNOWN's levels were
    // never reported then, so its 20 days without sales look like days without demand.
    catalogue(&service, days_ago(130), vec![product("OUT", Some(50)), product("STEADY", Some(500))]);
    catalogue(&service, days_ago(40), vec![product("OUT", Some(0))]);
    catalogue(&service, days_ago(20), vec![product("OUT", Some(400))]);
    catalogue(&service, today(), vec![product("OUT", Some(30)), product("UNKNOWN", Some(30))]);
    service.refresh(None).unwrap();

    let mean_units = |id: &str| {
        let forecast = service
            .forecast(ForecastRequest { days: Some(1), product_id: Some(id.into()), as_of: None }, &Budget::unlimited())
            .unwrap();
        match forecast.target {
            ForecastTarget::Product { units, .. } => units[0].point,
            other => panic!("{other:?}"),
        }
    };
    assert!((mean_units("OUT") - 10.0).abs() < 1e-6, "{}", mean_units("OUT"));
    assert!(mean_units("UNKNOWN") < 9.5, "the zeros count: {}", mean_units("UNKNOWN"));
    let list = service.reorder().unwrap();
    let out = list.items.iter().find(|i| i.product_id.as_str() == "OUT").unwrap();
    assert!((out.days_of_cover().unwrap() - 3.0).abs() < 1e-6, "{:?}", out.advice);
    // The on-demand forecast from another day leaves the same days out.
    let backtest = service
        .forecast(
            ForecastRequest { days: Some(1), product_id: Some("OUT".into()), as_of: Some(days_ago(1)) },
            &Budget::unlimited(),
        )
        .unwrap();
    assert!(!backtest.prepared);
    match backtest.target {
        ForecastTarget::Product { units, .. } => assert!((units[0].point - 10.0).abs() < 1e-6, "{units:?}"),
        other => panic!("{other:?}"),
    }
}
