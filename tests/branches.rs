//! A case's branches (its independent walks and probes) run at once, and its report reads as if
//! they had run one after another: the same requests in the same order, the same findings
//! pointing at the same requests. Only its chain of dependent requests is shorter.

mod common;

use common::{report_dir, results, specgate, text};
use serde_json::Value;

/// What a case reports, without what timing decides (elapsed times, which case sent a shared
/// request and which was given its answer).
fn reported(case: &Value) -> Value {
    let exchanges: Vec<Value> =
        case["exchanges"].as_array().unwrap().iter().map(|e| serde_json::json!([e["method"], e["url"], e["status"]])).collect();
    serde_json::json!({
        "id": case["id"],
        "outcome": case["outcome"],
        "reason": case["reason"],
        "findings": case["findings"],
        "exchanges": exchanges,
    })
}

fn run(jobs: &str) -> Value {
    let dir = report_dir(&format!("branches-j{jobs}"));
    // Faults that make filter, paging and contract cases fail, so that findings and the
    // requests they point at are compared, not only passes.
    let out = specgate(&[
        "run",
        "specs/ims/cloudimages.yaml",
        "specs/ims/equivalence.yaml",
        "--fault",
        "cloudimages.name-prefix-match",
        "--fault",
        "cloudimages.time-ops-inverted",
        "--fault",
        "cloudimages.marker-inclusive",
        "--fault",
        "cloudimages.tag-filter-ignored",
        "--fault",
        "nova.hides-an-image",
        "--jobs",
        jobs,
        "--report-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    results(&dir)
}

#[test]
fn branches_at_once_report_the_requests_and_findings_of_one_after_another() {
    let (one, eight) = (run("1"), run("8"));
    // Each run has its own embedded server: its port is left out.
    let port = |r: &Value| r["run"]["targets"][0]["url"].as_str().unwrap().trim_end_matches('/').to_string();
    let cases = |r: &Value| {
        let text = serde_json::to_string(&r["cases"].as_array().unwrap().iter().map(reported).collect::<Vec<_>>()).unwrap();
        serde_json::from_str::<Vec<Value>>(&text.replace(&port(r), "http://SERVER")).unwrap()
    };
    let (sequential, concurrent) = (cases(&one), cases(&eight));
    assert_eq!(sequential.len(), concurrent.len());
    for (s, c) in sequential.iter().zip(&concurrent) {
        assert_eq!(s, c, "{}", s["id"]);
    }
    assert!(concurrent.iter().any(|c| c["outcome"] == "fail"), "the faults fail cases");
    // With one place (`--jobs 1`) a case's chain is every request it waited on; with eight, the
    // paged filter's walks overlap and its chain is its longest walk's.
    let path = |r: &Value| r["run"]["traffic"]["critical_path"]["requests"].as_u64().unwrap();
    assert!(path(&eight) < path(&one), "critical path {} with --jobs 8, {} with --jobs 1", path(&eight), path(&one));
}
