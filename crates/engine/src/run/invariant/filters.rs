//! Running the invariants of a `filters:` block: sampling values from the catalogue, listing
//! with them, and handing the answers to `check::filters`.

use std::collections::BTreeSet;

use serde_json::Value;

use super::pagination::rejection;
use super::probes::{common_value, small_pages};
use super::{base_query, conclude, full_listing, listed_again};
use crate::check::filters::{incomplete, unsound};
use crate::check::item_ids::{IdList, Key};
use crate::check::pages::{scalar_text, Order, MAX_FINDINGS};
use crate::check::relation::{value_selecting, Sent};
use crate::check::time;
use crate::plan::invariant::FilterCheck;
use crate::plan::merge_query;
use crate::run::branch::branches;
use crate::run::sample::Rng;
use crate::run::session::Session;
use crate::run::walk::End;
use crate::spec::model::{Direction, FilterParam, Filters, Pagination, Relation, TimeFormat, TimeOp};
use crate::verdict::{CheckId, Conclusion};

/// Parameters checked together with paging (bounded cost).
const PAGED_PARAMS: usize = 3;
/// Pairs of filters checked.
const PAIRS: usize = 6;

/// The values to try for `param`, sampled from `items` under `seed`.
pub(crate) fn candidates(param: &FilterParam, items: &[Value], seed: u64, samples: usize) -> Vec<Sent> {
    let mut rng = Rng::new(seed, &param.param);
    let field_values: Vec<&Value> = items.iter().filter_map(|i| i.pointer(&param.field)).filter(|v| !v.is_null()).collect();
    let distinct = |vals: Vec<String>| -> Vec<String> { vals.into_iter().collect::<BTreeSet<_>>().into_iter().collect() };
    let mut out: Vec<Sent> = match param.relation {
        Relation::Boolean => vec!["true".into(), "false".into()].into_iter().map(plain).collect(),
        Relation::Mapped => param.map.keys().cloned().map(plain).collect(),
        Relation::Contains => {
            let all: Vec<String> = field_values.iter().filter_map(|v| v.as_array()).flatten().filter_map(scalar_text).collect();
            rng.choose(&distinct(all), samples).into_iter().map(plain).collect()
        }
        Relation::Time | Relation::SinceInclusive | Relation::SinceExclusive => {
            let times: BTreeSet<time::Instant> = field_values.iter().filter_map(|v| v.as_str()).filter_map(time::parse).collect();
            let times: Vec<time::Instant> = times.into_iter().collect();
            let chosen = rng.choose(&times, samples);
            let ops = if param.ops.is_empty() { TimeOp::ALL.to_vec() } else { param.ops.clone() };
            let mut sent: Vec<Sent> = if param.relation == Relation::Time {
                chosen
                    .iter()
                    .flat_map(|t| ops.iter().map(move |op| Sent { text: format!("{}:{}", op.as_str(), time::format_z(*t)), op: Some(*op) }))
                    .collect()
            } else {
                chosen.iter().map(|t| plain(time::format_z(*t))).collect()
            };
            if let Some(t) = chosen.first() {
                sent.extend(other_layouts(param, &ops, *t));
            }
            sent
        }
        Relation::Equals | Relation::EqualsIgnoreCase => {
            let all: Vec<String> = field_values.iter().filter_map(|v| scalar_text(v)).collect();
            rng.choose(&distinct(all), samples).into_iter().map(plain).collect()
        }
        Relation::AtLeast | Relation::AtMost => {
            let all: Vec<String> = field_values.iter().filter_map(|v| scalar_text(v)).collect();
            let mut sent: Vec<Sent> = rng.choose(&distinct(all), samples).into_iter().map(plain).collect();
            if let Some(edge) = digit_edge(param.relation, &field_values).filter(|e| !sent.iter().any(|s| s.text == *e)) {
                sent.push(plain(edge));
            }
            sent
        }
    };
    for v in &param.values {
        let s = plain(v.to_string());
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// The documented layouts of a time filter other than `Z`, at the exact instant `t` of an item:
/// a server that reads an offset as UTC, or the space layout on another clock, moves the bound
/// by hours and loses the item at `t`. A comparison is probed on both sides of it, so that a
/// bound moved either way loses the item: `gte` at `t`, and `lte` at the next second (a field
/// shown to the second may hide a fraction, so only then must the item at `t` be in).
fn other_layouts(param: &FilterParam, ops: &[TimeOp], t: time::Instant) -> Vec<Sent> {
    const SECOND: time::Instant = 1_000_000_000;
    let layouts = |at: time::Instant| -> Vec<String> {
        param
            .formats
            .iter()
            .flat_map(|f| match f {
                TimeFormat::Z => vec![],
                TimeFormat::Space => vec![time::format_space(at)],
                TimeFormat::Offset => vec![time::format_offset(at, 330), time::format_offset(at, -300)],
            })
            .collect()
    };
    if param.relation != Relation::Time {
        return layouts(t).into_iter().map(plain).collect();
    }
    let edges: Vec<(TimeOp, time::Instant)> =
        [(TimeOp::Gte, t), (TimeOp::Lte, t + SECOND)].into_iter().filter(|(op, _)| ops.contains(op)).collect();
    let edges = if edges.is_empty() { ops.iter().take(2).map(|op| (*op, t)).collect() } else { edges };
    let mut out = Vec::new();
    for (op, at) in edges {
        out.extend(layouts(at).into_iter().map(|text| Sent { text: format!("{}:{text}", op.as_str()), op: Some(op) }));
    }
    out
}

/// A catalogue value as a bound that number order and text order split differently: for
/// `at_least` a value below which an item with more digits sorts as text (`512`, with an item
/// of `1024`: `"1024" < "512"`), for `at_most` one above which an item with fewer digits sorts
/// as text (`1024`, with `512`). A server that compares the digits as text then leaves out an
/// item it must list.
fn digit_edge(relation: Relation, values: &[&Value]) -> Option<String> {
    /// Distinct values looked at: the search is quadratic.
    const LOOKED_AT: usize = 500;
    let numbers: BTreeSet<u64> = values.iter().filter_map(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok())).collect();
    let numbers: Vec<u64> = numbers.into_iter().take(LOOKED_AT).collect();
    let splits = |b: u64, v: u64| match relation {
        Relation::AtLeast => v > b && v.to_string() < b.to_string(),
        _ => v < b && v.to_string() > b.to_string(),
    };
    numbers.iter().find(|b| numbers.iter().any(|v| splits(**b, *v))).map(u64::to_string)
}

pub(crate) fn plain(text: String) -> Sent {
    Sent { text, op: None }
}

pub(crate) async fn run(check: &FilterCheck, session: &mut Session<'_>) -> Conclusion {
    let spec = session.spec.clone();
    let (Some(fl), Some(p)) = (spec.file.filters.as_ref().map(|f| &f.value), spec.file.pagination.as_ref().map(|p| &p.value)) else {
        return Conclusion::Skip("the spec has no filters or pagination block".into());
    };
    match check {
        FilterCheck::Sound(i) | FilterCheck::Complete(i) => {
            let param = &fl.params[*i].value;
            let query = with_query(session, p, &[param]);
            let universe = match full_listing(session, p, query.clone()).await {
                Ok(w) => w,
                Err(c) => return c,
            };
            let items: Vec<Value> = universe.pages.iter().flat_map(|pg| pg.items.iter().cloned()).collect();
            let values = candidates(param, &items, session.ctx.seed, fl.samples);
            if values.is_empty() {
                return Conclusion::Skip(format!(
                    "no item of the catalogue ({} items) carries {}: no value to sample for `{}`",
                    items.len(),
                    param.field,
                    param.param
                ));
            }
            let mut findings = Vec::new();
            let probed = branches(session, &values, |mut session, sent| {
                let mut q = query.clone();
                q.push((param.param.clone(), sent.text.clone()));
                let items = &items;
                async move {
                    let sound = matches!(check, FilterCheck::Sound(_));
                    let found = match filtered(&mut session, p, q, items, sound, &[(param, sent)]).await {
                        Err(Conclusion::Fail(mut f)) => {
                            for x in &mut f {
                                x.message = format!("{}={}: {}", param.param, sent.text, x.message);
                            }
                            Ok(f)
                        }
                        found => found,
                    };
                    (session, found)
                }
            })
            .await;
            for found in probed {
                match found {
                    Ok(f) => findings.extend(f),
                    Err(c) => return c,
                }
                if findings.len() >= MAX_FINDINGS {
                    break;
                }
            }
            // Only findings need excusing; a change under a passing case is the run's to find.
            if findings.is_empty() {
                return Conclusion::Pass;
            }
            if let Some(c) = changed(session, p, query, &items, &p.id).await {
                return c;
            }
            conclude(&End::Complete, findings)
        }
        FilterCheck::Invalid(i) => {
            let param = &fl.params[*i].value;
            let Some(errors) = &fl.errors else {
                return Conclusion::Skip("`filters.errors` is not declared".into());
            };
            let mut findings = Vec::new();
            for bad in &param.invalid {
                let mut q = with_query(session, p, &[param]);
                q.push((param.param.clone(), bad.to_string()));
                let shown = format!("{}={bad}", param.param);
                match rejection(session, errors, spec.filter_error_schema.as_ref(), &q, &shown).await {
                    Ok(f) => findings.extend(f),
                    Err(Conclusion::Error(r, _)) => return Conclusion::Error(r, findings),
                    Err(c) => return c,
                }
            }
            conclude(&End::Complete, findings)
        }
        FilterCheck::Pairs { sound, params } => pairs(session, fl, p, *sound, params).await,
        FilterCheck::Paged(params) => paged(session, fl, p, params).await,
        FilterCheck::CaseVariant(_) | FilterCheck::Encoded(_) | FilterCheck::BothValues(_) | FilterCheck::SortedWalk(_) => {
            super::probes::run(check, session, fl, p).await
        }
    }
}

/// The base listing query plus what the given filters need (`with:`).
pub(crate) fn with_query(session: &Session<'_>, p: &Pagination, params: &[&FilterParam]) -> Vec<(String, String)> {
    let mut q = base_query(session, p);
    for param in params {
        for (k, v) in merge_query(&Default::default(), &param.with) {
            if !q.iter().any(|(qk, qv)| *qk == k && *qv == v) {
                q.push((k, v));
            }
        }
    }
    q
}

/// A skip if the catalogue changed since `items` was listed.
async fn changed(session: &mut Session<'_>, p: &Pagination, query: Vec<(String, String)>, items: &[Value], id: &str) -> Option<Conclusion> {
    let before = IdList::new(items.iter().filter_map(|i| Key::of(i, id)));
    listed_again(session, p, query, id, &before).await.ok()?
}

async fn pairs(session: &mut Session<'_>, fl: &Filters, p: &Pagination, sound: bool, chosen: &[usize]) -> Conclusion {
    let params: Vec<&FilterParam> = chosen.iter().map(|i| &fl.params[*i].value).collect();
    let mut findings = Vec::new();
    let mut checked = 0;
    let mut rng = Rng::new(session.ctx.seed, "filter.pairs");
    // Neighbouring filters pair up; a membership filter (tags) also pairs with itself, sent
    // twice (`tag=a&tag=b`), where every value must hold.
    let mut combos: Vec<(&FilterParam, &FilterParam)> =
        (0..params.len()).map(|i| (params[i], params[(i + 1) % params.len()])).filter(|(a, b)| a.param != b.param).take(PAIRS).collect();
    combos.extend(params.iter().filter(|x| x.relation == Relation::Contains).map(|x| (*x, *x)));
    // The pairs' catalogues at once, then their values drawn in order (one generator for all),
    // then the filtered listings at once.
    let universes = branches(session, &combos, |mut session, (a, b)| {
        let query = with_query(&session, p, &[a, b]);
        async move {
            let universe = full_listing(&mut session, p, query).await;
            (session, universe)
        }
    })
    .await;
    let mut probes = Vec::new();
    for ((a, b), universe) in combos.iter().zip(universes) {
        let universe = match universe {
            Ok(u) => u,
            Err(c) => return c,
        };
        let items: Vec<Value> = universe.pages.into_iter().flat_map(|pg| pg.items).collect();
        // An item that carries both fields proposes the pair's values, so the answer can't be empty.
        let proposals: Vec<(Sent, Sent)> = if std::ptr::eq(*a, *b) {
            items.iter().filter_map(|it| two_members(it.pointer(&a.field)?)).collect()
        } else {
            items
                .iter()
                .filter_map(|it| Some((value_selecting(a, it.pointer(&a.field)?)?, value_selecting(b, it.pointer(&b.field)?)?)))
                .collect()
        };
        let Some((sa, sb)) = rng.choose(&proposals, 1).into_iter().next() else { continue };
        let mut q = with_query(session, p, &[a, b]);
        q.push((a.param.clone(), sa.text.clone()));
        q.push((b.param.clone(), sb.text.clone()));
        probes.push((*a, *b, sa, sb, q, items));
    }
    let probed = branches(session, &probes, |mut session, (a, b, sa, sb, q, items)| async move {
        let found = filtered(&mut session, p, q.clone(), items, sound, &[(a, sa), (b, sb)]).await;
        (session, found)
    })
    .await;
    for found in probed {
        match found {
            Ok(f) => findings.extend(f),
            Err(c) => return c,
        }
        checked += 1;
    }
    if checked == 0 {
        return Conclusion::Skip("no item of the catalogue carries the fields of two filters".into());
    }
    conclude(&End::Complete, findings)
}

/// List `q` whole and judge it by the filters `sent`: the items it lists that they do not
/// select (`sound`), or else the items of the catalogue `items` they select that it leaves out.
async fn filtered(
    session: &mut Session<'_>,
    p: &Pagination,
    q: Vec<(String, String)>,
    items: &[Value],
    sound: bool,
    sent: &[(&FilterParam, &Sent)],
) -> Result<Vec<crate::verdict::Finding>, Conclusion> {
    let got = full_listing(session, p, q).await?;
    Ok(if sound { unsound(&got.pages, &p.id, sent) } else { incomplete(items, &got.pages, &p.id, sent) })
}

/// Two distinct members of an array field, as two values of one membership filter.
fn two_members(field: &Value) -> Option<(Sent, Sent)> {
    let members: BTreeSet<String> = field.as_array()?.iter().filter_map(scalar_text).collect();
    let mut it = members.into_iter();
    Some((plain(it.next()?), plain(it.next()?)))
}

async fn paged(session: &mut Session<'_>, fl: &Filters, p: &Pagination, chosen: &[usize]) -> Conclusion {
    // The filters to page and their most common values, one after another (their catalogues
    // are mostly one shared listing); then their walks at once.
    let mut probes = Vec::new();
    for param in chosen.iter().map(|i| &fl.params[*i].value) {
        if probes.len() >= PAGED_PARAMS {
            break;
        }
        let query = with_query(session, p, &[param]);
        let universe = match full_listing(session, p, query.clone()).await {
            Ok(w) => w,
            Err(c) => return c,
        };
        // The most common value, so the filtered listing spans several small pages.
        let items: Vec<Value> = universe.pages.iter().flat_map(|pg| pg.items.iter().cloned()).collect();
        let Some(sent) = common_value(param, &items, p.page_size) else { continue };
        let mut q = query;
        q.push((param.param.clone(), sent.text.clone()));
        probes.push((param, sent, q));
    }
    if probes.is_empty() {
        return Conclusion::Skip(format!("no filter value matches more than {} items: paging cannot be exercised", p.page_size));
    }
    let walked = branches(session, probes, |mut session, (param, sent, q)| async move {
        let found = paged_one(&mut session, p, param, &sent, q).await;
        (session, found)
    })
    .await;
    let mut findings = Vec::new();
    for found in walked {
        match found {
            Ok((f, None)) => findings.extend(f),
            Ok((f, Some(end))) => {
                findings.extend(f);
                return conclude(&end, findings);
            }
            Err(c) => return c,
        }
    }
    conclude(&End::Complete, findings)
}

/// Page the listing filtered by `param`=`sent` (query `q`) with small pages, against the whole
/// filtered listing: the findings, and the walk's end when it did not complete.
async fn paged_one(
    session: &mut Session<'_>,
    p: &Pagination,
    param: &FilterParam,
    sent: &Sent,
    mut q: Vec<(String, String)>,
) -> Result<(Vec<crate::verdict::Finding>, Option<End>), Conclusion> {
    let whole = q.clone();
    let mut order = None;
    if let Some(sort) = &p.sort {
        if let Some((key, k)) = sort.keys.iter().next() {
            q.push((sort.key_param.clone(), key.clone()));
            q.push((sort.dir_param.clone(), "asc".into()));
            order = Some(Order::by(sort, key, k, Direction::Asc));
        }
    }
    let what = format!("paging {}={} with {}={}", param.param, sent.text, p.limit, p.page_size);
    let (findings, _) = small_pages(session, p, (param, sent), (whole, q), order.as_ref(), &what, CheckId::FilterPaged).await?;
    Ok((findings, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::filters::fixtures::{page, param};
    use serde_json::json;

    #[test]
    fn sampling_is_deterministic_and_uses_catalogue_values() {
        let items: Vec<Value> = (0..20).map(|i| json!({"name": format!("n{}", i % 7)})).collect();
        let p = param("name", Relation::Equals);
        let a = candidates(&p, &items, 42, 3);
        assert_eq!(a, candidates(&p, &items, 42, 3));
        assert_eq!(a.len(), 3);
        assert!(a.iter().all(|s| s.text.starts_with('n')));
    }

    #[test]
    fn time_candidates_try_every_operator() {
        let items = vec![json!({"created_at": "2020-01-01T00:00:00Z"})];
        let c = candidates(&param("created_at", Relation::Time), &items, 1, 3);
        assert_eq!(c.iter().map(|s| s.text.split(':').next().unwrap()).collect::<Vec<_>>(), vec!["gt", "gte", "lt", "lte", "eq", "neq"]);
    }

    #[test]
    fn each_documented_layout_is_probed_at_the_same_instant_on_both_sides() {
        let items = vec![json!({"created_at": "2020-01-01T00:00:00Z"})];
        let mut p = param("created_at", Relation::Time);
        p.formats = vec![TimeFormat::Z, TimeFormat::Space, TimeFormat::Offset];
        let c = candidates(&p, &items, 1, 3);
        let extra: Vec<&str> = c.iter().skip(6).map(|s| s.text.as_str()).collect();
        assert_eq!(
            extra,
            [
                "gte:2020-01-01 00:00:00",
                "gte:2020-01-01T05:30:00+05:30",
                "gte:2019-12-31T19:00:00-05:00",
                "lte:2020-01-01 00:00:01",
                "lte:2020-01-01T05:30:01+05:30",
                "lte:2019-12-31T19:00:01-05:00"
            ]
        );
        let mut since = param("changes-since", Relation::SinceInclusive);
        since.formats = vec![TimeFormat::Offset];
        let c = candidates(&since, &[json!({"changes-since": "2020-01-01T00:00:00Z"})], 1, 3);
        assert_eq!(
            c.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(),
            ["2020-01-01T00:00:00Z", "2020-01-01T05:30:00+05:30", "2019-12-31T19:00:00-05:00"]
        );
    }

    #[test]
    fn numeric_bounds_are_probed_where_text_order_differs_from_number_order() {
        let items: Vec<Value> = [0, 512, 1024, 2048, 16384].iter().map(|n| json!({"min_ram": n})).collect();
        let at_least = candidates(&param("min_ram", Relation::AtLeast), &items, 1, 1);
        assert_eq!(at_least.last().map(|s| s.text.as_str()), Some("512"));
        let values: Vec<&Value> = items.iter().filter_map(|i| i.get("min_ram")).collect();
        assert_eq!(digit_edge(Relation::AtLeast, &values).as_deref(), Some("512"));
        assert_eq!(digit_edge(Relation::AtMost, &values).as_deref(), Some("1024"));
        assert_eq!(digit_edge(Relation::AtLeast, &[&json!(7), &json!(8)]), None);
    }

    #[test]
    fn a_membership_filter_pairs_with_itself_on_two_members() {
        let (a, b) = two_members(&json!(["x86", "gold", "x86"])).unwrap();
        assert_eq!((a.text.as_str(), b.text.as_str()), ("gold", "x86"));
        assert!(two_members(&json!(["only"])).is_none());
        // Both values must hold: an item with one of the two tags is unsound.
        let p = param("tags", Relation::Contains);
        let f = unsound(&[page(json!([{"id": "a", "tags": ["gold"]}]))], "/id", &[(&p, &a), (&p, &b)]);
        assert_eq!(f.len(), 1);
    }
}
