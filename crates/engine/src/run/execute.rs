//! Executing one planned case: requests through a session, checks, then a verdict.

use std::time::Instant;

use crate::check::links::origin_findings;
use crate::check::{check_response, Checked, Expectation};
use crate::http::Exchange;
use crate::plan::{merge_query, PlannedCase, Work};
use crate::run::session::{Context, Session, Trace};
use crate::verdict::{CheckId, Conclusion, ExchangeRecord, Outcome, Verdict};
use specgate_json::body::Read;

/// Run `case`; `member`, its place among the cases in flight, is given back when its requests are
/// done (for a one-request case, before the checks).
pub(crate) async fn execute(ctx: &Context, case: &PlannedCase, trace: &Trace, member: tokio::sync::OwnedSemaphorePermit) -> Verdict {
    let started = Instant::now();
    let mut session = Session::new(ctx, &case.spec, &case.target, trace);
    session.fresh = fresh(case);
    let mut snapshot = None;
    let conclusion = match &case.work {
        Work::Request(i) => {
            let (c, snap) = request_case(&mut session, *i, member).await;
            snapshot = snap;
            c
        }
        Work::Invariant(inv) => super::invariant::run(inv, &mut session).await,
        Work::Equivalence(e) => super::equivalence::run(e, &mut session).await,
        Work::Isolation(c) => super::isolation::run(c, &mut session).await,
    };
    let exchanges = session.records();
    let mut verdict = verdict_of(ctx, case, conclusion, exchanges, started);
    verdict.snapshot = snapshot.map(|mut s| {
        ctx.http.redactor().json(&mut s);
        s
    });
    verdict
}

/// Whether `case` must send its requests itself (`fresh: true` on the case or its block).
fn fresh(case: &PlannedCase) -> bool {
    let file = &case.spec.file;
    match &case.work {
        Work::Request(i) => file.cases[*i].fresh,
        Work::Invariant(inv) => match inv.check {
            crate::plan::invariant::Check::Pagination(_) => file.pagination.as_ref().is_some_and(|p| p.value.fresh),
            crate::plan::invariant::Check::Filter(_) => file.filters.as_ref().is_some_and(|f| f.value.fresh),
        },
        Work::Equivalence(_) | Work::Isolation(_) => false,
    }
}

/// The verdict of a case that could not finish: never started because the run is stopping,
/// or cut after the grace. The exchanges it made so far are kept.
pub(crate) fn unfinished(ctx: &Context, case: &PlannedCase, reason: String, exchanges: Vec<ExchangeRecord>, started: Instant) -> Verdict {
    verdict_of(ctx, case, Conclusion::Error(reason, vec![]), exchanges, started)
}

/// A case the run chose not to start (`--max-fail` reached): a skip with the reason.
pub(crate) fn not_run(ctx: &Context, case: &PlannedCase, reason: String, started: Instant) -> Verdict {
    verdict_of(ctx, case, Conclusion::Skip(reason), vec![], started)
}

/// The verdict a conclusion comes to, every text redacted.
fn verdict_of(ctx: &Context, case: &PlannedCase, conclusion: Conclusion, exchanges: Vec<ExchangeRecord>, started: Instant) -> Verdict {
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
        spec: match &case.work {
            Work::Equivalence(e) => e.catalogue.path.clone(),
            Work::Isolation(c) => c.file.path.clone(),
            _ => case.spec.path.clone(),
        },
        case: case.name.clone(),
        target: case.target.name.clone(),
        outcome,
        level: case.level,
        location: case.location.clone(),
        doc: case.doc.clone(),
        why: case.why.clone(),
        reason: reason.map(|r| redactor.text(&r)),
        findings,
        requests: exchanges.len(),
        exchanges,
        elapsed_ms: started.elapsed().as_millis() as u64,
        seed: matches!(case.work, Work::Invariant(_)).then_some(ctx.seed),
        waived: None,
        snapshot: None,
    }
}

async fn request_case(
    session: &mut Session<'_>,
    index: usize,
    member: tokio::sync::OwnedSemaphorePermit,
) -> (Conclusion, Option<serde_json::Value>) {
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
    // Give the member back and let the next case send its request before this one checks: the
    // woken case would otherwise wait on this worker until the checks are done.
    drop(member);
    tokio::task::yield_now().await;
    let ex = std::mem::replace(&mut session.exchanges[i], Exchange::new("", ""));
    let (ex, mut conclusion, snapshot) = check_exchange(spec.clone(), index, ex, i).await;
    session.exchanges[i] = ex;
    if let (Some(body), Conclusion::Pass | Conclusion::Fail(_)) = (&snapshot, &conclusion) {
        if let Some(f) = snapshot_finding(session, &case.name.value, body) {
            match &mut conclusion {
                Conclusion::Fail(list) => list.push(f.on(i)),
                c => *c = Conclusion::Fail(vec![f.on(i)]),
            }
        }
    }
    (conclusion, snapshot)
}

