//! The report files (results.json, junit.xml, report.md, report.html), built from the event
//! stream: verdicts are collected as cases finish and everything is written when the run
//! finishes, also when it was stopped early.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::{compare::Changes, Options, RunInfo};
use crate::run::event::{Event, Reporter};
use crate::verdict::Verdict;

/// What writing the reports gave: the files written and the changes against the baseline or
/// previous run, or why they could not be written.
pub type Written = Arc<Mutex<Option<std::io::Result<(Vec<PathBuf>, Option<Changes>)>>>>;

pub struct Files {
    dir: PathBuf,
    info: RunInfo,
    options: Option<Options>,
    verdicts: Vec<(usize, Verdict)>,
    written: Written,
}

impl Files {
    pub fn new(dir: PathBuf, info: RunInfo, options: Options) -> (Files, Written) {
        let written = Written::default();
        (Files { dir, info, options: Some(options), verdicts: Vec::new(), written: written.clone() }, written)
    }
}

impl Reporter for Files {
    fn on(&mut self, event: &Event<'_>, _at_ms: u64) {
        match event {
            Event::CaseFinished { index, verdict } => self.verdicts.push((*index, (*verdict).clone())),
            Event::RunFinished { stopped, .. } => {
                self.verdicts.sort_by_key(|(i, _)| *i);
                let verdicts: Vec<Verdict> = std::mem::take(&mut self.verdicts).into_iter().map(|(_, v)| v).collect();
                self.info.stopped = stopped.map(str::to_string);
                let options = self.options.take().unwrap_or_default();
                let result = super::write_with(&self.dir, &self.info, &verdicts, options);
                *self.written.lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
            }
            _ => {}
        }
    }
}
