//! Regression view: this run against an earlier `results.json` (the previous run in the same
//! report directory, or a `--baseline`), read through the same types as the writer.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::check::group::pattern;
use crate::verdict::{Class, Finding, Verdict};

/// An earlier run: per case of its plan (`id@target`), its class and the rules its findings
/// broke when it last ran, if that is known.
#[derive(Debug, Clone, Default)]
pub struct Previous {
    cases: BTreeMap<String, Earlier>,
}

#[derive(Debug, Clone)]
struct Earlier {
    id: String,
    /// `None`: the plan held the case, but no run known here selected it.
    last: Option<LastRun>,
}

/// A case of the plan that a run did not select: a libtest filter or `--skip` left it out, or
/// another share of `--partition` holds it. It is neither removed from the specs when a filtered
/// run leaves it out, nor new when a later run selects it again.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Unselected {
    pub id: String,
    pub target: String,
    /// How it ended the last time it ran, carried from run to run in one report directory, so
    /// that the first run to select it again compares with that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<LastRun>,
}

/// How a case ended: its class and the rules its findings broke (see `rules`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LastRun {
    pub class: Class,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<String, usize>,
}

impl LastRun {
    fn of(v: &Verdict) -> LastRun {
        LastRun { class: v.class(), rules: rules(&v.findings) }
    }
}

impl Unselected {
    /// The cases of a plan, given as (id, target), that are not among the `selected` ids: ids
    /// are unique in a plan (several targets add `@target` to them).
    pub fn of<'p>(planned: &[(String, String)], selected: impl IntoIterator<Item = &'p str>) -> Vec<Unselected> {
        let selected: std::collections::HashSet<&str> = selected.into_iter().collect();
        planned
            .iter()
            .filter(|(id, _)| !selected.contains(id.as_str()))
            .map(|(id, target)| Unselected { id: id.clone(), target: target.clone(), last: None })
            .collect()
    }

    /// See [`key`].
    pub(crate) fn key(&self) -> String {
        format!("{}@{}", self.id, self.target)
    }
}

impl Previous {
    /// The cases of a run that selected every case of its plan.
    #[cfg(test)]
    pub(crate) fn of(verdicts: &[Verdict]) -> Previous {
        Previous::with_unselected(verdicts, &[])
    }

    /// The cases of a run: those it ran, and those of its plan it did not select.
    pub(crate) fn with_unselected(verdicts: &[Verdict], unselected: &[Unselected]) -> Previous {
        let ran = verdicts.iter().map(|v| (key(v), Earlier { id: v.id.clone(), last: Some(LastRun::of(v)) }));
        let held = unselected.iter().map(|u| (u.key(), Earlier { id: u.id.clone(), last: u.last.clone() }));
        Previous { cases: held.chain(ran).collect() }
    }

    /// `unselected` (cases this run leaves out), each with how it ended when it last ran, as far
    /// as this earlier run knows: so the history of a case survives runs that do not select it.
    pub(crate) fn carry(&self, unselected: &[Unselected]) -> Vec<Unselected> {
        unselected
            .iter()
            .map(|u| Unselected { last: self.cases.get(&u.key()).and_then(|e| e.last.clone()).or_else(|| u.last.clone()), ..u.clone() })
            .collect()
    }
}

/// A case of a run: its id and target (`id@target`).
pub(crate) fn key(v: &Verdict) -> String {
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
pub(crate) struct Changes {
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
pub(crate) const FOLD: usize = 5;

/// Changes of one list that share their target and their classes before and after. A run after a
/// target came back fixes hundreds of its cases the same way: one line says so, where one line per
/// case buried the failures of the run.
pub(crate) struct Group<'c> {
    /// The target named after the case id's last `@`; empty when the ids name none.
    pub target: &'c str,
    pub after: Class,
    pub changes: Vec<&'c Change>,
}

impl Group<'_> {
    /// What the group's cases were before (see [`Change::before_label`]).
    pub(crate) fn before_label(&self) -> &'static str {
        self.changes[0].before_label()
    }
}

