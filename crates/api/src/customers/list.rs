//! `GET /api/customers`: search and filter customers, with cursor pagination.

use super::SegmentName;
use crate::{ApiError, AppState, ReadErrors};
use actix_web::web;
use chrono::NaiveDate;
use crm_domain::Money;
use crm_storage::reads::{self, CustomerFilter, CustomerProfile};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Default and largest page sizes.
const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 500;

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListCustomersQuery {
    /// Only this segment.
    pub segment: Option<SegmentName>,
    /// Only customers with this purpose tag.
    pub tag: Option<String>,
    /// Text found in name, phone or e-mail.
    pub q: Option<String>,
    /// Page size, 1-500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `nextCursor` of the previous page (digits; empty for the first page).
    #[param(pattern = "^[0-9]{0,30}$")]
    pub cursor: Option<String>,
}

/// One page of customers, by id.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerListResponse {
    /// The customers of this page.
    pub customers: Vec<CustomerSummaryView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next_cursor: Option<String>,
}

/// A customer in a list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerSummaryView {
    /// The POS's customer id.
    pub id: i64,
    /// Name (absent while known only from sales).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// Phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub email: Option<String>,
    /// Segment from the last refresh (absent for customers synced since).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub segment: Option<SegmentName>,
    /// Named RFM segment from the last refresh.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub rfm_segment: Option<String>,
    /// Completed purchases (as of the last refresh).
    pub visit_count: i64,
    /// Spent on completed purchases (as of the last refresh).
    pub total_spent: f64,
    /// Last completed purchase (as of the last refresh).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_purchase: Option<NaiveDate>,
}

impl From<CustomerProfile> for CustomerSummaryView {
    fn from(p: CustomerProfile) -> Self {
        let a = p.analytics;
        Self {
            id: p.id,
            name: p.name,
            phone: p.phone,
            email: p.email,
            segment: a.as_ref().and_then(|a| crm_analytics::segments::Segment::from_name(&a.segment)).map(Into::into),
            rfm_segment: a.as_ref().and_then(|a| a.rfm_segment.clone()),
            visit_count: a.as_ref().map_or(0, |a| a.visits),
            total_spent: Money::from_cents(a.as_ref().map_or(0, |a| a.total_spent_cents)).to_decimal(),
            last_purchase: a.and_then(|a| a.last_purchase),
        }
    }
}

/// The id a cursor points after: its digits (as `nextCursor` gives them); a number past the
/// largest id points after every customer.
fn read_cursor(cursor: &str) -> Result<i64, ApiError> {
    let digits = cursor.len() <= 30 && cursor.bytes().all(|b| b.is_ascii_digit());
    let value = digits.then(|| cursor.parse::<u128>().ok()).flatten();
    value
        .map(|v| i64::try_from(v).unwrap_or(i64::MAX))
        .ok_or_else(|| ApiError::BadRequest(format!("cursor {cursor:?} is not one this API gave: a cursor is digits")))
}

/// List customers
///
/// Filters combine (segment and tag and text). Results are ordered by id; follow
/// `nextCursor` for the next page. Segment and totals are those of the last analytics
/// refresh.
#[utoipa::path(
    get,
    path = "/api/customers",
    tag = "customers",
    params(ListCustomersQuery),
    responses((status = 200, description = "A page of customers", body = CustomerListResponse), ReadErrors)
)]
pub async fn list_customers(
    state: web::Data<AppState>,
    query: web::Query<ListCustomersQuery>,
) -> Result<web::Json<CustomerListResponse>, ApiError> {
    let query = query.into_inner();
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!("limit must be between 1 and {MAX_LIMIT}, got {limit}")));
    }
    let after_id = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(cursor) => Some(read_cursor(cursor)?),
    };
    let filter = CustomerFilter {
        segment: query.segment.map(|s| s.as_str().to_owned()),
        tag: query.tag.filter(|t| !t.trim().is_empty()).map(|t| t.trim().to_lowercase()),
        text: query.q.filter(|q| !q.trim().is_empty()).map(|q| q.trim().to_owned()),
        after_id,
        limit: limit + 1,
    };
    let mut page = state.read(move |conn| reads::list_customers(conn, &filter)).await?;
    let has_more = page.len() as i64 > limit;
    page.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = has_more.then(|| page.last().map(|c| c.id.to_string())).flatten();
    Ok(web::Json(CustomerListResponse { customers: page.into_iter().map(Into::into).collect(), next_cursor }))
}
