//! Each pagination and filter check against the reference server: it passes on the clean
//! server and fails on the fault that breaks exactly what it checks.

mod common;

use common::{report_dir, results, specgate, text};

const CLOUD: &str = "specs/ims/cloudimages.yaml";
const NOVA: &str = "specs/ims/nova-images-detail.yaml";
const V1: &str = "specs/ims/glance-v1-images-detail.yaml";
const V2: &str = "specs/openstack/glance-v2-images.yaml";

/// (spec, case, the fault it must catch). The default-limit check needs a catalogue larger
/// than the documented default (500) to pass rather than skip; see `catalogue_for`.
const CHECKS: &[(&str, &str, &str)] = &[
    (CLOUD, "pagination.limit", "cloudimages.limit-off-by-one"),
    (CLOUD, "pagination.default-limit", "cloudimages.default-limit-25"),
    (CLOUD, "pagination.walk", "cloudimages.marker-inclusive"),
    (NOVA, "pagination.walk", "nova.marker-skips-one"),
    (CLOUD, "pagination.order.name.asc", "cloudimages.sort-dir-ignored"),
    (V1, "pagination.order.name.asc", "glance-v1.sort-key-ignored"),
    (V2, "pagination.next-link", "glance.next-link-drops-params"),
    (V2, "pagination.next-link", "glance.next-link-loops"),
    (NOVA, "pagination.next-link", "nova.next-link-missing"),
    (NOVA, "pagination.bad-limit.abc", "nova.invalid-limit-accepted"),
    (V1, "pagination.bad-marker", "glance-v1.bad-marker-empty"),
    (CLOUD, "filter.name.sound", "cloudimages.name-prefix-match"),
    (CLOUD, "filter.__imagetype.sound", "cloudimages.imagetype-filter-ignored"),
    (CLOUD, "filter.created_at.sound", "cloudimages.time-ops-inverted"),
    (NOVA, "filter.minRam.sound", "nova.min-ram-at-most"),
    (NOVA, "filter.changes-since.sound", "nova.changes-since-ignored"),
    (V2, "filter.visibility.sound", "glance.visibility-filter-ignored"),
    (V2, "filter.pairs.sound", "glance.tag-any-of"),
    (V1, "filter.size_max.complete", "glance-v1.size-max-exclusive"),
];

fn catalogue_for(case: &str) -> &'static str {
    if case == "pagination.default-limit" {
        "800"
    } else {
        "300"
    }
}

fn outcome(spec: &str, case: &str, fault: Option<&str>, dir_name: &str) -> (String, serde_json::Value) {
    let dir = report_dir(dir_name);
    let id = format!("{spec}::{case}");
    let mut args = vec!["run", spec, "--report-dir", dir.to_str().unwrap(), "--images", catalogue_for(case)];
    if let Some(f) = fault {
        args.extend(["--fault", f]);
    }
    args.extend(["--", "--exact", &id]);
    let out = specgate(&args);
    let r = results(&dir);
    let case = r["cases"].as_array().and_then(|c| c.first()).cloned().unwrap_or_else(|| panic!("{id} did not run:\n{}", text(&out.stdout)));
    (case["outcome"].as_str().unwrap_or("").to_string(), case)
}

