//! The command line: `specgate run | list | serve | report | export | import | derive | lint-docs |
//! completions | man`. This is a contract other tools rely on.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use crate::pairs::{header, key_value};
pub use crate::report::diff::{DiffArgs, DiffOutput};
pub use specgate_docs::args::{DeriveArgs, DocOutput, ExportOpenapiArgs, ImportOpenapiArgs, LintDocsArgs};

/// Cases in flight by default: a test suite against an HTTP API is I/O-bound, so this does not
/// follow the CPU count.
pub const DEFAULT_JOBS: usize = 8;

#[derive(Debug, Parser)]
#[command(
    name = "specgate",
    version,
    about = "Contract and conformance tests for HTTP JSON APIs, from YAML specs.",
    after_help = crate::exit::table()
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run specs against targets and write reports. Arguments after `--` go to the libtest
    /// runner (filter, --exact, --skip, --list, --ignored, --test-threads).
    #[command(after_help = crate::exit::table())]
    Run(RunArgs),
    /// Print the ids of the cases a run with the same arguments would run, one a line (or
    /// JSON with `--format json`).
    List(ListArgs),
    /// Serve the reference implementation until stopped.
    Serve(ServeArgs),
    /// Write one set of reports from the results of earlier runs (e.g. one per target).
    Report(ReportArgs),
    /// Compare two runs' results.json: newly failing, fixed, still failing, new and removed
    /// cases, changed findings. Exits 1 when anything regressed.
    Diff(DiffArgs),
    /// Export specs to another format: `specgate export openapi [PATH...] --out FILE`.
    #[command(subcommand)]
    Export(ExportFormat),
    /// Write specs from another format: `specgate import openapi FILE [--out DIR]`.
    #[command(subcommand)]
    Import(ImportFormat),
    /// Derive a spec skeleton from a vendor API reference page (markdown or scraped text).
    Derive(DeriveArgs),
    /// Find the defects of API reference pages: examples that break their own tables, URI
    /// typos, misspelt sort keys, defaults outside their values, pages that disagree.
    /// Exits 1 when any defect is found.
    LintDocs(LintDocsArgs),
    /// Print a shell completion script: e.g. `specgate completions bash > /etc/bash_completion.d/specgate`.
    Completions(CompletionsArgs),
    /// Print the man page (roff): e.g. `specgate man > specgate.1; man ./specgate.1`.
    Man,
}

#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// The shell the script is for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// CI annotation formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Annotations {
    /// GitHub Actions workflow commands (`::error file=…,line=…::…`).
    Github,
    /// None, even inside GitHub Actions.
    None,
}

#[derive(Debug, Subcommand)]
pub enum ExportFormat {
    /// One OpenAPI 3.1 document (JSON, or YAML when FILE ends in .yaml/.yml) from the specs.
    Openapi(ExportOpenapiArgs),
}

#[derive(Debug, Subcommand)]
pub enum ImportFormat {
    /// Spec files (one per path) and schemas from an OpenAPI 3.0/3.1 or Swagger 2.0 document, JSON or YAML.
    Openapi(ImportOpenapiArgs),
}

#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// Report directories (or `results.json` files) of earlier runs.
    #[arg(required = true)]
    pub results: Vec<PathBuf>,
    /// Where the combined reports go.
    #[arg(long, default_value = "reports")]
    pub report_dir: PathBuf,
    /// Render the run history instead: the inputs are history files (or report directories
    /// holding `history.jsonl`); writes history.html and history.md into `--report-dir`.
    #[arg(long)]
    pub history: bool,
}

