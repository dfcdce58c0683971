//! The commands, wired through the pipeline: load → plan → run → report.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::cli::{self, Cli, Command, ListArgs, ListFormat, ReportArgs, RunArgs, ServeArgs};
use crate::events::Events;
use crate::exit;
use crate::http::{Http, HttpConfig};
use crate::plan::{Plan, Target};
use crate::redact::{is_secret_header, Redactor};
use crate::report::progress::Progress;
use crate::report::{self, changes::Unselected, files, RunInfo, TargetInfo};
use crate::run::session::{Context, TargetState};
use crate::run::stop::{self, Stop};
use crate::run::Runner;
use crate::verdict::Summary;

pub fn main(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Run(args) => run(args),
        Command::List(args) => list(args),
        Command::Serve(args) => serve(args),
        Command::Report(args) => combine(args),
        Command::Diff(args) => report::diff::main(&args),
        Command::Export(cli::ExportFormat::Openapi(args)) => crate::openapi::command::export(args),
        Command::Import(cli::ImportFormat::Openapi(args)) => crate::openapi::command::import(args),
        Command::Derive(args) => crate::derive::cli::main(args),
        Command::LintDocs(args) => crate::lint::cli::main(args),
        Command::Completions(args) => crate::manual::completions(args.shell),
        Command::Man => crate::manual::man(),
    }
}

/// A listing read by a pager or `head` ends quietly when the reader goes, as `ls` does:
/// libtest's printer would panic on the closed pipe otherwise. Runs keep the default, so that a
/// closed output never costs the reports.
fn quiet_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: resets one signal's disposition to the default; no handler is installed.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn usage(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    exit::code(exit::USAGE)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime")
}

/// The runtime of a run of `jobs` cases at a time. One case at a time runs on a current-thread
/// runtime, which libtest's own thread runs (`run::Runner::driver`): with a single case in flight, worker threads only add
/// hand-offs, each a sleep and a wake-up of a thread (docs/performance.md).
fn run_runtime(jobs: usize) -> tokio::runtime::Runtime {
    if jobs == 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
    } else {
        runtime()
    }
}

/// What `run` and `list` share: the specs loaded, the settings checked, the plan made.
struct Prepared {
    libtest: libtest_mimic::Arguments,
    specs: Vec<Arc<crate::spec::Spec>>,
    waivers: Vec<crate::waiver::Waiver>,
    settings: Settings,
    targets: Vec<Arc<Target>>,
    embedded: Option<crate::embedded::Running>,
    plan: Plan,
    /// Every case of the plan before `--partition` took its share: (id, target).
    planned: Vec<(String, String)>,
}

/// Load → plan. `rt` is the run's runtime (`None` when only listing: nothing is sent, and no
/// embedded server starts).
fn prepare(args: &RunArgs, libtest: libtest_mimic::Arguments, rt: Option<&tokio::runtime::Runtime>) -> Result<Prepared, ExitCode> {
    let list = rt.is_none();
    // The client is built while the specs load (`Http::client`), when the run needs TLS from the
    // start; a listing sends nothing.
    let client = if list {
        None
    } else {
        http_config(args).map(|config| {
            if plain_at_start(args, &config) {
                return (config, None);
            }
            let building = config.clone();
            (config, Some(std::thread::spawn(move || Http::client(&building))))
        })
    };
    let (specs, waivers) = load(args)?;
    let catalogues = load_equivalences(args, &specs)?;
    let settings = Settings::of(args, list, client, &specs, &libtest).map_err(usage)?;
    let isolation = load_isolation(args)?;
    // The embedded server keeps projects apart when there are isolation rules to check: then its
    // identities make the requests, the first of them (alice) the ordinary cases'.
    let (targets, embedded) = pick_targets(args, settings.targets.clone(), rt, !isolation.is_empty()).map_err(usage)?;
    let mut plan =
        Plan::new(&specs, &targets).with_equivalences(&catalogues, &specs, &targets).with_isolation(&isolation, &specs, &targets);
    let planned = plan.cases.iter().map(|c| (c.id.clone(), c.target.name.clone())).collect();
    if let Some(partition) = args.partition {
        plan.keep_share(partition, |c| Runner::selects(&libtest, c));
    }
    Ok(Prepared { libtest, specs, waivers, settings, targets, embedded, plan, planned })
}

