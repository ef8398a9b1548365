//! The sync endpoints: the POS pushes customers, sales and products in batches.
//!
//! A batch is checked whole before anything is written: every record is read on its own
//! (so one bad record cannot hide another) and converted to domain values; any failure
//! rejects the batch with 422 listing each bad record by index and field. A valid batch
//! is written in one transaction by the storage layer's idempotent upserts.

mod code;
pub(crate) mod customers;
mod fields;
pub(crate) mod products;
pub(crate) mod sales;
pub(crate) mod status;

pub use code::Code;
pub use customers::{CustomerInput, SyncCustomersRequest, sync_customers};
pub use products::{ProductInput, SyncProductsRequest, sync_products};
pub use sales::{SaleInput, SaleItemInput, SaleStatusInput, SyncSalesRequest, sync_sales};
pub use status::{KindSyncStatus, SyncStatusResponse, get_sync_status};

use crate::{ApiError, Limits, RecordError};
use crm_domain::FieldError;
use crm_storage::SyncCounts;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::hash::Hash;
use utoipa::ToSchema;

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

/// Reads and validates every record of a batch, or explains every failure.
///
/// The body was split into raw records without parsing them (`RawValue`), so each record
/// is parsed once, straight into its input type.
///
/// `convert` turns one parsed record into a domain value; `key` gives its id, which must
/// be unique within the batch.
fn parse_batch<I, D, K>(
    records: Vec<Box<RawValue>>,
    limits: &Limits,
    convert: impl Fn(I) -> Result<D, Vec<FieldError>>,
    key: impl Fn(&D) -> K,
) -> Result<Vec<D>, ApiError>
where
    I: DeserializeOwned,
    K: Eq + Hash + std::fmt::Display,
{
    if records.len() > limits.max_batch_records {
        return Err(ApiError::PayloadTooLarge(format!(
            "a batch may hold at most {} records, this one has {}; split it",
            limits.max_batch_records,
            records.len()
        )));
    }
    let total = records.len();
    let mut errors = Vec::new();
    let mut valid = Vec::with_capacity(total);
    let mut first_index: HashMap<K, usize> = HashMap::with_capacity(total);
    for (index, record) in records.into_iter().enumerate() {
        let mut reader = serde_json::Deserializer::from_str(record.get());
        let parsed = serde_path_to_error::deserialize::<_, I>(&mut reader).map_err(|e| vec![serde_field_error(&e)]);
        match parsed.and_then(&convert) {
            Ok(value) => {
                let id = key(&value);
                if let Some(first) = first_index.get(&id) {
                    let message = format!("id {id} appears twice in the batch (first at index {first})");
                    errors.push(RecordError { index: Some(index), field: "id".into(), message });
                } else {
                    first_index.insert(id, index);
                    valid.push(value);
                }
            }
            Err(field_errors) => errors.extend(field_errors.into_iter().map(|e| RecordError {
                index: Some(index),
                field: e.field,
                message: e.message,
            })),
        }
    }
    if errors.is_empty() {
        return Ok(valid);
    }
    let mut bad: Vec<usize> = errors.iter().filter_map(|e| e.index).collect();
    bad.dedup();
    Err(ApiError::Validation {
        detail: format!("{} of {total} records are invalid; nothing was written", bad.len()),
        errors,
    })
}

/// Names the field a serde error is about (the path, or the missing field's name).
pub(crate) fn serde_field_error(error: &serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let message = error.inner().to_string();
    let path = error.path().to_string();
    let field = if path == "." {
        message.split('`').nth(1).filter(|_| message.starts_with("missing field")).unwrap_or("(record)").to_owned()
    } else {
        path
    };
    FieldError { field, message }
}
