//! Invariants derived from a spec's `pagination:` and `filters:` blocks.
//!
//! `derive` turns the blocks into named cases (the same for `list` and `run`); `run` executes
//! one against a target through a [`Session`], then hands the collected pages to the pure
//! checks in `pages` and `relation`.

pub mod filters;
pub mod pages;
pub mod pagination;
pub mod relation;
pub mod sample;
pub mod time;
pub mod walk;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Pagination(pagination::PagCheck),
    Filter(filters::FilterCheck),
}

/// The invariants of `spec`, in a stable order.
pub fn derive(spec: &Spec) -> Vec<Invariant> {
    let mut out = Vec::new();
    pagination::derive(spec, &mut out);
    filters::derive(spec, &mut out);
    out
}

pub async fn run(inv: &Invariant, session: &mut Session<'_>) -> Conclusion {
    match &inv.check {
        Check::Pagination(c) => pagination::run(c, session).await,
        Check::Filter(c) => filters::run(c, session).await,
    }
}
