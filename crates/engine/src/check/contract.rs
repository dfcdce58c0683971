//! Every response a derived case receives held to the listing's contract: the status, content
//! type and schema that the spec's plain listing case (`list-default`) promises hold for every
//! page of every walk, filtered, sorted or probed, not only for the first page of one.

use super::response::{check_response, Expectation};
use super::Checked;
use crate::http::Exchange;
use crate::spec::model::Level;
use crate::spec::Spec;
use crate::verdict::{Conclusion, Finding, Shift};

/// Responses whose findings are kept whole; later broken responses are only counted, so a walk
/// of a million broken pages costs a few findings, not a million.
const KEPT_RESPONSES: usize = 10;

/// What every listing response must satisfy: the first `must` case of the spec that asks the
/// listing without a query of its own and expects a success with a schema or content type.
pub(crate) fn listing_contract(spec: &Spec) -> Option<Expectation<'_>> {
    spec.file.cases.iter().zip(&spec.case_schemas).find_map(|(case, schema)| {
        let plain = case.query.is_empty() && case.level == Level::Must && (200..300).any(|s| case.expect.status.contains(s));
        (plain && (schema.is_some() || case.expect.content_type.is_some())).then_some(Expectation {
            status: &case.expect.status,
            content_type: case.expect.content_type.as_deref(),
            schema: schema.as_ref(),
        })
    })
}

/// The findings of the responses of one case, gathered as they come (bounded).
#[derive(Debug, Default)]
pub(crate) struct Responses {
    /// The findings kept, each with the index of the response that showed it.
    findings: Vec<(usize, Finding)>,
    /// Responses that broke the contract, kept or not.
    broken: usize,
    checked: usize,
    /// The last response that broke it (one response, one count).
    last: Option<usize>,
}

impl Responses {
    /// Check `ex` (exchange `index` of the case) against `expect`. A response that could not be
    /// checked (not JSON) is left to the walk, which reports it as stuck.
    pub(crate) fn check(&mut self, expect: Expectation<'_>, ex: &Exchange, index: usize) {
        self.checked += 1;
        let Checked::Findings(found) = check_response(expect, ex, index) else { return };
        self.add(ex, index, found);
    }

    /// Findings of other checks of a response already counted by [`Responses::check`]: those
    /// of its links.
    pub(crate) fn add(&mut self, ex: &Exchange, index: usize, found: Vec<Finding>) {
        if found.is_empty() {
            return;
        }
        if self.last != Some(index) {
            self.broken += 1;
            self.last = Some(index);
        }
        if self.broken > KEPT_RESPONSES {
            return;
        }
        for mut f in found {
            // The request that showed it: a listing's later pages differ only in their query.
            f.message = format!("{} {}: {}", ex.method, ex.url, f.message);
            self.findings.push((index, f));
        }
    }

    /// Take the findings of a branch of the case (`run::branch`) after these, its response
    /// indices moved by `offset`: the same as if its responses had come after these ones.
    pub(crate) fn absorb(&mut self, branch: Responses, offset: usize) {
        self.checked += branch.checked;
        let mut kept = 0;
        for (index, mut f) in branch.findings {
            let index = index + offset;
            if self.last != Some(index) {
                self.broken += 1;
                kept += 1;
                self.last = Some(index);
            }
            if self.broken <= KEPT_RESPONSES {
                f.shift(offset);
                self.findings.push((index, f));
            }
        }
        self.broken += branch.broken - kept;
        self.last = branch.last.map(|i| i + offset).or(self.last);
    }

    /// The findings, with a count of the broken responses that were not kept.
    pub(crate) fn findings(&self) -> Vec<Finding> {
        let mut out = super::group::group(self.findings.iter().map(|(_, f)| f.clone()).collect());
        if self.broken > KEPT_RESPONSES {
            if let Some(first) = out.first_mut() {
                first.message = format!(
                    "{} (and {} more of the {} responses broke the listing's contract)",
                    first.message,
                    self.broken - KEPT_RESPONSES,
                    self.checked
                );
            }
        }
        out
    }

