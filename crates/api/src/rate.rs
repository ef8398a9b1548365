//! Rate limits (the `governor` crate's GCRA): failed authentications per client address,
//! writes per key (or per client without keys) and expensive reads the same way. Past a
//! limit the answer is 429 problem+json with `Retry-After`.
//!
//! A client that has used up its failed authentications is locked out until its next one is
//! due: every request it makes with a key is then a 429, a right key included, so keys
//! cannot be guessed faster than the limit however fast the guesses come.

use crate::ApiError;
use crate::access::Subject;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The limits, each per minute; 0 turns one off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatePolicy {
    /// Failed authentications per client address.
    pub failed_auth_per_minute: u32,
    /// Writes per key, or per client without keys.
    pub writes_per_minute: u32,
    /// Expensive reads per key, or per client without keys.
    pub expensive_per_minute: u32,
}

impl Default for RatePolicy {
    /// 100 failed authentications a minute per address; 6,000 writes a minute per key (a
    /// bulk sync of back-to-back batches runs at about 25 a second); 120 expensive reads a
    /// minute per key.
    fn default() -> Self {
        Self { failed_auth_per_minute: 100, writes_per_minute: 6_000, expensive_per_minute: 120 }
    }
}

/// Entries kept before expired ones are swept (the locked-out clients, the limiters' keys).
const SWEEP_EVERY: u64 = 10_000;

/// The limits' state.
#[derive(Debug)]
pub struct RateLimits {
    failed_auth: Option<DefaultKeyedRateLimiter<Option<IpAddr>>>,
    /// Clients locked out, until when.
    locked: Mutex<HashMap<Option<IpAddr>, Instant>>,
    writes: Option<DefaultKeyedRateLimiter<Subject>>,
    expensive: Option<DefaultKeyedRateLimiter<Subject>>,
    checks: AtomicU64,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self::new(RatePolicy::default())
    }
}

fn limiter<K: std::hash::Hash + Eq + Clone>(per_minute: u32) -> Option<DefaultKeyedRateLimiter<K>> {
    NonZeroU32::new(per_minute).map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n)))
}

impl RateLimits {
    /// Limits as `policy` says.
    pub fn new(policy: RatePolicy) -> Self {
        Self {
            failed_auth: limiter(policy.failed_auth_per_minute),
            locked: Mutex::default(),
            writes: limiter(policy.writes_per_minute),
            expensive: limiter(policy.expensive_per_minute),
            checks: AtomicU64::new(0),
        }
    }

    /// Refuses a client locked out after too many failed authentications.
    pub fn check_locked_out(&self, client: Option<IpAddr>) -> Result<(), ApiError> {
        let now = Instant::now();
        let locked = self.locked.lock().unwrap_or_else(PoisonError::into_inner);
        match locked.get(&client) {
            Some(&until) if until > now => Err(too_many("failed authentications from this address", until - now)),
            _ => Ok(()),
        }
    }

