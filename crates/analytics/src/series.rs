//! Daily sales series: missing days filled with zeros, and days summed into weeks or
//! months.

use chrono::NaiveDate;
use crm_domain::{DaySales, Granularity, Money};
use std::collections::BTreeMap;

/// The totals of one bucket of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    /// First day of the bucket (a Monday for weeks, the 1st for months), which may lie
    /// before the requested range.
    pub start: NaiveDate,
    /// Days of the bucket inside the requested range: edge buckets may be partial.
    pub days: u32,
    /// The summed totals (its `date` is `start`).
    pub totals: DaySales,
}

/// Every day in `from..=to`, oldest first, taking totals from `days` and zeros elsewhere.
/// Days outside the range are ignored; an empty range (`from > to`) gives no days.
///
/// ```
/// use chrono::NaiveDate;
/// use crm_analytics::fill_days;
/// use crm_domain::{DaySales, Granularity, Money};
/// let d = |day| NaiveDate::from_ymd_opt(2025, 9, day).unwrap();
/// let sold = DaySales { revenue: Money::from_cents(15000), sale_count: 1, ..DaySales::empty(d(2)) };
/// let series = fill_days(&[sold], d(1), d(3));
/// assert_eq!(series.iter().map(|s| s.sale_count).collect::<Vec<_>>(), [0, 1, 0]);
/// ```
pub fn fill_days(days: &[DaySales], from: NaiveDate, to: NaiveDate) -> Vec<DaySales> {
    let mut known: BTreeMap<NaiveDate, DaySales> = BTreeMap::new();
    // Days outside the range are summed too, but never read back.
    for day in days {
        add(known.entry(day.date).or_insert_with(|| DaySales::empty(day.date)), day);
    }
    from.iter_days()
        .take_while(|date| *date <= to)
        .map(|date| known.remove(&date).unwrap_or(DaySales::empty(date)))
        .collect()
}

/// Sums the zero-filled days of `from..=to` into buckets of `granularity`.
///
/// ```
/// use chrono::NaiveDate;
/// use crm_analytics::bucket_days;
/// use crm_domain::Granularity;
/// use crm_domain::DaySales;
/// let d = |day| NaiveDate::from_ymd_opt(2025, 9, day).unwrap();
/// let weeks = bucket_days(&[], d(1), d(30), Granularity::Week);
/// assert_eq!(weeks.len(), 5); // Sep 1 is a Monday; the last week is partial
/// assert_eq!(weeks[4].days, 2);
/// ```
pub fn bucket_days(days: &[DaySales], from: NaiveDate, to: NaiveDate, granularity: Granularity) -> Vec<Bucket> {
    let mut buckets: Vec<Bucket> = Vec::new();
    for day in fill_days(days, from, to) {
        let start = granularity.bucket_start(day.date);
        match buckets.last_mut() {
            Some(bucket) if bucket.start == start => {
                bucket.days += 1;
                add(&mut bucket.totals, &day);
            }
            _ => buckets.push(Bucket { start, days: 1, totals: DaySales { date: start, ..day } }),
        }
    }
    buckets
}

fn add(total: &mut DaySales, day: &DaySales) {
    total.revenue = Money::from_cents(total.revenue.cents() + day.revenue.cents());
    total.sale_count += day.sale_count;
    total.units += day.units;
    total.refund_count += day.refund_count;
    total.refunded = Money::from_cents(total.refunded.cents() + day.refunded.cents());
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;
    use proptest::prelude::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 9, day).unwrap()
    }

    fn sold(day: u32, cents: i64) -> DaySales {
        DaySales { revenue: Money::from_cents(cents), sale_count: 1, units: 2, ..DaySales::empty(d(day)) }
    }

    #[test]
    fn an_empty_range_gives_no_days_and_a_one_day_range_one() {
        assert!(fill_days(&[sold(2, 100)], d(3), d(2)).is_empty());
        assert_eq!(fill_days(&[sold(2, 100)], d(2), d(2)), vec![sold(2, 100)]);
    }

    #[test]
    fn days_outside_the_range_are_ignored_and_duplicates_are_summed() {
        let series = fill_days(&[sold(1, 5), sold(3, 100), sold(3, 50), sold(9, 7)], d(2), d(4));
        assert_eq!(series.iter().map(|s| s.revenue.cents()).collect::<Vec<_>>(), [0, 150, 0]);
    }

    #[test]
    fn months_bucket_by_calendar_month_with_partial_edges() {
        let from = NaiveDate::from_ymd_opt(2025, 8, 30).unwrap();
        let months = bucket_days(&[sold(2, 100)], from, d(3), Granularity::Month);
        assert_eq!(months.iter().map(|b| (b.start.month(), b.days)).collect::<Vec<_>>(), [(8, 2), (9, 3)]);
        assert_eq!(months[1].totals.revenue, Money::from_cents(100));
    }

    proptest! {
        #[test]
        fn bucketing_preserves_every_cent(cents in prop::collection::vec(0_i64..1_000_000, 30), g in 0_usize..3) {
            let days: Vec<DaySales> = cents.iter().zip(1..).map(|(c, day)| sold(day, *c)).collect();
            let granularity = [Granularity::Day, Granularity::Week, Granularity::Month][g];
            let buckets = bucket_days(&days, d(1), d(30), granularity);
            prop_assert_eq!(buckets.iter().map(|b| b.totals.revenue.cents()).sum::<i64>(), cents.iter().sum::<i64>());
            prop_assert_eq!(buckets.iter().map(|b| b.days).sum::<u32>(), 30);
        }
    }
}
