//! `junit.xml`: one testcase per case per target; `fail` → `<failure>`, `error` → `<error>`.

use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};

use super::Report;
use crate::render;
use crate::verdict::Outcome;

pub fn render(r: &Report<'_>) -> String {
    let mut report = JReport::new("specgate");
    let mut suites: Vec<TestSuite> = Vec::new();
    for v in r.verdicts {
        let suite_name = format!("{}@{}", v.spec, v.target);
        let idx = match suites.iter().position(|s| s.name.as_str() == suite_name) {
            Some(i) => i,
            None => {
                suites.push(TestSuite::new(suite_name));
                suites.len() - 1
            }
        };
        let status = match v.outcome {
            Outcome::Pass => TestCaseStatus::success(),
            Outcome::Fail if v.waived.is_some() => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(format!("waived: {}", v.waived.as_deref().unwrap_or("")));
                s
            }
            Outcome::Skip => {
                let mut s = TestCaseStatus::skipped();
                if let Some(r) = &v.reason {
                    s.set_message(r.clone());
                }
                s
            }
            // A `should` failure does not fail the gate; it is reported as a passing case
            // with its finding on stdout, so CI dashboards stay green but the text is there.
            Outcome::Fail if v.is_warning() => TestCaseStatus::success(),
            Outcome::Fail | Outcome::Error => {
                let kind = if v.outcome == Outcome::Fail { NonSuccessKind::Failure } else { NonSuccessKind::Error };
                let mut s = TestCaseStatus::non_success(kind);
                s.set_message(render::first_line(v));
                s.set_type(if v.outcome == Outcome::Fail { "contract" } else { "could-not-check" });
                s.set_description(render::verdict_text(v));
                s
            }
        };
        let mut tc = TestCase::new(v.case.clone(), status);
        tc.set_classname(v.spec.clone());
        tc.set_time(std::time::Duration::from_millis(v.elapsed_ms));
        if v.is_warning() {
            tc.set_system_out(render::verdict_text(v));
        }
        suites[idx].add_test_case(tc);
    }
    report.add_test_suites(suites);
    report.to_string().unwrap_or_else(|e| format!("<!-- junit rendering failed: {e} -->\n"))
}
