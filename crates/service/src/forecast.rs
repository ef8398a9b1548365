//! Demand forecasts: the store's revenue and sale count, or one product's units, for the
//! coming days, adjusted by the calendar's events (see `crm_analytics::demand`).
//!
//! The refresh prepares the forecasts from today ([`ForecastBook`]): the store's two series
//! for [`MAX_FORECAST_DAYS`] days and a fitted forecaster per product sold in the popularity
//! window, so a request for today evaluates what is ready. A request from another day (a
//! backtest, a benchmark, a day before the first refresh) is computed on demand from the
//! history before that day; its cost is bounded by the history read (at most
//! [`STORE_HISTORY_DAYS`] days of store totals and one product's popularity window).

use crate::reorder::{ReorderList, reorder_list};
use crate::{Budget, Service, ServiceError};
use chrono::{Days, NaiveDate};
use crm_analytics::demand::{
    self, Accuracy, Adjustment, DayForecast, DemandRules, Occurrence, StoreForecaster, UnitsForecaster, UnitsMethod,
};
use crm_domain::StoredEvent;
use crm_storage::{Conn, StorageError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// Most days one forecast covers.
pub const MAX_FORECAST_DAYS: u32 = 90;
/// Days forecast when the request names none.
pub const DEFAULT_FORECAST_DAYS: u32 = 28;
/// Days of store totals a store forecast learns from: three years, so two full yearly cycles
/// are in the history whatever the day.
pub const STORE_HISTORY_DAYS: u64 = 3 * 365 + 1;
/// Days each accuracy fold forecasts.
pub const ACCURACY_HORIZON: u32 = 28;
/// Accuracy folds (forecast origins).
pub const ACCURACY_FOLDS: u32 = 4;

/// What to forecast.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForecastRequest {
    /// Days ahead, 1-90 (default 28).
    pub days: Option<u32>,
    /// One product's units instead of the store's revenue and sales.
    pub product_id: Option<String>,
    /// First forecast day; only the history before it is used (default: today).
    pub as_of: Option<NaiveDate>,
}

/// A forecast of the store or of one product.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// First forecast day.
    pub as_of: NaiveDate,
    /// What was forecast.
    pub target: ForecastTarget,
    /// Days of history it learned from (from the first day with sales to the day before
    /// `as_of`). A store forecast needs three: with fewer its series are empty.
    pub history_days: usize,
    /// Whether it was prepared by the refresh (`false`: computed for this request).
    pub prepared: bool,
}

/// The series of a forecast.
#[derive(Debug, Clone, PartialEq)]
pub enum ForecastTarget {
    /// The store: revenue in cents and completed sales, day by day.
    Store {
        /// Revenue, in cents.
        revenue: Vec<DayForecast>,
        /// Completed sales.
        sales: Vec<DayForecast>,
    },
    /// One product's units, day by day.
    Product {
        /// The product code.
        product_id: String,
        /// How it was forecast; `None` when it sold nothing in its history window (every day
        /// is then forecast as 0).
        method: Option<UnitsMethod>,
        /// Units.
        units: Vec<DayForecast>,
    },
}

/// The store forecast's track record.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastAccuracy {
    /// The day after the last day scored.
    pub as_of: NaiveDate,
    /// Revenue; `None` with too little history to backtest.
    pub revenue: Option<Accuracy>,
    /// Completed sales.
    pub sales: Option<Accuracy>,
}

/// The forecasts the refresh prepared, from one day; and the reorder list recomputed from
/// them after a products sync changed the catalogue.
#[derive(Debug, Default)]
pub struct ForecastBook {
    prepared: RwLock<Option<Arc<Prepared>>>,
    /// Counts the products syncs: a reorder list computed before the latest is stale.
    catalogue: AtomicU64,
    /// The list recomputed for a newer catalogue: (first day, catalogue version, list).
    recomputed: RwLock<Option<(NaiveDate, u64, Arc<ReorderList>)>>,
}

/// What the last refresh prepared, for the operator and the benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForecastStats {
    /// The first forecast day.
    pub as_of: NaiveDate,
    /// Products with a forecast.
    pub products: usize,
    /// Time spent fitting the store's series and the products', and computing the
    /// reorder list.
    pub took: Duration,
    /// Of which the reorder list (reading the catalogue and advising on every product).
    pub reorder_took: Duration,
}