#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Spec files or directories.
    #[arg(default_value = "specs")]
    pub paths: Vec<PathBuf>,
    /// `URL` or `NAME=URL`; repeatable. Without it, the embedded reference server is the target.
    #[arg(long = "target", value_name = "[NAME=]URL")]
    pub targets: Vec<String>,
    /// Template variable, e.g. `--var project_id=0123abcd`; repeatable. Overrides `--vars`.
    #[arg(long = "var", value_name = "KEY=VALUE")]
    pub vars: Vec<String>,
    /// Template variables from a YAML or JSON file: a mapping of name to value.
    #[arg(long = "vars", value_name = "FILE")]
    pub vars_file: Option<PathBuf>,
    /// Header sent with every request, e.g. `--header 'X-Roles: admin'`; repeatable.
    #[arg(long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,
    /// Token sent as `X-Auth-Token`. Never printed.
    #[arg(long, env = "SPECGATE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Where reports are written.
    #[arg(long, default_value = "reports")]
    pub report_dir: PathBuf,
    /// Rewrite a spec path prefix before sending, e.g. `--map-path /v2/cloudimages=/v2/images`.
    #[arg(long = "map-path", value_name = "FROM=TO")]
    pub path_map: Vec<String>,
    /// Seconds one request may take (headers and body).
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    /// How many times a 429, 502, 503, 504, failed connect, or connection dropped before any
    /// response (idempotent methods only: a server closing an idle keep-alive connection) is
    /// retried: jittered exponential backoff from 200 ms, honouring `Retry-After` (seconds or
    /// HTTP-date); at most 2 s a wait and 10 s in all per request.
    #[arg(long, default_value_t = 2)]
    pub retries: u32,
    /// Cases making requests at once (walks inside one case stay sequential; a one-request
    /// case checks its response after making room for the next). `--test-threads` after `--`
    /// overrides it.
    #[arg(long, short = 'j', default_value_t = DEFAULT_JOBS, value_parser = clap::value_parser!(usize))]
    pub jobs: usize,
    /// Most requests per second sent to each target, shared by all its cases. With or without
    /// it, a target that answers 429 is paced: held for its `Retry-After`, slowed, then sped up
    /// again little by little (AIMD), and the request retried for up to 10 s.
    #[arg(long, value_name = "N")]
    pub rps: Option<f64>,
    /// Bound on the whole run, e.g. `90s`, `10m`: no case starts after it, running ones are cut
    /// at it, and the reports are written.
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub deadline: Option<std::time::Duration>,
    /// Run one share of the cases: `count:I/N` (dealt out in order) or `hash:I/N` (by a hash of
    /// the case id), as cargo-nextest does; N jobs with I = 1..N run every case once.
    #[arg(long, value_name = "KIND:I/N")]
    pub partition: Option<crate::plan::partition::Partition>,
    /// Write the live event stream to FILE, one JSON object per line (see docs/events.md).
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// Largest response body read, in bytes.
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    pub max_body: usize,
    /// Most requests one case may spend.
    #[arg(long, default_value_t = 400)]
    pub budget: usize,
    /// Walk listings N items a page instead of each spec's `pagination.page_size`: a large
    /// catalogue is walked in fewer requests (raise --budget to match).
    #[arg(long, value_name = "N", value_parser = page_size)]
    pub page_size: Option<u64>,
    /// Seconds one case may take; no request starts after that.
    #[arg(long, default_value_t = 120.0)]
    pub case_timeout: f64,
    /// Seed for sampling filter values from the catalogue (recorded in results.json).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Embedded reference server only: catalogue size [default: 300].
    #[arg(long, value_name = "N")]
    pub images: Option<usize>,
    /// Embedded reference server only: catalogue seed [default: 1].
    #[arg(long, value_name = "S")]
    pub catalog_seed: Option<u64>,
    /// Embedded reference server only: inject a fault, `NAME` or `NAME=VALUE` such as
    /// `*.latency=100ms` (see `specgate serve --list-faults`); repeatable.
    #[arg(long = "fault", value_name = "NAME[=VALUE]")]
    pub faults: Vec<String>,
    /// Where response shapes of `snapshot: true` cases are recorded and compared.
    #[arg(long, default_value = "snapshots")]
    pub snapshot_dir: PathBuf,
    /// Record the current response shapes instead of comparing with the recorded ones.
    #[arg(long)]
    pub update_snapshots: bool,
    /// Waiver file: explained deviations that do not fail the gate (see docs/spec-format.md).
    #[arg(long)]
    pub waivers: Option<PathBuf>,
    /// A previous run's results.json: fail only on regressions against it (a ratchet gate).
    #[arg(long, value_name = "RESULTS")]
    pub baseline: Option<PathBuf>,
    /// Append the run's record (counts, root causes, requests, latency) to this file instead
    /// of `history.jsonl` in `--report-dir`; report.html draws the last runs as trend lines.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Start no case once N cases failed the gate or errored; running cases finish, the others
    /// are skipped ("not run"). The exit code is that of the cases that ran.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_fail: Option<u64>,
    /// `--max-fail 1`: stop at the first failure or error.
    #[arg(long, conflicts_with = "max_fail")]
    pub fail_fast: bool,
    /// libtest's terse format: one character a case, then the failures (libtest's `-q`).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Print CI annotations on stdout; default `github` when GITHUB_ACTIONS=true.
    #[arg(long, value_enum)]
    pub annotations: Option<Annotations>,
    /// Logins (Keystone, AK/SK), secret variables, writes, TLS.
    #[command(flatten)]
    pub auth: crate::auth::AuthArgs,
    /// Arguments for the libtest runner.
    #[arg(last = true)]
    pub libtest: Vec<String>,
}

