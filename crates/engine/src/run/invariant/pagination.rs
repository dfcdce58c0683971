//! Running the invariants of a `pagination:` block: the walks and requests each case needs.

use std::collections::BTreeMap;

use serde_json::json;

use super::{base_query, conclude, full_each, full_ids, listed_again};
use crate::check::links::NextLinks;
use crate::check::pages::{duplicates, misordered, over_limit, Order, OverLimit, Page, WalkedIds};
use crate::check::{check_response, Checked, Expectation};
use crate::plan::invariant::PagCheck;
use crate::run::branch::branches;
use crate::run::session::Session;
use crate::run::walk::{fetch_page, walk, walk_each, End, Follow, Listing, MAX_WALK_IDS};
use crate::spec::model::{Direction, ErrorExpect, Pagination};
use crate::spec::Schema;
use crate::verdict::{CheckId, Conclusion, Finding};

/// Pages walked to check an order (enough boundaries, bounded cost).
const ORDER_PAGES: usize = 8;
/// An id no catalogue holds (the nil-adjacent UUID).
pub(crate) const UNKNOWN_MARKER: &str = "00000000-0000-4000-8000-00000000dead";

pub(crate) async fn run(check: &PagCheck, session: &mut Session<'_>) -> Conclusion {
    let spec = session.spec.clone();
    let Some(p) = spec.file.pagination.as_ref().map(|p| &p.value) else {
        return Conclusion::Skip("the spec has no pagination block".into());
    };
    let query = base_query(session, p);
    let headers = session.headers(&BTreeMap::new());
    match check {
        PagCheck::Limit => {
            let mut findings = Vec::new();
            let walks = branches(session, [1, p.page_size], |mut session, limit| {
                let listing = Listing { pagination: p, query: query.clone(), limit: Some(limit), headers: headers.clone() };
                async move {
                    let w = walk(&mut session, &listing, Follow::Marker, 3).await;
                    (session, w)
                }
            })
            .await;
            for (limit, w) in [1, p.page_size].into_iter().zip(walks) {
                findings.extend(over_limit(&w.pages, limit));
                if !matches!(w.end, End::Complete | End::Sampled) {
                    return conclude(&w.end, findings);
                }
            }
            conclude(&End::Complete, findings)
        }
        PagCheck::DefaultLimit => {
            let default = p.default_limit.unwrap_or_default();
            let mut total = 0u64;
            if let Err(c) = full_each(session, p, query.clone(), |page| total += page.items.len() as u64).await {
                return c;
            }
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

/// Walk with small pages; compare with the full listing taken before and after. Each page is
/// checked as it comes and dropped: the case keeps the ids of the first full listing and a
/// few bytes for each of them.
async fn walk_case(
    session: &mut Session<'_>,
    p: &Pagination,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    follow: Follow,
) -> Conclusion {
    let before = match full_ids(session, p, base_query(session, p)).await {
        Ok(ids) => ids,
        Err(c) => return c,
    };
    let mut asked = query.clone();
    asked.push((p.limit.clone(), p.page_size.to_string()));
    let mut links = NextLinks::new(p, &asked);
    let mut limit = OverLimit::new(p.page_size);
    let mut ids = WalkedIds::new(&p.id, Some(&before));
    let listing = Listing { pagination: p, query, limit: Some(p.page_size), headers };
    let w = walk_each(session, &listing, follow, usize::MAX, MAX_WALK_IDS, |page| {
        links.page(&page);
        limit.page(&page);
        ids.page(&page);
    })
    .await;
    match listed_again(session, p, base_query(session, p), &p.id, &before).await {
        Ok(None) => {}
        Ok(Some(skip)) | Err(skip) => return skip,
    }
    // Broken links first: they are usually the cause of what the other checks see.
    let mut findings = Vec::new();
    if follow == Follow::Link {
        findings.extend(links.findings());
    }
    findings.extend(limit.findings());
    findings.extend(ids.findings());
    if matches!(w.end, End::Complete) {
        let how = if follow == Follow::Link { "following next links".to_string() } else { format!("walking with {}=<last id>", p.marker) };
        // The walk's last page is where the missing items should have shown up by.
        findings.extend(ids.same_items(&how).into_iter().map(|f| match w.last {
            Some(i) => f.on(i),
            None => f,
        }));
    }
    conclude(&w.end, findings)
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
    let order = Order::by(sort, key, k, dir);
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
pub(crate) async fn rejection(
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
