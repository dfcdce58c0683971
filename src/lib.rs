//! specgate: contract and conformance tests for HTTP JSON APIs.
//!
//! One pipeline: `spec` (load) → `plan` → `run` (HTTP exchanges) → `check` (findings) →
//! `verdict` → `report`. The runner only emits `events`; every output (the report files, the
//! live stream, the terminal's notes, annotations, the exit code) subscribes to them.

pub mod app;
pub mod auth;
pub mod check;
pub mod cli;
pub mod coverage;
pub mod derive;
pub mod embedded;
pub mod events;
pub mod exit;
pub mod http;
pub mod lint;
pub mod manual;
pub mod openapi;
pub mod pairs;
pub mod plan;
pub(crate) mod proposal;
pub mod redact;
pub mod render;
pub mod report;
pub mod run;
pub mod transport;
pub mod vars;
pub mod verdict;
pub mod waiver;

/// The spec format and its loader (`specgate-spec`).
pub use specgate_spec as spec;
