//! The values the analytics' definitions (docs/analytics.md) give on small inputs worked by
//! hand, at their edges: what a service linking `crm-analytics` relies on.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is the failure report")]

use chrono::{Days, NaiveDate};
use crm_analytics::basket::{CoPurchaseCounter, Pair, co_purchases, recommend};
use crm_analytics::customer::{BoughtLine, ChurnLevel, Purchase, churn_risk, preferred_products, summarize};
use crm_analytics::popularity::{PopularityRules, ProductDay, popularity};
use crm_analytics::purpose::PurposeRules;

fn d(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 9, day).unwrap()
}

fn pair(together: u64, baskets_with_a: u64, baskets_with_b: u64) -> Pair<&'static str> {
    Pair { a: "cake", b: "tea", together, baskets_with_a, baskets_with_b, lift: 2.0 }
}

#[test]
fn confidence_is_baskets_together_over_baskets_with_the_first_product() {
    assert_eq!(pair(2, 4, 5).confidence_a_to_b(), 0.5);
    assert_eq!(pair(2, 4, 5).confidence_b_to_a(), 0.4);
    assert_eq!(pair(3, 0, 0).confidence_a_to_b(), 3.0, "no baskets with a counts as one");
    assert_eq!(pair(3, 0, 0).confidence_b_to_a(), 3.0);
}

#[test]
fn either_product_of_a_pair_can_be_the_one_bought() {
    let pairs = [pair(2, 4, 5)];
    let for_cake_buyers = recommend(&pairs, &["cake"], 5);
    assert_eq!((for_cake_buyers[0].product, for_cake_buyers[0].because), ("tea", "cake"));
    assert_eq!(for_cake_buyers[0].confidence, 0.5);
    let for_tea_buyers = recommend(&pairs, &["tea"], 5);
    assert_eq!((for_tea_buyers[0].product, for_tea_buyers[0].because), ("cake", "tea"));
    assert_eq!(for_tea_buyers[0].confidence, 0.4);
    assert!(recommend(&pairs, &["cake", "tea"], 5).is_empty(), "both bought: nothing to suggest");
    assert!(recommend(&pairs, &["cake"], 0).is_empty());
}

#[test]
fn a_basket_of_exactly_the_largest_size_still_adds_its_pairs() {
    let mut counter = CoPurchaseCounter::new(2);
    counter.add_basket([1, 2]);
    counter.add_basket([1, 2, 3]);
    let pairs = counter.pairs(1);
    assert_eq!(pairs.len(), 1, "the 3-product basket adds none");
    assert_eq!((pairs[0].a, pairs[0].b, pairs[0].together, pairs[0].baskets_with_a), (1, 2, 1, 2));
    // N = 2 baskets: lift = 1 * 2 / (2 * 2).
    assert_eq!(pairs[0].lift, 0.5);
    assert_eq!(co_purchases([vec![1, 2], vec![1, 2]], 3, 10).len(), 0, "seen in 2 baskets, 3 needed");
}

#[test]
fn churn_levels_change_exactly_at_one_and_a_half_and_three_usual_gaps() {
    // Visits two days apart: the usual gap is 2 days.
    let s = summarize(&[Purchase { date: d(1), total_cents: 100 }, Purchase { date: d(3), total_cents: 100 }]).unwrap();
    let level = |today| churn_risk(&s, today, 30.0).level;
    assert_eq!(level(d(5)), ChurnLevel::Low, "2 days: 1 gap");
    assert_eq!(level(d(6)), ChurnLevel::Medium, "3 days: exactly 1.5 gaps");
    assert_eq!(level(d(8)), ChurnLevel::Medium, "5 days: 2.5 gaps");
    assert_eq!(level(d(9)), ChurnLevel::High, "6 days: exactly 3 gaps");
    let risk = churn_risk(&s, d(9), 30.0);
    assert_eq!((risk.days_since_last, risk.expected_gap_days, risk.ratio), (6, 2.0, 3.0));
    assert_eq!(
        [ChurnLevel::Low, ChurnLevel::Medium, ChurnLevel::High].map(ChurnLevel::as_str),
        ["low", "medium", "high"]
    );
}

