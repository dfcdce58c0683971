//! The page's response example against the schema its own tables describe: keys missing or
//! extra, wrong types, `null` where a type is promised, a wrapper key that differs from the
//! table, and values that break a stated bound or list of values.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::defect::{Defect, DefectKind, Place};
use crate::check::schema::type_name as kind_of;
use crate::derive::page::{Example, Page};
use crate::derive::skeleton::{Bound, Field, Skeleton};

pub(crate) fn check(page: &Page, skeleton: &Skeleton) -> Vec<Defect> {
    let lines: Vec<&str> = page.source.lines().collect();
    let mut walk = Walk { page, lines, out: Vec::new(), seen: BTreeSet::new() };
    for ex in page.examples.iter().filter(|e| e.is_response()) {
        if let Value::Object(top) = &ex.value {
            walk.object(ex, &skeleton.body, top, "", ex.line);
        }
    }
    walk.out
}

struct Walk<'a> {
    page: &'a Page,
    lines: Vec<&'a str>,
    out: Vec<Defect>,
    /// (kind, JSON path): a defect repeated in every listed item is reported once.
    seen: BTreeSet<(DefectKind, String)>,
}

/// Whether `a` and `b` name the same thing spelt differently: a plural, or a near miss.
fn alike(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    long.strip_prefix(short).is_some_and(|rest| matches!(rest, "s" | "es" | "_list" | "list"))
        || (short.len() > 3 && strsim::damerau_levenshtein(a, b) <= 1)
}

fn fits(json: &str, v: &Value) -> bool {
    match (json, kind_of(v)) {
        (t, k) if t == k => true,
        ("number", "integer") => true,
        ("integer", "number") => v.as_f64().is_some_and(|x| x.fract() == 0.0),
        _ => false,
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl Walk<'_> {
    /// The line, from `from` on, where `"key":` is written (or `from` when it cannot be found).
    fn key_line(&self, from: usize, key: &str) -> usize {
        let needle = format!("\"{key}\"");
        self.lines
            .iter()
            .enumerate()
            .skip(from.saturating_sub(1))
            .find(|(_, l)| l.split_once(&needle).is_some_and(|(_, rest)| rest.trim_start().starts_with(':')))
            .map_or(from, |(i, _)| i + 1)
    }

    fn push(&mut self, kind: DefectKind, ex: &Example, path: &str, line: usize, message: String, field: Option<&Field>) {
        if !self.seen.insert((kind, path.to_string())) {
            return;
        }
        let at = Place { file: self.page.file.clone(), section: ex.section.clone(), row: Some(path.to_string()), line };
        self.out.push(Defect { kind, at, message, against: field.map(|f| Place::of(&f.cite)) });
    }

    fn object(&mut self, ex: &Example, fields: &[Field], obj: &Map<String, Value>, path: &str, start: usize) {
        let declared: BTreeSet<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        let extra: Vec<&String> = obj.keys().filter(|k| !declared.contains(k.as_str())).collect();
        let mut renamed: BTreeSet<&str> = BTreeSet::new();
        for f in fields {
            let here = join(path, &f.name);
            if let Some(v) = obj.get(&f.name) {
                let line = self.key_line(start, &f.name);
                self.value(ex, f, v, &here, line);
                continue;
            }
            if let Some(k) = extra.iter().find(|k| !renamed.contains(k.as_str()) && alike(k, &f.name)) {
                renamed.insert(k.as_str());
                let v = &obj[k.as_str()];
                let line = self.key_line(start, k);
                let shape = match (f.json, kind_of(v)) {
                    (Some(t), k) if !fits(t, v) => format!(" ({k}, where the table says {t})"),
                    _ => String::new(),
                };
                let msg = format!("the example writes `{k}`{shape}; the table names it `{}`", f.name);
                self.push(DefectKind::WrapperKey, ex, &join(path, k), line, msg, Some(f));
                // Read on with the table's shape, so the fields inside are still compared; the
                // paths stay the example's own.
                let there = join(path, k);
                match v {
                    Value::Object(inner) if !f.children.is_empty() => self.object(ex, &f.children, inner, &there, line),
                    _ => self.value(ex, f, v, &there, line),
                }
                continue;
            }
            let msg = format!("the table declares `{}`; the example does not show it", f.name);
            self.push(DefectKind::MissingField, ex, &here, start, msg, Some(f));
        }
        for k in extra.into_iter().filter(|k| !renamed.contains(k.as_str())) {
            let line = self.key_line(start, k);
            let msg = format!("the example shows `{k}`, which no table of the page declares");
            self.push(DefectKind::ExtraField, ex, &join(path, k), line, msg, None);
        }
    }

    fn value(&mut self, ex: &Example, f: &Field, v: &Value, path: &str, line: usize) {
        let doc_type = f.doc_type.as_deref().unwrap_or("");
        if v.is_null() {
            if f.json.is_some() {
                let msg = format!("the example shows null; the table types `{}` as {doc_type}", f.name);
                self.push(DefectKind::NullWhereTyped, ex, path, line, msg, Some(f));
            }
            return;
        }
        if let Some(t) = f.json {
            if !fits(t, v) {
                let msg = format!("the example shows {} {v}; the table types `{}` as {doc_type}", kind_of(v), f.name);
                self.push(DefectKind::WrongType, ex, path, line, msg, Some(f));
                return;
            }
        }
        if let (Some(bound), Some(x)) = (f.stated.bound, v.as_f64()) {
            let (broken, said) = match bound {
                Bound::Above(n) => (x <= n, format!("greater than {n}")),
                Bound::AtLeast(n) => (x < n, format!("at least {n}")),
            };
            if broken {
                let msg = format!("the example shows {v}; the description says `{}` is {said}", f.name);
                self.push(DefectKind::ConstraintContradicted, ex, path, line, msg, Some(f));
            }
        }
        if let (false, Some(s)) = (f.stated.values.is_empty(), v.as_str()) {
            if !f.stated.values.iter().any(|a| a == s) {
                let msg = format!("the example shows \"{s}\"; the description allows only {}", f.stated.values.join(", "));
                self.push(DefectKind::ConstraintContradicted, ex, path, line, msg, Some(f));
            }
        }
        if f.children.is_empty() {
            return;
        }
        match v {
            Value::Object(inner) => self.object(ex, &f.children, inner, path, line),
            Value::Array(items) => {
                let mut from = line;
                for item in items {
                    if let Value::Object(inner) = item {
                        // Each item starts where its first key is written, after the previous one.
                        let first = inner.keys().next().map_or(from, |k| self.key_line(from, k));
                        self.object(ex, &f.children, inner, &format!("{path}[]"), first);
                        from = first + 1;
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_and_near_misses_are_alike() {
        assert!(alike("image", "images"));
        assert!(alike("minDisk", "minDsik"));
        assert!(!alike("id", "ids2"));
        assert!(!alike("name", "status"));
    }

    #[test]
    fn integer_fits_number_and_whole_float_fits_integer() {
        assert!(fits("number", &serde_json::json!(3)));
        assert!(fits("integer", &serde_json::json!(3.0)));
        assert!(!fits("integer", &serde_json::json!("3")));
    }
}
