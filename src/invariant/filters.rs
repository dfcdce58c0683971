//! The invariants of a `filters:` block: soundness and completeness of each filter, pairs of
//! filters, filters across pages, and rejection of malformed values.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::{json, Value};

use super::pages::{duplicates, id_of, ids, misordered, same_items, scalar_text, Order, Page, MAX_FINDINGS};
use super::pagination::{base_query, conclude, full_listing};
use super::relation::{satisfies, value_selecting, Match, Sent};
use super::sample::Rng;
use super::walk::{walk, End, Follow, Listing};
use super::{time, Check, Invariant};
use crate::check::excerpt;
use crate::plan::merge_query;
use crate::run::session::Session;
use crate::spec::model::{Direction, FilterParam, Filters, Level, Relation, TimeOp};
use crate::spec::Spec;
use crate::verdict::{CheckId, Conclusion, Finding};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterCheck {
    /// Every returned item satisfies the filter (param index).
    Sound(usize),
    /// Every matching item of the full listing is returned (param index).
    Complete(usize),
    /// Malformed values are rejected (param index).
    Invalid(usize),
    /// Pairs of the given filters together: soundness (`true`) or completeness (`false`).
    Pairs { sound: bool, params: Vec<usize> },
    /// The given filters with small pages and a sort.
    Paged(Vec<usize>),
}

/// Parameters checked together with paging (bounded cost).
const PAGED_PARAMS: usize = 3;
/// Pairs of filters checked.
const PAIRS: usize = 6;

pub fn derive(spec: &Spec, out: &mut Vec<Invariant>) {
    let Some(f) = &spec.file.filters else { return };
    let fl = &f.value;
    for (i, p) in fl.params.iter().enumerate() {
        let line = p.referenced.line() as usize;
        let p = &p.value;
        let doc = p.doc.clone().unwrap_or_else(|| fl.doc.clone());
        let level = p.level.unwrap_or(fl.level);
        let name = super::pagination::case_suffix(&p.param);
        out.push(Invariant {
            name: format!("filter.{name}.sound"),
            level,
            doc: doc.clone(),
            why: p.why.clone(),
            line,
            check: Check::Filter(FilterCheck::Sound(i)),
        });
        out.push(Invariant {
            name: format!("filter.{name}.complete"),
            level: p.completeness.unwrap_or(level),
            doc: doc.clone(),
            why: p.why.clone(),
            line,
            check: Check::Filter(FilterCheck::Complete(i)),
        });
        if !p.invalid.is_empty() {
            let level = fl.errors.as_ref().map(|e| e.level).unwrap_or(level);
            out.push(Invariant {
                name: format!("filter.{name}.invalid"),
                level,
                doc,
                why: p.why.clone(),
                line,
                check: Check::Filter(FilterCheck::Invalid(i)),
            });
        }
    }
    // Combined checks hold each filter to its own level: a `must` case combines only filters
    // whose soundness (or completeness) is a must; the others are combined at `should`.
    let line = f.referenced.line() as usize;
    let sound_level = |p: &FilterParam| p.level.unwrap_or(fl.level);
    let complete_level = |p: &FilterParam| p.completeness.or(p.level).unwrap_or(fl.level);
    let groups = |level_of: &dyn Fn(&FilterParam) -> Level| -> Vec<(Level, Vec<usize>)> {
        [Level::Must, Level::Should]
            .into_iter()
            .map(|l| (l, (0..fl.params.len()).filter(|i| level_of(&fl.params[*i].value) == l).collect()))
            .collect()
    };
    let why = Some("combined filters are each held to their own level".to_string());
    let suffix = |level: Level| if level == Level::Should { ".should" } else { "" };
    if fl.combinations {
        for (sound, level_of) in [(true, &sound_level as &dyn Fn(&FilterParam) -> Level), (false, &complete_level)] {
            for (level, params) in groups(level_of) {
                if params.len() >= 2 {
                    let name = format!("filter.pairs.{}{}", if sound { "sound" } else { "complete" }, suffix(level));
                    let check = Check::Filter(FilterCheck::Pairs { sound, params });
                    out.push(Invariant { name, level, doc: fl.doc.clone(), why: why.clone(), line, check });
                }
            }
        }
    }
    for (level, params) in groups(&sound_level) {
        if !params.is_empty() {
            let check = Check::Filter(FilterCheck::Paged(params));
            out.push(Invariant {
                name: format!("filter.paged{}", suffix(level)),
                level,
                doc: fl.doc.clone(),
                why: why.clone(),
                line,
                check,
            });
        }
    }
}

