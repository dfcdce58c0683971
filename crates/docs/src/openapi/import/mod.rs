//! Import: an OpenAPI 3.0/3.1 or Swagger 2.0 document (JSON or YAML) → spec files, one per path and read-only
//! method, and the component schemas as JSON Schema 2020-12 files under `schemas/`.
//!
//! Pure: text in, files (relative path, content) out; the command writes them. Every problem is
//! a located error, collected rather than stopping at the first.

mod context;
mod node;
mod operation;
mod proposal;
mod schema;
mod swagger2;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::spec::error::Pos;
use crate::spec::SpecError;
use node::{Kind, Node};

/// What an import produces: files relative to the output directory.
#[derive(Debug, Default)]
pub struct Imported {
    pub specs: Vec<(PathBuf, String)>,
    pub schemas: Vec<(PathBuf, String)>,
    /// What was left out or changed (operations specgate cannot build a request for, patterns
    /// that are not ECMA-262 regular expressions), each located; the rest of the import stands.
    pub warnings: Vec<SpecError>,
}

/// What to do about a `$ref` to another file or a URL (the importer reads one document).
pub(crate) const EXTERNAL_REF_HINT: &str =
    "references to other files or URLs are not followed; bundle the document into one file first (`npx @redocly/cli bundle FILE -o bundled.yaml`)";

/// Located errors for one input.
pub(crate) struct Problems<'a> {
    pub file: &'a Path,
    pub source: &'a str,
    errors: Vec<SpecError>,
    warnings: Vec<SpecError>,
}

impl Problems<'_> {
    pub(crate) fn warn(&mut self, node: &Node, message: impl Into<String>, hint: &str) {
        self.warnings.push(SpecError::new(self.file, message).at(self.source, node.pos, 1).hint(hint));
    }

    pub(crate) fn at(&mut self, node: &Node, message: impl Into<String>, hint: Option<String>) {
        let mut e = SpecError::new(self.file, message).at(self.source, node.pos, 1);
        if let Some(h) = hint {
            e = e.hint(h);
        }
        self.errors.push(e);
    }
}

/// Parser limits: real documents run to millions of nodes, but not to unbounded depth.
fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = 100_000_000;
    budget.max_nodes = 50_000_000;
    budget.max_depth = 200;
    budget.max_total_scalar_bytes = 512 * 1024 * 1024;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

/// Import the document `source`, read from `file` (named in citations and errors).
pub fn import(file: &Path, source: &str) -> Result<Imported, Vec<SpecError>> {
    let escaped = yaml_safe(source);
    let source: &str = &escaped;
    let root: Node = match serde_saphyr::from_str_with_options(source, options()) {
        Ok(n) => n,
        Err(e) => return Err(vec![parse_error(file, source, &e)]),
    };
    let mut problems = Problems { file, source, errors: Vec::new(), warnings: Vec::new() };
    let (root, v30) = match version(&root, &mut problems) {
        Some(Version::V30) => (root, true),
        Some(Version::V31) => (root, false),
        Some(Version::Swagger2) => (swagger2::upgrade(&root, &mut problems), true),
        None => return Err(problems.errors),
    };
    let cite = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "openapi".into());
    let mut out = Imported::default();

    let schemas = schema::Converter::new(&root, v30, "");
    if let Some(components) = root.pointer("/components/schemas") {
        schema_cycles(&root, components, &mut problems);
        for (name, node) in components.entries() {
            let mut value = schemas.convert(node, &mut problems);
            if let Value::Object(map) = &mut value {
                let mut with_dialect = serde_json::Map::new();
                with_dialect.insert("$schema".into(), "https://json-schema.org/draft/2020-12/schema".into());
                with_dialect.insert("x-doc".into(), format!("{cite} § components.schemas.{name}").into());
                with_dialect.extend(std::mem::take(map));
                *map = with_dialect;
            }
            let text = serde_json::to_string_pretty(&value).expect("a JSON value serializes") + "\n";
            out.schemas.push((Path::new("schemas").join(schema::file_name(name)), text));
        }
    }

    let context = context::Context { root: &root, v30, cite: &cite };
    let mut taken = std::collections::HashSet::new();
    if let Some(paths) = root.get("paths") {
        for (path, item) in paths.entries() {
            let item = context.resolve(item, &mut problems);
            let first = out.specs.len();
            for method in ["get", "head"] {
                let Some(op) = item.and_then(|i| i.get(method)) else { continue };
                let spec = match context.spec(path, method, item.expect("checked"), op, &mut problems) {
                    Ok(spec) => spec,
                    Err(skipped) => {
                        out.warnings.push(skipped);
                        None
                    }
                };
                if let Some((stem, text)) = spec {
                    let mut name = format!("{stem}.yaml");
                    let mut n = 2;
                    while !taken.insert(name.clone()) {
                        name = format!("{stem}-{n}.yaml");
                        n += 1;
                    }
                    out.specs.push((PathBuf::from(name), text));
                }
            }
            if let Some(item) = item {
                let notes = writes(&cite, path, item);
                match out.specs.get_mut(first) {
                    Some((_, text)) => text.push_str(&notes.iter().map(|(_, note)| format!("{note}\n")).collect::<String>()),
                    None => {
                        for (op, note) in notes {
                            problems.warn(
                                op,
                                note.trim_start().trim_start_matches("# ").to_string(),
                                "specgate checks only GET and HEAD operations as imported",
                            );
                        }
                    }
                }
            }
        }
    }
    if !out.specs.is_empty() {
        query_keys(&root, &mut problems);
    }
    if problems.errors.is_empty() {
        out.warnings.append(&mut problems.warnings);
        Ok(out)
    } else {
        Err(problems.errors)
    }
}

