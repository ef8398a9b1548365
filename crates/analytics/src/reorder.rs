//! Reorder advice: when a product's stock will not last its lead time at the service level
//! asked for, how much to order.
//!
//! For a product with `on_hand` units, a lead time of `L` days and a review period of `R`
//! days (the time until the order list is looked at again), from the daily demand forecast
//! (mean and variance of each coming day, events included):
//!
//! - demand over the lead time `μ_L = Σ_{t<L} mean_t`, its spread `σ_L = √Σ_{t<L} var_t`
//!   (days taken as independent);
//! - safety stock `z·σ_L`, with `z` the standard normal quantile of the service level
//!   (1.645 at 95%); reorder point `μ_L + z·σ_L`;
//! - when `on_hand` is at or below the reorder point, order up to the demand over the lead
//!   time and the review period with its own safety stock,
//!   `S = μ_{L+R} + z·σ_{L+R}`: the quantity `S − on_hand`, raised to the minimum order and
//!   rounded up to whole packs;
//! - days of cover: how many days the stock lasts at the forecast mean (fractional; `None`
//!   when the forecast sells nothing over the horizon).

pub use crm_domain::{Advice, ReorderPolicy};
use statrs::distribution::{ContinuousCDF, Normal};

/// The safety factor `z` of the policy's service level (clamped to 50%-99.99%).
pub fn safety_factor(policy: &ReorderPolicy) -> f64 {
    Normal::standard().inverse_cdf(policy.service_level.clamp(0.5, 0.9999))
}

/// What the catalogue says about a product's stock.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Stock {
    /// Units in stock.
    pub on_hand: i64,
    /// Days from ordering to delivery, when known.
    pub lead_time_days: Option<u32>,
    /// Units per pack: orders are whole packs.
    pub pack_size: Option<i64>,
    /// Smallest order accepted.
    pub min_order: Option<i64>,
    /// Cost of a unit, in cents.
    pub unit_cost_cents: Option<i64>,
    /// Never reordered.
    pub discontinued: bool,
}

/// A coming day's demand: mean and variance, in units.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DayDemand {
    /// Expected units.
    pub mean: f64,
    /// Variance of the units.
    pub variance: f64,
}

/// Advises on one product from its `stock` and the forecast `demand` of the coming days
/// (today first; at least lead time plus review period long, or the missing days count as
/// no demand).
///
/// ```
/// use crm_analytics::reorder::{DayDemand, ReorderPolicy, Stock, advise};
/// // 10 a day (variance 10: Poisson-like), 5 days' lead, weekly review, 95% service.
/// let demand = vec![DayDemand { mean: 10.0, variance: 10.0 }; 30];
/// let stock = Stock { on_hand: 60, lead_time_days: Some(5), pack_size: Some(12), ..Stock::default() };
/// let advice = advise(&stock, &demand, &ReorderPolicy::default());
/// // μ_L = 50, σ_L = √50 = 7.07, z = 1.645: reorder point 61.6; 60 on hand is below it.
/// assert!((advice.reorder_point - 61.63).abs() < 0.01);
/// // Up to μ_12 + z·σ_12 = 120 + 1.645·√120 = 138.0: 78.0 more, 84 in packs of 12.
/// assert_eq!(advice.order_quantity, 84);
/// assert_eq!(advice.days_of_cover, Some(6.0));
/// ```
pub fn advise(stock: &Stock, demand: &[DayDemand], policy: &ReorderPolicy) -> Advice {
    let lead = stock.lead_time_days.unwrap_or(policy.default_lead_time_days);
    let z = safety_factor(policy);
    let over = |days: u32| {
        let window = &demand[..demand.len().min(days as usize)];
        let mean: f64 = window.iter().map(|d| d.mean).sum();
        let spread = window.iter().map(|d| d.variance.max(0.0)).sum::<f64>().sqrt();
        (mean, spread)
    };
    let (lead_time_demand, lead_spread) = over(lead);
    let safety_stock = z * lead_spread;
    let reorder_point = lead_time_demand + safety_stock;
    let on_hand = stock.on_hand as f64;
    let mut order_quantity = 0;
    if !stock.discontinued && on_hand <= reorder_point {
        let (cover_demand, cover_spread) = over(lead + policy.review_days);
        let wanted = (cover_demand + z * cover_spread - on_hand).ceil().max(0.0) as i64;
        order_quantity = round_order(wanted, stock.min_order, stock.pack_size);
    }
    Advice {
        lead_time_days: lead,
        lead_time_demand,
        safety_stock,
        reorder_point,
        days_of_cover: days_of_cover(on_hand, demand),
        order_quantity,
        order_cost_cents: stock.unit_cost_cents.map(|c| c.saturating_mul(order_quantity)),
    }
}

