//! Prophet's example series (daily log page views of Peyton Manning's Wikipedia article;
//! MIT, see tests/data/README.md) and its event days, shared by the accuracy test and
//! `examples/forecast_bench.rs`.
#![allow(clippy::unwrap_used, reason = "test data: a panic is the failure report")]

use chrono::{Days, NaiveDate};

const PLAYOFFS: [&str; 14] = [
    "2008-01-13",
    "2009-01-03",
    "2010-01-16",
    "2010-01-24",
    "2010-02-07",
    "2011-01-08",
    "2013-01-12",
    "2014-01-12",
    "2014-01-19",
    "2014-02-02",
    "2015-01-11",
    "2016-01-17",
    "2016-01-24",
    "2016-02-07",
];
const SUPER_BOWLS: [&str; 3] = ["2010-02-07", "2014-02-02", "2016-02-07"];
/// The cutoffs of Prophet's diagnostics documentation.
pub const CUTOFFS: [&str; 3] = ["2013-02-15", "2013-08-15", "2014-02-15"];
/// Trend penalties tried by the backtest on each training history.
pub const GRID: [f64; 6] = [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2];

/// A `YYYY-MM-DD` day.
pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// The series, as (day, value).
pub fn series() -> Vec<(NaiveDate, f64)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/prophet/example_wp_log_peyton_manning.csv");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let (ds, y) = line.split_once(',').unwrap();
            (day(ds.trim_matches('"')), y.parse().unwrap())
        })
        .collect()
}

/// The playoffs' and the Super Bowls' days: each game day and the day after (as in Prophet's
/// documentation).
pub fn events() -> Vec<Vec<NaiveDate>> {
    [&PLAYOFFS[..], &SUPER_BOWLS[..]]
        .iter()
        .map(|dates| {
            let mut days: Vec<NaiveDate> = dates.iter().flat_map(|d| [day(d), day(d) + Days::new(1)]).collect();
            days.sort();
            days.dedup();
            days
        })
        .collect()
}

/// The same games as calendar events: each game a two-day occurrence (the game and the day
/// after), all of one type, declared as changing nothing, so whatever effect a forecast
/// gives them it learned.
#[allow(dead_code, reason = "not every test uses it")]
pub fn occurrences() -> Vec<crm_analytics::demand::Occurrence> {
    [("Playoff", &PLAYOFFS[..]), ("Super Bowl", &SUPER_BOWLS[..])]
        .iter()
        .flat_map(|(name, dates)| {
            dates.iter().map(|d| crm_analytics::demand::Occurrence {
                identity: name.to_lowercase(),
                name: (*name).to_owned(),
                event_type: "sport".into(),
                first_day: day(d),
                last_day: day(d) + Days::new(1),
                lead_days: 0,
                declared: 1.0,
            })
        })
        .collect()
}
