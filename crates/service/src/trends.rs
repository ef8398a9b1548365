//! Sales trends and the manager's overview: revenue series per day, week or month with
//! moving averages and a trend test, the dashboard's figures, segment counts and product
//! popularity. Everything is read from per-day aggregates and the last refresh's results,
//! so the cost grows with the days shown, not with the sales stored.

use crate::{Service, ServiceError};
use chrono::{Days, NaiveDate};
use crm_analytics::trend::{linear_trend, moving_average, percent_change};
use crm_analytics::{bucket_days, fill_days};
use crm_domain::{
    DaySales, Direction, Granularity, Money, PopularProduct, ProductId, ProductTrend, RfmSegment, Segment, StoredEvent,
};
use crm_storage::daily_sales;
use crm_storage::reads;

/// The longest range one trends request may cover, in days (ten years).
pub const MAX_RANGE_DAYS: i64 = 3_660;
/// The default trends window: the last 30 store-local days, today included.
const DEFAULT_DAYS: u64 = 30;
/// Products listed on the dashboard.
const TOP_PRODUCTS: i64 = 10;
/// Days ahead covered by the dashboard's upcoming events.
const EVENT_DAYS: u64 = 30;
/// Largest dashboard window, in days.
pub const MAX_DASHBOARD_DAYS: u32 = 365;
/// Largest product listing.
pub const MAX_PRODUCTS: i64 = 1_000;

/// Which days a trends request covers, and how they are grouped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrendRequest {
    /// First store-local day (default: 29 days before `to`).
    pub from: Option<NaiveDate>,
    /// Last store-local day, included (default: today).
    pub to: Option<NaiveDate>,
    /// Day, ISO week or month.
    pub granularity: Granularity,
}

/// Sales per period over a range of days.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendSeries {
    /// First day covered.
    pub from: NaiveDate,
    /// Last day covered.
    pub to: NaiveDate,
    /// How days are grouped.
    pub granularity: Granularity,
    /// One point per period, oldest first, periods without sales as zeros.
    pub points: Vec<TrendPoint>,
    /// Sums over the range (`date` is `from`).
    pub totals: DaySales,
    /// Direction of daily revenue over the range, and change against the range before.
    pub trend: TrendSummary,
}

/// The sales of one period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendPoint {
    /// First day of the period (a Monday for weeks, the 1st for months); may precede `from`.
    pub period: NaiveDate,
    /// Days of the period inside the range.
    pub days: u32,
    /// The period's sums.
    pub totals: DaySales,
    /// For daily points: the mean revenue of the day and the six before it (days before
    /// `from` count too), rounded to the cent; `None` for weeks and months.
    pub revenue_moving_average7: Option<f64>,
}

/// Where revenue is heading over a window, and how it compares with the window before.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendSummary {
    /// Up or down when the least-squares slope of daily revenue is significant at 95%.
    pub direction: Direction,
    /// Fitted change of daily revenue per day.
    pub slope_per_day: f64,
    /// Revenue of the window.
    pub revenue: Money,
    /// Revenue of the window of equal length just before.
    pub previous_revenue: Money,
    /// Change against the previous window, in percent; `None` when it had no revenue.
    pub change_percent: Option<f64>,
}

impl TrendSummary {
    /// The trend of `current` days' revenue, compared with the `previous` days.
    pub fn of(current: &[DaySales], previous: &[DaySales]) -> Self {
        let daily: Vec<f64> = current.iter().map(|d| d.revenue.to_decimal()).collect();
        let fitted = linear_trend(&daily);
        let revenue: i64 = current.iter().map(|d| d.revenue.cents()).sum();
        let previous_revenue: i64 = previous.iter().map(|d| d.revenue.cents()).sum();
        Self {
            direction: fitted.map_or(Direction::Flat, |t| t.direction),
            slope_per_day: fitted.map_or(0.0, |t| t.slope),
            revenue: Money::from_cents(revenue),
            previous_revenue: Money::from_cents(previous_revenue),
            change_percent: percent_change(revenue as f64, previous_revenue as f64),
        }
    }
}