#[derive(Debug, Args, Clone)]
pub struct ListArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// `text`: one case id a line; `json`: an array of cases (id, spec, case, target, level,
    /// location, doc).
    #[arg(long, value_enum, default_value = "text")]
    pub format: ListFormat,
}

/// Output of `list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    #[arg(long, default_value_t = 300)]
    pub images: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Inject a fault, `NAME` or `NAME=VALUE` such as `*.rate=10`; repeatable.
    #[arg(long = "fault", value_name = "NAME[=VALUE]")]
    pub faults: Vec<String>,
    /// Print the fault catalogue and exit.
    #[arg(long)]
    pub list_faults: bool,
    /// AK/SK mode: answer only requests signed (SDK-HMAC-SHA256) with this access key…
    #[arg(long, value_name = "AK")]
    pub ak: Option<String>,
    /// …and this secret key; others get 401.
    #[arg(long, value_name = "SK", hide_env_values = true, env = "SPECGATE_SERVE_SK")]
    pub sk: Option<String>,
    /// Several projects: requests need the `X-Auth-Token` of one of the identities printed at
    /// start-up (alice, bob, admin), and each lists what its project may see.
    #[arg(long)]
    pub tenancy: bool,
}

/// The command line, or the usage error for it (clap's: exit 2). A mistyped subcommand gets
/// a suggestion by edit distance: clap's own (Jaro similarity) finds none for a swap of two
/// letters in a short word (`rnu` for `run`), the commonest typo of all.
pub fn parse() -> Cli {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    use clap::{CommandFactory, FromArgMatches};
    let mut command = Cli::command();
    let mut err = match command.try_get_matches_from_mut(std::env::args_os()) {
        Ok(matches) => match Cli::from_arg_matches(&matches) {
            Ok(cli) => return cli,
            Err(e) => e.format(&mut command),
        },
        Err(e) => e,
    };
    if err.kind() == ErrorKind::InvalidSubcommand && err.get(ContextKind::SuggestedSubcommand).is_none() {
        if let Some(ContextValue::String(typed)) = err.get(ContextKind::InvalidSubcommand) {
            let names: Vec<String> = command.get_subcommands().map(|c| c.get_name().to_string()).collect();
            if let Some(name) = crate::spec::error::did_you_mean(typed, names.iter().map(String::as_str)) {
                let name = name.to_string();
                err.insert(ContextKind::SuggestedSubcommand, ContextValue::Strings(vec![name]));
            }
        }
    }
    err.exit()
}

