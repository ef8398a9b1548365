//! Several replicas on one PostgreSQL database: what one is told, the others show within
//! the change log's follow delay, and one analytics refresh runs at a time across them.
//! (Run in the PostgreSQL half of the suite; a SQLite file is one process's.)

use crate::support;

use chrono::{Days, Utc};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::{App, cents, spawn_replica, temp_dir};

/// Servers that refresh only when asked, so every refresh below is the test's.
const ARGS: [&str; 2] = ["--refresh-delay-secs", "3600"];

/// How long a write through one replica may take to show on another: the follow delay
/// (about a second) with room for a busy machine.
const SHOWS_WITHIN: Duration = Duration::from_secs(15);

fn at(days_ago: u64) -> String {
    format!("{}T10:00:00Z", Utc::now().date_naive() - Days::new(days_ago))
}

fn sync(app: &App, path: &str, body: &Value) {
    let reply = app.post(path, body);
    assert_eq!(reply.status, 200, "{path}: {:?}", reply.body);
}

fn refresh(app: &App) {
    let reply = app.post("/api/analytics/refresh", &json!({}));
    assert_eq!(reply.status, 200, "{:?}", reply.body);
}

fn tea(id: i64, customer: i64, days_ago: u64, quantity: i64) -> Value {
    json!({"id": id, "customer_id": customer, "total_amount": quantity * 5, "created_at": at(days_ago),
        "items": [{"product_id": "TEA", "product_name": "Tea", "quantity": quantity, "unit_price": 5}]})
}

/// How many cards `/metrics` says were served from `source` (prepared or store).
fn cards_served(app: &App, source: &str) -> u64 {
    let metrics = app.get("/metrics").text;
    let prefix = format!("crm_insight_cards_served_total{{source=\"{source}\"}} ");
    metrics.lines().find_map(|l| l.strip_prefix(prefix.as_str())).map_or(0, |n| n.trim().parse().unwrap())
}

