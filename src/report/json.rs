//! `results.json`: the machine-readable record of a run, written and read through one type.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{compare::Changes, Report, RunInfo};
use crate::verdict::{Summary, Verdict};

/// The document `results.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    pub summary: Summary,
    pub run: RunInfo,
    #[serde(default)]
    pub changes: Option<Changes>,
    pub cases: Vec<CaseRecord>,
}

/// One case as recorded: its verdict (findings grouped, every instance kept) and the
/// command that reproduces it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseRecord {
    #[serde(flatten)]
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproduce: Option<String>,
}

pub fn render(r: &Report<'_>) -> String {
    let doc = Results {
        summary: r.summary.clone(),
        run: r.info.clone(),
        changes: r.changes.clone(),
        cases: r.verdicts.iter().map(|v| CaseRecord { verdict: v.clone(), reproduce: r.reproduce(v) }).collect(),
    };
    serde_json::to_string_pretty(&doc).expect("verdicts serialize") + "\n"
}

/// Read a `results.json` (or the one in a report directory).
pub fn read(path: &Path) -> Result<Results, String> {
    let path = if path.is_dir() { path.join("results.json") } else { path.to_path_buf() };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not a specgate results.json: {e}", path.display()))
}
