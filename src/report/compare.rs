//! Regression view: this run against an earlier `results.json` (the previous run in the same
//! report directory, or a `--baseline`), read through the same types as the writer.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::check::group::pattern;
use crate::verdict::{Class, Finding, Verdict};

/// An earlier run: per case (`id@target`), its class and the rules its findings broke.
#[derive(Debug, Clone, Default)]
pub struct Previous {
    cases: BTreeMap<String, Earlier>,
}

#[derive(Debug, Clone)]
struct Earlier {
    id: String,
    class: Class,
    rules: BTreeMap<String, usize>,
}

impl Previous {
    /// The cases of a run, as read from its `results.json`.
    pub fn of(verdicts: &[Verdict]) -> Previous {
        Previous {
            cases: verdicts.iter().map(|v| (key(v), Earlier { id: v.id.clone(), class: v.class(), rules: rules(&v.findings) })).collect(),
        }
    }

    /// Read a `results.json` (or a report directory holding one).
    pub fn read(path: &Path) -> Result<Previous, String> {
        let r = super::json::read(path)?;
        let verdicts: Vec<Verdict> = r.cases.into_iter().map(|c| c.verdict).collect();
        Ok(Previous::of(&verdicts))
    }
}

/// The previous run's results in a report directory, if readable.
pub fn load_previous(path: &Path) -> Option<Previous> {
    path.exists().then(|| Previous::read(path).ok()).flatten()
}

fn key(v: &Verdict) -> String {
    format!("{}@{}", v.id, v.target)
}

/// A rule a finding broke, as text: check, where (indices generalised) and expected value;
/// with how many places broke it.
fn rules(findings: &[Finding]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for f in findings {
        let at = pattern(&f.pointer);
        let at = if at.is_empty() { String::new() } else { format!(" at {at}") };
        *out.entry(format!("[{}]{at} expected {}", f.check, f.expected)).or_insert(0) += f.count();
    }
    out
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Changes {
    /// Fail or error now, and not before (new cases included).
    pub regressed: Vec<Change>,
    /// Failed or errored before, neither now (skips excepted).
    pub fixed: Vec<Change>,
    /// Failed or errored before and now.
    #[serde(default)]
    pub still_failing: Vec<Change>,
    /// Any other change of class.
    pub changed: Vec<Change>,
    /// Same class, different broken rules.
    #[serde(default)]
    pub findings: Vec<FindingsChange>,
    pub new: Vec<String>,
    pub removed: Vec<String>,
}

/// Lists of changes longer than this are shown folded: one line per [`Group`], its cases under it.
pub const FOLD: usize = 5;

/// Changes of one list that share their target and their classes before and after. A run after a
/// target came back fixes hundreds of its cases the same way: one line says so, where one line per
/// case buried the failures of the run.
pub struct Group<'c> {
    /// The target named after the case id's last `@`; empty when the ids name none.
    pub target: &'c str,
    pub before: Option<Class>,
    pub after: Class,
    pub changes: Vec<&'c Change>,
}

/// `list` in groups (see [`Group`]), in the order each group is first seen.
pub fn groups(list: &[Change]) -> Vec<Group<'_>> {
    let mut out: Vec<Group<'_>> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for ch in list {
        let target = ch.id.rsplit_once('@').map_or("", |(_, t)| t);
        let at = *index.entry((target, ch.before, ch.after)).or_insert_with(|| {
            out.push(Group { target, before: ch.before, after: ch.after, changes: Vec::new() });
            out.len() - 1
        });
        out[at].changes.push(ch);
    }
    out
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Change {
    pub id: String,
    /// Absent for a case the earlier run did not have.
    pub before: Option<Class>,
    pub after: Class,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.before {
            Some(b) => write!(f, "`{}`: {b} → {}", self.id, self.after),
            None => write!(f, "`{}`: new, {}", self.id, self.after),
        }
    }
}

/// Rules a case breaks now and did not before, and the reverse.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FindingsChange {
    pub id: String,
    pub class: Class,
    /// `rule (n places)`.
    pub added: Vec<String>,
    pub gone: Vec<String>,
}

