//! Running the edge probes of a `filters:` block (`plan::probes`): a case variant of an
//! exact-match value, values that need percent-encoding, both values of a boolean, and a
//! filtered listing walked sorted both ways. The answers go to the pure checks
//! (`check::filters`, `check::pages`).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::{json, Value};

use super::filters::{plain, with_query};
use super::{conclude, full_listing};
use crate::check::filters::{incomplete, unsound};
use crate::check::item_ids::IdList;
use crate::check::pages::{id_list, id_of, misordered, scalar_text, Order, Page, WalkedIds, MAX_FINDINGS};
use crate::check::relation::{split_time, value_selecting, Sent};
use crate::plan::invariant::FilterCheck;
use crate::run::sample::Rng;
use crate::run::session::Session;
use crate::run::walk::{walk, End, Follow, Listing};
use crate::spec::model::{Direction, FilterParam, Filters, Pagination, Relation};
use crate::verdict::{CheckId, Conclusion, Finding};

/// A listing's query parameters, in order.
type Query = Vec<(String, String)>;

/// Values probed per filter: each costs one or two listings.
const VALUES: usize = 2;
/// Filters walked sorted, each in both directions.
const SORTED_PARAMS: usize = 2;
/// Characters a query value carries only percent-encoded: a server that decodes the query
/// once, or not at all, or splits on them, matches another value.
const NEEDS_ENCODING: &[char] = &[' ', '&', '=', '#', '/', '+', '?', '%', ';'];

pub(crate) async fn run(check: &FilterCheck, session: &mut Session<'_>, fl: &Filters, p: &Pagination) -> Conclusion {
    match check {
        FilterCheck::CaseVariant(i) => case_variant(session, p, &fl.params[*i].value).await,
        FilterCheck::Encoded(params) => encoded(session, fl, p, params).await,
        FilterCheck::BothValues(i) => both_values(session, p, &fl.params[*i].value).await,
        FilterCheck::SortedWalk(params) => sorted_walk(session, fl, p, params).await,
        _ => Conclusion::Error(format!("{check:?} is not an edge probe"), vec![]),
    }
}

/// The full listing for `query`, as items.
async fn universe(session: &mut Session<'_>, p: &Pagination, query: Vec<(String, String)>) -> Result<Vec<Value>, Conclusion> {
    let w = full_listing(session, p, query).await?;
    Ok(w.pages.into_iter().flat_map(|pg| pg.items).collect())
}

/// The listing for `query` plus `param=sent`, judged for soundness and completeness against
/// `items`; every finding says what was sent (`label`). `Ok(None)`: the server refused the
/// value with a 4xx.
async fn judged(
    session: &mut Session<'_>,
    p: &Pagination,
    query: &[(String, String)],
    items: &[Value],
    (param, sent): (&FilterParam, &Sent),
    label: &str,
) -> Result<Option<Vec<Finding>>, Conclusion> {
    let mut q = query.to_vec();
    q.push((param.param.clone(), sent.text.clone()));
    let labelled = |mut f: Vec<Finding>| {
        for x in &mut f {
            x.message = format!("{label}: {}", x.message);
        }
        f
    };
    match full_listing(session, p, q).await {
        Ok(w) => {
            let mut f = unsound(&w.pages, &p.id, &[(param, sent)]);
            f.extend(incomplete(items, &w.pages, &p.id, &[(param, sent)]));
            Ok(Some(labelled(f)))
        }
        Err(Conclusion::Fail(f)) if f.first().is_some_and(refused) => Ok(None),
        Err(Conclusion::Fail(f)) => Ok(Some(labelled(f))),
        Err(c) => Err(c),
    }
}

/// A listing page answered 4xx: the server refused the value rather than matching it.
fn refused(f: &Finding) -> bool {
    f.check == CheckId::PaginationStatus && f.actual.as_u64().is_some_and(|s| (400..500).contains(&s))
}

/// The catalogue's values of `param`'s field, distinct and in order (array members for
/// `contains`).
fn values_of(param: &FilterParam, items: &[Value]) -> Vec<String> {
    let fields = items.iter().filter_map(|i| i.pointer(&param.field));
    let all: BTreeSet<String> = if param.relation == Relation::Contains {
        fields.filter_map(Value::as_array).flatten().filter_map(scalar_text).collect()
    } else {
        fields.filter_map(scalar_text).collect()
    };
    all.into_iter().collect()
}

