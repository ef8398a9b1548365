//! What a hostile client sends: a calendar that nests without end, a page reached through
//! DNS rebinding, dates past the calendar's end, amounts past the limit, invisible and
//! look-alike text, ids a JavaScript client cannot hold, encodings nobody offers. Each is
//! refused with a problem that names what is wrong; nothing stored changes; the server
//! lives on.

use crate::support;

use serde_json::{Value, json};
use support::{App, spawn_app, spawn_app_with, temp_dir};

/// A calendar of `depth` components nested inside one another.
fn nested_calendar(depth: usize) -> String {
    format!("BEGIN:VCALENDAR\r\n{}END:VCALENDAR\r\n", "BEGIN:X\r\n".repeat(depth))
}

fn health_is_ok(app: &App) {
    let health = app.get("/api/health");
    assert_eq!((health.status, health.body["status"].as_str()), (200, Some("ok")), "{:?}", health.body);
}

#[test]
fn a_calendar_nested_thousands_deep_is_refused_and_the_server_lives_on() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    // 3,000 nested components aborted the process (the parser's stack overflowed).
    let refused = app.post_raw("/api/calendar/import", "text/calendar", &nested_calendar(3_000));
    assert_eq!(
        (refused.status, refused.content_type.as_str()),
        (422, "application/problem+json"),
        "{:?}",
        refused.body
    );
    assert_eq!(
        refused.body["errors"],
        json!([{"field": "file", "message": "line 9: components nest more than 8 deep (BEGIN:X)"}])
    );
    health_is_ok(&app);
}

#[test]
fn a_calendar_file_may_start_with_a_byte_order_mark() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let file = "\u{feff}BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//test//EN\r\nBEGIN:VEVENT\r\nUID:fair@x\r\n\
        DTSTAMP:20250101T000000Z\r\nSUMMARY:Fair\r\nDTSTART;VALUE=DATE:20250601\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let imported = app.post_raw("/api/calendar/import?from=2025-01-01&to=2025-12-31", "text/calendar", file);
    assert_eq!((imported.status, imported.body["created"].as_u64()), (200, Some(1)), "{:?}", imported.body);
}

/// The requests a page of `evil.com` makes once its name points at this machine: the
/// browser sends its own name as the host and as the origin.
const REBOUND_HOST: &str = "evil.com:39014";
const REBOUND_ORIGIN: &str = "http://evil.com:39014";

#[test]
fn a_keyless_server_refuses_a_page_reached_through_dns_rebinding() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let customers = r#"{"customers":[{"id":5,"name":"Asha"}]}"#;
    assert_eq!(app.raw("POST", "/api/sync/customers", &[], Some(customers)).status, 200);
    let event = json!({"event_type": "festival", "name": "Diwali", "date": "2025-11-12", "impact_level": "high"});
    assert_eq!(app.post("/api/calendar/events", &event).status, 201);

    let origin = [("Origin", REBOUND_ORIGIN)];
    let sale = r#"{"sales":[{"id":1,"customer_id":5,"total_amount":9.5,"created_at":"2025-09-27T10:30:00Z"}]}"#;
    for (method, target, body) in [
        ("GET", "/api/customers/5/insights", None),
        ("POST", "/api/sync/sales", Some(sale)),
        ("DELETE", "/api/calendar/events/1", None),
        ("GET", "/api/health", None),
        ("GET", "/", None),
        ("GET", "/no/such/path", None),
    ] {
        let answer = app.raw_as(REBOUND_HOST, method, target, &origin, body);
        assert_eq!(answer.status, 421, "{method} {target}: {}", answer.head);
        let problem: Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(problem["code"], "misdirected-request", "{method} {target}");
        assert!(answer.head.contains("content-type: application/problem+json"), "{}", answer.head);
        assert!(answer.head.contains("x-content-type-options: nosniff"), "{}", answer.head);
    }
    // Nothing was stored or deleted.
    assert_eq!(app.get("/api/sync/status").body["sales"]["records"], 0);
    assert_eq!(app.get("/api/calendar/events/1").status, 200);
    // The names of this machine still work, with or without the port.
    for host in ["localhost", "localhost:3001", "127.0.0.1", "[::1]:3001"] {
        assert_eq!(app.raw_as(host, "GET", "/api/customers/5/insights", &[], None).status, 200, "{host}");
    }
    // As does a request target in absolute form naming this machine, but not another name.
    let absolute = format!("http://{}/api/health", app.authority());
    assert_eq!(app.raw("GET", &absolute, &[], None).status, 200);
    assert_eq!(app.raw("GET", "http://evil.com/api/health", &[], None).status, 421);
}