/// Waits until `check` holds (true) on what `read` gives, and says how long that took.
fn shows_within(what: &str, mut read: impl FnMut() -> Value, check: impl Fn(&Value) -> bool) -> Duration {
    let began = Instant::now();
    loop {
        let seen = read();
        if check(&seen) {
            let took = began.elapsed();
            eprintln!("{what}: shown on the other replica after {} ms", took.as_millis());
            return took;
        }
        assert!(began.elapsed() < SHOWS_WITHIN, "{what} did not show on the other replica: {seen}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn what_one_replica_is_told_the_other_shows_within_the_follow_delay() {
    if support::postgresql_only("two replicas on one database") {
        return;
    }
    let dir = temp_dir();
    let a = spawn_replica(dir.path(), "a.log", &ARGS);
    let b = spawn_replica(dir.path(), "b.log", &ARGS);
    for app in [&a, &b] {
        assert_eq!(app.get("/api/health").body["backend"], "postgresql");
    }
    sync(&a, "/api/sync/customers", &json!({"customers": [{"id": 1, "name": "Ann"}, {"id": 2, "name": "Bo"}]}));
    sync(&a, "/api/sync/sales", &json!({"sales": [tea(1, 1, 20, 2), tea(2, 1, 10, 1), tea(3, 2, 5, 3)]}));

    // B prepares the cards and serves customer 1's from them.
    refresh(&b);
    let card = b.get("/api/customers/1/insights").body;
    assert_eq!((card["visitCount"].as_i64(), cents(&card["totalSpent"])), (Some(2), 1_500));
    assert_eq!(cards_served(&b, "prepared"), 1, "B served the card it prepared");
    assert_eq!(a.get("/api/customers/1/insights").body["visitCount"], 2, "A (no refresh yet) reads the store");

    // A sale through A: B stops serving its prepared card of customer 1 (and only that one).
    sync(&a, "/api/sync/sales", &json!({"sales": [tea(4, 1, 1, 4)]}));
    shows_within(
        "a sale's card",
        || b.get("/api/customers/1/insights").body,
        |card| card["visitCount"] == 3 && cents(&card["totalSpent"]) == 3_500,
    );
    let from_store = cards_served(&b, "store");
    assert!(from_store >= 1, "the changed card came from the store");
    assert_eq!(b.get("/api/customers/2/insights").body["visitCount"], 1);
    assert_eq!(cards_served(&b, "store"), from_store, "an unchanged customer's prepared card stays in use");

    // Tags set through B show on A's card at once (A had no prepared card; after A
    // prepares its own, a change through B still reaches it).
    refresh(&a);
    let tags = b.send("PUT", "/api/customers/2/tags", &[], Some(&json!({"tags": ["wholesale"]})));
    assert_eq!(tags.status, 200, "{:?}", tags.body);
    shows_within(
        "manual tags",
        || a.get("/api/customers/2/insights").body,
        |card| card["purposeTags"] == json!(["wholesale"]),
    );

    // The catalogue: stock synced through A changes B's reorder advice.
    let before = b.get("/api/analytics/reorder").body;
    assert_eq!(before["items"][0]["status"], "no_stock_data", "{before}");
    sync(&a, "/api/sync/products", &json!({"products": [{"id": "TEA", "name": "Green tea", "stock_on_hand": 40}]}));
    shows_within(
        "a stock level",
        || b.get("/api/analytics/reorder").body,
        |list| list["items"][0]["stockOnHand"] == 40 && list["items"][0]["name"] == "Green tea",
    );
    shows_within(
        "a product's new name on a card",
        || b.get("/api/customers/1/insights").body,
        |card| card["preferredProducts"][0]["name"] == "Green tea",
    );

    // The calendar and the sync status are read from the store: the same on both at once.
    let event = json!({"event_type": "festival", "name": "Tea week", "date": at(0)[..10], "impact_level": "high"});
    let created = a.post("/api/calendar/events", &event);
    assert_eq!(created.status, 201, "{:?}", created.body);
    let listed = b.get(&format!("/api/calendar/events?from={}&days=1", &at(0)[..10])).body;
    assert_eq!(listed["events"][0]["name"], "Tea week", "{listed}");
    assert_eq!(b.get("/api/sync/status").body["sales"], a.get("/api/sync/status").body["sales"]);

    // After both refresh, the dashboard and the cards are the same on both.
    refresh(&a);
    refresh(&b);
    let dashboard = format!("/api/analytics/dashboard?from={}&to={}", &at(30)[..10], &at(0)[..10]);
    assert_eq!(a.get(&dashboard).body, b.get(&dashboard).body);
    for customer in [1, 2] {
        let path = format!("/api/customers/{customer}/insights");
        assert_eq!(a.get(&path).body, b.get(&path).body);
    }
}

#[derive(diesel::QueryableByName, Debug)]
struct Run {
    #[diesel(sql_type = diesel::sql_types::Text)]
    replica: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    started_us: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    finished_us: i64,
}

#[test]
fn one_refresh_runs_at_a_time_across_replicas() {
    use diesel::{Connection, RunQueryDsl};
    if support::postgresql_only("two replicas on one database") {
        return;
    }
    let dir = temp_dir();
    let a = spawn_replica(dir.path(), "a.log", &ARGS);
    let b = spawn_replica(dir.path(), "b.log", &ARGS);
    let sales: Vec<Value> = (1..=400).map(|id| tea(id, id % 40 + 1, (id % 60) as u64, id % 3 + 1)).collect();
    sync(&a, "/api/sync/sales", &json!({ "sales": sales }));
    // Three refreshes asked of each, all at once.
    let asks: Vec<_> = [&a, &b]
        .iter()
        .flat_map(|app| std::iter::repeat_n(app.base.clone(), 3))
        .map(|base| {
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                agent.post(format!("{base}/api/analytics/refresh")).send_json(json!({})).unwrap().status().as_u16()
            })
        })
        .collect();
    for ask in asks {
        assert_eq!(ask.join().unwrap(), 200);
    }
    let mut conn = diesel::PgConnection::establish(&support::database_url(dir.path())).unwrap();
    let runs: Vec<Run> = diesel::sql_query(
        "SELECT replica, CAST(EXTRACT(EPOCH FROM started_at) * 1000000 AS BIGINT) AS started_us,
                CAST(EXTRACT(EPOCH FROM finished_at) * 1000000 AS BIGINT) AS finished_us
         FROM analytics_runs ORDER BY started_at",
    )
    .load(&mut conn)
    .unwrap();
    assert_eq!(runs.len(), 6, "{runs:?}");
    let replicas: std::collections::BTreeSet<&str> = runs.iter().map(|r| r.replica.as_str()).collect();
    assert_eq!(replicas.len(), 2, "both replicas refreshed: {runs:?}");
    for pair in runs.windows(2) {
        assert!(pair[1].started_us >= pair[0].finished_us, "two refreshes overlapped: {pair:?}");
    }
    // The lease is given back after each.
    let lease: Vec<Run> = diesel::sql_query(
        "SELECT holder AS replica, expires_at_ms AS started_us, CAST(0 AS BIGINT) AS finished_us FROM crm_refresh_lease",
    )
    .load(&mut conn)
    .unwrap();
    assert_eq!((lease[0].replica.as_str(), lease[0].started_us), ("", 0));
}