/// `CentOS` → `cENTos`: every letter in the other case, so the variant differs from the value
/// wherever the value has a cased letter.
pub(crate) fn case_variant_of(value: &str) -> String {
    value.chars().flat_map(|c| if c.is_lowercase() { c.to_uppercase().collect::<Vec<_>>() } else { c.to_lowercase().collect() }).collect()
}

/// A case variant of catalogue values: under `equals` it selects only items spelled exactly
/// so (usually none), under `equals_ignore_case` every spelling.
async fn case_variant(session: &mut Session<'_>, p: &Pagination, param: &FilterParam) -> Conclusion {
    let query = with_query(session, p, &[param]);
    let items = match universe(session, p, query.clone()).await {
        Ok(i) => i,
        Err(c) => return c,
    };
    let cased: Vec<String> = values_of(param, &items).into_iter().filter(|v| case_variant_of(v) != *v).collect();
    if cased.is_empty() {
        return Conclusion::Skip(format!("no value of {} in the catalogue has a letter with a case", param.field));
    }
    let mut findings = Vec::new();
    for value in Rng::new(session.ctx.seed, &format!("{}.case", param.param)).choose(&cased, VALUES) {
        let sent = plain(case_variant_of(&value));
        let label = format!("{}={} (a case variant of `{value}`)", param.param, sent.text);
        match judged(session, p, &query, &items, (param, &sent), &label).await {
            // Refusing a variant is matching nothing: right for `equals`, not when case is ignored.
            Ok(None) if param.relation == Relation::EqualsIgnoreCase => findings.push(refusal(param, &value, &label)),
            Ok(f) => findings.extend(f.unwrap_or_default()),
            Err(c) => return c,
        }
    }
    conclude(&End::Complete, findings)
}

/// Catalogue values that need percent-encoding, each sent form-encoded (a space as `+`) and,
/// when it holds a space, again with `%20`: both must select the items that carry it.
async fn encoded(session: &mut Session<'_>, fl: &Filters, p: &Pagination, chosen: &[usize]) -> Conclusion {
    let mut findings = Vec::new();
    let mut probed = 0;
    for param in chosen.iter().map(|i| &fl.params[*i].value) {
        let query = with_query(session, p, &[param]);
        let items = match universe(session, p, query.clone()).await {
            Ok(i) => i,
            Err(c) => return c,
        };
        let values = encoded_values(param, &items, session.ctx.seed, fl.samples);
        for value in values {
            probed += 1;
            let sent = plain(value.clone());
            let forms: &[bool] = if value.contains(' ') { &[false, true] } else { &[false] };
            for &pct20 in forms {
                let how = if pct20 { "with %20 for each space" } else { "form-encoded (a space as +)" };
                let label = format!("{}={value} sent {how}", param.param);
                session.spaces_as_pct20 = pct20;
                let got = judged(session, p, &query, &items, (param, &sent), &label).await;
                session.spaces_as_pct20 = false;
                match got {
                    Ok(f) => findings.extend(f.unwrap_or_else(|| vec![refusal(param, &value, &label)])),
                    Err(c) => return c,
                }
            }
        }
    }
    if probed == 0 {
        return Conclusion::Skip(
            "no value of a string filter in the catalogue needs percent-encoding (a space, a reserved character or a non-ASCII one)".into(),
        );
    }
    conclude(&End::Complete, findings)
}

/// Of `param`'s catalogue values that need percent-encoding, one with a space, one with a
/// reserved character and one non-ASCII, where there are such values (at most `samples`).
fn encoded_values(param: &FilterParam, items: &[Value], seed: u64, samples: usize) -> Vec<String> {
    let special: Vec<String> = values_of(param, items).into_iter().filter(|v| v.contains(NEEDS_ENCODING) || !v.is_ascii()).collect();
    let mut rng = Rng::new(seed, &format!("{}.encoded", param.param));
    let mut chosen: Vec<String> = Vec::new();
    for kind in [|v: &str| v.contains(' '), |v: &str| v.contains(&NEEDS_ENCODING[1..]), |v: &str| !v.is_ascii()] {
        let of_kind: Vec<String> = special.iter().filter(|v| kind(v) && !chosen.contains(v)).cloned().collect();
        chosen.extend(rng.choose(&of_kind, 1));
    }
    chosen.truncate(samples.max(1));
    chosen
}