/// Customers per seed segment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
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
    fn of(rows: &[(Segment, i64)]) -> Self {
        let mut counts = Self::default();
        for &(segment, n) in rows {
            *match segment {
                Segment::Prospect => &mut counts.prospect,
                Segment::New => &mut counts.new,
                Segment::Regular => &mut counts.regular,
                Segment::Vip => &mut counts.vip,
            } += n;
        }
        counts
    }
}

/// Which days the dashboard covers: `days` up to `to`, or `from` to `to`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DashboardRequest {
    /// Days in the window, 1-365 (default 30); not with `from`.
    pub days: Option<u32>,
    /// First store-local day.
    pub from: Option<NaiveDate>,
    /// Last store-local day, included (default: today).
    pub to: Option<NaiveDate>,
}

impl DashboardRequest {
    /// The window's first and last day, or why the request is refused.
    fn window(self, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), ServiceError> {
        let to = self.to.unwrap_or(today);
        let from = match (self.days, self.from) {
            (Some(_), Some(_)) => {
                return Err(ServiceError::BadParameter("give days or from, not both".to_owned()));
            }
            (days, None) => {
                let days = days.unwrap_or(30);
                if !(1..=MAX_DASHBOARD_DAYS).contains(&days) {
                    return Err(ServiceError::BadParameter(format!(
                        "days must be between 1 and {MAX_DASHBOARD_DAYS}, got {days}"
                    )));
                }
                to - Days::new(u64::from(days) - 1)
            }
            (None, Some(from)) => from,
        };
        if from > to {
            return Err(ServiceError::BadParameter(format!("from ({from}) is after to ({to})")));
        }
        if (to - from).num_days() >= i64::from(MAX_DASHBOARD_DAYS) {
            return Err(ServiceError::BadParameter(format!(
                "the window may cover at most {MAX_DASHBOARD_DAYS} days, got {} from {from} to {to}",
                (to - from).num_days() + 1
            )));
        }
        Ok((from, to))
    }
}

/// How window rankings order products.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProductSort {
    /// Units sold (then revenue).
    #[default]
    Units,
    /// Revenue (then units).
    Revenue,
}

/// Which products sold best over a range of days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProductsRequest {
    /// First store-local day (default: 29 days before `to`).
    pub from: Option<NaiveDate>,
    /// Last store-local day, included (default: today).
    pub to: Option<NaiveDate>,
    /// Units or revenue.
    pub sort: ProductSort,
    /// 1-1000, default 50.
    pub limit: Option<i64>,
}

/// What a product sold over a range of days.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductSold {
    /// Product code.
    pub product_id: ProductId,
    /// Name (the code for a product never named).
    pub name: String,
    /// Category.
    pub category: Option<String>,
    /// 1 = sold the most.
    pub rank: i64,
    /// Units sold on completed sales.
    pub units: i64,
    /// Revenue of its lines.
    pub revenue: Money,
    /// Completed sales with the product.
    pub sales: i64,
    /// Its popularity now (the last refresh's), when ranked there.
    pub popularity: Option<ProductTrend>,
}

/// What the manager's dashboard shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    /// The window's first day.
    pub from: NaiveDate,
    /// The window's last day (today, unless asked otherwise).
    pub as_of: NaiveDate,
    /// Days in the window.
    pub days: u32,
    /// Customers stored (placeholders included).
    pub customers: i64,
    /// Customers per segment, as of the last refresh.
    pub by_segment: SegmentCounts,
    /// Customers with a completed purchase within the window (as of the last refresh).
    pub active_in_window: i64,
    /// The day of the last refresh.
    pub analytics_as_of: Option<NaiveDate>,
    /// Every day of the window, oldest first, days without sales as zeros.
    pub sales: Vec<DaySales>,
    /// Completed sales in the window of equal length before.
    pub previous_sale_count: i64,
    /// Direction of daily revenue over the window, and change against the window before.
    pub trend: TrendSummary,
    /// The most popular products, with names and categories.
    pub top_products: Vec<PopularProduct>,
    /// Calendar events in the next 30 days.
    pub upcoming_events: Vec<StoredEvent>,
    /// The reorder list's summary: products to order now, the most urgent first.
    pub reorder: crate::ReorderOverview,
}

