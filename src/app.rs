//! The commands, wired through the pipeline: load → plan → run → report.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::cli::{self, Cli, Command, ReportArgs, RunArgs, ServeArgs};
use crate::exit;
use crate::http::{Http, HttpConfig};
use crate::plan::{Plan, Target};
use crate::redact::{is_secret_header, Redactor};
use crate::report::{self, RunInfo, TargetInfo};
use crate::run::{run_plan, session::Context};
use crate::verdict::Summary;

pub fn main(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Run(args) => run(args, false),
        Command::List(args) => run(args, true),
        Command::Serve(args) => serve(args),
        Command::Report(args) => combine(args),
        Command::Derive(args) => crate::derive::cli::main(args),
    }
}

fn usage(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    exit::code(exit::USAGE)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime")
}

fn run(mut args: RunArgs, list: bool) -> ExitCode {
    if list && !args.libtest.iter().any(|a| a == "--list") {
        args.libtest.push("--list".into());
    }
    let libtest = match <libtest_mimic::Arguments as clap::Parser>::try_parse_from(
        std::iter::once("specgate run --".to_string()).chain(args.libtest.iter().cloned()),
    ) {
        Ok(a) => a,
        Err(e) if matches!(e.kind(), clap::error::ErrorKind::DisplayHelp) => {
            print!("{e}");
            return exit::code(exit::PASSED);
        }
        Err(e) => return usage(format!("in the libtest arguments after `--`: {}", e.to_string().trim_start_matches("error: "))),
    };

    // Load.
    let specs = match crate::spec::load_all(&args.paths) {
        Ok(s) => s,
        Err(errors) => {
            for e in &errors {
                eprint!("{}", e.render());
            }
            eprintln!("{} spec error(s); nothing was run", errors.len());
            return exit::code(exit::USAGE);
        }
    };
    let specs: Vec<Arc<_>> = specs.into_iter().map(Arc::new).collect();
    let waivers = match &args.waivers {
        Some(path) => match crate::waiver::load(path) {
            Ok(w) => w,
            Err(e) => {
                eprint!("{}", e.render());
                return exit::code(exit::USAGE);
            }
        },
        None => Vec::new(),
    };

    // Settings.
    let mut vars = std::collections::BTreeMap::new();
    for v in &args.vars {
        match cli::key_value(v, "--var") {
            Ok((k, val)) => {
                vars.insert(k, val);
            }
            Err(e) => return usage(e),
        }
    }
    let mut headers = Vec::new();
    let mut secrets = Vec::new();
    for h in &args.headers {
        match cli::header(h) {
            Ok((k, v)) => {
                if is_secret_header(&k) {
                    secrets.push(v.clone());
                }
                headers.push((k, v));
            }
            Err(e) => return usage(e),
        }
    }
    if let Some(t) = args.token.as_ref().filter(|t| !t.is_empty()) {
        secrets.push(t.clone());
        headers.push(("X-Auth-Token".into(), t.clone()));
    }
    let mut path_map = Vec::new();
    for m in &args.path_map {
        match cli::key_value(m, "--map-path") {
            Ok(kv) => path_map.push(kv),
            Err(e) => return usage(e),
        }
    }
    let mut targets = Vec::new();
    for t in &args.targets {
        match cli::target(t) {
            Ok((name, url)) => {
                if targets.iter().any(|x: &Target| x.name == name) {
                    return usage(format!("two targets are named `{name}`; name them with NAME=URL"));
                }
                targets.push(Target { name, url, vars: Default::default() })
            }
            Err(e) => return usage(e),
        }
    }
    if !targets.is_empty() && !args.faults.is_empty() {
        return usage("--fault applies to the embedded reference server only (run without --target)");
    }
    for (flag, secs) in [("--timeout", args.timeout), ("--case-timeout", args.case_timeout)] {
        if !(secs > 0.0 && secs.is_finite()) {
            return usage(format!("{flag} must be a positive number of seconds"));
        }
    }
    let redactor = Redactor::new(secrets);
    let http_config = HttpConfig {
        timeout: Duration::from_secs_f64(args.timeout),
        max_body: args.max_body,
        retries: args.retries,
        ..HttpConfig::default()
    };
    let http = match Http::new(http_config, redactor) {
        Ok(h) => h,
        Err(e) => return usage(e),
    };

    let rt = runtime();
    // The embedded target, only when no --target is given (and not needed to list).
    let mut embedded = None;
    if targets.is_empty() {
        if list {
            targets.push(Target {
                name: "reference".into(),
                url: url::Url::parse("http://127.0.0.1/").expect("static URL"),
                vars: Default::default(),
            });
        } else {
            match rt.block_on(crate::embedded::start(args.images, args.catalog_seed, args.faults.clone())) {
                Ok((running, target)) => {
                    eprintln!("specgate: no --target given; testing the embedded reference server at {}", target.url);
                    targets.push(target);
                    embedded = Some(running);
                }
                Err(e) => return usage(format!("cannot start the embedded reference server: {e}")),
            }
        }
    }
    let targets: Vec<Arc<Target>> = targets.into_iter().map(Arc::new).collect();

    // Plan and run.
    let plan = Plan::new(&specs, &targets);
    let ctx = Arc::new(Context {
        http,
        vars,
        headers,
        path_map,
        budget: args.budget,
        case_timeout: Duration::from_secs_f64(args.case_timeout),
        seed: args.seed,
        snapshot_dir: args.snapshot_dir.clone(),
        update_snapshots: args.update_snapshots,
    });
    let waivers = Arc::new(waivers);
    let mut output = run_plan(&plan, ctx, waivers.clone(), rt.handle().clone(), &libtest);
    if let Some(server) = embedded {
        rt.block_on(server.shutdown());
    }
    if output.listed {
        return exit::code(exit::PASSED);
    }

    // Report.
    let info = RunInfo {
        specgate: env!("CARGO_PKG_VERSION").to_string(),
        targets: targets.iter().map(|t| TargetInfo { name: t.name.clone(), url: t.url.to_string() }).collect(),
        seed: args.seed,
        budget: args.budget,
        specs: specs.iter().map(|s| s.path.clone()).collect(),
    };
    let stale = crate::waiver::apply(&mut output.verdicts, &waivers);
    for w in &stale {
        eprintln!("specgate: warning: waiver for `{}` matched no failure (stale?)", w.case);
    }
    let summary = Summary::of(&output.verdicts);
    eprintln!("specgate: {}", crate::render::cost(&output.verdicts, 5));
    match report::write_all(&args.report_dir, &info, &output.verdicts) {
        Ok(files) => eprintln!("specgate: {summary}; reports: {}", describe(&files, &args.report_dir)),
        Err(e) => eprintln!("specgate: cannot write reports to {}: {e}", args.report_dir.display()),
    }
    exit::code(summary.exit_code(output.selected))
}