#[test]
fn a_preference_scores_units_halved_every_half_life() {
    let lines = [
        BoughtLine { product: "tea", date: d(30), quantity: 3 },
        BoughtLine { product: "tea", date: d(30) - Days::new(30), quantity: 4 },
        BoughtLine { product: "tea", date: d(30) - Days::new(60), quantity: 8 },
    ];
    let top = preferred_products(&lines, d(30), 30.0, 5);
    // 3 * 1 + 4 * 0.5 + 8 * 0.25.
    assert_eq!(top[0].score, 7.0);
    assert_eq!((top[0].quantity, top[0].times_bought, top[0].last_bought), (15, 3, d(30)));
    // A half-life of zero or less means the default, 90 days: 30 days old weighs 0.5^(1/3).
    let default = preferred_products(&lines[1..2], d(30), 0.0, 5);
    assert_eq!(default[0].score, 4.0 * 0.5_f64.powf(30.0 / 90.0));
    assert_eq!(preferred_products(&lines[1..2], d(30), -1.0, 5)[0].score, default[0].score);
}

#[test]
fn popularity_decays_units_and_revenue_and_scores_them_half_each() {
    let today = d(30);
    let days = [
        ProductDay { product: "tea", date: today, units: 10, revenue_cents: 1_000 },
        ProductDay { product: "tea", date: today - Days::new(14), units: 10, revenue_cents: 1_000 },
        ProductDay { product: "cake", date: today, units: 5, revenue_cents: 3_000 },
    ];
    let ranked = popularity(&days, today, &PopularityRules::default());
    let tea = ranked.iter().find(|p| p.product == "tea").unwrap();
    let cake = ranked.iter().find(|p| p.product == "cake").unwrap();
    // tea: 10 + 10 * 0.5 units, 1000 + 500 cents; cake: 5 units, 3000 cents.
    assert_eq!((tea.decayed_units, tea.decayed_revenue_cents), (15.0, 1_500.0));
    assert_eq!((cake.decayed_units, cake.decayed_revenue_cents), (5.0, 3_000.0));
    // tea: 100 * (0.5 * 15/15 + 0.5 * 1500/3000) = 75; cake: 100 * (0.5 * 5/15 + 0.5) = 66.67.
    assert_eq!(tea.score, 75.0);
    assert!((cake.score - 200.0 / 3.0).abs() < 1e-9, "{}", cake.score);
    assert_eq!((tea.rank, cake.rank), (1, 2));
    assert_eq!((tea.recent_units, cake.recent_units), (20, 5));
}

#[test]
fn purpose_rules_need_a_category_and_a_tag_of_1_to_40_characters() {
    let rules = PurposeRules::parse("Baking=party").unwrap();
    assert!(!rules.is_empty());
    assert_eq!(rules.tag_of("BAKING"), Some("party"));
    let forty = "t".repeat(40);
    assert_eq!(PurposeRules::parse(&format!("Toys={forty}")).unwrap().tag_of("toys"), Some(forty.as_str()));
    for bad in ["=party", "Baking=", " = ", &format!("Toys={forty}x")] {
        let refused = PurposeRules::parse(bad).unwrap_err();
        assert_eq!(refused, crm_analytics::purpose::PurposeRuleError::Blank { pair: bad.trim().to_owned() });
        assert_eq!(refused.to_string(), format!("{:?} needs a category and a tag of 1 to 40 characters", bad.trim()));
    }
}

mod segments {
    use super::d;
    use chrono::Days;
    use crm_analytics::segments::{CustomerActivity, Segment, SegmentRules, assign_segments, is_lapsed};

    #[test]
    fn a_customer_lapses_the_day_after_the_limit() {
        let rules = SegmentRules::default();
        let bought =
            |days_ago: u64| CustomerActivity { last_purchase: Some(d(30) - Days::new(days_ago)), ..Default::default() };
        assert!(!is_lapsed(&bought(90), d(30), &rules), "exactly 90 days: not yet");
        assert!(is_lapsed(&bought(91), d(30), &rules));
        assert!(!is_lapsed(&CustomerActivity::default(), d(30), &rules), "never bought: not lapsed");
    }

    fn spender(cents: i64) -> CustomerActivity {
        CustomerActivity {
            // First bought 89 days before d(30): past the 30 days of `new`.
            first_purchase: Some(d(1) - Days::new(60)),
            last_purchase: Some(d(29)),
            window_purchases: 5,
            window_spend_cents: cents,
        }
    }

