//! Customer value: the BG/NBD and Gamma-Gamma models ([`crm_analytics::value`]) fitted on
//! the store's purchase history before a day, applied to each customer and summarised for
//! the manager. The refresh fits them for today and stores each customer's score with the
//! other per-customer analytics; another `as_of` is fitted for the request.
//!
//! `as_of` means what it means for the forecast: the history is the days before it (today's
//! partial day is left out). A customer's age runs to the day before `as_of`.

use crate::{Budget, Service, ServiceError};
use chrono::{Days, NaiveDate};
use crm_analytics::value::{BgNbd, Fit, FitError, Frequency, GammaGamma, Spend, score};
use crm_domain::{CustomerId, ValueScore};
use crm_storage::{Conn, PurchaseDays, StorageError};
use std::sync::{Arc, Mutex, PoisonError};

/// The horizon a value is computed over unless asked otherwise: a year.
pub const DEFAULT_VALUE_HORIZON_DAYS: u32 = 365;
/// The longest horizon accepted: ten years.
pub const MAX_VALUE_HORIZON_DAYS: u32 = 3650;
/// Customers on the "valuable and slipping away" list.
pub const SLIPPING_LIMIT: usize = 20;
/// Below this P(alive) a customer counts as slipping away.
pub const SLIPPING_BELOW: f64 = 0.5;

/// Why a customer has no score when the purchase model's fit did not converge.
pub const NOT_CONVERGED: &str = "the purchase model's fit did not converge: the customers' histories do not tell its \
     parameters apart (e.g. every customer buys alike and nobody leaves); churn risk uses the rule";

/// The fitted models for one `as_of`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueModels {
    /// The history is the days before this one.
    pub as_of: NaiveDate,
    /// BG/NBD, or why it could not be fitted.
    pub bg_nbd: Result<ModelFit<BgNbdParams>, String>,
    /// Gamma-Gamma, or why it could not be fitted.
    pub gamma_gamma: Result<ModelFit<GammaGammaParams>, String>,
}

/// A fitted model with how the fit went.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelFit<P> {
    /// The parameters.
    pub params: P,
    /// The total log-likelihood at them.
    pub log_likelihood: f64,
    /// Whether the optimiser reached a stationary point.
    pub converged: bool,
    /// Customers the fit used.
    pub customers: usize,
}

/// BG/NBD's parameters (α per day).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbdParams {
    /// Purchase-rate shape.
    pub r: f64,
    /// Purchase-rate scale, per day.
    pub alpha: f64,
    /// Drop-out shape a.
    pub a: f64,
    /// Drop-out shape b.
    pub b: f64,
}

/// Gamma-Gamma's parameters (v in cents).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGammaParams {
    /// Spend shape p.
    pub p: f64,
    /// Spend-rate shape q.
    pub q: f64,
    /// Spend-rate scale v, in cents.
    pub v: f64,
}

/// One customer's value over a horizon, with the inputs it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerValue {
    /// The customer.
    pub customer_id: CustomerId,
    /// The history is the days before this one.
    pub as_of: NaiveDate,
    /// Days ahead the expectations cover.
    pub horizon_days: u32,
    /// Purchase days after the first (x).
    pub repeat_purchase_days: u32,
    /// Days from the first purchase day to the last (t_x).
    pub recency_days: u32,
    /// Days from the first purchase day to the day before `as_of` (T).
    pub age_days: u32,
    /// Mean spend per repeat purchase day, in cents (absent without repeats).
    pub mean_repeat_spend_cents: Option<f64>,
    /// The models' answer; `None` when they could not be fitted (the reason in
    /// `unavailable`).
    pub score: Option<ValueScoreDetail>,
    /// Why there is no score.
    pub unavailable: Option<String>,
}

/// The models' answer for one customer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValueScoreDetail {
    /// Probability the customer is still buying.
    pub p_alive: f64,
    /// Purchase days expected in the horizon.
    pub expected_purchases: f64,
    /// Spend per purchase day to expect, in cents (absent without a spend model).
    pub expected_mean_spend_cents: Option<f64>,
    /// Expected purchases × expected spend, in cents.
    pub expected_value_cents: Option<f64>,
}

