//! `GET /api/customers`: search and filter customers, with cursor pagination.

use crate::{ApiError, AppState, ReadErrors};
use actix_web::web;
use chrono::NaiveDate;
use crm_domain::CustomerProfile;
use crm_domain::{Money, RfmSegment, Segment};
use crm_service::{CustomerPage, CustomerQuery, CustomerSort};
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
    /// The `nextCursor` of the previous page, given with the same `sort` (empty for the
    /// first page).
    #[param(pattern = "^[0-9]{0,30}(_[0-9]{1,30})?$")]
    pub cursor: Option<String>,
    /// The order: `id` (default); `value`, highest expected value first; `pAlive`, lowest
    /// P(alive) first (the customers most likely lost). `value` and `pAlive` list only the
    /// customers the last refresh could value (with a purchase, once the model is fitted).
    #[param(inline)]
    pub sort: Option<CustomerSortParam>,
}

/// The order of the customer list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum CustomerSortParam {
    /// By id.
    #[serde(rename = "id")]
    Id,
    /// Highest expected value first.
    #[serde(rename = "value")]
    Value,
    /// Lowest P(alive) first.
    #[serde(rename = "pAlive")]
    PAlive,
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
    /// Probability the customer is still buying (as of the last refresh).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0, maximum = 1)]
    pub p_alive: Option<f64>,
    /// Spend expected over the next year (as of the last refresh).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0)]
    pub expected_value: Option<f64>,
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
            last_purchase: a.as_ref().and_then(|a| a.last_purchase),
            p_alive: a.as_ref().and_then(|a| a.value).map(|v| super::insights::round_probability(v.p_alive)),
            expected_value: a
                .and_then(|a| a.value)
                .and_then(|v| v.expected_value_cents)
                .map(|c| Money::from_cents(c).to_decimal()),
        }
    }
}

/// List customers
///
/// Filters combine (segment and tag and text). Results are ordered by id, or by expected
/// value or P(alive) (`sort`); follow `nextCursor` for the next page. Segment, totals and
/// value are those of the last analytics refresh.
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
        sort: match query.sort {
            None | Some(CustomerSortParam::Id) => CustomerSort::Id,
            Some(CustomerSortParam::Value) => CustomerSort::Value,
            Some(CustomerSortParam::PAlive) => CustomerSort::PAlive,
        },
    };
    let page = state.read(move |service| service.list_customers(query)).await?;
    Ok(web::Json(page.into()))
}

impl From<CustomerPage> for CustomerListResponse {
    fn from(page: CustomerPage) -> Self {
        Self { customers: page.customers.into_iter().map(Into::into).collect(), next_cursor: page.next_cursor }
    }
}
