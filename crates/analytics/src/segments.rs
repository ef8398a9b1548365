//! The seed's customer segments: `prospect`, `new`, `regular` and `vip`, with
//! configurable rules, plus a `lapsed` flag by recency.
//!
//! Rules, first match wins:
//! 1. **prospect**: no completed purchase yet;
//! 2. **vip**: trailing-window spend in the top `vip_top_fraction` of customers who spent
//!    anything in the window (ties at the threshold included), with at least
//!    `vip_min_purchases` completed purchases in the window;
//! 3. **new**: first completed purchase within the last `new_within_days` days;
//! 4. **regular**: everyone else.
//!
//! **lapsed** is independent: the last completed purchase is more than `lapsed_after_days`
//! days ago.

use chrono::NaiveDate;

pub use crm_domain::Segment;

/// The rules' parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentRules {
    /// A first purchase at most this many days ago makes a customer `new` (default 30).
    pub new_within_days: i64,
    /// The share of spending customers, by trailing-window spend, that can be `vip` (default 0.10).
    pub vip_top_fraction: f64,
    /// Completed purchases in the window a `vip` needs at least (default 3).
    pub vip_min_purchases: i64,
    /// The trailing window for `vip`, in days (default 365).
    pub window_days: i64,
    /// A last purchase more than this many days ago flags a customer as lapsed (default 90).
    pub lapsed_after_days: i64,
}

impl Default for SegmentRules {
    fn default() -> Self {
        Self {
            new_within_days: 30,
            vip_top_fraction: 0.10,
            vip_min_purchases: 3,
            window_days: 365,
            lapsed_after_days: 90,
        }
    }
}

/// What the rules look at for one customer (completed sales only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CustomerActivity {
    /// Day of the first completed purchase.
    pub first_purchase: Option<NaiveDate>,
    /// Day of the last completed purchase.
    pub last_purchase: Option<NaiveDate>,
    /// Completed purchases within the trailing window.
    pub window_purchases: i64,
    /// Spend within the trailing window, in cents.
    pub window_spend_cents: i64,
}

/// Segments every customer; the output is in input order.
///
/// ```
/// use chrono::NaiveDate;
/// use crm_analytics::segments::{CustomerActivity, Segment, SegmentRules, assign_segments};
/// let today = NaiveDate::from_ymd_opt(2025, 9, 30).unwrap();
/// let day = |d| NaiveDate::from_ymd_opt(2025, 9, d);
/// let customers = [
///     CustomerActivity::default(),
///     CustomerActivity { first_purchase: day(20), last_purchase: day(20), window_purchases: 1, window_spend_cents: 500 },
///     CustomerActivity { first_purchase: day(1), last_purchase: day(29), window_purchases: 9, window_spend_cents: 90_000 },
/// ];
/// let segments = assign_segments(&customers, today, &SegmentRules::default());
/// assert_eq!(segments, [Segment::Prospect, Segment::New, Segment::Vip]);
/// ```
pub fn assign_segments(customers: &[CustomerActivity], today: NaiveDate, rules: &SegmentRules) -> Vec<Segment> {
    let threshold = vip_threshold(customers, rules.vip_top_fraction);
    customers
        .iter()
        .map(|c| {
            let Some(first) = c.first_purchase else {
                return Segment::Prospect;
            };
            // The threshold is a positive spend, so only customers who spent can reach it.
            let top_spender = threshold.is_some_and(|t| c.window_spend_cents >= t);
            if top_spender && c.window_purchases >= rules.vip_min_purchases {
                Segment::Vip
            } else if (today - first).num_days() <= rules.new_within_days {
                Segment::New
            } else {
                Segment::Regular
            }
        })
        .collect()
}

