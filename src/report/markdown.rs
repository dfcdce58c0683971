//! `report.md`: what a person reads first — summary, changes, matrix, then every finding.

use std::fmt::Write;

use super::{matrix, Report};
use crate::verdict::{Outcome, Summary, Verdict};

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn outcome_mark(v: &Verdict) -> &'static str {
    match v.outcome {
        Outcome::Pass => "✅ pass",
        Outcome::Fail if v.waived.is_some() => "🏳️ waived",
        Outcome::Fail if v.is_warning() => "⚠️ warn",
        Outcome::Fail => "❌ fail",
        Outcome::Error => "💥 error",
        Outcome::Skip => "⏭️ skip",
    }
}

pub fn render(r: &Report<'_>) -> String {
    let mut s = String::new();
    let sum = &r.summary;
    let _ = writeln!(s, "# specgate report\n");
    let heads: String = sum.columns().iter().map(|(_, label, _)| format!(" {label} |")).collect();
    let rule: String = sum.columns().iter().map(|_| "---|").collect();
    let counts: String = sum.columns().iter().map(|(_, _, n)| format!(" {n} |")).collect();
    let _ = writeln!(s, "|{heads}\n|{rule}\n|{counts}\n");
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

    if let Some(c) = &r.changes {
        let _ = writeln!(s, "## Changes since the previous run\n");
        if c.is_empty() {
            let _ = writeln!(s, "No case changed its outcome.\n");
        }
        for (title, list) in [("Regressed", &c.regressed), ("Fixed", &c.fixed), ("Changed", &c.changed)] {
            for ch in list {
                let _ = writeln!(s, "- **{title}** `{}`: {} → {}", ch.id, ch.before, ch.after);
            }
        }
        for id in &c.new {
            let _ = writeln!(s, "- New case `{id}`");
        }
        for id in &c.removed {
            let _ = writeln!(s, "- Removed case `{id}`");
        }
        s.push('\n');
    }

    if r.info.targets.len() > 1 {
        let cols = Summary::default().columns();
        let heads: String = cols.iter().map(|(_, label, _)| format!(" {label} |")).collect();
        let rule: String = cols.iter().map(|_| "---|").collect();
        let _ = writeln!(s, "## Targets\n\n| target | specs |{heads}\n|---|---|{rule}");
        for (name, specs, c) in super::per_target(r.verdicts, &r.info.targets) {
            let specs: Vec<String> = specs.iter().map(|s| format!("`{s}`")).collect();
            let counts: String = c.columns().iter().map(|(_, _, n)| format!(" {n} |")).collect();
            let _ = writeln!(s, "| `{}` | {} |{counts}", cell(&name), specs.join(", "));
        }
        s.push('\n');
    }
    let rows = matrix(r.verdicts, &r.info.targets);
    if !rows.is_empty() {
        let _ = writeln!(s, "## Compatibility matrix\n");
        let _ = write!(s, "| case | level |");
        for t in &r.info.targets {
            let _ = write!(s, " {} |", cell(&t.name));
        }
        let _ = write!(s, "\n|---|---|");
        for _ in &r.info.targets {
            s.push_str("---|");
        }
        s.push('\n');
        for (key, cells) in rows {
            let level = cells.iter().flatten().next().map(|v| v.level.as_str()).unwrap_or("");
            let _ = write!(s, "| `{}` | {level} |", cell(&key));
            for c in cells {
                let _ = write!(s, " {} |", c.map(outcome_mark).unwrap_or("—"));
            }
            s.push('\n');
        }
        s.push('\n');
    }

    for (title, pick) in [
        ("Failures (must)", &(|v: &Verdict| v.fails_gate()) as &dyn Fn(&Verdict) -> bool),
        ("Errors (could not check)", &|v: &Verdict| v.outcome == Outcome::Error),
        ("Warnings (should)", &|v: &Verdict| v.is_warning()),
        ("Waived (explained deviations)", &|v: &Verdict| v.waived.is_some()),
    ] {
        let picked: Vec<&Verdict> = r.verdicts.iter().filter(|v| pick(v)).collect();
        if picked.is_empty() {
            continue;
        }
        let _ = writeln!(s, "## {title}\n");
        for v in picked {
            detail(&mut s, v);
        }
    }

    let skipped: Vec<&Verdict> = r.verdicts.iter().filter(|v| v.outcome == Outcome::Skip).collect();
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

    let _ = writeln!(s, "## All cases\n\n| case | target | level | outcome | requests | ms |\n|---|---|---|---|---|---|");
    for v in r.verdicts {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} |",
            cell(&format!("{}::{}", v.spec, v.case)),
            cell(&v.target),
            v.level.as_str(),
            outcome_mark(v),
            v.requests,
            v.elapsed_ms
        );
    }
    s
}

fn detail(s: &mut String, v: &Verdict) {
    let _ = writeln!(s, "### `{}::{}` @ {}\n", v.spec, v.case, v.target);
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
        let _ = writeln!(s, "\n| check | pointer | expected | actual | message | request |\n|---|---|---|---|---|---|");
        for f in &v.findings {
            let req = f
                .exchange
                .and_then(|i| v.exchanges.get(i))
                .map(|e| format!("`{} {}` → {}", e.method, e.url, e.status.map(|c| c.to_string()).unwrap_or_else(|| "no response".into())))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "| {} | `{}` | `{}` | `{}` | {} | {} |",
                f.check,
                cell(&f.pointer),
                cell(&f.expected.to_string()),
                cell(&f.actual.to_string()),
                cell(&f.message),
                cell(&req)
            );
        }
    }
    if !v.exchanges.is_empty() {
        let _ = writeln!(s, "\n<details><summary>{} request(s)</summary>\n", v.exchanges.len());
        for e in &v.exchanges {
            let st = e.status.map(|c| c.to_string()).unwrap_or_else(|| e.error.clone().unwrap_or_else(|| "no response".into()));
            let _ = writeln!(s, "- `{} {}` → {} ({} ms)", e.method, e.url, cell(&st), e.elapsed_ms);
        }
        let _ = writeln!(s, "\n</details>");
    }
    s.push('\n');
}