/// `--page-size`: a whole number of items, at least 1.
pub fn page_size(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(0) => Err("a page holds at least 1 item".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{s}` is not a number of items")),
    }
}

/// `90s`, `10m`, `1h30m` (or a plain number of seconds) → a positive duration.
pub fn duration(s: &str) -> Result<std::time::Duration, String> {
    let d = match s.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs >= 0.0 => std::time::Duration::from_secs_f64(secs),
        Ok(_) => return Err(format!("`{s}` is not a duration")),
        Err(_) => humantime::parse_duration(s.trim()).map_err(|e| format!("`{s}` is not a duration like 90s or 10m: {e}"))?,
    };
    if d.is_zero() {
        return Err("a duration must be positive".into());
    }
    Ok(d)
}

/// `URL` or `NAME=URL` → (name, url).
pub fn target(s: &str) -> Result<(String, url::Url), String> {
    let (name, raw) = match s.split_once('=') {
        Some((n, u)) if !n.contains("://") && !n.contains('/') => (Some(n.to_string()), u),
        _ => (None, s),
    };
    // `127.0.0.1:9292` is no URL, and `localhost:9292` one of the scheme `localhost`: both
    // are a host and port that lack `http://`.
    // A bare word (`nonsense`) is not taken for a host name.
    let no_scheme = || {
        let guess = format!("http://{raw}");
        let host_like = |u: &url::Url| u.port().is_some() || u.host_str().is_some_and(|h| h.contains('.') || h == "localhost");
        (!raw.contains("://") && url::Url::parse(&guess).is_ok_and(|u| host_like(&u)))
            .then(|| format!("--target `{raw}` has no scheme: did you mean {guess}?"))
    };
    let url = url::Url::parse(raw).map_err(|e| no_scheme().unwrap_or_else(|| format!("--target `{raw}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(no_scheme().unwrap_or_else(|| format!("--target `{raw}`: only http and https URLs are supported")));
    }
    let name = name.unwrap_or_else(|| match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => raw.to_string(),
    });
    Ok((name, url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_and_bare_targets() {
        let (n, u) = target("glance=http://127.0.0.1:9292").unwrap();
        assert_eq!((n.as_str(), u.as_str()), ("glance", "http://127.0.0.1:9292/"));
        let (n, _) = target("http://127.0.0.1:9292/v2?x=1").unwrap();
        assert_eq!(n, "127.0.0.1:9292");
        assert!(target("ftp://x").is_err());
        assert!(target("nonsense").is_err());
    }

    #[test]
    fn a_target_without_a_scheme_suggests_http() {
        assert_eq!(target("127.0.0.1:9292").unwrap_err(), "--target `127.0.0.1:9292` has no scheme: did you mean http://127.0.0.1:9292?");
        assert_eq!(target("localhost:9292").unwrap_err(), "--target `localhost:9292` has no scheme: did you mean http://localhost:9292?");
        assert_eq!(
            target("glance=10.0.0.1:9292/v2").unwrap_err(),
            "--target `10.0.0.1:9292/v2` has no scheme: did you mean http://10.0.0.1:9292/v2?"
        );
        assert_eq!(target("ftp://x").unwrap_err(), "--target `ftp://x`: only http and https URLs are supported");
    }

    #[test]
    fn a_page_size_is_a_positive_number_of_items() {
        assert_eq!(page_size("1000"), Ok(1000));
        assert_eq!(page_size("0"), Err("a page holds at least 1 item".into()));
        assert_eq!(page_size("big"), Err("`big` is not a number of items".into()));
    }

    #[test]
    fn durations_with_units_or_plain_seconds() {
        assert_eq!(duration("90s"), Ok(std::time::Duration::from_secs(90)));
        assert_eq!(duration("1h30m"), Ok(std::time::Duration::from_secs(5400)));
        assert_eq!(duration("2.5"), Ok(std::time::Duration::from_millis(2500)));
        assert!(duration("0s").is_err());
        assert!(duration("soon").unwrap_err().contains("90s"));
    }
}