/// What the refresh prepared.
#[derive(Debug)]
pub(crate) struct Prepared {
    as_of: NaiveDate,
    /// How long preparing took (the fits and the reorder list; the product scan is shared
    /// with popularity).
    took: Duration,
    /// Of which the reorder list.
    reorder_took: Duration,
    pub(crate) store: StoreDays,
    /// Per product sold in the window: its forecaster (`None`: sold nothing before `as_of`)
    /// and days of history.
    pub(crate) products: HashMap<String, (Option<UnitsForecaster>, usize)>,
    /// The reorder list from `as_of`.
    pub(crate) reorder: Arc<ReorderList>,
    /// The store forecast's backtest up to `as_of`.
    pub(crate) accuracy: ForecastAccuracy,
    /// The catalogue version the list was computed from.
    pub(crate) catalogue_version: u64,
}

/// The store's forecasts for [`MAX_FORECAST_DAYS`] days, and the events' adjustments of each
/// day for products (those learned on the sale count).
#[derive(Debug, Clone, Default)]
pub(crate) struct StoreDays {
    revenue: Vec<DayForecast>,
    pub(crate) sales: Vec<DayForecast>,
    history_days: usize,
}

impl StoreDays {
    /// The adjustments of the `i`th day for a product's units.
    fn product_adjustments(&self, i: usize) -> Vec<Adjustment> {
        self.sales.get(i).map(|d| d.adjustments.clone()).unwrap_or_default()
    }
}

impl ForecastBook {
    /// The prepared forecasts, if they start on `as_of`.
    pub(crate) fn from(&self, as_of: NaiveDate) -> Option<Arc<Prepared>> {
        self.prepared.read().unwrap_or_else(PoisonError::into_inner).clone().filter(|p| p.as_of == as_of)
    }

    pub(crate) fn install(&self, prepared: Prepared) {
        *self.prepared.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(prepared));
        *self.recomputed.write().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// Notes that a products sync changed the catalogue (stock levels, packs, ...).
    pub(crate) fn catalogue_changed(&self) {
        self.catalogue.fetch_add(1, AtomicOrdering::SeqCst);
    }

    /// The catalogue's version: it grows with every products sync.
    pub(crate) fn catalogue_version(&self) -> u64 {
        self.catalogue.load(AtomicOrdering::SeqCst)
    }

    /// The list recomputed from `as_of` for catalogue `version`, if it is kept.
    pub(crate) fn recomputed(&self, as_of: NaiveDate, version: u64) -> Option<Arc<ReorderList>> {
        let kept = self.recomputed.read().unwrap_or_else(PoisonError::into_inner);
        kept.as_ref().filter(|(day, v, _)| (*day, *v) == (as_of, version)).map(|(_, _, list)| Arc::clone(list))
    }

    /// Keeps a list recomputed from `as_of` for catalogue `version`.
    pub(crate) fn keep_recomputed(&self, as_of: NaiveDate, version: u64, list: Arc<ReorderList>) {
        *self.recomputed.write().unwrap_or_else(PoisonError::into_inner) = Some((as_of, version, list));
    }

    /// What the last refresh prepared, if anything.
    pub fn stats(&self) -> Option<ForecastStats> {
        let prepared = self.prepared.read().unwrap_or_else(PoisonError::into_inner).clone()?;
        Some(ForecastStats {
            as_of: prepared.as_of,
            products: prepared.products.len(),
            took: prepared.took,
            reorder_took: prepared.reorder_took,
        })
    }
}

