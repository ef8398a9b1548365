//! Demand forecasts a shop can act on, built on [`crate::forecast`]: a point forecast with
//! 80% and 95% intervals for each coming day, and the calendar events that adjusted it,
//! each with the multiplier used and where that multiplier came from.
//!
//! - **The store** (revenue, sale count): the model of [`crate::forecast`] fitted to
//!   `ln(1 + y)`, so weekly, yearly and event effects act as ratios and nothing forecast is
//!   negative. The point forecast is the median; the intervals come from the error of the
//!   same model in a backtest on the history itself (the one that chose the trend penalty).
//! - **Events** are learned from their past occurrences ([`EventEffects`]): the same event
//!   (its identity: the case-folded name, or an iCalendar UID), failing that the same event
//!   type. An event's days and its build-up (the lead days before it) each get their own
//!   effect. A learned ratio is shrunk toward the declared multiplier while the history is
//!   thin; with no history the declared multiplier is used. A declared multiplier of 0 (the
//!   shop is shut), or an event the shop sold nothing on in every past occurrence, forecasts
//!   zero.
//! - **Products** ([`UnitsForecaster`]): a product that sells most days gets a lighter
//!   version of the same model on its own daily units; one that sells on few days
//!   (intermittent demand) gets the Teunter–Syntetos–Babai method, which forecasts how
//!   often it sells and how much when it does, and so never goes negative or follows a
//!   single big order. Both are adjusted by the store's event effects.

use crate::forecast::{self, Backtest, ForecastRules, Model};
use chrono::{Days, NaiveDate};
pub use crm_domain::{Accuracy, Adjustment, AdjustmentSource, Basis, DayForecast, Phase, UnitsMethod};
use statrs::distribution::{ContinuousCDF, Normal};
use std::collections::{BTreeMap, BTreeSet};

/// One dated occurrence of a calendar event, as a forecast sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    /// What makes two occurrences the same event: the case-folded name, or an iCalendar UID.
    pub identity: String,
    /// The name shown.
    pub name: String,
    /// The event type (`festival`, `holiday`, ...): what is learned from when the event
    /// itself has no past.
    pub event_type: String,
    /// First day.
    pub first_day: NaiveDate,
    /// Last day (the first, for a one-day event).
    pub last_day: NaiveDate,
    /// Days before the first day over which demand builds up.
    pub lead_days: u64,
    /// The declared demand multiplier: 1.5 sells half as much again; 0, closed.
    pub declared: f64,
}

impl Occurrence {
    /// Whether `day` is one of the event's days.
    fn covers(&self, day: NaiveDate) -> bool {
        self.first_day <= day && day <= self.last_day
    }

    /// Whether `day` is in the build-up before the event.
    fn builds_up(&self, day: NaiveDate) -> bool {
        day < self.first_day && (self.first_day - day).num_days() <= i64::try_from(self.lead_days).unwrap_or(i64::MAX)
    }
}

/// The forecast of `day` from quantiles before any event, scaled by the product of the
/// `adjustments`' multipliers.
fn adjusted(day: NaiveDate, base: [f64; 5], adjustments: Vec<Adjustment>) -> DayForecast {
    let factor: f64 = adjustments.iter().map(|a| a.multiplier).product();
    let [point, lower_80, upper_80, lower_95, upper_95] = base.map(|q| (q * factor).max(0.0));
    DayForecast { day, point, lower_80, upper_80, lower_95, upper_95, adjustments }
}

/// What shapes a store forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandRules {
    /// The model's structure; its trend penalty is chosen from `penalty_grid`.
    pub model: ForecastRules,
    /// Trend penalties tried by the backtest.
    pub penalty_grid: Vec<f64>,
    /// Days each backtest fold forecasts.
    pub backtest_horizon: u64,
    /// Backtest folds.
    pub backtest_folds: u64,
    /// How many occurrences the declared multiplier counts as when a learned effect is
    /// shrunk toward it (default 1: one past occurrence lands halfway between the two).
    pub prior_occurrences: f64,
    /// Huber refits that decide which days the fit leaves out (default 30; 0 keeps every
    /// day), with the stiffest trend penalty of `penalty_grid`: see
    /// [`forecast::robust_weights`].
    pub robust_passes: usize,
    /// Event identities fitted with the trend and seasons, two columns each (default 40):
    /// those with the most past occurrences, then the most days. Every other identity is
    /// learned from what that fit leaves unexplained on its days, in time linear in its
    /// days, so a calendar of thousands of events costs little more than one of forty.
    pub joint_identities: usize,
}

impl Default for DemandRules {
    fn default() -> Self {
        Self {
            model: ForecastRules::default(),
            penalty_grid: vec![1e-5, 1e-4, 1e-3, 1e-2],
            backtest_horizon: 28,
            backtest_folds: 2,
            prior_occurrences: 1.0,
            robust_passes: 30,
            joint_identities: 40,
        }
    }
}

/// Weeks back to the same weeks of the year before (364 days: the same weekdays).
const YEAR_WEEKS: u64 = 52;

/// The standard normal quantiles of the 80% and 95% central intervals.
fn z_scores() -> (f64, f64) {
    let normal = Normal::standard();
    (normal.inverse_cdf(0.9), normal.inverse_cdf(0.975))
}

/// What the history says about each event: per identity, and per event type.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventEffects {
    by_identity: BTreeMap<String, Learned>,
    by_type: BTreeMap<String, Learned>,
    prior_occurrences: f64,
}

/// Effects on the log scale, learned from `occurrences` past occurrences.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Learned {
    occurrences: usize,
    event: f64,
    /// Past occurrences whose build-up days are in the history (0: nothing learned of it).
    build_up_occurrences: usize,
    build_up: f64,
    /// Nothing was sold on any day of any past occurrence.
    closed: bool,
    /// How far the other events of its type did from what was declared for them (log
    /// scale): added to a declared multiplier before the learned effect is shrunk toward it.
    declared_bias: f64,
}

impl EventEffects {
    /// The adjustments of `day` by the `events` covering it or building up to it.
    pub fn adjustments(&self, events: &[Occurrence], day: NaiveDate) -> Vec<Adjustment> {
        let mut out = Vec::new();
        for event in events {
            let phase = if event.builds_up(day) {
                Phase::BuildUp
            } else if event.covers(day) {
                Phase::Event
            } else {
                continue;
            };
            if let Some((multiplier, source)) = self.effect(event, phase) {
                out.push(Adjustment { name: event.name.clone(), phase, multiplier, source });
            }
        }
        out
    }

    /// The multiplier of one phase of `event`, or `None` when it changes nothing (a build-up
    /// nothing was learned about).
    pub fn effect(&self, event: &Occurrence, phase: Phase) -> Option<(f64, AdjustmentSource)> {
        let learned = match self.by_identity.get(&event.identity) {
            Some(l) => Some((l, Basis::SameEvent)),
            None => self.by_type.get(&event.event_type).map(|l| (l, Basis::SameType)),
        };
        if phase == Phase::Event && event.declared == 0.0 {
            return Some((0.0, AdjustmentSource::Declared));
        }
        let Some((learned, basis)) = learned else {
            return (phase == Phase::Event).then_some((event.declared, AdjustmentSource::Declared));
        };
        let occurrences = match phase {
            Phase::Event => learned.occurrences,
            Phase::BuildUp => learned.build_up_occurrences,
        };
        let source = AdjustmentSource::Learned { basis, occurrences };
        let n = occurrences as f64;
        let k = self.prior_occurrences.max(0.0);
        let (estimate, prior) = match phase {
            Phase::Event if learned.closed => return Some((0.0, source)),
            Phase::Event => (learned.event, event.declared.ln() + learned.declared_bias),
            Phase::BuildUp if learned.build_up_occurrences == 0 => return None,
            Phase::BuildUp => (learned.build_up, 0.0),
        };
        Some((((n * estimate + k * prior) / (n + k)).exp(), source))
    }
}

/// A store series (revenue or sale count) fitted and ready to forecast any coming day.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreForecaster {
    model: Model,
    /// Spread of a forecast's error on the log scale: the root mean square error of the
    /// backtest, with the same weeks a year before when the history reaches that far.
    sigma: f64,
    effects: EventEffects,
    /// The chosen trend penalty.
    pub trend_penalty: f64,
    /// The backtest that chose it.
    pub backtest: Option<Backtest>,
}

impl StoreForecaster {
    /// Fits `history` (one value per day, each ≥ 0: the days without sales as 0) and learns
    /// the effects of the `events` that fall in it. `None` with fewer than three days.
    ///
    /// ```
    /// use chrono::{Days, NaiveDate};
    /// use crm_analytics::demand::{DemandRules, Occurrence, StoreForecaster};
    /// let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// // Two years of 1,000 a day, tripled on each 1 June ("Fair day"), declared as 1.5.
    /// let fair = |year| Occurrence {
    ///     identity: "fair day".into(), name: "Fair Day".into(), event_type: "festival".into(),
    ///     first_day: NaiveDate::from_ymd_opt(year, 6, 1).unwrap(),
    ///     last_day: NaiveDate::from_ymd_opt(year, 6, 1).unwrap(), lead_days: 0, declared: 1.5,
    /// };
    /// let events = [fair(2024), fair(2025), fair(2026)];
    /// let history: Vec<(NaiveDate, f64)> = (0..731).map(|i| start + Days::new(i))
    ///     .map(|d| (d, if events.iter().any(|e| e.first_day == d) { 3000.0 } else { 1000.0 }))
    ///     .collect();
    /// let origin = start + Days::new(731);
    /// let forecaster = StoreForecaster::fit(&history, &events, &DemandRules::default()).unwrap();
    /// let days = forecaster.forecast(&events, origin, 160);
    /// let fair_day = days.iter().find(|d| d.day == events[2].first_day).unwrap();
    /// // Learned from two occurrences (×3) and shrunk toward the declared 1.5: ×(3²·1.5)^⅓.
    /// let multiplier = fair_day.adjustments[0].multiplier;
    /// assert!((multiplier - (13.5f64).cbrt()).abs() < 0.02, "{multiplier}");
    /// assert!((fair_day.point / days[0].point - multiplier).abs() < 0.01);
    /// assert!(fair_day.lower_95 <= fair_day.point && fair_day.point <= fair_day.upper_95);
    /// ```
    pub fn fit(history: &[(NaiveDate, f64)], events: &[Occurrence], rules: &DemandRules) -> Option<Self> {
        let (start, end) = span(history)?;
        let logged: Vec<(NaiveDate, f64)> = history.iter().map(|&(d, v)| (d, v.max(0.0).ln_1p())).collect();
        let columns = EventColumns::new(events, start, end, rules.joint_identities);
        // Days a robust fit cannot explain at all (a closure recorded as nothing sold, a
        // disrupted month) are left out as missing days: they bend neither the trend nor the
        // seasons, and the events that fall on them still learn from them below. That fit's
        // trend is the stiffest the grid offers: a trend free to bend would follow a
        // disrupted stretch down and back, explain it, and keep it.
        let stiffest = rules.penalty_grid.iter().copied().fold(rules.model.trend_penalty, f64::max);
        let robust = ForecastRules { robust_passes: rules.robust_passes, trend_penalty: stiffest, ..rules.model };
        let weights = if rules.robust_passes == 0 {
            vec![1.0; logged.len()]
        } else {
            forecast::robust_weights(&logged, &columns.days, &robust)?
        };
        let kept: Vec<(NaiveDate, f64)> =
            logged.iter().zip(&weights).filter(|(_, w)| **w > 0.0).map(|(day, _)| *day).collect();
        let plain = ForecastRules { robust_passes: 0, ..rules.model };
        let (trend_penalty, backtest) = forecast::tune_trend_penalty(
            &kept,
            &columns.days,
            &plain,
            &rules.penalty_grid,
            rules.backtest_horizon,
            rules.backtest_folds,
        );
        let rules_chosen = ForecastRules { trend_penalty, ..plain };
        let model = forecast::fit(&kept, &columns.days, &rules_chosen)?;
        // The error of the same weeks a year before joins the last weeks': how far off a
        // forecast goes depends on the time of year (December's is not October's).
        let year_ago = end.checked_sub_days(Days::new(YEAR_WEEKS * 7)).filter(|o| (*o - start).num_days() >= 182);
        let errors = match (backtest, year_ago) {
            (Some(recent), Some(origin)) => {
                let same_weeks =
                    forecast::backtest_from(&kept, &columns.days, &rules_chosen, origin, rules.backtest_horizon);
                Some(Backtest {
                    squared_error: recent.squared_error + same_weeks.squared_error,
                    days: recent.days + same_weeks.days,
                })
            }
            (recent, _) => recent,
        };
        let sigma = errors.and_then(|b| b.rmse()).unwrap_or_else(|| model.residual_sd());
        let left_out: BTreeSet<NaiveDate> =
            history.iter().zip(&weights).filter(|(_, w)| **w == 0.0).map(|((day, _), _)| *day).collect();
        let effects = columns.learn(&model, history, &left_out, rules.prior_occurrences);
        Some(Self { model, sigma, effects, trend_penalty, backtest })
    }

