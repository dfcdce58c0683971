//! Running a plan as libtest trials: one trial per case per target, executed on one tokio
//! runtime, verdicts collected for the reporters.

pub mod execute;
pub mod session;

use std::sync::{Arc, Mutex};

use libtest_mimic::{Arguments, Completion, Failed, Trial};

use crate::plan::Plan;
use crate::render;
use crate::verdict::{Class, Verdict};
use crate::waiver::Waiver;
use session::Context;

/// What a run produced.
pub struct RunOutput {
    /// Verdicts in plan order.
    pub verdicts: Vec<Verdict>,
    /// Cases the libtest filters selected (0 means nothing ran).
    pub selected: usize,
    /// `--list` was given: nothing ran, the plan was printed.
    pub listed: bool,
}

pub fn run_plan(plan: &Plan, ctx: Arc<Context>, waivers: Arc<Vec<Waiver>>, handle: tokio::runtime::Handle, args: &Arguments) -> RunOutput {
    let sink: Arc<Mutex<Vec<(usize, Verdict)>>> = Arc::default();
    let trials = plan
        .cases
        .iter()
        .enumerate()
        .map(|(order, case)| {
            let (ctx, case, handle, sink, waivers) = (ctx.clone(), case.clone(), handle.clone(), sink.clone(), waivers.clone());
            Trial::ignorable_test(case.id.clone(), move || {
                let mut verdict = handle.block_on(execute::execute(&ctx, &case));
                crate::waiver::waive(&mut verdict, &waivers);
                let result = trial_result(&verdict);
                sink.lock().expect("verdict sink").push((order, verdict));
                result
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(args, trials);
    let mut verdicts = std::mem::take(&mut *sink.lock().expect("verdict sink"));
    verdicts.sort_by_key(|(order, _)| *order);
    let selected = (conclusion.num_passed + conclusion.num_failed + conclusion.num_ignored) as usize;
    RunOutput { verdicts: verdicts.into_iter().map(|(_, v)| v).collect(), selected, listed: args.list }
}

/// How libtest shows a verdict: `should` failures and skips as ignored-with-reason, so only
/// gate failures and errors are red.
fn trial_result(v: &Verdict) -> Result<Completion, Failed> {
    match v.class() {
        Class::Pass => Ok(Completion::Completed),
        Class::Waived => Ok(Completion::ignored_with(format!("waived: {}", v.waived.as_deref().unwrap_or("")))),
        Class::Skip => Ok(Completion::ignored_with(format!("skip: {}", v.reason.as_deref().unwrap_or("")))),
        Class::Warn => Ok(Completion::ignored_with(format!("warning (should): {}", render::first_line(v)))),
        Class::Fail | Class::Error => Err(Failed::from(render::verdict_text(v))),
    }
}
