//! Judging two listings of one catalogue against each other: the same ids, the same facts per
//! image once each listing's spelling is converted, the same default order. Pure functions of the
//! items the walks collected.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use super::pages::{as_i128, scalar_text};
use super::time;
use crate::spec::equivalence::{Compare, Spelling};
use crate::verdict::{CheckId, Column, Finding, SideBySide, SideRow};

const SECOND: time::Instant = 1_000_000_000;

/// Rows a side-by-side table shows; the rest are counted.
pub(crate) const MAX_ROWS: usize = 10;

/// One image as a listing showed it.
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    pub id: String,
    pub item: Value,
    /// The request whose answer held it, and its exchange index.
    pub request: String,
    pub exchange: usize,
    /// Whether the item came from the listing's main walk, whose order is documented (not
    /// from a further listing joined in for the pair's scope).
    pub ranked: bool,
}

/// Everything one listing showed, walked to its end.
#[derive(Debug, Clone)]
pub(crate) struct View {
    pub listing: String,
    /// The query the listing was asked (scope and filter), for the report.
    pub asked: String,
    /// The first request of the walk (where a missing item should have shown up from).
    pub first: Option<(String, usize)>,
    pub items: Vec<Listed>,
}

impl View {
    fn index(&self) -> HashMap<&str, &Listed> {
        self.items.iter().map(|l| (l.id.as_str(), l)).collect()
    }

    fn first_request(&self) -> Option<String> {
        self.first.as_ref().map(|(r, _)| r.clone())
    }
}

/// The same ids through both listings: every id one listing lists and the other does not is a row.
/// `check` is `EquivalenceIds` for the scopes, `EquivalenceFilter` for a filter's answers.
pub(crate) fn same_ids(a: &View, b: &View, check: CheckId, what: &str) -> Option<Finding> {
    let (ia, ib) = (a.index(), b.index());
    let mut rows = Vec::new();
    let mut missing = 0;
    for l in &a.items {
        if !ib.contains_key(l.id.as_str()) {
            missing += 1;
            rows.push((
                l.exchange,
                SideRow {
                    item: l.id.clone(),
                    a: json!(l.id),
                    b: Value::Null,
                    a_as: None,
                    b_as: None,
                    a_request: Some(l.request.clone()),
                    b_request: b.first_request(),
                },
            ));
        }
    }
    let mut extra = 0;
    for l in &b.items {
        if !ia.contains_key(l.id.as_str()) {
            extra += 1;
            rows.push((
                l.exchange,
                SideRow {
                    item: l.id.clone(),
                    a: Value::Null,
                    b: json!(l.id),
                    a_as: None,
                    b_as: None,
                    a_request: a.first_request(),
                    b_request: Some(l.request.clone()),
                },
            ));
        }
    }
    if rows.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if missing > 0 {
        parts.push(format!("{missing} image(s) `{}` lists are missing from `{}`", a.listing, b.listing));
    }
    if extra > 0 {
        parts.push(format!("{extra} image(s) `{}` lists are not listed by `{}`", b.listing, a.listing));
    }
    let message = format!("{what}: {} (of {} and {} listed)", parts.join("; "), a.items.len(), b.items.len());
    Some(finding(check, "id".into(), (a, a.asked.clone()), (b, b.asked.clone()), rows, Some(a.items.len().max(b.items.len())), message))
}

