//! The analytics endpoints end to end: the checkout card, the customer list, tags, the
//! dashboard, segments and products, against the real binary.

use crate::support;

use chrono::{DateTime, Days, Utc};
use serde_json::{Value, json};
use support::{App, cents, spawn_app, temp_dir};

/// An RFC 3339 instant `days_ago` days before now, at 10:00 UTC.
fn at(days_ago: u64) -> String {
    let day = Utc::now().date_naive() - Days::new(days_ago);
    format!("{day}T10:00:00Z")
}

fn line(product: &str, quantity: i64, unit_price: f64) -> Value {
    json!({"product_id": product, "product_name": format!("Product {product}"), "category": "Gifts", "quantity": quantity, "unit_price": unit_price})
}

fn sync(app: &App, path: &str, body: Value) {
    let reply = app.post(path, &body);
    assert_eq!(reply.status, 200, "{path}: {:?}", reply.body);
}

/// Customer 1 buys tea often; tea and cake go together in other baskets; customer 2 is a
/// prospect; customer 3 bought once, long ago.
fn shop(app: &App) {
    sync(
        app,
        "/api/sync/customers",
        json!({"customers": [
            {"id": 1, "name": "John Doe", "phone": "1234567890", "email": "john@example.com"},
            {"id": 2, "name": "Asha Rao", "phone": "555-0102"},
            {"id": 3, "name": "Old Timer"}
        ]}),
    );
    let mut sales = vec![
        json!({"id": 1, "customer_id": 1, "total_amount": 10.00, "created_at": at(20), "items": [line("TEA", 2, 5.0)]}),
        json!({"id": 2, "customer_id": 1, "total_amount": 15.50, "created_at": at(10), "items": [line("TEA", 1, 5.0), line("JAM", 1, 10.5)]}),
        json!({"id": 3, "customer_id": 1, "total_amount": 5.00, "created_at": at(2), "items": [line("TEA", 1, 5.0)]}),
        json!({"id": 4, "customer_id": 3, "total_amount": 99.99, "created_at": at(300), "items": [line("VASE", 1, 99.99)]}),
    ];
    // Walk-in baskets where tea and cake sell together.
    for id in 10..16 {
        sales.push(json!({"id": id, "total_amount": 8.0, "created_at": at(5), "items": [line("TEA", 1, 5.0), line("CAKE", 1, 3.0)]}));
    }
    sales.push(json!({"id": 20, "total_amount": 2.0, "created_at": at(5), "items": [line("BREAD", 1, 2.0)]}));
    sales.push(json!({"id": 21, "total_amount": 2.0, "created_at": at(4), "items": [line("BREAD", 1, 2.0)]}));
    sync(app, "/api/sync/sales", json!({ "sales": sales }));
    let refreshed = app.post("/api/analytics/refresh", &json!({}));
    assert_eq!(refreshed.status, 200, "{:?}", refreshed.body);
}

#[test]
fn the_checkout_card_has_the_seed_fields_and_the_analytics() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    shop(&app);
    let card = app.get("/api/customers/1/insights").body;

    assert_eq!(card["customerId"], 1);
    assert_eq!(card["visitCount"], 3);
    assert_eq!(cents(&card["totalSpent"]), 3050);
    assert_eq!(cents(&card["averageBasket"]), 1017, "30.50 / 3 = 10.1666.. rounds to 10.17");
    assert_eq!(card["firstPurchase"], at(20)[..10]);
    let last = &card["lastPurchase"];
    assert_eq!((last["saleId"].as_i64(), last["date"].as_str()), (Some(3), Some(&at(2)[..10])));
    assert_eq!(cents(&last["amount"]), 500);
    assert_eq!(last["items"][0]["productId"], "TEA");
    assert_eq!(last["items"][0]["productName"], "Product TEA");

    let preferred: Vec<&str> =
        card["preferredProducts"].as_array().unwrap().iter().map(|p| p["productId"].as_str().unwrap()).collect();
    assert_eq!(preferred, ["TEA", "JAM"]);
    assert_eq!(card["preferredProducts"][0]["quantity"], 4);
    assert_eq!(card["preferredProducts"][0]["timesBought"], 3);
    assert_eq!(card["preferredProducts"][0]["category"], "Gifts");

    let recommended = &card["recommendations"][0];
    assert_eq!((recommended["productId"].as_str(), recommended["becauseOf"].as_str()), (Some("CAKE"), Some("TEA")));
    // 12 baskets, 9 with tea, 6 with cake, 6 with both: lift = 6 × 12 / (9 × 6).
    assert_eq!(recommended["lift"].as_f64(), Some(6.0 * 12.0 / (9.0 * 6.0)));

    // First purchase 20 days ago: new (the top spender, customer 3, has one purchase: not VIP).
    assert_eq!(card["segment"], "new");
    // Two buyers (1 and 3): customer 1 is the more recent and more frequent (R5, F5) and the
    // smaller spender (rank 1 of 2: M = 5 - floor(5 / 2) = 3): a Champion.
    assert_eq!(card["rfm"], json!({"recency": 5, "frequency": 5, "monetary": 3, "segment": "Champions"}));
    assert_eq!(card["churnRisk"]["level"], "low");
    assert_eq!(card["churnRisk"]["daysSinceLastPurchase"], 2);
    assert_eq!(card["lapsed"], false);
    assert_eq!(card["analyticsAsOf"], Utc::now().date_naive().to_string());
}

