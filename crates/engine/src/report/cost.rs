//! The cost line on stderr: what the run spent, requests in total (sent, and answered from
//! another case's request), its wall time against its critical path, and the costliest cases
//! (every case's count is in the reports); then a line per listing that changed during the run.

use std::cmp::Reverse;

use crate::events::{Event, Subscriber, Traffic};

/// Costliest cases named in the line.
const TOP: usize = 5;

#[derive(Default)]
pub(crate) struct Cost {
    /// (plan index, case id, requests) of each finished case.
    cases: Vec<(usize, String, usize)>,
}

/// What the run sent and shared, and its wall time against its critical path.
fn traffic_part(t: &Traffic) -> String {
    let path = &t.critical_path;
    format!(
        " ({} sent, {} shared); {:.1} s wall, critical path {} requests ({:.1} s, {})",
        t.sent,
        t.shared,
        t.wall_ms as f64 / 1000.0,
        path.requests,
        path.ms as f64 / 1000.0,
        if path.case.is_empty() { "no case" } else { path.case.as_str() }
    )
}

/// The lines naming the listings that read otherwise at the end of the run.
fn changed_lines(t: &Traffic) -> Vec<String> {
    t.changed
        .iter()
        .map(|c| {
            format!(
                "the catalogue of {} on `{}` changed during the run ({} reads otherwise now); verdicts resting on answers shared before may be affected: {}",
                c.spec,
                c.target,
                c.url,
                c.cases.join(", ")
            )
        })
        .collect()
}

impl Cost {
    fn line(&mut self, traffic: Option<&Traffic>) -> String {
        let total: usize = self.cases.iter().map(|(_, _, n)| n).sum();
        let spent = match traffic {
            Some(t) => format!("{total} requests{}", traffic_part(t)),
            None => format!("{total} requests"),
        };
        // Ties in plan order, as the reports list cases.
        self.cases.sort_by_key(|(index, _, n)| (Reverse(*n), *index));
        let shown: Vec<String> = self.cases.iter().take(TOP).filter(|(_, _, n)| *n > 1).map(|(_, id, n)| format!("{id} ({n})")).collect();
        if shown.is_empty() {
            spent
        } else {
            format!("{spent}; most per case: {}", shown.join(", "))
        }
    }
}

impl Subscriber for Cost {
    fn on(&mut self, event: &Event<'_>, _at_ms: u64) {
        match event {
            Event::CaseFinished { index, verdict } => self.cases.push((*index, verdict.id.clone(), verdict.requests)),
            Event::RunFinished { traffic, .. } => {
                eprintln!("specgate: {}", self.line(*traffic));
                for line in traffic.map(changed_lines).unwrap_or_default() {
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

    #[test]
    fn the_costliest_cases_in_plan_order_among_equals() {
        let mut cost = Cost { cases: vec![(2, "c".into(), 7), (0, "a".into(), 7), (1, "b".into(), 1), (3, "d".into(), 9)] };
        assert_eq!(cost.line(None), "24 requests; most per case: d (9), a (7), c (7)");
        assert_eq!(Cost { cases: vec![(0, "a".into(), 1)] }.line(None), "1 requests");
    }

    #[test]
    fn the_line_says_what_was_sent_and_shared_and_the_critical_path() {
        let path = crate::events::CriticalPath { requests: 12, ms: 1250, case: "s.yaml::walk".into() };
        let t = Traffic { sent: 20, shared: 4, wall_ms: 2500, critical_path: path, ..Traffic::default() };
        let mut cost = Cost { cases: vec![(0, "a".into(), 24)] };
        assert_eq!(
            cost.line(Some(&t)),
            "24 requests (20 sent, 4 shared); 2.5 s wall, critical path 12 requests (1.2 s, s.yaml::walk); most per case: a (24)"
        );
        let changed =
            crate::events::Changed { target: "t".into(), spec: "s.yaml".into(), url: "http://h/l".into(), cases: vec!["s.yaml::a".into()] };
        let t = Traffic { changed: vec![changed], ..t };
        assert_eq!(
            changed_lines(&t),
            ["the catalogue of s.yaml on `t` changed during the run (http://h/l reads otherwise now); verdicts resting on answers shared before may be affected: s.yaml::a"]
        );
    }
}