impl Service {
    /// Forecasts the store, or one product, for the days from `as_of` (see
    /// [`ForecastRequest`]): the refresh's prepared forecast when it starts on `as_of`,
    /// else one computed for the request within `budget`. Bad `days`, an `as_of` more than
    /// [`MAX_FORECAST_DAYS`] days ahead, or an unknown product are refused.
    pub fn forecast(&self, request: ForecastRequest, budget: &Budget) -> Result<Forecast, ServiceError> {
        if let Some(forecast) = self.prepared_forecast(&request)? {
            return Ok(forecast);
        }
        let (days, as_of) = self.forecast_window(&request)?;
        match request.product_id {
            None => {
                let inputs = self.db.read(|conn| store_inputs(conn, &self.config, as_of))?;
                Ok(store_forecast(as_of, &fit_store(&inputs, as_of, days, budget)?, days, false))
            }
            Some(product) => {
                let (inputs, series) = self.db.read(|conn| {
                    Ok((store_inputs(conn, &self.config, as_of)?, product_series(conn, &self.config, &product, as_of)?))
                })?;
                let store = fit_store(&inputs, as_of, days, budget)?;
                budget.check()?;
                let (forecaster, history_days) = series.forecasters().remove(&product).unwrap_or((None, 0));
                Ok(product_forecast(as_of, product, forecaster, history_days, &store, days, false))
            }
        }
    }

    /// The forecast the refresh prepared for `request`, when there is one (cheap: nothing
    /// is fitted); `None` when it has to be computed. Refuses what [`forecast`](Self::forecast)
    /// refuses.
    pub fn prepared_forecast(&self, request: &ForecastRequest) -> Result<Option<Forecast>, ServiceError> {
        let (days, as_of) = self.forecast_window(request)?;
        if let Some(product) = &request.product_id
            && !self.db.read(|conn| crm_storage::product_exists(conn, product))?
        {
            return Err(ServiceError::NotFound(format!("product_id {product:?} is not a known product")));
        }
        let Some(p) = self.forecasts.from(as_of) else { return Ok(None) };
        Ok(Some(match &request.product_id {
            None => store_forecast(as_of, &p.store, days, true),
            Some(product) => {
                let (forecaster, history_days) = p.products.get(product).cloned().unwrap_or((None, 0));
                product_forecast(as_of, product.clone(), forecaster, history_days, &p.store, days, true)
            }
        }))
    }

    /// The request's days and first day, checked.
    fn forecast_window(&self, request: &ForecastRequest) -> Result<(u32, NaiveDate), ServiceError> {
        let days = request.days.unwrap_or(DEFAULT_FORECAST_DAYS);
        if !(1..=MAX_FORECAST_DAYS).contains(&days) {
            return Err(ServiceError::BadParameter(format!(
                "days must be between 1 and {MAX_FORECAST_DAYS}, got {days}"
            )));
        }
        Ok((days, self.forecast_day(request.as_of)?))
    }

    /// Backtests the store forecast on its own history before `as_of` (default today):
    /// [`ACCURACY_FOLDS`] origins, [`ACCURACY_HORIZON`] days each, within `budget`; the
    /// refresh's backtest when it prepared the forecasts from `as_of`.
    pub fn forecast_accuracy(
        &self,
        as_of: Option<NaiveDate>,
        budget: &Budget,
    ) -> Result<ForecastAccuracy, ServiceError> {
        if let Some(prepared) = self.prepared_accuracy(as_of)? {
            return Ok(prepared);
        }
        let as_of = self.forecast_day(as_of)?;
        // Read on a pooled connection, then fitted without holding it.
        let inputs = self.db.read(|conn| store_inputs(conn, &self.config, as_of))?;
        accuracy_of(&inputs, as_of, budget)
    }

    /// The backtest the refresh prepared with the forecasts from `as_of` (default today),
    /// when there is one (cheap: nothing is fitted); `None` when it has to be computed.
    /// Refuses what [`forecast_accuracy`](Self::forecast_accuracy) refuses.
    pub fn prepared_accuracy(&self, as_of: Option<NaiveDate>) -> Result<Option<ForecastAccuracy>, ServiceError> {
        let as_of = self.forecast_day(as_of)?;
        Ok(self.forecasts.from(as_of).map(|prepared| prepared.accuracy.clone()))
    }

    /// `as_of`, or today; refused when more than [`MAX_FORECAST_DAYS`] days ahead.
    fn forecast_day(&self, as_of: Option<NaiveDate>) -> Result<NaiveDate, ServiceError> {
        let today = self.today();
        let as_of = as_of.unwrap_or(today);
        let latest = today + Days::new(u64::from(MAX_FORECAST_DAYS));
        if as_of > latest {
            return Err(ServiceError::BadParameter(format!(
                "as_of must be no later than {latest} ({MAX_FORECAST_DAYS} days from today), got {as_of}"
            )));
        }
        Ok(as_of)
    }

