//! Customer value through the API on the CDNOW sample the literature uses
//! (tests/data/cdnow/: 2,357 customers, 6,919 purchases, 1997-01-01 .. 1998-06-30). Every
//! purchase is synced as a sale; with the first 39 weeks as history (`as_of` 1997-10-01) the
//! served models are `lifetimes`' maximum-likelihood fit (tests/data/cdnow/reference.md),
//! the calibration check is lifetimes' holdout prediction against the 1,882 purchase days
//! that happened, and the card, the list and one customer's value agree with each other.

use crate::support;

use chrono::NaiveDate;
use serde_json::{Value, json};
use support::{App, spawn_app_with, temp_dir};

/// (sale id, customer, day, dollars) per line of the file.
fn purchases() -> Vec<(i64, i64, NaiveDate, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/cdnow/CDNOW_sample.txt");
    let text = std::fs::read_to_string(path).expect("tests/data/cdnow/CDNOW_sample.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let day = NaiveDate::parse_from_str(f[2], "%Y%m%d").expect("date");
            (i as i64 + 1, f[1].parse().expect("customer"), day, f[4].to_owned())
        })
        .collect()
}

fn post_ok(app: &App, path: &str, body: &Value) -> Value {
    let reply = app.post(path, body);
    assert_eq!(reply.status, 200, "{path}: {:?}", reply.body);
    reply.body
}

fn get_ok(app: &App, path: &str) -> Value {
    let reply = app.get(path);
    assert_eq!(reply.status, 200, "{path}: {:?}", reply.body);
    reply.body
}

fn close(value: &Value, want: f64, relative: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - want).abs() <= relative * want.abs())
}

