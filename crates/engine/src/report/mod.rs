//! Reporters: JSON, JUnit, Markdown, HTML and summary files from the verdicts of a run.
//! They never do HTTP; they only read verdicts (and a previous run's `results.json`).

pub mod annotations;
pub mod changes;
pub(crate) mod cost;
pub mod diff;
pub mod files;
pub mod history;
pub(crate) mod html;
pub(crate) mod identities;
pub mod json;
pub(crate) mod junit;
pub mod latency;
pub(crate) mod markdown;
pub(crate) mod notices;
pub mod progress;
pub mod repro;
pub(crate) mod roots;
pub(crate) mod side_by_side;
pub(crate) mod stale_waivers;
pub(crate) mod stream;
pub(crate) mod summary;
pub(crate) mod tally;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::verdict::{Summary, Verdict};

/// Facts about the run shown in every report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunInfo {
    pub specgate: String,
    pub targets: Vec<TargetInfo>,
    pub seed: u64,
    pub budget: usize,
    pub specs: Vec<String>,
    /// Headers sent, secrets as placeholders, for reproductions (see [`repro::SentHeaders`]).
    #[serde(default, skip_serializing_if = "repro::SentHeaders::is_empty")]
    pub headers: repro::SentHeaders,
    /// Why the run ended before every case finished (`interrupted`, `deadline`), if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// Settings that weaken what the run proves (e.g. `--insecure`); shown at the top of reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The cases of the plan that the run did not select (libtest filters, `--skip`,
    /// `--partition`). Absent (as in files of earlier versions): the run selected its whole plan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_selected: Vec<changes::Unselected>,
    /// The specs' `latency:` bounds, judged on the recorded requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub latency: Vec<latency::Budget>,
    /// Requests sent and shared, wall time and critical path, changed listings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic: Option<crate::events::Traffic>,
}

pub use crate::events::TargetInfo;

/// Everything a reporter needs.
pub(crate) struct Report<'a> {
    pub info: &'a RunInfo,
    /// The verdicts, their findings grouped by rule (see [`prepare`]).
    pub verdicts: &'a [Verdict],
    pub summary: Summary,
    /// Changes against an earlier run, if there was one.
    pub changes: Option<changes::Changes>,
    /// What the changes are against: "the previous run" or "the baseline".
    pub since: &'static str,
    /// The failures grouped by what broke (see [`roots::of`]).
    pub roots: Vec<roots::RootCause>,
    /// The last runs' records, this run's last (see [`history`]).
    pub history: Vec<history::Record>,
}

impl Report<'_> {
    /// The `curl` command that reproduces a failing or erroring case.
    pub(crate) fn reproduce(&self, v: &Verdict) -> Option<String> {
        repro::curl(v, &self.info.headers)
    }
}

/// How reports are written beyond the defaults.
#[derive(Debug, Default)]
pub struct Options {
    /// Compare with this run (a `--baseline` results.json) instead of the previous run in
    /// the report directory.
    pub baseline: Option<changes::Previous>,
    /// Append the run's record to this file instead of `history.jsonl` in the report directory.
    pub history: Option<PathBuf>,
}

/// The verdicts as reporters show them: each one's findings grouped by rule.
pub(crate) fn prepare(verdicts: &[Verdict]) -> Vec<Verdict> {
    verdicts
        .iter()
        .map(|v| {
            let mut v = v.clone();
            v.findings = crate::check::group::group(std::mem::take(&mut v.findings));
            v
        })
        .collect()
}

/// Write every report into `dir`; returns the files written.
pub fn write_all(dir: &Path, info: &RunInfo, verdicts: &[Verdict]) -> std::io::Result<Vec<PathBuf>> {
    write_with(dir, info, verdicts, Options::default()).map(|w| w.files)
}

/// What writing the reports gave.
pub(crate) struct Written {
    pub files: Vec<PathBuf>,
    /// The changes found against the baseline or previous run.
    pub changes: Option<changes::Changes>,
    /// A `must` `latency:` bound is broken: the gate fails, though no case counts it.
    pub must_bound_broken: bool,
}

