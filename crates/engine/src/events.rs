//! The run's event stream, the one way results leave the runner: run started, case started,
//! each exchange, case finished with its verdict, target down or up again, run finished. The
//! runner only emits; every output (the terminal's progress note, the report files, the live
//! stream, annotations, notices, the exit code) is a [`Subscriber`]. A run cut short by a signal
//! or a deadline still ends with `RunFinished`, so the reports are always written.

use std::sync::Mutex;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::verdict::{ExchangeRecord, Summary, Verdict};

/// A target as the reports and events name it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetInfo {
    pub name: String,
    pub url: String,
}

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
    /// libtest's line for the case is written and waits for its verdict (terminal only: not
    /// part of the `--events` stream).
    Awaited {
        index: usize,
    },
    /// The verdict arrived; libtest writes the outcome next (terminal only).
    AwaitOver {
        index: usize,
    },
    RunFinished {
        summary: &'a Summary,
        /// Why the run ended before every case finished (`interrupted`, `deadline`,
        /// `max_fail`), if it did.
        #[serde(skip_serializing_if = "Option::is_none")]
        stopped: Option<Stopped<'a>>,
        /// What the run sent and shared, and its critical path (recorded in results.json).
        #[serde(skip)]
        traffic: Option<&'a Traffic>,
    },
}

/// What a run cost in requests and time: requests sent and answers shared, the wall time, the
/// longest chain of requests that waited on each other, and the listings that read otherwise
/// at the end of the run than when their answers were shared.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Traffic {
    /// Requests sent to the targets.
    pub sent: usize,
    /// Requests answered from another case's request to the same target.
    pub shared: usize,
    /// From the first case started to the last one finished.
    pub wall_ms: u64,
    /// The longest chain of dependent requests: the wall time a run cannot go below at any
    /// concurrency, whatever the pace.
    pub critical_path: CriticalPath,
    /// 429 answers the targets gave (each slowed its target's pace).
    #[serde(default)]
    pub throttled: usize,
    /// Listings whose pages read otherwise at the end of the run than the answers shared
    /// during it: the catalogue changed, and the verdicts named may rest on either state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<Changed>,
}

/// The longest chain of requests of one case.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CriticalPath {
    pub requests: usize,
    /// The time its requests took, one after another.
    pub ms: u64,
    /// The case that waited on it.
    pub case: String,
}

/// A listing that read otherwise at the end of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Changed {
    pub target: String,
    pub spec: String,
    /// The first page that read otherwise.
    pub url: String,
    /// The cases of the spec given answers shared before the change was seen.
    pub cases: Vec<String>,
}

/// Why a run ended before every case finished.
#[derive(Debug, Clone, Copy)]
pub struct Stopped<'a> {
    /// `interrupted`, `deadline` or `max_fail`: the word in results.json and the stream.
    pub kind: &'a str,
    /// The sentence for people ("deadline of 2s reached").
    pub why: &'a str,
    /// Cut short against the plan (a signal, the deadline), not stopped as asked once enough
    /// had failed (`--max-fail`): unfinished cases are `error` and the exit code says so.
    pub cut_short: bool,
}

/// In the stream, the kind alone, as results.json records it.
impl Serialize for Stopped<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.kind)
    }
}

impl Event<'_> {
    /// Whether the event belongs to the `--events` stream: the moments of libtest's own
    /// lines do not.
    pub(crate) fn is_streamed(&self) -> bool {
        !matches!(self, Event::Awaited { .. } | Event::AwaitOver { .. })
    }
}

/// An output of the run. Subscribers never do HTTP; they only see events.
pub trait Subscriber: Send {
    fn on(&mut self, event: &Event<'_>, at_ms: u64);

    /// Once the run has finished: the exit code, given the one the subscribers before this
    /// one settled on. Most outputs leave it as it is; the tally of verdicts sets it, a
    /// baseline narrows it to regressions, and an output that could not be written raises it.
    fn exit_code(&self, so_far: u8) -> u8 {
        so_far
    }
}

/// The bus every event goes through, in the order it happened, to every subscriber in the
/// order they were registered.
pub struct Events {
    subscribers: Mutex<Vec<Box<dyn Subscriber>>>,
    started: Instant,
}

impl Events {
    pub fn new(subscribers: Vec<Box<dyn Subscriber>>) -> Events {
        Events { subscribers: Mutex::new(subscribers), started: Instant::now() }
    }

    pub(crate) fn emit(&self, event: Event<'_>) {
        let at_ms = self.started.elapsed().as_millis() as u64;
        // A subscriber that panicked poisoned the lock; the others still get the events.
        let mut subscribers = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        for s in subscribers.iter_mut() {
            s.on(&event, at_ms);
        }
    }

    /// The run's exit code, once `RunFinished` has been emitted: each subscriber in turn
    /// has its say (see [`Subscriber::exit_code`]).
    pub fn exit_code(&self) -> u8 {
        let subscribers = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        subscribers.iter().fold(crate::exit::PASSED, |code, s| s.exit_code(code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    struct Tape(Arc<Mutex<Vec<String>>>);
    impl Subscriber for Tape {
        fn on(&mut self, event: &Event<'_>, _at_ms: u64) {
            self.0.lock().unwrap().push(serde_json::to_value(event).unwrap()["event"].as_str().unwrap().to_string());
        }
    }

    #[test]
    fn every_subscriber_sees_every_event_in_order() {
        let (a, b) = (Arc::new(Mutex::new(vec![])), Arc::new(Mutex::new(vec![])));
        let events = Events::new(vec![Box::new(Tape(a.clone())), Box::new(Tape(b.clone()))]);
        events.emit(Event::CaseStarted { index: 0, id: "s::c", target: "t" });
        events.emit(Event::TargetDown { target: "t", reason: "refused" });
        let stopped = Stopped { kind: "deadline", why: "deadline of 1s reached", cut_short: true };
        events.emit(Event::RunFinished { summary: &Summary::default(), stopped: Some(stopped), traffic: None });
        let want = vec!["case_started", "target_down", "run_finished"];
        assert_eq!(*a.lock().unwrap(), want);
        assert_eq!(*b.lock().unwrap(), want);
    }
}