/// A catalogue value refused: the server cannot have matched it literally.
fn refusal(param: &FilterParam, value: &str, label: &str) -> Finding {
    Finding::new(
        CheckId::FilterComplete,
        "",
        json!(format!("the items whose {} is {value}", param.field)),
        json!("a 4xx answer"),
        format!("{label}: refused, though catalogue items carry that value"),
    )
}

/// `true` and `false` each sound and complete, and together a partition of the full listing:
/// no item in both answers, none in neither.
async fn both_values(session: &mut Session<'_>, p: &Pagination, param: &FilterParam) -> Conclusion {
    let query = with_query(session, p, &[param]);
    let items = match universe(session, p, query.clone()).await {
        Ok(i) => i,
        Err(c) => return c,
    };
    if !items.iter().any(|i| value_selecting(param, i.pointer(&param.field).unwrap_or(&Value::Null)).is_some()) {
        return Conclusion::Skip(format!("no item of the catalogue ({} items) carries a boolean at {}", items.len(), param.field));
    }
    let mut findings = Vec::new();
    let mut answers: Vec<(bool, Vec<Page>)> = Vec::new();
    for value in [true, false] {
        let sent = plain(value.to_string());
        let mut q = query.clone();
        q.push((param.param.clone(), sent.text.clone()));
        match full_listing(session, p, q).await {
            Ok(w) => {
                findings.extend(unsound(&w.pages, &p.id, &[(param, &sent)]));
                findings.extend(incomplete(&items, &w.pages, &p.id, &[(param, &sent)]));
                answers.push((value, w.pages));
            }
            Err(Conclusion::Fail(f)) => findings.extend(f),
            Err(c) => return c,
        }
    }
    if let [(_, yes), (_, no)] = answers.as_slice() {
        findings.extend(partition(param, &p.id, &items, yes, no));
    }
    conclude(&End::Complete, findings)
}

/// Items of both answers, and items of the full listing in neither.
pub(crate) fn partition(param: &FilterParam, id: &str, items: &[Value], yes: &[Page], no: &[Page]) -> Vec<Finding> {
    let ids = |pages: &[Page]| -> HashSet<String> { pages.iter().flat_map(|pg| pg.items.iter().filter_map(|i| id_of(i, id))).collect() };
    let (yes_ids, no_ids) = (ids(yes), ids(no));
    let mut out = Vec::new();
    let mut both: Vec<&String> = yes_ids.intersection(&no_ids).collect();
    both.sort();
    if let Some(first) = both.first() {
        let shown: Vec<&&String> = both.iter().take(MAX_FINDINGS).collect();
        let f = Finding::new(
            CheckId::FilterPartition,
            param.field.clone(),
            json!(format!("each item under {0}=true or {0}=false, not both", param.param)),
            json!({"in_both": shown, "count": both.len()}),
            format!("{} item(s) are listed for both {p}=true and {p}=false (e.g. {first})", both.len(), p = param.param),
        );
        out.push(match no.first() {
            Some(pg) => f.on(pg.exchange),
            None => f,
        });
    }
    let neither: Vec<(String, Value)> = items
        .iter()
        .filter_map(|i| Some((id_of(i, id)?, i.pointer(&param.field).cloned().unwrap_or(Value::Null))))
        .filter(|(i, _)| !yes_ids.contains(i) && !no_ids.contains(i))
        .collect();
    if let Some((first, _)) = neither.first() {
        let shown: Vec<Value> = neither.iter().take(MAX_FINDINGS).map(|(i, v)| json!({"id": i, "value": v})).collect();
        let f = Finding::new(
            CheckId::FilterPartition,
            param.field.clone(),
            json!(format!("each item of the full listing under {0}=true or {0}=false", param.param)),
            json!({"in_neither": shown, "count": neither.len()}),
            format!(
                "{} item(s) of the full listing are listed for neither {p}=true nor {p}=false (e.g. {first})",
                neither.len(),
                p = param.param
            ),
        );
        out.push(match yes.first() {
            Some(pg) => f.on(pg.exchange),
            None => f,
        });
    }
    out
}

