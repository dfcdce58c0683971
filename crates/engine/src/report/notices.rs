//! What a run says once on stderr when it ends, instead of once per case or in the middle of
//! libtest's lines: targets marked down (and up again), errors folded by their root reason
//! ("281 cases errored: target down since …"), and how libtest's counts map to specgate's.

use std::collections::HashMap;

use crate::events::{Event, Subscriber};
use crate::render::root_reason;
use crate::verdict::Summary;

#[derive(Default)]
pub(crate) struct Notices {
    /// Target state changes, in order: (at_ms, line).
    targets: Vec<(u64, String)>,
    /// Error roots in the order first seen: (root, first case, cases).
    roots: Vec<(String, String, usize)>,
    root_of: HashMap<String, usize>,
}

impl Notices {
    /// The lines to print once the run has finished.
    fn lines(&self, summary: &Summary) -> Vec<String> {
        let mut lines: Vec<String> = self.targets.iter().map(|(_, l)| l.clone()).collect();
        for (root, first, n) in self.roots.iter().filter(|(_, _, n)| *n > 1) {
            lines.push(format!("{n} cases errored: {root} (the first: {first})"));
        }
        let ignored = summary.warnings + summary.waived + summary.skipped;
        if summary.errored > 0 || ignored > 0 {
            let mut parts = Vec::new();
            if summary.errored > 0 {
                parts.push(format!(
                    "its {} failed are {} failed (must) and {} errored",
                    summary.failed + summary.errored,
                    summary.failed,
                    summary.errored
                ));
            }
            if ignored > 0 {
                let kinds = [(summary.warnings, "warnings (should)"), (summary.waived, "waived"), (summary.skipped, "skipped")];
                let kinds: Vec<String> = kinds.iter().filter(|(n, _)| *n > 0).map(|(n, k)| format!("{n} {k}")).collect();
                parts.push(format!("its {ignored} ignored are {}", kinds.join(", ")));
            }
            lines.push(format!("in libtest's counts above, {}", parts.join("; ")));
        }
        lines
    }
}

impl Subscriber for Notices {
    fn on(&mut self, event: &Event<'_>, at_ms: u64) {
        match event {
            Event::TargetDown { target, reason } => {
                self.targets.push((at_ms, format!("target `{target}` marked down after {:.1} s: {reason}", at_ms as f64 / 1000.0)))
            }
            Event::TargetUp { target } => {
                self.targets.push((at_ms, format!("target `{target}` answered again after {:.1} s", at_ms as f64 / 1000.0)))
            }
            Event::CaseFinished { verdict, .. } => {
                if let Some(root) = root_reason(verdict) {
                    match self.root_of.get(&root) {
                        Some(&i) => self.roots[i].2 += 1,
                        None => {
                            self.root_of.insert(root.clone(), self.roots.len());
                            self.roots.push((root, verdict.id.clone(), 1));
                        }
                    }
                }
            }
            Event::RunFinished { summary, .. } => {
                for line in self.lines(summary) {
                    eprintln!("specgate: {line}");
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::Level;
    use crate::verdict::{sample, Outcome, Verdict};

    fn error(id: &str, reason: &str) -> Verdict {
        Verdict { id: id.into(), reason: Some(reason.into()), ..sample(Outcome::Error, Level::Must) }
    }

    #[test]
    fn errors_of_one_root_are_one_line_and_libtests_counts_are_explained() {
        let mut n = Notices::default();
        n.on(&Event::TargetDown { target: "t", reason: "GET http://h/x: connection refused" }, 1500);
        let verdicts = [
            error("a", "GET http://h/x: connection refused"),
            error("b", "target down since T: GET http://h/x: connection refused"),
            error("c", "could not list the catalogue: target down since T: GET http://h/x: connection refused"),
            error("d", "GET http://h/y?limit=2: connection refused"),
        ];
        for v in &verdicts {
            n.on(&Event::CaseFinished { index: 0, verdict: v }, 2000);
        }
        let summary = Summary { errored: 4, warnings: 2, skipped: 1, ..Summary::default() };
        assert_eq!(
            n.lines(&summary),
            [
                "target `t` marked down after 1.5 s: GET http://h/x: connection refused",
                "2 cases errored: GET …: connection refused (the first: a)",
                "2 cases errored: target down since T: GET …: connection refused (the first: b)",
                "in libtest's counts above, its 4 failed are 0 failed (must) and 4 errored; its 3 ignored are 2 warnings (should), 1 skipped",
            ]
        );
    }

    #[test]
    fn a_clean_run_has_nothing_to_say() {
        assert!(Notices::default().lines(&Summary { passed: 3, ..Summary::default() }).is_empty());
    }
}
