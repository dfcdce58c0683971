//! Shared by the integration tests: a small in-process HTTP fixture on an ephemeral loopback
//! port, and a runner for the `specgate` binary.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

/// How the fixture behaves.
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    /// A correct little listing API.
    Good,
    /// `min_ram` comes back as a string.
    WrongType,
    /// Pages hold one item more than `limit`.
    LimitOffByOne,
    /// Never answers.
    Hang,
    /// Every request adds an image: the catalogue changes under a walk.
    Growing,
}

static GROWTH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn catalogue(mode: Mode) -> Vec<Value> {
    let extra = if let Mode::Growing = mode { GROWTH.fetch_add(1, std::sync::atomic::Ordering::SeqCst) } else { 0 };
    (0..12 + extra)
        .map(|i| json!({"id": format!("id-{i:02}"), "name": format!("img-{}", i % 5), "min_ram": (i % 3) * 512, "status": if i % 2 == 0 { "active" } else { "queued" }}))
        .collect()
}

async fn list(State(mode): State<Mode>, headers: HeaderMap, Query(q): Query<Vec<(String, String)>>) -> Response {
    if let Mode::Hang = mode {
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
    let get = |k: &str| q.iter().find(|(qk, _)| qk == k).map(|(_, v)| v.clone());
    let limit = match get("limit").map(|l| l.parse::<usize>()) {
        None => 5,
        Some(Ok(l)) => l,
        Some(Err(_)) => return (StatusCode::BAD_REQUEST, Json(json!({"error": {"code": "BAD", "message": "bad limit"}}))).into_response(),
    };
    let mut items = catalogue(mode);
    if let Some(name) = get("name") {
        items.retain(|i| i["name"] == name.as_str());
    }
    let start = match get("marker") {
        None => 0,
        Some(m) => match items.iter().position(|i| i["id"] == m.as_str()) {
            Some(p) => p + 1,
            None => return (StatusCode::BAD_REQUEST, Json(json!({"error": {"code": "BAD", "message": "unknown marker"}}))).into_response(),
        },
    };
    let take = if let Mode::LimitOffByOne = mode { limit + 1 } else { limit };
    let mut page: Vec<Value> = items.into_iter().skip(start).take(take).collect();
    if let Mode::WrongType = mode {
        for i in &mut page {
            i["min_ram"] = json!(i["min_ram"].to_string());
        }
    }
    let echoed_token = headers.get("x-auth-token").is_some();
    (StatusCode::OK, [("x-saw-token", if echoed_token { "yes" } else { "no" })], Json(json!({"images": page}))).into_response()
}

/// Start the fixture on its own runtime thread; returns its base URL.
pub fn serve(mode: Mode) -> String {
    serve_app(Router::new().route("/v2/images", get(list)).with_state(mode))
}

/// Serve `app` on an ephemeral loopback port from its own runtime thread; returns its base URL.
pub fn serve_app(app: Router) -> String {
    let (tx, rx) = std::sync::mpsc::channel::<SocketAddr>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// A fresh report directory per test.
pub fn report_dir(test: &str) -> PathBuf {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    let base = BASE.get_or_init(|| {
        let b = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("specgate-it");
        let _ = std::fs::remove_dir_all(&b);
        b
    });
    base.join(test)
}

/// Run the binary in the repository root.
pub fn specgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_specgate"))
        .args(args)
        .current_dir(root())
        .env_remove("SPECGATE_TOKEN")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run specgate")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn results(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).expect("results.json written")).expect("results.json is JSON")
}

/// Filters for golden files: ports, durations and temporary paths vary between runs.
pub const VOLATILE: &[(&str, &str)] = &[
    (r"127\.0\.0\.1:\d+", "127.0.0.1:PORT"),
    (r"finished in \d+\.\d+s", "finished in [DURATION]"),
    (r"\d+ ms\b", "[N] ms"),
    (r"os error \d+", "os error [N]"),
];
