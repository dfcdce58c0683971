//! `summary.md`: one screen for a CI job page (`cat reports/summary.md >> $GITHUB_STEP_SUMMARY`):
//! the counts, a line per target, and the top findings.

use std::fmt::Write;

use super::markdown::{counts_table, targets_table};
use super::Report;
use crate::render::finding_line;
use crate::verdict::{Class, Verdict};

/// Findings listed; the rest are counted.
const TOP: usize = 10;

fn one_line(s: &str, max: usize) -> String {
    let s = s.lines().next().unwrap_or("").replace('|', "\\|");
    if s.chars().count() > max {
        format!("{}…", s.chars().take(max).collect::<String>())
    } else {
        s
    }
}

pub(crate) fn render(r: &Report<'_>) -> String {
    let mut s = String::new();
    let verdict = if r.summary.failed > 0 {
        "❌ the contract is broken"
    } else if r.summary.errored > 0 {
        "💥 some cases could not be checked"
    } else {
        "✅ the gate passes"
    };
    let _ = writeln!(s, "### specgate: {verdict}\n\n{}", counts_table(&r.summary));
    if r.info.targets.len() > 1 {
        let _ = writeln!(s, "{}", targets_table(r));
    }
    if let Some(c) = &r.changes {
        let _ = writeln!(
            s,
            "Since {}: {} newly failing, {} fixed, {} still failing, {} new, {} removed.\n",
            r.since,
            c.regressed.len(),
            c.fixed.len(),
            c.still_failing.len(),
            c.new.len(),
            c.removed.len()
        );
    }
    let mut problems: Vec<&Verdict> = r.verdicts.iter().filter(|v| matches!(v.class(), Class::Fail | Class::Error | Class::Warn)).collect();
    problems.sort_by_key(|v| v.class());
    if problems.is_empty() {
        return s;
    }
    let _ = writeln!(s, "| | case | finding | spec |\n|---|---|---|---|");
    for v in problems.iter().take(TOP) {
        let what = match v.findings.first() {
            Some(f) => finding_line(f) + &if v.findings.len() > 1 { format!(" (+{} more)", v.findings.len() - 1) } else { String::new() },
            None => v.reason.clone().unwrap_or_default(),
        };
        let _ = writeln!(s, "| {} | `{}` | {} | `{}` |", v.class().mark(), v.id, one_line(&what, 160), v.location);
    }
    if problems.len() > TOP {
        let _ = writeln!(s, "\n… and {} more in report.md.", problems.len() - TOP);
    }
    s
}
