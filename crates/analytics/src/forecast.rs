//! Daily forecasts of demand (a store's revenue or sale count, a product's units): a
//! regularised least-squares fit of a piecewise-linear trend, weekly and yearly seasonality
//! and one additive effect per calendar event, in the spirit of Prophet's model but fitted
//! in closed form (no sampler). The trend's flexibility decides most of the error; it is
//! chosen by backtesting on the history itself ([`choose_trend_penalty`]).
//!
//! The model, for day `t` (days since the first day of history, scaled to 0..1 over it):
//!
//! `y(t) = a + b·t + Σⱼ δⱼ·max(0, t − sⱼ) + Σₖ weekly Fourier terms + Σₖ yearly Fourier terms
//!        + Σₑ βₑ·[t is a day of event e]`
//!
//! with changepoints `sⱼ` spread evenly over the first 80% of the history. The fit minimises
//! the squared error plus `n·λ_trend·Σ δⱼ²` and `n·λ_season·Σ (seasonal coefficients)²`.

use chrono::{Datelike, NaiveDate};
use nalgebra::{DMatrix, DVector};
use std::collections::BTreeMap;
use std::f64::consts::TAU;

/// What shapes the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForecastRules {
    /// Points where the trend may bend (default 25).
    pub changepoints: usize,
    /// Share of the history, from its start, over which changepoints are spread (default 0.8):
    /// the latest days cannot bend the trend on their own.
    pub changepoint_range: f64,
    /// Fourier pairs of the weekly cycle (default 3), when the history spans two weeks.
    pub weekly_terms: usize,
    /// Fourier pairs of the yearly cycle (default 10), when the history spans two years.
    pub yearly_terms: usize,
    /// Penalty on the trend's bends, per observation (default 1e-4; see
    /// [`choose_trend_penalty`]).
    pub trend_penalty: f64,
    /// Penalty on the seasonal coefficients, per observation (default 0.01).
    pub seasonal_penalty: f64,
    /// Refits that weigh each day by how well the previous fit explained it (Huber's
    /// weight of the residual over its robust spread; 0 for plain least
    /// squares): a stretch the model cannot explain (a closure recorded as nothing sold, a
    /// month of disruption) stops bending the trend and the seasons for every other day.
    /// The refits stop early once no day's weight moves by 0.01. Default 0: [`fit`] is
    /// plain least squares unless asked; the store forecast asks for 30 (see
    /// `crm_analytics::demand::DemandRules::robust_passes`).
    pub robust_passes: usize,
}

impl Default for ForecastRules {
    fn default() -> Self {
        Self {
            changepoints: 25,
            changepoint_range: 0.8,
            weekly_terms: 3,
            yearly_terms: 10,
            trend_penalty: 1e-4,
            seasonal_penalty: 0.01,
            robust_passes: 0,
        }
    }
}

/// A fitted model: predicts any day, past or future.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    start: NaiveDate,
    span_days: f64,
    changepoints: Vec<f64>,
    weekly_terms: usize,
    yearly_terms: usize,
    events: Vec<Vec<NaiveDate>>,
    coefficients: Vec<f64>,
    residual_sd: f64,
}

/// Fits the model to `history` (one value per day, in any order; missing days are simply
/// absent), with one effect for each of `events` (the days each one covers, sorted).
/// `None` with fewer than three days of history.
///
/// ```
/// use chrono::{Days, NaiveDate};
/// use crm_analytics::forecast::{ForecastRules, fit};
/// let start = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap(); // a Monday
/// // 12 weeks of a weekly pattern: weekends sell 10 more.
/// let history: Vec<(NaiveDate, f64)> = (0..84)
///     .map(|i| { let day = start + Days::new(i); (day, if i % 7 >= 5 { 30.0 } else { 20.0 }) })
///     .collect();
/// let model = fit(&history, &[], &ForecastRules::default()).unwrap();
/// let saturday = start + Days::new(89);
/// assert!((model.predict(saturday) - 30.0).abs() < 0.5);
/// assert!((model.predict(saturday + Days::new(2)) - 20.0).abs() < 0.5);
/// ```
pub fn fit(history: &[(NaiveDate, f64)], events: &[Vec<NaiveDate>], rules: &ForecastRules) -> Option<Model> {
    let mut model = empty_model(history, events, rules)?;
    let design = Design::new(&model, history);
    let weights = reweigh(&mut model, &design, rules)?;
    let (squared, weight): (f64, f64) = (0..design.days())
        .map(|i| (weights[i] * (design.values[i] - design.fitted(i, &model.coefficients)).powi(2), weights[i]))
        .fold((0.0, 0.0), |(s, t), (a, b)| (s + a, t + b));
    model.residual_sd = if weight > 0.0 { (squared / weight).sqrt() } else { 0.0 };
    Some(model)
}

