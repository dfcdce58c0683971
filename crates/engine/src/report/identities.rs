//! The requests of a run of several identities, target by identity: how many each identity
//! made of each target, and how many were refused (401 or 403). A run of one unnamed identity
//! has no such table.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::events::TargetInfo;
use crate::verdict::Verdict;

/// One cell: the requests one identity made of one target.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cell {
    pub requests: usize,
    pub refused: usize,
}

/// The identities in the order they first made a request, and each target's row of cells.
pub(crate) struct Matrix {
    pub identities: Vec<String>,
    pub rows: Vec<(String, Vec<Cell>)>,
}

/// The matrix of `verdicts`; `None` when no request names an identity.
pub(crate) fn matrix(verdicts: &[Verdict], targets: &[TargetInfo]) -> Option<Matrix> {
    let mut identities: Vec<String> = Vec::new();
    let mut cells: BTreeMap<(String, String), Cell> = BTreeMap::new();
    for v in verdicts {
        for e in &v.exchanges {
            let Some(who) = &e.identity else { continue };
            if !identities.contains(who) {
                identities.push(who.clone());
            }
            let cell = cells.entry((v.target.clone(), who.clone())).or_default();
            cell.requests += 1;
            cell.refused += usize::from(matches!(e.status, Some(401 | 403)));
        }
    }
    if identities.is_empty() {
        return None;
    }
    let rows = targets
        .iter()
        .map(|t| {
            (t.name.clone(), identities.iter().map(|i| cells.get(&(t.name.clone(), i.clone())).copied().unwrap_or_default()).collect())
        })
        .collect();
    Some(Matrix { identities, rows })
}

/// The identities that made a case's requests, in the order they first did, for the `as`
/// column of a run of several identities; empty when none is named.
pub(crate) fn made_as(v: &Verdict) -> String {
    let mut who: Vec<&str> = Vec::new();
    for i in v.exchanges.iter().filter_map(|e| e.identity.as_deref()) {
        if !who.contains(&i) {
            who.push(i);
        }
    }
    who.join(", ")
}

/// The table in Markdown, under its heading.
pub(crate) fn markdown(verdicts: &[Verdict], targets: &[TargetInfo]) -> String {
    let Some(Matrix { identities, rows }) = matrix(verdicts, targets) else { return String::new() };
    let mut s = String::from("## Identities\n\nRequests made as each identity (refused: answered 401 or 403).\n\n| target |");
    for i in &identities {
        let _ = write!(s, " {i} |");
    }
    s.push_str("\n|---|");
    s.push_str(&"---|".repeat(identities.len()));
    s.push('\n');
    for (target, cells) in rows {
        let _ = write!(s, "| {target} |");
        for c in cells {
            let _ = write!(s, " {} ({} refused) |", c.requests, c.refused);
        }
        s.push('\n');
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::ExchangeRecord;

    fn exchange(who: Option<&str>, status: u16) -> ExchangeRecord {
        ExchangeRecord { status: Some(status), identity: who.map(str::to_string), ..ExchangeRecord::get("http://h/x") }
    }

    #[test]
    fn one_unnamed_identity_has_no_table_and_several_have_a_cell_per_target_and_identity() {
        let targets = [TargetInfo { name: "reference".into(), url: "http://h/".into() }];
        let mut v: Verdict = serde_json::from_value(serde_json::json!({
            "id": "s::c", "spec": "s", "case": "c", "target": "reference", "outcome": "pass", "level": "must",
            "location": "s:1", "doc": {"file": "f", "section": "x"}, "findings": [], "exchanges": [], "requests": 0, "elapsed_ms": 0
        }))
        .unwrap();
        v.exchanges = vec![exchange(None, 200)];
        assert_eq!(markdown(std::slice::from_ref(&v), &targets), "");
        v.exchanges = vec![
            exchange(Some("alice"), 200),
            exchange(Some("bob"), 200),
            exchange(Some("(no credentials)"), 401),
            exchange(Some("alice"), 200),
        ];
        assert_eq!(made_as(&v), "alice, bob, (no credentials)", "each identity once, in the order it first made a request");
        let table = markdown(&[v], &targets);
        assert!(table.contains("| target | alice | bob | (no credentials) |"), "{table}");
        assert!(table.contains("| reference | 2 (0 refused) | 1 (0 refused) | 1 (1 refused) |"), "{table}");
    }
}