/// Write every report into `dir`; says what it wrote and found (see [`Written`]).
pub(crate) fn write_with(dir: &Path, info: &RunInfo, verdicts: &[Verdict], options: Options) -> std::io::Result<Written> {
    std::fs::create_dir_all(dir)?;
    let results = dir.join("results.json");
    let last_run = json::load_previous(&results);
    let mut info = info.clone();
    if let Some(h) = &last_run {
        info.not_selected = h.carry(&info.not_selected);
    }
    let (previous, since) = match options.baseline {
        Some(b) => (Some(b), "the baseline"),
        None => (last_run, "the previous run"),
    };
    if results.exists() {
        std::fs::copy(&results, dir.join("results.previous.json"))?;
    }
    let verdicts = prepare(verdicts);
    let mut report = Report {
        info: &info,
        verdicts: &verdicts,
        summary: Summary::of(&verdicts),
        changes: previous.map(|p| changes::Changes::between(&p, &verdicts, &info.not_selected)),
        since,
        roots: roots::with_latency(&verdicts, &info.latency),
        history: Vec::new(),
    };
    let history_file = history::path(dir, options.history.as_deref());
    let record = history::Record::of(&report, std::time::SystemTime::now());
    report.history = history::read(&history_file);
    report.history.push(record.clone());
    let keep = report.history.len().saturating_sub(history::SHOWN_RUNS);
    report.history.drain(..keep);
    let files = [
        (results, json::render(&report)),
        (dir.join("junit.xml"), junit::render(&report)),
        (dir.join("report.md"), markdown::render(&report)),
        (dir.join("report.html"), html::render(&report)),
        (dir.join("summary.md"), summary::render(&report)),
    ];
    let mut written = Vec::new();
    for (path, text) in files {
        write_atomically(&path, text.as_bytes())?;
        written.push(path);
    }
    // Last: a run whose reports could not be written leaves no record.
    history::append(&history_file, &record)?;
    Ok(Written { files: written, must_bound_broken: roots::breaks_a_must_bound(&report.roots), changes: report.changes })
}

/// Write through a temporary file so an interrupted run never leaves half a report.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, path)
}

/// Read the verdicts and run facts of earlier runs (their `results.json`) to report them together.
/// Two inputs that hold the same case of the same target are refused: the combined report would
/// count it twice (see `Overlap`).
pub fn read_results(dirs: &[PathBuf]) -> Result<(RunInfo, Vec<Verdict>), String> {
    let mut info: Option<RunInfo> = None;
    let mut verdicts: Vec<Verdict> = Vec::new();
    // Case (`id@target`) → the input that holds it.
    let mut holder: HashMap<String, usize> = HashMap::new();
    for (input, dir) in dirs.iter().enumerate() {
        let r = json::read(dir)?;
        let mut overlap: Option<Overlap> = None;
        for v in &r.cases {
            let key = changes::key(&v.verdict);
            if let Some(&earlier) = holder.get(&key).filter(|&&at| at != input) {
                let o = overlap.get_or_insert_with(|| Overlap {
                    earlier: &dirs[earlier],
                    later: dir,
                    first: v.verdict.id.clone(),
                    target: v.verdict.target.clone(),
                    cases: 0,
                });
                o.cases += 1;
            }
            holder.insert(key, input);
        }
        if let Some(o) = overlap {
            return Err(o.to_string());
        }
        match &mut info {
            None => info = Some(r.run),
            Some(i) => {
                for t in r.run.targets {
                    if !i.targets.iter().any(|x| x.name == t.name) {
                        i.targets.push(t);
                    }
                }
                for s in r.run.specs {
                    if !i.specs.contains(&s) {
                        i.specs.push(s);
                    }
                }
                i.headers.spec.extend(r.run.headers.spec);
                i.headers.case.extend(r.run.headers.case);
                i.not_selected.extend(r.run.not_selected);
                for b in r.run.latency {
                    if !i.latency.contains(&b) {
                        i.latency.push(b);
                    }
                }
            }
        }
        verdicts.extend(r.cases.into_iter().map(|c| c.verdict));
    }
    let mut info = info.ok_or_else(|| "no results to report".to_string())?;
    // A case one share left out is not left out of the whole when another share ran it.
    let mut listed = std::collections::HashSet::new();
    info.not_selected.retain(|u| {
        let key = u.key();
        !holder.contains_key(&key) && listed.insert(key)
    });
    Ok((info, verdicts))
}