fn describe(files: &[std::path::PathBuf], dir: &Path) -> String {
    let names: Vec<String> = files.iter().filter_map(|f| f.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
    format!("{}/{{{}}}", dir.display(), names.join(","))
}

/// `specgate report`: the reports of several runs as one (exit code as if they were one run).
fn combine(args: ReportArgs) -> ExitCode {
    let (info, verdicts) = match report::read_results(&args.results) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let summary = Summary::of(&verdicts);
    match report::write_all(&args.report_dir, &info, &verdicts) {
        Ok(files) => eprintln!("specgate: {summary}; reports: {}", describe(&files, &args.report_dir)),
        Err(e) => {
            eprintln!("specgate: cannot write reports to {}: {e}", args.report_dir.display());
            return exit::code(exit::USAGE);
        }
    }
    exit::code(summary.exit_code(verdicts.len()))
}

fn serve(args: ServeArgs) -> ExitCode {
    if args.list_faults {
        print!("{}", crate::embedded::fault_table());
        return exit::code(exit::PASSED);
    }
    let rt = runtime();
    rt.block_on(async {
        let config = specgate_refserver::Config { images: args.images, seed: args.seed, faults: args.faults.clone() };
        let running = match specgate_refserver::start(config, args.port).await {
            Ok(r) => r,
            Err(e) => return usage(e),
        };
        println!("{}", running.url());
        eprintln!(
            "specgate: reference server with {} images (seed {}), project id {}; Ctrl-C stops it",
            args.images,
            args.seed,
            running.project_id()
        );
        let _ = tokio::signal::ctrl_c().await;
        running.shutdown().await;
        exit::code(exit::PASSED)
    })
}
