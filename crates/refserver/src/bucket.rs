//! A token bucket: the `rate` fault's allowance of requests a second over the whole server.
//!
//! Written here rather than taken from `governor` (which the specgate crate paces its own
//! requests with): the fault needs only "take one or say how long until one is there", and a
//! bucket that is a function of the instant it is given can be tested without a clock.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Holds up to `per_second` tokens (one second's burst) and gains `per_second` a second.
pub(crate) struct Bucket {
    per_second: f64,
    level: Mutex<Level>,
}

struct Level {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// A full bucket.
    pub(crate) fn new(per_second: NonZeroU32, now: Instant) -> Bucket {
        let per_second = f64::from(per_second.get());
        Bucket { per_second, level: Mutex::new(Level { tokens: per_second, at: now }) }
    }

    /// Takes a token, or says how long until the next one is there.
    pub(crate) fn take(&self, now: Instant) -> Result<(), Duration> {
        // A poisoned lock only means a panic elsewhere while holding two floats: keep counting.
        let mut level = self.level.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Requests race to the lock, so `now` may be a little older than the last update.
        let gained = now.saturating_duration_since(level.at).as_secs_f64() * self.per_second;
        level.tokens = (level.tokens + gained).min(self.per_second);
        level.at = level.at.max(now);
        if level.tokens >= 1.0 {
            level.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - level.tokens) / self.per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(per_second: u32, now: Instant) -> Bucket {
        Bucket::new(NonZeroU32::new(per_second).unwrap(), now)
    }

    #[test]
    fn a_full_bucket_serves_one_seconds_burst_then_says_when() {
        let t0 = Instant::now();
        let b = bucket(5, t0);
        for _ in 0..5 {
            assert_eq!(b.take(t0), Ok(()));
        }
        let wait = b.take(t0).unwrap_err();
        assert_eq!(wait, Duration::from_millis(200));
        assert!(b.take(t0 + Duration::from_millis(100)).is_err());
        assert_eq!(b.take(t0 + Duration::from_millis(200)), Ok(()));
    }

    #[test]
    fn an_idle_bucket_refills_only_to_its_burst() {
        let t0 = Instant::now();
        let b = bucket(2, t0);
        let later = t0 + Duration::from_secs(60);
        assert_eq!((b.take(later), b.take(later)), (Ok(()), Ok(())));
        assert!(b.take(later).is_err());
    }

    #[test]
    fn an_older_instant_does_not_wind_the_clock_back() {
        let t0 = Instant::now();
        let b = bucket(1, t0);
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(b.take(t1), Ok(()));
        // Raced to the lock with an earlier reading: no tokens are invented, none lost.
        assert_eq!(b.take(t0), Err(Duration::from_secs(1)));
        assert_eq!(b.take(t1 + Duration::from_secs(1)), Ok(()));
    }
}
