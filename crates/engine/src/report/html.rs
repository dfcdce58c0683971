//! `report.html`: one self-contained page (no external assets), in the order a reader acts on
//! it: the verdict and counts, the root causes (one entry per defect, its cases folded under
//! it), the cases that could not be checked, the changes, the matrix (rows that differ or fail;
//! every row behind a `<details>`), every problem case with its grouped findings and
//! reproduction, and every case in one table, filterable by class.
//!
//! Built to stay quick with thousands of cases: only problems get a card; passing cases are
//! table rows; request lists are cut short (every request is in `results.json`); and
//! sections below the fold are not laid out until scrolled to (`content-visibility`).
//!
//! The markup is in `templates/report*.html` (askama: checked when the crate compiles, every
//! value escaped unless it goes through `wrap`); this module gives the templates what they show.

use std::fmt;

use askama::filters::Escaper;
use askama::Template;

use super::changes::{self, Change, Changes};
// The shared history template names these as its own.
use super::history::{self, first_run, last_run, Chart, Record, CHART_HEIGHT, CHART_WIDTH};
use super::latency::{self, EndpointTimes};
use super::roots::RootCause;
use super::{side_by_side, Report, RunInfo};
use crate::render;
use crate::verdict::{Class, ExchangeRecord, Finding, Summary, Verdict};

/// Requests listed per case.
const SHOWN_REQUESTS: usize = 10;

/// The page's escaper: `&`, `<`, `>`, `"` and `'` as `&amp;`, `&lt;`, `&gt;`, `&quot;` and
/// `&#39;`. askama's own HTML escaper writes other entities for the same characters (`&#60;`);
/// these are the ones the page has always had, and its golden test pins its bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Escape;

impl Escaper for Escape {
    fn write_escaped_str<W: fmt::Write>(&self, mut dest: W, text: &str) -> fmt::Result {
        let mut from = 0;
        for (at, byte) in text.bytes().enumerate() {
            let entity = match byte {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\'' => "&#39;",
                _ => continue,
            };
            dest.write_str(&text[from..at])?;
            dest.write_str(entity)?;
            from = at + 1;
        }
        dest.write_str(&text[from..])
    }
}

/// Escaped, with line-break opportunities at the joints of ids, pointers and URLs (after
/// `/`, `::`, `?`, `&`, `,`, `_`, and a `.` before a letter), so that they wrap there
/// instead of mid-word, and hosts like `127.0.0.1:8080` stay whole.
fn wrap(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let mut chars = s.chars().peekable();
    let mut prev = ' ';
    while let Some(c) = chars.next() {
        // Writing into a String cannot fail.
        let _ = Escape.write_escaped_char(&mut out, c);
        let next_is_letter = chars.peek().is_some_and(|n| n.is_alphabetic());
        if matches!(c, '/' | '?' | '&' | ',' | '_') || (c == ':' && prev == ':') || (c == '.' && next_is_letter) {
            out.push_str("<wbr>");
        }
        prev = c;
    }
    out
}

/// Escaped, with each `code span` of a sentence (a field name in a headline) as `<code>`.
pub(crate) fn ticks(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    let mut out = String::with_capacity(s.len() + 16);
    // An odd number of parts is every span closed; otherwise the backticks are text.
    let spans = parts.len() % 2 == 1;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 && !spans {
            out.push('`');
        }
        let code = spans && i % 2 == 1;
        if code {
            out.push_str("<code>");
        }
        // Writing into a String cannot fail.
        let _ = Escape.write_escaped_str(&mut out, part);
        if code {
            out.push_str("</code>");
        }
    }
    out
}

/// The templates' own filters.
mod filters {
    use askama::filters::Safe;

    /// `{{ text|ticks }}`: see [`super::ticks`]; markup, not to be escaped again.
    pub(super) fn ticks(text: impl std::fmt::Display, _: &dyn askama::Values) -> askama::Result<Safe<String>> {
        Ok(Safe(super::ticks(&text.to_string())))
    }

    /// `{{ text|wrap }}`: see [`super::wrap`]; the result is markup, not to be escaped again.
    pub(super) fn wrap(text: impl std::fmt::Display, _: &dyn askama::Values) -> askama::Result<Safe<String>> {
        Ok(Safe(super::wrap(&text.to_string())))
    }
}

/// The anchor of a case's card: its id and target with every other character a `-`.
fn anchor(v: &Verdict) -> String {
    anchor_of(&case_id(v), &v.target)
}

