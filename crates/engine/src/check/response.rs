//! The response checks of a case: status, content type, JSON body, schema.

use serde_json::json;

use super::group::{count_items, group};
use super::schema::{check_spec_schema_in, passes_on_tape};
use super::Checked;
use crate::http::Exchange;
use crate::spec::model::StatusSet;
use crate::spec::Schema;
use crate::verdict::{CheckId, Finding};

/// What one response must satisfy.
#[derive(Debug, Clone, Copy)]
pub struct Expectation<'a> {
    pub status: &'a StatusSet,
    pub content_type: Option<&'a str>,
    pub schema: Option<&'a Schema>,
}

/// Most schema violations recorded per response. They are grouped by rule, so this bounds
/// the size of `results.json`, not the length of what a person reads.
const SCHEMA_FINDINGS: usize = 2000;

/// Check `ex` (exchange number `index` of its case) against `expect`.
///
/// A transport failure, or a body that is not JSON while nothing else is wrong, means the
/// response could not be checked; a body that is not JSON next to a wrong content type is
/// part of the contract break.
///
/// A body that declares itself JSON and is not (a proxy's HTML page, a truncated stream) is
/// garbage: nothing in that exchange, its status included, can be trusted as the API's answer,
/// so it could not be checked.
///
/// A wrong status is the whole finding: the body then belongs to another response than the
/// one the content type and schema describe, so checking it against them would only add
/// noise (a 200 where a 400 was expected has no `error.message`). The status finding quotes
/// the start of the body instead.
pub fn check_response(expect: Expectation<'_>, ex: &Exchange, index: usize) -> Checked {
    if let Some(err) = &ex.error {
        return Checked::CouldNotCheck(format!("{} {}: {err}", ex.method, ex.url));
    }
    if declares_json(ex) && !ex.body.is_empty() {
        if let Err(msg) = ex.body.parses() {
            return Checked::CouldNotCheck(format!("{} {}: declared as JSON but {msg}", ex.method, ex.url));
        }
    }
    let status = ex.status.unwrap_or(0);
    let mut findings = Vec::new();
    if !expect.status.contains(status) {
        findings.push(
            Finding::new(
                CheckId::Status,
                "",
                expect.status.to_json(),
                json!(status),
                format!("expected status {}, got {status}; body: {}", expect.status.to_json(), ex.body.excerpt(200)),
            )
            .on(index),
        );
        return Checked::Findings(findings);
    }
    if let Some(want) = expect.content_type {
        let got = ex.media_type();
        if got.as_deref() != Some(&want.to_ascii_lowercase()) {
            findings.push(
                Finding::new(
                    CheckId::ContentType,
                    "",
                    json!(want),
                    json!(ex.header("content-type")),
                    format!("expected Content-Type {want}, got {}", ex.header("content-type").unwrap_or("(none)")),
                )
                .on(index),
            );
        }
    }
    let Some(schema) = expect.schema else {
        return Checked::Findings(findings);
    };
    if passes_on_tape(schema, ex) {
        return Checked::Findings(findings);
    }
    match ex.body.json() {
        Ok(body) => {
            let wrapped = schema.member.as_deref().and_then(|member| ex.body.wrapped(member));
            let mut found = group(check_spec_schema_in(schema, body, wrapped, SCHEMA_FINDINGS).into_iter().map(|f| f.on(index)).collect());
            count_items(&mut found, body);
            findings.extend(found);
            Checked::Findings(findings)
        }
        Err(msg) if findings.is_empty() => Checked::CouldNotCheck(format!("{} {}: {msg}", ex.method, ex.url)),
        Err(msg) => {
            findings.push(Finding::new(CheckId::Json, "", json!("a JSON body"), json!(ex.body.excerpt(120)), msg).on(index));
            Checked::Findings(findings)
        }
    }
}

