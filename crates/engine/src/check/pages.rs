//! Pure checks over pages of a listing: limits, duplicates, completeness, order.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::{json, Value};

use crate::check::excerpt;
use crate::check::item_ids::{IdList, Key};
use crate::spec::model::{Direction, ValueKind};
use crate::verdict::{CheckId, Finding};

/// One page of a listing as fetched.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Page {
    /// Index of the exchange that fetched it (in the case's session).
    pub exchange: usize,
    pub url: String,
    pub items: Vec<Value>,
    /// The next link the page carried, if the style has one.
    pub next: Option<String>,
}

impl Page {
    /// The ids of the page's items at `pointer`, in order (items without one are left out).
    pub(crate) fn keys<'p>(&'p self, pointer: &'p str) -> impl Iterator<Item = Key> + 'p {
        self.items.iter().filter_map(move |i| Key::of(i, pointer))
    }
}

/// Most findings of one kind reported per case; the rest are counted.
pub(crate) const MAX_FINDINGS: usize = 10;

/// An item's id as text (ids may be strings or numbers).
pub(crate) fn id_of(item: &Value, pointer: &str) -> Option<String> {
    match item.pointer(pointer)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Every page holds at most `limit` items.
pub(crate) fn over_limit(pages: &[Page], limit: u64) -> Vec<Finding> {
    let mut tally = OverLimit::new(limit);
    pages.iter().for_each(|p| tally.page(p));
    tally.findings()
}

/// Pages over `limit`, tallied as they come: one finding for the whole walk, since the first
/// offending page proves it; the rest are counted.
pub(crate) struct OverLimit {
    limit: u64,
    pages: usize,
    /// Page number, size and exchange of the first page over the limit.
    first: Option<(usize, usize, usize)>,
    over: usize,
}

impl OverLimit {
    pub(crate) fn new(limit: u64) -> OverLimit {
        OverLimit { limit, pages: 0, first: None, over: 0 }
    }

    pub(crate) fn page(&mut self, page: &Page) {
        self.pages += 1;
        if page.items.len() as u64 > self.limit {
            self.over += 1;
            self.first.get_or_insert((self.pages, page.items.len(), page.exchange));
        }
    }

    pub(crate) fn findings(&self) -> Vec<Finding> {
        let Some((number, size, exchange)) = self.first else { return vec![] };
        let limit = self.limit;
        let others = match self.over {
            1 => String::new(),
            n => format!(" (and {} more of the {} pages walked)", n - 1, self.pages),
        };
        vec![Finding::new(
            CheckId::PaginationLimit,
            "",
            json!(limit),
            json!(size),
            format!("page {number} holds {size} items, more than limit={limit}{others}"),
        )
        .on(exchange)]
    }
}

/// Items without an id, and ids that appear twice (with the pages they appear on).
pub(crate) fn duplicates(pages: &[Page], id: &str) -> Vec<Finding> {
    let mut tally = WalkedIds::new(id, None);
    pages.iter().for_each(|p| tally.page(p));
    tally.findings()
}

/// The ids of a walk, tallied page by page: items without an id, ids walked twice, and (given
/// the full listing) which ids the walk missed or added. Ids of the full listing cost 4 bytes
/// each here; others are kept whole.
pub(crate) struct WalkedIds<'a> {
    id: &'a str,
    full: Option<&'a IdList>,
    /// By position in `full`: the last page (1-based) the id was walked on; 0 before that.
    walked: Vec<u32>,
    /// The same for ids outside `full`.
    others: HashMap<Key, u32>,
    /// Ids outside `full`, as first walked (at most `MAX_FINDINGS`), and how many there were.
    unexpected: Vec<Key>,
    unexpected_count: usize,
    pages: u32,
    out: Vec<Finding>,
}

