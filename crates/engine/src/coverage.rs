//! Coverage of the source documents: every parameter and field the docs' tables name
//! (`docs/coverage-inventory.md`) → where the specs cover it → what checks it.
//! `tests/coverage.rs` regenerates `docs/coverage.md` with this and fails on a name no spec covers.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::spec::Spec;

/// One name from a doc table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocName {
    /// The spec file the inventory assigns the endpoint to.
    pub spec: String,
    pub endpoint: String,
    pub kind: Kind,
    /// As the doc writes it; nested fields as `links[].href` or `page_info.next_marker`.
    pub name: String,
    pub section: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Parameter,
    Field,
}

/// Parse the inventory: `## GET <path> — …` sections with a "Spec: `file`" line, and
/// `### Request parameters` / `### Response…` tables whose first cell is a backticked name.
pub fn parse_inventory(text: &str) -> Vec<DocName> {
    let mut out = Vec::new();
    let (mut endpoint, mut spec, mut kind) = (String::new(), String::new(), None);
    let mut section_col = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("## ") {
            endpoint = rest.split(" — ").next().unwrap_or(rest).trim().to_string();
            kind = None;
        } else if let Some(rest) = line.strip_prefix("Spec: `") {
            spec = rest.split('`').next().unwrap_or("").to_string();
        } else if let Some(rest) = line.strip_prefix("### ") {
            kind = if rest.starts_with("Request parameters") {
                Some(Kind::Parameter)
            } else if rest.starts_with("Response") {
                Some(Kind::Field)
            } else {
                None
            };
            section_col = None;
        } else if let (true, Some(kind)) = (line.starts_with('|'), kind) {
            let cells: Vec<&str> = split_row(line);
            if section_col.is_none() {
                section_col = cells.iter().position(|c| *c == "section");
                continue;
            }
            let Some(first) = cells.first() else { continue };
            let Some(name) = first.strip_prefix('`').and_then(|r| r.split('`').next()) else { continue };
            let section = section_col.and_then(|i| cells.get(i)).map(|s| s.to_string()).unwrap_or_default();
            out.push(DocName { spec: spec.clone(), endpoint: endpoint.clone(), kind, name: name.to_string(), section });
        }
    }
    out
}

/// Split a markdown table row on unescaped pipes.
fn split_row(line: &str) -> Vec<&str> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut cells = Vec::new();
    let (mut start, mut prev) = (0, ' ');
    for (i, c) in inner.char_indices() {
        if c == '|' && prev != '\\' {
            cells.push(inner[start..i].trim());
            start = i + 1;
        }
        prev = c;
    }
    cells.push(inner[start..].trim());
    cells
}

/// Where a spec covers a name, and by what.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Coverage {
    pub location: String,
    pub checked_by: String,
}

/// Every place in `spec` (and the schemas it references) that covers `name`.
pub(crate) fn cover(spec: &Spec, name: &DocName) -> Vec<Coverage> {
    let mut out = BTreeSet::new();
    let file = &spec.file;
    let at = |line: u64| format!("{}:{}", spec.path, line);
    match name.kind {
        Kind::Parameter => {
            if file.vars.contains_key(&name.name) {
                out.insert(Coverage { location: at(file.request.path.referenced.line()), checked_by: "path variable (`--var`)".into() });
            }
            if let Some(f) = &file.filters {
                for p in f.value.params.iter().filter(|p| p.value.param == name.name) {
                    let level = p.value.level.unwrap_or(f.value.level).as_str();
                    let complete = p.value.completeness.or(p.value.level).unwrap_or(f.value.level).as_str();
                    out.insert(Coverage {
                        location: at(p.referenced.line()),
                        checked_by: format!(
                            "filter.{0}.sound ({level}), filter.{0}.complete ({complete}), relation {1:?}",
                            name.name, p.value.relation
                        )
                        .to_lowercase(),
                    });
                }
            }
            if let Some(p) = &file.pagination {
                let pv = &p.value;
                let mut roles = Vec::new();
                if pv.marker == name.name {
                    roles.push("pagination.walk, pagination.bad-marker");
                }
                if pv.limit == name.name {
                    roles.push("pagination.limit, pagination.default-limit, pagination.bad-limit.*");
                }
                if let Some(s) = &pv.sort {
                    if s.key_param == name.name {
                        roles.push("pagination.order.*, pagination.default-order, pagination.bad-sort-key");
                    }
                    if s.dir_param == name.name {
                        roles.push("pagination.order.*.asc|desc, pagination.bad-sort-dir");
                    }
                }
                if !roles.is_empty() {
                    out.insert(Coverage { location: at(p.referenced.line()), checked_by: roles.join(", ") });
                }
            }
            for c in file.cases.iter().filter(|c| c.query.contains_key(&name.name)) {
                out.insert(Coverage {
                    location: at(c.name.referenced.line()),
                    checked_by: format!("case `{}` ({})", c.name.value, c.level.as_str()),
                });
            }
        }
        Kind::Field => {
            let wanted = components(&name.name);
            let base = Path::new(&spec.path).parent().unwrap_or(Path::new(".")).to_path_buf();
            for c in &file.cases {
                let Some(schema) = &c.expect.schema else { continue };
                let mut paths = BTreeSet::new();
                walk_schema(&schema.value, &base.join("_inline"), &mut Vec::new(), &mut paths, 0);
                for (path, origin) in paths {
                    if path.ends_with(&wanted) {
                        out.insert(Coverage {
                            location: origin,
                            checked_by: format!("schema of case `{}` ({})", c.name.value, c.level.as_str()),
                        });
                    }
                }
            }
            if let Some(f) = &file.filters {
                for p in f.value.params.iter().filter(|p| components(p.value.field.trim_start_matches('/')).ends_with(&wanted)) {
                    out.insert(Coverage { location: at(p.referenced.line()), checked_by: format!("filter `{}` reads it", p.value.param) });
                }
            }
        }
    }
    // One row per location, in file order: several cases sharing a schema collapse into one.
    let mut out: Vec<Coverage> = out.into_iter().collect();
    out.sort_by_key(|c| {
        let (file, line) = c.location.rsplit_once(':').unwrap_or((&c.location, ""));
        (file.to_string(), line.parse::<u64>().unwrap_or(0), c.location.clone())
    });
    let mut merged: Vec<Coverage> = Vec::new();
    for c in out {
        match merged.iter_mut().find(|m| m.location == c.location) {
            Some(m) => {
                m.checked_by.push_str("; ");
                m.checked_by.push_str(&c.checked_by);
            }
            None => merged.push(c),
        }
    }
    merged
}