/// `wanted` raised to `min_order` and rounded up to whole packs (0 stays 0).
///
/// ```
/// use crm_analytics::reorder::round_order;
/// assert_eq!(round_order(5, Some(10), Some(4)), 12); // at least 10, in fours
/// assert_eq!(round_order(13, None, Some(6)), 18);
/// assert_eq!(round_order(0, Some(10), Some(4)), 0);
/// assert_eq!(round_order(7, None, None), 7);
/// ```
pub fn round_order(wanted: i64, min_order: Option<i64>, pack_size: Option<i64>) -> i64 {
    if wanted <= 0 {
        return 0;
    }
    let at_least = wanted.max(min_order.unwrap_or(0));
    // A pack of one changes nothing; a pack of none or fewer is no pack at all.
    match pack_size.filter(|p| *p > 0) {
        Some(pack) => at_least.saturating_add(pack - 1) / pack * pack,
        None => at_least,
    }
}

/// Days `on_hand` lasts at the forecast means: whole days covered plus the share of the day
/// it runs out on. `None` when the stock outlasts the forecast's days without running out
/// and nothing sells over them.
fn days_of_cover(on_hand: f64, demand: &[DayDemand]) -> Option<f64> {
    let mut left = on_hand.max(0.0);
    for (i, day) in demand.iter().enumerate() {
        if day.mean >= left && day.mean > 0.0 {
            return Some(i as f64 + left / day.mean);
        }
        left -= day.mean;
    }
    // Beyond the horizon, at the horizon's mean rate.
    let rate = demand.iter().map(|d| d.mean).sum::<f64>() / demand.len().max(1) as f64;
    (rate > 0.0).then(|| demand.len() as f64 + left / rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(mean: f64, variance: f64, days: usize) -> Vec<DayDemand> {
        vec![DayDemand { mean, variance }; days]
    }

    #[test]
    fn the_safety_factor_follows_the_service_level() {
        let z = |service_level| safety_factor(&ReorderPolicy { service_level, ..ReorderPolicy::default() });
        assert!((z(0.95) - 1.644_853_6).abs() < 1e-6);
        assert!((z(0.5)).abs() < 1e-9);
        assert!((z(0.2)).abs() < 1e-9, "below 50% is 50%: no negative safety stock");
        assert!((z(1.0) - 3.719_016_5).abs() < 1e-5, "above 99.99% is 99.99%: finite");
    }

    #[test]
    fn stock_above_the_reorder_point_orders_nothing_and_at_it_orders() {
        // 4 a day, variance 4, 3 days' lead: μ_L = 12, σ_L = √12, point 12 + 1.645·3.464 = 17.70.
        let demand = flat(4.0, 4.0, 30);
        let policy = ReorderPolicy::default();
        let stock = |on_hand| Stock { on_hand, lead_time_days: Some(3), ..Stock::default() };
        let above = advise(&stock(18), &demand, &policy);
        assert!((above.reorder_point - 17.698).abs() < 0.001, "{above:?}");
        assert!((above.safety_stock - 5.698).abs() < 0.001);
        assert_eq!((above.lead_time_days, above.order_quantity), (3, 0));
        assert_eq!(above.lead_time_demand, 12.0);
        // At 17 (below 17.70): up to μ_10 + z·σ_10 = 40 + 1.645·√40 = 50.40: 34 units.
        let below = advise(&stock(17), &demand, &policy);
        assert_eq!(below.order_quantity, 34);
        assert_eq!(below.days_of_cover, Some(4.25));
    }

    #[test]
    fn the_policy_s_lead_time_stands_in_and_the_review_period_widens_the_order() {
        let demand = flat(1.0, 0.0, 30);
        let stock = Stock { on_hand: 0, ..Stock::default() };
        let weekly = advise(&stock, &demand, &ReorderPolicy::default());
        assert_eq!((weekly.lead_time_days, weekly.order_quantity), (7, 14), "7 days' lead and 7 of review");
        let fortnightly = ReorderPolicy { review_days: 14, default_lead_time_days: 2, ..ReorderPolicy::default() };
        assert_eq!(advise(&stock, &demand, &fortnightly).order_quantity, 16);
    }

    #[test]
    fn a_discontinued_product_is_never_ordered_and_its_cost_is_zero() {
        let stock = Stock { on_hand: 0, discontinued: true, unit_cost_cents: Some(250), ..Stock::default() };
        let advice = advise(&stock, &flat(5.0, 5.0, 30), &ReorderPolicy::default());
        assert_eq!((advice.order_quantity, advice.order_cost_cents), (0, Some(0)));
        assert!(advice.reorder_point > 0.0, "the point is still shown");
    }

    #[test]
    fn the_order_costs_its_units() {
        let stock = Stock { on_hand: 0, lead_time_days: Some(1), unit_cost_cents: Some(125), ..Stock::default() };
        let advice = advise(&stock, &flat(3.0, 0.0, 30), &ReorderPolicy { review_days: 1, ..ReorderPolicy::default() });
        assert_eq!((advice.order_quantity, advice.order_cost_cents), (6, Some(750)));
        let unknown = advise(&Stock { unit_cost_cents: None, ..stock }, &flat(3.0, 0.0, 30), &ReorderPolicy::default());
        assert_eq!(unknown.order_cost_cents, None);
    }

    #[test]
    fn days_of_cover_count_whole_days_and_the_share_of_the_last() {
        let rising: Vec<DayDemand> =
            [1.0, 2.0, 3.0, 4.0].iter().map(|&mean| DayDemand { mean, variance: 0.0 }).collect();
        assert_eq!(days_of_cover(0.0, &rising), Some(0.0));
        assert_eq!(days_of_cover(1.0, &rising), Some(1.0));
        assert_eq!(days_of_cover(4.5, &rising), Some(2.5));
        // Past the forecast's days, at its mean rate (2.5 a day): 10 left over, 4 more days.
        assert_eq!(days_of_cover(20.0, &rising), Some(8.0));
        assert_eq!(days_of_cover(5.0, &flat(0.0, 0.0, 10)), None, "nothing sells: no end");
        assert_eq!(days_of_cover(0.0, &flat(0.0, 0.0, 10)), None, "nothing in stock, and nothing sells");
        let quiet_first: Vec<DayDemand> =
            [0.0, 2.0, 2.0].iter().map(|&mean| DayDemand { mean, variance: 0.0 }).collect();
        assert_eq!(days_of_cover(0.0, &quiet_first), Some(1.0), "empty shelves matter from the first sale");
        assert_eq!(days_of_cover(5.0, &[]), None);
    }

    #[test]
    fn a_short_forecast_counts_its_missing_days_as_no_demand() {
        let advice = advise(
            &Stock { on_hand: 0, lead_time_days: Some(10), ..Stock::default() },
            &flat(2.0, 0.0, 4),
            &ReorderPolicy::default(),
        );
        assert_eq!((advice.lead_time_demand, advice.order_quantity), (8.0, 8));
    }

    #[test]
    fn orders_round_up_to_packs_after_the_minimum() {
        assert_eq!(round_order(1, Some(5), None), 5);
        assert_eq!(round_order(12, Some(5), Some(6)), 12);
        assert_eq!(round_order(13, Some(5), Some(1)), 13, "a pack of one changes nothing");
        assert_eq!(round_order(13, None, Some(0)), 13, "a pack of none is no pack");
        assert_eq!(round_order(13, None, Some(-4)), 13);
        assert_eq!(round_order(-3, None, Some(6)), 0);
        assert_eq!(round_order(i64::MAX - 1, None, Some(4)) % 4, 0, "no overflow at the edge");
    }
}
