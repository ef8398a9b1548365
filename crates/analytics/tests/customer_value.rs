//! BG/NBD and Gamma-Gamma on the CDNOW sample the literature uses (tests/data/cdnow/:
//! 2,357 customers, 6,919 purchases, January 1997 - June 1998; as shipped with `lifetimes`,
//! MIT). With the first 39 weeks as calibration the fits must reproduce the published
//! estimates (Fader, Hardie & Lee 2005; the BTYD walkthrough; `lifetimes`' documentation)
//! to 1 %, and the conditional expectations must equal the values `lifetimes` 0.11.3
//! computes (tests/data/cdnow/reference.md, cross-checked there at 50 digits with mpmath).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is the failure report")]

use std::collections::BTreeMap;

use chrono::NaiveDate;
use crm_analytics::value::{BgNbd, Frequency, GammaGamma, Spend, score};

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y%m%d").unwrap()
}

/// Each customer's spend per purchase day, from the raw file (customer = second column).
fn purchase_days() -> BTreeMap<u32, BTreeMap<NaiveDate, f64>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/cdnow/CDNOW_sample.txt");
    let text = std::fs::read_to_string(path).unwrap();
    let mut customers: BTreeMap<u32, BTreeMap<NaiveDate, f64>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields.len(), 5, "{line}");
        let customer: u32 = fields[1].parse().unwrap();
        let spend: f64 = fields[4].parse().unwrap();
        *customers.entry(customer).or_default().entry(date(fields[2])).or_default() += spend;
    }
    customers
}

/// The calibration histories: days up to 1997-09-30 (as_of 1997-10-01).
fn calibration() -> Vec<(Frequency, f64)> {
    let last = date("19970930");
    purchase_days()
        .values()
        .map(|days| {
            let days: Vec<(&NaiveDate, &f64)> = days.range(..=last).collect();
            let first = *days[0].0;
            let repeat = &days[1..];
            let x = u32::try_from(repeat.len()).unwrap();
            let t_x = u32::try_from((*days[days.len() - 1].0 - first).num_days()).unwrap();
            let age = u32::try_from((last - first).num_days()).unwrap();
            let mean = if x == 0 { 0.0 } else { repeat.iter().map(|(_, s)| **s).sum::<f64>() / f64::from(x) };
            (Frequency::new(x, t_x, age).unwrap(), mean)
        })
        .collect()
}

fn within(got: f64, want: f64, relative: f64) -> bool {
    (got - want).abs() <= relative * want.abs()
}

#[test]
fn the_sample_is_the_one_the_literature_uses() {
    let customers = calibration();
    assert_eq!(customers.len(), 2357);
    assert_eq!(customers.iter().map(|(h, _)| h.repeat_days).sum::<u32>(), 2457);
    assert_eq!(customers.iter().filter(|(h, _)| h.repeat_days > 0).count(), 946);
    assert_eq!(customers.iter().map(|(h, _)| h.recency_days).sum::<u32>(), 112_949);
    assert_eq!(customers.iter().map(|(h, _)| h.age_days).sum::<u32>(), 539_779);
}

#[test]
fn bg_nbd_reproduces_the_published_estimates() {
    let histories: Vec<Frequency> = calibration().into_iter().map(|(h, _)| h).collect();
    let fit = BgNbd::fit(&histories).unwrap();
    assert!(fit.converged);
    assert_eq!(fit.customers, 2357);
    let p = fit.params;
    // Published: r = 0.2426, α = 4.4137 a week, a = 0.7930, b = 2.4262 (to 1 %).
    assert!(within(p.r, 0.2426, 0.01), "r = {}", p.r);
    assert!(within(p.alpha, 4.4137 * 7.0, 0.01), "alpha = {} a day", p.alpha);
    assert!(within(p.a, 0.7930, 0.01), "a = {}", p.a);
    assert!(within(p.b, 2.4262, 0.01), "b = {}", p.b);
    // The maximum itself, as lifetimes finds it (the likelihood is flat: 1e-5 relative).
    assert!(within(p.r, 0.2425945, 1e-5), "r = {}", p.r);
    assert!(within(p.alpha, 30.895213, 1e-5), "alpha = {}", p.alpha);
    assert!(within(p.a, 0.7929221, 1e-5), "a = {}", p.a);
    assert!(within(p.b, 2.4259069, 1e-5), "b = {}", p.b);
    // In days the log-likelihood is the weekly one less Σx·ln 7 = 2457 ln 7.
    let weekly = fit.log_likelihood + 2457.0 * 7.0_f64.ln();
    assert!((weekly - -9582.43).abs() < 0.005, "weekly log-likelihood {weekly}");
    assert!((fit.log_likelihood - -14363.53044).abs() < 1e-4, "{}", fit.log_likelihood);
}

