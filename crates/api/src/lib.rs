//! The crm-trends HTTP API: actix-web handlers, request and response types (with their
//! OpenAPI schemas), the route table and the mapping of every failure to
//! `application/problem+json`.
//!
//! Handlers are thin: extract, convert to domain values, call one storage or analytics
//! function on the blocking pool, map the result. The route table in [`routes`] registers
//! each handler and its OpenAPI operation by the same call, so the spec cannot drift.

pub mod access;
pub mod analytics;
pub mod calendar;
pub mod cards;
pub mod customers;
mod error;
mod extract;
pub mod health;
pub mod metrics;
mod openapi;
pub mod refresh;
mod state;
pub mod sync;

pub use access::{AccessKeys, Role};
pub use error::{ApiError, Problem, ProblemCode, ReadErrors, RecordError, WriteErrors};
pub use extract::{json_config, path_config, query_config};
pub use metrics::Metrics;
pub use openapi::{ApiDoc, openapi};
pub use state::{AppState, Limits};
pub use sync::SyncResponse;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the routes outside `/api` that belong to the API (`/metrics`).
pub fn operations_routes(cfg: &mut ServiceConfig<'_>) {
    cfg.service(metrics::get_metrics);
}

/// Registers every `/api` route. Mount it under `scope("/api")`.
pub fn routes(cfg: &mut ServiceConfig<'_>) {
    cfg.service(health::get_health)
        .service(sync::sync_customers)
        .service(sync::sync_sales)
        .service(sync::sync_products)
        .service(sync::get_sync_status)
        .service(analytics::get_trends)
        .service(analytics::get_dashboard)
        .service(analytics::get_products)
        .service(analytics::get_segments)
        .service(analytics::refresh_analytics)
        .service(customers::list_customers)
        .service(customers::get_customer_insights)
        .service(customers::set_customer_tags)
        .service(calendar::list_events)
        .service(calendar::create_event)
        .service(calendar::get_event)
        .service(calendar::replace_event)
        .service(calendar::delete_event);
}
