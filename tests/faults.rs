//! Faults an operator meets, end to end: a full disk (a size cap stands in for it), a
//! read-only database file or directory, a stop while a refresh runs, a backup taken while
//! syncs go on and restored, and floods of wrong keys and writes.

use crate::support;

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{App, spawn_app, spawn_app_with, temp_dir};

/// `count` sales from id `first`, each with a line whose name is long, on 2025-09-27.
fn sales(first: i64, count: i64) -> Value {
    let sales: Vec<Value> = (first..first + count)
        .map(|id| {
            json!({"id": id, "total_amount": 2.5, "created_at": "2025-09-27T10:30:00Z",
                "items": [{"product_id": format!("P{}", id % 50), "product_name": "n".repeat(200), "quantity": 1, "unit_price": 2.5}]})
        })
        .collect();
    json!({ "sales": sales })
}

fn sales_stored(app: &App) -> i64 {
    app.get("/api/sync/status").body["sales"]["records"].as_i64().unwrap()
}

#[test]
fn a_full_store_answers_507_keeps_reading_says_so_in_health_and_recovers() {
    let dir = temp_dir();
    if support::on_postgres() {
        // The cap is a SQLite file's: on PostgreSQL it is refused at start, not ignored.
        let said = support::try_spawn_app(dir.path(), &["--max-database-mb", "2"]).err().expect("refused");
        assert!(said.contains("CRM_MAX_DATABASE_MB (--max-database-mb) caps a SQLite file"), "{said}");
        return;
    }
    let app = spawn_app_with(dir.path(), &["--max-database-mb", "2", "--refresh-delay-secs", "3600"]);
    let mut stored = 0;
    let refused = loop {
        let answer = app.post("/api/sync/sales", &sales(stored + 1, 500));
        if answer.status != 200 {
            break answer;
        }
        stored += 500;
        assert!(stored < 100_000, "the cap never refused a batch");
    };
    assert_eq!(
        (refused.status, refused.content_type.as_str()),
        (507, "application/problem+json"),
        "{:?}",
        refused.body
    );
    assert_eq!(refused.body["code"], "storage-full");
    assert_eq!(
        refused.body["detail"],
        "the server's storage is full; nothing was written, and reads still work. Retry once the operator has freed space"
    );
    // Reads go on, the refused batch left nothing, and health says why writes fail.
    assert_eq!(sales_stored(&app), stored);
    let health = app.get("/api/health");
    assert_eq!((health.status, health.body["status"].as_str()), (200, Some("degraded")), "{:?}", health.body);
    let reason = health.body["database"]["writeError"]["reason"].as_str().unwrap();
    assert!(reason.starts_with("the database is full: its disk, or its size cap (CRM_MAX_DATABASE_MB)"), "{reason}");
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    assert!(log.contains("are refused: the database is full"), "{log}");
    app.stop();

    // With room again (no cap), it takes writes; what was stored is there.
    let again = spawn_app(dir.path());
    assert_eq!(again.get("/api/health").body["status"], "ok");
    assert_eq!(again.post("/api/sync/sales", &sales(stored + 1, 500)).status, 200);
    assert_eq!(sales_stored(&again), stored + 500);
}

/// A command run as an unprivileged user when this process is root (root writes any file,
/// so a read-only file is only read-only to someone else).
fn unprivileged(program: &str) -> Command {
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root {
        let mut command = Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups", program]);
        command
    } else {
        Command::new(program)
    }
}

