//! A session: everything one case needs to make requests against one target, with its
//! exchanges recorded and its request budget enforced.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::http::{Exchange, Http, Request};
use crate::plan::Target;
use crate::spec::Spec;

/// Run-wide settings shared by every case.
pub struct Context {
    pub http: Http,
    /// `--var KEY=VALUE`.
    pub vars: BTreeMap<String, String>,
    /// `--header` and the token header, sent on every request.
    pub headers: Vec<(String, String)>,
    /// `--map-path FROM=TO`: path template prefixes rewritten before sending.
    pub path_map: Vec<(String, String)>,
    /// Most requests one case may spend.
    pub budget: usize,
    /// Longest time one case may take; no request starts after it.
    pub case_timeout: std::time::Duration,
    /// Seed for sampling values from catalogues.
    pub seed: u64,
    /// Where response shapes are recorded (`snapshot: true` cases).
    pub snapshot_dir: std::path::PathBuf,
    /// Overwrite recorded shapes instead of comparing.
    pub update_snapshots: bool,
}

/// The budget ran out: the case could not be completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetExhausted {
    Requests(usize),
    Time(std::time::Duration),
}

impl std::fmt::Display for BudgetExhausted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BudgetExhausted::Requests(n) => write!(f, "request budget of {n} exhausted (raise it with --budget)"),
            BudgetExhausted::Time(d) => write!(f, "time budget of {} s exhausted (raise it with --case-timeout)", d.as_secs_f64()),
        }
    }
}

pub struct Session<'a> {
    pub ctx: &'a Context,
    pub spec: &'a Arc<Spec>,
    pub target: &'a Arc<Target>,
    pub exchanges: Vec<Exchange>,
    started: std::time::Instant,
}

impl<'a> Session<'a> {
    pub fn new(ctx: &'a Context, spec: &'a Arc<Spec>, target: &'a Arc<Target>) -> Self {
        Session { ctx, spec, target, exchanges: Vec::new(), started: std::time::Instant::now() }
    }

    /// The value of a template variable: `--var`, then the target's own, then the spec default.
    pub fn var(&self, name: &str) -> Option<String> {
        self.ctx
            .vars
            .get(name)
            .or_else(|| self.target.vars.get(name))
            .cloned()
            .or_else(|| self.spec.file.vars.get(name).and_then(|v| v.default.clone()))
    }

    /// The spec's request URL with `query`, placeholders filled in.
    pub fn url(&self, query: &[(String, String)]) -> Result<url::Url, String> {
        let mut template = self.spec.file.request.path.value.clone();
        for (from, to) in &self.ctx.path_map {
            if let Some(rest) = template.strip_prefix(from.as_str()) {
                template = format!("{to}{rest}");
                break;
            }
        }
        let mut path = String::new();
        let mut rest = template.as_str();
        while let Some(start) = rest.find('{') {
            path.push_str(&rest[..start]);
            let end = rest[start..].find('}').map(|e| start + e).ok_or_else(|| format!("unclosed `{{` in path `{template}`"))?;
            let name = &rest[start + 1..end];
            let value = self.var(name).ok_or_else(|| {
                format!(
                    "variable `{name}` is not set: pass --var {name}=VALUE ({})",
                    self.spec.file.vars.get(name).map(|v| v.description.as_str()).unwrap_or("undeclared")
                )
            })?;
            path.push_str(&utf8_percent_encode_segment(&value));
            rest = &rest[end + 1..];
        }
        path.push_str(rest);
        let mut url = self.target.url.clone();
        let base = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{base}{path}"));
        url.set_query(None);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// Headers for a request: the spec's, overridden by the run's (`--header`, token),
    /// overridden by the case's own (a case that sets `Accept` is testing exactly that).
    pub fn headers(&self, extra: &BTreeMap<String, String>) -> Vec<(String, String)> {
        let mut map: BTreeMap<String, (String, String)> = BTreeMap::new();
        for (k, v) in &self.spec.file.request.headers {
            map.insert(k.to_ascii_lowercase(), (k.clone(), v.clone()));
        }
        for (k, v) in self.ctx.headers.iter().map(|(k, v)| (k, v)).chain(extra.iter()) {
            map.insert(k.to_ascii_lowercase(), (k.clone(), v.clone()));
        }
        map.into_values().collect()
    }

    pub fn requests(&self) -> usize {
        self.exchanges.len()
    }

    /// Send a GET-like request of the spec's method; returns the index of the exchange.
    pub async fn send(&mut self, url: url::Url, headers: Vec<(String, String)>) -> Result<usize, BudgetExhausted> {
        if self.exchanges.len() >= self.ctx.budget {
            return Err(BudgetExhausted::Requests(self.ctx.budget));
        }
        if self.started.elapsed() >= self.ctx.case_timeout {
            return Err(BudgetExhausted::Time(self.ctx.case_timeout));
        }
        let req = Request { method: self.spec.file.request.method.as_str().to_string(), url, headers };
        let ex = self.ctx.http.send(&req).await;
        self.exchanges.push(ex);
        Ok(self.exchanges.len() - 1)
    }

    /// Follow a link found in a response (absolute or relative to the target).
    pub fn resolve_link(&self, href: &str) -> Result<url::Url, String> {
        self.target.url.join(href).map_err(|e| format!("next link `{href}` is not a URL: {e}"))
    }
}

fn utf8_percent_encode_segment(s: &str) -> String {
    let mut u = url::Url::parse("http://x/").expect("static URL");
    u.path_segments_mut().expect("http URL has segments").push(s);
    u.path()[1..].to_string()
}