/// Fits `model` by iteratively reweighted least squares with Huber's weights (a convex
/// fit: it settles wherever it starts; see [`ForecastRules::robust_passes`]) and returns
/// each day's final weight.
fn reweigh(model: &mut Model, design: &Design, rules: &ForecastRules) -> Option<Vec<f64>> {
    let mut weights = vec![1.0; design.days()];
    model.coefficients = solve(model, design, &weights, rules)?;
    for _ in 0..rules.robust_passes {
        let residuals = design.residuals(&model.coefficients);
        let spread = residual_spread(&residuals);
        let mut moved: f64 = 0.0;
        for (weight, residual) in weights.iter_mut().zip(&residuals) {
            let next = huber(residual / spread);
            moved = moved.max((next - *weight).abs());
            *weight = next;
        }
        model.coefficients = solve(model, design, &weights, rules)?;
        if moved < ROBUST_SETTLED {
            break;
        }
    }
    Some(weights)
}

/// The robust spread of `residuals`, at least [`MIN_SPREAD`]: a fit that explains the days
/// almost exactly (a synthetic series) weighs none of them down for rounding noise.
fn residual_spread(residuals: &[f64]) -> f64 {
    robust_spread(residuals).unwrap_or(0.0).max(MIN_SPREAD)
}

/// Each day's weight in a robust fit of `history` with `rules`: Tukey's bisquare of its
/// residual from the Huber fit ([`fit`]), 1 for a day explained like the rest, 0 for one
/// so far off (beyond 4.685 robust spreads) that it is best left out, such as a closure
/// recorded as nothing sold or a disrupted month; in `history`'s order, `None` as for
/// [`fit`].
pub fn robust_weights(
    history: &[(NaiveDate, f64)],
    events: &[Vec<NaiveDate>],
    rules: &ForecastRules,
) -> Option<Vec<f64>> {
    let mut model = empty_model(history, events, rules)?;
    let design = Design::new(&model, history);
    reweigh(&mut model, &design, rules)?;
    let residuals = design.residuals(&model.coefficients);
    let Some(spread) = robust_spread(&residuals) else { return Some(vec![1.0; history.len()]) };
    let spread = spread.max(MIN_SPREAD);
    Some(residuals.iter().map(|r| bisquare(r / (BISQUARE_TUNING * spread))).collect())
}

/// The model's shape for `history` and `events`, before any fit; `None` as for [`fit`].
fn empty_model(history: &[(NaiveDate, f64)], events: &[Vec<NaiveDate>], rules: &ForecastRules) -> Option<Model> {
    let start = history.iter().map(|(d, _)| *d).min()?;
    let end = history.iter().map(|(d, _)| *d).max()?;
    if history.len() < 3 || history.iter().any(|(_, v)| !v.is_finite()) {
        return None;
    }
    let span_days = ((end - start).num_days() as f64).max(1.0);
    let changepoints = (1..=rules.changepoints)
        .map(|j| rules.changepoint_range.clamp(0.0, 1.0) * j as f64 / rules.changepoints as f64)
        .collect();
    Some(Model {
        start,
        span_days,
        changepoints,
        weekly_terms: if span_days >= 14.0 { rules.weekly_terms } else { 0 },
        yearly_terms: if span_days >= 730.0 { rules.yearly_terms } else { 0 },
        events: events.to_vec(),
        coefficients: Vec::new(),
        residual_sd: 0.0,
    })
}

/// The smallest residual spread a robust fit assumes: 0.01 on the `ln(1 + y)` scale the
/// store forecast fits, about 1 %, so that only a day more than about 5 % off can be left
/// out.
const MIN_SPREAD: f64 = 0.01;

/// Largest change of a day's weight under which the robust refits stop.
const ROBUST_SETTLED: f64 = 0.01;

/// Tukey's bisquare constant: 95 % efficiency on normal residuals.
const BISQUARE_TUNING: f64 = 4.685;

