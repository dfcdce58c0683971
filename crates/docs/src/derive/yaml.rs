//! Writes a [`Skeleton`] as a spec in the current format: one `list` case with the inline
//! response schema, `vars` for path placeholders, and `pagination:` / `filters:` proposals.
//! Parameters the format has no key for are listed in comments, each with its citation.

use std::fmt::Write;
use std::path::Path;

use serde_json::{json, Map, Value};

use super::skeleton::{Bound, Field, Param, Skeleton};
use crate::proposal::{self, Candidate, Filter};

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn q(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

fn schema_of(f: &Field) -> Value {
    let mut m = Map::new();
    match (f.json, f.null_in_example) {
        (Some(t), Some(_)) => m.insert("type".into(), json!([t, "null"])),
        (Some(t), None) => m.insert("type".into(), json!(t)),
        _ => None,
    };
    if !f.stated.values.is_empty() && f.json == Some("string") {
        let null = f.null_in_example.map(|_| Value::Null);
        let shown = f.outside_in_example.iter().map(|(v, _)| json!(v));
        m.insert("enum".into(), f.stated.values.iter().map(|v| json!(v)).chain(shown).chain(null).collect());
    }
    match f.stated.bound {
        Some(Bound::Above(n)) if matches!(f.json, Some("integer" | "number")) => {
            m.insert("exclusiveMinimum".into(), json!(n));
        }
        Some(Bound::AtLeast(n)) if matches!(f.json, Some("integer" | "number")) => {
            m.insert("minimum".into(), json!(n));
        }
        _ => {}
    }
    if !f.children.is_empty() {
        let obj = object_of(&f.children);
        if f.json == Some("array") {
            m.insert("items".into(), obj);
        } else {
            m.extend(obj.as_object().cloned().unwrap_or_default());
        }
    } else if f.json == Some("array") {
        let lower = f.doc_type.as_deref().unwrap_or("").to_ascii_lowercase();
        if lower.contains("of string") {
            m.insert("items".into(), json!({"type": "string"}));
        } else if lower.contains("of object") {
            m.insert("items".into(), json!({"type": "object"}));
        }
    }
    let mut doc = f.cite.to_string();
    if let Some(line) = f.null_in_example {
        let _ = write!(doc, "; null in the page's response example (line {line})");
    }
    for (v, line) in &f.outside_in_example {
        let _ = write!(doc, "; `{v}` in the page's response example (line {line})");
    }
    m.insert("x-doc".into(), json!(doc));
    Value::Object(m)
}

/// An object schema for `fields`; extra keys stay allowed (a skeleton does not know them all).
pub(crate) fn object_of(fields: &[Field]) -> Value {
    let props: Map<String, Value> = fields.iter().map(|f| (f.name.clone(), schema_of(f))).collect();
    let required: Vec<&str> = fields.iter().filter(|f| f.required == Some(true)).map(|f| f.name.as_str()).collect();
    let mut m = Map::new();
    m.insert("type".into(), json!("object"));
    if !required.is_empty() {
        m.insert("required".into(), json!(required));
    }
    m.insert("properties".into(), Value::Object(props));
    Value::Object(m)
}

/// The JSON Schema of the response body the page's tables describe.
pub fn body_schema(s: &Skeleton) -> Value {
    object_of(&s.body)
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines().map(|l| format!("{pad}{l}")).collect::<Vec<_>>().join("\n")
}

fn param_line(p: &Param) -> String {
    let mut s = format!(
        "{} ({}, {}, {})",
        p.name,
        p.location,
        p.doc_type.as_deref().unwrap_or("type not stated"),
        if p.required { "required" } else { "optional" }
    );
    if !p.stated.values.is_empty() {
        let _ = write!(s, " values: {}", p.stated.values.join(" | "));
    }
    if let Some(d) = &p.stated.default {
        let _ = write!(s, " default: {d}");
    }
    s
}

/// `schema`: where the spec schema is, relative to the written file (`schema_ref`); `None`
/// when unknown (standard output, or no schema found), and the comment says how to add it.
pub fn render(s: &Skeleton, schema: Option<&str>) -> String {
    let mut y = String::new();
    let w = &mut y;
    let _ = match schema {
        Some(path) => writeln!(w, "# yaml-language-server: $schema={path}"),
        None => writeln!(w, "# Editors validate specs with specgate's specs/spec.schema.json: add a first line\n# `# yaml-language-server: $schema=PATH`, PATH relative to this file."),
    };
    let _ = writeln!(w, "#");
    let _ = writeln!(w, "# Derived by `specgate derive` from {}. A skeleton: review every level, add the", s.file);
    let _ = writeln!(w, "# cases the page implies, and confirm each PROPOSAL below before relying on it.");
    let _ = writeln!(w, "specgate: 1");
    let title = if s.title.is_empty() { format!("{} {}", s.method, s.path) } else { format!("{} ({} {})", s.title, s.method, s.path) };
    let _ = writeln!(w, "title: {}", q(&title));
    let _ = writeln!(w, "doc: {{file: {}, section: {}}}", q(&s.file), q(&format!("URI (line {})", s.uri_line)));
    let vars: Vec<&Param> = s.params.iter().filter(|p| p.location == "path").collect();
    let placeholders: Vec<&str> = crate::spec::load::placeholders(&s.path);
    if !placeholders.is_empty() {
        let _ = writeln!(w, "vars:");
        for name in placeholders {
            let desc = match vars.iter().find(|p| p.name == name) {
                Some(p) => format!("{} (doc: {})", p.description.replace('\n', " "), p.cite),
                None => format!("path placeholder of the URI (doc: {} § URI, line {}); no table describes it", s.file, s.uri_line),
            };
            let _ = writeln!(w, "  {name}:\n    description: {}", q(&desc));
        }
    }
    let _ = writeln!(w, "request:\n  method: {}\n  path: {}\n  headers: {{Accept: application/json}}", s.method, q(&s.path));
    let query: Vec<&Param> = s.params.iter().filter(|p| p.location == "query").collect();
    if !query.is_empty() {
        let _ = writeln!(w, "\n# Query parameters the page documents (the format has no key that declares them):");
        for p in &query {
            let _ = writeln!(w, "#   {}\n#       doc: {}", param_line(p), p.cite);
        }
    }
    if !s.errors.is_empty() {
        let _ = writeln!(w, "\n# Error statuses the page lists (add a case for each one you can provoke):");
        for (code, c) in &s.errors {
            let _ = writeln!(w, "#   {code}  doc: {c}");
        }
    }
    let _ = writeln!(w, "\ncases:\n  - name: list\n    doc: {{file: {}, section: {}}}", q(&s.file), q(&response_section(s)));
    let _ = writeln!(w, "    level: must");
    if s.wrapper_from_path {
        let top = s.body.first().map(|f| f.name.as_str()).unwrap_or("");
        let _ = writeln!(w, "    # PROPOSAL: the page's table lists the item fields; the envelope key `{top}` is taken from");
        let _ = writeln!(w, "    # the path. Confirm it against a real response.");
    }
    let codes: Vec<String> = s.success.iter().map(|(c, _)| c.to_string()).collect();
    let _ = match codes.as_slice() {
        [] => writeln!(w, "    expect:\n      status: 200   # PROPOSAL: the page states no success code; confirm"),
        [one] => writeln!(w, "    expect:\n      status: {one}   # doc: {} § 返回值, line {}", s.file, s.success[0].1),
        many => writeln!(w, "    expect:\n      status: [{}]", many.join(", ")),
    };
    let _ = writeln!(w, "      content_type: application/json");
    let schema = serde_json::to_string_pretty(&body_schema(s)).expect("a schema serialises");
    let _ = writeln!(w, "      schema:\n{}", indent(&schema, 8));
    render_pagination(w, s);
    y
}

/// The spec schema as a spec written in `dir` names it: `spec.schema.json` in `dir` or an
/// ancestor, or in a `specs/` directory of one, relative to `dir`; `None` when there is none.
/// A fixed `../spec.schema.json` was right only for a spec one directory below the schema.
pub(crate) fn schema_ref(dir: &Path) -> Option<String> {
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let dir = std::fs::canonicalize(dir).ok()?;
    for (up, d) in dir.ancestors().enumerate() {
        for tail in ["spec.schema.json", "specs/spec.schema.json"] {
            if d.join(tail).is_file() {
                return Some(format!("{}{tail}", "../".repeat(up)));
            }
        }
    }
    None
}

fn response_section(s: &Skeleton) -> String {
    s.body.first().map(|f| f.cite.table.clone()).unwrap_or_else(|| "响应消息".into())
}

fn param<'a>(s: &'a Skeleton, name: &str) -> Option<&'a Param> {
    s.params.iter().find(|p| p.name == name && p.location == "query")
}