/// One mapped field agrees for every image both listings show: one grouped finding for the mapping.
pub(crate) fn same_field(name: &str, compare: Compare, (a, sa): (&View, &Spelling), (b, sb): (&View, &Spelling)) -> Option<Finding> {
    let ib = b.index();
    let mut rows = Vec::new();
    let mut common = 0;
    for la in &a.items {
        let Some(lb) = ib.get(la.id.as_str()) else { continue };
        common += 1;
        let (va, vb) = (value(&la.item, sa), value(&lb.item, sb));
        let (ca, cb) = (convert(&va, sa), convert(&vb, sb));
        if !agree(&ca, &cb, compare) {
            let (a_as, b_as) = ((ca != va).then_some(ca), (cb != vb).then_some(cb));
            let (a_request, b_request) = (Some(la.request.clone()), Some(lb.request.clone()));
            rows.push((lb.exchange, SideRow { item: la.id.clone(), a: va, b: vb, a_as, b_as, a_request, b_request }));
        }
    }
    if rows.is_empty() {
        return None;
    }
    let message = format!(
        "`{name}` differs for {} of {common} images both doors list (`{}` {} vs `{}` {}, compared as {})",
        rows.len(),
        a.listing,
        shows(sa),
        b.listing,
        shows(sb),
        compare.as_str()
    );
    Some(finding(CheckId::EquivalenceField, name.to_string(), (a, shows(sa)), (b, shows(sb)), rows, Some(common), message))
}

/// Both listings show the images they share in the same order. Images whose sort key (`key`,
/// read on listing `a`) is equal may come in either order: neither listing documents how ties go.
pub(crate) fn same_order(a: &View, b: &View, key: &str, sort: &str) -> Option<Finding> {
    let ia: HashMap<&str, (usize, &Listed)> =
        a.items.iter().filter(|l| l.ranked).enumerate().map(|(i, l)| (l.id.as_str(), (i, l))).collect();
    let shared: Vec<(&Listed, usize, &Listed)> =
        b.items.iter().filter(|l| l.ranked).filter_map(|lb| ia.get(lb.id.as_str()).map(|(i, la)| (*la, *i, lb))).collect();
    let mut rows = Vec::new();
    for w in shared.windows(2) {
        let ((la1, p1, lb1), (la2, p2, lb2)) = (w[0], w[1]);
        let tie = la1.item.pointer(key).is_some() && la1.item.pointer(key) == la2.item.pointer(key);
        if p1 > p2 && !tie {
            rows.push((
                lb2.exchange,
                SideRow {
                    item: format!("{} before {}", lb1.id, lb2.id),
                    a: json!(format!("#{} then #{}", p1 + 1, p2 + 1)),
                    b: json!(format!("#{} then #{}", b_pos(b, &lb1.id), b_pos(b, &lb2.id))),
                    a_as: None,
                    b_as: None,
                    a_request: Some(format!("{} / {}", la1.request, la2.request)),
                    b_request: Some(format!("{} / {}", lb1.request, lb2.request)),
                },
            ));
        }
    }
    if rows.is_empty() {
        return None;
    }
    let message = format!(
        "`{}` and `{}` document the same default order ({sort}) but list {} pair(s) of images the other way round",
        a.listing,
        b.listing,
        rows.len()
    );
    Some(finding(
        CheckId::EquivalenceOrder,
        "order".into(),
        (a, sort.to_string()),
        (b, sort.to_string()),
        rows,
        Some(shared.len()),
        message,
    ))
}

fn b_pos(v: &View, id: &str) -> usize {
    v.items.iter().position(|l| l.id == id).map_or(0, |p| p + 1)
}

fn finding(
    check: CheckId,
    field: String,
    (a, a_shows): (&View, String),
    (b, b_shows): (&View, String),
    rows: Vec<(usize, SideRow)>,
    of: Option<usize>,
    message: String,
) -> Finding {
    let total = rows.len();
    let exchange = rows.first().map(|(e, _)| *e);
    let rows: Vec<SideRow> = rows.into_iter().take(MAX_ROWS).map(|(_, r)| r).collect();
    let (expected, actual) = rows.first().map(|r| (r.a.clone(), r.b.clone())).unwrap_or_default();
    let mut f =
        Finding::new(check, "", json!({"door": a.listing, "value": expected}), json!({"door": b.listing, "value": actual}), message);
    f.exchange = exchange;
    f.of = of;
    f.side_by_side = Some(Box::new(SideBySide {
        field,
        a: Column { name: a.listing.clone(), shows: a_shows },
        b: Column { name: b.listing.clone(), shows: b_shows },
        rows,
        total,
    }));
    f
}