/// Whether a customer's last purchase is older than the lapse limit.
///
/// ```
/// use chrono::NaiveDate;
/// use crm_analytics::segments::{CustomerActivity, SegmentRules, is_lapsed};
/// let today = NaiveDate::from_ymd_opt(2025, 9, 30).unwrap();
/// let old = CustomerActivity { last_purchase: NaiveDate::from_ymd_opt(2025, 5, 1), ..Default::default() };
/// assert!(is_lapsed(&old, today, &SegmentRules::default()));
/// ```
pub fn is_lapsed(customer: &CustomerActivity, today: NaiveDate, rules: &SegmentRules) -> bool {
    customer.last_purchase.is_some_and(|last| (today - last).num_days() > rules.lapsed_after_days)
}

/// The smallest window spend inside the top fraction of spending customers.
fn vip_threshold(customers: &[CustomerActivity], top_fraction: f64) -> Option<i64> {
    let mut spends: Vec<i64> = customers.iter().map(|c| c.window_spend_cents).filter(|s| *s > 0).collect();
    // NaN or a fraction of zero or less: nobody is VIP.
    if spends.is_empty() || top_fraction.is_nan() || top_fraction <= 0.0 {
        return None;
    }
    spends.sort_unstable_by(|a, b| b.cmp(a));
    let take = ((spends.len() as f64 * top_fraction.min(1.0)).ceil() as usize).clamp(1, spends.len());
    spends.get(take - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2025, 9, d)
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 9, 30).unwrap()
    }

    fn active(first: u32, purchases: i64, spend: i64) -> CustomerActivity {
        CustomerActivity {
            first_purchase: day(first),
            last_purchase: day(28),
            window_purchases: purchases,
            window_spend_cents: spend,
        }
    }

    #[test]
    fn vip_needs_both_top_spend_and_enough_purchases() {
        let mut customers: Vec<CustomerActivity> = (0..9).map(|_| active(1, 5, 1_000)).collect();
        customers.push(active(1, 2, 1_000_000));
        let segments = assign_segments(&customers, today(), &SegmentRules { new_within_days: 0, ..Default::default() });
        assert_eq!(segments[9], Segment::Regular, "top spender with only 2 purchases");
        assert!(segments[..9].iter().all(|s| *s == Segment::Regular));
    }

    #[test]
    fn ties_at_the_vip_threshold_are_all_vip() {
        let customers: Vec<CustomerActivity> = (0..20).map(|_| active(1, 3, 5_000)).collect();
        let segments = assign_segments(&customers, today(), &SegmentRules::default());
        assert!(segments.iter().all(|s| *s == Segment::Vip));
    }

    #[test]
    fn a_first_purchase_31_days_ago_is_no_longer_new() {
        let first = today() - chrono::Days::new(31);
        let c = CustomerActivity {
            first_purchase: Some(first),
            last_purchase: Some(first),
            window_purchases: 1,
            window_spend_cents: 1,
        };
        let rules = SegmentRules { vip_top_fraction: 0.0, ..Default::default() };
        assert_eq!(assign_segments(&[c], today(), &rules), [Segment::Regular]);
    }

    proptest! {
        #[test]
        fn every_customer_gets_exactly_one_segment(raw in prop::collection::vec((prop::option::of(1_u32..30), 0_i64..10, 0_i64..100_000), 0..100)) {
            let customers: Vec<CustomerActivity> = raw
                .iter()
                .map(|&(first, n, spend)| CustomerActivity { first_purchase: first.and_then(day), last_purchase: first.and_then(day), window_purchases: n, window_spend_cents: spend })
                .collect();
            let segments = assign_segments(&customers, today(), &SegmentRules::default());
            prop_assert_eq!(segments.len(), customers.len());
            let counted: usize = Segment::ALL.iter().map(|s| segments.iter().filter(|x| *x == s).count()).sum();
            prop_assert_eq!(counted, customers.len());
            let prospects = customers.iter().filter(|c| c.first_purchase.is_none()).count();
            prop_assert_eq!(segments.iter().filter(|s| **s == Segment::Prospect).count(), prospects);
        }
    }
}
