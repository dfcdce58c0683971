//! The response checks of a case: status, content type, JSON body, schema.

use serde_json::json;

use super::schema::check_schema;
use super::Checked;
use crate::http::Exchange;
use crate::spec::model::StatusSet;
use crate::spec::Schema;
use crate::verdict::Finding;

/// What one response must satisfy.
#[derive(Debug, Clone, Copy)]
pub struct Expectation<'a> {
    pub status: &'a StatusSet,
    pub content_type: Option<&'a str>,
    pub schema: Option<&'a Schema>,
}

/// Most schema findings reported per response.
const SCHEMA_FINDINGS: usize = 50;

/// Check `ex` (exchange number `index` of its case) against `expect`.
///
/// A transport failure, or a body that is not JSON while nothing else is wrong, means the
/// response could not be checked; a body that is not JSON next to a wrong status or content
/// type is part of the contract break.
pub fn check_response(expect: Expectation<'_>, ex: &Exchange, index: usize) -> Checked {
    if let Some(err) = &ex.error {
        return Checked::CouldNotCheck(format!("{} {}: {err}", ex.method, ex.url));
    }
    let status = ex.status.unwrap_or(0);
    let mut findings = Vec::new();
    if !expect.status.contains(status) {
        findings.push(
            Finding::new(
                "status",
                "",
                expect.status.to_json(),
                json!(status),
                format!("expected status {}, got {status}; body: {}", expect.status.to_json(), ex.body_excerpt(200)),
            )
            .on(index),
        );
    }
    if let Some(want) = expect.content_type {
        let got = ex.media_type();
        if got.as_deref() != Some(&want.to_ascii_lowercase()) {
            findings.push(
                Finding::new(
                    "content_type",
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
    match ex.json() {
        Ok(body) => {
            findings.extend(check_schema(&schema.validator, &body, &schema.origin, SCHEMA_FINDINGS).into_iter().map(|f| f.on(index)));
            Checked::Findings(findings)
        }
        Err(msg) if findings.is_empty() => Checked::CouldNotCheck(format!("{} {}: {msg}", ex.method, ex.url)),
        Err(msg) => {
            findings.push(Finding::new("json", "", json!("a JSON body"), json!(ex.body_excerpt(120)), msg).on(index));
            Checked::Findings(findings)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    fn exchange(status: u16, ctype: &str, body: &str) -> Exchange {
        Exchange {
            method: "GET".into(),
            url: "http://t/x".into(),
            status: Some(status),
            headers: vec![("content-type".into(), ctype.into())],
            body: body.as_bytes().to_vec(),
            elapsed: Duration::from_millis(1),
            error: None,
        }
    }

    fn schema() -> Schema {
        let v = jsonschema::validator_for(&json!({"required": ["images"]})).unwrap();
        Schema { validator: Arc::new(v), origin: "inline".into(), pos: Default::default() }
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
}
