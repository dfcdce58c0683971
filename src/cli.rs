//! The command line: `specgate run | list | serve`. This is a contract other tools rely on.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "specgate", version, about = "Contract and conformance tests for HTTP JSON APIs, from YAML specs.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run specs against targets and write reports. Arguments after `--` go to the libtest
    /// runner (filter, --exact, --skip, --list, --ignored, --test-threads).
    Run(RunArgs),
    /// Print the cases a run would run (same as `run ... -- --list`).
    List(RunArgs),
    /// Serve the reference implementation until stopped.
    Serve(ServeArgs),
    /// Write one set of reports from the results of earlier runs (e.g. one per target).
    Report(ReportArgs),
    /// Derive a spec skeleton from a vendor API reference page (markdown or scraped text).
    Derive(DeriveArgs),
}

#[derive(Debug, Args, Clone)]
pub struct DeriveArgs {
    /// The API reference page.
    pub doc: PathBuf,
    /// Write the skeleton here instead of to standard output (only when the page reads cleanly).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// Report directories (or `results.json` files) of earlier runs.
    #[arg(required = true)]
    pub results: Vec<PathBuf>,
    /// Where the combined reports go.
    #[arg(long, default_value = "reports")]
    pub report_dir: PathBuf,
}

#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Spec files or directories.
    #[arg(default_value = "specs")]
    pub paths: Vec<PathBuf>,
    /// `URL` or `NAME=URL`; repeatable. Without it, the embedded reference server is the target.
    #[arg(long = "target", value_name = "[NAME=]URL")]
    pub targets: Vec<String>,
    /// Template variable, e.g. `--var project_id=0123abcd`; repeatable.
    #[arg(long = "var", value_name = "KEY=VALUE")]
    pub vars: Vec<String>,
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
    /// How many times a 429 answer is retried (honouring `Retry-After`, at most 2 s each).
    #[arg(long, default_value_t = 2)]
    pub retries: u32,
    /// Largest response body read, in bytes.
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    pub max_body: usize,
    /// Most requests one case may spend.
    #[arg(long, default_value_t = 400)]
    pub budget: usize,
    /// Seconds one case may take; no request starts after that.
    #[arg(long, default_value_t = 120.0)]
    pub case_timeout: f64,
    /// Seed for sampling filter values from the catalogue (recorded in results.json).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Embedded reference server only: catalogue size.
    #[arg(long, default_value_t = 300)]
    pub images: usize,
    /// Embedded reference server only: catalogue seed.
    #[arg(long, default_value_t = 1)]
    pub catalog_seed: u64,
    /// Embedded reference server only: inject a fault (see `specgate serve --list-faults`); repeatable.
    #[arg(long = "fault", value_name = "NAME")]
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
    /// Arguments for the libtest runner.
    #[arg(last = true)]
    pub libtest: Vec<String>,
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
    /// Inject a fault; repeatable.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Print the fault catalogue and exit.
    #[arg(long)]
    pub list_faults: bool,
}

/// `KEY=VALUE` → (KEY, VALUE).
pub fn key_value(s: &str, what: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("{what} `{s}` is not KEY=VALUE")),
    }
}

/// `Name: value` → (Name, value).
pub fn header(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((k, v)) if !k.trim().is_empty() && !k.contains(char::is_whitespace) => Ok((k.trim().to_string(), v.trim().to_string())),
        // Only the first word is echoed: the rest may be a credential.
        _ => Err(format!("--header `{} …` is not 'Name: value'", s.split(|c: char| c == ':' || c.is_whitespace()).next().unwrap_or(""))),
    }
}

/// `URL` or `NAME=URL` → (name, url).
pub fn target(s: &str) -> Result<(String, url::Url), String> {
    let (name, raw) = match s.split_once('=') {
        Some((n, u)) if !n.contains("://") && !n.contains('/') => (Some(n.to_string()), u),
        _ => (None, s),
    };
    let url = url::Url::parse(raw).map_err(|e| format!("--target `{raw}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("--target `{raw}`: only http and https URLs are supported"));
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
    fn header_and_var_parsing() {
        assert_eq!(header("X-Roles: admin,member").unwrap(), ("X-Roles".into(), "admin,member".into()));
        assert!(header("no colon").is_err());
        assert_eq!(key_value("project_id=abc=d", "--var").unwrap(), ("project_id".into(), "abc=d".into()));
        assert!(key_value("=x", "--var").is_err());
    }

    #[test]
    fn header_error_never_echoes_the_value() {
        let e = header("Authorization Bearer s3cret").unwrap_err();
        assert!(!e.contains("s3cret"), "{e}");
        assert!(e.contains("Authorization"), "{e}");
    }
}
