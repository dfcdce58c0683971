//! A schema's outline: the objects, properties, `required` names, array items and combinators
//! of a JSON Schema, walked by specgate itself, with jsonschema validators for everything else.
//!
//! Checking a body on its tape (`crate::tape`) through jsonschema spends most of its time on
//! structure, not on values: each member name of each object is hashed into `properties`, and
//! `required` compares every name again (`perf record` of `benches/tape-validate`). An image list
//! is thousands of objects with the same few dozen names. The outline finds each name once, in a
//! table built for the object's schema, and the required names in the same pass by their bits.
//!
//! It only answers *whether* a body passes. A body it rejects is checked again by jsonschema on
//! its `Value`, which words the findings (`check::response`), so the outline must never pass a
//! body jsonschema would reject. To keep that simple it is all-or-nothing:
//! - It walks `properties`, `required`, `additionalProperties`, `propertyNames`, `items` (a
//!   schema), `allOf`, `anyOf`, `oneOf`, `not`, `if`/`then`/`else`, and `$ref`s to a JSON pointer
//!   of the same document or of a local file. Every other keyword of a schema is compiled by
//!   jsonschema (a *leaf*: 2020-12, formats asserted as in the load's validator) and run on the
//!   same node.
//! - A schema using a keyword whose meaning depends on its siblings or on other places
//!   (`patternProperties`, `unevaluatedProperties`, `prefixItems`, `$dynamicRef`, …) is a leaf as
//!   a whole when it references nothing; when it does, there is no outline.
//! - So is there none for cycles of references, another dialect, `$id` or anchors below a
//!   document's root, and a `$ref` beside keywords that check.
//!
//! Without an outline the tape is checked by jsonschema, as before. Tests compare the two on
//! generated bodies and schemas.

use std::collections::HashMap;
use std::sync::Arc;

use jsonschema::Validator;
use serde_json::{Map, Value};

use crate::tape::{TNode, TapeJson};

// The dialect the outline understands (`items` is one schema; `$ref` has siblings) is the one
// the spec's schema catalog bundles, and so are its lists of keywords that name resources or
// hold data: the catalog imports them from here.
/// The dialect bundled files must share with the schema that references them: the spec
/// format's, and jsonschema's default when `$schema` is absent.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Keywords that make a file's identity matter (own base URI, anchors, dynamic scopes): such a
/// file is not bundled, so that its meaning cannot change.
pub const IDENTITY_KEYWORDS: [&str; 6] = ["$id", "$anchor", "$dynamicAnchor", "$dynamicRef", "$recursiveRef", "$recursiveAnchor"];

/// Keywords whose values are data, not schemas: a `$ref` key inside them is not a reference.
pub const DATA_KEYWORDS: [&str; 5] = ["enum", "const", "default", "examples", "example"];

/// Keywords whose values map names to schemas.
pub const NAMED_SCHEMAS: [&str; 5] = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];

/// Keywords the outline walks itself. Whether a body passes `allOf`, `anyOf`, `oneOf`, `not` and
/// `if` follows from whether it passes their subschemas, as long as nothing evaluates what they
/// evaluated (`unevaluatedProperties`, which the outline leaves to jsonschema).
const WALKED: [&str; 12] =
    ["properties", "required", "additionalProperties", "propertyNames", "items", "allOf", "anyOf", "oneOf", "not", "if", "then", "else"];

/// Keywords that apply subschemas the outline does not walk, or whose meaning depends on their
/// siblings or on other resources: a schema using one is a leaf as a whole, or has no outline.
const ELSEWHERE: [&str; 15] = [
    "$ref",
    "$dynamicRef",
    "$recursiveRef",
    "$id",
    "$anchor",
    "$dynamicAnchor",
    "$recursiveAnchor",
    "dependentSchemas",
    "dependencies",
    "prefixItems",
    "contains",
    "additionalItems",
    "patternProperties",
    "unevaluatedItems",
    "unevaluatedProperties",
];

