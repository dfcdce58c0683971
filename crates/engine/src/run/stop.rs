//! Stopping a run early. SIGINT, SIGTERM or the `--deadline` stop new cases from starting,
//! give the running ones a short grace, then cut them; the run still ends normally, so every
//! report is written and the unfinished cases are `error` with the reason. A second signal
//! exits at once.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How long running cases may go on after a stop is requested, at most.
pub(crate) const GRACE: Duration = Duration::from_secs(5);

/// Why a run stopped before every case finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StopReason {
    /// A signal (its name).
    Interrupted(&'static str),
    /// `--deadline` ran out.
    Deadline(Duration),
    /// `--max-fail`: this many cases failed the gate or errored. Running cases finish; the
    /// ones not started are skipped.
    MaxFail(usize),
}

impl StopReason {
    /// The word recorded in results.json and events: `interrupted` or `deadline`.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            StopReason::Interrupted(_) => "interrupted",
            StopReason::Deadline(_) => "deadline",
            StopReason::MaxFail(_) => "max_fail",
        }
    }

    /// Whether the run was cut short against the user's plan (a signal, the deadline), as
    /// opposed to a stop the user asked for once enough had failed (`--max-fail`).
    pub(crate) fn cut_short(&self) -> bool {
        !matches!(self, StopReason::MaxFail(_))
    }
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::Interrupted(signal) => write!(f, "interrupted ({signal})"),
            StopReason::Deadline(d) => write!(f, "deadline of {} reached", humantime::format_duration(*d)),
            StopReason::MaxFail(n) => write!(f, "{n} case(s) failed or errored (--max-fail)"),
        }
    }
}

/// The run's stop switch, shared by every case.
pub struct Stop {
    /// Cancelled when no new case may start.
    soft: CancellationToken,
    /// Cancelled when running cases are cut.
    hard: CancellationToken,
    reason: OnceLock<StopReason>,
    grace: Duration,
}

impl Stop {
    /// A switch whose running cases get `grace` once a stop is requested.
    pub fn new(grace: Duration) -> Arc<Stop> {
        Arc::new(Stop { soft: CancellationToken::new(), hard: CancellationToken::new(), reason: OnceLock::new(), grace })
    }

    /// Stop the run: no new case starts; running cases are cut after the grace (but for
    /// `--max-fail`, which lets them finish). Only the first request counts.
    pub(crate) fn request(&self, reason: StopReason, runtime: &tokio::runtime::Handle) {
        let cut = reason.cut_short();
        if self.reason.set(reason).is_ok() {
            self.soft.cancel();
            if !cut {
                return;
            }
            let (hard, grace) = (self.hard.clone(), self.grace);
            runtime.spawn(async move {
                tokio::time::sleep(grace).await;
                hard.cancel();
            });
        }
    }

    /// Why the run is stopping, once it is.
    pub(crate) fn reason(&self) -> Option<&StopReason> {
        self.reason.get()
    }

    pub(crate) fn grace(&self) -> Duration {
        self.grace
    }

    /// Resolves when running cases must be cut.
    pub(crate) async fn cut(&self) -> &StopReason {
        self.hard.cancelled().await;
        self.reason.get().expect("the reason is set before the hard stop")
    }
}

/// The grace for a run with this deadline: short enough that a cut case still ends in time.
pub fn grace_for(deadline: Option<Duration>) -> Duration {
    deadline.map(|d| GRACE.min(d / 4)).unwrap_or(GRACE)
}

/// Stop at `deadline` after `started` (when the command began: loading the specs, logging in
/// and starting the embedded server count too): new cases stop one grace before it, so the
/// running ones are cut at the deadline itself.
pub fn arm_deadline(stop: &Arc<Stop>, deadline: Duration, started: std::time::Instant, runtime: &tokio::runtime::Handle) {
    let (stop, handle) = (stop.clone(), runtime.clone());
    let at = tokio::time::Instant::from_std(started + deadline.saturating_sub(stop.grace()));
    runtime.spawn(async move {
        tokio::time::sleep_until(at).await;
        stop.request(StopReason::Deadline(deadline), &handle);
    });
}

/// Watch SIGINT and SIGTERM: the first stops the run, a second exits at once. The handlers
/// are installed before this returns, so no early signal takes the default action.
#[cfg(unix)]
pub fn watch_signals(stop: &Arc<Stop>, runtime: &tokio::runtime::Handle) {
    use tokio::signal::unix::{signal, SignalKind};
    let _in_runtime = runtime.enter();
    let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else {
        eprintln!("specgate: warning: cannot install signal handlers; a signal stops the run without reports");
        return;
    };
    let (stop, handle) = (stop.clone(), runtime.clone());
    runtime.spawn(async move {
        let mut signalled = false;
        loop {
            let signal = tokio::select! {
                _ = int.recv() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            };
            if !signalled {
                signalled = true;
                eprintln!(
                    "specgate: {signal}: no new case starts; running cases get {} s, then the reports are written (again to exit at once)",
                    stop.grace().as_secs_f64()
                );
                stop.request(StopReason::Interrupted(signal), &handle);
            } else {
                eprintln!("specgate: {signal} again: exiting now, reports not written");
                // A second signal means "now": nothing is flushed, on purpose.
                std::process::exit(crate::exit::SECOND_SIGNAL);
            }
        }
    });
}

#[cfg(not(unix))]
pub(crate) fn watch_signals(stop: &Arc<Stop>, runtime: &tokio::runtime::Handle) {
    let (stop, handle) = (stop.clone(), runtime.clone());
    runtime.spawn(async move {
        let mut signalled = false;
        while tokio::signal::ctrl_c().await.is_ok() {
            if !signalled {
                signalled = true;
                stop.request(StopReason::Interrupted("Ctrl-C"), &handle);
            } else {
                std::process::exit(crate::exit::SECOND_SIGNAL);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_is_soft_first_then_hard_after_the_grace() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
        let stop = Stop::new(Duration::from_secs(5));
        assert!(stop.reason().is_none());
        rt.block_on(async {
            stop.request(StopReason::Interrupted("SIGTERM"), &tokio::runtime::Handle::current());
            // A later request does not replace the first reason.
            stop.request(StopReason::Deadline(Duration::from_secs(1)), &tokio::runtime::Handle::current());
            assert_eq!(stop.reason(), Some(&StopReason::Interrupted("SIGTERM")));
            let started = tokio::time::Instant::now();
            let reason = stop.cut().await;
            assert_eq!(reason.kind(), "interrupted");
            assert_eq!(started.elapsed(), Duration::from_secs(5));
        });
    }

    #[test]
    fn the_grace_fits_inside_a_short_deadline() {
        assert_eq!(grace_for(None), GRACE);
        assert_eq!(grace_for(Some(Duration::from_secs(8))), Duration::from_secs(2));
        assert_eq!(grace_for(Some(Duration::from_secs(600))), GRACE);
    }

    #[test]
    fn the_deadline_counts_from_the_start_of_the_command_not_of_the_cases() {
        // Loading and logging in took 3 s of a 4 s deadline (grace 1 s): new cases stop at once.
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let stop = Stop::new(grace_for(Some(Duration::from_secs(4))));
        let started = std::time::Instant::now() - Duration::from_secs(3);
        rt.block_on(async {
            arm_deadline(&stop, Duration::from_secs(4), started, &tokio::runtime::Handle::current());
            tokio::time::sleep(Duration::from_millis(50)).await;
        });
        assert_eq!(stop.reason().map(StopReason::kind), Some("deadline"));
    }
}
