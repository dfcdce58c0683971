//! Regression view: this run against the previous `results.json` in the same directory.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::verdict::Verdict;

/// Case id → outcome, as read from a previous `results.json`.
pub type Previous = BTreeMap<String, String>;

pub fn load_previous(path: &Path) -> Option<Previous> {
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let cases = v.get("cases")?.as_array()?;
    Some(
        cases
            .iter()
            .filter_map(|c| {
                Some((format!("{}@{}", c.get("id")?.as_str()?, c.get("target")?.as_str()?), c.get("outcome")?.as_str()?.to_string()))
            })
            .collect(),
    )
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Changes {
    /// Passed (or skipped) last time, fail or error now.
    pub regressed: Vec<Change>,
    /// Failed or errored last time, pass now.
    pub fixed: Vec<Change>,
    /// Any other change of outcome.
    pub changed: Vec<Change>,
    pub new: Vec<String>,
    pub removed: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Change {
    pub id: String,
    pub before: String,
    pub after: String,
}

impl Changes {
    pub fn between(previous: &Previous, now: &[Verdict]) -> Changes {
        let mut c = Changes::default();
        let mut seen = std::collections::BTreeSet::new();
        for v in now {
            let key = format!("{}@{}", v.id, v.target);
            seen.insert(key.clone());
            let after = v.outcome.as_str().to_string();
            match previous.get(&key) {
                None => c.new.push(v.id.clone()),
                Some(before) if *before == after => {}
                Some(before) => {
                    let change = Change { id: v.id.clone(), before: before.clone(), after: after.clone() };
                    let bad = |o: &str| o == "fail" || o == "error";
                    if bad(&after) && !bad(before) {
                        c.regressed.push(change);
                    } else if after == "pass" && bad(before) {
                        c.fixed.push(change);
                    } else {
                        c.changed.push(change);
                    }
                }
            }
        }
        c.removed =
            previous.keys().filter(|k| !seen.contains(*k)).map(|k| k.rsplit_once('@').map(|(id, _)| id).unwrap_or(k).to_string()).collect();
        c
    }

    pub fn is_empty(&self) -> bool {
        self.regressed.is_empty() && self.fixed.is_empty() && self.changed.is_empty() && self.new.is_empty() && self.removed.is_empty()
    }
}
