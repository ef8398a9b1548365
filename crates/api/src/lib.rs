//! The crm-trends HTTP API: actix-web handlers, request and response types (with their
//! OpenAPI schemas), the route table and the mapping of every failure to
//! `application/problem+json`.
//!
//! Handlers are thin: extract, call one use case of `crm-service` on the blocking pool, map
//! the result (response types convert from the service's values). The route table in [`routes`] declares
//! each handler with the access it needs; the router, the access check and the OpenAPI
//! document all read that one table, so they cannot drift apart.

pub mod access;
pub mod analytics;
pub mod calendar;
pub mod cors;
pub mod customers;
pub mod dashboard;
mod error;
pub mod export;
mod extract;
mod fallback;
pub mod health;
pub mod host;
pub mod ical;
pub mod metrics;
mod openapi;
pub mod rate;
pub mod routes;
mod state;
mod stream;
pub mod sync;

pub use access::{Access, AccessKeys, AccessPolicy, Caller, KeysEmptied, Role, Subject, WeakKey};
pub use cors::CorsPolicy;
pub use error::{ApiError, Problem, ProblemCode, ReadErrors, RecordError, WriteErrors};
pub use extract::{Query, json_config, parse_query, path_config};
pub use fallback::problem_only;
pub use host::{HostPolicy, NotAHost};
pub use metrics::Metrics;
pub use openapi::{ApiDoc, openapi};
pub use rate::{RateLimits, RatePolicy};
pub use state::{AppState, Limits, StateParts};
pub use sync::SyncResponse;
