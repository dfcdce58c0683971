//! JSON Schema check: every violation as a finding with the instance pointer,
//! the schema's expectation and the actual value.

use serde_json::{json, Value};

use super::excerpt;
use crate::verdict::{CheckId, Finding};

/// Validate `body` against a spec's schema (see `check_schema`).
pub fn check_spec_schema(schema: &crate::spec::Schema, body: &Value, limit: usize) -> Vec<Finding> {
    check_spec_schema_in(schema, body, None, limit)
}

/// Like [`check_spec_schema`]; `wrapped`, when given, is `{member: body}` already built (see
/// `specgate_json::Body::wrapped`), which spares copying the body.
pub(crate) fn check_spec_schema_in(schema: &crate::spec::Schema, body: &Value, wrapped: Option<&Value>, limit: usize) -> Vec<Finding> {
    match &schema.member {
        // The load's shared validator holds the schema as the property `member` (`spec::catalog`).
        Some(member) => match wrapped {
            Some(wrapped) => check_in(&schema.validator, wrapped, Some(member), &schema.origin, limit),
            None => check_in(&schema.validator, &json!({member.as_ref(): body}), Some(member), &schema.origin, limit),
        },
        None => check_schema(&schema.validator, body, &schema.origin, limit),
    }
}

/// Whether the body of `ex` passes `schema`, read from its tape (`specgate_json::tape`) without building
/// a `Value`. `false` also when the tape cannot tell: a schema without a tape validator, a
/// body not parsed into the schema's member, not JSON, or with an object that repeats a member
/// name. The caller then checks the `Value`, which also words the findings of a body that fails.
pub(crate) fn passes_on_tape(schema: &crate::spec::Schema, ex: &crate::http::Exchange) -> bool {
    let Some(validator) = &schema.tape else { return false };
    let Some(view) = ex.body.tape_as(schema.member.as_deref()) else { return false };
    match validator.outline() {
        Some(outline) => outline.is_valid(view.top()),
        None => validator.get().is_some_and(|v| v.is_valid(view.top())),
    }
}

/// Validate `body` against `validator`; one finding per violation (capped, with a count).
pub(crate) fn check_schema(validator: &jsonschema::Validator, body: &Value, origin: &str, limit: usize) -> Vec<Finding> {
    check_in(validator, body, None, origin, limit)
}

/// `member`: the body is `instance[member]`, and paths are shown without it.
fn check_in(validator: &jsonschema::Validator, instance: &Value, member: Option<&str>, origin: &str, limit: usize) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut total = 0;
    for err in validator.iter_errors(instance) {
        total += 1;
        if out.len() < limit {
            let pointer = without_member(&err.instance_path().to_string(), member, "");
            let (expected, actual) = expectation(err.kind(), err.instance());
            out.push(Finding::new(
                CheckId::Schema,
                pointer,
                expected,
                actual,
                format!("{} (schema {origin} at {})", describe(&err, member), schema_at(&err.schema_path().to_string(), member)),
            ));
        }
    }
    if total > limit {
        out.push(Finding::new(
            CheckId::Schema,
            "",
            json!(null),
            json!(total),
            format!("{} more schema violations not shown", total - limit),
        ));
    }
    out
}

/// A short message: the validator's own text quotes whole instances, which for a list
/// response means the whole body. Alternatives (`anyOf`/`oneOf`) name why each one failed.
fn describe(err: &jsonschema::ValidationError<'_>, member: Option<&str>) -> String {
    use jsonschema::error::ValidationErrorKind as K;
    let short = |e: &jsonschema::ValidationError<'_>| -> String {
        let text = worded(e);
        let text = if text.chars().count() > 160 { format!("{}…", text.chars().take(160).collect::<String>()) } else { text };
        let at = without_member(&e.instance_path().to_string(), member, "");
        if at.is_empty() {
            text
        } else {
            format!("{at}: {text}")
        }
    };
    match err.kind() {
        K::AnyOf { context } | K::OneOfNotValid { context } => {
            let why: Vec<String> = context
                .iter()
                .enumerate()
                .filter_map(|(i, errs)| errs.first().map(|e| format!("alternative {}: {}", i + 1, short(e))))
                .collect();
            format!("matches none of the {} alternatives ({})", context.len(), why.join("; "))
        }
        K::OneOfMultipleValid { .. } => "matches more than one `oneOf` alternative".to_string(),
        _ => {
            let text = worded(err);
            if text.chars().count() > 200 {
                format!("{}… ({})", text.chars().take(120).collect::<String>(), err.kind().keyword())
            } else {
                text
            }
        }
    }
}

