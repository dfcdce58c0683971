//! The stale-waiver warning: a waiver for a target of this run (or for any target) that
//! explained no failure is probably out of date. Waivers are applied once, by the runner; this
//! output only watches which of them were used.

use std::collections::BTreeSet;

use crate::events::{Event, Subscriber};
use crate::waiver::Waiver;

pub(crate) struct StaleWaivers {
    waivers: Vec<Waiver>,
    /// Indexes of the waivers that explained a failure.
    used: BTreeSet<usize>,
    targets: BTreeSet<String>,
}

impl StaleWaivers {
    pub(crate) fn new(waivers: Vec<Waiver>) -> StaleWaivers {
        StaleWaivers { waivers, used: BTreeSet::new(), targets: BTreeSet::new() }
    }

    fn stale(&self) -> impl Iterator<Item = &Waiver> {
        self.waivers
            .iter()
            .enumerate()
            .filter(|(i, w)| !self.used.contains(i) && w.target.as_ref().is_none_or(|t| self.targets.contains(t)))
            .map(|(_, w)| w)
    }
}

impl Subscriber for StaleWaivers {
    fn on(&mut self, event: &Event<'_>, _at_ms: u64) {
        match event {
            Event::CaseFinished { verdict, .. } => {
                self.targets.insert(verdict.target.clone());
                if verdict.waived.is_some() {
                    self.used.extend(self.waivers.iter().enumerate().filter(|(_, w)| w.matches(verdict)).map(|(i, _)| i));
                }
            }
            Event::RunFinished { .. } => {
                for w in self.stale() {
                    eprintln!("specgate: warning: waiver for `{}` matched no failure (stale?)", w.case);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::waiver::tests::{failed, waiver};
    use crate::waiver::waive;

    fn stale(verdicts: &mut [crate::verdict::Verdict], waivers: Vec<Waiver>) -> Vec<String> {
        let mut watch = StaleWaivers::new(waivers.clone());
        for v in verdicts.iter_mut() {
            waive(v, &waivers);
            watch.on(&Event::CaseFinished { index: 0, verdict: v }, 0);
        }
        watch.stale().map(|w| w.case.clone()).collect()
    }

    #[test]
    fn a_waiver_that_explained_no_failure_of_its_targets_is_stale() {
        let mut vs = vec![failed("pagination.default-limit", "glance"), failed("filter.x.sound", "glance")];
        let waivers = vec![
            waiver("s.yaml::pagination.default-limit", None),
            waiver("s.yaml::filter.*", Some("glance")),
            waiver("s.yaml::never", None),
        ];
        assert_eq!(stale(&mut vs, waivers), ["s.yaml::never"]);
        // A waiver for a target this run did not test is not stale.
        assert!(stale(&mut [failed("x", "glance")], vec![waiver("s.yaml::y", Some("ims"))]).is_empty());
    }
}
