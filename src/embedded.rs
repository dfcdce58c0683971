//! The embedded default target: the reference server, started in-process on an ephemeral
//! loopback port when `run` is given no `--target`.

use std::collections::BTreeMap;

use crate::plan::Target;

pub use specgate_refserver::{faults, FaultKind, Running};

/// Start the reference server on the current runtime and describe it as a target.
pub async fn start(images: usize, seed: u64, faults: Vec<String>) -> Result<(Running, Target), String> {
    let config = specgate_refserver::Config { images, seed, faults, aksk: None };
    let running = specgate_refserver::start(config, 0).await.map_err(|e| e.to_string())?;
    let url = url::Url::parse(running.url()).map_err(|e| format!("reference server URL: {e}"))?;
    let mut vars = BTreeMap::new();
    vars.insert("project_id".to_string(), running.project_id().to_string());
    Ok((running, Target { name: "reference".into(), url, vars }))
}

/// `specgate serve --list-faults`.
pub fn fault_table() -> String {
    let mut out = String::new();
    for f in faults() {
        let kind = match f.kind {
            FaultKind::Contract => "contract",
            FaultKind::Transport => "transport",
        };
        out.push_str(&format!("{:<44} {:<9} {:<34} {}\n", f.name, kind, f.endpoint, f.description));
    }
    out
}
