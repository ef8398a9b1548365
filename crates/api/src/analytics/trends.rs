//! `GET /api/analytics/trends`: revenue and sale counts per day, week or month.

use crate::{ApiError, AppState, ReadErrors};
use actix_web::web;
use chrono::NaiveDate;
use crm_domain::{DaySales, Granularity};
use crm_service::{TrendRequest, TrendSeries};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The range and grouping of a trends request.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendsQuery {
    /// First store-local day (default: 29 days before `to`).
    #[param(value_type = Option<String>, format = Date, example = "2025-09-01")]
    #[serde(default, deserialize_with = "crate::extract::query_day")]
    pub from: Option<NaiveDate>,
    /// Last store-local day, included (default: today in the store's time zone).
    #[param(value_type = Option<String>, format = Date, example = "2025-09-30")]
    #[serde(default, deserialize_with = "crate::extract::query_day")]
    pub to: Option<NaiveDate>,
    /// `day` (default), `week` or `month`.
    #[param(value_type = Option<crate::openapi::labels::Granularity>)]
    pub granularity: Option<Granularity>,
}

/// Sales per period.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrendsResponse {
    /// First day covered.
    pub from: NaiveDate,
    /// Last day covered.
    pub to: NaiveDate,
    /// How days are grouped.
    #[schema(value_type = crate::openapi::labels::Granularity)]
    pub granularity: Granularity,
    /// The store's IANA time zone, which decides each sale's day.
    pub time_zone: String,
    /// One point per period, oldest first, periods without sales included as zeros.
    pub points: Vec<TrendPoint>,
    /// Sums over the whole range.
    pub totals: TrendTotals,
    /// Direction of daily revenue over the range, and change against the range of equal
    /// length just before it.
    pub trend: super::TrendView,
}

/// The sales of one period.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrendPoint {
    /// First day of the period (a Monday for weeks, the 1st for months); may precede `from`.
    pub period: NaiveDate,
    /// Days of the period inside the range (edge periods may be partial).
    pub days: u32,
    /// Revenue of completed sales.
    #[schema(example = 150.00)]
    pub revenue: f64,
    /// Completed sales.
    pub sales_count: i64,
    /// Units sold on completed sales' lines.
    pub units: i64,
    /// Refunded sales.
    pub refund_count: i64,
    /// Value of refunded sales.
    pub refunded_amount: f64,
    /// For daily points: the mean revenue of this day and the six before it, rounded to the
    /// cent. Days before `from` count too (as far back as the range is long), so in a
    /// range of 7 days or more every point has one. Absent for weeks and months.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub revenue_moving_average7: Option<f64>,
}

/// Sums over a range.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrendTotals {
    /// Revenue of completed sales.
    pub revenue: f64,
    /// Completed sales.
    pub sales_count: i64,
    /// Units sold.
    pub units: i64,
    /// Refunded sales.
    pub refund_count: i64,
    /// Value of refunded sales.
    pub refunded_amount: f64,
}

/// Sales trends
///
/// Revenue, sale count, units and refunds per day, ISO week or month over a range of
/// store-local days (default: the last 30 days). Periods without sales are zeros, so the
/// series has no gaps. Reads pre-aggregated daily totals: the cost grows with the days
/// shown, not with the sales stored.
///
/// Rules beyond the schema: `from` is not after `to`, and a range spans at most 3,660 days.
#[utoipa::path(
    get,
    path = "/api/analytics/trends",
    tag = "analytics",
    params(TrendsQuery),
    responses(
        (status = 200, description = "The series", body = TrendsResponse),
        ReadErrors,
    )
)]
pub async fn get_trends(
    state: web::Data<AppState>,
    query: crate::Query<TrendsQuery>,
) -> Result<web::Json<TrendsResponse>, ApiError> {
    let request = TrendRequest { from: query.from, to: query.to, granularity: query.granularity.unwrap_or_default() };
    let series = state.read(move |service| service.trends(request)).await?;
    Ok(web::Json(TrendsResponse::new(series, state.service.zone().name())))
}

impl TrendsResponse {
    fn new(series: TrendSeries, time_zone: &str) -> Self {
        Self {
            from: series.from,
            to: series.to,
            granularity: series.granularity,
            time_zone: time_zone.to_owned(),
            points: series.points.into_iter().map(Into::into).collect(),
            totals: series.totals.into(),
            trend: series.trend.into(),
        }
    }
}

impl From<crm_service::TrendPoint> for TrendPoint {
    fn from(p: crm_service::TrendPoint) -> Self {
        Self {
            period: p.period,
            days: p.days,
            revenue: p.totals.revenue.to_decimal(),
            sales_count: p.totals.sale_count,
            units: p.totals.units,
            refund_count: p.totals.refund_count,
            refunded_amount: p.totals.refunded.to_decimal(),
            revenue_moving_average7: p.revenue_moving_average7,
        }
    }
}

impl From<DaySales> for TrendTotals {
    fn from(t: DaySales) -> Self {
        Self {
            revenue: t.revenue.to_decimal(),
            sales_count: t.sale_count,
            units: t.units,
            refund_count: t.refund_count,
            refunded_amount: t.refunded.to_decimal(),
        }
    }
}
