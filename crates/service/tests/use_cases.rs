//! The use cases called as a CLI command would call them: no HTTP, a store in a temporary
//! directory, exact answers.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is the failure report")]

use chrono::NaiveDate;
use chrono::{DateTime, Days, Utc};
use crm_domain::{CustomerFields, CustomerId, EventFields, FieldError, SaleFields, SaleLineFields, Segment, StoreZone};
use crm_service::{AnalyticsConfig, Invalid, RecordFault, Service, ServiceError, ServiceLimits};
use crm_storage::{Database, DbOptions};
use std::sync::Arc;

fn service(dir: &tempfile::TempDir, max_batch_records: usize) -> Service {
    let db = Database::open(dir.path().join("crm.sqlite"), DbOptions::default()).unwrap();
    Service::new(Arc::new(db), StoreZone::UTC, AnalyticsConfig::default(), ServiceLimits { max_batch_records })
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

fn cid(id: i64) -> CustomerId {
    CustomerId::try_from(id).unwrap()
}

fn customer(id: i64, name: &str) -> CustomerFields {
    CustomerFields { id, name: name.into(), ..CustomerFields::default() }
}

fn sale(id: i64, customer: i64, days_ago: u64, lines: &[(&str, i64, f64)]) -> SaleFields {
    let at = now().checked_sub_days(Days::new(days_ago)).unwrap();
    let items: Vec<SaleLineFields> = lines
        .iter()
        .map(|&(code, quantity, unit_price)| SaleLineFields {
            product_id: code.into(),
            quantity,
            unit_price,
            ..SaleLineFields::default()
        })
        .collect();
    let total = lines.iter().map(|&(_, q, p)| q as f64 * p).sum::<f64>();
    SaleFields {
        id,
        customer_id: Some(customer),
        total_amount: (total * 100.0).round() / 100.0,
        created_at: at.to_rfc3339(),
        items,
        ..SaleFields::default()
    }
}

fn faults(error: ServiceError) -> (String, Vec<(Option<usize>, String)>) {
    match error {
        ServiceError::Invalid(Invalid { detail, errors }) => {
            (detail, errors.into_iter().map(|RecordFault { index, error }| (index, error.field)).collect())
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn a_bad_batch_names_every_broken_rule_by_index_and_field_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let service = service(&dir, 100);
    let batch = vec![
        Ok(customer(1, "Ann")),
        Ok(customer(0, " ")),
        Err(FieldError::new("phone", "invalid type: boolean `true`, expected a string or an integer")),
        Ok(customer(1, "Ann again")),
    ];
    let (detail, errors) = faults(service.sync_customers(batch, now()).unwrap_err());
    assert_eq!(detail, "3 of 4 records are invalid; nothing was written");
    assert_eq!(
        errors,
        [(Some(1), "id".into()), (Some(1), "name".into()), (Some(2), "phone".into()), (Some(3), "id".into())]
    );
    assert_eq!(service.store_counts().unwrap().customers, 0);

    let too_many: Vec<_> = (1..=101).map(|id| Ok(customer(id, "C"))).collect();
    let error = service.sync_customers(too_many, now()).unwrap_err();
    assert!(
        matches!(&error, ServiceError::TooLarge(m) if m == "a batch may hold at most 100 records, this one has 101; split it"),
        "{error:?}"
    );
}

#[test]
fn a_synced_sale_shows_on_the_card_read_from_the_store_and_on_the_prepared_one_after_a_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let service = service(&dir, 100);
    assert!(matches!(service.stored_card(cid(7)), Err(ServiceError::NotFound(m)) if m == "no customer with id 7"));

    let counts = service.sync_customers(vec![Ok(customer(7, "Grace"))], now()).unwrap();
    assert_eq!((counts.received, counts.created, counts.updated, counts.unchanged), (1, 1, 0, 0));
    let sales = vec![Ok(sale(1, 7, 3, &[("TEA", 2, 2.5)])), Ok(sale(2, 7, 1, &[("TEA", 1, 2.5), ("CAKE", 1, 4.0)]))];
    service.sync_sales(sales, now()).unwrap();

    let stored = service.stored_card(cid(7)).unwrap();
    assert_eq!(stored.name.as_deref(), Some("Grace"));
    assert_eq!((stored.visit_count, stored.total_spent.cents(), stored.average_basket.cents()), (2, 1150, 575));
    assert_eq!(stored.segment, Segment::New, "a first purchase 3 days ago, before any refresh");
    assert_eq!(stored.analytics_as_of, None);
    let last = stored.last_purchase.as_ref().unwrap();
    assert_eq!((last.sale_id.get(), last.items.len(), last.amount.cents()), (2, 2, 650));
    assert_eq!(stored.preferred_products[0].product_id.as_str(), "TEA");
    assert_eq!(service.cached_card(cid(7)), None, "no refresh has prepared cards yet");
    assert_eq!(service.card(cid(7)).unwrap(), (stored.clone(), false));

    let run = service.refresh(None).unwrap();
    assert_eq!((run.customers, run.products), (1, 2));
    assert_eq!(service.cached_card(cid(7)), None, "the refresh keeps no card in the process");
    let (prepared, from_prepared) = service.card(cid(7)).unwrap();
    assert!(from_prepared, "the refresh prepares every card");
    assert_eq!(prepared, service.stored_card(cid(7)).unwrap());
    assert_eq!(service.cached_card(cid(7)).as_ref(), Some(&prepared), "read once, then held");
    assert_eq!(prepared.analytics_as_of, Some(StoreZone::UTC.today(now())));

    // A later sale marks the card: it is read from the store until the next refresh.
    service.sync_sales(vec![Ok(sale(3, 7, 0, &[("CAKE", 3, 4.0)]))], now()).unwrap();
    assert_eq!(service.cached_card(cid(7)), None);
    let (card, from_prepared) = service.card(cid(7)).unwrap();
    assert_eq!((card.visit_count, from_prepared), (3, false));
    assert_eq!(service.stored_card(cid(7)).unwrap().visit_count, 3);
}

#[test]
fn tags_are_validated_in_one_place_and_an_unknown_customer_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let service = service(&dir, 100);
    service.sync_customers(vec![Ok(customer(1, "Ann"))], now()).unwrap();
    let tags = service.set_customer_tags(cid(1), &[" Party ".into(), "party".into(), "bulk".into()]).unwrap();
    assert_eq!(tags, ["bulk", "party"]);
    let (detail, errors) = faults(service.set_customer_tags(cid(1), &["ok".into(), "a\nb".into()]).unwrap_err());
    assert_eq!(
        (detail.as_str(), errors),
        ("the tags are invalid; nothing was changed", vec![(None, "tags[1]".into())])
    );
    assert!(
        matches!(service.set_customer_tags(cid(2), &[]), Err(ServiceError::NotFound(m)) if m == "no customer with id 2")
    );
}

/// A completed sale of 10.00 at 10:00 UTC on `day`.
fn sale_on(id: i64, customer: i64, day: &str) -> SaleFields {
    SaleFields {
        id,
        customer_id: Some(customer),
        total_amount: 10.0,
        created_at: format!("{day}T10:00:00Z"),
        ..SaleFields::default()
    }
}

fn event<'a>(name: &'a str, date: &'a str, end_date: Option<&'a str>, lead_days: Option<i64>) -> EventFields<'a> {
    EventFields {
        event_type: "festival",
        name,
        date,
        end_date,
        impact_level: "high",
        lead_days,
        ..EventFields::default()
    }
}

