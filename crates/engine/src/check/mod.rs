//! Checks: pure functions from exchanges to findings. No I/O, no async.

pub(crate) mod contract;
pub(crate) mod equivalence;
pub(crate) mod filters;
pub(crate) mod group;
pub(crate) mod isolation;
pub(crate) mod item_ids;
pub(crate) mod links;
pub(crate) mod pages;
pub(crate) mod relation;
pub(crate) mod response;
pub mod schema;
pub mod snapshot;
pub(crate) mod time;

pub use response::{check_response, Expectation};

/// Verdict material from checking: findings that prove a contract break, or the reason
/// the response could not be checked at all.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    Findings(Vec<crate::verdict::Finding>),
    CouldNotCheck(String),
}

/// A short rendering of a JSON value for findings: scalars as is, big containers summarised.
pub(crate) fn excerpt(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Array(a) if a.len() > 5 => Value::String(format!("[array of {} items]", a.len())),
        Value::Object(o) if serde_json::to_string(v).map(|s| s.len()).unwrap_or(0) > 300 => {
            let keys: Vec<&str> = o.keys().map(String::as_str).take(12).collect();
            Value::String(format!("{{object with keys {}{}}}", keys.join(", "), if o.len() > 12 { ", …" } else { "" }))
        }
        Value::String(s) if s.chars().count() > 200 => Value::String(format!("{}…", s.chars().take(200).collect::<String>())),
        other => other.clone(),
    }
}