/// Starts `serve` over `database` as an unprivileged user and returns what it said when it
/// refused to start (it must not start).
fn refused_start(database: &Path) -> String {
    let mut child = unprivileged(env!("CARGO_BIN_EXE_crm-trends"))
        .args(["serve", "--port", "0", "--database-url"])
        .arg(database)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server started over an unwritable database");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Opens `path` (and its directory) to everyone, so the unprivileged user can reach it.
fn open_to_all(path: &Path, mode: &str) {
    assert!(Command::new("chmod").args([mode]).arg(path).status().unwrap().success());
}

#[test]
fn an_unwritable_database_file_or_directory_is_refused_at_start_with_the_real_cause() {
    if support::sqlite_only("the database file and its directory") {
        return;
    }
    let dir = temp_dir();
    open_to_all(dir.path(), "777");
    // A database made by a server that then stopped, its file made read-only.
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let app = spawn_app_with(&data, &[]);
    app.stop();
    let database = data.join("crm.sqlite");
    for file in ["crm.sqlite", "crm.sqlite.lock"] {
        open_to_all(&data.join(file), "666");
    }
    open_to_all(&data, "777");
    open_to_all(&database, "444");
    let said = refused_start(&database);
    assert!(said.contains("cannot be written"), "{said}");
    assert!(said.contains("Make the file and its directory writable by the user running crm-trends"), "{said}");
    assert!(!said.contains("another crm-trends process"), "{said}");

    // A directory nobody may write to: the lock file cannot be made, and that is what it says.
    let locked_dir = dir.path().join("read-only");
    std::fs::create_dir(&locked_dir).unwrap();
    open_to_all(&locked_dir, "555");
    let said = refused_start(&locked_dir.join("crm.sqlite"));
    assert!(said.contains("the database's directory must be writable by the user running crm-trends"), "{said}");
    assert!(!said.contains("another crm-trends process"), "{said}");
}

#[test]
fn a_stop_during_a_refresh_answers_the_waiting_request_and_ends_the_process() {
    let dir = temp_dir();
    let demo = Command::new(env!("CARGO_BIN_EXE_crm-trends"))
        .args(["demo", "--database-url", &support::database_url(dir.path())])
        .output()
        .unwrap();
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));
    let app = spawn_app_with(dir.path(), &["--refresh-delay-secs", "3600"]);
    // Another process holds the database's write lock: the refresh computes, then waits
    // for it (up to the 5 s busy timeout) and is still running when the stop comes. (A
    // refresh made slow by a big calendar no longer is: 700 events cost it milliseconds.)
    let holder = support::WriteLockHolder::take(dir.path());
    let refresh = {
        let base = app.base.clone();
        std::thread::spawn(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
            let mut response = agent.post(format!("{base}/api/analytics/refresh")).send_empty().unwrap();
            (response.status().as_u16(), response.body_mut().read_to_string().unwrap())
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    let stopping = Instant::now();
    app.stop();
    let stopped_in = stopping.elapsed();
    let (status, body) = refresh.join().unwrap();
    assert_eq!(status, 503, "the refresh ended before the stop, or the stop waited for it: {body}");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        problem["detail"],
        "the server is stopping; this request was not completed, retry it once the server is back"
    );
    eprintln!("stopped {} ms after SIGTERM, a refresh running", stopped_in.as_millis());
    drop(holder);
    // The store is sound and opens again.
    let again = spawn_app(dir.path());
    assert_eq!(again.get("/api/health").body["status"], "ok");
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[test]
fn a_backup_taken_while_batches_land_holds_each_batch_whole_and_restores() {
    use diesel::{Connection, RunQueryDsl};
    if support::sqlite_only("the backup command (PostgreSQL is backed up with pg_dump)") {
        return;
    }
    let dir = temp_dir();
    let app = spawn_app_with(dir.path(), &["--refresh-delay-secs", "3600"]);
    const BATCH: i64 = 300;
    // Batches land one after another while the backup runs; each notes when it was answered.
    let writer = {
        let base = app.base.clone();
        std::thread::spawn(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
            let mut acknowledged = Vec::new();
            for k in 0..40_i64 {
                let response =
                    agent.post(format!("{base}/api/sync/sales")).send_json(sales(k * BATCH + 1, BATCH)).unwrap();
                assert_eq!(response.status().as_u16(), 200);
                acknowledged.push((k, Instant::now()));
            }
            acknowledged
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let copy = dir.path().join("backup.sqlite");
    let began = Instant::now();
    let backup = Command::new(env!("CARGO_BIN_EXE_crm-trends"))
        .args(["backup", "--database-url"])
        .arg(&app.database_url)
        .arg(&copy)
        .output()
        .unwrap();
    assert!(backup.status.success(), "{}", String::from_utf8_lossy(&backup.stderr));
    let said = String::from_utf8_lossy(&backup.stdout);
    assert!(said.contains("integrity ok"), "{said}");
    let acknowledged = writer.join().unwrap();

    let mut conn = diesel::SqliteConnection::establish(&copy.to_string_lossy()).unwrap();
    let mut batches_in_copy = Vec::new();
    for (k, answered) in &acknowledged {
        let query =
            format!("SELECT COUNT(*) AS n FROM sales WHERE id BETWEEN {} AND {}", k * BATCH + 1, (k + 1) * BATCH);
        let n = diesel::sql_query(query).get_result::<Count>(&mut conn).unwrap().n;
        assert!(n == 0 || n == BATCH, "batch {k} is in the copy in part: {n} of {BATCH}");
        if *answered < began {
            assert_eq!(n, BATCH, "batch {k} was acknowledged before the backup began");
        }
        if n == BATCH {
            batches_in_copy.push(*k);
        }
    }
    // The batches in the copy are those up to a point: a snapshot, not a sample.
    let expected: Vec<i64> = (0..batches_in_copy.len() as i64).collect();
    assert_eq!(batches_in_copy, expected);
    assert!(!batches_in_copy.is_empty() && batches_in_copy.len() < acknowledged.len(), "{batches_in_copy:?}");
    assert!(said.contains(&format!("{} sales", batches_in_copy.len() as i64 * BATCH)), "{said}");
    // A second backup to the same file is refused: a backup never overwrites one.
    let again = Command::new(env!("CARGO_BIN_EXE_crm-trends"))
        .args(["backup", "--database-url"])
        .arg(&app.database_url)
        .arg(&copy)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("a file is already there"));
    drop(conn);

    // Restore: stop, put the copy in place (without the old write-ahead log), start.
    app.stop();
    let live = dir.path().join("crm.sqlite");
    for stale in ["crm.sqlite-wal", "crm.sqlite-shm"] {
        let _ = std::fs::remove_file(dir.path().join(stale));
    }
    std::fs::copy(&copy, &live).unwrap();
    let restored = spawn_app(dir.path());
    assert_eq!(sales_stored(&restored), batches_in_copy.len() as i64 * BATCH);
}

const WRITE_KEY: &str = "write-key-0123456789abcdef";

#[test]
fn a_flood_of_wrong_keys_is_cut_off_and_locks_the_address_out_even_with_a_right_key() {
    let dir = temp_dir();
    let app = spawn_app_with(dir.path(), &["--write-keys", WRITE_KEY, "--rate-failed-auth", "20"]);
    let wrong = [("Authorization", "Bearer wrong-key-0123456789abcdef")];
    let statuses: Vec<u16> = (0..30).map(|_| app.send("GET", "/api/sync/status", &wrong, None).status).collect();
    assert_eq!(statuses[..20], [401; 20]);
    assert_eq!(statuses[20..], [429; 10]);
    let limited = app.send("GET", "/api/sync/status", &[("Authorization", &format!("Bearer {WRITE_KEY}"))], None);
    assert_eq!((limited.status, limited.body["code"].as_str()), (429, Some("too-many-requests")));
    assert!(limited.header("retry-after").is_some_and(|s| s.parse::<u64>().is_ok_and(|n| n >= 1)));
    // Health stays open.
    assert_eq!(app.get("/api/health").status, 200);
}

#[test]
fn a_flood_of_writes_is_cut_off_per_key_and_the_default_lets_bulk_syncs_through() {
    let dir = temp_dir();
    let app = spawn_app_with(dir.path(), &["--rate-writes", "5", "--refresh-delay-secs", "3600"]);
    let statuses: Vec<u16> = (0..7).map(|k| app.post("/api/sync/sales", &sales(k * 10 + 1, 10)).status).collect();
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429]);
    assert_eq!(sales_stored(&app), 50, "a refused write stores nothing");
    // Reads are not writes.
    assert_eq!(app.get("/api/sync/status").status, 200);

    // The default: 200 back-to-back batches pass.
    let dir = temp_dir();
    let app = spawn_app_with(dir.path(), &["--refresh-delay-secs", "3600"]);
    for k in 0..200 {
        let answer = app.post("/api/sync/sales", &sales(k * 5 + 1, 5));
        assert_eq!(answer.status, 200, "batch {k}: {:?}", answer.body);
    }
}

