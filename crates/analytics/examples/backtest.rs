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

use std::time::Instant;

#[path = "../tests/backtest/mod.rs"]
mod backtest;

use backtest::{SERIES, Score, holidays, origins, row, score_origin, series};

fn main() {
    let chosen: Vec<String> = std::env::args().skip(1).collect();
    println!(
        "| series, origins | origins | days | WAPE | naive WAPE | ETS WAPE | MASE | naive MASE | ETS MASE | in 80 % | in 95 % |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for name in SERIES.iter().filter(|n| chosen.is_empty() || chosen.iter().any(|c| c == *n)) {
        let (days, events) = (series(name), holidays(name));
        let (first, last) = (days[0].0, days[days.len() - 1].0);
        let (rolling, decembers) = origins(&days);
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
