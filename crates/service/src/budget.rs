//! How much work one request may start: a time limit, and whether anyone still waits for
//! the answer.
//!
//! A use case whose cost a caller's input decides (a forecast from another day, a backtest,
//! reading a calendar file) takes a [`Budget`] and checks it between steps; the check
//! fails once the time is spent or the caller has gone away, so abandoned work stops at
//! the next step instead of running to the end for nobody.

use crate::ServiceError;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The time and attention one request's work may use.
#[derive(Debug, Clone)]
pub struct Budget {
    limit: Option<Duration>,
    started: Instant,
    cancelled: Arc<AtomicBool>,
}

impl Budget {
    /// A budget of `limit`, counted from now.
    pub fn new(limit: Duration) -> Self {
        Self { limit: Some(limit), started: Instant::now(), cancelled: Arc::default() }
    }

    /// No limit: for the CLI, tests and the refresh, which nobody waits on with a deadline.
    pub fn unlimited() -> Self {
        Self { limit: None, started: Instant::now(), cancelled: Arc::default() }
    }

    /// Says the caller no longer waits: the next [`check`](Self::check) fails.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Time spent so far.
    pub fn spent(&self) -> Duration {
        self.started.elapsed()
    }

    /// `Ok` while there is time left and the caller waits.
    ///
    /// ```
    /// use crm_service::Budget;
    /// use std::time::Duration;
    /// let budget = Budget::new(Duration::from_secs(60));
    /// assert!(budget.check().is_ok());
    /// budget.cancel();
    /// assert!(budget.check().is_err());
    /// assert!(Budget::new(Duration::ZERO).check().is_err());
    /// ```
    pub fn check(&self) -> Result<(), ServiceError> {
        if self.cancelled.load(Ordering::Relaxed) {
            return Err(ServiceError::OverBudget("the request was abandoned by its caller".into()));
        }
        match self.limit {
            Some(limit) if self.started.elapsed() >= limit => Err(ServiceError::OverBudget(format!(
                "the request needs more than the {} s it may take; narrow it, or retry when the server is less busy",
                limit.as_secs_f64()
            ))),
            _ => Ok(()),
        }
    }
}
