//! Running a plan: every selected case is a task on the one tokio runtime, `jobs` in flight, and
//! a libtest trial shows each verdict in plan order as it arrives. The cases never wait for a
//! libtest thread. A current-thread runtime (`--jobs 1`) runs on libtest's thread itself
//! (`Runner::driver`), so no case is handed to another thread and back. The runner only emits:
//! every result leaves it as an event (`crate::events`), from `RunStarted` to `RunFinished`. It
//! honours the stop switch (signals, `--deadline`, `--max-fail`) so the run always ends with
//! every selected case accounted for.

pub(crate) mod equivalence;
pub mod execute;
pub(crate) mod health;
pub(crate) mod invariant;
pub(crate) mod isolation;
pub(crate) mod sample;
pub mod session;
pub(crate) mod shared;
pub mod stop;
pub(crate) mod walk;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use tokio::sync::{oneshot, OwnedSemaphorePermit};

use crate::events::{Changed, CriticalPath, Event, Events, Stopped, TargetInfo, Traffic};
use crate::plan::{Plan, PlannedCase};
use crate::render;
use crate::verdict::{Class, Summary, Verdict};
use crate::waiver::Waiver;
use session::{Chain, Context, Session, Trace};
use stop::{Stop, StopReason};

/// What a run needs besides the plan.
pub struct Runner {
    pub ctx: Arc<Context>,
    pub waivers: Arc<Vec<Waiver>>,
    pub runtime: Arc<tokio::runtime::Runtime>,
    pub stop: Arc<Stop>,
    /// Cases in flight at once.
    pub jobs: usize,
    /// `--max-fail N`: no case starts once N cases failed the gate or errored.
    pub max_fail: Option<usize>,
}

/// The run's own account of what it emitted, for `RunFinished`.
#[derive(Default)]
struct Account {
    summary: Mutex<Summary>,
    /// Cases that failed the gate or errored, for `--max-fail`.
    red: AtomicUsize,
    /// The longest chain of dependent requests of any case so far, and that case.
    longest: Mutex<(Chain, String)>,
}

impl Account {
    fn chain(&self, chain: Chain, case: &str) {
        let mut longest = self.longest.lock().unwrap_or_else(|p| p.into_inner());
        if chain > longest.0 {
            *longest = (chain, case.to_string());
        }
    }
}

impl Runner {
    /// Run the cases `args` selects, `self.jobs` at a time, from `RunStarted` to `RunFinished`.
    pub fn run(&self, plan: &Plan, args: &Arguments, targets: &[TargetInfo]) {
        let events = self.ctx.events.clone();
        let selected = Runner::selected(plan, args);
        events.emit(Event::RunStarted { specgate: env!("CARGO_PKG_VERSION"), targets, cases: selected, jobs: self.jobs });
        let account = Arc::new(Account::default());
        let started = Instant::now();
        let slots = Arc::new(tokio::sync::Semaphore::new(self.jobs.max(1)));
        let shown = Arc::new(Mutex::new(HashMap::new()));
        let trials: Vec<Trial> = plan
            .cases
            .iter()
            .enumerate()
            .map(|(index, case)| {
                // Cases libtest will not run get a trial that is never called, and no task.
                let verdict = Runner::selects(args, case).then(|| self.spawn(index, case, &slots, &account));
                Runner::trial(case, index, verdict, &events, &shown, self.driver())
            })
            .collect();
        // The trials only wait for verdicts, in plan order: one libtest thread is enough.
        let one = Arguments { test_threads: Some(1), ..args.clone() };
        let _shown_by_libtest = libtest_mimic::run(&one, trials);
        let summary = account.summary.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let reason = self.stop.reason();
        let mut traffic = self.traffic(&account, started);
        if reason.is_none() {
            traffic.changed = self.runtime.block_on(self.reread(plan, args));
        }
        let why = reason.map(ToString::to_string);
        let stopped = reason.zip(why.as_deref()).map(|(r, why)| Stopped { kind: r.kind(), why, cut_short: r.cut_short() });
        events.emit(Event::RunFinished { summary: &summary, stopped, traffic: Some(&traffic) });
    }