/// The summary a manager reads: the models, the distribution of value, who is slipping
/// away, and for a past `as_of` how well the model predicted what happened.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerValueReport {
    /// The fitted models.
    pub models: ValueModels,
    /// Days ahead the values cover.
    pub horizon_days: u32,
    /// Customers with a purchase before `as_of`.
    pub customers: usize,
    /// Of them, customers with a repeat purchase.
    pub repeat_customers: usize,
    /// Expected value over the horizon, all customers, in cents.
    pub total_value_cents: Option<f64>,
    /// Customers by tenths of expected value, highest tenth first.
    pub deciles: Vec<ValueDecile>,
    /// The most valuable customers with P(alive) below [`SLIPPING_BELOW`], most valuable
    /// first, at most [`SLIPPING_LIMIT`].
    pub slipping: Vec<SlippingCustomer>,
    /// Expected against actual repeat purchases after `as_of` (absent when `as_of` is today
    /// or later, or the model could not be fitted).
    pub calibration: Option<Calibration>,
}

/// One tenth of the customers by expected value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValueDecile {
    /// 1 = the most valuable tenth.
    pub decile: u8,
    /// Customers in it.
    pub customers: usize,
    /// The lowest and highest expected value in it, in cents.
    pub min_cents: f64,
    /// The highest.
    pub max_cents: f64,
    /// Their expected value together, in cents.
    pub total_cents: f64,
}

/// A valuable customer the model thinks has probably stopped buying.
#[derive(Debug, Clone, PartialEq)]
pub struct SlippingCustomer {
    /// The customer.
    pub customer_id: CustomerId,
    /// Name, when known.
    pub name: Option<String>,
    /// Probability the customer is still buying.
    pub p_alive: f64,
    /// Expected value over the horizon, in cents.
    pub expected_value_cents: f64,
    /// Spent before `as_of`, in cents.
    pub spent_cents: i64,
    /// The last purchase day.
    pub last_purchase: NaiveDate,
    /// Purchase days before `as_of`.
    pub purchase_days: u32,
}

/// The model's expected repeat purchases after `as_of` against what happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Days after `as_of` compared (the horizon, or up to yesterday when shorter).
    pub days: u32,
    /// Sum over the customers of their expected purchase days in those days.
    pub expected_total: f64,
    /// Purchase days that happened, by customers who had bought before `as_of`.
    pub actual_total: i64,
    /// The same week by week.
    pub weeks: Vec<CalibrationWeek>,
}

/// One week of the calibration check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationWeek {
    /// Its first day.
    pub week: NaiveDate,
    /// Days of it compared (7, fewer for the last).
    pub days: u32,
    /// Expected purchase days.
    pub expected: f64,
    /// Purchase days that happened.
    pub actual: i64,
}

/// The models the refresh fitted for today, with their summary at the default horizon.
#[derive(Debug, Default)]
pub(crate) struct ValueBook {
    prepared: Mutex<Option<Arc<PreparedValue>>>,
}

/// What the refresh fitted, with its summary.
#[derive(Debug)]
pub(crate) struct PreparedValue {
    report: CustomerValueReport,
    fitted: Fitted,
}

impl ValueBook {
    pub(crate) fn install(&self, prepared: PreparedValue) {
        *self.prepared.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(prepared));
    }

    fn prepared(&self, as_of: NaiveDate) -> Option<Arc<PreparedValue>> {
        let prepared = self.prepared.lock().unwrap_or_else(PoisonError::into_inner);
        prepared.as_ref().filter(|p| p.report.models.as_of == as_of).map(Arc::clone)
    }
}

/// A customer's history as the models read it.
struct History {
    customer: i64,
    frequency: Frequency,
    mean_spend_cents: f64,
    spent_cents: i64,
    last: NaiveDate,
    purchase_days: u32,
}