/// Keywords that check nothing: a schema of only these (and walked ones) needs no leaf.
const ANNOTATIONS: [&str; 13] = [
    "title",
    "description",
    "default",
    "examples",
    "example",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
    "$defs",
    "definitions",
    "$schema",
    "$vocabulary",
];

/// Reads a schema document by URL (a local file); `None` when it cannot.
pub(crate) type Fetch<'f> = &'f dyn Fn(&str) -> Option<Value>;

/// See the module documentation.
pub struct Outline {
    shapes: Vec<Shape>,
    root: usize,
    /// The member order each object's walk starts by expecting (see [`Members::slot`]).
    expected: Vec<u32>,
}

enum Shape {
    True,
    False,
    /// A schema the outline does not walk into.
    Leaf(Check),
    Walked(Box<Walked>),
}

/// A schema the outline walks.
struct Walked {
    /// The schema's other keywords (`type`, `minProperties`, …), on the same node.
    rest: Check,
    object: Option<Members>,
    /// `items`: the shape of every element.
    items: Option<usize>,
    /// The subschemas of `allOf`, `anyOf`, `oneOf`, `not` and `if`/`then`/`else`.
    all: Vec<usize>,
    any: Vec<usize>,
    one: Vec<usize>,
    not: Option<usize>,
    when: Option<When>,
}

/// `if`, and `then` and `else` when given.
struct When {
    test: usize,
    then: Option<usize>,
    otherwise: Option<usize>,
}

/// The keywords of a schema the outline does not walk.
enum Check {
    None,
    /// Only `type`: the set jsonschema's own `type` keyword checks with.
    Types(jsonschema::JsonTypeSet),
    Leaf(Arc<Validator<TapeJson>>),
}

impl Check {
    fn passes(&self, node: TNode<'_>) -> bool {
        match self {
            Check::None => true,
            Check::Types(set) => set.contains_value_type::<TapeJson>(&node),
            Check::Leaf(v) => v.is_valid(node),
        }
    }
}

/// What an object's members must be.
struct Members {
    /// A name of `properties` or `required` → its entry.
    names: hashbrown::HashMap<Box<str>, u32>,
    entries: Vec<Entry>,
    /// The bits of every required entry.
    required: u64,
    /// Members not named by `properties`.
    additional: Additional,
    /// `propertyNames`: the shape every name must have.
    names_are: Option<usize>,
    /// Where this object's expected order starts in [`Outline::expected`]: at `slot`, the entry
    /// expected first; at `slot + 1 + e`, the entry expected after entry `e`. An image list is
    /// thousands of objects whose members come in one order, so most names are found by one
    /// comparison with the entry expected; the others are looked up, and expected next time.
    slot: usize,
}

struct Entry {
    name: Box<str>,
    /// The property's shape; `None` for a name that is only required.
    shape: Option<usize>,
    /// Its bit of `required`, or 0.
    bit: u64,
}

enum Additional {
    Any,
    None,
    Shape(usize),
}

/// Why there is no outline (kept for tests).
#[derive(Debug)]
pub struct NoOutline(pub String);

fn no<T>(why: impl Into<String>) -> Result<T, NoOutline> {
    Err(NoOutline(why.into()))
}

impl Outline {
    /// The outline of `schema`, whose relative references resolve from `base` and are read with
    /// `fetch`.
    pub fn build(schema: &Value, base: &str, fetch: Fetch<'_>) -> Result<Outline, NoOutline> {
        let mut b =
            Builder { shapes: Vec::new(), docs: HashMap::new(), done: HashMap::new(), leaves: HashMap::new(), fetch, expected: Vec::new() };
        b.docs.insert(base.to_string(), Arc::new(schema.clone()));
        let root = b.at(base, "")?;
        Ok(Outline { shapes: b.shapes, root, expected: b.expected })
    }

