//! Access control, CORS, security headers and metrics, end to end.

use crate::support;

use serde_json::json;
use support::{spawn_app_with, temp_dir, try_spawn_app};

const WRITE: &str = "write-key-0123456789abcdef";
const READ: &str = "read-key-0123456789abcdef";

fn keyed_app(dir: &std::path::Path) -> support::App {
    spawn_app_with(dir, &["--write-keys", WRITE, "--read-keys", READ])
}

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

#[test]
fn health_needs_no_key_but_the_api_does() {
    let dir = temp_dir();
    let app = keyed_app(dir.path());
    let health = app.get("/api/health");
    assert_eq!(health.status, 200);
    assert_eq!(health.body["backend"], support::backend_name(), "health names the engine the store is on");

    let refused = app.get("/api/sync/status");
    assert_eq!((refused.status, refused.content_type.as_str()), (401, "application/problem+json"));
    assert_eq!(refused.body["code"], "unauthorized");
    assert_eq!(refused.header("www-authenticate"), Some("Bearer realm=\"crm-trends\""));

    let wrong = app.send("GET", "/api/sync/status", &[("Authorization", "Bearer not-a-key-at-all-really")], None);
    assert_eq!(wrong.status, 401);
    let read = app.send("GET", "/api/sync/status", &[("Authorization", &bearer(READ))], None);
    assert_eq!(read.status, 200);
    let write_can_read = app.send("GET", "/api/sync/status", &[("Authorization", &bearer(WRITE))], None);
    assert_eq!(write_can_read.status, 200);
}

#[test]
fn a_read_key_cannot_write_and_a_write_key_can() {
    let dir = temp_dir();
    let app = keyed_app(dir.path());
    let body = json!({"customers": [{"id": 1, "name": "John Doe"}]});
    let forbidden = app.send("POST", "/api/sync/customers", &[("Authorization", &bearer(READ))], Some(&body));
    assert_eq!((forbidden.status, forbidden.body["code"].as_str()), (403, Some("forbidden")));
    let anonymous = app.send("POST", "/api/sync/customers", &[], Some(&body));
    assert_eq!(anonymous.status, 401);
    let allowed = app.send("POST", "/api/sync/customers", &[("Authorization", &bearer(WRITE))], Some(&body));
    assert_eq!((allowed.status, allowed.body["created"].as_u64()), (200, Some(1)));
}

#[test]
fn without_keys_only_loopback_is_served_unless_explicitly_insecure() {
    let dir = temp_dir();
    let refused = try_spawn_app(dir.path(), &["--host", "0.0.0.0"]).err().expect("refused");
    assert!(refused.contains("refusing to listen on 0.0.0.0 without API keys"), "{refused}");
    let short_key = try_spawn_app(dir.path(), &["--write-keys", "short"]).err().expect("refused");
    assert!(short_key.contains("at least 16"), "{short_key}");
    // With keys, or with the explicit override, a non-loopback address is allowed. No
    // traffic is sent to it: starting is what is tested.
    assert!(try_spawn_app(dir.path(), &["--host", "0.0.0.0", "--write-keys", WRITE]).is_ok());
    assert!(try_spawn_app(dir.path(), &["--host", "0.0.0.0", "--insecure-no-auth"]).is_ok());
}

