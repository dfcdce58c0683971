//! A session: everything one case needs to make requests against one target, with its
//! exchanges recorded and announced, its request budget enforced, and the target's health and
//! pace respected.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
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
    /// Most branches of one case (independent walks and probes) in flight at once: `--jobs`,
    /// so that `--jobs 1` sends one request at a time.
    pub branches: usize,
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
    /// Listings (by spec path) whose full walk ran out of request budget or items before their
    /// end: later full walks of them that could get no further end at once instead of
    /// spending it again.
    unending: Mutex<BTreeMap<String, Unending>>,
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

/// Why full walks of a listing were given up.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Unending {
    reason: String,
    /// `Some(n)`: a walk that keeps its pages stopped after `n` items, so a walk that hands its
    /// pages on and may pass more still goes on; `None`: the request budget ran out, which
    /// every full walk would.
    items: Option<usize>,
}

impl Unending {
    /// Whether a full walk that may pass `max_items` items would stop where this one did.
    fn stops(&self, max_items: usize) -> bool {
        self.items.is_none_or(|n| n >= max_items)
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

impl Chain {
    /// One request that took `elapsed`.
    pub(crate) fn one(elapsed: Duration) -> Chain {
        Chain { requests: 1, elapsed }
    }

    /// This chain, then `next` after it.
    pub(crate) fn then(self, next: Chain) -> Chain {
        Chain { requests: self.requests + next.requests, elapsed: self.elapsed + next.elapsed }
    }
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

    fn waited(&self, chain: Chain) {
        let mut own = self.chain.lock().unwrap_or_else(|p| p.into_inner());
        *own = own.then(chain);
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
    /// Write a space in the query as `%20` instead of the form encoding's `+`: both must
    /// reach the server as a space.
    pub spaces_as_pct20: bool,
    /// Which of `exchanges` were answered from another case's request.
    shared: Vec<bool>,
    /// Who made each of `exchanges`, as recorded when it was made (`None`: the run's unnamed identity).
    made_as: Vec<Option<String>>,
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
    /// Requests this case has spent, its branches' included (`crate::run::branch`): the
    /// request budget is the case's, whichever branch spends it.
    spent: Arc<AtomicUsize>,
    /// A branch's own chain of dependent requests; `None` for the case's own session, whose
    /// chain is its trace's.
    chain: Option<Chain>,
    /// Time this session's requests waited for the target's pace: the case's time budget does
    /// not count it, so a rationed target costs time, not verdicts.
    paced: Duration,
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
            spaces_as_pct20: false,
            shared: Vec::new(),
            made_as: Vec::new(),
            reread: None,
            responses: Default::default(),
            identity: 0,
            stranger: None,
            path_project: None,
            trace,
            started: std::time::Instant::now(),
            spent: Arc::default(),
            chain: None,
            paced: Duration::ZERO,
        }
    }

    /// A session for one branch of this case: the same target, spec, members and budget, its
    /// own exchanges and chain. `absorb` puts them back.
    pub(crate) fn fork(&self) -> Session<'a> {
        Session {
            ctx: self.ctx,
            spec: self.spec,
            target: self.target,
            exchanges: Vec::new(),
            members: self.members.clone(),
            fresh: self.fresh,
            spaces_as_pct20: self.spaces_as_pct20,
            shared: Vec::new(),
            made_as: Vec::new(),
            reread: self.reread.clone(),
            responses: Default::default(),
            identity: self.identity,
            stranger: self.stranger.clone(),
            path_project: self.path_project.clone(),
            trace: self.trace,
            started: self.started,
            spent: self.spent.clone(),
            chain: Some(Chain::default()),
            paced: self.paced,
        }
    }

    /// Take a branch's exchanges (and what its responses broke) after this session's own; returns
    /// the offset its exchange indices are to be moved by.
    pub(crate) fn absorb(&mut self, branch: Session<'a>) -> usize {
        let offset = self.exchanges.len();
        self.exchanges.extend(branch.exchanges);
        self.shared.extend(branch.shared);
        self.made_as.extend(branch.made_as);
        self.responses.absorb(branch.responses, offset);
        offset
    }

    /// The chain of dependent requests of this session so far.
    pub(crate) fn chain(&self) -> Chain {
        self.chain.unwrap_or_else(|| self.trace.chain())
    }