/// Operations that write, which no spec is imported for: specs send no request body, and a
/// spec whose method writes is refused unless the run allows writes. One comment line each,
/// with the operation it came from, so that none is left out unseen.
fn writes<'a>(cite: &str, path: &str, item: &'a Node) -> Vec<(&'a Node, String)> {
    let mut out = Vec::new();
    for method in ["post", "put", "patch", "delete", "options", "trace"] {
        let Some(op) = item.get(method) else { continue };
        let upper = method.to_ascii_uppercase();
        let why = if op.get("requestBody").is_some() {
            "its request body cannot be sent (a spec's request has none)".to_string()
        } else if method == "options" || method == "trace" {
            "specgate imports GET and HEAD operations only".to_string()
        } else {
            format!("it writes, and a spec with `method: {upper}` runs only with `--allow-writes`, against a target that may be written to")
        };
        out.push((op, format!("# Not imported: {upper} {path} ({cite} § paths.{path}.{method}): {why}.")));
    }
    if !out.is_empty() {
        out[0].1.insert(0, '\n');
    }
    out
}

/// The document versions the import reads.
enum Version {
    V30,
    V31,
    /// Upgraded to 3.0 on the located tree first.
    Swagger2,
}

/// The document's version; `None` (with an error) for one the import does not read.
fn version(root: &Node, problems: &mut Problems) -> Option<Version> {
    if !matches!(root.kind, Kind::Map(_)) {
        problems.at(root, "not an OpenAPI document: the top level is not a mapping", None);
        return None;
    }
    match (root.get("openapi"), root.get("swagger")) {
        (Some(v), _) => match v.str().or(match &v.kind {
            Kind::Num(_) => Some("number"),
            _ => None,
        }) {
            Some(s) if s.starts_with("3.0") => Some(Version::V30),
            Some(s) if s.starts_with("3.1") => Some(Version::V31),
            _ => {
                let shown = v.to_json().to_string();
                problems.at(
                    v,
                    format!("unsupported OpenAPI version {shown}"),
                    Some("specgate imports OpenAPI 3.0 and 3.1 (a quoted string such as \"3.0.3\") and Swagger 2.0".into()),
                );
                None
            }
        },
        // YAML reads an unquoted `2.0` as a number.
        (None, Some(s)) if s.str() == Some("2.0") || matches!(&s.kind, Kind::Num(n) if n.as_f64() == Some(2.0)) => Some(Version::Swagger2),
        (None, Some(s)) => {
            let shown = s.str().map(str::to_owned).unwrap_or_else(|| s.to_json().to_string());
            problems.at(
                s,
                format!("unsupported version: Swagger {shown}"),
                Some("specgate imports Swagger 2.0 and OpenAPI 3.0/3.1; Swagger 1.x documents are not OpenAPI".into()),
            );
            None
        }
        (None, None) => {
            problems.at(
                root,
                "not an OpenAPI document: no `openapi` key",
                Some("an OpenAPI 3 document starts with `openapi: 3.0.3` or `openapi: 3.1.0` (Swagger: `swagger: \"2.0\"`)".into()),
            );
            None
        }
    }
}

