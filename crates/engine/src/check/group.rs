//! Grouping findings: the places where one case breaks one rule become one finding.
//!
//! A rule is the same check, the same location in the schema or the items (the pointer with
//! its array indices generalised, `/images/*/minRam`) and the same expected value. The group
//! keeps every place (`instances`), so nothing is lost; reports show the count, the first
//! few pointers and the distinct actual values.

use crate::verdict::{Finding, Instance};

/// Index-free form of a pointer: numeric segments become `*`.
pub(crate) fn pattern(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|seg| if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) { "*" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

fn same_rule(a: &Finding, b: &Finding) -> bool {
    // A finding without a pointer is about the whole response or walk; two of them with
    // the same check are different statements (e.g. items missing, items unexpected).
    !a.pointer.is_empty() && a.check == b.check && a.expected == b.expected && pattern(&a.pointer) == pattern(&b.pointer)
}

/// Group `findings` by rule, in order of first appearance. Grouping grouped findings again
/// changes nothing.
pub(crate) fn group(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for f in findings {
        match out.iter_mut().find(|g| same_rule(g, &f)) {
            Some(g) => {
                let mut places = g.places();
                places.extend(f.places());
                g.instances = places;
                g.of = g.of.max(f.of);
            }
            None => out.push(f),
        }
    }
    out
}

/// The distinct actual values of a group, if there are at most `few`.
pub(crate) fn distinct_actuals(f: &Finding, few: usize) -> Option<Vec<serde_json::Value>> {
    let mut seen: Vec<serde_json::Value> = Vec::new();
    for i in f.places() {
        if !seen.contains(&i.actual) {
            if seen.len() == few {
                return None;
            }
            seen.push(i.actual);
        }
    }
    Some(seen)
}

/// The requests (exchange indices) a group's places were seen on, in order, without repeats.
pub(crate) fn exchanges(f: &Finding) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for e in f.places().iter().filter_map(|i: &Instance| i.exchange) {
        if !out.contains(&e) {
            out.push(e);
        }
    }
    out
}

/// For groups located in arrays of `body`: out of how many items (the length of the array
/// the first `*` of the pattern stands for).
pub(crate) fn count_items(findings: &mut [Finding], body: &serde_json::Value) {
    for f in findings {
        let pat = pattern(&f.pointer);
        if f.of.is_some() || pat.matches('*').count() != 1 {
            continue;
        }
        let prefix = &pat[..pat.find("/*").unwrap_or(0)];
        f.of = body.pointer(prefix).and_then(|a| a.as_array()).map(Vec::len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn min(pointer: &str, actual: i64) -> Finding {
        Finding::new(crate::verdict::CheckId::Schema, pointer, json!({"exclusiveMinimum": 0}), json!(actual), "m").on(0)
    }

    #[test]
    fn one_rule_broken_by_many_items_is_one_finding_keeping_every_place() {
        let f = vec![min("/images/0/minRam", 0), min("/images/0/minDisk", 0), min("/images/3/minRam", 0), min("/images/7/minRam", -1)];
        let g = group(f);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].count(), 3);
        let ptrs: Vec<&str> = g[0].instances.iter().map(|i| i.pointer.as_str()).collect();
        assert_eq!(ptrs, ["/images/0/minRam", "/images/3/minRam", "/images/7/minRam"]);
        assert_eq!(distinct_actuals(&g[0], 5), Some(vec![json!(0), json!(-1)]));
        assert_eq!(g[1].count(), 1);
        assert!(g[1].instances.is_empty());
    }

    #[test]
    fn grouping_twice_changes_nothing() {
        let once = group(vec![min("/images/0/minRam", 0), min("/images/3/minRam", 0)]);
        assert_eq!(group(once.clone()), once);
    }

    #[test]
    fn other_expected_values_and_pointerless_findings_stay_apart() {
        let mut other = min("/images/1/minRam", 0);
        other.expected = json!({"type": "integer"});
        let whole = Finding::new(crate::verdict::CheckId::PaginationComplete, "", json!(3), json!({"missing": []}), "a");
        let g = group(vec![min("/images/0/minRam", 0), other, whole.clone(), whole]);
        assert_eq!(g.len(), 4);
    }

    #[test]
    fn items_are_counted_in_the_array_the_pattern_names() {
        let body = json!({"images": [{}, {}, {}, {}]});
        let mut g = group(vec![min("/images/0/minRam", 0), min("/images/2/minRam", 0)]);
        count_items(&mut g, &body);
        assert_eq!(g[0].of, Some(4));
    }
}