/// `list` in groups (see [`Group`]), in the order each group is first seen.
pub(crate) fn groups(list: &[Change]) -> Vec<Group<'_>> {
    let mut out: Vec<Group<'_>> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for ch in list {
        let target = ch.id.rsplit_once('@').map_or("", |(_, t)| t);
        let at = *index.entry((target, ch.before, ch.unselected_before, ch.after)).or_insert_with(|| {
            out.push(Group { target, after: ch.after, changes: Vec::new() });
            out.len() - 1
        });
        out[at].changes.push(ch);
    }
    out
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Change {
    pub id: String,
    /// Absent for a case the earlier run did not have, or had in its plan but never ran.
    pub before: Option<Class>,
    pub after: Class,
    /// The earlier run's plan held the case, but no run known to it selected the case: not new,
    /// and nothing to compare with.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unselected_before: bool,
}

impl Change {
    /// What the case was before, in words: its class, `new`, or `not selected before`.
    pub(crate) fn before_label(&self) -> &'static str {
        match (self.before, self.unselected_before) {
            (Some(b), _) => b.as_str(),
            (None, false) => "new",
            (None, true) => "not selected before",
        }
    }
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.before {
            Some(b) => write!(f, "`{}`: {b} → {}", self.id, self.after),
            None => write!(f, "`{}`: {}, {}", self.id, self.before_label(), self.after),
        }
    }
}

/// Rules a case breaks now and did not before, and the reverse.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct FindingsChange {
    pub id: String,
    pub class: Class,
    /// `rule (n places)`.
    pub added: Vec<String>,
    pub gone: Vec<String>,
}

impl Changes {
    /// From `previous` to a run that ran `now` and left `unselected` out of its plan. A case in
    /// either run's plan that the other run did not select is neither new nor removed.
    pub(crate) fn between(previous: &Previous, now: &[Verdict], unselected: &[Unselected]) -> Changes {
        let mut c = Changes::default();
        let mut seen: std::collections::BTreeSet<String> = unselected.iter().map(Unselected::key).collect();
        for v in now {
            let k = key(v);
            let after = v.class();
            let earlier = previous.cases.get(&k);
            seen.insert(k);
            let last = earlier.and_then(|e| e.last.as_ref());
            let change =
                Change { id: v.id.clone(), before: last.map(|e| e.class), after, unselected_before: earlier.is_some() && last.is_none() };
            match (earlier, last) {
                (None, _) => {
                    c.new.push(v.id.clone());
                    if after.is_bad() {
                        c.regressed.push(change);
                    }
                }
                // Never ran as far as the earlier run knows: a failure counts against the gate,
                // as a new case's does.
                (Some(_), None) => {
                    if after.is_bad() {
                        c.regressed.push(change);
                    }
                }
                (_, Some(e)) if e.class.is_bad() && after.is_bad() => {
                    c.still_failing.push(change);
                    c.rules_changed(v, e);
                }
                (_, Some(e)) if e.class == after => c.rules_changed(v, e),
                _ if after.is_bad() => c.regressed.push(change),
                (_, Some(e)) if e.class.is_bad() && after != Class::Skip => c.fixed.push(change),
                _ => c.changed.push(change),
            }
        }
        c.removed = previous.cases.iter().filter(|(k, _)| !seen.contains(*k)).map(|(_, e)| e.id.clone()).collect();
        c
    }

    fn rules_changed(&mut self, v: &Verdict, e: &LastRun) {
        let now = rules(&v.findings);
        let show = |(r, n): (&String, &usize)| if *n > 1 { format!("{r} ({n} places)") } else { r.clone() };
        let added: Vec<String> = now.iter().filter(|(r, n)| e.rules.get(*r) != Some(n)).map(show).collect();
        let gone: Vec<String> = e.rules.iter().filter(|(r, n)| now.get(*r) != Some(n)).map(show).collect();
        if !added.is_empty() || !gone.is_empty() {
            self.findings.push(FindingsChange { id: v.id.clone(), class: v.class(), added, gone });
        }
    }

