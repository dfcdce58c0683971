//! specgate's engine, one pipeline: a loaded spec → `plan` → `run` (HTTP exchanges) → `check`
//! (findings) → `verdict` → `report`. The runner only emits `events`; every output (the report
//! files, the live stream, the terminal's notes, annotations, the exit code) subscribes to them.

pub mod auth;
pub mod check;
pub mod coverage;
pub mod embedded;
pub mod events;
pub mod exit;
pub mod http;
pub mod pace;
pub mod pairs;
pub mod plan;
pub mod redact;
pub mod render;
pub mod report;
pub mod run;
pub mod transport;
pub mod vars;
pub mod verdict;
pub mod waiver;

/// The spec format, as every stage reads it.
pub use specgate_spec as spec;
