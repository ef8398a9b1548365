//! `GET /api/sync/status`: what has been synced, for incremental sync.

use crate::{ApiError, AppState, ReadErrors};
use actix_web::web;
use chrono::{DateTime, Utc};
use crm_domain::{KindStatus, SyncKind};
use crm_service::{Service, SyncState};
use serde::Serialize;
use utoipa::ToSchema;

/// Sync state per kind of record.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatusResponse {
    /// The server's clock when answering.
    pub server_time: DateTime<Utc>,
    /// Customers.
    pub customers: KindSyncStatus,
    /// Sales.
    pub sales: KindSyncStatus,
    /// Products.
    pub products: KindSyncStatus,
    /// The last analytics refresh; absent before the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub analytics: Option<crate::analytics::AnalyticsRunView>,
    /// Why the data may be stale, as sentences to show (empty when fresh): no sales synced
    /// yet or for 24 hours; with sales, no analytics refresh for 24 hours or as of yesterday.
    #[schema(example = json!(["No sales synced in the last 24 hours (the last batch came at 2025-11-30 18:05 UTC)."]))]
    pub stale: Vec<String>,
}

/// Sync state of one kind.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KindSyncStatus {
    /// Records stored (placeholders included).
    pub records: i64,
    /// Accepted batches so far.
    pub batches: i64,
    /// When the last accepted batch finished; absent before the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Records in the last accepted batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_batch_size: Option<i64>,
    /// Largest id synced so far (customers, sales): send only larger ids next time.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub max_id: Option<i64>,
    /// Newest `created_at` synced so far (sales).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub max_created_at: Option<DateTime<Utc>>,
}

impl KindSyncStatus {
    /// A kind never synced.
    fn none() -> Self {
        Self { records: 0, batches: 0, last_sync_at: None, last_batch_size: None, max_id: None, max_created_at: None }
    }
}

impl From<&KindStatus> for KindSyncStatus {
    fn from(k: &KindStatus) -> Self {
        Self {
            records: k.records,
            batches: k.batches,
            last_sync_at: k.last_sync_at,
            last_batch_size: k.last_received,
            max_id: k.max_id,
            max_created_at: k.max_created_at,
        }
    }
}

/// Sync status
///
/// Per kind of record: how many are stored, when the last batch landed, and high-water
/// marks (largest id, newest sale time) so a POS can send only what is new; and when the
/// analytics were last refreshed.
#[utoipa::path(
    get,
    path = "/api/sync/status",
    tag = "sync",
    responses(
        (status = 200, description = "Sync state", body = SyncStatusResponse),
        ReadErrors,
    )
)]
pub async fn get_sync_status(state: web::Data<AppState>) -> Result<web::Json<SyncStatusResponse>, ApiError> {
    let state = state.read(Service::sync_state).await?;
    Ok(web::Json(state.into()))
}

impl From<SyncState> for SyncStatusResponse {
    fn from(state: SyncState) -> Self {
        let of = |kind: SyncKind| {
            let status = state.sync.kinds.iter().find(|k| k.kind == kind);
            status.map_or_else(KindSyncStatus::none, KindSyncStatus::from)
        };
        Self {
            server_time: Utc::now(),
            customers: of(SyncKind::Customers),
            sales: of(SyncKind::Sales),
            products: of(SyncKind::Products),
            analytics: state.analytics.map(Into::into),
            stale: state.stale,
        }
    }
}
