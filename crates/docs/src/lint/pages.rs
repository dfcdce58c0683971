//! Two pages of the same endpoint (`METHOD path`) against each other: a parameter or field
//! one has and the other lacks, a different type, requiredness, list of values, default, bound
//! or unit, a different URI template or set of status codes.

use std::collections::BTreeSet;

use super::defect::{Defect, DefectKind, Place};
use crate::derive::page::Page;
use crate::derive::skeleton::{Cite, Field, Skeleton, Stated};

/// Units a description states, in either language (`单位MiB`, `in bytes`, `字节`), as written.
fn units(description: &str) -> BTreeSet<&'static str> {
    let words: Vec<String> = description.split(|c: char| !c.is_ascii_alphanumeric()).map(str::to_ascii_lowercase).collect();
    let mut out = BTreeSet::new();
    // MB and MiB are kept apart: a page that says one and a page that says the other disagree.
    for (unit, spellings) in [
        ("KB", &["kb"][..]),
        ("KiB", &["kib"]),
        ("MB", &["mb"]),
        ("MiB", &["mib"]),
        ("GB", &["gb"]),
        ("GiB", &["gib"]),
        ("byte", &["byte", "bytes"]),
    ] {
        if words.iter().any(|w| spellings.contains(&w.as_str())) {
            out.insert(unit);
        }
    }
    if description.contains("字节") {
        out.insert("byte");
    }
    out
}

/// One named element of a page, flattened: a parameter or a field (as `images[].links[].href`).
struct Element<'a> {
    name: String,
    kind: &'static str,
    json: Option<&'a str>,
    required: Option<bool>,
    stated: &'a Stated,
    description: &'a str,
    cite: &'a Cite,
}

fn elements(s: &Skeleton) -> Vec<Element<'_>> {
    fn walk<'a>(prefix: &str, fields: &'a [Field], out: &mut Vec<Element<'a>>) {
        for f in fields {
            let name = format!("{prefix}{}", f.name);
            out.push(Element {
                name: name.clone(),
                kind: "field",
                json: f.json,
                required: f.required,
                stated: &f.stated,
                description: &f.description,
                cite: &f.cite,
            });
            let sep = if f.json == Some("array") { "[]." } else { "." };
            walk(&format!("{name}{sep}"), &f.children, out);
        }
    }
    let mut out: Vec<Element> = s
        .params
        .iter()
        .map(|p| Element {
            name: p.name.clone(),
            kind: "parameter",
            json: p.doc_type.as_deref().and_then(crate::derive::skeleton::json_type),
            required: Some(p.required),
            stated: &p.stated,
            description: &p.description,
            cite: &p.cite,
        })
        .collect();
    walk("", &s.body, &mut out);
    out
}

fn show<T: std::fmt::Debug>(v: &Option<T>) -> String {
    v.as_ref().map_or("not stated".into(), |v| format!("{v:?}").trim_matches('"').to_string())
}

/// Compare every pair of pages that document the same endpoint.
pub(crate) fn check(pages: &[(&Page, &Skeleton)]) -> Vec<Defect> {
    let mut out = Vec::new();
    for (i, (pa, a)) in pages.iter().enumerate() {
        for (pb, b) in pages.iter().skip(i + 1) {
            if (a.method.as_str(), a.path.as_str()) == (b.method.as_str(), b.path.as_str()) {
                out.extend(pair(pa, a, pb, b));
            }
        }
    }
    out
}

fn pair(pa: &Page, a: &Skeleton, pb: &Page, b: &Skeleton) -> Vec<Defect> {
    let mut out = Vec::new();
    let mut say =
        |at: Place, against: Option<Place>, message: String| out.push(Defect { kind: DefectKind::PagesDisagree, at, message, against });
    let (ea, eb) = (elements(a), elements(b));
    for x in &ea {
        let Some(y) = eb.iter().find(|y| y.name == x.name && y.kind == x.kind) else {
            say(Place::of(x.cite), None, format!("{} `{}` is on this page, not on {}", x.kind, x.name, b.file));
            continue;
        };
        let (at, against) = (Place::of(x.cite), Some(Place::of(y.cite)));
        let mut differ = |what: &str, l: String, r: String| {
            if l != r {
                say(at.clone(), against.clone(), format!("{} `{}`: {what} {l} here, {r} on {}", x.kind, x.name, b.file));
            }
        };
        differ("type", show(&x.json), show(&y.json));
        if x.required.is_some() && y.required.is_some() {
            differ("required", show(&x.required), show(&y.required));
        }
        if !x.stated.values.is_empty() && !y.stated.values.is_empty() && !x.stated.same_values(y.stated) {
            differ("values", x.stated.values.join(", "), y.stated.values.join(", "));
        }
        if x.stated.default.is_some() && y.stated.default.is_some() {
            differ("default", show(&x.stated.default), show(&y.stated.default));
        }
        if x.stated.bound.is_some() && y.stated.bound.is_some() {
            differ("bound", show(&x.stated.bound), show(&y.stated.bound));
        }
        let (ua, ub) = (units(x.description), units(y.description));
        if !ua.is_empty() || !ub.is_empty() {
            let list =
                |u: &BTreeSet<&str>| if u.is_empty() { "no unit".to_string() } else { u.iter().copied().collect::<Vec<_>>().join(", ") };
            differ("unit", list(&ua), list(&ub));
        }
    }
    for y in eb.iter().filter(|y| !ea.iter().any(|x| x.name == y.name && x.kind == y.kind)) {
        say(Place::of(y.cite), None, format!("{} `{}` is on this page, not on {}", y.kind, y.name, a.file));
    }
    if let (Some(ua), Some(ub)) = (&pa.uri, &pb.uri) {
        if ua.query != ub.query {
            let q = |u: &crate::derive::page::Uri| {
                u.query.iter().map(|q| format!("{}={{{}}}", q.name, q.placeholder.as_deref().unwrap_or(""))).collect::<Vec<_>>().join("&")
            };
            let at = Place { file: a.file.clone(), section: "URI".into(), row: None, line: ua.line };
            let against = Place { file: b.file.clone(), section: "URI".into(), row: None, line: ub.line };
            say(at, Some(against), format!("URI query template: {} here, {} on {}", q(ua), q(ub), b.file));
        }
    }
    let codes = |s: &Skeleton| {
        let mut v: Vec<u16> = s.success.iter().map(|(c, _)| *c).chain(s.errors.iter().map(|(c, _)| *c)).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let (ca, cb) = (codes(a), codes(b));
    if ca != cb {
        let list = |v: &[u16]| v.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
        let at = Place { file: a.file.clone(), section: "返回值".into(), row: None, line: a.success.first().map_or(1, |s| s.1) };
        let against = Place { file: b.file.clone(), section: "返回值".into(), row: None, line: b.success.first().map_or(1, |s| s.1) };
        say(at, Some(against), format!("status codes: {} here, {} on {}", list(&ca), list(&cb), b.file));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_in_both_languages() {
        assert_eq!(units("镜像要求的最小内存大小,单位MiB。").into_iter().collect::<Vec<_>>(), ["MiB"]);
        assert_eq!(units("Size in bytes").into_iter().collect::<Vec<_>>(), ["byte"]);
        assert!(units("镜像名称").is_empty());
    }
}
