//! `summary.md`: one screen for a CI job page (`cat reports/summary.md >> $GITHUB_STEP_SUMMARY`):
//! the counts, a line per target, and a row per root cause (one defect, however many cases
//! see it) and per cause of the errors.

use std::fmt::Write;

use super::markdown::{counts_table, targets_table};
use super::Report;
use crate::render::root_reason;
use crate::verdict::{Class, Verdict};

/// Rows listed; the rest are counted.
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
    let verdict = super::verdict_line(&r.summary, &r.roots);
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
    // One row per defect, however many cases see it; then the errors, one row per cause.
    let mut rows: Vec<String> = r
        .roots
        .iter()
        .map(|root| {
            let mark = if root.class == Class::Fail { Class::Fail.mark() } else { Class::Warn.mark() };
            let on = root.endpoint.as_deref().map(|e| format!(" (`{e}`)")).unwrap_or_default();
            format!(
                "| {mark} | `{}`{on} | {}: {} | `{}` |",
                root.targets.join("`, `"),
                one_line(&root.headline, 160),
                root.extent(),
                root.location
            )
        })
        .collect();
    let mut errors: Vec<(String, Vec<&Verdict>)> = Vec::new();
    for v in r.verdicts.iter().filter(|v| v.class() == Class::Error) {
        let reason = root_reason(v).unwrap_or_default();
        match errors.iter_mut().find(|(r, cases)| *r == reason && cases[0].target == v.target) {
            Some((_, cases)) => cases.push(v),
            None => errors.push((reason, vec![v])),
        }
    }
    for (reason, cases) in &errors {
        let seen = if cases.len() == 1 { format!("`{}`", cases[0].id) } else { format!("{} cases", cases.len()) };
        rows.push(format!(
            "| {} | `{}` | {}: {seen} | `{}` |",
            Class::Error.mark(),
            cases[0].target,
            one_line(reason, 160),
            cases[0].location
        ));
    }
    if rows.is_empty() {
        return s;
    }
    let _ = writeln!(s, "| | target | root cause | spec |\n|---|---|---|---|");
    for row in rows.iter().take(TOP) {
        let _ = writeln!(s, "{row}");
    }
    if rows.len() > TOP {
        let _ = writeln!(s, "\n… and {} more in report.md.", rows.len() - TOP);
    }
    s
}
