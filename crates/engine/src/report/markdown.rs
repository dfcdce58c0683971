//! `report.md`: the report as Markdown: the verdict, the root causes (one entry per defect,
//! however many cases see it), errors, changes, the matrix, then each case, one entry per
//! broken rule.

use std::fmt::Write;

use super::{matrix, Report};
use crate::render::{count, place, request_line, short, spread, SHOWN_VALUE};
use crate::verdict::{Class, Summary, Verdict};

/// Requests listed per case; every one is in `results.json`.
const SHOWN_REQUESTS: usize = 3;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Inline code that survives backticks inside.
fn code(s: &str) -> String {
    if s.contains('`') {
        format!("`` {} ``", s.replace('\n', " "))
    } else {
        format!("`{}`", s.replace('\n', " "))
    }
}

pub(crate) fn outcome_mark(v: &Verdict) -> &'static str {
    v.class().mark()
}

/// The counts as a one-row table.
pub(crate) fn counts_table(sum: &Summary) -> String {
    let heads: String = sum.columns().iter().map(|(c, _)| format!(" {} |", c.counted())).collect();
    let rule: String = sum.columns().iter().map(|_| "---|").collect();
    let counts: String = sum.columns().iter().map(|(_, n)| format!(" {n} |")).collect();
    format!("|{heads}\n|{rule}\n|{counts}\n")
}

/// Per target: its specs and counts (only with several targets).
pub(crate) fn targets_table(r: &Report<'_>) -> String {
    let mut s = String::new();
    let heads: String = Class::COLUMNS.iter().map(|c| format!(" {} |", c.counted())).collect();
    let rule: String = Class::COLUMNS.iter().map(|_| "---|").collect();
    let _ = writeln!(s, "| target | specs |{heads}\n|---|---|{rule}");
    for (name, specs, c) in super::per_target(r.verdicts, &r.info.targets) {
        let specs: Vec<String> = specs.iter().map(|s| format!("`{s}`")).collect();
        let counts: String = c.columns().iter().map(|(_, n)| format!(" {n} |")).collect();
        let _ = writeln!(s, "| `{}` | {} |{counts}", cell(&name), specs.join(", "));
    }
    s
}

/// The changes against an earlier run, as a Markdown list (shared with `specgate diff`).
pub(crate) fn changes(c: &super::changes::Changes) -> String {
    changes_as(c, Listing::Folded)
}

/// How a long list of changes of one kind is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listing {
    /// One line, with a few of its cases.
    Folded,
    /// As `Folded`, but every newly failing case is named, one per line: what a reader of
    /// `specgate diff` acts on.
    EveryNewlyFailing,
}