#[test]
fn prospects_lapsed_customers_and_unknown_ids() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    shop(&app);
    let prospect = app.get("/api/customers/2/insights").body;
    assert_eq!((prospect["segment"].as_str(), prospect["visitCount"].as_i64()), (Some("prospect"), Some(0)));
    assert!(
        prospect.get("lastPurchase").is_none() && prospect.get("churnRisk").is_none() && prospect.get("rfm").is_none()
    );
    assert_eq!(prospect["preferredProducts"], json!([]));

    let old = app.get("/api/customers/3/insights").body;
    assert_eq!((old["segment"].as_str(), old["lapsed"].as_bool()), (Some("regular"), Some(true)));
    assert_eq!(old["churnRisk"]["level"], "high", "300 days against the default 30-day gap");

    let missing = app.get("/api/customers/999/insights");
    assert_eq!((missing.status, missing.body["code"].as_str()), (404, Some("not-found")));
    let malformed = app.get("/api/customers/abc/insights");
    assert_eq!((malformed.status, malformed.content_type.as_str()), (400, "application/problem+json"));
}

#[test]
fn a_customer_synced_after_the_last_refresh_still_gets_a_card() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    shop(&app);
    sync(
        &app,
        "/api/sync/sales",
        json!({"sales": [{"id": 50, "customer_id": 77, "total_amount": 3, "created_at": at(1)}]}),
    );
    let card = app.get("/api/customers/77/insights").body;
    assert_eq!((card["segment"].as_str(), card["visitCount"].as_i64()), (Some("new"), Some(1)));
    assert!(card.get("name").is_none(), "a placeholder has no name until the customer syncs");
}

/// How many cards `/metrics` says were served from `source` (prepared or store).
fn cards_served(app: &App, source: &str) -> u64 {
    let metrics = app.get("/metrics").text;
    let prefix = format!("crm_insight_cards_served_total{{source=\"{source}\"}} ");
    metrics.lines().find_map(|l| l.strip_prefix(prefix.as_str())).map_or(0, |n| n.trim().parse().unwrap())
}

#[test]
fn prepared_cards_give_way_to_the_store_as_soon_as_a_write_changes_them() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    shop(&app);
    let before = app.get("/api/customers/1/insights").body;
    assert_eq!(cards_served(&app, "prepared"), 1, "the refresh prepared the card");

    // A sale synced a moment ago shows at once.
    sync(
        &app,
        "/api/sync/sales",
        json!({"sales": [{"id": 60, "customer_id": 1, "total_amount": 7.0, "created_at": at(0), "items": [line("CAKE", 1, 7.0)]}]}),
    );
    let after = app.get("/api/customers/1/insights").body;
    assert_eq!((after["lastPurchase"]["saleId"].as_i64(), after["visitCount"].as_i64()), (Some(60), Some(4)));
    assert_eq!(cards_served(&app, "store"), 1);
    assert_ne!(before["totalSpent"], after["totalSpent"]);

    // So do new manual tags and a product's new name.
    let tagged = app.send("PUT", "/api/customers/3/tags", &[], Some(&json!({"tags": ["florist"]})));
    assert_eq!(tagged.status, 200);
    assert_eq!(app.get("/api/customers/3/insights").body["purposeTags"], json!(["florist"]));
    sync(&app, "/api/sync/products", json!({"products": [{"id": "VASE", "name": "Blue vase", "category": "Home"}]}));
    let renamed = app.get("/api/customers/3/insights").body;
    assert_eq!(renamed["preferredProducts"][0]["name"], "Blue vase");

    // The next refresh prepares them all again.
    assert_eq!(app.post("/api/analytics/refresh", &json!({})).status, 200);
    let prepared = cards_served(&app, "prepared");
    let again = app.get("/api/customers/1/insights").body;
    assert_eq!(cards_served(&app, "prepared"), prepared + 1);
    assert_eq!(again["lastPurchase"], after["lastPurchase"]);
}