fn histories(rows: &[PurchaseDays], as_of: NaiveDate) -> Vec<History> {
    let last_day = as_of.pred_opt().unwrap_or(as_of);
    let days = |from: NaiveDate, to: NaiveDate| u32::try_from((to - from).num_days().max(0)).unwrap_or(u32::MAX);
    rows.iter()
        .map(|row| {
            let repeats = u32::try_from(row.purchase_days.saturating_sub(1).max(0)).unwrap_or(u32::MAX);
            let recency = days(row.first_day, row.last_day);
            let frequency = Frequency {
                repeat_days: repeats.min(recency),
                recency_days: if repeats == 0 { 0 } else { recency },
                age_days: days(row.first_day, last_day).max(recency),
            };
            let repeat_spend = row.spend_cents.saturating_sub(row.first_day_cents);
            History {
                customer: row.customer_id,
                mean_spend_cents: if frequency.repeat_days == 0 {
                    0.0
                } else {
                    repeat_spend as f64 / f64::from(frequency.repeat_days)
                },
                frequency,
                spent_cents: row.spend_cents,
                last: row.last_day,
                purchase_days: repeats.saturating_add(1),
            }
        })
        .collect()
}

/// The fitted models, with the analytics crate's own types for scoring.
#[derive(Debug, Clone)]
struct Fitted {
    bg: Result<Fit<BgNbd>, FitError>,
    gg: Result<Fit<GammaGamma>, FitError>,
}

impl Fitted {
    fn of(histories: &[History]) -> Self {
        let frequencies: Vec<Frequency> = histories.iter().map(|h| h.frequency).collect();
        let spends: Vec<Spend> = histories
            .iter()
            .map(|h| Spend { repeat_days: h.frequency.repeat_days, mean_spend: h.mean_spend_cents })
            .collect();
        Self { bg: BgNbd::fit(&frequencies), gg: GammaGamma::fit(&spends) }
    }

    fn models(&self, as_of: NaiveDate) -> ValueModels {
        ValueModels {
            as_of,
            bg_nbd: self.bg.as_ref().map_err(ToString::to_string).map(|f| ModelFit {
                params: BgNbdParams { r: f.params.r, alpha: f.params.alpha, a: f.params.a, b: f.params.b },
                log_likelihood: f.log_likelihood,
                converged: f.converged,
                customers: f.customers,
            }),
            gamma_gamma: self.gg.as_ref().map_err(ToString::to_string).map(|f| ModelFit {
                params: GammaGammaParams { p: f.params.p, q: f.params.q, v: f.params.v },
                log_likelihood: f.log_likelihood,
                converged: f.converged,
                customers: f.customers,
            }),
        }
    }

    /// The customer's score: only from a fit that converged (one that did not is shown in
    /// the report, marked, but not applied to customers).
    fn score(&self, h: &History, horizon_days: u32) -> Option<ValueScoreDetail> {
        let bg = self.bg.as_ref().ok().filter(|f| f.converged)?;
        let gg = self.gg.as_ref().ok().filter(|f| f.converged).map(|f| &f.params);
        let value = score((&bg.params, gg), &h.frequency, h.mean_spend_cents, horizon_days, 0.0);
        Some(ValueScoreDetail {
            p_alive: value.p_alive,
            expected_purchases: value.expected_purchases,
            expected_mean_spend_cents: value.expected_spend,
            expected_value_cents: value.expected_value,
        })
    }
}

/// What the refresh computes: every customer's score at the default horizon (by customer
/// id, with their purchase days) and the summary it installs.
pub(crate) struct RefreshValue {
    pub scores: Vec<(i64, u32, Option<ValueScore>)>,
    pub prepared: PreparedValue,
}