/// `specgate list`: the cases a run with the same arguments would run, one id a line (or JSON).
fn list(args: ListArgs) -> ExitCode {
    let prepared = match libtest_arguments(&args.run).and_then(|libtest| prepare(&args.run, libtest, None)) {
        Ok(p) => p,
        Err(code) => return code,
    };
    quiet_on_a_closed_pipe();
    let selected = prepared.plan.cases.iter().filter(|c| Runner::selects(&prepared.libtest, c));
    let text = match args.format {
        ListFormat::Text => selected.map(|c| format!("{}\n", c.id)).collect::<String>(),
        ListFormat::Json => {
            let cases: Vec<serde_json::Value> = selected
                .map(|c| {
                    serde_json::json!({
                        "id": c.id, "spec": c.spec.path, "case": c.name, "target": c.target.name,
                        "level": c.level.as_str(), "location": c.location, "doc": c.doc.to_string(),
                    })
                })
                .collect();
            format!("{}\n", serde_json::to_string_pretty(&cases).expect("cases serialize"))
        }
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => exit::code(exit::PASSED),
        Err(e) => {
            eprintln!("error: cannot write the list: {e}");
            exit::code(exit::NOT_RECORDED)
        }
    }
}

fn run(args: RunArgs) -> ExitCode {
    let started = std::time::Instant::now();
    if args.libtest.iter().any(|a| a == "--list") {
        // libtest's own listing (`NAME: test` lines), for tools that speak libtest.
        return libtest_list(&args);
    }
    let libtest = match libtest_arguments(&args) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let jobs = libtest.test_threads.unwrap_or(args.jobs);
    let rt = Arc::new(run_runtime(jobs));
    let Prepared { libtest, specs, waivers, settings, targets, embedded, plan, planned } = match prepare(&args, libtest, Some(&rt)) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let baseline = match args.baseline.as_deref().map(report::json::read_previous).transpose() {
        Ok(b) => b,
        Err(e) => return usage(format!("--baseline: {e}")),
    };
    let Some(http) = settings.http else {
        return usage("internal: no HTTP client was built for the run");
    };
    let info = RunInfo {
        specgate: env!("CARGO_PKG_VERSION").to_string(),
        targets: targets.iter().map(|t| TargetInfo { name: t.name.clone(), url: t.url.to_string() }).collect(),
        seed: args.seed,
        budget: args.budget,
        specs: specs.iter().map(|s| s.path.clone()).collect(),
        headers: report::repro::SentHeaders::of(&specs, &settings.headers, &settings.secrets),
        latency: report::latency::Budget::of(&specs),
        warnings: settings.warnings.clone(),
        stopped: None,
        not_selected: Unselected::of(&planned, plan.cases.iter().filter(|c| Runner::selects(&libtest, c)).map(|c| c.id.as_str())),
        traffic: None,
    };
    let progress = Runner::name_width(&plan, &libtest).and_then(|w| Progress::for_terminal(&libtest, w));
    let events =
        match subscribers(&args, info.clone(), report::Options { baseline, history: args.history.clone() }, waivers.clone(), progress) {
            Ok(r) => r,
            Err(e) => return usage(e),
        };
    let ctx = Arc::new(Context {
        http,
        vars: settings.vars,
        headers: settings.headers,
        path_map: settings.path_map,
        budget: args.budget,
        case_timeout: Duration::from_secs_f64(args.case_timeout),
        seed: args.seed,
        snapshot_dir: args.snapshot_dir.clone(),
        update_snapshots: args.update_snapshots,
        targets: targets.iter().map(|t| (t.name.clone(), TargetState::new(args.rps))).collect(),
        events: events.clone(),
        identities: match &embedded {
            Some(server) if !server.identities().is_empty() => crate::embedded::identities(server),
            _ => settings.identities,
        },
    });

    // Every selected case ends with a verdict, also when the run is stopped early; every
    // output has it from the events, and says its part of the exit code.
    let stop = Stop::new(stop::grace_for(args.deadline));
    stop::watch_signals(&stop, rt.handle());
    if let Some(d) = args.deadline {
        stop::arm_deadline(&stop, d, started, rt.handle());
    }
    let max_fail = args.max_fail.map(|n| n as usize).or(args.fail_fast.then_some(1));
    let runner = Runner { ctx, waivers: Arc::new(waivers), runtime: rt.clone(), stop, jobs, max_fail };
    runner.run(&plan, &libtest, &info.targets);
    if let Some(server) = embedded {
        rt.block_on(server.shutdown());
    }
    exit::code(events.exit_code())
}

