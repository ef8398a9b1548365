//! Customer value: `GET /api/analytics/customer-value` (the fitted models, the
//! distribution of value, who is slipping away, the calibration check) and
//! `GET /api/customers/{id}/value` (one customer).

use crate::customers::insights::{round_figure, round_probability};
use crate::{ApiError, AppState, ReadErrors};
use actix_web::web;
use chrono::NaiveDate;
use crm_domain::Money;
use crm_service::{
    BgNbdParams, Calibration, CalibrationWeek, CustomerValue, CustomerValueReport, GammaGammaParams, ModelFit,
    SlippingCustomer, ValueDecile,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The day the models learn up to, and the horizon.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValueQuery {
    /// The models learn from the whole days before this one (default: today, whose partial
    /// day is left out); today or earlier. A past day adds the calibration check.
    #[param(value_type = Option<String>, format = Date, example = "2025-12-01")]
    #[serde(default, deserialize_with = "crate::extract::query_day")]
    pub as_of: Option<NaiveDate>,
    /// Days ahead the expectations cover, 1-3650 (default 365).
    #[param(minimum = 1, maximum = 3650)]
    pub horizon_days: Option<u32>,
}

/// The customer-value models and what they say about the customers.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerValueResponse {
    /// The models learnt from the days before this one.
    pub as_of: NaiveDate,
    /// Days ahead the values cover.
    pub horizon_days: u32,
    /// Customers with a completed purchase before `asOf`.
    pub customers: usize,
    /// Of them, customers who bought on more than one day.
    pub repeat_customers: usize,
    /// The purchase model (BG/NBD), or why it could not be fitted.
    pub bg_nbd: BgNbdView,
    /// The spend model (Gamma-Gamma), or why it could not be fitted.
    pub gamma_gamma: GammaGammaView,
    /// Expected spend of every customer over the horizon (absent without both models).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub total_expected_value: Option<f64>,
    /// The customers by tenths of expected value, the most valuable tenth first.
    pub deciles: Vec<DecileView>,
    /// Valuable customers who have probably stopped buying (P(alive) under 0.5), the most
    /// valuable first, at most 20.
    pub slipping_away: Vec<SlippingView>,
    /// For a past `asOf`: the repeat purchases the model expected after it against those
    /// that happened (over the horizon, or up to yesterday when that is shorter).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub calibration: Option<CalibrationView>,
}

/// The fitted BG/NBD model (parameters absent when it could not be fitted).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BgNbdView {
    /// Shape of the purchase rates across customers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub r: Option<f64>,
    /// Their scale, per day (the mean rate is r/alpha purchase days a day).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub alpha: Option<f64>,
    /// Drop-out after a purchase: Beta(a, b) across customers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub a: Option<f64>,
    /// The drop-out distribution's second shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub b: Option<f64>,
    /// How the fit went.
    #[serde(flatten)]
    #[schema(inline)]
    pub fit: FitView,
}

/// The fitted Gamma-Gamma model (parameters absent when it could not be fitted).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GammaGammaView {
    /// Shape of each purchase's spend.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub p: Option<f64>,
    /// Shape of the spend rates across customers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub q: Option<f64>,
    /// Their scale, in the store's currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub v: Option<f64>,
    /// The mean spend per purchase day across customers, p·v/(q−1) (absent when q ≤ 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub population_mean_spend: Option<f64>,
    /// How the fit went.
    #[serde(flatten)]
    #[schema(inline)]
    pub fit: FitView,
}

/// How a fit went.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FitView {
    /// The total log-likelihood at the parameters (time in days for BG/NBD, spend in
    /// cents for Gamma-Gamma).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub log_likelihood: Option<f64>,
    /// Whether the fit reached a maximum; a fit that did not is reported but not to be
    /// trusted.
    pub converged: bool,
    /// Customers the fit used.
    pub customers: usize,
    /// Why the model could not be fitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub unavailable: Option<String>,
}

/// One tenth of the customers by expected value.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DecileView {
    /// 1 = the most valuable tenth.
    pub decile: u8,
    /// Customers in it.
    pub customers: usize,
    /// The lowest expected value in it.
    pub min_value: f64,
    /// The highest.
    pub max_value: f64,
    /// Their expected value together.
    pub total_value: f64,
}