/// Bodies from this size on are checked on the blocking pool. Their checks take milliseconds
/// (about 2.5 ms for a 1,000-image page, docs/performance.md), far more than a hand-off to
/// another thread, and the thread that runs the cases is left free to send the next request and
/// check the next body meanwhile: with `--jobs 1` that thread is libtest's own
/// (`run::Runner::driver`). Smaller bodies are checked where they arrived.
pub const CHECKED_AWAY: usize = 256 * 1024;

/// Check the response of case `index` of `spec`, exchange `i` of its session (see
/// [`CHECKED_AWAY`]); the exchange comes back with what the checks parsed, and the body for the
/// shape snapshot when the case records one.
async fn check_exchange(
    spec: std::sync::Arc<crate::spec::Spec>,
    index: usize,
    mut ex: Exchange,
    i: usize,
) -> (Exchange, Conclusion, Option<serde_json::Value>) {
    if ex.body.len() < CHECKED_AWAY {
        let (conclusion, snapshot) = check_one(&spec, index, &mut ex, i);
        return (ex, conclusion, snapshot);
    }
    let (method, url) = (ex.method.clone(), ex.url.clone());
    let checked = tokio::task::spawn_blocking(move || {
        let (conclusion, snapshot) = check_one(&spec, index, &mut ex, i);
        (ex, conclusion, snapshot)
    });
    match checked.await {
        Ok(done) => done,
        Err(e) => {
            let why = format!("internal: the checks of {method} {url} did not finish: {e}");
            (Exchange::new(method, url), Conclusion::Error(why, vec![]), None)
        }
    }
}

/// The checks of one response: status, content type, schema, links.
fn check_one(spec: &crate::spec::Spec, index: usize, ex: &mut Exchange, i: usize) -> (Conclusion, Option<serde_json::Value>) {
    let case = &spec.file.cases[index];
    let schema = spec.case_schemas[index].as_ref();
    ex.body.read_as_member(schema.and_then(|s| s.member.as_ref()));
    let ex = &*ex;
    let expect = Expectation { status: &case.expect.status, content_type: case.expect.content_type.as_deref(), schema };
    let snapshot = if case.snapshot { ex.body.json().ok().cloned() } else { None };
    let conclusion = match check_response(expect, ex, i) {
        Checked::Findings(mut f) => {
            f.extend(foreign_links(spec, ex, i));
            if f.is_empty() {
                Conclusion::Pass
            } else {
                Conclusion::Fail(f)
            }
        }
        Checked::CouldNotCheck(r) => Conclusion::Error(r, vec![]),
    };
    (conclusion, snapshot)
}

/// Links of a successful JSON response that lead away from where the request went, grouped
/// by rule (one finding for every item's `self` link).
pub(crate) fn foreign_links(spec: &crate::spec::Spec, ex: &crate::http::Exchange, index: usize) -> Vec<crate::verdict::Finding> {
    if !ex.status.is_some_and(|s| (200..300).contains(&s)) {
        return vec![];
    }
    let Ok(request) = url::Url::parse(&ex.url) else { return vec![] };
    let elsewhere = spec.file.links.as_ref().map(|l| l.elsewhere.as_slice()).unwrap_or_default();
    let found = match ex.body.cheapest() {
        Some(Read::Tree(body)) => origin_findings(&request, body, elsewhere),
        Some(Read::Tape(view)) => origin_findings(&request, view.body(), elsewhere),
        None => return vec![],
    };
    let found = found.into_iter().map(|f| f.on(index)).collect();
    crate::check::group::group(found)
}

/// Record the body's shape, or compare it with the recorded one.
fn snapshot_finding(session: &Session<'_>, case: &str, body: &serde_json::Value) -> Option<crate::verdict::Finding> {
    let shape = crate::check::snapshot::shape(body);
    let stem = session.spec.path.trim_end_matches(".yaml").trim_end_matches(".yml").replace('/', "__");
    let file = session.ctx.snapshot_dir.join(format!("{stem}__{case}@{}.shape.json", session.target.name.replace([':', '/'], "_")));
    let shown = file.display().to_string();
    match std::fs::read_to_string(&file) {
        Ok(recorded) if !session.ctx.update_snapshots => crate::check::snapshot::compare(&recorded, &shape, &shown),
        _ => {
            let text = serde_json::to_string_pretty(&shape).expect("shapes serialize") + "\n";
            let written = std::fs::create_dir_all(&session.ctx.snapshot_dir).and_then(|_| std::fs::write(&file, text));
            written.err().map(|e| {
                crate::verdict::Finding::new(
                    CheckId::Snapshot,
                    "",
                    serde_json::json!(shown),
                    serde_json::json!(null),
                    format!("cannot record the snapshot: {e}"),
                )
            })
        }
    }
}
