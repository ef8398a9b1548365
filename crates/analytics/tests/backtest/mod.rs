//! The forecast backtest on the committed real series (tests/data/backtest/): shared by
//! the `backtest` example, which prints the table, and `tests/backtest_margins.rs`, which
//! pins it. How it scores: the example's documentation and docs/analytics.md.
#![allow(dead_code, reason = "each user takes what it needs")]

use chrono::{Datelike, Days, NaiveDate};
use crm_analytics::demand::{DemandRules, Occurrence, StoreForecaster};
use std::path::{Path, PathBuf};

pub const HORIZON: u64 = 28;
pub const ROLLING: usize = 8;
pub const MIN_ROLLING_HISTORY: u64 = 182;
pub const MIN_DECEMBER_HISTORY: u64 = 365;
pub const SERIES: [&str; 4] = ["peyton_manning", "online_retail", "auckland_queen_street", "chicago_clark_lake"];

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/backtest")
}

/// Every day from the first to the last of `name`'s series, absent days as 0.
pub fn series(name: &str) -> Vec<(NaiveDate, f64)> {
    let text = std::fs::read_to_string(data_dir().join(name).join("series.csv")).unwrap();
    let given: Vec<(NaiveDate, f64)> = text
        .lines()
        .skip(1)
        .map(|line| {
            let (day, value) = line.split_once(',').unwrap();
            (day.parse().unwrap(), value.parse().unwrap())
        })
        .collect();
    let (first, last) = (given[0].0, given[given.len() - 1].0);
    let mut days: Vec<(NaiveDate, f64)> = first.iter_days().take_while(|d| *d <= last).map(|d| (d, 0.0)).collect();
    for (day, value) in given {
        days[usize::try_from((day - first).num_days()).unwrap()].1 = value;
    }
    days
}

/// The series' holidays, each a one-day event declared at 1.0.
pub fn holidays(name: &str) -> Vec<Occurrence> {
    let text = std::fs::read_to_string(data_dir().join(name).join("holidays.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let (day, name) = line.split_once(',').unwrap();
            let day: NaiveDate = day.parse().unwrap();
            Occurrence {
                identity: name.to_lowercase(),
                name: name.to_owned(),
                event_type: "holiday".into(),
                first_day: day,
                last_day: day,
                lead_days: 0,
                declared: 1.0,
            }
        })
        .collect()
}

/// The ETS baseline's forecast of the `horizon` days after `history`: augurs' MSTL (a
/// weekly season, and a yearly one with two years of history) with an AutoETS trend,
/// fitted on the values as they are, negative forecasts read as 0.
pub fn ets(history: &[f64], horizon: usize) -> Vec<f64> {
    use augurs_core::{Fit, Predict};
    let periods = if history.len() >= 730 { vec![7, 365] } else { vec![7] };
    let model = augurs_mstl::MSTLModel::new(periods, augurs_ets::AutoETS::non_seasonal().into_trend_model());
    let fitted = model.fit(history).expect("ETS fits");
    fitted.predict(horizon, None).expect("ETS forecasts").point.into_iter().map(|v| v.max(0.0)).collect()
}

/// What one origin's forecast scored.
#[derive(Debug, Default, Clone, Copy)]
pub struct Score {
    /// Days scored.
    pub days: usize,
    /// Σ|forecast − actual|.
    pub abs_error: f64,
    /// Σ|naive − actual|.
    pub naive_abs_error: f64,
    /// Σ|ETS − actual| (MSTL with an AutoETS trend: see [`ets`]).
    pub ets_abs_error: f64,
    /// Σ actual.
    pub actual: f64,
    /// Mean absolute one-week-back change inside the history (MASE's scale).
    pub scale: f64,
    /// Days inside the 80 % interval.
    pub inside_80: usize,
    /// Days inside the 95 % interval.
    pub inside_95: usize,
}

/// The rolling and the 1-December origins of a series (see the example's documentation).
pub fn origins(days: &[(NaiveDate, f64)]) -> (Vec<NaiveDate>, Vec<NaiveDate>) {
    let (first, last) = (days[0].0, days[days.len() - 1].0);
    let mut rolling = Vec::new();
    let mut origin = last - Days::new(HORIZON - 1);
    while rolling.len() < ROLLING && origin >= first + Days::new(MIN_ROLLING_HISTORY) {
        rolling.push(origin);
        origin = origin - Days::new(HORIZON);
    }
    let decembers = (first.year()..=last.year())
        .filter_map(|year| NaiveDate::from_ymd_opt(year, 12, 1))
        .filter(|d| *d >= first + Days::new(MIN_DECEMBER_HISTORY) && *d <= last)
        .collect();
    (rolling, decembers)
}

/// WAPE of the model, of naive and of ETS over `scores`, in percent.
pub fn wape(scores: &[Score]) -> (f64, f64, f64) {
    let actual: f64 = scores.iter().map(|s| s.actual).sum();
    let of = |error: fn(&Score) -> f64| 100.0 * scores.iter().map(error).sum::<f64>() / actual;
    (of(|s| s.abs_error), of(|s| s.naive_abs_error), of(|s| s.ets_abs_error))
}

pub fn score_origin(days: &[(NaiveDate, f64)], events: &[Occurrence], origin: NaiveDate) -> Score {
    let first = days[0].0;
    let at = |day: NaiveDate| usize::try_from((day - first).num_days()).unwrap();
    let history = &days[..at(origin)];
    let horizon = HORIZON.min(u64::try_from(days.len() - at(origin)).unwrap());
    let forecaster = StoreForecaster::fit(history, events, &DemandRules::default()).unwrap();
    let forecast = forecaster.forecast(events, origin, u32::try_from(horizon).unwrap());
    let scale = history.windows(8).map(|w| (w[7].1 - w[0].1).abs()).sum::<f64>() / (history.len() - 7) as f64;
    let ets = ets(&history.iter().map(|(_, v)| *v).collect::<Vec<_>>(), forecast.len());
    let mut score = Score { scale, ..Score::default() };
    for (i, day) in forecast.iter().enumerate() {
        let actual = days[at(day.day)].1;
        let weeks_back = u64::try_from(i / 7 + 1).unwrap();
        let naive = days[at(day.day - Days::new(7 * weeks_back))].1;
        score.days += 1;
        score.abs_error += (day.point - actual).abs();
        score.naive_abs_error += (naive - actual).abs();
        score.ets_abs_error += (ets[i] - actual).abs();
        score.actual += actual;
        score.inside_80 += usize::from(day.lower_80 <= actual && actual <= day.upper_80);
        score.inside_95 += usize::from(day.lower_95 <= actual && actual <= day.upper_95);
    }
    score
}

/// The figures over a set of origins.
pub fn row(label: &str, scores: &[Score]) -> String {
    let days: usize = scores.iter().map(|s| s.days).sum();
    let mase = |error: fn(&Score) -> f64| {
        scores.iter().map(|s| error(s) / s.days as f64 / s.scale).sum::<f64>() / scores.len() as f64
    };
    let (model, naive, ets) = wape(scores);
    format!(
        "| {label} | {} | {days} | {model:.1} % | {naive:.1} % | {ets:.1} % | {:.2} | {:.2} | {:.2} | {:.0} % | {:.0} % |",
        scores.len(),
        mase(|s| s.abs_error),
        mase(|s| s.naive_abs_error),
        mase(|s| s.ets_abs_error),
        100.0 * scores.iter().map(|s| s.inside_80).sum::<usize>() as f64 / days as f64,
        100.0 * scores.iter().map(|s| s.inside_95).sum::<usize>() as f64 / days as f64,
    )
}