/// The anchor of the card of case `id` (`spec::case`) on `target`.
fn anchor_of(id: &str, target: &str) -> String {
    format!("{id}@{target}").chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

/// Cases that get a card (the rest are rows of the all-cases table).
fn has_card(v: &Verdict) -> bool {
    matches!(v.class(), Class::Fail | Class::Error | Class::Warn | Class::Waived)
}

/// `spec::case`, as the tables and cards name a case.
fn case_id(v: &Verdict) -> String {
    format!("{}::{}", v.spec, v.case)
}

/// Who made a case's requests (`report::identities::made_as`).
fn made_as(v: &Verdict) -> String {
    super::identities::made_as(v)
}

/// One bar of a histogram drawn as inline SVG: its place, its height and its tooltip.
struct Bar {
    x: usize,
    y: usize,
    height: usize,
    title: String,
}

/// Width of a histogram bar and height of the histogram, in px.
const BAR: usize = 8;
const HISTOGRAM_HEIGHT: usize = 28;

/// The bars of an endpoint's histogram, scaled so that the fullest bucket fills the height;
/// an empty bucket is a 1-px stub so that the scale stays readable.
fn bars(e: &EndpointTimes) -> Vec<Bar> {
    let most = e.histogram.iter().copied().max().unwrap_or(0).max(1);
    e.histogram
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let height = if n == 0 { 1 } else { (n * HISTOGRAM_HEIGHT).div_ceil(most).max(2) };
            Bar { x: i * BAR, y: HISTOGRAM_HEIGHT - height, height, title: format!("{}: {n}", latency::bucket_label(i)) }
        })
        .collect()
}

/// Since when a root cause has been seen, when there is a history to tell.
fn since(history: &[Record], root: &RootCause) -> Option<String> {
    history::since(history, &history::RootLine::from(root))
}

/// Whether a matrix row is shown before every row is asked for.
fn notable(cells: &[Option<&Verdict>]) -> bool {
    super::notable(cells)
}

/// A matrix row's level: its first verdict's.
fn level(cells: &[Option<&Verdict>]) -> &'static str {
    cells.iter().flatten().next().map(|v| v.level.as_str()).unwrap_or("")
}

/// The lists of changed classes, each under its title.
fn kinds(c: &Changes) -> [(&'static str, &[Change]); 3] {
    [("newly failing", &c.regressed), ("fixed", &c.fixed), ("changed", &c.changed)]
}

/// New cases (those not already listed as newly failing) and removed ones, each under its title.
fn listed(c: &Changes) -> [(&'static str, Vec<&String>); 2] {
    let new = c.new.iter().filter(|id| !c.regressed.iter().any(|ch| ch.id == **id)).collect();
    [("new", new), ("removed", c.removed.iter().collect())]
}

/// The request a finding was seen on.
fn exchange<'v>(f: &Finding, v: &'v Verdict) -> Option<&'v ExchangeRecord> {
    f.exchange.and_then(|i| v.exchanges.get(i))
}

/// One part of a card's summary line.
enum Gist {
    /// A broken rule: where (or, with no pointer, the start of its message) and how often.
    Finding { check: String, place: String, line: String, count: Option<String> },
    /// How many findings the line leaves out.
    More(usize),
    /// Why a case without findings failed or errored.
    Reason(String),
}

/// A problem's card.
struct Card<'r> {
    v: &'r Verdict,
    reproduce: Option<String>,
}

impl Card<'_> {
    fn open(&self) -> bool {
        matches!(self.v.class(), Class::Fail | Class::Error)
    }

    /// Findings on one line, for the card's summary: the broken rules and how often, so that a
    /// closed card still says what is wrong.
    fn gist(&self) -> Vec<Gist> {
        const SHOWN: usize = 4;
        let v = self.v;
        let mut parts: Vec<Gist> = v
            .findings
            .iter()
            .take(SHOWN)
            .map(|f| {
                let place = render::place(f);
                // Without a pointer the message is the only place the finding is described.
                let line = if place.is_empty() {
                    let line = f.message.lines().next().unwrap_or("");
                    let cut: String = line.chars().take(90).collect();
                    if cut.len() < line.len() {
                        format!("{cut}…")
                    } else {
                        cut
                    }
                } else {
                    String::new()
                };
                let count = (!f.instances.is_empty()).then(|| render::count(f));
                Gist::Finding { check: f.check.to_string(), place, line, count }
            })
            .collect();
        if v.findings.len() > SHOWN {
            parts.push(Gist::More(v.findings.len() - SHOWN));
        }
        if parts.is_empty() {
            if let Some(r) = &v.reason {
                parts.push(Gist::Reason(r.chars().take(160).collect()));
            }
        }
        parts
    }

    fn shown_requests(&self) -> impl Iterator<Item = &ExchangeRecord> {
        self.v.exchanges.iter().take(SHOWN_REQUESTS)
    }

    fn unshown_requests(&self) -> usize {
        self.v.exchanges.len().saturating_sub(SHOWN_REQUESTS)
    }
}

