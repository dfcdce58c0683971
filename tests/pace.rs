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

#[test]
fn a_rationed_target_costs_time_not_verdicts() {
    let bucket = Arc::new(Mutex::new(Bucket { tokens: RATE, at: Instant::now() }));
    let url = serve_app(Router::new().route("/v2/images", get(rationed)).with_state(bucket));
    let dir = report_dir("pace-rationed");
    std::fs::create_dir_all(dir.with_extension("specs")).unwrap();
    let file = dir.with_extension("specs").join("rationed.yaml");
    let mut source = String::from(
        "specgate: 1\ntitle: Rationed\ndoc: {file: tests/pace.rs, section: rationed}\nrequest: {method: GET, path: /v2/images}\ncases:\n",
    );
    for i in 0..30 {
        source.push_str(&format!(
            "  - {{name: case-{i:02}, query: {{case: {i}}}, doc: {{file: tests/pace.rs, section: rationed}}, expect: {{status: 200}}}}\n"
        ));
    }
    std::fs::write(&file, source).unwrap();
    let out = specgate(&["run", file.to_str().unwrap(), "--target", &url, "--report-dir", dir.to_str().unwrap()]);
    let r = results(&dir);
    assert_eq!(r["summary"]["errored"], 0, "{}", text(&out.stderr));
    assert_eq!(r["summary"]["passed"], 30, "{}", text(&out.stderr));
    assert!(r["run"]["traffic"]["throttled"].as_u64().unwrap() >= 1, "the bucket did throttle: {}", r["run"]["traffic"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}
