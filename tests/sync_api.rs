//! The sync API end to end: the real binary, a real database file, plain HTTP.

use crate::support;

use serde_json::{Value, json};
use support::{cents, spawn_app, spawn_app_with, temp_dir};

fn seed_customers() -> Value {
    json!({"customers": [{"id": 1, "name": "John Doe", "phone": "1234567890", "email": "john@example.com"}]})
}

fn seed_sales() -> Value {
    json!({"sales": [{"id": 1001, "customer_id": 1, "total_amount": 150.00, "created_at": "2025-09-27T10:30:00Z"}]})
}

fn revenue_on(app: &support::App, day: &str) -> (i64, i64) {
    let reply = app.get(&format!("/api/analytics/trends?from={day}&to={day}"));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let point = &reply.body["points"][0];
    (cents(&point["revenue"]), point["salesCount"].as_i64().unwrap())
}

#[test]
fn the_seed_sync_bodies_work_verbatim() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let customers = app.post("/api/sync/customers", &seed_customers());
    assert_eq!(customers.status, 200, "{:?}", customers.body);
    assert_eq!(customers.body, json!({"received": 1, "created": 1, "updated": 0, "unchanged": 0}));
    let sales = app.post("/api/sync/sales", &seed_sales());
    assert_eq!(sales.status, 200, "{:?}", sales.body);
    assert_eq!(sales.body["created"], 1);
    assert_eq!(revenue_on(&app, "2025-09-27"), (15000, 1));

    let health = app.get("/api/health");
    assert_eq!(health.body["status"], "ok");
    assert_eq!(health.body["database"]["counts"]["sales"], 1);
}

#[test]
fn replaying_a_batch_leaves_counts_and_daily_revenue_identical() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let batch = json!({"sales": [
        {"id": 1, "customer_id": 7, "total_amount": 19.99, "created_at": "2025-09-27T10:30:00Z",
         "items": [{"product_id": "85123A", "quantity": 2, "unit_price": 9.995}]},
        {"id": 2, "total_amount": 5, "created_at": "2025-09-28T11:00:00+01:00",
         "items": [{"product_id": 22423, "product_name": "Regency cakestand", "quantity": 1, "unit_price": 5}]}
    ]});
    assert_eq!(app.post("/api/sync/sales", &batch).body["created"], 2);
    let before = (app.get("/api/health").body["database"]["counts"].clone(), revenue_on(&app, "2025-09-27"));

    let replay = app.post("/api/sync/sales", &batch);
    assert_eq!(replay.body, json!({"received": 2, "created": 0, "updated": 0, "unchanged": 2}));
    let after = (app.get("/api/health").body["database"]["counts"].clone(), revenue_on(&app, "2025-09-27"));
    assert_eq!(before, after);
    assert_eq!(after.0["customers"], 1, "the unknown customer 7 exists as a placeholder");
    assert_eq!(after.0["products"], 2, "a numeric product code is kept as its text");
}

#[test]
fn a_batch_with_one_bad_record_writes_nothing_and_names_the_record() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let batch = json!({"sales": [
        {"id": 1, "total_amount": 10.00, "created_at": "2025-09-27T10:30:00Z"},
        {"id": 2, "total_amount": 10.005, "created_at": "2025-09-27 10:30", "customer_id": 0},
        {"id": 3, "total_amount": 1, "created_at": "2025-09-27T10:30:00Z", "items": [{"product_id": "A", "quantity": 0, "unit_price": 1}]},
        {"id": 1, "total_amount": 1, "created_at": "2025-09-27T10:30:00Z"}
    ]});
    let reply = app.post("/api/sync/sales", &batch);
    assert_eq!(reply.status, 422);
    assert_eq!(reply.content_type, "application/problem+json");
    assert_eq!(reply.body["code"], "validation-failed");
    assert_eq!(reply.body["detail"], "3 of 4 records are invalid; nothing was written");
    let errors: Vec<(u64, &str)> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["index"].as_u64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [(1, "customer_id"), (1, "total_amount"), (1, "created_at"), (2, "items[0].quantity"), (3, "id")]
    );
    assert_eq!(app.get("/api/health").body["database"]["counts"]["sales"], 0);
    let status = app.get("/api/sync/status").body;
    assert_eq!(status["sales"]["batches"], 0);
    assert_eq!(
        status["stale"],
        serde_json::json!(["No sales have been synced yet."]),
        "the refused batch wrote nothing"
    );
}

