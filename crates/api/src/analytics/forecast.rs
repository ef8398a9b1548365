//! `GET /api/analytics/forecast` and `GET /api/analytics/forecast/accuracy`: demand
//! forecasts adjusted by the calendar's events, and their track record.

use crate::{ApiError, AppState, ReadErrors};
use actix_web::web;
use chrono::NaiveDate;
use crm_domain::{Accuracy, Adjustment, AdjustmentSource, DayForecast};
use crm_domain::{Basis, EffectSource, ForecastMethod, Phase};
use crm_service::{Forecast, ForecastAccuracy, ForecastRequest, ForecastTarget};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// What to forecast.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ForecastQuery {
    /// Days ahead, from `as_of` included (1-90, default 28).
    #[param(minimum = 1, maximum = 90, example = 28)]
    pub days: Option<u32>,
    /// A product code: forecast its units instead of the store's revenue and sales.
    #[param(example = "SKU-001")]
    pub product_id: Option<String>,
    /// First forecast day (default: today in the store's time zone); only the history
    /// before it is used, so any past day can be backtested. At most 90 days ahead.
    #[param(value_type = Option<String>, format = Date, example = "2025-12-01")]
    #[serde(default, deserialize_with = "crate::extract::query_day")]
    pub as_of: Option<NaiveDate>,
}

/// A forecast, day by day.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ForecastResponse {
    /// First forecast day.
    pub as_of: NaiveDate,
    /// Days forecast.
    pub days: u32,
    /// The product forecast; absent for the store.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub product_id: Option<String>,
    /// `regression` (the store, and products that sell most days), `intermittent`
    /// (products that sell on few days) or `no_sales` (a product that sold nothing in its
    /// history window: every day is 0).
    #[schema(value_type = crate::openapi::labels::ForecastMethod)]
    pub method: ForecastMethod,
    /// Days of history the forecast learned from (from the first day with sales, or for a
    /// product its first sale in the 180-day window, to the day before `asOf`). The store
    /// needs three: with fewer, `forecast` is empty.
    pub history_days: usize,
    /// Whether the analytics refresh prepared it (`false`: computed for this request).
    pub prepared: bool,
    /// One entry per day, oldest first.
    pub forecast: Vec<ForecastDay>,
}

/// One day's forecast: `revenue` and `salesCount` for the store, `units` for a product.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ForecastDay {
    /// The store-local day.
    pub date: NaiveDate,
    /// Revenue of completed sales.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub revenue: Option<Estimate>,
    /// Completed sales.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub sales_count: Option<Estimate>,
    /// Units of the product.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub units: Option<Estimate>,
}

/// A forecast value with its intervals, and the events that adjusted it. Never negative.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"forecast": 1520.4, "lower80": 1210.0, "upper80": 1905.3, "lower95": 1065.2,
    "upper95": 2164.8, "events": [{"name": "Diwali", "phase": "event", "multiplier": 1.62, "source": "learned",
    "basis": "same_event", "occurrences": 2}]}))]
pub struct Estimate {
    /// Point forecast (the median).
    pub forecast: f64,
    /// 80% interval, low end.
    pub lower80: f64,
    /// 80% interval, high end.
    pub upper80: f64,
    /// 95% interval, low end.
    pub lower95: f64,
    /// 95% interval, high end.
    pub upper95: f64,
    /// The calendar events that adjusted this day (empty on ordinary days).
    pub events: Vec<EventAdjustment>,
}

/// How one calendar event adjusted a day.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventAdjustment {
    /// The event's name.
    pub name: String,
    /// `event` (one of its days) or `build_up` (one of its lead days before it).
    #[schema(value_type = crate::openapi::labels::Phase)]
    pub phase: Phase,
    /// The ratio applied to the day's forecast (0: closed).
    pub multiplier: f64,
    /// `learned` (from past occurrences) or `declared` (the event's
    /// `expected_demand_multiplier`: no history, or a declared closure).
    #[schema(value_type = crate::openapi::labels::EffectSource)]
    pub source: EffectSource,
    /// For a learned multiplier: `same_event` (past occurrences of the same name) or
    /// `same_type` (other events of its type).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::openapi::labels::Basis>, nullable = false)]
    pub basis: Option<Basis>,
    /// For a learned multiplier: the past occurrences it was learned from.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub occurrences: Option<usize>,
}

