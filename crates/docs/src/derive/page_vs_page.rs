//! `derive --check PAGE DOC`: two vendors' pages of one API compared, parameter by parameter
//! and field by field (type, required, stated values, default), every difference cited on
//! both sides. The doc-level vendor compatibility report.
//!
//! Item fields are compared relative to the listed collection (`[].id`), so that two vendors'
//! envelopes (`images`, `cloudimages`) do not hide that their items agree; other top-level
//! fields (`first`, `next`) keep their names.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::page_vs_spec::{self, Element};
use super::skeleton::{Cite, Field, Skeleton, Stated};

/// What differs about one element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aspect {
    /// On one page only.
    Presence,
    Type,
    Required,
    Values,
    Default,
}

impl Aspect {
    fn label(self) -> &'static str {
        match self {
            Aspect::Presence => "only one page",
            Aspect::Type => "type",
            Aspect::Required => "required",
            Aspect::Values => "values",
            Aspect::Default => "default",
        }
    }
}

/// One page's side of a difference: what it says (empty: says nothing) and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Said {
    pub value: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub element: Element,
    pub name: String,
    pub aspect: Aspect,
    /// The page given to `--check`; `None` when it lacks the element.
    pub left: Option<Said>,
    /// The page derived from.
    pub right: Option<Said>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub left: String,
    pub right: String,
    /// Elements both pages document.
    pub shared: usize,
    pub differences: Vec<Difference>,
}

/// What one page states about one element, for comparison.
#[derive(Debug, Clone)]
struct Facts {
    json: Option<String>,
    required: Option<bool>,
    stated: Stated,
    at: String,
}

type Elements = BTreeMap<String, Facts>;

fn facts_of_fields(prefix: &str, fields: &[Field], out: &mut Elements) {
    for f in fields {
        let name = format!("{prefix}{}", f.name);
        out.entry(name.clone()).or_insert_with(|| Facts {
            json: f.json.map(str::to_string),
            required: f.required,
            stated: f.stated.clone(),
            at: f.cite.to_string(),
        });
        let sep = if f.json == Some("array") { "[]." } else { "." };
        facts_of_fields(&format!("{name}{sep}"), &f.children, out);
    }
}

/// (parameters, fields, statuses) of one page.
fn facts(s: &Skeleton) -> [Elements; 3] {
    let params = s
        .params
        .iter()
        .map(|p| {
            let json = p.doc_type.as_deref().and_then(super::skeleton::json_type).map(str::to_string);
            (p.name.clone(), Facts { json, required: Some(p.required), stated: p.stated.clone(), at: p.cite.to_string() })
        })
        .collect();
    let mut fields = Elements::new();
    let list = s.collection().map(|c| c.name.clone());
    for f in &s.body {
        if Some(&f.name) == list.as_ref() {
            facts_of_fields("[].", &f.children, &mut fields);
        } else {
            facts_of_fields("", std::slice::from_ref(f), &mut fields);
        }
    }
    let status = |code: u16, at: String| (code.to_string(), Facts { json: None, required: None, stated: Stated::default(), at });
    let mut statuses: Elements = s.errors.iter().map(|(code, cite)| status(*code, cite.to_string())).collect();
    for (code, line) in &s.success {
        let cite = Cite { file: s.file.clone(), table: "success".into(), row: code.to_string(), line: *line };
        statuses.entry(code.to_string()).or_insert_with(|| status(*code, cite.to_string()).1);
    }
    [params, fields, statuses]
}

fn said(value: String, f: &Facts) -> Option<Said> {
    Some(Said { value, at: f.at.clone() })
}

/// The aspects on which two pages' statements about one element differ. An aspect one page
/// leaves unsaid differs only for stated values and defaults: "the page does not say" is
/// itself what a vendor wants to know there; an unstated type or flag is noise.
fn aspects(element: Element, name: &str, l: &Facts, r: &Facts, out: &mut Vec<Difference>) {
    let mut push = |aspect, left: String, right: String| {
        out.push(Difference { element, name: name.to_string(), aspect, left: said(left, l), right: said(right, r) });
    };
    if let (Some(a), Some(b)) = (&l.json, &r.json) {
        if a != b {
            push(Aspect::Type, a.clone(), b.clone());
        }
    }
    if let (Some(a), Some(b)) = (l.required, r.required) {
        if a != b {
            push(Aspect::Required, a.to_string(), b.to_string());
        }
    }
    let (lv, rv) = (&l.stated.values, &r.stated.values);
    if (!lv.is_empty() || !rv.is_empty()) && !l.stated.same_values(&r.stated) {
        push(Aspect::Values, lv.join(", "), rv.join(", "));
    }
    if l.stated.default != r.stated.default {
        push(Aspect::Default, l.stated.default.clone().unwrap_or_default(), r.stated.default.clone().unwrap_or_default());
    }
}

/// Compare the page given to `--check` (`left`) with the page derived from (`right`).
pub fn compare(left: &Skeleton, right: &Skeleton) -> Comparison {
    let (l, r) = (facts(left), facts(right));
    let mut differences = Vec::new();
    let mut shared = 0;
    for (element, (l, r)) in [Element::Parameter, Element::Field, Element::Status].into_iter().zip(l.iter().zip(r.iter())) {
        let names: std::collections::BTreeSet<&String> = l.keys().chain(r.keys()).collect();
        for name in names {
            match (l.get(name), r.get(name)) {
                (Some(a), Some(b)) => {
                    shared += 1;
                    aspects(element, name, a, b, &mut differences);
                }
                (a, b) => differences.push(Difference {
                    element,
                    name: name.clone(),
                    aspect: Aspect::Presence,
                    left: a.and_then(|f| said(String::new(), f)),
                    right: b.and_then(|f| said(String::new(), f)),
                }),
            }
        }
    }
    differences.sort_by(|a, b| {
        (a.element, a.aspect != Aspect::Presence, &a.name, a.aspect).cmp(&(b.element, b.aspect != Aspect::Presence, &b.name, b.aspect))
    });
    Comparison { left: left.file.clone(), right: right.file.clone(), shared, differences }
}

/// `-` on the left page only, `+` on the right page only, `~` said differently (both
/// citations follow).
pub fn text(c: &Comparison) -> String {
    let mut out = format!("--- {} (page)\n+++ {} (page)\n", c.left, c.right);
    page_vs_spec::by_element(
        &mut out,
        &c.differences,
        |d| d.element,
        |out, d| match (&d.left, &d.right) {
            (Some(l), None) => {
                let _ = writeln!(out, "- {}    {}", d.name, l.at);
            }
            (None, Some(r)) => {
                let _ = writeln!(out, "+ {}    {}", d.name, r.at);
            }
            (Some(l), Some(r)) => {
                let show = |v: &str| if v.is_empty() { "(not stated)".to_string() } else { v.to_string() };
                let _ = writeln!(out, "~ {} {}: {} | {}", d.name, d.aspect.label(), show(&l.value), show(&r.value));
                let _ = writeln!(out, "      - {}\n      + {}", l.at, r.at);
            }
            (None, None) => {}
        },
    );
    let count = |f: &dyn Fn(&Difference) -> bool| c.differences.iter().filter(|d| f(d)).count();
    let _ = writeln!(
        out,
        "{} shared, {} on the left page only, {} on the right page only, {} said differently",
        c.shared,
        count(&|d| d.right.is_none()),
        count(&|d| d.left.is_none()),
        count(&|d| d.left.is_some() && d.right.is_some()),
    );
    out
}

pub fn json(c: &Comparison) -> String {
    page_vs_spec::pretty(c)
}
