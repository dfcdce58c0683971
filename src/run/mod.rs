//! Running a plan as libtest trials: one trial per case per target, `jobs` in flight, each
//! driven on the one tokio runtime. The runner announces what happens on the event bus; it
//! honours the stop switch (signals, `--deadline`) so the run always ends with every selected
//! case accounted for.

pub mod equivalence;
pub mod event;
pub mod execute;
pub mod health;
pub mod invariant;
pub mod sample;
pub mod select;
pub mod session;
pub mod stop;
pub mod walk;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use libtest_mimic::{Arguments, Completion, Failed, Trial};

use crate::plan::{Plan, PlannedCase};
use crate::render;
use crate::verdict::{Class, Verdict};
use crate::waiver::Waiver;
use event::Event;
use session::{Context, Trace};
use stop::Stop;

/// Cases in flight by default: a test suite against an HTTP API is I/O-bound, so this does not
/// follow the CPU count.
pub const DEFAULT_JOBS: usize = 8;

/// What a run produced.
pub struct RunOutput {
    /// Verdicts in plan order.
    pub verdicts: Vec<Verdict>,
    /// Cases the libtest filters selected (0 means nothing ran).
    pub selected: usize,
}

/// What a run needs besides the plan.
pub struct Runner {
    pub ctx: Arc<Context>,
    pub waivers: Arc<Vec<Waiver>>,
    pub runtime: tokio::runtime::Handle,
    pub stop: Arc<Stop>,
}

impl Runner {
    /// Run the cases `args` selects, `args.test_threads` at a time.
    pub fn run(&self, plan: &Plan, args: &Arguments) -> RunOutput {
        let sink: Arc<Mutex<Vec<(usize, Verdict)>>> = Arc::default();
        let trials: Vec<Trial> = plan.cases.iter().enumerate().map(|(index, case)| self.trial(index, case, &sink)).collect();
        let conclusion = libtest_mimic::run(args, trials);
        let mut verdicts = std::mem::take(&mut *sink.lock().expect("verdict sink"));
        verdicts.sort_by_key(|(index, _)| *index);
        let selected = (conclusion.num_passed + conclusion.num_failed + conclusion.num_ignored) as usize;
        RunOutput { verdicts: verdicts.into_iter().map(|(_, v)| v).collect(), selected }
    }

    /// How many cases `args` selects.
    pub fn selected(plan: &Plan, args: &Arguments) -> usize {
        plan.cases.iter().filter(|c| Runner::selects(args, c)).count()
    }

    /// Whether the libtest filters in `args` select `case`.
    pub fn selects(args: &Arguments, case: &PlannedCase) -> bool {
        !args.is_filtered_out(&Trial::test(case.id.clone(), || Ok(())))
    }

    fn trial(&self, index: usize, case: &PlannedCase, sink: &Arc<Mutex<Vec<(usize, Verdict)>>>) -> Trial {
        let (ctx, waivers, runtime, stop, sink, case) =
            (self.ctx.clone(), self.waivers.clone(), self.runtime.clone(), self.stop.clone(), sink.clone(), case.clone());
        Trial::ignorable_test(case.id.clone(), move || {
            let mut verdict = runtime.block_on(run_case(&ctx, &case, index, &stop));
            crate::waiver::waive(&mut verdict, &waivers);
            ctx.events.emit(Event::CaseFinished { index, verdict: &verdict });
            let result = trial_result(&verdict);
            sink.lock().expect("verdict sink").push((index, verdict));
            result
        })
    }
}

/// One case: not started when the run is stopping, cut when the grace is over.
async fn run_case(ctx: &Context, case: &PlannedCase, index: usize, stop: &Stop) -> Verdict {
    let started = Instant::now();
    if let Some(reason) = stop.reason() {
        return execute::unfinished(ctx, case, format!("not run: {reason}"), vec![], started);
    }
    ctx.events.emit(Event::CaseStarted { index, id: &case.id, target: &case.target.name });
    let trace = Trace::new(index, &case.id, &case.target.name);
    tokio::select! {
        biased;
        reason = stop.cut() => {
            let why = format!("not finished: {reason}; cut after a grace of {} s", stop.grace().as_secs_f64());
            execute::unfinished(ctx, case, why, trace.records(), started)
        }
        verdict = execute::execute(ctx, case, &trace) => verdict,
    }
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
