//! History: one compact record per run, appended to `history.jsonl` in the report directory
//! (or the `--history` file): the counts, the root causes, the requests and the latency
//! percentiles per target. The HTML report draws the last runs as trend lines, and
//! `specgate report --history` renders a history on its own; this is how a regression report
//! shows when something started.
//!
//! One JSON object per line, so that appending never rewrites what is there and a line cut
//! short by a crash costs that line only (unreadable lines are skipped).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::latency::quantile;
use super::roots::RootCause;
use super::Report;
use crate::verdict::{CheckId, Class, Summary};

/// The history file's name in a report directory.
pub const FILE: &str = "history.jsonl";

/// Runs drawn by the HTML report.
pub(crate) const SHOWN_RUNS: usize = 30;

/// One run, as the history keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Record {
    /// When the run finished, UTC, `2026-12-07T17:50:00Z`.
    pub at: String,
    pub specgate: String,
    pub summary: Summary,
    /// Requests sent, answered or not.
    pub requests: usize,
    pub roots: Vec<RootLine>,
    pub latency: Vec<TargetLatency>,
}

/// A root cause as the history keeps it: what identifies it from run to run, and its extent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RootLine {
    pub class: Class,
    pub targets: Vec<String>,
    pub check: CheckId,
    pub pointer: String,
    /// What the rule expects (a schema keyword, a status, a latency bound).
    pub expected: serde_json::Value,
    pub headline: String,
    pub cases: usize,
}

impl RootLine {
    /// Whether `other` records the same defect: on a target of its, the same check, pointer and expected
    /// value; for a finding without a pointer, whose expected value may name one item, the
    /// same headline instead (but for latency, whose figure in the headline moves: its bound
    /// is what stays).
    fn same(&self, other: &RootLine) -> bool {
        let same_rule = if self.pointer.is_empty() && self.check != CheckId::Latency {
            self.headline == other.headline
        } else {
            self.expected == other.expected
        };
        let shared = self.targets.iter().any(|t| other.targets.contains(t));
        shared && self.check == other.check && self.pointer == other.pointer && same_rule
    }
}

impl From<&RootCause> for RootLine {
    fn from(root: &RootCause) -> RootLine {
        RootLine {
            class: root.class,
            targets: root.targets.clone(),
            check: root.check,
            pointer: root.pointer.clone(),
            expected: root.expected.clone(),
            headline: root.headline.clone(),
            cases: root.cases.len(),
        }
    }
}

/// A target's answer times over the whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TargetLatency {
    pub target: String,
    pub requests: usize,
    pub p50: u64,
    pub p95: u64,
    pub p99: u64,
    pub max: u64,
}

impl Record {
    /// The record of the run `r` reports, finished at `at`.
    pub(crate) fn of(r: &Report<'_>, at: std::time::SystemTime) -> Record {
        let secs = at.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let at = chrono::DateTime::from_timestamp(secs as i64, 0).map_or_else(String::new, |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        let mut latency: Vec<TargetLatency> = Vec::new();
        for t in &r.info.targets {
            let mut ms: Vec<u64> = r
                .verdicts
                .iter()
                .filter(|v| v.target == t.name)
                .flat_map(|v| v.exchanges.iter().filter(|e| e.status.is_some()).map(|e| e.elapsed_ms))
                .collect();
            if ms.is_empty() {
                continue;
            }
            ms.sort_unstable();
            latency.push(TargetLatency {
                target: t.name.clone(),
                requests: ms.len(),
                p50: quantile(&ms, 0.5),
                p95: quantile(&ms, 0.95),
                p99: quantile(&ms, 0.99),
                max: ms[ms.len() - 1],
            });
        }
        Record {
            at,
            specgate: r.info.specgate.clone(),
            summary: r.summary.clone(),
            requests: r.verdicts.iter().map(|v| v.exchanges.len()).sum(),
            roots: r.roots.iter().map(RootLine::from).collect(),
            latency,
        }
    }
}

/// Where a run's history goes: `--history FILE`, or `history.jsonl` in the report directory.
pub(crate) fn path(dir: &Path, given: Option<&Path>) -> PathBuf {
    given.map_or_else(|| dir.join(FILE), Path::to_path_buf)
}

/// The records of a history file, oldest first; a missing file is an empty history, and a
/// line that does not read (cut short, or of another version) is left out.
pub(crate) fn read(path: &Path) -> Vec<Record> {
    let Ok(text) = std::fs::read_to_string(path) else { return Vec::new() };
    text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// Add one record at the end of the history file.
pub(crate) fn append(path: &Path, record: &Record) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let line = serde_json::to_string(record).expect("records serialize") + "\n";
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    // One write of the whole line: two runs appending at once do not interleave within a line.
    file.write_all(line.as_bytes())
}

/// For a defect of the latest run: in how many of the last runs it was seen without a break,
/// and when the first of them finished. `records` ends with the latest run.
pub(crate) fn streak<'a>(records: &'a [Record], root: &RootLine) -> (usize, Option<&'a str>) {
    let mut since = None;
    let mut runs = 0;
    for r in records.iter().rev() {
        if !r.roots.iter().any(|l| l.same(root)) {
            break;
        }
        runs += 1;
        since = Some(r.at.as_str());
    }
    (runs, since)
}