/// Demand forecast
///
/// The store's daily revenue and sale count, or one product's daily units, for the next
/// `days` days from `as_of`, learned only from the history before `as_of`. Each day has a
/// point forecast (the median), 80% and 95% intervals, and the calendar events that
/// adjusted it: each event's multiplier is learned from its past occurrences (same name,
/// else same type), shrunk toward its declared `expected_demand_multiplier` while they are
/// few, or the declared one when there are none; a multiplier of 0 is a closure. The model
/// is described in docs/analytics.md.
///
/// Forecasts from today are prepared by the analytics refresh and served as they are;
/// any other `as_of` is computed for the request (tens of milliseconds).
#[utoipa::path(
    get,
    path = "/api/analytics/forecast",
    tag = "analytics",
    params(ForecastQuery),
    responses(
        (status = 200, description = "The forecast", body = ForecastResponse),
        (status = 404, description = "No such product", body = crate::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:crm-trends:problem:not-found", "title": "Not found", "status": 404,
                "detail": "product_id \"SKU-404\" is not a known product", "code": "not-found"})),
        ReadErrors,
    )
)]
pub async fn get_forecast(
    state: web::Data<AppState>,
    caller: crate::Caller,
    query: crate::Query<ForecastQuery>,
) -> Result<web::Json<ForecastResponse>, ApiError> {
    let query = query.into_inner();
    let request = ForecastRequest { days: query.days, product_id: query.product_id, as_of: query.as_of };
    // The refresh's forecast is read like any other; one computed for the request is an
    // expensive read, on its own slots.
    let (check, compute) = (request.clone(), request);
    let forecast = match state.read(move |service| service.prepared_forecast(&check)).await? {
        Some(prepared) => prepared,
        None => state.expensive(&caller, move |service, budget| service.forecast(compute, budget)).await?,
    };
    Ok(web::Json(forecast.into()))
}

impl From<Forecast> for ForecastResponse {
    fn from(f: Forecast) -> Self {
        let (product_id, method, forecast) = match f.target {
            ForecastTarget::Store { revenue, sales } => {
                let days: Vec<ForecastDay> = revenue
                    .into_iter()
                    .zip(sales)
                    .map(|(r, s)| ForecastDay {
                        date: r.day,
                        revenue: Some(Estimate::money(r)),
                        sales_count: Some(s.into()),
                        units: None,
                    })
                    .collect();
                (None, ForecastMethod::Regression, days)
            }
            ForecastTarget::Product { product_id, method, units } => {
                let days = units
                    .into_iter()
                    .map(|u| ForecastDay { date: u.day, revenue: None, sales_count: None, units: Some(u.into()) })
                    .collect();
                (Some(product_id), ForecastMethod::from(method), days)
            }
        };
        Self {
            as_of: f.as_of,
            days: u32::try_from(forecast.len()).unwrap_or(u32::MAX),
            product_id,
            method,
            history_days: f.history_days,
            prepared: f.prepared,
            forecast,
        }
    }
}

impl From<DayForecast> for Estimate {
    fn from(d: DayForecast) -> Self {
        let round = |v: f64| (v * 100.0).round() / 100.0;
        Self {
            forecast: round(d.point),
            lower80: round(d.lower_80),
            upper80: round(d.upper_80),
            lower95: round(d.lower_95),
            upper95: round(d.upper_95),
            events: d.adjustments.into_iter().map(Into::into).collect(),
        }
    }
}