#[test]
fn the_customer_list_filters_and_pages_with_a_cursor() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    shop(&app);
    let first = app.get("/api/customers?limit=2").body;
    let ids: Vec<i64> = first["customers"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [1, 2]);
    let cursor = first["nextCursor"].as_str().unwrap().to_owned();
    let second = app.get(&format!("/api/customers?limit=2&cursor={cursor}")).body;
    assert_eq!(second["customers"][0]["id"], 3);
    assert!(second.get("nextCursor").is_none());

    assert_eq!(app.get("/api/customers?q=asha").body["customers"][0]["id"], 2);
    assert_eq!(app.get("/api/customers?q=555-01").body["customers"][0]["id"], 2);
    assert_eq!(app.get("/api/customers?q=%25").body["customers"], json!([]), "% is matched literally");
    let vip_or_new = app.get("/api/customers?segment=new").body;
    assert_eq!(vip_or_new["customers"][0]["id"], 1);
    assert_eq!(vip_or_new["customers"][0]["visitCount"], 3);
    for bad in ["/api/customers?limit=0", "/api/customers?cursor=abc", "/api/customers?segment=gold"] {
        let reply = app.get(bad);
        assert_eq!((reply.status, reply.body["code"].as_str()), (400, Some("bad-request")), "{bad}");
    }
}

#[test]
fn purpose_tags_are_normalised_validated_and_searchable() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    shop(&app);
    let set = app.send("PUT", "/api/customers/1/tags", &[], Some(&json!({"tags": [" Party ", "party", "Wholesale"]})));
    assert_eq!(set.body, json!({"customerId": 1, "tags": ["party", "wholesale"]}));
    assert_eq!(app.get("/api/customers/1/insights").body["purposeTags"], json!(["party", "wholesale"]));
    assert_eq!(app.get("/api/customers?tag=party").body["customers"][0]["id"], 1);

    let invalid = app.send("PUT", "/api/customers/1/tags", &[], Some(&json!({"tags": ["ok", " ", "x".repeat(41)]})));
    assert_eq!(invalid.status, 422);
    let fields: Vec<&str> =
        invalid.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["tags[1]", "tags[2]"]);
    assert_eq!(app.get("/api/customers/1/insights").body["purposeTags"], json!(["party", "wholesale"]), "unchanged");
    let unknown = app.send("PUT", "/api/customers/999/tags", &[], Some(&json!({"tags": ["a"]})));
    assert_eq!(unknown.status, 404);
}