/// The values to try for `param`, sampled from `items` under `seed`.
pub fn candidates(param: &FilterParam, items: &[Value], seed: u64, samples: usize) -> Vec<Sent> {
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
            if param.relation == Relation::Time {
                let ops = if param.ops.is_empty() { TimeOp::ALL.to_vec() } else { param.ops.clone() };
                chosen
                    .iter()
                    .flat_map(|t| ops.iter().map(move |op| Sent { text: format!("{}:{}", op.as_str(), time::format_z(*t)), op: Some(*op) }))
                    .collect()
            } else {
                chosen.into_iter().map(|t| plain(time::format_z(t))).collect()
            }
        }
        Relation::Equals | Relation::EqualsIgnoreCase | Relation::AtLeast | Relation::AtMost => {
            let all: Vec<String> = field_values.iter().filter_map(|v| scalar_text(v)).collect();
            rng.choose(&distinct(all), samples).into_iter().map(plain).collect()
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

fn plain(text: String) -> Sent {
    Sent { text, op: None }
}

pub async fn run(check: &FilterCheck, session: &mut Session<'_>) -> Conclusion {
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
            for sent in &values {
                let mut q = query.clone();
                q.push((param.param.clone(), sent.text.clone()));
                let got = match full_listing(session, p, q).await {
                    Ok(w) => w,
                    Err(Conclusion::Fail(mut f)) => {
                        for x in &mut f {
                            x.message = format!("{}={}: {}", param.param, sent.text, x.message);
                        }
                        findings.extend(f);
                        continue;
                    }
                    Err(c) => return c,
                };
                if matches!(check, FilterCheck::Sound(_)) {
                    findings.extend(unsound(&got.pages, &p.id, &[(param, sent)]));
                } else {
                    findings.extend(incomplete(&items, &got.pages, &p.id, &[(param, sent)]));
                }
                if findings.len() >= MAX_FINDINGS {
                    break;
                }
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
                match super::pagination::rejection(session, errors, spec.filter_error_schema.as_ref(), &q, &shown).await {
                    Ok(f) => findings.extend(f),
                    Err(Conclusion::Error(r, _)) => return Conclusion::Error(r, findings),
                    Err(c) => return c,
                }
            }
            conclude(&End::Complete, findings)
        }
        FilterCheck::Pairs { sound, params } => pairs(session, fl, p, *sound, params).await,
        FilterCheck::Paged(params) => paged(session, fl, p, params).await,
    }
}