#[test]
fn cors_allows_the_seeds_pos_by_default_and_only_the_configured_origins_otherwise() {
    let dir = temp_dir();
    let app = keyed_app(dir.path());
    let pos = "http://localhost:3000";
    let preflight = |app: &support::App, origin: &str, path: &str, method: &str| {
        app.send(
            "OPTIONS",
            path,
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", method),
                ("Access-Control-Request-Headers", "authorization"),
            ],
            None,
        )
    };
    // The seed's checkout call: a preflight (no key), then the GET with a key.
    let granted = preflight(&app, pos, "/api/customers/123/insights", "GET");
    assert_eq!(granted.status, 204);
    assert_eq!(granted.header("access-control-allow-origin"), Some(pos));
    assert_eq!(granted.header("access-control-allow-methods"), Some("GET, HEAD"));
    assert_eq!(granted.header("access-control-allow-headers"), Some("Authorization, Content-Type"));
    let second = preflight(&app, "http://127.0.0.1:3000", "/api/sync/sales", "POST");
    assert_eq!(second.header("access-control-allow-origin"), Some("http://127.0.0.1:3000"));
    // Preflights only for what a known route declares.
    assert_eq!(preflight(&app, pos, "/api/customers/123/insights", "DELETE").status, 403);
    assert_eq!(preflight(&app, pos, "/api/no-such-route", "GET").status, 401);
    // A refusal to an allowed origin is readable by the page: it carries the CORS headers.
    let refused = app.send("GET", "/api/customers/123/insights", &[("Origin", pos)], None);
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("access-control-allow-origin"), Some(pos));
    assert!(refused.header("access-control-expose-headers").is_some_and(|h| h.contains("WWW-Authenticate")));
    // A page of any other origin is refused before any route, with no grant to read it.
    for other in ["http://127.0.0.1:4000", "https://evil.example.com", "null"] {
        let answer = app.send("GET", "/api/health", &[("Origin", other)], None);
        assert_eq!((answer.status, answer.header("access-control-allow-origin")), (403, None), "{other}");
        assert_eq!(preflight(&app, other, "/api/health", "GET").status, 403, "{other}");
    }
    drop(app);

    // CRM_CORS_ORIGINS replaces the default; an empty value turns CORS off.
    let configured = spawn_app_with(dir.path(), &["--cors-origins", "https://pos.example.com"]);
    let answer = configured.send("GET", "/api/health", &[("Origin", "https://pos.example.com")], None);
    assert_eq!(answer.header("access-control-allow-origin"), Some("https://pos.example.com"));
    assert_eq!(configured.send("GET", "/api/health", &[("Origin", pos)], None).status, 403);
    drop(configured);
    let off = spawn_app_with(dir.path(), &["--cors-origins", ""]);
    let answer = off.send("GET", "/api/health", &[("Origin", pos)], None);
    assert_eq!((answer.status, answer.header("access-control-allow-origin")), (403, None));
    // The server's own pages are not cross-origin.
    let own = format!("http://{}", off.authority());
    assert_eq!(off.send("GET", "/api/health", &[("Origin", &own)], None).status, 200);
}

#[test]
fn every_response_carries_the_security_headers() {
    let dir = temp_dir();
    let app = keyed_app(dir.path());
    for reply in [app.get("/api/health"), app.get("/api/sync/status"), app.get("/swagger-ui/")] {
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(reply.header("x-frame-options"), Some("DENY"));
        assert!(reply.header("content-security-policy").is_some_and(|csp| csp.contains("frame-ancestors 'none'")));
    }
}

#[test]
fn metrics_count_requests_by_route_and_sync_records_by_outcome() {
    let dir = temp_dir();
    let app = keyed_app(dir.path());
    let auth = [("Authorization", bearer(WRITE))];
    let auth: Vec<(&str, &str)> = auth.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let good = json!({"sales": [{"id": 1, "total_amount": 1, "created_at": "2025-09-27T10:30:00Z"}]});
    let bad = json!({"sales": [{"id": 2, "total_amount": 1.001, "created_at": "2025-09-27T10:30:00Z"}, {"id": 3, "total_amount": 1, "created_at": "2025-09-27T10:30:00Z"}]});
    app.send("POST", "/api/sync/sales", &auth, Some(&good));
    app.send("POST", "/api/sync/sales", &auth, Some(&bad));
    app.get("/api/sync/status");

    // Loopback callers need no key for /metrics.
    let metrics = app.get("/metrics");
    assert_eq!(metrics.status, 200);
    let text = &metrics.text;
    for expected in [
        r#"crm_sync_records_total{kind="sales",outcome="accepted"} 1"#,
        r#"crm_sync_records_total{kind="sales",outcome="rejected"} 2"#,
        r#"crm_http_requests_total{method="POST",route="/api/sync/sales",status="200"} 1"#,
        r#"crm_http_requests_total{method="POST",route="/api/sync/sales",status="422"} 1"#,
        r#"crm_http_requests_total{method="GET",route="/api/sync/status",status="401"} 1"#,
        "crm_http_request_duration_seconds_bucket",
        "crm_database_size_bytes ",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

/// One operation of the committed OpenAPI document, ready to send.
struct Operation {
    method: String,
    /// The path with its parameters filled in (`{id}` -> 1).
    path: String,
    /// The role the document declares: `open`, `read`, `write` or `read-or-local`.
    access: String,
    /// The request body's example, when the operation takes one.
    body: Option<String>,
}

/// Every operation of `openapi/openapi.json`, read from the document itself so that a new
/// route is covered without editing this test.
fn operations() -> Vec<Operation> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.json"))
        .expect("the committed spec");
    let spec: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let mut operations = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let access = op["x-access"].as_str().unwrap_or_else(|| panic!("{method} {path} declares no x-access"));
            let body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str().map(|r| {
                let name = r.rsplit('/').next().expect("a schema name");
                let example = &spec["components"]["schemas"][name]["example"];
                assert!(!example.is_null(), "{method} {path}: {name} has no example");
                example.to_string()
            });
            operations.push(Operation {
                method: method.to_uppercase(),
                path: path.replace("{id}", "1"),
                access: access.to_owned(),
                body,
            });
        }
    }
    assert!(operations.len() >= 19, "only {} operations in the spec", operations.len());
    operations
}