/// `links[].href` → ["links", "[]", "href"]; `page_info.next_marker` → ["page_info", "next_marker"].
fn components(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in name.split(['.', '/']) {
        match part.strip_suffix("[]") {
            Some(p) => {
                out.push(p.to_string());
                out.push("[]".to_string());
            }
            None if !part.is_empty() => out.push(part.to_string()),
            None => {}
        }
    }
    out
}

/// Collect every property path a schema describes, following `$ref`s to files and fragments.
pub fn walk_schema(schema: &Value, file: &Path, path: &mut Vec<String>, out: &mut BTreeSet<(Vec<String>, String)>, depth: usize) {
    if depth > 24 {
        return;
    }
    let Some(obj) = schema.as_object() else { return };
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        if let Some((target, target_file)) = resolve(r, file) {
            walk_schema(&target, &target_file, path, out, depth + 1);
        }
    }
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            path.push(k.clone());
            let origin = format!("{}#/properties/{k}", display(file));
            out.insert((path.clone(), origin));
            walk_schema(v, file, path, out, depth + 1);
            path.pop();
        }
    }
    if let Some(items) = obj.get("items") {
        path.push("[]".into());
        walk_schema(items, file, path, out, depth + 1);
        path.pop();
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for sub in obj.get(key).and_then(Value::as_array).into_iter().flatten() {
            walk_schema(sub, file, path, out, depth + 1);
        }
    }
}

fn resolve(reference: &str, from: &Path) -> Option<(Value, PathBuf)> {
    let (file_part, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let file = if file_part.is_empty() { from.to_path_buf() } else { from.parent()?.join(file_part) };
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).ok()?).ok()?;
    let target = if fragment.is_empty() { doc } else { doc.pointer(fragment)?.clone() };
    Some((target, file))
}