/// The changes as a Markdown list, long lists shown as `listing` says.
pub(crate) fn changes_as(c: &super::changes::Changes, listing: Listing) -> String {
    let mut s = String::new();
    if c.is_empty() && c.still_failing.is_empty() {
        let _ = writeln!(s, "No case changed.");
        return s;
    }
    // Long lists of the same change are one line each, with a few of their cases; results.json
    // (`changes`) and the HTML report list them all.
    const SHOWN: usize = 3;
    let some = |ids: &mut dyn Iterator<Item = &String>| ids.take(SHOWN).map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ");
    let every_newly_failing = listing == Listing::EveryNewlyFailing;
    for (title, list, every) in
        [("Newly failing", &c.regressed, every_newly_failing), ("Fixed", &c.fixed, false), ("Changed", &c.changed, false)]
    {
        for g in super::changes::groups(list) {
            if g.changes.len() <= super::changes::FOLD {
                for ch in &g.changes {
                    let _ = writeln!(s, "- **{title}** {ch}");
                }
                continue;
            }
            let before = g.before_label();
            let on = if g.target.is_empty() { String::new() } else { format!(" on `{}`", g.target) };
            if every {
                let _ = writeln!(s, "- **{title}** {} cases{on}: {before} → {}:", g.changes.len(), g.after);
                for ch in &g.changes {
                    let _ = writeln!(s, "  - `{}`", ch.id);
                }
                continue;
            }
            let eg = some(&mut g.changes.iter().map(|ch| &ch.id));
            let _ = writeln!(s, "- **{title}** {} cases{on}: {before} → {}, e.g. {eg}", g.changes.len(), g.after);
        }
    }
    let findings_folded = c.findings.len() > super::changes::FOLD;
    for f in c.findings.iter().take(if findings_folded { SHOWN } else { c.findings.len() }) {
        let _ = writeln!(s, "- **Findings changed** `{}` ({}):", f.id, f.class);
        for r in &f.added {
            let _ = writeln!(s, "  - now: {}", code(r));
        }
        for r in &f.gone {
            let _ = writeln!(s, "  - before: {}", code(r));
        }
    }
    if findings_folded {
        let _ = writeln!(s, "- **Findings changed** in {} more cases (every one in results.json, `changes`)", c.findings.len() - SHOWN);
    }
    let new_ok: Vec<&String> = c.new.iter().filter(|id| !c.regressed.iter().any(|ch| ch.id == **id)).collect();
    for (title, list) in [("New case", new_ok), ("Removed case", c.removed.iter().collect::<Vec<_>>())] {
        if list.len() > super::changes::FOLD {
            let _ = writeln!(s, "- {title}s: {}, e.g. {}", list.len(), some(&mut list.iter().copied()));
            continue;
        }
        for id in list {
            let _ = writeln!(s, "- {title} `{id}`");
        }
    }
    if !c.still_failing.is_empty() {
        let ids: Vec<String> = c.still_failing.iter().map(|ch| format!("`{}`", ch.id)).collect();
        let _ = writeln!(s, "- Still failing ({}): {}", ids.len(), ids.join(", "));
    }
    s
}

/// In the order a reader acts on them: the verdict and counts, the root causes (`must`, then
/// `should`), the cases that could not be checked, the changes, the matrix, then each case.
pub(crate) fn render(r: &Report<'_>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# specgate report\n");
    let _ = writeln!(s, "**{}**\n", super::verdict_line(&r.summary, &r.roots));
    let _ = writeln!(s, "{}", counts_table(&r.summary));
    let _ = writeln!(s, "Targets:");
    for t in &r.info.targets {
        let _ = writeln!(s, "- `{}`: {}", t.name, t.url);
    }
    let _ = writeln!(
        s,
        "\nSampling seed `{}` (replay with `--seed {}`), request budget {} per case, specgate {}.\n",
        r.info.seed, r.info.seed, r.info.budget, r.info.specgate
    );
    for w in &r.info.warnings {
        let _ = writeln!(s, "> **Warning:** {w}\n");
    }
    if r.info.targets.len() > 1 {
        let _ = writeln!(s, "## Targets\n\n{}", targets_table(r));
    }

    roots(&mut s, r);
    section(&mut s, r, Class::Error);

    if let Some(c) = &r.changes {
        let _ = writeln!(s, "## Changes since {}\n\n{}", r.since, changes(c));
    }

    let rows = matrix(r.verdicts, &r.info.targets);
    if !rows.is_empty() {
        let _ = writeln!(s, "## Compatibility matrix\n");
        let shown: Vec<_> = rows.iter().filter(|(_, cells)| super::notable(cells)).collect();
        let agreed = rows.len() - shown.len();
        if shown.is_empty() {
            let _ = writeln!(s, "The targets agree on each of the {} cases they share, and none fails.\n", rows.len());
        } else {
            let _ = write!(s, "| case | level |");
            for t in &r.info.targets {
                let _ = write!(s, " {} |", cell(&t.name));
            }
            let _ = write!(s, "\n|---|---|");
            for _ in &r.info.targets {
                s.push_str("---|");
            }
            s.push('\n');
            for (key, cells) in shown {
                let level = cells.iter().flatten().next().map(|v| v.level.as_str()).unwrap_or("");
                let _ = write!(s, "| `{}` | {level} |", cell(key));
                for c in cells {
                    let _ = write!(s, " {} |", c.map(outcome_mark).unwrap_or("—"));
                }
                s.push('\n');
            }
            s.push('\n');
            if agreed > 0 {
                let _ = writeln!(s, "{agreed} more cases end alike on every target, none failing (every row is in report.html).\n");
            }
        }
    }

    s.push_str(&super::identities::markdown(r.verdicts, &r.info.targets));
    latency(&mut s, r);

    for class in [Class::Fail, Class::Warn, Class::Waived] {
        section(&mut s, r, class);
    }

    let skipped: Vec<&Verdict> = r.verdicts.iter().filter(|v| v.class() == Class::Skip).collect();
    if !skipped.is_empty() {
        let _ = writeln!(s, "## Skipped\n\n| case | target | reason |\n|---|---|---|");
        for v in skipped {
            let _ = writeln!(
                s,
                "| `{}` | {} | {} |",
                cell(&format!("{}::{}", v.spec, v.case)),
                cell(&v.target),
                cell(v.reason.as_deref().unwrap_or(""))
            );
        }
        s.push('\n');
    }

    passed(&mut s, r);
    s
}

