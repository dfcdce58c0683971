//! Running invariants: each derived case walks listings through a [`Session`] and hands the
//! pages to the pure checks (`check::pages`, `check::links`, `check::filters`).

pub mod filters;
pub mod pagination;

use std::collections::{BTreeMap, BTreeSet};

use super::session::Session;
use super::walk::{walk, End, Follow, Listing, Walk};
use crate::plan::invariant::{Check, Invariant};
use crate::plan::merge_query;
use crate::spec::model::Pagination;
use crate::verdict::{Conclusion, Finding};

/// Page size of a "maximal" listing when the spec declares no maximum.
const LARGE_PAGE: u64 = 1000;

pub async fn run(inv: &Invariant, session: &mut Session<'_>) -> Conclusion {
    session.members = inv.check.members(session.spec);
    match &inv.check {
        Check::Pagination(c) => pagination::run(c, session).await,
        Check::Filter(c) => filters::run(c, session).await,
    }
}

/// The query every listing of this spec starts from.
pub fn base_query(session: &Session<'_>, p: &Pagination) -> Vec<(String, String)> {
    merge_query(&session.spec.file.request.query, &p.query)
}

/// A complete listing with the largest pages, for comparisons.
pub async fn full_listing(session: &mut Session<'_>, p: &Pagination, query: Vec<(String, String)>) -> Result<Walk, Conclusion> {
    let headers = session.headers(&BTreeMap::new());
    let listing = Listing { pagination: p, query, limit: Some(p.max_limit.unwrap_or(LARGE_PAGE)), headers };
    let w = walk(session, &listing, Follow::Marker, usize::MAX).await;
    match &w.end {
        End::Complete | End::Sampled => Ok(w),
        End::Broken(f) => Err(Conclusion::Fail(vec![(**f).clone()])),
        End::Stuck(r) => Err(Conclusion::Error(format!("could not list the catalogue: {r}"), vec![])),
    }
}

/// A skip when two listings of the same catalogue hold different ids: the catalogue changed
/// under the walk, so nothing it saw proves a contract break.
pub fn catalogue_changed(before: &[String], after: &[String]) -> Option<Conclusion> {
    (before.iter().collect::<BTreeSet<_>>() != after.iter().collect::<BTreeSet<_>>())
        .then(|| Conclusion::Skip(format!("catalogue changed during the walk ({} items before, {} after)", before.len(), after.len())))
}

/// Turn the end of a walk plus findings into a conclusion.
pub fn conclude(end: &End, mut findings: Vec<Finding>) -> Conclusion {
    match end {
        End::Broken(f) => {
            findings.insert(0, (**f).clone());
            Conclusion::Fail(findings)
        }
        End::Stuck(r) if findings.is_empty() => Conclusion::Error(r.clone(), findings),
        _ if !findings.is_empty() => Conclusion::Fail(findings),
        End::Stuck(r) => Conclusion::Error(r.clone(), findings),
        _ => Conclusion::Pass,
    }
}