impl Changes {
    pub fn between(previous: &Previous, now: &[Verdict]) -> Changes {
        let mut c = Changes::default();
        let mut seen = std::collections::BTreeSet::new();
        for v in now {
            let k = key(v);
            let after = v.class();
            let earlier = previous.cases.get(&k);
            seen.insert(k);
            let change = Change { id: v.id.clone(), before: earlier.map(|e| e.class), after };
            match earlier {
                None => {
                    c.new.push(v.id.clone());
                    if after.is_bad() {
                        c.regressed.push(change);
                    }
                }
                Some(e) if e.class.is_bad() && after.is_bad() => {
                    c.still_failing.push(change);
                    c.rules_changed(v, e);
                }
                Some(e) if e.class == after => c.rules_changed(v, e),
                Some(_) if after.is_bad() => c.regressed.push(change),
                Some(e) if e.class.is_bad() && after != Class::Skip => c.fixed.push(change),
                Some(_) => c.changed.push(change),
            }
        }
        c.removed = previous.cases.iter().filter(|(k, _)| !seen.contains(*k)).map(|(_, e)| e.id.clone()).collect();
        c
    }

    fn rules_changed(&mut self, v: &Verdict, e: &Earlier) {
        let now = rules(&v.findings);
        let show = |(r, n): (&String, &usize)| if *n > 1 { format!("{r} ({n} places)") } else { r.clone() };
        let added: Vec<String> = now.iter().filter(|(r, n)| e.rules.get(*r) != Some(n)).map(show).collect();
        let gone: Vec<String> = e.rules.iter().filter(|(r, n)| now.get(*r) != Some(n)).map(show).collect();
        if !added.is_empty() || !gone.is_empty() {
            self.findings.push(FindingsChange { id: v.id.clone(), class: v.class(), added, gone });
        }
    }

    /// Did anything get worse: a case that fails or errors now and did not before.
    pub fn regressed(&self) -> bool {
        !self.regressed.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        self.regressed.is_empty()
            && self.fixed.is_empty()
            && self.changed.is_empty()
            && self.findings.is_empty()
            && self.new.is_empty()
            && self.removed.is_empty()
    }

