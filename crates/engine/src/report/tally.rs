//! The exit code of a run, tallied from its events: the cases selected, their verdicts, and
//! whether the run was cut short. It also says so on stderr when the run was stopped early.

use crate::events::{Event, Subscriber};
use crate::verdict::Summary;

#[derive(Default)]
pub(crate) struct Tally {
    selected: usize,
    summary: Summary,
    cut_short: bool,
}

impl Subscriber for Tally {
    fn on(&mut self, event: &Event<'_>, _at_ms: u64) {
        match event {
            Event::RunStarted { cases, .. } => self.selected = *cases,
            Event::RunFinished { summary, stopped, .. } => {
                self.summary = (*summary).clone();
                if let Some(s) = stopped {
                    self.cut_short = s.cut_short;
                    let after = if s.cut_short { "unfinished cases are `error`" } else { "cases not started are skipped" };
                    eprintln!("specgate: the run was stopped early: {}; {after}", s.why);
                }
            }
            _ => {}
        }
    }

    fn exit_code(&self, _so_far: u8) -> u8 {
        self.summary.exit_code(self.selected, self.cut_short)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Stopped;
    use crate::exit;

    fn tally(cases: usize, summary: Summary, stopped: Option<Stopped<'_>>) -> u8 {
        let mut t = Tally::default();
        t.on(&Event::RunStarted { specgate: "0", targets: &[], cases, jobs: 1 }, 0);
        t.on(&Event::RunFinished { summary: &summary, stopped, traffic: None }, 1);
        t.exit_code(exit::PASSED)
    }

    #[test]
    fn the_exit_code_follows_the_counts_and_the_stop() {
        let errored = Summary { errored: 2, ..Summary::default() };
        assert_eq!(tally(0, Summary::default(), None), exit::NOTHING_SELECTED);
        assert_eq!(tally(3, Summary { failed: 1, ..errored.clone() }, None), exit::FAILED);
        assert_eq!(tally(3, errored.clone(), None), exit::ERRORED);
        let deadline = Stopped { kind: "deadline", why: "deadline of 1s reached", cut_short: true };
        assert_eq!(tally(3, errored.clone(), Some(deadline)), exit::STOPPED);
        let max_fail = Stopped { kind: "max_fail", why: "2 case(s) failed or errored (--max-fail)", cut_short: false };
        assert_eq!(tally(3, errored, Some(max_fail)), exit::ERRORED, "a stop the user asked for is not a cut-short run");
    }
}
