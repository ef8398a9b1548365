//! Several replicas on one PostgreSQL database: what one is told, the others show within
//! the change log's follow delay, the checkout cards one prepares the others serve, and one
//! analytics refresh runs at a time across them.
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
    // A has not refreshed: it serves the cards B prepared (shared through the store).
    shows_within(
        "B's prepared cards",
        || {
            let card = a.get("/api/customers/1/insights").body;
            json!({"visits": card["visitCount"], "prepared": cards_served(&a, "prepared")})
        },
        |seen| seen["visits"] == 2 && seen["prepared"].as_u64() > Some(0),
    );

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

    // Tags set through B reach A's card too, after A prepared cards of its own.
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

/// Every refresh recorded in the store, in the order they began.
fn refresh_runs(conn: &mut diesel::PgConnection) -> Vec<Run> {
    use diesel::RunQueryDsl;
    diesel::sql_query(
        "SELECT replica, CAST(EXTRACT(EPOCH FROM started_at) * 1000000 AS BIGINT) AS started_us,
                CAST(EXTRACT(EPOCH FROM finished_at) * 1000000 AS BIGINT) AS finished_us
         FROM analytics_runs ORDER BY started_at",
    )
    .load(conn)
    .unwrap()
}

/// No refresh began before the one before it finished.
fn assert_one_at_a_time(runs: &[Run]) {
    for pair in runs.windows(2) {
        assert!(pair[1].started_us >= pair[0].finished_us, "two refreshes overlapped: {pair:?}");
    }
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
    let runs = refresh_runs(&mut conn);
    assert_eq!(runs.len(), 6, "{runs:?}");
    let replicas: std::collections::BTreeSet<&str> = runs.iter().map(|r| r.replica.as_str()).collect();
    assert_eq!(replicas.len(), 2, "both replicas refreshed: {runs:?}");
    assert_one_at_a_time(&runs);
    // The lease is given back after each.
    let lease: Vec<Run> = diesel::sql_query(
        "SELECT holder AS replica, expires_at_ms AS started_us, CAST(0 AS BIGINT) AS finished_us FROM crm_refresh_lease",
    )
    .load(&mut conn)
    .unwrap();
    assert_eq!((lease[0].replica.as_str(), lease[0].started_us), ("", 0));
}

/// Batches of the kill test: batch `k` holds sales `100k + 1 ..= 100k + 200`, so each
/// overlaps its neighbours by half; a sale is the same in every batch that holds it.
const BATCHES: i64 = 40;

/// Sale `id`'s amount, in cents.
fn amount_cents(id: i64) -> i64 {
    100 + id * 37 % 900
}

fn kill_test_batch(k: i64) -> Value {
    let sales: Vec<Value> = (100 * k + 1..=100 * k + 200)
        .map(|id| {
            let cents = amount_cents(id);
            let amount = format!("{}.{:02}", cents / 100, cents % 100);
            let amount: Value = serde_json::from_str(&amount).unwrap();
            json!({"id": id, "customer_id": id % 50 + 1, "total_amount": amount, "created_at": at((id % 30) as u64),
                "items": [{"product_id": format!("P{}", id % 7), "quantity": 1, "unit_price": amount}]})
        })
        .collect();
    json!({ "sales": sales })
}

/// Sends `batches` through `base` one after another; returns those acknowledged (200),
/// stopping at the first that was not answered (its server went away).
fn send_batches(base: String, batches: Vec<i64>) -> Vec<i64> {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut acknowledged = Vec::new();
    for k in batches {
        match agent.post(format!("{base}/api/sync/sales")).send_json(kill_test_batch(k)) {
            Ok(response) if response.status().as_u16() == 200 => acknowledged.push(k),
            Ok(response) => panic!("batch {k} refused with {}", response.status()),
            Err(_) => break,
        }
    }
    acknowledged
}

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct DayTotal {
    #[diesel(sql_type = diesel::sql_types::Date)]
    local_date: chrono::NaiveDate,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    cents: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    sales: i64,
}