#[test]
fn allowed_hosts_extend_the_names_a_keyless_server_answers_to() {
    let dir = temp_dir();
    let app = spawn_app_with(dir.path(), &["--allowed-hosts", "till.shop.lan"]);
    assert_eq!(app.raw_as("till.shop.lan:3001", "GET", "/api/sync/status", &[], None).status, 200);
    assert_eq!(app.raw_as(REBOUND_HOST, "GET", "/api/sync/status", &[], None).status, 421);
}

#[test]
fn with_keys_any_host_is_answered_and_the_key_decides() {
    let dir = temp_dir();
    let key = "write-key-0123456789abcdef";
    let app = spawn_app_with(dir.path(), &["--write-keys", key]);
    let bearer = format!("Bearer {key}");
    let with_key = app.raw_as("10.0.0.5:3001", "GET", "/api/sync/status", &[("Authorization", &bearer)], None);
    assert_eq!(with_key.status, 200, "{}", with_key.head);
    assert_eq!(app.raw_as(REBOUND_HOST, "GET", "/api/sync/status", &[("Origin", REBOUND_ORIGIN)], None).status, 401);
}

/// Every date parameter of every operation in the spec, as `(method, path, parameter)`.
fn date_parameters(spec: &Value) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["in"] == "query" && parameter["schema"]["format"] == "date" {
                    let name = parameter["name"].as_str().unwrap().to_owned();
                    found.push((method.to_uppercase(), path.clone(), name));
                }
            }
        }
    }
    found
}

#[test]
fn a_date_past_the_calendar_s_end_is_a_400_naming_its_parameter() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let spec = app.get("/api-docs/openapi.json").body;
    let parameters = date_parameters(&spec);
    assert_eq!(parameters.len(), 18, "{parameters:?}");
    for (method, template, name) in parameters {
        // A path's own parameters filled in (a customer id), so only the date is wrong.
        let path = template.replace("{id}", "1");
        // As sent (`%2B` is a plus sign) and as read.
        for (sent, bad) in [
            ("-262143-01-01", "-262143-01-01"),
            ("%2B262143-12-31", "+262143-12-31"),
            ("20251112", "20251112"),
            ("2025-11-12T00:00:00", "2025-11-12T00:00:00"),
        ] {
            let answer = app.send(&method, &format!("{path}?{name}={sent}"), &[], None);
            assert_eq!(answer.status, 400, "{path}?{name}={bad}: {:?}", answer.body);
            let expected = format!("query parameter {name}: must be a date such as 2025-11-12, got {bad:?}");
            assert_eq!(answer.body["detail"], expected.as_str(), "{path}");
        }
    }
    // The window of the report: both ends at the calendar's end.
    let far = app.get("/api/analytics/dashboard?from=-262143-01-01&to=-262143-01-02");
    assert_eq!(far.status, 400);
    health_is_ok(&app);
}

#[test]
fn an_amount_above_the_limit_is_refused_fraction_included() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let sale = |amount: &str| {
        format!(r#"{{"sales":[{{"id":1,"total_amount":{amount},"created_at":"2025-09-27T10:30:00Z"}}]}}"#)
    };
    let refused = app.raw("POST", "/api/sync/sales", &[], Some(&sale("10000000000.99")));
    assert_eq!(refused.status, 422, "{}", refused.body);
    let problem: Value = serde_json::from_str(&refused.body).unwrap();
    assert_eq!(
        problem["errors"],
        json!([{"index": 0, "field": "total_amount", "message": "must be between 0 and 10000000000, got 10000000000.99"}])
    );
    assert_eq!(app.raw("POST", "/api/sync/sales", &[], Some(&sale("10000000000"))).status, 200);
}

