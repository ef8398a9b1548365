//! Customer value: who is still a customer, how much they will buy, what they are worth.
//!
//! Two models from marketing science, fitted by maximum likelihood over the whole customer
//! list and then applied to each customer:
//!
//! - **BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while
//!   alive, a customer buys at a steady personal rate λ (Gamma(r, α) across customers);
//!   after each purchase they drop out for good with a personal probability p
//!   (Beta(a, b) across customers). From a customer's repeat-purchase count `x`, recency
//!   `t_x` and age `T` it gives the probability the customer is still alive and the
//!   purchases expected in the next `t` days.
//! - **Gamma-Gamma** (Fader, Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang 1999): each
//!   purchase's spend is Gamma(p, ν) with a personal ν ~ Gamma(q, v), independent of the
//!   purchase rate. From a repeat customer's mean spend over `x` purchases it gives the
//!   spend to expect per purchase.
//!
//! Time is counted in whole days: a purchase is a *day* with at least one purchase (several
//! sales on one day are one purchase, their spend summed), `x` excludes the first purchase
//! day, and α is per day. Weekly figures from the literature convert by α_day = 7 α_week;
//! r, a, b, p, q, v do not change with the unit, and the log-likelihood shifts by
//! `-Σx · ln 7`.
//!
//! Numerics. The fits run in log-parameters (every parameter stays positive), with the
//! log-likelihood and its exact gradient in log-space (`statrs`' log-gamma and digamma),
//! by L-BFGS from `argmin`, falling back to Nelder-Mead when a line search fails. The
//! customers are grouped by their distinct counts and days, so a fit over a million
//! customers costs a pass over their distinct histories per step. A fit reports whether
//! it converged (the gradient of the mean log-likelihood is below [`GRADIENT_TOLERANCE`]);
//! nothing here returns NaN. The conditional expectation needs the Gaussian hypergeometric
//! function ₂F₁(r+x, b+x; a+b+x−1; z), whose series grows with `x` like (1−z)^−x before the
//! factor in front shrinks it again; Euler's transformation turns it into
//! (1−z)^(a−1) ₂F₁(a+b−1−r, a−1; a+b+x−1; z), whose upper parameters do not grow with
//! `x` and whose series converges geometrically for every horizon (see
//! [`BgNbd::expected_purchases`]).

use argmin::core::{CostFunction, Error as ArgminError, Executor, Gradient, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::neldermead::NelderMead;
use argmin::solver::quasinewton::LBFGS;
use nalgebra::DVector;
use statrs::function::gamma::{digamma, ln_gamma};

/// The largest gradient norm (of the mean log-likelihood per customer, in log-parameters)
/// a fit may end with and count as converged.
pub const GRADIENT_TOLERANCE: f64 = 1e-5;

/// Steps L-BFGS may take (Nelder-Mead, three times as many). A well-posed fit needs a few
/// dozen; data the model cannot separate (every customer alike, nobody leaving) walks the
/// parameters off towards infinity, and the caps bound that walk's time.
const MAX_ITERATIONS: u64 = 200;

/// A log-parameter beyond this (a parameter above 3.3 million or below 3·10⁻⁷) means the fit
/// is walking off to a limit of the model: it is reported as not converged, without the
/// Nelder-Mead retry.
const RUNAWAY_LOG_PARAMETER: f64 = 15.0;

/// The fewest repeat customers (`x > 0`) a fit accepts: below it the drop-out and the
/// spend distributions are not identified by the data.
pub const MIN_REPEAT_CUSTOMERS: usize = 10;

/// One customer's purchase history, in whole days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Frequency {
    /// Repeat purchase days: days with a purchase after the first purchase day (`x`).
    pub repeat_days: u32,
    /// Days from the first purchase day to the last (`t_x`; 0 without repeats).
    pub recency_days: u32,
    /// Days from the first purchase day to the last day of the history (`T`).
    pub age_days: u32,
}

impl Frequency {
    /// A history, checked: recency within age, no repeats without recency and no recency
    /// without repeats, at most one purchase a day.
    pub fn new(repeat_days: u32, recency_days: u32, age_days: u32) -> Result<Self, HistoryError> {
        if recency_days > age_days {
            return Err(HistoryError::RecencyAfterAge);
        }
        if (repeat_days == 0) != (recency_days == 0) {
            return Err(HistoryError::RepeatsWithoutRecency);
        }
        if repeat_days > recency_days {
            return Err(HistoryError::MoreRepeatsThanDays);
        }
        Ok(Self { repeat_days, recency_days, age_days })
    }
}

/// What is wrong with a [`Frequency`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    /// `t_x > T`.
    #[error("the last purchase day is after the end of the history")]
    RecencyAfterAge,
    /// `x > 0` with `t_x = 0`, or `x = 0` with `t_x > 0`.
    #[error("repeat purchases and recency disagree (one is zero, the other is not)")]
    RepeatsWithoutRecency,
    /// `x > t_x`: more repeat purchase days than days after the first.
    #[error("more repeat purchase days than days since the first purchase")]
    MoreRepeatsThanDays,
}

/// Why a model could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// Too few repeat customers to identify the model.
    #[error("{found} repeat customers; the model needs at least {needed}")]
    TooFewRepeatCustomers {
        /// Repeat customers in the data.
        found: usize,
        /// [`MIN_REPEAT_CUSTOMERS`].
        needed: usize,
    },
    /// Both optimisers failed outright (not merely short of convergence).
    #[error("the optimiser failed: {0}")]
    Optimiser(String),
}

/// A fitted model's parameters with how the fit went.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit<P> {
    /// The maximum-likelihood parameters.
    pub params: P,
    /// The total log-likelihood at them.
    pub log_likelihood: f64,
    /// Whether the optimiser reached a stationary point ([`GRADIENT_TOLERANCE`]).
    pub converged: bool,
    /// Customers the fit used.
    pub customers: usize,
}

/// BG/NBD parameters: purchase rate λ ~ Gamma(r, α) (α per day), drop-out probability
/// p ~ Beta(a, b).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbd {
    /// Shape of the purchase-rate distribution.
    pub r: f64,
    /// Scale of the purchase-rate distribution, in days (the mean rate is r/α a day).
    pub alpha: f64,
    /// First shape of the drop-out distribution.
    pub a: f64,
    /// Second shape of the drop-out distribution.
    pub b: f64,
}