/// Huber's weight of a residual in units of the robust spread.
fn huber(u: f64) -> f64 {
    if u.abs() <= 1.345 { 1.0 } else { 1.345 / u.abs() }
}

/// Tukey's bisquare weight of a scaled residual: near 1 for small ones, 0 beyond 1.
fn bisquare(u: f64) -> f64 {
    if u.abs() >= 1.0 { 0.0 } else { (1.0 - u * u).powi(2) }
}

/// The residuals' robust spread: 1.4826 × the median absolute deviation from their median
/// (the standard deviation, for normal residuals); `None` when it is 0 (a perfect fit).
fn robust_spread(residuals: &[f64]) -> Option<f64> {
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let mut sorted = residuals.to_vec();
    let centre = median(&mut sorted);
    let mut deviations: Vec<f64> = residuals.iter().map(|r| (r - centre).abs()).collect();
    let spread = 1.4826 * median(&mut deviations);
    (spread > 1e-12).then_some(spread)
}

/// A history's features, computed once for the fits that share them: the dense ones
/// (level, slope, bends, seasons) of each day, and the event columns covering it.
struct Design {
    /// The dense features, [`Model::dense_width`] per day, day after day.
    dense: Vec<f64>,
    width: usize,
    /// Per day, the event columns covering it (counted from the first event column).
    events: Vec<Vec<usize>>,
    values: Vec<f64>,
}

impl Design {
    fn new(model: &Model, history: &[(NaiveDate, f64)]) -> Self {
        let width = model.dense_width();
        let mut dense = vec![0.0; width * history.len()];
        let mut covered: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
        for (e, days) in model.events.iter().enumerate() {
            for day in days {
                covered.entry(*day).or_default().push(e);
            }
        }
        let mut events = Vec::with_capacity(history.len());
        for (row, &(day, _)) in dense.chunks_exact_mut(width).zip(history) {
            model.dense_features(day, row);
            events.push(covered.get(&day).cloned().unwrap_or_default());
        }
        Self { dense, width, events, values: history.iter().map(|(_, v)| *v).collect() }
    }

    fn days(&self) -> usize {
        self.values.len()
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.dense[i * self.width..(i + 1) * self.width]
    }

    /// The fitted value of day `i` under `coefficients`.
    fn fitted(&self, i: usize, coefficients: &[f64]) -> f64 {
        let (dense, events) = coefficients.split_at(self.width);
        let base: f64 = self.row(i).iter().zip(dense).map(|(x, b)| x * b).sum();
        base + self.events[i].iter().map(|e| events[*e]).sum::<f64>()
    }

    /// Each day's value less its fitted value.
    fn residuals(&self, coefficients: &[f64]) -> Vec<f64> {
        (0..self.days()).map(|i| self.values[i] - self.fitted(i, coefficients)).collect()
    }
}

/// The penalised weighted least-squares coefficients of `model`'s features on the history
/// of `design`. The event columns are gathered as what they are, a few ones on a few days:
/// a day costs the square of the dense width plus its events times that width.
fn solve(model: &Model, design: &Design, weights: &[f64], rules: &ForecastRules) -> Option<Vec<f64>> {
    let dense = design.width;
    let p = model.width();
    // The lower triangle is gathered: in column-major order each column's run is contiguous.
    let mut gram = DMatrix::<f64>::zeros(p, p);
    let mut moment = DVector::<f64>::zeros(p);
    for (i, &weight) in weights.iter().enumerate() {
        if weight == 0.0 {
            continue;
        }
        let (row, value) = (design.row(i), design.values[i]);
        let events = &design.events[i];
        for a in 0..dense {
            let x = weight * row[a];
            if x == 0.0 {
                continue;
            }
            moment[a] += x * value;
            let column = &mut gram.as_mut_slice()[a * p..(a + 1) * p];
            for b in a..dense {
                column[b] += x * row[b];
            }
            for e in events {
                column[dense + e] += x;
            }
        }
        for e in events {
            moment[dense + e] += weight * value;
            for f in events.iter().filter(|f| *f >= e) {
                gram[(dense + f, dense + e)] += weight;
            }
        }
    }
    let n = weights.len() as f64;
    let (trend, season) = model.blocks();
    for i in 0..p {
        for j in 0..i {
            gram[(j, i)] = gram[(i, j)];
        }
        if trend.contains(&i) {
            gram[(i, i)] += n * rules.trend_penalty;
        } else if season.contains(&i) {
            gram[(i, i)] += n * rules.seasonal_penalty;
        } else {
            // A whisker on the level, slope and event effects, so an event with no day
            // in the history (or a flat series) still gives a unique solution.
            gram[(i, i)] += n * 1e-9;
        }
    }
    let solution = gram.cholesky()?.solve(&moment);
    Some(solution.iter().copied().collect())
}

