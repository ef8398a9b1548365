//! `POST /api/sync/sales`.

use super::{Code, SyncResponse};
use crate::{ApiError, AppState, WriteErrors};
use actix_web::web;
use crm_domain::{SaleFields, SaleLineFields, SaleStatus};
use crm_service::Service;
use serde::Deserialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

/// A batch of sales.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"sales": [{"id": 1001, "customer_id": 1, "total_amount": 150.00, "created_at": "2025-09-27T10:30:00Z"}]}))]
pub struct SyncSalesRequest {
    /// Up to the batch limit (default 10,000) sales, ids unique within the batch.
    #[schema(value_type = Vec<SaleInput>)]
    pub sales: Vec<Box<RawValue>>,
}

/// One sale (receipt). Unknown fields are ignored.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SaleInput {
    /// The POS's sale id.
    #[schema(minimum = 1, maximum = 9_007_199_254_740_991_i64, example = 1001)]
    #[serde(deserialize_with = "super::code::whole")]
    pub id: i64,
    /// The customer's id; null or absent for a walk-in sale. A customer not synced yet
    /// is created as a placeholder.
    #[schema(minimum = 1, maximum = 9_007_199_254_740_991_i64, example = 1)]
    #[serde(default, deserialize_with = "super::code::whole_or_null")]
    pub customer_id: Option<i64>,
    /// Receipt total, at most 2 decimals.
    #[schema(minimum = 0, example = 150.00)]
    pub total_amount: f64,
    /// When the sale happened: RFC 3339 with an offset.
    #[schema(format = DateTime, example = "2025-09-27T10:30:00Z")]
    pub created_at: String,
    /// Defaults to `completed`.
    #[schema(value_type = Option<crate::openapi::labels::SaleStatus>)]
    pub status: Option<SaleStatus>,
    /// Which store or till, for multi-store shops.
    pub store_id: Option<Code>,
    /// How it was paid, as the POS names it (cash, card, ...).
    #[schema(example = "card", max_length = 64)]
    pub payment_method: Option<String>,
    /// The receipt's lines (at most 1,000); sales without lines count in revenue but not in
    /// product analytics.
    #[schema(max_items = 1000)]
    pub items: Option<Vec<SaleItemInput>>,
}

/// One line of a sale.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SaleItemInput {
    /// The product code (`85123A`); a number is kept as its decimal text.
    pub product_id: Code,
    /// The product's name as on the receipt.
    #[schema(example = "White hanging heart T-light holder", max_length = 200)]
    pub product_name: Option<String>,
    /// The product's category.
    #[schema(example = "Home", max_length = 100)]
    pub category: Option<String>,
    /// Units sold: a positive integer.
    #[schema(minimum = 1, maximum = 1_000_000, example = 2)]
    #[serde(deserialize_with = "super::code::whole")]
    pub quantity: i64,
    /// Price of one unit, up to 4 decimals.
    #[schema(minimum = 0, example = 2.55)]
    pub unit_price: f64,
}

impl From<SaleInput> for SaleFields {
    fn from(s: SaleInput) -> Self {
        Self {
            id: s.id,
            customer_id: s.customer_id,
            total_amount: s.total_amount,
            created_at: s.created_at,
            status: s.status.unwrap_or_default(),
            store_id: s.store_id.map(|c| c.0),
            payment_method: s.payment_method,
            items: s.items.unwrap_or_default().into_iter().map(Into::into).collect(),
        }
    }
}

impl From<SaleItemInput> for SaleLineFields {
    fn from(l: SaleItemInput) -> Self {
        Self {
            product_id: l.product_id.0,
            product_name: l.product_name,
            category: l.category,
            quantity: l.quantity,
            unit_price: l.unit_price,
        }
    }
}

/// Sync sales
///
/// Upserts sales and their lines by the POS's sale id, and keeps the per-day totals exact
/// in the same transaction. Each sale's store-local day comes from `created_at` in the
/// configured time zone. Re-sending a sale with changes (a refund, a void, corrected
/// lines) updates it and moves its contribution; re-sending it unchanged does nothing.
/// All-or-nothing: any invalid record rejects the whole batch with 422.
///
/// Rules beyond the schema: ids are unique within a batch; `created_at` lies between
/// 1990-01-01 and 48 hours after the server's clock; `total_amount` has at most 2 decimals
/// and `unit_price` at most 4.
#[utoipa::path(
    post,
    path = "/api/sync/sales",
    tag = "sync",
    request_body = SyncSalesRequest,
    responses(
        (status = 200, description = "Batch stored", body = SyncResponse),
        WriteErrors,
    )
)]
pub async fn sync_sales(
    state: web::Data<AppState>,
    body: web::Json<SyncSalesRequest>,
) -> Result<web::Json<SyncResponse>, ApiError> {
    super::sync_batch::<SaleInput, _>(&state, "sales", body.into_inner().sales, Service::sync_sales).await
}
