//! `specgate diff OLD NEW`: what changed between two runs, as Markdown fit for a pull-request
//! comment, or as JSON for a program.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;

use super::changes::{Changes, Previous};
use super::json;
use super::markdown::Listing;
use crate::verdict::{Class, Summary, Verdict};

#[derive(Debug, Args, Clone)]
pub struct DiffArgs {
    /// The earlier run: its results.json or report directory.
    pub old: PathBuf,
    /// The later run: its results.json or report directory.
    pub new: PathBuf,
    /// What is printed: Markdown (a pull-request comment) or JSON (the changes with their ids).
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: DiffOutput,
    /// Also write what is printed to this file (nothing is written unless asked).
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// Output of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffOutput {
    Markdown,
    Json,
}

/// What changed from one run to another: the document `--format json` prints.
#[derive(Debug, Serialize)]
pub(crate) struct Diff {
    /// The earlier and the later run, as given.
    pub old: String,
    pub new: String,
    /// The counts of each run.
    pub before: Summary,
    pub after: Summary,
    /// Case by case, with their ids (`regressed` are the newly failing ones).
    pub changes: Changes,
}

/// The changes from `old` to `new` (results.json files or report directories). A case that one
/// of the runs did not select (filters, `--partition`) is neither new nor removed.
pub(crate) fn diff(old: &Path, new: &Path) -> Result<Diff, String> {
    let before = json::read(old)?;
    let after = json::read(new)?;
    let verdicts: Vec<Verdict> = after.cases.into_iter().map(|c| c.verdict).collect();
    let old_verdicts: Vec<Verdict> = before.cases.into_iter().map(|c| c.verdict).collect();
    let previous = Previous::with_unselected(&old_verdicts, &before.run.not_selected);
    Ok(Diff {
        old: old.display().to_string(),
        new: new.display().to_string(),
        before: Summary::of(&old_verdicts),
        after: Summary::of(&verdicts),
        changes: Changes::between(&previous, &verdicts, &after.run.not_selected),
    })
}

/// The Markdown: counts before and after, then the changes, every newly failing case named.
pub(crate) fn render(d: &Diff) -> String {
    let c = &d.changes;
    let mut s = String::new();
    let head = if c.regressed() { format!("❌ {} case(s) newly failing", c.regressed.len()) } else { "✅ no regression".to_string() };
    let _ = writeln!(s, "### specgate diff: {head}\n");
    let heads: String = Class::COLUMNS.iter().map(|c| format!(" {} |", c.counted())).collect();
    let rule: String = Class::COLUMNS.iter().map(|_| "---|").collect();
    let _ = writeln!(s, "| |{heads}\n|---|{rule}");
    for (label, sum) in [("before", &d.before), ("after", &d.after)] {
        let counts: String = sum.columns().iter().map(|(_, n)| format!(" {n} |")).collect();
        let _ = writeln!(s, "| {label} |{counts}");
    }
    let _ = writeln!(s, "\n{}", super::markdown::changes_as(c, Listing::EveryNewlyFailing));
    s
}

/// `specgate diff`: print the changes in `--format`, write them to `--output` if asked, exit 1
/// on a regression.
pub fn main(args: &DiffArgs) -> std::process::ExitCode {
    let d = match diff(&args.old, &args.new) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return crate::exit::code(crate::exit::USAGE);
        }
    };
    let text = match args.format {
        DiffOutput::Markdown => render(&d),
        DiffOutput::Json => serde_json::to_string_pretty(&d).expect("changes serialize") + "\n",
    };
    print!("{text}");
    if let Some(out) = &args.output {
        if let Err(e) = std::fs::write(out, &text) {
            eprintln!("error: cannot write {}: {e}", out.display());
            return crate::exit::code(crate::exit::NOT_RECORDED);
        }
        eprintln!("specgate: wrote {}", out.display());
    }
    crate::exit::code(if d.changes.regressed() { crate::exit::FAILED } else { crate::exit::PASSED })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::changes::Change;

    /// The Markdown of `report.md` folds a long list of newly failing cases into one line with a
    /// few of them; the one of `specgate diff` is what a reader acts on, so it names them all.
    #[test]
    fn diff_lists_every_newly_failing_id() {
        let regressed: Vec<Change> = (0..8)
            .map(|i| Change { id: format!("s.yaml::c{i}@api"), before: Some(Class::Pass), after: Class::Fail, unselected_before: false })
            .collect();
        let d = Diff {
            old: "old".into(),
            new: "new".into(),
            before: Summary::default(),
            after: Summary::default(),
            changes: Changes { regressed, ..Changes::default() },
        };
        let text = render(&d);
        let listed: Vec<&str> = text.lines().skip_while(|l| !l.starts_with("- ")).take_while(|l| !l.is_empty()).collect();
        let mut expected = vec!["- **Newly failing** 8 cases on `api`: pass → fail:".to_string()];
        expected.extend((0..8).map(|i| format!("  - `s.yaml::c{i}@api`")));
        assert_eq!(listed, expected);
    }
}