/// Two inputs of `specgate report` that hold the same cases of one target: two runs of it, not
/// shares of one run.
struct Overlap<'a> {
    earlier: &'a Path,
    later: &'a Path,
    first: String,
    target: String,
    cases: usize,
}

impl std::fmt::Display for Overlap<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} and {} both hold results of target `{}` ({} case(s) in both, e.g. `{}`); combined, each would count twice.\n  \
             Shares of one run (`--partition`) hold disjoint cases and combine as they are. To compare two runs of one \
             target, use `specgate diff {} {}`; to report them side by side, run them with distinct target names \
             (`--target NAME=URL`).",
            self.earlier.display(),
            self.later.display(),
            self.target,
            self.cases,
            self.first,
            self.earlier.display(),
            self.later.display(),
        )
    }
}

/// Per target: the specs run against it and the counts of its verdicts.
pub(crate) fn per_target(verdicts: &[Verdict], targets: &[TargetInfo]) -> Vec<(String, Vec<String>, Summary)> {
    targets
        .iter()
        .map(|t| {
            // Borrowed: cloning every verdict (with its exchanges) per target cost more than the counts.
            let mine = || verdicts.iter().filter(|v| v.target == t.name);
            let mut specs: Vec<String> = Vec::new();
            for v in mine() {
                if specs.last() != Some(&v.spec) {
                    specs.push(v.spec.clone());
                }
            }
            (t.name.clone(), specs, Summary::of_each(mine()))
        })
        .collect()
}

/// Group verdicts for matrix views: (case key without target, verdict per target name), for
/// the cases that ran against more than one target.
pub(crate) fn matrix<'a>(verdicts: &'a [Verdict], targets: &[TargetInfo]) -> Vec<(String, Vec<Option<&'a Verdict>>)> {
    let mut rows: Vec<(String, Vec<Option<&Verdict>>)> = Vec::new();
    // Case → its row: a search of the rows for each verdict made the matrix quadratic in cases.
    let mut row_of: HashMap<String, usize> = HashMap::with_capacity(verdicts.len());
    let columns: HashMap<&str, usize> = targets.iter().enumerate().rev().map(|(i, t)| (t.name.as_str(), i)).collect();
    for v in verdicts {
        let key = format!("{}::{}", v.spec, v.case);
        let col = columns.get(v.target.as_str()).copied().unwrap_or(0);
        match row_of.get(&key) {
            Some(&row) => rows[row].1[col] = Some(v),
            None => {
                let mut cells = vec![None; targets.len().max(1)];
                cells[col] = Some(v);
                row_of.insert(key.clone(), rows.len());
                rows.push((key, cells));
            }
        }
    }
    rows.retain(|(_, cells)| cells.iter().flatten().count() > 1);
    rows
}

/// Whether a matrix row is worth a look: its targets differ, or one of them failed, warned or
/// could not check. The matrix shows these rows first; a row where every target passed (or
/// skipped, or has a waived failure, alike) is one click away.
pub(crate) fn notable(cells: &[Option<&Verdict>]) -> bool {
    use crate::verdict::Class;
    let classes: Vec<Option<Class>> = cells.iter().map(|c| c.map(Verdict::class)).collect();
    classes.iter().any(|c| *c != classes[0]) || classes.iter().flatten().any(|c| matches!(c, Class::Fail | Class::Error | Class::Warn))
}

/// The run's verdict: how it counts (fail, error or pass) and its words, as summary.md and the
/// reports open.
pub(crate) fn verdict(s: &Summary, roots: &[roots::RootCause]) -> (crate::verdict::Class, &'static str) {
    use crate::verdict::Class;
    if s.failed > 0 || roots::breaks_a_must_bound(roots) {
        (Class::Fail, "the contract is broken")
    } else if s.errored > 0 {
        (Class::Error, "some cases could not be checked")
    } else {
        (Class::Pass, "the gate passes")
    }
}

