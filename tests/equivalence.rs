//! Equivalence against the reference server, which serves every listing from one catalogue: the
//! block passes on the clean server, and each equivalence fault is caught by the equivalence
//! cases of the listings it breaks and by no case of any other spec.

mod common;

use std::collections::BTreeSet;

use common::{report_dir, results, serve, specgate, text, Mode};

const EQUIV: &str = "specs/ims/equivalence.yaml";

/// (fault, the cases it must fail, the prefix every failing equivalence case must have, the
/// other cases that check the same documented rule and may fail too).
const FAULTS: &[(&str, &[&str], &str, &[&str])] = &[
    ("nova.hides-an-image", &["equivalence.glance~nova.ids"], "equivalence.glance~nova.", &[]),
    ("nova.size-in-mib", &["equivalence.glance~nova.fields.size"], "equivalence.glance~nova.fields.size", &[]),
    (
        "nova.queued-active-everywhere",
        &["equivalence.glance~nova.fields.status", "equivalence.glance~nova.filters.status-active"],
        "equivalence.glance~nova.",
        // The Nova spec's status filter encodes the same table (表3: queued shows as SAVING),
        // so `status=queued` answering images shown as ACTIVE breaks it as well.
        &["specs/ims/nova-images-detail.yaml::filter.status.sound"],
    ),
    (
        "glance-v1.local-time-zone",
        &["equivalence.glance~glance-v1.fields.created", "equivalence.glance~glance-v1.fields.updated"],
        "equivalence.glance~glance-v1.fields.",
        &[],
    ),
];

/// Every spec but the isolation file: equivalence is judged on one view of the catalogue, the
/// embedded server's without tenancy (the isolation file turns tenancy on, and its own tests
/// judge the views of several identities).
const ALL_BUT_ISOLATION: &[&str] = &[
    "specs/ims/cloudimages.yaml",
    "specs/ims/equivalence.yaml",
    "specs/ims/glance-v1-images-detail.yaml",
    "specs/ims/nova-images-detail.yaml",
    "specs/openstack/glance-v2-images.yaml",
];

