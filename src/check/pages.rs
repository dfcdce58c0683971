//! Pure checks over pages of a listing: limits, duplicates, completeness, order.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};

use crate::check::excerpt;
use crate::spec::model::{Direction, ValueKind};
use crate::verdict::{CheckId, Finding};

/// One page of a listing as fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Index of the exchange that fetched it (in the case's session).
    pub exchange: usize,
    pub url: String,
    pub items: Vec<Value>,
    /// The next link the page carried, if the style has one.
    pub next: Option<String>,
}

/// Most findings of one kind reported per case; the rest are counted.
pub const MAX_FINDINGS: usize = 10;

/// An item's id as text (ids may be strings or numbers).
pub fn id_of(item: &Value, pointer: &str) -> Option<String> {
    match item.pointer(pointer)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Every page holds at most `limit` items.
pub fn over_limit(pages: &[Page], limit: u64) -> Vec<Finding> {
    // One finding for the whole walk: the first offending page proves it, the rest are counted.
    let over: Vec<(usize, &Page)> = pages.iter().enumerate().filter(|(_, p)| p.items.len() as u64 > limit).collect();
    let Some((first, page)) = over.first() else { return vec![] };
    let others = match over.len() {
        1 => String::new(),
        n => format!(" (and {} more of the {} pages walked)", n - 1, pages.len()),
    };
    vec![Finding::new(
        CheckId::PaginationLimit,
        "",
        json!(limit),
        json!(page.items.len()),
        format!("page {} holds {} items, more than limit={limit}{others}", first + 1, page.items.len()),
    )
    .on(page.exchange)]
}

/// Items without an id, and ids that appear twice (with the pages they appear on).
pub fn duplicates(pages: &[Page], id: &str) -> Vec<Finding> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (pi, page) in pages.iter().enumerate() {
        // Repeats on this page, grouped by the page that first had them: one finding per pair.
        let mut repeats: Vec<(usize, Vec<(usize, String)>)> = Vec::new();
        for (ii, item) in page.items.iter().enumerate() {
            let Some(key) = id_of(item, id) else {
                out.push(
                    Finding::new(
                        CheckId::PaginationId,
                        format!("/{ii}{id}"),
                        json!("a string or number id"),
                        excerpt(item.pointer(id).unwrap_or(&Value::Null)),
                        format!("item {ii} of page {} has no usable id at {id}", pi + 1),
                    )
                    .on(page.exchange),
                );
                continue;
            };
            if let Some(first) = seen.insert(key.clone(), pi) {
                match repeats.iter_mut().find(|(f, _)| *f == first) {
                    Some((_, list)) => list.push((ii, key)),
                    None => repeats.push((first, vec![(ii, key)])),
                }
            }
        }
        for (first, list) in repeats {
            let ids: Vec<&String> = list.iter().map(|(_, k)| k).collect();
            let what = if list.len() == 1 { format!("id {}", ids[0]) } else { format!("{} ids", list.len()) };
            out.push(
                Finding::new(
                    CheckId::PaginationDuplicate,
                    format!("/{}{id}", list[0].0),
                    json!("each id once"),
                    json!(ids),
                    format!("{what} of page {} already appeared on page {}", pi + 1, first + 1),
                )
                .on(page.exchange),
            );
        }
    }
    out.truncate(MAX_FINDINGS);
    out
}

/// The ids of all pages, in order.
pub fn ids(pages: &[Page], id: &str) -> Vec<String> {
    pages.iter().flat_map(|p| p.items.iter().filter_map(|i| id_of(i, id))).collect()
}

/// `walked` must hold exactly the ids of `full` (as sets).
pub fn same_items(walked: &[String], full: &[String], what: &str) -> Vec<Finding> {
    let w: HashSet<&String> = walked.iter().collect();
    let f: HashSet<&String> = full.iter().collect();
    let missing: Vec<&String> = full.iter().filter(|i| !w.contains(i)).collect();
    let extra: Vec<&String> = walked.iter().filter(|i| !f.contains(i)).collect();
    let mut out = Vec::new();
    if !missing.is_empty() {
        out.push(Finding::new(
            CheckId::PaginationComplete,
            "",
            json!(full.len()),
            json!({"missing": missing.iter().take(MAX_FINDINGS).collect::<Vec<_>>(), "missing_count": missing.len()}),
            format!("{} item(s) of the full listing never appear when {what}", missing.len()),
        ));
    }
    if !extra.is_empty() {
        out.push(Finding::new(
            CheckId::PaginationComplete,
            "",
            json!(full.len()),
            json!({"unexpected": extra.iter().take(MAX_FINDINGS).collect::<Vec<_>>(), "unexpected_count": extra.len()}),
            format!("{} item(s) appear when {what} that the full listing does not have", extra.len()),
        ));
    }
    out
}

/// Compare two field values of one kind; `null`/absent sorts first. `None`: incomparable.
pub fn compare(a: Option<&Value>, b: Option<&Value>, kind: ValueKind) -> Option<Ordering> {
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

pub fn as_i128(v: &Value) -> Option<i128> {
    match v {
        Value::Number(n) => n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// How a listing should be ordered.
#[derive(Debug, Clone)]
pub struct Order {
    pub key: String,
    pub field: String,
    pub kind: ValueKind,
    pub dir: Direction,
    /// Field and direction that order equal keys.
    pub tie: Option<(String, Direction)>,
}

/// Consecutive items (across page boundaries too) must follow `order`.
pub fn misordered(pages: &[Page], order: &Order) -> Vec<Finding> {
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
        let f = same_items(&["a".into(), "c".into(), "x".into()], &["a".into(), "b".into(), "c".into()], "walking");
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].actual["missing"], json!(["b"]));
        assert_eq!(f[1].actual["unexpected"], json!(["x"]));
        assert!(same_items(&["b".into(), "a".into()], &["a".into(), "b".into()], "walking").is_empty());
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
