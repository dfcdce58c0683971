//! `junit.xml`: one testcase per case per target; `fail` → `<failure>`, `error` → `<error>`.
//! Each testcase carries `<properties>` (level, class, spec line, doc citation) and the
//! failure text names every finding with its pointer, and the command that reproduces it.

use quick_junit::{NonSuccessKind, Property, Report as JReport, TestCase, TestCaseStatus, TestSuite};

use super::Report;
use crate::render;
use crate::verdict::Class;

pub(crate) fn render(r: &Report<'_>) -> String {
    let mut report = JReport::new("specgate");
    let mut suites: Vec<TestSuite> = Vec::new();
    // Suite name → its index: searching the suites for each verdict grew with specs × cases.
    let mut suite_of: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for v in r.verdicts {
        let suite_name = format!("{}@{}", v.spec, v.target);
        let idx = match suite_of.get(&suite_name) {
            Some(&i) => i,
            None => {
                suite_of.insert(suite_name.clone(), suites.len());
                suites.push(TestSuite::new(suite_name));
                suites.len() - 1
            }
        };
        let text = || render::verdict_text_with(v, r.reproduce(v).as_deref());
        let class = v.class();
        let status = match class {
            Class::Pass => TestCaseStatus::success(),
            Class::Waived | Class::Skip => {
                let mut s = TestCaseStatus::skipped();
                match &v.waived {
                    Some(w) => s.set_message(format!("waived: {w}")),
                    None => s.set_message(v.reason.clone().unwrap_or_default()),
                };
                s
            }
            // A `should` failure does not fail the gate; it is reported as a passing case
            // with its finding on stdout, so CI dashboards stay green but the text is there.
            Class::Warn => TestCaseStatus::success(),
            Class::Fail | Class::Error => {
                let fail = class == Class::Fail;
                let mut s = TestCaseStatus::non_success(if fail { NonSuccessKind::Failure } else { NonSuccessKind::Error });
                s.set_message(render::first_line(v));
                s.set_type(if fail { "contract" } else { "could-not-check" });
                s.set_description(text());
                s
            }
        };
        // Which identity a case ran as is part of what it proves, where there are several.
        let name = match v.identities()[..] {
            [] => v.case.clone(),
            ref who => format!("{} [as {}]", v.case, who.join(", ")),
        };
        let mut tc = TestCase::new(name, status);
        tc.set_classname(v.spec.clone());
        tc.set_time(std::time::Duration::from_millis(v.elapsed_ms));
        tc.add_property(Property::new("level", v.level.as_str()));
        tc.add_property(Property::new("class", class.as_str()));
        tc.add_property(Property::new("spec", v.location.clone()));
        tc.add_property(Property::new("doc", v.doc.to_string()));
        if let Some(w) = &v.waived {
            tc.add_property(Property::new("waived", w.clone()));
        }
        if matches!(class, Class::Warn | Class::Waived) {
            tc.set_system_out(text());
        }
        suites[idx].add_test_case(tc);
    }
    report.add_test_suites(suites);
    report.to_string().unwrap_or_else(|e| format!("<!-- junit rendering failed: {e} -->\n"))
}
