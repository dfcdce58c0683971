//! `--jobs N`: at most N cases have requests in flight at once, the run reaches N when there
//! is work for it, and the reports keep plan order whatever order cases finish in.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use common::{report_dir, results, serve_app, specgate, text};
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
            // Each its own query: identical requests would be sent once and shared.
            "  - {{name: case-{i:02}, query: {{case: {i}}}, doc: {{file: tests/jobs.rs, section: jobs}}, level: must, expect: {{status: 200}}}}\n"
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

/// A page of `n` images; image `bad`, when given, has a number for an id.
fn page(n: usize, bad: Option<usize>) -> Value {
    let images: Vec<Value> = (0..n)
        .map(|i| {
            let id = if Some(i) == bad { json!(i) } else { json!(format!("img-{i:06}")) };
            json!({"id": id, "name": format!("image number {i}, with a name long enough to make the page big"), "size": i * 1024})
        })
        .collect();
    json!({ "images": images })
}

/// Bodies past `run::execute::CHECKED_AWAY` are checked on another thread than the one that
/// runs the cases; what they are found to be is the same, at one case in flight and at several.
#[test]
fn a_big_body_is_checked_like_a_small_one_whatever_the_jobs() {
    let big = serde_json::to_vec(&page(4000, None)).unwrap();
    assert!(big.len() > specgate::run::execute::CHECKED_AWAY, "the page is {} bytes", big.len());
    let url = serve_app(Router::new().route(
        "/v2/images",
        get(|q: axum::extract::Query<std::collections::HashMap<String, String>>| async move {
            Json(match q.get("kind").map(String::as_str) {
                Some("big-broken") => page(4000, Some(3210)),
                Some("small-broken") => page(3, Some(1)),
                _ => page(4000, None),
            })
        }),
    ));
    for jobs in ["1", "3"] {
        let dir = report_dir(&format!("big-bodies-{jobs}"));
        std::fs::create_dir_all(dir.with_extension("specs")).unwrap();
        let file = dir.with_extension("specs").join("big.yaml");
        let mut source = String::from(
            "specgate: 1\ntitle: Big\ndoc: {file: tests/jobs.rs, section: big}\nrequest: {method: GET, path: /v2/images}\ncases:\n",
        );
        for name in ["big", "big-broken", "small-broken", "big-again"] {
            source.push_str(&format!(
                "  - {{name: {name}, query: {{kind: {name}}}, doc: {{file: tests/jobs.rs, section: big}}, level: must, expect: {{status: 200, schema: {{type: object, required: [images], properties: {{images: {{type: array, items: {{type: object, required: [id], properties: {{id: {{type: string}}}}}}}}}}}}}}}}\n"
            ));
        }
        std::fs::write(&file, source).unwrap();
        let out = specgate(&["run", file.to_str().unwrap(), "--target", &url, "--jobs", jobs, "--report-dir", dir.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(specgate::exit::FAILED as i32), "{}", text(&out.stderr));
        let cases = results(&dir)["cases"].as_array().unwrap().clone();
        let outcomes: Vec<(&str, &str)> = cases.iter().map(|c| (c["case"].as_str().unwrap(), c["outcome"].as_str().unwrap())).collect();
        assert_eq!(outcomes, [("big", "pass"), ("big-broken", "fail"), ("small-broken", "fail"), ("big-again", "pass")], "--jobs {jobs}");
        let pointers = |i: usize| -> Vec<String> {
            cases[i]["findings"].as_array().unwrap().iter().map(|f| f["pointer"].as_str().unwrap().to_string()).collect()
        };
        assert_eq!(pointers(1), ["/images/3210/id"], "--jobs {jobs}: {}", cases[1]);
        assert_eq!(pointers(2), ["/images/1/id"], "--jobs {jobs}: {}", cases[2]);
        assert_eq!(cases[1]["exchanges"][0]["status"], 200, "the exchange is kept: {}", cases[1]);
    }
}