impl BgNbd {
    /// Fits the model by maximum likelihood over every customer's history.
    ///
    /// ```
    /// use crm_analytics::value::{BgNbd, Frequency};
    /// // A year of 400 simulated customers: each buys at a rate between 0.01 and 0.1 a day
    /// // and, after each purchase, stops for good with a probability between 0.1 and 0.5.
    /// let mut seed = 7u64;
    /// let mut uniform = || {
    ///     seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    ///     (seed >> 33) as f64 / (1u64 << 31) as f64
    /// };
    /// let mut customers = Vec::new();
    /// for _ in 0..400 {
    ///     let (rate, quit) = (0.01 + 0.09 * uniform(), 0.1 + 0.4 * uniform());
    ///     let (mut repeat_days, mut last_day, mut t) = (0, 0, 0.0_f64);
    ///     loop {
    ///         t += -(1.0 - uniform()).ln() / rate;
    ///         if t >= 365.0 {
    ///             break;
    ///         }
    ///         let day = t.ceil() as u32;
    ///         if day > last_day {
    ///             (repeat_days, last_day) = (repeat_days + 1, day);
    ///         }
    ///         if uniform() < quit {
    ///             break;
    ///         }
    ///     }
    ///     customers.push(Frequency::new(repeat_days, last_day, 365).unwrap());
    /// }
    /// let fit = BgNbd::fit(&customers).unwrap();
    /// assert!(fit.converged);
    /// // The mean rate r/α is about the simulated 0.055 a day, the mean drop-out a/(a+b)
    /// // about the simulated 0.3.
    /// let p = fit.params;
    /// assert!((p.r / p.alpha - 0.055).abs() < 0.01, "{p:?}");
    /// assert!((p.a / (p.a + p.b) - 0.3).abs() < 0.08, "{p:?}");
    /// ```
    pub fn fit(customers: &[Frequency]) -> Result<Fit<Self>, FitError> {
        let repeaters = customers.iter().filter(|c| c.repeat_days > 0).count();
        if repeaters < MIN_REPEAT_CUSTOMERS {
            return Err(FitError::TooFewRepeatCustomers { found: repeaters, needed: MIN_REPEAT_CUSTOMERS });
        }
        let problem = BgNbdLikelihood::new(customers);
        let mean_age = customers.iter().map(|c| f64::from(c.age_days)).sum::<f64>() / customers.len() as f64;
        let start = [0.0, mean_age.max(1.0).ln(), 0.0, 0.0];
        let found = minimize(&problem, &start)?;
        let params = Self::from_log(&found.at);
        Ok(Fit {
            params,
            log_likelihood: -found.cost * problem.customers,
            converged: found.converged,
            customers: customers.len(),
        })
    }

    fn from_log(theta: &[f64]) -> Self {
        let at = |i: usize| theta.get(i).copied().unwrap_or(0.0).exp();
        Self { r: at(0), alpha: at(1), a: at(2), b: at(3) }
    }

    /// The total log-likelihood of `customers` under these parameters.
    pub fn log_likelihood(&self, customers: &[Frequency]) -> f64 {
        let theta = [self.r.ln(), self.alpha.ln(), self.a.ln(), self.b.ln()];
        let problem = BgNbdLikelihood::new(customers);
        -problem.evaluate(&theta).0 * problem.customers
    }

    /// The probability that a customer with this history is still alive (will buy again):
    /// 1 for a customer without repeat purchases (the model lets a customer drop out only
    /// right after a purchase).
    ///
    /// P = 1 / (1 + a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)) for x > 0.
    pub fn p_alive(&self, h: &Frequency) -> f64 {
        if h.repeat_days == 0 {
            return 1.0;
        }
        let x = f64::from(h.repeat_days);
        let log_odds_dead = self.a.ln() - (self.b + x - 1.0).ln()
            + (self.r + x)
                * ((self.alpha + f64::from(h.age_days)).ln() - (self.alpha + f64::from(h.recency_days)).ln());
        logistic(-log_odds_dead)
    }

    /// Purchase days expected from a customer with this history in the `horizon_days`
    /// after the history ends (Fader, Hardie & Lee 2005, eq. 10):
    ///
    /// E = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z)] · P(alive),
    /// z = t/(α+T+t).
    ///
    /// Euler's transformation ₂F₁(A', B'; C; z) = (1−z)^(C−A'−B') ₂F₁(C−A', C−B'; C; z)
    /// turns the bracket into 1 − (1−z)^β F with β = a−1, F = ₂F₁(a+b−1−r, β; C; z),
    /// C = a+b+x−1. Writing F = 1 + β·G (every term of F's series past the first carries
    /// the factor β), the division by a−1 disappears:
    ///
    /// E = [C·(1 − (1−z)^β)/β − (1−z)^β · C·G] · P(alive),
    ///
    /// where (1 − (1−z)^β)/β = −expm1(β ln(1−z))/β (→ −ln(1−z) as β → 0), and C·G is the
    /// series Σₙ₌₁ (A)ₙ (β+1)ₙ₋₁ / ((C+1)ₙ₋₁ n!) zⁿ, A = a+b−1−r, whose terms keep a
    /// bounded size whatever `x` is and shrink like zⁿ.
    pub fn expected_purchases(&self, h: &Frequency, horizon_days: f64) -> f64 {
        if horizon_days.is_nan() || horizon_days <= 0.0 {
            return 0.0;
        }
        let x = f64::from(h.repeat_days);
        let base = self.alpha + f64::from(h.age_days);
        let z = horizon_days / (base + horizon_days);
        // ln(1−z) = ln((α+T)/(α+T+t)), without the cancellation of 1 − z.
        let ln_rest = -(horizon_days / base).ln_1p();
        let beta = self.a - 1.0;
        let c = self.a + self.b + x - 1.0;
        let ratio = if beta.abs() < 1e-12 { -ln_rest } else { -(beta * ln_rest).exp_m1() / beta };
        let (series, _) = euler_series(self.a + self.b - 1.0 - self.r, beta, c, z);
        let value = (c * ratio - (beta * ln_rest).exp() * series) * self.p_alive(h);
        if value.is_finite() { value.max(0.0) } else { 0.0 }
    }
}

/// Σₙ₌₁ (A)ₙ (β+1)ₙ₋₁ / ((C+1)ₙ₋₁ n!) zⁿ for 0 ≤ z < 1, summed until a term no longer
/// changes the sum. Past n ≈ |A|+|β| the ratio of successive terms is below z, so the tail
/// after a negligible term is negligible too.
fn euler_series(a: f64, beta: f64, c: f64, z: f64) -> (f64, u32) {
    let mut term = a * z;
    let mut sum = term;
    let mut n = 1.0_f64;
    // At z = 0.999 (a ten-year horizon for a customer of a few days) the series needs
    // about 40,000 terms; the cap is far above any horizon the service accepts.
    for _ in 0..1_000_000 {
        term *= (a + n) * (beta + n) / ((c + n) * (n + 1.0)) * z;
        sum += term;
        n += 1.0;
        if term.abs() <= 1e-17 * sum.abs() && n > a.abs() + beta.abs() + 1.0 || term == 0.0 {
            break;
        }
        // Past what a float holds (β·z in the millions, as a fit running off gives, grows
        // the terms like a power series of e^βz): no later term makes the sum a number again.
        if !sum.is_finite() {
            break;
        }
    }
    // Terms summed after the first.
    (sum, n as u32 - 1)
}

