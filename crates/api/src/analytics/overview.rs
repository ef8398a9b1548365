//! `GET /api/analytics/products`, `GET /api/analytics/segments` and
//! `POST /api/analytics/refresh`.

use super::dashboard::{SegmentCounts, TopProduct};
use crate::{ApiError, AppState, ReadErrors, WriteErrors};
use actix_web::web;
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::RfmSegment;
use crm_service::{ProductSort, ProductsRequest, SegmentReport, Service};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Which products: by popularity now, or by what they sold from `from` to `to`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductsQuery {
    /// 1-1000, default 50.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Rank by what sold from this store-local day (default with `to`: 29 days before it).
    #[param(value_type = Option<String>, format = Date, example = "2025-11-01")]
    #[serde(default, deserialize_with = "crate::extract::query_day")]
    pub from: Option<NaiveDate>,
    /// Rank by what sold up to this store-local day, included (default with `from`: today).
    #[param(value_type = Option<String>, format = Date, example = "2025-11-30")]
    #[serde(default, deserialize_with = "crate::extract::query_day")]
    pub to: Option<NaiveDate>,
    /// Rank what sold in a window by `units` (default) or `revenue`; alone, over the last 30 days.
    #[param(inline)]
    pub sort: Option<SortParam>,
}

/// What a window ranking orders by.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortParam {
    /// Units sold (then revenue).
    Units,
    /// Revenue (then units).
    Revenue,
}

/// Products by popularity, or by what they sold in a window.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductsResponse {
    /// Most popular first; with `from`/`to`, the most sold first.
    pub products: Vec<TopProduct>,
}

/// Product popularity
///
/// Products ranked by popularity (units and revenue decayed with a 14-day half-life,
/// scored 0-100), each with its own trend direction, as of the last refresh.
///
/// With `from`, `to` or `sort`: products ranked by what they sold over those store-local
/// days (at most 3,660; `to` defaults to today and `from` to 29 days before `to`), by
/// `units` or `revenue` (`sort`), read from the per-day product totals;
/// each line adds `units`, `revenue` and `sales` in the window, keeps its popularity now
/// (`score` 0 and `direction` flat when the last refresh did not rank it), and `rank` is its
/// place in the window. "What sold best in November?" is
/// `?from=2025-11-01&to=2025-11-30&sort=revenue`.
#[utoipa::path(
    get,
    path = "/api/analytics/products",
    tag = "analytics",
    params(ProductsQuery),
    responses((status = 200, description = "Products by popularity", body = ProductsResponse), ReadErrors)
)]
pub async fn get_products(
    state: web::Data<AppState>,
    query: crate::Query<ProductsQuery>,
) -> Result<web::Json<ProductsResponse>, ApiError> {
    let query = query.into_inner();
    if query.from.is_none() && query.to.is_none() && query.sort.is_none() {
        let limit = query.limit;
        let rows = state.read(move |service| service.popular_products(limit)).await?;
        return Ok(web::Json(ProductsResponse { products: rows.into_iter().map(TopProduct::from).collect() }));
    }
    let request = ProductsRequest {
        from: query.from,
        to: query.to,
        sort: match query.sort {
            Some(SortParam::Revenue) => ProductSort::Revenue,
            Some(SortParam::Units) | None => ProductSort::Units,
        },
        limit: query.limit,
    };
    let rows = state.read(move |service| service.products_sold(request)).await?;
    Ok(web::Json(ProductsResponse { products: rows.into_iter().map(TopProduct::from).collect() }))
}

/// Segment counts and the RFM grid.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SegmentsResponse {
    /// Customers per seed segment.
    pub segments: SegmentCounts,
    /// Customers per named RFM segment, largest first.
    pub rfm_segments: Vec<RfmSegmentCount>,
    /// Customers per (recency score, frequency score) cell.
    pub rfm_grid: Vec<RfmCell>,
    /// The day of the refresh these come from; absent before the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub as_of: Option<NaiveDate>,
}

