//! Exit codes of `specgate`, defined here and nowhere else (mirrored in the README). Which one
//! a run ends with, each of its outputs settles in turn (`events::Subscriber::exit_code`): the
//! tally of verdicts, then a baseline, then reports that could not be written.

use std::process::ExitCode;

/// Every selected case passed (warnings from `should` cases allowed).
pub const PASSED: u8 = 0;
/// At least one `must` case failed: the API broke the contract. Also: `derive --check` found
/// a difference between page and spec, `lint-docs` found a defect.
pub const FAILED: u8 = 1;
/// Usage error, invalid spec, an unreadable doc page, or a failed login: nothing was run.
pub const USAGE: u8 = 2;
/// No `fail`, but at least one case could not be checked (`error`).
pub(crate) const ERRORED: u8 = 3;
/// The filters selected no case.
pub(crate) const NOTHING_SELECTED: u8 = 4;
/// No `fail`, but the run was stopped (SIGINT, SIGTERM or `--deadline`) before every case
/// finished; the unfinished cases are `error`. (A second signal exits at once with 130.)
pub const STOPPED: u8 = 5;

/// An output could not be written: a report file or the `--events` stream of a run (or
/// `report`'s files, or the files of `export`, `import`, `diff --output`). For a run it
/// outranks every other code but 130: a gate without its reports is no gate.
pub const NOT_RECORDED: u8 = 6;

/// Every code with what it means, in order: `--help` shows them (`table`), a test holds the
/// README's table to them.
pub const MEANINGS: [(u8, &str); 7] = [
    (PASSED, "every selected case passed (warnings allowed)"),
    (FAILED, "at least one `must` case failed; `diff`, `derive --check`, `lint-docs`: something regressed, differs or is defective"),
    (USAGE, "usage error, invalid spec, unreadable input, or a failed login: nothing ran"),
    (ERRORED, "no failure, but at least one case could not be checked (`error`)"),
    (NOTHING_SELECTED, "no case was selected"),
    (STOPPED, "no failure, but the run was stopped (SIGINT, SIGTERM or `--deadline`) before every case finished"),
    (NOT_RECORDED, "an output could not be written: a report file or the `--events` stream (or the files of `report`, `export`, `import`, `diff --output`); for a run it outranks every code above"),
];

/// A second SIGINT or SIGTERM during a run: exited at once, without reports (the shell's
/// convention for SIGINT).
pub(crate) const SECOND_SIGNAL: i32 = 130;

/// The exit codes as `--help` lists them after the options.
pub fn table() -> String {
    let mut out = String::from("Exit codes:");
    for (code, meaning) in MEANINGS {
        out.push_str(&format!("\n  {code:>3}  {meaning}"));
    }
    let second = SECOND_SIGNAL;
    out.push_str(&format!("\n  {second:>3}  a second SIGINT or SIGTERM: exited at once, without reports"));
    out
}

pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}