    /// Add `chain` to this session's chain: requests it waited on one after another.
    pub(crate) fn waited(&mut self, chain: Chain) {
        match &mut self.chain {
            Some(own) => *own = own.then(chain),
            None => self.trace.waited(chain),
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
        if self.spaces_as_pct20 {
            // The form encoding wrote a literal `+` as `%2B`: every `+` left is a space.
            let query = url.query().map(|q| q.replace('+', "%20"));
            url.set_query(query.as_deref());
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
        // The request's place in the budget is taken before it is sent, so that branches
        // running at once cannot overspend it together.
        if self.spent.fetch_add(1, Ordering::Relaxed) >= self.ctx.budget {
            self.spent.fetch_sub(1, Ordering::Relaxed);
            return Err(Refused::Requests(self.ctx.budget));
        }
        let state = self.ctx.target_state(&self.target.name);
        let admitted = if self.started.elapsed().saturating_sub(self.paced) >= self.ctx.case_timeout {
            Err(Refused::Time(self.ctx.case_timeout))
        } else {
            state.health.admit().map_err(Refused::TargetDown)
        };
        if let Err(refused) = admitted {
            self.spent.fetch_sub(1, Ordering::Relaxed);
            return Err(refused);
        }
        let req = Request { method: self.spec.file.request.method.as_str().to_string(), url, headers };
        let key = if self.fresh || self.reread.is_some() {
            None
        } else {
            Key::of(&req.method, &req.url, &req.headers).map(|k| k.made_as(self.identity_name()))
        };
        let (ex, shared) = match key {
            None => {
                let ex = self.transmit(state, &req).await;
                self.waited(Chain::one(ex.elapsed));
                if let Some(None) = &self.reread {
                    let before =
                        Key::of(&req.method, &req.url, &req.headers).and_then(|k| state.responses.kept(&k.made_as(self.identity_name())));
                    if before.is_some_and(|b| !b.same_as(&ex)) {
                        self.reread = Some(Some(ex.url.clone()));
                    }
                }
                (ex, false)
            }
            Some(key) => match state.responses.answer(key, &self.trace.id, &self.spec.path, self.transmit(state, &req)).await {
                Served::Sent(ex) => {
                    self.waited(Chain::one(ex.elapsed));
                    (*ex, false)
                }
                Served::Shared { answer, waited } => {
                    let ex = answer.exchange(&req.method, &self.ctx.http.redactor().url(&req.url));
                    if waited {
                        self.waited(Chain::one(ex.elapsed));
                    }
                    (ex, true)
                }
            },
        };
        self.paced += ex.paced;
        let mut record = self.record_of(&ex);
        record.shared = shared;
        self.made_as.push(record.identity.clone());
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
        ex
    }

    /// The records of the exchanges so far, each marked when it was shared.
    pub(crate) fn records(&self) -> Vec<ExchangeRecord> {
        let made = self.exchanges.iter().zip(&self.shared).zip(&self.made_as);
        made.map(|((ex, shared), who)| ExchangeRecord { shared: *shared, identity: who.clone(), ..ex.record() }).collect()
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

    /// Why a full walk of this spec's listing that may pass `max_items` items is known to be
    /// hopeless, if it is.
    pub(crate) fn unending(&self, max_items: usize) -> Option<String> {
        let state = self.ctx.target_state(&self.target.name);
        let unending = state.unending.lock().unwrap_or_else(|p| p.into_inner());
        unending.get(&self.spec.path).filter(|u| u.stops(max_items)).map(|u| u.reason.clone())
    }

    /// Record that a full walk of this spec's listing was given up (`what` happened): after
    /// `items` items when it holds more than a walk may keep, `None` when the request budget ran
    /// out. Returns the reason later walks will give.
    pub(crate) fn mark_unending(&self, what: &str, items: Option<usize>) -> String {
        let state = self.ctx.target_state(&self.target.name);
        let reason = format!("the listing {what} when `{}` walked it: endless pages, or a catalogue too large for --budget", self.trace.id);
        let mut unending = state.unending.lock().unwrap_or_else(|p| p.into_inner());
        let known = unending.entry(self.spec.path.clone()).or_insert_with(|| Unending { reason: reason.clone(), items });
        if !known.stops(items.unwrap_or(usize::MAX)) {
            *known = Unending { reason, items };
        }
        known.reason.clone()
    }

    /// Whether the request budget is spent.
    pub(crate) fn budget_spent(&self) -> bool {
        self.spent.load(Ordering::Relaxed) >= self.ctx.budget
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

#[cfg(test)]
mod tests {
    use super::Unending;

    #[test]
    fn an_id_walk_is_not_stopped_by_a_page_keeping_walks_item_cap() {
        // A filter's universe stopped at 100,000 items; the walk cases pass ids of millions.
        let capped = Unending { reason: "capped".into(), items: Some(100_000) };
        assert!(capped.stops(100_000));
        assert!(!capped.stops(10_000_000));
        let budget = Unending { reason: "budget".into(), items: None };
        assert!(budget.stops(10_000_000));
    }
}
