//! `GET /api/analytics/dashboard`: everything the manager's dashboard shows, in one call.

use super::{TrendView, trend_view};
use crate::calendar::CalendarEventView;
use crate::customers::SegmentName;
use crate::{ApiError, AppState, ReadErrors};
use actix_web::web;
use chrono::{Days, NaiveDate, Utc};
use crm_analytics::fill_days;
use crm_storage::reads;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Products listed under `topProducts`.
const TOP_PRODUCTS: i64 = 10;
/// Days ahead covered by `upcomingEvents`.
const EVENT_DAYS: u64 = 30;

/// The dashboard's window.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// Days of sales shown, ending today (1-365, default 30).
    #[param(minimum = 1, maximum = 365)]
    pub days: Option<u32>,
}

/// The dashboard.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardResponse {
    /// Today in the store's time zone: the window's last day.
    pub as_of: NaiveDate,
    /// Days in the window.
    pub days: u32,
    /// The store's IANA time zone.
    pub time_zone: String,
    /// Customer counts.
    pub customer_stats: CustomerStats,
    /// One point per day of the window, oldest first, days without sales as zeros.
    pub sales_trend: Vec<DailyPoint>,
    /// Direction of daily revenue over the window, and change against the previous window.
    pub trend: TrendView,
    /// The most popular products (as of the last refresh).
    pub top_products: Vec<TopProduct>,
    /// Calendar events in the next 30 days.
    pub upcoming_events: Vec<CalendarEventView>,
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

impl SegmentCounts {
    pub(crate) fn from_rows(rows: &[(String, i64)]) -> Self {
        let mut counts = Self::default();
        for (name, n) in rows {
            match crm_analytics::segments::Segment::from_name(name).map(SegmentName::from) {
                Some(SegmentName::Prospect) => counts.prospect += n,
                Some(SegmentName::New) => counts.new += n,
                Some(SegmentName::Regular) => counts.regular += n,
                Some(SegmentName::Vip) => counts.vip += n,
                None => {}
            }
        }
        counts
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
    pub direction: String,
    /// Units sold in the last 28 days.
    pub recent_units: i64,
}

impl From<(crm_storage::ProductTrendRow, String, Option<String>)> for TopProduct {
    fn from((t, name, category): (crm_storage::ProductTrendRow, String, Option<String>)) -> Self {
        Self {
            product_id: t.product_id,
            name,
            category,
            score: t.popularity_score,
            rank: t.popularity_rank,
            direction: t.trend_direction,
            recent_units: t.recent_units,
        }
    }
}

/// Dashboard
///
/// Customer statistics, daily revenue and sale counts over the window (default 30 days),
/// the trend direction and change against the previous window, top products and upcoming
/// events. Reads per-day aggregates and the last refresh's results: its cost grows with
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
    query: web::Query<DashboardQuery>,
) -> Result<web::Json<DashboardResponse>, ApiError> {
    let days = query.days.unwrap_or(30);
    if !(1..=365).contains(&days) {
        return Err(ApiError::BadRequest(format!("days must be between 1 and 365, got {days}")));
    }
    let today = state.zone.today(Utc::now());
    let from = today - Days::new(u64::from(days) - 1);
    let previous_from = from - Days::new(u64::from(days));
    let zone = state.zone.name().to_owned();
    let response = state
        .read(move |conn| {
            let window = fill_days(&crm_storage::daily_sales(conn, previous_from, today)?, previous_from, today);
            let (previous, current) = window.split_at(days as usize);
            let total = crm_storage::table_counts(conn)?.customers;
            let by_segment = SegmentCounts::from_rows(&reads::segment_counts(conn)?);
            let active_in_window = reads::active_customers_since(conn, from)?;
            let analytics_as_of = crm_storage::last_analytics_run(conn)?.map(|r| r.as_of);
            let top_products = reads::top_products(conn, TOP_PRODUCTS)?;
            let events = reads::events_between(conn, today, today + Days::new(EVENT_DAYS))?;
            Ok(DashboardResponse {
                as_of: today,
                days,
                time_zone: zone,
                customer_stats: CustomerStats { total, by_segment, active_in_window, analytics_as_of },
                trend: trend_view(current, previous),
                sales_trend: current
                    .iter()
                    .map(|d| DailyPoint { date: d.date, revenue: d.revenue.to_decimal(), sales_count: d.sale_count })
                    .collect(),
                top_products: top_products.into_iter().map(TopProduct::from).collect(),
                upcoming_events: events.into_iter().map(Into::into).collect(),
            })
        })
        .await?;
    Ok(web::Json(response))
}
