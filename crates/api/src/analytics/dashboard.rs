//! `GET /api/analytics/dashboard`: everything the manager's dashboard shows, in one call.

use super::TrendView;
use crate::calendar::CalendarEventView;
use crate::{ApiError, AppState, ReadErrors};
use actix_web::web;
use chrono::NaiveDate;
use crm_domain::Direction;
use crm_service::{Dashboard, DashboardRequest, average_basket};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The dashboard's window: the last `days` days up to `to`, or `from` to `to`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// Days of sales shown, ending `to` (1-365, default 30); not with `from`.
    #[param(minimum = 1, maximum = 365)]
    pub days: Option<u32>,
    /// First store-local day of a custom window (at most 365 days, `to` included).
    #[param(value_type = Option<String>, format = Date, example = "2025-11-01")]
    #[serde(default, deserialize_with = "crate::extract::query_day")]
    pub from: Option<NaiveDate>,
    /// Last store-local day of the window, included (default: today).
    #[param(value_type = Option<String>, format = Date, example = "2025-11-30")]
    #[serde(default, deserialize_with = "crate::extract::query_day")]
    pub to: Option<NaiveDate>,
}

/// The dashboard.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardResponse {
    /// The window's first day.
    pub from: NaiveDate,
    /// The window's last day (today in the store's time zone, unless `to` says otherwise).
    pub as_of: NaiveDate,
    /// Days in the window.
    pub days: u32,
    /// The store's IANA time zone.
    pub time_zone: String,
    /// The store's currency, ISO 4217 (`CRM_CURRENCY`): every amount is in it.
    #[schema(example = "EUR")]
    pub currency: String,
    /// Customer counts.
    pub customer_stats: CustomerStats,
    /// One point per day of the window, oldest first, days without sales as zeros.
    pub sales_trend: Vec<DailyPoint>,
    /// Direction of daily revenue over the window, and change against the previous window.
    pub trend: TrendView,
    /// The window's key figures beside the previous window's.
    pub totals: WindowTotals,
    /// The most popular products (as of the last refresh).
    pub top_products: Vec<TopProduct>,
    /// Calendar events in the next 30 days.
    pub upcoming_events: Vec<CalendarEventView>,
    /// Products to order now (`GET /api/analytics/reorder` has the whole list).
    pub reorder: ReorderSummaryView,
}

/// What the reorder list says, in short.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReorderSummaryView {
    /// Products at or below their reorder point.
    pub order_now: usize,
    /// Cost of those orders whose unit cost is known.
    pub order_cost: f64,
    /// The most urgent of them (fewest days of cover first), at most 5.
    pub most_urgent: Vec<super::ReorderLine>,
}

/// Revenue, completed sales and the average basket of the window and of the window of equal
/// length before it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WindowTotals {
    /// Revenue of completed sales.
    pub revenue: f64,
    /// Completed sales.
    pub sales_count: i64,
    /// Revenue per completed sale, rounded to the cent; absent without sales.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub average_basket: Option<f64>,
    /// The previous window's revenue.
    pub previous_revenue: f64,
    /// The previous window's completed sales.
    pub previous_sales_count: i64,
    /// The previous window's average basket; absent without sales.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub previous_average_basket: Option<f64>,
}

/// Customer counts.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerStats {
    /// Customers stored (placeholders included).
    pub total: i64,
    /// Customers per segment, as of the last refresh.
    pub by_segment: SegmentCounts,
    /// Customers with a completed purchase within the window (as of the last refresh).
    pub active_in_window: i64,
    /// The day of the last analytics refresh; absent before the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub analytics_as_of: Option<NaiveDate>,
}

/// Customers per segment.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SegmentCounts {
    /// No purchase yet.
    pub prospect: i64,
    /// First purchase recently.
    pub new: i64,
    /// Everyone else with purchases.
    pub regular: i64,
    /// Top spenders.
    pub vip: i64,
}

impl From<crm_service::SegmentCounts> for SegmentCounts {
    fn from(c: crm_service::SegmentCounts) -> Self {
        Self { prospect: c.prospect, new: c.new, regular: c.regular, vip: c.vip }
    }
}

/// One day's sales.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DailyPoint {
    /// The store-local day.
    pub date: NaiveDate,
    /// Revenue of completed sales.
    pub revenue: f64,
    /// Completed sales.
    pub sales_count: i64,
}

