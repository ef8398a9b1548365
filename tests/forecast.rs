//! The forecast endpoints end to end: the store's and a product's forecast with their
//! intervals and event adjustments, the prepared forecast after a refresh, the accuracy
//! report, and every bad parameter answered with a problem naming it.

use crate::support;

use chrono::{Days, NaiveDate, Utc};
use serde_json::{Value, json};
use support::{App, spawn_app, temp_dir};

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// 120 days of one sale a day of two BREAD at 2.50 (three on Saturdays), and a JAR of honey
/// every tenth day.
fn bakery(app: &App) {
    let mut sales = Vec::new();
    for back in 1..=120u64 {
        let day = today() - Days::new(back);
        let loaves = if day.format("%u").to_string() == "6" { 3 } else { 2 };
        let mut items = vec![json!({"product_id": "BREAD", "quantity": loaves, "unit_price": 2.5})];
        if back % 10 == 5 {
            items.push(json!({"product_id": "HONEY", "quantity": 1, "unit_price": 6.0}));
        }
        let total: f64 =
            items.iter().map(|i| i["quantity"].as_f64().unwrap() * i["unit_price"].as_f64().unwrap()).sum();
        sales
            .push(json!({"id": back, "total_amount": total, "created_at": format!("{day}T09:30:00Z"), "items": items}));
    }
    let reply = app.post("/api/sync/sales", &json!({ "sales": sales }));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
}

fn event(app: &App, name: &str, days_ahead: u64, multiplier: f64) {
    let date = (today() + Days::new(days_ahead)).to_string();
    let body = json!({"event_type": "holiday", "name": name, "date": date, "impact_level": "high",
        "expected_demand_multiplier": multiplier, "lead_days": 0});
    let reply = app.post("/api/calendar/events", &body);
    assert_eq!(reply.status, 201, "{:?}", reply.body);
}

fn estimate_ok(e: &Value) {
    let [point, l80, u80, l95, u95] =
        ["forecast", "lower80", "upper80", "lower95", "upper95"].map(|k| e[k].as_f64().unwrap());
    assert!(0.0 <= l95 && l95 <= l80 && l80 <= point && point <= u80 && u80 <= u95, "{e}");
}

#[test]
fn the_store_forecast_has_intervals_and_the_events_that_adjusted_it() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    bakery(&app);
    event(&app, "Village Fair", 2, 2.0);
    event(&app, "Bakery Closed", 4, 0.0);
    let reply = app.get("/api/analytics/forecast?days=7");
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let body = &reply.body;
    assert_eq!(body["asOf"], today().to_string());
    assert_eq!((body["days"].as_u64(), body["historyDays"].as_u64()), (Some(7), Some(120)));
    assert_eq!(body["method"], "regression");
    assert!(body.get("productId").is_none());
    let days = body["forecast"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    for (i, day) in days.iter().enumerate() {
        assert_eq!(day["date"], (today() + Days::new(i as u64)).to_string());
        estimate_ok(&day["revenue"]);
        estimate_ok(&day["salesCount"]);
        assert!(day.get("units").is_none());
    }
    // One sale a day, 5.00 or 7.50 (and 6.00 more every tenth day).
    let ordinary = &days[1];
    assert!((0.9..1.2).contains(&ordinary["salesCount"]["forecast"].as_f64().unwrap()), "{ordinary}");
    assert!((4.5..9.0).contains(&ordinary["revenue"]["forecast"].as_f64().unwrap()), "{ordinary}");
    assert_eq!(ordinary["revenue"]["events"], json!([]));
    assert_eq!(
        days[2]["revenue"]["events"],
        json!([{"name": "Village Fair", "phase": "event", "multiplier": 2.0, "source": "declared"}])
    );
    // Against the same weekday a week later, not tomorrow: Saturdays sell a third more bread.
    let fortnight = app.get("/api/analytics/forecast?days=14").body;
    let same_weekday = &fortnight["forecast"][9]["revenue"];
    assert_eq!(same_weekday["events"], json!([]));
    let fair = days[2]["revenue"]["forecast"].as_f64().unwrap();
    assert!(fair > 1.6 * same_weekday["forecast"].as_f64().unwrap(), "{} against {same_weekday}", days[2]);
    let closed = &days[4]["revenue"];
    assert_eq!((closed["forecast"].as_f64(), closed["upper95"].as_f64()), (Some(0.0), Some(0.0)));
    assert_eq!(closed["events"][0]["multiplier"], 0.0);
}