/// The page.
#[derive(Template)]
#[template(path = "report.html")]
struct Page<'r> {
    info: &'r RunInfo,
    summary: &'r Summary,
    /// The run's verdict: its class (for the colour) and its words.
    verdict: (Class, &'static str),
    changes: &'r Option<Changes>,
    since: &'static str,
    /// Per target with more than one: its name, its specs and its counts.
    per_target: Vec<(String, Vec<String>, Summary)>,
    /// The defects, `must` first: what the page opens on.
    roots: &'r [RootCause],
    /// The cases that could not be checked.
    errors: Vec<Card<'r>>,
    matrix: Vec<(String, Vec<Option<&'r Verdict>>)>,
    /// How many rows of the matrix are notable (see [`super::notable`]).
    notable: usize,
    /// Failing, warning and waived cases, each with its findings: the cases under the root causes.
    problems: Vec<Card<'r>>,
    /// Requests per target and identity, in a run of several identities.
    identities: Option<super::identities::Matrix>,
    /// Answer times per target and endpoint.
    latency: Vec<EndpointTimes>,
    /// The last runs, this one last, and their trend charts.
    history: &'r [Record],
    charts: Vec<Chart>,
    verdicts: &'r [Verdict],
}

pub(crate) fn render(r: &Report<'_>) -> String {
    let card = |v| Card { v, reproduce: r.reproduce(v) };
    let mut problems: Vec<&Verdict> = r.verdicts.iter().filter(|v| has_card(v) && v.class() != Class::Error).collect();
    problems.sort_by_key(|v| v.class());
    let matrix = super::matrix(r.verdicts, &r.info.targets);
    let page = Page {
        info: r.info,
        summary: &r.summary,
        verdict: super::verdict(&r.summary, &r.roots),
        changes: &r.changes,
        since: r.since,
        per_target: if r.info.targets.len() > 1 { super::per_target(r.verdicts, &r.info.targets) } else { Vec::new() },
        roots: &r.roots,
        errors: r.verdicts.iter().filter(|v| v.class() == Class::Error).map(card).collect(),
        notable: matrix.iter().filter(|(_, cells)| super::notable(cells)).count(),
        matrix,
        problems: problems.into_iter().map(card).collect(),
        identities: super::identities::matrix(r.verdicts, &r.info.targets),
        latency: latency::per_endpoint(r.verdicts),
        history: &r.history,
        charts: if r.history.len() > 1 { history::charts(&r.history) } else { Vec::new() },
        verdicts: r.verdicts,
    };
    let mut s = String::with_capacity(4096 + r.verdicts.len() * 300);
    // Rendering into a String fails only if a value's Display fails, and none of these does.
    let _ = page.render_into(&mut s);
    s
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
    fn code_spans_of_a_headline_are_code_and_the_rest_is_escaped() {
        assert_eq!(ticks("`min_ram` is <a> `x`"), "<code>min_ram</code> is &lt;a&gt; <code>x</code>");
        assert_eq!(ticks("one ` alone"), "one ` alone");
    }

    #[test]
    fn escapes_the_five_characters_with_the_entities_the_page_always_had() {
        let mut out = String::new();
        Escape.write_escaped_str(&mut out, "<a href=\"x\">Tom & 'Jerry'</a> ünï").unwrap();
        assert_eq!(out, "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt; ünï");
    }

    #[test]
    fn the_fullest_bucket_fills_the_histogram_and_empty_ones_are_stubs() {
        let e = EndpointTimes {
            target: "t".into(),
            endpoint: "GET /".into(),
            requests: 11,
            unanswered: 0,
            retries: 0,
            p50: 3,
            p95: 30,
            p99: 30,
            max: 30,
            histogram: vec![0, 1, 10],
        };
        let shown: Vec<(usize, usize, usize, String)> = bars(&e).into_iter().map(|b| (b.x, b.y, b.height, b.title)).collect();
        assert_eq!(
            shown,
            [(0, 27, 1, "< 1 ms: 0".to_string()), (8, 25, 3, "1–2 ms: 1".to_string()), (16, 0, 28, "2–5 ms: 10".to_string())]
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
