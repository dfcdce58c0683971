//! The isolation rules against the reference server with tenancy (its three identities): every
//! rule passes on the clean server, each isolation fault is caught by the rule it breaks on the
//! listing it breaks and by no other isolation case, a run of one identity states its skips,
//! and the reports of a run of several identities say who made each request.

mod common;

use common::{report_dir, results, serve, specgate, text, Mode, VOLATILE};

/// The isolation cases of the seed specs (run on `specs/`, so that every listing is loaded).
fn isolation_run(dir_name: &str, fault: Option<&str>, filter: &[&str]) -> (Option<i32>, serde_json::Value) {
    let dir = report_dir(dir_name);
    let mut args = vec!["run", "specs", "--report-dir", dir.to_str().unwrap()];
    if let Some(f) = fault {
        args.extend(["--fault", f]);
    }
    args.push("--");
    args.extend(filter);
    let out = specgate(&args);
    (out.status.code(), results(&dir))
}

/// (fault, the isolation case it must break).
const FAULTS: &[(&str, &str)] = &[
    ("cloudimages.leak-private", "isolation.private.cloudimages"),
    ("nova.project-unchecked", "isolation.project-in-path.nova"),
    ("nova.name-filter-leaks", "isolation.private.nova"),
    ("glance-v1.credentials-ignored", "isolation.unauthenticated.glance-v1"),
    ("glance.pending-shared-listed", "isolation.shared.glance"),
    ("glance.owner-filter-leaks", "isolation.private.glance"),
];

fn not_passed(r: &serde_json::Value) -> Vec<String> {
    r["cases"].as_array().unwrap().iter().filter(|c| c["outcome"] != "pass").map(|c| c["case"].as_str().unwrap().to_string()).collect()
}

#[test]
fn every_rule_passes_clean_and_each_isolation_fault_is_caught_by_its_case_alone() {
    let (code, clean) = isolation_run("isolation-clean", None, &["isolation."]);
    assert_eq!(code, Some(0), "{}", clean["summary"]);
    let cases = clean["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 18, "six rules over the listings they apply to");
    assert!(not_passed(&clean).is_empty(), "{:?}", not_passed(&clean));
    let mut wrong = Vec::new();
    for (fault, case) in FAULTS {
        let (_, r) = isolation_run(&format!("isolation-{fault}"), Some(fault), &["isolation."]);
        let broken = not_passed(&r);
        if broken != [case.to_string()] {
            wrong.push(format!("{fault}: expected only {case} to break, got {broken:?}"));
        }
        let c = r["cases"].as_array().unwrap().iter().find(|c| c["case"] == *case).unwrap();
        // The finding names the request that proves it.
        if !c["findings"].as_array().unwrap().iter().any(|f| f.get("exchange").is_some()) {
            wrong.push(format!("{fault}: no finding of {case} names its request"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_run_of_one_identity_states_why_the_rules_that_compare_identities_are_skipped() {
    let dir = report_dir("isolation-one-identity");
    let target = format!("glance={}", serve(Mode::Good));
    let args = [
        "run",
        "specs/ims/isolation.yaml",
        "specs/openstack/glance-v2-images.yaml",
        "--target",
        &target,
        "--report-dir",
        dir.to_str().unwrap(),
    ];
    let out = specgate(&[&args[..], &["--", "isolation."]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let r = results(&dir);
    let reason = |case: &str| {
        let c = r["cases"].as_array().unwrap().iter().find(|c| c["case"] == case).unwrap_or_else(|| panic!("{case} not planned: {r}"));
        assert_eq!(c["outcome"], "skip", "{c}");
        c["reason"].as_str().unwrap().to_string()
    };
    assert!(reason("isolation.private.glance").starts_with("needs two identities that are not admin"));
    assert!(reason("isolation.public.glance").starts_with("needs two identities"));
    assert!(reason("isolation.admin.glance").starts_with("needs an admin identity"));
    assert!(reason("isolation.unauthenticated.glance").starts_with("the run sends no credentials"));
    // A run of one unnamed identity records no identity.
    assert!(!std::fs::read_to_string(dir.join("results.json")).unwrap().contains("\"identity\""));
}

/// report.md's Identities table, the JUnit case names, each request with who made it, and
/// report.html's Identities table, of the run of one isolation case.
fn who_made_what(dir_name: &str, case: &str) -> (String, String, String, String) {
    let dir = report_dir(dir_name);
    let id = format!("specs/ims/isolation.yaml::{case}");
    let out = specgate(&["run", "specs", "--report-dir", dir.to_str().unwrap(), "--", "--exact", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let identities = report.split("## Identities").nth(1).and_then(|s| s.split("\n## ").next()).unwrap_or("(no Identities section)");
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    let names: String = junit.lines().filter(|l| l.trim_start().starts_with("<testcase")).map(|l| format!("{}\n", l.trim())).collect();
    let requests: String = results(&dir)["cases"][0]["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {} -> {} as {}\n", e["method"], e["url"], e["status"], e["identity"]))
        .collect();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let table = html
        .split(r#"<section><h2 id="identities">"#)
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or("(no identities section)");
    (format!("## Identities{identities}"), names, requests, table.to_string())
}

#[test]
fn the_reports_of_a_run_of_several_identities_say_who_made_each_request() {
    let mut filters = VOLATILE.to_vec();
    filters.push((r#"time="[^"]*""#, r#"time="[T]""#));
    let (section, names, requests, _) = who_made_what("isolation-reports-refusals", "isolation.unauthenticated.glance");
    let (admin_section, admin_names, admin_requests, admin_html) = who_made_what("isolation-reports-admin", "isolation.admin.glance");
    insta::with_settings!({filters => filters}, {
        insta::assert_snapshot!("identities_section", section);
        insta::assert_snapshot!("identities_junit_names", names);
        insta::assert_snapshot!("identities_requests", requests);
        insta::assert_snapshot!("identities_admin_section", admin_section);
        insta::assert_snapshot!("identities_admin_junit_names", admin_names);
        insta::assert_snapshot!("identities_admin_requests", admin_requests);
        insta::assert_snapshot!("identities_admin_html", admin_html);
    });
}

/// Each identity's view is one catalogue through every listing: the equivalence ids cases of a
/// run of several identities compare the listings as each of them, and pass on the clean server.
#[test]
fn the_equivalence_ids_cases_compare_the_listings_as_every_identity() {
    let (code, r) = isolation_run("isolation-same-catalogue", None, &["equivalence.glance~nova.ids"]);
    assert_eq!(code, Some(0), "{}", r["summary"]);
    let case = &r["cases"][0];
    assert_eq!(case["case"], "equivalence.glance~nova.ids");
    assert_eq!(case["outcome"], "pass", "{case}");
    let who: std::collections::BTreeSet<&str> =
        case["exchanges"].as_array().unwrap().iter().filter_map(|e| e["identity"].as_str()).collect();
    assert_eq!(who, ["admin", "alice", "bob"].into(), "{case}");
    // report.html's table of all cases says who made each case's requests.
    let html = std::fs::read_to_string(report_dir("isolation-same-catalogue").join("report.html")).unwrap();
    assert!(html.contains("<th>target</th><th>as</th>"), "no `as` column");
    assert!(html.contains("<td>reference</td><td>alice, bob, admin</td>"), "no `as` cell for the ids case");
}