impl<'a> WalkedIds<'a> {
    /// A tally of the ids at `id`; `full`: the full listing the walk must cover.
    pub(crate) fn new(id: &'a str, full: Option<&'a IdList>) -> WalkedIds<'a> {
        let walked = vec![0; full.map_or(0, IdList::len)];
        WalkedIds { id, full, walked, others: HashMap::new(), unexpected: Vec::new(), unexpected_count: 0, pages: 0, out: Vec::new() }
    }

    pub(crate) fn page(&mut self, page: &Page) {
        self.pages += 1;
        let (pi, id) = (self.pages, self.id);
        // Repeats on this page, grouped by the page that last had them: one finding per pair.
        let mut repeats: Vec<(u32, Vec<(usize, String)>)> = Vec::new();
        for (ii, item) in page.items.iter().enumerate() {
            let Some(key) = Key::of(item, id) else {
                self.push(
                    Finding::new(
                        CheckId::PaginationId,
                        format!("/{ii}{id}"),
                        json!("a string or number id"),
                        excerpt(item.pointer(id).unwrap_or(&Value::Null)),
                        format!("item {ii} of page {pi} has no usable id at {id}"),
                    )
                    .on(page.exchange),
                );
                continue;
            };
            let before = match self.full.and_then(|f| f.position(&key)) {
                Some(r) => std::mem::replace(&mut self.walked[r], pi),
                None => {
                    // Outside a full listing only when there is one to be outside of.
                    if self.full.is_some() {
                        self.unexpected_count += 1;
                        if self.unexpected.len() < MAX_FINDINGS {
                            self.unexpected.push(key.clone());
                        }
                    }
                    self.others.insert(key.clone(), pi).unwrap_or(0)
                }
            };
            if before != 0 && self.out.len() < MAX_FINDINGS {
                match repeats.iter_mut().find(|(f, _)| *f == before) {
                    Some((_, list)) => list.push((ii, key.to_string())),
                    None => repeats.push((before, vec![(ii, key.to_string())])),
                }
            }
        }
        for (first, list) in repeats {
            let ids: Vec<&String> = list.iter().map(|(_, k)| k).collect();
            let what = if list.len() == 1 { format!("id {}", ids[0]) } else { format!("{} ids", list.len()) };
            self.push(
                Finding::new(
                    CheckId::PaginationDuplicate,
                    format!("/{}{id}", list[0].0),
                    json!("each id once"),
                    json!(ids),
                    format!("{what} of page {pi} already appeared on page {first}"),
                )
                .on(page.exchange),
            );
        }
    }

    fn push(&mut self, f: Finding) {
        if self.out.len() < MAX_FINDINGS {
            self.out.push(f);
        }
    }

    /// The findings about ids so far (missing ids, and ids without one).
    pub(crate) fn findings(&mut self) -> Vec<Finding> {
        std::mem::take(&mut self.out)
    }

    /// The walk must hold exactly the ids of the full listing (as sets); `what` says how it
    /// walked.
    pub(crate) fn same_items(&self, what: &str) -> Vec<Finding> {
        let Some(full) = self.full else { return vec![] };
        let mut out = Vec::new();
        // Only the first listing of an id counts: a repeat is never walked on its own.
        let missing = || (0..full.len()).filter(|&p| self.walked[p] == 0 && full.is_first(p)).map(|p| &full.keys()[p]);
        let missing_count = missing().count();
        if missing_count > 0 {
            let missing: Vec<String> = missing().take(MAX_FINDINGS).map(Key::to_string).collect();
            out.push(Finding::new(
                CheckId::PaginationComplete,
                "",
                json!(full.len()),
                json!({"missing": missing, "missing_count": missing_count}),
                format!("{missing_count} item(s) of the full listing never appear when {what}"),
            ));
        }
        if self.unexpected_count > 0 {
            let shown: Vec<String> = self.unexpected.iter().map(Key::to_string).collect();
            out.push(Finding::new(
                CheckId::PaginationComplete,
                "",
                json!(full.len()),
                json!({"unexpected": shown, "unexpected_count": self.unexpected_count}),
                format!("{} item(s) appear when {what} that the full listing does not have", self.unexpected_count),
            ));
        }
        out
    }
}

/// The ids of all pages, in order.
pub(crate) fn ids(pages: &[Page], id: &str) -> Vec<String> {
    pages.iter().flat_map(|p| p.items.iter().filter_map(|i| id_of(i, id))).collect()
}

/// The ids of all pages as an [`IdList`].
pub(crate) fn id_list(pages: &[Page], id: &str) -> IdList {
    IdList::new(pages.iter().flat_map(|p| p.keys(id)))
}

/// Compare two field values of one kind; `null`/absent sorts first. `None`: incomparable.
pub(crate) fn compare(a: Option<&Value>, b: Option<&Value>, kind: ValueKind) -> Option<Ordering> {
    let a = a.filter(|v| !v.is_null());
    let b = b.filter(|v| !v.is_null());
    match (a, b) {
        (None, None) => Some(Ordering::Equal),
        (None, Some(_)) => Some(Ordering::Less),
        (Some(_), None) => Some(Ordering::Greater),
        (Some(a), Some(b)) => match kind {
            ValueKind::Integer => Some(as_i128(a)?.cmp(&as_i128(b)?)),
            ValueKind::Time => Some(super::time::parse(a.as_str()?)?.cmp(&super::time::parse(b.as_str()?)?)),
            ValueKind::String => Some(scalar_text(a)?.cmp(&scalar_text(b)?)),
        },
    }
}