/// What a keyless caller could learn or change: row counts, the last refresh, customer 1's
/// card and calendar event 1, as a write key reads them.
fn snapshot(app: &support::App) -> String {
    let auth = bearer(WRITE);
    let headers = [("Authorization", auth.as_str())];
    let health = app.send("GET", "/api/health", &headers, None);
    let status = app.send("GET", "/api/sync/status", &headers, None);
    let card = app.send("GET", "/api/customers/1/insights", &headers, None);
    let event = app.send("GET", "/api/calendar/events/1", &headers, None);
    format!("{}\n{}\n{}\n{}", health.body["database"]["counts"], status.body["analytics"], card.body, event.body)
}

/// A server with keys and data to lose: customer 1 with a tag, calendar event 1. The
/// background refresh is held off so that the snapshot can only change by a request.
fn keyed_app_with_data(dir: &std::path::Path) -> support::App {
    let app = spawn_app_with(
        dir,
        &[
            "--write-keys",
            WRITE,
            "--read-keys",
            READ,
            "--refresh-delay-secs",
            "3600",
            "--refresh-interval-secs",
            "86400",
            // These tests send hundreds of requests without a key on purpose, from one
            // address; the limit on failed authentications has its own test (faults.rs).
            "--rate-failed-auth",
            "0",
        ],
    );
    let auth = bearer(WRITE);
    let headers = [("Authorization", auth.as_str())];
    let customers = json!({"customers": [{"id": 1, "name": "John Doe", "phone": "1234567890"}]});
    assert_eq!(app.send("POST", "/api/sync/customers", &headers, Some(&customers)).status, 200);
    let sales =
        json!({"sales": [{"id": 1001, "customer_id": 1, "total_amount": 150.0, "created_at": "2025-09-27T10:30:00Z"}]});
    assert_eq!(app.send("POST", "/api/sync/sales", &headers, Some(&sales)).status, 200);
    assert_eq!(app.send("PUT", "/api/customers/1/tags", &headers, Some(&json!({"tags": ["wedding"]}))).status, 200);
    let event = json!({"event_type": "festival", "name": "Harvest Fair", "date": "2025-10-01", "impact_level": "low"});
    assert_eq!(app.send("POST", "/api/calendar/events", &headers, Some(&event)).status, 201);
    app
}