/// Whether the Content-Type says the body is JSON (`application/json`, `…+json`).
fn declares_json(ex: &Exchange) -> bool {
    ex.media_type().is_some_and(|m| m == "application/json" || m.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::sync::Arc;
    use std::time::Duration;

    fn exchange(status: u16, ctype: &str, body: &str) -> Exchange {
        Exchange {
            status: Some(status),
            headers: vec![("content-type".into(), ctype.into())],
            body: body.as_bytes().to_vec().into(),
            elapsed: Duration::from_millis(1),
            ..Exchange::new("GET", "http://t/x")
        }
    }

    fn schema() -> Schema {
        let v = jsonschema::validator_for(&json!({"required": ["images"]})).unwrap();
        Schema { validator: Arc::new(v), member: None, tape: None, origin: "inline".into(), pos: Default::default() }
    }

    #[test]
    fn passing_response_has_no_findings() {
        let s = schema();
        let e = Expectation { status: &StatusSet::One(200), content_type: Some("application/json"), schema: Some(&s) };
        assert_eq!(check_response(e, &exchange(200, "application/json; charset=UTF-8", r#"{"images":[]}"#), 0), Checked::Findings(vec![]));
    }

    #[test]
    fn garbage_with_right_status_could_not_be_checked() {
        let s = schema();
        let e = Expectation { status: &StatusSet::One(200), content_type: Some("application/json"), schema: Some(&s) };
        assert!(
            matches!(check_response(e, &exchange(200, "application/json", "<<garbage"), 0), Checked::CouldNotCheck(m) if m.contains("not JSON"))
        );
    }

    #[test]
    fn html_error_body_is_a_contract_break() {
        let s = schema();
        let e = Expectation { status: &StatusSet::One(400), content_type: Some("application/json"), schema: Some(&s) };
        let Checked::Findings(f) = check_response(e, &exchange(400, "text/html", "<html>400 Bad Request</html>"), 3) else { panic!() };
        assert_eq!(f.iter().map(|f| f.check.as_str()).collect::<Vec<_>>(), vec!["content_type", "json"]);
        assert_eq!(f[0].exchange, Some(3));
    }

    #[test]
    fn wrong_status_is_reported_with_body_excerpt() {
        let e = Expectation { status: &StatusSet::Any(vec![400, 404]), content_type: None, schema: None };
        let Checked::Findings(f) = check_response(e, &exchange(200, "application/json", "{}"), 0) else { panic!() };
        assert_eq!(f[0].expected, json!([400, 404]));
        assert_eq!(f[0].actual, json!(200));
        assert!(f[0].message.contains("body: {}"));
    }

    #[test]
    fn wrong_status_is_not_checked_against_the_expected_responses_schema() {
        let s = jsonschema::validator_for(&json!({"required": ["error"]})).unwrap();
        let s = Schema { validator: Arc::new(s), member: None, tape: None, origin: "inline".into(), pos: Default::default() };
        let e = Expectation { status: &StatusSet::One(400), content_type: Some("application/json"), schema: Some(&s) };
        let Checked::Findings(f) = check_response(e, &exchange(200, "text/plain", r#"{"images":[]}"#), 0) else { panic!() };
        assert_eq!(f.iter().map(|f| f.check.to_string()).collect::<Vec<_>>(), vec!["status"]);
        assert!(f[0].message.contains(r#"body: {"images":[]}"#), "{}", f[0].message);
    }

    #[test]
    fn schema_violations_of_one_rule_are_one_finding_counting_the_items() {
        let s =
            jsonschema::validator_for(&json!({"properties": {"images": {"items": {"properties": {"minRam": {"exclusiveMinimum": 0}}}}}}))
                .unwrap();
        let s = Schema { validator: Arc::new(s), member: None, tape: None, origin: "inline".into(), pos: Default::default() };
        let e = Expectation { status: &StatusSet::One(200), content_type: None, schema: Some(&s) };
        let body = r#"{"images":[{"minRam":0},{"minRam":5},{"minRam":0},{"minRam":0}]}"#;
        let Checked::Findings(f) = check_response(e, &exchange(200, "application/json", body), 2) else { panic!() };
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].count(), f[0].of), (3, Some(4)));
        assert_eq!(f[0].instances[2].pointer, "/images/3/minRam");
        assert_eq!(f[0].instances[2].exchange, Some(2));
    }

    /// `schema` with its validator for tapes, as the load compiles it.
    fn both_ways(schema: Value) -> Schema {
        let tape = Some(Arc::new(crate::spec::TapeValidator::inline(&schema)));
        Schema {
            validator: Arc::new(jsonschema::validator_for(&schema).unwrap()),
            member: None,
            tape,
            origin: "inline".into(),
            pos: Default::default(),
        }
    }

    #[test]
    fn a_passing_body_is_checked_on_its_tape_and_never_built_into_a_value() {
        let s = both_ways(json!({"required": ["images"], "properties": {"images": {"items": {"required": ["id"]}}}}));
        let e = Expectation { status: &StatusSet::One(200), content_type: Some("application/json"), schema: Some(&s) };
        let ex = exchange(200, "application/json", r#"{"images": [{"id": "a"}, {"id": "b"}]}"#);
        assert_eq!(check_response(e, &ex, 0), Checked::Findings(vec![]));
        // The tape was read, and no tree built: the tape is the cheapest form at hand.
        assert!(matches!(ex.body.cheapest(), Some(specgate_json::body::Read::Tape(_))));
    }

    #[test]
    fn a_failing_body_is_worded_from_its_value_as_before() {
        let s = both_ways(json!({"properties": {"images": {"items": {"properties": {"minRam": {"exclusiveMinimum": 0}}}}}}));
        let e = Expectation { status: &StatusSet::One(200), content_type: None, schema: Some(&s) };
        let ex = exchange(200, "application/json", r#"{"images":[{"minRam":0},{"minRam":5},{"minRam":0},{"minRam":0}]}"#);
        let Checked::Findings(f) = check_response(e, &ex, 2) else { panic!() };
        assert_eq!((f.len(), f[0].count(), f[0].of), (1, 3, Some(4)));
        assert_eq!(f[0].instances[2].pointer, "/images/3/minRam");
    }

    #[test]
    fn a_body_that_repeats_a_member_name_is_judged_by_its_last_value() {
        // A tape reads the first of two members of one name, a `Value` keeps the last: such a
        // body is checked through its `Value`, whichever way the first one would have gone.
        let s = both_ways(json!({"properties": {"a": {"type": "string"}}}));
        let e = Expectation { status: &StatusSet::One(200), content_type: None, schema: Some(&s) };
        let ex = exchange(200, "application/json", r#"{"a": 1, "a": "x"}"#);
        assert_eq!(check_response(e, &ex, 0), Checked::Findings(vec![]));
        let ex = exchange(200, "application/json", r#"{"a": "x", "a": 1}"#);
        let Checked::Findings(f) = check_response(e, &ex, 0) else { panic!() };
        assert_eq!(f.iter().map(|f| f.pointer.as_str()).collect::<Vec<_>>(), vec!["/a"]);
    }

    #[test]
    fn garbage_declared_as_json_is_not_checked_even_with_a_wrong_status() {
        let expect = Expectation { status: &StatusSet::One(400), content_type: Some("application/json"), schema: None };
        let ex = exchange(200, "application/json; charset=utf-8", "<html>maintenance</html>");
        match check_response(expect, &ex, 0) {
            Checked::CouldNotCheck(r) => assert!(r.contains("declared as JSON but body is not JSON"), "{r}"),
            other => panic!("{other:?}"),
        }
    }
}
