//! Exact money. Amounts are integers of a fixed minor unit from the API edge inward:
//! [`Money`] counts cents (2 decimals), [`UnitPrice`] counts ten-thousandths (4 decimals,
//! since real catalogues price below the cent). Sums of millions of values stay exact.
//!
//! JSON carries amounts as numbers, which arrive as `f64`. The conversion reads the
//! shortest decimal text that round-trips to that `f64` (what the client wrote, for any
//! number of up to 15 significant digits) and refuses it if it has more decimals than
//! the unit allows, so `150.00` becomes 15000 cents and `150.001` is an error, never a
//! silently rounded amount.

use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in cents (hundredths of the currency unit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

/// A unit price in ten-thousandths of the currency unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitPrice(i64);

/// The largest amount accepted at the edge, in currency units: ten billion keeps every
/// accepted value well inside the 15 significant digits an `f64` carries exactly.
const MAX_UNITS: i64 = 10_000_000_000;

impl Money {
    /// Zero.
    pub const ZERO: Self = Self(0);

    /// An amount of `cents` hundredths.
    pub const fn from_cents(cents: i64) -> Self {
        Self(cents)
    }

    /// The amount in cents.
    pub const fn cents(self) -> i64 {
        self.0
    }

    /// Converts a non-negative decimal with at most 2 decimal places.
    ///
    /// ```
    /// use crm_domain::Money;
    /// assert_eq!(Money::from_decimal(150.00).unwrap().cents(), 15000);
    /// assert_eq!(Money::from_decimal(0.1).unwrap().cents(), 10);
    /// assert!(Money::from_decimal(150.001).is_err());
    /// assert!(Money::from_decimal(-1.0).is_err());
    /// ```
    pub fn from_decimal(value: f64) -> Result<Self, DomainError> {
        scaled_non_negative(value, 2).map(Self)
    }

    /// The amount as a JSON-friendly decimal number (exact for any real-world amount).
    pub fn to_decimal(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl UnitPrice {
    /// A price of `ten_thousandths` of the currency unit.
    pub const fn from_ten_thousandths(ten_thousandths: i64) -> Self {
        Self(ten_thousandths)
    }

    /// The price in ten-thousandths of the currency unit.
    pub const fn ten_thousandths(self) -> i64 {
        self.0
    }

    /// Converts a non-negative decimal with at most 4 decimal places.
    ///
    /// ```
    /// use crm_domain::UnitPrice;
    /// assert_eq!(UnitPrice::from_decimal(2.55).unwrap().ten_thousandths(), 25500);
    /// assert_eq!(UnitPrice::from_decimal(0.001).unwrap().ten_thousandths(), 10);
    /// assert!(UnitPrice::from_decimal(0.00001).is_err());
    /// ```
    pub fn from_decimal(value: f64) -> Result<Self, DomainError> {
        scaled_non_negative(value, 4).map(Self)
    }

    /// The price as a decimal number.
    pub fn to_decimal(self) -> f64 {
        self.0 as f64 / 10_000.0
    }

    /// Price times quantity, rounded half away from zero to the cent.
    ///
    /// ```
    /// use crm_domain::{Money, UnitPrice};
    /// let price = UnitPrice::from_ten_thousandths(4_250); // 0.425
    /// assert_eq!(price.line_total(3), Money::from_cents(128)); // 1.275 -> 1.28
    /// ```
    pub fn line_total(self, quantity: i64) -> Money {
        let e4 = i128::from(self.0) * i128::from(quantity);
        let cents = (e4 + 50 * e4.signum()) / 100;
        Money(i64::try_from(cents).unwrap_or(i64::MAX))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// `value * 10^scale` as an exact integer, or why it cannot be one.
fn scaled_non_negative(value: f64, scale: u32) -> Result<i64, DomainError> {
    let text = format!("{value}");
    if !value.is_finite() {
        return Err(DomainError::OutOfRange { value: text, min: "0".into(), max: MAX_UNITS.to_string() });
    }
    if value < 0.0 {
        return Err(DomainError::Negative(text));
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if fraction.len() > scale as usize {
        return Err(DomainError::TooManyDecimals { value: text, max: scale });
    }
    let out_of_range = || DomainError::OutOfRange { value: text.clone(), min: "0".into(), max: MAX_UNITS.to_string() };
    let whole: i64 = whole.parse().map_err(|_| out_of_range())?;
    let padded = format!("{fraction:0<width$}", width = scale as usize);
    let fraction: i64 = if padded.is_empty() { 0 } else { padded.parse().unwrap_or(0) };
    // The limit holds for the whole amount, fraction included: 10000000000.99 is above it.
    let unit = 10_i64.pow(scale);
    match whole.checked_mul(unit).and_then(|w| w.checked_add(fraction)) {
        Some(scaled) if scaled <= MAX_UNITS * unit => Ok(scaled),
        _ => Err(out_of_range()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn whole_and_two_decimal_amounts_are_exact() {
        assert_eq!(Money::from_decimal(0.0), Ok(Money(0)));
        assert_eq!(Money::from_decimal(19.99), Ok(Money(1999)));
        assert_eq!(Money::from_decimal(1234567.89), Ok(Money(123456789)));
    }

    #[test]
    fn a_third_decimal_is_refused_not_rounded() {
        assert!(matches!(Money::from_decimal(0.005), Err(DomainError::TooManyDecimals { .. })));
        assert!(matches!(Money::from_decimal(150.0000000001), Err(DomainError::TooManyDecimals { .. })));
    }

    #[test]
    fn amounts_above_ten_billion_are_out_of_range() {
        assert_eq!(Money::from_decimal(10_000_000_000.0), Ok(Money(1_000_000_000_000)));
        assert_eq!(
            Money::from_decimal(10_000_000_000.99),
            Err(DomainError::OutOfRange { value: "10000000000.99".into(), min: "0".into(), max: "10000000000".into() })
        );
        assert!(matches!(Money::from_decimal(10_000_000_000.01), Err(DomainError::OutOfRange { .. })));
        assert!(matches!(UnitPrice::from_decimal(10_000_000_000.000_1), Err(DomainError::OutOfRange { .. })));
        assert!(matches!(Money::from_decimal(1e11), Err(DomainError::OutOfRange { .. })));
        assert!(matches!(Money::from_decimal(f64::INFINITY), Err(DomainError::OutOfRange { .. })));
    }

    #[test]
    fn money_displays_with_two_decimals() {
        assert_eq!(Money(15000).to_string(), "150.00");
        assert_eq!(Money(-5).to_string(), "-0.05");
    }

    proptest! {
        #[test]
        fn every_cent_amount_round_trips_through_f64(cents in 0_i64..1_000_000_000_000) {
            let as_json_number = cents as f64 / 100.0;
            prop_assert_eq!(Money::from_decimal(as_json_number), Ok(Money(cents)));
        }

        #[test]
        fn every_four_decimal_price_round_trips(e4 in 0_i64..100_000_000_000) {
            let as_json_number = e4 as f64 / 10_000.0;
            prop_assert_eq!(UnitPrice::from_decimal(as_json_number), Ok(UnitPrice(e4)));
        }
    }
}
