//! The analytics read endpoints under `/api/analytics`, and the refresh trigger.

pub(crate) mod dashboard;
pub(crate) mod forecast;
pub(crate) mod overview;
pub(crate) mod reorder;
pub(crate) mod trends;
pub(crate) mod value;

pub use dashboard::{
    CustomerStats, DailyPoint, DashboardQuery, DashboardResponse, ReorderSummaryView, SegmentCounts, TopProduct,
    WindowTotals, get_dashboard,
};
pub use forecast::{
    AccuracyQuery, AccuracyView, Estimate, EventAdjustment, ForecastAccuracyResponse, ForecastDay, ForecastQuery,
    ForecastResponse, get_forecast, get_forecast_accuracy,
};
pub use overview::{
    AnalyticsRunView, ProductsQuery, ProductsResponse, RefreshQuery, RfmCell, RfmSegmentCount, SegmentsResponse,
    SortParam, get_products, get_segments, refresh_analytics,
};
pub use reorder::{
    MAX_REORDER_LIMIT, PolicyView, ReorderLine, ReorderQuery, ReorderResponse, ReorderSummary, get_reorder,
};
pub use trends::{TrendPoint, TrendTotals, TrendsQuery, TrendsResponse, get_trends};
pub use value::{
    BgNbdView, CalibrationView, CalibrationWeekView, CustomerValueResponse, CustomerValueView, DecileView, FitView,
    GammaGammaView, SlippingView, ValueQuery, get_customer_value, get_customer_value_report,
};

use crm_domain::Direction;
use crm_service::TrendSummary;
use serde::Serialize;
use utoipa::ToSchema;

/// Where revenue is heading.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrendView {
    /// `up` or `down` when the least-squares slope of daily revenue is significant at
    /// 95% (t-test), else `flat`.
    #[schema(value_type = crate::openapi::labels::Direction)]
    pub direction: Direction,
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

impl From<TrendSummary> for TrendView {
    fn from(t: TrendSummary) -> Self {
        Self {
            direction: t.direction,
            slope_per_day: t.slope_per_day,
            revenue: t.revenue.to_decimal(),
            previous_revenue: t.previous_revenue.to_decimal(),
            change_percent: t.change_percent,
        }
    }
}