fn logistic(log_odds: f64) -> f64 {
    if log_odds >= 0.0 { 1.0 / (1.0 + (-log_odds).exp()) } else { log_odds.exp() / (1.0 + log_odds.exp()) }
}

/// One repeat customer's spend: their repeat purchase days and the mean spend per repeat
/// purchase day (the first purchase day left out, same-day sales summed), in any currency
/// unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spend {
    /// Repeat purchase days (`x` > 0).
    pub repeat_days: u32,
    /// Mean spend per repeat purchase day (> 0).
    pub mean_spend: f64,
}

/// Gamma-Gamma parameters: a purchase's spend ~ Gamma(p, ν), ν ~ Gamma(q, v).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGamma {
    /// Shape of each purchase's spend.
    pub p: f64,
    /// Shape of the spend-rate distribution.
    pub q: f64,
    /// Scale of the spend-rate distribution (a currency amount).
    pub v: f64,
}

impl GammaGamma {
    /// Fits the model over the repeat customers with a positive mean spend (a customer
    /// whose refunds outweigh their purchases, or with no repeat purchase, tells it
    /// nothing and is left out).
    pub fn fit(customers: &[Spend]) -> Result<Fit<Self>, FitError> {
        let used: Vec<Spend> = usable(customers).collect();
        if used.len() < MIN_REPEAT_CUSTOMERS {
            return Err(FitError::TooFewRepeatCustomers { found: used.len(), needed: MIN_REPEAT_CUSTOMERS });
        }
        let problem = GammaGammaLikelihood::new(&used);
        let mean = used.iter().map(|c| c.mean_spend).sum::<f64>() / used.len() as f64;
        let start = [0.0, 0.0, mean.ln()];
        let found = minimize(&problem, &start)?;
        let at = |i: usize| found.at.get(i).copied().unwrap_or(0.0).exp();
        Ok(Fit {
            params: Self { p: at(0), q: at(1), v: at(2) },
            log_likelihood: -found.cost * problem.customers,
            converged: found.converged,
            customers: used.len(),
        })
    }

    /// The total log-likelihood of the usable `customers` under these parameters.
    pub fn log_likelihood(&self, customers: &[Spend]) -> f64 {
        let used: Vec<Spend> = usable(customers).collect();
        let problem = GammaGammaLikelihood::new(&used);
        -problem.evaluate(&[self.p.ln(), self.q.ln(), self.v.ln()]).0 * problem.customers
    }

    /// The population's mean spend per purchase, p·v/(q−1); `None` when q ≤ 1 (the
    /// fitted distribution has no finite mean).
    pub fn population_mean(&self) -> Option<f64> {
        (self.q > 1.0).then(|| self.p * self.v / (self.q - 1.0))
    }

    /// The spend per purchase to expect from a customer with `repeat_days` repeat
    /// purchases of mean `mean_spend` (ignored without repeats):
    /// p(v + x·m)/(p·x + q − 1), a weighted mean of the population's mean and the
    /// customer's own, the customer's weight growing with x. `None` when q ≤ 1 and the
    /// customer has no repeats to go on.
    pub fn expected_spend(&self, repeat_days: u32, mean_spend: f64) -> Option<f64> {
        let x = f64::from(repeat_days);
        let m = if repeat_days == 0 || !mean_spend.is_finite() { 0.0 } else { mean_spend.max(0.0) };
        let denominator = self.p * x + self.q - 1.0;
        (denominator > 0.0).then(|| self.p * (self.v + x * m) / denominator).filter(|e| e.is_finite())
    }
}

fn usable(customers: &[Spend]) -> impl Iterator<Item = Spend> + '_ {
    customers.iter().copied().filter(|c| c.repeat_days > 0 && c.mean_spend > 0.0 && c.mean_spend.is_finite())
}

/// A customer's value over a horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerValue {
    /// Probability the customer is still alive.
    pub p_alive: f64,
    /// Purchase days expected in the horizon.
    pub expected_purchases: f64,
    /// Spend expected per purchase day (`None` without a spend model).
    pub expected_spend: Option<f64>,
    /// Expected purchases × expected spend, discounted if asked (`None` without a spend
    /// model).
    pub expected_value: Option<f64>,
}

/// Scores one customer over `horizon_days`. With `annual_discount` > 0, the value's
/// purchases are discounted month by month (30-day steps, each step's expected purchases
/// at (1+d)^(−end of step / 365)); 0 leaves it undiscounted.
pub fn score(
    (bg, gg): (&BgNbd, Option<&GammaGamma>),
    history: &Frequency,
    mean_spend: f64,
    horizon_days: u32,
    annual_discount: f64,
) -> CustomerValue {
    let horizon = f64::from(horizon_days);
    let expected_purchases = bg.expected_purchases(history, horizon);
    let expected_spend = gg.and_then(|gg| gg.expected_spend(history.repeat_days, mean_spend));
    let discounted_purchases = if annual_discount > 0.0 && annual_discount.is_finite() {
        let mut total = 0.0;
        let mut before = 0.0;
        let mut end = 0u32;
        while end < horizon_days {
            end = end.saturating_add(30).min(horizon_days);
            let upto = bg.expected_purchases(history, f64::from(end));
            total += (upto - before) / (1.0 + annual_discount).powf(f64::from(end) / 365.0);
            before = upto;
        }
        total
    } else {
        expected_purchases
    };
    CustomerValue {
        p_alive: bg.p_alive(history),
        expected_purchases,
        expected_spend,
        expected_value: expected_spend.map(|s| s * discounted_purchases),
    }
}

/// A negative mean log-likelihood and its gradient in log-parameters.
trait Likelihood {
    /// (−mean log-likelihood, its gradient with respect to the log-parameters).
    fn evaluate(&self, theta: &[f64]) -> (f64, Vec<f64>);
}

/// BG/NBD's likelihood over customers grouped by distinct history.
struct BgNbdLikelihood {
    /// Distinct repeat counts, ascending, with the number of customers having each.
    counts: Vec<(u32, f64)>,
    /// Distinct (index into `counts`, t_x, T) with the number of customers having it.
    rows: Vec<(usize, u32, u32, f64)>,
    longest: u32,
    customers: f64,
}

impl BgNbdLikelihood {
    fn new(customers: &[Frequency]) -> Self {
        let mut sorted = customers.to_vec();
        sorted.sort_unstable();
        let mut counts: Vec<(u32, f64)> = Vec::new();
        let mut rows: Vec<(usize, u32, u32, f64)> = Vec::new();
        for c in &sorted {
            match counts.last_mut() {
                Some((x, n)) if *x == c.repeat_days => *n += 1.0,
                _ => counts.push((c.repeat_days, 1.0)),
            }
            let at = counts.len() - 1;
            match rows.last_mut() {
                Some((i, t_x, age, n)) if *i == at && *t_x == c.recency_days && *age == c.age_days => *n += 1.0,
                _ => rows.push((at, c.recency_days, c.age_days, 1.0)),
            }
        }
        let longest = customers.iter().map(|c| c.age_days).max().unwrap_or(0);
        Self { counts, rows, longest, customers: customers.len().max(1) as f64 }
    }
}

