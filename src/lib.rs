//! specgate: contract and conformance tests for HTTP JSON APIs.
//!
//! One pipeline, one direction:
//! `spec` (load) → `plan` → `run` (HTTP exchanges) → `check` (findings) → `verdict` → `report`.

pub mod app;
pub mod auth;
pub mod check;
pub mod cli;
pub mod coverage;
pub mod derive;
pub mod embedded;
pub mod exit;
pub mod http;
pub mod lint;
pub mod openapi;
pub mod plan;
pub(crate) mod proposal;
pub mod redact;
pub mod render;
pub mod report;
pub mod run;
pub mod spec;
pub mod tape;
pub mod verdict;
pub mod waiver;
