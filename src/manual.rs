//! What the command line says about itself outside `--help`: shell completion scripts and the
//! man page, both generated from the same definition (`cli::Cli`), so neither can drift from it.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::exit;

/// `specgate completions SHELL`: the completion script on standard output.
pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut command = crate::cli::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "specgate", &mut out);
    print_all(&out)
}

/// `specgate man`: the roff man page of `specgate` and its subcommands on standard output.
pub fn man() -> ExitCode {
    let mut out = Vec::new();
    match page(&mut out) {
        Ok(()) => print_all(&out),
        Err(e) => {
            eprintln!("error: cannot write the man page: {e}");
            exit::code(exit::USAGE)
        }
    }
}

/// The man page: the command's own, then one section per subcommand (`specgate-run` …), as
/// `git help` pages read.
fn page(out: &mut Vec<u8>) -> std::io::Result<()> {
    let command = crate::cli::Cli::command();
    clap_mangen::Man::new(command.clone()).render(out)?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let sub = sub.clone().bin_name(format!("specgate {}", sub.get_name()));
        clap_mangen::Man::new(sub.clone()).title(format!("specgate-{}", sub.get_name())).render(out)?;
    }
    Ok(())
}

fn print_all(bytes: &[u8]) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => exit::code(exit::PASSED),
        // A closed pipe (`| head`) is the reader's choice, not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::code(exit::PASSED),
        Err(e) => {
            eprintln!("error: {e}");
            exit::code(exit::USAGE)
        }
    }
}
