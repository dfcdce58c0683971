//! Defects of the tables and the URI line on their own: a URI placeholder that does not name
//! its parameter, a sort key that is no response field, a default outside its own list of
//! values, an example sentence that contradicts the operator it shows, and a parameter whose
//! values or default differ from those of the response field it filters.

use super::defect::{Defect, DefectKind, Place};
use crate::derive::page::Page;
use crate::derive::skeleton::{Cite, Field, Skeleton, Stated};
use crate::spec::error::did_you_mean;

pub(crate) fn check(page: &Page, skeleton: &Skeleton) -> Vec<Defect> {
    let mut out = uri_template(page, skeleton);
    out.extend(sort_keys(skeleton));
    out.extend(defaults(skeleton));
    out.extend(operator_examples(page, skeleton));
    out.extend(parameter_vs_field(skeleton));
    out
}

fn uri_template(page: &Page, skeleton: &Skeleton) -> Vec<Defect> {
    let Some(uri) = &page.uri else { return Vec::new() };
    let at = |row: &str| Place { file: page.file.clone(), section: "URI".into(), row: Some(row.to_string()), line: uri.line };
    let mut out = Vec::new();
    for q in &uri.query {
        let described = skeleton.params.iter().find(|p| p.name == q.name);
        match &q.placeholder {
            Some(ph) if *ph != q.name => out.push(Defect {
                kind: DefectKind::UriTemplate,
                at: at(&q.name),
                message: format!("`{}={{{ph}}}`: the placeholder `{ph}` does not name the parameter `{}`", q.name, q.name),
                against: described.map(|p| Place::of(&p.cite)),
            }),
            _ if described.is_none() => out.push(Defect {
                kind: DefectKind::UriTemplate,
                at: at(&q.name),
                message: format!("the URI names the query parameter `{}`, which no table describes", q.name),
                against: None,
            }),
            _ => {}
        }
    }
    out
}

fn sort_keys(skeleton: &Skeleton) -> Vec<Defect> {
    let fields: Vec<&str> = skeleton.item_fields().iter().map(|f| f.name.as_str()).collect();
    let mut out = Vec::new();
    for p in skeleton.params.iter().filter(|p| p.name.ends_with("sort_key")) {
        for key in p.stated.values.iter().chain(&p.stated.default) {
            if fields.contains(&key.as_str()) {
                continue;
            }
            if let Some(near) = did_you_mean(key, fields.iter().copied()) {
                if out.iter().any(|d: &Defect| d.message.starts_with(&format!("sort key `{key}`"))) {
                    continue;
                }
                out.push(Defect {
                    kind: DefectKind::MisspeltSortKey,
                    at: Place::of(&p.cite),
                    message: format!("sort key `{key}` is not a response field; did you mean `{near}`?"),
                    against: None,
                });
            }
        }
    }
    out
}

fn default_outside(stated: &Stated, name: &str, cite: &Cite) -> Option<Defect> {
    let default = stated.default.as_ref()?;
    if stated.values.is_empty() || stated.values.contains(default) {
        return None;
    }
    Some(Defect {
        kind: DefectKind::DefaultNotAllowed,
        at: Place::of(cite),
        message: format!("`{name}` defaults to `{default}`, which is not among its values ({})", stated.values.join(", ")),
        against: None,
    })
}

fn defaults(skeleton: &Skeleton) -> Vec<Defect> {
    fn fields(list: &[Field], out: &mut Vec<Defect>) {
        for f in list {
            out.extend(default_outside(&f.stated, &f.name, &f.cite));
            fields(&f.children, out);
        }
    }
    let mut out: Vec<Defect> = skeleton.params.iter().filter_map(|p| default_outside(&p.stated, &p.name, &p.cite)).collect();
    fields(&skeleton.body, &mut out);
    out
}

/// `gt` is "later than": a sentence that announces "before" (之前) and then shows `gt:` (or
/// "after" with `lt:`) contradicts the operator table above it.
fn operator_examples(page: &Page, skeleton: &Skeleton) -> Vec<Defect> {
    let lines: Vec<&str> = page.source.lines().collect();
    let mut out = Vec::new();
    for p in &skeleton.params {
        let said_before = ["之前", " before "].iter().any(|w| p.description.contains(w));
        let said_after = ["之后", " after "].iter().any(|w| p.description.contains(w));
        let shown = |ops: [&'static str; 2]| ops.into_iter().find(|op| p.description.contains(&format!("={op}:")));
        let (word, op) = match (said_before, said_after, shown(["gt", "gte"]), shown(["lt", "lte"])) {
            (true, false, Some(op), _) => ("before", op),
            (false, true, _, Some(op)) => ("after", op),
            _ => continue,
        };
        let needle = format!("={op}:");
        let line = lines
            .iter()
            .enumerate()
            .skip(p.cite.line.saturating_sub(1))
            .find(|(_, l)| l.contains(&needle))
            .map_or(p.cite.line, |(i, _)| i + 1);
        let meaning = if op.starts_with("gt") { "later than" } else { "earlier than" };
        out.push(Defect {
            kind: DefectKind::OperatorExample,
            at: Place { line, ..Place::of(&p.cite) },
            message: format!("the example sentence asks for values {word} a time but shows `{op}:`, which means {meaning}"),
            against: None,
        });
    }
    out
}

/// A filter parameter and the response field of the same name describe one value: the page
/// should state the same values and default for both.
fn parameter_vs_field(skeleton: &Skeleton) -> Vec<Defect> {
    let mut out = Vec::new();
    for p in &skeleton.params {
        let Some(f) = skeleton.item_fields().iter().find(|f| f.name == p.name) else { continue };
        let (a, b) = (&p.stated, &f.stated);
        let mut differ = |what: &str, l: String, r: String| {
            out.push(Defect {
                kind: DefectKind::TablesDisagree,
                at: Place::of(&p.cite),
                message: format!("`{}`: the request table states {what} {l}, the response table {r}", p.name),
                against: Some(Place::of(&f.cite)),
            })
        };
        if let (Some(l), Some(r)) = (&a.default, &b.default) {
            if l != r {
                differ("the default", format!("`{l}`"), format!("`{r}`"));
            }
        }
        if !a.values.is_empty() && !b.values.is_empty() && !a.same_values(b) {
            differ("the values", a.values.join(", "), b.values.join(", "));
        }
    }
    out
}
