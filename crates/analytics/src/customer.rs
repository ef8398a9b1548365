//! One customer's purchase history: visits, spend, average basket, the typical gap
//! between visits and the churn risk it implies, and preferred products.

use chrono::NaiveDate;
pub use crm_domain::{ChurnBasis, ChurnLevel, ChurnRisk};
use std::collections::BTreeMap;

/// A completed purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purchase {
    /// The store-local day.
    pub date: NaiveDate,
    /// The receipt total, in cents.
    pub total_cents: i64,
}

/// Totals over a customer's completed purchases.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PurchaseSummary {
    /// Completed purchases.
    pub visits: i64,
    /// Total spent, in cents.
    pub total_spent_cents: i64,
    /// Mean receipt total, in cents, rounded half away from zero.
    pub average_basket_cents: i64,
    /// Day of the first purchase.
    pub first_purchase: NaiveDate,
    /// Day of the last purchase.
    pub last_purchase: NaiveDate,
    /// Median days between consecutive distinct purchase days; `None` with fewer than two.
    pub typical_gap_days: Option<f64>,
}

/// Summarises purchases (in any order); `None` when there are none.
///
/// ```
/// use chrono::NaiveDate;
/// use crm_analytics::customer::{Purchase, summarize};
/// let d = |day| NaiveDate::from_ymd_opt(2025, 9, day).unwrap();
/// let s = summarize(&[
///     Purchase { date: d(1), total_cents: 1000 },
///     Purchase { date: d(11), total_cents: 2000 },
///     Purchase { date: d(15), total_cents: 3001 },
/// ]).unwrap();
/// assert_eq!((s.visits, s.total_spent_cents, s.average_basket_cents), (3, 6001, 2000));
/// assert_eq!(s.typical_gap_days, Some(7.0)); // gaps of 10 and 4 days
/// ```
pub fn summarize(purchases: &[Purchase]) -> Option<PurchaseSummary> {
    let first = purchases.iter().map(|p| p.date).min()?;
    let last = purchases.iter().map(|p| p.date).max()?;
    let visits = purchases.len() as i64;
    let total: i64 = purchases.iter().map(|p| p.total_cents).sum();
    let average = (total + visits / 2) / visits;
    let mut days: Vec<NaiveDate> = purchases.iter().map(|p| p.date).collect();
    days.sort_unstable();
    days.dedup();
    let mut gaps: Vec<i64> = days.windows(2).map(|w| (w[1] - w[0]).num_days()).collect();
    gaps.sort_unstable();
    let typical_gap_days = match gaps.len() {
        0 => None,
        n if n % 2 == 1 => Some(gaps[n / 2] as f64),
        n => Some((gaps[n / 2 - 1] + gaps[n / 2]) as f64 / 2.0),
    };
    Some(PurchaseSummary {
        visits,
        total_spent_cents: total,
        average_basket_cents: average,
        first_purchase: first,
        last_purchase: last,
        typical_gap_days,
    })
}

/// Compares the days since the last purchase with the customer's own typical gap (or
/// `default_gap_days` when the customer has visited on fewer than two days). Gaps shorter
/// than a day count as one day.
///
/// ```
/// use chrono::NaiveDate;
/// use crm_analytics::customer::{ChurnLevel, Purchase, churn_risk, summarize};
/// let d = |day| NaiveDate::from_ymd_opt(2025, 9, day).unwrap();
/// let weekly = summarize(&[Purchase { date: d(1), total_cents: 1 }, Purchase { date: d(8), total_cents: 1 }]).unwrap();
/// assert_eq!(churn_risk(&weekly, d(12), 30.0).level, ChurnLevel::Low);    // 4 days: 0.6 gaps
/// assert_eq!(churn_risk(&weekly, d(22), 30.0).level, ChurnLevel::Medium); // 14 days: 2 gaps
/// assert_eq!(churn_risk(&weekly, d(30), 30.0).level, ChurnLevel::High);   // 22 days: 3.1 gaps
/// ```
pub fn churn_risk(summary: &PurchaseSummary, today: NaiveDate, default_gap_days: f64) -> ChurnRisk {
    let days_since_last = (today - summary.last_purchase).num_days().max(0);
    let expected = summary.typical_gap_days.unwrap_or(default_gap_days).max(1.0);
    let ratio = days_since_last as f64 / expected;
    let level = if ratio < 1.5 {
        ChurnLevel::Low
    } else if ratio < 3.0 {
        ChurnLevel::Medium
    } else {
        ChurnLevel::High
    };
    ChurnRisk { level, basis: ChurnBasis::Rule, p_alive: None, days_since_last, expected_gap_days: expected, ratio }
}

