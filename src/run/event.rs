//! The run's event stream: what the runner tells its reporters as it happens (run started,
//! case started, each exchange, case finished with its verdict, target down or up again, run
//! finished). Every reporter consumes the same events; a run cut short by a signal or a
//! deadline still ends with `RunFinished`, so the reports are always written.

use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

use crate::report::TargetInfo;
use crate::verdict::{ExchangeRecord, Summary, Verdict};

/// One thing that happened during a run. Serialized (one JSON object per line) by the
/// `--events` stream: `{"event": "case_finished", "at_ms": 812, ...}`.
#[derive(Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event<'a> {
    RunStarted {
        specgate: &'a str,
        targets: &'a [TargetInfo],
        /// Cases the filters selected.
        cases: usize,
        /// Cases in flight at most.
        jobs: usize,
    },
    CaseStarted {
        /// Position in the plan (reports keep plan order).
        index: usize,
        id: &'a str,
        target: &'a str,
    },
    Exchange {
        index: usize,
        id: &'a str,
        target: &'a str,
        exchange: &'a ExchangeRecord,
    },
    CaseFinished {
        index: usize,
        verdict: &'a Verdict,
    },
    /// Consecutive transport failures condemned a target: its remaining cases end `error`.
    TargetDown {
        target: &'a str,
        reason: &'a str,
    },
    /// A probe request to a target marked down got an answer.
    TargetUp {
        target: &'a str,
    },
    RunFinished {
        summary: &'a Summary,
        /// Why the run ended before every case finished (`interrupted`, `deadline`), if it did.
        #[serde(skip_serializing_if = "Option::is_none")]
        stopped: Option<&'a str>,
    },
}

/// A consumer of events. Reporters never do HTTP; they only see events.
pub trait Reporter: Send {
    fn on(&mut self, event: &Event<'_>, at_ms: u64);
}

/// The bus every event goes through, in the order it happened.
pub struct Events {
    reporters: Mutex<Vec<Box<dyn Reporter>>>,
    started: Instant,
}

impl Events {
    pub fn new(reporters: Vec<Box<dyn Reporter>>) -> Events {
        Events { reporters: Mutex::new(reporters), started: Instant::now() }
    }

    /// A bus nobody listens to (tests, `list`).
    pub fn silent() -> Events {
        Events::new(Vec::new())
    }

    pub fn emit(&self, event: Event<'_>) {
        let at_ms = self.started.elapsed().as_millis() as u64;
        // A reporter that panicked poisoned the lock; the others still get the events.
        let mut reporters = self.reporters.lock().unwrap_or_else(|p| p.into_inner());
        for r in reporters.iter_mut() {
            r.on(&event, at_ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    struct Tape(Arc<Mutex<Vec<String>>>);
    impl Reporter for Tape {
        fn on(&mut self, event: &Event<'_>, _at_ms: u64) {
            self.0.lock().unwrap().push(serde_json::to_value(event).unwrap()["event"].as_str().unwrap().to_string());
        }
    }

    #[test]
    fn every_reporter_sees_every_event_in_order() {
        let (a, b) = (Arc::new(Mutex::new(vec![])), Arc::new(Mutex::new(vec![])));
        let events = Events::new(vec![Box::new(Tape(a.clone())), Box::new(Tape(b.clone()))]);
        events.emit(Event::CaseStarted { index: 0, id: "s::c", target: "t" });
        events.emit(Event::TargetDown { target: "t", reason: "refused" });
        events.emit(Event::RunFinished { summary: &Summary::default(), stopped: Some("deadline") });
        let want = vec!["case_started", "target_down", "run_finished"];
        assert_eq!(*a.lock().unwrap(), want);
        assert_eq!(*b.lock().unwrap(), want);
    }
}
