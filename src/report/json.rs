//! `results.json`: the machine-readable record of a run.

use serde_json::json;

use super::Report;

pub fn render(r: &Report<'_>) -> String {
    let doc = json!({
        "summary": r.summary,
        "run": r.info,
        "changes": r.changes,
        "cases": r.verdicts,
    });
    serde_json::to_string_pretty(&doc).expect("verdicts serialize") + "\n"
}