/// Fits the models on the purchase days before `as_of` and scores every customer over
/// the default horizon (the refresh's step; no calibration: `as_of` is today).
pub(crate) fn for_refresh(snap: &mut Conn, as_of: NaiveDate) -> Result<RefreshValue, StorageError> {
    let rows = crm_storage::purchase_days(snap, as_of, None)?;
    let histories = histories(&rows, as_of);
    let fitted = Fitted::of(&histories);
    let horizon = DEFAULT_VALUE_HORIZON_DAYS;
    let scored: Vec<Option<ValueScoreDetail>> = histories.iter().map(|h| fitted.score(h, horizon)).collect();
    let scores = histories
        .iter()
        .zip(&scored)
        .map(|(h, s)| {
            let stored = s.map(|s| ValueScore {
                p_alive: s.p_alive,
                expected_purchases: s.expected_purchases,
                expected_value_cents: s.expected_value_cents.map(|v| v.round() as i64),
            });
            (h.customer, h.purchase_days, stored)
        })
        .collect();
    let report = summarise(&fitted, as_of, horizon, &histories, &scored, None);
    Ok(RefreshValue { scores, prepared: PreparedValue { report, fitted } })
}

fn summarise(
    fitted: &Fitted,
    as_of: NaiveDate,
    horizon_days: u32,
    histories: &[History],
    scored: &[Option<ValueScoreDetail>],
    calibration: Option<Calibration>,
) -> CustomerValueReport {
    let mut values: Vec<(f64, usize)> =
        scored.iter().enumerate().filter_map(|(i, s)| s.and_then(|s| s.expected_value_cents).map(|v| (v, i))).collect();
    values.sort_by(|l, r| r.0.total_cmp(&l.0).then(histories[l.1].customer.cmp(&histories[r.1].customer)));
    let deciles = deciles(&values);
    let total_value_cents = (!values.is_empty()).then(|| values.iter().map(|(v, _)| v).sum());
    let slipping = values
        .iter()
        .filter_map(|&(value, i)| {
            let s = scored[i]?;
            let h = &histories[i];
            let customer_id = CustomerId::try_from(h.customer).ok()?;
            (s.p_alive < SLIPPING_BELOW).then_some(SlippingCustomer {
                customer_id,
                name: None,
                p_alive: s.p_alive,
                expected_value_cents: value,
                spent_cents: h.spent_cents,
                last_purchase: h.last,
                purchase_days: h.purchase_days,
            })
        })
        .take(SLIPPING_LIMIT)
        .collect();
    CustomerValueReport {
        models: fitted.models(as_of),
        horizon_days,
        customers: histories.len(),
        repeat_customers: histories.iter().filter(|h| h.frequency.repeat_days > 0).count(),
        total_value_cents,
        deciles,
        slipping,
        calibration,
    }
}

/// Tenths of `values` (highest first): the first `n mod 10` tenths take one more.
fn deciles(values: &[(f64, usize)]) -> Vec<ValueDecile> {
    let n = values.len();
    if n == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut start = 0;
    for decile in 0..10 {
        let size = n / 10 + usize::from(decile < n % 10);
        if size == 0 {
            continue;
        }
        let part = &values[start..start + size];
        start += size;
        out.push(ValueDecile {
            decile: u8::try_from(decile + 1).unwrap_or(u8::MAX),
            customers: size,
            max_cents: part.first().map_or(0.0, |v| v.0),
            min_cents: part.last().map_or(0.0, |v| v.0),
            total_cents: part.iter().map(|v| v.0).sum(),
        });
    }
    out
}

/// Expected (from `fitted`) against actual purchase days in the `days` after `as_of`, week
/// by week.
fn calibrate(
    fitted: &Fitted,
    histories: &[History],
    as_of: NaiveDate,
    days: u32,
    actual: &[(NaiveDate, i64)],
    budget: &Budget,
) -> Result<Option<Calibration>, ServiceError> {
    let Some(bg) = fitted.bg.as_ref().ok().filter(|f| f.converged) else { return Ok(None) };
    if days == 0 {
        return Ok(None);
    }
    let ends: Vec<u32> = (1..=days.div_ceil(7)).map(|w| (w * 7).min(days)).collect();
    let mut expected = vec![0.0; ends.len()];
    for (n, h) in histories.iter().enumerate() {
        if n % 4096 == 0 {
            budget.check()?;
        }
        let mut before = 0.0;
        for (slot, &end) in expected.iter_mut().zip(&ends) {
            let upto = bg.params.expected_purchases(&h.frequency, f64::from(end));
            *slot += upto - before;
            before = upto;
        }
    }
    let mut weeks = Vec::with_capacity(ends.len());
    let mut start = 0u32;
    for (&end, &expected) in ends.iter().zip(&expected) {
        let from = as_of + Days::new(u64::from(start));
        let until = as_of + Days::new(u64::from(end));
        let actual = actual.iter().filter(|(d, _)| *d >= from && *d < until).map(|(_, n)| n).sum();
        weeks.push(CalibrationWeek { week: from, days: end - start, expected, actual });
        start = end;
    }
    Ok(Some(Calibration {
        days,
        expected_total: weeks.iter().map(|w| w.expected).sum(),
        actual_total: weeks.iter().map(|w| w.actual).sum(),
        weeks,
    }))
}