/// [`streak`] in words, when there is a history to tell: "new in the latest run", or "in the
/// last 3 runs, since 2026-12-05T09:00:00Z".
pub(crate) fn since(records: &[Record], root: &RootLine) -> Option<String> {
    if records.len() < 2 {
        return None;
    }
    match streak(records, root) {
        (1, _) => Some("new in the latest run".into()),
        (n, Some(at)) if n == records.len() => Some(format!("in all {n} runs shown, since {at}")),
        (n, Some(at)) => Some(format!("in the last {n} runs, since {at}")),
        _ => None,
    }
}

/// A line of a trend chart: its name, colour and the points of its polyline.
pub(crate) struct Series {
    pub name: String,
    pub colour: &'static str,
    /// `x,y x,y …` in the chart's coordinates.
    pub points: String,
    /// A dot per run, with its tooltip (when, how much).
    pub dots: Vec<Dot>,
    pub last: u64,
}

/// A run's value on a chart line.
pub(crate) struct Dot {
    pub x: usize,
    pub y: usize,
    pub title: String,
}

/// A chart: its title, the highest value (the top of the scale) and its lines.
pub(crate) struct Chart {
    pub title: &'static str,
    pub top: u64,
    pub series: Vec<Series>,
}

/// Chart size in px (the SVG's own coordinates).
pub(crate) const WIDTH: usize = 360;
pub(crate) const HEIGHT: usize = 80;

/// Colours of the lines, in order; the counts use the report's class colours.
const PALETTE: [&str; 6] = ["#0969da", "#bc4c00", "#1a7f37", "#8250df", "#cf222e", "#57606a"];

/// Lay out `values` (one per run) in a chart whose scale tops at `top`: the place of each.
fn places(values: &[u64], top: u64) -> Vec<(usize, usize)> {
    let n = values.len().max(2) - 1;
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| (i * (WIDTH - 8) / n + 4, HEIGHT - 4 - (v.min(top) as usize * (HEIGHT - 8)).div_ceil(top.max(1) as usize)))
        .collect()
}