#[test]
fn the_dashboard_covers_the_window_day_by_day() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    shop(&app);
    let dashboard = app.get("/api/analytics/dashboard?days=30").body;
    let trend = dashboard["salesTrend"].as_array().unwrap();
    assert_eq!(trend.len(), 30);
    assert_eq!(trend[29]["date"], Utc::now().date_naive().to_string());
    let revenue: i64 = trend.iter().map(|p| cents(&p["revenue"])).sum();
    let sales: i64 = trend.iter().map(|p| p["salesCount"].as_i64().unwrap()).sum();
    assert_eq!((revenue, sales), (1000 + 1550 + 500 + 6 * 800 + 2 * 200, 11), "the sale 300 days ago is outside");
    assert_eq!(cents(&dashboard["trend"]["revenue"]), revenue);
    assert_eq!(
        dashboard["totals"],
        json!({"revenue": 82.5, "salesCount": 11, "averageBasket": 7.5, "previousRevenue": 0.0, "previousSalesCount": 0}),
        "82.50 over 11 sales; nothing in the 30 days before"
    );
    // Revenue at x = 9, 19, 24, 25, 27 of 0..29: Σ(x - x̄)² = 30 × 899 / 12 = 2247.5 and
    // Σxy - n x̄ ȳ = 1769.5 - 14.5 × 82.5 = 573.25, so the slope is 0.255 a day; its t is
    // 1.28, below 2.048 (df 28): not a trend.
    let slope = dashboard["trend"]["slopePerDay"].as_f64().unwrap();
    assert!((slope - 573.25 / 2247.5).abs() < 1e-12, "{slope}");
    assert_eq!(dashboard["trend"]["direction"], "flat");

    let stats = &dashboard["customerStats"];
    let by_segment = &stats["bySegment"];
    let summed: i64 = ["prospect", "new", "regular", "vip"].iter().map(|s| by_segment[s].as_i64().unwrap()).sum();
    assert_eq!((stats["total"].as_i64(), summed), (Some(3), 3));
    assert_eq!(stats["activeInWindow"], 1);
    assert_eq!(dashboard["topProducts"][0]["productId"], "TEA");
    assert_eq!(dashboard["topProducts"][0]["rank"], 1);
    assert_eq!(dashboard["upcomingEvents"], json!([]));
    assert_eq!(app.get("/api/analytics/dashboard?days=0").status, 400);

    let today = Utc::now().date_naive();
    let trends = app.get(&format!("/api/analytics/trends?from={}&to={today}", today - Days::new(29))).body;
    let last = &trends["points"][29];
    // The last seven days hold 50.00 (5 days ago), 2.00 (4) and 5.00 (2): 57.00 / 7.
    assert_eq!(last["revenueMovingAverage7"].as_f64(), Some(8.14));
    let weekly = app.get(&format!("/api/analytics/trends?from={today}&to={today}&granularity=week")).body;
    assert!(weekly["points"][0].get("revenueMovingAverage7").is_none());
}

