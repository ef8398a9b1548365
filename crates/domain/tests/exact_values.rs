//! The values the domain's rules determine, at their edges: what a service linking
//! `crm-domain` relies on. Each assertion is the exact value the input determines.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is the failure report")]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use crm_domain::{
    CalendarEvent, Customer, CustomerFields, EventFields, FieldError, MAX_ITEMS_PER_SALE, Money, Product,
    ProductFields, ProductId, Sale, SaleFields, SaleId, SaleLineFields, SaleStatus, StoreZone, UnitPrice,
    optional_email, parse_tags, parse_timestamp,
};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn fields_of(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn amounts_convert_to_decimals_exactly() {
    assert_eq!(Money::from_cents(15_050).to_decimal(), 150.5);
    assert_eq!(Money::from_cents(-7).to_decimal(), -0.07);
    assert_eq!(UnitPrice::from_ten_thousandths(25_500).to_decimal(), 2.55);
    assert_eq!(UnitPrice::from_ten_thousandths(3).to_decimal(), 0.0003);
}

#[test]
fn a_line_total_is_price_times_quantity_rounded_half_away_from_zero() {
    let price = |e4| UnitPrice::from_ten_thousandths(e4);
    assert_eq!(price(12_749).line_total(1), Money::from_cents(127), "1.2749 rounds down");
    assert_eq!(price(12_750).line_total(1), Money::from_cents(128), "1.2750 rounds up");
    assert_eq!(price(4_250).line_total(3), Money::from_cents(128));
    assert_eq!(price(2_500).line_total(40), Money::from_cents(1_000));
    assert_eq!(price(4_250).line_total(-3), Money::from_cents(-128), "away from zero below it too");
    assert_eq!(price(0).line_total(5), Money::ZERO);
    assert_eq!(price(9_999).line_total(0), Money::ZERO);
}

#[test]
fn money_displays_zero_without_a_sign() {
    assert_eq!(Money::ZERO.to_string(), "0.00");
    assert_eq!(Money::from_cents(-1).to_string(), "-0.01");
}

#[test]
fn codes_statuses_and_field_errors_display_as_sent() {
    let code = ProductId::parse(" 85123A ").unwrap();
    assert_eq!(code.to_string(), "85123A");
    assert_eq!(code.into_string(), "85123A");
    assert_eq!(SaleStatus::Refunded.to_string(), "refunded");
    assert_eq!(
        FieldError::new("items[2].quantity", "must be positive").to_string(),
        "items[2].quantity: must be positive"
    );
}

#[test]
fn a_sale_s_day_moves_with_its_instant() {
    let chicago = StoreZone::parse("America/Chicago").unwrap();
    assert_eq!(chicago.name(), "America/Chicago");
    let mut sale = Sale::new(SaleId::try_from(1).unwrap(), Money::from_cents(100), at("2025-09-28T12:00:00Z"), chicago);
    assert_eq!(sale.local_date(), NaiveDate::from_ymd_opt(2025, 9, 28).unwrap());
    sale.set_created_at(at("2025-09-28T04:30:00Z"), chicago);
    assert_eq!(sale.created_at(), at("2025-09-28T04:30:00Z"));
    assert_eq!(
        sale.local_date(),
        NaiveDate::from_ymd_opt(2025, 9, 27).unwrap(),
        "23:30 the evening before, in Chicago"
    );
    assert_eq!(chicago.today(at("2025-09-28T04:30:00Z")), NaiveDate::from_ymd_opt(2025, 9, 27).unwrap());
}

fn line(code: &str, quantity: i64, unit_price: f64) -> SaleLineFields {
    SaleLineFields { product_id: code.into(), quantity, unit_price, ..SaleLineFields::default() }
}

fn sale_fields(items: Vec<SaleLineFields>) -> SaleFields {
    SaleFields {
        id: 1001,
        customer_id: Some(7),
        total_amount: 150.0,
        created_at: "2025-09-27T10:30:00Z".into(),
        items,
        ..SaleFields::default()
    }
}

#[test]
fn a_valid_sale_keeps_every_line_and_counts_units_and_revenue() {
    let now = at("2025-10-01T00:00:00Z");
    let mut fields = sale_fields(vec![line("A", 2, 2.55), line("B", 3, 1.0)]);
    fields.status = SaleStatus::Refunded;
    fields.payment_method = Some(" card ".into());
    let sale = Sale::parse(fields.clone(), StoreZone::UTC, now).unwrap();
    assert_eq!(
        (sale.id.get(), sale.customer_id.map(|c| c.get()), sale.total),
        (1001, Some(7), Money::from_cents(15_000))
    );
    assert_eq!(sale.items.len(), 2);
    assert_eq!((sale.items[0].product_id.as_str(), sale.items[0].quantity), ("A", 2));
    assert_eq!(sale.items[0].unit_price, UnitPrice::from_ten_thousandths(25_500));
    assert_eq!((sale.status, sale.payment_method.as_deref()), (SaleStatus::Refunded, Some("card")));
    assert_eq!(sale.units(), 5);
    assert!(!sale.is_revenue(), "a refunded sale is not revenue");
    fields.status = SaleStatus::Completed;
    assert!(Sale::parse(fields, StoreZone::UTC, now).unwrap().is_revenue());
}

#[test]
fn a_sale_may_have_up_to_the_line_limit_and_quantities_within_their_range() {
    let now = at("2025-10-01T00:00:00Z");
    let full = sale_fields((0..MAX_ITEMS_PER_SALE).map(|_| line("A", 1, 1.0)).collect());
    assert_eq!(Sale::parse(full, StoreZone::UTC, now).unwrap().items.len(), MAX_ITEMS_PER_SALE);
    let over = sale_fields((0..=MAX_ITEMS_PER_SALE).map(|_| line("A", 1, 1.0)).collect());
    let errors = Sale::parse(over, StoreZone::UTC, now).unwrap_err();
    assert_eq!(errors[0].to_string(), "items: a sale may have at most 1000 lines, got 1001");

    let edges = sale_fields(vec![line("A", 1, 1.0), line("B", 1_000_000, 1.0)]);
    assert_eq!(Sale::parse(edges, StoreZone::UTC, now).unwrap().units(), 1_000_001);
    let outside = sale_fields(vec![line("A", 0, 1.0), line("B", 1_000_001, 1.0), line("C", -1, 1.0)]);
    let errors = Sale::parse(outside, StoreZone::UTC, now).unwrap_err();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "items[0].quantity: must be between 1 and 1000000, got 0",
            "items[1].quantity: must be between 1 and 1000000, got 1000001",
            "items[2].quantity: must be between 1 and 1000000, got -1",
        ]
    );
}