    /// The prepared forecasts' book.
    pub fn forecast_book(&self) -> &ForecastBook {
        &self.forecasts
    }
}

fn store_forecast(as_of: NaiveDate, store: &StoreDays, days: u32, prepared: bool) -> Forecast {
    let take = |series: &[DayForecast]| series.iter().take(days as usize).cloned().collect();
    Forecast {
        as_of,
        target: ForecastTarget::Store { revenue: take(&store.revenue), sales: take(&store.sales) },
        history_days: store.history_days,
        prepared,
    }
}

fn product_forecast(
    as_of: NaiveDate,
    product_id: String,
    forecaster: Option<UnitsForecaster>,
    history_days: usize,
    store: &StoreDays,
    days: u32,
    prepared: bool,
) -> Forecast {
    let units = (0..days as usize)
        .filter_map(|i| Some((i, as_of.checked_add_days(Days::new(i as u64))?)))
        .map(|(i, day)| match &forecaster {
            Some(f) => f.day(day, store.product_adjustments(i)),
            None => no_sales(day),
        })
        .collect();
    Forecast {
        as_of,
        target: ForecastTarget::Product { product_id, method: forecaster.as_ref().map(UnitsForecaster::method), units },
        history_days,
        prepared,
    }
}

/// The forecast of a day for a product that sold nothing in its window.
fn no_sales(day: NaiveDate) -> DayForecast {
    DayForecast { day, point: 0.0, lower_80: 0.0, upper_80: 0.0, lower_95: 0.0, upper_95: 0.0, adjustments: Vec::new() }
}

/// A daily series: (day, value), one entry per day.
type Series = Vec<(NaiveDate, f64)>;

/// The store's daily revenue (cents) and sale count before `as_of`, from its first day with
/// sales in the [`STORE_HISTORY_DAYS`] before it; days without sales are zeros.
fn store_history(conn: &mut Conn, as_of: NaiveDate) -> Result<(Series, Series), StorageError> {
    let Some(last) = as_of.pred_opt() else { return Ok((Vec::new(), Vec::new())) };
    let from = as_of.checked_sub_days(Days::new(STORE_HISTORY_DAYS)).unwrap_or(NaiveDate::MIN);
    let totals = crm_storage::daily_totals(conn, from, last)?;
    let Some(first) = totals.first().map(|t| t.local_date) else { return Ok((Vec::new(), Vec::new())) };
    let by_day: HashMap<NaiveDate, (i64, i64)> =
        totals.iter().map(|t| (t.local_date, (t.revenue_cents, t.sale_count))).collect();
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
    let value = |d: &NaiveDate| by_day.get(d).copied().unwrap_or((0, 0));
    Ok((days.iter().map(|d| (*d, value(d).0 as f64)).collect(), days.iter().map(|d| (*d, value(d).1 as f64)).collect()))
}