/// The charts of `records` (oldest first): the counts that matter and the number of root
/// causes; and each target's p95 answer time.
pub(crate) fn charts(records: &[Record]) -> Vec<Chart> {
    let count = |name: &str, colour, f: &dyn Fn(&Record) -> u64| (name.to_string(), colour, records.iter().map(f).collect::<Vec<u64>>());
    let counts = vec![
        count("failed (must)", "#cf222e", &|r| r.summary.failed as u64),
        count("warnings (should)", "#9a6700", &|r| r.summary.warnings as u64),
        count("errored", "#8250df", &|r| r.summary.errored as u64),
        count("root causes", "#1f2328", &|r| r.roots.len() as u64),
    ];
    let mut targets: Vec<&str> = Vec::new();
    for t in records.iter().flat_map(|r| r.latency.iter()) {
        if !targets.contains(&t.target.as_str()) {
            targets.push(&t.target);
        }
    }
    let p95: Vec<(String, &str, Vec<u64>)> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let values = records.iter().map(|r| r.latency.iter().find(|l| l.target == *t).map_or(0, |l| l.p95)).collect();
            (format!("p95 on {t} (ms)"), PALETTE[i % PALETTE.len()], values)
        })
        .collect();
    [("Problems per run", counts), ("Answer time per run", p95)]
        .into_iter()
        .filter(|(_, lines)| !lines.is_empty())
        .map(|(title, lines)| {
            let top = lines.iter().flat_map(|(_, _, v)| v.iter().copied()).max().unwrap_or(0).max(1);
            let series = lines
                .into_iter()
                .map(|(name, colour, values)| {
                    let at = places(&values, top);
                    let points = at.iter().map(|(x, y)| format!("{x},{y}")).collect::<Vec<_>>().join(" ");
                    let dots = at
                        .iter()
                        .zip(records)
                        .zip(&values)
                        .map(|((&(x, y), r), v)| Dot { x, y, title: format!("{}: {name} {v}", r.at) })
                        .collect();
                    Series { points, dots, last: values.last().copied().unwrap_or(0), name, colour }
                })
                .collect();
            Chart { title, top, series }
        })
        .collect()
}

/// The history page's own filters.
mod filters {
    /// `{{ text|ticks }}`: as in report.html (see `html::ticks`).
    pub(super) fn ticks(text: impl std::fmt::Display, _: &dyn askama::Values) -> askama::Result<askama::filters::Safe<String>> {
        Ok(askama::filters::Safe(super::super::html::ticks(&text.to_string())))
    }
}

/// `specgate report --history`: the page of a history.
#[derive(askama::Template)]
#[template(path = "history.html")]
struct Page<'r> {
    history: &'r [Record],
    charts: Vec<Chart>,
}

/// Size of a trend chart, in px (the names the shared template uses).
pub(crate) const CHART_WIDTH: usize = WIDTH;
pub(crate) const CHART_HEIGHT: usize = HEIGHT;

impl Page<'_> {
    fn since(&self, root: &RootLine) -> Option<String> {
        since(self.history, root)
    }
}

/// When a history began: its first run's time.
pub(crate) fn first_run(history: &[Record]) -> &str {
    history.first().map_or("", |r| r.at.as_str())
}

/// A history's latest run's time.
pub(crate) fn last_run(history: &[Record]) -> &str {
    history.last().map_or("", |r| r.at.as_str())
}

