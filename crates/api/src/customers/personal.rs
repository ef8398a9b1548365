//! A customer's personal data: `GET /api/customers/{id}/export` (an access request) and
//! `DELETE /api/customers/{id}` (erasure).

use super::CustomerInsightsResponse;
use crate::{ApiError, AppState, ReadErrors, WriteErrors};
use actix_web::{HttpResponse, web};
use chrono::{DateTime, SecondsFormat, Utc};
use crm_service::{CustomerData, CustomerRecord, SaleLineRecord, SaleRecord};
use serde::Serialize;
use utoipa::ToSchema;

/// Everything the store holds about one customer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerDataResponse {
    /// When this export was made (RFC 3339, UTC).
    pub exported_at: String,
    /// The profile as the POS sent it, with the manual tags.
    pub customer: CustomerRecordView,
    /// What the analytics derived about the customer: the checkout card.
    pub insights: CustomerInsightsResponse,
    /// Every sale of the customer with its lines, by id.
    pub sales: Vec<SaleRecordView>,
}

/// A customer's profile as stored; absent fields were never given (or were erased).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRecordView {
    /// The POS's customer id.
    pub id: i64,
    /// Name.
    pub name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// When the POS created the customer (RFC 3339, UTC).
    pub created_at: Option<String>,
    /// Manual purpose tags, sorted.
    pub tags: Vec<String>,
    /// When the customer's personal data was erased (RFC 3339, UTC); null if it was not.
    pub erased_at: Option<String>,
}

/// A sale as stored.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SaleRecordView {
    /// The POS's sale id.
    pub id: i64,
    /// Receipt total.
    pub total_amount: f64,
    /// When it was made (RFC 3339, UTC).
    pub created_at: String,
    /// `completed`, `refunded` or `voided`.
    pub status: String,
    /// Store or till.
    pub store_id: Option<String>,
    /// How it was paid.
    pub payment_method: Option<String>,
    /// Its lines, in order.
    pub items: Vec<SaleLineView>,
}

/// A sale line as stored.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SaleLineView {
    /// Product code.
    pub product_id: String,
    /// Name on the receipt.
    pub product_name: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Units.
    pub quantity: i64,
    /// Price of one unit.
    pub unit_price: f64,
}

/// A customer's data (access request)
///
/// Everything the store holds about one customer, as one JSON document for a subject
/// access request: the profile and manual tags as the POS sent them, the insight card (what
/// the analytics derived: segment, RFM, preferences, churn risk, value), and every sale with
/// its lines. An erased customer's document has no personal fields and says when it was
/// erased.
#[utoipa::path(
    get,
    path = "/api/customers/{id}/export",
    tag = "customers",
    params(("id" = i64, Path, description = "The POS's customer id", minimum = 1, maximum = 9_007_199_254_740_991_i64)),
    responses(
        (status = 200, description = "The customer's data", body = CustomerDataResponse),
        (status = 404, description = "No such customer", body = crate::Problem, content_type = "application/problem+json"),
        ReadErrors,
    )
)]
pub async fn export_customer(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let customer = crate::extract::customer_id(id.into_inner())?;
    let data = state.read(move |service| service.customer_data(customer)).await?;
    let file = format!("attachment; filename=\"customer-{customer}.json\"");
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CONTENT_DISPOSITION, file))
        .json(CustomerDataResponse::from(data)))
}

/// Erase a customer's personal data
///
/// Removes the customer's name, phone, e-mail, address, notes, creation time and manual
/// tags for good, and drops its prepared card. The sales stay under the now anonymous id,
/// so the shop's figures (revenue, trends, products) do not change, and later syncs of the
/// id store none of its fields (they count it `unchanged`). Backups made before hold the
/// data still (docs/operations.md).
#[utoipa::path(
    delete,
    path = "/api/customers/{id}",
    tag = "customers",
    params(("id" = i64, Path, description = "The POS's customer id", minimum = 1, maximum = 9_007_199_254_740_991_i64)),
    responses(
        (status = 204, description = "Erased"),
        (status = 404, description = "No such customer", body = crate::Problem, content_type = "application/problem+json"),
        WriteErrors,
    )
)]
pub async fn erase_customer(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let customer = crate::extract::customer_id(id.into_inner())?;
    state.write(move |service| service.erase_customer(customer)).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

impl From<CustomerData> for CustomerDataResponse {
    fn from(data: CustomerData) -> Self {
        let CustomerRecord { id, name, phone, email, address, notes, created_at, tags, erased_at } = data.customer;
        Self {
            exported_at: rfc3339(Utc::now()),
            customer: CustomerRecordView {
                id: id.get(),
                name,
                phone,
                email,
                address,
                notes,
                created_at: created_at.map(rfc3339),
                tags,
                erased_at: erased_at.map(rfc3339),
            },
            insights: data.card.into(),
            sales: data.sales.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<SaleRecord> for SaleRecordView {
    fn from(sale: SaleRecord) -> Self {
        Self {
            id: sale.id,
            total_amount: sale.total.to_decimal(),
            created_at: rfc3339(sale.created_at),
            status: sale.status,
            store_id: sale.store_id,
            payment_method: sale.payment_method,
            items: sale.lines.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<SaleLineRecord> for SaleLineView {
    fn from(line: SaleLineRecord) -> Self {
        Self {
            product_id: line.product_id,
            product_name: line.product_name,
            category: line.category,
            quantity: line.quantity,
            unit_price: line.unit_price.to_decimal(),
        }
    }
}