#[test]
fn an_events_own_lead_days_decide_whose_purchases_earn_its_tag() {
    let dir = tempfile::tempdir().unwrap();
    let service = service(&dir, 100);
    let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
    // 14 lead days; the store default (7); none at all, and a closure.
    let spring = service.add_event(&event("Spring Fair", "2026-03-20", None, Some(14))).unwrap();
    assert_eq!(spring.event.lead_days, Some(14));
    assert_eq!(service.add_event(&event("Autumn Fair", "2026-09-20", None, None)).unwrap().event.lead_days, None);
    let stocktake = service
        .add_event(&EventFields {
            expected_demand_multiplier: Some(0.0),
            ..event("Stocktake", "2026-06-10", Some("2026-06-11"), Some(0))
        })
        .unwrap();
    assert_eq!((stocktake.event.lead_days, stocktake.event.expected_demand_multiplier), (Some(0), 0.0));

    let customers = (1..=5).map(|id| Ok(customer(id, "Someone"))).collect();
    service.sync_customers(customers, now()).unwrap();
    let sales = vec![
        Ok(sale_on(1, 1, "2026-03-06")), // 14 days before the Spring Fair: the first day of its window
        Ok(sale_on(2, 2, "2026-03-05")), // 15 days before it: outside
        Ok(sale_on(3, 3, "2026-09-10")), // 10 days before the Autumn Fair: outside its default 7
        Ok(sale_on(4, 4, "2026-06-09")), // the day before the Stocktake, which has no lead days
        Ok(sale_on(5, 5, "2026-06-11")), // the Stocktake's second day
    ];
    service.sync_sales(sales, now()).unwrap();
    let tags = |id: i64| service.stored_card(cid(id)).unwrap().purpose_tags;

    // 14 days ahead of the Spring Fair, beyond the default's look-ahead, its window is open.
    service.refresh(Some(day("2026-03-06"))).unwrap();
    assert_eq!(tags(1), ["spring-fair"]);

    service.refresh(Some(day("2026-09-30"))).unwrap();
    let every: Vec<Vec<String>> = (1..=5).map(tags).collect();
    assert_eq!(every, [vec!["spring-fair".to_owned()], vec![], vec![], vec![], vec!["stocktake".to_owned()]]);

    // The same purchase 10 days ahead earns the Autumn Fair's tag once it declares 14 lead days.
    let autumn = service.events(Some(day("2026-09-20")), Some(1)).unwrap().events[0].id;
    service.replace_event(autumn, &event("Autumn Fair", "2026-09-20", None, Some(14))).unwrap();
    service.refresh(Some(day("2026-09-30"))).unwrap();
    assert_eq!(tags(3), ["autumn-fair"]);
}