/// The calendar's events that touch `from` .. `until` plus the horizon, as occurrences.
fn occurrences(
    conn: &mut Conn,
    config: &crate::AnalyticsConfig,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<Occurrence>, StorageError> {
    // An event starting after the horizon can still reach into it with its build-up.
    let longest_lead = config.event_lead_days.max(u64::from(crm_domain::MAX_EVENT_LEAD_DAYS));
    let to = until + Days::new(u64::from(MAX_FORECAST_DAYS) + longest_lead);
    let rows = crm_storage::reads::events_between(conn, from, to)?;
    Ok(rows.iter().map(|row| occurrence(row, config.event_lead_days)).collect())
}

/// An event as the forecast sees it: the same event is the same iCalendar UID (the
/// occurrences of an imported recurring event), else the same case-folded name.
pub(crate) fn occurrence(stored: &StoredEvent, default_lead_days: u64) -> Occurrence {
    // A UID this store gave an event it exported names that one event, not a series.
    let imported = stored.uid.as_deref().filter(|uid| !uid.ends_with("@crm-trends"));
    let row = &stored.event;
    Occurrence {
        identity: imported.map_or_else(|| row.name.to_lowercase(), |uid| format!("uid:{uid}")),
        name: row.name.clone(),
        event_type: row.event_type.clone(),
        first_day: row.date,
        last_day: row.last_day(),
        lead_days: row.lead_days_or(default_lead_days),
        declared: row.expected_demand_multiplier,
    }
}

/// What the store's forecast learns from: its daily revenue and sale count before `as_of`,
/// and the calendar's events over that history and the horizon.
struct StoreInputs {
    revenue: Series,
    sales: Series,
    events: Vec<Occurrence>,
}

/// Reads the store forecast's inputs (quick: the per-day totals and the events).
fn store_inputs(
    conn: &mut Conn,
    config: &crate::AnalyticsConfig,
    as_of: NaiveDate,
) -> Result<StoreInputs, StorageError> {
    let (revenue, sales) = store_history(conn, as_of)?;
    let events = match revenue.first() {
        Some(first) => occurrences(conn, config, first.0, as_of)?,
        None => Vec::new(),
    };
    Ok(StoreInputs { revenue, sales, events })
}

/// The store forecast's backtest on `inputs` up to `as_of` (see
/// [`Service::forecast_accuracy`]), checking `budget` between the two series.
fn accuracy_of(inputs: &StoreInputs, as_of: NaiveDate, budget: &Budget) -> Result<ForecastAccuracy, ServiceError> {
    let rules = DemandRules::default();
    let backtest = |history: &[(NaiveDate, f64)]| -> Result<Option<Accuracy>, ServiceError> {
        budget.check()?;
        Ok(demand::accuracy(history, &inputs.events, &rules, ACCURACY_HORIZON, ACCURACY_FOLDS))
    };
    Ok(ForecastAccuracy { as_of, revenue: backtest(&inputs.revenue)?, sales: backtest(&inputs.sales)? })
}

/// The store's forecasts of `days` days from `as_of`, fitted to `inputs` (the costly part:
/// no connection is held), checking `budget` between the two series.
fn fit_store(inputs: &StoreInputs, as_of: NaiveDate, days: u32, budget: &Budget) -> Result<StoreDays, ServiceError> {
    if inputs.revenue.is_empty() {
        return Ok(StoreDays::default());
    }
    let rules = DemandRules::default();
    let forecast = |history: &[(NaiveDate, f64)]| -> Result<Vec<DayForecast>, ServiceError> {
        budget.check()?;
        Ok(StoreForecaster::fit(history, &inputs.events, &rules)
            .map(|f| f.forecast(&inputs.events, as_of, days))
            .unwrap_or_default())
    };
    Ok(StoreDays {
        revenue: forecast(&inputs.revenue)?,
        sales: forecast(&inputs.sales)?,
        history_days: inputs.revenue.len(),
    })
}

/// One product's units in the popularity window before `as_of` (its stock-outs left out),
/// ready to fit.
fn product_series(
    conn: &mut Conn,
    config: &crate::AnalyticsConfig,
    product: &str,
    as_of: NaiveDate,
) -> Result<ProductSeries, StorageError> {
    let from = as_of.checked_sub_days(Days::new(config.popularity_history_days.max(1))).unwrap_or(NaiveDate::MIN);
    let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d < as_of).collect();
    let sold = crm_storage::product_units_on(conn, product, &days)?;
    let mut series = ProductSeries::new(from, as_of);
    for (day, units) in sold {
        series.add(product, day, units);
    }
    series.leave_out(&crm_storage::stock_outs(conn, from, as_of, Some(product))?);
    Ok(series)
}

/// Daily units per product over a window, gathered from a scan of the per-product totals,
/// and the days each was out of stock.
#[derive(Debug)]
pub(crate) struct ProductSeries {
    from: NaiveDate,
    /// Days in the window (the last is the day before the forecast starts).
    len: usize,
    units: HashMap<String, Vec<f32>>,
    /// Per product, the days (indices) it closed out of stock.
    out: HashMap<String, Vec<usize>>,
}

impl ProductSeries {
    /// An empty series for the days `from` up to (not including) `until`.
    pub(crate) fn new(from: NaiveDate, until: NaiveDate) -> Self {
        let len = usize::try_from((until - from).num_days().max(0)).unwrap_or(0);
        Self { from, len, units: HashMap::new(), out: HashMap::new() }
    }

    /// The first day of the window, and the day after its last.
    pub(crate) fn window(&self) -> (NaiveDate, NaiveDate) {
        (self.from, self.from + Days::new(self.len as u64))
    }