impl Likelihood for BgNbdLikelihood {
    fn evaluate(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        let BgNbd { r, alpha, a, b } = BgNbd::from_log(theta);
        // ln(α+d) and 1/(α+d) for every day count a history can have.
        let ln_day: Vec<f64> = (0..=self.longest).map(|d| (alpha + f64::from(d)).ln()).collect();
        let inv_day: Vec<f64> = (0..=self.longest).map(|d| 1.0 / (alpha + f64::from(d))).collect();
        let (lg_r, lg_b, lg_ab) = (ln_gamma(r), ln_gamma(b), ln_gamma(a + b));
        let (dg_r, dg_b, dg_ab) = (digamma(r), digamma(b), digamma(a + b));
        let ln_alpha = alpha.ln();
        // The terms that depend on x alone, per distinct x.
        struct PerCount {
            x: f64,
            ll: f64,
            d_r: f64,
            d_a: f64,
            d_b: f64,
            /// ln a − ln(b+x−1), the second term's constant (x > 0).
            second: f64,
        }
        let per_count: Vec<PerCount> = self
            .counts
            .iter()
            .map(|&(x, _)| {
                let x = f64::from(x);
                PerCount {
                    x,
                    ll: ln_gamma(r + x) - lg_r + r * ln_alpha + lg_ab + ln_gamma(b + x) - lg_b - ln_gamma(a + b + x),
                    d_r: digamma(r + x) - dg_r + ln_alpha,
                    d_a: dg_ab - digamma(a + b + x),
                    d_b: dg_ab + digamma(b + x) - dg_b - digamma(a + b + x),
                    second: if x > 0.0 { a.ln() - (b + x - 1.0).ln() } else { f64::NEG_INFINITY },
                }
            })
            .collect();
        let (mut ll, mut g_r, mut g_alpha, mut g_a, mut g_b) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (pc, &(_, n)) in per_count.iter().zip(&self.counts) {
            ll += n * pc.ll;
            g_r += n * pc.d_r;
            g_alpha += n * r / alpha;
            g_a += n * pc.d_a;
            g_b += n * pc.d_b;
        }
        for &(i, t_x, age, n) in &self.rows {
            let Some(pc) = per_count.get(i) else { continue };
            let (ln_t, ln_tx) = (ln_day[age as usize], ln_day[t_x as usize]);
            let (inv_t, inv_tx) = (inv_day[age as usize], inv_day[t_x as usize]);
            let first = -(r + pc.x) * ln_t;
            if pc.x == 0.0 {
                ll += n * first;
                g_r -= n * ln_t;
                g_alpha -= n * (r + pc.x) * inv_t;
                continue;
            }
            let second = pc.second - (r + pc.x) * ln_tx;
            let (hi, lo) = if first >= second { (first, second) } else { (second, first) };
            let total = hi + (lo - hi).exp().ln_1p();
            // The second term's share of the sum.
            let w = (second - total).exp();
            ll += n * total;
            g_r -= n * ((1.0 - w) * ln_t + w * ln_tx);
            g_alpha -= n * (r + pc.x) * ((1.0 - w) * inv_t + w * inv_tx);
            g_a += n * w / a;
            g_b -= n * w / (b + pc.x - 1.0);
        }
        let m = self.customers;
        (-ll / m, vec![-g_r * r / m, -g_alpha * alpha / m, -g_a * a / m, -g_b * b / m])
    }
}

/// Gamma-Gamma's likelihood over the usable repeat customers.
struct GammaGammaLikelihood {
    /// Distinct repeat counts with their customers' (ln m, m) and the number of them.
    counts: Vec<(u32, f64)>,
    /// (index into `counts`, m, ln m).
    rows: Vec<(usize, f64, f64)>,
    customers: f64,
}

impl GammaGammaLikelihood {
    fn new(customers: &[Spend]) -> Self {
        let mut sorted = customers.to_vec();
        sorted.sort_unstable_by(|l, r| l.repeat_days.cmp(&r.repeat_days).then(l.mean_spend.total_cmp(&r.mean_spend)));
        let mut counts: Vec<(u32, f64)> = Vec::new();
        let mut rows = Vec::with_capacity(sorted.len());
        for c in &sorted {
            match counts.last_mut() {
                Some((x, n)) if *x == c.repeat_days => *n += 1.0,
                _ => counts.push((c.repeat_days, 1.0)),
            }
            rows.push((counts.len() - 1, c.mean_spend, c.mean_spend.ln()));
        }
        Self { counts, rows, customers: customers.len().max(1) as f64 }
    }
}

impl Likelihood for GammaGammaLikelihood {
    fn evaluate(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        let at = |i: usize| theta.get(i).copied().unwrap_or(0.0).exp();
        let (p, q, v) = (at(0), at(1), at(2));
        let (lg_q, dg_q, ln_v) = (ln_gamma(q), digamma(q), v.ln());
        // Per distinct x: ln Γ(px+q) − ln Γ(px), ψ(px+q), ψ(px), ln x.
        let per_count: Vec<(f64, f64, f64, f64, f64)> = self
            .counts
            .iter()
            .map(|&(x, _)| {
                let x = f64::from(x);
                let px = p * x;
                (x, ln_gamma(px + q) - ln_gamma(px), digamma(px + q), digamma(px), x.ln())
            })
            .collect();
        let (mut ll, mut g_p, mut g_q, mut g_v) = (0.0, 0.0, 0.0, 0.0);
        for (&(x, lg, dg_pxq, dg_px, ln_x), &(_, n)) in per_count.iter().zip(&self.counts) {
            ll += n * (lg - lg_q + q * ln_v + p * x * ln_x);
            g_p += n * x * (dg_pxq - dg_px + ln_x);
            g_q += n * (dg_pxq - dg_q + ln_v);
            g_v += n * q / v;
        }
        for &(i, m, ln_m) in &self.rows {
            let Some(&(x, ..)) = per_count.get(i) else { continue };
            let px = p * x;
            let ln_sum = (x * m + v).ln();
            ll += (px - 1.0) * ln_m - (px + q) * ln_sum;
            g_p += x * ln_m - x * ln_sum;
            g_q -= ln_sum;
            g_v -= (px + q) / (x * m + v);
        }
        let n = self.customers;
        (-ll / n, vec![-g_p * p / n, -g_q * q / n, -g_v * v / n])
    }
}

/// What an optimiser found.
struct Minimum {
    at: Vec<f64>,
    cost: f64,
    converged: bool,
}

