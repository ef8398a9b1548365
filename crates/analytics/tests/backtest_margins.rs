//! The store forecast's margins over weekly seasonal naive on the committed real series
//! (tests/data/backtest/; the `backtest` example prints the whole table, docs/analytics.md
//! records it): a change to the model that loses them fails here. The WAPEs are pinned to
//! the tenth of a percent the model gives today, and where it beats naive the test says so.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is the failure report")]

mod backtest;

use backtest::{Score, holidays, origins, score_origin, series, wape};

/// Model and naive WAPE (percent) over the rolling and the 1-December origins of `name`.
fn scored(name: &str) -> ((f64, f64), Option<(f64, f64)>) {
    let (days, events) = (series(name), holidays(name));
    let (rolling, decembers) = origins(&days);
    let score = |origins: &[chrono::NaiveDate]| -> Vec<Score> {
        origins.iter().map(|&o| score_origin(&days, &events, o)).collect()
    };
    let december = score(&decembers);
    (wape(&score(&rolling)), (!december.is_empty()).then(|| wape(&december)))
}

fn tenth(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[test]
fn online_retail_beats_naive_on_its_rolling_origins_and_its_december() {
    let ((model, naive), december) = scored("online_retail");
    assert_eq!((tenth(model), tenth(naive)), (29.2, 39.8));
    let (model, naive) = december.unwrap();
    assert_eq!((tenth(model), tenth(naive)), (36.2, 40.1));
}

#[test]
fn auckland_footfall_beats_naive_on_rolling_origins_and_is_behind_it_in_december() {
    let ((model, naive), december) = scored("auckland_queen_street");
    assert_eq!((tenth(model), tenth(naive)), (9.6, 10.8));
    // Still behind naive in December (issue 22): pinned so that the fix shows.
    let (model, naive) = december.unwrap();
    assert_eq!((tenth(model), tenth(naive)), (20.9, 17.7));
}

#[test]
fn prophet_s_series_beats_naive_on_every_kind_of_origin() {
    let ((model, naive), december) = scored("peyton_manning");
    assert_eq!((tenth(model), tenth(naive)), (53.0, 62.9));
    let (model, naive) = december.unwrap();
    assert_eq!((tenth(model), tenth(naive)), (41.3, 97.3));
}
