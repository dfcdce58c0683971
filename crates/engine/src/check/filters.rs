//! Filtered listings judged against the filter: returned items must satisfy it (soundness), and
//! every matching item of the full listing must be returned (completeness).

use std::collections::HashSet;

use serde_json::{json, Value};

use super::excerpt;
use super::pages::{id_of, ids, Page, MAX_FINDINGS};
use super::relation::{satisfies, Match, Sent};
use crate::spec::model::FilterParam;
use crate::verdict::{CheckId, Finding};

/// Returned items that do not satisfy every filter.
pub(crate) fn unsound(pages: &[Page], id: &str, filters: &[(&FilterParam, &Sent)]) -> Vec<Finding> {
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
pub(crate) fn incomplete(universe: &[Value], pages: &[Page], id: &str, filters: &[(&FilterParam, &Sent)]) -> Vec<Finding> {
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

/// Filters and pages for the tests of this module and of the runs that use it.
#[cfg(test)]
pub(crate) mod fixtures {
    use serde_json::Value;

    use crate::check::pages::Page;
    use crate::spec::model::{FilterParam, Relation};

    /// A filter `name` on the field `/name`.
    pub(crate) fn param(name: &str, relation: Relation) -> FilterParam {
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
            formats: vec![],
            with: Default::default(),
            values: vec![],
            invalid: vec![],
        }
    }

    /// A page of `items` (a JSON array), from exchange 0.
    pub(crate) fn page(items: Value) -> Page {
        Page { exchange: 0, url: "u".into(), items: items.as_array().unwrap().clone(), next: None }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{page, param};
    use super::*;
    use crate::spec::model::Relation;

    #[test]
    fn unsound_items_are_named_with_their_values() {
        let p = param("status", Relation::Equals);
        let s = Sent { text: "active".into(), op: None };
        let f = unsound(&[page(json!([{"id": "a", "status": "active"}, {"id": "b", "status": "queued"}]))], "/id", &[(&p, &s)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].actual, json!({"id": "b", "value": "queued"}));
        assert_eq!(f[0].pointer, "/1/status");
    }

    #[test]
    fn missing_matches_are_reported_with_ids() {
        let p = param("min_ram", Relation::AtLeast);
        let s = Sent { text: "512".into(), op: None };
        let universe = vec![json!({"id": "a", "min_ram": 1024}), json!({"id": "b", "min_ram": 512}), json!({"id": "c", "min_ram": 0})];
        let f = incomplete(&universe, &[page(json!([{"id": "a", "min_ram": 1024}]))], "/id", &[(&p, &s)]);
        assert_eq!(f[0].actual["missing_count"], json!(1));
        assert_eq!(f[0].actual["missing"][0]["id"], json!("b"));
        assert!(incomplete(&universe, &[page(json!([{"id": "a"}, {"id": "b"}]))], "/id", &[(&p, &s)]).is_empty());
    }
}