#[test]
fn stock_and_lead_time_are_accepted_up_to_their_limits_and_no_further() {
    let product = |stock: i64, lead: i64| {
        Product::parse(ProductFields {
            id: "P1".into(),
            name: "Tea".into(),
            stock_on_hand: Some(stock),
            lead_time_days: Some(lead),
            ..ProductFields::default()
        })
    };
    let ok = product(-1_000_000_000, 0).unwrap();
    assert_eq!((ok.stock_on_hand, ok.lead_time_days), (Some(-1_000_000_000), Some(0)));
    let ok = product(1_000_000_000, 365).unwrap();
    assert_eq!((ok.stock_on_hand, ok.lead_time_days), (Some(1_000_000_000), Some(365)));
    let errors = product(-1_000_000_001, -1).unwrap_err();
    assert_eq!(fields_of(&errors), ["stock_on_hand", "lead_time_days"]);
    assert_eq!(errors[1].message, "must be between 0 and 365, got -1");
    let errors = product(1_000_000_001, 366).unwrap_err();
    assert_eq!(errors[0].message, "must be between -1000000000 and 1000000000, got 1000000001");
    assert_eq!(errors[1].message, "must be between 0 and 365, got 366");
}

#[test]
fn pack_size_and_minimum_order_are_whole_units_from_one_to_a_million() {
    let product = |pack: i64, min: i64, discontinued: Option<bool>| {
        Product::parse(ProductFields {
            id: "P1".into(),
            name: "Tea".into(),
            pack_size: Some(pack),
            min_order_quantity: Some(min),
            discontinued,
            ..ProductFields::default()
        })
    };
    let ok = product(1, 1_000_000, Some(true)).unwrap();
    assert_eq!((ok.pack_size, ok.min_order_quantity, ok.discontinued), (Some(1), Some(1_000_000), true));
    let ok = product(1_000_000, 1, None).unwrap();
    assert_eq!((ok.pack_size, ok.min_order_quantity, ok.discontinued), (Some(1_000_000), Some(1), false));
    let errors = product(0, 1_000_001, Some(false)).unwrap_err();
    assert_eq!(fields_of(&errors), ["pack_size", "min_order_quantity"]);
    assert_eq!(errors[0].message, "must be between 1 and 1000000, got 0");
    assert_eq!(errors[1].message, "must be between 1 and 1000000, got 1000001");
    let absent = Product::parse(ProductFields { id: "P1".into(), name: "Tea".into(), ..ProductFields::default() });
    let absent = absent.unwrap();
    assert_eq!((absent.pack_size, absent.min_order_quantity, absent.discontinued), (None, None, false));
}