/// A located note per API key sent in the query: specgate has no way to send it, so the cases
/// of operations that need it meet the server's 401 (each spec's header comment says so too).
fn query_keys(root: &Node, problems: &mut Problems) {
    let Some(schemes) = root.pointer("/components/securitySchemes") else { return };
    for (name, scheme) in schemes.entries() {
        let Some(at) = scheme.get("in").filter(|i| i.str() == Some("query")) else { continue };
        if scheme.get("type").and_then(Node::str) == Some("apiKey") {
            problems.warn(
                at,
                format!("security scheme `{name}` sends its API key in the query; specgate sends credentials as headers only"),
                "the imported cases run without the key: use a header scheme if the API offers one, or expect 401s",
            );
        }
    }
}

/// Component schemas that are only a `$ref` chain leading back to themselves.
fn schema_cycles(root: &Node, components: &Node, problems: &mut Problems) {
    let mut reported: Vec<String> = Vec::new();
    for (name, node) in components.entries() {
        if reported.contains(name) {
            continue;
        }
        let mut seen = vec![name.clone()];
        let mut current = node;
        while let Some(target) = current.get("$ref").and_then(Node::str).filter(|_| current.entries().len() == 1) {
            let Some(next) = target.strip_prefix("#/components/schemas/").filter(|n| !n.contains('/')) else { break };
            if next == name {
                seen.push(next.to_string());
                problems.at(
                    node,
                    format!("circular schema: {}", seen.join(" → ")),
                    Some("a schema that is only a reference must end at a schema with content".into()),
                );
                reported.extend(seen);
                break;
            }
            if seen.iter().any(|s| s == next) {
                break;
            }
            seen.push(next.to_string());
            match root.pointer(&target[1..]) {
                Some(n) => current = n,
                None => break,
            }
        }
    }
}

/// JSON strings may hold characters YAML does not allow unescaped (DEL, C1 controls such as
/// U+0080 in mis-decoded text, U+FFFE/U+FFFF): docusign.net and sendgrid.com were rejected as
/// invalid. In a JSON document they can only be inside strings, where `\uXXXX` means the same
/// to both parsers; so they are escaped before parsing. Columns after one on its line shift by
/// five (errors show the escaped line, so caret and snippet still agree).
fn yaml_safe(source: &str) -> std::borrow::Cow<'_, str> {
    let outside_yaml = |c: char| matches!(c, '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}');
    if !source.trim_start_matches('\u{feff}').trim_start().starts_with(['{', '[']) || !source.contains(outside_yaml) {
        return std::borrow::Cow::Borrowed(source);
    }
    let mut out = String::with_capacity(source.len() + 64);
    for c in source.chars() {
        if outside_yaml(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn parse_error(file: &Path, source: &str, err: &serde_saphyr::Error) -> SpecError {
    let inner = err.without_snippet();
    let pos = inner.location().map(|l| Pos::of(&l)).unwrap_or_default();
    let text = inner.to_string();
    let text = text.lines().next().unwrap_or("").trim_start_matches("error: ");
    let msg = match text.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") => rest,
        _ => text,
    };
    let msg = msg.split(" at line ").next().unwrap_or(msg);
    SpecError::new(file, format!("invalid YAML/JSON: {msg}")).at(source, pos, 1)
}
