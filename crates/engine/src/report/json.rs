//! `results.json`: the machine-readable record of a run, written and read through one type.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::changes::{Changes, Previous};
use super::roots::RootCause;
use super::{Report, RunInfo};
use crate::verdict::{Summary, Verdict};

/// The document `results.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Results {
    pub summary: Summary,
    pub run: RunInfo,
    #[serde(default)]
    pub changes: Option<Changes>,
    /// The failures grouped by what broke; every case is still in `cases`. Derived from the
    /// cases, so never read back: readers group the cases again, and a file whose root causes
    /// have another shape (or none, from an earlier version) reads all the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty", skip_deserializing)]
    pub root_causes: Vec<RootCause>,
    pub cases: Vec<CaseRecord>,
}

/// One case as recorded: its verdict (findings grouped, every instance kept) and the
/// command that reproduces it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CaseRecord {
    #[serde(flatten)]
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproduce: Option<String>,
}

pub(crate) fn render(r: &Report<'_>) -> String {
    let doc = Results {
        summary: r.summary.clone(),
        run: r.info.clone(),
        changes: r.changes.clone(),
        root_causes: r.roots.clone(),
        cases: r.verdicts.iter().map(|v| CaseRecord { verdict: v.clone(), reproduce: r.reproduce(v) }).collect(),
    };
    serde_json::to_string_pretty(&doc).expect("verdicts serialize") + "\n"
}

/// Read a `results.json` (or the one in a report directory).
pub(crate) fn read(path: &Path) -> Result<Results, String> {
    let path = if path.is_dir() { path.join("results.json") } else { path.to_path_buf() };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not a specgate results.json: {e}", path.display()))
}

/// The run a `results.json` (or a report directory holding one) records, as a later run
/// compares with it: the cases it ran, and those of its plan it did not select.
pub fn read_previous(path: &Path) -> Result<Previous, String> {
    let r = read(path)?;
    let verdicts: Vec<Verdict> = r.cases.into_iter().map(|c| c.verdict).collect();
    Ok(Previous::with_unselected(&verdicts, &r.run.not_selected))
}

/// The previous run's results in a report directory, if readable.
pub(crate) fn load_previous(path: &Path) -> Option<Previous> {
    path.exists().then(|| read_previous(path).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::changes::tests::case;
    use crate::verdict::{Class, Outcome};

    #[test]
    fn previous_results_are_read_through_the_writer_types() {
        let dir = std::env::temp_dir().join(format!("specgate-compare-{}", std::process::id()));
        let info = RunInfo {
            specgate: "t".into(),
            targets: vec![],
            seed: 1,
            budget: 1,
            specs: vec![],
            headers: Default::default(),
            warnings: vec![],
            stopped: None,
            not_selected: vec![],
            latency: vec![],
            traffic: None,
        };
        super::super::write_all(&dir, &info, &[case("a", Outcome::Fail)]).unwrap();
        let p = read_previous(&dir.join("results.json")).unwrap();
        let c = Changes::between(&p, &[case("a", Outcome::Pass)], &[]);
        assert_eq!(c.fixed[0].before, Some(Class::Fail));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