impl Dashboard {
    /// Completed sales in the window.
    pub fn sale_count(&self) -> i64 {
        self.sales.iter().map(|d| d.sale_count).sum()
    }
}

/// Revenue over `sales`, rounded half away from zero to the cent; `None` without sales.
///
/// ```
/// use crm_domain::Money;
/// assert_eq!(crm_service::average_basket(Money::from_cents(1_000), 3), Some(Money::from_cents(333)));
/// assert_eq!(crm_service::average_basket(Money::from_cents(1_001), 2), Some(Money::from_cents(501)));
/// assert_eq!(crm_service::average_basket(Money::from_cents(500), 0), None);
/// ```
pub fn average_basket(revenue: Money, sales: i64) -> Option<Money> {
    (sales > 0).then(|| {
        let (cents, n) = (i128::from(revenue.cents()), i128::from(sales));
        let rounded = (2 * cents + cents.signum() * n) / (2 * n);
        Money::from_cents(i64::try_from(rounded).unwrap_or(i64::MAX))
    })
}

/// Segment counts and the RFM grid, as of the last refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentReport {
    /// Customers per seed segment.
    pub segments: SegmentCounts,
    /// Customers per named RFM segment, largest first (ties by name).
    pub rfm_segments: Vec<(RfmSegment, i64)>,
    /// Customers per (recency score, frequency score) cell.
    pub rfm_grid: Vec<(i32, i32, i64)>,
    /// The day of the refresh these come from.
    pub as_of: Option<NaiveDate>,
}

impl Service {
    /// Revenue, sale counts, units and refunds per period over a range of store-local days.
    pub fn trends(&self, request: TrendRequest) -> Result<TrendSeries, ServiceError> {
        let to = request.to.unwrap_or_else(|| self.today());
        let from = request.from.unwrap_or_else(|| to - Days::new(DEFAULT_DAYS - 1));
        check_range(from, to)?;
        let span = u64::try_from((to - from).num_days() + 1).unwrap_or(1);
        let previous_from = from - Days::new(span);
        let days = self.db.read(|conn| daily_sales(conn, previous_from, to))?;
        Ok(series(&fill_days(&days, previous_from, to), from, to, request.granularity))
    }

    /// The dashboard over a window of store-local days: the last `days` (1-365, default 30)
    /// up to `to` (default today), or `from` to `to`, at most 365 days. Sales are compared
    /// with the window of equal length before.
    pub fn dashboard(&self, request: DashboardRequest) -> Result<Dashboard, ServiceError> {
        let today = self.today();
        let (from, to) = request.window(today)?;
        let days = u32::try_from((to - from).num_days() + 1).unwrap_or(MAX_DASHBOARD_DAYS);
        let previous_from = from - Days::new(u64::from(days));
        let list = self.reorder()?;
        let reorder = crate::ReorderOverview::of(&list);
        Ok(self.db.read(|conn| {
            let window = fill_days(&daily_sales(conn, previous_from, to)?, previous_from, to);
            let (previous, current) = window.split_at(days as usize);
            // Up to today the refresh's per-day counts answer; a window that ends earlier
            // counts its own sales.
            let active_in_window = if to >= today {
                reads::active_customers_since(conn, from)?
            } else {
                reads::active_customers_between(conn, from, to)?
            };
            Ok(Dashboard {
                from,
                as_of: to,
                days,
                customers: crm_storage::table_counts(conn)?.customers,
                by_segment: SegmentCounts::of(&reads::segment_counts(conn)?),
                active_in_window,
                analytics_as_of: crm_storage::last_analytics_run(conn)?.map(|r| r.as_of),
                trend: TrendSummary::of(current, previous),
                sales: current.to_vec(),
                previous_sale_count: previous.iter().map(|d| d.sale_count).sum(),
                top_products: reads::top_products(conn, TOP_PRODUCTS)?,
                upcoming_events: reads::events_between(conn, today, today + Days::new(EVENT_DAYS))?,
                reorder,
            })
        })?)
    }