impl Service {
    /// `as_of` (default today), refused when after today; the horizon (default a year),
    /// refused outside 1..=[`MAX_VALUE_HORIZON_DAYS`].
    fn value_request(&self, as_of: Option<NaiveDate>, horizon: Option<u32>) -> Result<(NaiveDate, u32), ServiceError> {
        let today = self.today();
        let as_of = as_of.unwrap_or(today);
        if as_of > today {
            return Err(ServiceError::BadParameter(format!(
                "as_of must be today ({today}) or earlier: the models learn from the days before it, got {as_of}"
            )));
        }
        let horizon = horizon.unwrap_or(DEFAULT_VALUE_HORIZON_DAYS);
        if !(1..=MAX_VALUE_HORIZON_DAYS).contains(&horizon) {
            return Err(ServiceError::BadParameter(format!(
                "horizon_days must be between 1 and {MAX_VALUE_HORIZON_DAYS}, got {horizon}"
            )));
        }
        Ok((as_of, horizon))
    }

    /// The summary the refresh prepared, when it is the one asked for (today, the default
    /// horizon): cheap, nothing is fitted. `None` when it has to be computed.
    pub fn prepared_customer_value(
        &self,
        as_of: Option<NaiveDate>,
        horizon: Option<u32>,
    ) -> Result<Option<CustomerValueReport>, ServiceError> {
        let (as_of, horizon) = self.value_request(as_of, horizon)?;
        if horizon != DEFAULT_VALUE_HORIZON_DAYS {
            return Ok(None);
        }
        let Some(prepared) = self.values.prepared(as_of) else { return Ok(None) };
        let mut report = prepared.report.clone();
        self.name_slipping(&mut report)?;
        Ok(Some(report))
    }

    /// The models fitted on the purchase days before `as_of` (default today), the value of
    /// every customer over `horizon` days summarised, and for a past `as_of` the
    /// calibration check against what happened since.
    pub fn customer_value_report(
        &self,
        as_of: Option<NaiveDate>,
        horizon: Option<u32>,
        budget: &Budget,
    ) -> Result<CustomerValueReport, ServiceError> {
        let (as_of, horizon) = self.value_request(as_of, horizon)?;
        let today = self.today();
        let observed = u32::try_from((today - as_of).num_days()).unwrap_or(u32::MAX).min(horizon);
        let until = as_of + Days::new(u64::from(observed));
        let (rows, actual) = self.db.read(|conn| {
            let rows = crm_storage::purchase_days(conn, as_of, None)?;
            let actual = if observed > 0 { crm_storage::repeat_purchase_days(conn, as_of, until)? } else { Vec::new() };
            Ok::<_, StorageError>((rows, actual))
        })?;
        budget.check()?;
        let histories = histories(&rows, as_of);
        let fitted = Fitted::of(&histories);
        budget.check()?;
        let mut scored = Vec::with_capacity(histories.len());
        for (n, h) in histories.iter().enumerate() {
            if n % 4096 == 0 {
                budget.check()?;
            }
            scored.push(fitted.score(h, horizon));
        }
        let calibration = calibrate(&fitted, &histories, as_of, observed, &actual, budget)?;
        let mut report = summarise(&fitted, as_of, horizon, &histories, &scored, calibration);
        self.name_slipping(&mut report)?;
        Ok(report)
    }

