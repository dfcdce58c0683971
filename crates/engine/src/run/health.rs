//! Target health: a target that keeps failing at the transport level is marked down, and its
//! remaining cases end `error` at once instead of each waiting out its own timeouts.
//!
//! The rule: after [`DOWN_AFTER`] consecutive transport failures (timeout, refused, reset,
//! 429 or 5xx with retries exhausted) with no answer in between, the target is down. Any answer
//! (any status) resets the count, so one flaky request never condemns a healthy target. While
//! it is down, one request every [`PROBE_EVERY`] is let through as a probe; an answer brings the
//! target back up.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use crate::http::Exchange;

/// Consecutive transport failures that mark a target down.
pub(crate) const DOWN_AFTER: u32 = 5;
/// How often a target marked down is probed again.
pub(crate) const PROBE_EVERY: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub struct Health {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    consecutive: u32,
    down: Option<Down>,
}

#[derive(Debug)]
struct Down {
    since: SystemTime,
    reason: String,
    next_probe: Instant,
}

/// May a request be sent?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    Send,
    /// The target is down; this request is its probe.
    Probe,
}

/// A change of the target's state caused by an exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    Down(String),
    Up,
}

impl Health {
    /// `Err` with the reason when the target is down and it is not time for a probe.
    pub(crate) fn admit(&self) -> Result<Admission, String> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match &mut s.down {
            None => Ok(Admission::Send),
            Some(down) if Instant::now() >= down.next_probe => {
                down.next_probe = Instant::now() + PROBE_EVERY;
                Ok(Admission::Probe)
            }
            Some(down) => Err(format!(
                "target down since {}: {} (after {DOWN_AFTER} consecutive transport failures)",
                humantime::format_rfc3339_seconds(down.since),
                down.reason
            )),
        }
    }

    /// Count an exchange; returns how the target's state changed, if it did.
    pub(crate) fn record(&self, ex: &Exchange) -> Option<Change> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match &ex.error {
            Some(e) if e.is_target_failure() => {
                s.consecutive += 1;
                let reason = format!("{} {}: {e}", ex.method, ex.url);
                let condemned = s.consecutive >= DOWN_AFTER;
                match &mut s.down {
                    Some(down) => {
                        down.reason = reason;
                        None
                    }
                    None if condemned => {
                        s.down = Some(Down { since: SystemTime::now(), reason: reason.clone(), next_probe: Instant::now() + PROBE_EVERY });
                        Some(Change::Down(reason))
                    }
                    None => None,
                }
            }
            // The target answered (whatever it said): it is up.
            _ if ex.status.is_some() => {
                s.consecutive = 0;
                s.down.take().map(|_| Change::Up)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::TransportError;

    fn exchange(status: Option<u16>, error: Option<TransportError>) -> Exchange {
        Exchange { status, error, ..Exchange::new("GET", "http://t/x") }
    }

    fn timeout() -> Exchange {
        exchange(None, Some(TransportError::Timeout(10)))
    }

    #[test]
    fn one_flaky_request_does_not_condemn_a_target() {
        let h = Health::default();
        for _ in 0..3 {
            for _ in 0..DOWN_AFTER - 1 {
                assert_eq!(h.record(&timeout()), None);
            }
            assert_eq!(h.record(&exchange(Some(200), None)), None);
        }
        assert_eq!(h.admit(), Ok(Admission::Send));
    }

    #[test]
    fn consecutive_failures_mark_the_target_down_until_a_probe_gets_an_answer() {
        let h = Health::default();
        for _ in 0..DOWN_AFTER - 1 {
            h.record(&timeout());
        }
        assert!(matches!(h.record(&timeout()), Some(Change::Down(r)) if r.contains("timed out")));
        let refused = h.admit().unwrap_err();
        assert!(refused.starts_with("target down since ") && refused.contains("GET http://t/x: timed out"), "{refused}");
        // Time for a probe: one request goes through; its answer brings the target up.
        h.state.lock().unwrap().down.as_mut().unwrap().next_probe = Instant::now();
        assert_eq!(h.admit(), Ok(Admission::Probe));
        assert!(h.admit().is_err(), "one probe at a time");
        assert_eq!(h.record(&exchange(Some(503), None)), Some(Change::Up));
        assert_eq!(h.admit(), Ok(Admission::Send));
    }

    #[test]
    fn an_oversized_or_redirecting_answer_is_not_a_target_failure() {
        let h = Health::default();
        for _ in 0..2 * DOWN_AFTER {
            assert_eq!(h.record(&exchange(Some(200), Some(TransportError::TooLarge(1)))), None);
            assert_eq!(h.record(&exchange(None, Some(TransportError::Redirects("loop".into())))), None);
        }
        assert_eq!(h.admit(), Ok(Admission::Send));
    }
}
