//! Prometheus metrics: request counts and latencies by route and status, sync records
//! accepted and rejected, analytics refresh times, insight cards by source, and the
//! database's size, served at `GET /metrics`.

use crate::{ApiError, AppState, Problem};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use crm_service::CardBookStats;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::time::Instant;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SyncLabels {
    kind: String,
    outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CardLabels {
    source: &'static str,
}

fn latency_histogram() -> Histogram {
    // 0.1 ms to about 3.3 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

/// The service's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    sync_records: Family<SyncLabels, Counter>,
    database_bytes: Gauge,
    refresh_seconds: Histogram,
    cards_served: Family<CardLabels, Counter>,
    cards_prepared: Gauge,
    cards_cached: Gauge,
    cards_marked: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("crm");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        let sync_records = Family::<SyncLabels, Counter>::default();
        let database_bytes = Gauge::default();
        // 10 ms to about 160 s.
        let refresh_seconds = Histogram::new(exponential_buckets(0.01, 2.0, 15));
        registry.register("http_requests", "HTTP requests answered, by route pattern and status", requests.clone());
        registry.register("http_request_duration_seconds", "Time to answer, by route pattern", latency.clone());
        registry.register(
            "sync_records",
            "Records received by the sync endpoints, by kind and outcome (accepted, rejected)",
            sync_records.clone(),
        );
        registry.register("database_size_bytes", "Size of the database file and its WAL", database_bytes.clone());
        registry.register(
            "analytics_refresh_duration_seconds",
            "Time taken by analytics refreshes",
            refresh_seconds.clone(),
        );
        let cards_served = Family::<CardLabels, Counter>::default();
        registry.register(
            "insight_cards_served",
            "Insight cards answered, by source (prepared: as the last refresh prepared it, held in memory or read from its row; store: drawn from the sales again)",
            cards_served.clone(),
        );
        let cards_prepared = Gauge::default();
        registry.register(
            "insight_cards_prepared",
            "Cards prepared by the last analytics refresh",
            cards_prepared.clone(),
        );
        let cards_cached = Gauge::default();
        registry.register(
            "insight_cards_cached",
            "Prepared cards held in the process (the others are read from their rows in the database)",
            cards_cached.clone(),
        );
        let cards_marked = Gauge::default();
        registry.register(
            "insight_cards_changed_customers",
            "Customers changed since the last refresh, whose cards are read from the database",
            cards_marked.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            sync_records,
            database_bytes,
            refresh_seconds,
            cards_served,
            cards_prepared,
            cards_cached,
            cards_marked,
        }
    }
}

impl Metrics {
    /// Counts the records of one sync batch as accepted or rejected.
    pub fn count_sync(&self, kind: &str, accepted: bool, records: usize) {
        let outcome = if accepted { "accepted" } else { "rejected" };
        let labels = SyncLabels { kind: kind.to_owned(), outcome: outcome.to_owned() };
        self.sync_records.get_or_create(&labels).inc_by(records as u64);
    }

    /// Records how long an analytics refresh took.
    pub fn observe_refresh(&self, took: std::time::Duration) {
        self.refresh_seconds.observe(took.as_secs_f64());
    }

    /// Counts an insight card answered from the prepared ones or from the store.
    pub fn count_card(&self, prepared: bool) {
        let source = if prepared { "prepared" } else { "store" };
        self.cards_served.get_or_create(&CardLabels { source }).inc();
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let (method, route) = (method.to_owned(), route.to_owned());
        self.requests.get_or_create(&RequestLabels { method: method.clone(), route: route.clone(), status }).inc();
        self.latency.get_or_create(&RouteLabels { method, route }).observe(seconds);
    }

    /// The metrics in the OpenMetrics text format.
    pub fn render(&self, database_bytes: u64, cards: CardBookStats) -> Result<String, std::fmt::Error> {
        let gauge = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.database_bytes.set(i64::try_from(database_bytes).unwrap_or(i64::MAX));
        self.cards_prepared.set(gauge(cards.cards));
        self.cards_cached.set(gauge(cards.cached));
        self.cards_marked.set(gauge(cards.changed_customers));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// Middleware recording every request's route pattern (never the raw path, which would
/// make one series per customer), status and duration. Inner layers answer refusals as
/// responses, not errors, so those are counted too.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(req).await?;
    if let Some(state) = state {
        let request = response.request();
        let route = request.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
        let status = response.status().as_u16();
        state.metrics.observe(request.method().as_str(), &route, status, started.elapsed().as_secs_f64());
    }
    Ok(response)
}

/// Prometheus metrics
///
/// The OpenMetrics text format. Needs a read key, unless the caller is on loopback.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses(
        (status = 200, description = "Metrics", body = String, content_type = "application/openmetrics-text"),
        (status = 401, description = "No valid API key", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    // The store's size is read from the file system: on the blocking pool.
    let size = state.block(|service| Ok(service.store_bytes())).await?;
    let text = state
        .metrics
        .render(size, state.service.card_stats())
        .map_err(|e| ApiError::internal(format!("encoding metrics: {e}")))?;
    Ok(HttpResponse::Ok().content_type("application/openmetrics-text; version=1.0.0; charset=utf-8").body(text))
}
