//! `specs/spec.schema.json`, the JSON Schema editors use to validate specs as they are typed,
//! checked against the specs, the examples in `docs/spec-format.md` and the loader: what the
//! loader accepts the schema accepts, and a typo the loader rejects the schema rejects too.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn schema_json() -> Value {
    let path = root().join("specs/spec.schema.json");
    serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema_json()).unwrap_or_else(|e| panic!("specs/spec.schema.json does not compile: {e}"))
}

fn yaml(label: &str, text: &str) -> Value {
    serde_saphyr::from_str::<Value>(text).unwrap_or_else(|e| panic!("{label}: not YAML: {e}"))
}

/// Every violation of the schema, as `instance_path: message`.
fn violations(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| {
            let path = e.instance_path().to_string();
            let path = if path.is_empty() { "(root)".to_string() } else { path };
            format!("{path}: {e}")
        })
        .collect()
}

/// What the loader says about `text`, as if it were a spec at `specs/<dir>/<name>`.
fn loader_errors(relative: &str, text: &str) -> Vec<String> {
    let path = root().join(relative);
    match specgate::spec::load::load_str(&path, text) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(|e| format!("{}: {}", e.location(), e.message)).collect(),
    }
}

fn spec_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display())).path();
        if path.is_dir() {
            spec_files(&path, out);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(path);
        }
    }
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

#[test]
fn schema_compiles() {
    let schema = schema_json();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(schema["$id"], "https://specgate.dev/spec.schema.json");
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!("specs/spec.schema.json is not a valid draft 2020-12 schema: {}: {e}", e.instance_path());
    }
    validator();
}

/// Hover help and strictness: every property carries a `description`, every object of the
/// spec format denies unknown keys like the loader's `deny_unknown_fields`.
#[test]
fn schema_documents_every_property_and_denies_unknown_keys() {
    fn walk(node: &Value, at: &str, problems: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::Object(props)) = map.get("properties") {
                    for (name, prop) in props {
                        if !prop.get("description").is_some_and(Value::is_string) {
                            problems.push(format!("{at}/properties/{name}: no description"));
                        }
                    }
                    if map.get("type") == Some(&Value::from("object")) && map.get("additionalProperties") != Some(&Value::Bool(false)) {
                        problems.push(format!("{at}: object with properties lacks `additionalProperties: false`"));
                    }
                }
                if map.get("enum").is_some() && !map.contains_key("description") && !at.ends_with("/items") {
                    problems.push(format!("{at}: enum without description"));
                }
                // `if`/`then` only constrain; their `properties` are not what editors show.
                for (key, child) in map.iter().filter(|(k, _)| !matches!(k.as_str(), "if" | "then")) {
                    walk(child, &format!("{at}/{key}"), problems);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, &format!("{at}/{i}"), problems);
                }
            }
            _ => {}
        }
    }
    let mut problems = Vec::new();
    walk(&schema_json(), "#", &mut problems);
    assert!(problems.is_empty(), "specs/spec.schema.json:\n{}", problems.join("\n"));
}

#[test]
fn every_spec_under_specs_validates() {
    let validator = validator();
    let mut files = Vec::new();
    spec_files(&root().join("specs"), &mut files);
    files.sort();
    assert!(!files.is_empty(), "no *.yaml under specs/");
    let mut failures = Vec::new();
    for file in &files {
        let name = relative(file);
        let spec = yaml(&name, &read(file));
        failures.extend(violations(&validator, &spec).into_iter().map(|v| format!("{name}: {v}")));
    }
    assert!(failures.is_empty(), "{} of the specs under specs/ violate specs/spec.schema.json:\n{}", files.len(), failures.join("\n"));
}