#[test]
fn keys_rotate_without_a_restart_through_the_keys_file_and_sighup() {
    let dir = temp_dir();
    let file = dir.path().join("keys");
    let (old, new) = ("till-old-0123456789abcdef", "till-new-0123456789abcdef");
    std::fs::write(&file, format!("# the tills\nwrite {old}\n")).unwrap();
    let app = spawn_app_with(dir.path(), &["--keys-file", file.to_str().unwrap()]);
    let status_with =
        |key: &str| app.send("GET", "/api/sync/status", &[("Authorization", &format!("Bearer {key}"))], None).status;
    let reload = || {
        let pid = app.pid().to_string();
        assert!(Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    };
    /// Polls until the reload shows (a signal is handled when it is delivered).
    fn eventually(what: &str, check: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !check() {
            assert!(Instant::now() < deadline, "{what} did not happen");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    assert_eq!((status_with(old), status_with(new)), (200, 401));
    // Both keys while the tills move over; then the old one goes.
    std::fs::write(&file, format!("write {old}\nwrite {new}\n")).unwrap();
    reload();
    eventually("the new key's admission", || status_with(new) == 200);
    assert_eq!(status_with(old), 200);
    std::fs::write(&file, format!("write {new}\n")).unwrap();
    reload();
    eventually("the old key's removal", || status_with(old) == 401);
    assert_eq!(status_with(new), 200);
    // A file that does not read keeps the keys as they are.
    std::fs::write(&file, "admin everything\n").unwrap();
    reload();
    eventually("the refusal in the log", || {
        std::fs::read_to_string(dir.path().join("server.log"))
            .is_ok_and(|log| log.contains("the keys were not reloaded, the old ones stay"))
    });
    assert_eq!(status_with(new), 200);
}

#[test]
fn a_stop_during_a_batch_lets_the_batch_commit() {
    let dir = temp_dir();
    let app = spawn_app_with(dir.path(), &["--refresh-delay-secs", "3600"]);
    let body = sales(1, 10_000).to_string();
    let batch = {
        let base = app.base.clone();
        std::thread::spawn(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
            let request = agent.post(format!("{base}/api/sync/sales")).header("Content-Type", "application/json");
            request.send(body.as_str()).unwrap().status().as_u16()
        })
    };
    // Long enough for the 2 MB body to be sent, even on a busy machine; its validation and
    // commit (about a second in a debug build) go on past the stop.
    std::thread::sleep(Duration::from_millis(300));
    app.stop();
    assert_eq!(batch.join().unwrap(), 200, "the batch in flight was answered");
    let again = spawn_app(dir.path());
    assert_eq!(sales_stored(&again), 10_000, "and it is stored, whole");
}

#[test]
fn health_shows_why_writes_fail_only_to_a_caller_who_may_read() {
    if support::sqlite_only("the size cap that makes writes fail here") {
        return;
    }
    let dir = temp_dir();
    let key = "write-key-0123456789abcdef";
    let app =
        spawn_app_with(dir.path(), &["--write-keys", key, "--max-database-mb", "2", "--refresh-delay-secs", "3600"]);
    let auth = [("Authorization", format!("Bearer {key}"))];
    let auth: Vec<(&str, &str)> = auth.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let mut first = 1;
    while app.send("POST", "/api/sync/sales", &auth, Some(&sales(first, 500))).status == 200 {
        first += 500;
        assert!(first < 100_000, "the cap never refused a batch");
    }
    let anonymous = app.get("/api/health").body;
    assert_eq!(anonymous["status"], "degraded");
    assert_eq!(anonymous["database"]["writeError"]["reason"], "writes are refused (a caller with a read key sees why)");
    let reader = app.send("GET", "/api/health", &auth, None).body;
    let reason = reader["database"]["writeError"]["reason"].as_str().unwrap();
    assert!(reason.starts_with("the database is full"), "{reason}");
}

/// The database URL of `dir` through `relay` instead of straight to the server, and the
/// server's `host:port`.
fn relayed(dir: &Path) -> (support::Relay, String) {
    let url = support::database_url(dir);
    let (scheme, rest) = url.split_once("://").unwrap();
    let (user, rest) = rest.split_once('@').unwrap();
    let (server, name) = rest.split_once('/').unwrap();
    let relay = support::Relay::new(server);
    let through = format!("{scheme}://{user}@127.0.0.1:{}/{name}", relay.port());
    (relay, through)
}

#[test]
fn a_postgresql_server_that_is_down_is_waited_for_at_start_and_a_lost_one_answers_503_then_recovers() {
    if support::postgresql_only("a PostgreSQL server going away") {
        return;
    }
    let dir = temp_dir();
    let (mut relay, url) = relayed(dir.path());

    // Never up: the start gives up after the wait, naming the cause, having retried.
    let said = support::try_spawn_on(dir.path(), "gave-up.log", &url, &["--database-wait-secs", "2"]).err().unwrap();
    assert!(said.contains("does not answer") && said.contains("trying again in 500 ms"), "{said}");
    assert!(said.contains("trying again in 1000 ms"), "it backs off: {said}");
    assert!(said.contains("did not answer for 2 s"), "{said}");
    assert!(said.contains("Connection refused"), "the cause: {said}");

    // Down at start, up two seconds later: the server waits for it, then serves.
    let starting = {
        let (dir, url) = (dir.path().to_owned(), url.clone());
        std::thread::spawn(move || support::try_spawn_on(&dir, "server.log", &url, &["--refresh-delay-secs", "3600"]))
    };
    std::thread::sleep(Duration::from_secs(2));
    relay.open();
    let app = starting.join().unwrap().unwrap();
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    assert!(log.contains("does not answer") && log.contains("trying again in"), "{log}");
    assert_eq!(app.get("/api/health").body["status"], "ok");
    assert_eq!(app.post("/api/sync/sales", &sales(1, 50)).status, 200);

    // Every connection cut (a restart of the server, a network fault): a write answers
    // 503 with Retry-After, and the next goes through on a new connection.
    relay.cut();
    let cut = app.post("/api/sync/sales", &sales(51, 50));
    assert_eq!((cut.status, cut.content_type.as_str()), (503, "application/problem+json"), "{:?}", cut.body);
    assert!(cut.header("retry-after").is_some());
    assert_eq!(app.post("/api/sync/sales", &sales(51, 50)).status, 200, "the replayed batch");

    // Down for a while: reads and writes answer 503, health says the database does not
    // answer; once it is back, everything works again without a restart.
    relay.close();
    let down = app.post("/api/sync/sales", &sales(101, 50));
    assert_eq!(down.status, 503, "{:?}", down.body);
    assert!(down.header("retry-after").is_some());
    let health = app.get("/api/health");
    assert_eq!((health.status, health.body["status"].as_str()), (503, Some("unavailable")), "{:?}", health.body);
    assert_eq!(
        (health.body["backend"].as_str(), health.body["database"]["reachable"].as_bool()),
        (Some("postgresql"), Some(false))
    );
    relay.open();
    assert_eq!(app.post("/api/sync/sales", &sales(101, 50)).status, 200);
    assert_eq!(app.get("/api/health").body["status"], "ok");
    assert_eq!(sales_stored(&app), 150, "each batch once");
}