impl Model {
    /// The fitted value of `day`.
    pub fn predict(&self, day: NaiveDate) -> f64 {
        let mut row = vec![0.0; self.dense_width()];
        self.dense_features(day, &mut row);
        let (dense, events) = self.coefficients.split_at(row.len());
        let base: f64 = row.iter().zip(dense).map(|(x, b)| x * b).sum();
        let on_day = self.events.iter().zip(events).filter(|(days, _)| days.binary_search(&day).is_ok());
        base + on_day.map(|(_, effect)| effect).sum::<f64>()
    }

    /// The fitted effect of event `i` on each of its days (in the series' units).
    pub fn event_effect(&self, i: usize) -> Option<f64> {
        self.coefficients.get(self.dense_width() + i).copied()
    }

    /// The standard deviation of the fit's residuals over the history.
    pub fn residual_sd(&self) -> f64 {
        self.residual_sd
    }

    fn width(&self) -> usize {
        self.dense_width() + self.events.len()
    }

    /// Columns of the level, slope, bends and seasons: the features every day has.
    fn dense_width(&self) -> usize {
        2 + self.changepoints.len() + 2 * (self.weekly_terms + self.yearly_terms)
    }

    /// Column ranges of the trend's bends and of the seasonal terms.
    fn blocks(&self) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let bends = 2..2 + self.changepoints.len();
        let season = bends.end..bends.end + 2 * (self.weekly_terms + self.yearly_terms);
        (bends, season)
    }

    /// Writes the dense features of `day` into `row` (as long as [`Self::dense_width`]).
    fn dense_features(&self, day: NaiveDate, row: &mut [f64]) {
        let days = (day - self.start).num_days() as f64;
        let t = days / self.span_days;
        let mut at = 0;
        let mut put = |value: f64| {
            row[at] = value;
            at += 1;
        };
        put(1.0);
        put(t);
        for &s in &self.changepoints {
            put((t - s).max(0.0));
        }
        // Weekly terms follow the weekday (so they hold whatever day the history starts).
        let weekday = f64::from(day.weekday().num_days_from_monday());
        for k in 1..=self.weekly_terms {
            let angle = TAU * k as f64 * weekday / 7.0;
            put(angle.sin());
            put(angle.cos());
        }
        for k in 1..=self.yearly_terms {
            let angle = TAU * k as f64 * days / 365.25;
            put(angle.sin());
            put(angle.cos());
        }
    }
}

/// How a model with `rules` forecasts the history's own latest days: from each of `folds`
/// origins, `horizon` days apart going back from the last day, it is fitted on the days up
/// to the origin and scored on the `horizon` days after it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backtest {
    /// Sum of squared errors over the scored days.
    pub squared_error: f64,
    /// Days scored.
    pub days: usize,
}

impl Backtest {
    /// Root mean squared error; `None` when no day was scored.
    pub fn rmse(&self) -> Option<f64> {
        (self.days > 0).then(|| (self.squared_error / self.days as f64).sqrt())
    }
}

/// Backtests `rules` on `history` (see [`Backtest`]).
///
/// ```
/// use chrono::{Days, NaiveDate};
/// use crm_analytics::forecast::{ForecastRules, backtest};
/// let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
/// let history: Vec<(NaiveDate, f64)> = (0..100).map(|i| (start + Days::new(i), 5.0)).collect();
/// let result = backtest(&history, &[], &ForecastRules::default(), 30, 2);
/// assert_eq!(result.days, 60); // days 41-70 and 71-100 (one-based)
/// assert!(result.rmse().unwrap() < 1e-6); // a constant is forecast exactly
/// ```
pub fn backtest(
    history: &[(NaiveDate, f64)],
    events: &[Vec<NaiveDate>],
    rules: &ForecastRules,
    horizon: u64,
    folds: u64,
) -> Backtest {
    let mut result = Backtest { squared_error: 0.0, days: 0 };
    let Some(end) = history.iter().map(|(d, _)| *d).max() else {
        return result;
    };
    for fold in 1..=folds {
        let Some(origin) = end.checked_sub_days(chrono::Days::new(fold * horizon)) else { continue };
        let scored = backtest_from(history, events, rules, origin, horizon);
        result.squared_error += scored.squared_error;
        result.days += scored.days;
    }
    result
}