    /// Products ranked by what they sold from `from` to `to` (store-local days, at most
    /// [`MAX_RANGE_DAYS`]), by units or revenue; each with its popularity now when the last
    /// refresh ranked it.
    pub fn products_sold(&self, request: ProductsRequest) -> Result<Vec<ProductSold>, ServiceError> {
        let limit = request.limit.unwrap_or(50);
        if !(1..=MAX_PRODUCTS).contains(&limit) {
            return Err(ServiceError::BadParameter(format!("limit must be between 1 and {MAX_PRODUCTS}, got {limit}")));
        }
        let to = request.to.unwrap_or_else(|| self.today());
        let from = request.from.unwrap_or_else(|| to - Days::new(DEFAULT_DAYS - 1));
        check_range(from, to)?;
        let (sold, labels, trends) = self.db.read(|conn| {
            let mut ranked = crm_storage::product_window_totals(conn, from, to)?;
            ranked.sort_by(|a, b| {
                let key = |p: &crm_storage::ProductWindowTotals| match request.sort {
                    ProductSort::Units => (p.units, p.revenue_cents),
                    ProductSort::Revenue => (p.revenue_cents, p.units),
                };
                key(b).cmp(&key(a)).then_with(|| a.product_id.cmp(&b.product_id))
            });
            ranked.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            let ids: Vec<String> = ranked.iter().map(|p| p.product_id.clone()).collect();
            Ok((ranked, reads::product_names(conn, &ids)?, reads::product_trends_of(conn, &ids)?))
        })?;
        Ok(sold
            .into_iter()
            .zip(1..)
            .map(|(p, rank)| {
                let (name, category) =
                    labels.get(&p.product_id).cloned().unwrap_or_else(|| (p.product_id.clone(), None));
                ProductSold {
                    popularity: trends.get(&p.product_id).cloned(),
                    product_id: ProductId::from_stored(p.product_id),
                    name,
                    category,
                    rank,
                    units: p.units,
                    revenue: Money::from_cents(p.revenue_cents),
                    sales: p.sale_count,
                }
            })
            .collect())
    }

    /// Products by popularity, most popular first (1-1000, default 50), as of the last
    /// refresh.
    pub fn popular_products(&self, limit: Option<i64>) -> Result<Vec<PopularProduct>, ServiceError> {
        let limit = limit.unwrap_or(50);
        if !(1..=MAX_PRODUCTS).contains(&limit) {
            return Err(ServiceError::BadParameter(format!("limit must be between 1 and {MAX_PRODUCTS}, got {limit}")));
        }
        Ok(self.db.read(|conn| reads::top_products(conn, limit))?)
    }

    /// Customers per segment, per named RFM segment and per RFM cell.
    pub fn segments(&self) -> Result<SegmentReport, ServiceError> {
        let (segments, rfm, run) = self.db.read(|conn| {
            Ok((reads::segment_counts(conn)?, reads::rfm_counts(conn)?, crm_storage::last_analytics_run(conn)?))
        })?;
        let mut rfm_segments = rfm.named;
        rfm_segments.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.as_str().cmp(b.0.as_str())));
        Ok(SegmentReport {
            segments: SegmentCounts::of(&segments),
            rfm_segments,
            rfm_grid: rfm.grid,
            as_of: run.map(|r| r.as_of),
        })
    }
}

/// Refuses a range that ends before it starts or covers more than [`MAX_RANGE_DAYS`].
fn check_range(from: NaiveDate, to: NaiveDate) -> Result<(), ServiceError> {
    if from > to {
        return Err(ServiceError::BadParameter(format!("from ({from}) is after to ({to})")));
    }
    if (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(ServiceError::BadParameter(format!("a range may cover at most {MAX_RANGE_DAYS} days")));
    }
    Ok(())
}