#[test]
fn a_past_window_of_the_dashboard_and_what_sold_best_in_it() {
    let dir = temp_dir();
    let app = support::spawn_app_with(dir.path(), &["--currency", "EUR"]);
    shop(&app);
    let today = Utc::now().date_naive();
    let day = |back: u64| today - Days::new(back);
    let old = app.get(&format!("/api/analytics/dashboard?from={}&to={}", day(300), day(290))).body;
    assert_eq!(
        (old["from"].as_str(), old["asOf"].as_str()),
        (Some(&*day(300).to_string()), Some(&*day(290).to_string()))
    );
    assert_eq!((old["days"].as_u64(), old["currency"].as_str()), (Some(11), Some("EUR")));
    assert_eq!(old["salesTrend"].as_array().unwrap().len(), 11);
    assert_eq!(cents(&old["trend"]["revenue"]), 9_999, "the vase, 300 days ago");
    assert_eq!(old["customerStats"]["activeInWindow"], 1, "Old Timer bought then");
    let last_week = app.get(&format!("/api/analytics/dashboard?days=7&to={}", day(3))).body;
    assert_eq!((last_week["from"].as_str(), last_week["days"].as_u64()), (Some(&*day(9).to_string()), Some(7)));
    // Tea and cake 5 days ago (6 × 8.00), bread 5 and 4 days ago: John bought nothing then.
    assert_eq!(cents(&last_week["trend"]["revenue"]), 4_800 + 400);
    assert_eq!(last_week["customerStats"]["activeInWindow"], 0);
    for (query, detail) in [
        (format!("days=5&from={}", day(10)), "give days or from, not both".to_owned()),
        (
            format!("from={}", day(400)),
            format!("the window may cover at most 365 days, got 401 from {} to {today}", day(400)),
        ),
        (format!("from={}&to={}", day(1), day(2)), format!("from ({}) is after to ({})", day(1), day(2))),
    ] {
        let reply = app.get(&format!("/api/analytics/dashboard?{query}"));
        assert_eq!((reply.status, reply.body["detail"].as_str()), (400, Some(detail.as_str())), "{query}");
    }

    let ranked = |query: &str| -> Vec<(String, i64, i64)> {
        let reply = app.get(&format!("/api/analytics/products?{query}"));
        assert_eq!(reply.status, 200, "{query}: {:?}", reply.body);
        reply.body["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["productId"].as_str().unwrap().to_owned(), p["units"].as_i64().unwrap(), cents(&p["revenue"])))
            .collect()
    };
    let month = format!("from={}&to={today}", day(29));
    let by = |id: &str, units: i64, cents: i64| (id.to_owned(), units, cents);
    assert_eq!(
        ranked(&month),
        [by("TEA", 10, 5_000), by("CAKE", 6, 1_800), by("BREAD", 2, 400), by("JAM", 1, 1_050)],
        "by units"
    );
    assert_eq!(
        ranked(&format!("{month}&sort=revenue&limit=2")),
        [by("TEA", 10, 5_000), by("CAKE", 6, 1_800)],
        "by revenue, the first two"
    );
    let vase = app.get(&format!("/api/analytics/products?from={}&to={}", day(300), day(290))).body;
    assert_eq!(
        vase["products"],
        json!([{"productId": "VASE", "name": "Product VASE", "category": "Gifts", "score": 0.0, "rank": 1, "direction": "flat",
            "recentUnits": 0, "units": 1, "revenue": 99.99, "sales": 1}]),
        "sold long ago: no popularity now"
    );
    assert_eq!(ranked("sort=revenue"), ranked(&format!("{month}&sort=revenue")), "sort alone ranks the last 30 days");
}

#[test]
fn segments_products_and_sync_status_report_the_refresh() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let started = Utc::now();
    shop(&app);
    let segments = app.get("/api/analytics/segments").body;
    assert_eq!(segments["segments"], json!({"prospect": 1, "new": 1, "regular": 1, "vip": 0}));
    let in_grid: i64 = segments["rfmGrid"].as_array().unwrap().iter().map(|c| c["customers"].as_i64().unwrap()).sum();
    let named: i64 = segments["rfmSegments"].as_array().unwrap().iter().map(|c| c["customers"].as_i64().unwrap()).sum();
    assert_eq!((in_grid, named), (2, 2), "buyers only");

    let products = app.get("/api/analytics/products?limit=3").body;
    let scores: Vec<f64> =
        products["products"].as_array().unwrap().iter().map(|p| p["score"].as_f64().unwrap()).collect();
    assert_eq!(scores.len(), 3);
    assert_eq!(scores[0], 100.0);
    assert!(scores.windows(2).all(|w| w[0] >= w[1]));

    let status = app.get("/api/sync/status").body;
    assert_eq!(status["stale"], json!([]), "synced and refreshed just now");
    assert_eq!(status["analytics"]["customers"], 3);
    let analytics = &status["analytics"];
    assert_eq!(analytics["asOf"], Utc::now().date_naive().to_string());
    assert_eq!(analytics["pairs"], 1, "only tea and cake share two baskets");
    let instant = |field: &str| DateTime::parse_from_rfc3339(analytics[field].as_str().unwrap()).unwrap().to_utc();
    assert!(started <= instant("startedAt") && instant("startedAt") <= instant("finishedAt"), "{analytics}");
    assert!(instant("finishedAt") <= Utc::now(), "{analytics}");
}

#[test]
fn category_rules_tag_customers_beside_their_manual_tags() {
    let dir = temp_dir();
    let app = support::spawn_app_with(dir.path(), &["--purpose-tags", "gifts=Gift-Buyer, Baking=party"]);
    shop(&app);
    app.send("PUT", "/api/customers/1/tags", &[], Some(&json!({"tags": ["wholesale"]})));
    assert_eq!(app.get("/api/customers/1/insights").body["purposeTags"], json!(["gift-buyer", "wholesale"]));
    assert_eq!(app.get("/api/customers/2/insights").body["purposeTags"], json!([]), "a prospect bought nothing");
    let tagged: Vec<i64> = app.get("/api/customers?tag=gift-buyer").body["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(tagged, [1, 3]);
    let bad = support::try_spawn_app(dir.path(), &["--purpose-tags", "Baking"]).err().expect("refused");
    assert!(bad.contains("is not category=tag"), "{bad}");
}