/// P(alive) at or above which the model calls churn risk low.
pub const LOW_RISK_P_ALIVE: f64 = 0.7;
/// P(alive) below which the model calls churn risk high.
pub const HIGH_RISK_P_ALIVE: f64 = 0.3;

/// The churn risk a customer-value model gives: `low` when the customer is still buying
/// with probability [`LOW_RISK_P_ALIVE`] or more, `high` below [`HIGH_RISK_P_ALIVE`],
/// `medium` between. The rule's figures (days since the last visit, the usual gap) are
/// kept beside it.
///
/// ```
/// use chrono::NaiveDate;
/// use crm_analytics::customer::{ChurnBasis, ChurnLevel, Purchase, churn_risk, model_churn_risk, summarize};
/// let d = |day| NaiveDate::from_ymd_opt(2025, 9, day).unwrap();
/// let weekly = summarize(&[Purchase { date: d(1), total_cents: 1 }, Purchase { date: d(8), total_cents: 1 }]).unwrap();
/// let rule = churn_risk(&weekly, d(30), 30.0);
/// assert_eq!(rule.level, ChurnLevel::High);
/// let model = model_churn_risk(rule, 0.82);
/// assert_eq!((model.level, model.basis, model.p_alive), (ChurnLevel::Low, ChurnBasis::Model, Some(0.82)));
/// assert_eq!(model_churn_risk(rule, 0.5).level, ChurnLevel::Medium);
/// assert_eq!(model_churn_risk(rule, 0.1).level, ChurnLevel::High);
/// ```
pub fn model_churn_risk(rule: ChurnRisk, p_alive: f64) -> ChurnRisk {
    let level = if p_alive >= LOW_RISK_P_ALIVE {
        ChurnLevel::Low
    } else if p_alive >= HIGH_RISK_P_ALIVE {
        ChurnLevel::Medium
    } else {
        ChurnLevel::High
    };
    ChurnRisk { level, basis: ChurnBasis::Model, p_alive: Some(p_alive), ..rule }
}

/// A product on one of the customer's receipts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoughtLine<K> {
    /// The product.
    pub product: K,
    /// The store-local day of the purchase.
    pub date: NaiveDate,
    /// Units bought.
    pub quantity: i64,
}

/// A product the customer favours.
#[derive(Debug, Clone, PartialEq)]
pub struct Preference<K> {
    /// The product.
    pub product: K,
    /// Units bought in all.
    pub quantity: i64,
    /// Receipts it appeared on.
    pub times_bought: i64,
    /// The last day it was bought.
    pub last_bought: NaiveDate,
    /// Units weighted by `0.5^(age / half_life)`: frequent and recent ranks first.
    pub score: f64,
}

