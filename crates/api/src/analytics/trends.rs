//! `GET /api/analytics/trends`: revenue and sale counts per day, week or month.

use crate::{ApiError, AppState, ReadErrors};
use actix_web::web;
use chrono::{Days, NaiveDate, Utc};
use crm_analytics::{Granularity, bucket_days};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The longest range one request may cover, in days (ten years).
const MAX_RANGE_DAYS: i64 = 3_660;
/// The default window: the last 30 store-local days, today included.
const DEFAULT_DAYS: u64 = 30;

/// How to group days.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GranularityParam {
    /// One point per day.
    #[default]
    Day,
    /// One point per ISO week (Monday to Sunday).
    Week,
    /// One point per calendar month.
    Month,
}

impl From<GranularityParam> for Granularity {
    fn from(g: GranularityParam) -> Self {
        match g {
            GranularityParam::Day => Self::Day,
            GranularityParam::Week => Self::Week,
            GranularityParam::Month => Self::Month,
        }
    }
}

/// The range and grouping of a trends request.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendsQuery {
    /// First store-local day (default: 29 days before `to`).
    #[param(value_type = Option<String>, format = Date, example = "2025-09-01")]
    pub from: Option<NaiveDate>,
    /// Last store-local day, included (default: today in the store's time zone).
    #[param(value_type = Option<String>, format = Date, example = "2025-09-30")]
    pub to: Option<NaiveDate>,
    /// `day` (default), `week` or `month`.
    pub granularity: Option<GranularityParam>,
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
    pub granularity: GranularityParam,
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
    query: web::Query<TrendsQuery>,
) -> Result<web::Json<TrendsResponse>, ApiError> {
    let to = query.to.unwrap_or_else(|| state.zone.today(Utc::now()));
    let from = query.from.unwrap_or_else(|| to - Days::new(DEFAULT_DAYS - 1));
    if from > to {
        return Err(ApiError::BadRequest(format!("from ({from}) is after to ({to})")));
    }
    if (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(ApiError::BadRequest(format!("a range may cover at most {MAX_RANGE_DAYS} days")));
    }
    let granularity = query.granularity.unwrap_or_default();
    let span = u64::try_from((to - from).num_days() + 1).unwrap_or(1);
    let previous_from = from - Days::new(span);
    let days = state.read(move |conn| crm_storage::daily_sales(conn, previous_from, to)).await?;
    let daily = crm_analytics::fill_days(&days, previous_from, to);
    let (previous, current) = daily.split_at(usize::try_from(span).unwrap_or(0).min(daily.len()));
    let trend = super::trend_view(current, previous);
    let revenue: Vec<f64> = daily.iter().map(|d| d.revenue.to_decimal()).collect();
    let averages = crm_analytics::trend::moving_average(&revenue, 7);
    let current_averages = &averages[previous.len()..];
    let buckets = bucket_days(current, from, to, granularity.into());
    let points: Vec<TrendPoint> = buckets
        .iter()
        .zip(0..)
        .map(|(b, i)| TrendPoint {
            revenue_moving_average7: match granularity {
                GranularityParam::Day => {
                    current_averages.get(i).copied().flatten().map(|a| (a * 100.0).round() / 100.0)
                }
                GranularityParam::Week | GranularityParam::Month => None,
            },
            period: b.start,
            days: b.days,
            revenue: b.totals.revenue.to_decimal(),
            sales_count: b.totals.sale_count,
            units: b.totals.units,
            refund_count: b.totals.refund_count,
            refunded_amount: b.totals.refunded.to_decimal(),
        })
        .collect();
    let sum = |f: fn(&crm_domain::DaySales) -> i64| buckets.iter().map(|b| f(&b.totals)).sum::<i64>();
    let totals = TrendTotals {
        revenue: crm_domain::Money::from_cents(sum(|t| t.revenue.cents())).to_decimal(),
        sales_count: sum(|t| t.sale_count),
        units: sum(|t| t.units),
        refund_count: sum(|t| t.refund_count),
        refunded_amount: crm_domain::Money::from_cents(sum(|t| t.refunded.cents())).to_decimal(),
    };
    Ok(web::Json(TrendsResponse {
        from,
        to,
        granularity,
        time_zone: state.zone.name().to_owned(),
        points,
        totals,
        trend,
    }))
}
