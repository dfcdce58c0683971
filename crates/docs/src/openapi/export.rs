//! Export: loaded specs → one OpenAPI 3.1 document.
//!
//! Each spec becomes one operation. Its parameters and their constraints come from the typed
//! spec (`vars`, `pagination:`, `filters:`, the cases' queries); its responses from the cases'
//! expectations, with the schema files bundled under `components/schemas`. The spec's own text
//! (cases, invariants, citations, levels) rides along verbatim in `x-specgate-*` extensions so
//! that an import gives the same spec back.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Map, Value};

use super::bundle::Bundle;
use crate::spec::model::{FilterParam, Level, Pagination, QueryValue, Relation, Scalar, SpecFile, StatusSet};
use crate::spec::{Spec, SpecError};

/// Extension keys, shared with the importer.
pub(crate) mod ext {
    pub(crate) const SPEC: &str = "x-specgate-spec";
    pub(crate) const DOC: &str = "x-specgate-doc";
    pub(crate) const VARS: &str = "x-specgate-vars";
    pub(crate) const REQUEST: &str = "x-specgate-request";
    pub(crate) const CASES: &str = "x-specgate-cases";
    pub(crate) const PAGINATION: &str = "x-specgate-pagination";
    pub(crate) const FILTERS: &str = "x-specgate-filters";
    pub(crate) const LINKS: &str = "x-specgate-links";
    pub(crate) const LEVEL: &str = "x-specgate-level";
}