    /// One customer's value over `horizon` days (default a year) from the models fitted
    /// before `as_of` (default today; the refresh's fit when it is today's).
    pub fn customer_value(
        &self,
        customer: CustomerId,
        as_of: Option<NaiveDate>,
        horizon: Option<u32>,
        budget: &Budget,
    ) -> Result<CustomerValue, ServiceError> {
        let (as_of, horizon) = self.value_request(as_of, horizon)?;
        // The refresh's models when they are the ones asked for: then only this customer's
        // purchases are read.
        let prepared = self.values.prepared(as_of);
        let only = prepared.is_some().then_some(customer.get());
        let (exists, rows) = self.db.read(|conn| {
            let exists = crm_storage::reads::customer_profile(conn, customer)?.is_some();
            let rows = if exists { crm_storage::purchase_days(conn, as_of, only)? } else { Vec::new() };
            Ok::<_, StorageError>((exists, rows))
        })?;
        if !exists {
            return Err(ServiceError::NotFound(format!("no customer with id {customer}")));
        }
        budget.check()?;
        let histories = histories(&rows, as_of);
        let fitted = match &prepared {
            Some(prepared) => prepared.fitted.clone(),
            None => Fitted::of(&histories),
        };
        let mine = histories.iter().find(|h| h.customer == customer.get());
        let unavailable = match (&fitted.bg, mine) {
            (_, None) => Some(format!("customer {customer} has no completed purchase before {as_of}")),
            (Err(error), Some(_)) => Some(format!("the purchase model could not be fitted: {error}")),
            (Ok(fit), Some(_)) if !fit.converged => Some(NOT_CONVERGED.to_owned()),
            (Ok(_), Some(_)) => None,
        };
        Ok(CustomerValue {
            customer_id: customer,
            as_of,
            horizon_days: horizon,
            repeat_purchase_days: mine.map_or(0, |h| h.frequency.repeat_days),
            recency_days: mine.map_or(0, |h| h.frequency.recency_days),
            age_days: mine.map_or(0, |h| h.frequency.age_days),
            mean_repeat_spend_cents: mine.filter(|h| h.frequency.repeat_days > 0).map(|h| h.mean_spend_cents),
            score: mine.and_then(|h| fitted.score(h, horizon)),
            unavailable,
        })
    }

    /// Puts the names on the slipping list (read now: a name may have changed, or been
    /// erased, since the refresh).
    fn name_slipping(&self, report: &mut CustomerValueReport) -> Result<(), ServiceError> {
        if report.slipping.is_empty() {
            return Ok(());
        }
        self.db.read(|conn| {
            for customer in &mut report.slipping {
                customer.name = crm_storage::reads::customer_profile(conn, customer.customer_id)?.and_then(|p| p.name);
            }
            Ok::<_, StorageError>(())
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_history_is_counted_in_purchase_days_before_as_of() {
        let row = PurchaseDays {
            customer_id: 7,
            purchase_days: 3,
            first_day: d("2025-01-01"),
            last_day: d("2025-01-31"),
            spend_cents: 10_000,
            first_day_cents: 4_000,
        };
        let h = &histories(&[row], d("2025-03-01"))[0];
        assert_eq!(h.frequency, Frequency { repeat_days: 2, recency_days: 30, age_days: 58 });
        assert_eq!(h.mean_spend_cents, 3_000.0);
        assert_eq!(h.purchase_days, 3);
    }

    #[test]
    fn deciles_split_the_customers_into_tenths_highest_first() {
        let values: Vec<(f64, usize)> = (0..23).rev().map(|v| (f64::from(v), 0)).collect();
        let tenths = deciles(&values);
        assert_eq!(tenths.iter().map(|t| t.customers).collect::<Vec<_>>(), [3, 3, 3, 2, 2, 2, 2, 2, 2, 2]);
        assert_eq!((tenths[0].max_cents, tenths[0].min_cents, tenths[0].total_cents), (22.0, 20.0, 63.0));
        assert_eq!((tenths[9].max_cents, tenths[9].min_cents), (1.0, 0.0));
        assert!(deciles(&[]).is_empty());
    }
}