    /// Exit code of a gate that fails only on regressions (`--baseline`): a new failure
    /// fails it; a new error only, errors it; known failures do not count.
    pub fn gate_code(&self) -> u8 {
        if self.regressed.iter().any(|c| c.after == Class::Fail) {
            crate::exit::FAILED
        } else if self.regressed() {
            crate::exit::ERRORED
        } else {
            crate::exit::PASSED
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::Level;
    use crate::verdict::{sample, Outcome};
    use serde_json::json;

    fn case(name: &str, outcome: Outcome) -> Verdict {
        let mut v = sample(outcome, Level::Must);
        v.id = format!("s::{name}");
        v.case = name.into();
        v
    }

    #[test]
    fn outcomes_are_compared_by_class() {
        let before =
            Previous::of(&[case("a", Outcome::Pass), case("b", Outcome::Fail), case("c", Outcome::Fail), case("gone", Outcome::Pass)]);
        let mut waived = case("c", Outcome::Fail);
        waived.waived = Some("known".into());
        let now = [case("a", Outcome::Error), case("b", Outcome::Pass), waived, case("d", Outcome::Fail)];
        let c = Changes::between(&before, &now);
        assert_eq!(c.regressed.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["s::a", "s::d"]);
        assert_eq!(c.fixed.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["s::b", "s::c"]);
        assert_eq!(c.new, ["s::d"]);
        assert_eq!(c.removed, ["s::gone"]);
        assert_eq!(c.gate_code(), crate::exit::FAILED);
    }

    #[test]
    fn a_known_failure_with_other_findings_is_still_failing_with_changed_rules() {
        let mut old = case("a", Outcome::Fail);
        old.findings = vec![Finding::new(crate::verdict::CheckId::Schema, "/images/0/x", json!({"type": "integer"}), json!("1"), "m")];
        let mut new = case("a", Outcome::Fail);
        new.findings = vec![Finding::new(crate::verdict::CheckId::Status, "", json!(200), json!(500), "m")];
        let c = Changes::between(&Previous::of(&[old]), &[new]);
        assert_eq!(c.still_failing.len(), 1);
        assert!(!c.regressed());
        assert_eq!(c.gate_code(), crate::exit::PASSED);
        assert_eq!(c.findings[0].added, [r#"[status] expected 200"#]);
        assert_eq!(c.findings[0].gone, [r#"[schema] at /images/*/x expected {"type":"integer"}"#]);
    }

    #[test]
    fn previous_results_are_read_through_the_writer_types() {
        let dir = std::env::temp_dir().join(format!("specgate-compare-{}", std::process::id()));
        let info = super::super::RunInfo {
            specgate: "t".into(),
            targets: vec![],
            seed: 1,
            budget: 1,
            specs: vec![],
            headers: Default::default(),
            warnings: vec![],
            stopped: None,
        };
        super::super::write_all(&dir, &info, &[case("a", Outcome::Fail)]).unwrap();
        let p = Previous::read(&dir.join("results.json")).unwrap();
        let c = Changes::between(&p, &[case("a", Outcome::Pass)]);
        assert_eq!(c.fixed[0].before, Some(Class::Fail));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn change(id: &str, before: Option<Class>, after: Class) -> Change {
        Change { id: id.into(), before, after }
    }

    /// A run after a target came back: its cases fixed the same way fold into one line, while the
    /// other target's change stays on its own line, in the Markdown and in the HTML report.
    #[test]
    fn many_changes_of_one_kind_on_one_target_are_one_line() {
        let mut fixed: Vec<Change> = (0..7).map(|i| change(&format!("s.yaml::c{i}@faulty"), Some(Class::Error), Class::Pass)).collect();
        fixed.insert(3, change("s.yaml::other@good", Some(Class::Fail), Class::Pass));
        fixed.push(change("s.yaml::c9@faulty", Some(Class::Fail), Class::Pass));
        let groups = groups(&fixed);
        let seen: Vec<(&str, usize)> = groups.iter().map(|g| (g.target, g.changes.len())).collect();
        assert_eq!(seen, [("faulty", 7), ("good", 1), ("faulty", 1)], "by target and classes, first seen first");
        assert!(groups[0].changes.iter().enumerate().all(|(i, ch)| ch.id == format!("s.yaml::c{i}@faulty")));

        let c = Changes {
            fixed,
            new: (0..FOLD + 1).map(|i| format!("s.yaml::n{i}@good")).collect(),
            regressed: vec![change("s.yaml::worse@good", Some(Class::Pass), Class::Fail)],
            findings: (0..FOLD + 2)
                .map(|i| FindingsChange {
                    id: format!("s.yaml::f{i}@faulty"),
                    class: Class::Fail,
                    added: vec![format!("rule {i}")],
                    gone: vec![],
                })
                .collect(),
            ..Changes::default()
        };
        let md = crate::report::markdown::changes(&c);
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(
            lines,
            [
                "- **Newly failing** `s.yaml::worse@good`: pass → fail",
                "- **Fixed** 7 cases on `faulty`: error → pass, e.g. `s.yaml::c0@faulty`, `s.yaml::c1@faulty`, `s.yaml::c2@faulty`",
                "- **Fixed** `s.yaml::other@good`: fail → pass",
                "- **Fixed** `s.yaml::c9@faulty`: fail → pass",
                "- **Findings changed** `s.yaml::f0@faulty` (fail):",
                "  - now: `rule 0`",
                "- **Findings changed** `s.yaml::f1@faulty` (fail):",
                "  - now: `rule 1`",
                "- **Findings changed** `s.yaml::f2@faulty` (fail):",
                "  - now: `rule 2`",
                "- **Findings changed** in 4 more cases (every one in results.json, `changes`)",
                "- New cases: 6, e.g. `s.yaml::n0@good`, `s.yaml::n1@good`, `s.yaml::n2@good`",
            ]
        );
    }
}