/// Build the OpenAPI document for `specs`. Every problem is reported, not just the first.
pub fn export(specs: &[Spec], title: &str) -> Result<Value, Vec<SpecError>> {
    let mut bundle = Bundle::default();
    let mut paths: Map<String, Value> = Map::new();
    let mut owners: BTreeMap<(String, &'static str), String> = BTreeMap::new();
    let mut errors = Vec::new();
    for spec in specs {
        match operation(spec, &mut bundle) {
            Ok(op) => {
                let path = spec.file.request.path.value.clone();
                let method = spec.file.request.method.as_str();
                if let Some(other) = owners.insert((path.clone(), method), spec.path.clone()) {
                    errors.push(
                        SpecError::new(&spec.path, format!("{other} already describes {method} {path}"))
                            .hint("an OpenAPI document has one operation per method and path; export the two specs separately"),
                    );
                    continue;
                }
                let item = paths.entry(path).or_insert_with(|| json!({}));
                item[method.to_ascii_lowercase()] = op;
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let schemas: Map<String, Value> = bundle.schemas.into_iter().collect();
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Exported by specgate from its specs. Levels, citations, cases and the pagination and \
                            filter invariants are in the x-specgate-* extensions of each operation.",
        },
        "paths": paths,
    });
    if !schemas.is_empty() {
        doc["components"] = json!({ "schemas": schemas });
    }
    Ok(doc)
}

/// The spec's own text as JSON (aliases resolved), for the extensions.
fn raw_text(spec: &Spec) -> Result<Value, SpecError> {
    let source = std::fs::read_to_string(&spec.path).map_err(|e| SpecError::new(&spec.path, format!("cannot read spec: {e}")))?;
    serde_saphyr::from_str(&source).map_err(|e| SpecError::new(&spec.path, format!("cannot re-read spec: {e}")))
}

fn operation(spec: &Spec, bundle: &mut Bundle) -> Result<Value, SpecError> {
    let file = &spec.file;
    let base = Path::new(&spec.path).parent().map(Path::to_path_buf).unwrap_or_default();
    let fail = |e: String| SpecError::new(&spec.path, e);
    let mut raw = raw_text(spec)?;

    // Rewrite every schema of the spec's text into the bundle, in place.
    if let Some(cases) = raw.get_mut("cases").and_then(Value::as_array_mut) {
        for case in cases {
            if let Some(s) = case.pointer_mut("/expect/schema") {
                *s = bundle.rewrite(s, &base).map_err(fail)?;
            }
        }
    }
    for block in ["pagination", "filters"] {
        if let Some(s) = raw.pointer_mut(&format!("/{block}/errors/schema")) {
            *s = bundle.rewrite(s, &base).map_err(fail)?;
        }
    }

    let mut op = Map::new();
    op.insert("operationId".into(), json!(operation_id(&spec.path)));
    op.insert("summary".into(), json!(file.title));
    op.insert("parameters".into(), Value::Array(parameters(file)));
    op.insert("responses".into(), Value::Object(responses(file, &raw)));
    op.insert(ext::SPEC.into(), json!(spec.path));
    op.insert(ext::DOC.into(), json!({"file": file.doc.file, "section": file.doc.section}));
    for (key, ext) in [
        ("vars", ext::VARS),
        ("request", ext::REQUEST),
        ("cases", ext::CASES),
        ("pagination", ext::PAGINATION),
        ("filters", ext::FILTERS),
        ("links", ext::LINKS),
    ] {
        if let Some(v) = raw.get(key) {
            op.insert(ext.into(), v.clone());
        }
    }
    Ok(Value::Object(op))
}

/// `specs/ims/nova-images-detail.yaml` → `ims.nova-images-detail`.
fn operation_id(path: &str) -> String {
    let p = path.strip_prefix("specs/").unwrap_or(path);
    let p = p.strip_suffix(".yaml").or_else(|| p.strip_suffix(".yml")).unwrap_or(p);
    p.replace('/', ".")
}

/// Parameters in a stable order: path variables, then query parameters as the spec names them.
fn parameters(file: &SpecFile) -> Vec<Value> {
    let mut out = Vec::new();
    for (name, var) in &file.vars {
        let mut schema = json!({"type": "string"});
        if let Some(d) = &var.default {
            schema["default"] = json!(d);
        }
        out.push(json!({"name": name, "in": "path", "required": true, "description": var.description, "schema": schema}));
    }
    let mut query = QueryParams::default();
    query.take_values(&file.request.query);
    if let Some(p) = &file.pagination {
        query.take_pagination(&p.value);
    }
    if let Some(f) = &file.filters {
        for p in &f.value.params {
            query.take_filter(&p.value);
        }
    }
    for case in &file.cases {
        let positive = match &case.expect.status {
            StatusSet::One(s) => (200..300).contains(s),
            StatusSet::Any(v) => v.iter().any(|s| (200..300).contains(s)),
        };
        // Values of negative cases are there to be wrong: they name a parameter, not its type.
        if positive {
            query.take_values(&case.query);
        } else {
            for name in case.query.keys() {
                query.add(name, json!({"type": "string"}), None);
            }
        }
    }
    out.extend(query.params.into_iter().map(|(name, schema, description)| {
        let mut p = json!({"name": name, "in": "query", "required": false, "schema": schema});
        if schema_is_array(&p["schema"]) {
            p["style"] = json!("form");
            p["explode"] = json!(true);
        }
        if let Some(d) = description {
            p["description"] = json!(d);
        }
        p
    }));
    out
}

fn schema_is_array(s: &Value) -> bool {
    s.get("type").and_then(Value::as_str) == Some("array")
}

/// Query parameters in first-seen order; the first source that names a parameter types it.
#[derive(Default)]
struct QueryParams {
    params: Vec<(String, Value, Option<String>)>,
}

impl QueryParams {
    fn add(&mut self, name: &str, schema: Value, description: Option<String>) {
        if !self.params.iter().any(|(n, ..)| n == name) {
            self.params.push((name.to_string(), schema, description));
        }
    }

    fn take_values(&mut self, query: &crate::spec::model::Query) {
        for (name, value) in query {
            let schema = match value {
                None => continue,
                Some(QueryValue::One(s)) => scalar_schema(s),
                Some(QueryValue::Many(v)) => json!({"type": "array", "items": v.first().map(scalar_schema).unwrap_or(json!({}))}),
            };
            self.add(name, schema, None);
        }
    }

    fn take_pagination(&mut self, p: &Pagination) {
        let min = if p.bad_limits.iter().any(|b| matches!(b, Scalar::Int(0))) { 1 } else { 0 };
        let mut limit = json!({"type": "integer", "minimum": min});
        if let Some(d) = p.default_limit {
            limit["default"] = json!(d);
        }
        let cap = p.max_limit.map(|m| format!("; pages hold at most {m} items whatever the limit")).unwrap_or_default();
        self.add(&p.limit, limit, Some(format!("Page size{cap}.")));
        self.add(&p.marker, json!({"type": "string"}), Some("Id of the last item of the previous page.".into()));
        if let Some(sort) = &p.sort {
            let mut key = json!({"type": "string", "enum": sort.keys.keys().collect::<Vec<_>>()});
            if let Some(d) = &sort.default_key {
                key["default"] = json!(d);
            }
            self.add(&sort.key_param, key, Some("Sort key.".into()));
            let mut dir = json!({"type": "string", "enum": ["asc", "desc"]});
            if let Some(d) = sort.default_dir {
                dir["default"] = json!(d.as_str());
            }
            self.add(&sort.dir_param, dir, Some("Sort direction.".into()));
        }
        self.take_values(&p.query);
    }

    fn take_filter(&mut self, f: &FilterParam) {
        let (schema, what) = match f.relation {
            Relation::Boolean => (json!({"type": "boolean"}), "is"),
            Relation::AtLeast => (json!({"type": "integer"}), "is at least"),
            Relation::AtMost => (json!({"type": "integer"}), "is at most"),
            Relation::Time => (
                json!({"type": "string", "pattern": "^(gt|gte|lt|lte|eq|neq):"}),
                "compares (OP:TIME, OP one of gt, gte, lt, lte, eq, neq) with",
            ),
            Relation::SinceInclusive => (json!({"type": "string", "format": "date-time"}), "is at or after"),
            Relation::SinceExclusive => (json!({"type": "string", "format": "date-time"}), "is after"),
            Relation::Mapped => (json!({"type": "string", "enum": f.map.keys().collect::<Vec<_>>()}), "is selected by"),
            Relation::Contains => (json!({"type": "string"}), "contains"),
            Relation::EqualsIgnoreCase => (json!({"type": "string"}), "equals, ignoring case,"),
            Relation::Equals => (json!({"type": "string"}), "equals"),
        };
        self.add(&f.param, schema, Some(format!("Only items whose `{}` {what} the value.", f.field)));
        self.take_values(&f.with);
    }
}

fn scalar_schema(s: &Scalar) -> Value {
    match s {
        Scalar::Bool(_) => json!({"type": "boolean"}),
        Scalar::Int(_) => json!({"type": "integer"}),
        Scalar::Float(_) => json!({"type": "number"}),
        Scalar::Str(_) => json!({"type": "string"}),
    }
}

/// What one status answers with, gathered from every expectation that names it.
#[derive(Default)]
struct Answer {
    cases: Vec<String>,
    /// Media type → candidate schemas, with the level of the expectation they came from.
    content: BTreeMap<String, Vec<(Level, Value)>>,
    must: bool,
}

fn responses(file: &SpecFile, raw: &Value) -> Map<String, Value> {
    let mut answers: BTreeMap<u16, Answer> = BTreeMap::new();
    let mut note = |status: &StatusSet, who: String, level: Level, content_type: Option<&str>, schema: Option<&Value>| {
        let codes = match status {
            StatusSet::One(s) => vec![*s],
            StatusSet::Any(v) => v.clone(),
        };
        for code in codes {
            let a = answers.entry(code).or_default();
            a.cases.push(who.clone());
            a.must |= level == Level::Must;
            let media = content_type.map(str::to_owned).or_else(|| schema.map(|_| "application/json".to_string()));
            if let Some(m) = media {
                let list = a.content.entry(m).or_default();
                if let Some(s) = schema {
                    list.push((level, s.clone()));
                }
            }
        }
    };
    for (i, case) in file.cases.iter().enumerate() {
        let schema = raw.pointer(&format!("/cases/{i}/expect/schema"));
        note(&case.expect.status, case.name.value.clone(), case.level, case.expect.content_type.as_deref(), schema);
    }
    for (block, errors) in [
        ("pagination", file.pagination.as_ref().and_then(|p| p.value.errors.as_ref())),
        ("filters", file.filters.as_ref().and_then(|f| f.value.errors.as_ref())),
    ] {
        if let Some(e) = errors {
            let schema = raw.pointer(&format!("/{block}/errors/schema"));
            note(&e.status, format!("{block}.errors"), e.level, e.content_type.as_deref(), schema);
        }
    }
    answers
        .into_iter()
        .map(|(code, a)| {
            let mut r = json!({"description": format!("As expected by: {}.", a.cases.join(", "))});
            if !a.must {
                r[ext::LEVEL] = json!("should");
            }
            if !a.content.is_empty() {
                let content: Map<String, Value> = a.content.into_iter().map(|(m, schemas)| (m, media(schemas))).collect();
                r["content"] = Value::Object(content);
            }
            (code.to_string(), r)
        })
        .collect()
}

/// One media type's schema: the file schemas of the `must` expectations (refinements of one
/// case, like `maxItems: 3` for a `limit=3` request, stay in that case), else all of them.
fn media(schemas: Vec<(Level, Value)>) -> Value {
    let must: Vec<&Value> = schemas.iter().filter(|(l, _)| *l == Level::Must).map(|(_, s)| s).collect();
    let pool: Vec<&Value> = if must.is_empty() { schemas.iter().map(|(_, s)| s).collect() } else { must };
    let pure: Vec<&Value> = pool.iter().copied().filter(|s| is_pure_ref(s)).collect();
    let mut chosen: Vec<Value> = Vec::new();
    for s in if pure.is_empty() { pool } else { pure } {
        if !chosen.contains(s) {
            chosen.push(s.clone());
        }
    }
    match chosen.len() {
        0 => json!({}),
        1 => json!({"schema": chosen.pop()}),
        _ => json!({"schema": {"anyOf": chosen}}),
    }
}

fn is_pure_ref(s: &Value) -> bool {
    s.as_object().is_some_and(|o| o.len() == 1 && o.contains_key("$ref"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_follow_the_spec_path() {
        assert_eq!(operation_id("specs/ims/nova-images-detail.yaml"), "ims.nova-images-detail");
        assert_eq!(operation_id("x.yml"), "x");
    }

    #[test]
    fn refinements_stay_in_their_case_when_a_file_schema_exists() {
        let file = json!({"$ref": "#/components/schemas/list"});
        let refined = json!({"allOf": [file.clone()], "properties": {"images": {"maxItems": 3}}});
        let m = media(vec![(Level::Must, file.clone()), (Level::Must, refined), (Level::Must, file.clone())]);
        assert_eq!(m, json!({"schema": file}));
    }

    #[test]
    fn should_schemas_count_only_without_must_ones() {
        let a = json!({"$ref": "#/components/schemas/a"});
        let b = json!({"$ref": "#/components/schemas/b"});
        assert_eq!(media(vec![(Level::Should, b.clone()), (Level::Must, a.clone())]), json!({"schema": a}));
        assert_eq!(media(vec![(Level::Should, b.clone())]), json!({"schema": b}));
    }
}