/// A valuable customer who has probably stopped buying.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SlippingView {
    /// The POS's customer id.
    pub customer_id: i64,
    /// Name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// Probability the customer is still buying.
    pub p_alive: f64,
    /// Expected spend over the horizon.
    pub expected_value: f64,
    /// Spent before `asOf`.
    pub total_spent: f64,
    /// The last purchase day.
    pub last_purchase: NaiveDate,
    /// Days with a purchase before `asOf`.
    pub purchase_days: u32,
}

/// Expected against actual repeat purchases after `asOf`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalibrationView {
    /// Days after `asOf` compared.
    pub days: u32,
    /// The customers' expected purchase days in them, summed.
    pub expected_total: f64,
    /// Purchase days that happened, by customers who had bought before `asOf`.
    pub actual_total: i64,
    /// Week by week.
    pub weeks: Vec<CalibrationWeekView>,
}

/// One week of the calibration check.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalibrationWeekView {
    /// Its first day.
    pub week: NaiveDate,
    /// Days of it compared (7; fewer for the last).
    pub days: u32,
    /// Expected purchase days.
    pub expected: f64,
    /// Purchase days that happened.
    pub actual: i64,
}

/// Customer value
///
/// The BG/NBD model ("is this customer still buying, and how often") and the Gamma-Gamma
/// model ("how much per purchase") fitted by maximum likelihood on every customer's
/// purchase days before `as_of`, with what they say: the distribution of expected value
/// over the horizon, the valuable customers who have probably stopped buying, and for a
/// past `as_of` how the expected repeat purchases compare with what happened. The refresh
/// fits them for today; another day or horizon is computed for the request.
#[utoipa::path(
    get,
    path = "/api/analytics/customer-value",
    tag = "analytics",
    params(ValueQuery),
    responses((status = 200, description = "The models and the value of the customers", body = CustomerValueResponse), ReadErrors)
)]
pub async fn get_customer_value_report(
    state: web::Data<AppState>,
    caller: crate::Caller,
    query: crate::Query<ValueQuery>,
) -> Result<web::Json<CustomerValueResponse>, ApiError> {
    let ValueQuery { as_of, horizon_days } = query.into_inner();
    let report = match state.read(move |service| service.prepared_customer_value(as_of, horizon_days)).await? {
        Some(prepared) => prepared,
        None => {
            state
                .expensive(&caller, move |service, budget| service.customer_value_report(as_of, horizon_days, budget))
                .await?
        }
    };
    Ok(web::Json(report.into()))
}

/// One customer's value
///
/// The probability that the customer is still buying, the purchase days and spend to
/// expect over the horizon, with the inputs the models read: repeat purchase days (days
/// with a purchase after the first; several sales on one day are one), recency (first to
/// last purchase day) and age (first purchase day to the day before `as_of`).
#[utoipa::path(
    get,
    path = "/api/customers/{id}/value",
    tag = "customers",
    params(
        ("id" = i64, Path, description = "The POS's customer id", minimum = 1, maximum = 9_007_199_254_740_991_i64),
        ValueQuery,
    ),
    responses(
        (status = 200, description = "The customer's value", body = CustomerValueView),
        (status = 404, description = "No such customer", body = crate::Problem, content_type = "application/problem+json"),
        ReadErrors,
    )
)]
pub async fn get_customer_value(
    state: web::Data<AppState>,
    caller: crate::Caller,
    id: web::Path<i64>,
    query: crate::Query<ValueQuery>,
) -> Result<web::Json<CustomerValueView>, ApiError> {
    let id = crate::extract::customer_id(id.into_inner())?;
    let ValueQuery { as_of, horizon_days } = query.into_inner();
    let value = state
        .expensive(&caller, move |service, budget| service.customer_value(id, as_of, horizon_days, budget))
        .await?;
    Ok(web::Json(value.into()))
}

/// One customer's value over a horizon.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerValueView {
    /// The POS's customer id.
    pub customer_id: i64,
    /// The models learnt from the days before this one.
    pub as_of: NaiveDate,
    /// Days ahead the expectations cover.
    pub horizon_days: u32,
    /// Probability the customer is still buying (1 for a customer who has bought on one
    /// day only: the model cannot yet tell).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0, maximum = 1)]
    pub p_alive: Option<f64>,
    /// Purchase days expected in the horizon.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0)]
    pub expected_purchases: Option<f64>,
    /// Spend to expect per purchase day.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub expected_mean_spend: Option<f64>,
    /// Spend to expect over the horizon.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub expected_value: Option<f64>,
    /// Days with a purchase after the first purchase day, before `asOf` (x).
    pub repeat_purchase_days: u32,
    /// Days from the first purchase day to the last (t_x).
    pub recency_days: u32,
    /// Days from the first purchase day to the day before `asOf` (T).
    pub age_days: u32,
    /// Why there is no estimate (no purchase before `asOf`, or the models could not be
    /// fitted).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub unavailable: Option<String>,
}