/// The series over `from..=to` from `daily`, which holds every day from as many days before
/// `from` as the range is long (for the comparison and the moving averages) up to `to`.
fn series(daily: &[DaySales], from: NaiveDate, to: NaiveDate, granularity: Granularity) -> TrendSeries {
    let span = usize::try_from((to - from).num_days() + 1).unwrap_or(0);
    let (previous, current) = daily.split_at(daily.len().saturating_sub(span));
    let revenue: Vec<f64> = daily.iter().map(|d| d.revenue.to_decimal()).collect();
    let averages = moving_average(&revenue, 7);
    let current_averages = &averages[previous.len()..];
    let buckets = bucket_days(current, from, to, granularity);
    let points: Vec<TrendPoint> = buckets
        .iter()
        .zip(0..)
        .map(|(b, i)| TrendPoint {
            period: b.start,
            days: b.days,
            totals: b.totals,
            revenue_moving_average7: match granularity {
                Granularity::Day => current_averages.get(i).copied().flatten().map(|a| (a * 100.0).round() / 100.0),
                Granularity::Week | Granularity::Month => None,
            },
        })
        .collect();
    let sum = |f: fn(&DaySales) -> i64| buckets.iter().map(|b| f(&b.totals)).sum::<i64>();
    let totals = DaySales {
        date: from,
        revenue: Money::from_cents(sum(|t| t.revenue.cents())),
        sale_count: sum(|t| t.sale_count),
        units: sum(|t| t.units),
        refund_count: sum(|t| t.refund_count),
        refunded: Money::from_cents(sum(|t| t.refunded.cents())),
    };
    TrendSeries { from, to, granularity, points, totals, trend: TrendSummary::of(current, previous) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 9, d).unwrap()
    }

    fn sold(date: NaiveDate, cents: i64) -> DaySales {
        DaySales { revenue: Money::from_cents(cents), sale_count: 1, units: 2, ..DaySales::empty(date) }
    }

    #[test]
    fn a_series_sums_its_range_compares_with_the_range_before_and_averages_seven_days() {
        // 1-7 September: 10.00 a day; 8-14 September: 20.00, 30.00, ... rising by 10.00.
        let daily: Vec<DaySales> =
            (1..=14).map(|d| sold(day(d), if d <= 7 { 1_000 } else { 1_000 * (i64::from(d) - 6) })).collect();
        let s = series(&daily, day(8), day(14), Granularity::Day);
        assert_eq!(s.points.len(), 7);
        assert_eq!(s.totals.revenue, Money::from_cents(2_000 + 3_000 + 4_000 + 5_000 + 6_000 + 7_000 + 8_000));
        assert_eq!((s.totals.sale_count, s.totals.units), (7, 14));
        assert_eq!(s.trend.previous_revenue, Money::from_cents(7_000));
        assert_eq!(s.trend.direction, Direction::Up);
        assert_eq!(s.trend.slope_per_day, 10.0);
        assert_eq!(s.trend.change_percent, Some(400.0));
        // 8 September: (6 x 10.00 + 20.00) / 7 = 11.428... -> 11.43.
        assert_eq!(s.points[0].revenue_moving_average7, Some(11.43));
        assert_eq!(s.points[6].revenue_moving_average7, Some(50.0));

        let weekly = series(&daily, day(8), day(14), Granularity::Week);
        assert_eq!(weekly.points.len(), 1, "8-14 September 2025 is one ISO week, Monday to Sunday");
        assert_eq!((weekly.points[0].period, weekly.points[0].days), (day(8), 7));
        assert_eq!(weekly.points[0].totals.revenue, s.totals.revenue);
        assert_eq!(weekly.points[0].revenue_moving_average7, None);
    }

    #[test]
    fn segment_counts_add_up_each_segment() {
        let counts = SegmentCounts::of(&[(Segment::Vip, 2), (Segment::New, 3), (Segment::Vip, 1)]);
        assert_eq!(counts, SegmentCounts { prospect: 0, new: 3, regular: 0, vip: 3 });
    }
}