#[test]
fn product_forecasts_and_the_refresh_s_prepared_forecasts() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    bakery(&app);
    let bread = app.get("/api/analytics/forecast?product_id=BREAD&days=3");
    assert_eq!(bread.status, 200, "{:?}", bread.body);
    assert_eq!((bread.body["productId"].as_str(), bread.body["method"].as_str()), (Some("BREAD"), Some("regression")));
    assert_eq!(bread.body["prepared"], false);
    for day in bread.body["forecast"].as_array().unwrap() {
        estimate_ok(&day["units"]);
        assert!(day.get("revenue").is_none());
        assert!((1.5..3.5).contains(&day["units"]["forecast"].as_f64().unwrap()), "{day}");
    }
    let honey = app.get("/api/analytics/forecast?product_id=HONEY&days=3").body;
    assert_eq!(honey["method"], "intermittent");
    assert_eq!(honey["historyDays"], 115, "from its first sale, 115 days ago");
    let refreshed = app.post("/api/analytics/refresh", &json!({}));
    assert_eq!(refreshed.status, 200, "{:?}", refreshed.body);
    let prepared = app.get("/api/analytics/forecast?product_id=BREAD&days=3").body;
    assert_eq!(prepared["prepared"], true);
    assert_eq!(prepared["forecast"], bread.body["forecast"], "prepared or not, the same numbers");
    // Another day is computed for the request, from the history before it.
    let past = app.get(&format!("/api/analytics/forecast?as_of={}&days=5", today() - Days::new(30))).body;
    assert_eq!((past["prepared"].as_bool(), past["historyDays"].as_u64()), (Some(false), Some(90)));
}

#[test]
fn the_accuracy_report_compares_the_forecast_with_seasonal_naive() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    bakery(&app);
    let reply = app.get("/api/analytics/forecast/accuracy");
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let revenue = &reply.body["revenue"];
    // Four origins 28 days apart; the earliest (112 days back) would have only 8 days of
    // history before it, under the two weeks a fold needs, so three are scored.
    let origins: Vec<String> = [84u64, 56, 28].iter().map(|b| (today() - Days::new(*b)).to_string()).collect();
    assert_eq!(revenue["origins"], json!(origins));
    assert_eq!((revenue["horizon"].as_u64(), revenue["days"].as_u64()), (Some(28), Some(84)));
    for key in ["wape", "naiveWape", "mase", "naiveMase"] {
        assert!(revenue[key].as_f64().unwrap() >= 0.0, "{key}: {revenue}");
    }
    assert_eq!(reply.body["salesCount"]["days"], 84);
}

#[test]
fn bad_parameters_are_problems_that_name_them() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    bakery(&app);
    let far = today() + Days::new(91);
    for (query, status, detail) in [
        ("days=0", 400, "days must be between 1 and 90, got 0".to_owned()),
        ("days=91", 400, "days must be between 1 and 90, got 91".to_owned()),
        ("product_id=NOPE", 404, "product_id \"NOPE\" is not a known product".to_owned()),
        (
            &format!("as_of={far}"),
            400,
            format!("as_of must be no later than {} (90 days from today), got {far}", today() + Days::new(90)),
        ),
    ] {
        let reply = app.get(&format!("/api/analytics/forecast?{query}"));
        assert_eq!(reply.status, status, "{query}: {:?}", reply.body);
        assert_eq!(reply.header("content-type"), Some("application/problem+json"));
        assert_eq!(reply.body["detail"], detail.as_str(), "{query}");
    }
    for (query, detail) in [
        ("days=ten", "query parameter days: invalid digit found in string"),
        ("days=-1", "query parameter days: invalid digit found in string"),
        ("as_of=2025-13-01", "query parameter as_of: must be a date such as 2025-11-12, got \"2025-13-01\""),
    ] {
        let reply = app.get(&format!("/api/analytics/forecast?{query}"));
        assert_eq!(reply.status, 400, "{query}: {:?}", reply.body);
        assert_eq!(reply.body["detail"], detail, "{query}");
    }
    // Every endpoint's query names its bad parameter the same way.
    let reply = app.get("/api/calendar/events?from=2025-02-30");
    assert_eq!(
        (reply.status, reply.body["detail"].as_str()),
        (400, Some("query parameter from: must be a date such as 2025-11-12, got \"2025-02-30\""))
    );
    let reply = app.get("/api/analytics/trends?granularity=year");
    assert_eq!(reply.status, 400, "{:?}", reply.body);
    assert!(reply.body["detail"].as_str().unwrap().starts_with("query parameter granularity: unknown variant `year`"));
    let reply = app.get(&format!("/api/analytics/forecast/accuracy?as_of={far}"));
    assert_eq!(reply.status, 400);
}
