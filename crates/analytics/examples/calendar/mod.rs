//! A made-up calendar shaped like a busy shop's, for the benchmarks of what the calendar's
//! size costs: the `event_cost` example here and crm-service's `demand_bench --events`.
//! Four in five events happen once (a promotion, a local match, a one-off closure), one in
//! five every year on the same day; each lasts one to three days and is declared at 1.0 to
//! 1.5. They are spread evenly at random (a fixed seed), so events on neighbouring days
//! chain their build-ups together.

use chrono::{Datelike, Days, NaiveDate};

/// One occurrence of a made-up event.
#[derive(Debug, Clone, PartialEq)]
pub struct MadeUp {
    /// Which event it is an occurrence of (0 to the count asked for).
    pub event: usize,
    pub event_type: &'static str,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub declared: f64,
}

/// The occurrences of `count` made-up events between `first` and `until` (exclusive).
pub fn made_up(count: usize, first: NaiveDate, until: NaiveDate) -> Vec<MadeUp> {
    let mut seed: u64 = 0x5eed_cafe;
    let mut next = move |below: u64| {
        // A 64-bit linear congruential generator (Knuth's MMIX constants): fixed, portable.
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % below
    };
    let span = u64::try_from((until - first).num_days()).expect("until after first");
    let types = ["promotion", "festival", "sports", "local", "closure"];
    let mut occurrences = Vec::new();
    for event in 0..count {
        let day = first + Days::new(next(span));
        let length = next(3);
        let yearly = next(5) == 0;
        let declared = 1.0 + next(6) as f64 / 10.0;
        let event_type = types[usize::try_from(next(types.len() as u64)).expect("small")];
        let days: Vec<NaiveDate> = if yearly {
            (first.year()..=until.year())
                .filter_map(|y| day.with_year(y))
                .filter(|d| *d >= first && *d < until)
                .collect()
        } else {
            vec![day]
        };
        occurrences.extend(days.into_iter().map(|first_day| MadeUp {
            event,
            event_type,
            first_day,
            last_day: first_day + Days::new(length),
            declared,
        }));
    }
    occurrences
}
