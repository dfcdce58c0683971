use std::process::ExitCode;

/// Checking a body allocates a tree of small maps and strings and frees it again, per exchange:
/// mimalloc does that markedly cheaper than the system allocator (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    no_transparent_huge_pages();
    let cli = specgate::cli::parse();
    specgate::app::main(cli)
}

/// A run is short and its heap small: with transparent huge pages on (`always`, as on many
/// distributions) the kernel zeroes 2 MiB at the first touch of each allocator region, a fifth of
/// a one-case run's CPU. Opt this process out; it changes nothing else. (With THP on `madvise`,
/// mimalloc would ask for huge pages itself, before this runs: it is built without that advice,
/// the `no_thp` feature in Cargo.toml.)
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets a flag of this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
