//! Schemas: an OpenAPI schema object (3.0 dialect or 3.1) → a JSON Schema 2020-12 value, with
//! `#/components/schemas/X` references turned into references to the file `X.json` beside it.

use serde_json::{json, Map, Value};

use super::node::{Kind, Node};
use super::Problems;

/// The file a component schema is written to (names may hold any character).
pub(crate) fn file_name(component: &str) -> String {
    let safe: String = component.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    format!("{safe}.json")
}

const PREFIX: &str = "#/components/schemas/";

pub(crate) struct Converter<'a> {
    pub root: &'a Node,
    /// OpenAPI 3.0: `nullable`, `example` and boolean `exclusiveMinimum` need converting.
    pub v30: bool,
    /// Prefix for references to schema files, seen from where the schema is written.
    pub dir: &'a str,
    /// Local references being inlined (outside `components/schemas`), to catch cycles.
    pub inlining: std::cell::RefCell<Vec<String>>,
}

impl<'a> Converter<'a> {
    pub(crate) fn new(root: &'a Node, v30: bool, dir: &'a str) -> Self {
        Converter { root, v30, dir, inlining: Default::default() }
    }
}

impl Converter<'_> {
    /// Convert `node`; `section` names where it is, for error messages.
    pub(crate) fn convert(&self, node: &Node, problems: &mut Problems) -> Value {
        let mut value = self.walk(node, problems, 0);
        // One meta-schema check per schema; keyword by keyword only when it fails.
        if !jsonschema::draft202012::meta::is_valid(&value) {
            set_aside_invalid(&mut value, "", node, problems);
        }
        value
    }

    fn walk(&self, node: &Node, problems: &mut Problems, depth: usize) -> Value {
        if depth > 200 {
            problems.at(node, "schema nested too deeply (over 200 levels)", None);
            return json!({});
        }
        match &node.kind {
            Kind::Map(entries) => {
                let mut out = Map::new();
                let mut nullable = false;
                for (k, v) in entries {
                    match k.as_str() {
                        "$ref" => {
                            let target = v.str().unwrap_or_default();
                            match self.inline(target, v, problems, depth) {
                                // A schema elsewhere in the document (a parameter's, a response's):
                                // no file of its own, so it is written in place.
                                Some(inlined) => {
                                    out.insert("allOf".into(), json!([inlined]));
                                }
                                None => {
                                    out.insert(k.clone(), Value::String(self.reference(target, v, problems)));
                                }
                            }
                        }
                        "nullable" if self.v30 => nullable = matches!(v.kind, Kind::Bool(true)),
                        "example" if self.v30 => merge_examples(&mut out, vec![v.to_json()]),
                        // 2020-12 wants an array; documents also write OpenAPI's map of Example
                        // Objects here (the loader rejected the whole schema).
                        "examples" => merge_examples(&mut out, example_values(v)),
                        "exclusiveMinimum" | "exclusiveMaximum" if self.v30 && matches!(v.kind, Kind::Bool(_)) => {
                            // 3.0: a flag on minimum/maximum; 2020-12: the bound itself.
                            if matches!(v.kind, Kind::Bool(true)) {
                                let bound = if k == "exclusiveMinimum" { "minimum" } else { "maximum" };
                                if let Some(b) = node.get(bound) {
                                    out.insert(k.clone(), b.to_json());
                                    out.insert(format!("__drop_{bound}"), Value::Null);
                                }
                            }
                        }
                        "pattern" if v.str().is_some_and(|p| !is_regex(p)) => {
                            problems.warn(
                                v,
                                "`pattern` is not an ECMA-262 regular expression; kept as `x-specgate-unchecked-pattern`",
                                "JSON Schema patterns are ECMA-262 regular expressions; fix the pattern in the document",
                            );
                            out.insert("x-specgate-unchecked-pattern".into(), v.to_json());
                        }
                        // Values, not schemas: copied as they are.
                        "enum" | "const" | "default" | "required" | "discriminator" | "xml" | "externalDocs" => {
                            out.insert(k.clone(), v.to_json());
                        }
                        // Maps whose keys are names, not keywords.
                        "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                            let m: Map<String, Value> =
                                v.entries().iter().map(|(name, s)| (name.clone(), self.walk(s, problems, depth + 1))).collect();
                            out.insert(k.clone(), if matches!(v.kind, Kind::Map(_)) { Value::Object(m) } else { v.to_json() });
                        }
                        _ if k.starts_with("x-") => {
                            out.insert(k.clone(), v.to_json());
                        }
                        _ => {
                            out.insert(k.clone(), self.walk(v, problems, depth + 1));
                        }
                    }
                }
                for bound in ["minimum", "maximum"] {
                    if out.remove(&format!("__drop_{bound}")).is_some() {
                        out.remove(bound);
                    }
                }
                if nullable {
                    make_nullable(&mut out);
                }
                Value::Object(out)
            }
            Kind::Seq(items) => Value::Array(items.iter().map(|n| self.walk(n, problems, depth + 1)).collect()),
            _ => node.to_json(),
        }
    }

    /// The converted target of a local reference outside `components/schemas`, if it is one.
    fn inline(&self, target: &str, at: &Node, problems: &mut Problems, depth: usize) -> Option<Value> {
        let pointer = target.strip_prefix('#').filter(|p| !target.starts_with(PREFIX) && !p.is_empty())?;
        let node = self.root.pointer(pointer)?;
        if self.inlining.borrow().iter().any(|t| t == target) {
            let chain = self.inlining.borrow().join(" → ");
            problems.at(
                at,
                format!("circular `$ref`: {chain} → {target}"),
                Some("a schema cannot contain itself except through components/schemas".into()),
            );
            return Some(json!({}));
        }
        self.inlining.borrow_mut().push(target.to_string());
        let value = self.walk(node, problems, depth + 1);
        self.inlining.borrow_mut().pop();
        Some(value)
    }

    /// `#/components/schemas/Pet/properties/id` → `Pet.json#/properties/id`.
    pub(crate) fn reference(&self, target: &str, at: &Node, problems: &mut Problems) -> String {
        let Some(rest) = target.strip_prefix(PREFIX) else {
            let hint = if target.starts_with('#') {
                "specgate imports references to `#/components/schemas/...` only"
            } else {
                super::EXTERNAL_REF_HINT
            };
            problems.at(at, format!("unresolvable `$ref: {target}`"), Some(hint.into()));
            return target.to_string();
        };
        let (name, tail) = rest.split_once('/').map(|(n, t)| (n, format!("#/{t}"))).unwrap_or((rest, String::new()));
        let name = name.replace("~1", "/").replace("~0", "~");
        if self.root.pointer(&target[1..]).is_none() {
            problems.at(
                at,
                format!("unresolvable `$ref: {target}`: no such schema"),
                Some("check the name under components/schemas".into()),
            );
        }
        format!("{}{}{}", self.dir, file_name(&name), tail)
    }
}

