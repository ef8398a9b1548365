//! Customer value at scale: simulates N customers from the BG/NBD and Gamma-Gamma
//! processes themselves (four years of history, a known truth), then times the two fits and
//! the scoring of every customer, and prints how far the fitted parameters are from the
//! truth.
//!
//! `cargo run --release -p crm-analytics --example value_bench -- 100000 1000000`
//!
//! With `--histories FILE` it fits and scores the customers of a CSV file instead (one line
//! per customer: `x,t_x,T,mean_spend`, days and any currency unit), e.g. a store's histories
//! dumped with the refresh's query.
//!
//! Figures: docs/performance.md, "Customer value".

use std::time::Instant;

use crm_analytics::value::{BgNbd, Frequency, GammaGamma, Spend, score};

/// The truth the customers are drawn from (α per day).
const TRUTH: BgNbd = BgNbd { r: 0.5, alpha: 30.0, a: 0.8, b: 2.5 };
const SPEND: GammaGamma = GammaGamma { p: 6.0, q: 3.8, v: 15.0 };

/// A small deterministic generator (SplitMix64): the same customers on every run.
struct Draws(u64);

impl Draws {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // 53 random bits in (0, 1).
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (2.0 * std::f64::consts::PI * self.uniform()).cos()
    }

    /// Gamma(shape, 1) by Marsaglia and Tsang (2000), boosted for shape < 1.
    fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            return self.gamma(shape + 1.0) * self.uniform().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v > 0.0 && self.uniform().ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }

    fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a);
        x / (x + self.gamma(b))
    }
}

/// One simulated customer: purchase days over an age drawn up to four years.
fn customer(draws: &mut Draws) -> (Frequency, f64) {
    let age = 1 + (draws.uniform() * 1460.0) as u32;
    let rate = draws.gamma(TRUTH.r) / TRUTH.alpha;
    let drop = draws.beta(TRUTH.a, TRUTH.b);
    let (mut t, mut last_day, mut repeats) = (0.0_f64, 0u32, 0u32);
    loop {
        t += -draws.uniform().ln() / rate;
        let day = t.floor();
        if day > f64::from(age) {
            break;
        }
        // Several purchases on one day are one purchase day.
        if day as u32 > last_day {
            last_day = day as u32;
            repeats += 1;
        }
        if draws.uniform() < drop {
            break;
        }
    }
    let nu = draws.gamma(SPEND.q) / SPEND.v;
    let mean_spend =
        if repeats == 0 { 0.0 } else { draws.gamma(SPEND.p * f64::from(repeats)) / nu / f64::from(repeats) };
    (Frequency { repeat_days: repeats, recency_days: last_day, age_days: age }, mean_spend)
}

/// Customers read from a CSV file of `x,t_x,T,mean_spend` lines.
fn read_histories(path: &str) -> Vec<(Frequency, f64)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<f64> = line.split(',').map(|v| v.trim().parse().unwrap_or(f64::NAN)).collect();
            let day = |v: f64| v.max(0.0) as u32;
            let frequency =
                Frequency::new(day(f[0]), day(f[1]), day(f[2])).unwrap_or_else(|e| panic!("{path}: {line:?}: {e}"));
            (frequency, f[3])
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|a| a == "--histories") {
        let path = args.get(at + 1).map_or_else(|| panic!("--histories needs a file"), String::as_str);
        run(read_histories(path));
        return;
    }
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![100_000, 1_000_000] } else { sizes };
    for n in sizes {
        let mut draws = Draws(42);
        run((0..n).map(|_| customer(&mut draws)).collect());
    }
}

/// Fits and scores `customers`, printing the times and the parameters.
fn run(customers: Vec<(Frequency, f64)>) {
    let n = customers.len();
    {
        let histories: Vec<Frequency> = customers.iter().map(|(h, _)| *h).collect();
        let spends: Vec<Spend> =
            customers.iter().map(|(h, m)| Spend { repeat_days: h.repeat_days, mean_spend: *m }).collect();
        let repeaters = histories.iter().filter(|h| h.repeat_days > 0).count();

        let started = Instant::now();
        let bg = match BgNbd::fit(&histories) {
            Ok(fit) => fit,
            Err(error) => {
                eprintln!("{n} customers: BG/NBD did not fit: {error}");
                return;
            }
        };
        let bg_took = started.elapsed();
        let started = Instant::now();
        let gg = GammaGamma::fit(&spends).ok();
        let gg_took = started.elapsed();
        let started = Instant::now();
        let mut total_value = 0.0;
        let mut alive = 0usize;
        for (history, mean) in &customers {
            let value = score((&bg.params, gg.as_ref().map(|f| &f.params)), history, *mean, 365, 0.0);
            total_value += value.expected_value.unwrap_or(0.0);
            alive += usize::from(value.p_alive >= 0.5);
        }
        let score_took = started.elapsed();
        let total = bg_took + gg_took + score_took;
        println!(
            "{n} customers ({repeaters} repeat): BG/NBD fit {:.3} s (converged {}), Gamma-Gamma fit {:.3} s, \
             scoring {:.3} s; total {:.3} s",
            bg_took.as_secs_f64(),
            bg.converged,
            gg_took.as_secs_f64(),
            score_took.as_secs_f64(),
            total.as_secs_f64()
        );
        let p = bg.params;
        println!(
            "  BG/NBD r {:.4} (truth {}), alpha {:.3} ({}), a {:.4} ({}), b {:.4} ({}); log-likelihood {:.1}",
            p.r, TRUTH.r, p.alpha, TRUTH.alpha, p.a, TRUTH.a, p.b, TRUTH.b, bg.log_likelihood
        );
        if let Some(gg) = &gg {
            let s = gg.params;
            println!(
                "  Gamma-Gamma p {:.3} (truth {}), q {:.3} ({}), v {:.3} ({}), converged {}",
                s.p, SPEND.p, s.q, SPEND.q, s.v, SPEND.v, gg.converged
            );
        }
        println!("  P(alive) >= 0.5: {alive}; expected value over 365 days, all customers: {total_value:.0}");
    }
}