/// Run every spec (but the isolation file) against the embedded server; (spec, case, outcome) per case.
fn run_all(fault: Option<&str>, dir_name: &str) -> Vec<(String, String, String)> {
    let dir = report_dir(dir_name);
    let mut args = vec!["run", "--report-dir", dir.to_str().unwrap(), "--images", "120"];
    args.extend(ALL_BUT_ISOLATION);
    if let Some(f) = fault {
        args.extend(["--fault", f]);
    }
    let out = specgate(&args);
    let r = results(&dir);
    let cases = r["cases"].as_array().unwrap_or_else(|| panic!("no cases:\n{}", text(&out.stderr)));
    cases
        .iter()
        .map(|c| {
            (c["spec"].as_str().unwrap().to_string(), c["case"].as_str().unwrap().to_string(), c["outcome"].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn the_block_passes_on_the_clean_reference_server() {
    let all = run_all(None, "equiv-clean");
    let equiv: Vec<&(String, String, String)> = all.iter().filter(|(s, _, _)| s == EQUIV).collect();
    assert!(equiv.len() >= 30, "expected the equivalence cases of the three pairs, got {}", equiv.len());
    for pair in ["glance~nova", "glance~glance-v1", "glance~cloudimages"] {
        for what in [".ids", ".fields.status", ".fields.created", ".filters.status-active"] {
            let name = format!("equivalence.{pair}{what}");
            assert!(equiv.iter().any(|(_, c, _)| *c == name), "{name} is not planned");
        }
    }
    assert!(equiv.iter().any(|(_, c, _)| c == "equivalence.glance~glance-v1.order"), "order is planned where both sorts are documented");
    assert!(!equiv.iter().any(|(_, c, _)| c == "equivalence.glance~nova.order"), "Nova documents no sort: no order case");
    let not_passed: Vec<String> = equiv.iter().filter(|(_, _, o)| o != "pass").map(|(_, c, o)| format!("{c}: {o}")).collect();
    assert!(not_passed.is_empty(), "{}", not_passed.join("\n"));
}

#[test]
fn each_equivalence_fault_is_caught_by_equivalence_and_nothing_else() {
    let clean: BTreeSet<(String, String)> =
        run_all(None, "equiv-baseline").into_iter().filter(|(_, _, o)| o == "fail").map(|(s, c, _)| (s, c)).collect();
    let mut wrong = Vec::new();
    for (fault, must_fail, prefix, same_rule) in FAULTS {
        let all = run_all(Some(fault), &format!("equiv-{fault}"));
        let failed: BTreeSet<(String, String)> =
            all.into_iter().filter(|(_, _, o)| o == "fail").map(|(s, c, _)| (s, c)).filter(|k| !clean.contains(k)).collect();
        for case in *must_fail {
            if !failed.contains(&(EQUIV.to_string(), case.to_string())) {
                wrong.push(format!("{fault}: {case} did not fail"));
            }
        }
        for (spec, case) in &failed {
            let related = same_rule.contains(&format!("{spec}::{case}").as_str());
            if !related && (spec != EQUIV || !case.starts_with(prefix)) {
                wrong.push(format!("{fault}: unrelated case failed: {spec}::{case}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_finding_shows_both_listings_values_and_both_requests() {
    let dir = report_dir("equiv-sides");
    let id = format!("{EQUIV}::equivalence.glance~nova.fields.size");
    let out =
        specgate(&["run", "--report-dir", dir.to_str().unwrap(), "--images", "120", "--fault", "nova.size-in-mib", "--", "--exact", &id]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let case = &results(&dir)["cases"][0];
    let f = &case["findings"][0];
    assert_eq!(f["check"], "equivalence.field");
    let sides = &f["sides"];
    assert_eq!((sides["a"]["name"].as_str(), sides["b"]["name"].as_str()), (Some("glance"), Some("nova")));
    let row = &sides["rows"][0];
    let (bytes, mib) = (row["a"].as_u64().unwrap(), row["b"].as_u64().unwrap());
    assert_eq!((bytes + (1 << 19)) >> 20, mib, "{row}");
    assert!(row["a_request"].as_str().unwrap().contains("/v2/images?"), "{row}");
    assert!(row["b_request"].as_str().unwrap().contains("/images/detail?"), "{row}");
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("| item | field | glance (/size) | nova (/OS-EXT-IMG-SIZE:size) | glance request | nova request |"), "{md}");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("<table class=\"sides\">"), "side-by-side table in the HTML report");
}

#[test]
fn a_catalogue_that_changes_between_the_listings_walks_is_a_skip() {
    for (mode, want) in [(Mode::Good, "pass"), (Mode::Growing, "skip")] {
        let url = serve(mode);
        let dir = report_dir(&format!("equiv-{mode:?}"));
        let out = specgate(&[
            "run",
            "tests/fixtures/listing.yaml",
            "tests/fixtures/equivalence/listing-twice.yaml",
            "--target",
            &url,
            "--report-dir",
            dir.to_str().unwrap(),
            "--",
            "--exact",
            "tests/fixtures/equivalence/listing-twice.yaml::equivalence.a~b.ids",
        ]);
        let case = &results(&dir)["cases"][0];
        assert_eq!(case["outcome"], want, "{mode:?}: {case}\n{}", text(&out.stdout));
        if want == "skip" {
            assert!(case["reason"].as_str().unwrap().starts_with("catalogue changed during the walk"), "{}", case["reason"]);
        }
    }
}

#[test]
fn a_bad_equivalence_file_is_a_located_error() {
    let out = specgate(&["list", "tests/fixtures/listing.yaml", "tests/fixtures/equivalence/typo.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("tests/fixtures/equivalence/typo.yaml:10:"), "{err}");
    assert!(err.contains("field `min_ram` names listing `bb`") && err.contains("did you mean `b`?"), "{err}");
}