    /// Marks the days of `stock_outs` within the window: a day a product closed out of
    /// stock and sold nothing is left out of its history (its demand is unknown, not 0).
    pub(crate) fn leave_out(&mut self, stock_outs: &[crm_storage::StockOut]) {
        let (from, until) = self.window();
        for out in stock_outs {
            let first = out.first.max(from);
            let end = out.until.map_or(until, |u| u.min(until));
            let days = self.out.entry(out.product_id.clone()).or_default();
            days.extend(first.iter_days().take_while(|d| *d < end).map(|d| (d - from).num_days() as usize));
        }
    }

    /// Records a product-day (days outside the window are ignored).
    pub(crate) fn add(&mut self, product: &str, day: NaiveDate, units: i64) {
        let Ok(i) = usize::try_from((day - self.from).num_days()) else { return };
        if i >= self.len {
            return;
        }
        let len = self.len;
        let series = match self.units.get_mut(product) {
            Some(series) => series,
            None => self.units.entry(product.to_owned()).or_insert_with(|| vec![0.0; len]),
        };
        series[i] += units as f32;
    }

    /// Each product's forecaster, fitted from its first sale in the window, and the days
    /// of history it had.
    pub(crate) fn forecasters(self) -> HashMap<String, (Option<UnitsForecaster>, usize)> {
        let from = self.from;
        let out = self.out;
        self.units
            .into_iter()
            .map(|(product, units)| {
                let mut days: Vec<Option<f64>> = units.iter().map(|u| Some(f64::from(*u))).collect();
                for &i in out.get(&product).into_iter().flatten() {
                    if let Some(day) = days.get_mut(i).filter(|d| **d == Some(0.0)) {
                        *day = None;
                    }
                }
                let first = units.iter().position(|u| *u > 0.0).unwrap_or(units.len());
                let start = from + Days::new(first as u64);
                let history = &days[first..];
                (product, (UnitsForecaster::fit_observed(start, history), history.len()))
            })
            .collect()
    }
}

/// Prepares the forecasts from `as_of` in the refresh: the store's, one forecaster per
/// product in `products` (their stock-outs left out), and the reorder list.
pub(crate) fn prepare(
    conn: &mut Conn,
    config: &crate::AnalyticsConfig,
    as_of: NaiveDate,
    mut products: ProductSeries,
    catalogue_version: u64,
) -> Result<Prepared, StorageError> {
    let started = Instant::now();
    let inputs = store_inputs(conn, config, as_of)?;
    // The refresh owns its connection and answers to no request: no budget.
    let store = fit_store(&inputs, as_of, MAX_FORECAST_DAYS, &Budget::unlimited()).unwrap_or_default();
    let accuracy = accuracy_of(&inputs, as_of, &Budget::unlimited()).unwrap_or(ForecastAccuracy {
        as_of,
        revenue: None,
        sales: None,
    });
    let (from, until) = products.window();
    products.leave_out(&crm_storage::stock_outs(conn, from, until, None)?);
    let products = products.forecasters();
    let reorder_started = Instant::now();
    let catalogue = crm_storage::catalogue(conn)?;
    let reorder = Arc::new(reorder_list(catalogue, &store, &products, &config.reorder, as_of));
    let reorder_took = reorder_started.elapsed();
    Ok(Prepared { as_of, took: started.elapsed(), reorder_took, store, products, reorder, accuracy, catalogue_version })
}

/// What the refresh would prepare from `as_of`, computed outside it (for a request that
/// comes before the day's first refresh): reads the products' window itself.
pub(crate) fn prepare_now(
    conn: &mut Conn,
    config: &crate::AnalyticsConfig,
    as_of: NaiveDate,
) -> Result<Prepared, StorageError> {
    let from = as_of.checked_sub_days(Days::new(config.popularity_history_days.max(1))).unwrap_or(NaiveDate::MIN);
    let mut series = ProductSeries::new(from, as_of);
    if let Some(last) = as_of.pred_opt() {
        crm_storage::for_each_product_day(conn, from, last, |d| series.add(&d.product_id, d.local_date, d.units))?;
    }
    let mut prepared = prepare(conn, config, as_of, series, 0)?;
    Arc::make_mut(&mut prepared.reorder).prepared = false;
    Ok(prepared)
}
