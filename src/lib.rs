//! specgate: contract and conformance tests for HTTP JSON APIs.
//!
//! The workspace's crates keep the layers: `specgate-json` (the tape, the reader, the schema
//! outline) under `specgate-spec` (the spec format and loader), under `specgate-engine` (plan,
//! run, check, verdict, events, reports), under `specgate-docs` (derive, lint-docs, OpenAPI);
//! this crate is the thin CLI on top. It re-exports the layers' modules under their names.

pub mod app;
pub mod cli;
pub mod manual;

pub use specgate_docs::{derive, lint, openapi, proposal};
pub use specgate_engine::{
    auth, check, coverage, embedded, events, exit, http, pairs, plan, redact, render, report, run, transport, vars, verdict, waiver,
};
/// The spec format and its loader (`specgate-spec`).
pub use specgate_spec as spec;