/// A schema file as the repository names it: `…/specs/ims/../schemas/x.json` and
/// `specs/ims/../schemas/x.json` are both `specs/schemas/x.json`.
fn display(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    let mut parts: Vec<&str> = Vec::new();
    for part in s.split('/') {
        match part {
            "." => {}
            ".." if parts.last().is_some_and(|l| !l.is_empty() && *l != "..") => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    let anchored = format!("/{}", joined.trim_start_matches('/'));
    match anchored.rfind("/specs/") {
        Some(i) => anchored[i + 1..].to_string(),
        None => joined,
    }
}

/// The generated `docs/coverage.md`, and the names no spec covers.
pub fn render(names: &[DocName], specs: &[Spec]) -> (String, Vec<DocName>) {
    let mut md = String::from("# Coverage of the source documents\n\nGenerated by `cargo test --test coverage` from `docs/coverage-inventory.md` (every parameter and field in the seed\ndocuments' tables) and the specs; do not edit by hand. A name no spec covers fails that test.\n");
    let mut missing = Vec::new();
    let mut current = String::new();
    for n in names {
        if n.endpoint != current {
            current = n.endpoint.clone();
            md.push_str(&format!(
                "\n## {} — `{}`\n\n| doc name | kind | doc section | spec location | checked by |\n|---|---|---|---|---|\n",
                n.endpoint, n.spec
            ));
        }
        let kind = if n.kind == Kind::Parameter { "parameter" } else { "field" };
        let covered = specs.iter().find(|s| s.path.ends_with(&n.spec)).map(|s| cover(s, n)).unwrap_or_default();
        if covered.is_empty() {
            missing.push(n.clone());
            md.push_str(&format!("| `{}` | {kind} | {} | **not covered** | |\n", n.name, n.section.replace('|', "\\|")));
        }
        for (i, c) in covered.iter().enumerate() {
            let (name, sec) = if i == 0 { (format!("`{}`", n.name), n.section.replace('|', "\\|")) } else { ("″".into(), String::new()) };
            md.push_str(&format!("| {name} | {kind} | {sec} | `{}` | {} |\n", c.location, c.checked_by.replace('|', "\\|")));
        }
    }
    (md, missing)
}

/// The section of `docs/coverage.md` that lists where the official IMS SDK's models disagree
/// with the cloudimages spec, from the record `docs/sdk-models.json` that
/// `scripts/clients.sh models` writes and checks. `None` when the record is not readable.
pub fn sdk_section(record: &str) -> Option<String> {
    let v: Value = serde_json::from_str(record).ok()?;
    let cell = |v: &Value| match v {
        Value::Null => "—".to_string(),
        Value::String(s) => format!("`{s}`"),
        Value::Array(a) => a.iter().map(|x| format!("`{}`", x.as_str().unwrap_or_default())).collect::<Vec<_>>().join(", "),
        other => format!("`{other}`"),
    };
    let mut md = format!(
        "\n## The official SDK's models — {} against `{}`\n\nRecorded in `docs/sdk-models.json` by `scripts/clients.sh models`, which compares the SDK's\n`ListImagesRequest` and `ImageInfo` with the spec and its schemas field by field (name, type, the\nvalues a description enumerates) and fails when the differences change. What the SDK proves\nand the doc lacks is in the spec at `should`; these are the differences that remain.\n\n| model | field | difference | SDK | spec | decision |\n|---|---|---|---|---|---|\n",
        v["sdk"].as_str()?,
        v["spec"].as_str()?
    );
    for d in v["differences"].as_array()? {
        md.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} |\n",
            d["model"].as_str()?,
            d["field"].as_str()?,
            d["kind"].as_str()?,
            cell(&d["sdk"]),
            cell(&d["spec"]),
            d["decision"].as_str().unwrap_or("(none)").replace('|', "\\|")
        ));
    }
    Some(md)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_files_are_named_from_specs_whether_the_spec_path_is_relative_or_absolute() {
        assert_eq!(display(Path::new("specs/ims/../schemas/a.json")), "specs/schemas/a.json");
        assert_eq!(display(Path::new("/w/repo/specs/ims/./../schemas/a.json")), "specs/schemas/a.json");
        assert_eq!(display(Path::new("other/x.json")), "other/x.json");
    }

    #[test]
    fn inventory_rows_become_names_with_kind_and_section() {
        let text = "## GET /x — `f.txt`\n\nSpec: `specs/x.yaml`. Schemas: …\n\n### Request parameters (§ a)\n\n| param | in | section | spec |\n|---|---|---|---|\n| `limit` | query | f.txt § a | x |\n| `a\\|b` *(upstream)* | query | f.txt § b | y |\n\n### Status codes\n\n| status | meaning |\n|---|---|\n| 200 | ok |\n\n### Response items (§ c)\n\n| field | section |\n|---|---|\n| `links[].href` | f.txt § c |\n";
        let names = parse_inventory(text);
        assert_eq!(names.len(), 3);
        assert_eq!((names[0].name.as_str(), names[0].kind, names[0].section.as_str()), ("limit", Kind::Parameter, "f.txt § a"));
        assert_eq!(names[0].spec, "specs/x.yaml");
        assert_eq!((names[2].name.as_str(), names[2].kind), ("links[].href", Kind::Field));
    }

    #[test]
    fn a_name_no_spec_mentions_is_reported_missing() {
        let src = "specgate: 1\ntitle: t\ndoc: {file: f, section: s}\nrequest:\n  path: /x\ncases:\n  - name: c\n    doc: {file: f, section: s}\n    query: {limit: 2}\n    expect: {status: 200}\n";
        let spec = crate::spec::load::load_str(Path::new("specs/x.yaml"), src).unwrap();
        let name = |n: &str| DocName {
            spec: "specs/x.yaml".into(),
            endpoint: "GET /x".into(),
            kind: Kind::Parameter,
            name: n.into(),
            section: "f § s".into(),
        };
        let (md, missing) = render(&[name("limit"), name("marker")], &[spec]);
        assert_eq!(missing.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(), vec!["marker"]);
        assert!(md.contains("| `limit` | parameter | f § s | `specs/x.yaml:7` | case `c` (must) |"), "{md}");
        assert!(md.contains("| `marker` | parameter | f § s | **not covered** |"), "{md}");
    }

    #[test]
    fn nested_names_match_as_path_suffixes() {
        assert_eq!(components("links[].href"), vec!["links", "[]", "href"]);
        let mut paths = BTreeSet::new();
        let schema = serde_json::json!({"properties": {"images": {"type": "array", "items": {"properties": {"links": {"items": {"properties": {"href": {}}}}}}}}});
        walk_schema(&schema, Path::new("specs/x/_inline"), &mut Vec::new(), &mut paths, 0);
        assert!(paths.iter().any(|(p, _)| p.ends_with(&components("links[].href"))));
        assert!(paths.iter().any(|(p, _)| p == &vec!["images".to_string()]));
    }
}