    #[test]
    fn the_vip_share_counts_only_customers_who_spent() {
        // Ten spenders (100..1000 cents) and ten who spent nothing in the window: the top
        // tenth of the spenders is one customer.
        let mut customers: Vec<CustomerActivity> = (1..=10).map(|i| spender(100 * i)).collect();
        customers.extend((0..10).map(|_| spender(0)));
        let segments = assign_segments(&customers, d(30), &SegmentRules::default());
        let vips: Vec<usize> =
            segments.iter().enumerate().filter(|(_, s)| **s == Segment::Vip).map(|(i, _)| i).collect();
        assert_eq!(vips, [9], "only the 1000-cent spender");
        assert_eq!(segments[10], Segment::Regular, "no spend in the window: not a VIP");
    }

    #[test]
    fn a_vip_share_of_zero_or_nan_makes_nobody_vip() {
        let customers: Vec<CustomerActivity> = (1..=10).map(|i| spender(100 * i)).collect();
        for fraction in [0.0, -0.5, f64::NAN] {
            let rules = SegmentRules { vip_top_fraction: fraction, ..SegmentRules::default() };
            let segments = assign_segments(&customers, d(30), &rules);
            assert!(segments.iter().all(|s| *s == Segment::Regular), "{fraction}: {segments:?}");
        }
    }
}

mod series {
    use super::d;
    use crm_analytics::{bucket_days, fill_days};
    use crm_domain::Granularity;
    use crm_domain::{DaySales, Money};

    fn refunds(day: u32, count: i64, cents: i64) -> DaySales {
        DaySales { refund_count: count, refunded: Money::from_cents(cents), ..DaySales::empty(d(day)) }
    }

    #[test]
    fn refunds_add_up_like_sales() {
        let days = fill_days(&[refunds(2, 1, 500), refunds(2, 2, 250)], d(1), d(3));
        assert_eq!((days[1].refund_count, days[1].refunded), (3, Money::from_cents(750)));
        let weeks = bucket_days(&[refunds(2, 1, 500), refunds(4, 2, 250)], d(1), d(7), Granularity::Week);
        assert_eq!((weeks[0].totals.refund_count, weeks[0].totals.refunded), (3, Money::from_cents(750)));
    }

    #[test]
    fn a_partial_first_bucket_is_dated_by_its_start_not_by_the_range() {
        // 3 September 2025 is a Wednesday: its week starts on Monday 1 September.
        let weeks = bucket_days(&[], d(3), d(9), Granularity::Week);
        assert_eq!((weeks[0].start, weeks[0].days, weeks[0].totals.date), (d(1), 5, d(1)));
        assert_eq!((weeks[1].start, weeks[1].days, weeks[1].totals.date), (d(8), 2, d(8)));
    }
}

mod trend {
    use crm_analytics::trend::{Direction, linear_trend};

    #[test]
    fn the_degrees_of_freedom_are_the_points_less_two() {
        // y = 0.8 x + r with r = (1, -1, 0, 0, -1, 1), which no line absorbs: RSS 4, Sxx 17.5,
        // 4 degrees of freedom, t = 0.8 / sqrt(4 / 4 / 17.5) = 3.35 > 2.776 (df 4): up.
        // (With 3 degrees of freedom t would be 2.90 < 3.182: flat.)
        let values: Vec<f64> =
            [1.0, -1.0, 0.0, 0.0, -1.0, 1.0].iter().enumerate().map(|(i, r)| 0.8 * i as f64 + r).collect();
        let t = linear_trend(&values).unwrap();
        assert!((t.t_statistic - 0.8 * 17.5_f64.sqrt()).abs() < 1e-9, "{t:?}");
        assert_eq!(t.direction, Direction::Up);
    }

    #[test]
    fn points_exactly_on_a_line_have_an_infinite_t_of_the_slope_s_sign() {
        let up = linear_trend(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!((up.slope, up.intercept, up.t_statistic), (1.0, 1.0, f64::INFINITY));
        let down = linear_trend(&[30.0, 20.0, 10.0]).unwrap();
        assert_eq!((down.t_statistic, down.direction), (f64::NEG_INFINITY, Direction::Down));
        let flat = linear_trend(&[0.1; 7]).unwrap();
        assert_eq!((flat.slope, flat.t_statistic, flat.direction), (0.0, 0.0, Direction::Flat));
    }
}