pub(crate) fn as_i128(v: &Value) -> Option<i128> {
    match v {
        Value::Number(n) => n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// How a listing should be ordered.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub key: String,
    pub field: String,
    pub kind: ValueKind,
    pub dir: Direction,
    /// Field and direction that order equal keys.
    pub tie: Option<(String, Direction)>,
}

impl Order {
    /// The order a listing sorted by `key` in `dir` must follow, ties broken as `sort` says.
    pub(crate) fn by(sort: &crate::spec::model::Sort, key: &str, k: &crate::spec::model::SortKey, dir: Direction) -> Order {
        Order {
            key: key.to_string(),
            field: k.field.clone(),
            kind: k.kind,
            dir,
            tie: sort.tie_breaker.clone().map(|t| (t, sort.tie_breaker_dir.unwrap_or(dir))),
        }
    }
}

/// Consecutive items (across page boundaries too) must follow `order`.
pub(crate) fn misordered(pages: &[Page], order: &Order) -> Vec<Finding> {
    let flat: Vec<(usize, usize, &Value)> =
        pages.iter().enumerate().flat_map(|(pi, p)| p.items.iter().enumerate().map(move |(ii, v)| (pi, ii, v))).collect();
    let mut out = Vec::new();
    for w in flat.windows(2) {
        let ((pa, ia, a), (pb, ib, b)) = (w[0], w[1]);
        let (fa, fb) = (a.pointer(&order.field), b.pointer(&order.field));
        let Some(ord) = compare(fa, fb, order.kind) else {
            out.push(
                Finding::new(
                    CheckId::PaginationOrder,
                    format!("/{ib}{}", order.field),
                    json!(format!("{:?} values", order.kind).to_lowercase()),
                    json!([fa, fb]),
                    format!("cannot compare `{}` values {} and {}", order.key, json!(fa), json!(fb)),
                )
                .on(pages[pb].exchange),
            );
            continue;
        };
        let ord = if order.dir == Direction::Desc { ord.reverse() } else { ord };
        let boundary = if pa != pb { format!(" across the boundary of pages {} and {}", pa + 1, pb + 1) } else { String::new() };
        let where_ = format!("page {} item {} then page {} item {}", pa + 1, ia, pb + 1, ib);
        match ord {
            Ordering::Greater => out.push(
                Finding::new(
                    CheckId::PaginationOrder,
                    format!("/{ib}{}", order.field),
                    json!(format!("{} {}", order.key, order.dir.as_str())),
                    json!([fa, fb]),
                    format!(
                        "`{}` {} order broken{boundary}: {where_} (ids {}, {})",
                        order.key,
                        order.dir.as_str(),
                        json!(a.get("id")),
                        json!(b.get("id"))
                    ),
                )
                .on(pages[pb].exchange),
            ),
            Ordering::Equal => {
                if let Some((tie, tdir)) = &order.tie {
                    let t = compare(a.pointer(tie), b.pointer(tie), ValueKind::String).map(|o| {
                        if *tdir == Direction::Desc {
                            o.reverse()
                        } else {
                            o
                        }
                    });
                    if t != Some(Ordering::Less) {
                        out.push(
                            Finding::new(
                                CheckId::PaginationTieBreak,
                                format!("/{ib}{tie}"),
                                json!(format!("equal `{}` ordered by {tie} {}", order.key, tdir.as_str())),
                                json!([a.pointer(tie), b.pointer(tie)]),
                                format!(
                                    "items with equal `{}` ({}) are not ordered by {tie} {}{boundary}: {where_}",
                                    order.key,
                                    json!(fa),
                                    tdir.as_str()
                                ),
                            )
                            .on(pages[pb].exchange),
                        );
                    }
                }
            }
            Ordering::Less => {}
        }
        if out.len() >= MAX_FINDINGS {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(ex: usize, items: Value) -> Page {
        Page { exchange: ex, url: format!("u{ex}"), items: items.as_array().unwrap().clone(), next: None }
    }

    #[test]
    fn limit_is_checked_per_page() {
        let pages = [page(0, json!([{"id": "a"}, {"id": "b"}])), page(1, json!([{"id": "c"}, {"id": "d"}, {"id": "e"}]))];
        let f = over_limit(&pages, 2);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].actual.clone(), f[0].exchange), (json!(3), Some(1)));
    }

    #[test]
    fn duplicates_across_pages_name_both_pages() {
        let pages = [page(0, json!([{"id": "a"}, {"id": "b"}])), page(1, json!([{"id": "b"}, {"id": "c"}]))];
        let f = duplicates(&pages, "/id");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].message, "id b of page 2 already appeared on page 1");
        let repeated = [page(0, json!([{"id": "a"}, {"id": "b"}])), page(1, json!([{"id": "a"}, {"id": "b"}]))];
        let f = duplicates(&repeated, "/id");
        assert_eq!(f.len(), 1, "one finding for a repeated page");
        assert_eq!(f[0].actual, json!(["a", "b"]));
    }

    #[test]
    fn union_must_equal_full_listing() {
        let full = id_list(&[page(0, json!([{"id": "a"}, {"id": "b"}, {"id": "c"}]))], "/id");
        let walked = |ids: Value| {
            let mut d = WalkedIds::new("/id", Some(&full));
            d.page(&page(1, ids));
            d.same_items("walking")
        };
        let f = walked(json!([{"id": "a"}, {"id": "c"}, {"id": "x"}]));
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].actual["missing"], json!(["b"]));
        assert_eq!(f[1].actual["unexpected"], json!(["x"]));
        assert!(walked(json!([{"id": "b"}, {"id": "a"}, {"id": "c"}])).is_empty());
    }

    #[test]
    fn missing_ids_are_named_in_listing_order() {
        let ids: Vec<Value> = ["z", "m", "a", "q"].iter().map(|i| json!({"id": i})).collect();
        let full = id_list(&[page(0, Value::Array(ids))], "/id");
        let mut d = WalkedIds::new("/id", Some(&full));
        d.page(&page(1, json!([{"id": "m"}])));
        assert_eq!(d.same_items("walking")[0].actual["missing"], json!(["z", "a", "q"]));
    }

    #[test]
    fn a_third_sighting_names_the_page_of_the_second() {
        let pages = [page(0, json!([{"id": "a"}])), page(1, json!([{"id": "a"}])), page(2, json!([{"id": "a"}]))];
        let messages: Vec<String> = duplicates(&pages, "/id").into_iter().map(|f| f.message).collect();
        assert_eq!(messages, ["id a of page 2 already appeared on page 1", "id a of page 3 already appeared on page 2"]);
        let full = id_list(&pages[..1], "/id");
        let mut d = WalkedIds::new("/id", Some(&full));
        pages.iter().for_each(|p| d.page(p));
        assert_eq!(d.findings().into_iter().map(|f| f.message).collect::<Vec<_>>(), messages, "the same with ranks");
    }

    fn order(dir: Direction, tie: Option<(String, Direction)>) -> Order {
        Order { key: "size".into(), field: "/size".into(), kind: ValueKind::Integer, dir, tie }
    }

    #[test]
    fn order_is_checked_across_page_boundaries() {
        let pages = [page(0, json!([{"id": "a", "size": 1}, {"id": "b", "size": 5}])), page(1, json!([{"id": "c", "size": 3}]))];
        let f = misordered(&pages, &order(Direction::Asc, None));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("across the boundary of pages 1 and 2"), "{}", f[0].message);
        assert_eq!(f[0].exchange, Some(1));
        assert!(misordered(&pages[..1], &order(Direction::Asc, None)).is_empty());
    }

    #[test]
    fn nulls_sort_first_ascending_and_strings_of_digits_compare_as_integers() {
        let pages = [page(0, json!([{"size": null}, {"size": "9"}, {"size": 10}]))];
        assert!(misordered(&pages, &order(Direction::Asc, None)).is_empty());
        assert_eq!(misordered(&pages, &order(Direction::Desc, None)).len(), 2);
    }

    #[test]
    fn ties_must_follow_the_tie_breaker() {
        let good = [page(0, json!([{"id": "b", "size": 1}, {"id": "a", "size": 1}, {"id": "c", "size": 2}]))];
        assert!(misordered(&good, &order(Direction::Asc, Some(("/id".into(), Direction::Desc)))).is_empty());
        let f = misordered(&good, &order(Direction::Asc, Some(("/id".into(), Direction::Asc))));
        assert_eq!(f[0].check, "pagination.tie-break");
    }
}