#[test]
fn gamma_gamma_reproduces_the_published_estimates() {
    let spends: Vec<Spend> =
        calibration().into_iter().map(|(h, m)| Spend { repeat_days: h.repeat_days, mean_spend: m }).collect();
    let fit = GammaGamma::fit(&spends).unwrap();
    assert!(fit.converged);
    assert_eq!(fit.customers, 946);
    let p = fit.params;
    assert!(within(p.p, 6.25, 0.01), "p = {}", p.p);
    assert!(within(p.q, 3.74, 0.01), "q = {}", p.q);
    assert!(within(p.v, 15.44, 0.01), "v = {}", p.v);
    assert!(within(p.p, 6.2495723, 1e-5) && within(p.q, 3.7442247, 1e-5) && within(p.v, 15.443521, 1e-5), "{p:?}");
    assert!((fit.log_likelihood - -4055.917695).abs() < 1e-4, "{}", fit.log_likelihood);
}

/// The published parameters in days.
fn published() -> BgNbd {
    BgNbd { r: 0.2426, alpha: 4.4137 * 7.0, a: 0.7930, b: 2.4262 }
}

#[test]
fn conditional_expectations_equal_the_reference_values() {
    let model = published();
    // (x, t_x, T), P(alive), E[X(t)] for t = 1, 30, 365, 3650 days (reference.md, part d).
    type Row = ((u32, u32, u32), f64, [f64; 4]);
    let table: [Row; 8] = [
        ((0, 0, 200), 1.0, [0.001049994457, 0.03091840452, 0.3192764831, 1.736447989]),
        ((1, 30, 200), 0.3686808032, [0.001982301499, 0.05796749315, 0.5661999074, 2.6395842]),
        ((2, 212, 272), 0.7247836979, [0.00536184146, 0.1572092745, 1.558229122, 7.311470263]),
        ((5, 100, 273), 0.08920045705, [0.001537301484, 0.04485258564, 0.4281800753, 1.853329662]),
        ((14, 250, 260), 0.921995533, [0.04508760129, 1.307769977, 11.99164818, 48.55579075]),
        ((40, 260, 270), 0.9305837131, [0.1243024791, 3.600428408, 32.71538383, 130.6567792]),
        ((3, 10, 273), 0.008292598806, [8.84042261e-05, 0.002586493749, 0.02521232414, 0.1138458291]),
        ((1000, 2000, 2100), 1.666136773e-18, [7.81939455e-19, 2.333291301e-17, 2.678795728e-16, 1.848598712e-15]),
    ];
    for ((x, t_x, age), p_alive, expected) in table {
        let history = Frequency::new(x, t_x, age).unwrap();
        let got = model.p_alive(&history);
        assert!(within(got, p_alive, 1e-8), "P(alive | {x}, {t_x}, {age}) = {got}, want {p_alive}");
        for (t, want) in [1.0, 30.0, 365.0, 3650.0].into_iter().zip(expected) {
            let got = model.expected_purchases(&history, t);
            assert!(within(got, want, 1e-8), "E[X({t}) | {x}, {t_x}, {age}] = {got}, want {want}");
        }
    }
}

#[test]
fn expected_spend_equals_the_reference_values() {
    let model = GammaGamma { p: 6.25, q: 3.74, v: 15.44 };
    for (x, m, want) in [(1, 20.0, 24.63848721), (5, 35.5, 35.47734628), (0, 0.0, 35.2189781), (50, 10.0, 10.21919807)]
    {
        let got = model.expected_spend(x, m).unwrap();
        assert!(within(got, want, 1e-8), "E[M | {x}, {m}] = {got}, want {want}");
    }
    assert!(within(model.population_mean().unwrap(), 35.2189781, 1e-8));
}