/// Keeps `found` if it beats `best`: a converged point beats one that is not; between two
/// alike, the lower cost.
fn keep(best: &mut Option<Minimum>, found: Minimum) {
    if best
        .as_ref()
        .is_none_or(|b| found.cost < b.cost && found.converged >= b.converged || found.converged && !b.converged)
    {
        *best = Some(found);
    }
}

/// Minimises `problem` from `start`: L-BFGS (More-Thuente line search) first; if it
/// fails or stops short of [`GRADIENT_TOLERANCE`], Nelder-Mead from its best point and
/// L-BFGS again from there. Returns the best point seen, converged or not.
fn minimize<L: Likelihood>(problem: &L, start: &[f64]) -> Result<Minimum, FitError> {
    let mut best: Option<Minimum> = None;
    let mut failures = Vec::new();
    match lbfgs(problem, start) {
        Ok(found) if found.converged => return Ok(found),
        Ok(found) if found.at.iter().any(|t| t.abs() > RUNAWAY_LOG_PARAMETER) => return Ok(found),
        Ok(found) => keep(&mut best, found),
        Err(error) => failures.push(error),
    }
    let from = best.as_ref().map_or_else(|| start.to_vec(), |b| b.at.clone());
    match nelder_mead(problem, &from) {
        Ok(found) => {
            let polish_from = found.at.clone();
            keep(&mut best, found);
            match lbfgs(problem, &polish_from) {
                Ok(found) => keep(&mut best, found),
                Err(error) => failures.push(error),
            }
        }
        Err(error) => failures.push(error),
    }
    best.ok_or_else(|| FitError::Optimiser(failures.join("; ")))
}

/// Checks a point: its cost and gradient norm, converged when finite and flat.
fn judge<L: Likelihood>(problem: &L, at: Vec<f64>) -> Result<Minimum, String> {
    let (cost, gradient) = problem.evaluate(&at);
    let norm = gradient.iter().map(|g| g * g).sum::<f64>().sqrt();
    if !cost.is_finite() || at.iter().any(|t| !t.is_finite()) {
        return Err("the optimiser left the model's range".to_owned());
    }
    Ok(Minimum { at, cost, converged: norm.is_finite() && norm <= GRADIENT_TOLERANCE })
}

/// The problem as argmin sees it: a cost and a gradient over log-parameters.
struct Objective<'a, L>(&'a L);

impl<L: Likelihood> CostFunction for Objective<'_, L> {
    type Param = DVector<f64>;
    type Output = f64;

    fn cost(&self, theta: &Self::Param) -> Result<f64, ArgminError> {
        let cost = self.0.evaluate(theta.as_slice()).0;
        // Nelder-Mead compares costs; an infinite one is simply worse. L-BFGS's line search
        // backs off from it.
        Ok(if cost.is_nan() { f64::INFINITY } else { cost })
    }
}

impl<L: Likelihood> Gradient for Objective<'_, L> {
    type Param = DVector<f64>;
    type Gradient = DVector<f64>;

    fn gradient(&self, theta: &Self::Param) -> Result<Self::Gradient, ArgminError> {
        let gradient = self.0.evaluate(theta.as_slice()).1;
        if gradient.iter().any(|g| !g.is_finite()) {
            return Err(ArgminError::msg("the gradient is not finite here"));
        }
        Ok(DVector::from_vec(gradient))
    }
}

fn lbfgs<L: Likelihood>(problem: &L, start: &[f64]) -> Result<Minimum, String> {
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
        .with_tolerance_grad(GRADIENT_TOLERANCE / 10.0)
        .and_then(|s| s.with_tolerance_cost(1e-12))
        .map_err(|e| e.to_string())?;
    let run = Executor::new(Objective(problem), solver)
        .configure(|state| state.param(DVector::from_column_slice(start)).max_iters(MAX_ITERATIONS))
        .run()
        .map_err(|e| format!("L-BFGS: {e}"))?;
    let state = run.state();
    let at = state.get_best_param().map(|p| p.as_slice().to_vec()).ok_or("L-BFGS returned no point")?;
    judge(problem, at)
}

