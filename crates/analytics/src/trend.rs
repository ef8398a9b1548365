//! Trend direction of a series: an ordinary least-squares line through the points, and a
//! t-test on its slope at the 95% level. A slope that is not significantly different from
//! zero is `flat`, however steep it looks.

pub use crm_domain::Direction;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// A fitted trend line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trend {
    /// Change per step (per day for a daily series).
    pub slope: f64,
    /// The fitted value at the first point.
    pub intercept: f64,
    /// The slope divided by its standard error (infinite when the points lie exactly on a
    /// sloped line).
    pub t_statistic: f64,
    /// Up or down when the slope is significant at 95%, else flat.
    pub direction: Direction,
}

/// The two-sided 95% critical value of Student's t with `df` degrees of freedom: its
/// 97.5% quantile, from `statrs` (infinite for no degrees of freedom).
fn t_critical(df: usize) -> f64 {
    if df == 0 {
        return f64::INFINITY;
    }
    StudentsT::new(0.0, 1.0, df as f64).map_or(f64::INFINITY, |t| t.inverse_cdf(0.975))
}

/// Fits a line through `values` (x = 0, 1, 2, ...) and tests its slope.
///
/// Returns `None` for fewer than 3 points or any non-finite value. A series with no
/// variance (all points equal) is flat with slope 0.
///
/// ```
/// use crm_analytics::trend::{Direction, linear_trend};
/// let rising = linear_trend(&[10.0, 12.0, 13.0, 15.0, 18.0, 19.0, 22.0]).unwrap();
/// assert_eq!(rising.direction, Direction::Up);
/// let noisy = linear_trend(&[10.0, 30.0, 5.0, 25.0, 12.0, 28.0, 9.0]).unwrap();
/// assert_eq!(noisy.direction, Direction::Flat);
/// assert!(linear_trend(&[1.0, 2.0]).is_none());
/// ```
pub fn linear_trend(values: &[f64]) -> Option<Trend> {
    let n = values.len();
    if n < 3 || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let nf = n as f64;
    let mean_x = (nf - 1.0) / 2.0;
    let mean_y = values.iter().sum::<f64>() / nf;
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for (i, y) in values.iter().enumerate() {
        let dx = i as f64 - mean_x;
        sxx += dx * dx;
        sxy += dx * (y - mean_y);
    }
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let residual_ss: f64 = values.iter().enumerate().map(|(i, y)| (y - (intercept + slope * i as f64)).powi(2)).sum();
    let df = n - 2;
    let standard_error = (residual_ss / df as f64 / sxx).sqrt();
    let t_statistic = if standard_error > 0.0 {
        slope / standard_error
    } else if slope == 0.0 {
        0.0
    } else {
        // The points lie exactly on a sloped line.
        slope.signum() * f64::INFINITY
    };
    let direction = if t_statistic.abs() <= t_critical(df) {
        Direction::Flat
    } else if slope > 0.0 {
        Direction::Up
    } else {
        Direction::Down
    };
    Some(Trend { slope, intercept, t_statistic, direction })
}

/// The mean of each point and the `window - 1` points before it; `None` until a full
/// window is available.
///
/// ```
/// use crm_analytics::trend::moving_average;
/// assert_eq!(moving_average(&[1.0, 2.0, 3.0, 4.0], 3), [None, None, Some(2.0), Some(3.0)]);
/// ```
pub fn moving_average(values: &[f64], window: usize) -> Vec<Option<f64>> {
    if window == 0 {
        return vec![None; values.len()];
    }
    let mut sum = 0.0;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            sum += v;
            if i >= window {
                sum -= values[i - window];
            }
            (i + 1 >= window).then(|| sum / window as f64)
        })
        .collect()
}