    /// Counts a failed authentication of `client`: the 401 it was to get, or a 429 once the
    /// client has used up its failures (it is then locked out until its next is due).
    pub fn failed_authentication(&self, client: Option<IpAddr>, refusal: ApiError) -> ApiError {
        let Some(limiter) = &self.failed_auth else { return refusal };
        self.sweep();
        match limiter.check_key(&client) {
            Ok(()) => refusal,
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let mut locked = self.locked.lock().unwrap_or_else(PoisonError::into_inner);
                locked.insert(client, Instant::now() + wait);
                too_many("failed authentications from this address", wait)
            }
        }
    }

    /// Counts a write of `subject`.
    pub fn check_write(&self, subject: Subject) -> Result<(), ApiError> {
        self.check(self.writes.as_ref(), subject, "writes with this key (or from this address)")
    }

    /// Counts an expensive read of `subject`.
    pub fn check_expensive(&self, subject: Subject) -> Result<(), ApiError> {
        self.check(
            self.expensive.as_ref(),
            subject,
            "expensive reads (forecasts, backtests, imports, exports) with this key (or from this address)",
        )
    }

    fn check(
        &self,
        limiter: Option<&DefaultKeyedRateLimiter<Subject>>,
        subject: Subject,
        what: &str,
    ) -> Result<(), ApiError> {
        let Some(limiter) = limiter else { return Ok(()) };
        self.sweep();
        limiter
            .check_key(&subject)
            .map_err(|not_until| too_many(what, not_until.wait_time_from(DefaultClock::default().now())))
    }

    /// Every so many checks, forgets what no longer limits anyone, so memory does not grow
    /// with the addresses ever seen.
    fn sweep(&self) {
        if !self.checks.fetch_add(1, Ordering::Relaxed).is_multiple_of(SWEEP_EVERY) {
            return;
        }
        let now = Instant::now();
        self.locked.lock().unwrap_or_else(PoisonError::into_inner).retain(|_, until| *until > now);
        if let Some(l) = &self.failed_auth {
            l.retain_recent();
        }
        for l in [&self.writes, &self.expensive].into_iter().flatten() {
            l.retain_recent();
        }
    }
}

/// The 429 for `what`, with the wait rounded up to whole seconds.
fn too_many(what: &str, wait: Duration) -> ApiError {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ApiError::TooManyRequests {
        detail: format!("too many {what}; retry in {} s", seconds.max(1)),
        retry_after: seconds.max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    fn status(error: &ApiError) -> u16 {
        error.problem().status
    }

    #[test]
    fn a_client_past_its_failed_authentications_is_locked_out_and_others_are_not() {
        let limits = RateLimits::new(RatePolicy { failed_auth_per_minute: 3, ..RatePolicy::default() });
        let attacker = ip("192.0.2.7");
        for _ in 0..3 {
            let answer = limits.failed_authentication(attacker, ApiError::Unauthorized("bad key".into()));
            assert_eq!(status(&answer), 401);
        }
        let fourth = limits.failed_authentication(attacker, ApiError::Unauthorized("bad key".into()));
        assert_eq!(status(&fourth), 429);
        assert_eq!(fourth.problem().code, crate::ProblemCode::TooManyRequests);
        assert!(fourth.to_string().starts_with("too many failed authentications from this address; retry in "));
        // Locked out: even a right key is refused until the next try is due.
        assert_eq!(limits.check_locked_out(attacker).map_err(|e| status(&e)), Err(429));
        assert!(limits.check_locked_out(ip("192.0.2.8")).is_ok());
        let other = limits.failed_authentication(ip("192.0.2.8"), ApiError::Unauthorized("bad key".into()));
        assert_eq!(status(&other), 401);
    }

    #[test]
    fn writes_and_expensive_reads_count_per_key() {
        let limits =
            RateLimits::new(RatePolicy { writes_per_minute: 2, expensive_per_minute: 1, ..RatePolicy::default() });
        let (till, dashboard) = (Subject::Key(0), Subject::Key(1));
        assert!(limits.check_write(till).is_ok() && limits.check_write(till).is_ok());
        let refused = limits.check_write(till).unwrap_err();
        assert_eq!(status(&refused), 429);
        assert!(refused.to_string().starts_with("too many writes with this key (or from this address); retry in "));
        assert!(limits.check_write(dashboard).is_ok(), "another key has its own count");
        assert!(limits.check_expensive(dashboard).is_ok());
        assert_eq!(limits.check_expensive(dashboard).map_err(|e| status(&e)), Err(429));
    }

    #[test]
    fn a_limit_of_zero_is_off() {
        let limits =
            RateLimits::new(RatePolicy { failed_auth_per_minute: 0, writes_per_minute: 0, expensive_per_minute: 0 });
        for _ in 0..1_000 {
            assert!(limits.check_write(Subject::Client(None)).is_ok());
            assert_eq!(status(&limits.failed_authentication(None, ApiError::Unauthorized("x".into()))), 401);
        }
    }
}
