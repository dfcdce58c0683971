//! Invariants derived from a spec's `pagination:` and `filters:` blocks.
//!
//! `derive` turns the blocks into named cases (same for `list` and `run`); `run` executes one
//! against a target through a [`Session`], then hands the collected pages to the pure checks.

use crate::run::session::Session;
use crate::spec::model::{DocRef, Level};
use crate::spec::Spec;
use crate::verdict::Conclusion;

/// One derived case.
#[derive(Debug, Clone)]
pub struct Invariant {
    pub name: String,
    pub level: Level,
    pub doc: DocRef,
    pub why: Option<String>,
    /// Line of the block (or parameter) it came from.
    pub line: usize,
    pub check: Check,
}

/// What an invariant checks.
#[derive(Debug, Clone)]
pub enum Check {}

/// The invariants of `spec`, in a stable order.
pub fn derive(_spec: &Spec) -> Vec<Invariant> {
    Vec::new()
}

pub async fn run(inv: &Invariant, _session: &mut Session<'_>) -> Conclusion {
    match inv.check {}
}
