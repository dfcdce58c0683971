//! `specgate diff OLD NEW`: what changed between two runs, as a short Markdown fit for a
//! pull-request comment.

use std::fmt::Write;
use std::path::Path;

use super::compare::{Changes, Previous};
use super::json;
use crate::verdict::{Class, Summary, Verdict};

/// The changes from `old` to `new` (results.json files or report directories) and their
/// Markdown.
pub fn diff(old: &Path, new: &Path) -> Result<(Changes, String), String> {
    let before = json::read(old)?;
    let after = json::read(new)?;
    let verdicts: Vec<Verdict> = after.cases.into_iter().map(|c| c.verdict).collect();
    let old_verdicts: Vec<Verdict> = before.cases.into_iter().map(|c| c.verdict).collect();
    let previous = Previous::with_unselected(&old_verdicts, &before.run.not_selected);
    let changes = Changes::between(&previous, &verdicts, &after.run.not_selected);
    let text = render(&changes, &Summary::of(&old_verdicts), &Summary::of(&verdicts));
    Ok((changes, text))
}

pub fn render(c: &Changes, before: &Summary, after: &Summary) -> String {
    let mut s = String::new();
    let head = if c.regressed() { format!("❌ {} case(s) newly failing", c.regressed.len()) } else { "✅ no regression".to_string() };
    let _ = writeln!(s, "### specgate diff: {head}\n");
    let heads: String = Class::COLUMNS.iter().map(|c| format!(" {} |", c.counted())).collect();
    let rule: String = Class::COLUMNS.iter().map(|_| "---|").collect();
    let _ = writeln!(s, "| |{heads}\n|---|{rule}");
    for (label, sum) in [("before", before), ("after", after)] {
        let counts: String = sum.columns().iter().map(|(_, n)| format!(" {n} |")).collect();
        let _ = writeln!(s, "| {label} |{counts}");
    }
    let _ = writeln!(s, "\n{}", super::markdown::changes(c));
    s
}

/// `specgate diff`: print the Markdown, write it, exit 1 on a regression.
pub fn main(args: &crate::cli::DiffArgs) -> std::process::ExitCode {
    let (changes, text) = match diff(&args.old, &args.new) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return crate::exit::code(crate::exit::USAGE);
        }
    };
    print!("{text}");
    let out = args.output.clone().unwrap_or_else(|| {
        let dir = if args.new.is_dir() { args.new.clone() } else { args.new.parent().map(Path::to_path_buf).unwrap_or_default() };
        dir.join("diff.md")
    });
    if let Err(e) = std::fs::write(&out, &text) {
        eprintln!("specgate: cannot write {}: {e}", out.display());
    } else {
        eprintln!("specgate: wrote {}", out.display());
    }
    crate::exit::code(if changes.regressed() { crate::exit::FAILED } else { crate::exit::PASSED })
}