#[test]
fn the_holdout_is_predicted_as_lifetimes_predicts_it() {
    // Expected purchases over the 273-day holdout summed over the calibration customers:
    // lifetimes 1653.390614 with the published parameters; 1,882 happened (the model is
    // known to under-predict this sample's holdout by about 12 %).
    let model = published();
    let histories: Vec<Frequency> = calibration().into_iter().map(|(h, _)| h).collect();
    let total: f64 = histories.iter().map(|h| model.expected_purchases(h, 273.0)).sum();
    assert!(within(total, 1653.390614, 1e-8), "{total}");
    let week_one: f64 = histories.iter().map(|h| model.expected_purchases(h, 7.0)).sum();
    assert!(within(week_one, 52.14664056, 1e-8), "{week_one}");
    // What happened: distinct (customer, day) purchases from 1997-10-01 to 1998-06-30.
    let actual: usize =
        purchase_days().values().map(|days| days.range(date("19971001")..=date("19980630")).count()).sum();
    assert_eq!(actual, 1882);
}

#[test]
fn a_customers_value_is_purchases_times_spend() {
    let (bg, gg) = (published(), GammaGamma { p: 6.25, q: 3.74, v: 15.44 });
    let history = Frequency::new(2, 212, 272).unwrap();
    let value = score((&bg, Some(&gg)), &history, 20.0, 365, 0.0);
    let spend = gg.expected_spend(2, 20.0).unwrap();
    assert!(within(value.expected_purchases, 1.558229122, 1e-8));
    assert!(within(value.expected_value.unwrap(), 1.558229122 * spend, 1e-8));
    assert!(within(value.p_alive, 0.7247836979, 1e-8));
    // Discounted at 10 % a year, a year's value is worth less, but not below a year's
    // full discount.
    let discounted = score((&bg, Some(&gg)), &history, 20.0, 365, 0.10).expected_value.unwrap();
    let full = value.expected_value.unwrap();
    assert!(discounted < full && discounted > full / 1.10, "{discounted} vs {full}");
    // Without a spend model there is no value, only purchases.
    assert_eq!(score((&bg, None), &history, 20.0, 365, 0.0).expected_value, None);
}

mod properties {
    use crm_analytics::value::{BgNbd, Frequency};
    use proptest::prelude::*;

    /// Any positive parameters in the range fits produce, and any valid history up to
    /// thirty years long with up to one purchase a day.
    fn model() -> impl Strategy<Value = BgNbd> {
        (0.01..20.0_f64, 0.1..500.0_f64, 0.01..20.0_f64, 0.01..20.0_f64).prop_map(|(r, alpha, a, b)| BgNbd {
            r,
            alpha,
            a,
            b,
        })
    }

    fn history() -> impl Strategy<Value = Frequency> {
        (0u32..11_000).prop_flat_map(|age| {
            (0..=age).prop_flat_map(move |t_x| {
                let repeats = if t_x == 0 { 0..=0 } else { 1..=t_x };
                repeats.prop_map(move |x| Frequency::new(x, t_x, age).unwrap())
            })
        })
    }

    proptest! {
        #[test]
        fn p_alive_is_a_probability_and_one_without_repeats(m in model(), h in history()) {
            let p = m.p_alive(&h);
            prop_assert!((0.0..=1.0).contains(&p), "{p}");
            if h.repeat_days == 0 {
                prop_assert_eq!(p, 1.0);
            }
        }

        #[test]
        fn p_alive_falls_as_the_last_purchase_recedes(m in model(), h in history(), gap in 1u32..400) {
            prop_assume!(h.repeat_days > 0);
            let older = Frequency::new(h.repeat_days, h.recency_days, h.age_days + gap).unwrap();
            prop_assert!(m.p_alive(&older) <= m.p_alive(&h));
        }

        #[test]
        fn expected_purchases_rise_with_the_horizon(m in model(), h in history(), t in 1u32..5_000, more in 1u32..5_000) {
            let near = m.expected_purchases(&h, f64::from(t));
            let far = m.expected_purchases(&h, f64::from(t + more));
            prop_assert!(near.is_finite() && far.is_finite() && near >= 0.0, "{near} {far}");
            // Equal within rounding where the customer is all but certainly gone.
            prop_assert!(far >= near * (1.0 - 1e-9), "{near} then {far}");
        }
    }
}
