//! Waivers: known, explained deviations of a target from the contract. A waived `fail` is still
//! reported (with its reason and evidence) but no longer fails the gate; a waiver that matches
//! nothing is reported as stale so the file cannot silently rot.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::spec::error::{Pos, SpecError};
use crate::verdict::{Outcome, Verdict};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverFile {
    waivers: Vec<Waiver>,
}

/// One explained deviation.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// Case id without the target (`specs/x.yaml::pagination.default-limit`); a trailing `*`
    /// matches any suffix.
    pub case: String,
    /// Target name the waiver applies to; all targets when absent.
    pub target: Option<String>,
    /// Only waive when every finding of the case comes from this check (e.g. `schema`), so an
    /// unrelated new failure of the same case is not hidden.
    pub check: Option<crate::verdict::CheckId>,
    /// Why the deviation is accepted.
    pub reason: String,
    /// What proves it: the request, the response, the doc line.
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub request: String,
    pub response: String,
    pub doc: String,
}

impl Waiver {
    pub(crate) fn matches(&self, v: &Verdict) -> bool {
        let key = format!("{}::{}", v.spec, v.case);
        let case_ok = match self.case.strip_suffix('*') {
            Some(prefix) => key.starts_with(prefix),
            None => key == self.case,
        };
        let check_ok = self.check.as_ref().is_none_or(|c| !v.findings.is_empty() && v.findings.iter().all(|f| f.check == *c));
        case_ok && check_ok && self.target.as_ref().is_none_or(|t| *t == v.target)
    }
}

/// Load a waiver file; errors name file:line:col like spec errors.
pub fn load(path: &Path) -> Result<Vec<Waiver>, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|e| SpecError::new(path, format!("cannot read waivers: {e}")))?;
    serde_saphyr::from_str::<WaiverFile>(&text).map(|f| f.waivers).map_err(|e| {
        let inner = e.without_snippet();
        let pos = inner.location().map(|l| Pos::of(&l)).unwrap_or_default();
        let msg = inner.to_string();
        let msg = msg.lines().next().unwrap_or("").trim_start_matches("error: ").to_string();
        SpecError::new(path, format!("invalid waiver file: {msg}")).at(&text, pos, 1)
    })
}

/// Mark a failure a waiver explains.
pub(crate) fn waive(v: &mut Verdict, waivers: &[Waiver]) {
    if v.outcome == Outcome::Fail {
        if let Some(w) = waivers.iter().find(|w| w.matches(v)) {
            v.waived = Some(w.reason.clone());
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn waiver(case: &str, target: Option<&str>) -> Waiver {
        Waiver {
            case: case.into(),
            target: target.map(Into::into),
            check: None,
            reason: "r".into(),
            evidence: Evidence { request: "GET /x".into(), response: "200".into(), doc: "d".into() },
        }
    }

    pub(crate) fn failed(case: &str, target: &str) -> Verdict {
        let mut v = crate::verdict::sample(Outcome::Fail, crate::spec::model::Level::Must);
        v.spec = "s.yaml".into();
        v.case = case.into();
        v.target = target.into();
        v
    }

    fn apply(verdicts: &mut [Verdict], waivers: &[Waiver]) {
        verdicts.iter_mut().for_each(|v| waive(v, waivers));
    }

    #[test]
    fn waivers_match_case_prefix_and_target() {
        let mut vs =
            vec![failed("pagination.default-limit", "glance"), failed("filter.x.sound", "glance"), failed("filter.x.sound", "ref")];
        apply(&mut vs, &[waiver("s.yaml::pagination.default-limit", None), waiver("s.yaml::filter.*", Some("glance"))]);
        assert!(vs[0].waived.is_some() && vs[1].waived.is_some());
        assert!(vs[2].waived.is_none(), "other target not waived");
    }

    #[test]
    fn a_waiver_limited_to_a_check_does_not_hide_other_findings() {
        let mut w = waiver("s.yaml::bad-*", None);
        w.check = Some(crate::verdict::CheckId::Schema);
        let mut schema_only = failed("bad-limit", "t");
        schema_only.findings =
            vec![crate::verdict::Finding::new(crate::verdict::CheckId::Schema, "", serde_json::json!(1), serde_json::json!(2), "m")];
        let mut also_status = schema_only.clone();
        also_status.findings.push(crate::verdict::Finding::new(
            crate::verdict::CheckId::Status,
            "",
            serde_json::json!(400),
            serde_json::json!(500),
            "m",
        ));
        let mut vs = vec![schema_only, also_status];
        apply(&mut vs, &[w]);
        assert!(vs[0].waived.is_some());
        assert!(vs[1].waived.is_none());
    }

    #[test]
    fn malformed_waiver_file_names_its_position() {
        let dir = std::env::temp_dir().join(format!("specgate-waiver-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("w.yaml");
        std::fs::write(&p, "waivers:\n  - case: x\n    reasn: typo\n").unwrap();
        let e = load(&p).unwrap_err();
        assert_eq!(e.pos.map(|p| p.line), Some(3), "{}", e.render());
    }
}
