//! A session: everything one case needs to make requests against one target, with its
//! exchanges recorded and announced, its request budget enforced, and the target's health and
//! pace respected.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::events::{Event, Events};
use crate::http::{Exchange, Http, Request};
use crate::plan::Target;
use crate::run::health::{Change, Health};
use crate::run::shared::{Key, Responses, Served};
use crate::spec::Spec;
use crate::verdict::ExchangeRecord;

/// The variable that names the project a request acts for.
const PROJECT_ID: &str = "project_id";

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
    /// Health and pace per target name.
    pub targets: BTreeMap<String, TargetState>,
    /// Where exchanges and target state changes are announced.
    pub events: Arc<Events>,
    /// Who the requests are made as: the first makes the ordinary cases' requests. One
    /// unnamed identity in a run without `--identity`.
    pub identities: Vec<crate::auth::Identity>,
}

impl Context {
    /// Whether the identities have names, so that each request records who made it.
    pub(crate) fn named_identities(&self) -> bool {
        self.identities.iter().any(|i| !i.name.is_empty())
    }

    fn target_state(&self, name: &str) -> &TargetState {
        // Every planned target has a state; a missing one is a bug in the wiring.
        self.targets.get(name).expect("a state for every target")
    }
}

/// What the run knows about one target, shared by all its cases.
pub struct TargetState {
    pub health: Health,
    /// Listings (by spec path) whose full walk ran out of request budget before their end,
    /// with the reason: later full walks of them end at once instead of spending it again.
    unending: Mutex<BTreeMap<String, String>>,
    /// How fast requests may start: `--rps` at most, slowed by 429s (`crate::pace`).
    pub(crate) pace: crate::pace::Pace,
    /// The answers of this target's requests, shared by every case that sends the same one.
    pub(crate) responses: Responses,
    /// Requests sent to this target.
    pub(crate) sent: std::sync::atomic::AtomicUsize,
}

impl TargetState {
    /// A target paced to at most `rps` requests per second (unpaced when `None`), slower
    /// when it answers 429.
    pub fn new(rps: Option<f64>) -> TargetState {
        let pace = crate::pace::Pace::new(rps);
        TargetState {
            health: Health::default(),
            unending: Mutex::default(),
            pace,
            responses: Responses::default(),
            sent: Default::default(),
        }
    }
}

/// Someone who is none of the run's identities: credentials that must be refused.
#[derive(Clone)]
pub(crate) struct Stranger {
    /// How the reports name who made the request, e.g. `(no credentials)`.
    pub label: String,
    pub auth: crate::auth::Auth,
}

/// Why a session refused to send a request: the case cannot be completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    Requests(usize),
    Time(Duration),
    /// The target is marked down (the reason says since when and why).
    TargetDown(String),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Requests(n) => write!(f, "request budget of {n} exhausted (raise it with --budget)"),
            Refused::Time(d) => write!(f, "time budget of {} s exhausted (raise it with --case-timeout)", d.as_secs_f64()),
            Refused::TargetDown(reason) => f.write_str(reason),
        }
    }
}

/// A running case's trail: its exchanges as they happen, announced on the event bus and kept
/// so that a case cut short still reports the requests it made.
pub(crate) struct Trace {
    pub index: usize,
    pub id: String,
    pub target: String,
    records: Mutex<Vec<ExchangeRecord>>,
    /// The requests this case waited on one after another (sent, or sent by another case and
    /// awaited), and the time they took: its chain of dependent requests.
    chain: Mutex<Chain>,
}

/// A chain of requests, each sent after the one before it answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Chain {
    pub requests: usize,
    pub elapsed: Duration,
}

impl Trace {
    pub(crate) fn new(index: usize, id: &str, target: &str) -> Trace {
        Trace { index, id: id.to_string(), target: target.to_string(), records: Mutex::default(), chain: Mutex::default() }
    }

    /// A trail that announces nothing: the run's own requests after its cases.
    pub(crate) fn unannounced(id: &str, target: &str) -> Trace {
        Trace::new(usize::MAX, id, target)
    }

    fn exchange(&self, events: &Events, record: ExchangeRecord) {
        if self.index != usize::MAX {
            events.emit(Event::Exchange { index: self.index, id: &self.id, target: &self.target, exchange: &record });
        }
        self.records.lock().unwrap_or_else(|p| p.into_inner()).push(record);
    }

    fn waited(&self, elapsed: Duration) {
        let mut chain = self.chain.lock().unwrap_or_else(|p| p.into_inner());
        chain.requests += 1;
        chain.elapsed += elapsed;
    }

