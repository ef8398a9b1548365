//! The analytics read endpoints under `/api/analytics`, and the refresh trigger.

pub(crate) mod dashboard;
pub(crate) mod overview;
pub(crate) mod trends;

pub use dashboard::{
    CustomerStats, DailyPoint, DashboardQuery, DashboardResponse, SegmentCounts, TopProduct, get_dashboard,
};
pub use overview::{
    AnalyticsRunView, ProductsQuery, ProductsResponse, RefreshQuery, RfmCell, RfmSegmentCount, SegmentsResponse,
    get_products, get_segments, refresh_analytics,
};
pub use trends::{GranularityParam, TrendPoint, TrendTotals, TrendsQuery, TrendsResponse, get_trends};

use crm_analytics::trend::{linear_trend, percent_change};
use crm_domain::DaySales;
use serde::Serialize;
use utoipa::ToSchema;

/// Where revenue is heading.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrendView {
    /// `up` or `down` when the least-squares slope of daily revenue is significant at
    /// 95% (t-test), else `flat`.
    pub direction: String,
    /// Fitted change of daily revenue per day.
    pub slope_per_day: f64,
    /// Revenue of the window.
    pub revenue: f64,
    /// Revenue of the window of equal length just before.
    pub previous_revenue: f64,
    /// Change against the previous window, in percent; absent when that window had none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub change_percent: Option<f64>,
}

/// The trend of `current` days' revenue, compared with the `previous` days.
pub(crate) fn trend_view(current: &[DaySales], previous: &[DaySales]) -> TrendView {
    let daily: Vec<f64> = current.iter().map(|d| d.revenue.to_decimal()).collect();
    let fitted = linear_trend(&daily);
    let revenue: i64 = current.iter().map(|d| d.revenue.cents()).sum();
    let previous_revenue: i64 = previous.iter().map(|d| d.revenue.cents()).sum();
    TrendView {
        direction: fitted.map_or(crm_analytics::trend::Direction::Flat, |t| t.direction).as_str().to_owned(),
        slope_per_day: fitted.map_or(0.0, |t| t.slope),
        revenue: crm_domain::Money::from_cents(revenue).to_decimal(),
        previous_revenue: crm_domain::Money::from_cents(previous_revenue).to_decimal(),
        change_percent: percent_change(revenue as f64, previous_revenue as f64),
    }
}
