//! `GET /api/health`: cheap, open to anyone, and honest about the database; row counts
//! only for a caller who may read.

use crate::AppState;
use crate::access::Caller;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

/// Liveness and database state.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthResponse {
    /// `ok` when the database answers and takes writes; `degraded` when it answers but
    /// refuses writes (a full disk, a read-only file: `database.writeError` says why);
    /// `unavailable` when it does not answer.
    #[schema(example = "ok")]
    pub status: HealthStatus,
    /// Server version.
    #[schema(example = "0.1.0")]
    pub version: String,
    /// The store's IANA time zone.
    #[schema(example = "UTC")]
    pub time_zone: String,
    /// The database engine: `sqlite` (the embedded file, one process) or `postgresql`
    /// (shared by every replica).
    #[schema(example = "sqlite")]
    pub backend: String,
    /// Database state.
    pub database: DatabaseHealth,
}

/// Overall state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Serving, database reachable.
    Ok,
    /// Serving reads; writes are refused until an operator acts.
    Degraded,
    /// The database does not answer.
    Unavailable,
}

/// Whether the database answered a real query, and what it holds.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseHealth {
    /// The database answered.
    pub reachable: bool,
    /// Why it did not, when it did not (the cause only for a caller who may read).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub error: Option<String>,
    /// Why writes are refused (the cause only for a caller who may read), and since when,
    /// while they are (a full disk or size cap, a read-only file); absent while writes work.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub write_error: Option<WriteError>,
    /// Row counts, when reachable and the caller may read (a read or write key, or any
    /// local caller of a server without keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub counts: Option<RowCounts>,
}

/// Why writes are refused.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WriteError {
    /// When writes began to fail.
    pub since: chrono::DateTime<chrono::Utc>,
    /// What failed, with its cause.
    #[schema(
        example = "the database is full: its disk, or its size cap (CRM_MAX_DATABASE_MB), has no room left: database or disk is full"
    )]
    pub reason: String,
}

/// Rows in the main tables.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RowCounts {
    /// Customers (placeholders included).
    pub customers: i64,
    /// Sales of every status.
    pub sales: i64,
    /// Products (placeholders included).
    pub products: i64,
    /// Calendar events.
    pub calendar_events: i64,
}

/// Health check
///
/// Runs a real query and counts rows. Answers 200 when the database is reachable (status
/// `ok`, or `degraded` while writes are refused: a full disk, a read-only file) and 503
/// (with the same body) when it is not. Needs no key; the row counts are shown only to a
/// caller who may read.
#[utoipa::path(
    get,
    path = "/api/health",
    tag = "health",
    responses(
        (status = 200, description = "Serving; database reachable", body = HealthResponse),
        (status = 503, description = "Database unreachable", body = HealthResponse),
    )
)]
pub async fn get_health(state: web::Data<AppState>, caller: Caller) -> HttpResponse {
    let show_counts = state.access.may_read(&caller);
    let checked = state.read(|service| service.store_counts()).await;
    // Causes can name files and statements: only a caller who may read sees them.
    let hidden = |what: &str| format!("{what} (a caller with a read key sees why)");
    let write_error = state.service.write_fault().map(|fault| WriteError {
        since: fault.since,
        reason: if show_counts { fault.reason } else { hidden("writes are refused") },
    });
    let (status, database) = match checked {
        Ok(c) => (
            if write_error.is_some() { HealthStatus::Degraded } else { HealthStatus::Ok },
            DatabaseHealth {
                reachable: true,
                error: None,
                write_error,
                counts: show_counts.then_some(RowCounts {
                    customers: c.customers,
                    sales: c.sales,
                    products: c.products,
                    calendar_events: c.calendar_events,
                }),
            },
        ),
        Err(e) => (
            HealthStatus::Unavailable,
            DatabaseHealth {
                reachable: false,
                error: Some(if show_counts { e.chain() } else { hidden("the database does not answer") }),
                write_error,
                counts: None,
            },
        ),
    };
    let body = HealthResponse {
        status,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        time_zone: state.service.zone().name().to_owned(),
        backend: state.service.backend_name().to_owned(),
        database,
    };
    match status {
        HealthStatus::Ok | HealthStatus::Degraded => HttpResponse::Ok().json(body),
        HealthStatus::Unavailable => HttpResponse::ServiceUnavailable().json(body),
    }
}