#[test]
fn text_is_one_text_however_it_was_typed_and_invisible_or_reordering_text_is_refused() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    assert_eq!(app.post("/api/sync/customers", &json!({"customers": [{"id": 1, "name": "Zoë"}]})).status, 200);
    let tags = app.send("PUT", "/api/customers/1/tags", &[], Some(&json!({"tags": ["caf\u{e9}", "cafe\u{301}"]})));
    assert_eq!((tags.status, &tags.body["tags"]), (200, &json!(["caf\u{e9}"])), "{:?}", tags.body);

    let bad = json!({"customers": [
        {"id": 2, "name": "\u{200b}"},
        {"id": 3, "name": "\u{feff}"},
        {"id": 4, "name": "invoice\u{202e}fdp.exe"},
        {"id": 5, "name": "\u{0d28}\u{0d3f}\u{0d24}\u{0d4d}\u{0d2f}\u{0d3e}", "notes": "a\u{2066}b"},
    ]});
    let refused = app.post("/api/sync/customers", &bad);
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    let bidi = "must not contain bidirectional override or isolate characters (U+202A-U+202E, U+2066-U+2069)";
    assert_eq!(
        refused.body["errors"],
        json!([
            {"index": 0, "field": "name", "message": "must not be empty"},
            {"index": 1, "field": "name", "message": "must not be empty"},
            {"index": 2, "field": "name", "message": bidi},
            {"index": 3, "field": "notes", "message": bidi},
        ])
    );
    let blank_tag = app.send("PUT", "/api/customers/1/tags", &[], Some(&json!({"tags": ["\u{200b}\u{200d}"]})));
    assert_eq!(blank_tag.body["errors"], json!([{"field": "tags[0]", "message": "must not be empty"}]));
    // A name that needs its joiners keeps them.
    let persian = "\u{0645}\u{06cc}\u{200c}\u{0631}\u{0648}\u{0645}";
    assert_eq!(app.post("/api/sync/customers", &json!({"customers": [{"id": 6, "name": persian}]})).status, 200);
    let listed = app.get("/api/customers?q=%D9%85%DB%8C");
    assert_eq!(listed.body["customers"][0]["name"], persian, "{:?}", listed.body);
}

#[test]
fn an_id_a_javascript_client_cannot_hold_is_refused() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let too_big = r#"{"customers":[{"id":9007199254740992,"name":"Big"}]}"#;
    let refused = app.raw("POST", "/api/sync/customers", &[], Some(too_big));
    assert_eq!(refused.status, 422, "{}", refused.body);
    let problem: Value = serde_json::from_str(&refused.body).unwrap();
    assert_eq!(
        problem["errors"],
        json!([{"index": 0, "field": "id", "message": "must be between 1 and 9007199254740991, got 9007199254740992"}])
    );
    let largest = r#"{"customers":[{"id":9007199254740991,"name":"Largest"}]}"#;
    assert_eq!(app.raw("POST", "/api/sync/customers", &[], Some(largest)).status, 200);
    assert_eq!(app.get("/api/sync/status").body["customers"]["maxId"], json!(9_007_199_254_740_991_i64));
}

#[test]
fn a_request_that_accepts_no_encoding_we_offer_gets_a_problem_with_the_security_headers() {
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let answer = app.raw("GET", "/api/health", &[("Accept-Encoding", "br;q=1, identity;q=0, *;q=0")], None);
    assert_eq!(answer.status, 406, "{}", answer.head);
    assert!(answer.head.contains("content-type: application/problem+json"), "{}", answer.head);
    assert!(answer.head.contains("x-content-type-options: nosniff"), "{}", answer.head);
    assert!(answer.head.contains("content-security-policy:"), "{}", answer.head);
    let problem: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(problem["code"], "not-acceptable");
}

#[test]
fn a_calendar_announced_as_too_large_is_refused_before_it_is_read() {
    use std::io::{Read, Write};
    let dir = temp_dir();
    let app = spawn_app(dir.path());
    let mut stream = std::net::TcpStream::connect(app.authority()).unwrap();
    // Four gibibytes announced, a few bytes sent: the answer may not wait for the rest.
    let head = format!(
        "POST /api/calendar/import HTTP/1.1\r\nHost: {}\r\nContent-Type: text/calendar\r\n\
         Content-Length: 4294967296\r\nConnection: close\r\n\r\nBEGIN:VCALENDAR\r\n",
        app.authority()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    let mut answer = [0_u8; 512];
    let read = stream.read(&mut answer).unwrap();
    let text = String::from_utf8_lossy(&answer[..read]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    health_is_ok(&app);
}
