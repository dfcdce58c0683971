//! `--jobs N`: at most N cases have requests in flight at once, the run reaches N when there
//! is work for it, and the reports keep plan order whatever order cases finish in.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use common::{report_dir, results, specgate, text};
use serde_json::{json, Value};

#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    most: AtomicUsize,
}

/// Every request is held for a while, so that overlapping requests are seen overlapping.
async fn slow(State(g): State<Arc<Gauge>>) -> Json<Value> {
    let now = g.now.fetch_add(1, Ordering::SeqCst) + 1;
    g.most.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(60)).await;
    g.now.fetch_sub(1, Ordering::SeqCst);
    Json(json!({"images": []}))
}

/// A server counting the requests in flight; returns its URL and the gauge.
fn serve() -> (String, Arc<Gauge>) {
    let gauge = Arc::new(Gauge::default());
    let (tx, rx) = std::sync::mpsc::channel();
    let g = gauge.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, Router::new().route("/v2/images", get(slow)).with_state(g)).await.unwrap();
        });
    });
    (format!("http://{}", rx.recv().unwrap()), gauge)
}

/// A spec of `n` one-request cases.
fn spec(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let mut text = String::from(
        "specgate: 1\ntitle: Jobs\ndoc: {file: tests/jobs.rs, section: jobs}\nrequest: {method: GET, path: /v2/images}\ncases:\n",
    );
    for i in 0..n {
        text.push_str(&format!(
            "  - {{name: case-{i:02}, doc: {{file: tests/jobs.rs, section: jobs}}, level: must, expect: {{status: 200}}}}\n"
        ));
    }
    let path = dir.join("jobs.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn jobs_bounds_the_requests_in_flight_and_reports_keep_plan_order() {
    for jobs in [1usize, 3] {
        let (url, gauge) = serve();
        let dir = report_dir(&format!("jobs-{jobs}"));
        let file = spec(&dir.with_extension("specs"), 9);
        let out = specgate(&[
            "run",
            file.to_str().unwrap(),
            "--target",
            &url,
            "--jobs",
            &jobs.to_string(),
            "--report-dir",
            dir.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(gauge.most.load(Ordering::SeqCst), jobs, "most requests in flight at once with --jobs {jobs}");
        let names: Vec<String> =
            results(&dir)["cases"].as_array().unwrap().iter().map(|c| c["case"].as_str().unwrap().to_string()).collect();
        let planned: Vec<String> = (0..9).map(|i| format!("case-{i:02}")).collect();
        assert_eq!(names, planned, "the report lists cases in plan order");
        // libtest shows them in plan order, too.
        let shown: Vec<&str> = std::str::from_utf8(&out.stdout)
            .unwrap()
            .lines()
            .filter_map(|l| l.strip_prefix("test "))
            .filter(|l| l.contains(" ... "))
            .collect();
        let order: Vec<bool> = shown.iter().enumerate().map(|(i, l)| l.contains(&format!("case-{i:02} "))).collect();
        assert!(shown.len() == 9 && order.iter().all(|&b| b), "{shown:?}");
    }
}
