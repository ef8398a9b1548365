//! A customer's personal data: the access-request export holds everything stored about the
//! customer; erasure removes the name, contact details, notes and tags for good (no export,
//! card, list or log line holds them after) while the day's revenue stays what it was.

use crate::support::{self, spawn_app_logging, temp_dir};
use serde_json::{Value, json};

const NAME: &str = "Ann Lee";
const EMAIL: &str = "ann.lee@example.com";
const PHONE: &str = "07700 900123";
const ADDRESS: &str = "1 Mill Lane, Leeds";

fn sync(app: &support::App, path: &str, body: &Value) -> Value {
    let reply = app.post(path, body);
    assert_eq!(reply.status, 200, "{path}: {:?}", reply.body);
    reply.body
}

fn shop(app: &support::App) {
    let customers = json!({"customers": [
        {"id": 1, "name": NAME, "phone": PHONE, "email": EMAIL, "address": ADDRESS, "notes": "allergic to nuts",
         "created_at": "2025-01-05T10:00:00Z"},
        {"id": 2, "name": "Bo Park"},
    ]});
    sync(app, "/api/sync/customers", &customers);
    assert_eq!(app.send("PUT", "/api/customers/1/tags", &[], Some(&json!({"tags": ["wedding"]}))).status, 200);
    let sales = json!({"sales": [
        {"id": 10, "customer_id": 1, "total_amount": 5.0, "created_at": "2025-03-01T10:00:00Z",
         "items": [{"product_id": "P-1", "product_name": "Tea", "quantity": 2, "unit_price": 1.5},
                   {"product_id": "P-2", "quantity": 1, "unit_price": 2.0}]},
        {"id": 11, "customer_id": 2, "total_amount": 3.0, "created_at": "2025-03-01T12:00:00Z"},
        {"id": 12, "customer_id": 1, "total_amount": 7.25, "created_at": "2025-03-02T09:00:00Z",
         "payment_method": "card"},
    ]});
    sync(app, "/api/sync/sales", &sales);
    assert_eq!(app.post("/api/analytics/refresh?as_of=2025-03-31", &json!({})).status, 200);
}

fn revenue(app: &support::App) -> Vec<(String, i64, i64)> {
    let trends = app.get("/api/analytics/trends?from=2025-03-01&to=2025-03-02").body;
    trends["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (p["period"].as_str().unwrap().to_owned(), support::cents(&p["revenue"]), p["salesCount"].as_i64().unwrap())
        })
        .collect()
}

#[test]
fn the_export_holds_everything_and_erasure_leaves_nothing_personal_but_every_figure() {
    let dir = temp_dir();
    let app = spawn_app_logging(dir.path(), "server.log", "info", &["--refresh-delay-secs", "3600"]);
    shop(&app);

    let export = app.get("/api/customers/1/export");
    assert_eq!(export.status, 200, "{:?}", export.body);
    assert_eq!(export.header("content-disposition"), Some("attachment; filename=\"customer-1.json\""));
    let data = export.body;
    assert_eq!(
        data["customer"],
        json!({"id": 1, "name": NAME, "phone": PHONE, "email": EMAIL, "address": ADDRESS, "notes": "allergic to nuts",
               "createdAt": "2025-01-05T10:00:00Z", "tags": ["wedding"], "erasedAt": null})
    );
    assert_eq!(
        data["sales"],
        json!([
            {"id": 10, "totalAmount": 5.0, "createdAt": "2025-03-01T10:00:00Z", "status": "completed", "storeId": null,
             "paymentMethod": null, "items": [
                {"productId": "P-1", "productName": "Tea", "category": null, "quantity": 2, "unitPrice": 1.5},
                {"productId": "P-2", "productName": null, "category": null, "quantity": 1, "unitPrice": 2.0}]},
            {"id": 12, "totalAmount": 7.25, "createdAt": "2025-03-02T09:00:00Z", "status": "completed", "storeId": null,
             "paymentMethod": "card", "items": []},
        ])
    );
    assert_eq!((data["insights"]["name"].as_str(), data["insights"]["visitCount"].as_i64()), (Some(NAME), Some(2)));
    assert_eq!(app.get("/api/customers/99/export").status, 404);

    let before = revenue(&app);
    assert_eq!(before, [("2025-03-01".to_owned(), 800, 2), ("2025-03-02".to_owned(), 725, 1)]);
    let erased = app.send("DELETE", "/api/customers/1", &[], None);
    assert_eq!(erased.status, 204, "{:?}", erased.body);
    assert_eq!(app.send("DELETE", "/api/customers/99", &[], None).status, 404);

    // The figures stay; the personal data is gone from every place that showed it.
    assert_eq!(revenue(&app), before);
    let card = app.get("/api/customers/1/insights").body;
    assert_eq!((card["name"].as_str(), card["visitCount"].as_i64()), (None, Some(2)), "{card}");
    assert!(!card["purposeTags"].as_array().unwrap().contains(&json!("wedding")), "{card}");
    let after = app.get("/api/customers/1/export").body;
    assert_eq!(after["customer"]["name"], Value::Null);
    assert_eq!(after["customer"]["tags"], json!([]));
    assert!(after["customer"]["erasedAt"].is_string(), "{after}");
    assert_eq!(after["sales"].as_array().unwrap().len(), 2);
    let everything = [
        app.get("/api/export/customers").text,
        app.get("/api/export/sales").text,
        app.get("/api/customers").text,
        app.get("/api/customers/1/insights").text,
        after.to_string(),
    ]
    .join("\n");
    for personal in [NAME, "Ann", EMAIL, PHONE, ADDRESS, "nuts", "wedding"] {
        assert!(!everything.contains(personal), "{personal} is still shown:\n{everything}");
    }
    assert!(app.get("/api/export/sales").text.contains("\n10,1,5.00,"), "sale 10 keeps its customer id");
    // A later sync of the id stores none of its fields again.
    let resync = sync(&app, "/api/sync/customers", &json!({"customers": [{"id": 1, "name": NAME, "email": EMAIL}]}));
    assert_eq!((resync["created"].as_u64(), resync["unchanged"].as_u64()), (Some(0), Some(1)));
    assert_eq!(app.get("/api/customers/1/export").body["customer"]["name"], Value::Null);
    // Nor its tags: neither a sync's nor the tags endpoint stores any for it.
    sync(&app, "/api/sync/customers", &json!({"customers": [{"id": 1, "name": NAME, "tags": ["wedding"]}]}));
    let put = app.send("PUT", "/api/customers/1/tags", &[], Some(&json!({"tags": ["wedding"]})));
    assert_eq!((put.status, put.body["code"].as_str()), (409, Some("conflict")), "{:?}", put.body);
    let none = app.send("PUT", "/api/customers/1/tags", &[], Some(&json!({"tags": []})));
    assert_eq!((none.status, &none.body["tags"]), (200, &json!([])), "{:?}", none.body);
    assert_eq!(app.get("/api/customers/1/export").body["customer"]["tags"], json!([]));
    // A refresh recomputes the analytics from the sales alone.
    assert_eq!(app.post("/api/analytics/refresh?as_of=2025-03-31", &json!({})).status, 200);
    assert_eq!(app.get("/api/customers/1/insights").body["visitCount"], 2);

    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    assert!(log.contains("customer 1 erased"), "{log}");
    for personal in [NAME, "Ann", EMAIL, PHONE, ADDRESS, "nuts"] {
        assert!(!log.contains(personal), "the log holds {personal}:\n{log}");
    }
    assert_eq!(app.get("/api/customers?q=Lee").body["customers"], json!([]));
}