#[test]
fn every_operation_in_the_spec_enforces_the_role_it_declares() {
    let dir = temp_dir();
    let app = keyed_app_with_data(dir.path());
    let (read, write) = (bearer(READ), bearer(WRITE));
    for op in operations() {
        let what = format!("{} {}", op.method, op.path);
        let body = op.body.as_deref();
        let anonymous = app.raw(&op.method, &op.path, &[], body);
        let with_read = app.raw(&op.method, &op.path, &[("Authorization", &read)], body);
        let with_write = app.raw(&op.method, &op.path, &[("Authorization", &write)], body);
        match op.access.as_str() {
            "open" => {
                assert!(![401, 403].contains(&anonymous.status), "{what}: open, yet {}", anonymous.status);
            }
            "read" | "read-or-local" => {
                // The test client is on loopback, so `read-or-local` lets it in without a key.
                let expected = if op.access == "read" { 401 } else { 200 };
                assert_eq!(anonymous.status, expected, "{what} without a key");
                assert!(![401, 403].contains(&with_read.status), "{what} with a read key: {}", with_read.status);
            }
            "write" => {
                assert!(!["GET", "HEAD"].contains(&op.method.as_str()), "{what}: a read method declared write");
                assert_eq!(anonymous.status, 401, "{what} without a key");
                assert_eq!(with_read.status, 403, "{what} with a read key");
            }
            other => panic!("{what}: unknown access {other:?}"),
        }
        assert!(![401, 403].contains(&with_write.status), "{what} with a write key: {}", with_write.status);
        if anonymous.status == 401 {
            assert!(anonymous.head.contains("application/problem+json"), "{what}: {}", anonymous.head);
        }
    }
    // Every operation in the spec that is not a read is a write.
    assert!(operations().iter().filter(|op| op.method != "GET").all(|op| op.access == "write"));
}

/// The spellings of one path that must not reach its handler without a key: each character
/// percent-encoded in turn (lower- and upper-case hex), encoded and doubled slashes, a
/// trailing slash, dot segments, `;params`, other letter cases.
fn disguises(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, c) in path.char_indices().skip(1) {
        let (before, after) = (&path[..i], &path[i + c.len_utf8()..]);
        out.push(format!("{before}%{:02x}{after}", c as u32));
        out.push(format!("{before}%{:02X}{after}", c as u32));
    }
    out.push(format!("/{}", path.trim_start_matches('/').replace('/', "%2F")));
    out.push(format!("/{}", path.trim_start_matches('/').replacen('/', "%2f", 1)));
    out.push(format!("/{path}"));
    out.push(path.replace('/', "//"));
    out.push(format!("{path}/"));
    let slashes: Vec<usize> = path.match_indices('/').map(|(i, _)| i).skip(1).collect();
    for at in &slashes {
        out.push(format!("{}/.{}", &path[..*at], &path[*at..]));
        out.push(format!("{}/x/..{}", &path[..*at], &path[*at..]));
        out.push(format!("{};x=1{}", &path[..*at], &path[*at..]));
        out.push(format!("{}/%2e{}", &path[..*at], &path[*at..]));
        out.push(format!("{}/x/%2E%2E{}", &path[..*at], &path[*at..]));
    }
    out.push(format!("{path};x=1"));
    out.push(path.to_uppercase());
    out.push(path.char_indices().map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c }).collect());
    out.retain(|p| p != path);
    out
}

#[test]
fn no_spelling_of_a_path_reaches_a_handler_without_its_key() {
    let dir = temp_dir();
    let app = keyed_app_with_data(dir.path());
    let before = snapshot(&app);
    let read = bearer(READ);
    let mut sent = 0;
    for op in operations() {
        let body = op.body.as_deref();
        let mut targets = disguises(&op.path);
        targets.push(format!("http://{}{}", app.authority(), op.path));
        targets.push(format!("http://{}{}", app.authority(), op.path.replacen("/a", "/%61", 1)));
        targets.push(format!("HTTP://{}{}", app.authority(), op.path.replacen('/', "//", 1)));
        for target in targets {
            let what = format!("{} {target}", op.method);
            let anonymous = app.raw(&op.method, &target, &[], body);
            sent += 1;
            match op.access.as_str() {
                "open" => assert!(!anonymous.body.contains("counts"), "{what}: {}", anonymous.body),
                "read-or-local" => {}
                _ => assert_eq!(anonymous.status, 401, "{what} without a key reached {}", anonymous.body),
            }
            if op.access == "write" {
                let with_read = app.raw(&op.method, &target, &[("Authorization", &read)], body);
                sent += 1;
                assert!([403, 404, 405].contains(&with_read.status), "{what} with a read key: {}", with_read.status);
            }
        }
    }
    assert!(sent > 1_000, "only {sent} requests sent");
    assert_eq!(snapshot(&app), before, "a disguised request changed something");
}