/// The validator's text, except for the bounds: it words `exclusiveMinimum: 0` as "0 is less
/// than or equal to the minimum of 0", which reads as if 0 were allowed. Say what the value must be.
fn worded(err: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind as K;
    let must = match err.kind() {
        K::ExclusiveMinimum { limit } => format!("must be greater than {limit}"),
        K::Minimum { limit } => format!("must be at least {limit}"),
        K::ExclusiveMaximum { limit } => format!("must be less than {limit}"),
        K::Maximum { limit } => format!("must be at most {limit}"),
        _ => return err.to_string(),
    };
    format!("{} {must}", err.instance())
}

/// Where in the schema: in the load's validator, a schema file bundled under `$defs` is named
/// as the file (`/$defs/pet.json/properties/id` → `pet.json#/properties/id`).
fn schema_at(path: &str, member: Option<&str>) -> String {
    let path = without_member(path, member, "/$defs");
    if member.is_some() {
        if let Some(inner) = path.strip_prefix("/$defs/") {
            let (file, rest) = inner.split_once('/').map(|(f, r)| (f, format!("#/{r}"))).unwrap_or((inner, String::new()));
            if file.ends_with(".json") {
                return format!("{}{rest}", file.replace("~1", "/").replace("~0", "~"));
            }
        }
    }
    path
}

/// `path` without the member's own segment (`/member/...`, or `{container}/member/...`).
fn without_member(path: &str, member: Option<&str>, container: &str) -> String {
    let Some(member) = member else { return path.to_string() };
    for prefix in [format!("/{member}"), format!("/properties/{member}"), format!("{container}/{member}")] {
        if let Some(rest) = path.strip_prefix(&prefix).filter(|r| r.is_empty() || r.starts_with('/')) {
            return rest.to_string();
        }
    }
    path.to_string()
}

fn expectation(kind: &jsonschema::error::ValidationErrorKind, instance: &Value) -> (Value, Value) {
    use jsonschema::error::ValidationErrorKind as K;
    let actual = excerpt(instance);
    match kind {
        K::Type { kind } => (
            json!({ "type": format!("{kind:?}").to_lowercase().replace("single(", "").replace("multiple(", "").replace(')', "") }),
            json!({"type": type_name(instance), "value": actual}),
        ),
        K::Required { property } => (json!({ "required": property }), json!("(missing)")),
        K::Enum { options } => (json!({ "enum": options.as_ref() }), actual),
        K::Constant { expected_value } => (json!({ "const": expected_value.as_ref() }), actual),
        K::Format { format } => (json!({ "format": format }), actual),
        K::Pattern { pattern } => (json!({ "pattern": pattern }), actual),
        K::Minimum { limit } => (json!({ "minimum": limit }), actual),
        K::Maximum { limit } => (json!({ "maximum": limit }), actual),
        K::ExclusiveMinimum { limit } => (json!({ "exclusiveMinimum": limit }), actual),
        K::ExclusiveMaximum { limit } => (json!({ "exclusiveMaximum": limit }), actual),
        K::MinItems { limit } => (json!({ "minItems": limit }), json!(instance.as_array().map(Vec::len))),
        K::MaxItems { limit } => (json!({ "maxItems": limit }), json!(instance.as_array().map(Vec::len))),
        K::MinLength { limit } => (json!({ "minLength": limit }), actual),
        K::MaxLength { limit } => (json!({ "maxLength": limit }), actual),
        K::AdditionalProperties { unexpected } => (json!({ "additionalProperties": false }), json!({ "unexpected": unexpected })),
        other => (json!({ "keyword": other.keyword() }), actual),
    }
}