fn nelder_mead<L: Likelihood>(problem: &L, start: &[f64]) -> Result<Minimum, String> {
    // The initial simplex: the start and one step of 0.5 (a factor of 1.65) along each
    // log-parameter.
    let mut simplex = vec![DVector::from_column_slice(start)];
    for i in 0..start.len() {
        let mut vertex = DVector::from_column_slice(start);
        vertex[i] += 0.5;
        simplex.push(vertex);
    }
    let solver = NelderMead::new(simplex).with_sd_tolerance(1e-12).map_err(|e| e.to_string())?;
    let run = Executor::new(Objective(problem), solver)
        .configure(|state| state.max_iters(MAX_ITERATIONS * 3))
        .run()
        .map_err(|e| format!("Nelder-Mead: {e}"))?;
    let state = run.state();
    if matches!(state.get_termination_reason(), Some(TerminationReason::SolverExit(_))) {
        return Err("Nelder-Mead gave up".to_owned());
    }
    let at = state.get_best_param().map(|p| p.as_slice().to_vec()).ok_or("Nelder-Mead returned no point")?;
    judge(problem, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(x: u32, t_x: u32, age: u32) -> Frequency {
        Frequency { repeat_days: x, recency_days: t_x, age_days: age }
    }

    /// The published CDNOW estimates (weekly α × 7).
    fn cdnow() -> BgNbd {
        BgNbd { r: 0.2426, alpha: 4.4137 * 7.0, a: 0.7930, b: 2.4262 }
    }

    /// The exact gradient of `problem` at `theta` against central differences.
    fn check_gradient(problem: &impl Likelihood, theta: &[f64]) {
        let (_, gradient) = problem.evaluate(theta);
        for i in 0..theta.len() {
            let step = 1e-6;
            let (mut up, mut down) = (theta.to_vec(), theta.to_vec());
            up[i] += step;
            down[i] -= step;
            let numeric = (problem.evaluate(&up).0 - problem.evaluate(&down).0) / (2.0 * step);
            assert!((numeric - gradient[i]).abs() < 1e-7, "parameter {i}: {numeric} vs {}", gradient[i]);
        }
    }

    #[test]
    fn the_gradient_is_the_likelihoods_slope() {
        let customers = [h(0, 0, 200), h(1, 30, 200), h(2, 212, 272), h(5, 100, 273), h(14, 250, 260), h(3, 10, 273)];
        check_gradient(&BgNbdLikelihood::new(&customers), &[0.3_f64.ln(), 20.0_f64.ln(), 0.8_f64.ln(), 2.0_f64.ln()]);
        let spends = [
            Spend { repeat_days: 1, mean_spend: 20.0 },
            Spend { repeat_days: 5, mean_spend: 35.5 },
            Spend { repeat_days: 2, mean_spend: 12.25 },
        ];
        check_gradient(&GammaGammaLikelihood::new(&spends), &[2.0_f64.ln(), 3.0_f64.ln(), 15.0_f64.ln()]);
    }

    #[test]
    fn the_likelihood_of_one_customer_is_the_papers_formula() {
        // Fader, Hardie & Lee (2005) eq. 6 written out directly for x = 2, t_x = 30, T = 50.
        let m = BgNbd { r: 0.5, alpha: 10.0, a: 0.8, b: 2.5 };
        let (x, t_x, t) = (2.0_f64, 30.0_f64, 50.0_f64);
        let beta_ratio = |a: f64, b: f64| ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b);
        let a1 = ln_gamma(m.r + x) - ln_gamma(m.r) + m.r * m.alpha.ln();
        let a2 = beta_ratio(m.a, m.b + x) - beta_ratio(m.a, m.b);
        let a3 = -(m.r + x) * (m.alpha + t).ln();
        let a4 = (m.a / (m.b + x - 1.0)).ln() - (m.r + x) * (m.alpha + t_x).ln();
        let expected = a1 + a2 + (a3.exp() + a4.exp()).ln();
        let got = m.log_likelihood(&[h(2, 30, 50)]);
        assert!((got - expected).abs() < 1e-10, "{got} vs {expected}");
        // The total over several customers is the sum of theirs.
        let others = [h(0, 0, 40), h(5, 35, 60)];
        let sum: f64 = others.iter().map(|c| m.log_likelihood(&[*c])).sum::<f64>() + expected;
        let total = m.log_likelihood(&[h(2, 30, 50), others[0], others[1]]);
        assert!((total - sum).abs() < 1e-9, "{total} vs {sum}");
    }

    #[test]
    fn p_alive_is_one_without_repeats_and_falls_with_the_gap() {
        let m = cdnow();
        assert_eq!(m.p_alive(&h(0, 0, 300)), 1.0);
        let recent = m.p_alive(&h(4, 250, 260));
        let older = m.p_alive(&h(4, 100, 260));
        assert!(recent > older && older > 0.0 && recent < 1.0, "{recent} {older}");
    }

    #[test]
    fn the_series_gives_the_hypergeometric_function() {
        // The series is C·G with F(A, β; C; z) = 1 + β·G; ₂F₁(1, 1; 2; z) = −ln(1−z)/z.
        for z in [0.1, 0.5, 0.9, 0.99] {
            let (cg, _) = euler_series(1.0, 1.0, 2.0, z);
            let f = 1.0 + 1.0 * cg / 2.0;
            let exact = -(1.0_f64 - z).ln() / z;
            assert!((f - exact).abs() < 1e-12 * exact, "z = {z}: {f} vs {exact}");
        }
    }

    #[test]
    fn a_series_past_what_a_float_holds_stops_as_soon_as_it_overflows() {
        // A fit run off to a in the millions and b in the tens of millions (a store whose
        // customers all stopped at once, 2026-12-07): before, each customer's series ran to
        // its cap of a million terms (260 s for 105,000 customers).
        let (sum, terms) = euler_series(5.9e7, 8.0e6, 5.9e7 + 20.0, 0.2);
        assert!(!sum.is_finite(), "{sum}");
        assert!(terms < 200, "{terms} terms");
        let runaway = BgNbd { r: 8.69, alpha: 668.8, a: 8.03e6, b: 5.11e7 };
        assert_eq!(runaway.expected_purchases(&h(6, 6, 340), 365.0), 0.0);
        // A series that converges still runs until its terms no longer count.
        let (cg, terms) = euler_series(1.0, 1.0, 2.0, 0.99);
        assert!(cg.is_finite() && terms > 1_000, "{cg} after {terms} terms");
    }

    #[test]
    fn no_nan_on_extreme_histories() {
        let m = cdnow();
        for history in [h(5_000, 5_000, 5_000), h(1, 1, 3_650), h(0, 0, 0), h(0, 0, 10_000), h(3_000, 9_000, 9_001)] {
            for horizon in [0.0, 1.0, 365.0, 3_650.0, 36_500.0] {
                let e = m.expected_purchases(&history, horizon);
                assert!(e.is_finite() && e >= 0.0, "{history:?} over {horizon}: {e}");
            }
            let p = m.p_alive(&history);
            assert!((0.0..=1.0).contains(&p), "{history:?}: {p}");
        }
        // The likelihood's two terms thousands of log-units apart (a thousand purchase days
        // that ended a century ago): summed without overflow, as the larger one, the
        // dropped-out term, alone: ln a − ln(b+x−1) − (r+x) ln(α+tₓ).
        let gone = h(1_000, 1_000, 36_500);
        let dropped = m.a.ln() - (m.b + 999.0).ln() - (m.r + 1_000.0) * (m.alpha + 1_000.0).ln();
        let ll = m.log_likelihood(&[gone]);
        assert!(ll.is_finite() && ll < 0.0, "{ll}");
        // ln[Γ(r+x) αʳ / Γ(r) · B(a, b+x) / B(a, b)], then the term.
        let alone = ln_gamma(m.r + 1_000.0) - ln_gamma(m.r)
            + m.r * m.alpha.ln()
            + ln_gamma(m.a + m.b)
            + ln_gamma(m.b + 1_000.0)
            - ln_gamma(m.b)
            - ln_gamma(m.a + m.b + 1_000.0)
            + dropped;
        assert!((ll - alone).abs() < 1e-6 * alone.abs(), "{ll} vs {alone}");
    }

    #[test]
    fn a_near_one_does_not_divide_by_zero() {
        let near = |a: f64| BgNbd { r: 0.3, alpha: 20.0, a, b: 2.0 };
        let history = h(3, 100, 200);
        let at_one = near(1.0).expected_purchases(&history, 365.0);
        let below = near(1.0 - 1e-7).expected_purchases(&history, 365.0);
        let above = near(1.0 + 1e-7).expected_purchases(&history, 365.0);
        assert!(at_one.is_finite() && at_one > 0.0);
        assert!((at_one - below).abs() < 1e-5 && (at_one - above).abs() < 1e-5, "{below} {at_one} {above}");
    }

    #[test]
    fn histories_are_checked() {
        assert_eq!(Frequency::new(1, 10, 5), Err(HistoryError::RecencyAfterAge));
        assert_eq!(Frequency::new(1, 0, 5), Err(HistoryError::RepeatsWithoutRecency));
        assert_eq!(Frequency::new(0, 3, 5), Err(HistoryError::RepeatsWithoutRecency));
        assert_eq!(Frequency::new(4, 3, 5), Err(HistoryError::MoreRepeatsThanDays));
        assert_eq!(Frequency::new(3, 3, 5), Ok(h(3, 3, 5)));
    }

    #[test]
    fn ten_repeat_customers_are_enough_and_nine_are_not() {
        let mut customers: Vec<Frequency> = (0..9).map(|i| h(1 + i % 3, 20 + 7 * i, 200)).collect();
        customers.extend((0..40).map(|i| h(0, 0, 150 + i)));
        assert_eq!(BgNbd::fit(&customers), Err(FitError::TooFewRepeatCustomers { found: 9, needed: 10 }));
        customers.push(h(2, 90, 200));
        assert!(BgNbd::fit(&customers).is_ok());
        let spend = |x: u32, m: f64| Spend { repeat_days: x, mean_spend: m };
        let mut spends: Vec<Spend> = (0..9).map(|i| spend(1 + i % 4, 10.0 + f64::from(i))).collect();
        // Customers the spend model cannot use do not count.
        spends.extend([spend(0, 12.0), spend(3, 0.0), spend(2, -5.0), spend(2, f64::NAN)]);
        assert_eq!(GammaGamma::fit(&spends), Err(FitError::TooFewRepeatCustomers { found: 9, needed: 10 }));
        spends.push(spend(2, 14.5));
        assert!(GammaGamma::fit(&spends).is_ok());
    }

    #[test]
    fn too_few_repeat_customers_is_said() {
        let customers = vec![h(0, 0, 100); 50];
        assert_eq!(BgNbd::fit(&customers), Err(FitError::TooFewRepeatCustomers { found: 0, needed: 10 }));
        assert_eq!(
            GammaGamma::fit(&[Spend { repeat_days: 2, mean_spend: 10.0 }]),
            Err(FitError::TooFewRepeatCustomers { found: 1, needed: 10 })
        );
    }

    #[test]
    fn the_logistic_holds_at_extreme_log_odds() {
        assert_eq!(logistic(800.0), 1.0);
        assert_eq!(logistic(-800.0), 0.0);
        assert_eq!(logistic(0.0), 0.5);
        assert!((logistic(2.0) - 0.880_797_077_977_882_3).abs() < 1e-15);
        assert!((logistic(-2.0) - 0.119_202_922_022_117_6).abs() < 1e-15);
    }

    #[test]
    fn the_spend_models_likelihood_is_the_one_its_fit_maximised() {
        let spends: Vec<Spend> = (0..40)
            .map(|i| Spend { repeat_days: 1 + i % 5, mean_spend: 8.0 + f64::from(i % 7) * 3.5 + f64::from(i % 3) })
            .collect();
        let fit = GammaGamma::fit(&spends).unwrap();
        let at_fit = fit.params.log_likelihood(&spends);
        assert!((at_fit - fit.log_likelihood).abs() < 1e-9 * fit.log_likelihood.abs(), "{at_fit} vs {fit:?}");
        assert!(at_fit.is_finite() && at_fit != 0.0);
        // Away from the maximum it is lower, whichever way.
        for worse in
            [GammaGamma { p: fit.params.p * 1.2, ..fit.params }, GammaGamma { v: fit.params.v * 0.8, ..fit.params }]
        {
            assert!(worse.log_likelihood(&spends) < at_fit, "{worse:?}");
        }
    }

    #[test]
    fn the_population_mean_needs_q_above_one() {
        assert_eq!(GammaGamma { p: 2.0, q: 1.0, v: 10.0 }.population_mean(), None);
        assert_eq!(GammaGamma { p: 2.0, q: 0.5, v: 10.0 }.population_mean(), None);
        assert_eq!(GammaGamma { p: 2.0, q: 3.0, v: 10.0 }.population_mean(), Some(10.0));
    }

    #[test]
    fn a_mean_spend_that_is_not_a_number_counts_as_none() {
        let gg = GammaGamma { p: 6.25, q: 3.74, v: 15.44 };
        // p·v / (p·x + q − 1) with m = 0: the customer's own mean is not known.
        let without = 6.25 * 15.44 / (6.25 * 3.0 + 3.74 - 1.0);
        for odd in [f64::INFINITY, f64::NAN, f64::NEG_INFINITY] {
            let spend = gg.expected_spend(3, odd).unwrap();
            assert!((spend - without).abs() < 1e-12, "{odd}: {spend}");
        }
        assert_eq!(gg.expected_spend(0, 50.0), gg.population_mean());
    }

    #[test]
    fn a_discount_that_is_not_a_positive_number_leaves_the_value_undiscounted() {
        let (bg, gg) = (cdnow(), GammaGamma { p: 6.25, q: 3.74, v: 15.44 });
        let history = h(4, 200, 270);
        let plain = score((&bg, Some(&gg)), &history, 30.0, 365, 0.0);
        let value = plain.expected_value.unwrap();
        assert!(value > 0.0, "{plain:?}");
        for odd in [f64::INFINITY, f64::NAN, -0.1] {
            assert_eq!(score((&bg, Some(&gg)), &history, 30.0, 365, odd).expected_value, Some(value), "{odd}");
        }
        let discounted = score((&bg, Some(&gg)), &history, 30.0, 365, 0.1).expected_value.unwrap();
        assert!(discounted < value && discounted > value / 1.1, "{discounted} vs {value}");
    }

    #[test]
    fn the_optimiser_keeps_a_converged_point_then_the_lowest_cost() {
        let point = |id: f64, cost: f64, converged: bool| Minimum { at: vec![id], cost, converged };
        let kept = |best: &Option<Minimum>| best.as_ref().map(|b| b.at[0]);
        let mut best = None;
        keep(&mut best, point(1.0, 5.0, false));
        assert_eq!(kept(&best), Some(1.0), "the first point is kept");
        keep(&mut best, point(2.0, 6.0, false));
        assert_eq!(kept(&best), Some(1.0), "a higher cost is not");
        keep(&mut best, point(3.0, 5.0, false));
        assert_eq!(kept(&best), Some(1.0), "an equal cost is not");
        keep(&mut best, point(4.0, 4.0, false));
        assert_eq!(kept(&best), Some(4.0), "a lower cost is");
        keep(&mut best, point(5.0, 9.0, true));
        assert_eq!(kept(&best), Some(5.0), "a converged point beats one that is not, whatever its cost");
        keep(&mut best, point(6.0, 1.0, false));
        assert_eq!(kept(&best), Some(5.0), "an unconverged point never beats a converged one");
        keep(&mut best, point(7.0, 8.0, true));
        assert_eq!(kept(&best), Some(7.0), "between converged points, the lower cost");
    }

    /// A test problem for the optimiser: a cost and its gradient, counting evaluations.
    struct Problem<F> {
        f: F,
        calls: std::cell::Cell<usize>,
    }

    impl<F: Fn(&[f64]) -> (f64, Vec<f64>)> Likelihood for Problem<F> {
        fn evaluate(&self, theta: &[f64]) -> (f64, Vec<f64>) {
            self.calls.set(self.calls.get() + 1);
            (self.f)(theta)
        }
    }

    fn problem<F: Fn(&[f64]) -> (f64, Vec<f64>)>(f: F) -> Problem<F> {
        Problem { f, calls: std::cell::Cell::new(0) }
    }

    /// Runs `solve` on `p`; returns its answer and the evaluations it took.
    fn run<F, T>(p: &Problem<F>, solve: impl Fn(&Problem<F>) -> T) -> (T, usize) {
        p.calls.set(0);
        let answer = solve(p);
        (answer, p.calls.get())
    }

    /// ½|θ − (1, −2, 0.5)|²: one minimum, found by L-BFGS in a few steps.
    fn bowl() -> Problem<impl Fn(&[f64]) -> (f64, Vec<f64>)> {
        problem(|t: &[f64]| {
            let d: Vec<f64> = t.iter().zip([1.0, -2.0, 0.5]).map(|(t, c)| t - c).collect();
            (d.iter().map(|d| d * d / 2.0).sum(), d)
        })
    }

    /// −θ up to a wall at θ = 40, beyond which the cost is infinite: L-BFGS's line search
    /// finds no step that flattens the slope and stays where it started, not converged.
    fn wall() -> Problem<impl Fn(&[f64]) -> (f64, Vec<f64>)> {
        problem(|t: &[f64]| if t[0] < 40.0 { (-t[0], vec![-1.0]) } else { (f64::INFINITY, vec![f64::NAN]) })
    }

    #[test]
    fn judge_says_converged_only_where_the_gradient_is_flat_and_refuses_an_infinite_cost() {
        let at_minimum = judge(&bowl(), vec![1.0, -2.0, 0.5]).unwrap();
        assert!(at_minimum.converged && at_minimum.cost == 0.0);
        let on_the_slope = judge(&bowl(), vec![0.0, 0.0, 0.0]).unwrap();
        assert!(!on_the_slope.converged && on_the_slope.cost == 2.625);
        assert!(judge(&wall(), vec![50.0]).is_err(), "an infinite cost at a finite point");
        assert!(judge(&bowl(), vec![f64::NAN, 0.0, 0.0]).is_err(), "a point that is not a number");
    }

    #[test]
    fn l_bfgs_alone_reaches_the_minimum_with_a_tenth_of_the_tolerance_to_spare() {
        let p = bowl();
        let found = lbfgs(&p, &[0.0, 0.0, 0.0]).unwrap();
        assert!(found.converged);
        for (got, want) in found.at.iter().zip([1.0, -2.0, 0.5]) {
            assert!((got - want).abs() < 1e-9, "{:?}", found.at);
        }
        // θ⁴ has a flat (degenerate) minimum that L-BFGS approaches step by step, its
        // gradient shrinking by a constant factor: where it stops shows its tolerance.
        let quartic =
            problem(|t: &[f64]| (t.iter().map(|t| t.powi(4)).sum(), t.iter().map(|t| 4.0 * t.powi(3)).collect()));
        let found = lbfgs(&quartic, &[1.0, -0.7]).unwrap();
        let norm = quartic.evaluate(&found.at).1.iter().map(|g| g * g).sum::<f64>().sqrt();
        assert!(found.converged && norm <= GRADIENT_TOLERANCE / 10.0, "{norm:e} at {:?}", found.at);
    }

    #[test]
    fn a_converged_l_bfgs_is_the_answer_without_the_fallback() {
        let p = bowl();
        let (alone, alone_calls) = run(&p, |p| lbfgs(p, &[0.0, 0.0, 0.0]).unwrap());
        let (found, calls) = run(&p, |p| minimize(p, &[0.0, 0.0, 0.0]).unwrap());
        assert!(found.converged && found.at == alone.at);
        assert_eq!(calls, alone_calls, "Nelder-Mead was not run");
    }

    #[test]
    fn an_unconverged_l_bfgs_falls_back_to_nelder_mead_and_keeps_the_better_point() {
        // Σ|θᵢ − 1|: a kink at the minimum, where no gradient is flat. L-BFGS stops short of
        // it; the fallback's Nelder-Mead, which reads costs alone, gets there.
        let kink = problem(|t: &[f64]| {
            (t.iter().map(|t| (t - 1.0).abs()).sum(), t.iter().map(|t| (t - 1.0).signum()).collect())
        });
        let (alone, alone_calls) = run(&kink, |p| lbfgs(p, &[0.0, 0.3]).unwrap());
        assert!(!alone.converged && alone.cost > 1e-3, "{:?} {}", alone.at, alone.cost);
        let (found, calls) = run(&kink, |p| minimize(p, &[0.0, 0.3]).unwrap());
        assert!(calls > alone_calls, "the fallback ran");
        assert!(!found.converged && found.cost < 1e-9, "{:?} {}", found.at, found.cost);
        // Below the runaway limit the fallback runs too: from 0 and from exactly 15 (where
        // L-BFGS does not move), Nelder-Mead walks up to the wall.
        for start in [0.0, RUNAWAY_LOG_PARAMETER] {
            let p = wall();
            let (alone, alone_calls) = run(&p, |p| lbfgs(p, &[start]).unwrap());
            assert!(!alone.converged && alone.at == [start]);
            let (found, calls) = run(&p, |p| minimize(p, &[start]).unwrap());
            assert!(calls > alone_calls && found.at[0] > 39.0, "from {start}: {:?} in {calls}", found.at);
        }
    }

    #[test]
    fn a_runaway_is_reported_unconverged_without_the_fallback() {
        let p = wall();
        let start = [RUNAWAY_LOG_PARAMETER + 1.0];
        let (alone, alone_calls) = run(&p, |p| lbfgs(p, &start).unwrap());
        let (found, calls) = run(&p, |p| minimize(p, &start).unwrap());
        assert!(!found.converged && found.at == alone.at && found.at == start);
        assert_eq!(calls, alone_calls, "Nelder-Mead was not run");
    }

    #[test]
    fn nelder_mead_has_the_iterations_a_curved_valley_takes() {
        // Rosenbrock's valley in four dimensions from its classic start: the simplex needs a
        // few hundred iterations to crawl along it, within the cap of three times L-BFGS's.
        let valley = problem(|t: &[f64]| {
            let mut gradient = vec![0.0; t.len()];
            let mut cost = 0.0;
            for i in 0..t.len() - 1 {
                let bend = t[i + 1] - t[i] * t[i];
                cost += (1.0 - t[i]).powi(2) + 100.0 * bend * bend;
                gradient[i] += -2.0 * (1.0 - t[i]) - 400.0 * t[i] * bend;
                gradient[i + 1] += 200.0 * bend;
            }
            (cost, gradient)
        });
        let found = nelder_mead(&valley, &[-1.2, 1.0, -1.2, 1.0]).unwrap();
        assert!(found.cost < 1e-10, "{:?} {}", found.at, found.cost);
    }
}