/// Each filter (up to [`SORTED_PARAMS`]) at its most common value, sorted by a key in both
/// directions, walked by marker with small pages: each matching item once, in order, the
/// union the filtered listing's and every match of the full listing.
async fn sorted_walk(session: &mut Session<'_>, fl: &Filters, p: &Pagination, chosen: &[usize]) -> Conclusion {
    let Some(sort) = &p.sort else { return Conclusion::Skip("the pagination block declares no sort".into()) };
    let keys: Vec<(&String, &crate::spec::model::SortKey)> = sort.keys.iter().collect();
    let mut findings = Vec::new();
    let mut checked = 0;
    for param in chosen.iter().map(|i| &fl.params[*i].value) {
        if checked >= SORTED_PARAMS || keys.is_empty() {
            break;
        }
        let query = with_query(session, p, &[param]);
        let items = match universe(session, p, query.clone()).await {
            Ok(i) => i,
            Err(c) => return c,
        };
        let Some(sent) = walkable_value(param, &items, p.page_size) else { continue };
        // Filters take the keys in turn, so that two filters walk two orders.
        let (key, k) = keys[checked % keys.len()];
        checked += 1;
        for dir in [Direction::Asc, Direction::Desc] {
            let mut q = query.clone();
            q.push((param.param.clone(), sent.text.clone()));
            q.push((sort.key_param.clone(), key.clone()));
            q.push((sort.dir_param.clone(), dir.as_str().into()));
            let order = Order::by(sort, key, k, dir);
            let what = format!("walking {}={} sorted by {key} {} with {}={}", param.param, sent.text, dir.as_str(), p.limit, p.page_size);
            match small_pages(session, p, (param, &sent), (q.clone(), q), Some(&order), &what, CheckId::FilterPaged).await {
                Ok((mut f, pages)) => {
                    f.extend(incomplete(&items, &pages, &p.id, &[(param, &sent)]).into_iter().map(|mut x| {
                        x.message = format!("{what}: {}", x.message);
                        x
                    }));
                    findings.extend(f);
                }
                Err(c) => return c,
            }
        }
    }
    if checked == 0 {
        return Conclusion::Skip(format!("no filter value matches more than {} items: paging cannot be exercised", p.page_size));
    }
    conclude(&End::Complete, findings)
}

/// How many items carry each value of the filter that an item's own field suggests.
fn value_counts(param: &FilterParam, items: &[Value]) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for it in items {
        if let Some(s) = it.pointer(&param.field).and_then(|f| value_selecting(param, f)) {
            *counts.entry(s.text).or_default() += 1;
        }
    }
    counts
}

fn sent(text: String) -> Sent {
    Sent { op: split_time(&text).map(|(o, _)| o), text }
}

/// The filter value the most items carry, when it spans more than one page of `page_size`.
pub(crate) fn common_value(param: &FilterParam, items: &[Value], page_size: u64) -> Option<Sent> {
    let (text, n) = value_counts(param, items).into_iter().max_by_key(|(_, n)| *n)?;
    ((n as u64) > page_size).then(|| sent(text))
}

/// The filter value the fewest items carry that still fills three pages of `page_size` (two
/// page boundaries, each walked in both directions), else [`common_value`]: a walk as short
/// as proves the point.
fn walkable_value(param: &FilterParam, items: &[Value], page_size: u64) -> Option<Sent> {
    let three_pages = value_counts(param, items).into_iter().filter(|(_, n)| (*n as u64) > 2 * page_size).min_by_key(|(_, n)| *n);
    three_pages.map(|(text, _)| sent(text)).or_else(|| common_value(param, items, page_size))
}