/// The change from `previous` to `current` in percent; `None` when `previous` is zero.
///
/// ```
/// use crm_analytics::trend::percent_change;
/// assert_eq!(percent_change(150.0, 100.0), Some(50.0));
/// assert_eq!(percent_change(5.0, 0.0), None);
/// ```
pub fn percent_change(current: f64, previous: f64) -> Option<f64> {
    (previous != 0.0 && current.is_finite() && previous.is_finite())
        .then(|| (current - previous) / previous.abs() * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_constant_series_is_flat_with_zero_slope() {
        let t = linear_trend(&[5.0; 30]).unwrap();
        assert_eq!((t.direction, t.slope), (Direction::Flat, 0.0));
    }

    #[test]
    fn a_perfect_line_is_significant_either_way() {
        assert_eq!(linear_trend(&[1.0, 2.0, 3.0]).unwrap().direction, Direction::Up);
        assert_eq!(linear_trend(&[3.0, 2.0, 1.0]).unwrap().direction, Direction::Down);
    }

    #[test]
    fn the_slope_matches_a_hand_computation() {
        // y = 2x + 1 with residuals +1, -1, +1, -1: slope stays 2 - 0.4 = 1.6.
        let t = linear_trend(&[2.0, 2.0, 6.0, 6.0]).unwrap();
        assert!((t.slope - 1.6).abs() < 1e-12, "{t:?}");
        assert!((t.intercept - 1.6).abs() < 1e-12, "{t:?}");
    }

    #[test]
    fn critical_values_are_the_printed_table_s_to_three_decimals() {
        // Two-sided 95% values of Student's t as statistics tables print them, and the
        // normal 1.960 that they approach.
        let table =
            [(1, 12.706), (2, 4.303), (3, 3.182), (5, 2.571), (10, 2.228), (30, 2.042), (120, 1.980), (100_000, 1.960)];
        for (df, printed) in table {
            let value = t_critical(df);
            assert!((value - printed).abs() < 5e-4, "df {df}: {value} is not {printed}");
        }
        assert_eq!(t_critical(0), f64::INFINITY);
    }

    #[test]
    fn a_slope_is_tested_against_the_critical_value_of_its_degrees_of_freedom() {
        // y = slope * x + r with r = (+1, -1, -1, +1), which no line absorbs: the fitted slope
        // is exact, the residual sum of squares 4 and Sxx 5, so t = slope / sqrt(4 / 2 / 5)
        // = 1.58 * slope. With 2 degrees of freedom the critical value is 4.303: slopes 1 and
        // 2 (t 1.58, 3.16) are flat, 4 (t 6.32) is up, -4 down.
        let series = |slope: f64| -> Vec<f64> {
            [1.0, -1.0, -1.0, 1.0].iter().enumerate().map(|(i, r)| slope * i as f64 + r).collect()
        };
        let t = linear_trend(&series(1.0)).unwrap();
        assert!((t.t_statistic - 1.0 / (2.0_f64 / 5.0).sqrt()).abs() < 1e-12, "{t:?}");
        assert_eq!(t.direction, Direction::Flat);
        assert_eq!(linear_trend(&series(2.0)).unwrap().direction, Direction::Flat);
        assert_eq!(linear_trend(&series(4.0)).unwrap().direction, Direction::Up);
        assert_eq!(linear_trend(&series(-4.0)).unwrap().direction, Direction::Down);
    }

    #[test]
    fn non_finite_values_give_no_trend() {
        assert!(linear_trend(&[1.0, f64::NAN, 3.0]).is_none());
    }

    proptest! {
        #[test]
        fn adding_a_constant_does_not_change_the_slope(values in prop::collection::vec(0.0_f64..1000.0, 3..60), shift in 0.0_f64..1e6) {
            let shifted: Vec<f64> = values.iter().map(|v| v + shift).collect();
            let (a, b) = (linear_trend(&values).unwrap(), linear_trend(&shifted).unwrap());
            prop_assert!((a.slope - b.slope).abs() < 1e-6 * (1.0 + shift));
        }
    }
}
