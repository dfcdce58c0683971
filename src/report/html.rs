//! `report.html`: one self-contained page (no external assets) with the summary, the matrix,
//! the changes, every problem with its grouped findings and reproduction, and every case in
//! one table, filterable by class.
//!
//! Built to stay quick with thousands of cases: only problems get a card; passing cases are
//! table rows; request lists are cut short (every request is in `results.json`); and
//! sections below the fold are not laid out until scrolled to (`content-visibility`).

use std::fmt::Write;

use super::{matrix, Report};
use crate::render::{count, place, request_line, short, spread, SHOWN_VALUE};
use crate::verdict::{Class, Verdict};

/// Requests listed per case.
const SHOWN_REQUESTS: usize = 10;

/// The one HTML escaper.
pub fn esc(s: &str) -> String {
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

/// Escaped, with line-break opportunities at the joints of ids, pointers and URLs (after
/// `/`, `::`, `?`, `&`, `,`, `_`, and a `.` before a letter), so that they wrap there
/// instead of mid-word, and hosts like `127.0.0.1:8080` stay whole.
fn wrap(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let mut chars = s.chars().peekable();
    let mut prev = ' ';
    while let Some(c) = chars.next() {
        out.push_str(&esc(c.encode_utf8(&mut [0; 4])));
        let next_is_letter = chars.peek().is_some_and(|n| n.is_alphabetic());
        if matches!(c, '/' | '?' | '&' | ',' | '_') || (c == ':' && prev == ':') || (c == '.' && next_is_letter) {
            out.push_str("<wbr>");
        }
        prev = c;
    }
    out
}

/// The anchor of a case's card: its id and target with every other character a `-`.
fn anchor(v: &Verdict) -> String {
    format!("{}::{}@{}", v.spec, v.case, v.target).chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

/// Cases that get a card (the rest are rows of the all-cases table).
fn has_card(v: &Verdict) -> bool {
    matches!(v.class(), Class::Fail | Class::Error | Class::Warn | Class::Waived)
}

const STYLE: &str = r#"
:root{--waived:#0969da;--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;--error:#8250df;--skip:#57606a;--bg:#fff;--fg:#1f2328;--mute:#f6f8fa;--line:#d0d7de}
*{box-sizing:border-box}body{font:14px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;padding:16px clamp(10px,3vw,32px);max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
section{content-visibility:auto;contain-intrinsic-size:auto 600px}
.meta{color:#57606a;margin-bottom:16px}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--mute);padding:1px 4px;border-radius:4px}
.cards{display:flex;gap:8px;flex-wrap:wrap;margin:12px 0}.card{border:1px solid var(--line);border-radius:8px;padding:6px 12px;min-width:96px;cursor:pointer;background:var(--bg)}
.card b{display:block;font-size:22px}@media (max-width:600px){.card{font-size:12px;min-width:0;flex:1 1 28%}.card b{font-size:18px}th,td{padding:3px 5px}}.card.pass b{color:var(--pass)}.card.fail b{color:var(--fail)}.card.warn b{color:var(--warn)}.card.error b{color:var(--error)}.card.skip b{color:var(--skip)}.card.waived b{color:var(--waived)}
.card.active{outline:2px solid #0969da}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:8px 0;width:100%}th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}th{background:var(--mute)}
.badge{display:inline-block;border-radius:10px;padding:0 8px;color:#fff;font-size:12px;font-weight:600;white-space:nowrap}
.badge.pass{background:var(--pass)}.badge.fail{background:var(--fail)}.badge.warn{background:var(--warn)}.badge.error{background:var(--error)}.badge.skip{background:var(--skip)}.badge.waived{background:var(--waived)}
details.case{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:6px 12px}details.case>summary{cursor:pointer;font-weight:600}
details.case.fail{border-left:4px solid var(--fail)}details.case.error{border-left:4px solid var(--error)}details.case.warn{border-left:4px solid var(--warn)}details.case.waived{border-left:4px solid var(--waived)}
.kv{color:#57606a;font-weight:normal}.gist{font-weight:normal;font-size:13px;margin-left:1.2em}
.finding{border-top:1px solid var(--line);padding:8px 0}.finding:first-of-type{border-top:0}
.finding .n{font-weight:600;color:var(--fail)}.finding .msg{white-space:pre-wrap;margin:4px 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:4px 0}dt{color:#57606a}dd{margin:0;min-width:0;overflow-wrap:break-word}
pre{background:var(--mute);padding:8px;border-radius:6px;overflow-x:auto;margin:6px 0}pre code{background:none;padding:0}
ul.changes li{margin:2px 0}
td.num{text-align:right}a .badge{text-decoration:underline}
"#;

const SCRIPT: &str = r#"
document.querySelectorAll('.card[data-filter]').forEach(function(c){c.addEventListener('click',function(){
 var f=c.getAttribute('data-filter');var on=!c.classList.contains('active');
 document.querySelectorAll('.card').forEach(function(x){x.classList.remove('active')});
 if(on){c.classList.add('active')}
 document.querySelectorAll('details.case,tr.case').forEach(function(d){d.style.display=(!on||d.classList.contains(f))?'':'none'});
})});
"#;

pub fn render(r: &Report<'_>) -> String {
    let mut s = String::with_capacity(4096 + r.verdicts.len() * 300);
    let _ = write!(s, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>specgate report</title><style>{STYLE}</style></head><body>\n");
    let _ = writeln!(s, "<h1>specgate report</h1>");
    let targets: Vec<String> = r.info.targets.iter().map(|t| format!("<code>{}</code> {}", esc(&t.name), wrap(&t.url))).collect();
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
    for (c, n) in r.summary.columns() {
        let _ = writeln!(s, "<div class=\"card {c}\" data-filter=\"{c}\" title=\"show only these\"><b>{n}</b>{}</div>", c.counted());
    }
    let _ = writeln!(s, "</div>");

    if let Some(c) = &r.changes {
        let _ = writeln!(s, "<h2>Changes since {}</h2><ul class=\"changes\">", r.since);
        if c.is_empty() && c.still_failing.is_empty() {
            let _ = writeln!(s, "<li>No case changed.</li>");
        }
        for (title, list) in [("newly failing", &c.regressed), ("fixed", &c.fixed), ("changed", &c.changed)] {
            for g in super::compare::groups(list) {
                let before = g.before_label();
                if g.changes.len() <= super::compare::FOLD {
                    for ch in &g.changes {
                        let _ = writeln!(s, "<li><b>{title}</b> <code>{}</code>: {before} → {}</li>", wrap(&ch.id), ch.after);
                    }
                    continue;
                }
                let on = if g.target.is_empty() { String::new() } else { format!(" on <code>{}</code>", esc(g.target)) };
                let _ = writeln!(
                    s,
                    "<li><b>{title}</b> {} cases{on}: {before} → {}<details><summary>the cases</summary><ul>",
                    g.changes.len(),
                    g.after
                );
                for ch in &g.changes {
                    let _ = writeln!(s, "<li><code>{}</code></li>", wrap(&ch.id));
                }
                let _ = writeln!(s, "</ul></details></li>");
            }
        }
        // Cases that failed before and fail now are in the failures below: many of them fold.
        let folded = c.findings.len() > super::compare::FOLD;
        if folded {
            let _ = writeln!(s, "<li><b>findings changed</b> in {} cases<details><summary>the cases</summary><ul>", c.findings.len());
        }
        for f in &c.findings {
            let _ = write!(s, "<li><b>findings changed</b> <code>{}</code> ({})<ul>", wrap(&f.id), f.class);
            for (label, list) in [("now", &f.added), ("before", &f.gone)] {
                for rule in list {
                    let _ = write!(s, "<li>{label}: <code>{}</code></li>", wrap(rule));
                }
            }
            let _ = writeln!(s, "</ul></li>");
        }
        if folded {
            let _ = writeln!(s, "</ul></details></li>");
        }
        let new_ok: Vec<&String> = c.new.iter().filter(|id| !c.regressed.iter().any(|ch| ch.id == **id)).collect();
        for (title, list) in [("new", new_ok), ("removed", c.removed.iter().collect())] {
            if list.len() <= super::compare::FOLD {
                for id in list {
                    let _ = writeln!(s, "<li>{title} <code>{}</code></li>", wrap(id));
                }
                continue;
            }
            let _ = writeln!(s, "<li>{} cases {title}<details><summary>the cases</summary><ul>", list.len());
            for id in list {
                let _ = writeln!(s, "<li><code>{}</code></li>", wrap(id));
            }
            let _ = writeln!(s, "</ul></details></li>");
        }
        if !c.still_failing.is_empty() {
            let _ = writeln!(s, "<li>still failing: {}</li>", c.still_failing.len());
        }
        let _ = writeln!(s, "</ul>");
    }

    if r.info.targets.len() > 1 {
        let heads: String = Class::COLUMNS.iter().map(|c| format!("<th>{}</th>", c.counted())).collect();
        let _ = writeln!(s, "<h2>Targets</h2><div class=\"scroll\"><table><tr><th>target</th><th>specs</th>{heads}</tr>");
        for (name, specs, c) in super::per_target(r.verdicts, &r.info.targets) {
            let specs: Vec<String> = specs.iter().map(|x| format!("<code>{}</code>", wrap(x))).collect();
            let counts: String = c.columns().iter().map(|(_, n)| format!("<td class=\"num\">{n}</td>")).collect();
            let _ = writeln!(s, "<tr><td><code>{}</code></td><td>{}</td>{counts}</tr>", esc(&name), specs.join(" "));
        }
        let _ = writeln!(s, "</table></div>");
    }
    let rows = matrix(r.verdicts, &r.info.targets);
    if !rows.is_empty() {
        let _ = write!(s, "<section><h2>Compatibility matrix</h2><div class=\"scroll\"><table><tr><th>case</th><th>level</th>");
        for t in &r.info.targets {
            let _ = write!(s, "<th>{}</th>", esc(&t.name));
        }
        let _ = writeln!(s, "</tr>");
        for (key, cells) in rows {
            let level = cells.iter().flatten().next().map(|v| v.level.as_str()).unwrap_or("");
            let _ = write!(s, "<tr><td><code>{}</code></td><td>{level}</td>", wrap(&key));
            for c in cells {
                match c {
                    Some(v) if has_card(v) => {
                        let _ = write!(s, "<td><a href=\"#{}\"><span class=\"badge {1}\">{1}</span></a></td>", anchor(v), v.class());
                    }
                    Some(v) => {
                        let _ = write!(s, "<td><span class=\"badge {0}\">{0}</span></td>", v.class());
                    }
                    None => s.push_str("<td>—</td>"),
                }
            }
            let _ = writeln!(s, "</tr>");
        }
        let _ = writeln!(s, "</table></div></section>");
    }

    // Problems first, so the page opens on what needs action.
    let mut problems: Vec<&Verdict> =
        r.verdicts.iter().filter(|v| matches!(v.class(), Class::Fail | Class::Error | Class::Warn | Class::Waived)).collect();
    problems.sort_by_key(|v| v.class());
    if !problems.is_empty() {
        let _ = writeln!(s, "<h2>Problems</h2>");
        for v in problems {
            case(&mut s, v, r.reproduce(v).as_deref());
        }
    }

    let _ = writeln!(
        s,
        "<section><h2>All cases</h2><div class=\"scroll\"><table><tr><th>case</th><th>target</th><th>level</th><th>outcome</th><th>requests</th><th>ms</th></tr>"
    );
    for v in r.verdicts {
        let c = v.class();
        let why = v.reason.as_deref().map(|r| format!("<br><span class=\"kv\">{}</span>", esc(r))).unwrap_or_default();
        let _ = writeln!(
            s,
            "<tr class=\"case {c}\"><td><code>{}</code>{why}</td><td>{}</td><td>{}</td><td><span class=\"badge {c}\">{c}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            wrap(&format!("{}::{}", v.spec, v.case)),
            esc(&v.target),
            v.level.as_str(),
            v.requests,
            v.elapsed_ms
        );
    }
    let _ = writeln!(s, "</table></div></section>");
    let _ = write!(s, "<script>{SCRIPT}</script>\n</body></html>\n");
    s
}

/// Findings on one line, for a card's summary: the broken rules and how often, so that a
/// closed card still says what is wrong.
fn gist(v: &Verdict) -> String {
    const SHOWN: usize = 4;
    let mut parts: Vec<String> = v
        .findings
        .iter()
        .take(SHOWN)
        .map(|f| {
            let at = place(f);
            let n = if f.instances.is_empty() { String::new() } else { format!(" ({})", count(f)) };
            // Without a pointer the message is the only place the finding is described.
            let what = if at.is_empty() {
                let line = f.message.lines().next().unwrap_or("");
                let cut: String = line.chars().take(90).collect();
                esc(&if cut.len() < line.len() { format!("{cut}…") } else { cut })
            } else {
                wrap(&at)
            };
            format!("[{}] {what}{n}", esc(&f.check.to_string()))
        })
        .collect();
    if v.findings.len() > SHOWN {
        parts.push(format!("+{} more", v.findings.len() - SHOWN));
    }
    if parts.is_empty() {
        if let Some(r) = &v.reason {
            let r: String = r.chars().take(160).collect();
            parts.push(esc(&r));
        }
    }
    parts.join(" · ")
}

fn case(s: &mut String, v: &Verdict, reproduce: Option<&str>) {
    let cls = v.class();
    let open = if matches!(cls, Class::Fail | Class::Error) { " open" } else { "" };
    let _ = writeln!(
        s,
        "<details class=\"case {cls}\" id=\"{}\"{open}><summary><span class=\"badge {cls}\">{cls}</span> <code>{}</code> <span class=\"kv\">@ {} · {} · {} req · {} ms</span><div class=\"gist\">{}</div></summary>",
        anchor(v),
        wrap(&format!("{}::{}", v.spec, v.case)),
        esc(&v.target),
        v.level.as_str(),
        v.requests,
        v.elapsed_ms,
        gist(v)
    );
    let _ = writeln!(s, "<div class=\"kv\">spec <code>{}</code> · doc {}</div>", wrap(&v.location), esc(&v.doc.to_string()));
    if let Some(w) = &v.why {
        let _ = writeln!(s, "<div class=\"kv\">why: {}</div>", esc(w.trim()));
    }
    if let Some(r) = &v.reason {
        let _ = writeln!(s, "<p><b>reason:</b> {}</p>", esc(r));
    }
    if let Some(w) = &v.waived {
        let _ = writeln!(s, "<p><b>waived:</b> {}</p>", esc(w));
    }
    for f in &v.findings {
        let at = place(f);
        let at = if at.is_empty() { String::new() } else { format!(" <code>{}</code>", wrap(&at)) };
        let n = if f.instances.is_empty() { String::new() } else { format!(" <span class=\"n\">{}</span>", count(f)) };
        let _ = writeln!(
            s,
            "<div class=\"finding\"><div><b>[{}]</b>{at}{n}</div><div class=\"msg\">{}</div><dl>",
            esc(&f.check.to_string()),
            esc(f.message.trim())
        );
        if let Some(sides) = &f.sides {
            let (head, rows, more) = super::sides::table(sides);
            let row =
                |cells: &[String], tag: &str| cells.iter().map(|c| format!("<{tag}><code>{}</code></{tag}>", wrap(c))).collect::<String>();
            let _ = write!(s, "</dl><table class=\"sides\"><tr>{}</tr>", row(&head, "th"));
            for r in &rows {
                let _ = write!(s, "<tr>{}</tr>", row(r, "td"));
            }
            let _ = writeln!(s, "</table>{}</div>", more.map(|m| format!("<div class=\"kv\">{}</div>", esc(&m))).unwrap_or_default());
            continue;
        }
        let _ = writeln!(s, "<dt>expected</dt><dd><code>{}</code></dd>", wrap(&short(&f.expected, SHOWN_VALUE)));
        let _ = writeln!(s, "<dt>actual</dt><dd><code>{}</code></dd>", wrap(&short(&f.actual, SHOWN_VALUE)));
        if let Some(sp) = spread(f, v) {
            let _ = writeln!(s, "<dt>where</dt><dd>{}</dd>", wrap(&sp));
        }
        if let Some(ex) = f.exchange.and_then(|i| v.exchanges.get(i)) {
            let _ = writeln!(s, "<dt>request</dt><dd><code>{}</code></dd>", wrap(&request_line(ex)));
        }
        let _ = writeln!(s, "</dl></div>");
    }
    if let Some(cmd) = reproduce {
        let _ = writeln!(s, "<div><b>Reproduce</b><pre><code>{}</code></pre></div>", esc(cmd));
    }
    if !v.exchanges.is_empty() {
        let _ = writeln!(s, "<details><summary>{} request(s)</summary><ol>", v.exchanges.len());
        for e in v.exchanges.iter().take(SHOWN_REQUESTS) {
            let _ = writeln!(s, "<li><code>{}</code> ({} ms)</li>", wrap(&request_line(e)), e.elapsed_ms);
        }
        if v.exchanges.len() > SHOWN_REQUESTS {
            let _ = writeln!(s, "<li>… and {} more (every request is in results.json)</li>", v.exchanges.len() - SHOWN_REQUESTS);
        }
        let _ = writeln!(s, "</ol></details>");
    }
    let _ = writeln!(s, "</details>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_ids_wrap_at_their_joints_and_hosts_stay_whole() {
        assert_eq!(
            wrap("specs/a.yaml::pagination.order.container_format.asc@http://127.0.0.1:80/x?a=1&b=2"),
            "specs/<wbr>a.<wbr>yaml::<wbr>pagination.<wbr>order.<wbr>container_<wbr>format.<wbr>asc@http:/<wbr>/<wbr>127.0.0.1:80/<wbr>x?<wbr>a=1&amp;<wbr>b=2"
        );
    }

    #[test]
    fn anchors_are_plain_and_name_the_target() {
        let mut v = crate::verdict::sample(crate::verdict::Outcome::Fail, crate::spec::model::Level::Must);
        v.spec = "specs/x.yaml".into();
        v.case = "pagination.walk".into();
        v.target = "nova".into();
        assert_eq!(anchor(&v), "specs-x-yaml--pagination-walk-nova");
    }
}