/// Cents as a decimal amount, to the cent.
fn money(cents: f64) -> f64 {
    Money::from_cents(cents.round() as i64).to_decimal()
}

impl From<CustomerValue> for CustomerValueView {
    fn from(v: CustomerValue) -> Self {
        Self {
            customer_id: v.customer_id.get(),
            as_of: v.as_of,
            horizon_days: v.horizon_days,
            p_alive: v.score.map(|s| round_probability(s.p_alive)),
            expected_purchases: v.score.map(|s| round_figure(s.expected_purchases)),
            expected_mean_spend: v.score.and_then(|s| s.expected_mean_spend_cents).map(money),
            expected_value: v.score.and_then(|s| s.expected_value_cents).map(money),
            repeat_purchase_days: v.repeat_purchase_days,
            recency_days: v.recency_days,
            age_days: v.age_days,
            unavailable: v.unavailable,
        }
    }
}

fn fit<P>(fit: &Result<ModelFit<P>, String>) -> FitView {
    match fit {
        Ok(fit) => FitView {
            log_likelihood: Some((fit.log_likelihood * 1000.0).round() / 1000.0),
            converged: fit.converged,
            customers: fit.customers,
            unavailable: None,
        },
        Err(why) => FitView { log_likelihood: None, converged: false, customers: 0, unavailable: Some(why.clone()) },
    }
}

impl From<CustomerValueReport> for CustomerValueResponse {
    fn from(r: CustomerValueReport) -> Self {
        Self {
            as_of: r.models.as_of,
            horizon_days: r.horizon_days,
            customers: r.customers,
            repeat_customers: r.repeat_customers,
            bg_nbd: {
                let p: Option<&BgNbdParams> = r.models.bg_nbd.as_ref().ok().map(|f| &f.params);
                BgNbdView {
                    r: p.map(|p| p.r),
                    alpha: p.map(|p| p.alpha),
                    a: p.map(|p| p.a),
                    b: p.map(|p| p.b),
                    fit: fit(&r.models.bg_nbd),
                }
            },
            gamma_gamma: {
                let p: Option<&GammaGammaParams> = r.models.gamma_gamma.as_ref().ok().map(|f| &f.params);
                GammaGammaView {
                    p: p.map(|p| p.p),
                    q: p.map(|p| p.q),
                    v: p.map(|p| p.v / 100.0),
                    population_mean_spend: p.filter(|p| p.q > 1.0).map(|p| money(p.p * p.v / (p.q - 1.0))),
                    fit: fit(&r.models.gamma_gamma),
                }
            },
            total_expected_value: r.total_value_cents.map(money),
            deciles: r.deciles.into_iter().map(Into::into).collect(),
            slipping_away: r.slipping.into_iter().map(Into::into).collect(),
            calibration: r.calibration.map(Into::into),
        }
    }
}

impl From<ValueDecile> for DecileView {
    fn from(d: ValueDecile) -> Self {
        Self {
            decile: d.decile,
            customers: d.customers,
            min_value: money(d.min_cents),
            max_value: money(d.max_cents),
            total_value: money(d.total_cents),
        }
    }
}

impl From<SlippingCustomer> for SlippingView {
    fn from(s: SlippingCustomer) -> Self {
        Self {
            customer_id: s.customer_id.get(),
            name: s.name,
            p_alive: round_probability(s.p_alive),
            expected_value: money(s.expected_value_cents),
            total_spent: Money::from_cents(s.spent_cents).to_decimal(),
            last_purchase: s.last_purchase,
            purchase_days: s.purchase_days,
        }
    }
}

impl From<Calibration> for CalibrationView {
    fn from(c: Calibration) -> Self {
        Self {
            days: c.days,
            expected_total: round_figure(c.expected_total),
            actual_total: c.actual_total,
            weeks: c.weeks.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<CalibrationWeek> for CalibrationWeekView {
    fn from(w: CalibrationWeek) -> Self {
        Self { week: w.week, days: w.days, expected: round_figure(w.expected), actual: w.actual }
    }
}
