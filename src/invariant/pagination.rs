//! The invariants of a `pagination:` block: derivation and execution.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::pages::Page;
use super::pages::{duplicates, ids, misordered, over_limit, same_items, Order};
use super::walk::{fetch_page, walk, End, Follow, Listing, Walk};
use super::{Check, Invariant};
use crate::check::{check_response, Checked, Expectation};
use crate::plan::merge_query;
use crate::run::session::Session;
use crate::spec::model::{Direction, ErrorExpect, LastPage, Pagination};
use crate::spec::Schema;
use crate::spec::Spec;
use crate::verdict::{CheckId, Conclusion, Finding};

/// Pages walked to check an order (enough boundaries, bounded cost).
const ORDER_PAGES: usize = 8;
/// Page size of a "maximal" listing when the spec declares no maximum.
const LARGE_PAGE: u64 = 1000;
/// An id no catalogue holds (the nil-adjacent UUID).
pub const UNKNOWN_MARKER: &str = "00000000-0000-4000-8000-00000000dead";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PagCheck {
    Limit,
    DefaultLimit,
    MaxLimit,
    Walk,
    Order { key: String, dir: Direction },
    DefaultOrder,
    NextLink,
    BadMarker,
    BadLimit(String),
    BadSortKey,
    BadSortDir,
}

pub fn derive(spec: &Spec, out: &mut Vec<Invariant>) {
    let Some(p) = &spec.file.pagination else { return };
    let line = p.referenced.line() as usize;
    let p = &p.value;
    let mut add = |name: String, check: PagCheck, error_case: bool| {
        let (level, doc) = match (&p.errors, error_case) {
            (Some(e), true) => (e.level, e.doc.clone().unwrap_or_else(|| p.doc.clone())),
            _ => (p.level, p.doc.clone()),
        };
        out.push(Invariant { name, level, doc, why: p.why.clone(), line, check: Check::Pagination(check) });
    };
    add("pagination.limit".into(), PagCheck::Limit, false);
    if p.default_limit.is_some() {
        add("pagination.default-limit".into(), PagCheck::DefaultLimit, false);
    }
    if p.max_limit.is_some() {
        add("pagination.max-limit".into(), PagCheck::MaxLimit, false);
    }
    add("pagination.walk".into(), PagCheck::Walk, false);
    if let Some(sort) = &p.sort {
        for key in sort.keys.keys() {
            for dir in [Direction::Asc, Direction::Desc] {
                add(format!("pagination.order.{key}.{}", dir.as_str()), PagCheck::Order { key: key.clone(), dir }, false);
            }
        }
        if sort.default_key.is_some() && sort.default_dir.is_some() {
            add("pagination.default-order".into(), PagCheck::DefaultOrder, false);
        }
    }
    if p.next.is_some() {
        add("pagination.next-link".into(), PagCheck::NextLink, false);
    }
    if p.errors.is_some() {
        add("pagination.bad-marker".into(), PagCheck::BadMarker, true);
        for v in &p.bad_limits {
            let text = v.to_string();
            add(format!("pagination.bad-limit.{}", case_suffix(&text)), PagCheck::BadLimit(text), true);
        }
        if p.sort.is_some() {
            add("pagination.bad-sort-key".into(), PagCheck::BadSortKey, true);
            add("pagination.bad-sort-dir".into(), PagCheck::BadSortDir, true);
        }
    }
}