    /// `conclusion` with these findings added: a case whose own check passed or was skipped
    /// still fails when a response it received broke the contract.
    pub(crate) fn conclude(&self, conclusion: Conclusion) -> Conclusion {
        let found = self.findings();
        if found.is_empty() {
            return conclusion;
        }
        match conclusion {
            Conclusion::Pass | Conclusion::Skip(_) => Conclusion::Fail(found),
            Conclusion::Fail(mut f) => {
                f.extend(found);
                Conclusion::Fail(f)
            }
            Conclusion::Error(r, mut f) => {
                f.extend(found);
                Conclusion::Error(r, f)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::StatusSet;
    use serde_json::json;
    use std::sync::Arc;
    use std::time::Duration;

    fn page(n: usize, body: &str) -> Exchange {
        Exchange {
            status: Some(200),
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec().into(),
            elapsed: Duration::from_millis(1),
            ..Exchange::new("GET", format!("http://t/images?marker={n}"))
        }
    }

    fn schema() -> crate::spec::Schema {
        let v = jsonschema::validator_for(&json!({"properties": {"images": {"items": {"required": ["id"]}}}})).unwrap();
        crate::spec::Schema { validator: Arc::new(v), member: None, tape: None, origin: "inline".into(), pos: Default::default() }
    }

    #[test]
    fn a_schema_break_on_a_later_page_fails_the_case_and_names_its_request() {
        let s = schema();
        let expect = Expectation { status: &StatusSet::One(200), content_type: Some("application/json"), schema: Some(&s) };
        let mut r = Responses::default();
        r.check(expect, &page(1, r#"{"images": [{"id": "a"}]}"#), 0);
        r.check(expect, &page(2, r#"{"images": [{"name": "b"}]}"#), 1);
        let Conclusion::Fail(f) = r.conclude(Conclusion::Pass) else { panic!() };
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].exchange, Some(1));
        assert!(f[0].message.starts_with("GET http://t/images?marker=2: "), "{}", f[0].message);
    }

    #[test]
    fn a_huge_broken_walk_keeps_a_few_responses_and_counts_the_rest() {
        let expect = Expectation { status: &StatusSet::One(200), content_type: Some("application/json"), schema: None };
        let mut r = Responses::default();
        for i in 0..1000 {
            let mut ex = page(i, "{}");
            ex.headers = vec![("content-type".into(), "text/html".into())];
            r.check(expect, &ex, i);
        }
        let f = r.findings();
        assert_eq!(f.len(), KEPT_RESPONSES);
        assert!(f[0].message.ends_with("(and 990 more of the 1000 responses broke the listing's contract)"), "{}", f[0].message);
    }

    #[test]
    fn branches_absorbed_in_order_keep_and_count_as_one_walk_would() {
        let expect = Expectation { status: &StatusSet::One(200), content_type: Some("application/json"), schema: None };
        let broken = |i: usize| {
            let mut ex = page(i, "{}");
            ex.headers = vec![("content-type".into(), "text/html".into())];
            ex
        };
        // One walk of 30 broken responses, against three branches of 10 taken back in order.
        let mut one = Responses::default();
        (0..30).for_each(|i| one.check(expect, &broken(i), i));
        let mut case = Responses::default();
        for b in 0..3 {
            let mut branch = Responses::default();
            (0..10).for_each(|i| branch.check(expect, &broken(10 * b + i), i));
            case.absorb(branch, 10 * b);
        }
        assert_eq!(case.findings(), one.findings());
        assert_eq!(case.findings()[9].exchange, Some(9));
    }

    #[test]
    fn clean_responses_leave_the_conclusion_alone() {
        let r = Responses::default();
        assert_eq!(r.conclude(Conclusion::Skip("s".into())), Conclusion::Skip("s".into()));
    }
}