/// One fold of [`backtest`]: `rules` fitted on the days of `history` up to `origin` and
/// scored on the `horizon` days after it (nothing scored when the fit fails).
pub fn backtest_from(
    history: &[(NaiveDate, f64)],
    events: &[Vec<NaiveDate>],
    rules: &ForecastRules,
    origin: NaiveDate,
    horizon: u64,
) -> Backtest {
    let mut result = Backtest { squared_error: 0.0, days: 0 };
    let known: Vec<(NaiveDate, f64)> = history.iter().copied().filter(|(d, _)| *d <= origin).collect();
    let Some(model) = fit(&known, events, rules) else { return result };
    let ahead = |d: NaiveDate| d > origin && (d - origin).num_days() <= horizon as i64;
    for &(day, value) in history.iter().filter(|(d, _)| ahead(*d)) {
        result.squared_error += (value - model.predict(day)).powi(2);
        result.days += 1;
    }
    result
}

/// The trend penalty among `grid` whose [`backtest`] erred least (the first of equals);
/// the rules' own penalty when the history is too short to leave anything to score. See
/// [`tune_trend_penalty`] for the backtest that chose it.
///
/// ```
/// use chrono::{Days, NaiveDate};
/// use crm_analytics::forecast::{ForecastRules, choose_trend_penalty};
/// let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
/// // Flat for 140 days, then rising by 1 a day: only a trend free to bend follows the rise.
/// let history: Vec<(NaiveDate, f64)> =
///     (0..200).map(|i| (start + Days::new(i), 100.0 + i.saturating_sub(140) as f64)).collect();
/// let penalty = choose_trend_penalty(&history, &[], &ForecastRules::default(), &[10.0, 1e-7], 30, 2);
/// assert_eq!(penalty, 1e-7);
/// ```
pub fn choose_trend_penalty(
    history: &[(NaiveDate, f64)],
    events: &[Vec<NaiveDate>],
    rules: &ForecastRules,
    grid: &[f64],
    horizon: u64,
    folds: u64,
) -> f64 {
    tune_trend_penalty(history, events, rules, grid, horizon, folds).0
}

/// [`choose_trend_penalty`] with the winning penalty's backtest: its error is how far off a
/// forecast from this history tends to be (`None` when nothing could be scored).
///
/// ```
/// use chrono::{Days, NaiveDate};
/// use crm_analytics::forecast::{ForecastRules, tune_trend_penalty};
/// let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
/// let history: Vec<(NaiveDate, f64)> = (0..100).map(|i| (start + Days::new(i), 7.0)).collect();
/// let (penalty, backtest) = tune_trend_penalty(&history, &[], &ForecastRules::default(), &[1e-3], 30, 2);
/// assert_eq!((penalty, backtest.unwrap().days), (1e-3, 60));
/// ```
pub fn tune_trend_penalty(
    history: &[(NaiveDate, f64)],
    events: &[Vec<NaiveDate>],
    rules: &ForecastRules,
    grid: &[f64],
    horizon: u64,
    folds: u64,
) -> (f64, Option<Backtest>) {
    let mut best: Option<(Backtest, f64)> = None;
    for &penalty in grid {
        let result = backtest(history, events, &ForecastRules { trend_penalty: penalty, ..*rules }, horizon, folds);
        if result.days > 0 && best.is_none_or(|(least, _)| result.squared_error < least.squared_error) {
            best = Some((result, penalty));
        }
    }
    best.map_or((rules.trend_penalty, None), |(result, penalty)| (penalty, Some(result)))
}