/// A value as a case-name segment (`-1` stays `-1`, spaces and dots become `_`).
pub fn case_suffix(v: &str) -> String {
    v.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
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

pub async fn run(check: &PagCheck, session: &mut Session<'_>) -> Conclusion {
    let spec = session.spec.clone();
    let Some(p) = spec.file.pagination.as_ref().map(|p| &p.value) else {
        return Conclusion::Skip("the spec has no pagination block".into());
    };
    let query = base_query(session, p);
    let headers = session.headers(&BTreeMap::new());
    match check {
        PagCheck::Limit => {
            let mut findings = Vec::new();
            for limit in [1, p.page_size] {
                let w = walk(
                    session,
                    &Listing { pagination: p, query: query.clone(), limit: Some(limit), headers: headers.clone() },
                    Follow::Marker,
                    3,
                )
                .await;
                findings.extend(over_limit(&w.pages, limit));
                if !matches!(w.end, End::Complete | End::Sampled) {
                    return conclude(&w.end, findings);
                }
            }
            conclude(&End::Complete, findings)
        }
        PagCheck::DefaultLimit => {
            let default = p.default_limit.unwrap_or_default();
            let full = match full_listing(session, p, query.clone()).await {
                Ok(w) => w,
                Err(c) => return c,
            };
            let total = ids(&full.pages, &p.id).len() as u64;
            let page = match fetch_one(session, p, &query, headers).await {
                Ok(pg) => pg,
                Err(c) => return c,
            };
            let n = page.items.len() as u64;
            let expected = default.min(total);
            if n == expected && total <= default {
                Conclusion::Skip(format!("the catalogue holds {total} items, not more than the default limit {default}: a page of {n} cannot tell whether {default} applies"))
            } else if n == expected {
                Conclusion::Pass
            } else {
                Conclusion::Fail(vec![Finding::new(
                    CheckId::PaginationDefaultLimit,
                    p.items.clone(),
                    json!(expected),
                    json!(n),
                    format!(
                        "without `{}` the page holds {n} items; the documented default is {default} and the catalogue holds {total}",
                        p.limit
                    ),
                )
                .on(page.exchange)])
            }
        }
        PagCheck::MaxLimit => {
            let max = p.max_limit.unwrap_or_default();
            let mut q = query.clone();
            q.push((p.limit.clone(), (max + 1).to_string()));
            let page = match fetch_one(session, p, &q, headers).await {
                Ok(pg) => pg,
                Err(c) => return c,
            };
            let n = page.items.len() as u64;
            if n > max {
                Conclusion::Fail(vec![Finding::new(
                    CheckId::PaginationMaxLimit,
                    p.items.clone(),
                    json!(max),
                    json!(n),
                    format!("limit={} returned {n} items, more than the maximum {max}", max + 1),
                )
                .on(page.exchange)])
            } else if n < max {
                Conclusion::Skip(format!("the catalogue holds fewer than {max} items ({n} returned): the cap cannot show"))
            } else {
                Conclusion::Pass
            }
        }
        PagCheck::Walk => walk_case(session, p, query, headers, Follow::Marker).await,
        PagCheck::NextLink => {
            // Extra parameters the links must keep: the default sort, spelled out.
            let mut q = query.clone();
            if let Some(sort) = &p.sort {
                if let (Some(k), Some(d)) = (&sort.default_key, sort.default_dir) {
                    q.push((sort.key_param.clone(), k.clone()));
                    q.push((sort.dir_param.clone(), d.as_str().to_string()));
                }
            }
            walk_case(session, p, q, headers, Follow::Link).await
        }
        PagCheck::Order { key, dir } => {
            let sort = p.sort.as_ref().expect("derived from a sort block");
            let mut q = query.clone();
            q.push((sort.key_param.clone(), key.clone()));
            q.push((sort.dir_param.clone(), dir.as_str().to_string()));
            order_case(session, p, q, headers, key, *dir).await
        }
        PagCheck::DefaultOrder => {
            let sort = p.sort.as_ref().expect("derived from a sort block");
            let (Some(key), Some(dir)) = (sort.default_key.clone(), sort.default_dir) else {
                return Conclusion::Skip("no default sort declared".into());
            };
            order_case(session, p, query, headers, &key, dir).await
        }
        PagCheck::BadMarker => negative(session, p, query, (p.marker.clone(), UNKNOWN_MARKER.to_string())).await,
        PagCheck::BadLimit(v) => negative(session, p, query, (p.limit.clone(), v.clone())).await,
        PagCheck::BadSortKey => {
            let sort = p.sort.as_ref().expect("derived from a sort block");
            negative(session, p, query, (sort.key_param.clone(), "no_such_sort_key".into())).await
        }
        PagCheck::BadSortDir => {
            let sort = p.sort.as_ref().expect("derived from a sort block");
            negative(session, p, query, (sort.dir_param.clone(), "sideways".into())).await
        }
    }
}

/// Walk with small pages; compare with the full listing taken before and after.
async fn walk_case(
    session: &mut Session<'_>,
    p: &Pagination,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    follow: Follow,
) -> Conclusion {
    let before = match full_listing(session, p, base_query(session, p)).await {
        Ok(w) => w,
        Err(c) => return c,
    };
    let w = walk(session, &Listing { pagination: p, query: query.clone(), limit: Some(p.page_size), headers }, follow, usize::MAX).await;
    let after = match full_listing(session, p, base_query(session, p)).await {
        Ok(w) => w,
        Err(c) => return c,
    };
    let ids_before = ids(&before.pages, &p.id);
    if let Some(skip) = catalogue_changed(&ids_before, &ids(&after.pages, &p.id)) {
        return skip;
    }
    // Broken links first: they are usually the cause of what the other checks see.
    let mut findings = Vec::new();
    if follow == Follow::Link {
        let mut asked = query.clone();
        asked.push((p.limit.clone(), p.page_size.to_string()));
        findings.extend(link_findings(&w, p, &asked));
    }
    findings.extend(over_limit(&w.pages, p.page_size));
    findings.extend(duplicates(&w.pages, &p.id));
    if matches!(w.end, End::Complete) {
        let how = if follow == Follow::Link { "following next links".to_string() } else { format!("walking with {}=<last id>", p.marker) };
        // The walk's last page is where the missing items should have shown up by.
        let last = w.pages.last().map(|pg| pg.exchange);
        findings.extend(same_items(&ids(&w.pages, &p.id), &ids_before, &how).into_iter().map(|f| match last {
            Some(i) => f.on(i),
            None => f,
        }));
    }
    conclude(&w.end, findings)
}

/// Next links keep the query, vanish on the last page and lead somewhere new.
fn link_findings(w: &Walk, p: &Pagination, query: &[(String, String)]) -> Vec<Finding> {
    let Some(next) = &p.next else { return vec![] };
    let mut out = Vec::new();
    let limit = p.page_size as usize;
    let mut dropping_pages = 0;
    for (i, page) in w.pages.iter().enumerate() {
        let Some(href) = &page.next else { continue };
        let is_last = i + 1 == w.pages.len();
        if page.items.len() < limit && !page.items.is_empty() {
            out.push(
                Finding::new(
                    CheckId::PaginationNextLink,
                    next.pointer.clone(),
                    json!("no next link on a short (last) page"),
                    json!(href),
                    format!("page {} holds {} < {limit} items yet links to a next page", i + 1, page.items.len()),
                )
                .on(page.exchange),
            );
        }
        if page.items.is_empty() && is_last {
            out.push(
                Finding::new(
                    CheckId::PaginationNextLink,
                    next.pointer.clone(),
                    json!("no next link on an empty page"),
                    json!(href),
                    format!("the empty page {} still links to a next page", i + 1),
                )
                .on(page.exchange),
            );
        }
        let parsed = url::Url::parse("http://base/").and_then(|b| b.join(href));
        let Ok(link) = parsed else { continue };
        let pairs: Vec<(String, String)> = link.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let dropped: Vec<String> = query
            .iter()
            .filter(|(k, _)| *k != p.marker)
            .filter(|(k, v)| !pairs.iter().any(|(lk, lv)| lk == k && lv == v))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        // Once a link drops parameters every later page is fetched without them: the first
        // such link is the finding, the others are counted.
        if !dropped.is_empty() {
            dropping_pages += 1;
        }
        if !dropped.is_empty() && dropping_pages == 1 {
            out.push(
                Finding::new(
                    CheckId::PaginationNextLink,
                    next.pointer.clone(),
                    json!(dropped),
                    json!(href),
                    format!("the next link of page {} drops `{}`", i + 1, dropped.join("&")),
                )
                .on(page.exchange),
            );
        }
    }
    if dropping_pages > 1 {
        if let Some(f) = out.iter_mut().find(|f| f.message.contains(" drops `")) {
            f.message.push_str(&format!(" (so do the links of {} later pages)", dropping_pages - 1));
        }
    }
    if next.last_page == LastPage::NoLink {
        if let Some((i, page)) = w.pages.len().checked_sub(1).map(|i| (i, &w.pages[i])) {
            if page.items.is_empty() && i > 0 && w.pages[i - 1].next.is_some() {
                out.push(
                    Finding::new(
                        CheckId::PaginationNextLink,
                        next.pointer.clone(),
                        json!("no next link on the last non-empty page"),
                        json!(w.pages[i - 1].next),
                        format!("page {} links to an empty page {}", i, i + 1),
                    )
                    .on(w.pages[i - 1].exchange),
                );
            }
        }
    }
    out.truncate(super::pages::MAX_FINDINGS);
    out
}

async fn order_case(
    session: &mut Session<'_>,
    p: &Pagination,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    key: &str,
    dir: Direction,
) -> Conclusion {
    let sort = p.sort.as_ref().expect("order cases come from a sort block");
    let Some(k) = sort.keys.get(key) else {
        return Conclusion::Skip(format!("sort key `{key}` is not declared in sort.keys"));
    };
    let order = Order {
        key: key.to_string(),
        field: k.field.clone(),
        kind: k.kind,
        dir,
        tie: sort.tie_breaker.clone().map(|t| (t, sort.tie_breaker_dir.unwrap_or(dir))),
    };
    let w = walk(session, &Listing { pagination: p, query, limit: Some(p.page_size), headers }, Follow::Marker, ORDER_PAGES).await;
    if w.pages.iter().map(|pg| pg.items.len()).sum::<usize>() < 2 && matches!(w.end, End::Complete) {
        return Conclusion::Skip("the catalogue holds fewer than two items: no order to check".into());
    }
    let mut findings = misordered(&w.pages, &order);
    findings.extend(duplicates(&w.pages, &p.id));
    conclude(&w.end, findings)
}

/// One invalid paging parameter must yield the documented error.
async fn negative(session: &mut Session<'_>, p: &Pagination, mut query: Vec<(String, String)>, bad: (String, String)) -> Conclusion {
    let spec = session.spec.clone();
    let Some(errors) = &p.errors else {
        return Conclusion::Skip("no errors block".into());
    };
    query.retain(|(k, _)| *k != bad.0);
    let shown = format!("{}={}", bad.0, bad.1);
    query.push(bad);
    match rejection(session, errors, spec.pagination_error_schema.as_ref(), &query, &shown).await {
        Ok(f) if f.is_empty() => Conclusion::Pass,
        Ok(f) => Conclusion::Fail(f),
        Err(c) => c,
    }
}

/// Send `query` and check that the answer is the documented rejection `errors`; findings name
/// the offending parameter (`shown`). `Err` when the request could not be made or checked.
pub async fn rejection(
    session: &mut Session<'_>,
    errors: &ErrorExpect,
    schema: Option<&Schema>,
    query: &[(String, String)],
    shown: &str,
) -> Result<Vec<Finding>, Conclusion> {
    let url = session.url(query).map_err(|e| Conclusion::Error(e, vec![]))?;
    let headers = session.headers(&errors.headers);
    let i = session.send(url, headers).await.map_err(|b| Conclusion::Error(b.to_string(), vec![]))?;
    let expect = Expectation { status: &errors.status, content_type: errors.content_type.as_deref(), schema };
    match check_response(expect, &session.exchanges[i], i) {
        Checked::Findings(f) => Ok(f
            .into_iter()
            .map(|mut x| {
                x.message = format!("{shown}: {}", x.message);
                x
            })
            .collect()),
        Checked::CouldNotCheck(r) => Err(Conclusion::Error(r, vec![])),
    }
}

/// Fetch the single page `query` names.
async fn fetch_one(
    session: &mut Session<'_>,
    p: &Pagination,
    query: &[(String, String)],
    headers: Vec<(String, String)>,
) -> Result<Page, Conclusion> {
    let url = session.url(query).map_err(|e| Conclusion::Error(e, vec![]))?;
    fetch_page(session, p, url, headers).await.map_err(|end| conclude(&end, vec![]))
}
