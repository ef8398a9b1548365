//! Per-day sales totals: the unit every trend is built from.

use crate::Money;
use chrono::NaiveDate;

/// What one store-local day sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySales {
    /// The store-local day.
    pub date: NaiveDate,
    /// Revenue of completed sales.
    pub revenue: Money,
    /// Completed sales.
    pub sale_count: i64,
    /// Units on completed sales' lines.
    pub units: i64,
    /// Refunded sales (dated by the original sale).
    pub refund_count: i64,
    /// Value of refunded sales.
    pub refunded: Money,
}

impl DaySales {
    /// A day with no sales.
    pub const fn empty(date: NaiveDate) -> Self {
        Self { date, revenue: Money::ZERO, sale_count: 0, units: 0, refund_count: 0, refunded: Money::ZERO }
    }
}