#[test]
fn cdnow_through_the_api_gives_the_published_models() {
    let rows = purchases();
    assert_eq!(rows.len(), 6_919);
    let dir = temp_dir();
    // No scheduled refresh: the test refreshes as of the end of the calibration period.
    let app = spawn_app_with(dir.path(), &["--refresh-interval-secs", "86400", "--refresh-delay-secs", "3600"]);
    let mut customers: Vec<i64> = rows.iter().map(|r| r.1).collect();
    customers.sort_unstable();
    customers.dedup();
    assert_eq!(customers.len(), 2_357);
    let body: Vec<Value> = customers.iter().map(|id| json!({"id": id, "name": format!("Listener {id}")})).collect();
    post_ok(&app, "/api/sync/customers", &json!({ "customers": body }));
    for chunk in rows.chunks(1_000) {
        let sales: Vec<Value> = chunk
            .iter()
            .map(|(id, customer, day, dollars)| {
                json!({
                    "id": id,
                    "customer_id": customer,
                    "total_amount": dollars.parse::<f64>().expect("dollars"),
                    "created_at": format!("{day}T12:00:00Z"),
                    "items": [{"product_id": "CD", "quantity": 1, "unit_price": dollars.parse::<f64>().expect("dollars")}],
                })
            })
            .collect();
        assert_eq!(post_ok(&app, "/api/sync/sales", &json!({ "sales": sales }))["created"], chunk.len());
    }
    post_ok(&app, "/api/analytics/refresh?as_of=1997-09-30", &json!({}));

    // The refresh's own fit (history before 1997-10-01, the default horizon).
    let prepared = get_ok(&app, "/api/analytics/customer-value?as_of=1997-10-01");
    let report = get_ok(&app, "/api/analytics/customer-value?as_of=1997-10-01&horizon_days=273");
    for r in [&prepared, &report] {
        assert_eq!((r["customers"].as_u64(), r["repeatCustomers"].as_u64()), (Some(2_357), Some(946)));
        let bg = &r["bgNbd"];
        assert_eq!(bg["converged"], true, "{bg}");
        // lifetimes' maximum in days (reference.md (b)); published r 0.2426, alpha 4.4137 a
        // week (x 7), a 0.7930, b 2.4262.
        assert!(close(&bg["r"], 0.242_594_5, 1e-5), "{bg}");
        assert!(close(&bg["alpha"], 30.895_213, 1e-5), "{bg}");
        assert!(close(&bg["a"], 0.792_922_1, 1e-5), "{bg}");
        assert!(close(&bg["b"], 2.425_906_9, 1e-5), "{bg}");
        assert!(close(&bg["logLikelihood"], -14_363.530_44, 1e-7), "{bg}");
        let gg = &r["gammaGamma"];
        assert_eq!((gg["converged"].as_bool(), gg["customers"].as_u64()), (Some(true), Some(946)), "{gg}");
        // Published p 6.25, q 3.74, v 15.44; lifetimes on the raw file 6.2495723,
        // 3.7442247, 15.443521 (reference.md (c)).
        assert!(close(&gg["p"], 6.249_572_3, 1e-5), "{gg}");
        assert!(close(&gg["q"], 3.744_224_7, 1e-5), "{gg}");
        assert!(close(&gg["v"], 15.443_521, 1e-5), "{gg}");
        assert_eq!(r["deciles"].as_array().map(Vec::len), Some(10));
    }
    assert!(prepared.get("calibration").is_none(), "{prepared}");
    assert_eq!(prepared["horizonDays"], 365);

    // The holdout: lifetimes expects 1,653.408724 purchase days in the 273 days, 1,882
    // happened; week 1 52.1468 expected, 50 happened; week 2 51.4269 and 56.
    let calibration = &report["calibration"];
    assert_eq!(calibration["days"], 273);
    assert!(close(&calibration["expectedTotal"], 1_653.408_724, 1e-5), "{calibration}");
    assert_eq!(calibration["actualTotal"], 1_882);
    let weeks = calibration["weeks"].as_array().expect("weeks");
    assert_eq!(weeks.len(), 39);
    assert_eq!((weeks[0]["week"].as_str(), weeks[0]["actual"].as_i64()), (Some("1997-10-01"), Some(50)));
    assert!(close(&weeks[0]["expected"], 52.146_762_66, 1e-4), "{}", weeks[0]);
    assert_eq!((weeks[1]["week"].as_str(), weeks[1]["actual"].as_i64()), (Some("1997-10-08"), Some(56)));
    assert!(close(&weeks[1]["expected"], 51.426_857_79, 1e-4), "{}", weeks[1]);
    let weekly_actual: i64 = weeks.iter().map(|w| w["actual"].as_i64().expect("actual")).sum();
    assert_eq!(weekly_actual, 1_882);

    // Customer 1 bought on 1997-01-01, 01-18 and 08-02: two repeat days, 213 days from the
    // first to the last, 272 to 1997-09-30.
    let one = get_ok(&app, "/api/customers/1/value?as_of=1997-10-01");
    assert_eq!(
        (one["repeatPurchaseDays"].as_u64(), one["recencyDays"].as_u64(), one["ageDays"].as_u64()),
        (Some(2), Some(213), Some(272)),
        "{one}"
    );
    assert_eq!(one["horizonDays"], 365);
    let p_alive = one["pAlive"].as_f64().expect("pAlive");
    assert!(p_alive > 0.0 && p_alive < 1.0, "{one}");
    // The card and the list show the refresh's figures for the same history.
    let card = get_ok(&app, "/api/customers/1/insights");
    assert_eq!(card["pAlive"], one["pAlive"], "{card}");
    assert_eq!(card["expectedValue"], one["expectedValue"], "{card}");
    assert_eq!((card["churnRisk"]["basis"].as_str(), &card["churnRisk"]["pAlive"]), (Some("model"), &one["pAlive"]));
    // A one-purchase customer's churn risk is the rule's: the model cannot tell yet.
    let single = customers
        .iter()
        .find(|&&c| {
            let days: std::collections::BTreeSet<NaiveDate> = rows
                .iter()
                .filter(|r| r.1 == c && r.2 < NaiveDate::from_ymd_opt(1997, 10, 1).expect("day"))
                .map(|r| r.2)
                .collect();
            days.len() == 1 && rows.iter().filter(|r| r.1 == c).count() == 1
        })
        .expect("a one-purchase customer");
    let card = get_ok(&app, &format!("/api/customers/{single}/insights"));
    assert_eq!((card["churnRisk"]["basis"].as_str(), card["pAlive"].as_f64()), (Some("rule"), Some(1.0)), "{card}");

    // The list by value: highest first, pages follow on.
    let first = get_ok(&app, "/api/customers?sort=value&limit=5");
    let values: Vec<f64> = first["customers"]
        .as_array()
        .expect("customers")
        .iter()
        .map(|c| c["expectedValue"].as_f64().expect("value"))
        .collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
    let cursor = first["nextCursor"].as_str().expect("a next page");
    let next = get_ok(&app, &format!("/api/customers?sort=value&limit=5&cursor={cursor}"));
    let after = next["customers"][0]["expectedValue"].as_f64().expect("value");
    assert!(after <= values[4], "{after} after {values:?}");
    // By P(alive): the least likely alive first.
    let lost = get_ok(&app, "/api/customers?sort=pAlive&limit=3");
    let p: Vec<f64> =
        lost["customers"].as_array().expect("customers").iter().map(|c| c["pAlive"].as_f64().expect("p")).collect();
    assert!(p.windows(2).all(|w| w[0] <= w[1]) && p[0] < 0.05, "{p:?}");
    // The slipping-away list: valuable, P(alive) under a half, most valuable first.
    let slipping = report["slippingAway"].as_array().expect("slippingAway");
    assert_eq!(slipping.len(), 20);
    assert!(slipping.iter().all(|s| s["pAlive"].as_f64().is_some_and(|p| p < 0.5) && s["name"].is_string()));
    assert!(slipping.windows(2).all(|w| w[0]["expectedValue"].as_f64() >= w[1]["expectedValue"].as_f64()));
}