/// `run -- --list`: libtest's listing of the cases, as before a run.
fn libtest_list(args: &RunArgs) -> ExitCode {
    let prepared = match libtest_arguments(args).and_then(|libtest| prepare(args, libtest, None)) {
        Ok(p) => p,
        Err(code) => return code,
    };
    quiet_on_a_closed_pipe();
    let trials = prepared.plan.cases.iter().map(|c| libtest_mimic::Trial::test(c.id.clone(), || Ok(()))).collect();
    let _listed = libtest_mimic::run(&prepared.libtest, trials);
    exit::code(exit::PASSED)
}

/// The libtest arguments after `--`, with `--jobs` as the thread count unless
/// `--test-threads` is given, and `--quiet` as libtest's `-q`.
fn libtest_arguments(args: &RunArgs) -> Result<libtest_mimic::Arguments, ExitCode> {
    let raw = args.libtest.clone();
    match <libtest_mimic::Arguments as clap::Parser>::try_parse_from(std::iter::once("specgate run --".to_string()).chain(raw)) {
        Ok(mut a) => {
            if args.jobs == 0 {
                return Err(usage("--jobs must be at least 1"));
            }
            a.test_threads = a.test_threads.or(Some(args.jobs));
            a.quiet |= args.quiet;
            Ok(a)
        }
        Err(e) if matches!(e.kind(), clap::error::ErrorKind::DisplayHelp) => {
            print!("{e}");
            Err(exit::code(exit::PASSED))
        }
        Err(e) => Err(usage(format!("in the libtest arguments after `--`: {}", e.to_string().trim_start_matches("error: ")))),
    }
}

/// Load the specs and the waivers; any error is shown and nothing runs.
fn load(args: &RunArgs) -> Result<(Vec<Arc<crate::spec::Spec>>, Vec<crate::waiver::Waiver>), ExitCode> {
    let loaded = crate::spec::load::load(&args.paths).and_then(|loaded| {
        for path in &loaded.skipped {
            eprintln!("specgate: note: skipped {path}: not a spec (none of its top-level keys is a spec's, such as `specgate:`)");
        }
        crate::auth::refuse_writes(loaded.specs, args.auth.allow_writes)
    });
    let specs = match loaded {
        Ok(s) => s,
        Err(errors) => {
            for e in &errors {
                eprint!("{}", e.render());
            }
            eprintln!("{} spec error(s); nothing was run", errors.len());
            return Err(exit::code(exit::USAGE));
        }
    };
    let waivers = match &args.waivers {
        Some(path) => crate::waiver::load(path).map_err(|e| {
            eprint!("{}", e.render());
            exit::code(exit::USAGE)
        })?,
        None => Vec::new(),
    };
    let specs = specs
        .into_iter()
        .map(|mut spec| {
            if let (Some(n), Some(p)) = (args.page_size, spec.file.pagination.as_mut()) {
                p.value.page_size = n;
            }
            Arc::new(spec)
        })
        .collect();
    Ok((specs, waivers))
}

/// Load the equivalence files among the paths; any error is shown and nothing runs.
fn load_equivalences(args: &RunArgs, specs: &[Arc<crate::spec::Spec>]) -> Result<Vec<Arc<crate::spec::equivalence::Catalogue>>, ExitCode> {
    shown(crate::spec::equivalence::load_all(&args.paths, specs))
}

/// Load the isolation files among the paths; any error is shown and nothing runs.
fn load_isolation(args: &RunArgs) -> Result<Vec<Arc<crate::spec::isolation::IsolationSpec>>, ExitCode> {
    shown(crate::spec::isolation::load_all(&args.paths))
}

/// What a loader of files that relate specs loaded, or its errors shown (exit 2).
fn shown<T>(loaded: Result<Vec<T>, Vec<crate::spec::error::SpecError>>) -> Result<Vec<Arc<T>>, ExitCode> {
    match loaded {
        Ok(c) => Ok(c.into_iter().map(Arc::new).collect()),
        Err(errors) => {
            for e in &errors {
                eprint!("{}", e.render());
            }
            eprintln!("{} spec error(s); nothing was run", errors.len());
            Err(exit::code(exit::USAGE))
        }
    }
}

