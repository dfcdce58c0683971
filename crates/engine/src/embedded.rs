//! The embedded default target: the reference server, started in-process on an ephemeral
//! loopback port when `run` is given no `--target`.

use std::collections::BTreeMap;

use crate::plan::Target;

pub use specgate_refserver::{faults, FaultKind, Running};

/// Start the reference server on the current runtime (with `tenancy`, each identity lists what
/// its project may see) and describe it as a target.
pub async fn start(images: usize, seed: u64, faults: Vec<String>, tenancy: bool) -> Result<(Running, Target), String> {
    let config = specgate_refserver::Config { images, seed, faults, aksk: None, tenancy };
    let running = specgate_refserver::start(config, 0).await.map_err(|e| e.to_string())?;
    let url = url::Url::parse(running.url()).map_err(|e| format!("reference server URL: {e}"))?;
    let mut target = shape();
    target.url = url;
    target.vars.insert(PROJECT_ID.to_string(), running.project_id().to_string());
    Ok((running, target))
}

/// The identities the run makes its requests as: the server's own (alice first, whose project
/// is the target's `project_id`), each sending its test token as it is.
pub fn identities(running: &Running) -> Vec<crate::auth::Identity> {
    running
        .identities()
        .iter()
        .map(|i| crate::auth::Identity {
            name: i.name.clone(),
            auth: crate::auth::Auth::token(i.token.clone()),
            project_id: Some(i.project_id.clone()),
            admin: i.admin,
        })
        .collect()
}

/// The variable the embedded server supplies: its project's id.
const PROJECT_ID: &str = "project_id";

/// The embedded target before it is started: its name and the variables it will supply, with
/// placeholder values (for checking, before a run, that every variable is set).
pub fn shape() -> Target {
    let url = url::Url::parse("http://127.0.0.1/").expect("static URL");
    Target { name: "reference".into(), url, vars: BTreeMap::from([(PROJECT_ID.to_string(), String::new())]) }
}

/// `specgate serve --list-faults`.
pub fn fault_table() -> String {
    let mut out = String::new();
    for f in faults() {
        let kind = match f.kind {
            FaultKind::Contract => "contract",
            FaultKind::Transport => "transport",
            FaultKind::Load => "load",
        };
        out.push_str(&format!("{:<44} {:<9} {:<34} {}\n", f.usage(), kind, f.endpoint, f.description));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fault_table_shows_each_kind_and_how_to_give_a_value() {
        let table = fault_table();
        assert_eq!(table.lines().count(), faults().len());
        let row = |name: &str| table.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name}:\n{table}")).to_owned();
        assert!(row("*.hang ").contains(" transport "));
        assert!(row("*.latency=DURATION ").contains(" load "));
        assert!(row("*.rate=N ").contains(" load "));
        assert!(row("nova.text-plain ").contains(" contract "));
    }
}
