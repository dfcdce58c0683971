//! Running a plan: every selected case is a task on the one tokio runtime, `jobs` in flight, and
//! a libtest trial shows each verdict in plan order as it arrives. The cases never wait for a
//! libtest thread. A current-thread runtime (`--jobs 1`) runs on libtest's thread itself
//! (`Runner::driver`), so no case is handed to another thread and back. The runner
//! announces what happens on the event bus; it honours the stop switch (signals, `--deadline`)
//! so the run always ends with every selected case accounted for.

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
use tokio::sync::{oneshot, OwnedSemaphorePermit};

use crate::plan::{Plan, PlannedCase};
use crate::render;
use crate::report::progress::Progress;
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
    pub runtime: Arc<tokio::runtime::Runtime>,
    pub stop: Arc<Stop>,
    /// Cases in flight at once.
    pub jobs: usize,
    /// The terminal's progress note, told when libtest waits on a case.
    pub progress: Option<Arc<Progress>>,
}

impl Runner {
    /// Run the cases `args` selects, `self.jobs` at a time.
    pub fn run(&self, plan: &Plan, args: &Arguments) -> RunOutput {
        let sink: Arc<Mutex<Vec<(usize, Verdict)>>> = Arc::default();
        let slots = Arc::new(tokio::sync::Semaphore::new(self.jobs.max(1)));
        let trials: Vec<Trial> = plan
            .cases
            .iter()
            .enumerate()
            .map(|(index, case)| {
                // Cases libtest will not run get a trial that is never called, and no task.
                let verdict = Runner::selects(args, case).then(|| self.spawn(index, case, &slots));
                Runner::trial(case, index, verdict, &sink, self.progress.clone(), self.driver())
            })
            .collect();
        // The trials only wait for verdicts, in plan order: one libtest thread is enough.
        let shown = Arguments { test_threads: Some(1), ..args.clone() };
        let conclusion = libtest_mimic::run(&shown, trials);
        let mut verdicts = std::mem::take(&mut *sink.lock().expect("verdict sink"));
        verdicts.sort_by_key(|(index, _)| *index);
        let selected = (conclusion.num_passed + conclusion.num_failed + conclusion.num_ignored) as usize;
        RunOutput { verdicts: verdicts.into_iter().map(|(_, v)| v).collect(), selected }
    }

    /// How many cases `args` selects.
    pub fn selected(plan: &Plan, args: &Arguments) -> usize {
        plan.cases.iter().filter(|c| Runner::selects(args, c)).count()
    }

    /// Whether libtest runs `case` under `args`: its filters select it, and `--bench` or
    /// `--ignored` do not leave it out.
    pub fn selects(args: &Arguments, case: &PlannedCase) -> bool {
        let trial = Runner::probe(case);
        !args.is_filtered_out(&trial) && !args.is_ignored(&trial)
    }

    /// The width libtest pads case names to: that of the longest one its filters keep.
    pub fn name_width(plan: &Plan, args: &Arguments) -> Option<usize> {
        plan.cases.iter().filter(|c| !args.is_filtered_out(&Runner::probe(c))).map(|c| c.id.chars().count()).max()
    }

    /// A trial standing for `case`, for asking libtest's filters about it.
    fn probe(case: &PlannedCase) -> Trial {
        Trial::test(case.id.clone(), || Ok(()))
    }

    /// The runtime, when libtest's thread is to run it: a current-thread runtime has no worker
    /// of its own, so each trial runs it until its verdict arrives.
    fn driver(&self) -> Option<Arc<tokio::runtime::Runtime>> {
        let current = self.runtime.handle().runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread;
        current.then(|| self.runtime.clone())
    }

    /// Start `case` on the runtime; it waits for one of the `slots`, and its verdict, waived and
    /// announced, arrives on the returned channel.
    fn spawn(&self, index: usize, case: &PlannedCase, slots: &Arc<tokio::sync::Semaphore>) -> oneshot::Receiver<Verdict> {
        let (tx, rx) = oneshot::channel();
        let (ctx, waivers, stop, slots, case) = (self.ctx.clone(), self.waivers.clone(), self.stop.clone(), slots.clone(), case.clone());
        self.runtime.spawn(async move {
            let Ok(slot) = slots.acquire_owned().await else { return };
            let mut verdict = run_case(&ctx, &case, index, &stop, slot).await;
            crate::waiver::waive(&mut verdict, &waivers);
            ctx.events.emit(Event::CaseFinished { index, verdict: &verdict });
            let _ = tx.send(verdict);
        });
        rx
    }

    fn trial(
        case: &PlannedCase,
        index: usize,
        verdict: Option<oneshot::Receiver<Verdict>>,
        sink: &Arc<Mutex<Vec<(usize, Verdict)>>>,
        progress: Option<Arc<Progress>>,
        driver: Option<Arc<tokio::runtime::Runtime>>,
    ) -> Trial {
        let sink = sink.clone();
        Trial::ignorable_test(case.id.clone(), move || {
            let verdict = verdict.ok_or_else(|| Failed::from("internal: a case libtest selected was not started"))?;
            progress.iter().for_each(|p| p.wait_begins());
            let verdict = match &driver {
                Some(runtime) => runtime.block_on(verdict),
                None => verdict.blocking_recv(),
            };
            progress.iter().for_each(|p| p.wait_ends());
            let verdict = verdict.map_err(|_| Failed::from("internal: the case ended without a verdict (it panicked)"))?;
            let result = trial_result(&verdict);
            sink.lock().expect("verdict sink").push((index, verdict));
            result
        })
    }
}

/// One case: not started when the run is stopping, cut when the grace is over.
/// `slot` is the case's place among the `jobs` in flight; it is given back once the case has
/// made its requests, so the next case's requests overlap this one's checks.
async fn run_case(ctx: &Context, case: &PlannedCase, index: usize, stop: &Stop, slot: OwnedSemaphorePermit) -> Verdict {
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
        verdict = execute::execute(ctx, case, &trace, slot) => verdict,
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