/// The run's settings from the command line, checked before anything starts.
struct Settings {
    /// Credential values sent (the redactor's list), for the reproductions' placeholders.
    secrets: Vec<String>,
    vars: std::collections::BTreeMap<String, String>,
    headers: Vec<(String, String)>,
    path_map: Vec<(String, String)>,
    targets: Vec<Target>,
    /// The client; not built when only listing, which sends nothing (building it reads the
    /// system's CA certificates, about 2 ms).
    http: Option<Http>,
    /// Settings that weaken what the run proves (e.g. `--insecure`).
    warnings: Vec<String>,
    /// Who the requests are made as (one unnamed identity without `--identity`).
    identities: Vec<crate::auth::Identity>,
}

impl Settings {
    /// `client`: the run's HTTP settings and the client being built for them (`None` when only
    /// listing, or when `--timeout` is refused here).
    /// `specs`, `libtest`: what the run would run, for the variables it needs.
    fn of(
        args: &RunArgs,
        list: bool,
        client: Option<(HttpConfig, Option<PendingClient>)>,
        specs: &[Arc<crate::spec::Spec>],
        libtest: &libtest_mimic::Arguments,
    ) -> Result<Settings, String> {
        let mut vars = match &args.vars_file {
            Some(path) => crate::vars::read_file(path).map_err(|e| e.render().trim_start_matches("error: ").trim_end().to_string())?,
            None => std::collections::BTreeMap::new(),
        };
        let given: std::collections::BTreeSet<String> = vars.keys().cloned().collect();
        for v in &args.vars {
            let (k, val) = cli::key_value(v, "--var")?;
            vars.insert(k, val);
        }
        let mut headers = Vec::new();
        let mut secrets = Vec::new();
        for h in &args.headers {
            let (k, v) = cli::header(h)?;
            if is_secret_header(&k) {
                secrets.push(v.clone());
            }
            headers.push((k, v));
        }
        if let Some(t) = args.token.as_ref().filter(|t| !t.is_empty()) {
            secrets.push(t.clone());
            headers.push(("X-Auth-Token".into(), t.clone()));
        }
        let path_map = args.path_map.iter().map(|m| cli::key_value(m, "--map-path")).collect::<Result<Vec<_>, _>>()?;
        let mut targets: Vec<Target> = Vec::new();
        for t in &args.targets {
            let (name, url) = cli::target(t)?;
            if targets.iter().any(|x| x.name == name) {
                return Err(format!("two targets are named `{name}`; name them with NAME=URL"));
            }
            targets.push(Target { name, url, vars: Default::default() });
        }
        if !targets.is_empty() && !args.faults.is_empty() {
            return Err("--fault applies to the embedded reference server only (run without --target)".into());
        }
        if !targets.is_empty() && (args.images.is_some() || args.catalog_seed.is_some()) {
            eprintln!("specgate: warning: --images and --catalog-seed apply to the embedded reference server only; ignored with --target");
        }
        for (flag, secs) in [("--timeout", args.timeout), ("--case-timeout", args.case_timeout)] {
            if !(secs > 0.0 && secs.is_finite()) {
                return Err(format!("{flag} must be a positive number of seconds"));
            }
        }
        if let Some(rps) = args.rps {
            if !(rps > 0.0 && rps.is_finite()) {
                return Err("--rps must be a positive number of requests per second".into());
            }
        }
        // Log in once, before any case (a failure is one line, exit 2).
        let intent = crate::auth::Intent {
            token_given: args.token.is_some(),
            has_target: !targets.is_empty(),
            list_only: list,
            timeout: Duration::from_secs_f64(args.timeout),
        };
        let (login, identities) = log_in(args, intent, &secrets)?;
        let given: std::collections::BTreeSet<String> = given.into_iter().chain(vars.keys().cloned()).collect();
        login.apply(&mut vars, &mut secrets, &mut targets);
        for (_, other) in identities.iter().skip(1) {
            secrets.extend(other.secrets.iter().cloned());
        }
        let identities: Vec<crate::auth::Identity> = match identities.is_empty() {
            true => vec![crate::auth::Identity::unnamed(&login)],
            false => identities.into_iter().map(|(identity, _)| identity).collect(),
        };
        for w in &login.warnings {
            eprintln!("specgate: warning: {w}");
        }
        if !list {
            crate::vars::require(specs, &targets, &vars, &path_map, libtest, &given)?;
        }
        let http = match client {
            Some((config, Some(pending))) => {
                let client = pending.join().map_err(|_| "internal: building the HTTP client failed".to_string())??;
                Some(Http::with_client(client, config, Redactor::new(secrets.clone())))
            }
            Some((config, None)) => Some(Http::plain_first(config, Redactor::new(secrets.clone()))?),
            None => None,
        };
        let http = http.map(|h| h.with_auth(login.auth.clone()));
        Ok(Settings { secrets, vars, headers, path_map, targets, http, warnings: login.warnings, identities })
    }
}