/// The JSON Schema type name of a value (integers apart from other numbers).
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_given_wrapped_in_its_slot_has_the_findings_of_the_copied_one() {
        let source = "specgate: 1\ntitle: t\ndoc: {file: f, section: s}\nrequest: {method: GET, path: /x}\ncases:\n  - {name: c, doc: {file: f, section: s}, level: must, expect: {status: 200, schema: {type: object, properties: {n: {type: integer}}}}}\n";
        let spec = crate::spec::load::load_str(std::path::Path::new("t.yaml"), source).unwrap();
        let schema = spec.case_schemas[0].as_ref().unwrap();
        let member = schema.member.as_deref().expect("inline schemas share the load's validator");
        let body = json!({"n": "one"});
        let copied = check_spec_schema(schema, &body, 10);
        let wrapped = check_spec_schema_in(schema, &body, Some(&json!({member: body.clone()})), 10);
        assert_eq!(copied.len(), 1);
        assert_eq!(copied[0].pointer, "/n");
        assert_eq!(format!("{copied:?}"), format!("{wrapped:?}"));
    }

    #[test]
    fn reports_every_violation_with_pointer_expected_and_actual() {
        let schema = json!({"type": "object", "required": ["images"], "properties": {"images": {"type": "array", "items": {"type": "object", "properties": {"min_ram": {"type": "integer"}}}}}});
        let v = jsonschema::validator_for(&schema).unwrap();
        let body = json!({"images": [{"min_ram": 1}, {"min_ram": "512"}, {"min_ram": true}]});
        let f = check_schema(&v, &body, "inline", 50);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].pointer, "/images/1/min_ram");
        assert_eq!(f[0].expected, json!({"type": "integer"}));
        assert_eq!(f[0].actual, json!({"type": "string", "value": "512"}));
        assert_eq!(f[1].pointer, "/images/2/min_ram");
    }

    #[test]
    fn alternatives_are_explained_without_quoting_the_body() {
        let v = jsonschema::validator_for(&json!({"anyOf": [{"required": ["images"]}, {"required": ["error"]}]})).unwrap();
        let big: Vec<serde_json::Value> = (0..200).map(|i| json!({"id": i})).collect();
        let f = check_schema(&v, &json!({"image": big}), "inline", 50);
        assert!(f[0].message.starts_with("matches none of the 2 alternatives (alternative 1: "), "{}", f[0].message);
        assert!(f[0].message.len() < 600, "{}", f[0].message);
    }

    #[test]
    fn an_exclusive_minimum_says_the_value_must_be_greater_not_less_than_or_equal() {
        let v = jsonschema::validator_for(&json!({"properties": {
            "gt": {"exclusiveMinimum": 0}, "ge": {"minimum": 1}, "lt": {"exclusiveMaximum": 10}, "le": {"maximum": 9}
        }}))
        .unwrap();
        let f = check_schema(&v, &json!({"gt": 0, "ge": 0, "lt": 10, "le": 10}), "inline", 50);
        let said: Vec<&str> = f.iter().map(|f| f.message.split(" (schema").next().unwrap()).collect();
        assert_eq!(said, ["0 must be greater than 0", "0 must be at least 1", "10 must be less than 10", "10 must be at most 9"]);
    }

    #[test]
    fn missing_required_key_is_named() {
        let v = jsonschema::validator_for(&json!({"required": ["images"]})).unwrap();
        let f = check_schema(&v, &json!({"image": []}), "inline", 50);
        assert_eq!(f[0].expected, json!({"required": "images"}));
        assert_eq!(f[0].actual, json!("(missing)"));
    }

    #[test]
    fn violations_beyond_the_cap_are_counted() {
        let v = jsonschema::validator_for(&json!({"items": {"type": "string"}})).unwrap();
        let f = check_schema(&v, &json!([1, 2, 3, 4]), "inline", 2);
        assert_eq!(f.len(), 3);
        assert_eq!(f[2].actual, json!(4));
    }
}
