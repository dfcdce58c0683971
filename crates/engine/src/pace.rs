//! The pace of one target: how fast requests may start, learnt from its 429s as TCP learns a
//! link's capacity (additive increase, multiplicative decrease). A target starts unpaced (or at
//! `--rps`); a 429 holds every request to it for the `Retry-After` it gives, and cuts the rate
//! to `CUT` of the rate it was sent at (when unpaced: the answers it gave in the last
//! second); each answer after that raises the rate a little, `RISE` requests a second per
//! second, never above `--rps`. A throttling API then costs time, not verdicts.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

// tokio's clock: the same as the system's, and stopped in tests that pause it.
use tokio::time::Instant;

/// The rate after a 429, as a share of the rate before it. TCP Reno halves its window; CUBIC
/// takes 0.7. Against a token bucket of R a second, 0.7 leaves little of the limit unused while
/// the rate climbs back (docs/performance.md, "Adaptive rate").
const CUT: f64 = 0.7;
/// How much the rate climbs, in requests a second, for each second of answers.
const RISE: f64 = 0.5;
/// The slowest pace: one request every two seconds.
const SLOWEST: f64 = 0.5;
/// 429s within this long of a cut are answers to requests sent before it: one cut for them all.
const CUT_SPACING: Duration = Duration::from_secs(1);
/// Longest hold a `Retry-After` may put on the target (the per-request bound of retries).
const LONGEST_HOLD: Duration = Duration::from_secs(10);

/// One target's pace, shared by every case of it.
#[derive(Debug)]
pub struct Pace {
    /// `--rps`: the rate never goes above it.
    ceiling: Option<f64>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Requests a second; `None`: unpaced.
    rate: Option<f64>,
    /// When the next request may start.
    next: Instant,
    /// No request starts before this (`Retry-After`).
    hold: Instant,
    last_cut: Option<Instant>,
    /// When the answers of the last second came: the rate the target granted.
    answered: VecDeque<Instant>,
    /// 429s seen.
    throttled: usize,
}

impl Pace {
    /// A pace that starts at `rps` (unpaced when `None`) and never goes above it.
    pub fn new(rps: Option<f64>) -> Pace {
        let ceiling = rps.filter(|r| *r > 0.0 && r.is_finite());
        let now = Instant::now();
        Pace {
            ceiling,
            state: Mutex::new(State { rate: ceiling, next: now, hold: now, last_cut: None, answered: VecDeque::new(), throttled: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wait until a request may start, and take its place; returns how long it waited.
    pub async fn ready(&self) -> Duration {
        let start = {
            let mut s = self.lock();
            let start = Instant::now().max(s.next).max(s.hold);
            if let Some(rate) = s.rate {
                s.next = start + Duration::from_secs_f64(1.0 / rate);
            }
            start
        };
        let now = Instant::now();
        if start > now {
            tokio::time::sleep_until(start).await;
        }
        start.saturating_duration_since(now)
    }

    /// What an attempt came back with: a status (`None`: no answer) and the `Retry-After` of
    /// a 429.
    pub fn answered(&self, status: Option<u16>, retry_after: Option<Duration>) {
        let now = Instant::now();
        let mut s = self.lock();
        while s.answered.front().is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1)) {
            s.answered.pop_front();
        }
        match status {
            Some(429) => {
                s.throttled += 1;
                let hold = retry_after.unwrap_or(Duration::from_secs(1)).min(LONGEST_HOLD);
                s.hold = s.hold.max(now + hold);
                if s.last_cut.is_none_or(|at| now.duration_since(at) >= CUT_SPACING) {
                    let granted = s.answered.len().max(1) as f64;
                    let before = s.rate.unwrap_or(granted);
                    s.rate = Some((before * CUT).max(SLOWEST));
                    s.last_cut = Some(now);
                    s.next = s.next.max(now);
                }
            }
            Some(_) => {
                s.answered.push_back(now);
                if let Some(rate) = s.rate {
                    let risen = rate + RISE / rate;
                    s.rate = Some(self.ceiling.map_or(risen, |c| risen.min(c)));
                }
            }
            None => {}
        }
    }

    /// 429s seen so far.
    pub fn throttled(&self) -> usize {
        self.lock().throttled
    }

    /// The rate now, in requests a second (`None`: unpaced).
    #[cfg(test)]
    fn rate(&self) -> Option<f64> {
        self.lock().rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_429_cuts_the_rate_once_for_a_burst_and_answers_raise_it_slowly() {
        let pace = Pace::new(Some(20.0));
        pace.answered(Some(200), None);
        assert_eq!(pace.rate(), Some(20.0), "never above --rps");
        pace.answered(Some(429), Some(Duration::ZERO));
        assert_eq!(pace.rate(), Some(14.0));
        // The other answers of the same burst do not cut it again.
        pace.answered(Some(429), Some(Duration::ZERO));
        assert_eq!(pace.rate(), Some(14.0));
        assert_eq!(pace.throttled(), 2);
        // 14 answers at 14 a second: a second of answers raises it by RISE.
        for _ in 0..14 {
            pace.answered(Some(200), None);
        }
        let rate = pace.rate().unwrap();
        assert!((rate - 14.0 - RISE).abs() < 0.05, "{rate}");
    }

    #[test]
    fn an_unpaced_target_is_paced_from_the_rate_it_granted() {
        let pace = Pace::new(None);
        assert_eq!(pace.rate(), None);
        for _ in 0..10 {
            pace.answered(Some(200), None);
        }
        assert_eq!(pace.rate(), None);
        pace.answered(Some(429), None);
        assert_eq!(pace.rate(), Some(7.0));
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_holds_every_request_of_the_target() {
        let pace = Pace::new(None);
        let before = tokio::time::Instant::now();
        pace.answered(Some(429), Some(Duration::from_secs(2)));
        pace.ready().await;
        assert!(tokio::time::Instant::now() - before >= Duration::from_secs(2));
    }
}