/// The base listing query plus what the given filters need (`with:`).
fn with_query(session: &Session<'_>, p: &crate::spec::model::Pagination, params: &[&FilterParam]) -> Vec<(String, String)> {
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

/// Returned items that do not satisfy every filter.
pub fn unsound(pages: &[Page], id: &str, filters: &[(&FilterParam, &Sent)]) -> Vec<Finding> {
    let mut out = Vec::new();
    for page in pages {
        for (n, item) in page.items.iter().enumerate() {
            for (param, sent) in filters {
                let field = item.pointer(&param.field);
                let verdict = satisfies(param, field, sent);
                if matches!(verdict, Match::Yes | Match::Undecidable) {
                    continue;
                }
                let what = if verdict == Match::Incomparable { "has no comparable value at" } else { "does not satisfy" };
                out.push(
                    Finding::new(
                        CheckId::FilterSound,
                        format!("/{n}{}", param.field),
                        json!(format!("{} {:?} {}", param.field, param.relation, sent.text).replace('"', "")),
                        json!({"id": id_of(item, id), "value": excerpt(field.unwrap_or(&Value::Null))}),
                        format!(
                            "{}={} returned item {} which {what} {} ({})",
                            param.param,
                            sent.text,
                            id_of(item, id).unwrap_or_default(),
                            param.field,
                            field.map(|v| v.to_string()).unwrap_or_else(|| "absent".into())
                        ),
                    )
                    .on(page.exchange),
                );
                if out.len() >= MAX_FINDINGS {
                    return out;
                }
            }
        }
    }
    out
}

/// Items of the full listing that satisfy every filter but were not returned.
pub fn incomplete(universe: &[Value], pages: &[Page], id: &str, filters: &[(&FilterParam, &Sent)]) -> Vec<Finding> {
    let returned: HashSet<String> = ids(pages, id).into_iter().collect();
    let missing: Vec<(String, Vec<Value>)> = universe
        .iter()
        .filter(|item| filters.iter().all(|(param, sent)| satisfies(param, item.pointer(&param.field), sent) == Match::Yes))
        .filter_map(|item| {
            id_of(item, id)
                .map(|i| (i, filters.iter().map(|(param, _)| excerpt(item.pointer(&param.field).unwrap_or(&Value::Null))).collect()))
        })
        .filter(|(i, _)| !returned.contains(i))
        .collect();
    if missing.is_empty() {
        return vec![];
    }
    let query: Vec<String> = filters.iter().map(|(p, s)| format!("{}={}", p.param, s.text)).collect();
    let shown: Vec<Value> = missing.iter().take(MAX_FINDINGS).map(|(i, v)| json!({"id": i, "values": v})).collect();
    let mut f = Finding::new(
        CheckId::FilterComplete,
        "",
        json!(format!("every matching item of the full listing for {}", query.join("&"))),
        json!({"missing": shown, "missing_count": missing.len()}),
        format!("{} matching item(s) of the full listing are missing from {} (e.g. {})", missing.len(), query.join("&"), missing[0].0),
    );
    if let Some(pg) = pages.first() {
        f = f.on(pg.exchange);
    }
    vec![f]
}

/// A skip if the catalogue changed since `items` was listed.
async fn changed(
    session: &mut Session<'_>,
    p: &crate::spec::model::Pagination,
    query: Vec<(String, String)>,
    items: &[Value],
    id: &str,
) -> Option<Conclusion> {
    let again = full_listing(session, p, query).await.ok()?;
    let before: Vec<String> = items.iter().filter_map(|i| id_of(i, id)).collect();
    super::pagination::catalogue_changed(&before, &ids(&again.pages, id))
}

async fn pairs(session: &mut Session<'_>, fl: &Filters, p: &crate::spec::model::Pagination, sound: bool, chosen: &[usize]) -> Conclusion {
    let params: Vec<&FilterParam> = chosen.iter().map(|i| &fl.params[*i].value).collect();
    let mut findings = Vec::new();
    let mut checked = 0;
    let mut rng = Rng::new(session.ctx.seed, "filter.pairs");
    // Neighbouring filters pair up; a membership filter (tags) also pairs with itself, sent
    // twice (`tag=a&tag=b`), where every value must hold.
    let mut combos: Vec<(&FilterParam, &FilterParam)> =
        (0..params.len()).map(|i| (params[i], params[(i + 1) % params.len()])).filter(|(a, b)| a.param != b.param).take(PAIRS).collect();
    combos.extend(params.iter().filter(|x| x.relation == Relation::Contains).map(|x| (*x, *x)));
    for (a, b) in combos {
        let query = with_query(session, p, &[a, b]);
        let universe = match full_listing(session, p, query.clone()).await {
            Ok(w) => w,
            Err(c) => return c,
        };
        let items: Vec<Value> = universe.pages.iter().flat_map(|pg| pg.items.iter().cloned()).collect();
        // An item that carries both fields proposes the pair's values, so the answer can't be empty.
        let proposals: Vec<(Sent, Sent)> = if std::ptr::eq(a, b) {
            items.iter().filter_map(|it| two_members(it.pointer(&a.field)?)).collect()
        } else {
            items
                .iter()
                .filter_map(|it| Some((value_selecting(a, it.pointer(&a.field)?)?, value_selecting(b, it.pointer(&b.field)?)?)))
                .collect()
        };
        let Some((sa, sb)) = rng.choose(&proposals, 1).into_iter().next() else { continue };
        let mut q = query.clone();
        q.push((a.param.clone(), sa.text.clone()));
        q.push((b.param.clone(), sb.text.clone()));
        let got = match full_listing(session, p, q).await {
            Ok(w) => w,
            Err(c) => return c,
        };
        checked += 1;
        if sound {
            findings.extend(unsound(&got.pages, &p.id, &[(a, &sa), (b, &sb)]));
        } else {
            findings.extend(incomplete(&items, &got.pages, &p.id, &[(a, &sa), (b, &sb)]));
        }
    }
    if checked == 0 {
        return Conclusion::Skip("no item of the catalogue carries the fields of two filters".into());
    }
    conclude(&End::Complete, findings)
}

/// Two distinct members of an array field, as two values of one membership filter.
fn two_members(field: &Value) -> Option<(Sent, Sent)> {
    let members: BTreeSet<String> = field.as_array()?.iter().filter_map(scalar_text).collect();
    let mut it = members.into_iter();
    Some((plain(it.next()?), plain(it.next()?)))
}

async fn paged(session: &mut Session<'_>, fl: &Filters, p: &crate::spec::model::Pagination, chosen: &[usize]) -> Conclusion {
    let mut findings = Vec::new();
    let mut checked = 0;
    for param in chosen.iter().map(|i| &fl.params[*i].value) {
        if checked >= PAGED_PARAMS {
            break;
        }
        let query = with_query(session, p, &[param]);
        let universe = match full_listing(session, p, query.clone()).await {
            Ok(w) => w,
            Err(c) => return c,
        };
        let items: Vec<Value> = universe.pages.iter().flat_map(|pg| pg.items.iter().cloned()).collect();
        // The most common value, so the filtered listing spans several small pages.
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for it in &items {
            if let Some(s) = it.pointer(&param.field).and_then(|f| value_selecting(param, f)) {
                *counts.entry(s.text).or_default() += 1;
            }
        }
        let Some((text, n)) = counts.into_iter().max_by_key(|(_, n)| *n) else { continue };
        if (n as u64) <= p.page_size {
            continue;
        }
        let sent = Sent { op: super::relation::split_time(&text).map(|(o, _)| o), text };
        let mut q = query.clone();
        q.push((param.param.clone(), sent.text.clone()));
        let whole = match full_listing(session, p, q.clone()).await {
            Ok(w) => w,
            Err(c) => return c,
        };
        let mut order = None;
        if let Some(sort) = &p.sort {
            if let Some((key, k)) = sort.keys.iter().next() {
                q.push((sort.key_param.clone(), key.clone()));
                q.push((sort.dir_param.clone(), "asc".into()));
                order = Some(Order {
                    key: key.clone(),
                    field: k.field.clone(),
                    kind: k.kind,
                    dir: Direction::Asc,
                    tie: sort.tie_breaker.clone().map(|t| (t, sort.tie_breaker_dir.unwrap_or(Direction::Asc))),
                });
            }
        }
        let headers = session.headers(&BTreeMap::new());
        let w = walk(session, &Listing { pagination: p, query: q, limit: Some(p.page_size), headers }, Follow::Marker, usize::MAX).await;
        checked += 1;
        findings.extend(unsound(&w.pages, &p.id, &[(param, &sent)]));
        findings.extend(duplicates(&w.pages, &p.id));
        if let Some(o) = &order {
            findings.extend(misordered(&w.pages, o));
        }
        if !matches!(w.end, End::Complete) {
            return conclude(&w.end, findings);
        }
        let what = format!("paging {}={} with {}={}", param.param, sent.text, p.limit, p.page_size);
        let last = w.pages.last().map(|pg| pg.exchange);
        findings.extend(same_items(&ids(&w.pages, &p.id), &ids(&whole.pages, &p.id), &what).into_iter().map(|mut f| {
            f.check = CheckId::FilterPaged;
            f.exchange = last;
            f
        }));
    }
    if checked == 0 {
        return Conclusion::Skip(format!("no filter value matches more than {} items: paging cannot be exercised", p.page_size));
    }
    conclude(&End::Complete, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(name: &str, relation: Relation) -> FilterParam {
        FilterParam {
            param: name.into(),
            field: format!("/{name}"),
            relation,
            doc: None,
            level: None,
            completeness: None,
            why: None,
            map: Default::default(),
            ops: vec![],
            with: Default::default(),
            values: vec![],
            invalid: vec![],
        }
    }

    fn page(items: Value) -> Page {
        Page { exchange: 0, url: "u".into(), items: items.as_array().unwrap().clone(), next: None }
    }

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
    fn a_membership_filter_pairs_with_itself_on_two_members() {
        let (a, b) = two_members(&json!(["x86", "gold", "x86"])).unwrap();
        assert_eq!((a.text.as_str(), b.text.as_str()), ("gold", "x86"));
        assert!(two_members(&json!(["only"])).is_none());
        // Both values must hold: an item with one of the two tags is unsound.
        let p = param("tags", Relation::Contains);
        let f = unsound(&[page(json!([{"id": "a", "tags": ["gold"]}]))], "/id", &[(&p, &a), (&p, &b)]);
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn unsound_items_are_named_with_their_values() {
        let p = param("status", Relation::Equals);
        let s = plain("active".into());
        let f = unsound(&[page(json!([{"id": "a", "status": "active"}, {"id": "b", "status": "queued"}]))], "/id", &[(&p, &s)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].actual, json!({"id": "b", "value": "queued"}));
        assert_eq!(f[0].pointer, "/1/status");
    }

    #[test]
    fn missing_matches_are_reported_with_ids() {
        let p = param("min_ram", Relation::AtLeast);
        let s = plain("512".into());
        let universe = vec![json!({"id": "a", "min_ram": 1024}), json!({"id": "b", "min_ram": 512}), json!({"id": "c", "min_ram": 0})];
        let f = incomplete(&universe, &[page(json!([{"id": "a", "min_ram": 1024}]))], "/id", &[(&p, &s)]);
        assert_eq!(f[0].actual["missing_count"], json!(1));
        assert_eq!(f[0].actual["missing"][0]["id"], json!("b"));
        assert!(incomplete(&universe, &[page(json!([{"id": "a"}, {"id": "b"}]))], "/id", &[(&p, &s)]).is_empty());
    }
}