/// The customer's `limit` favourite products: units bought, each weighted by recency
/// with the given half-life, highest first (ties: more recent, then product key). The
/// lines may come in any order: units are first totalled per product and day, and the
/// weights added oldest day first, so the result (to the last bit of `score`) does not
/// depend on it.
///
/// ```
/// use chrono::NaiveDate;
/// use crm_analytics::customer::{BoughtLine, preferred_products};
/// let d = |day| NaiveDate::from_ymd_opt(2025, 9, day).unwrap();
/// let lines = [
///     BoughtLine { product: "milk", date: d(29), quantity: 2 },
///     BoughtLine { product: "cake", date: d(1), quantity: 5 },
///     BoughtLine { product: "milk", date: d(20), quantity: 1 },
/// ];
/// let top = preferred_products(&lines, d(30), 30.0, 1);
/// assert_eq!((top[0].product, top[0].quantity, top[0].times_bought), ("milk", 3, 2));
/// ```
pub fn preferred_products<K: Clone + Ord>(
    lines: &[BoughtLine<K>],
    today: NaiveDate,
    half_life_days: f64,
    limit: usize,
) -> Vec<Preference<K>> {
    let half_life = if half_life_days > 0.0 { half_life_days } else { 90.0 };
    // (units, lines) per product and day, in key order.
    let mut by_day: BTreeMap<(&K, NaiveDate), (i64, i64)> = BTreeMap::new();
    for line in lines {
        let entry = by_day.entry((&line.product, line.date)).or_default();
        entry.0 += line.quantity;
        entry.1 += 1;
    }
    let mut ranked: Vec<Preference<K>> = Vec::new();
    for ((product, date), (units, receipts)) in by_day {
        let age = (today - date).num_days().max(0) as f64;
        let weight = 0.5_f64.powf(age / half_life);
        match ranked.last_mut() {
            Some(last) if last.product == *product => {
                last.quantity += units;
                last.times_bought += receipts;
                last.last_bought = date;
                last.score += weight * units as f64;
            }
            _ => ranked.push(Preference {
                product: product.clone(),
                quantity: units,
                times_bought: receipts,
                last_bought: date,
                score: weight * units as f64,
            }),
        }
    }
    ranked.sort_by(|a, b| {
        b.score.total_cmp(&a.score).then(b.last_bought.cmp(&a.last_bought)).then_with(|| a.product.cmp(&b.product))
    });
    ranked.truncate(limit);
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 9, day).unwrap()
    }

    #[test]
    fn no_purchases_summarise_to_none() {
        assert!(summarize(&[]).is_none());
    }

    #[test]
    fn two_purchases_on_one_day_are_two_visits_but_no_gap() {
        let s = summarize(&[Purchase { date: d(3), total_cents: 1 }, Purchase { date: d(3), total_cents: 2 }]).unwrap();
        assert_eq!((s.visits, s.typical_gap_days), (2, None));
        assert_eq!(churn_risk(&s, d(3), 30.0).level, ChurnLevel::Low);
    }

    #[test]
    fn the_average_basket_rounds_half_away_from_zero() {
        let s = summarize(&[Purchase { date: d(3), total_cents: 1 }, Purchase { date: d(4), total_cents: 2 }]).unwrap();
        assert_eq!(s.average_basket_cents, 2);
    }

    #[test]
    fn a_single_visit_uses_the_default_gap() {
        let s = summarize(&[Purchase { date: d(1), total_cents: 1 }]).unwrap();
        let risk = churn_risk(&s, d(30), 30.0);
        assert_eq!((risk.level, risk.expected_gap_days), (ChurnLevel::Low, 30.0));
    }

    #[test]
    fn recent_purchases_outweigh_old_ones_of_the_same_size() {
        let lines = [
            BoughtLine { product: "old", date: d(1), quantity: 3 },
            BoughtLine { product: "new", date: d(29), quantity: 3 },
        ];
        let top = preferred_products(&lines, d(30), 14.0, 5);
        assert_eq!(top.iter().map(|p| p.product).collect::<Vec<_>>(), ["new", "old"]);
    }

    proptest::proptest! {
        #[test]
        fn preferred_products_do_not_depend_on_line_order(
            raw in proptest::collection::vec((0_u8..6, 1_u32..29, 1_i64..7), 0..40),
            seed in proptest::prelude::any::<u64>(),
        ) {
            let lines: Vec<BoughtLine<u8>> =
                raw.iter().map(|&(p, day, quantity)| BoughtLine { product: p, date: d(day), quantity }).collect();
            let mut shuffled = lines.clone();
            // A deterministic shuffle from the seed (no rand dependency needed).
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let once = preferred_products(&lines, d(30), 14.0, 6);
            let again = preferred_products(&shuffled, d(30), 14.0, 6);
            proptest::prop_assert_eq!(once.len(), again.len());
            for (a, b) in once.iter().zip(&again) {
                proptest::prop_assert_eq!((a.product, a.quantity, a.times_bought, a.last_bought), (b.product, b.quantity, b.times_bought, b.last_bought));
                proptest::prop_assert_eq!(a.score.to_bits(), b.score.to_bits());
            }
        }
    }
}
