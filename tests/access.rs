//! Access control, CORS, security headers and metrics, end to end.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is the failure report")]

mod support;

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
    assert_eq!(app.get("/api/health").status, 200);

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
fn cors_is_off_by_default_and_allows_only_configured_origins() {
    let dir = temp_dir();
    let plain = spawn_app_with(dir.path(), &[]);
    let no_cors = plain.send("GET", "/api/health", &[("Origin", "https://pos.example.com")], None);
    assert_eq!(no_cors.header("access-control-allow-origin"), None);
    drop(plain);

    let app = spawn_app_with(dir.path(), &["--cors-origins", "https://pos.example.com"]);
    let preflight = app.send(
        "OPTIONS",
        "/api/sync/sales",
        &[
            ("Origin", "https://pos.example.com"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "authorization, content-type"),
        ],
        None,
    );
    assert_eq!(preflight.header("access-control-allow-origin"), Some("https://pos.example.com"));
    let other = app.send("GET", "/api/health", &[("Origin", "https://evil.example.com")], None);
    assert_ne!(other.header("access-control-allow-origin"), Some("https://evil.example.com"));
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
