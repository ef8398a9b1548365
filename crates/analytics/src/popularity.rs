//! Product popularity: units and revenue decayed exponentially by age (a sale
//! `half_life_days` old counts half), scored 0-100 against the most popular product, with
//! each product's own trend direction over recent days.

use crate::trend::{Direction, linear_trend};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// What one product sold on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductDay<K> {
    /// The product.
    pub product: K,
    /// The store-local day.
    pub date: NaiveDate,
    /// Units sold.
    pub units: i64,
    /// Line revenue, in cents.
    pub revenue_cents: i64,
}

/// The parameters of popularity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PopularityRules {
    /// Age at which a sale counts half (default 14 days).
    pub half_life_days: f64,
    /// Days of daily units the trend direction is fitted over (default 28).
    pub trend_days: i64,
}

impl Default for PopularityRules {
    fn default() -> Self {
        Self { half_life_days: 14.0, trend_days: 28 }
    }
}

/// One product's popularity.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductPopularity<K> {
    /// The product.
    pub product: K,
    /// Units weighted by `0.5^(age / half_life)`.
    pub decayed_units: f64,
    /// Revenue in cents, weighted the same way.
    pub decayed_revenue_cents: f64,
    /// `100 × (½ · units/max units + ½ · revenue/max revenue)`, over decayed values.
    pub score: f64,
    /// 1 for the most popular; ties broken by product key.
    pub rank: usize,
    /// Direction of the product's daily units over the trend window.
    pub direction: Direction,
    /// Units sold within the trend window.
    pub recent_units: i64,
}

/// Scores every product that appears in `days`, most popular first.
///
/// ```
/// use chrono::NaiveDate;
/// use crm_analytics::popularity::{PopularityRules, ProductDay, popularity};
/// let today = NaiveDate::from_ymd_opt(2025, 9, 30).unwrap();
/// let days = [
///     ProductDay { product: "tea", date: today, units: 10, revenue_cents: 5_000 },
///     ProductDay { product: "cake", date: today - chrono::Days::new(14), units: 10, revenue_cents: 5_000 },
/// ];
/// let ranked = popularity(&days, today, &PopularityRules::default());
/// assert_eq!((ranked[0].product, ranked[0].score), ("tea", 100.0));
/// assert_eq!((ranked[1].product, ranked[1].score), ("cake", 50.0)); // one half-life old
/// ```
pub fn popularity<K: Clone + Ord>(
    days: &[ProductDay<K>],
    today: NaiveDate,
    rules: &PopularityRules,
) -> Vec<ProductPopularity<K>> {
    let mut tally = PopularityTally::new(today, rules);
    for day in days {
        tally.add(&day.product, day.date, day.units, day.revenue_cents);
    }
    tally.ranked()
}

/// [`popularity`] one product-day at a time, so days can be streamed from storage.
#[derive(Debug, Clone)]
pub struct PopularityTally<K> {
    today: NaiveDate,
    half_life: f64,
    window: i64,
    /// Per product: decayed units, decayed revenue, daily units of the trend window
    /// (oldest first) and units within the window.
    products: BTreeMap<K, (f64, f64, Vec<f64>, i64)>,
}

impl<K: Clone + Ord> PopularityTally<K> {
    /// An empty tally as of `today`.
    pub fn new(today: NaiveDate, rules: &PopularityRules) -> Self {
        let half_life = if rules.half_life_days > 0.0 { rules.half_life_days } else { 14.0 };
        Self { today, half_life, window: rules.trend_days.max(1), products: BTreeMap::new() }
    }

    /// Counts what `product` sold on `date`.
    pub fn add(&mut self, product: &K, date: NaiveDate, units: i64, revenue_cents: i64) {
        let age = (self.today - date).num_days().max(0);
        let weight = 0.5_f64.powf(age as f64 / self.half_life);
        let window = self.window;
        if !self.products.contains_key(product) {
            self.products.insert(product.clone(), (0.0, 0.0, vec![0.0; window as usize], 0));
        }
        if let Some(entry) = self.products.get_mut(product) {
            entry.0 += weight * units as f64;
            entry.1 += weight * revenue_cents as f64;
            if age < window {
                // Index 0 is the oldest day of the window.
                entry.2[(window - 1 - age) as usize] += units as f64;
                entry.3 += units;
            }
        }
    }

    /// Every product counted, scored and ranked, most popular first.
    pub fn ranked(self) -> Vec<ProductPopularity<K>> {
        let max_units = self.products.values().map(|v| v.0).fold(0.0, f64::max);
        let max_revenue = self.products.values().map(|v| v.1).fold(0.0, f64::max);
        let share = |value: f64, max: f64| if max > 0.0 { value / max } else { 0.0 };
        let mut ranked: Vec<ProductPopularity<K>> = self
            .products
            .into_iter()
            .map(|(product, (units, revenue, series, recent))| ProductPopularity {
                product,
                decayed_units: units,
                decayed_revenue_cents: revenue,
                score: 100.0 * (0.5 * share(units, max_units) + 0.5 * share(revenue, max_revenue)),
                rank: 0,
                direction: linear_trend(&series).map_or(Direction::Flat, |t| t.direction),
                recent_units: recent,
            })
            .collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.product.cmp(&b.product)));
        for (i, p) in ranked.iter_mut().enumerate() {
            p.rank = i + 1;
        }
        ranked
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 9, 30).unwrap()
    }

    #[test]
    fn no_sales_gives_no_products() {
        assert!(popularity::<&str>(&[], today(), &PopularityRules::default()).is_empty());
    }

    #[test]
    fn a_product_selling_more_each_day_trends_up() {
        let days: Vec<ProductDay<&str>> = (0..28)
            .map(|i| ProductDay {
                product: "tea",
                date: today() - chrono::Days::new(i),
                units: 40 - i as i64,
                revenue_cents: 0,
            })
            .collect();
        let ranked = popularity(&days, today(), &PopularityRules::default());
        assert_eq!(ranked[0].direction, Direction::Up);
        assert_eq!(ranked[0].score, 50.0, "no revenue anywhere: the revenue half is zero");
    }

    proptest! {
        #[test]
        fn popularity_is_monotone_in_decayed_volume(
            raw in prop::collection::vec((0_u8..6, 0_u64..60, 0_i64..50, 0_i64..10_000), 1..80),
        ) {
            let days: Vec<ProductDay<u8>> = raw
                .iter()
                .map(|&(p, age, units, revenue)| ProductDay { product: p, date: today() - chrono::Days::new(age), units, revenue_cents: revenue })
                .collect();
            let ranked = popularity(&days, today(), &PopularityRules::default());
            for a in &ranked {
                prop_assert!((0.0..=100.0).contains(&a.score));
                for b in &ranked {
                    if a.decayed_units >= b.decayed_units && a.decayed_revenue_cents >= b.decayed_revenue_cents {
                        prop_assert!(a.score >= b.score);
                    }
                }
            }
            prop_assert!(ranked.windows(2).all(|w| w[0].score >= w[1].score));
        }
    }
}