#[test]
fn each_check_passes_clean_and_fails_on_its_fault() {
    let mut wrong = Vec::new();
    for (i, (spec, case, fault)) in CHECKS.iter().enumerate() {
        let (clean, c) = outcome(spec, case, None, &format!("inv-clean-{i}"));
        if clean != "pass" {
            wrong.push(format!("{spec}::{case} on the clean server: {clean} {}", c["findings"]));
        }
        let (broken, c) = outcome(spec, case, Some(fault), &format!("inv-fault-{i}"));
        if broken != "fail" {
            wrong.push(format!("{spec}::{case} with {fault}: {broken} (expected fail) {}", c["reason"]));
        } else {
            // The finding shows the request that proves it.
            let proves = c["findings"].as_array().unwrap().iter().any(|f| f.get("exchange").is_some());
            if !proves && !case.starts_with("pagination.bad-") {
                wrong.push(format!("{spec}::{case} with {fault}: no finding names its request"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn page_size_walks_in_fewer_requests_and_still_finds_a_skipped_item() {
    let run = |spec: &str, fault: Option<&str>, dir_name: &str| {
        let dir = report_dir(dir_name);
        let id = format!("{spec}::pagination.walk");
        let mut args = vec!["run", spec, "--report-dir", dir.to_str().unwrap(), "--page-size", "40"];
        args.extend(fault.map(|f| ["--fault", f]).into_iter().flatten());
        args.extend(["--", "--exact", &id]);
        specgate(&args);
        results(&dir)["cases"][0].clone()
    };
    // 300 images: one page of each full listing around a walk of 8 pages (40 * 7 + 20).
    let clean = run(V2, None, "inv-page-size-clean");
    assert_eq!((clean["outcome"].as_str(), clean["requests"].as_u64()), (Some("pass"), Some(10)), "{clean}");
    let broken = run(NOVA, Some("nova.marker-skips-one"), "inv-page-size-fault");
    assert_eq!(broken["outcome"], "fail", "{broken}");
    let missing =
        broken["findings"].as_array().unwrap().iter().find(|f| f["check"] == "pagination.complete").expect("a completeness finding");
    assert!(missing["actual"]["missing_count"].as_u64() > Some(0), "{missing}");
}

/// Whole walks hand their pages on and keep ids compactly: they go past the 100,000 items a
/// walk that keeps its pages may hold (`run::walk::MAX_WALK_ITEMS`), where they used to stop
/// with an `error`.
#[test]
fn a_whole_walk_goes_past_the_items_a_kept_walk_may_hold() {
    let dir = report_dir("inv-past-kept-bound");
    let id = format!("{V2}::pagination.walk");
    // Every page is checked in full (schema, links) as it comes: in the unoptimised test build
    // that takes longer than the default case timeout on a busy machine.
    let args = [
        "run",
        V2,
        "--report-dir",
        dir.to_str().unwrap(),
        "--images",
        "130000",
        "--page-size",
        "1000",
        "--budget",
        "1000",
        "--case-timeout",
        "900",
    ];
    specgate(&[&args[..], &["--", "--exact", &id]].concat());
    let case = results(&dir)["cases"][0].clone();
    assert_eq!(case["outcome"], "pass", "{case}");
    assert!(case["requests"].as_u64() > Some(300), "three listings of more than 100 pages: {case}");
}

/// A next link that loops is one finding that shows the loop (`run::walk::shown_loop` cuts a
/// long one to its ends). The fault links every page to the first page's URL: fetched once
/// more, that page links to itself, a loop of one page.
#[test]
fn a_looping_next_link_shows_the_loop() {
    let dir = report_dir("inv-next-link-loop");
    let id = format!("{V2}::pagination.next-link");
    let args = ["run", V2, "--report-dir", dir.to_str().unwrap(), "--page-size", "10", "--fault", "glance.next-link-loops"];
    specgate(&[&args[..], &["--", "--exact", &id]].concat());
    let case = results(&dir)["cases"][0].clone();
    let cycle = case["findings"].as_array().unwrap().iter().find(|f| f["check"] == "pagination.cycle").expect("a cycle finding");
    assert_eq!(cycle["actual"]["pages_in_loop"], 1, "{cycle}");
    let shown = cycle["actual"]["loop"].as_array().unwrap();
    assert_eq!(shown.len(), 1, "{cycle}");
    assert!(shown[0].as_str().unwrap().contains("limit=10"), "{cycle}");
    assert!(cycle["message"].as_str().unwrap().ends_with("again, the link that led to page 2: the walk would loop over 1 page"), "{cycle}");
}
