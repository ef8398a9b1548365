//! `POST /api/sync/products`.

use super::fields::Fields;
use super::{Code, SyncResponse, parse_batch};
use crate::{ApiError, AppState, WriteErrors};
use actix_web::web;
use chrono::Utc;
use crm_domain::{DomainError, FieldError, Product, ProductId, UnitPrice, optional_text, required_text, rules};
use serde::Deserialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

/// Largest stock level accepted, either way.
const MAX_STOCK: i64 = 1_000_000_000;
/// Longest lead time accepted, in days.
const MAX_LEAD_TIME_DAYS: i32 = 365;

/// A batch of catalogue entries.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"products": [{"id": "85123A", "name": "White hanging heart T-light holder", "category": "Home", "stock_on_hand": 24, "lead_time_days": 7, "unit_cost": 1.65}]}))]
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
}

impl ProductInput {
    fn into_domain(self) -> Result<Product, Vec<FieldError>> {
        let mut f = Fields::default();
        let id = f.check("id", ProductId::parse(&self.id.0));
        let name = f.check("name", required_text(&self.name, rules::NAME));
        let category = f.check("category", optional_text(self.category.as_deref(), rules::CATEGORY));
        let stock_on_hand = f.check("stock_on_hand", in_range(self.stock_on_hand, -MAX_STOCK, MAX_STOCK));
        let lead_time_days = f.check(
            "lead_time_days",
            in_range(self.lead_time_days, 0, i64::from(MAX_LEAD_TIME_DAYS))
                .map(|days| days.and_then(|d| i32::try_from(d).ok())),
        );
        let unit_cost = f.check("unit_cost", self.unit_cost.map(UnitPrice::from_decimal).transpose());
        let product = (|| {
            Some(Product {
                id: id?,
                name: name?,
                category: category?,
                stock_on_hand: stock_on_hand?,
                lead_time_days: lead_time_days?,
                unit_cost: unit_cost?,
            })
        })();
        f.finish(product)
    }
}

fn in_range<T: PartialOrd + ToString>(value: Option<T>, min: T, max: T) -> Result<Option<T>, DomainError> {
    match value {
        Some(v) if v < min || v > max => {
            Err(DomainError::OutOfRange { value: v.to_string(), min: min.to_string(), max: max.to_string() })
        }
        other => Ok(other),
    }
}

/// Sync products
///
/// Upserts catalogue entries and stock levels by product code. Idempotent and
/// all-or-nothing like the other sync endpoints. Products first seen on sale lines exist
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
    let now = Utc::now();
    let batch = body.into_inner().products;
    let received = batch.len();
    let products = parse_batch(batch, &state.limits, ProductInput::into_domain, |p| p.id.clone())
        .inspect_err(|_| state.metrics.count_sync("products", false, received))?;
    let synced = state
        .write_changes(
            move |conn| crm_storage::ingest::sync_products(conn, &products, now),
            |synced, cards| cards.products_relabelled(&synced.relabelled),
        )
        .await?;
    state.metrics.count_sync("products", true, received);
    Ok(web::Json(synced.counts.into()))
}
