//! `POST /api/sync/customers`.

use super::{Code, SyncResponse};
use crate::{ApiError, AppState, WriteErrors};
use actix_web::web;
use crm_domain::CustomerFields;
use crm_service::Service;
use serde::Deserialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

/// A batch of customers.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"customers": [{"id": 1, "name": "John Doe", "phone": "1234567890", "email": "john@example.com"}]}))]
pub struct SyncCustomersRequest {
    /// Up to the batch limit (default 10,000) customers, ids unique within the batch.
    #[schema(value_type = Vec<CustomerInput>)]
    pub customers: Vec<Box<RawValue>>,
}

/// One customer as the POS sends it. Unknown fields are ignored.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CustomerInput {
    /// The POS's customer id.
    #[schema(minimum = 1, maximum = 9_007_199_254_740_991_i64, example = 1)]
    #[serde(deserialize_with = "super::code::whole")]
    pub id: i64,
    /// Display name (1-200 characters).
    #[schema(example = "John Doe", max_length = 200)]
    pub name: String,
    /// Phone number, as a string or a number (up to 32 characters).
    #[schema(nullable = false)]
    pub phone: Option<Code>,
    /// E-mail address; blank means none.
    #[schema(example = "john@example.com", max_length = 254)]
    pub email: Option<String>,
    /// Postal address.
    #[schema(max_length = 500)]
    pub address: Option<String>,
    /// Free-text notes.
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
    /// When the POS created the customer (RFC 3339 with offset).
    #[schema(format = DateTime, example = "2025-01-15T09:00:00Z")]
    pub created_at: Option<String>,
    /// The customer's manual purpose tags (at most 20, one line of up to 40 characters
    /// each; stored trimmed, lower-case, sorted, without repeats), replacing the stored
    /// ones. Absent or null keeps them; `[]` removes them. An erased customer keeps none.
    #[schema(schema_with = crate::customers::tags::tags_schema)]
    pub tags: Option<Vec<String>>,
}

impl From<CustomerInput> for CustomerFields {
    fn from(c: CustomerInput) -> Self {
        Self {
            id: c.id,
            name: c.name,
            phone: c.phone.map(|p| p.0),
            email: c.email,
            address: c.address,
            notes: c.notes,
            created_at: c.created_at,
            tags: c.tags,
        }
    }
}

/// Sync customers
///
/// Upserts customers by the POS's id. Idempotent: replaying a batch changes nothing and
/// reports every record as unchanged. The batch is one transaction: if any record is
/// invalid, nothing is written and the 422 lists every bad record by index and field.
/// A customer first named by a sale exists as a placeholder until synced here; filling
/// it in counts as created.
///
/// Rules beyond the schema: ids are unique within a batch, and `created_at` lies between
/// 1990-01-01 and 48 hours after the server's clock.
#[utoipa::path(
    post,
    path = "/api/sync/customers",
    tag = "sync",
    request_body = SyncCustomersRequest,
    responses(
        (status = 200, description = "Batch stored", body = SyncResponse),
        WriteErrors,
    )
)]
pub async fn sync_customers(
    state: web::Data<AppState>,
    body: web::Json<SyncCustomersRequest>,
) -> Result<web::Json<SyncResponse>, ApiError> {
    super::sync_batch::<CustomerInput, _>(&state, "customers", body.into_inner().customers, Service::sync_customers)
        .await
}