/// Log in once, before any case (a failure is one line, exit 2): the run's single identity, or
/// each `--identity` (then the login returned is the first identity's, with the run's secret
/// variables and warnings, and the identities come with their own logins).
fn log_in(
    args: &RunArgs,
    intent: crate::auth::Intent,
    secrets: &[String],
) -> Result<(crate::auth::Login, Vec<(crate::auth::Identity, crate::auth::Login)>), String> {
    let redact = |e: crate::auth::AuthError| Redactor::new(secrets.to_vec()).text(&e.to_string());
    let declared = crate::auth::identity::declared(&args.auth)?;
    if declared.is_empty() {
        return Ok((crate::auth::establish(&args.auth, intent).map_err(redact)?, Vec::new()));
    }
    if args.token.is_some() {
        return Err("--token and --identity exclude each other: give the token as an identity (token-env:VAR)".into());
    }
    // The run's own settings, without its credentials: each identity brings its own.
    let own = crate::auth::AuthArgs {
        secret_vars: args.auth.secret_vars.clone(),
        insecure: args.auth.insecure,
        cacert: args.auth.cacert.clone(),
        allow_writes: args.auth.allow_writes,
        ..Default::default()
    };
    let mut login = crate::auth::establish(&own, intent).map_err(redact)?;
    let each = crate::auth::identity::establish_each(&args.auth, &declared, intent, |k| std::env::var(k).ok()).map_err(redact)?;
    if let Some((_, first)) = each.first() {
        login.auth = first.auth.clone();
        login.secrets.extend(first.secrets.iter().cloned());
        login.project_id = first.project_id.clone();
        login.target = first.target.clone();
    }
    Ok((login, each))
}

/// A client being built on its own thread (`Http::client`).
type PendingClient = std::thread::JoinHandle<Result<reqwest::Client, String>>;

/// Whether a run can start with the client that reads no CA certificate (`Http::plain_first`):
/// every target given is plain HTTP (or none is: the embedded reference server), no TLS setting
/// was given, and no proxy is reached over HTTPS. Anything else a run turns out to need (an
/// `https` URL from a login's catalog, a redirect) builds the other client then.
fn plain_at_start(args: &RunArgs, config: &HttpConfig) -> bool {
    let https_proxy = ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|p| p.trim_start().to_ascii_lowercase().starts_with("https")));
    config.tls.cacert.is_none()
        && !config.tls.insecure
        && !https_proxy
        && args.targets.iter().all(|t| cli::target(t).is_ok_and(|(_, url)| url.scheme() == "http"))
}

/// The run's HTTP settings; `None` while `--timeout` is not a number of seconds
/// (`Settings::of` says so).
fn http_config(args: &RunArgs) -> Option<HttpConfig> {
    let timeout = Duration::try_from_secs_f64(args.timeout).ok()?;
    Some(HttpConfig { timeout, max_body: args.max_body, retries: args.retries, tls: args.auth.tls(), ..HttpConfig::default() })
}

/// The targets of the run: the given ones, or the embedded reference server (started only
/// when cases will run).
fn pick_targets(
    args: &RunArgs,
    mut targets: Vec<Target>,
    rt: Option<&tokio::runtime::Runtime>,
    tenancy: bool,
) -> Result<(Vec<Arc<Target>>, Option<crate::embedded::Running>), String> {
    let mut embedded = None;
    if targets.is_empty() {
        match rt {
            None => targets.push(crate::embedded::shape()),
            Some(rt) => {
                let (running, target) = rt
                    .block_on(crate::embedded::start(
                        args.images.unwrap_or(300),
                        args.catalog_seed.unwrap_or(1),
                        args.faults.clone(),
                        tenancy,
                    ))
                    .map_err(|e| format!("cannot start the embedded reference server: {e}"))?;
                eprintln!("specgate: no --target given; testing the embedded reference server at {}", target.url);
                targets.push(target);
                embedded = Some(running);
            }
        }
    }
    Ok((targets.into_iter().map(Arc::new).collect(), embedded))
}

