//! `report.html`: one self-contained page (no external assets) with the summary, the matrix,
//! and every case with its findings and requests, filterable by outcome.

use std::fmt::Write;

use super::{matrix, Report};
use crate::verdict::{Outcome, Summary, Verdict};

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn class(v: &Verdict) -> &'static str {
    match v.outcome {
        Outcome::Pass => "pass",
        Outcome::Fail if v.waived.is_some() => "waived",
        Outcome::Fail if v.is_warning() => "warn",
        Outcome::Fail => "fail",
        Outcome::Error => "error",
        Outcome::Skip => "skip",
    }
}

const STYLE: &str = r#"
:root{--waived:#0969da;--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;--error:#8250df;--skip:#57606a;--bg:#fff;--fg:#1f2328;--mute:#f6f8fa;--line:#d0d7de}
*{box-sizing:border-box}body{font:14px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:24px 32px;max-width:1400px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.meta{color:#57606a;margin-bottom:16px}.meta code{background:var(--mute);padding:1px 4px;border-radius:4px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}.card{border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:130px;cursor:pointer;background:var(--bg)}
.card b{display:block;font-size:24px}.card.pass b{color:var(--pass)}.card.fail b{color:var(--fail)}.card.warn b{color:var(--warn)}.card.error b{color:var(--error)}.card.skip b{color:var(--skip)}.card.waived b{color:var(--waived)}
.card.active{outline:2px solid #0969da}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}th{background:var(--mute)}
td code,li code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
td{overflow-wrap:anywhere}td.msg{max-width:40em;white-space:pre-wrap}td.exp,td.act{max-width:22em}
.badge{display:inline-block;border-radius:10px;padding:0 8px;color:#fff;font-size:12px;font-weight:600}
.badge.pass{background:var(--pass)}.badge.fail{background:var(--fail)}.badge.warn{background:var(--warn)}.badge.error{background:var(--error)}.badge.skip{background:var(--skip)}.badge.waived{background:var(--waived)}
details.case{border:1px solid var(--line);border-radius:6px;margin:6px 0;padding:6px 10px}details.case>summary{cursor:pointer;font-weight:600}
details.case.fail{border-left:4px solid var(--fail)}details.case.error{border-left:4px solid var(--error)}details.case.warn{border-left:4px solid var(--warn)}details.case.skip{border-left:4px solid var(--skip)}details.case.pass{border-left:4px solid var(--pass)}details.case.waived{border-left:4px solid var(--waived)}
.kv{color:#57606a}.exp{color:var(--pass)}.act{color:var(--fail)}
ul.changes li{margin:2px 0}
"#;

const SCRIPT: &str = r#"
document.querySelectorAll('.card[data-filter]').forEach(function(c){c.addEventListener('click',function(){
 var f=c.getAttribute('data-filter');var on=!c.classList.contains('active');
 document.querySelectorAll('.card').forEach(function(x){x.classList.remove('active')});
 if(on){c.classList.add('active')}
 document.querySelectorAll('details.case').forEach(function(d){d.style.display=(!on||d.classList.contains(f))?'':'none'});
})});
"#;

pub fn render(r: &Report<'_>) -> String {
    let mut s = String::new();
    let sum = &r.summary;
    let _ = write!(s, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>specgate report</title><style>{STYLE}</style></head><body>\n");
    let _ = writeln!(s, "<h1>specgate report</h1>");
    let targets: Vec<String> = r.info.targets.iter().map(|t| format!("<code>{}</code> {}", esc(&t.name), esc(&t.url))).collect();
    let _ = writeln!(
        s,
        "<div class=\"meta\">Targets: {} · sampling seed <code>{}</code> · budget {} requests/case · specgate {}</div>",
        targets.join(", "),
        r.info.seed,
        r.info.budget,
        esc(&r.info.specgate)
    );
    for w in &r.info.warnings {
        let _ = writeln!(s, "<div class=\"meta\"><b>Warning:</b> {}</div>", esc(w));
    }
    let _ = writeln!(s, "<div class=\"cards\">");
    for (cls, label, n) in sum.columns() {
        let _ = writeln!(s, "<div class=\"card {cls}\" data-filter=\"{cls}\" title=\"show only these\"><b>{n}</b>{label}</div>");
    }
    let _ = writeln!(s, "</div>");

    if let Some(c) = &r.changes {
        let _ = writeln!(s, "<h2>Changes since the previous run</h2><ul class=\"changes\">");
        if c.is_empty() {
            let _ = writeln!(s, "<li>No case changed its outcome.</li>");
        }
        for (title, list) in [("regressed", &c.regressed), ("fixed", &c.fixed), ("changed", &c.changed)] {
            for ch in list {
                let _ = writeln!(s, "<li><b>{title}</b> <code>{}</code>: {} → {}</li>", esc(&ch.id), esc(&ch.before), esc(&ch.after));
            }
        }
        for id in &c.new {
            let _ = writeln!(s, "<li>new <code>{}</code></li>", esc(id));
        }
        for id in &c.removed {
            let _ = writeln!(s, "<li>removed <code>{}</code></li>", esc(id));
        }
        let _ = writeln!(s, "</ul>");
    }

    if r.info.targets.len() > 1 {
        let heads: String = Summary::default().columns().iter().map(|(_, label, _)| format!("<th>{label}</th>")).collect();
        let _ = writeln!(s, "<h2>Targets</h2><table><tr><th>target</th><th>specs</th>{heads}</tr>");
        for (name, specs, c) in super::per_target(r.verdicts, &r.info.targets) {
            let specs: Vec<String> = specs.iter().map(|x| format!("<code>{}</code>", esc(x))).collect();
            let counts: String = c.columns().iter().map(|(_, _, n)| format!("<td>{n}</td>")).collect();
            let _ = writeln!(s, "<tr><td><code>{}</code></td><td>{}</td>{counts}</tr>", esc(&name), specs.join(" "));
        }
        let _ = writeln!(s, "</table>");
    }
    let rows = matrix(r.verdicts, &r.info.targets);
    if !rows.is_empty() {
        let _ = write!(s, "<h2>Compatibility matrix</h2><table><tr><th>case</th><th>level</th>");
        for t in &r.info.targets {
            let _ = write!(s, "<th>{}</th>", esc(&t.name));
        }
        let _ = writeln!(s, "</tr>");
        for (key, cells) in rows {
            let level = cells.iter().flatten().next().map(|v| v.level.as_str()).unwrap_or("");
            let _ = write!(s, "<tr><td><code>{}</code></td><td>{level}</td>", esc(&key));
            for c in cells {
                match c {
                    Some(v) => {
                        let _ = write!(s, "<td><span class=\"badge {}\">{}</span></td>", class(v), class(v));
                    }
                    None => s.push_str("<td>—</td>"),
                }
            }
            let _ = writeln!(s, "</tr>");
        }
        let _ = writeln!(s, "</table>");
    }

    let _ = writeln!(s, "<h2>Cases</h2>");
    // Problems first, so the page opens on what needs action.
    let rank = |v: &Verdict| match class(v) {
        "fail" => 0,
        "error" => 1,
        "warn" => 2,
        "waived" => 3,
        "skip" => 4,
        _ => 5,
    };
    let mut ordered: Vec<&Verdict> = r.verdicts.iter().collect();
    ordered.sort_by_key(|v| rank(v));
    for v in ordered {
        case(&mut s, v);
    }
    let _ = write!(s, "<script>{SCRIPT}</script>\n</body></html>\n");
    s
}

fn case(s: &mut String, v: &Verdict) {
    let cls = class(v);
    let open = if matches!(cls, "fail" | "error") { " open" } else { "" };
    let _ = writeln!(s, "<details class=\"case {cls}\"{open}><summary><span class=\"badge {cls}\">{cls}</span> <code>{}</code> <span class=\"kv\">@ {} · {} · {} req · {} ms</span></summary>", esc(&format!("{}::{}", v.spec, v.case)), esc(&v.target), v.level.as_str(), v.requests, v.elapsed_ms);
    let _ = writeln!(s, "<div class=\"kv\">spec <code>{}</code> · doc {}</div>", esc(&v.location), esc(&v.doc.to_string()));
    if let Some(w) = &v.why {
        let _ = writeln!(s, "<div class=\"kv\">why: {}</div>", esc(w.trim()));
    }
    if let Some(r) = &v.reason {
        let _ = writeln!(s, "<p><b>reason:</b> {}</p>", esc(r));
    }
    if let Some(w) = &v.waived {
        let _ = writeln!(s, "<p><b>waived:</b> {}</p>", esc(w));
    }
    if !v.findings.is_empty() {
        let _ =
            writeln!(s, "<table><tr><th>check</th><th>pointer</th><th>expected</th><th>actual</th><th>message</th><th>request</th></tr>");
        for f in &v.findings {
            let req = f
                .exchange
                .and_then(|i| v.exchanges.get(i))
                .map(|e| {
                    format!(
                        "<code>{} {}</code> → {}",
                        esc(&e.method),
                        esc(&e.url),
                        e.status.map(|c| c.to_string()).unwrap_or_else(|| "no response".into())
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"exp\"><code>{}</code></td><td class=\"act\"><code>{}</code></td><td class=\"msg\">{}</td><td>{}</td></tr>",
                esc(&f.check),
                esc(&f.pointer),
                esc(&f.expected.to_string()),
                esc(&f.actual.to_string()),
                esc(&f.message),
                req
            );
        }
        let _ = writeln!(s, "</table>");
    }
    if !v.exchanges.is_empty() {
        let _ = writeln!(s, "<details><summary>{} request(s)</summary><ol>", v.exchanges.len());
        for e in &v.exchanges {
            let st = e.status.map(|c| c.to_string()).unwrap_or_else(|| e.error.clone().unwrap_or_else(|| "no response".into()));
            let _ = writeln!(s, "<li><code>{} {}</code> → {} ({} ms)</li>", esc(&e.method), esc(&e.url), esc(&st), e.elapsed_ms);
        }
        let _ = writeln!(s, "</ol></details>");
    }
    let _ = writeln!(s, "</details>");
}
