//! Why specgate could not log in. Each is one line for the user; none carries a secret.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("Keystone at {url} is unreachable: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("Keystone at {url} refused the credentials (HTTP {status}){}", detail(.message))]
    Rejected { url: String, status: u16, message: String },
    #[error("Keystone at {url} answered HTTP {status} without a usable token: {reason}")]
    BadToken { url: String, status: u16, reason: String },
    #[error("the Keystone token expired at {expires_at} and could not be refreshed: {reason}")]
    Expired { expires_at: String, reason: String },
    #[error("incomplete Keystone credentials: {0}")]
    Incomplete(String),
    #[error("no cloud `{name}` in {}{}", describe(.searched), suggest(.suggestion))]
    UnknownCloud { name: String, searched: Vec<PathBuf>, suggestion: Option<String> },
    #[error("--os-cloud {name}: no clouds.yaml found (looked in {})", describe(.searched))]
    NoCloudsFile { name: String, searched: Vec<PathBuf> },
    #[error("{path}: {message}")]
    CloudsFile { path: PathBuf, message: String },
    #[error("--service {service}: the token's catalog has no {interface} endpoint of type `{service}`{}", region_of(.region))]
    NoEndpoint { service: String, interface: String, region: Option<String> },
    #[error("{0}")]
    Usage(String),
}

fn detail(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

fn describe(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

fn suggest(s: &Option<String>) -> String {
    s.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
}

fn region_of(r: &Option<String>) -> String {
    r.as_ref().map(|r| format!(" in region `{r}`")).unwrap_or_default()
}