    /// Whether `node` passes the schema.
    pub fn is_valid(&self, node: TNode<'_>) -> bool {
        let mut expected = self.expected.clone();
        self.valid(self.root, node, &mut expected)
    }

    fn valid(&self, shape: usize, node: TNode<'_>, expected: &mut [u32]) -> bool {
        use jsonschema::json::{Array, Node, Object};
        match &self.shapes[shape] {
            Shape::True => true,
            Shape::False => false,
            Shape::Leaf(check) => check.passes(node),
            Shape::Walked(w) => {
                let Walked { rest, object, items, all, any, one, not, when } = &**w;
                if !rest.passes(node) || !all.iter().all(|&s| self.valid(s, node, expected)) {
                    return false;
                }
                if !any.is_empty() && !any.iter().any(|&s| self.valid(s, node, expected)) {
                    return false;
                }
                if !one.is_empty() && one.iter().filter(|&&s| self.valid(s, node, expected)).take(2).count() != 1 {
                    return false;
                }
                if not.is_some_and(|s| self.valid(s, node, expected)) {
                    return false;
                }
                if let Some(w) = when {
                    let next = if self.valid(w.test, node, expected) { w.then } else { w.otherwise };
                    if next.is_some_and(|s| !self.valid(s, node, expected)) {
                        return false;
                    }
                }
                if let (Some(m), Some(o)) = (object, node.as_object()) {
                    let mut found = 0u64;
                    let mut after = m.slot;
                    for (name, value) in o.members() {
                        let guess = expected[after] as usize;
                        let entry = match m.entries.get(guess) {
                            Some(e) if same(e.name.as_bytes(), name.as_bytes()) => Some(guess),
                            _ => m.names.get(name).map(|&e| {
                                expected[after] = e;
                                e as usize
                            }),
                        };
                        let ok = match entry {
                            Some(e) => {
                                after = m.slot + 1 + e;
                                let e = &m.entries[e];
                                found |= e.bit;
                                e.shape.is_none_or(|s| self.valid(s, value, expected))
                            }
                            None => match m.additional {
                                Additional::Any => true,
                                Additional::None => false,
                                Additional::Shape(s) => self.valid(s, value, expected),
                            },
                        };
                        if !ok {
                            return false;
                        }
                    }
                    if found & m.required != m.required {
                        return false;
                    }
                    if m.names_are.is_some_and(|s| !o.name_nodes().all(|name| self.valid(s, name, expected))) {
                        return false;
                    }
                }
                match (items, node.as_array()) {
                    (Some(items), Some(a)) => a.elements().all(|e| self.valid(*items, e, expected)),
                    _ => true,
                }
            }
        }
    }
}

/// `a == b`, for short names without a call to `memcmp`: up to 16 bytes as two overlapping
/// words.
fn same(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or_default());
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().unwrap_or_default());
    match len {
        0 => true,
        1..=3 => a == b,
        4..=7 => half(a, 0) == half(b, 0) && half(a, len - 4) == half(b, len - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, len - 8) == word(b, len - 8),
        _ => a == b,
    }
}

struct Builder<'f> {
    shapes: Vec<Shape>,
    /// Documents by URL.
    docs: HashMap<String, Arc<Value>>,
    /// (document, pointer) → its shape; `None` while it is being built (a cycle).
    done: HashMap<(String, String), Option<usize>>,
    /// A leaf's schema text → its validator: `{"type": "integer", "minimum": 0}` once.
    leaves: HashMap<String, Arc<Validator<TapeJson>>>,
    fetch: Fetch<'f>,
    /// [`Outline::expected`], as built.
    expected: Vec<u32>,
}

