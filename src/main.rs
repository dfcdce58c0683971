use std::process::ExitCode;

use clap::Parser;

/// Checking a body allocates a tree of small maps and strings and frees it again, per exchange:
/// mimalloc does that markedly cheaper than the system allocator (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = specgate::cli::Cli::parse();
    specgate::app::main(cli)
}