fn render_pagination(w: &mut String, s: &Skeleton) {
    let Some(items) = s.collection().map(|list| format!("/{}", list.name)) else { return };
    let fields = s.item_fields();
    let field = |n: &str| fields.iter().find(|f| f.name == n);
    let (marker, limit) = (param(s, "marker"), param(s, "limit"));
    let paged = marker.is_some() && limit.is_some();
    // `filters:` needs a `pagination:` block; without marker/limit both stay commented out.
    let mut rows = vec![];
    if let (Some(m), Some(l)) = (marker, limit) {
        rows.push(format!("`{}` (line {}), `{}` (line {})", m.name, m.cite.line, l.name, l.cite.line));
    }
    let _ = writeln!(w);
    if !paged {
        let _ = writeln!(w, "# The page documents no marker/limit parameters, so no `pagination:` is proposed, and the");
        let _ = writeln!(w, "# `filters:` proposal below stays commented out (it needs a `pagination:` block).");
    } else {
        let table = marker.map(|m| m.cite.table.clone()).unwrap_or_default();
        let _ = writeln!(w, "# PROPOSAL: the page documents marker/limit paging; confirm the id pointer, the default");
        let _ = writeln!(w, "# limit and the sort keys against a real listing.");
        let _ = writeln!(w, "pagination:\n  doc: {{file: {}, section: {}}}", q(&s.file), q(&format!("{table}, rows {}", rows.join(", "))));
        let _ = writeln!(w, "  level: must\n  items: {items}\n  id: /id\n  marker: marker\n  limit: limit");
        if let Some(d) = limit.and_then(|l| l.stated.default.as_deref()).and_then(|d| d.parse::<u64>().ok()) {
            let _ = writeln!(w, "  default_limit: {d}");
        }
        if let Some(k) = param(s, "sort_key") {
            let keys: Vec<(&String, &Field)> = k.stated.values.iter().filter_map(|v| field(v).map(|f| (v, f))).collect();
            let unknown: Vec<&str> = k.stated.values.iter().filter(|v| field(v).is_none()).map(String::as_str).collect();
            if !keys.is_empty() {
                let _ = writeln!(w, "  sort:");
                if !unknown.is_empty() {
                    let _ = writeln!(w, "    # not response fields, left out: {} (doc: {})", unknown.join(", "), k.cite);
                }
                let _ = writeln!(w, "    keys:");
                for (name, f) in keys {
                    let kind = if f.json == Some("integer") {
                        ", type: integer"
                    } else if name.ends_with("_at") {
                        ", type: time"
                    } else {
                        ""
                    };
                    let _ = writeln!(w, "      {name}: {{field: /{name}{kind}}}");
                }
                if let Some(d) = param(s, "sort_dir").and_then(|d| d.stated.default.as_deref()).filter(|d| *d == "asc" || *d == "desc") {
                    let _ = writeln!(w, "    default_dir: {d}");
                }
            }
        }
    }
    let named: Vec<(&Param, &Field)> = s
        .params
        .iter()
        .filter(|p| p.location == "query" && !["marker", "limit", "sort_key", "sort_dir"].contains(&p.name.as_str()))
        .filter_map(|p| proposal::field_of(&p.name, |n| field(n).is_some()).and_then(|n| field(&n)).map(|f| (p, f)))
        .collect();
    let Some((first, _)) = named.first() else { return };
    let filters: Vec<Filter> = named
        .iter()
        .map(|(p, f)| {
            let doc = (s.file.clone(), format!("{}, row `{}` (line {})", p.cite.table, p.name, p.cite.line));
            proposal::propose(&Candidate { param: &p.name, field: &f.name, field_type: f.json, text: &p.description, doc })
        })
        .collect();
    let _ = writeln!(w);
    w.push_str(&proposal::render(&filters, (&s.file, &first.cite.table), "the page", paged));
}