/// The fenced YAML blocks of a Markdown document.
fn yaml_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        let fence = line.trim_start();
        match current.as_mut() {
            None if fence.starts_with("```yaml") || fence.starts_with("```yml") => current = Some(String::new()),
            Some(_) if fence.starts_with("```") => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

/// The complete specs of `docs/spec-format.md` validate as they stand; the blocks that show
/// only top-level keys (`pagination:`, `filters:`) validate added to the first complete spec.
/// The loader accepts each of them too.
#[test]
fn docs_examples_validate() {
    let validator = validator();
    let top_level: Vec<String> = schema_json()["properties"].as_object().expect("top-level properties").keys().cloned().collect();
    let blocks = yaml_blocks(&read(&root().join("docs/spec-format.md")));
    let mut complete = Vec::new();
    let mut fragments = Vec::new();
    let mut equivalences = Vec::new();
    let mut isolations = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let label = format!("docs/spec-format.md yaml block {}", i + 1);
        let value = yaml(&label, block);
        let Some(map) = value.as_object() else { continue };
        if map.contains_key("equivalence") {
            // An equivalence file: the schema accepts it and so does its own loader, as if it
            // lived in specs/ims/, where its listings' specs resolve.
            equivalences.push((label, block.clone()));
        } else if map.contains_key("isolation") {
            isolations.push((label, block.clone()));
        } else if map.contains_key("specgate") {
            complete.push((label, block.clone()));
        } else if !map.is_empty() && map.keys().all(|k| top_level.contains(k)) {
            fragments.push((label, block.clone()));
        }
    }
    assert!(!complete.is_empty(), "docs/spec-format.md has no complete spec example (a yaml block with `specgate:`)");
    // `filters:` needs `pagination:`, so fragments are added cumulatively, in document order.
    let mut combined = complete[0].1.clone();
    let mut examples = complete;
    for (label, block) in fragments {
        combined.push_str(&block);
        examples.push((format!("{label} (added to the minimal spec with the blocks before it)"), combined.clone()));
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    for (label, text) in examples {
        checked += 1;
        failures.extend(violations(&validator, &yaml(&label, &text)).into_iter().map(|v| format!("{label}: {v}")));
        // As if it lived in specs/openstack/, where its `../schemas/...` references resolve.
        failures.extend(loader_errors("specs/openstack/docs-example.yaml", &text).into_iter().map(|e| format!("{label}: loader: {e}")));
    }
    assert!(!equivalences.is_empty(), "docs/spec-format.md has no equivalence example");
    let specs = specgate::spec::load_all(&[root().join("specs")]).expect("specs load");
    for (label, text) in equivalences {
        failures.extend(violations(&validator, &yaml(&label, &text)).into_iter().map(|v| format!("{label}: {v}")));
        if let Err(errors) = specgate::spec::equivalence::load_str(&root().join("specs/ims/docs-example.yaml"), &text, &specs) {
            failures.extend(errors.iter().map(|e| format!("{label}: loader: {}: {}", e.location(), e.message)));
        }
    }
    assert!(!isolations.is_empty(), "docs/spec-format.md has no isolation example");
    for (label, text) in isolations {
        failures.extend(violations(&validator, &yaml(&label, &text)).into_iter().map(|v| format!("{label}: {v}")));
        if let Err(errors) = specgate::spec::isolation::load_str(&root().join("specs/ims/docs-example.yaml"), &text) {
            failures.extend(errors.iter().map(|e| format!("{label}: loader: {}: {}", e.location(), e.message)));
        }
    }
    assert!(checked >= 3, "expected the minimal spec and the pagination/filters blocks, checked {checked}");
    assert!(failures.is_empty(), "docs/spec-format.md examples:\n{}", failures.join("\n"));
}

const BASE: &str = "\
specgate: 1
title: negative
doc: {file: f, section: s}
request:
  path: /v2/images
cases:
  - name: first-page
    doc: {file: f, section: s}
    level: must
    expect:
      status: 200
pagination:
  doc: {file: f, section: s}
  items: /images
  next: {style: href, pointer: /next}
filters:
  doc: {file: f, section: s}
  params:
    - param: status
      field: /status
      relation: equals
";

/// `BASE` with the first occurrence of `from` replaced by `to`.
fn mutate(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "`{from}` is not in the base spec");
    BASE.replacen(from, to, 1)
}

#[test]
fn base_of_the_negative_cases_is_valid() {
    let v = violations(&validator(), &yaml("base", BASE));
    assert!(v.is_empty(), "schema rejects the base spec:\n{}", v.join("\n"));
    let l = loader_errors("specs/negative.yaml", BASE);
    assert!(l.is_empty(), "loader rejects the base spec:\n{}", l.join("\n"));
}