/// A popular product.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TopProduct {
    /// Product code.
    pub product_id: String,
    /// Name.
    pub name: String,
    /// Category.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub category: Option<String>,
    /// Popularity 0-100.
    pub score: f64,
    /// 1 = most popular.
    pub rank: i32,
    /// `up`, `down` or `flat`: the product's daily units over the last 28 days.
    #[schema(value_type = crate::openapi::labels::Direction)]
    pub direction: Direction,
    /// Units sold in the last 28 days.
    pub recent_units: i64,
    /// With `from`/`to`: units sold in the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub units: Option<i64>,
    /// With `from`/`to`: revenue of its lines in the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub revenue: Option<f64>,
    /// With `from`/`to`: completed sales with the product in the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub sales: Option<i64>,
}

impl From<crm_domain::PopularProduct> for TopProduct {
    fn from(crm_domain::PopularProduct { trend: t, name, category }: crm_domain::PopularProduct) -> Self {
        Self {
            product_id: t.product_id.into_string(),
            name,
            category,
            score: t.popularity_score,
            rank: t.popularity_rank,
            direction: t.trend_direction,
            recent_units: t.recent_units,
            units: None,
            revenue: None,
            sales: None,
        }
    }
}

impl From<crm_service::ProductSold> for TopProduct {
    fn from(p: crm_service::ProductSold) -> Self {
        let popularity = p.popularity.as_ref();
        Self {
            product_id: p.product_id.into_string(),
            name: p.name,
            category: p.category,
            score: popularity.map_or(0.0, |t| t.popularity_score),
            rank: i32::try_from(p.rank).unwrap_or(i32::MAX),
            direction: popularity.map_or(Direction::Flat, |t| t.trend_direction),
            recent_units: popularity.map_or(0, |t| t.recent_units),
            units: Some(p.units),
            revenue: Some(p.revenue.to_decimal()),
            sales: Some(p.sales),
        }
    }
}

/// Dashboard
///
/// Customer statistics, daily revenue and sale counts over the window, the trend direction
/// and the totals against the previous window of equal length, top products, upcoming
/// events and the reorder summary. The window is the last `days` (1-365, default 30) up to
/// `to` (default today), or `from` to `to`; `days` and `from` together are refused (400),
/// as are `from` after `to` and a window longer than 365 days. Reads per-day aggregates and the last refresh's results: its cost grows with
/// the days shown, not with the sales stored.
#[utoipa::path(
    get,
    path = "/api/analytics/dashboard",
    tag = "analytics",
    params(DashboardQuery),
    responses((status = 200, description = "The dashboard", body = DashboardResponse), ReadErrors)
)]
pub async fn get_dashboard(
    state: web::Data<AppState>,
    query: crate::Query<DashboardQuery>,
) -> Result<web::Json<DashboardResponse>, ApiError> {
    let request = DashboardRequest { days: query.days, from: query.from, to: query.to };
    let dashboard = state.read(move |service| service.dashboard(request)).await?;
    Ok(web::Json(DashboardResponse::new(dashboard, state.service.zone().name(), &state.currency)))
}

impl DashboardResponse {
    fn new(d: Dashboard, time_zone: &str, currency: &str) -> Self {
        Self {
            from: d.from,
            as_of: d.as_of,
            days: d.days,
            time_zone: time_zone.to_owned(),
            currency: currency.to_owned(),
            customer_stats: CustomerStats {
                total: d.customers,
                by_segment: d.by_segment.into(),
                active_in_window: d.active_in_window,
                analytics_as_of: d.analytics_as_of,
            },
            sales_trend: d
                .sales
                .iter()
                .map(|day| DailyPoint {
                    date: day.date,
                    revenue: day.revenue.to_decimal(),
                    sales_count: day.sale_count,
                })
                .collect(),
            totals: WindowTotals {
                revenue: d.trend.revenue.to_decimal(),
                sales_count: d.sale_count(),
                average_basket: average_basket(d.trend.revenue, d.sale_count()).map(|m| m.to_decimal()),
                previous_revenue: d.trend.previous_revenue.to_decimal(),
                previous_sales_count: d.previous_sale_count,
                previous_average_basket: average_basket(d.trend.previous_revenue, d.previous_sale_count)
                    .map(|m| m.to_decimal()),
            },
            trend: d.trend.into(),
            top_products: d.top_products.into_iter().map(TopProduct::from).collect(),
            upcoming_events: d.upcoming_events.into_iter().map(Into::into).collect(),
            reorder: ReorderSummaryView {
                order_now: d.reorder.order_now,
                order_cost: d.reorder.order_cost.to_decimal(),
                most_urgent: d.reorder.most_urgent.iter().map(super::reorder::line).collect(),
            },
        }
    }
}