#[test]
fn a_refund_removes_revenue_from_its_day() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let sale = |status: &str| json!({"sales": [{"id": 77, "total_amount": 42.50, "created_at": "2025-09-27T10:30:00Z", "status": status}]});
    app.post("/api/sync/sales", &sale("completed"));
    app.post(
        "/api/sync/sales",
        &json!({"sales": [{"id": 78, "total_amount": 1.25, "created_at": "2025-09-27T12:00:00Z"}]}),
    );
    assert_eq!(revenue_on(&app, "2025-09-27"), (4375, 2));

    let refund = app.post("/api/sync/sales", &sale("refunded"));
    assert_eq!(refund.body["updated"], 1);
    assert_eq!(revenue_on(&app, "2025-09-27"), (125, 1));
    let point = &app.get("/api/analytics/trends?from=2025-09-27&to=2025-09-27").body["points"][0];
    assert_eq!((point["refundCount"].as_i64(), cents(&point["refundedAmount"])), (Some(1), 4250));
}

#[test]
fn a_sale_at_half_past_eleven_at_minus_five_lands_on_the_store_local_day() {
    let dir = temp_dir();
    let app = spawn_app_with(dir.path(), &["--timezone", "America/New_York"]);
    let late = json!({"sales": [{"id": 5, "total_amount": 30, "created_at": "2025-01-10T23:30:00-05:00"}]});
    assert_eq!(app.post("/api/sync/sales", &late).status, 200);
    assert_eq!(revenue_on(&app, "2025-01-10"), (3000, 1));
    assert_eq!(revenue_on(&app, "2025-01-11"), (0, 0));
    assert_eq!(app.get("/api/analytics/trends?from=2025-01-10&to=2025-01-10").body["timeZone"], "America/New_York");
}

#[test]
fn sums_of_many_sales_are_exact_to_the_cent() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let mut expected = 0_i64;
    for batch in 0..5 {
        let sales: Vec<Value> = (0..2_000)
            .map(|i| {
                let id = batch * 2_000 + i + 1;
                let amount_cents = (id * 7_919) % 100_000 + 1; // 0.01 .. 1000.00, every cent pattern
                expected += amount_cents;
                json!({"id": id, "total_amount": amount_cents as f64 / 100.0, "created_at": "2025-09-27T10:30:00Z"})
            })
            .collect();
        let reply = app.post("/api/sync/sales", &json!({ "sales": sales }));
        assert_eq!(reply.status, 200, "{:?}", reply.body);
    }
    assert_eq!(revenue_on(&app, "2025-09-27"), (expected, 10_000));
}

#[test]
fn data_survives_a_restart() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    app.post("/api/sync/customers", &seed_customers());
    app.post("/api/sync/sales", &seed_sales());
    app.stop();

    let again = spawn_app(dir.path());
    let counts = &again.get("/api/health").body["database"]["counts"];
    assert_eq!((counts["customers"].as_i64(), counts["sales"].as_i64()), (Some(1), Some(1)));
    assert_eq!(revenue_on(&again, "2025-09-27"), (15000, 1));
    let status = again.get("/api/sync/status").body;
    assert_eq!(status["sales"]["maxId"], 1001);
    assert_eq!(status["sales"]["maxCreatedAt"], "2025-09-27T10:30:00Z");
}