/// Customers in one named RFM segment.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RfmSegmentCount {
    /// The name, such as `Champions`.
    #[schema(value_type = crate::openapi::labels::RfmSegment)]
    pub segment: RfmSegment,
    /// Customers.
    pub customers: i64,
}

/// Customers in one cell of the RFM grid.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RfmCell {
    /// Recency score 1-5.
    pub recency: i32,
    /// Frequency score 1-5.
    pub frequency: i32,
    /// Customers.
    pub customers: i64,
}

/// Customer segments
///
/// Customers per seed segment (`prospect`, `new`, `regular`, `vip`), per named RFM segment
/// and per cell of the recency-by-frequency grid, as of the last refresh.
#[utoipa::path(
    get,
    path = "/api/analytics/segments",
    tag = "analytics",
    responses((status = 200, description = "Segment counts", body = SegmentsResponse), ReadErrors)
)]
pub async fn get_segments(state: web::Data<AppState>) -> Result<web::Json<SegmentsResponse>, ApiError> {
    let report = state.read(Service::segments).await?;
    Ok(web::Json(report.into()))
}

impl From<SegmentReport> for SegmentsResponse {
    fn from(r: SegmentReport) -> Self {
        Self {
            segments: r.segments.into(),
            rfm_segments: r
                .rfm_segments
                .into_iter()
                .map(|(segment, customers)| RfmSegmentCount { segment, customers })
                .collect(),
            rfm_grid: r
                .rfm_grid
                .into_iter()
                .map(|(recency, frequency, customers)| RfmCell { recency, frequency, customers })
                .collect(),
            as_of: r.as_of,
        }
    }
}

/// What a refresh computed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsRunView {
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: DateTime<Utc>,
    /// The store-local day it computed for.
    pub as_of: NaiveDate,
    /// Customers scored.
    pub customers: i64,
    /// Products scored.
    pub products: i64,
    /// Product pairs kept for recommendations.
    pub pairs: i64,
}

impl From<crm_domain::AnalyticsRun> for AnalyticsRunView {
    fn from(r: crm_domain::AnalyticsRun) -> Self {
        Self {
            started_at: r.started_at,
            finished_at: r.finished_at,
            as_of: r.as_of,
            customers: r.customers,
            products: r.products,
            pairs: r.pairs,
        }
    }
}

/// When a refresh computes for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RefreshQuery {
    /// Compute as of the end of this store-local day instead of today: for history imported
    /// from an old system. The scheduled refreshes always use today and replace it.
    #[param(value_type = Option<String>, format = Date, example = "2011-12-10")]
    #[serde(default, deserialize_with = "crate::extract::query_day")]
    pub as_of: Option<NaiveDate>,
}

/// Refresh analytics now
///
/// Recomputes segments, RFM scores, product popularity and co-purchase pairs and answers
/// when they are stored. The server also refreshes on its own, on a schedule and shortly
/// after syncs; this is for operators and tests that need the results at once.
#[utoipa::path(
    post,
    path = "/api/analytics/refresh",
    tag = "analytics",
    params(RefreshQuery),
    responses((status = 200, description = "The refresh's summary", body = AnalyticsRunView), WriteErrors)
)]
pub async fn refresh_analytics(
    state: web::Data<AppState>,
    query: crate::Query<RefreshQuery>,
) -> Result<web::Json<AnalyticsRunView>, ApiError> {
    let (as_of, metrics) = (query.as_of, std::sync::Arc::clone(&state.metrics));
    // A stop does not wait for the refresh: it is cut short, and the next start refreshes.
    let refresh = state.block(move |service| {
        let started = std::time::Instant::now();
        let run = service.refresh(as_of);
        metrics.observe_refresh(started.elapsed());
        run
    });
    let run = state.until_stop(refresh).await?;
    Ok(web::Json(run.into()))
}
