//! CI annotations: GitHub Actions workflow commands that put a failure on the spec line that
//! declares the case (`::error file=…,line=…,title=…::message`).

use crate::events::{Event, Subscriber};
use crate::render::first_line;
use crate::verdict::{Class, Verdict};

/// Prints the annotations on stdout when the run finishes.
#[derive(Default)]
pub(crate) struct Annotations {
    /// The verdicts annotated (failures, errors, warnings), with their plan index.
    annotated: Vec<(usize, Verdict)>,
}

impl Subscriber for Annotations {
    fn on(&mut self, event: &Event<'_>, _at_ms: u64) {
        match event {
            Event::CaseFinished { index, verdict } if matches!(verdict.class(), Class::Fail | Class::Error | Class::Warn) => {
                self.annotated.push((*index, (*verdict).clone()))
            }
            Event::RunFinished { .. } => {
                self.annotated.sort_by_key(|(i, _)| *i);
                let verdicts: Vec<Verdict> = std::mem::take(&mut self.annotated).into_iter().map(|(_, v)| v).collect();
                print!("{}", github(&verdicts));
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

/// `must` failures (not waived) as errors, `should` failures as warnings; errors (could not
/// check) as errors too, since they fail the gate's exit code.
pub(crate) fn github(verdicts: &[Verdict]) -> String {
    let mut out = String::new();
    let mut left = [0usize; 2];
    for (kind, classes, slot) in [("error", &[Class::Fail, Class::Error][..], 0), ("warning", &[Class::Warn][..], 1)] {
        let picked: Vec<&Verdict> = verdicts.iter().filter(|v| classes.contains(&v.class())).collect();
        for v in picked.iter().take(MAX_PER_KIND) {
            let (file, line) = match v.location.rsplit_once(':') {
                Some((f, l)) if l.parse::<u32>().is_ok() => (f, l),
                _ => (v.location.as_str(), "1"),
            };
            let title = format!("{} {} ({})", v.class(), v.id, v.level.as_str());
            let mut msg = first_line(v);
            if v.findings.len() > 1 {
                msg.push_str(&format!("\n(+{} more findings)", v.findings.len() - 1));
            }
            msg.push_str(&format!("\ndoc: {}", v.doc));
            out.push_str(&format!("::{kind} file={},line={line},title={}::{}\n", property(file), property(&title), data(&msg)));
        }
        left[slot] = picked.len().saturating_sub(MAX_PER_KIND);
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
    use crate::verdict::{sample, Finding, Outcome};

    #[test]
    fn a_must_failure_points_at_its_spec_line_with_escaped_text() {
        let mut v = sample(Outcome::Fail, Level::Must);
        v.location = "specs/a,b.yaml:12".into();
        v.findings =
            vec![Finding::new(crate::verdict::CheckId::Status, "", serde_json::json!(200), serde_json::json!(500), "50% wrong\nbody")];
        let out = github(&[v, sample(Outcome::Fail, Level::Should), sample(Outcome::Pass, Level::Must)]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert_eq!(lines[0], "::error file=specs/a%2Cb.yaml,line=12,title=fail s%3A%3Ac (must)::[status] 50%25 wrong%0Abody%0Adoc: f § s");
        assert!(lines[1].starts_with("::warning file=s,line=1,"), "{}", lines[1]);
    }

    #[test]
    fn the_count_is_bounded() {
        let many: Vec<Verdict> = (0..25).map(|_| sample(Outcome::Error, Level::Must)).collect();
        let out = github(&many);
        assert_eq!(out.lines().count(), MAX_PER_KIND + 1);
        assert!(out.ends_with("::15 more errors and 0 more warnings in the reports\n"), "{out}");
    }
}