impl Builder<'_> {
    /// The shape of the schema at `pointer` in document `doc`.
    fn at(&mut self, doc: &str, pointer: &str) -> Result<usize, NoOutline> {
        let key = (doc.to_string(), pointer.to_string());
        match self.done.get(&key) {
            Some(Some(shape)) => return Ok(*shape),
            Some(None) => return no(format!("a cycle of references through {doc}#{pointer}")),
            None => {}
        }
        let document = match self.docs.get(doc) {
            Some(d) => Arc::clone(d),
            None => {
                let Some(d) = (self.fetch)(doc) else { return no(format!("{doc} cannot be read")) };
                let d = Arc::new(d);
                self.docs.insert(doc.to_string(), Arc::clone(&d));
                d
            }
        };
        if pointer.is_empty() {
            match document.get("$schema") {
                None => {}
                Some(Value::String(s)) if s == DIALECT => {}
                Some(other) => return no(format!("{doc} is of dialect {other}")),
            }
        }
        let Some(schema) = document.pointer(pointer) else { return no(format!("{doc}#{pointer} does not exist")) };
        self.done.insert(key.clone(), None);
        let shape = self.shape(doc, pointer, schema, document.get("$id").is_some())?;
        self.done.insert(key, Some(shape));
        Ok(shape)
    }

    fn push(&mut self, shape: Shape) -> usize {
        self.shapes.push(shape);
        self.shapes.len() - 1
    }

    /// `schema`, at `pointer` of `doc` (which has an `$id` at its root when `has_id`).
    fn shape(&mut self, doc: &str, pointer: &str, schema: &Value, has_id: bool) -> Result<usize, NoOutline> {
        let map = match schema {
            Value::Bool(true) => return Ok(self.push(Shape::True)),
            Value::Bool(false) => return Ok(self.push(Shape::False)),
            Value::Object(map) => map,
            _ => return no(format!("{doc}#{pointer} is not a schema")),
        };
        // The root's own `$id` names the document, whose local references stay in it.
        let own = |k: &str| k == "$id" && pointer.is_empty();
        if let Some(r) = map.get("$ref") {
            let Value::String(r) = r else { return no("a `$ref` that is not a string") };
            if map.keys().any(|k| k != "$ref" && !own(k) && !ANNOTATIONS.contains(&k.as_str())) {
                return no(format!("{doc}#{pointer}: `$ref` beside other keywords"));
            }
            let (file, fragment) = r.split_once('#').unwrap_or((r, ""));
            if !(fragment.is_empty() || fragment.starts_with('/')) {
                return no(format!("{r}: not a JSON pointer"));
            }
            let fragment =
                percent_encoding::percent_decode_str(fragment).decode_utf8().map_err(|_| NoOutline(format!("{r}: not UTF-8")))?;
            let target = if file.is_empty() {
                doc.to_string()
            } else if has_id {
                return no(format!("{r}: relative to an `$id`"));
            } else {
                match url::Url::parse(doc).and_then(|u| u.join(file)) {
                    Ok(u) if u.scheme() == "file" => u.to_string(),
                    _ => return no(format!("{r}: not a local file")),
                }
            };
            return self.at(&target, &fragment);
        }
        if map.get("$schema").is_some_and(|s| s != DIALECT) {
            return no(format!("{doc}#{pointer} is of another dialect"));
        }
        if map.keys().any(|k| ELSEWHERE.contains(&k.as_str()) && !own(k)) {
            if refers(schema, true) {
                return no(format!("{doc}#{pointer} applies schemas the outline does not walk, and references others"));
            }
            let check = self.leaf(schema)?;
            return Ok(self.push(Shape::Leaf(check)));
        }
        let walked = |k: &str| WALKED.contains(&k);
        // Definitions are reached by reference, if at all; the dialect is the leaves' own.
        let kept = |k: &str| !walked(k) && !own(k) && !matches!(k, "$defs" | "definitions" | "$schema");
        let rest: Map<String, Value> = map.iter().filter(|(k, _)| kept(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
        if !map.keys().any(|k| walked(k)) {
            let check = self.leaf(&Value::Object(rest))?;
            return Ok(self.push(Shape::Leaf(check)));
        }
        let rest = self.leaf(&Value::Object(rest))?;
        let object = if map.keys().any(|k| matches!(k.as_str(), "properties" | "required" | "additionalProperties" | "propertyNames")) {
            Some(self.members(doc, pointer, map)?)
        } else {
            None
        };
        let items = match map.get("items") {
            None => None,
            Some(Value::Object(_) | Value::Bool(_)) => Some(self.at_child(doc, pointer, &["items"])?),
            Some(_) => return no(format!("{doc}#{pointer}: `items` that is not a schema")),
        };
        let list = |b: &mut Self, keyword: &str| -> Result<Vec<usize>, NoOutline> {
            match map.get(keyword) {
                None => Ok(vec![]),
                Some(Value::Array(a)) if !a.is_empty() => {
                    (0..a.len()).map(|i| b.at_child(doc, pointer, &[keyword, &i.to_string()])).collect()
                }
                Some(_) => no(format!("{doc}#{pointer}: `{keyword}` that is not a list of schemas")),
            }
        };
        let (all, any, one) = (list(self, "allOf")?, list(self, "anyOf")?, list(self, "oneOf")?);
        let one_schema = |b: &mut Self, keyword: &str| map.get(keyword).map(|_| b.at_child(doc, pointer, &[keyword])).transpose();
        let not = one_schema(self, "not")?;
        // `then` and `else` without `if` check nothing.
        let when = match one_schema(self, "if")? {
            Some(test) => Some(When { test, then: one_schema(self, "then")?, otherwise: one_schema(self, "else")? }),
            None => None,
        };
        Ok(self.push(Shape::Walked(Box::new(Walked { rest, object, items, all, any, one, not, when }))))
    }

    /// The schema under `path` below `pointer` of `doc`.
    fn at_child(&mut self, doc: &str, pointer: &str, path: &[&str]) -> Result<usize, NoOutline> {
        let mut p = pointer.to_string();
        for token in path {
            p.push('/');
            p.push_str(&token.replace('~', "~0").replace('/', "~1"));
        }
        self.at(doc, &p)
    }

    fn members(&mut self, doc: &str, pointer: &str, map: &Map<String, Value>) -> Result<Members, NoOutline> {
        let mut m = Members {
            names: hashbrown::HashMap::new(),
            entries: Vec::new(),
            required: 0,
            additional: Additional::Any,
            names_are: None,
            slot: 0,
        };
        let add = |m: &mut Members, name: &str, shape: Option<usize>| {
            m.names.insert(name.into(), m.entries.len() as u32);
            m.entries.push(Entry { name: name.into(), shape, bit: 0 });
            m.entries.len() - 1
        };
        match map.get("properties") {
            None => {}
            Some(Value::Object(properties)) => {
                for name in properties.keys() {
                    let shape = self.at_child(doc, pointer, &["properties", name])?;
                    add(&mut m, name, Some(shape));
                }
            }
            Some(_) => return no("`properties` that is not an object"),
        }
        match map.get("required") {
            None => {}
            Some(Value::Array(names)) => {
                for name in names {
                    let Value::String(name) = name else { return no("a required name that is not a string") };
                    let entry = match m.names.get(name.as_str()) {
                        Some(&e) => e as usize,
                        None => add(&mut m, name, None),
                    };
                    if m.entries[entry].bit == 0 {
                        let bits = m.required.count_ones();
                        if bits == 64 {
                            return no("more than 64 required names");
                        }
                        m.entries[entry].bit = 1 << bits;
                        m.required |= 1 << bits;
                    }
                }
            }
            Some(_) => return no("`required` that is not an array"),
        }
        m.additional = match map.get("additionalProperties") {
            None | Some(Value::Bool(true)) => Additional::Any,
            Some(Value::Bool(false)) => Additional::None,
            Some(Value::Object(_)) => Additional::Shape(self.at_child(doc, pointer, &["additionalProperties"])?),
            Some(_) => return no("`additionalProperties` that is not a schema"),
        };
        m.names_are = map.get("propertyNames").map(|_| self.at_child(doc, pointer, &["propertyNames"])).transpose()?;
        // Expected at first: the order of `properties`, then of `required`.
        m.slot = self.expected.len();
        let n = m.entries.len() as u32;
        self.expected.push(0);
        self.expected.extend(1..=n);
        Ok(m)
    }

    /// A check of `schema`'s keywords, all but walked ones.
    fn leaf(&mut self, schema: &Value) -> Result<Check, NoOutline> {
        let checking: Vec<&String> =
            schema.as_object().map(|m| m.keys().filter(|k| !ANNOTATIONS.contains(&k.as_str())).collect()).unwrap_or_default();
        if schema.is_object() && checking.is_empty() {
            return Ok(Check::None);
        }
        let text = schema.to_string();
        let v = match self.leaves.get(&text) {
            Some(v) => Arc::clone(v),
            None => {
                let v = jsonschema::options_for::<TapeJson>()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .should_validate_formats(true)
                    .build(schema)
                    .map_err(|e| NoOutline(format!("a leaf does not compile: {e}")))?;
                let v = Arc::new(v);
                self.leaves.insert(text, Arc::clone(&v));
                v
            }
        };
        // jsonschema compiled it, so its `type` names are known types.
        if checking.len() == 1 && checking[0] == "type" {
            let names = match &schema["type"] {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            let types: Option<Vec<jsonschema::JsonType>> = names.iter().map(|t| t.parse().ok()).collect();
            if let Some(types) = types.filter(|t| !t.is_empty()) {
                return Ok(Check::Types(types.into_iter().fold(jsonschema::JsonTypeSet::empty(), jsonschema::JsonTypeSet::insert)));
            }
        }
        Ok(Check::Leaf(v))
    }
}

/// Whether `schema` references or names a resource anywhere in it (`$ref`, `$id`, anchors, …).
/// `top`: `schema` is a schema (not a name → schema map).
fn refers(schema: &Value, top: bool) -> bool {
    match schema {
        Value::Object(map) if top => map.iter().any(|(k, v)| {
            k == "$ref"
                || IDENTITY_KEYWORDS.contains(&k.as_str())
                || (!DATA_KEYWORDS.contains(&k.as_str()) && refers(v, !NAMED_SCHEMAS.contains(&k.as_str())))
        }),
        Value::Object(map) => map.values().any(|v| refers(v, true)),
        Value::Array(items) => items.iter().any(|v| refers(v, true)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tape::tests::{agree_on, body, image, json_value};
    use crate::tape::Tape;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    use serde_json::json;

    fn outline(schema: &Value) -> Outline {
        Outline::build(schema, "file:///specs/x.yaml", &|_| None).unwrap_or_else(|e| panic!("{e:?}: {schema}"))
    }

    fn passes(outline: &Outline, v: &Value) -> bool {
        let body = serde_json::to_vec(v).unwrap();
        let tape = Tape::parse(&body, None).unwrap();
        outline.is_valid(tape.view(&body).unwrap().top())
    }

    /// `v` with the members of its objects in another order, chosen by `seed`: objects of one
    /// list then come in different orders, as the outline's expected order must survive.
    fn reordered(v: Value, seed: u64) -> Value {
        match v {
            Value::Object(o) => {
                let mut members: Vec<(String, Value)> = o.into_iter().map(|(k, v)| (k, reordered(v, seed.rotate_left(7)))).collect();
                if !members.is_empty() {
                    let by = seed as usize % members.len();
                    members.rotate_left(by);
                }
                if seed & 1 == 1 {
                    members.reverse();
                }
                Value::Object(members.into_iter().collect())
            }
            Value::Array(items) => {
                Value::Array(items.into_iter().enumerate().map(|(i, v)| reordered(v, seed.wrapping_add(i as u64 * 0x9E37))).collect())
            }
            other => other,
        }
    }

    /// An image schema walked by the outline: `properties`, `required`, `additionalProperties:
    /// false`, keywords left to leaves, and a boolean schema.
    fn image_schema() -> Value {
        let mut image = crate::tape::tests::image_schema();
        image["minProperties"] = json!(2);
        image["properties"]["x"] = json!(false);
        image
    }

    /// Schemas the outline walks, each differently.
    fn schemas() -> Vec<Value> {
        let image = image_schema();
        let mut loose = image.clone();
        loose["required"] = json!(["id", "status", "min_ram"]);
        loose["additionalProperties"] = json!({"type": ["integer", "object"]});
        loose["properties"]["name"] = json!(true);
        vec![
            image.clone(),
            json!({"type": "array", "items": image, "minItems": 1}),
            json!({
                "$schema": DIALECT,
                "$defs": {"image": loose},
                "type": ["object", "array"],
                "required": ["tags"],
                "properties": {"tags": {"type": "array", "items": {"$ref": "#/$defs/image"}}},
                "items": {"$ref": "#/$defs/image", "description": "a reference with an annotation"},
            }),
            json!({"required": ["id"], "properties": {"id": {"type": "integer"}, "tags": {"items": {"type": ["string", "boolean"]}}}}),
            // Composition, as the seed specs' strict and error schemas use it.
            json!({
                "$defs": {"image": image_schema()},
                "allOf": [{"$ref": "#/$defs/image"}],
                "anyOf": [{"required": ["size"]}, {"required": ["created_at"]}, {"type": "array"}],
                "oneOf": [{"properties": {"status": {"const": "active"}}}, {"properties": {"status": {"const": "queued"}}}],
                "not": {"required": ["self", "name"]},
                "if": {"properties": {"status": {"const": "active"}}},
                "then": {"required": ["id"]},
                "else": {"properties": {"size": {"type": "null"}}},
                "propertyNames": {"maxLength": 10},
            }),
            json!({"then": {"type": "string"}, "items": {"if": {"type": "object"}, "then": {"required": ["id"]}}, "propertyNames": {"not": {"const": "status"}}}),
        ]
    }

    #[test]
    fn the_outline_agrees_with_jsonschema_on_generated_bodies() {
        for schema in schemas() {
            let by_value = jsonschema::options().should_validate_formats(true).build(&schema).unwrap();
            let outline = outline(&schema);
            let bodies = prop_oneof![
                2 => body(),
                3 => image(),
                3 => proptest::collection::vec(image(), 1..3).prop_map(Value::Array),
                2 => proptest::collection::vec(image(), 0..4).prop_map(|tags| json!({"tags": tags, "id": 1})),
            ];
            agree_on((bodies, any::<u64>()), 1500, &schema.to_string(), |(v, seed)| {
                let v = reordered(v, seed);
                let valid = by_value.is_valid(&v);
                prop_assert_eq!(passes(&outline, &v), valid, "{}\nschema: {}", v, schema);
                Ok(valid)
            });
        }
    }

    #[test]
    fn the_outline_agrees_with_jsonschema_on_any_value() {
        let outlines: Vec<(Validator, Outline)> =
            schemas().iter().map(|s| (jsonschema::options().should_validate_formats(true).build(s).unwrap(), outline(s))).collect();
        let mut runner = TestRunner::new(Config { cases: 1000, failure_persistence: None, ..Config::default() });
        runner
            .run(&json_value(), |v| {
                for (by_value, outline) in &outlines {
                    prop_assert_eq!(passes(outline, &v), by_value.is_valid(&v), "{}", v);
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn images_in_changing_orders_are_each_checked_by_their_own_names() {
        // The expected order learnt from one image must not let the next one's names be
        // taken for the entries they replace.
        let outline = outline(&json!({"type": "array", "items": image_schema()}));
        let id = "3b3a2b6e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
        let good =
            json!([{"id": id, "status": "active", "size": 1}, {"size": 2, "status": "queued", "id": id}, {"status": "active", "id": id}]);
        assert!(passes(&outline, &good));
        let swapped = json!([{"id": id, "status": "active", "size": 1}, {"id": id, "size": "active", "status": 1}]);
        assert!(!passes(&outline, &swapped));
        let missing = json!([{"id": id, "status": "active"}, {"id": id, "self": "active"}]);
        assert!(!passes(&outline, &missing), "a required name is missing from the second image");
        let unknown = json!([{"id": id, "status": "active"}, {"id": id, "status": "active", "statut": 1}]);
        assert!(!passes(&outline, &unknown), "additionalProperties: false");
    }

    #[test]
    fn a_file_reference_is_read_once_and_walked() {
        let reads = std::cell::Cell::new(0);
        let file =
            json!({"$id": "https://example.com/image", "type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}});
        let fetch = |url: &str| {
            reads.set(reads.get() + 1);
            (url == "file:///specs/schemas/image.json").then(|| file.clone())
        };
        let schema = json!({"properties": {"a": {"$ref": "schemas/image.json"}, "b": {"$ref": "schemas/image.json#"}}});
        let outline = Outline::build(&schema, "file:///specs/x.yaml", &fetch).unwrap();
        assert_eq!(reads.get(), 1);
        assert!(passes(&outline, &json!({"a": {"id": 1}, "b": {"id": 2}})));
        assert!(!passes(&outline, &json!({"a": {"id": 1}, "b": {"id": "2"}})));
        assert!(!passes(&outline, &json!({"a": {}})));
    }

    #[test]
    fn schemas_it_cannot_walk_safely_have_no_outline() {
        let fetch = |_: &str| Some(json!({"$ref": "#/$defs/missing"}));
        for schema in [
            json!({"$defs": {"a": {"properties": {"x": {"$ref": "#/$defs/a"}}}}, "$ref": "#/$defs/a"}),
            json!({"$defs": {"a": {"type": "string"}}, "$ref": "#/$defs/a", "minLength": 2}),
            json!({"$defs": {"a": {"type": "string"}}, "patternProperties": {"^x": {"$ref": "#/$defs/a"}}}),
            json!({"$defs": {"a": {"type": "string"}}, "unevaluatedProperties": {"$ref": "#/$defs/a"}}),
            json!({"properties": {"a": {"$id": "https://example.com/a", "type": "string"}}}),
            json!({"$schema": "http://json-schema.org/draft-07/schema#", "properties": {"a": {"type": "string"}}}),
            json!({"properties": {"a": {"$ref": "https://example.com/a.json"}}}),
            json!({"properties": {"a": {"$ref": "#anchor"}}}),
            json!({"properties": {"a": {"$ref": "other.json"}}}),
            json!({"items": [{"type": "string"}]}),
            json!({"properties": {"a": {"$schema": "http://json-schema.org/draft-04/schema#", "patternProperties": {"^x": {"type": "integer"}}}}}),
            json!({"properties": {"a": {"type": "no such type"}}}),
        ] {
            assert!(Outline::build(&schema, "file:///specs/x.yaml", &fetch).is_err(), "{schema}");
        }
        // Applicators without references are leaves: the outline stands.
        let schema = json!({"properties": {"a": {"anyOf": [{"type": "string"}, {"type": "null"}]}}});
        let outline = outline(&schema);
        assert!(passes(&outline, &json!({"a": null})) && !passes(&outline, &json!({"a": 1})));
    }

    #[test]
    fn names_compare_by_every_byte() {
        for (a, b) in [
            ("id", "id"),
            ("name", "namf"),
            ("status", "statu5"),
            ("container_format", "container_formaT"),
            ("x_openstack_image_type", "x_openstack_imagE_type"),
        ] {
            assert_eq!(same(a.as_bytes(), b.as_bytes()), a == b, "{a} {b}");
            for cut in 0..a.len() {
                let mut c = a.as_bytes().to_vec();
                c[cut] ^= 1;
                assert!(!same(a.as_bytes(), &c), "{a} with byte {cut} changed");
            }
        }
    }
}
