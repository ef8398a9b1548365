//! What the calendar's size costs the store forecast: one `StoreForecaster::fit` and a
//! 28-day forecast on a real daily series (the last three years of the Auckland Queen
//! Street footfall, tests/data/backtest/, less the 28 days forecast) with its public
//! holidays and 0, 100, 1,000 and 5,000 further event identities in the history and the
//! horizon, and the WAPE of the forecast on the 28 days held out.
//!
//! The events are made up but shaped like a busy shop's calendar (`calendar/mod.rs`, shared
//! with crm-service's `demand_bench --events`), each building up over the service's default
//! 7 lead days. They change nothing in the footfall: a forecast that learns them well stays
//! as accurate as with the holidays alone.
//!
//! The service fits two series (revenue and sale count) for a forecast computed for a
//! request (`as_of`) and for the refresh's prepared forecast, so each of those costs about
//! twice the fit shown.
//!
//! `cargo run --release -p crm-analytics --example event_cost [-- IDENTITIES...]`
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a panic is the report")]

use chrono::Days;
use crm_analytics::demand::{DemandRules, Occurrence, StoreForecaster};
use std::time::Instant;

#[path = "../tests/backtest/mod.rs"]
mod backtest;
mod calendar;

/// Years of history fitted.
const YEARS: u64 = 3;
/// Timed fits per size (the fastest and slowest are shown).
const RUNS: usize = 3;

fn main() {
    let sizes: Vec<usize> = match std::env::args().skip(1).map(|a| a.parse().expect("a count")).collect::<Vec<_>>() {
        given if given.is_empty() => vec![0, 100, 1_000, 5_000],
        given => given,
    };
    let all = backtest::series("auckland_queen_street");
    let (history, scored) =
        all[all.len() - usize::try_from(YEARS * 365).unwrap()..].split_at(usize::try_from(YEARS * 365).unwrap() - 28);
    let (first, origin) = (history[0].0, history[history.len() - 1].0 + Days::new(1));
    let holidays: Vec<Occurrence> = backtest::holidays("auckland_queen_street")
        .into_iter()
        .filter(|e| first <= e.first_day && e.first_day < origin + Days::new(90))
        .collect();
    println!(
        "history {first} to {} ({} days), {} public holidays",
        origin - Days::new(1),
        history.len(),
        holidays.len()
    );
    println!("| identities | occurrences in the history | fit and 28-day forecast (ms) | WAPE of the 28 days |");
    println!("|---|---|---|---|");
    for size in sizes {
        let mut events = holidays.clone();
        events.extend(calendar::made_up(size, first, origin + Days::new(90)).into_iter().map(|e| Occurrence {
            identity: format!("event {}", e.event),
            name: format!("Event {}", e.event),
            event_type: e.event_type.into(),
            first_day: e.first_day,
            last_day: e.last_day,
            lead_days: 7,
            declared: e.declared,
        }));
        let in_history = events.iter().filter(|e| e.first_day < origin).count();
        let mut took = Vec::new();
        let mut wape = 0.0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let forecaster = StoreForecaster::fit(history, &events, &DemandRules::default()).expect("fits");
            let days = forecaster.forecast(&events, origin, 28);
            took.push(started.elapsed().as_secs_f64() * 1e3);
            assert_eq!(days.len(), 28);
            let error: f64 = days.iter().zip(scored).map(|(f, (_, actual))| (f.point - actual).abs()).sum();
            wape = error / scored.iter().map(|(_, a)| a).sum::<f64>();
        }
        let (low, high) = took.iter().fold((f64::MAX, 0.0f64), |(l, h), t| (l.min(*t), h.max(*t)));
        println!("| {size} | {in_history} | {low:.0}-{high:.0} | {:.1} % |", wape * 100.0);
    }
}