fn shows(side: &Spelling) -> String {
    match (&side.field, &side.members_except) {
        (Some(p), _) => p.clone(),
        (None, Some(_)) => "(custom members)".into(),
        (None, None) => String::new(),
    }
}

/// What a listing shows for a field: the value at the pointer, or the members not excepted.
pub(crate) fn value(item: &Value, side: &Spelling) -> Value {
    match (&side.field, &side.members_except) {
        (Some(p), _) => item.pointer(p).cloned().unwrap_or(Value::Null),
        (None, Some(except)) => match item {
            Value::Object(o) => Value::Object(o.iter().filter(|(k, _)| !except.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect()),
            _ => Value::Null,
        },
        (None, None) => Value::Null,
    }
}

/// A listing's value in the common spelling (its `map`, else unchanged).
/// A missing value or `null` is looked up as `null`.
pub(crate) fn convert(v: &Value, side: &Spelling) -> Value {
    let key = if v.is_null() { Some("null".to_string()) } else { scalar_text(v) };
    key.and_then(|t| side.map.get(&t).cloned()).unwrap_or_else(|| v.clone())
}

/// Whether two common values agree under `compare`.
pub(crate) fn agree(a: &Value, b: &Value, compare: Compare) -> bool {
    match compare {
        Compare::Text => text(a) == text(b),
        Compare::Integer => match (as_i128(a), as_i128(b)) {
            (Some(x), Some(y)) => x == y,
            _ => text(a) == text(b),
        },
        Compare::Boolean => boolean(a).is_some() && boolean(a) == boolean(b),
        // To the second: Glance v2 and Nova drop the fraction v1 writes.
        Compare::Time => match (a.as_str().and_then(time::parse), b.as_str().and_then(time::parse)) {
            (Some(x), Some(y)) => x.div_euclid(SECOND) == y.div_euclid(SECOND),
            _ => a.is_null() && b.is_null(),
        },
        Compare::Object => members(a) == members(b),
    }
}

fn text(v: &Value) -> Option<String> {
    scalar_text(v)
}

fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// An object's members as text (a missing or null object has none).
fn members(v: &Value) -> Option<BTreeMap<String, String>> {
    match v {
        Value::Null => Some(BTreeMap::new()),
        Value::Object(o) => Some(o.iter().map(|(k, v)| (k.clone(), scalar_text(v).unwrap_or_else(|| v.to_string()))).collect()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(listing: &str, items: Vec<Value>) -> View {
        View {
            listing: listing.into(),
            asked: String::new(),
            first: Some((format!("GET /{listing}"), 0)),
            items: items
                .into_iter()
                .enumerate()
                .map(|(i, item)| Listed {
                    id: item["id"].as_str().unwrap().into(),
                    item,
                    request: format!("GET /{listing}?p={i}"),
                    exchange: i,
                    ranked: true,
                })
                .collect(),
        }
    }

    fn side(field: &str, map: &[(&str, Value)]) -> Spelling {
        Spelling { field: Some(field.into()), members_except: None, map: map.iter().map(|(k, v)| (k.to_string(), v.clone())).collect() }
    }

    #[test]
    fn a_hidden_image_is_one_finding_naming_it_and_both_requests() {
        let a = view("glance", vec![json!({"id": "x"}), json!({"id": "y"})]);
        let b = view("nova", vec![json!({"id": "x"})]);
        let f = same_ids(&a, &b, CheckId::EquivalenceIds, "scope").unwrap();
        let s = f.side_by_side.unwrap();
        assert_eq!(s.rows.len(), 1);
        assert_eq!(s.rows[0].item, "y");
        assert_eq!((s.rows[0].a_request.as_deref(), s.rows[0].b_request.as_deref()), (Some("GET /glance?p=1"), Some("GET /nova")));
        assert!(f.message.contains("1 image(s) `glance` lists are missing from `nova`"), "{}", f.message);
        assert!(same_ids(&a, &a, CheckId::EquivalenceIds, "scope").is_none());
    }

    #[test]
    fn mapped_statuses_agree_and_a_wrong_mapping_is_one_grouped_finding() {
        let map = [("queued", json!("SAVING")), ("saving", json!("SAVING")), ("active", json!("ACTIVE"))];
        let a = view(
            "glance",
            vec![json!({"id": "1", "status": "queued"}), json!({"id": "2", "status": "active"}), json!({"id": "3", "status": "queued"})],
        );
        let good = view(
            "nova",
            vec![json!({"id": "1", "status": "SAVING"}), json!({"id": "2", "status": "ACTIVE"}), json!({"id": "3", "status": "SAVING"})],
        );
        let (sa, sb) = (side("/status", &map), side("/status", &[]));
        assert!(same_field("status", Compare::Text, (&a, &sa), (&good, &sb)).is_none());
        let bad = view(
            "nova",
            vec![json!({"id": "1", "status": "ACTIVE"}), json!({"id": "2", "status": "ACTIVE"}), json!({"id": "3", "status": "ACTIVE"})],
        );
        let f = same_field("status", Compare::Text, (&a, &sa), (&bad, &sb)).unwrap();
        let s = f.side_by_side.as_ref().unwrap();
        assert_eq!((s.total, f.of), (2, Some(3)));
        assert_eq!((s.rows[0].a.clone(), s.rows[0].b.clone()), (json!("queued"), json!("ACTIVE")));
    }

    #[test]
    fn times_compare_as_instants_and_integers_as_numbers() {
        assert!(agree(&json!("2020-01-01T08:00:00+08:00"), &json!("2020-01-01T00:00:00Z"), Compare::Time));
        assert!(agree(&json!("2020-01-01T00:00:00.925843"), &json!("2020-01-01T00:00:00Z"), Compare::Time));
        assert!(!agree(&json!("2020-01-01T08:00:00.000000"), &json!("2020-01-01T00:00:00Z"), Compare::Time));
        assert!(agree(&json!(1024), &json!("1024"), Compare::Integer));
        assert!(!agree(&json!(1048576), &json!(1000000), Compare::Integer));
        assert!(agree(&json!(true), &json!("True"), Compare::Boolean));
        assert!(agree(&json!({"a": "1"}), &json!({"a": 1}), Compare::Object));
        assert!(agree(&Value::Null, &json!({}), Compare::Object));
        assert!(!agree(&json!({"a": "1"}), &json!({}), Compare::Object));
    }

    #[test]
    fn custom_members_are_the_item_minus_the_base_members() {
        let s = Spelling { field: None, members_except: Some(vec!["id".into(), "size".into()]), map: BTreeMap::new() };
        assert_eq!(value(&json!({"id": "1", "size": 3, "os_distro": "x"}), &s), json!({"os_distro": "x"}));
    }

    #[test]
    fn ties_may_swap_but_a_different_order_is_a_finding() {
        let a = view("v1", vec![json!({"id": "1", "t": 3}), json!({"id": "2", "t": 2}), json!({"id": "3", "t": 2})]);
        let swapped_tie = view("ims", vec![json!({"id": "1"}), json!({"id": "3"}), json!({"id": "2"})]);
        assert!(same_order(&a, &swapped_tie, "/t", "t desc").is_none());
        let reversed = view("ims", vec![json!({"id": "3"}), json!({"id": "1"}), json!({"id": "2"})]);
        let f = same_order(&a, &reversed, "/t", "t desc").unwrap();
        assert_eq!(f.side_by_side.unwrap().rows[0].item, "3 before 1");
    }
}