/// The cases of one class, each in detail, under the class's title.
fn section(s: &mut String, r: &Report<'_>, class: Class) {
    let picked: Vec<&Verdict> = r.verdicts.iter().filter(|v| v.class() == class).collect();
    if picked.is_empty() {
        return;
    }
    let _ = writeln!(s, "## {}\n", class.title());
    for v in picked {
        detail(s, v, r.reproduce(v).as_deref());
    }
}

/// Answer times per target and endpoint (the histograms are in report.html).
fn latency(s: &mut String, r: &Report<'_>) {
    let rows = super::latency::per_endpoint(r.verdicts);
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(s, "## Latency\n\n| target | endpoint | requests | unanswered | retries | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |\n|---|---|---|---|---|---|---|---|---|");
    for e in rows {
        let _ = writeln!(
            s,
            "| `{}` | `{}` | {} | {} | {} | {} | {} | {} | {} |",
            cell(&e.target),
            cell(&e.endpoint),
            e.requests,
            e.unanswered,
            e.retries,
            e.p50,
            e.p95,
            e.p99,
            e.max
        );
    }
    s.push('\n');
}

/// The defects, one entry each with the cases that see it folded under it.
fn roots(s: &mut String, r: &Report<'_>) {
    if r.roots.is_empty() {
        return;
    }
    let _ = writeln!(s, "## Root causes\n");
    for root in &r.roots {
        let mark = if root.class == Class::Fail { Class::Fail.mark() } else { Class::Warn.mark() };
        let mark = mark.split(' ').next().unwrap_or("");
        let _ = writeln!(s, "### {mark} {}: {} — {}\n", root.level(), root.headline, root.extent());
        let at = if root.pointer.is_empty() { String::new() } else { format!(" at {}", code(&root.pointer)) };
        let on = root.endpoint.as_deref().map(|e| format!(" on {}", code(e))).unwrap_or_default();
        let _ = writeln!(s, "- on `{}`{on}: **[{}]**{at}", root.targets.join("`, `"), root.check);
        let _ = writeln!(s, "- expected {}", code(&short(&root.expected, SHOWN_VALUE)));
        let _ = writeln!(s, "- spec of its first case: `{}`", root.location);
        let _ = writeln!(s, "\n<details><summary>{} case(s)</summary>\n", root.cases.len());
        for case in &root.cases {
            let _ = writeln!(s, "- `{}` @ {}", case.id, case.target);
        }
        let _ = writeln!(s, "\n</details>\n");
    }
}

