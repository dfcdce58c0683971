use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = specgate::cli::Cli::parse();
    specgate::app::main(cli)
}
