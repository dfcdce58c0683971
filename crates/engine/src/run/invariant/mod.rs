//! Running invariants: each derived case walks listings through a [`Session`] and hands the
//! pages to the pure checks (`check::pages`, `check::links`, `check::filters`).

pub(crate) mod filters;
pub(crate) mod pagination;
pub(crate) mod probes;

use std::collections::BTreeMap;

use super::session::Session;
use super::walk::{walk_each, End, Follow, Listing, Walk, MAX_WALK_IDS, MAX_WALK_ITEMS};
use crate::check::item_ids::{IdList, Key, Recount};
use crate::check::pages::Page;
use crate::plan::invariant::{Check, Invariant};
use crate::plan::merge_query;
use crate::spec::model::Pagination;
use crate::verdict::{Conclusion, Finding};

/// Page size of a "maximal" listing when the spec declares no maximum.
const LARGE_PAGE: u64 = 1000;

pub(crate) async fn run(inv: &Invariant, session: &mut Session<'_>) -> Conclusion {
    session.members = inv.check.members(session.spec);
    let conclusion = match &inv.check {
        Check::Pagination(c) => pagination::run(c, session).await,
        Check::Filter(c) => filters::run(c, session).await,
    };
    session.responses.conclude(conclusion)
}

/// The query every listing of this spec starts from.
pub(crate) fn base_query(session: &Session<'_>, p: &Pagination) -> Vec<(String, String)> {
    merge_query(&session.spec.file.request.query, &p.query)
}

/// A complete listing with the largest pages, for comparisons.
pub(crate) async fn full_listing(session: &mut Session<'_>, p: &Pagination, query: Vec<(String, String)>) -> Result<Walk, Conclusion> {
    let mut pages = Vec::new();
    let end = complete(session, p, query, MAX_WALK_ITEMS, |page| pages.push(page)).await?;
    Ok(Walk { pages, end })
}

/// The ids of a complete listing with the largest pages, handed on as they come: a listing of
/// a million items costs tens of megabytes.
pub(crate) async fn full_ids(session: &mut Session<'_>, p: &Pagination, query: Vec<(String, String)>) -> Result<IdList, Conclusion> {
    let mut ids = IdList::default();
    full_each(session, p, query, |page| page.keys(&p.id).for_each(|k| ids.push(k))).await?;
    ids.seal();
    Ok(ids)
}

/// The same complete listing, each page handed to `each` and not kept.
pub(crate) async fn full_each(
    session: &mut Session<'_>,
    p: &Pagination,
    query: Vec<(String, String)>,
    each: impl FnMut(Page),
) -> Result<(), Conclusion> {
    complete(session, p, query, MAX_WALK_IDS, each).await.map(|_| ())
}

async fn complete(
    session: &mut Session<'_>,
    p: &Pagination,
    query: Vec<(String, String)>,
    max_items: usize,
    each: impl FnMut(Page),
) -> Result<End, Conclusion> {
    let headers = session.headers(&BTreeMap::new());
    let listing = Listing { pagination: p, query, limit: Some(p.max_limit.unwrap_or(LARGE_PAGE)), headers };
    listed(walk_each(session, &listing, Follow::Marker, usize::MAX, max_items, each).await.end)
}

/// A complete listing's end as the case's conclusion when it did not complete.
fn listed(end: End) -> Result<End, Conclusion> {
    match end {
        End::Complete | End::Sampled => Ok(end),
        End::Broken(f) => Err(Conclusion::Fail(vec![*f])),
        End::Stuck(r) => Err(Conclusion::Error(format!("could not list the catalogue: {r}"), vec![])),
    }
}

/// List the catalogue again (ids at `id`) and compare with `before`: `Ok(Some(skip))` when it
/// changed, `Err` when the second listing could not be made.
pub(crate) async fn listed_again(
    session: &mut Session<'_>,
    p: &Pagination,
    query: Vec<(String, String)>,
    id: &str,
    before: &IdList,
) -> Result<Option<Conclusion>, Conclusion> {
    let mut after = before.recount();
    // Sent again, not answered from the first listing: the point is to see it now.
    let fresh = std::mem::replace(&mut session.fresh, true);
    let listed = full_each(session, p, query, |page| page.keys(id).for_each(|k| after.add(&k))).await;
    session.fresh = fresh;
    listed?;
    Ok(catalogue_changed(&after, before))
}

/// A skip when a second listing of the catalogue (`after`) holds other ids than the first:
/// the catalogue changed under the walk, so nothing it saw proves a contract break.
fn catalogue_changed(after: &Recount<'_>, before: &IdList) -> Option<Conclusion> {
    (!after.same())
        .then(|| Conclusion::Skip(format!("catalogue changed during the walk ({} items before, {} after)", before.len(), after.count())))
}

/// A skip when two listings at hand hold other ids: the catalogue changed between them.
pub(crate) fn changed_between(before: &IdList, after: impl IntoIterator<Item = Key>) -> Option<Conclusion> {
    let mut recount = before.recount();
    after.into_iter().for_each(|k| recount.add(&k));
    catalogue_changed(&recount, before)
}

/// Turn the end of a walk plus findings into a conclusion.
pub(crate) fn conclude(end: &End, mut findings: Vec<Finding>) -> Conclusion {
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