#[test]
fn malformed_wrongly_typed_and_oversized_requests_get_problem_json() {
    let dir = temp_dir();
    let app = spawn_app_with(dir.path(), &["--max-batch", "2"]);
    let cases = [
        (app.post_raw("/api/sync/sales", "application/json", "{\"sales\": ["), 400, "bad-request"),
        (app.post_raw("/api/sync/sales", "text/plain", "{}"), 415, "unsupported-media-type"),
        (app.post_raw("/api/sync/sales", "application/json", "{\"rows\": []}"), 422, "validation-failed"),
        (
            app.post(
                "/api/sync/customers",
                &json!({"customers": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "c"}]}),
            ),
            413,
            "payload-too-large",
        ),
        (app.get("/api/analytics/trends?from=yesterday"), 400, "bad-request"),
        (app.get("/api/analytics/trends?from=2025-02-01&to=2025-01-01"), 400, "bad-request"),
        (app.get("/api/no-such-thing"), 404, "not-found"),
    ];
    for (reply, status, code) in cases {
        assert_eq!(
            (reply.status, reply.content_type.as_str()),
            (status, "application/problem+json"),
            "{:?}",
            reply.body
        );
        assert_eq!(reply.body["code"], code);
        assert_eq!(reply.body["status"], status);
    }
}

#[test]
fn customer_and_product_syncs_validate_every_field() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let reply = app.post(
        "/api/sync/customers",
        &json!({"customers": [{"id": 1, "name": " ", "email": "not-an-email", "created_at": "2025-13-01T00:00:00Z"}]}),
    );
    let fields: Vec<&str> =
        reply.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "email", "created_at"]);

    let reply = app.post(
        "/api/sync/products",
        &json!({"products": [{"id": "85123A", "name": "Heart", "lead_time_days": 400, "unit_cost": 0.00001}]}),
    );
    let fields: Vec<&str> =
        reply.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["lead_time_days", "unit_cost"]);
    let ok =
        app.post("/api/sync/products", &json!({"products": [{"id": 85123, "name": "Heart", "stock_on_hand": -2}]}));
    assert_eq!(ok.body["created"], 1);
}

#[test]
fn a_record_missing_a_field_is_named_by_the_field_its_schema_requires() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let batch = json!({"sales": [
        {"id": 1, "created_at": "2025-09-27T10:30:00Z"},
        {"id": 2, "total_amount": 1, "created_at": null},
        {"id": 3, "total_amount": 1, "created_at": "2025-09-27T10:30:00Z", "items": [{"product_id": "A", "unit_price": 1}]},
        5
    ]});
    let reply = app.post("/api/sync/sales", &batch);
    assert_eq!(reply.status, 422);
    let errors: Vec<(u64, &str, &str)> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["index"].as_u64().unwrap(), e["field"].as_str().unwrap(), e["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [
            // Positions are within the record as sent (the client here sends it indented).
            (0, "total_amount", "missing field `total_amount` at line 4 column 5"),
            (1, "created_at", "invalid type: null, expected a string at line 2 column 24"),
            (2, "items[0]", "missing field `quantity` at line 8 column 9"),
            (3, "(record)", "invalid type: integer `5`, expected struct SaleInput at line 1 column 1")
        ]
    );
    let missing = app.post("/api/calendar/events", &json!({"name": "Diwali", "date": "2025-11-12"}));
    assert_eq!(missing.status, 422);
    let fields: Vec<&str> =
        missing.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["event_type", "impact_level"], "{}", missing.body);
}