/// The loader's leniencies are the schema's: plain YAML scalars read as text, `null` dropping
/// an inherited query parameter, status lists, boolean and inline schemas, declared variables.
#[test]
fn schema_accepts_what_the_loader_accepts() {
    let cases: &[(&str, String)] = &[
        ("numeric section", mutate("doc: {file: f, section: s}", "doc: {file: f, section: 5.2}")),
        ("numeric header value", mutate("  path: /v2/images\n", "  path: /v2/images\n  headers: {X-Count: 1, X-Flag: true}\n")),
        (
            "query scalars, lists and null",
            mutate("  path: /v2/images\n", "  path: /v2/images\n  query: {limit: 3, sort: name, on: true, f: 1.5}\n").replacen(
                "    level: must\n",
                "    level: should\n    query: {limit: null, tag: [a, 1, true]}\n",
                1,
            ),
        ),
        ("status list", mutate("status: 200", "status: [200, 203]")),
        ("boolean schema", mutate("      status: 200\n", "      status: 200\n      schema: true\n")),
        ("inline schema", mutate("      status: 200\n", "      status: 200\n      schema: {type: object, required: [images]}\n")),
        (
            "declared variable with a numeric default",
            mutate("  path: /v2/images\n", "  method: HEAD\n  path: /v2/{project}/images\n").replacen(
                "request:\n",
                "vars:\n  project: {description: the project, default: 42}\nrequest:\n",
                1,
            ),
        ),
    ];
    let validator = validator();
    let mut problems = Vec::new();
    for (what, text) in cases {
        problems.extend(violations(&validator, &yaml(what, text)).into_iter().map(|v| format!("{what}: schema: {v}")));
        problems.extend(loader_errors("specs/positive.yaml", text).into_iter().map(|e| format!("{what}: loader: {e}")));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Schema and loader agree on strictness: each mutation is rejected by both, and the schema
/// points at the offending place.
#[test]
fn schema_rejects_what_the_loader_rejects() {
    let cases: &[(&str, String, &str)] = &[
        ("unknown key in a case", mutate("    level: must\n", "    levl: must\n"), "/cases/0"),
        ("unknown relation", mutate("relation: equals", "relation: bogus"), "/filters/params/0/relation"),
        ("unknown top-level key", format!("{BASE}paginaton: {{}}\n"), "(root)"),
        ("unknown level", mutate("level: must", "level: maybe"), "/cases/0/level"),
        ("unknown next style", mutate("style: href", "style: hrefs"), "/pagination/next/style"),
        ("unsupported version", mutate("specgate: 1", "specgate: 2"), "/specgate"),
        ("missing request path", mutate("  path: /v2/images\n", "  method: GET\n"), "/request"),
        ("path without a leading slash", mutate("path: /v2/images", "path: v2/images"), "/request/path"),
        ("filter field not a pointer", mutate("field: /status", "field: status"), "/filters/params/0/field"),
        ("mapped without map", mutate("relation: equals", "relation: mapped"), "/filters/params/0"),
        ("reserved case name", mutate("name: first-page", "name: pagination.walk"), "/cases/0/name"),
        ("status not a code", mutate("status: 200", "status: ok"), "/cases/0/expect/status"),
        (
            "filters without pagination",
            BASE.replace("pagination:\n  doc: {file: f, section: s}\n  items: /images\n  next: {style: href, pointer: /next}\n", ""),
            "(root)",
        ),
    ];
    let validator = validator();
    let mut problems = Vec::new();
    for (what, text, at) in cases {
        let schema = violations(&validator, &yaml(what, text));
        let loader = loader_errors("specs/negative.yaml", text);
        if schema.is_empty() {
            problems.push(format!("{what}: schema accepts it"));
        } else if !schema.iter().any(|v| v.starts_with(&format!("{at}: "))) {
            problems.push(format!("{what}: schema rejects it, but not at {at}: {schema:?}"));
        }
        if loader.is_empty() {
            problems.push(format!("{what}: loader accepts it"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
