//! `POST /api/sync/sales`.

use super::fields::Fields;
use super::{Code, SyncResponse, parse_batch};
use crate::{ApiError, AppState, WriteErrors};
use actix_web::web;
use chrono::{DateTime, Utc};
use crm_domain::{
    CustomerId, FieldError, MAX_ITEMS_PER_SALE, MAX_QUANTITY, Money, ProductId, Sale, SaleId, SaleItem, SaleStatus,
    StoreZone, UnitPrice, optional_text, parse_timestamp, rules,
};
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

/// What became of a sale; only `completed` sales count as revenue.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SaleStatusInput {
    /// A normal, paid sale (the default).
    #[default]
    Completed,
    /// Paid, then refunded.
    Refunded,
    /// Cancelled before payment.
    Voided,
}

impl From<SaleStatusInput> for SaleStatus {
    fn from(status: SaleStatusInput) -> Self {
        match status {
            SaleStatusInput::Completed => Self::Completed,
            SaleStatusInput::Refunded => Self::Refunded,
            SaleStatusInput::Voided => Self::Voided,
        }
    }
}

/// One sale (receipt). Unknown fields are ignored.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SaleInput {
    /// The POS's sale id.
    #[schema(minimum = 1, example = 1001)]
    #[serde(deserialize_with = "super::code::whole")]
    pub id: i64,
    /// The customer's id; null or absent for a walk-in sale. A customer not synced yet
    /// is created as a placeholder.
    #[schema(minimum = 1, example = 1)]
    #[serde(default, deserialize_with = "super::code::whole_or_null")]
    pub customer_id: Option<i64>,
    /// Receipt total, at most 2 decimals.
    #[schema(minimum = 0, example = 150.00)]
    pub total_amount: f64,
    /// When the sale happened: RFC 3339 with an offset.
    #[schema(format = DateTime, example = "2025-09-27T10:30:00Z")]
    pub created_at: String,
    /// Defaults to `completed`.
    pub status: Option<SaleStatusInput>,
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

impl SaleInput {
    fn into_domain(self, zone: StoreZone, now: DateTime<Utc>) -> Result<Sale, Vec<FieldError>> {
        let mut f = Fields::default();
        let id = f.check("id", SaleId::try_from(self.id));
        let customer_id = f.check("customer_id", self.customer_id.map(CustomerId::try_from).transpose());
        let total = f.check("total_amount", Money::from_decimal(self.total_amount));
        let created_at = f.check("created_at", parse_timestamp(&self.created_at, now));
        let store_id = f.check("store_id", optional_text(self.store_id.as_ref().map(|c| c.0.as_str()), rules::CODE));
        let payment_method = f.check("payment_method", optional_text(self.payment_method.as_deref(), rules::CODE));
        let lines = self.items.unwrap_or_default();
        if lines.len() > MAX_ITEMS_PER_SALE {
            f.fail("items", format!("a sale may have at most {MAX_ITEMS_PER_SALE} lines, got {}", lines.len()));
        }
        let items: Vec<Option<SaleItem>> =
            lines.into_iter().enumerate().map(|(i, line)| line.into_domain(&mut f, &format!("items[{i}]"))).collect();
        let sale = (|| {
            let created_at = created_at?;
            Some(Sale {
                id: id?,
                customer_id: customer_id?,
                total: total?,
                created_at,
                local_date: zone.local_date(created_at),
                status: self.status.unwrap_or_default().into(),
                store_id: store_id?,
                payment_method: payment_method?,
                items: items.into_iter().collect::<Option<Vec<_>>>()?,
            })
        })();
        f.finish(sale)
    }
}

impl SaleItemInput {
    fn into_domain(self, f: &mut Fields, path: &str) -> Option<SaleItem> {
        let product_id = f.check(format!("{path}.product_id"), ProductId::parse(&self.product_id.0));
        let product_name =
            f.check(format!("{path}.product_name"), optional_text(self.product_name.as_deref(), rules::NAME));
        let category = f.check(format!("{path}.category"), optional_text(self.category.as_deref(), rules::CATEGORY));
        if !(1..=MAX_QUANTITY).contains(&self.quantity) {
            f.fail(format!("{path}.quantity"), format!("must be between 1 and {MAX_QUANTITY}, got {}", self.quantity));
        }
        let unit_price = f.check(format!("{path}.unit_price"), UnitPrice::from_decimal(self.unit_price));
        Some(SaleItem {
            product_id: product_id?,
            product_name: product_name?,
            category: category?,
            quantity: self.quantity,
            unit_price: unit_price?,
        })
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
    let now = Utc::now();
    let zone = state.zone;
    let batch = body.into_inner().sales;
    let received = batch.len();
    let sales = parse_batch(batch, &state.limits, |s: SaleInput| s.into_domain(zone, now), |s| s.id)
        .inspect_err(|_| state.metrics.count_sync("sales", false, received))?;
    let synced = state
        .write_changes(
            move |conn| crm_storage::ingest::sync_sales(conn, &sales, now),
            |synced, cards| cards.customers_changed(&synced.customers),
        )
        .await?;
    state.metrics.count_sync("sales", true, received);
    Ok(web::Json(synced.counts.into()))
}
