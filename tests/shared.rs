//! Every request once: identical GETs of one run and target are sent once and their answer
//! shared; a `fresh: true` case sends its own; a catalogue that changes during the run is
//! found at its end, with the cases whose verdicts may rest on the earlier answers.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use common::{report_dir, results, serve, serve_app, specgate, text, Mode};
use serde_json::{json, Value};

/// Counts the requests it gets; each is answered after a while, so that cases asking at
/// once overlap.
async fn counted(State(n): State<Arc<AtomicUsize>>) -> Json<Value> {
    n.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(50)).await;
    Json(json!({"images": []}))
}

#[test]
fn identical_requests_are_sent_once_and_a_fresh_case_sends_its_own() {
    let sent = Arc::new(AtomicUsize::new(0));
    let url = serve_app(Router::new().route("/v2/images", get(counted)).with_state(sent.clone()));
    let dir = report_dir("shared-once");
    std::fs::create_dir_all(dir.with_extension("specs")).unwrap();
    let file = dir.with_extension("specs").join("same.yaml");
    let mut source = String::from(
        "specgate: 1\ntitle: Same\ndoc: {file: tests/shared.rs, section: same}\nrequest: {method: GET, path: /v2/images}\ncases:\n",
    );
    for i in 0..6 {
        source.push_str(&format!("  - {{name: same-{i}, doc: {{file: tests/shared.rs, section: same}}, expect: {{status: 200}}}}\n"));
    }
    source.push_str("  - {name: now, fresh: true, doc: {file: tests/shared.rs, section: same}, expect: {status: 200}}\n");
    std::fs::write(&file, source).unwrap();
    let out = specgate(&["run", file.to_str().unwrap(), "--target", &url, "--jobs", "4", "--report-dir", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(sent.load(Ordering::SeqCst), 2, "one request for the six identical cases, one for the fresh case");
    let r = results(&dir);
    assert_eq!((r["run"]["traffic"]["sent"].as_u64(), r["run"]["traffic"]["shared"].as_u64()), (Some(2), Some(5)), "{}", r["run"]);
    let shared: Vec<bool> = r["cases"].as_array().unwrap().iter().map(|c| c["exchanges"][0]["shared"] == true).collect();
    assert_eq!(shared.iter().filter(|s| **s).count(), 5, "{shared:?}");
    assert!(!shared[6], "the fresh case's exchange is its own");
    assert!(text(&out.stderr).contains("7 requests (2 sent, 5 shared)"), "{}", text(&out.stderr));
}

/// The fixture's catalogue grows by one image at every request: the listing read again at
/// the end of the run differs from the answers its cases shared.
#[test]
fn a_catalogue_that_changed_during_the_run_is_reported_with_the_cases_it_may_affect() {
    let url = serve(Mode::Growing);
    let dir = report_dir("shared-changed");
    let spec = std::path::PathBuf::from("tests/fixtures/listing.yaml");
    let out = specgate(&["run", spec.to_str().unwrap(), "--target", &url, "--report-dir", dir.to_str().unwrap()]);
    let r = results(&dir);
    let changed = r["run"]["traffic"]["changed"].as_array().cloned().unwrap_or_default();
    assert_eq!(changed.len(), 1, "{}", r["run"]);
    assert_eq!(changed[0]["spec"], "tests/fixtures/listing.yaml");
    assert!(!changed[0]["cases"].as_array().unwrap().is_empty(), "{}", changed[0]);
    assert!(text(&out.stderr).contains("changed during the run"), "{}", text(&out.stderr));
}

/// The critical path and the wall time are in results.json and on the cost line.
#[test]
fn the_run_reports_its_critical_path_with_its_wall_time() {
    let url = serve(Mode::Good);
    let dir = report_dir("shared-path");
    let spec = std::path::PathBuf::from("tests/fixtures/listing.yaml");
    let out = specgate(&["run", spec.to_str().unwrap(), "--target", &url, "--report-dir", dir.to_str().unwrap()]);
    let r = results(&dir);
    let path = &r["run"]["traffic"]["critical_path"];
    assert!(path["requests"].as_u64().unwrap() >= 2, "a walk is a chain of pages: {path}");
    assert!(path["case"].as_str().unwrap().starts_with("tests/fixtures/listing.yaml::"), "{path}");
    assert!(r["run"]["traffic"]["wall_ms"].is_u64());
    assert!(text(&out.stderr).contains("critical path"), "{}", text(&out.stderr));
    assert!(r["run"]["traffic"].get("changed").is_none(), "a steady catalogue did not change: {}", r["run"]);
}