/// [`verdict`] with its symbol, for Markdown.
pub(crate) fn verdict_line(s: &Summary, roots: &[roots::RootCause]) -> String {
    let (class, words) = verdict(s, roots);
    let symbol = class.mark().split(' ').next().unwrap_or("");
    format!("{symbol} {words}")
}

/// What the outputs of a run are given.
pub struct Given {
    pub info: RunInfo,
    pub options: Options,
    pub waivers: Vec<crate::waiver::Waiver>,
    /// The terminal's progress note, when there is a terminal to draw it on.
    pub progress: Option<std::sync::Arc<progress::Progress>>,
    /// Where the `--events` stream goes, if asked for.
    pub stream: Option<Box<dyn std::io::Write + Send>>,
    /// Whether CI annotations are printed.
    pub annotations: bool,
    pub report_dir: PathBuf,
}

/// Every output of a run, in the order they have their say when it finishes (stderr lines,
/// then the exit code: see `events::Subscriber::exit_code`). An output is one file here and
/// one line below.
pub fn outputs(given: Given) -> Vec<Box<dyn crate::events::Subscriber>> {
    let mut outputs: Vec<Box<dyn crate::events::Subscriber>> = Vec::new();
    if let Some(p) = given.progress {
        outputs.push(Box::new(progress::ProgressEvents(p)));
    }
    if let Some(out) = given.stream {
        outputs.push(Box::new(stream::JsonLines::new(out)));
    }
    outputs.push(Box::new(tally::Tally::default()));
    outputs.push(Box::new(notices::Notices::default()));
    outputs.push(Box::new(stale_waivers::StaleWaivers::new(given.waivers)));
    outputs.push(Box::new(cost::Cost::default()));
    outputs.push(Box::new(latency::Latency::default()));
    if given.annotations {
        outputs.push(Box::new(annotations::Annotations::new(given.info.latency.clone())));
    }
    outputs.push(Box::new(files::Files::new(given.report_dir, given.info, given.options)));
    outputs
}

#[cfg(test)]
mod matrix_tests {
    use super::*;
    use crate::spec::model::Level;
    use crate::verdict::{sample, Outcome};

    #[test]
    fn the_matrix_has_a_row_per_case_in_first_seen_order_and_a_column_per_target() {
        let targets: Vec<TargetInfo> = ["a", "b"].iter().map(|n| TargetInfo { name: n.to_string(), url: format!("http://{n}") }).collect();
        let verdict =
            |case: &str, target: &str, outcome| Verdict { case: case.into(), target: target.into(), ..sample(outcome, Level::Must) };
        let verdicts = vec![
            verdict("two", "b", Outcome::Fail),
            verdict("one", "a", Outcome::Pass),
            verdict("two", "a", Outcome::Pass),
            verdict("alone", "a", Outcome::Pass),
            verdict("one", "b", Outcome::Error),
        ];
        let rows = matrix(&verdicts, &targets);
        let shown: Vec<(&str, Vec<Option<Outcome>>)> =
            rows.iter().map(|(k, cells)| (k.as_str(), cells.iter().map(|c| c.map(|v| v.outcome)).collect())).collect();
        assert_eq!(
            shown,
            vec![("s::two", vec![Some(Outcome::Pass), Some(Outcome::Fail)]), ("s::one", vec![Some(Outcome::Pass), Some(Outcome::Error)]),],
            "a case seen on one target only is not a row of the matrix"
        );
    }

    #[test]
    fn a_row_is_notable_when_its_targets_differ_or_one_did_not_pass() {
        let pass = sample(Outcome::Pass, Level::Must);
        let fail = sample(Outcome::Fail, Level::Must);
        assert!(!notable(&[Some(&pass), Some(&pass)]));
        assert!(notable(&[Some(&pass), Some(&fail)]));
        assert!(notable(&[Some(&fail), Some(&fail)]));
        assert!(notable(&[Some(&pass), None]), "a case one target did not run differs");
        let skip = sample(Outcome::Skip, Level::Must);
        assert!(!notable(&[Some(&skip), Some(&skip)]), "skipped alike is not worth a look");
        assert!(notable(&[Some(&pass), Some(&skip)]));
    }
}
