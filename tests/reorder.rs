//! The reorder list end to end: the catalogue's new fields through the products sync, the
//! JSON list and its filters, the CSV order list with formula-like cells made inert, the
//! dashboard's summary, and bad parameters answered with a problem naming them.

use crate::support;

use chrono::{Days, NaiveDate, Utc};
use serde_json::{Value, json};
use support::{App, spawn_app, temp_dir};

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// 60 days of one sale a day with 10 TEA and 10 `=SUM(1)` (a product code a spreadsheet
/// would run), and 4 CUPS every fifth day.
fn shop(app: &App) {
    let sales: Vec<Value> = (1..=60u64)
        .map(|back| {
            let day = today() - Days::new(back);
            let mut items = vec![
                json!({"product_id": "TEA", "quantity": 10, "unit_price": 1.0}),
                json!({"product_id": "=SUM(1)", "product_name": "@risky", "quantity": 10, "unit_price": 1.0}),
            ];
            if back % 5 == 0 {
                items.push(json!({"product_id": "CUPS", "quantity": 4, "unit_price": 3.0}));
            }
            let total: f64 =
                items.iter().map(|i| i["quantity"].as_f64().unwrap() * i["unit_price"].as_f64().unwrap()).sum();
            json!({"id": back, "total_amount": total, "created_at": format!("{day}T10:00:00Z"), "items": items})
        })
        .collect();
    let reply = app.post("/api/sync/sales", &json!({ "sales": sales }));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let products = json!({"products": [
        {"id": "TEA", "name": "Green tea", "category": "-Drinks", "stock_on_hand": 30, "lead_time_days": 5,
         "pack_size": 12, "min_order_quantity": 100, "unit_cost": 1.25},
        {"id": "=SUM(1)", "name": "+Formula", "stock_on_hand": 0, "lead_time_days": 1},
        {"id": "CUPS", "name": "Cups", "stock_on_hand": 3, "discontinued": true},
        {"id": "SPOON", "name": "Spoon", "stock_on_hand": 40},
    ]});
    let reply = app.post("/api/sync/products", &products);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
}

#[test]
fn the_list_is_sorted_by_urgency_with_exact_advice_for_steady_demand() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    shop(&app);
    let reply = app.get("/api/analytics/reorder");
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let body = &reply.body;
    assert_eq!(body["asOf"], today().to_string());
    assert_eq!(body["policy"], json!({"serviceLevelPercent": 95.0, "reviewDays": 7, "defaultLeadTimeDays": 7}));
    assert_eq!(
        body["summary"],
        json!({"products": 4, "orderNow": 2, "enough": 0, "noStockData": 0, "noSalesHistory": 1,
            "discontinued": 1, "orderCost": 135.0, "ordersWithoutCost": 1})
    );
    let order: Vec<(&str, &str)> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["productId"].as_str().unwrap(), i["status"].as_str().unwrap()))
        .collect();
    // Cover: =SUM(1) 0 days, CUPS 3 / 0.8 a day, TEA 3 days; SPOON never sold.
    assert_eq!(
        order,
        [("=SUM(1)", "order_now"), ("TEA", "order_now"), ("CUPS", "discontinued"), ("SPOON", "no_sales_history")]
    );
    let tea = &body["items"][1];
    assert_eq!(
        *tea,
        json!({"productId": "TEA", "name": "Green tea", "category": "-Drinks", "status": "order_now",
            "stockOnHand": 30, "leadTimeDays": 5, "method": "regression", "daysOfCover": 3.0,
            "leadTimeDemand": 50.0, "safetyStock": 0.0, "reorderPoint": 50.0, "orderQuantity": 108,
            "packSize": 12, "minOrderQuantity": 100, "unitCost": 1.25, "orderCost": 135.0})
    );
    // 10 a day over a day's lead and the week's review: 80 units, no cost known.
    assert_eq!((body["items"][0]["orderQuantity"].as_i64(), body["items"][0].get("orderCost")), (Some(80), None));
    assert_eq!(body["items"][2]["orderQuantity"], 0, "discontinued: never ordered");
    assert_eq!(body["items"][3].get("daysOfCover"), None);

    let only = app.get("/api/analytics/reorder?status=order_now&limit=1");
    assert_eq!(only.status, 200, "{:?}", only.body);
    assert_eq!(only.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(only.body["items"][0]["productId"], "=SUM(1)");
    assert_eq!(only.body["summary"]["products"], 4, "the summary counts the whole catalogue");

    let dashboard = app.get("/api/analytics/dashboard");
    assert_eq!(dashboard.status, 200, "{:?}", dashboard.body);
    let summary = &dashboard.body["reorder"];
    assert_eq!((summary["orderNow"].as_u64(), summary["orderCost"].as_f64()), (Some(2), Some(135.0)));
    let urgent: Vec<&str> =
        summary["mostUrgent"].as_array().unwrap().iter().map(|i| i["productId"].as_str().unwrap()).collect();
    assert_eq!(urgent, ["=SUM(1)", "TEA"]);
}

#[test]
fn the_csv_order_list_quotes_cells_a_spreadsheet_would_run() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    shop(&app);
    let reply = app.send("GET", "/api/analytics/reorder?status=order_now", &[("Accept", "text/csv")], None);
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.content_type, "text/csv; charset=utf-8");
    assert_eq!(reply.header("content-disposition"), Some("attachment; filename=\"reorder.csv\""));
    let lines: Vec<&str> = reply.text.lines().collect();
    assert_eq!(
        lines,
        [
            "product_id,name,category,status,stock_on_hand,lead_time_days,days_of_cover,lead_time_demand,\
             safety_stock,reorder_point,order_quantity,pack_size,min_order_quantity,unit_cost,order_cost",
            "'=SUM(1),'+Formula,,order_now,0,1,0.00,10.00,0.00,10.00,80,,,,",
            "TEA,Green tea,'-Drinks,order_now,30,5,3.00,50.00,0.00,50.00,108,12,100,1.2500,135.00",
        ]
    );
}

#[test]
fn bad_parameters_and_catalogue_fields_are_refused_by_name() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let reply = app.get("/api/analytics/reorder?status=urgent");
    assert_eq!(reply.status, 400, "{:?}", reply.body);
    let detail = reply.body["detail"].as_str().unwrap();
    assert!(detail.starts_with("query parameter status: unknown variant `urgent`"), "{detail}");
    let reply = app.get("/api/analytics/reorder?limit=0");
    assert_eq!(reply.status, 400, "{:?}", reply.body);
    assert_eq!(reply.body["detail"], "query parameter limit: must be between 1 and 100000, got 0");
    let empty = app.get("/api/analytics/reorder");
    assert_eq!((empty.status, empty.body["items"].as_array().map(Vec::len)), (200, Some(0)));

    let bad = json!({"products": [{"id": "TEA", "name": "Tea", "pack_size": 0, "min_order_quantity": 2_000_000}]});
    let reply = app.post("/api/sync/products", &bad);
    assert_eq!(reply.status, 422, "{:?}", reply.body);
    let fields: Vec<&str> =
        reply.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["pack_size", "min_order_quantity"]);
    assert_eq!(reply.body["errors"][0]["index"], 0);
    assert_eq!(app.get("/api/analytics/reorder").body["summary"]["products"], 0, "nothing was stored");
}
