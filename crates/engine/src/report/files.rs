//! The report files (results.json, junit.xml, report.md, report.html, summary.md), built from
//! the event stream: verdicts are collected as cases finish and everything is written when the
//! run finishes, also when it was stopped early. A report that cannot be written is said on
//! stderr and raises the exit code (`exit::NOT_RECORDED`): a gate never passes without them.

use std::path::{Path, PathBuf};

use super::{changes::Changes, Options, RunInfo};
use crate::events::{Event, Subscriber};
use crate::exit;
use crate::verdict::Verdict;

pub(crate) struct Files {
    dir: PathBuf,
    info: RunInfo,
    options: Option<Options>,
    verdicts: Vec<(usize, Verdict)>,
    /// Whether a `--baseline` narrows the gate to regressions.
    gated: bool,
    selected: usize,
    /// What writing gave, once the run finished: the changes against the baseline or the
    /// previous run, or that the files could not be written.
    written: Option<Result<Option<Changes>, ()>>,
    /// A `must` `latency:` bound is broken.
    must_bound_broken: bool,
}

impl Files {
    pub(crate) fn new(dir: PathBuf, info: RunInfo, options: Options) -> Files {
        let gated = options.baseline.is_some();
        Files { dir, info, options: Some(options), verdicts: Vec::new(), gated, selected: 0, written: None, must_bound_broken: false }
    }
}

impl Subscriber for Files {
    fn on(&mut self, event: &Event<'_>, _at_ms: u64) {
        match event {
            Event::RunStarted { cases, .. } => self.selected = *cases,
            Event::CaseFinished { index, verdict } => self.verdicts.push((*index, (*verdict).clone())),
            Event::RunFinished { summary, stopped, traffic } => {
                self.info.traffic = traffic.cloned();
                self.verdicts.sort_by_key(|(i, _)| *i);
                let verdicts: Vec<Verdict> = std::mem::take(&mut self.verdicts).into_iter().map(|(_, v)| v).collect();
                self.info.stopped = stopped.map(|s| s.kind.to_string());
                let options = self.options.take().unwrap_or_default();
                self.written = Some(match super::write_with(&self.dir, &self.info, &verdicts, options) {
                    Ok(super::Written { files, changes, must_bound_broken }) => {
                        eprintln!("specgate: {summary}; reports: {}", describe(&files, &self.dir));
                        if must_bound_broken {
                            eprintln!("specgate: a `must` latency bound is broken (see the root causes)");
                        }
                        self.must_bound_broken = must_bound_broken;
                        if let Some(c) = changes.as_ref().filter(|_| self.gated && stopped.is_none()) {
                            eprintln!(
                                "specgate: against the baseline: {} newly failing, {} still failing",
                                c.regressed.len(),
                                c.still_failing.len()
                            );
                        }
                        Ok(changes)
                    }
                    Err(e) => {
                        eprintln!("specgate: {summary}");
                        eprintln!("error: cannot write reports to {}: {e}", self.dir.display());
                        Err(())
                    }
                });
            }
            _ => {}
        }
    }

    /// A baseline gates on regressions only (unless the run was stopped or selected
    /// nothing); a broken `must` latency bound fails the gate as a failed case would; reports
    /// not written outrank every other outcome.
    fn exit_code(&self, so_far: u8) -> u8 {
        match &self.written {
            Some(Err(())) | None => exit::NOT_RECORDED,
            Some(Ok(Some(changes))) if self.gated && self.selected > 0 && self.info.stopped.is_none() => changes.gate_code(),
            Some(Ok(_)) if self.must_bound_broken && so_far != exit::NOTHING_SELECTED => exit::FAILED,
            Some(Ok(_)) => so_far,
        }
    }
}

/// `DIR/{results.json,junit.xml,…}`.
pub fn describe(files: &[PathBuf], dir: &Path) -> String {
    let names: Vec<String> = files.iter().filter_map(|f| f.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
    format!("{}/{{{}}}", dir.display(), names.join(","))
}