    /// The case's chain of dependent requests.
    pub(crate) fn chain(&self) -> Chain {
        *self.chain.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The exchanges so far.
    pub(crate) fn records(&self) -> Vec<ExchangeRecord> {
        self.records.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

pub(crate) struct Session<'a> {
    pub ctx: &'a Context,
    pub spec: &'a Arc<Spec>,
    pub target: &'a Arc<Target>,
    pub exchanges: Vec<Exchange>,
    /// The item members this case's walks keep (`plan::invariant::Check::members`); `None`:
    /// those any invariant of the spec reads (`Spec::item_members`).
    pub members: Option<std::collections::BTreeSet<String>>,
    /// Send every request, sharing no other case's answer (`fresh: true`, a second listing
    /// that looks for changes).
    pub fresh: bool,
    /// Which of `exchanges` were answered from another case's request.
    shared: Vec<bool>,
    /// Compare each answer with the one shared earlier in the run for the same request, and
    /// note here the URL of the first that reads otherwise (the run's last look at listings).
    pub(crate) reread: Option<Option<String>>,
    /// What the case's listing responses broke of the listing's contract (`check::contract`).
    pub responses: crate::check::contract::Responses,
    /// Which of the run's identities makes the requests (`Context::identities`): the first,
    /// unless an isolation invariant says otherwise.
    pub identity: usize,
    /// Requests made as nobody of the run (no credentials, a bad token), over `identity`.
    pub(crate) stranger: Option<Stranger>,
    /// `{project_id}` of the requests, over the identity's own (another project's, on purpose).
    pub(crate) path_project: Option<String>,
    trace: &'a Trace,
    started: std::time::Instant,
}

impl<'a> Session<'a> {
    pub(crate) fn new(ctx: &'a Context, spec: &'a Arc<Spec>, target: &'a Arc<Target>, trace: &'a Trace) -> Self {
        Session {
            ctx,
            spec,
            target,
            exchanges: Vec::new(),
            members: None,
            fresh: false,
            shared: Vec::new(),
            reread: None,
            responses: Default::default(),
            identity: 0,
            stranger: None,
            path_project: None,
            trace,
            started: std::time::Instant::now(),
        }
    }

    /// The value of a template variable: `--var`, then the target's own, then the spec default.
    pub(crate) fn var(&self, name: &str) -> Option<String> {
        if let Some(p) = self.path_project.as_ref().filter(|_| name == PROJECT_ID) {
            return Some(p.clone());
        }
        // An identity other than the first acts for its own project.
        if name == PROJECT_ID && self.identity > 0 {
            if let Some(p) = self.ctx.identities.get(self.identity).and_then(|i| i.project_id.clone()) {
                return Some(p);
            }
        }
        self.ctx
            .vars
            .get(name)
            .or_else(|| self.target.vars.get(name))
            .cloned()
            .or_else(|| self.spec.file.vars.get(name).and_then(|v| v.default.clone()))
    }

    /// The spec's request URL with `query`, placeholders filled in.
    pub(crate) fn url(&self, query: &[(String, String)]) -> Result<url::Url, String> {
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
    pub(crate) fn headers(&self, extra: &BTreeMap<String, String>) -> Vec<(String, String)> {
        let mut map: BTreeMap<String, (String, String)> = BTreeMap::new();
        for (k, v) in &self.spec.file.request.headers {
            map.insert(k.to_ascii_lowercase(), (k.clone(), v.clone()));
        }
        for (k, v) in self.ctx.headers.iter().map(|(k, v)| (k, v)).chain(extra.iter()) {
            map.insert(k.to_ascii_lowercase(), (k.clone(), v.clone()));
        }
        map.into_values().collect()
    }

    /// Send a GET-like request of the spec's method; returns the index of the exchange.
    pub(crate) async fn send(&mut self, url: url::Url, headers: Vec<(String, String)>) -> Result<usize, Refused> {
        if self.exchanges.len() >= self.ctx.budget {
            return Err(Refused::Requests(self.ctx.budget));
        }
        if self.started.elapsed() >= self.ctx.case_timeout {
            return Err(Refused::Time(self.ctx.case_timeout));
        }
        let state = self.ctx.target_state(&self.target.name);
        state.health.admit().map_err(Refused::TargetDown)?;
        let req = Request { method: self.spec.file.request.method.as_str().to_string(), url, headers };
        let who = self.identity_name();
        let key =
            if self.fresh || self.reread.is_some() { None } else { Key::of(&req.method, &req.url, &req.headers).map(|k| k.made_as(who)) };
        let (ex, shared) = match key {
            None => {
                let ex = self.transmit(state, &req).await;
                if let Some(None) = &self.reread {
                    let before = Key::of(&req.method, &req.url, &req.headers).and_then(|k| state.responses.kept(&k.made_as(who)));
                    if before.is_some_and(|b| !b.same_as(&ex)) {
                        self.reread = Some(Some(ex.url.clone()));
                    }
                }
                (ex, false)
            }
            Some(key) => match state.responses.answer(key, &self.trace.id, &self.spec.path, self.transmit(state, &req)).await {
                Served::Sent(ex) => (*ex, false),
                Served::Shared { answer, waited } => {
                    let ex = answer.exchange(&req.method, &self.ctx.http.redactor().url(&req.url));
                    if waited {
                        self.trace.waited(ex.elapsed);
                    }
                    (ex, true)
                }
            },
        };
        let mut record = self.record_of(&ex);
        record.shared = shared;
        self.trace.exchange(&self.ctx.events, record);
        self.exchanges.push(ex);
        self.shared.push(shared);
        Ok(self.exchanges.len() - 1)
    }

    /// Send `req` to the target at its pace, and note what the answer says of its health.
    async fn transmit(&self, state: &TargetState, req: &Request) -> Exchange {
        let auth = match &self.stranger {
            Some(s) => Some(&s.auth),
            None => self.ctx.identities.get(self.identity).map(|i| &i.auth),
        };
        let ex = match auth {
            Some(auth) => self.ctx.http.send_paced_as(req, Some(&state.pace), auth).await,
            None => self.ctx.http.send_paced(req, Some(&state.pace)).await,
        };
        state.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match state.health.record(&ex) {
            Some(Change::Down(reason)) => {
                self.ctx.events.emit(Event::TargetDown { target: &self.target.name, reason: &reason });
            }
            Some(Change::Up) => self.ctx.events.emit(Event::TargetUp { target: &self.target.name }),
            None => {}
        }
        self.trace.waited(ex.elapsed);
        ex
    }

    /// The records of the exchanges so far, each marked when it was shared.
    pub(crate) fn records(&self) -> Vec<ExchangeRecord> {
        self.exchanges.iter().zip(&self.shared).map(|(ex, shared)| ExchangeRecord { shared: *shared, ..self.record_of(ex) }).collect()
    }

    /// The name of the identity the requests are made as (empty: the run's unnamed one).
    pub(crate) fn identity_name(&self) -> &str {
        if let Some(s) = &self.stranger {
            return &s.label;
        }
        self.ctx.identities.get(self.identity).map(|i| i.name.as_str()).unwrap_or("")
    }

    /// `ex` as recorded: with the identity that made it, when the run's identities have names.
    fn record_of(&self, ex: &Exchange) -> ExchangeRecord {
        let mut record = ex.record();
        if self.ctx.named_identities() || self.stranger.is_some() {
            record.identity = Some(self.identity_name().to_string());
        }
        record
    }

    /// Why a full walk of this spec's listing is known to be hopeless, if it is.
    pub(crate) fn unending(&self) -> Option<String> {
        let state = self.ctx.target_state(&self.target.name);
        state.unending.lock().unwrap_or_else(|p| p.into_inner()).get(&self.spec.path).cloned()
    }

    /// Record that a full walk of this spec's listing was given up (`what` happened); returns
    /// the reason later walks will give.
    pub(crate) fn mark_unending(&self, what: &str) -> String {
        let state = self.ctx.target_state(&self.target.name);
        let reason = format!("the listing {what} when `{}` walked it: endless pages, or a catalogue too large for --budget", self.trace.id);
        state.unending.lock().unwrap_or_else(|p| p.into_inner()).entry(self.spec.path.clone()).or_insert(reason).clone()
    }

    /// Whether the request budget is spent.
    pub(crate) fn budget_spent(&self) -> bool {
        self.exchanges.len() >= self.ctx.budget
    }

    /// Follow a link found in a response (absolute or relative to the target).
    pub(crate) fn resolve_link(&self, href: &str) -> Result<url::Url, String> {
        self.target.url.join(href).map_err(|e| format!("next link `{href}` is not a URL: {e}"))
    }
}

/// A value as one path segment: everything but the unreserved characters percent-encoded, so
/// `/`, `?` and `#` in a value cannot change the path.
fn utf8_percent_encode_segment(s: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}