#[test]
fn unknown_paths_and_wrong_methods_say_nothing_without_a_key() {
    let dir = temp_dir();
    let app = keyed_app(dir.path());
    let read = bearer(READ);
    for path in ["/nothing-here", "/api/nothing-here", "/api", "/metrics/x"] {
        assert_eq!(app.raw("GET", path, &[], None).status, 401, "GET {path} without a key");
        let known = app.raw("GET", path, &[("Authorization", &read)], None);
        assert_eq!(known.status, 404, "GET {path} with a key");
        assert!(known.head.contains("application/problem+json"), "{}", known.head);
    }
    // A known path with another method: 401 without a key, 405 naming the methods with one.
    assert_eq!(app.raw("DELETE", "/api/sync/status", &[], None).status, 401);
    let wrong = app.raw("DELETE", "/api/sync/status", &[("Authorization", &read)], None);
    assert_eq!(wrong.status, 405);
    assert!(wrong.head.to_lowercase().contains("\r\nallow: get, head"), "{}", wrong.head);
    assert!(wrong.body.contains("\"code\":\"method-not-allowed\""), "{}", wrong.body);
    let events = app.raw("PATCH", "/api/calendar/events/1", &[("Authorization", &read)], None);
    assert_eq!(events.status, 405);
    assert!(events.head.to_lowercase().contains("\r\nallow: get, head, put, delete"), "{}", events.head);
}

#[test]
fn health_shows_row_counts_only_to_a_key() {
    let dir = temp_dir();
    let app = keyed_app(dir.path());
    let anonymous = app.get("/api/health");
    assert_eq!((anonymous.status, anonymous.body["status"].as_str()), (200, Some("ok")));
    assert_eq!(anonymous.body["database"]["reachable"], true);
    assert!(anonymous.body["database"].get("counts").is_none(), "{}", anonymous.body);
    let read = app.send("GET", "/api/health", &[("Authorization", &bearer(READ))], None);
    assert_eq!(read.body["database"]["counts"]["customers"], 0);
    // Without keys configured the server is local-only and shows everything.
    drop(app);
    let open = spawn_app_with(dir.path(), &[]);
    assert_eq!(open.get("/api/health").body["database"]["counts"]["sales"], 0);
}

#[test]
fn through_a_proxy_no_caller_is_local_by_accident() {
    let dir = temp_dir();
    let forwarded = [("X-Forwarded-For", "203.0.113.9")];
    // A proxy on this machine that is not declared: its requests carry forwarding headers,
    // so their client is unknown and /metrics asks for a key.
    let undeclared = keyed_app(dir.path());
    assert_eq!(undeclared.send("GET", "/metrics", &[], None).status, 200);
    assert_eq!(undeclared.send("GET", "/metrics", &forwarded, None).status, 401);
    drop(undeclared);
    // A declared proxy: judged by the client it reports; a request from it naming no client,
    // or naming a loopback client in a header the client itself wrote, is not local either.
    let trusted = spawn_app_with(dir.path(), &["--write-keys", WRITE, "--trusted-proxies", "127.0.0.1,::1"]);
    assert_eq!(trusted.send("GET", "/metrics", &forwarded, None).status, 401);
    assert_eq!(trusted.send("GET", "/metrics", &[], None).status, 401);
    let spoofed = [("X-Forwarded-For", "127.0.0.1, 203.0.113.9")];
    assert_eq!(trusted.send("GET", "/metrics", &spoofed, None).status, 401);
    let auth = bearer(WRITE);
    let with_key = [("X-Forwarded-For", "203.0.113.9"), ("Authorization", auth.as_str())];
    assert_eq!(trusted.send("GET", "/metrics", &with_key, None).status, 200);
    drop(trusted);
    // A server without keys answers only this machine: a proxied request is refused.
    let keyless = spawn_app_with(dir.path(), &[]);
    assert_eq!(keyless.send("GET", "/api/sync/status", &[], None).status, 200);
    let refused = keyless.send("GET", "/api/sync/status", &forwarded, None);
    assert_eq!((refused.status, refused.body["code"].as_str()), (403, Some("forbidden")));
    let via_forwarded = keyless.send("POST", "/api/analytics/refresh", &[("Forwarded", "for=198.51.100.1")], None);
    assert_eq!(via_forwarded.status, 403);
    assert_eq!(keyless.send("GET", "/api/health", &forwarded, None).status, 200);
}
