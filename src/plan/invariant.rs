//! Invariants: the cases a spec's `pagination:` and `filters:` blocks stand for, derived
//! here (the same for `list` and `run`); `run::invariant` executes them.

use super::{filters, pagination};
use crate::spec::model::{DocRef, Level};
use crate::spec::Spec;

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
