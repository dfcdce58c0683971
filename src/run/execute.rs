//! Executing one planned case: requests through a session, checks, then a verdict.

use std::time::Instant;

use crate::check::{check_response, Checked, Expectation};
use crate::invariant;
use crate::plan::{merge_query, PlannedCase, Work};
use crate::run::session::{Context, Session};
use crate::verdict::{Conclusion, Outcome, Verdict};

pub async fn execute(ctx: &Context, case: &PlannedCase) -> Verdict {
    let started = Instant::now();
    let mut session = Session::new(ctx, &case.spec, &case.target);
    let mut snapshot = None;
    let conclusion = match &case.work {
        Work::Request(i) => {
            let (c, snap) = request_case(&mut session, *i).await;
            snapshot = snap;
            c
        }
        Work::Invariant(inv) => invariant::run(inv, &mut session).await,
    };
    let redactor = ctx.http.redactor();
    let (outcome, reason, mut findings) = match conclusion {
        Conclusion::Pass => (Outcome::Pass, None, vec![]),
        Conclusion::Fail(f) => (Outcome::Fail, None, f),
        Conclusion::Error(r, f) => (Outcome::Error, Some(r), f),
        Conclusion::Skip(r) => (Outcome::Skip, Some(r), vec![]),
    };
    for f in &mut findings {
        f.message = redactor.text(&f.message);
        redactor.json(&mut f.expected);
        redactor.json(&mut f.actual);
    }
    Verdict {
        id: case.id.clone(),
        spec: case.spec.path.clone(),
        case: case.name.clone(),
        target: case.target.name.clone(),
        outcome,
        level: case.level,
        location: case.location.clone(),
        doc: case.doc.clone(),
        why: case.why.clone(),
        reason: reason.map(|r| redactor.text(&r)),
        findings,
        requests: session.requests(),
        exchanges: session.exchanges.iter().map(|e| e.record()).collect(),
        elapsed_ms: started.elapsed().as_millis() as u64,
        seed: matches!(case.work, Work::Invariant(_)).then_some(ctx.seed),
        waived: None,
        snapshot: snapshot.map(|mut s| {
            redactor.json(&mut s);
            s
        }),
    }
}

async fn request_case(session: &mut Session<'_>, index: usize) -> (Conclusion, Option<serde_json::Value>) {
    let spec = session.spec.clone();
    let case = &spec.file.cases[index];
    let query = merge_query(&spec.file.request.query, &case.query);
    let url = match session.url(&query) {
        Ok(u) => u,
        Err(e) => return (Conclusion::Error(e, vec![]), None),
    };
    let headers = session.headers(&case.headers);
    let i = match session.send(url, headers).await {
        Ok(i) => i,
        Err(e) => return (Conclusion::Error(e.to_string(), vec![]), None),
    };
    let ex = &session.exchanges[i];
    let expect = Expectation {
        status: &case.expect.status,
        content_type: case.expect.content_type.as_deref(),
        schema: spec.case_schemas[index].as_ref(),
    };
    let snapshot = if case.snapshot { ex.json().ok() } else { None };
    let conclusion = match check_response(expect, ex, i) {
        Checked::Findings(f) if f.is_empty() => Conclusion::Pass,
        Checked::Findings(f) => Conclusion::Fail(f),
        Checked::CouldNotCheck(r) => Conclusion::Error(r, vec![]),
    };
    (conclusion, snapshot)
}
