//! Exports: every table as CSV from `GET /api/export/...` and `crm-trends export`, with the
//! exact rows the data gives, text guarded against spreadsheet formulas, bad ranges refused
//! before anything streams; and the round trip: the demo shop exported, imported into an
//! empty store and exported again gives the same bytes and the same dashboard.

use crate::support::{self, App, database_url, spawn_app_with, temp_dir};
use serde_json::json;
use std::path::Path;
use std::process::{Command, Output};

fn crm(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crm-trends"))
        .args(args)
        .args(["--database-url", &database_url(dir)])
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run crm-trends")
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

/// A small shop: two customers (one whose name a spreadsheet would run), two products,
/// a sale with two lines, a sale without lines, a refund, an event.
fn small_shop(app: &App) {
    let customers = json!({"customers": [
        {"id": 1, "name": "=Ann Lee", "phone": "+44 20 7946 0000", "email": "ann@example.com",
         "created_at": "2025-01-05T10:00:00Z"},
        {"id": 2, "name": "Bo", "notes": "likes \"tea\", mornings\nregular", "created_at": "2025-01-06T09:30:00Z"},
    ]});
    assert_eq!(app.post("/api/sync/customers", &customers).status, 200);
    let tags = app.send("PUT", "/api/customers/1/tags", &[], Some(&json!({"tags": ["wedding", "vip"]})));
    assert_eq!(tags.status, 200, "{:?}", tags.body);
    let products = json!({"products": [
        {"id": "P-1", "name": "Tea", "category": "Drinks", "stock_on_hand": 30, "lead_time_days": 5,
         "unit_cost": 1.25, "pack_size": 12},
        {"id": "P-2", "name": "Cake", "stock_on_hand": 4, "discontinued": true},
    ]});
    assert_eq!(app.post("/api/sync/products", &products).status, 200);
    let sales = json!({"sales": [
        {"id": 10, "customer_id": 1, "total_amount": 5.0, "created_at": "2025-03-01T10:00:00Z", "store_id": "north",
         "items": [{"product_id": "P-1", "quantity": 2, "unit_price": 1.5},
                   {"product_id": "P-2", "product_name": "Cake", "quantity": 1, "unit_price": 2.0}]},
        {"id": 11, "customer_id": 2, "total_amount": 3.0, "created_at": "2025-03-03T16:45:30Z",
         "payment_method": "cash"},
        {"id": 12, "customer_id": 1, "total_amount": 1.5, "created_at": "2025-03-03T11:00:00Z", "status": "refunded",
         "items": [{"product_id": "P-1", "quantity": 1, "unit_price": 1.5}]},
    ]});
    let synced = app.post("/api/sync/sales", &sales);
    assert_eq!(synced.status, 200, "{:?}", synced.body);
    let event = json!({"event_type": "festival", "name": "Harvest Fair", "date": "2025-10-01", "end_date": "2025-10-03",
                       "impact_level": "low", "notes": "+ stalls"});
    assert_eq!(app.post("/api/calendar/events", &event).status, 201);
    let refresh = app.post("/api/analytics/refresh?as_of=2025-03-31", &json!({}));
    assert_eq!(refresh.status, 200, "{:?}", refresh.body);
}

#[test]
fn every_table_exports_with_the_rows_the_data_gives() {
    let dir = temp_dir();
    let app = spawn_app_with(dir.path(), &["--refresh-delay-secs", "3600", "--refresh-interval-secs", "86400"]);
    small_shop(&app);

    let products = app.get("/api/export/products");
    assert_eq!(products.status, 200);
    assert_eq!(products.content_type, "text/csv; charset=utf-8");
    assert_eq!(products.header("content-disposition"), Some("attachment; filename=\"products.csv\""));
    assert_eq!(
        products.text,
        "id,name,category,stock_on_hand,lead_time_days,unit_cost,pack_size,min_order_quantity,discontinued\n\
         P-1,Tea,Drinks,30,5,1.2500,12,,false\n\
         P-2,Cake,,4,,,,,true\n"
    );

    // One row per line, the sale's fields on each; the sale without lines is one row.
    assert_eq!(
        app.get("/api/export/sales").text,
        "id,customer_id,total_amount,created_at,status,store_id,payment_method,product_id,product_name,category,\
         quantity,unit_price\n\
         10,1,5.00,2025-03-01T10:00:00Z,completed,north,,P-1,,,2,1.5000\n\
         10,1,5.00,2025-03-01T10:00:00Z,completed,north,,P-2,Cake,,1,2.0000\n\
         11,2,3.00,2025-03-03T16:45:30Z,completed,,cash,,,,,\n\
         12,1,1.50,2025-03-03T11:00:00Z,refunded,,,P-1,,,1,1.5000\n"
    );
    assert_eq!(
        app.get("/api/export/sales?from=2025-03-02&to=2025-03-03").text.lines().skip(1).collect::<Vec<_>>(),
        [
            "11,2,3.00,2025-03-03T16:45:30Z,completed,,cash,,,,,",
            "12,1,1.50,2025-03-03T11:00:00Z,refunded,,,P-1,,,1,1.5000"
        ]
    );

    // Every day of the range, days without sales as zeros.
    assert_eq!(
        app.get("/api/export/daily?from=2025-02-28&to=2025-03-04").text,
        "day,revenue,sales,units,refunds,refunded\n\
         2025-02-28,0.00,0,0,0,0.00\n\
         2025-03-01,5.00,1,3,0,0.00\n\
         2025-03-02,0.00,0,0,0,0.00\n\
         2025-03-03,3.00,1,0,1,1.50\n\
         2025-03-04,0.00,0,0,0,0.00\n"
    );
    // Without a range: the first to the last day with a sale.
    assert_eq!(app.get("/api/export/daily").text.lines().count(), 1 + 3);

    assert_eq!(
        app.get("/api/export/calendar").text,
        "id,event_type,name,date,end_date,impact_level,expected_demand_multiplier,lead_days,notes,uid,source_date\n\
         1,festival,Harvest Fair,2025-10-01,2025-10-03,low,1.1,,'+ stalls,,\n"
    );

    let customers = app.get("/api/export/customers");
    let mut reader = csv::Reader::from_reader(customers.text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header.len(), 22);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let head = |r: &csv::StringRecord| r.iter().take(8).map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        head(&rows[0]),
        ["1", "'=Ann Lee", "'+44 20 7946 0000", "ann@example.com", "", "", "2025-01-05T10:00:00Z", "vip\nwedding"]
    );
    assert_eq!(head(&rows[1]), ["2", "Bo", "", "", "", "likes \"tea\", mornings\nregular", "2025-01-06T09:30:00Z", ""]);
    let field = |r: &csv::StringRecord, name: &str| r[header.iter().position(|h| h == name).unwrap()].to_owned();
    // Ann's one completed sale (the refund is not a visit); Bo's sale without lines.
    assert_eq!((field(&rows[0], "visits"), field(&rows[0], "total_spent")), ("1".into(), "5.00".into()));
    assert_eq!((field(&rows[1], "visits"), field(&rows[1], "total_spent")), ("1".into(), "3.00".into()));
    assert_eq!(field(&rows[0], "last_purchase"), "2025-03-01");
    assert_eq!(rows.len(), 2);

    // The command line writes what the API serves.
    for table in ["customers", "products", "sales", "daily", "calendar"] {
        let cli = ok(&crm(dir.path(), &["export", table]));
        assert_eq!(cli, app.get(&format!("/api/export/{table}")).text, "{table}");
    }
}

