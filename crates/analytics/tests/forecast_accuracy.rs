//! The forecast on real data: Prophet's example series (daily log page views of Peyton
//! Manning's Wikipedia article, with weekly and yearly seasonality and spikes on NFL
//! playoff and Super Bowl days; MIT, see tests/data/README.md), scored on the protocol of
//! Prophet's diagnostics documentation: cutoffs 2013-02-15, 2013-08-15 and 2014-02-15,
//! a 30-day horizon, RMSE over every prediction. The series is already on the log scale
//! and is modelled as given.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is the failure report")]

use chrono::NaiveDate;
use crm_analytics::demand::{DemandRules, StoreForecaster};
use crm_analytics::forecast::{ForecastRules, choose_trend_penalty, fit, seasonal_naive};

mod peyton;

use peyton::{CUTOFFS, GRID, day, events, series};

const HORIZON: u64 = 30;

/// Squared errors of the model's and of seasonal naive's forecasts, per predicted day, over
/// the `HORIZON` days after each cutoff.
fn backtest(cutoffs: &[&str], events: &[Vec<NaiveDate>]) -> Vec<(NaiveDate, f64, f64)> {
    let all = series();
    let mut out = Vec::new();
    for cutoff in cutoffs.iter().map(|c| day(c)) {
        let known: Vec<(NaiveDate, f64)> = all.iter().copied().filter(|(d, _)| *d <= cutoff).collect();
        let penalty = choose_trend_penalty(&known, events, &ForecastRules::default(), &GRID, HORIZON, 4);
        let model = fit(&known, events, &ForecastRules { trend_penalty: penalty, ..ForecastRules::default() }).unwrap();
        for &(d, actual) in all.iter().filter(|(d, _)| *d > cutoff && (*d - cutoff).num_days() <= HORIZON as i64) {
            let naive = seasonal_naive(&known, cutoff, d).unwrap();
            out.push((d, (model.predict(d) - actual).powi(2), (naive - actual).powi(2)));
        }
    }
    out
}

fn rmse(squares: impl Iterator<Item = f64>) -> f64 {
    let squares: Vec<f64> = squares.collect();
    (squares.iter().sum::<f64>() / squares.len() as f64).sqrt()
}

#[test]
fn the_model_beats_weekly_seasonal_naive_on_prophet_s_protocol() {
    let with_events = backtest(&CUTOFFS, &events());
    let without = backtest(&CUTOFFS, &[]);
    assert_eq!(with_events.len(), 90, "30 days after each of three cutoffs, none missing");
    let naive = rmse(with_events.iter().map(|e| e.2));
    let model = rmse(with_events.iter().map(|e| e.1));
    let plain = rmse(without.iter().map(|e| e.1));
    // Seasonal naive scores 0.617 on this protocol (Prophet: 0.529 by default, 0.502 with the
    // events as holidays); the figures of this model are in docs/analytics.md.
    assert!((naive - 0.6171).abs() < 1e-3, "seasonal naive {naive}");
    assert!(model < naive && plain < naive, "with events {model}, without {plain}, naive {naive}");
    assert!(model <= 0.50, "with events {model}");
}

#[test]
fn declaring_the_games_lowers_the_error_on_game_days() {
    // January 2014 holds two playoff games, January 2016 one before the series ends (each
    // with its day after); the model learns the games' effect from the seasons before.
    let cutoffs = ["2013-12-31", "2015-12-31"];
    let event_days: Vec<NaiveDate> = events().concat();
    let on_game_days = |rows: Vec<(NaiveDate, f64, f64)>| {
        let squares: Vec<f64> = rows.iter().filter(|r| event_days.contains(&r.0)).map(|r| r.1).collect();
        (squares.len(), rmse(squares.into_iter()))
    };
    let (days, with_events) = on_game_days(backtest(&cutoffs, &events()));
    let (_, without) = on_game_days(backtest(&cutoffs, &[]));
    assert_eq!(days, 6, "2014-01-12, -13, -19, -20 and 2016-01-17, -18 (the series ends on 2016-01-20)");
    assert!(with_events < without, "game days: {with_events} with the events against {without} without");
}

#[test]
fn the_store_forecast_s_intervals_hold_what_they_say_on_real_data() {
    // The demand forecast works on raw counts: page views, exp(y). Its error is measured
    // back on the log scale, where the protocol's RMSE lives.
    let all: Vec<(NaiveDate, f64)> = series().into_iter().map(|(d, y)| (d, y.exp())).collect();
    let occurrences = peyton::occurrences();
    let (mut squares, mut inside_80, mut inside_95) = (Vec::new(), 0, 0);
    for cutoff in CUTOFFS.map(day) {
        let known: Vec<(NaiveDate, f64)> = all.iter().copied().filter(|(d, _)| *d <= cutoff).collect();
        let forecaster = StoreForecaster::fit(&known, &occurrences, &DemandRules::default()).unwrap();
        let days = forecaster.forecast(&occurrences, cutoff.succ_opt().unwrap(), HORIZON as u32);
        for f in &days {
            let Some(&(_, actual)) = all.iter().find(|(d, _)| *d == f.day) else { continue };
            squares.push((f.point.ln_1p() - actual.ln_1p()).powi(2));
            inside_80 += usize::from(f.lower_80 <= actual && actual <= f.upper_80);
            inside_95 += usize::from(f.lower_95 <= actual && actual <= f.upper_95);
        }
    }
    let rmse = rmse(squares.iter().copied());
    assert_eq!(squares.len(), 90);
    // Measured: RMSE 0.455, 81 of 90 days inside the 80% interval, 86 inside the 95%.
    assert!(rmse <= 0.50, "RMSE {rmse}");
    assert!((63..=81).contains(&inside_80), "80% interval: {inside_80} of 90");
    assert!((81..=90).contains(&inside_95), "95% interval: {inside_95} of 90");
}