    /// What the cases sent and shared, in how long, and their longest chain of requests.
    fn traffic(&self, account: &Account, started: Instant) -> Traffic {
        let targets = self.ctx.targets.values();
        let (chain, case) = account.longest.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Traffic {
            sent: targets.clone().map(|t| t.sent.load(Ordering::Relaxed)).sum(),
            shared: targets.map(|t| t.responses.shared_count()).sum(),
            wall_ms: started.elapsed().as_millis() as u64,
            critical_path: CriticalPath { requests: chain.requests, ms: chain.elapsed.as_millis() as u64, case },
            throttled: self.ctx.targets.values().map(|t| t.pace.throttled()).sum(),
            changed: vec![],
        }
    }

    /// The run's last look: each spec's whole listing (its base query, the largest pages) read
    /// again, page by page against the answers its cases shared. A page that reads otherwise
    /// means the catalogue changed during the run, and the cases of that spec that were given
    /// shared answers may rest on either state. One listing per spec and target, and only
    /// where answers were shared: a run that shared nothing has nothing to re-read.
    async fn reread(&self, plan: &Plan, args: &Arguments) -> Vec<Changed> {
        let mut seen = std::collections::BTreeSet::new();
        let mut changed = Vec::new();
        for case in plan.cases.iter().filter(|c| Runner::selects(args, c)) {
            let (spec, target) = (&case.spec, &case.target);
            let Some(p) = spec.file.pagination.as_ref().map(|p| &p.value) else { continue };
            if !seen.insert((target.name.clone(), spec.path.clone())) {
                continue;
            }
            let Some(state) = self.ctx.targets.get(&target.name) else { continue };
            let cases = state.responses.sharers(&spec.path);
            if cases.is_empty() {
                continue;
            }
            let trace = Trace::unannounced("the run's last look at the catalogue", &target.name);
            let mut session = Session::new(&self.ctx, spec, target, &trace);
            session.reread = Some(None);
            let query = invariant::base_query(&session, p);
            // A listing that cannot be read again says nothing about a change.
            let _ = invariant::full_each(&mut session, p, query, |_| {}).await;
            if let Some(Some(url)) = session.reread {
                changed.push(Changed { target: target.name.clone(), spec: spec.path.clone(), url, cases });
            }
        }
        changed
    }

