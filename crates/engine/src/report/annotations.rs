//! CI annotations: GitHub Actions workflow commands that put a failure on the spec line that
//! declares the case (`::error file=…,line=…,title=…::message`).

use super::latency::Budget;
use super::roots::RootCause;
use crate::events::{Event, Subscriber};
use crate::render::first_line;
use crate::verdict::{Class, Verdict};

/// Prints the annotations on stdout when the run finishes.
pub(crate) struct Annotations {
    /// The verdicts annotated (failures, errors, warnings, and those whose requests a
    /// `latency:` bound judges), with their plan index.
    annotated: Vec<(usize, Verdict)>,
    budgets: Vec<Budget>,
}

impl Annotations {
    pub(crate) fn new(budgets: Vec<Budget>) -> Annotations {
        Annotations { annotated: Vec::new(), budgets }
    }
}

impl Subscriber for Annotations {
    fn on(&mut self, event: &Event<'_>, _at_ms: u64) {
        match event {
            Event::CaseFinished { index, verdict }
                if matches!(verdict.class(), Class::Fail | Class::Error | Class::Warn)
                    || self.budgets.iter().any(|b| b.spec == verdict.spec) =>
            {
                self.annotated.push((*index, (*verdict).clone()))
            }
            Event::RunFinished { .. } => {
                self.annotated.sort_by_key(|(i, _)| *i);
                let verdicts: Vec<Verdict> = std::mem::take(&mut self.annotated).into_iter().map(|(_, v)| v).collect();
                print!("{}", github(&verdicts, &self.budgets));
            }
            _ => {}
        }
    }
}

/// Annotations printed per kind; GitHub shows only a few per step anyway, the rest are
/// counted in one notice.
pub(crate) const MAX_PER_KIND: usize = 10;

/// Whether to annotate when `--annotations` is not given: inside GitHub Actions.
pub fn auto() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// Escape data (the message) of a workflow command.
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escape a property value of a workflow command.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The spec file and line of a `file:line` location (line 1 when it has none).
fn file_line(location: &str) -> (&str, &str) {
    match location.rsplit_once(':') {
        Some((f, l)) if l.parse::<u32>().is_ok() => (f, l),
        _ => (location, "1"),
    }
}

/// Cases named in a root cause's annotation; the rest are counted.
const NAMED_CASES: usize = 5;

/// One annotation per root cause, at the spec line of its first case: `must` defects as
/// errors, `should` ones as warnings. Cases that could not be checked are errors too (they
/// fail the gate's exit code), one per case: they have no defect to group by.
pub(crate) fn github(verdicts: &[Verdict], budgets: &[Budget]) -> String {
    let mut out = String::new();
    let mut left = [0usize; 2];
    let roots = super::roots::with_latency(verdicts, budgets);
    let errored: Vec<&Verdict> = verdicts.iter().filter(|v| v.class() == Class::Error).collect();
    for kind in [Class::Fail, Class::Warn] {
        let (name, slot) = if kind == Class::Fail { ("error", 0) } else { ("warning", 1) };
        let picked: Vec<&RootCause> = roots.iter().filter(|r| r.class == kind).collect();
        for r in picked.iter().take(MAX_PER_KIND) {
            let (file, line) = file_line(&r.location);
            let at = if r.pointer.is_empty() { String::new() } else { format!(" {}", r.pointer) };
            let title = format!("{}{at} on {} ({})", r.check, r.on(), r.level());
            let mut msg = format!("{}: {}", r.headline, r.extent());
            if let Some(e) = &r.endpoint {
                msg.push_str(&format!("\nendpoint: {e}"));
            }
            let several = r.targets.len() > 1;
            let named: Vec<String> =
                r.cases.iter().take(NAMED_CASES).map(|c| if several { format!("{}@{}", c.id, c.target) } else { c.id.clone() }).collect();
            msg.push_str(&format!("\ncases: {}", named.join(", ")));
            if r.cases.len() > NAMED_CASES {
                msg.push_str(&format!(" and {} more", r.cases.len() - NAMED_CASES));
            }
            out.push_str(&format!("::{name} file={},line={line},title={}::{}\n", property(file), property(&title), data(&msg)));
        }
        left[slot] = picked.len().saturating_sub(MAX_PER_KIND);
        if kind == Class::Fail {
            // Errors share the error annotations' room with the `must` defects.
            let errors = MAX_PER_KIND - picked.len().min(MAX_PER_KIND);
            for v in errored.iter().take(errors) {
                let (file, line) = file_line(&v.location);
                let title = format!("{} {} ({})", v.class(), v.id, v.level.as_str());
                let msg = format!("{}\ndoc: {}", first_line(v), v.doc);
                out.push_str(&format!("::error file={},line={line},title={}::{}\n", property(file), property(&title), data(&msg)));
            }
            left[0] += errored.len().saturating_sub(errors);
        }
    }
    if left.iter().any(|n| *n > 0) {
        out.push_str(&format!("::notice title=specgate::{} more errors and {} more warnings in the reports\n", left[0], left[1]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::Level;
    use crate::verdict::{sample, CheckId, Finding, Outcome};

    fn failing(level: Level, location: &str, pointer: &str, message: &str) -> Verdict {
        let mut v = sample(Outcome::Fail, level);
        v.location = location.into();
        v.findings = vec![Finding::new(CheckId::ContentType, pointer, serde_json::json!(200), serde_json::json!(500), message)];
        v
    }

    #[test]
    fn a_must_defect_points_at_its_spec_line_with_escaped_text() {
        let should = failing(Level::Should, "s:3", "/x", "other");
        let out =
            github(&[failing(Level::Must, "specs/a,b.yaml:12", "", "50% wrong\nbody"), should, sample(Outcome::Pass, Level::Must)], &[]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert_eq!(
            lines[0],
            "::error file=specs/a%2Cb.yaml,line=12,title=content_type on t (must)::[content_type] 50%25 wrong: 1 place, seen by 1 case%0Acases: s::c"
        );
        assert!(lines[1].starts_with("::warning file=s,line=3,title=content_type /x on t (should)::"), "{}", lines[1]);
    }

    #[test]
    fn one_defect_seen_by_many_cases_is_one_annotation_at_its_first_case() {
        let many: Vec<Verdict> = (1..=11)
            .map(|i| Verdict { case: format!("c{i}"), ..failing(Level::Must, &format!("s:{i}"), "/images/0/min_ram", "m") })
            .collect();
        let out = github(&many, &[]);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.starts_with("::error file=s,line=1,"), "{out}");
        assert!(out.ends_with("cases: s::c1, s::c2, s::c3, s::c4, s::c5 and 6 more\n"), "{out}");
    }

    #[test]
    fn the_count_is_bounded() {
        let many: Vec<Verdict> = (0..25).map(|_| sample(Outcome::Error, Level::Must)).collect();
        let out = github(&many, &[]);
        assert_eq!(out.lines().count(), MAX_PER_KIND + 1);
        assert!(out.ends_with("::15 more errors and 0 more warnings in the reports\n"), "{out}");
    }
}
