//! Skips Redis for a moment after it failed, so that an outage costs one timeout per
//! interval instead of one per request: fred queues commands while it reconnects and
//! answers each of them only when its command timeout expires.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What a failure did to the breaker, so that an outage is logged once, not per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tripped {
    /// Redis was in use until this failure.
    Opened,
    /// Redis was already being skipped (this was a probe or a call begun earlier).
    StillOpen,
}

/// Open (Redis skipped) until a deadline after each failure; then one caller probes.
pub(super) struct RedisBreaker {
    origin: Instant,
    open_for_ms: u64,
    /// Milliseconds after `origin` until which Redis is skipped; 0 when closed.
    open_until_ms: AtomicU64,
}

impl RedisBreaker {
    /// A closed breaker that stays open for `open_for` after each failure.
    pub(super) fn new(open_for: Duration) -> Self {
        Self {
            origin: Instant::now(),
            // Never 0, which would read as closed.
            open_for_ms: u64::try_from(open_for.as_millis())
                .unwrap_or(u64::MAX / 2)
                .max(1),
            open_until_ms: AtomicU64::new(0),
        }
    }

    /// Whether to call Redis now.
    pub(super) fn allows(&self) -> bool {
        self.allows_at(Instant::now())
    }

    /// Whether the breaker is open: a failure was recorded and no call has succeeded since
    /// (past its open period it lets one probe through, but stays open until that succeeds).
    pub(super) fn is_open(&self) -> bool {
        self.open_until_ms.load(Ordering::Acquire) != 0
    }

    /// Records a failed call; Redis is skipped for the open period from now.
    pub(super) fn record_failure(&self) -> Tripped {
        self.record_failure_at(Instant::now())
    }

    /// Records a successful call; true when that closed an open breaker.
    pub(super) fn record_success(&self) -> bool {
        // A plain load first: the common (closed) case writes nothing shared.
        self.open_until_ms.load(Ordering::Acquire) != 0
            && self.open_until_ms.swap(0, Ordering::AcqRel) != 0
    }

    fn allows_at(&self, now: Instant) -> bool {
        let until = self.open_until_ms.load(Ordering::Acquire);
        if until == 0 {
            return true;
        }
        let now_ms = self.millis(now);
        if now_ms < until {
            return false;
        }
        // The open period is over: exactly one caller probes, the others keep skipping
        // Redis until the probe reports (or until this new deadline).
        self.open_until_ms
            .compare_exchange(
                until,
                now_ms.saturating_add(self.open_for_ms),
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok()
    }

    fn record_failure_at(&self, now: Instant) -> Tripped {
        let until = self.millis(now).saturating_add(self.open_for_ms);
        match self.open_until_ms.swap(until, Ordering::AcqRel) {
            0 => Tripped::Opened,
            _ => Tripped::StillOpen,
        }
    }

    fn millis(&self, now: Instant) -> u64 {
        let elapsed = now.saturating_duration_since(self.origin).as_millis();
        u64::try_from(elapsed).unwrap_or(u64::MAX / 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN_FOR: Duration = Duration::from_millis(1_000);

    #[test]
    fn a_closed_breaker_lets_every_call_through() {
        let breaker = RedisBreaker::new(OPEN_FOR);
        let now = breaker.origin + Duration::from_secs(5);
        assert!(breaker.allows_at(now));
        assert!(breaker.allows_at(now));
        assert!(!breaker.record_success());
        assert!(!breaker.is_open());
    }

    #[test]
    fn a_failure_skips_redis_for_the_open_period() {
        let breaker = RedisBreaker::new(OPEN_FOR);
        let failed_at = breaker.origin + Duration::from_secs(5);
        assert_eq!(breaker.record_failure_at(failed_at), Tripped::Opened);
        assert!(!breaker.allows_at(failed_at));
        assert!(!breaker.allows_at(failed_at + Duration::from_millis(999)));
        assert_eq!(breaker.record_failure_at(failed_at), Tripped::StillOpen);
    }

    #[test]
    fn a_failure_at_the_first_instant_still_opens_it() {
        let breaker = RedisBreaker::new(OPEN_FOR);
        breaker.record_failure_at(breaker.origin);
        assert!(!breaker.allows_at(breaker.origin));
    }

    #[test]
    fn after_the_open_period_one_caller_probes_and_the_others_keep_skipping() {
        let breaker = RedisBreaker::new(OPEN_FOR);
        let failed_at = breaker.origin + Duration::from_secs(5);
        breaker.record_failure_at(failed_at);
        let later = failed_at + OPEN_FOR;
        assert!(breaker.allows_at(later), "the probe");
        assert!(!breaker.allows_at(later));
        assert!(!breaker.allows_at(later + Duration::from_millis(500)));
    }

    #[test]
    fn a_successful_probe_closes_it() {
        let breaker = RedisBreaker::new(OPEN_FOR);
        let failed_at = breaker.origin + Duration::from_secs(5);
        breaker.record_failure_at(failed_at);
        assert!(breaker.allows_at(failed_at + OPEN_FOR));
        assert!(breaker.is_open(), "open until the probe succeeds");
        assert!(breaker.record_success());
        assert!(!breaker.is_open());
        assert!(breaker.allows_at(failed_at + OPEN_FOR));
        assert!(!breaker.record_success(), "already closed");
    }

    #[test]
    fn a_failed_probe_opens_it_for_another_period() {
        let breaker = RedisBreaker::new(OPEN_FOR);
        let failed_at = breaker.origin + Duration::from_secs(5);
        breaker.record_failure_at(failed_at);
        let probed_at = failed_at + OPEN_FOR;
        assert!(breaker.allows_at(probed_at));
        assert_eq!(breaker.record_failure_at(probed_at), Tripped::StillOpen);
        assert!(!breaker.allows_at(probed_at + Duration::from_millis(999)));
        assert!(breaker.allows_at(probed_at + OPEN_FOR));
    }
}