    /// How many cases `args` selects.
    pub(crate) fn selected(plan: &Plan, args: &Arguments) -> usize {
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

    /// Start `case` on the runtime; it waits for one of the `slots`, and its verdict, waived
    /// (the one place waivers are applied) and announced, arrives on the returned channel.
    fn spawn(
        &self,
        index: usize,
        case: &PlannedCase,
        slots: &Arc<tokio::sync::Semaphore>,
        account: &Arc<Account>,
    ) -> oneshot::Receiver<Verdict> {
        let (tx, rx) = oneshot::channel();
        let (ctx, waivers, stop, slots, case, account) =
            (self.ctx.clone(), self.waivers.clone(), self.stop.clone(), slots.clone(), case.clone(), account.clone());
        let (max_fail, handle) = (self.max_fail, self.runtime.handle().clone());
        self.runtime.spawn(async move {
            let Ok(slot) = slots.acquire_owned().await else { return };
            let mut verdict = run_case(&ctx, &case, index, &stop, slot, &account).await;
            crate::waiver::waive(&mut verdict, &waivers);
            account.summary.lock().unwrap_or_else(|p| p.into_inner()).add(&verdict);
            if matches!(verdict.class(), Class::Fail | Class::Error) {
                let red = account.red.fetch_add(1, Ordering::Relaxed) + 1;
                if max_fail.is_some_and(|n| red >= n) {
                    stop.request(StopReason::MaxFail(red), &handle);
                }
            }
            ctx.events.emit(Event::CaseFinished { index, verdict: &verdict });
            let _ = tx.send(verdict);
        });
        rx
    }

    /// The libtest trial of `case`: it waits for the verdict and shows it. `shown` keeps the
    /// root reasons of errors already shown in full, so that a reason shared by many cases (a
    /// target down) is written once and pointed at after that.
    fn trial(
        case: &PlannedCase,
        index: usize,
        verdict: Option<oneshot::Receiver<Verdict>>,
        events: &Arc<Events>,
        shown: &Arc<Mutex<HashMap<String, String>>>,
        driver: Option<Arc<tokio::runtime::Runtime>>,
    ) -> Trial {
        let (events, shown) = (events.clone(), shown.clone());
        Trial::ignorable_test(case.id.clone(), move || {
            let verdict = verdict.ok_or_else(|| Failed::from("internal: a case libtest selected was not started"))?;
            events.emit(Event::Awaited { index });
            let verdict = match &driver {
                Some(runtime) => runtime.block_on(verdict),
                None => verdict.blocking_recv(),
            };
            events.emit(Event::AwaitOver { index });
            let verdict = verdict.map_err(|_| Failed::from("internal: the case ended without a verdict (it panicked)"))?;
            trial_result(&verdict, &mut shown.lock().unwrap_or_else(|p| p.into_inner()))
        })
    }
}

/// One case: not started when the run is stopping, cut when the grace is over.
/// `slot` is the case's place among the `jobs` in flight; it is given back once the case has
/// made its requests, so the next case's requests overlap this one's checks.
async fn run_case(ctx: &Context, case: &PlannedCase, index: usize, stop: &Stop, slot: OwnedSemaphorePermit, account: &Account) -> Verdict {
    let started = Instant::now();
    match stop.reason() {
        Some(reason) if !reason.cut_short() => return execute::not_run(ctx, case, format!("not run: {reason}"), started),
        Some(reason) => return execute::unfinished(ctx, case, format!("not run: {reason}"), vec![], started),
        None => {}
    }
    ctx.events.emit(Event::CaseStarted { index, id: &case.id, target: &case.target.name });
    let trace = Trace::new(index, &case.id, &case.target.name);
    let verdict = tokio::select! {
        biased;
        reason = stop.cut() => {
            let why = format!("not finished: {reason}; cut after a grace of {} s", stop.grace().as_secs_f64());
            execute::unfinished(ctx, case, why, trace.records(), started)
        }
        verdict = execute::execute(ctx, case, &trace, slot) => verdict,
    };
    account.chain(trace.chain(), &case.id);
    verdict
}

/// How libtest shows a verdict: `should` failures and skips as ignored-with-reason, so only
/// gate failures and errors are red. An error whose root reason was shown in full for an
/// earlier case (in `shown`: root reason → that case) is one line that points at it.
fn trial_result(v: &Verdict, shown: &mut HashMap<String, String>) -> Result<Completion, Failed> {
    match v.class() {
        Class::Pass => Ok(Completion::Completed),
        Class::Waived => Ok(Completion::ignored_with(format!("waived: {}", v.waived.as_deref().unwrap_or("")))),
        Class::Skip => Ok(Completion::ignored_with(format!("skip: {}", v.reason.as_deref().unwrap_or("")))),
        Class::Warn => Ok(Completion::ignored_with(format!("warning (should): {}", render::first_line(v)))),
        Class::Fail => Err(Failed::from(render::verdict_text(v))),
        Class::Error => match render::root_reason(v) {
            Some(root) => match shown.get(&root) {
                Some(first) => Err(Failed::from(format!("ERROR (could not check): the same reason as {first}: {root}"))),
                None => {
                    shown.insert(root, v.id.clone());
                    Err(Failed::from(render::verdict_text(v)))
                }
            },
            None => Err(Failed::from(render::verdict_text(v))),
        },
    }
}