/// Weekly seasonal naive: the value of the latest day on or before `origin` that falls on
/// the same weekday as `day` (the benchmark a forecast must beat).
///
/// ```
/// use chrono::NaiveDate;
/// use crm_analytics::forecast::seasonal_naive;
/// let d = |day| NaiveDate::from_ymd_opt(2025, 9, day).unwrap();
/// let history = [(d(1), 5.0), (d(8), 7.0), (d(9), 2.0)];
/// assert_eq!(seasonal_naive(&history, d(9), d(15)), Some(7.0)); // Mondays
/// assert_eq!(seasonal_naive(&history, d(9), d(17)), None); // no Wednesday yet
/// ```
pub fn seasonal_naive(history: &[(NaiveDate, f64)], origin: NaiveDate, day: NaiveDate) -> Option<f64> {
    history
        .iter()
        .filter(|(d, _)| *d <= origin && d.weekday() == day.weekday())
        .max_by_key(|(d, _)| *d)
        .map(|(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Days;

    fn start() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 6).unwrap() // a Monday
    }

    fn series(days: u64, value: impl Fn(u64) -> f64) -> Vec<(NaiveDate, f64)> {
        (0..days).map(|i| (start() + Days::new(i), value(i))).collect()
    }

    #[test]
    fn too_little_or_broken_history_gives_no_model() {
        assert!(fit(&series(2, |_| 1.0), &[], &ForecastRules::default()).is_none());
        assert!(fit(&[], &[], &ForecastRules::default()).is_none());
        let mut broken = series(30, |_| 1.0);
        broken[3].1 = f64::NAN;
        assert!(fit(&broken, &[], &ForecastRules::default()).is_none());
    }

    #[test]
    fn a_straight_line_is_fitted_exactly_and_extended() {
        let model = fit(&series(60, |i| 10.0 + 0.5 * i as f64), &[], &ForecastRules::default()).unwrap();
        assert!(
            (model.predict(start() + Days::new(80)) - 50.0).abs() < 1e-3,
            "{}",
            model.predict(start() + Days::new(80))
        );
        assert!(model.residual_sd() < 1e-3, "{}", model.residual_sd());
    }

    #[test]
    fn an_event_s_effect_is_learned_from_its_days() {
        // A level of 100 with +40 on four event days, and a weekly pattern.
        let event: Vec<NaiveDate> = [20, 41, 62, 83].map(|i| start() + Days::new(i)).to_vec();
        let history = series(100, |i| {
            let bump = if event.contains(&(start() + Days::new(i))) { 40.0 } else { 0.0 };
            100.0 + if i % 7 == 6 { 15.0 } else { 0.0 } + bump
        });
        let model = fit(&history, std::slice::from_ref(&event), &ForecastRules::default()).unwrap();
        let effect = model.event_effect(0).unwrap();
        assert!((effect - 40.0).abs() < 1.0, "{effect}");
        assert_eq!(model.event_effect(1), None);
        // A future occurrence is forecast with the effect; the day after without it.
        let next = start() + Days::new(104);
        let model = fit(&history, &[[event.clone(), vec![next]].concat()], &ForecastRules::default()).unwrap();
        assert!((model.predict(next) - model.predict(next + Days::new(7)) - 40.0).abs() < 2.0);
    }

    #[test]
    fn the_residual_spread_is_the_root_mean_square_of_what_the_fit_misses() {
        // (1, -1, 1) over three days, by a straight line (no bends; no seasons: under two
        // weeks of history): the line is 1/3 flat, the residuals (2/3, -4/3, 2/3).
        let straight = ForecastRules { changepoints: 0, ..ForecastRules::default() };
        let model = fit(&series(3, |i| if i % 2 == 0 { 1.0 } else { -1.0 }), &[], &straight).unwrap();
        assert!((model.predict(start()) - 1.0 / 3.0).abs() < 1e-6);
        let expected = ((4.0 / 9.0 + 16.0 / 9.0 + 4.0 / 9.0) / 3.0_f64).sqrt();
        assert!((model.residual_sd() - expected).abs() < 1e-6, "{} vs {expected}", model.residual_sd());
    }

    #[test]
    fn a_stiff_trend_does_not_follow_a_late_bend_and_a_free_one_does() {
        // Flat for 80 days, then rising by 1 a day for 20: the last 20% of the history.
        let history = series(100, |i| if i < 70 { 10.0 } else { 10.0 + (i - 70) as f64 });
        let free = ForecastRules { trend_penalty: 1e-9, weekly_terms: 0, ..ForecastRules::default() };
        let stiff = ForecastRules { trend_penalty: 10.0, ..free };
        let ahead = start() + Days::new(110);
        let (free, stiff) = (fit(&history, &[], &free).unwrap(), fit(&history, &[], &stiff).unwrap());
        assert!(free.predict(ahead) > 45.0, "{}", free.predict(ahead));
        assert!(stiff.predict(ahead) < free.predict(ahead) - 5.0, "{}", stiff.predict(ahead));
    }

    #[test]
    fn seasonality_is_used_only_where_the_history_spans_its_cycles() {
        let short = fit(&series(13, |i| i as f64), &[], &ForecastRules::default()).unwrap();
        assert_eq!((short.weekly_terms, short.yearly_terms), (0, 0));
        let weeks = fit(&series(15, |i| i as f64), &[], &ForecastRules::default()).unwrap();
        assert_eq!((weeks.weekly_terms, weeks.yearly_terms), (3, 0));
        let years = fit(&series(731, |i| i as f64), &[], &ForecastRules::default()).unwrap();
        assert_eq!((years.weekly_terms, years.yearly_terms), (3, 10));
        assert_eq!(years.width(), 2 + 25 + 2 * 13);
        assert_eq!(years.changepoints.first().copied(), Some(0.8 / 25.0));
        assert_eq!(years.changepoints.last().copied(), Some(0.8));
    }

    #[test]
    fn a_heavy_seasonal_penalty_shrinks_the_weekly_pattern() {
        // Sundays sell 10 more; a penalty of 100 per observation leaves next to nothing of it.
        let history = series(84, |i| if i % 7 == 6 { 30.0 } else { 20.0 });
        let sunday = start() + Days::new(90);
        let bump = |rules: &ForecastRules| {
            let model = fit(&history, &[], rules).unwrap();
            model.predict(sunday) - model.predict(sunday + Days::new(1))
        };
        assert!((bump(&ForecastRules::default()) - 10.0).abs() < 0.5);
        let heavy = bump(&ForecastRules { seasonal_penalty: 100.0, ..ForecastRules::default() });
        assert!(heavy.abs() < 1.0, "{heavy}");
    }

    #[test]
    fn an_event_with_no_day_in_the_history_is_fitted_as_no_effect() {
        let history = series(30, |i| 10.0 + i as f64);
        let future = vec![start() + Days::new(40)];
        let model = fit(&history, &[future], &ForecastRules::default()).expect("a unique solution all the same");
        assert!(model.event_effect(0).unwrap().abs() < 1e-6);
    }

    #[test]
    fn a_backtest_scores_the_horizon_after_each_origin() {
        // A constant 5 with one spike of 50 on day 145 (0-based), 55 days before the last
        // day (199): inside the second fold's window (days 140-169), not the first's.
        let history = series(200, |i| if i == 145 { 50.0 } else { 5.0 });
        let one = backtest(&history, &[], &ForecastRules::default(), 30, 1);
        let two = backtest(&history, &[], &ForecastRules::default(), 30, 2);
        assert_eq!((one.days, two.days), (30, 60));
        // Fitted with the spike in its history, the first fold misses a little everywhere; the
        // second misses the spike itself by about 45.
        assert!(one.squared_error < 100.0, "{one:?}");
        assert!(two.squared_error - one.squared_error > 1_900.0, "{one:?} {two:?}");
        assert_eq!(backtest(&[], &[], &ForecastRules::default(), 30, 2), Backtest { squared_error: 0.0, days: 0 });
        assert_eq!(Backtest { squared_error: 8.0, days: 2 }.rmse(), Some(2.0));
        assert_eq!(Backtest { squared_error: 0.0, days: 0 }.rmse(), None);
    }

    #[test]
    fn equal_backtests_keep_the_first_penalty_of_the_grid() {
        // Without changepoints the trend penalty changes nothing: every penalty ties.
        let rules = ForecastRules { changepoints: 0, ..ForecastRules::default() };
        let history = series(120, |i| (i % 7) as f64);
        assert_eq!(choose_trend_penalty(&history, &[], &rules, &[1e-3, 1e-1], 30, 2), 1e-3);
    }

    #[test]
    fn choosing_a_penalty_needs_days_to_score() {
        let rules = ForecastRules { trend_penalty: 0.5, ..ForecastRules::default() };
        assert_eq!(choose_trend_penalty(&[], &[], &rules, &[1e-3], 30, 2), 0.5);
        // Ten days: no fold leaves a fitted model and days after it.
        assert_eq!(choose_trend_penalty(&series(10, |i| i as f64), &[], &rules, &[1e-3], 30, 2), 0.5);
    }
}
