//! Walking a listing page by page through a session, by marker or by next link, with
//! cycle detection and bounded cost. Hands each page on as it comes (or collects them);
//! judging them is the pure checks' job.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};

use crate::check::contract::listing_contract;
use crate::check::excerpt;
use crate::check::item_ids::Key;
use crate::check::links;
use crate::check::pages::Page;
use crate::run::session::Session;
use crate::spec::model::{NextLink, NextStyle, Pagination};
use crate::verdict::{CheckId, Finding, Shift};
use specgate_json::reader::Wanted;

/// Most items a walk that keeps its pages holds: bounds a case's memory on a huge or endless
/// listing.
pub(crate) const MAX_WALK_ITEMS: usize = 100_000;
/// Most items a walk that hands its pages on passes through. What its checks keep of an item
/// is its id, about 30 bytes: this bounds them near 300 MB.
pub(crate) const MAX_WALK_IDS: usize = 10_000_000;

/// How the walk moves to the next page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Follow {
    /// Ask for the page after the last item's id (`marker=`).
    Marker,
    /// Follow the next link the page carries.
    Link,
}

/// Why a walk stopped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum End {
    /// The listing ended (a short or empty page, or no next link).
    Complete,
    /// Stopped after `max_pages` pages on purpose (a sample, not the whole listing).
    Sampled,
    /// The API broke the contract while walking (bad status, no item array, a cycle…).
    Broken(Box<Finding>),
    /// The walk could not go on (transport failure, not JSON, budget).
    Stuck(String),
}

pub(crate) struct Walk {
    pub pages: Vec<Page>,
    pub end: End,
}

/// A walk whose pages were handed on: where it ended and why it stopped.
pub(crate) struct Walked {
    /// The exchange of the last page.
    pub last: Option<usize>,
    pub end: End,
}

/// A listing request: the query (without marker) and page size.
pub(crate) struct Listing<'p> {
    pub pagination: &'p Pagination,
    pub query: Vec<(String, String)>,
    pub limit: Option<u64>,
    pub headers: Vec<(String, String)>,
}

impl Shift for End {
    fn shift(&mut self, by: usize) {
        if let End::Broken(f) = self {
            f.shift(by);
        }
    }
}

impl Shift for Page {
    fn shift(&mut self, by: usize) {
        self.exchange += by;
    }
}

impl Shift for Walk {
    fn shift(&mut self, by: usize) {
        self.pages.shift(by);
        self.end.shift(by);
    }
}