/// Keywords whose value JSON Schema 2020-12 does not accept (`type: {…}`, `required: true`,
/// `items: [..]`, `minLength: "1"`), moved to `x-specgate-invalid-<keyword>` with a located
/// warning: one such value made the loader reject the whole schema, and every spec using it.
fn set_aside_invalid(value: &mut Value, pointer: &str, at: &Node, problems: &mut Problems) {
    let Value::Object(map) = value else { return };
    for (key, child) in map.iter_mut() {
        let here = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
        match (key.as_str(), child) {
            ("properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas", Value::Object(named)) => {
                for (name, schema) in named.iter_mut() {
                    set_aside_invalid(schema, &format!("{here}/{}", name.replace('~', "~0").replace('/', "~1")), at, problems);
                }
            }
            ("allOf" | "anyOf" | "oneOf" | "prefixItems", Value::Array(list)) => {
                for (i, schema) in list.iter_mut().enumerate() {
                    set_aside_invalid(schema, &format!("{here}/{i}"), at, problems);
                }
            }
            (
                "items"
                | "additionalProperties"
                | "not"
                | "if"
                | "then"
                | "else"
                | "contains"
                | "propertyNames"
                | "unevaluatedItems"
                | "unevaluatedProperties"
                | "additionalItems",
                schema,
            ) => set_aside_invalid(schema, &here, at, problems),
            _ => {}
        }
    }
    let invalid: Vec<String> = map
        .iter()
        .filter(|(k, v)| !k.starts_with("x-") && !jsonschema::draft202012::meta::is_valid(&json!({ k.as_str(): v })))
        .map(|(k, _)| k.clone())
        .collect();
    for key in invalid {
        let v = map.remove(&key).expect("listed above");
        // The converted schema mirrors the document's below `properties` and friends; where a
        // conversion moved things (an inlined `$ref`), the schema's own line is the place.
        let place = at.pointer(&format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"))).unwrap_or(at);
        problems.warn(
            place,
            format!("`{pointer}/{key}` is not valid JSON Schema ({}); kept as `x-specgate-invalid-{key}`, unchecked", short(&v)),
            "fix the schema in the document; specgate checks responses against valid schemas only",
        );
        map.insert(format!("x-specgate-invalid-{key}"), v);
    }
}

/// A value as a message shows it: its JSON, cut at 60 characters.
fn short(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

/// `examples` as 2020-12 has it: an array. A map (OpenAPI's Example Objects by name) gives its
/// values (an Example Object's `value`); a single value becomes a one-element array.
fn example_values(v: &Node) -> Vec<Value> {
    match &v.kind {
        Kind::Seq(items) => items.iter().map(Node::to_json).collect(),
        Kind::Map(entries) => entries.iter().map(|(_, x)| x.get("value").unwrap_or(x).to_json()).collect(),
        _ => vec![v.to_json()],
    }
}

/// Add to the schema's `examples` (3.0's `example` and a document's own `examples` may both be there).
fn merge_examples(out: &mut Map<String, Value>, values: Vec<Value>) {
    match out.get_mut("examples") {
        Some(Value::Array(existing)) => existing.extend(values),
        _ => {
            out.insert("examples".into(), Value::Array(values));
        }
    }
}

/// OpenAPI 3.0 `nullable: true` in 2020-12 terms.
fn make_nullable(out: &mut Map<String, Value>) {
    match out.get_mut("type") {
        Some(Value::String(t)) => {
            let t = t.clone();
            out.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(types)) => {
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
        }
        _ => {
            let inner = std::mem::take(out);
            out.insert("anyOf".into(), json!([Value::Object(inner), {"type": "null"}]));
            return;
        }
    }
    if let Some(Value::Array(values)) = out.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
}

/// Whether `pattern` is a regular expression JSON Schema validators accept (the same check
/// specgate's loader makes when it compiles the schema).
fn is_regex(pattern: &str) -> bool {
    jsonschema::options().should_validate_formats(true).build(&json!({"pattern": pattern})).is_ok()
}
