//! The time a use case sees. The service reads the time only through its [`Clock`]: the
//! system's in production, a [`FixedClock`] in tests and for a generated shop, so that
//! "today" is a value a test sets and the figures it checks are exact.

use chrono::{DateTime, TimeDelta, Utc};
use std::fmt::Debug;
use std::sync::Mutex;

/// Where the service reads the current time.
pub trait Clock: Debug + Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that says what it is set to, until it is set again or moved on.
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use crm_service::{Clock, FixedClock};
/// let noon = Utc.with_ymd_and_hms(2025, 12, 24, 12, 0, 0).unwrap();
/// let clock = FixedClock::new(noon);
/// assert_eq!(clock.now(), noon);
/// clock.advance(TimeDelta::hours(1));
/// assert_eq!(clock.now(), noon + TimeDelta::hours(1));
/// ```
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    /// A clock stopped at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }

    /// Sets it to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = at;
    }

    /// Moves it on by `by`.
    pub fn advance(&self, by: TimeDelta) {
        let mut now = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
