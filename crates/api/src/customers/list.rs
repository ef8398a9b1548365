//! `GET /api/customers`: search and filter customers, with cursor pagination.

use crate::{ApiError, AppState, ReadErrors};
use actix_web::web;
use chrono::NaiveDate;
use crm_domain::CustomerProfile;
use crm_domain::{Money, RfmSegment, Segment};
use crm_service::{CustomerPage, CustomerQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListCustomersQuery {
    /// Only this segment.
    #[param(value_type = Option<crate::openapi::labels::Segment>)]
    pub segment: Option<Segment>,
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
    #[schema(value_type = Option<crate::openapi::labels::Segment>, nullable = false)]
    pub segment: Option<Segment>,
    /// Named RFM segment from the last refresh.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::openapi::labels::RfmSegment>, nullable = false)]
    pub rfm_segment: Option<RfmSegment>,
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
            id: p.id.get(),
            name: p.name,
            phone: p.phone,
            email: p.email,
            segment: a.as_ref().map(|a| a.segment),
            rfm_segment: a.as_ref().and_then(|a| a.rfm_segment),
            visit_count: a.as_ref().map_or(0, |a| a.visits),
            total_spent: Money::from_cents(a.as_ref().map_or(0, |a| a.total_spent_cents)).to_decimal(),
            last_purchase: a.and_then(|a| a.last_purchase),
        }
    }
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
    query: crate::Query<ListCustomersQuery>,
) -> Result<web::Json<CustomerListResponse>, ApiError> {
    let query = query.into_inner();
    let query = CustomerQuery {
        segment: query.segment,
        tag: query.tag,
        text: query.q,
        limit: query.limit,
        cursor: query.cursor,
    };
    let page = state.read(move |service| service.list_customers(query)).await?;
    Ok(web::Json(page.into()))
}

impl From<CustomerPage> for CustomerListResponse {
    fn from(page: CustomerPage) -> Self {
        Self { customers: page.customers.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor }
    }
}
