//! `POST /api/sync/products`.

use super::{Code, SyncResponse};
use crate::{ApiError, AppState, WriteErrors};
use actix_web::web;
use crm_domain::ProductFields;
use crm_service::Service;
use serde::Deserialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

/// A batch of catalogue entries.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"products": [{"id": "85123A", "name": "White hanging heart T-light holder", "category": "Home", "stock_on_hand": 24, "lead_time_days": 7, "unit_cost": 1.65, "pack_size": 6, "min_order_quantity": 12, "discontinued": false}]}))]
pub struct SyncProductsRequest {
    /// Up to the batch limit (default 10,000) products, ids unique within the batch.
    #[schema(value_type = Vec<ProductInput>)]
    pub products: Vec<Box<RawValue>>,
}

/// One catalogue entry. Unknown fields are ignored.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProductInput {
    /// The product code, as used in sale lines' `product_id`.
    pub id: Code,
    /// Display name.
    #[schema(example = "White hanging heart T-light holder", max_length = 200)]
    pub name: String,
    /// Category, for grouping and purpose tags.
    #[schema(example = "Home", max_length = 100)]
    pub category: Option<String>,
    /// Units in stock now (negative when the POS allows overselling).
    #[schema(minimum = -1_000_000_000, maximum = 1_000_000_000, example = 24)]
    #[serde(default, deserialize_with = "super::code::whole_or_null")]
    pub stock_on_hand: Option<i64>,
    /// Days from ordering to delivery.
    #[schema(minimum = 0, maximum = 365, example = 7, format = Int32)]
    #[serde(default, deserialize_with = "super::code::whole_or_null")]
    pub lead_time_days: Option<i64>,
    /// What one unit costs the shop, up to 4 decimals.
    #[schema(minimum = 0, example = 1.65)]
    pub unit_cost: Option<f64>,
    /// Units per pack: a recommended order is a whole number of packs.
    #[schema(minimum = 1, maximum = 1_000_000, example = 6)]
    #[serde(default, deserialize_with = "super::code::whole_or_null")]
    pub pack_size: Option<i64>,
    /// The smallest order the supplier accepts, in units.
    #[schema(minimum = 1, maximum = 1_000_000, example = 12)]
    #[serde(default, deserialize_with = "super::code::whole_or_null")]
    pub min_order_quantity: Option<i64>,
    /// No longer sold: never recommended for reorder (absent: `false`).
    #[schema(example = false)]
    pub discontinued: Option<bool>,
}

impl From<ProductInput> for ProductFields {
    fn from(p: ProductInput) -> Self {
        Self {
            id: p.id.0,
            name: p.name,
            category: p.category,
            stock_on_hand: p.stock_on_hand,
            lead_time_days: p.lead_time_days,
            unit_cost: p.unit_cost,
            pack_size: p.pack_size,
            min_order_quantity: p.min_order_quantity,
            discontinued: p.discontinued,
        }
    }
}

/// Sync products
///
/// Upserts catalogue entries and stock levels by product code. Idempotent and
/// all-or-nothing like the other sync endpoints. A new or changed `stock_on_hand` is kept
/// as the product's level at the close of the store's day (the daily stock snapshot that
/// reorder advice reads stock-outs from). Products first seen on sale lines exist
/// as placeholders until synced here; filling one in counts as created.
///
/// Rules beyond the schema: codes are unique within a batch, a code is not blank once
/// trimmed, and `unit_cost` has at most 4 decimals.
#[utoipa::path(
    post,
    path = "/api/sync/products",
    tag = "sync",
    request_body = SyncProductsRequest,
    responses(
        (status = 200, description = "Batch stored", body = SyncResponse),
        WriteErrors,
    )
)]
pub async fn sync_products(
    state: web::Data<AppState>,
    body: web::Json<SyncProductsRequest>,
) -> Result<web::Json<SyncResponse>, ApiError> {
    super::sync_batch::<ProductInput, _>(&state, "products", body.into_inner().products, Service::sync_products).await
}
