//! `derive --check SPEC DOC`: what the page has that the spec lacks, and the reverse, for
//! parameters, response fields and status codes. A changed page shows up as a diff.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use super::skeleton::{Field, Skeleton};
use crate::spec::model::{Query, StatusSet};
use crate::spec::Spec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Element {
    Parameter,
    Field,
    Status,
}

impl Element {
    pub(crate) fn heading(self) -> &'static str {
        match self {
            Element::Parameter => "parameters",
            Element::Field => "response fields",
            Element::Status => "status codes",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// On the page, not in the spec.
    DocOnly,
    /// In the spec, not on the page.
    SpecOnly,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub element: Element,
    pub side: Side,
    /// A parameter name, a field path (`images[].links[].href`) or a status code.
    pub name: String,
    /// Where it is: the page's citation, or the spec's file:line / schema pointer.
    pub at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub spec: String,
    pub doc: String,
    pub differences: Vec<Difference>,
}

/// name → where, for one side.
type Names = BTreeMap<String, String>;

fn doc_fields(prefix: &str, fields: &[Field], out: &mut Names) {
    for f in fields {
        let name = format!("{prefix}{}", f.name);
        out.entry(name.clone()).or_insert_with(|| f.cite.to_string());
        let sep = if f.json == Some("array") { "[]." } else { "." };
        doc_fields(&format!("{name}{sep}"), &f.children, out);
    }
}

fn doc_side(s: &Skeleton) -> [Names; 3] {
    let params = s.params.iter().map(|p| (p.name.clone(), p.cite.to_string())).collect();
    let mut fields = Names::new();
    doc_fields("", &s.body, &mut fields);
    let mut statuses = Names::new();
    for (code, line) in &s.success {
        statuses.entry(code.to_string()).or_insert_with(|| format!("{} § 返回值 (line {line})", s.file));
    }
    for (code, cite) in &s.errors {
        statuses.entry(code.to_string()).or_insert_with(|| cite.to_string());
    }
    [params, fields, statuses]
}

fn codes(s: &StatusSet) -> Vec<u16> {
    match s {
        StatusSet::One(c) => vec![*c],
        StatusSet::Any(v) => v.clone(),
    }
}

/// `["images", "[]", "links", "[]", "href"]` → `images[].links[].href`.
fn dotted(path: &[String]) -> String {
    let mut out = String::new();
    for part in path {
        if part == "[]" {
            out.push_str("[]");
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(part);
        }
    }
    out
}

fn spec_side(spec: &Spec) -> [Names; 3] {
    let file = &spec.file;
    let at = |line: u64| format!("{}:{line}", spec.path);
    let mut params = Names::new();
    let add = |params: &mut Names, name: &str, line: u64, what: &str| {
        params.entry(name.to_string()).or_insert_with(|| format!("{} ({what})", at(line)));
    };
    let path_line = file.request.path.referenced.line();
    for name in crate::spec::load::placeholders(&file.request.path.value) {
        add(&mut params, name, path_line, "request.path");
    }
    let queries = |q: &Query| q.keys().cloned().collect::<Vec<_>>();
    for name in queries(&file.request.query) {
        add(&mut params, &name, path_line, "request.query");
    }
    for c in &file.cases {
        for name in queries(&c.query) {
            add(&mut params, &name, c.name.referenced.line(), &format!("case `{}`", c.name.value));
        }
    }
    if let Some(p) = &file.pagination {
        let line = p.referenced.line();
        let pv = &p.value;
        for name in [&pv.marker, &pv.limit].into_iter().chain(pv.sort.iter().flat_map(|s| [&s.key_param, &s.dir_param])) {
            add(&mut params, name, line, "pagination");
        }
        for name in queries(&pv.query) {
            add(&mut params, &name, line, "pagination.query");
        }
    }
    if let Some(f) = &file.filters {
        for p in &f.value.params {
            add(&mut params, &p.value.param, p.referenced.line(), "filters");
            for name in queries(&p.value.with) {
                add(&mut params, &name, p.referenced.line(), "filters.with");
            }
        }
    }
    // Fields: the schemas of the cases that expect success, where the page's tables apply.
    let mut fields = Names::new();
    let base = Path::new(&spec.path).parent().unwrap_or(Path::new(".")).join("_inline");
    for c in &file.cases {
        let Some(schema) = &c.expect.schema else { continue };
        if !codes(&c.expect.status).iter().all(|s| (200..300).contains(s)) {
            continue;
        }
        let mut paths = BTreeSet::new();
        crate::coverage::walk_schema(&schema.value, &base, &mut Vec::new(), &mut paths, 0);
        for (path, origin) in paths {
            fields.entry(dotted(&path)).or_insert(origin);
        }
    }
    let mut statuses = Names::new();
    for c in &file.cases {
        for code in codes(&c.expect.status) {
            statuses.entry(code.to_string()).or_insert_with(|| format!("{} (case `{}`)", at(c.name.referenced.line()), c.name.value));
        }
    }
    let errors = file.pagination.as_ref().map(|p| (p.referenced.line(), "pagination.errors", p.value.errors.as_ref()));
    let errors = errors.into_iter().chain(file.filters.as_ref().map(|f| (f.referenced.line(), "filters.errors", f.value.errors.as_ref())));
    for (line, what, e) in errors {
        for code in e.into_iter().flat_map(|e| codes(&e.status)) {
            statuses.entry(code.to_string()).or_insert_with(|| format!("{} ({what})", at(line)));
        }
    }
    [params, fields, statuses]
}

pub fn compare(spec: &Spec, skeleton: &Skeleton) -> Comparison {
    let doc = doc_side(skeleton);
    let ours = spec_side(spec);
    let mut differences = Vec::new();
    for (element, (d, s)) in [Element::Parameter, Element::Field, Element::Status].into_iter().zip(doc.iter().zip(ours.iter())) {
        for (side, from, other) in [(Side::DocOnly, d, s), (Side::SpecOnly, s, d)] {
            for (name, at) in from.iter().filter(|(n, _)| !other.contains_key(*n)) {
                differences.push(Difference { element, side, name: name.clone(), at: at.clone() });
            }
        }
    }
    differences.sort_by(|a, b| (a.element, a.side, &a.name).cmp(&(b.element, b.side, &b.name)));
    Comparison { spec: spec.path.clone(), doc: skeleton.file.clone(), differences }
}

/// Differences grouped under `@@ element @@` headings, in element order, each written by
/// `line`. Shared with the page-to-page comparison.
pub(crate) fn by_element<D>(out: &mut String, diffs: &[D], element: impl Fn(&D) -> Element, mut line: impl FnMut(&mut String, &D)) {
    for e in [Element::Parameter, Element::Field, Element::Status] {
        let here: Vec<&D> = diffs.iter().filter(|d| element(d) == e).collect();
        if here.is_empty() {
            continue;
        }
        let _ = writeln!(out, "@@ {} @@", e.heading());
        for d in here {
            line(out, d);
        }
    }
}

/// `+` what the page has and the spec lacks, `-` the reverse, grouped by element.
pub fn text(c: &Comparison) -> String {
    let mut out = format!("--- {} (spec)\n+++ {} (doc)\n", c.spec, c.doc);
    by_element(
        &mut out,
        &c.differences,
        |d| d.element,
        |out, d| {
            let sign = if d.side == Side::DocOnly { '+' } else { '-' };
            let _ = writeln!(out, "{sign} {}    {}", d.name, d.at);
        },
    );
    let (doc, spec) = (
        c.differences.iter().filter(|d| d.side == Side::DocOnly).count(),
        c.differences.iter().filter(|d| d.side == Side::SpecOnly).count(),
    );
    let _ = writeln!(out, "{doc} on the page only, {spec} in the spec only");
    out
}

pub fn json(c: &Comparison) -> String {
    pretty(c)
}

/// A comparison as pretty JSON with a final newline.
pub(crate) fn pretty<T: Serialize>(c: &T) -> String {
    let mut s = serde_json::to_string_pretty(c).expect("the comparison serialises");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_paths_are_written_like_doc_names() {
        let p: Vec<String> = ["images", "[]", "links", "[]", "href"].iter().map(|s| s.to_string()).collect();
        assert_eq!(dotted(&p), "images[].links[].href");
    }
}
