//! The cost line on stderr: what the run spent, requests in total and the costliest cases
//! (every case's count is in the reports).

use std::cmp::Reverse;

use crate::events::{Event, Subscriber};

/// Costliest cases named in the line.
const TOP: usize = 5;

#[derive(Default)]
pub(crate) struct Cost {
    /// (plan index, case id, requests) of each finished case.
    cases: Vec<(usize, String, usize)>,
}

impl Cost {
    fn line(&mut self) -> String {
        let total: usize = self.cases.iter().map(|(_, _, n)| n).sum();
        // Ties in plan order, as the reports list cases.
        self.cases.sort_by_key(|(index, _, n)| (Reverse(*n), *index));
        let shown: Vec<String> = self.cases.iter().take(TOP).filter(|(_, _, n)| *n > 1).map(|(_, id, n)| format!("{id} ({n})")).collect();
        if shown.is_empty() {
            format!("{total} requests")
        } else {
            format!("{total} requests; most per case: {}", shown.join(", "))
        }
    }
}

impl Subscriber for Cost {
    fn on(&mut self, event: &Event<'_>, _at_ms: u64) {
        match event {
            Event::CaseFinished { index, verdict } => self.cases.push((*index, verdict.id.clone(), verdict.requests)),
            Event::RunFinished { .. } => eprintln!("specgate: {}", self.line()),
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
        assert_eq!(cost.line(), "24 requests; most per case: d (9), a (7), c (7)");
        assert_eq!(Cost { cases: vec![(0, "a".into(), 1)] }.line(), "1 requests");
    }
}