    /// Did anything get worse: a case that fails or errors now and did not before.
    pub(crate) fn regressed(&self) -> bool {
        !self.regressed.is_empty()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.regressed.is_empty()
            && self.fixed.is_empty()
            && self.changed.is_empty()
            && self.findings.is_empty()
            && self.new.is_empty()
            && self.removed.is_empty()
    }

    /// Exit code of a gate that fails only on regressions (`--baseline`): a new failure
    /// fails it; a new error only, errors it; known failures do not count.
    pub(crate) fn gate_code(&self) -> u8 {
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
pub(crate) mod tests {
    use super::*;
    use crate::spec::model::Level;
    use crate::verdict::{sample, Outcome};
    use serde_json::json;

    pub(crate) fn case(name: &str, outcome: Outcome) -> Verdict {
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
        let c = Changes::between(&before, &now, &[]);
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
        let c = Changes::between(&Previous::of(&[old]), &[new], &[]);
        assert_eq!(c.still_failing.len(), 1);
        assert!(!c.regressed());
        assert_eq!(c.gate_code(), crate::exit::PASSED);
        assert_eq!(c.findings[0].added, [r#"[status] expected 200"#]);
        assert_eq!(c.findings[0].gone, [r#"[schema] at /images/*/x expected {"type":"integer"}"#]);
    }

    fn left_out(name: &str) -> Unselected {
        Unselected { id: format!("s::{name}"), target: "t".into(), last: None }
    }

    fn ids(list: &[Change]) -> Vec<&str> {
        list.iter().map(|c| c.id.as_str()).collect()
    }

    /// A run of a few cases (a libtest filter) after a full run: the others were not selected,
    /// not removed from the specs.
    #[test]
    fn a_filtered_run_removes_no_case_from_the_history() {
        let full = Previous::of(&[case("a", Outcome::Pass), case("b", Outcome::Fail), case("c", Outcome::Pass)]);
        let c = Changes::between(&full, &[case("a", Outcome::Pass)], &[left_out("b"), left_out("c")]);
        assert!(c.removed.is_empty() && c.new.is_empty(), "{c:?}");
        assert!(c.is_empty() && c.still_failing.is_empty(), "{c:?}");
        // A case gone from the plan is still removed.
        let c = Changes::between(&full, &[case("a", Outcome::Pass)], &[left_out("b")]);
        assert_eq!(c.removed, ["s::c"]);
    }

    /// A full run after a filtered one compares the cases that run left out with how they ended
    /// when they last ran, carried in the filtered run's results; none of them is new.
    #[test]
    fn a_full_run_after_a_filtered_run_calls_no_case_new() {
        let full = Previous::of(&[case("a", Outcome::Pass), case("b", Outcome::Fail)]);
        let carried = full.carry(&[left_out("b"), left_out("never")]);
        assert_eq!(carried[0].last.as_ref().map(|l| l.class), Some(Class::Fail), "b's class is carried");
        assert_eq!(carried[1].last, None, "a case no run selected has no class to carry");
        let filtered = Previous::with_unselected(&[case("a", Outcome::Pass)], &carried);
        let now = [case("a", Outcome::Pass), case("b", Outcome::Pass), case("never", Outcome::Fail), case("d", Outcome::Pass)];
        let c = Changes::between(&filtered, &now, &[]);
        assert_eq!(c.new, ["s::d"], "only a case no plan held before is new");
        assert_eq!(ids(&c.fixed), ["s::b"], "compared with the full run");
        assert_eq!(c.regressed, [Change { id: "s::never".into(), before: None, after: Class::Fail, unselected_before: true }]);
        assert_eq!(c.regressed[0].to_string(), "`s::never`: not selected before, fail");
        assert!(c.removed.is_empty());
    }

    fn change(id: &str, before: Option<Class>, after: Class) -> Change {
        Change { id: id.into(), before, after, unselected_before: false }
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