    /// The forecast of the `days` days from `origin` (inclusive), adjusted by `events`.
    pub fn forecast(&self, events: &[Occurrence], origin: NaiveDate, days: u32) -> Vec<DayForecast> {
        let (z80, z95) = z_scores();
        (0..u64::from(days))
            .filter_map(|i| origin.checked_add_days(Days::new(i)))
            .map(|day| {
                // Event columns cover history days only: a coming day is predicted without
                // them, and the events act through their multipliers.
                let centre = self.model.predict(day);
                let at = |z: f64| (centre + z * self.sigma).exp_m1();
                let base = [at(0.0), at(-z80), at(z80), at(-z95), at(z95)];
                adjusted(day, base, self.effects.adjustments(events, day))
            })
            .collect()
    }

    /// The event effects learned from the history.
    pub fn effects(&self) -> &EventEffects {
        &self.effects
    }

    /// The spread of a forecast's error on the `ln(1 + y)` scale.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }
}

/// The first and last day of a history, when it has any.
fn span(history: &[(NaiveDate, f64)]) -> Option<(NaiveDate, NaiveDate)> {
    let start = history.iter().map(|(d, _)| *d).min()?;
    let end = history.iter().map(|(d, _)| *d).max()?;
    Some((start, end))
}

/// One event identity with days in the history: its type, its past occurrences, and the
/// days they cover and build up over.
struct Group<'a> {
    identity: &'a str,
    event_type: &'a str,
    past: Vec<&'a Occurrence>,
    event: Vec<NaiveDate>,
    build_up: Vec<NaiveDate>,
}

impl Group<'_> {
    /// Past occurrences with a day in the history.
    fn occurrences(&self) -> usize {
        self.past.iter().filter(|e| self.event.iter().any(|d| e.covers(*d))).count()
    }

    /// The mean log of the multipliers declared for its past occurrences in the history;
    /// `None` when one was declared a closure (0).
    fn declared_log(&self) -> Option<f64> {
        let past: Vec<f64> =
            self.past.iter().filter(|e| self.event.iter().any(|d| e.covers(*d))).map(|e| e.declared).collect();
        if past.is_empty() || past.iter().any(|d| *d <= 0.0) {
            return None;
        }
        Some(past.iter().map(|d| d.ln()).sum::<f64>() / past.len() as f64)
    }

    /// Past occurrences with a build-up day in the history.
    fn build_up_occurrences(&self) -> usize {
        self.past.iter().filter(|e| self.build_up.iter().any(|d| e.builds_up(*d))).count()
    }
}

/// The event identities with days in the history: the first `joint` of them fitted as
/// columns of the model (one of its days, one of its build-up days), the rest learned from
/// the fit's residuals.
struct EventColumns<'a> {
    /// The joint identities' columns, two per identity in `groups`' order.
    days: Vec<Vec<NaiveDate>>,
    groups: Vec<Group<'a>>,
}

impl<'a> EventColumns<'a> {
    fn new(events: &'a [Occurrence], start: NaiveDate, end: NaiveDate, joint: usize) -> Self {
        let mut by_identity: BTreeMap<&str, Vec<&Occurrence>> = BTreeMap::new();
        for e in events.iter().filter(|e| e.first_day <= end && e.last_day >= start) {
            by_identity.entry(e.identity.as_str()).or_default().push(e);
        }
        let mut groups = Vec::new();
        for (identity, past) in by_identity {
            let within = |d: &NaiveDate| start <= *d && *d <= end;
            let mut event: Vec<NaiveDate> = past
                .iter()
                .flat_map(|e| e.first_day.iter_days().take_while(|d| d <= &e.last_day))
                .filter(within)
                .collect();
            event.sort();
            event.dedup();
            let mut build_up: Vec<NaiveDate> = past
                .iter()
                .flat_map(|e| {
                    let from = e.first_day.checked_sub_days(Days::new(e.lead_days)).unwrap_or(e.first_day);
                    from.iter_days().take_while(|d| d < &e.first_day)
                })
                .filter(|d| within(d) && event.binary_search(d).is_err())
                .collect();
            build_up.sort();
            build_up.dedup();
            let event_type = past[0].event_type.as_str();
            groups.push(Group { identity, event_type, past, event, build_up });
        }
        // Recurring events first: their effect is the one to tell apart from the seasons
        // they fall in. A sort that keeps the identities' order among equals, counting each
        // identity's occurrences once.
        groups.sort_by_cached_key(|g| std::cmp::Reverse((g.occurrences(), g.event.len())));
        let days = groups.iter().take(joint).flat_map(|g| [g.event.clone(), g.build_up.clone()]).collect();
        Self { days, groups }
    }

