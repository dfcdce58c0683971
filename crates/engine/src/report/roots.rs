//! Root causes: the failures of a run grouped across cases by what broke. One defect of a
//! target (`min_ram` sent as a string) is seen by every case that reads that field; reports
//! lead with the defect once, its cases folded under it, instead of repeating it per case.
//!
//! A defect is the same check, at the same generalised pointer (array indices folded:
//! `/images/*/min_ram`), with the same expected value, on the same endpoint (method and path,
//! ids folded). Targets that share a defect share its entry, which names them: when two
//! targets are compared, a defect of one alone is what tells them apart. A pure function of the verdicts: every output that shows
//! root causes (HTML, Markdown, summary.md, annotations, results.json) calls [`of`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::check::group::pattern;
use crate::verdict::{CheckId, Class, Finding, Verdict};

/// One defect and the cases that see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RootCause {
    /// `must` (some case that sees it fails the gate) or `should` (only warnings see it).
    pub class: Class,
    /// The targets it is seen on, in order of first sight.
    pub targets: Vec<String>,
    pub check: CheckId,
    /// The pointer with array indices folded; empty for a finding about a whole response.
    pub pointer: String,
    pub expected: Value,
    /// `GET /v2/images`, when the finding names the request it was seen on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// What broke, in a sentence: "`min_ram` is a string where the spec wants integer".
    pub headline: String,
    /// Places that break it in the case that sees most of them, and out of how many items.
    pub places: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<usize>,
    /// The cases that see it, in plan order.
    pub cases: Vec<CaseOn>,
    /// Where the first of them is declared (`file:line`): annotations point there.
    pub location: String,
}

/// A case on a target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CaseOn {
    /// `spec::case`.
    pub id: String,
    pub target: String,
}

impl RootCause {
    /// `good` / `good, bad`.
    pub(crate) fn on(&self) -> String {
        self.targets.join(", ")
    }

    /// "233/233 items, seen by 11 cases" / "3 places, seen by 1 case".
    pub(crate) fn extent(&self) -> String {
        let noun = if self.check == CheckId::Latency { "answers" } else { "items" };
        let places = match self.of {
            Some(of) => format!("{}/{of} {noun}", self.places),
            None if self.places == 1 => "1 place".to_string(),
            None => format!("{} places", self.places),
        };
        let cases = if self.cases.len() == 1 { "1 case".to_string() } else { format!("{} cases", self.cases.len()) };
        format!("{places}, seen by {cases}")
    }

    /// `must` or `should`, as the level of the cases behind it.
    pub(crate) fn level(&self) -> &'static str {
        if self.class == Class::Fail {
            "must"
        } else {
            "should"
        }
    }
}

/// What makes two findings the same defect.
#[derive(PartialEq, Eq, Hash)]
struct Key {
    check: CheckId,
    pointer: String,
    /// Serialized: `Value` is not `Hash`.
    expected: String,
    endpoint: Option<String>,
}

/// The root causes of the failing and warning cases of `verdicts` (waived failures and
/// errors are not defects the run found): `must` ones first, then by how many cases see them,
/// then in order of first appearance.
pub(crate) fn of(verdicts: &[Verdict]) -> Vec<RootCause> {
    let mut roots: Vec<RootCause> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    for v in verdicts {
        let class = v.class();
        if !matches!(class, Class::Fail | Class::Warn) {
            continue;
        }
        let id = format!("{}::{}", v.spec, v.case);
        // Per defect, the places this case breaks it at (a case may report one rule per page).
        let mut seen: Vec<(usize, usize, Option<usize>)> = Vec::new();
        for f in &v.findings {
            let endpoint = f.exchange.and_then(|i| v.exchanges.get(i)).map(|e| endpoint(&e.method, &e.url));
            let key = Key { check: f.check, pointer: pattern(&f.pointer), expected: rule(f, &id), endpoint: endpoint.clone() };
            let at = *index.entry(key).or_insert_with(|| {
                roots.push(RootCause {
                    class,
                    targets: Vec::new(),
                    check: f.check,
                    pointer: pattern(&f.pointer),
                    expected: f.expected.clone(),
                    endpoint,
                    headline: headline(f),
                    places: 0,
                    of: None,
                    cases: Vec::new(),
                    location: v.location.clone(),
                });
                roots.len() - 1
            });
            // A comparison of two listings counts the items that differ, not its one finding.
            let count = f.side_by_side.as_ref().map_or(f.count(), |s| s.total);
            match seen.iter_mut().find(|(r, ..)| *r == at) {
                Some((_, places, of)) => {
                    *places += count;
                    *of = (*of).max(f.of);
                }
                None => seen.push((at, count, f.of)),
            }
        }
        for (at, places, of) in seen {
            // The walks of one case see the same items again (every page is checked, and one
            // finding may hold them all): never more places than the listing has items.
            let places = places.min(of.unwrap_or(usize::MAX));
            let r = &mut roots[at];
            if class == Class::Fail {
                r.class = Class::Fail;
            }
            if places > r.places {
                r.places = places;
                r.of = of;
            }
            if !r.targets.contains(&v.target) {
                r.targets.push(v.target.clone());
            }
            r.cases.push(CaseOn { id: id.clone(), target: v.target.clone() });
        }
    }
    // Stable: equal ones keep their order of first appearance.
    roots.sort_by_key(|r| (r.class, std::cmp::Reverse(r.cases.len())));
    roots
}

