//! Serves the reference server from the command line, for benchmarks and poking around.
//!
//! ```text
//! cargo run --release -p specgate-refserver --example serve -- --port 8080 --images 1000000 --seed 1 [--fault NAME]...
//! ```
//!
//! Prints one `ready` line (URL, project id, startup time) once it accepts requests; runs until
//! killed. `--list-faults` prints the fault catalogue, tab-separated. (The `specgate serve`
//! command is the user-facing way to do all this.)

use std::process::ExitCode;
use std::time::Instant;

use specgate_refserver::{start, Config};

fn usage() -> ExitCode {
    eprintln!("usage: serve [--port N] [--images N] [--seed N] [--fault NAME]... [--list-faults]");
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut config = Config::default();
    let mut port = 8080u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next();
        let parsed = match arg.as_str() {
            "--port" => value().and_then(|v| v.parse().ok()).map(|v| port = v),
            "--images" => value().and_then(|v| v.parse().ok()).map(|v| config.images = v),
            "--seed" => value().and_then(|v| v.parse().ok()).map(|v| config.seed = v),
            "--fault" => value().map(|v| config.faults.push(v)),
            "--list-faults" => {
                for f in specgate_refserver::faults() {
                    println!("{}\t{:?}\t{}\t{}", f.usage(), f.kind, f.endpoint, f.description);
                }
                return ExitCode::SUCCESS;
            }
            _ => None,
        };
        if parsed.is_none() {
            return usage();
        }
    }
    let began = Instant::now();
    let server = match start(config.clone(), port).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "ready url={} project_id={} images={} startup_ms={}",
        server.url(),
        server.project_id(),
        config.images,
        began.elapsed().as_millis()
    );
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}