/// The records and fields a 422 names.
fn named(reply: &support::Reply) -> Vec<(Option<u64>, String)> {
    assert_eq!(reply.status, 422, "{:?}", reply.body);
    reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["index"].as_u64(), e["field"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn a_customer_sync_sets_the_tags_it_gives_and_keeps_those_it_does_not() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let tags = |id: i64| app.get(&format!("/api/customers/{id}/export")).body["customer"]["tags"].clone();
    let batch = json!({"customers": [
        {"id": 1, "name": "Ann", "tags": [" Wedding ", "bulk", "wedding"]},
        {"id": 2, "name": "Bo"},
    ]});
    assert_eq!(app.post("/api/sync/customers", &batch).status, 200);
    assert_eq!((tags(1), tags(2)), (json!(["bulk", "wedding"]), json!([])));
    // Absent or null keeps them; a list replaces them; [] removes them.
    let keep = json!({"customers": [{"id": 1, "name": "Ann Lee"}, {"id": 2, "name": "Bo", "tags": null}]});
    assert_eq!(app.post("/api/sync/customers", &keep).status, 200);
    assert_eq!(tags(1), json!(["bulk", "wedding"]));
    let replace =
        json!({"customers": [{"id": 1, "name": "Ann Lee", "tags": []}, {"id": 2, "name": "Bo", "tags": ["vip"]}]});
    assert_eq!(app.post("/api/sync/customers", &replace).status, 200);
    assert_eq!((tags(1), tags(2)), (json!([]), json!(["vip"])));
    // A bad tag rejects the batch, naming the record and the tag; nothing is written.
    let bad = json!({"customers": [
        {"id": 1, "name": "Ann", "tags": ["ok"]},
        {"id": 2, "name": "", "tags": ["fine", "two\nlines"]},
    ]});
    let reply = app.post("/api/sync/customers", &bad);
    assert_eq!(named(&reply), [(Some(1), "name".to_owned()), (Some(1), "tags[1]".to_owned())]);
    assert_eq!((tags(1), tags(2)), (json!([]), json!(["vip"])));
    let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    let reply = app.post("/api/sync/customers", &json!({"customers": [{"id": 1, "name": "Ann", "tags": many}]}));
    assert_eq!(named(&reply), [(Some(0), "tags".to_owned())]);
}

#[test]
fn the_id_map_gives_each_source_id_one_id_for_good() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    const TOP: i64 = 9_007_199_254_740_991;
    let ask = |kind: &str, ids: &[&str], assign: bool| {
        app.post("/api/sync/source-ids", &json!({"kind": kind, "sourceIds": ids, "assign": assign}))
    };
    let looked = ask("sale", &["#1001"], false);
    assert_eq!(looked.status, 200, "{:?}", looked.body);
    assert_eq!(looked.body, json!({"ids": [null], "lowestId": null}), "a lookup gives nothing new");
    let given = ask("sale", &["#1001", " #1002 ", "#1001"], true);
    assert_eq!(given.body, json!({"ids": [TOP, TOP - 1, TOP], "lowestId": TOP - 1}), "trimmed, repeats alike");
    let again = ask("sale", &["#1003", "#1002"], true);
    assert_eq!(again.body, json!({"ids": [TOP - 2, TOP - 1], "lowestId": TOP - 2}));
    assert_eq!(ask("sale", &["#1003", "#9"], false).body, json!({"ids": [TOP - 2, null], "lowestId": TOP - 2}));
    // Kinds count apart.
    assert_eq!(ask("customer", &["ann@example.com"], true).body, json!({"ids": [TOP], "lowestId": TOP}));
    // Bad source ids are named; nothing is given.
    let long = "x".repeat(256);
    assert_eq!(
        named(&ask("sale", &["#1004", " ", &long, "a\nb"], true)),
        [(None, "sourceIds[1]".to_owned()), (None, "sourceIds[2]".to_owned()), (None, "sourceIds[3]".to_owned())]
    );
    assert_eq!(ask("sale", &["#1004"], false).body["ids"], json!([null]));
    let too_many: Vec<String> = (0..1_001).map(|i| format!("#{i}")).collect();
    let reply = app.post("/api/sync/source-ids", &json!({"kind": "sale", "sourceIds": too_many, "assign": true}));
    assert_eq!(reply.status, 413, "{:?}", reply.body);
    let reply = app.post("/api/sync/source-ids", &json!({"kind": "order", "sourceIds": ["#1"]}));
    assert_eq!(reply.status, 422, "{:?}", reply.body);
}