/// The expected value as the rule, for the key: a comparison of two listings expects one
/// item's value of the other listing, so its rule is the field it compares.
fn rule(f: &Finding, case: &str) -> String {
    match &f.side_by_side {
        Some(sides) => format!("{}: {}", f.check, sides.field),
        // A walk's or a filter's finding about the whole listing expects what its query asked
        // (`minRam=512`, then `minRam=1024`): the derived case (`filter.minRam.complete`) is
        // the rule its findings break.
        None if f.pointer.is_empty() && walks(f.check) => format!("case {case}"),
        None => f.expected.to_string(),
    }
}

/// Checks of walks and filters: their derived case names the rule.
fn walks(check: CheckId) -> bool {
    use CheckId::*;
    matches!(
        check,
        PaginationComplete
            | PaginationCycle
            | PaginationDefaultLimit
            | PaginationDuplicate
            | PaginationId
            | PaginationItems
            | PaginationLimit
            | PaginationMaxLimit
            | PaginationNextLink
            | PaginationOrder
            | PaginationStatus
            | PaginationTieBreak
            | FilterComplete
            | FilterSound
            | FilterPaged
            | FilterPartition
    )
}

/// [`of`] the verdicts, with the `latency:` bounds they break, in the same order.
pub(crate) fn with_latency(verdicts: &[Verdict], budgets: &[super::latency::Budget]) -> Vec<RootCause> {
    let mut roots = of(verdicts);
    roots.extend(super::latency::breaches(budgets, verdicts));
    roots.sort_by_key(|r| (r.class, std::cmp::Reverse(r.cases.len())));
    roots
}

/// Whether a `must` bound that no case counts is broken: the gate fails all the same.
pub(crate) fn breaks_a_must_bound(roots: &[RootCause]) -> bool {
    roots.iter().any(|r| r.check == CheckId::Latency && r.class == Class::Fail)
}

/// `GET http://h:1/v2/images/6f1c…?limit=5` → `GET /v2/images/{id}`: the query left out, and
/// path segments that name one item folded, so that every case on an endpoint shares it.
pub(crate) fn endpoint(method: &str, url: &str) -> String {
    let path = super::latency::path(url);
    let folded: Vec<&str> = path.split('/').map(|seg| if names_an_item(seg) { "{id}" } else { seg }).collect();
    format!("{method} {}", folded.join("/"))
}

