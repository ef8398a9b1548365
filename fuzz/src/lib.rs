//! What the fuzz targets share: the API served in-process (the route table and its
//! extractors' settings, as `crm-trends serve` registers them) over a temporary store that
//! holds a small shop, and the check every answer must pass.
//!
//! A fuzz target is a finding when it panics: an answer of 500 (a fault: a panic on the
//! blocking pool, date arithmetic out of range, an unexpected store error) panics here with
//! the request and the logged cause, as does an error answer that is not problem+json.

use actix_web::http::Uri;
use actix_web::test::{self, TestRequest};
use actix_web::{App, web};
use crm_api::routes::{self, Endpoint};
use crm_api::{Access, AccessPolicy, AppState, CorsPolicy, HostPolicy, Limits, Metrics, RatePolicy, StateParts};
use crm_domain::StoreZone;
use crm_service::{AnalyticsConfig, Service, ServiceLimits};
use crm_storage::{Database, DbOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The API over a temporary store, and the runtime that drives it.
pub struct Harness {
    state: web::Data<AppState>,
    runner: actix_web::rt::SystemRunner,
    _dir: tempfile::TempDir,
}

thread_local! {
    static HARNESS: Harness = Harness::new();
}

/// Runs `f` with this thread's harness (made on first use).
pub fn with_harness<R>(f: impl FnOnce(&Harness) -> R) -> R {
    HARNESS.with(f)
}

impl Harness {
    fn new() -> Self {
        let _ = env_logger_init();
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = Database::open(dir.path().join("crm.sqlite"), DbOptions::default()).expect("open the store");
        let service = Service::new(Arc::new(db), StoreZone::UTC, AnalyticsConfig::default(), ServiceLimits::default());
        let state = AppState::new(StateParts {
            access: AccessPolicy::default(),
            cors: CorsPolicy::new(CorsPolicy::SEED_ORIGINS.map(str::to_owned).to_vec()),
            hosts: HostPolicy::default(),
            // The fuzzer calls far faster than any client: no rate limits.
            rates: RatePolicy { failed_auth_per_minute: 0, writes_per_minute: 0, expensive_per_minute: 0 },
            metrics: Arc::new(Metrics::default()),
            limits: Limits { expensive_budget: Duration::from_secs(5), ..Limits::default() },
            currency: "EUR".into(),
            service: Arc::new(service),
            read_connections: 2,
        });
        let harness = Self { state: web::Data::new(state), runner: actix_web::rt::System::new(), _dir: dir };
        harness.fill();
        harness
    }

    /// A small shop: customers, products with stock, sales with lines and a refund over
    /// two months, calendar events; then the analytics refresh, so every read has data.
    fn fill(&self) {
        let post = |path: &str, body: serde_json::Value| {
            let request = TestRequest::post().uri(path).set_json(body);
            let (status, text) = self.send(request);
            assert!(status < 300, "seeding {path}: {status} {text}");
        };
        post(
            "/api/sync/customers",
            serde_json::json!({"customers": [
                {"id": 1, "name": "John Doe", "phone": "1234567890", "email": "john@example.com"},
                {"id": 2, "name": "Asha Rao", "phone": 9876543210_i64},
                {"id": 3, "name": "Zoë"},
            ]}),
        );
        post(
            "/api/sync/products",
            serde_json::json!({"products": [
                {"id": "85123A", "name": "T-light holder", "category": "Home", "stock_on_hand": 4, "lead_time_days": 5, "unit_cost": 1.2},
                {"id": 22423, "name": "Cake stand", "category": "Baking", "stock_on_hand": 0, "pack_size": 6},
            ]}),
        );
        let today = chrono::Utc::now().date_naive();
        let sales: Vec<serde_json::Value> = (1..=60_i64)
            .map(|back| {
                let day = today - chrono::Days::new(back as u64);
                let status = if back == 7 { "refunded" } else { "completed" };
                serde_json::json!({"id": back, "customer_id": back % 3 + 1, "total_amount": 25.5, "status": status,
                    "created_at": format!("{day}T10:30:00Z"),
                    "items": [{"product_id": "85123A", "product_name": "T-light holder", "quantity": 2, "unit_price": 12.75}]})
            })
            .collect();
        post("/api/sync/sales", serde_json::json!({ "sales": sales }));
        let soon = today + chrono::Days::new(3);
        post(
            "/api/calendar/events",
            serde_json::json!({"event_type": "festival", "name": "Diwali", "date": soon.to_string(), "impact_level": "high"}),
        );
        self.state.service.refresh(None).expect("the analytics refresh");
    }

    /// Sends `request` (from this machine) to the API and checks the answer: never a fault,
    /// and every error a problem. Returns the status and the body.
    pub fn send(&self, request: TestRequest) -> (u16, String) {
        let state = self.state.clone();
        self.runner.block_on(async move {
            let limits = state.limits;
            let app = test::init_service(
                App::new()
                    .app_data(state)
                    .app_data(crm_api::json_config(limits.max_body_bytes))
                    .app_data(crm_api::path_config())
                    .configure(|cfg| routes::register(cfg, routes::api_endpoints()))
                    .default_service(web::to(routes::unknown_path)),
            )
            .await;
            let request = request.peer_addr("127.0.0.1:40000".parse().expect("an address")).to_request();
            let described = format!("{} {}", request.method(), request.uri());
            let response = test::call_service(&app, request).await;
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default();
            let body = test::read_body(response).await;
            let text = String::from_utf8_lossy(&body).into_owned();
            assert_ne!(status, 500, "{described} answered 500 (see the log above): {text}");
            if status >= 400 {
                assert_eq!(content_type, "application/problem+json", "{described} answered {status}: {text}");
            }
            (status, text)
        })
    }
}

/// The paths of the API's reads (GET operations), `{id}` filled in with an id that exists.
pub fn read_paths() -> Vec<String> {
    routes::api_endpoints()
        .iter()
        .filter(|e: &&Endpoint| e.method() == actix_web::http::Method::GET && e.access() != Access::Open)
        .map(|e| e.path().replace("{id}", "1"))
        .collect()
}

/// `path?query` as a request target, the query's bytes kept where a URI allows them (so
/// the fuzzer can write `%zz`, `&&`, `a=b=c`) and percent-encoded elsewhere; `None` when it
/// is still no URI.
pub fn target(path: &str, query: &[u8]) -> Option<String> {
    let mut text = format!("{path}?");
    for &b in query {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&b) {
            text.push(char::from(b));
        } else {
            text.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&text).is_ok().then_some(text)
}

/// Logs the API's faults (their causes) to stderr, where libFuzzer's report shows them.
fn env_logger_init() -> Result<(), log::SetLoggerError> {
    struct Stderr;
    impl log::Log for Stderr {
        fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
            metadata.level() <= log::Level::Error
        }
        fn log(&self, record: &log::Record<'_>) {
            if self.enabled(record.metadata()) {
                eprintln!("[{}] {}", record.level(), record.args());
            }
        }
        fn flush(&self) {}
    }
    log::set_logger(&Stderr).map(|()| log::set_max_level(log::LevelFilter::Error))
}