    /// The effects the fitted `model` gives each identity, with the raw `history` to tell a
    /// closure (nothing sold on any event day): a joint identity's are its columns'
    /// coefficients; the others' are learned together from the fit's residuals
    /// ([`backfit`]). Each is then pooled toward its type's mean as far as its own noise
    /// says ([`pool`]).
    fn learn(
        &self,
        model: &Model,
        history: &[(NaiveDate, f64)],
        left_out: &BTreeSet<NaiveDate>,
        prior_occurrences: f64,
    ) -> EventEffects {
        let mut effects = EventEffects { prior_occurrences, ..EventEffects::default() };
        let values: BTreeMap<NaiveDate, f64> = history.iter().copied().collect();
        let joint = self.days.len() / 2;
        let residual_learned = backfit(&self.groups[joint.min(self.groups.len())..], model, history, left_out);
        // Per type, its identities as learned: (group, effects, event days, build-up days).
        let mut by_type: BTreeMap<&str, Vec<(&Group<'_>, Learned)>> = BTreeMap::new();
        for (g, group) in self.groups.iter().enumerate() {
            if group.event.is_empty() {
                continue; // only the build-up is in the history: nothing learned yet
            }
            let (event, build_up) = if g < joint {
                (model.event_effect(2 * g).unwrap_or(0.0), model.event_effect(2 * g + 1).unwrap_or(0.0))
            } else {
                residual_learned[g - joint]
            };
            let learned = Learned {
                occurrences: group.occurrences(),
                event,
                build_up_occurrences: group.build_up_occurrences(),
                build_up,
                closed: group.event.iter().all(|d| values.get(d).is_none_or(|v| *v <= 0.0)),
                declared_bias: 0.0,
            };
            by_type.entry(group.event_type).or_default().push((group, learned));
        }
        let noise = model.residual_sd().powi(2);
        for (event_type, mut identities) in by_type {
            let mut type_effects = Learned {
                occurrences: 0,
                event: 0.0,
                build_up_occurrences: 0,
                build_up: 0.0,
                closed: true,
                declared_bias: 0.0,
            };
            // The type's effects: the occurrence-weighted means of its events' effects.
            for (_, learned) in &identities {
                type_effects.event =
                    weighted(type_effects.event, type_effects.occurrences, learned.event, learned.occurrences);
                type_effects.occurrences += learned.occurrences;
                type_effects.build_up = weighted(
                    type_effects.build_up,
                    type_effects.build_up_occurrences,
                    learned.build_up,
                    learned.build_up_occurrences,
                );
                type_effects.build_up_occurrences += learned.build_up_occurrences;
                type_effects.closed &= learned.closed;
            }
            let estimate =
                |effect, days: &Vec<NaiveDate>, occurrences| Estimate { effect, days: days.len(), occurrences };
            let mut events: Vec<Estimate> =
                identities.iter().map(|(g, l)| estimate(l.event, &g.event, l.occurrences)).collect();
            pool(&mut events, type_effects.event, noise);
            let mut build_ups: Vec<Estimate> =
                identities.iter().map(|(g, l)| estimate(l.build_up, &g.build_up, l.build_up_occurrences)).collect();
            pool(&mut build_ups, type_effects.build_up, noise);
            for (((_, learned), event), build_up) in identities.iter_mut().zip(events).zip(build_ups) {
                (learned.event, learned.build_up) = (event.effect, build_up.effect);
            }
            calibrate(&mut identities, prior_occurrences);
            for (group, learned) in identities {
                effects.by_identity.insert(group.identity.to_owned(), learned);
            }
            effects.by_type.insert(event_type.to_owned(), type_effects);
        }
        effects
    }
}

/// Sweeps over the residual-learned columns before they are taken as learned: a sweep
/// whose largest change is below this ends the backfit.
const BACKFIT_TOLERANCE: f64 = 1e-6;
/// The most sweeps a backfit makes (each costs one pass over every column's days).
const BACKFIT_SWEEPS: usize = 50;

/// The effects of the identities learned from the residuals of `model` (event, build-up;
/// log scale), fitted together by backfitting: each in turn takes the mean, over its days,
/// of the residual less what the others already explain there, until a sweep changes
/// nothing. One identity alone on its days learns the mean residual of its days; several
/// that always share their days split one lift instead of each counting all of it (fifty
/// one-off events on the same Saturday would otherwise multiply its lift fifty times). The
/// ones with the most occurrences come first and take a shared lift. A column averages the
/// days the fit kept, unless it kept none of them (a closure, an event that disrupted every
/// day it covered): those days then speak for it. Each sweep costs one pass over the
/// columns' days.
fn backfit(
    groups: &[Group<'_>],
    model: &Model,
    history: &[(NaiveDate, f64)],
    left_out: &BTreeSet<NaiveDate>,
) -> Vec<(f64, f64)> {
    let Some((start, _)) = span(history).filter(|_| !groups.is_empty()) else {
        return Vec::new();
    };
    let offset = |d: NaiveDate| usize::try_from((d - start).num_days()).ok();
    let mut residual: Vec<Option<f64>> = Vec::new();
    for &(day, value) in history {
        let Some(i) = offset(day) else { continue };
        if residual.len() <= i {
            residual.resize(i + 1, None);
        }
        residual[i] = Some(value.max(0.0).ln_1p() - model.predict(day));
    }
    let known = |d: &NaiveDate| offset(*d).filter(|i| residual.get(*i).copied().flatten().is_some());
    let used = |days: &[NaiveDate]| -> Vec<usize> {
        let kept: Vec<usize> = days.iter().filter(|d| !left_out.contains(d)).filter_map(known).collect();
        if kept.is_empty() { days.iter().filter_map(known).collect() } else { kept }
    };
    // An identity with no day in the history (only its build-up) learns nothing yet, so
    // its build-up takes no share of the residual either.
    let columns: Vec<Vec<usize>> = groups
        .iter()
        .flat_map(|g| if g.event.is_empty() { [Vec::new(), Vec::new()] } else { [used(&g.event), used(&g.build_up)] })
        .collect();
    let mut explained = vec![0.0; residual.len()];
    let mut effects = vec![0.0; columns.len()];
    for _ in 0..BACKFIT_SWEEPS {
        let mut largest = 0.0f64;
        for (days, effect) in columns.iter().zip(effects.iter_mut()) {
            if days.is_empty() {
                continue;
            }
            let unexplained: f64 =
                days.iter().map(|&i| residual[i].unwrap_or(0.0) - explained[i] + *effect).sum::<f64>();
            let learned = unexplained / days.len() as f64;
            for &i in days {
                explained[i] += learned - *effect;
            }
            largest = largest.max((learned - *effect).abs());
            *effect = learned;
        }
        if largest < BACKFIT_TOLERANCE {
            break;
        }
    }
    effects.chunks_exact(2).map(|pair| (pair[0], pair[1])).collect()
}

/// Sets each identity's `declared_bias`: the occurrence-weighted mean of learned effect
/// less declared multiplier (logs) over the other identities of its type, as if the
/// declarations counted `prior_occurrences` more occurrences of no bias. A shop whose
/// promotions were each declared ×1.3 and did nothing has a new promotion's declaration
/// read as ×1.3 less; a type with one event, or closures, are left alone.
fn calibrate(identities: &mut [(&Group<'_>, Learned)], prior_occurrences: f64) {
    let record = |(group, learned): &(&Group<'_>, Learned)| {
        let declared = group.declared_log().filter(|_| !learned.closed)?;
        let n = learned.occurrences as f64;
        Some((n * (learned.event - declared), n))
    };
    let (sum, count) = identities.iter().filter_map(record).fold((0.0, 0.0), |(s, c), (a, b)| (s + a, c + b));
    let k = prior_occurrences.max(0.0);
    for identity in identities.iter_mut() {
        let (own, own_count) = record(identity).unwrap_or((0.0, 0.0));
        let others = count - own_count;
        identity.1.declared_bias = if others > 0.0 { (sum - own) / (others + k) } else { 0.0 };
    }
}

/// One identity's learned effect (log scale), the days it was learned from and the past
/// occurrences they belong to (0: nothing was learned).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Estimate {
    effect: f64,
    days: usize,
    occurrences: usize,
}

/// Pools the estimates of one type's identities toward the type's `mean` (empirical
/// Bayes): each keeps the share `τ² / (τ² + noise / days)` of its distance from the mean,
/// where `noise / days` is how far a mean of that many days strays by chance (`noise`: the
/// fit's residual variance) and `τ²` how much the type's events truly differ (the
/// estimates' variance about the mean less their mean chance variance, at least 0). Events
/// that all do the same are learned as their type; events that differ keep their own
/// effects; one event alone, or a fit with no noise, keeps its own. An estimate with no
/// occurrence (nothing learned) neither counts nor moves.
fn pool(estimates: &mut [Estimate], mean: f64, noise: f64) {
    let mut learned: Vec<&mut Estimate> = estimates.iter_mut().filter(|e| e.occurrences > 0).collect();
    if learned.len() < 2 || noise <= 0.0 {
        return;
    }
    let count = learned.len() as f64;
    let chance = |e: &Estimate| noise / e.days.max(1) as f64;
    let spread = learned.iter().map(|e| (e.effect - mean).powi(2)).sum::<f64>() / count;
    let between = (spread - learned.iter().map(|e| chance(e)).sum::<f64>() / count).max(0.0);
    for estimate in &mut learned {
        let keep = between / (between + chance(estimate));
        estimate.effect = mean + keep * (estimate.effect - mean);
    }
}

/// The mean of `a` weighing `n` and `b` weighing `m` (`a` when both weigh nothing).
fn weighted(a: f64, n: usize, b: f64, m: usize) -> f64 {
    if n + m == 0 { a } else { (a * n as f64 + b * m as f64) / (n + m) as f64 }
}

/// A product's daily units, fitted and ready to forecast.
#[derive(Debug, Clone, PartialEq)]
pub enum UnitsForecaster {
    /// Sells most days: a light regression (trend with 5 bends, weekly pattern) on
    /// `ln(1 + units)`.
    Regression {
        /// The fitted model.
        model: Model,
        /// Residual spread on the log scale, corrected for the coefficients fitted.
        sigma: f64,
    },
    /// Sells on few days.
    Intermittent(Tsb),
}

/// The shape of the regression for products: fewer bends, no yearly cycle (a product's
/// year is too noisy to fit on its own), a stiffer trend.
pub const PRODUCT_RULES: ForecastRules = ForecastRules {
    changepoints: 5,
    changepoint_range: 0.8,
    weekly_terms: 3,
    yearly_terms: 0,
    trend_penalty: 1e-3,
    seasonal_penalty: 0.01,
    // A product's days without a sale are real zeros, not a closure: plain least squares.
    robust_passes: 0,
};

/// Average days between sales above which demand counts as intermittent (Syntetos and
/// Boylan's cut-off).
pub const INTERMITTENT_INTERVAL: f64 = 1.32;
/// Fewer selling days than this and the regression is not trusted: the product is
/// forecast as intermittent.
pub const MIN_REGRESSION_DAYS: usize = 28;

impl UnitsForecaster {
    /// Fits a product's `units`, one value per day (zeros included) ending the day before
    /// the forecast starts, first day `start`. `None` when it never sold.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use crm_analytics::demand::{UnitsForecaster, UnitsMethod};
    /// let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    /// // Four units every fifth day: intermittent, forecast as 0.8 a day on average.
    /// let units: Vec<f64> = (0..200).map(|i| if i % 5 == 0 { 4.0 } else { 0.0 }).collect();
    /// let forecaster = UnitsForecaster::fit(start, &units).unwrap();
    /// assert_eq!(forecaster.method(), UnitsMethod::Intermittent);
    /// let [point, low_80, high_80, _, _] = forecaster.quantiles(start);
    /// assert!((point - 0.8).abs() < 0.1, "{point}");
    /// assert_eq!((low_80, high_80), (0.0, 4.0));
    /// ```
    pub fn fit(start: NaiveDate, units: &[f64]) -> Option<Self> {
        let days: Vec<Option<f64>> = units.iter().copied().map(Some).collect();
        Self::fit_observed(start, &days)
    }

    /// Like [`fit`](Self::fit), with the days whose demand is unknown as `None`: a day the
    /// product was out of stock sold nothing because there was nothing to sell, so it is
    /// left out of the history instead of counting as a day without demand.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use crm_analytics::demand::UnitsForecaster;
    /// let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    /// // Two a day, but out of stock every other day of the second half.
    /// let days: Vec<Option<f64>> = (0..120).map(|i| (i < 60 || i % 2 == 0).then_some(2.0)).collect();
    /// let mean = UnitsForecaster::fit_observed(start, &days).unwrap().demand(start, 1.0).mean;
    /// assert!((mean - 2.0).abs() < 0.1, "{mean}");
    /// // Counted as days without sales, the same history would halve the recent demand.
    /// let zeros: Vec<f64> = days.iter().map(|d| d.unwrap_or(0.0)).collect();
    /// assert!(UnitsForecaster::fit(start, &zeros).unwrap().demand(start, 1.0).mean < 1.6);
    /// ```
    pub fn fit_observed(start: NaiveDate, days: &[Option<f64>]) -> Option<Self> {
        let observed: Vec<(NaiveDate, f64)> = days
            .iter()
            .enumerate()
            .filter_map(|(i, units)| Some((start.checked_add_days(Days::new(i as u64))?, (*units)?)))
            .collect();
        let selling = observed.iter().filter(|(_, u)| *u > 0.0).count();
        if selling == 0 {
            return None;
        }
        let interval = observed.len() as f64 / selling as f64;
        if interval >= INTERMITTENT_INTERVAL || selling < MIN_REGRESSION_DAYS {
            let units: Vec<f64> = observed.iter().map(|(_, u)| *u).collect();
            return Tsb::fit(&units).map(Self::Intermittent);
        }
        let history: Vec<(NaiveDate, f64)> = observed.iter().map(|(day, u)| (*day, u.max(0.0).ln_1p())).collect();
        let model = forecast::fit(&history, &[], &PRODUCT_RULES)?;
        let n = history.len() as f64;
        let fitted = 2.0 + 2.0 * PRODUCT_RULES.weekly_terms as f64 + PRODUCT_RULES.changepoints as f64;
        let sigma = model.residual_sd() * (n / (n - fitted).max(1.0)).sqrt();
        Some(Self::Regression { model, sigma })
    }

    /// Which method was chosen.
    pub fn method(&self) -> UnitsMethod {
        match self {
            Self::Regression { .. } => UnitsMethod::Regression,
            Self::Intermittent(_) => UnitsMethod::Intermittent,
        }
    }

    /// Point, 80% and 95% bounds of `day` before any event: `[point, low 80, high 80,
    /// low 95, high 95]`, never negative.
    pub fn quantiles(&self, day: NaiveDate) -> [f64; 5] {
        let (z80, z95) = z_scores();
        match self {
            Self::Regression { model, sigma } => {
                let centre = model.predict(day);
                [0.0, -z80, z80, -z95, z95].map(|z| (centre + z * sigma).exp_m1().max(0.0))
            }
            Self::Intermittent(tsb) => {
                [tsb.mean(), tsb.quantile(0.1), tsb.quantile(0.9), tsb.quantile(0.025), tsb.quantile(0.975)]
            }
        }
    }

    /// The mean and variance of `day`'s units, scaled by `factor` (the product of the
    /// day's event multipliers): what reorder advice adds up over a lead time. For the
    /// regression, those of `exp(X) − 1` with `X` normal (`mean = e^(m+σ²/2) − 1`,
    /// `variance = (e^σ² − 1)·e^(2m+σ²)`); for TSB, those of the mixture.
    pub fn demand(&self, day: NaiveDate, factor: f64) -> crate::reorder::DayDemand {
        let (mean, variance) = match self {
            Self::Regression { model, sigma } => {
                let (m, s2) = (model.predict(day), sigma * sigma);
                ((m + s2 / 2.0).exp() - 1.0, (s2.exp() - 1.0) * (2.0 * m + s2).exp())
            }
            Self::Intermittent(tsb) => (tsb.mean(), tsb.variance()),
        };
        crate::reorder::DayDemand { mean: mean.max(0.0) * factor, variance: variance.max(0.0) * factor * factor }
    }

    /// The forecast of `day`, scaled by the store's `adjustments` of that day.
    pub fn day(&self, day: NaiveDate, adjustments: Vec<Adjustment>) -> DayForecast {
        adjusted(day, self.quantiles(day), adjustments)
    }
}

/// Teunter, Syntetos and Babai's method for intermittent demand: the chance of selling on a
/// day is updated every day, the size of a day's sale only on days it sells; the forecast
/// is their product. The interval comes from the sizes seen: a day sells nothing with the
/// chance of not selling, otherwise a size drawn from those seen, rescaled by the current
/// size over their median.
#[derive(Debug, Clone, PartialEq)]
pub struct Tsb {
    /// Chance of selling on a day.
    pub probability: f64,
    /// Units on a day it sells.
    pub size: f64,
    /// The sizes seen, sorted.
    sizes: Vec<f64>,
}

/// Smoothing of the chance of selling (per day).
pub const TSB_PROBABILITY_SMOOTHING: f64 = 0.05;
/// Smoothing of the size (per selling day).
pub const TSB_SIZE_SMOOTHING: f64 = 0.1;

impl Tsb {
    /// Fits daily `units` (zeros included); `None` when nothing ever sold.
    ///
    /// ```
    /// use crm_analytics::demand::Tsb;
    /// let tsb = Tsb::fit(&[0.0, 2.0, 0.0, 2.0]).unwrap();
    /// assert_eq!(tsb.size, 2.0);
    /// assert!(tsb.probability > 0.4 && tsb.probability < 0.6, "{}", tsb.probability);
    /// assert!(Tsb::fit(&[0.0, 0.0]).is_none());
    /// ```
    pub fn fit(units: &[f64]) -> Option<Self> {
        let mut sizes: Vec<f64> = units.iter().copied().filter(|u| *u > 0.0).collect();
        if sizes.is_empty() {
            return None;
        }
        // Start from the averages of the whole history, then follow the latest days.
        let mut probability = sizes.len() as f64 / units.len() as f64;
        let mut size = sizes.iter().sum::<f64>() / sizes.len() as f64;
        for &u in units {
            let sold = u > 0.0;
            probability += TSB_PROBABILITY_SMOOTHING * (f64::from(u8::from(sold)) - probability);
            if sold {
                size += TSB_SIZE_SMOOTHING * (u - size);
            }
        }
        sizes.sort_by(f64::total_cmp);
        Some(Self { probability, size, sizes })
    }

    /// The forecast of a day: expected units.
    pub fn mean(&self) -> f64 {
        self.probability * self.size
    }

    /// The variance of a day's units: a size drawn from those seen (rescaled) with chance
    /// `probability`, else none.
    pub fn variance(&self) -> f64 {
        if self.sizes.is_empty() {
            return 0.0;
        }
        let scale = self.size / self.sizes[self.sizes.len() / 2];
        let second_moment = self.sizes.iter().map(|s| (s * scale).powi(2)).sum::<f64>() / self.sizes.len() as f64;
        (self.probability * second_moment - self.mean().powi(2)).max(0.0)
    }

    /// The `q` quantile of a day's units.
    pub fn quantile(&self, q: f64) -> f64 {
        let none = 1.0 - self.probability;
        if q <= none || self.sizes.is_empty() {
            return 0.0;
        }
        let within = ((q - none) / self.probability).clamp(0.0, 1.0);
        let at = (within * (self.sizes.len() - 1) as f64).round() as usize;
        // Rescaled by the median, which one wholesale order does not move.
        let median = self.sizes[self.sizes.len() / 2];
        // `within` is at most 1, so `at` is at most the last index.
        self.sizes[at] * self.size / median
    }
}

/// Backtests the store forecast on `history`: from each of `folds` origins, `horizon` days
/// apart going back from the day after the last, it is fitted on the days before the origin
/// (with `events`) and scored on the `horizon` days from it. `None` when no fold leaves
/// two weeks to fit and a day to score.
///
/// ```
/// use chrono::{Days, NaiveDate};
/// use crm_analytics::demand::{DemandRules, accuracy};
/// let start = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap(); // a Monday
/// // Weekends sell 200, weekdays 100, with a slow rise: the model follows both.
/// let history: Vec<(NaiveDate, f64)> = (0..200)
///     .map(|i| (start + Days::new(i), if i % 7 >= 5 { 200.0 } else { 100.0 } + i as f64 / 10.0))
///     .collect();
/// let report = accuracy(&history, &[], &DemandRules::default(), 28, 3).unwrap();
/// assert_eq!((report.days, report.origins.len()), (84, 3));
/// assert!(report.wape.unwrap() < report.naive_wape.unwrap(), "{report:?}");
/// ```
pub fn accuracy(
    history: &[(NaiveDate, f64)],
    events: &[Occurrence],
    rules: &DemandRules,
    horizon: u32,
    folds: u32,
) -> Option<Accuracy> {
    let (_, end) = span(history)?;
    let mut report =
        Accuracy { origins: Vec::new(), horizon, days: 0, wape: None, naive_wape: None, mase: None, naive_mase: None };
    let (mut error, mut naive_error, mut actual, mut scale, mut scaled_days) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for fold in (1..=folds).rev() {
        let Some(origin) = end.checked_sub_days(Days::new(u64::from(fold) * u64::from(horizon) - 1)) else {
            continue;
        };
        let known: Vec<(NaiveDate, f64)> = history.iter().copied().filter(|(d, _)| *d < origin).collect();
        if known.len() < 14 {
            continue;
        }
        let Some(forecaster) = StoreForecaster::fit(&known, events, rules) else { continue };
        let predicted: BTreeMap<NaiveDate, f64> =
            forecaster.forecast(events, origin, horizon).into_iter().map(|d| (d.day, d.point)).collect();
        let in_sample = weekly_naive_mae(&known);
        report.origins.push(origin);
        for &(day, value) in history.iter().filter(|(d, _)| predicted.contains_key(d)) {
            let Some(naive) = forecast::seasonal_naive(&known, origin.pred_opt().unwrap_or(origin), day) else {
                continue;
            };
            error += (value - predicted[&day]).abs();
            naive_error += (value - naive).abs();
            actual += value.abs();
            if let Some(in_sample) = in_sample {
                scale += in_sample;
                scaled_days += 1.0;
            }
            report.days += 1;
        }
    }
    if report.days == 0 {
        return None;
    }
    let ratio = |a: f64, b: f64| (b > 0.0).then(|| a / b);
    report.wape = ratio(error, actual);
    report.naive_wape = ratio(naive_error, actual);
    // The errors are scaled by the folds' mean in-sample scale (NaN when no fold had one,
    // which `ratio` turns into no figure).
    let mean_scale = scale / scaled_days;
    let days = report.days as f64;
    report.mase = ratio(error / days, mean_scale);
    report.naive_mase = ratio(naive_error / days, mean_scale);
    Some(report)
}

/// Mean absolute difference between each day and the same weekday a week before.
fn weekly_naive_mae(history: &[(NaiveDate, f64)]) -> Option<f64> {
    let values: BTreeMap<NaiveDate, f64> = history.iter().copied().collect();
    let diffs: Vec<f64> =
        values.iter().filter_map(|(d, v)| Some((v - values.get(&d.checked_sub_days(Days::new(7))?)?).abs())).collect();
    (!diffs.is_empty()).then(|| diffs.iter().sum::<f64>() / diffs.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn event(name: &str, event_type: &str, first: &str, days: u64, lead_days: u64, declared: f64) -> Occurrence {
        let first_day = day(first);
        Occurrence {
            identity: name.to_lowercase(),
            name: name.into(),
            event_type: event_type.into(),
            first_day,
            last_day: first_day + Days::new(days - 1),
            lead_days,
            declared,
        }
    }

    /// Daily values from `start` for `days` days: `normal` on ordinary days, `on(day)` where
    /// it answers.
    fn history(start: &str, days: u64, normal: f64, on: impl Fn(NaiveDate) -> Option<f64>) -> Vec<(NaiveDate, f64)> {
        (0..days).map(|i| day(start) + Days::new(i)).map(|d| (d, on(d).unwrap_or(normal))).collect()
    }

    /// A small deterministic noise in -1..1 (a linear congruential generator).
    fn noise(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((*seed >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }

    fn forecast_of(history: &[(NaiveDate, f64)], events: &[Occurrence], from: &str, days: u32) -> Vec<DayForecast> {
        StoreForecaster::fit(history, events, &DemandRules::default()).unwrap().forecast(events, day(from), days)
    }

    fn on<'a>(days: &'a [DayForecast], text: &str) -> &'a DayForecast {
        days.iter().find(|d| d.day == day(text)).unwrap()
    }

    #[test]
    fn with_no_past_occurrence_the_declared_multiplier_is_used() {
        let sale = event("Summer Sale", "promotion", "2025-03-10", 2, 0, 1.8);
        let days = forecast_of(&history("2025-01-01", 60, 500.0, |_| None), &[sale], "2025-03-02", 14);
        let first = on(&days, "2025-03-10");
        assert_eq!(
            first.adjustments,
            [Adjustment {
                name: "Summer Sale".into(),
                phase: Phase::Event,
                multiplier: 1.8,
                source: AdjustmentSource::Declared
            }]
        );
        assert!((first.point - 1.8 * on(&days, "2025-03-03").point).abs() < 1.0, "{first:?}");
        assert_eq!(on(&days, "2025-03-11").adjustments.len(), 1);
        assert!(on(&days, "2025-03-12").adjustments.is_empty());
        assert!(on(&days, "2025-03-09").adjustments.is_empty(), "no lead days: no build-up");
    }

    #[test]
    fn a_declared_closure_forecasts_zero_whatever_the_history() {
        // The same event sold double last year; this year the shop declares itself shut.
        let past = event("Stocktake", "closure", "2025-02-01", 1, 0, 2.0);
        let shut = event("Stocktake", "closure", "2026-02-01", 1, 0, 0.0);
        let sales = history("2025-01-01", 365, 800.0, |d| (d == past.first_day).then_some(1600.0));
        let days = forecast_of(&sales, &[past, shut], "2026-01-25", 14);
        let closed = on(&days, "2026-02-01");
        assert_eq!([closed.point, closed.lower_80, closed.upper_80, closed.lower_95, closed.upper_95], [0.0; 5]);
        assert_eq!(closed.adjustments[0].source, AdjustmentSource::Declared);
        assert!(on(&days, "2026-02-02").point > 700.0);
    }

    #[test]
    fn a_shop_closed_on_every_past_occurrence_is_forecast_closed() {
        let christmas = |year: i32| event("Christmas Day", "holiday", &format!("{year}-12-25"), 1, 0, 1.1);
        let events = [christmas(2023), christmas(2024), christmas(2025)];
        let sales = history("2023-06-01", 900, 2_000.0, |d| events.iter().any(|e| e.first_day == d).then_some(0.0));
        let days = forecast_of(&sales, &events, "2025-12-20", 10);
        let closed = on(&days, "2025-12-25");
        assert_eq!((closed.point, closed.upper_95), (0.0, 0.0));
        assert_eq!(
            closed.adjustments[0].source,
            AdjustmentSource::Learned { basis: Basis::SameEvent, occurrences: 2 },
            "2023 and 2024 are in the history"
        );
    }

    #[test]
    fn a_learned_effect_is_shrunk_toward_the_declared_multiplier() {
        // Twice tripled; declared 1.0: the geometric mean weighs 2 occurrences against the
        // prior's 1 (with the default rules), so (3·3·1)^(1/3).
        let fair = |year: i32| event("Fair", "festival", &format!("{year}-06-01"), 1, 0, 1.0);
        let events = [fair(2024), fair(2025), fair(2026)];
        let sales = history("2024-01-01", 731, 1_000.0, |d| events.iter().any(|e| e.first_day == d).then_some(3_000.0));
        let forecaster = StoreForecaster::fit(&sales, &events, &DemandRules::default()).unwrap();
        let (multiplier, source) = forecaster.effects().effect(&events[2], Phase::Event).unwrap();
        assert!((multiplier - 9f64.cbrt()).abs() < 0.01, "{multiplier}");
        assert_eq!(source, AdjustmentSource::Learned { basis: Basis::SameEvent, occurrences: 2 });
        // A heavier prior pulls harder: with 8 occurrences' weight, (3²)^(1/5)... of 10.
        let stubborn = DemandRules { prior_occurrences: 8.0, ..DemandRules::default() };
        let forecaster = StoreForecaster::fit(&sales, &events, &stubborn).unwrap();
        let (multiplier, _) = forecaster.effects().effect(&events[2], Phase::Event).unwrap();
        assert!((multiplier - 9f64.powf(0.1)).abs() < 0.01, "{multiplier}");
    }

    #[test]
    fn an_identity_beyond_the_joint_fit_learns_the_same_effect_from_the_residuals() {
        // The fair's day and its two-day build-up, fitted as columns or learned from what
        // a fit without them leaves: the same multipliers.
        let fair = |year: i32| event("Fair", "festival", &format!("{year}-06-01"), 1, 2, 1.0);
        let events = [fair(2024), fair(2025), fair(2026)];
        let sales = history("2024-01-01", 731, 1_000.0, |d| {
            if events.iter().any(|e| e.first_day == d) {
                Some(3_000.0)
            } else {
                events.iter().any(|e| e.builds_up(d)).then_some(1_500.0)
            }
        });
        let learned = |joint_identities: usize| {
            let rules = DemandRules { joint_identities, ..DemandRules::default() };
            let forecaster = StoreForecaster::fit(&sales, &events, &rules).unwrap();
            [Phase::Event, Phase::BuildUp].map(|phase| forecaster.effects().effect(&events[2], phase).unwrap())
        };
        let (joint, residual) = (learned(1), learned(0));
        let source = AdjustmentSource::Learned { basis: Basis::SameEvent, occurrences: 2 };
        for (phase, expected) in [(0, (3_001f64 / 1_001.0).powi(2).cbrt()), (1, (1_501f64 / 1_001.0).powi(2).cbrt())] {
            assert!((joint[phase].0 - expected).abs() < 1e-3, "{phase}: {joint:?}");
            assert!((residual[phase].0 - expected).abs() < 1e-3, "{phase}: {residual:?}");
            assert_eq!((joint[phase].1, residual[phase].1), (source, source));
        }
    }

    #[test]
    fn an_event_learned_from_the_residuals_leaves_out_the_days_the_fit_left_out() {
        // A three-day fair sold 4% more on two days; on the third a power cut left nothing
        // recorded, a day the robust fit leaves out. Learned from the residuals (no joint
        // identity), its effect is that of the two days kept: ln(1,041 / 1,001), halfway to
        // the declared 1.0 for one occurrence.
        let fair = event("Fair", "festival", "2025-06-01", 3, 0, 1.0);
        let sales = history("2024-01-01", 730, 1_000.0, |d| {
            if d == day("2025-06-03") { Some(0.0) } else { fair.covers(d).then_some(1_040.0) }
        });
        let rules = DemandRules { joint_identities: 0, ..DemandRules::default() };
        let forecaster = StoreForecaster::fit(&sales, std::slice::from_ref(&fair), &rules).unwrap();
        let (multiplier, _) = forecaster.effects().effect(&fair, Phase::Event).unwrap();
        let expected = (1_041f64 / 1_001.0).sqrt();
        assert!((multiplier - expected).abs() < 1e-3, "{multiplier} against {expected}");
    }

    #[test]
    fn events_that_share_their_days_split_one_lift_instead_of_each_counting_it() {
        // Ten promotions ran on the same day, which sold three times as much; all ten come
        // back on one day next year. Learned from the residuals one after the other, they
        // explain the tripling once between them: the coming day is forecast ×3, not ×3¹⁰.
        let promotions: Vec<Occurrence> = (0..10)
            .flat_map(|i| {
                ["2025-06-01", "2026-06-01"].map(|on| event(&format!("Promotion {i}"), "promotion", on, 1, 0, 1.0))
            })
            .collect();
        let sales = history("2024-01-01", 730, 1_000.0, |d| (d == day("2025-06-01")).then_some(3_000.0));
        let rules = DemandRules { joint_identities: 0, prior_occurrences: 0.0, ..DemandRules::default() };
        let forecaster = StoreForecaster::fit(&sales, &promotions, &rules).unwrap();
        let coming: Vec<&Occurrence> = promotions.iter().filter(|e| e.first_day == day("2026-06-01")).collect();
        let lift: f64 = coming.iter().map(|e| forecaster.effects().effect(e, Phase::Event).unwrap().0).product();
        assert!((lift - 3_001.0 / 1_001.0).abs() < 1e-3, "{lift}");
        let (with, without) =
            (forecaster.forecast(&promotions, day("2026-06-01"), 1), forecaster.forecast(&[], day("2026-06-01"), 1));
        assert!((with[0].point / without[0].point - lift).abs() < 1e-9);
        assert_eq!(with[0].adjustments.len(), 10);
    }

    #[test]
    fn events_that_overlap_in_part_are_backfitted_to_the_least_squares_split() {
        // A market (10-11 June) and a parade (11-12 June), each its own type, doubled and
        // half as much again: the 11th had both. Sweep after sweep, the two effects settle
        // where the three days' residuals are fitted best: A = (2(r₁ + r₂) − (r₂ + r₃)) / 3,
        // B = (2(r₂ + r₃) − (r₁ + r₂)) / 3 (one sweep alone would give the market the mean
        // of its two days, (r₁ + r₂) / 2, 0.2 more).
        let market = event("Market", "market", "2025-06-10", 2, 0, 1.0);
        let parade = event("Parade", "parade", "2025-06-11", 2, 0, 1.0);
        let lifted = [("2025-06-10", 2_000.0), ("2025-06-11", 3_000.0), ("2025-06-12", 1_500.0)];
        let sales =
            history("2024-01-01", 730, 1_000.0, |d| lifted.iter().find(|(on, _)| day(on) == d).map(|(_, v)| *v));
        let rules = DemandRules { joint_identities: 0, prior_occurrences: 0.0, ..DemandRules::default() };
        let events = [market.clone(), parade.clone()];
        let forecaster = StoreForecaster::fit(&sales, &events, &rules).unwrap();
        let [r1, r2, r3] = lifted.map(|(_, v)| (1.0f64 + v).ln() - 1_001f64.ln());
        let (a, b) = ((2.0 * (r1 + r2) - (r2 + r3)) / 3.0, (2.0 * (r2 + r3) - (r1 + r2)) / 3.0);
        let effect = |e: &Occurrence| forecaster.effects().effect(e, Phase::Event).unwrap().0.ln();
        assert!((effect(&market) - a).abs() < 1e-4, "{} against {a}", effect(&market));
        assert!((effect(&parade) - b).abs() < 1e-4, "{} against {b}", effect(&parade));
    }

    #[test]
    fn recurring_identities_are_fitted_jointly_before_one_offs() {
        let events = [
            event("Autumn launch", "promotion", "2025-03-03", 3, 0, 1.0),
            event("Fair", "festival", "2024-06-01", 1, 2, 1.0),
            event("Fair", "festival", "2025-06-01", 1, 2, 1.0),
            event("Derby", "sports", "2025-04-04", 1, 0, 1.0),
            event("Later", "sports", "2026-01-01", 1, 0, 1.0),
        ];
        let columns = EventColumns::new(&events, day("2024-01-01"), day("2025-12-31"), 2);
        let order: Vec<&str> = columns.groups.iter().map(|g| g.identity).collect();
        // Two occurrences first, then the most days (not the names' order); "later" has no
        // day in the history.
        assert_eq!(order, ["fair", "autumn launch", "derby"]);
        assert_eq!(columns.days.len(), 4, "two columns for each of the two joint identities");
        assert_eq!(columns.days[0], [day("2024-06-01"), day("2025-06-01")]);
        assert_eq!(columns.days[1].len(), 4, "two build-up days a year");
        assert_eq!(columns.days[2], [day("2025-03-03"), day("2025-03-04"), day("2025-03-05")]);
        assert!(columns.days[3].is_empty());
    }

    #[test]
    fn hundreds_of_one_off_events_each_learn_their_own_effect() {
        // Three years of 1,000 a day; 300 one-day events, each doubling its day: every one
        // learns ×2 (β = ln(2,001 / 1,001)), whether it is one of the 40 fitted jointly or
        // learned from the residuals. Its declared 1.0 is read against the type's record:
        // the 299 others, declared 1.0, doubled, so the prior is β·299/300 and the
        // multiplier exp((β + β·299/300) / 2).
        let start = day("2023-01-02");
        let events: Vec<Occurrence> = (0..300u64)
            .map(|i| event(&format!("Event {i}"), "promotion", &(start + Days::new(3 * i + 7)).to_string(), 1, 0, 1.0))
            .collect();
        let sales =
            history("2023-01-02", 1_095, 1_000.0, |d| events.iter().any(|e| e.first_day == d).then_some(2_000.0));
        let forecaster = StoreForecaster::fit(&sales, &events, &DemandRules::default()).unwrap();
        let learned = (2_001f64 / 1_001.0).ln();
        let expected = (learned * (1.0 + 299.0 / 300.0) / 2.0).exp();
        for e in &events {
            let (multiplier, source) = forecaster.effects().effect(e, Phase::Event).unwrap();
            assert!((multiplier - expected).abs() < 1e-3, "{}: {multiplier}", e.name);
            assert_eq!(source, AdjustmentSource::Learned { basis: Basis::SameEvent, occurrences: 1 });
        }
    }

    #[test]
    fn a_declaration_is_read_against_the_record_of_its_type() {
        // Promotions declared ×1.5 did nothing, twice for one, once for another; a festival
        // declared ×1.5 did nothing once, alone in its type.
        let events = [
            event("Spring sale", "promotion", "2023-06-01", 1, 0, 1.5),
            event("Spring sale", "promotion", "2024-06-01", 1, 0, 1.5),
            event("Flash sale", "promotion", "2024-03-01", 1, 0, 1.5),
            event("Fair", "festival", "2024-09-01", 1, 0, 1.5),
        ];
        let sales = history("2023-01-02", 1_095, 1_000.0, |_| None);
        let forecaster = StoreForecaster::fit(&sales, &events, &DemandRules::default()).unwrap();
        let multiplier = |e: &Occurrence| forecaster.effects().effect(e, Phase::Event).unwrap().0;
        // The flash sale: learned 0 from one occurrence; its prior ln 1.5 less the spring
        // sale's record, 2·(0 − ln 1.5) / (2 + 1): exp((0 + ln 1.5 / 3) / 2) = 1.5^(1/6).
        assert!((multiplier(&events[2]) - 1.5f64.powf(1.0 / 6.0)).abs() < 1e-3, "{}", multiplier(&events[2]));
        // The spring sale, against the flash sale's record: (2·0 + ln 1.5 − ln 1.5 / 2) / 3.
        assert!((multiplier(&events[1]) - 1.5f64.powf(1.0 / 6.0)).abs() < 1e-3, "{}", multiplier(&events[1]));
        // The fair has no other festival to be read against: halfway to its declaration.
        assert!((multiplier(&events[3]) - 1.5f64.sqrt()).abs() < 1e-3, "{}", multiplier(&events[3]));
    }

    #[test]
    fn a_declared_closure_is_no_record_to_read_declarations_against() {
        // A promotion declared a closure (×0) that opened and did nothing, and one declared
        // ×1.5 that did nothing: ln 0 says nothing of how declarations compare with what
        // happened, so the second is read alone: halfway to its declaration.
        let events = [
            event("Stocktake", "promotion", "2024-06-01", 1, 0, 0.0),
            event("Flash sale", "promotion", "2024-03-01", 1, 0, 1.5),
        ];
        let sales = history("2023-01-02", 1_095, 1_000.0, |_| None);
        let forecaster = StoreForecaster::fit(&sales, &events, &DemandRules::default()).unwrap();
        let (multiplier, _) = forecaster.effects().effect(&events[1], Phase::Event).unwrap();
        assert!((multiplier - 1.5f64.sqrt()).abs() < 1e-3, "{multiplier}");
    }

    #[test]
    fn with_no_prior_weight_a_lone_event_is_what_it_did() {
        // No weight on declarations, one event of its type (no record to read against):
        // the learned ×3, whatever was declared.
        let fair = event("Fair", "festival", "2024-06-01", 1, 0, 1.5);
        let sales = history("2023-01-02", 1_095, 1_000.0, |d| (d == fair.first_day).then_some(3_000.0));
        let rules = DemandRules { prior_occurrences: 0.0, ..DemandRules::default() };
        let forecaster = StoreForecaster::fit(&sales, std::slice::from_ref(&fair), &rules).unwrap();
        let (multiplier, _) = forecaster.effects().effect(&fair, Phase::Event).unwrap();
        assert!((multiplier - 3_001.0 / 1_001.0).abs() < 1e-3, "{multiplier}");
    }

    #[test]
    fn pooling_learns_events_that_do_the_same_as_their_type_and_keeps_those_that_differ() {
        let estimates = |effects: &[f64], days: usize| -> Vec<Estimate> {
            effects.iter().map(|&effect| Estimate { effect, days, occurrences: 1 }).collect()
        };
        // Within chance of each other (spread 0.00625 against 0.04 of chance): all the mean.
        let mut alike = estimates(&[0.1, -0.1, 0.05, -0.05], 1);
        pool(&mut alike, 0.0, 0.04);
        assert_eq!(alike, estimates(&[0.0; 4], 1));
        // Far apart (spread 1 against 0.001): each keeps 0.999 / (0.999 + 0.001) of its own.
        let mut apart = estimates(&[1.0, -1.0], 10);
        pool(&mut apart, 0.0, 0.01);
        assert!((apart[0].effect - 0.999).abs() < 1e-12 && (apart[1].effect + 0.999).abs() < 1e-12, "{apart:?}");
        // One event alone, or no noise: nothing to pool.
        let mut alone = estimates(&[0.7], 1);
        pool(&mut alone, 0.0, 0.04);
        assert_eq!(alone, estimates(&[0.7], 1));
        let mut exact = estimates(&[0.1, -0.1], 1);
        pool(&mut exact, 0.0, 0.0);
        assert_eq!(exact, estimates(&[0.1, -0.1], 1));
        // An event with nothing learned (no occurrence) is no evidence: the two others pool
        // as they would alone, and it keeps its 0.
        let mut with_nothing = estimates(&[1.0, -1.0, 0.0], 10);
        with_nothing[2].occurrences = 0;
        pool(&mut with_nothing, 0.0, 0.01);
        assert!((with_nothing[0].effect - 0.999).abs() < 1e-12, "{with_nothing:?}");
        assert!((with_nothing[1].effect + 0.999).abs() < 1e-12, "{with_nothing:?}");
        assert_eq!(with_nothing[2], Estimate { effect: 0.0, days: 10, occurrences: 0 });
        let mut one_learned = estimates(&[0.7, 0.0], 1);
        one_learned[1].occurrences = 0;
        pool(&mut one_learned, 0.0, 0.04);
        assert_eq!(one_learned[0].effect, 0.7, "alone among what was learned");
    }

    #[test]
    fn an_event_with_no_past_learns_from_its_type_and_the_case_folded_name_matches() {
        let holi = event("Holi", "festival", "2025-03-14", 1, 0, 1.5);
        let onam = event("Onam", "festival", "2025-09-05", 1, 0, 1.0);
        let sale = event("SALE", "promotion", "2025-09-06", 1, 0, 1.2);
        let sales = history("2024-09-01", 365, 1_000.0, |d| (d == holi.first_day).then_some(4_000.0));
        let forecaster = StoreForecaster::fit(&sales, std::slice::from_ref(&holi), &DemandRules::default()).unwrap();
        let (multiplier, source) = forecaster.effects().effect(&onam, Phase::Event).unwrap();
        assert_eq!(source, AdjustmentSource::Learned { basis: Basis::SameType, occurrences: 1 });
        assert!((multiplier - 4f64.sqrt()).abs() < 0.02, "(4·1)^(1/2): {multiplier}");
        assert_eq!(forecaster.effects().effect(&sale, Phase::Event), Some((1.2, AdjustmentSource::Declared)));
        let shouted = Occurrence { name: "HOLI".into(), ..event("holi", "festival", "2026-03-04", 1, 0, 1.5) };
        let (multiplier, source) = forecaster.effects().effect(&shouted, Phase::Event).unwrap();
        assert_eq!(source, AdjustmentSource::Learned { basis: Basis::SameEvent, occurrences: 1 });
        assert!((multiplier - 6f64.sqrt()).abs() < 0.03, "(4·1.5)^(1/2): {multiplier}");
    }

    #[test]
    fn the_build_up_before_an_event_is_learned_on_its_own() {
        // Three days before Diwali sell half as much again; Diwali itself doubles.
        let diwali = |first: &str| event("Diwali", "festival", first, 1, 3, 2.0);
        let events = [diwali("2024-11-01"), diwali("2025-10-21")];
        let sales = history("2024-06-01", 500, 1_000.0, |d| {
            let e = &events[0];
            if d == e.first_day { Some(2_000.0) } else { e.builds_up(d).then_some(1_500.0) }
        });
        let days = forecast_of(&sales, &events, "2025-10-15", 10);
        let before = on(&days, "2025-10-19");
        assert_eq!(before.adjustments.len(), 1);
        assert_eq!(before.adjustments[0].phase, Phase::BuildUp);
        // One occurrence against a prior of no build-up: (1.5·1)^(1/2).
        assert!((before.adjustments[0].multiplier - 1.5f64.sqrt()).abs() < 0.01, "{before:?}");
        assert_eq!(on(&days, "2025-10-18").adjustments[0].phase, Phase::BuildUp, "three days before: the lead's first");
        assert!(on(&days, "2025-10-17").adjustments.is_empty(), "four days before: outside the lead");
        let diwali_day = on(&days, "2025-10-21");
        assert_eq!(diwali_day.adjustments[0].phase, Phase::Event);
        assert!((diwali_day.adjustments[0].multiplier - 2.0).abs() < 0.01, "{diwali_day:?}");
    }

    #[test]
    fn a_build_up_is_learned_from_the_type_too() {
        // Holi's two days before sold half as much again; Onam, a festival with no past,
        // learns its build-up from Holi: (1.5·1)^(1/2) with the default prior.
        let holi = event("Holi", "festival", "2025-03-14", 1, 2, 1.0);
        let onam = event("Onam", "festival", "2025-09-05", 1, 2, 1.0);
        let sales = history("2024-09-01", 365, 1_000.0, |d| holi.builds_up(d).then_some(1_500.0));
        let forecaster = StoreForecaster::fit(&sales, std::slice::from_ref(&holi), &DemandRules::default()).unwrap();
        let (multiplier, source) = forecaster.effects().effect(&onam, Phase::BuildUp).unwrap();
        assert_eq!(source, AdjustmentSource::Learned { basis: Basis::SameType, occurrences: 1 });
        assert!((multiplier - 1.5f64.sqrt()).abs() < 0.01, "{multiplier}");
    }

    #[test]
    fn a_build_up_never_seen_in_the_history_adjusts_nothing() {
        // Last year's fair had no lead days; this year's declares three: nothing is known of
        // its build-up, so those days stay as they are while the fair's own day is learned.
        let past = event("Fair", "festival", "2024-11-01", 1, 0, 2.0);
        let coming = event("Fair", "festival", "2025-10-21", 1, 3, 2.0);
        let sales = history("2024-06-01", 500, 1_000.0, |d| (d == past.first_day).then_some(2_000.0));
        let days = forecast_of(&sales, &[past, coming], "2025-10-15", 10);
        assert!(on(&days, "2025-10-19").adjustments.is_empty(), "{:?}", on(&days, "2025-10-19"));
        let fair = &on(&days, "2025-10-21").adjustments[0];
        assert_eq!(
            (fair.phase, fair.source),
            (Phase::Event, AdjustmentSource::Learned { basis: Basis::SameEvent, occurrences: 1 })
        );
    }

    #[test]
    fn the_spread_is_the_backtest_s_error_or_with_too_little_history_the_fit_s() {
        let mut seed = 3;
        let noisy: Vec<(NaiveDate, f64)> = history("2025-01-01", 120, 0.0, |_| None)
            .into_iter()
            .map(|(d, _)| (d, 500.0 * (0.3 * noise(&mut seed)).exp()))
            .collect();
        let forecaster = StoreForecaster::fit(&noisy, &[], &DemandRules::default()).unwrap();
        let backtest = forecaster.backtest.unwrap();
        assert_eq!(backtest.days, 56, "two folds of 28");
        assert_eq!(forecaster.sigma(), backtest.rmse().unwrap());
        assert!(forecaster.sigma() > 0.1 && forecaster.sigma() < 0.3, "{}", forecaster.sigma());
        let short = StoreForecaster::fit(&noisy[..10], &[], &DemandRules::default()).unwrap();
        assert_eq!(short.backtest, None);
        assert_eq!(short.sigma(), short.model.residual_sd());
        assert!(short.sigma() > 0.0);
    }

    #[test]
    fn the_spread_counts_the_same_weeks_a_year_before() {
        // Two years of noise: the spread is the error of the last two folds and of the same
        // 28 days a year before (origin 364 days before the end), 84 days in all.
        let mut seed = 5;
        let sales: Vec<(NaiveDate, f64)> = history("2024-01-01", 730, 0.0, |_| None)
            .into_iter()
            .map(|(d, _)| (d, 1_000.0 * (0.2 * noise(&mut seed)).exp()))
            .collect();
        let forecaster = StoreForecaster::fit(&sales, &[], &DemandRules::default()).unwrap();
        let recent = forecaster.backtest.unwrap();
        assert_eq!(recent.days, 56, "the penalty is chosen on the last two folds only");
        let logged: Vec<(NaiveDate, f64)> = sales.iter().map(|&(d, v)| (d, v.ln_1p())).collect();
        let rules = ForecastRules { trend_penalty: forecaster.trend_penalty, ..DemandRules::default().model };
        let origin = sales[729].0 - Days::new(364);
        let same_weeks = forecast::backtest_from(&logged, &[], &rules, origin, 28);
        assert_eq!(same_weeks.days, 28);
        let expected = ((recent.squared_error + same_weeks.squared_error) / 84.0).sqrt();
        assert!((forecaster.sigma() - expected).abs() < 1e-12, "{} against {expected}", forecaster.sigma());
        assert!((forecaster.sigma() - recent.rmse().unwrap()).abs() > 1e-6, "the year before counted");
    }

    #[test]
    fn overlapping_events_multiply() {
        let a = event("A", "x", "2025-03-10", 3, 0, 2.0);
        let b = event("B", "y", "2025-03-11", 1, 0, 1.5);
        let days = forecast_of(&history("2025-01-01", 60, 100.0, |_| None), &[a, b], "2025-03-09", 4);
        let ordinary = on(&days, "2025-03-09").point;
        assert!((on(&days, "2025-03-10").point / ordinary - 2.0).abs() < 0.01);
        assert!((on(&days, "2025-03-11").point / ordinary - 3.0).abs() < 0.01);
    }

    #[test]
    fn intervals_are_ordered_and_cover_about_what_they_say() {
        // A year and a half of a weekly pattern with ±25% multiplicative noise; the last
        // 120 days are forecast from four origins and compared.
        let mut seed = 7;
        let all: Vec<(NaiveDate, f64)> = history("2024-01-01", 540, 0.0, |_| None)
            .into_iter()
            .enumerate()
            .map(|(i, (d, _))| (d, (if i % 7 >= 5 { 900.0 } else { 600.0 }) * (0.25 * noise(&mut seed)).exp()))
            .collect();
        let (mut inside_80, mut inside_95, mut scored) = (0, 0, 0);
        for fold in 0..4 {
            let origin = all[420 + 30 * fold].0;
            let known: Vec<(NaiveDate, f64)> = all.iter().copied().filter(|(d, _)| *d < origin).collect();
            let days = StoreForecaster::fit(&known, &[], &DemandRules::default()).unwrap().forecast(&[], origin, 30);
            for (f, (d, actual)) in days.iter().zip(all.iter().skip(420 + 30 * fold)) {
                assert_eq!(f.day, *d);
                assert!(f.lower_95 <= f.lower_80 && f.lower_80 <= f.point, "{f:?}");
                assert!(f.point <= f.upper_80 && f.upper_80 <= f.upper_95, "{f:?}");
                inside_80 += usize::from(f.lower_80 <= *actual && *actual <= f.upper_80);
                inside_95 += usize::from(f.lower_95 <= *actual && *actual <= f.upper_95);
                scored += 1;
            }
        }
        assert_eq!(scored, 120);
        // Uniform noise of ±0.25 on the log scale has sd 0.144: the 80% band is ±0.185 and
        // holds 74% of it, the 95% band ±0.283 holds all of it; a little fitting error widens
        // both.
        assert!((84..=108).contains(&inside_80), "80%: {inside_80} of 120");
        assert!(inside_95 >= 114, "95%: {inside_95} of 120");
    }

    #[test]
    fn too_little_history_gives_no_forecaster() {
        assert!(StoreForecaster::fit(&[], &[], &DemandRules::default()).is_none());
        assert!(StoreForecaster::fit(&history("2025-01-01", 2, 5.0, |_| None), &[], &DemandRules::default()).is_none());
        let short = StoreForecaster::fit(&history("2025-01-01", 5, 5.0, |_| None), &[], &DemandRules::default());
        let short = short.expect("three days are enough for a level");
        assert_eq!(short.backtest, None, "too short to backtest: the residual spread stands in");
        assert!((short.forecast(&[], day("2025-01-06"), 1)[0].point - 5.0).abs() < 1e-3);
    }

    #[test]
    fn a_product_selling_daily_gets_the_regression_with_its_weekly_pattern() {
        // Two on weekdays, six on Saturdays and Sundays.
        let start = day("2025-01-06"); // a Monday
        let units: Vec<f64> = (0..120).map(|i| if i % 7 >= 5 { 6.0 } else { 2.0 }).collect();
        let forecaster = UnitsForecaster::fit(start, &units).unwrap();
        assert_eq!(forecaster.method(), UnitsMethod::Regression);
        let saturday = forecaster.quantiles(start + Days::new(124))[0];
        let monday = forecaster.quantiles(start + Days::new(126))[0];
        assert!((saturday - 6.0).abs() < 0.3 && (monday - 2.0).abs() < 0.2, "{saturday} {monday}");
    }

    #[test]
    fn a_product_s_spread_is_its_residual_spread_corrected_for_the_coefficients() {
        // 1 and 3 units on alternate days: no weekly term can follow a two-day cycle, so
        // the fit is the middle of ln 2 and ln 4, off by ln 2 / 2 every day; corrected for
        // the 13 coefficients of 60 days: (ln 2 / 2)·√(60/47).
        let units: Vec<f64> = (0..60).map(|i| if i % 2 == 0 { 1.0 } else { 3.0 }).collect();
        let UnitsForecaster::Regression { sigma, model } = UnitsForecaster::fit(day("2025-01-01"), &units).unwrap()
        else {
            panic!("a product selling daily gets the regression");
        };
        let expected = 2f64.ln() / 2.0 * (60.0f64 / 47.0).sqrt();
        assert!((sigma - expected).abs() < 0.01, "{sigma} vs {expected}");
        assert!((sigma - model.residual_sd() * (60.0f64 / 47.0).sqrt()).abs() < 1e-12, "13 coefficients, not 12");
    }

    #[test]
    fn a_regression_product_s_intervals_are_the_log_scale_bands_brought_back() {
        // A steady 3 a day (centre ln 4) with a spread of 0.5 on the log scale.
        let UnitsForecaster::Regression { model, .. } = UnitsForecaster::fit(day("2025-01-01"), &[3.0; 60]).unwrap()
        else {
            panic!("daily sales get the regression");
        };
        let forecaster = UnitsForecaster::Regression { model, sigma: 0.5 };
        let (z80, z95) = z_scores();
        let at = |z: f64| (4f64.ln() + z * 0.5).exp() - 1.0;
        let got = forecaster.quantiles(day("2025-03-05"));
        let want = [at(0.0), at(-z80), at(z80), at(-z95), at(z95)];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 0.01, "{got:?} vs {want:?}");
        }
        assert!((want[1] - 1.1075).abs() < 0.001 && (want[4] - 9.6576).abs() < 0.001, "{want:?}");
    }

    #[test]
    fn the_method_follows_how_often_a_product_sells() {
        let start = day("2025-01-01");
        // Sells four days in five: interval 1.25 < 1.32.
        let often: Vec<f64> = (0..100).map(|i| if i % 5 == 0 { 0.0 } else { 3.0 }).collect();
        assert_eq!(UnitsForecaster::fit(start, &often).unwrap().method(), UnitsMethod::Regression);
        // Three days in four: 1.33.
        let less: Vec<f64> = (0..100).map(|i| if i % 4 == 0 { 0.0 } else { 3.0 }).collect();
        assert_eq!(UnitsForecaster::fit(start, &less).unwrap().method(), UnitsMethod::Intermittent);
        // Daily, but only 27 days of it: too few to trust a regression.
        assert_eq!(UnitsForecaster::fit(start, &[1.0; 27]).unwrap().method(), UnitsMethod::Intermittent);
        assert_eq!(UnitsForecaster::fit(start, &[1.0; 28]).unwrap().method(), UnitsMethod::Regression);
        assert!(UnitsForecaster::fit(start, &[0.0; 50]).is_none());
        assert_eq!(UnitsMethod::Intermittent.as_str(), "intermittent");
        assert_eq!(UnitsMethod::Regression.as_str(), "regression");
    }

    #[test]
    fn days_out_of_stock_are_left_out_not_counted_as_no_demand() {
        let start = day("2025-01-01");
        // Sells 3 every fourth day, but was out of stock for 20 days in the middle.
        let days: Vec<Option<f64>> = (0..100)
            .map(|i| {
                if (60..80).contains(&i) {
                    None
                } else if i % 4 == 0 {
                    Some(3.0)
                } else {
                    Some(0.0)
                }
            })
            .collect();
        let Some(UnitsForecaster::Intermittent(tsb)) = UnitsForecaster::fit_observed(start, &days) else {
            panic!("intermittent")
        };
        // The chance of a sale stays a quarter; counting the 20 days as days without demand
        // would pull it down to about 0.19 (0.25·0.95²⁰ after them, half-way back since).
        assert!((tsb.probability - 0.25).abs() < 0.03, "{}", tsb.probability);
        let zeros: Vec<f64> = days.iter().map(|d| d.unwrap_or(0.0)).collect();
        let Some(UnitsForecaster::Intermittent(biased)) = UnitsForecaster::fit(start, &zeros) else {
            panic!("intermittent")
        };
        assert!((biased.probability - 0.19).abs() < 0.02, "{}", biased.probability);
        assert_eq!(tsb.size, 3.0);
        // Every day unknown, or unknown and zero: nothing to fit.
        assert!(UnitsForecaster::fit_observed(start, &[None; 40]).is_none());
        assert!(UnitsForecaster::fit_observed(start, &[None, Some(0.0), None]).is_none());
        // A regression learns the level of the days it saw: 6 a day, out of stock every third day.
        let busy: Vec<Option<f64>> = (0..120).map(|i| (i % 3 != 0).then_some(6.0)).collect();
        let regression = UnitsForecaster::fit_observed(start, &busy).unwrap();
        assert_eq!(regression.method(), UnitsMethod::Regression);
        assert!((regression.quantiles(day("2025-05-01"))[0] - 6.0).abs() < 0.01);
    }

    #[test]
    fn tsb_spread_rescales_the_sizes_seen_by_their_median() {
        // Sizes 1-5 (median 3) seen, the current size 6: every size counts double.
        let tsb = Tsb { probability: 0.5, size: 6.0, sizes: vec![1.0, 2.0, 3.0, 4.0, 5.0] };
        assert_eq!(tsb.mean(), 3.0);
        // E[X²] = 0.5 · (2² + 4² + 6² + 8² + 10²) / 5 = 22; minus the mean squared, 9.
        assert_eq!(tsb.variance(), 13.0);
        // 97.5%: past the half of days without sales, the 95th percentile of the sizes, 5 · 2.
        assert_eq!(tsb.quantile(0.975), 10.0);
        assert_eq!(tsb.quantile(0.5), 0.0);
        // Of two sizes the median is the upper: 4, so the sizes are scaled by 3/4.
        let even = Tsb { probability: 0.5, size: 3.0, sizes: vec![2.0, 4.0] };
        assert_eq!((even.variance(), even.quantile(1.0)), (0.5625, 3.0));
    }

    #[test]
    fn one_big_order_does_not_make_an_intermittent_forecast_absurd() {
        // One unit every third day for a year, and one wholesale order of 200 units.
        let mut units: Vec<f64> = (0..365).map(|i| if i % 3 == 0 { 1.0 } else { 0.0 }).collect();
        units[200] = 200.0;
        let tsb = Tsb::fit(&units).unwrap();
        // The order lifts the size to about 21; the 55 selling days of one unit after it
        // bring it back to 1 + 20·0.9⁵⁵ ≈ 1.06.
        assert!((tsb.size - 1.06).abs() < 0.01, "{}", tsb.size);
        assert!((tsb.probability - 1.0 / 3.0).abs() < 0.05, "{}", tsb.probability);
        let forecaster = UnitsForecaster::Intermittent(tsb);
        let [point, low_80, high_80, low_95, high_95] = forecaster.quantiles(day("2026-01-01"));
        assert!(point > 0.3 && point < 0.4, "{point}");
        assert_eq!((low_80, low_95), (0.0, 0.0));
        assert!(high_80 < 1.1 && high_95 < 1.1, "the order is one size in 122: {high_80} {high_95}");
    }

    #[test]
    fn a_type_s_effect_weighs_its_events_by_their_occurrences() {
        assert_eq!(weighted(1.0, 1, 4.0, 2), 3.0);
        assert_eq!(weighted(2.0, 3, 10.0, 1), 4.0);
        assert_eq!(weighted(5.0, 0, 9.0, 0), 5.0);
    }

    #[test]
    fn tsb_quantiles_mix_the_days_without_sales_and_the_sizes_seen() {
        let tsb = Tsb { probability: 0.5, size: 4.0, sizes: vec![2.0, 4.0, 6.0] };
        assert_eq!(tsb.mean(), 2.0);
        assert_eq!(tsb.quantile(0.5), 0.0, "half the days sell nothing");
        assert_eq!(tsb.quantile(0.51), 2.0);
        assert_eq!(tsb.quantile(0.75), 4.0);
        assert_eq!(tsb.quantile(1.0), 6.0);
        // Sizes rescale to the current size: seen median 4, now 8.
        let grown = Tsb { size: 8.0, ..tsb };
        assert_eq!(grown.quantile(1.0), 12.0);
        // TSB follows the latest days: a product that stopped selling fades.
        let stopped: Vec<f64> = (0..200).map(|i| if i < 100 { 1.0 } else { 0.0 }).collect();
        let tsb = Tsb::fit(&stopped).unwrap();
        assert!(tsb.probability < 0.01, "{}", tsb.probability);
        assert_eq!(tsb.size, 1.0);
    }

    #[test]
    fn a_day_s_demand_has_the_mean_and_variance_reorder_advice_adds_up() {
        // TSB: half the days sell 2, 4 or 6 (size 4): mean 2, E[Y²] = ½·(4+16+36)/3 = 9.33.
        let tsb = Tsb { probability: 0.5, size: 4.0, sizes: vec![2.0, 4.0, 6.0] };
        assert!((tsb.variance() - (28.0 / 3.0 - 4.0)).abs() < 1e-9, "{}", tsb.variance());
        let demand = UnitsForecaster::Intermittent(tsb).demand(day("2025-03-01"), 2.0);
        assert!((demand.mean - 4.0).abs() < 1e-9 && (demand.variance - 4.0 * 16.0 / 3.0).abs() < 1e-9, "{demand:?}");
        // The regression on a steady 3 a day: no spread, the mean is the level.
        let steady = UnitsForecaster::fit(day("2025-01-01"), &[3.0; 60]).unwrap();
        let demand = steady.demand(day("2025-03-05"), 1.0);
        assert!((demand.mean - 3.0).abs() < 0.01 && demand.variance < 1e-6, "{demand:?}");
        // With spread σ on the log scale the mean rises above the median by e^(σ²/2).
        let UnitsForecaster::Regression { model, .. } = steady else { panic!() };
        let spread = UnitsForecaster::Regression { model, sigma: 0.5 };
        let (m, s2) = (4f64.ln(), 0.25);
        let demand = spread.demand(day("2025-03-05"), 1.0);
        assert!((demand.mean - ((m + s2 / 2.0).exp() - 1.0)).abs() < 0.01, "{demand:?}");
        assert!((demand.variance - (s2.exp() - 1.0) * (2.0 * m + s2).exp()).abs() < 0.05, "{demand:?}");
    }

    #[test]
    fn product_forecasts_take_the_store_s_adjustments() {
        let forecaster = UnitsForecaster::fit(day("2025-01-01"), &[2.0; 60]).unwrap();
        let closed = Adjustment {
            name: "Shut".into(),
            phase: Phase::Event,
            multiplier: 0.0,
            source: AdjustmentSource::Declared,
        };
        let f = forecaster.day(day("2025-03-05"), vec![closed]);
        assert_eq!([f.point, f.lower_80, f.upper_80, f.lower_95, f.upper_95], [0.0; 5]);
        let doubled = Adjustment { multiplier: 2.0, ..f.adjustments[0].clone() };
        let f = forecaster.day(day("2025-03-05"), vec![doubled]);
        assert!((f.point - 4.0).abs() < 0.01, "{f:?}");
    }

    #[test]
    fn accuracy_scores_each_fold_against_seasonal_naive() {
        assert!(accuracy(&[], &[], &DemandRules::default(), 28, 3).is_none());
        // 20 days: no fold of 28 leaves two weeks to fit.
        assert!(accuracy(&history("2025-01-01", 20, 5.0, |_| None), &[], &DemandRules::default(), 28, 3).is_none());
        // A fold needs two weeks before its origin: 21 days leave exactly 14 before a
        // 7-day fold.
        let three_weeks = history("2025-01-01", 21, 5.0, |_| None);
        assert_eq!(accuracy(&three_weeks, &[], &DemandRules::default(), 7, 1).unwrap().days, 7);
        assert!(accuracy(&three_weeks[1..], &[], &DemandRules::default(), 7, 1).is_none());
        // A constant: both methods exact, and the in-sample naive error is 0, so no MASE.
        let flat = accuracy(&history("2025-01-01", 100, 5.0, |_| None), &[], &DemandRules::default(), 14, 2).unwrap();
        // The last day is 10 April: folds of 14 days from 14 and 28 March.
        assert_eq!(flat.origins, [day("2025-03-14"), day("2025-03-28")]);
        assert_eq!(flat.days, 28);
        assert!(flat.wape.unwrap() < 1e-6 && flat.naive_wape == Some(0.0), "{flat:?}");
        assert_eq!((flat.mase, flat.naive_mase), (None, None));
        // Nothing sold: no WAPE either.
        let none = accuracy(&history("2025-01-01", 100, 0.0, |_| None), &[], &DemandRules::default(), 14, 2).unwrap();
        assert_eq!((none.wape, none.naive_wape), (None, None));
    }

    #[test]
    fn mase_scales_by_the_in_sample_weekly_naive_error() {
        // Alternating weeks of 100 and 120: a week back is always 20 off in sample; the
        // model, which cannot know the alternation, sits in the middle and is 10 off.
        let sales = history("2025-01-06", 140, 0.0, |d| {
            Some(if (d - day("2025-01-06")).num_days() / 7 % 2 == 0 { 100.0 } else { 120.0 })
        });
        let report = accuracy(&sales, &[], &DemandRules::default(), 14, 2).unwrap();
        assert_eq!(report.days, 28);
        // Naive forecasts the week before the origin for both weeks ahead: right one week
        // in two, 20 off the other.
        assert!((report.naive_mase.unwrap() - 0.5).abs() < 1e-9, "{report:?}");
        assert!((report.naive_wape.unwrap() - 280.0 / 3080.0).abs() < 1e-9, "{report:?}");
        assert!((report.mase.unwrap() - 0.5).abs() < 0.05, "{report:?}");
    }
}
