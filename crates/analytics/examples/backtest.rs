//! The store forecast backtested on real public daily series (tests/data/backtest/), over
//! rolling origins and the origins just before each December, against weekly seasonal naive.
//!
//! `cargo run --release -p crm-analytics --example backtest [-- SERIES...]`
//!
//! Each series is fed as the service feeds the forecast: one value per day from the first
//! day of the data up to the day before the origin, a day with nothing recorded as 0 (a
//! till that sold nothing), and its country's public holidays as calendar events declared
//! at 1.0, so that whatever they do has to be learned from their past occurrences. From each
//! origin it forecasts 28 days (fewer where the data ends) and scores them:
//!
//! - WAPE: Σ|forecast − actual| / Σ actual over every scored day of the series;
//! - MASE: per origin, the mean absolute error over the mean absolute one-week-back change
//!   inside the history, averaged over the origins;
//! - coverage: the share of scored days whose actual lies inside the 80 % and 95 % intervals.
//!
//! Weekly seasonal naive forecasts each day with the last value on the same weekday before
//! the origin. Rolling origins step back 28 days at a time from the last full horizon (at
//! most 8, each with at least 182 days of history); the December origins are the 1 Decembers
//! with at least 365 days of history. Docs: docs/analytics.md ("Backtest on real series").
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a panic is the report")]

use chrono::{Datelike, Days, NaiveDate};
use crm_analytics::demand::{DemandRules, Occurrence, StoreForecaster};
use std::path::{Path, PathBuf};
use std::time::Instant;

const HORIZON: u64 = 28;
const ROLLING: usize = 8;
const MIN_ROLLING_HISTORY: u64 = 182;
const MIN_DECEMBER_HISTORY: u64 = 365;
const SERIES: [&str; 3] = ["peyton_manning", "online_retail", "auckland_queen_street"];

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/backtest")
}

/// Every day from the first to the last of `name`'s series, absent days as 0.
fn series(name: &str) -> Vec<(NaiveDate, f64)> {
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
fn holidays(name: &str) -> Vec<Occurrence> {
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

/// What one origin's forecast scored.
#[derive(Debug, Default, Clone, Copy)]
struct Score {
    days: usize,
    abs_error: f64,
    naive_abs_error: f64,
    actual: f64,
    scale: f64,
    inside_80: usize,
    inside_95: usize,
}

fn score_origin(days: &[(NaiveDate, f64)], events: &[Occurrence], origin: NaiveDate) -> Score {
    let first = days[0].0;
    let at = |day: NaiveDate| usize::try_from((day - first).num_days()).unwrap();
    let history = &days[..at(origin)];
    let horizon = HORIZON.min(u64::try_from(days.len() - at(origin)).unwrap());
    let forecaster = StoreForecaster::fit(history, events, &DemandRules::default()).unwrap();
    let forecast = forecaster.forecast(events, origin, u32::try_from(horizon).unwrap());
    let scale = history.windows(8).map(|w| (w[7].1 - w[0].1).abs()).sum::<f64>() / (history.len() - 7) as f64;
    let mut score = Score { scale, ..Score::default() };
    for (i, day) in forecast.iter().enumerate() {
        let actual = days[at(day.day)].1;
        let weeks_back = u64::try_from(i / 7 + 1).unwrap();
        let naive = days[at(day.day - Days::new(7 * weeks_back))].1;
        score.days += 1;
        score.abs_error += (day.point - actual).abs();
        score.naive_abs_error += (naive - actual).abs();
        score.actual += actual;
        score.inside_80 += usize::from(day.lower_80 <= actual && actual <= day.upper_80);
        score.inside_95 += usize::from(day.lower_95 <= actual && actual <= day.upper_95);
    }
    score
}

/// The figures over a set of origins.
fn row(label: &str, scores: &[Score]) -> String {
    let sum = |f: fn(&Score) -> f64| scores.iter().map(f).sum::<f64>();
    let days: usize = scores.iter().map(|s| s.days).sum();
    let mase = |error: fn(&Score) -> f64| {
        scores.iter().map(|s| error(s) / s.days as f64 / s.scale).sum::<f64>() / scores.len() as f64
    };
    format!(
        "| {label} | {} | {days} | {:.1} % | {:.1} % | {:.2} | {:.2} | {:.0} % | {:.0} % |",
        scores.len(),
        100.0 * sum(|s| s.abs_error) / sum(|s| s.actual),
        100.0 * sum(|s| s.naive_abs_error) / sum(|s| s.actual),
        mase(|s| s.abs_error),
        mase(|s| s.naive_abs_error),
        100.0 * scores.iter().map(|s| s.inside_80).sum::<usize>() as f64 / days as f64,
        100.0 * scores.iter().map(|s| s.inside_95).sum::<usize>() as f64 / days as f64,
    )
}

fn main() {
    let chosen: Vec<String> = std::env::args().skip(1).collect();
    println!("| series, origins | origins | days | WAPE | naive WAPE | MASE | naive MASE | in 80 % | in 95 % |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for name in SERIES.iter().filter(|n| chosen.is_empty() || chosen.iter().any(|c| c == *n)) {
        let (days, events) = (series(name), holidays(name));
        let (first, last) = (days[0].0, days[days.len() - 1].0);
        let mut rolling = Vec::new();
        let mut origin = last - Days::new(HORIZON - 1);
        while rolling.len() < ROLLING && origin >= first + Days::new(MIN_ROLLING_HISTORY) {
            rolling.push(origin);
            origin = origin - Days::new(HORIZON);
        }
        let decembers: Vec<NaiveDate> = (first.year()..=last.year())
            .filter_map(|year| NaiveDate::from_ymd_opt(year, 12, 1))
            .filter(|d| *d >= first + Days::new(MIN_DECEMBER_HISTORY) && *d <= last)
            .collect();
        let started = Instant::now();
        let rolling: Vec<Score> = rolling.iter().map(|&o| score_origin(&days, &events, o)).collect();
        let december: Vec<Score> = decembers.iter().map(|&o| score_origin(&days, &events, o)).collect();
        println!("{}", row(&format!("{name}, rolling"), &rolling));
        if !december.is_empty() {
            println!("{}", row(&format!("{name}, 1 December"), &december));
        }
        eprintln!(
            "{name}: {first}..{last}, {} holidays; December origins {decembers:?}; {:.1} s",
            events.len(),
            started.elapsed().as_secs_f64()
        );
    }
}