/// The history in `inputs` (history files, or report directories holding one), written as
/// `history.html` and `history.md` into `out`; returns the files written.
pub fn render(inputs: &[PathBuf], out: &Path) -> Result<Vec<PathBuf>, String> {
    let mut records: Vec<Record> = Vec::new();
    for input in inputs {
        let file = if input.is_dir() { input.join(FILE) } else { input.clone() };
        if !file.exists() {
            return Err(format!("{}: no history (a run writes {FILE} into its --report-dir, or where --history says)", file.display()));
        }
        records.extend(read(&file));
    }
    if records.is_empty() {
        return Err("no run recorded in the history".into());
    }
    records.sort_by(|a, b| a.at.cmp(&b.at));
    let page = Page { charts: charts(&records), history: &records };
    let html = askama::Template::render(&page).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut written = Vec::new();
    for (name, text) in [("history.html", html), ("history.md", markdown(&records))] {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// The history as Markdown: a row per run, latest first.
pub(crate) fn markdown(records: &[Record]) -> String {
    use std::fmt::Write;
    let mut s = String::from("# specgate history\n\n| finished | failed (must) | warnings (should) | errored | passed | root causes | requests | p95 per target (ms) |\n|---|---|---|---|---|---|---|---|\n");
    for r in records.iter().rev() {
        let p95: Vec<String> = r.latency.iter().map(|l| format!("`{}` {}", l.target, l.p95)).collect();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.at,
            r.summary.failed,
            r.summary.warnings,
            r.summary.errored,
            r.summary.passed,
            r.roots.len(),
            r.requests,
            p95.join(", ")
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(at: &str, failed: usize, roots: &[(&str, &str)], p95: u64) -> Record {
        Record {
            at: at.into(),
            specgate: "t".into(),
            summary: Summary { failed, ..Default::default() },
            requests: 10,
            roots: roots
                .iter()
                .map(|(target, pointer)| RootLine {
                    class: Class::Fail,
                    targets: vec![target.to_string()],
                    check: CheckId::Schema,
                    pointer: pointer.to_string(),
                    expected: serde_json::json!(1),
                    headline: "h".into(),
                    cases: 1,
                })
                .collect(),
            latency: vec![TargetLatency { target: "a".into(), requests: 10, p50: 1, p95, p99: p95, max: p95 }],
        }
    }

    fn root(target: &str, pointer: &str) -> RootCause {
        RootCause {
            class: Class::Fail,
            targets: vec![target.into()],
            check: CheckId::Schema,
            pointer: pointer.into(),
            expected: serde_json::json!(1),
            endpoint: None,
            headline: "other words".into(),
            places: 1,
            of: None,
            cases: vec![super::super::roots::CaseOn { id: "s::c".into(), target: target.into() }],
            location: "s:1".into(),
        }
    }

    #[test]
    fn records_are_appended_one_per_line_and_a_line_cut_short_is_skipped() {
        let dir = std::env::temp_dir().join(format!("specgate-history-{}", std::process::id()));
        let file = path(&dir, None);
        let _ = std::fs::remove_file(&file);
        assert!(read(&file).is_empty(), "no file is an empty history");
        append(&file, &record("1", 1, &[], 5)).unwrap();
        std::fs::OpenOptions::new().append(true).open(&file).unwrap().write_all(b"{\"at\": \"cut sh").unwrap();
        std::fs::OpenOptions::new().append(true).open(&file).unwrap().write_all(b"\n").unwrap();
        append(&file, &record("2", 0, &[], 6)).unwrap();
        let ats: Vec<String> = read(&file).into_iter().map(|r| r.at).collect();
        assert_eq!(ats, ["1", "2"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_root_cause_started_with_the_first_run_of_its_unbroken_streak() {
        let records = vec![
            record("mon", 1, &[("a", "/x")], 5),
            record("tue", 0, &[], 5),
            record("wed", 1, &[("a", "/x")], 5),
            record("thu", 1, &[("a", "/x"), ("b", "/x")], 5),
        ];
        let line = |t: &str, p: &str| RootLine::from(&root(t, p));
        assert_eq!(streak(&records, &line("a", "/x")), (2, Some("wed")));
        assert_eq!(since(&records, &line("a", "/x")).as_deref(), Some("in the last 2 runs, since wed"));
        assert_eq!(since(&records, &line("b", "/x")).as_deref(), Some("new in the latest run"));
        assert_eq!(streak(&records, &line("a", "/y")), (0, None));
        assert_eq!(since(&records[3..], &line("a", "/x")), None, "one run tells nothing");
    }

    #[test]
    fn charts_scale_to_their_highest_value_and_draw_a_line_per_target() {
        let records = vec![record("1", 4, &[], 10), record("2", 0, &[], 40), record("3", 2, &[], 20)];
        let charts = charts(&records);
        assert_eq!(charts.len(), 2);
        let failed = &charts[0].series[0];
        assert_eq!((charts[0].top, failed.name.as_str(), failed.last), (4, "failed (must)", 2));
        assert_eq!(failed.points, format!("4,4 180,{} 356,{}", HEIGHT - 4, HEIGHT - 4 - 36));
        assert_eq!((charts[1].top, charts[1].series.len(), charts[1].series[0].name.as_str()), (40, 1, "p95 on a (ms)"));
    }
}