/// Extract the next link of a page body per the style.
pub(crate) fn next_link(body: &Value, next: &NextLink) -> Option<String> {
    let v = body.pointer(&next.pointer)?;
    match next.style {
        NextStyle::Href => v.as_str().map(str::to_owned),
        NextStyle::Links => v
            .as_array()?
            .iter()
            .find(|l| l.get("rel").and_then(Value::as_str) == Some(next.rel.as_str()))
            .and_then(|l| l.get("href"))
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}

/// Fetch one page at `url`.
pub(crate) async fn fetch_page(
    session: &mut Session<'_>,
    pagination: &Pagination,
    url: url::Url,
    headers: Vec<(String, String)>,
) -> Result<Page, End> {
    let i = session.send(url, headers).await.map_err(|b| End::Stuck(b.to_string()))?;
    let ex = &session.exchanges[i];
    if let Some(e) = &ex.error {
        return Err(End::Stuck(format!("{} {}: {e}", ex.method, ex.url)));
    }
    let status = ex.status.unwrap_or(0);
    if !(200..300).contains(&status) {
        return Err(End::Broken(Box::new(
            Finding::new(
                CheckId::PaginationStatus,
                "",
                json!("2xx"),
                json!(status),
                format!("listing page answered {status}: {}", ex.body.excerpt(160)),
            )
            .on(i),
        )));
    }
    // Every page is held to the listing's contract as it comes, then dropped.
    let spec = session.spec;
    if let Some(expect) = listing_contract(spec) {
        session.exchanges[i].body.read_as_member(expect.schema.and_then(|s| s.member.as_ref()));
        session.responses.check(expect, &session.exchanges[i], i);
    }
    let foreign = crate::run::execute::foreign_links(spec, &session.exchanges[i], i);
    session.responses.add(&session.exchanges[i], i, foreign);
    let ex = &session.exchanges[i];
    let next_pointer = pagination.next.as_ref().map(|n| n.pointer.as_str());
    let members = session.members.as_ref().or(session.spec.item_members.as_ref());
    let keep: Vec<&str> = next_pointer.into_iter().chain([links::FIRST_POINTER, links::SELF_POINTER]).collect();
    let wanted = Wanted::new(&pagination.items, members, &keep);
    let mut body = wanted
        .parse(ex.body.bytes())
        .map_err(|e| End::Stuck(format!("{} {}: body is not JSON ({e}): {}", ex.method, ex.url, ex.body.excerpt(120))))?;
    let url = ex.url.clone();
    let next = pagination.next.as_ref().and_then(|n| next_link(&body, n));
    if let Ok(request) = url::Url::parse(&url) {
        let text = |pointer| body.pointer(pointer).and_then(Value::as_str);
        let page_links = links::PageLinks { next: next.as_deref(), first: text(links::FIRST_POINTER), own: text(links::SELF_POINTER) };
        let found = links::page_link_findings(&request, pagination, &page_links).into_iter().map(|f| f.on(i)).collect();
        session.responses.add(&session.exchanges[i], i, found);
    }
    let Some(Value::Array(items)) = body.pointer_mut(&pagination.items).map(Value::take) else {
        let keys: Vec<&String> = body.as_object().map(|o| o.keys().collect()).unwrap_or_default();
        return Err(End::Broken(Box::new(
            Finding::new(
                CheckId::PaginationItems,
                pagination.items.clone(),
                json!("an array of items"),
                json!({"keys": keys}),
                format!("no item array at {} in the listing", pagination.items),
            )
            .on(i),
        )));
    };
    // The walk keeps what the invariants read of each item (see `select`), not the page.
    session.exchanges[i].body = Default::default();
    Ok(Page { exchange: i, url, items, next })
}

/// Walk `listing` from its first page, at most `max_pages` pages, keeping them.
pub(crate) async fn walk(session: &mut Session<'_>, listing: &Listing<'_>, follow: Follow, max_pages: usize) -> Walk {
    let mut pages = Vec::new();
    let w = walk_each(session, listing, follow, max_pages, MAX_WALK_ITEMS, |page| pages.push(page)).await;
    Walk { pages, end: w.end }
}

/// Walk `listing` from its first page, at most `max_pages` pages and `max_items` items, handing
/// each page to `each` as it comes.
pub(crate) async fn walk_each(
    session: &mut Session<'_>,
    listing: &Listing<'_>,
    follow: Follow,
    max_pages: usize,
    max_items: usize,
    mut each: impl FnMut(Page),
) -> Walked {
    let p = listing.pagination;
    let mut pages = 0usize;
    let mut last = None;
    // The pages' URLs, for the finding that shows a cycle of next links.
    let mut urls: Vec<String> = Vec::new();
    let mut markers: HashSet<Key> = HashSet::new();
    // Each next link followed → the index in `urls` of the page it led to.
    let mut links: HashMap<String, usize> = HashMap::new();
    let mut query = listing.query.clone();
    if let Some(l) = listing.limit {
        query.push((p.limit.clone(), l.to_string()));
    }
    let whole = max_pages == usize::MAX;
    let mut walked = 0usize;
    if let Some(reason) = session.unending(max_items).filter(|_| whole) {
        return Walked { last, end: End::Stuck(reason) };
    }
    let mut url = match session.url(&query) {
        Ok(u) => u,
        Err(e) => return Walked { last, end: End::Stuck(e) },
    };
    loop {
        let done = |end: End| Walked { last, end };
        if pages >= max_pages {
            return done(End::Sampled);
        }
        let page = match fetch_page(session, p, url.clone(), listing.headers.clone()).await {
            Ok(page) => page,
            Err(end) => {
                if whole && matches!(end, End::Stuck(_)) && session.budget_spent() {
                    session.mark_unending(&format!("did not end within the request budget ({pages} pages)"), None);
                }
                return done(end);
            }
        };
        walked += page.items.len();
        let short = listing.limit.is_some_and(|l| (page.items.len() as u64) < l);
        let empty = page.items.is_empty();
        let last_id = page.items.last().and_then(|i| Key::of(i, &p.id));
        let link = page.next.clone();
        let exchange = page.exchange;
        if follow == Follow::Link {
            urls.push(page.url.clone());
        }
        pages += 1;
        last = Some(exchange);
        each(page);
        let done = |end: End| Walked { last, end };
        if whole && walked > max_items {
            let reason = session.mark_unending(&format!("holds more than {max_items} items after {pages} pages"), Some(max_items));
            return done(End::Stuck(reason));
        }
        match follow {
            Follow::Marker => {
                if empty || short {
                    return done(End::Complete);
                }
                let Some(marker) = last_id else {
                    let f = Finding::new(
                        CheckId::PaginationId,
                        p.id.clone(),
                        json!("an id on the last item"),
                        json!(null),
                        "the last item of the page has no id to use as marker",
                    )
                    .on(exchange);
                    return done(End::Broken(Box::new(f)));
                };
                let text = marker.to_string();
                if !markers.insert(marker) {
                    let f = Finding::new(
                        CheckId::PaginationCycle,
                        "",
                        json!("every page ends on a new item"),
                        json!(text),
                        format!("page {pages} ends on id {text} again: the walk would loop"),
                    )
                    .on(exchange);
                    return done(End::Broken(Box::new(f)));
                }
                let mut q = query.clone();
                q.push((p.marker.clone(), text));
                url = match session.url(&q) {
                    Ok(u) => u,
                    Err(e) => return done(End::Stuck(e)),
                };
            }
            Follow::Link => {
                let Some(href) = link else {
                    return done(End::Complete);
                };
                if empty {
                    // A link on an empty page leads nowhere new; the next-link check judges it.
                    return done(End::Complete);
                }
                if let Some(&again) = links.get(&href) {
                    let f = Finding::new(
                        CheckId::PaginationCycle,
                        p.next.as_ref().map(|n| n.pointer.clone()).unwrap_or_default(),
                        json!("a next link not seen before"),
                        json!({"link": href, "loop": shown_loop(&urls[again..]), "pages_in_loop": urls.len() - again}),
                        format!(
                            "page {pages} links to {href} again, the link that led to page {}: the walk would loop over {}",
                            again + 1,
                            match urls.len() - again {
                                1 => "1 page".to_string(),
                                n => format!("{n} pages"),
                            }
                        ),
                    )
                    .on(exchange);
                    return done(End::Broken(Box::new(f)));
                }
                links.insert(href.clone(), urls.len());
                let next = match session.resolve_link(&href) {
                    Ok(u) => u,
                    Err(e) => {
                        let f = Finding::new(CheckId::PaginationNextLink, "", json!("a URL"), excerpt(&json!(href)), e).on(exchange);
                        return done(End::Broken(Box::new(f)));
                    }
                };
                // A link to another origin is not followed: the request would carry the run's
                // credentials there.
                if links::same_origin(&url, next.as_str()) == Some(false) {
                    let pointer = p.next.as_ref().map(|n| n.pointer.clone()).unwrap_or_default();
                    let f = links::foreign_link(&url, &pointer, p.next.as_ref().map_or("next", |n| n.rel.as_str()), &href).on(exchange);
                    return done(End::Broken(Box::new(f)));
                }
                url = next;
            }
        }
    }
}

/// The pages of a loop of next links, as a finding shows them: all of a short loop, the first
/// and last three of a long one.
fn shown_loop(urls: &[String]) -> Vec<String> {
    const EACH_END: usize = 3;
    if urls.len() <= 2 * EACH_END + 1 {
        return urls.to_vec();
    }
    let left_out = urls.len() - 2 * EACH_END;
    let mut shown = urls[..EACH_END].to_vec();
    shown.push(format!("… {left_out} more pages …"));
    shown.extend_from_slice(&urls[urls.len() - EACH_END..]);
    shown
}

#[cfg(test)]
mod tests {
    use super::shown_loop;

    #[test]
    fn a_short_loop_is_shown_whole_and_a_long_one_by_its_ends() {
        let urls = |n: usize| (1..=n).map(|i| format!("/p{i}")).collect::<Vec<_>>();
        assert_eq!(shown_loop(&urls(7)), urls(7));
        assert_eq!(shown_loop(&urls(9)), ["/p1", "/p2", "/p3", "… 3 more pages …", "/p7", "/p8", "/p9"]);
    }
}