#[derive(diesel::QueryableByName, Debug)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[test]
fn a_replica_killed_mid_stream_loses_nothing_acknowledged_and_leaves_nothing_half_written() {
    use diesel::{Connection, RunQueryDsl};
    if support::postgresql_only("two replicas on one database") {
        return;
    }
    let dir = temp_dir();
    // Refreshes run a second after syncs, so they run (under the lease) while batches land.
    let args = ["--refresh-delay-secs", "1"];
    let a = spawn_replica(dir.path(), "a.log", &args);
    let b = spawn_replica(dir.path(), "b.log", &args);

    // Even batches through A, odd through B, at once; B is killed once it has
    // acknowledged a few, with its next batch on the way.
    let through_a = std::thread::spawn({
        let base = a.base.clone();
        move || send_batches(base, (0..BATCHES).step_by(2).collect())
    });
    let through_b = std::thread::spawn({
        let base = b.base.clone();
        move || send_batches(base, (1..BATCHES).step_by(2).collect())
    });
    let began = Instant::now();
    while sales_stored(&a) < 2_000 {
        assert!(began.elapsed() < Duration::from_secs(120), "the batches did not land");
        std::thread::sleep(Duration::from_millis(20));
    }
    b.kill();
    let acknowledged: Vec<i64> = [through_a.join().unwrap(), through_b.join().unwrap()].concat();
    let by_b = acknowledged.iter().filter(|k| *k % 2 == 1).count();
    eprintln!("acknowledged before the kill: {} batches, {by_b} of them through B", acknowledged.len());
    assert!(by_b < (BATCHES / 2) as usize, "B was killed before it sent everything");

    // Every acknowledged batch is stored whole; every sale with its line; the daily
    // totals agree with the sales (nothing half-written, the killed batch included).
    let url = support::database_url(dir.path());
    let mut conn = diesel::PgConnection::establish(&url).unwrap();
    let count =
        |conn: &mut diesel::PgConnection, sql: String| diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n;
    for k in &acknowledged {
        let stored = count(
            &mut conn,
            format!("SELECT COUNT(*) AS n FROM sales WHERE id BETWEEN {} AND {}", 100 * k + 1, 100 * k + 200),
        );
        assert_eq!(stored, 200, "acknowledged batch {k}");
    }
    let agree = |conn: &mut diesel::PgConnection| {
        let days: Vec<DayTotal> = diesel::sql_query(
            "SELECT local_date, CAST(SUM(total_cents) AS BIGINT) AS cents, COUNT(*) AS sales FROM sales
             GROUP BY local_date ORDER BY local_date",
        )
        .load(conn)
        .unwrap();
        let daily: Vec<DayTotal> = diesel::sql_query(
            "SELECT local_date, revenue_cents AS cents, sale_count AS sales FROM sales_daily
             WHERE sale_count > 0 ORDER BY local_date",
        )
        .load(conn)
        .unwrap();
        assert_eq!(days, daily, "the daily totals are the sales'");
        let lineless = count(
            conn,
            "SELECT COUNT(*) AS n FROM sales s WHERE NOT EXISTS (SELECT 1 FROM sale_items i WHERE i.sale_id = s.id)"
                .into(),
        );
        assert_eq!(lineless, 0, "a sale without its line");
    };
    agree(&mut conn);

    // A replacement replica, and everything replayed through both: each sale once, exact.
    let b = spawn_replica(dir.path(), "b2.log", &args);
    let replay_a = std::thread::spawn({
        let base = a.base.clone();
        move || send_batches(base, (0..BATCHES).collect())
    });
    let replay_b = send_batches(b.base.clone(), (0..BATCHES).rev().collect());
    assert_eq!(replay_a.join().unwrap().len(), BATCHES as usize);
    assert_eq!(replay_b.len(), BATCHES as usize);
    let ids = 100 * BATCHES + 100;
    assert_eq!(count(&mut conn, "SELECT COUNT(*) AS n FROM sales".into()), ids, "each sale once");
    agree(&mut conn);
    let expected: i64 = (1..=ids).map(amount_cents).sum();
    let dashboard = format!("/api/analytics/dashboard?from={}&to={}", &at(30)[..10], &at(0)[..10]);
    refresh(&a);
    refresh(&b);
    let on_a = a.get(&dashboard).body;
    let revenue: i64 = on_a["salesTrend"].as_array().unwrap().iter().map(|p| cents(&p["revenue"])).sum();
    assert_eq!(revenue, expected, "totals exact to the cent");
    assert_eq!(on_a, b.get(&dashboard).body, "the dashboard is the same on both replicas");
    for customer in [1, 17, 50] {
        let path = format!("/api/customers/{customer}/insights");
        assert_eq!(a.get(&path).body, b.get(&path).body, "customer {customer}'s card");
    }

    // Every refresh, the killed replica's too, ran alone.
    let runs = refresh_runs(&mut conn);
    eprintln!(
        "{} refreshes by {} replicas",
        runs.len(),
        runs.iter().map(|r| &r.replica).collect::<std::collections::BTreeSet<_>>().len()
    );
    assert_one_at_a_time(&runs);
}

/// The sales stored, as `/api/sync/status` counts them.
fn sales_stored(app: &App) -> i64 {
    app.get("/api/sync/status").body["sales"]["records"].as_i64().unwrap_or(0)
}