/// A segment that is a number or looks like a generated id (a UUID, a hex digest).
fn names_an_item(seg: &str) -> bool {
    let digits = seg.bytes().filter(u8::is_ascii_digit).count();
    !seg.is_empty() && digits > 0 && (digits == seg.len() || (seg.len() >= 16 && seg.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')))
}

/// The last named segment of a pointer: `/images/*/min_ram` → `min_ram`.
fn field(pointer: &str) -> Option<&str> {
    pointer.rsplit('/').find(|s| !s.is_empty() && *s != "*")
}

/// JSON's name for the type of a value.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What broke, in a sentence, from the defect's first finding.
fn headline(f: &Finding) -> String {
    let pointer = pattern(&f.pointer);
    let name = field(&pointer).map(|n| format!("`{n}`"));
    let rule = f.expected.as_object().filter(|o| o.len() == 1).and_then(|o| o.iter().next());
    match (f.check, name, rule) {
        (CheckId::Schema, Some(name), Some((k, want))) if k == "type" => {
            let want = want.as_str().map_or_else(|| want.to_string(), str::to_string);
            // A type finding records the value with its type: `{"type": "string", "value": "0"}`.
            let is = match f.actual.get("type").and_then(Value::as_str) {
                Some("null") => "null".to_string(),
                Some(t) => format!("{} {t}", if t.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }),
                None => type_name(&f.actual).to_string(),
            };
            format!("{name} is {is} where the spec wants {want}")
        }
        (CheckId::Schema, Some(name), Some((k, want))) => format!("{name} breaks `{k}: {want}`"),
        // The message goes on with the body; the statuses say it.
        (CheckId::Status, ..) => format!("answers status {} where the spec wants {}", f.actual, f.expected),
        _ => {
            let line = f.message.lines().next().unwrap_or("").trim();
            let line: String = if line.chars().count() > 120 { line.chars().take(120).collect::<String>() + "…" } else { line.into() };
            match field(&pointer) {
                Some(n) => format!("[{}] `{n}`: {line}", f.check),
                None => format!("[{}] {line}", f.check),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::Level;
    use crate::verdict::{sample, ExchangeRecord, Outcome};
    use serde_json::json;

    /// A failing case on `target` whose items 0..n send `min_ram` as a string, on `url`.
    fn string_min_ram(case: &str, target: &str, level: Level, n: usize, of: usize, url: &str) -> Verdict {
        let findings = (0..n)
            .map(|i| {
                let mut f = Finding::new(
                    CheckId::Schema,
                    format!("/images/{i}/min_ram"),
                    json!({"type": "integer"}),
                    json!({"type": "string", "value": "512"}),
                    "m",
                )
                .on(0);
                f.of = Some(of);
                f
            })
            .collect();
        Verdict {
            case: case.into(),
            target: target.into(),
            location: format!("s:{}", case.len()),
            findings,
            exchanges: vec![ExchangeRecord::get(url)],
            ..sample(Outcome::Fail, level)
        }
    }

    #[test]
    fn one_defect_seen_by_many_cases_is_one_root_cause() {
        let verdicts: Vec<Verdict> =
            (0..11).map(|i| string_min_ram(&format!("case-{i}"), "bad", Level::Must, 233, 233, "http://h/v2/images?limit=1000")).collect();
        let roots = of(&verdicts);
        assert_eq!(roots.len(), 1, "{roots:#?}");
        let r = &roots[0];
        assert_eq!(r.headline, "`min_ram` is a string where the spec wants integer");
        assert_eq!(r.extent(), "233/233 items, seen by 11 cases");
        assert_eq!(r.pointer, "/images/*/min_ram");
        assert_eq!(r.endpoint.as_deref(), Some("GET /v2/images"));
        assert_eq!(r.cases.first().map(|c| c.id.as_str()), Some("s::case-0"));
        assert_eq!(r.targets, ["bad"]);
        assert_eq!(r.location, "s:6", "the spec line of its first case");
    }

    #[test]
    fn items_seen_again_by_a_cases_walks_count_once_out_of_the_listing() {
        // Two walks of one case each see every item of a 233-item listing break the rule.
        let mut v = string_min_ram("walks", "bad", Level::Must, 233, 233, "http://h/v2/images?limit=1000");
        v.findings.extend(v.findings.clone());
        // And one finding that holds a walk's every page: 466 places out of 233 items.
        let mut pages = string_min_ram("pages", "bad", Level::Must, 466, 233, "http://h/v2/images?limit=1000");
        pages.findings = crate::check::group::group(std::mem::take(&mut pages.findings));
        let roots = of(&[v, pages]);
        assert_eq!(roots[0].extent(), "233/233 items, seen by 2 cases");
    }

    #[test]
    fn three_defects_are_three_root_causes_must_before_should() {
        let mut status = sample(Outcome::Fail, Level::Should);
        status.findings = vec![Finding::new(CheckId::Status, "", json!(400), json!(200), "expected status 400, got 200")];
        let verdicts = vec![
            status,
            string_min_ram("a", "bad", Level::Must, 2, 5, "http://h/v2/images"),
            string_min_ram("b", "bad", Level::Must, 3, 5, "http://h/v2/images"),
            string_min_ram("a", "bad", Level::Must, 1, 5, "http://h/v2/images/detail"),
        ];
        let roots = of(&verdicts);
        let shown: Vec<(&str, Option<&str>, String)> = roots.iter().map(|r| (r.level(), r.endpoint.as_deref(), r.extent())).collect();
        assert_eq!(
            shown,
            [
                ("must", Some("GET /v2/images"), "3/5 items, seen by 2 cases".to_string()),
                ("must", Some("GET /v2/images/detail"), "1/5 items, seen by 1 case".to_string()),
                ("should", None, "1 place, seen by 1 case".to_string()),
            ]
        );
        assert_eq!(roots[2].headline, "answers status 200 where the spec wants 400");
    }

    #[test]
    fn targets_share_a_defect_they_both_have_and_passes_errors_and_waivers_have_none() {
        let mut waived = string_min_ram("w", "bad", Level::Must, 1, 1, "http://h/v2/images");
        waived.waived = Some("known".into());
        let mut errored = string_min_ram("e", "bad", Level::Must, 1, 1, "http://h/v2/images");
        errored.outcome = Outcome::Error;
        let verdicts = vec![
            string_min_ram("a", "one", Level::Must, 1, 1, "http://one/v2/images"),
            string_min_ram("a", "two", Level::Must, 1, 1, "http://two/v2/images"),
            waived,
            errored,
            sample(Outcome::Pass, Level::Must),
        ];
        let roots = of(&verdicts);
        assert_eq!(roots.len(), 1, "{roots:#?}");
        assert_eq!((roots[0].on(), roots[0].extent()), ("one, two".to_string(), "1/1 items, seen by 2 cases".to_string()));
        assert_eq!(roots[0].cases[1], CaseOn { id: "s::a".into(), target: "two".into() });
    }

    #[test]
    fn a_should_case_and_a_must_case_seeing_one_defect_make_it_must() {
        let verdicts = vec![
            string_min_ram("a", "t", Level::Should, 1, 1, "http://h/v2/images"),
            string_min_ram("b", "t", Level::Must, 1, 1, "http://h/v2/images"),
        ];
        let roots = of(&verdicts);
        assert_eq!((roots.len(), roots[0].class), (1, Class::Fail));
    }

    #[test]
    fn grouped_and_ungrouped_findings_give_the_same_root_causes() {
        let mut grouped = string_min_ram("a", "t", Level::Must, 4, 9, "http://h/v2/images");
        grouped.findings = crate::check::group::group(grouped.findings);
        assert_eq!(of(&[grouped]), of(&[string_min_ram("a", "t", Level::Must, 4, 9, "http://h/v2/images")]));
    }

    #[test]
    fn a_comparison_of_two_listings_is_one_defect_per_field_counting_the_items_that_differ() {
        use crate::verdict::{Column, SideBySide};
        let differs = |case: &str, expected: Value| {
            let column = |name: &str| Column { name: name.into(), shows: "/status".into() };
            let mut f = Finding::new(CheckId::EquivalenceField, "", expected, json!("x"), "`status` differs");
            f.side_by_side = Some(Box::new(SideBySide { field: "status".into(), a: column("a"), b: column("b"), rows: vec![], total: 12 }));
            Verdict { case: case.into(), findings: vec![f], ..sample(Outcome::Fail, Level::Must) }
        };
        let roots = of(&[differs("one", json!({"value": "active"})), differs("two", json!({"value": "queued"}))]);
        assert_eq!(roots.len(), 1, "{roots:#?}");
        assert_eq!(roots[0].extent(), "12 places, seen by 2 cases");
    }

    #[test]
    fn a_filter_case_is_one_defect_whatever_values_it_tried() {
        let missing =
            |value: &str| Finding::new(CheckId::FilterComplete, "", json!(format!("every item for minRam={value}")), json!({}), "m");
        let v = Verdict { findings: vec![missing("512"), missing("1024")], ..sample(Outcome::Fail, Level::Should) };
        let other = Verdict { case: "other".into(), findings: vec![missing("512")], ..sample(Outcome::Fail, Level::Should) };
        let roots = of(&[v, other]);
        assert_eq!(roots.iter().map(RootCause::extent).collect::<Vec<_>>(), ["2 places, seen by 1 case", "1 place, seen by 1 case"]);
    }

    #[test]
    fn endpoints_fold_item_ids_and_drop_the_query() {
        assert_eq!(endpoint("GET", "http://h:8/v2/images/6f1c2a3b-0000-4000-8000-00000000abcd?x=1"), "GET /v2/images/{id}");
        assert_eq!(endpoint("GET", "http://h/v2.1/images/detail"), "GET /v2.1/images/detail");
        assert_eq!(endpoint("GET", "http://h/v1/cloudimages/42"), "GET /v1/cloudimages/{id}");
    }

    #[test]
    fn other_schema_rules_name_the_keyword() {
        let f = Finding::new(CheckId::Schema, "/images/3/min_ram", json!({"exclusiveMinimum": 0}), json!(0), "0 must be greater than 0");
        assert_eq!(headline(&f), "`min_ram` breaks `exclusiveMinimum: 0`");
    }
}
