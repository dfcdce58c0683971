//! Plain-text rendering of verdicts, shared by the terminal and the Markdown report.

use std::fmt::Write;

use crate::verdict::{Outcome, Verdict};

/// The gist of a verdict on one line.
pub fn first_line(v: &Verdict) -> String {
    match (&v.reason, v.findings.first()) {
        (Some(r), _) => r.clone(),
        (None, Some(f)) => finding_line(f),
        (None, None) => v.outcome.as_str().to_string(),
    }
}

pub fn finding_line(f: &crate::verdict::Finding) -> String {
    let at = if f.pointer.is_empty() { String::new() } else { format!(" at {}", f.pointer) };
    format!("[{}]{} {}", f.check, at, f.message)
}

/// A verdict as a person reads it: what broke, where the rule is, and the requests that prove it.
pub fn verdict_text(v: &Verdict) -> String {
    let mut s = String::new();
    let label = match v.outcome {
        Outcome::Fail => format!("FAIL ({})", v.level.as_str()),
        Outcome::Error => "ERROR (could not check)".to_string(),
        Outcome::Skip => "SKIP".to_string(),
        Outcome::Pass => "PASS".to_string(),
    };
    let _ = writeln!(s, "{label}: {}", v.id);
    let _ = writeln!(s, "  spec: {}   doc: {}", v.location, v.doc);
    if let Some(r) = &v.reason {
        let _ = writeln!(s, "  reason: {r}");
    }
    for f in &v.findings {
        let _ = writeln!(s, "  - {}", finding_line(f));
        let _ = writeln!(s, "      expected: {}", f.expected);
        let _ = writeln!(s, "      actual:   {}", f.actual);
        if let Some(ex) = f.exchange.and_then(|i| v.exchanges.get(i)) {
            let _ = writeln!(
                s,
                "      request:  {} {} -> {}",
                ex.method,
                ex.url,
                ex.status.map(|c| c.to_string()).unwrap_or_else(|| "no response".into())
            );
        }
    }
    // Requests that prove nothing in particular: the last few, unless the reason already names them.
    if v.findings.iter().all(|f| f.exchange.is_none()) {
        for ex in v.exchanges.iter().rev().take(3).rev().filter(|ex| !v.reason.as_deref().unwrap_or("").contains(&ex.url)) {
            let _ = writeln!(
                s,
                "  request: {} {} -> {}",
                ex.method,
                ex.url,
                ex.status.map(|c| c.to_string()).unwrap_or_else(|| ex.error.clone().unwrap_or_default())
            );
        }
    }
    let _ = writeln!(s, "  requests spent: {}", v.requests);
    s
}

/// What the run spent: requests in total and the costliest cases (every case's count is in
/// the reports).
pub fn cost(verdicts: &[Verdict], top: usize) -> String {
    let total: usize = verdicts.iter().map(|v| v.requests).sum();
    let mut by_cost: Vec<&Verdict> = verdicts.iter().collect();
    by_cost.sort_by_key(|v| std::cmp::Reverse(v.requests));
    let shown: Vec<String> = by_cost.iter().take(top).filter(|v| v.requests > 1).map(|v| format!("{} ({})", v.id, v.requests)).collect();
    if shown.is_empty() {
        format!("{total} requests")
    } else {
        format!("{total} requests; most per case: {}", shown.join(", "))
    }
}
