//! `specgate lint-docs DOC...`: read every page, then report; an unreadable page prints its
//! located error and nothing else.

use std::process::ExitCode;

use crate::cli::{DocOutput, LintDocsArgs};
use crate::exit;

pub fn main(args: LintDocsArgs) -> ExitCode {
    let pages = match super::read_pages(&args.docs) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return exit::code(exit::USAGE);
        }
    };
    let lint = super::lint(&pages);
    match args.format {
        DocOutput::Text => print!("{}", super::report::text(&lint)),
        DocOutput::Json => print!("{}", super::report::json(&lint)),
    }
    exit::code(if lint.defects.is_empty() { exit::PASSED } else { exit::FAILED })
}