/// The event bus and the run's outputs (`report::outputs`).
fn subscribers(
    args: &RunArgs,
    info: RunInfo,
    options: report::Options,
    waivers: Vec<crate::waiver::Waiver>,
    progress: Option<Arc<Progress>>,
) -> Result<Arc<Events>, String> {
    let given = report::Given {
        info,
        options,
        waivers,
        progress,
        stream: args.events.as_deref().map(event_stream).transpose()?,
        annotations: args.annotations.map_or_else(report::annotations::auto, |a| a == cli::Annotations::Github),
        report_dir: args.report_dir.clone(),
    };
    Ok(Arc::new(Events::new(report::outputs(given))))
}

/// Where `--events` writes: a file, or stdout for `-`. Stdout then carries the events alone:
/// libtest's lines and everything else written to stdout go to stderr.
fn event_stream(path: &Path) -> Result<Box<dyn std::io::Write + Send>, String> {
    if path == Path::new("-") {
        #[cfg(unix)]
        {
            use std::os::fd::FromRawFd;
            // SAFETY: dup and dup2 on the process's own standard descriptors; the duplicate of
            // stdout is owned by the File made from it, and by nothing else.
            let events = unsafe { libc::dup(libc::STDOUT_FILENO) };
            if events < 0 || unsafe { libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) } < 0 {
                return Err(format!("--events -: {}", std::io::Error::last_os_error()));
            }
            return Ok(Box::new(std::io::LineWriter::new(unsafe { std::fs::File::from_raw_fd(events) })));
        }
        #[cfg(not(unix))]
        return Err("--events - needs a Unix system; give a file".into());
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("--events {}: {e}", path.display()))?;
    }
    let file = std::fs::File::create(path).map_err(|e| format!("--events {}: {e}", path.display()))?;
    Ok(Box::new(std::io::BufWriter::new(file)))
}

/// `specgate report`: the reports of several runs as one (exit code as if they were one run);
/// with `--history`, the runs of a history.
fn combine(args: ReportArgs) -> ExitCode {
    if args.history {
        return match report::history::render(&args.results, &args.report_dir) {
            Ok(files) => {
                eprintln!("specgate: history: {}", files::describe(&files, &args.report_dir));
                exit::code(exit::PASSED)
            }
            Err(e) => usage(e),
        };
    }
    let (info, verdicts) = match report::read_results(&args.results) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let summary = Summary::of(&verdicts);
    match report::write_all(&args.report_dir, &info, &verdicts) {
        Ok(files) => eprintln!("specgate: {summary}; reports: {}", files::describe(&files, &args.report_dir)),
        Err(e) => {
            eprintln!("error: cannot write reports to {}: {e}", args.report_dir.display());
            return exit::code(exit::NOT_RECORDED);
        }
    }
    exit::code(summary.exit_code(verdicts.len(), info.stopped.is_some()))
}

fn serve(args: ServeArgs) -> ExitCode {
    if args.list_faults {
        print!("{}", crate::embedded::fault_table());
        return exit::code(exit::PASSED);
    }
    let rt = runtime();
    rt.block_on(async {
        let aksk = match (&args.ak, &args.sk) {
            (Some(access_key), Some(secret_key)) => {
                Some(specgate_refserver::AkSk { access_key: access_key.clone(), secret_key: secret_key.clone() })
            }
            (None, None) => None,
            _ => return usage("serve: --ak and --sk go together"),
        };
        let config =
            specgate_refserver::Config { images: args.images, seed: args.seed, faults: args.faults.clone(), aksk, tenancy: args.tenancy };
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
        for identity in running.identities() {
            // Test tokens of a local server: printing them gives nothing away.
            let role = if identity.admin { ", admin" } else { "" };
            eprintln!(
                "specgate: identity {} (project {}{role}): X-Auth-Token: {}, AK/SK: {} {} (test credentials of this local server)",
                identity.name, identity.project_id, identity.token, identity.access_key, identity.secret_key
            );
        }
        let _ = tokio::signal::ctrl_c().await;
        running.shutdown().await;
        exit::code(exit::PASSED)
    })
}