#[test]
fn twenty_tags_are_allowed_and_twenty_one_are_not() {
    let tags = |n: usize| (0..n).map(|i| format!("t{i:02}")).collect::<Vec<_>>();
    assert_eq!(parse_tags(&tags(20)).unwrap().len(), 20);
    let errors = parse_tags(&tags(21)).unwrap_err();
    assert_eq!(errors[0].to_string(), "tags: at most 20 tags, got 21");
    assert_eq!(parse_tags(&[]).unwrap(), Vec::<String>::new());
}

#[test]
fn an_e_mail_needs_a_name_a_domain_one_at_and_no_space() {
    assert_eq!(optional_email(Some("a@b")).unwrap().as_deref(), Some("a@b"));
    for bad in ["@example.com", "john@", "john@a@b", "jo hn@example.com", "john", "john@exa mple.com"] {
        assert!(optional_email(Some(bad)).is_err(), "{bad}");
    }
    let customer = Customer::parse(
        CustomerFields { id: 1, name: "Ann".into(), email: Some("ann@".into()), ..CustomerFields::default() },
        Utc::now(),
    );
    assert_eq!(fields_of(&customer.unwrap_err()), ["email"]);
}

#[test]
fn timestamps_are_accepted_from_1990_to_48_hours_ahead_inclusive() {
    let now = at("2026-01-01T00:00:00Z");
    assert_eq!(parse_timestamp("1990-01-01T00:00:00Z", now).unwrap(), at("1990-01-01T00:00:00Z"));
    assert_eq!(parse_timestamp("2026-01-03T00:00:00Z", now).unwrap(), now + Duration::hours(48));
    assert_eq!(parse_timestamp("2026-01-02T23:00:00Z", now).unwrap(), now + Duration::hours(47));
    assert!(parse_timestamp("2026-01-03T00:00:01Z", now).is_err());
    assert!(parse_timestamp("1989-12-31T23:59:59Z", now).is_err());
}

fn event(date: &str, end_date: Option<&str>) -> Result<CalendarEvent, Vec<FieldError>> {
    CalendarEvent::parse(&EventFields {
        event_type: "festival",
        name: "Diwali",
        date,
        end_date,
        impact_level: "high",
        ..EventFields::default()
    })
}

#[test]
fn an_event_may_last_366_days_and_no_more() {
    let year = event("2025-11-12", Some("2026-11-12")).unwrap();
    assert_eq!(year.end_date, NaiveDate::from_ymd_opt(2026, 11, 12));
    let errors = event("2025-11-12", Some("2026-11-13")).unwrap_err();
    assert_eq!(errors[0].to_string(), "end_date: must be between 1 day and 366 days, got 367 days");
}

#[test]
fn a_date_is_refused_unless_written_exactly_yyyy_mm_dd() {
    // Each is ten characters and a day chrono's own %Y-%m-%d parser accepts.
    for loose in ["+2025-1-12", " 2025-01-1", "2025- 1-12"] {
        assert!(NaiveDate::parse_from_str(loose, "%Y-%m-%d").is_ok(), "{loose} is not one chrono accepts");
        let errors = event(loose, None).unwrap_err();
        assert_eq!(errors[0].to_string(), format!("date: must be a date such as 2025-11-12, got {loose:?}"));
    }
}
