//! `specgate lint-docs DOC...`: read every page, then report; an unreadable page prints its
//! located error and nothing else.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::args::{DocOutput, LintDocsArgs};
use crate::exit;

pub fn main(args: LintDocsArgs) -> ExitCode {
    let files = match pages_in(&args.docs) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::code(exit::USAGE);
        }
    };
    let mut pages = match super::read_pages(&files) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return exit::code(exit::USAGE);
        }
    };
    // Cite each page by the path the user gave, which a terminal or an editor can open; the
    // citations of `derive` keep the file name, which is what a spec's `doc:` names.
    for (page, path) in pages.iter_mut().zip(&files) {
        page.file = crate::spec::load::display_path(path);
    }
    let lint = super::lint(&pages);
    match args.format {
        DocOutput::Text => print!("{}", super::report::text(&lint)),
        DocOutput::Json => print!("{}", super::report::json(&lint)),
    }
    exit::code(if lint.defects.is_empty() { exit::PASSED } else { exit::FAILED })
}

/// The page files named: a file as it is, a directory as the pages in it (sorted; `.md`,
/// `.markdown`, `.txt`, `.html`, `.htm`, not descending into subdirectories).
fn pages_in(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for path in paths {
        if !path.is_dir() {
            out.push(path.clone());
            continue;
        }
        let entries = std::fs::read_dir(path).map_err(|e| format!("cannot read directory {}: {e}", path.display()))?;
        let mut pages: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "markdown" | "txt" | "html" | "htm")))
            .collect();
        if pages.is_empty() {
            return Err(format!("no API reference pages (.md, .txt, .html) in {}", path.display()));
        }
        pages.sort();
        out.extend(pages);
    }
    Ok(out)
}
