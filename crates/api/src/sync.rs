//! The sync endpoints: the POS pushes customers, sales and products in batches.
//!
//! Each record of a batch is read on its own (so one bad record cannot hide another) into
//! the fields the POS sent; the service validates the batch whole (any failure rejects it
//! with 422 listing each bad record by index and field) and writes a valid one in one
//! transaction.

mod code;
pub(crate) mod customers;
pub(crate) mod products;
pub(crate) mod sales;
pub(crate) mod source_ids;
pub(crate) mod status;

pub use code::Code;
pub use customers::{CustomerInput, SyncCustomersRequest, sync_customers};
pub use products::{ProductInput, SyncProductsRequest, sync_products};
pub use sales::{SaleInput, SaleItemInput, SyncSalesRequest, sync_sales};
pub use source_ids::{SourceIdKind, SourceIdsRequest, SourceIdsResponse, map_source_ids};
pub use status::{KindSyncStatus, SyncStatusResponse, get_sync_status};

use crate::{ApiError, AppState};
use actix_web::web;
use chrono::{DateTime, Utc};
use crm_domain::FieldError;
use crm_domain::SyncCounts;
use crm_service::{Received, Service, ServiceError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use utoipa::PartialSchema;
use utoipa::ToSchema;
use utoipa::openapi::{RefOr, Schema};

/// What a sync batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"received": 1, "created": 1, "updated": 0, "unchanged": 0}))]
pub struct SyncResponse {
    /// Records in the batch.
    pub received: usize,
    /// Records stored for the first time.
    pub created: usize,
    /// Records that existed and changed.
    pub updated: usize,
    /// Records identical to what was stored; nothing was written for them.
    pub unchanged: usize,
}

impl From<SyncCounts> for SyncResponse {
    fn from(c: SyncCounts) -> Self {
        Self { received: c.received, created: c.created, updated: c.updated, unchanged: c.unchanged }
    }
}

/// Reads every record of a batch into its fields, or names why it could not be read.
///
/// The body was split into raw records without parsing them (`RawValue`), so each record
/// is parsed once, straight into its input type; the service validates the fields.
fn read_batch<I, F>(records: Vec<Box<RawValue>>) -> Vec<Received<F>>
where
    I: DeserializeOwned + Into<F> + PartialSchema,
{
    records
        .into_iter()
        .map(|record| {
            let mut reader = serde_json::Deserializer::from_str(record.get());
            serde_path_to_error::deserialize::<_, I>(&mut reader).map(Into::into).map_err(|e| {
                let fields = || serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(record.get()).ok();
                serde_field_error::<I>(&e, fields)
            })
        })
        .collect()
}

/// A sync use case of the service.
type SyncUseCase<F> = fn(&Service, Vec<Received<F>>, DateTime<Utc>) -> Result<SyncCounts, ServiceError>;

/// Reads a batch of `kind` records and runs `use_case` on it; counts the batch as accepted
/// or rejected.
async fn sync_batch<I, F>(
    state: &AppState,
    kind: &'static str,
    records: Vec<Box<RawValue>>,
    use_case: SyncUseCase<F>,
) -> Result<web::Json<SyncResponse>, ApiError>
where
    I: DeserializeOwned + Into<F> + PartialSchema + 'static,
    F: Send + 'static,
{
    let received = records.len();
    // Reading up to 10,000 records is work: on the blocking pool, not a worker thread, and
    // before the writer's turn, so it never holds the writer.
    let batch = state.block(move |_| Ok(read_batch::<I, F>(records))).await?;
    let synced = state.write(move |service| use_case(service, batch, Utc::now())).await;
    match &synced {
        Ok(_) => state.metrics.count_sync(kind, true, received),
        Err(ApiError::Validation { .. } | ApiError::PayloadTooLarge(_)) => {
            state.metrics.count_sync(kind, false, received)
        }
        Err(_) => {}
    }
    Ok(web::Json(synced?.into()))
}

/// Names the field a serde error is about: its path; or, when the record itself could not be
/// read (a missing field), the first field the record's schema `T` requires that its
/// `fields` lack; `(record)` when none is missing (the record is not an object).
pub(crate) fn serde_field_error<T: PartialSchema>(
    error: &serde_path_to_error::Error<serde_json::Error>,
    fields: impl FnOnce() -> Option<serde_json::Map<String, serde_json::Value>>,
) -> FieldError {
    let message = error.inner().to_string();
    let path = error.path().to_string();
    let field = if path == "." {
        let required = match T::schema() {
            RefOr::T(Schema::Object(object)) => object.required,
            _ => Vec::new(),
        };
        fields()
            .and_then(|fields| required.into_iter().find(|name| fields.get(name).is_none_or(|v| v.is_null())))
            .unwrap_or_else(|| "(record)".to_owned())
    } else {
        path
    };
    FieldError { field, message }
}
