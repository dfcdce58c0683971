//! Reporters: JSON, JUnit, Markdown and HTML files from the verdicts of a run.
//! They never do HTTP; they only read verdicts (and the previous run's `results.json`).

pub mod compare;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;

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
    /// Settings that weaken what the run proves (e.g. `--insecure`); shown at the top of reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetInfo {
    pub name: String,
    pub url: String,
}

/// Everything a reporter needs.
pub struct Report<'a> {
    pub info: &'a RunInfo,
    pub verdicts: &'a [Verdict],
    pub summary: Summary,
    /// Changes against the previous run in the same report directory, if there was one.
    pub changes: Option<compare::Changes>,
}

/// Write every report into `dir`; returns the files written.
pub fn write_all(dir: &Path, info: &RunInfo, verdicts: &[Verdict]) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let results = dir.join("results.json");
    let previous = compare::load_previous(&results);
    if results.exists() {
        std::fs::copy(&results, dir.join("results.previous.json"))?;
    }
    let report =
        Report { info, verdicts, summary: Summary::of(verdicts), changes: previous.map(|p| compare::Changes::between(&p, verdicts)) };
    let files = [
        (results, json::render(&report)),
        (dir.join("junit.xml"), junit::render(&report)),
        (dir.join("report.md"), markdown::render(&report)),
        (dir.join("report.html"), html::render(&report)),
    ];
    let mut written = Vec::new();
    for (path, text) in files {
        write_atomically(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// Write through a temporary file so an interrupted run never leaves half a report.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, path)
}

/// Read the verdicts and run facts of earlier runs (their `results.json`) to report them together.
pub fn read_results(dirs: &[PathBuf]) -> Result<(RunInfo, Vec<Verdict>), String> {
    let mut info: Option<RunInfo> = None;
    let mut verdicts = Vec::new();
    for dir in dirs {
        let path = if dir.is_dir() { dir.join("results.json") } else { dir.clone() };
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        #[derive(Deserialize)]
        struct Results {
            run: RunInfo,
            cases: Vec<Verdict>,
        }
        let r: Results = serde_json::from_str(&text).map_err(|e| format!("{}: not a specgate results.json: {e}", path.display()))?;
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
            }
        }
        verdicts.extend(r.cases);
    }
    info.map(|i| (i, verdicts)).ok_or_else(|| "no results to report".to_string())
}

/// Per target: the specs run against it and the counts of its verdicts.
pub fn per_target(verdicts: &[Verdict], targets: &[TargetInfo]) -> Vec<(String, Vec<String>, Summary)> {
    targets
        .iter()
        .map(|t| {
            let mine: Vec<Verdict> = verdicts.iter().filter(|v| v.target == t.name).cloned().collect();
            let mut specs: Vec<String> = mine.iter().map(|v| v.spec.clone()).collect();
            specs.dedup();
            (t.name.clone(), specs, Summary::of(&mine))
        })
        .collect()
}

/// Group verdicts for matrix views: (case key without target, verdict per target name), for
/// the cases that ran against more than one target.
pub fn matrix<'a>(verdicts: &'a [Verdict], targets: &[TargetInfo]) -> Vec<(String, Vec<Option<&'a Verdict>>)> {
    let mut rows: Vec<(String, Vec<Option<&Verdict>>)> = Vec::new();
    for v in verdicts {
        let key = format!("{}::{}", v.spec, v.case);
        let col = targets.iter().position(|t| t.name == v.target).unwrap_or(0);
        match rows.iter_mut().find(|(k, _)| *k == key) {
            Some((_, cells)) => cells[col] = Some(v),
            None => {
                let mut cells = vec![None; targets.len().max(1)];
                cells[col] = Some(v);
                rows.push((key, cells));
            }
        }
    }
    rows.retain(|(_, cells)| cells.iter().flatten().count() > 1);
    rows
}