/// Walk the filtered listing `q` by marker with `page_size` pages and judge it against
/// `whole`, the same listing asked with the largest pages (the sort may be left out): sound on every page, each item once, in `order`, the
/// same items (`what` says how it walked; the last finding's check is `check`). Returns the
/// findings and the walked pages; `Err` when the walk could not be made or judged.
pub(crate) async fn small_pages(
    session: &mut Session<'_>,
    p: &Pagination,
    (param, sent): (&FilterParam, &Sent),
    (whole, q): (Query, Query),
    order: Option<&Order>,
    what: &str,
    check: CheckId,
) -> Result<(Vec<Finding>, Vec<Page>), Conclusion> {
    let whole = full_listing(session, p, whole).await?;
    let whole: IdList = id_list(&whole.pages, &p.id);
    let headers = session.headers(&BTreeMap::new());
    let w = walk(session, &Listing { pagination: p, query: q, limit: Some(p.page_size), headers }, Follow::Marker, usize::MAX).await;
    let mut findings = unsound(&w.pages, &p.id, &[(param, sent)]);
    let mut ids = WalkedIds::new(&p.id, Some(&whole));
    w.pages.iter().for_each(|pg| ids.page(pg));
    findings.extend(ids.findings());
    if let Some(o) = order {
        findings.extend(misordered(&w.pages, o));
    }
    if !matches!(w.end, End::Complete) {
        return Err(conclude(&w.end, findings));
    }
    let last = w.pages.last().map(|pg| pg.exchange);
    findings.extend(ids.same_items(what).into_iter().map(|mut f| {
        f.check = check;
        f.exchange = last;
        f
    }));
    Ok((findings, w.pages))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::filters::fixtures::{page, param};

    #[test]
    fn a_case_variant_differs_wherever_a_letter_has_a_case() {
        assert_eq!(case_variant_of("CentOS 7.3"), "cENTos 7.3");
        assert_eq!(case_variant_of("数据盘镜像"), "数据盘镜像");
        assert_eq!(case_variant_of("Straße"), "sTRASSE");
    }

    #[test]
    fn values_are_the_fields_or_the_members_distinct() {
        let items = vec![json!({"name": "a b", "tags": ["x", "y"]}), json!({"name": "a b", "tags": ["y"]})];
        assert_eq!(values_of(&param("name", Relation::Equals), &items), ["a b"]);
        let mut tags = param("tag", Relation::Contains);
        tags.field = "/tags".into();
        assert_eq!(values_of(&tags, &items), ["x", "y"]);
    }

    #[test]
    fn a_value_with_a_space_one_with_a_reserved_character_and_a_non_ascii_one() {
        let names = ["plain", "CentOS 7.3", "etl & reports", "db+cache", "数据盘镜像"];
        let items: Vec<Value> = names.iter().map(|n| json!({"name": n})).collect();
        let got = encoded_values(&param("name", Relation::Equals), &items, 1, 3);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[0].contains(" ") && got[0].is_ascii());
        assert!(got[1] == "etl & reports" || got[1] == "db+cache", "{got:?}");
        assert_eq!(got[2], "数据盘镜像");
        assert!(encoded_values(&param("name", Relation::Equals), &[json!({"name": "plain"})], 1, 3).is_empty());
    }

    #[test]
    fn true_and_false_must_split_the_listing_in_two() {
        let p = param("protected", Relation::Boolean);
        let items =
            vec![json!({"id": "a", "protected": true}), json!({"id": "b", "protected": false}), json!({"id": "c", "protected": false})];
        let yes = [page(json!([{"id": "a"}]))];
        assert!(partition(&p, "/id", &items, &yes, &[page(json!([{"id": "b"}, {"id": "c"}]))]).is_empty());
        // `false` ignored: every item comes back, `a` in both answers.
        let f = partition(&p, "/id", &items, &yes, &[page(json!([{"id": "a"}, {"id": "b"}, {"id": "c"}]))]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].actual["in_both"], json!(["a"]));
        // `c` in neither.
        let f = partition(&p, "/id", &items, &yes, &[page(json!([{"id": "b"}]))]);
        assert_eq!(f[0].actual["in_neither"][0]["id"], json!("c"));
        assert_eq!(f[0].check, CheckId::FilterPartition);
    }

    #[test]
    fn the_common_value_must_span_more_than_a_page() {
        let p = param("status", Relation::Equals);
        let items: Vec<Value> = ["a", "b", "b", "b"].iter().map(|s| json!({"status": s})).collect();
        assert_eq!(common_value(&p, &items, 2).map(|s| s.text), Some("b".into()));
        assert_eq!(common_value(&p, &items, 3), None);
        let many: Vec<Value> =
            [("a", 3), ("b", 7), ("c", 12)].iter().flat_map(|(v, n)| (0..*n).map(move |_| json!({"status": v}))).collect();
        assert_eq!(walkable_value(&p, &many, 3).map(|s| s.text), Some("b".into()));
        assert_eq!(walkable_value(&p, &many, 5).map(|s| s.text), Some("c".into()));
    }
}
