//! Forecast accuracy and speed on Prophet's example series, on the protocol of Prophet's
//! diagnostics documentation (cutoffs 2013-02-15, 2013-08-15, 2014-02-15; 30-day horizon;
//! RMSE over every prediction), with and without the playoff and Super Bowl dates as events.
//!
//! `cargo run --release -p crm-analytics --example forecast_bench`
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark: a panic is the report")]

use chrono::{Days, NaiveDate};
use crm_analytics::forecast::{ForecastRules, choose_trend_penalty, fit, seasonal_naive};
use std::time::Instant;

#[path = "../tests/peyton/mod.rs"]
mod peyton;

use peyton::{CUTOFFS, GRID, day, events, series};

fn main() {
    let (all, events) = (series(), events());
    for (label, events) in [("with events", &events[..]), ("without events", &[][..])] {
        let (mut model_sq, mut naive_sq, mut fit_ms, mut choose_ms, mut penalties) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for cutoff in CUTOFFS.map(day) {
            let known: Vec<(NaiveDate, f64)> = all.iter().copied().filter(|(d, _)| *d <= cutoff).collect();
            let started = Instant::now();
            let penalty = choose_trend_penalty(&known, events, &ForecastRules::default(), &GRID, 30, 4);
            choose_ms.push(started.elapsed().as_secs_f64() * 1e3);
            penalties.push(penalty);
            let rules = ForecastRules { trend_penalty: penalty, ..ForecastRules::default() };
            let started = Instant::now();
            let model = fit(&known, events, &rules).unwrap();
            let forecast: Vec<f64> = (1..=30).map(|i| model.predict(cutoff + Days::new(i))).collect();
            fit_ms.push(started.elapsed().as_secs_f64() * 1e3);
            for &(d, actual) in all.iter().filter(|(d, _)| *d > cutoff && (*d - cutoff).num_days() <= 30) {
                let i = usize::try_from((d - cutoff).num_days() - 1).unwrap();
                model_sq.push((forecast[i] - actual).powi(2));
                naive_sq.push((seasonal_naive(&known, cutoff, d).unwrap() - actual).powi(2));
            }
        }
        let rmse = |v: &[f64]| (v.iter().sum::<f64>() / v.len() as f64).sqrt();
        println!(
            "{label}: RMSE {:.3} (weekly seasonal naive {:.3}); trend penalties {penalties:?}; \
             fit and 30-day forecast {:.1}-{:.1} ms; choosing the penalty (24 fits) {:.0}-{:.0} ms",
            rmse(&model_sq),
            rmse(&naive_sq),
            fit_ms.iter().copied().fold(f64::MAX, f64::min),
            fit_ms.iter().copied().fold(0.0, f64::max),
            choose_ms.iter().copied().fold(f64::MAX, f64::min),
            choose_ms.iter().copied().fold(0.0, f64::max),
        );
    }
}
