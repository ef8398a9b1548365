//! What a forecast says: each coming day's median and intervals, the events that moved it
//! and where their multipliers came from, and how far the forecast can be trusted.

use crate::{Basis, Phase};
use chrono::NaiveDate;

/// Where a multiplier came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdjustmentSource {
    /// From the history: `occurrences` past occurrences on the given basis.
    Learned {
        /// Same event or same type.
        basis: Basis,
        /// Past occurrences it was learned from.
        occurrences: usize,
    },
    /// The event's declared multiplier (no history, or a declared closure).
    Declared,
}

/// How one event adjusted one day's forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjustment {
    /// The event's name.
    pub name: String,
    /// Build-up or the event's own day.
    pub phase: Phase,
    /// The ratio applied (0 = closed).
    pub multiplier: f64,
    /// Where it came from.
    pub source: AdjustmentSource,
}

/// One day's forecast: the median and two central intervals, never negative.
#[derive(Debug, Clone, PartialEq)]
pub struct DayForecast {
    /// The day.
    pub day: NaiveDate,
    /// Point forecast.
    pub point: f64,
    /// 80% interval, low end.
    pub lower_80: f64,
    /// 80% interval, high end.
    pub upper_80: f64,
    /// 95% interval, low end.
    pub lower_95: f64,
    /// 95% interval, high end.
    pub upper_95: f64,
    /// The events that adjusted it.
    pub adjustments: Vec<Adjustment>,
}

/// How far to trust a store forecast: a rolling-origin backtest on the history's own latest
/// days, against weekly seasonal naive.
#[derive(Debug, Clone, PartialEq)]
pub struct Accuracy {
    /// The forecast origins (first forecast day of each fold).
    pub origins: Vec<NaiveDate>,
    /// Days forecast from each origin.
    pub horizon: u32,
    /// Days scored.
    pub days: usize,
    /// Weighted absolute percentage error of the model: Σ|error| / Σ actual (`None` when
    /// nothing was sold on the scored days).
    pub wape: Option<f64>,
    /// The same of weekly seasonal naive.
    pub naive_wape: Option<f64>,
    /// Mean absolute scaled error of the model: its mean absolute error over that of a
    /// one-week-back forecast inside the training history (`None` when that is 0).
    pub mase: Option<f64>,
    /// The same of weekly seasonal naive.
    pub naive_mase: Option<f64>,
}
