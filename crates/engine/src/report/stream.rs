//! `--events FILE`: the live event stream, one JSON object per line, flushed as it happens, for
//! dashboards and other tools. The format is documented in docs/events.md.

use std::io::Write;

use serde::Serialize;

use crate::events::{Event, Subscriber};

pub(crate) struct JsonLines<W: Write + Send> {
    out: W,
    /// The first write error; later events are dropped rather than failing the run.
    failed: Option<std::io::Error>,
}

impl<W: Write + Send> JsonLines<W> {
    pub(crate) fn new(out: W) -> Self {
        JsonLines { out, failed: None }
    }
}

#[derive(Serialize)]
struct Line<'e, 'a> {
    /// Milliseconds since the run started.
    at_ms: u64,
    #[serde(flatten)]
    event: &'e Event<'a>,
}

impl<W: Write + Send> Subscriber for JsonLines<W> {
    fn on(&mut self, event: &Event<'_>, at_ms: u64) {
        if self.failed.is_some() || !event.is_streamed() {
            return;
        }
        let line = serde_json::to_string(&Line { at_ms, event }).expect("events serialize");
        if let Err(e) = writeln!(self.out, "{line}").and_then(|_| self.out.flush()) {
            eprintln!("error: the event stream stopped: {e}");
            self.failed = Some(e);
        }
    }

    /// A stream that stopped lost events: the run's record is incomplete.
    fn exit_code(&self, so_far: u8) -> u8 {
        if self.failed.is_some() {
            crate::exit::NOT_RECORDED
        } else {
            so_far
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::{Outcome, Summary};

    #[test]
    fn one_json_object_per_line_with_its_time() {
        let mut buf = Vec::new();
        {
            let mut s = JsonLines::new(&mut buf);
            s.on(&Event::CaseStarted { index: 3, id: "a.yaml::c", target: "t" }, 5);
            let v = crate::verdict::sample(Outcome::Pass, crate::spec::model::Level::Must);
            s.on(&Event::CaseFinished { index: 3, verdict: &v }, 9);
            s.on(&Event::RunFinished { summary: &Summary::default(), stopped: None, traffic: None }, 10);
        }
        let lines: Vec<serde_json::Value> = String::from_utf8(buf).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0], serde_json::json!({"at_ms": 5, "event": "case_started", "index": 3, "id": "a.yaml::c", "target": "t"}));
        assert_eq!(lines[1]["event"], "case_finished");
        assert_eq!(lines[1]["verdict"]["outcome"], "pass");
        assert_eq!(lines[2]["event"], "run_finished");
        assert!(lines[2].get("stopped").is_none());
    }
}
