//! Adaptive rate: a target that allows only so many requests a second and answers 429 beyond
//! costs time, not verdicts. The run slows to its pace (AIMD) instead of erroring the cases
//! whose requests were throttled.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use common::{report_dir, results, serve_app, specgate, text};
use serde_json::json;

/// A token bucket of `RATE` a second, `RATE` deep.
const RATE: f64 = 5.0;

struct Bucket {
    tokens: f64,
    at: Instant,
}

async fn rationed(State(bucket): State<Arc<Mutex<Bucket>>>) -> Response {
    let allowed = {
        let mut b = bucket.lock().unwrap();
        let now = Instant::now();
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * RATE).min(RATE);
        b.at = now;
        let ok = b.tokens >= 1.0;
        if ok {
            b.tokens -= 1.0;
        }
        ok
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    if allowed {
        Json(json!({"images": []})).into_response()
    } else {
        (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "slow down").into_response()
    }
}

/// A spec of `n` cases beside `dir`, each `GET /v2/images` with a query of its own (so that no
/// two share an answer), each expecting 200.
fn cases_of_one_query_each(dir: &std::path::Path, section: &str, n: usize) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.with_extension("specs")).unwrap();
    let file = dir.with_extension("specs").join(format!("{section}.yaml"));
    let doc = format!("{{file: tests/pace.rs, section: {section}}}");
    let mut source = format!("specgate: 1\ntitle: {section}\ndoc: {doc}\nrequest: {{method: GET, path: /v2/images}}\ncases:\n");
    for i in 0..n {
        source.push_str(&format!("  - {{name: case-{i:02}, query: {{case: {i}}}, doc: {doc}, expect: {{status: 200}}}}\n"));
    }
    std::fs::write(&file, source).unwrap();
    file
}

#[test]
fn a_rationed_target_costs_time_not_verdicts() {
    let bucket = Arc::new(Mutex::new(Bucket { tokens: RATE, at: Instant::now() }));
    let url = serve_app(Router::new().route("/v2/images", get(rationed)).with_state(bucket));
    let dir = report_dir("pace-rationed");
    let file = cases_of_one_query_each(&dir, "rationed", 30);
    let out = specgate(&["run", file.to_str().unwrap(), "--target", &url, "--report-dir", dir.to_str().unwrap()]);
    let r = results(&dir);
    assert_eq!(r["summary"]["errored"], 0, "{}", text(&out.stderr));
    assert_eq!(r["summary"]["passed"], 30, "{}", text(&out.stderr));
    assert!(r["run"]["traffic"]["throttled"].as_u64().unwrap() >= 1, "the bucket did throttle: {}", r["run"]["traffic"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// Answers 503 to the first request of each query, then 200: errors that a retry hides.
async fn flaky(State(seen): State<Arc<Mutex<Vec<String>>>>, uri: axum::http::Uri) -> Response {
    let query = uri.query().unwrap_or_default().to_owned();
    let first = {
        let mut seen = seen.lock().unwrap();
        let first = !seen.contains(&query);
        seen.push(query);
        first
    };
    if first {
        (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response()
    } else {
        Json(json!({"images": []})).into_response()
    }
}

#[test]
fn retried_answers_are_recorded_per_request_and_counted_in_the_latency_table() {
    let url = serve_app(Router::new().route("/v2/images", get(flaky)).with_state(Arc::new(Mutex::new(Vec::new()))));
    let dir = report_dir("pace-flaky");
    let file = cases_of_one_query_each(&dir, "flaky", 3);
    let out = specgate(&["run", file.to_str().unwrap(), "--target", &url, "--report-dir", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let r = results(&dir);
    let retried: Vec<&serde_json::Value> =
        r["cases"].as_array().unwrap().iter().flat_map(|c| c["exchanges"].as_array().unwrap()).map(|e| &e["retried"]).collect();
    assert_eq!(retried, vec![&json!([503]); 3], "each request records the 503 it retried");
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let row = md.lines().find(|l| l.contains("GET /v2/images") && l.starts_with("| `")).unwrap_or_else(|| panic!("{md}"));
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    // | target | endpoint | requests | unanswered | retries | …
    assert_eq!(&cells[3..6], ["3", "0", "3"], "{row}");
}

/// At 20 requests a second a walk of 60 pages takes 3 s: the case's time budget of 2 s does not
/// count the time its requests waited for the target's pace, so the walk completes. It errored
/// ("time budget of 2 s exhausted") when 32 cases in flight shared a target of 10 a second.
#[test]
fn a_walk_of_a_rationed_target_is_not_cut_by_the_time_it_waited_for_its_pace() {
    let dir = report_dir("pace-walk-budget");
    let out = specgate(&[
        "run",
        "specs/ims/cloudimages.yaml",
        "--rps",
        "20",
        "--case-timeout",
        "2",
        "--report-dir",
        dir.to_str().unwrap(),
        "--",
        "--exact",
        "specs/ims/cloudimages.yaml::pagination.walk",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let r = results(&dir);
    let case = &r["cases"][0];
    assert_eq!(case["outcome"], "pass", "{case}");
    assert!(case["requests"].as_u64().unwrap() > 40, "a walk of many pages: {case}");
}