impl Estimate {
    /// An estimate in cents, shown in currency units (rounded to the cent).
    fn money(d: DayForecast) -> Self {
        let cents = |v: f64| v.round() / 100.0;
        Self {
            forecast: cents(d.point),
            lower80: cents(d.lower_80),
            upper80: cents(d.upper_80),
            lower95: cents(d.lower_95),
            upper95: cents(d.upper_95),
            events: d.adjustments.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<Adjustment> for EventAdjustment {
    fn from(a: Adjustment) -> Self {
        let (source, basis, occurrences) = match a.source {
            AdjustmentSource::Declared => (EffectSource::Declared, None, None),
            AdjustmentSource::Learned { basis, occurrences } => (EffectSource::Learned, Some(basis), Some(occurrences)),
        };
        Self {
            name: a.name,
            phase: a.phase,
            multiplier: (a.multiplier * 1000.0).round() / 1000.0,
            source,
            basis,
            occurrences,
        }
    }
}

/// How far to trust the store forecast.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccuracyQuery {
    /// The day after the last day scored (default: today); at most 90 days ahead.
    #[param(value_type = Option<String>, format = Date, example = "2025-12-01")]
    #[serde(default, deserialize_with = "crate::extract::query_day")]
    pub as_of: Option<NaiveDate>,
}

/// The store forecast's backtest.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ForecastAccuracyResponse {
    /// The day after the last day scored.
    pub as_of: NaiveDate,
    /// Revenue; absent with too little history (a fold needs two weeks before its origin).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub revenue: Option<AccuracyView>,
    /// Completed sales.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub sales_count: Option<AccuracyView>,
}

/// A rolling-origin backtest: the forecast against weekly seasonal naive (each day
/// forecast as the same weekday of the last week before the origin).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"origins": ["2025-08-08", "2025-09-05", "2025-10-03", "2025-10-31"], "horizon": 28,
    "days": 112, "wape": 0.112, "naiveWape": 0.164, "mase": 0.71, "naiveMase": 1.04}))]
pub struct AccuracyView {
    /// The forecast origins: each fold is fitted on the days before one and scored on the
    /// `horizon` days from it.
    pub origins: Vec<NaiveDate>,
    /// Days forecast from each origin.
    pub horizon: u32,
    /// Days scored.
    pub days: usize,
    /// Weighted absolute percentage error: the sum of absolute errors over the sum of
    /// actuals (0.1 = off by 10% of what sold). Absent when nothing sold on those days.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub wape: Option<f64>,
    /// The same for weekly seasonal naive: the forecast is worth using where `wape` is lower.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub naive_wape: Option<f64>,
    /// Mean absolute scaled error: the mean absolute error over that of a one-week-back
    /// guess inside the training history (below 1: better than that guess). Absent when
    /// the history never changes week to week.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub mase: Option<f64>,
    /// The same for weekly seasonal naive.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub naive_mase: Option<f64>,
}

/// Forecast accuracy
///
/// A rolling-origin backtest of the store forecast on the store's own history before
/// `as_of`: from 4 origins 28 days apart (the last 28 days before `as_of` last), the model
/// is fitted on the days before each origin, with the calendar's events, and scored on the
/// 28 days from it. WAPE and MASE for revenue and sale count, beside weekly seasonal
/// naive's: a manager can see whether the forecast beats the simplest guess. The analytics
/// refresh prepares it with the day's forecasts (the dashboard shows it beside the
/// forecast); another `as_of` is computed for the request (a fraction of a second on three
/// years of history).
#[utoipa::path(
    get,
    path = "/api/analytics/forecast/accuracy",
    tag = "analytics",
    params(AccuracyQuery),
    responses(
        (status = 200, description = "The backtest", body = ForecastAccuracyResponse),
        ReadErrors,
    )
)]
pub async fn get_forecast_accuracy(
    state: web::Data<AppState>,
    caller: crate::Caller,
    query: crate::Query<AccuracyQuery>,
) -> Result<web::Json<ForecastAccuracyResponse>, ApiError> {
    let as_of = query.as_of;
    // The refresh's backtest is read like any other; one computed for the request is an
    // expensive read, on its own slots.
    let report = match state.read(move |service| service.prepared_accuracy(as_of)).await? {
        Some(prepared) => prepared,
        None => state.expensive(&caller, move |service, budget| service.forecast_accuracy(as_of, budget)).await?,
    };
    Ok(web::Json(report.into()))
}

impl From<ForecastAccuracy> for ForecastAccuracyResponse {
    fn from(a: ForecastAccuracy) -> Self {
        Self { as_of: a.as_of, revenue: a.revenue.map(Into::into), sales_count: a.sales.map(Into::into) }
    }
}

impl From<Accuracy> for AccuracyView {
    fn from(a: Accuracy) -> Self {
        let round = |v: Option<f64>| v.map(|v| (v * 1000.0).round() / 1000.0);
        Self {
            origins: a.origins,
            horizon: a.horizon,
            days: a.days,
            wape: round(a.wape),
            naive_wape: round(a.naive_wape),
            mase: round(a.mase),
            naive_mase: round(a.naive_mase),
        }
    }
}