/// Passed cases counted by spec and target; they are listed one by one in `report.html` and
/// `results.json` (listing them here would double the size of a report that should be read).
fn passed(s: &mut String, r: &Report<'_>) {
    let mut groups: Vec<(String, usize)> = Vec::new();
    let mut group_of: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for v in r.verdicts.iter().filter(|v| v.class() == Class::Pass) {
        let key = format!("`{}` @ {}", v.spec, v.target);
        match group_of.get(&key) {
            Some(&g) => groups[g].1 += 1,
            None => {
                group_of.insert(key.clone(), groups.len());
                groups.push((key, 1));
            }
        }
    }
    if groups.is_empty() {
        return;
    }
    let _ = writeln!(s, "## Passed\n");
    for (key, n) in groups {
        let _ = writeln!(s, "- {key}: {n} case(s)");
    }
    let _ = writeln!(s, "\nEvery case, with its requests, is in report.html and results.json.");
}

fn detail(s: &mut String, v: &Verdict, reproduce: Option<&str>) {
    let _ = writeln!(s, "### {} `{}::{}` @ {}\n", v.class().mark(), v.spec, v.case, v.target);
    let _ = writeln!(s, "- spec: `{}` — doc: {}", v.location, v.doc);
    if let Some(w) = &v.why {
        let _ = writeln!(s, "- why: {}", w.trim());
    }
    if let Some(r) = &v.reason {
        let _ = writeln!(s, "- reason: {r}");
    }
    if let Some(w) = &v.waived {
        let _ = writeln!(s, "- waived: {w}");
    }
    if let Some(seed) = v.seed {
        let _ = writeln!(s, "- sampling seed: {seed}");
    }
    if !v.findings.is_empty() {
        s.push('\n');
    }
    for f in &v.findings {
        let at = place(f);
        let at = if at.is_empty() { String::new() } else { format!(" {}", code(&at)) };
        let n = if f.instances.is_empty() { String::new() } else { format!(" — **{}**", count(f)) };
        let _ = writeln!(s, "- **[{}]**{at}{n}: {}", f.check, f.message.trim().replace('\n', "\n  "));
        if let Some(side_by_side) = &f.side_by_side {
            let (head, rows, more) = super::side_by_side::table(side_by_side);
            let line = |cells: &[String]| format!("  | {} |", cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | "));
            let _ = writeln!(s, "\n{}\n  |{}", line(&head), "---|".repeat(head.len()));
            for r in &rows {
                let _ = writeln!(s, "{}", line(r));
            }
            if let Some(m) = more {
                let _ = writeln!(s, "\n  {m}");
            }
            s.push('\n');
            continue;
        }
        let _ = writeln!(s, "  - expected {}, actual {}", code(&short(&f.expected, SHOWN_VALUE)), code(&short(&f.actual, SHOWN_VALUE)));
        if let Some(sp) = spread(f, v) {
            let _ = writeln!(s, "  - where: {sp}");
        }
        if let Some(ex) = f.exchange.and_then(|i| v.exchanges.get(i)) {
            let _ = writeln!(s, "  - request: {}", code(&request_line(ex)));
        }
    }
    if let Some(cmd) = reproduce {
        let _ = writeln!(s, "\nReproduce:\n\n```sh\n{cmd}\n```");
    }
    if !v.exchanges.is_empty() {
        let _ = writeln!(s, "\n<details><summary>{} request(s)</summary>\n", v.exchanges.len());
        for e in v.exchanges.iter().take(SHOWN_REQUESTS) {
            let _ = writeln!(s, "- {} ({} ms)", code(&request_line(e)), e.elapsed_ms);
        }
        if v.exchanges.len() > SHOWN_REQUESTS {
            let _ = writeln!(s, "- … and {} more (every request is in results.json)", v.exchanges.len() - SHOWN_REQUESTS);
        }
        let _ = writeln!(s, "\n</details>");
    }
    s.push('\n');
}