#[test]
fn a_bad_range_is_refused_before_anything_streams() {
    let dir = temp_dir();
    let app = spawn_app_with(dir.path(), &[]);
    let backwards = app.get("/api/export/sales?from=2025-03-05&to=2025-03-01");
    assert_eq!(backwards.status, 400);
    assert_eq!(backwards.content_type, "application/problem+json");
    assert_eq!(backwards.body["detail"], "from (2025-03-05) is after to (2025-03-01)");
    let century = app.get("/api/export/daily?from=1900-01-01&to=2100-01-01");
    assert_eq!(century.status, 400);
    assert_eq!(century.body["detail"], "a daily export covers at most 36525 days; narrow from and to");
    let not_a_day = app.get("/api/export/daily?from=2025-02-30");
    assert_eq!(not_a_day.status, 400);
    assert!(not_a_day.body["detail"].as_str().unwrap().contains("from"), "{:?}", not_a_day.body);
    // An empty store exports headers alone.
    assert_eq!(app.get("/api/export/sales").text.lines().count(), 1);
    assert_eq!(app.get("/api/export/daily").text, "day,revenue,sales,units,refunds,refunded\n");

    let cli = crm(dir.path(), &["export", "customers", "--from", "2025-01-01"]);
    assert!(!cli.status.success());
    assert!(
        String::from_utf8_lossy(&cli.stderr)
            .contains("from and to apply to the sales and daily exports, not to customers"),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
}

/// The demo shop's tables, exported by the command line into `dir`.
fn export_all(store: &Path, into: &Path, as_of: Option<&str>) -> Vec<(String, Vec<u8>)> {
    ["customers", "products", "sales", "daily", "calendar"]
        .iter()
        .map(|table| {
            let file = into.join(format!("{table}.csv"));
            let mut args = vec!["export", table, "--output", file.to_str().unwrap()];
            if let (Some(day), "customers") = (as_of, *table) {
                args.extend(["--as-of", day]);
            }
            ok(&crm(store, &args));
            ((*table).to_owned(), std::fs::read(&file).unwrap())
        })
        .collect()
}

const TODAY: &str = "2026-06-30";

#[test]
fn the_demo_shop_exported_imported_and_exported_again_is_the_same() {
    let (shop, copy, files) = (temp_dir(), temp_dir(), temp_dir());
    let demo = ["demo", "--customers", "60", "--sales", "3000", "--days", "400", "--seed", "5", "--today", TODAY];
    ok(&crm(shop.path(), &demo));
    let first = export_all(shop.path(), files.path(), None);
    let lines = |table: &str| {
        let (_, bytes) = first.iter().find(|(t, _)| t == table).unwrap();
        bytes.iter().filter(|b| **b == b'\n').count()
    };
    assert_eq!(lines("customers"), 1 + 60);
    assert!(lines("sales") > 3000, "{}", lines("sales"));

    for kind in ["customers", "products", "sales", "calendar"] {
        let file = files.path().join(format!("{kind}.csv"));
        let run = crm(copy.path(), &["import", kind, file.to_str().unwrap()]);
        let said = ok(&run);
        assert!(said.contains("0 rows rejected"), "{kind}: {said}");
    }
    let again_dir = temp_dir();
    let again = export_all(copy.path(), again_dir.path(), Some(TODAY));
    for ((table, before), (_, after)) in first.iter().zip(&again) {
        if before != after {
            let (before, after) = (String::from_utf8_lossy(before), String::from_utf8_lossy(after));
            let differs = before.lines().zip(after.lines()).find(|(a, b)| a != b);
            panic!("the {table} export differs after the round trip: {differs:?}");
        }
    }

    // The dashboard's totals over its longest window (365 days) are the same on both stores.
    let totals = |dir: &Path| {
        let app = spawn_app_with(dir, &["--refresh-delay-secs", "3600"]);
        let body = app.get("/api/analytics/dashboard?from=2025-06-30&to=2026-06-29").body;
        (body["totals"].clone(), body["salesTrend"].clone(), body["topProducts"].clone())
    };
    let (a, b) = (totals(shop.path()), totals(copy.path()));
    assert!(support::cents(&a.0["revenue"]) > 0, "{a:?}");
    assert_eq!(a, b);
}
