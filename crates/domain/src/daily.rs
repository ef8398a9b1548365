//! Per-day sales totals: the unit every trend is built from.

use crate::Money;
use chrono::{Datelike, Days, NaiveDate};

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
/// How days are grouped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Granularity {
    /// One bucket per day.
    #[default]
    Day,
    /// ISO weeks, Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
}

impl Granularity {
    /// Every granularity, finest first.
    pub const ALL: [Self; 3] = [Self::Day, Self::Week, Self::Month];

    /// The name, as a query parameter gives it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// The first day of the bucket that contains `date`.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use crm_domain::Granularity;
    /// let thursday = NaiveDate::from_ymd_opt(2025, 9, 25).unwrap();
    /// assert_eq!(Granularity::Week.bucket_start(thursday), NaiveDate::from_ymd_opt(2025, 9, 22).unwrap());
    /// assert_eq!(Granularity::Month.bucket_start(thursday), NaiveDate::from_ymd_opt(2025, 9, 1).unwrap());
    /// ```
    pub fn bucket_start(self, date: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => date,
            Self::Week => date - Days::new(u64::from(date.weekday().num_days_from_monday())),
            Self::Month => date.with_day(1).unwrap_or(date),
        }
    }
}
