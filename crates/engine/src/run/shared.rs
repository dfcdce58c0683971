//! Every request once: within a run, an identical GET to one target (same method, URL and
//! headers) is sent once and its answer shared by every case that asks for it. A request asked
//! for while the same one is on its way waits for that one's answer (single flight). What is
//! kept is the answer at the transport level (status, headers, bytes, time taken); each case
//! builds its own `Exchange` from it, so what a case's checks parse stays its own.
//!
//! The seed suite asks for the same full listing (`?limit=1000`) from well over a hundred
//! cases: against a target 100 ms away, the repeats were 38% of a run's requests
//! (docs/performance.md, "Every request once").

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::OnceCell;

use crate::http::Exchange;

/// Most bytes of answers kept per target. Beyond it the oldest answers are let go (a later
/// request for them is sent again): a walk of a million items in 1,000-item pages is a
/// gigabyte of pages, and it is read once.
pub(crate) const KEPT_BYTES: usize = 64 * 1024 * 1024;

/// What identifies a request: method, URL, every header sent with it (the spec's, the run's
/// and the case's) and the identity whose authentication is added per attempt. Two identities
/// may be shown different catalogues by the same URL: an answer is never shared across them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    identity: String,
}

impl Key {
    /// The key of a request, or `None` when it must not be shared: only safe methods are.
    pub(crate) fn of(method: &str, url: &url::Url, headers: &[(String, String)]) -> Option<Key> {
        let method = method.to_ascii_uppercase();
        if !matches!(method.as_str(), "GET" | "HEAD") {
            return None;
        }
        let mut headers: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
        headers.sort();
        Some(Key { method, url: url.as_str().to_string(), headers, identity: String::new() })
    }

    /// The key of the same request made as `identity` (a name of `Context::identities`).
    pub(crate) fn made_as(mut self, identity: &str) -> Key {
        self.identity = identity.to_string();
        self
    }
}

/// An answer as it came off the wire.
#[derive(Debug)]
pub(crate) struct Answer {
    status: Option<u16>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    elapsed: Duration,
    /// The spec whose case first asked for it.
    spec: String,
}

impl Answer {
    /// The answer of `ex`, when it is worth sharing: a complete answer, not a server error
    /// (a 5xx may pass, and each case then asks again).
    pub(crate) fn of(ex: &Exchange, spec: &str) -> Option<Answer> {
        let shareable = ex.error.is_none() && ex.status.is_some_and(|s| s < 500);
        shareable.then(|| Answer {
            status: ex.status,
            headers: ex.headers.clone(),
            body: ex.body.bytes().to_vec(),
            elapsed: ex.elapsed,
            spec: spec.to_string(),
        })
    }

    /// A case's own exchange of `method url` built from the shared answer.
    pub(crate) fn exchange(&self, method: &str, url: &str) -> Exchange {
        Exchange {
            status: self.status,
            headers: self.headers.clone(),
            body: self.body.clone().into(),
            elapsed: self.elapsed,
            ..Exchange::new(method, url)
        }
    }

    /// Whether `ex` came back with the same status and bytes.
    pub(crate) fn same_as(&self, ex: &Exchange) -> bool {
        self.status == ex.status && self.body == ex.body.bytes()
    }
}

/// How a request was answered.
pub(crate) enum Served {
    /// From another case's answer: at hand, or awaited while its request was on its way
    /// (`waited`: the wait is part of this case's chain of requests).
    Shared { answer: Arc<Answer>, waited: bool },
    /// By a request sent for it.
    Sent(Box<Exchange>),
}

type Cell = Arc<OnceCell<Arc<Answer>>>;

/// The answers of one target's run, and which cases they were shared with.
#[derive(Default)]
pub(crate) struct Responses {
    inner: Mutex<Store>,
}

#[derive(Default)]
struct Store {
    cells: HashMap<Key, Cell>,
    /// Keys with an answer, oldest first, and the bytes they hold: what is let go first.
    order: VecDeque<(Key, usize)>,
    bytes: usize,
    /// Requests answered from a shared answer.
    shared: usize,
    /// Per spec, the cases that were given another case's answer.
    sharers: HashMap<String, BTreeSet<String>>,
}

impl Responses {
    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The answer to `key`: shared when one is at hand or on its way, else from `send`, whose
    /// answer is then kept for the next asker. `case` names the asker, `spec` its spec.
    pub(crate) async fn answer<F>(&self, key: Key, case: &str, spec: &str, send: F) -> Served
    where
        F: std::future::Future<Output = Exchange>,
    {
        let cell: Cell = self.lock().cells.entry(key.clone()).or_default().clone();
        if let Some(answer) = cell.get() {
            return self.shared(answer.clone(), case, false);
        }
        // The first asker sends; the others wait on the cell. An answer not worth keeping
        // (a transport error, a 5xx) fails the cell: the asker gets its own exchange, and each
        // waiter then sends for itself.
        let mut own: Option<Exchange> = None;
        let got = cell
            .get_or_try_init(|| async {
                let ex = send.await;
                let answer = Answer::of(&ex, spec).map(Arc::new);
                own = Some(ex);
                answer.ok_or(())
            })
            .await;
        match (got, own) {
            (_, Some(exchange)) => {
                let mut store = self.lock();
                if let Some(answer) = cell.get() {
                    store.keep(key, answer.body.len());
                } else {
                    store.cells.remove(&key);
                }
                Served::Sent(Box::new(exchange))
            }
            (Ok(answer), None) => self.shared(answer.clone(), case, true),
            // A failed cell runs the next waiter's own request, so a failure without one of
            // ours does not happen; it would be an error of this store.
            (Err(()), None) => {
                let mut ex = Exchange::new(key.method, key.url);
                ex.error = Some(crate::http::TransportError::Other("internal: a shared request ended without an answer".into()));
                Served::Sent(Box::new(ex))
            }
        }
    }

    fn shared(&self, answer: Arc<Answer>, case: &str, waited: bool) -> Served {
        let mut store = self.lock();
        store.shared += 1;
        store.sharers.entry(answer.spec.clone()).or_default().insert(case.to_string());
        Served::Shared { answer, waited }
    }

    /// Requests answered from a shared answer.
    pub(crate) fn shared_count(&self) -> usize {
        self.lock().shared
    }

    /// The cases of `spec` given another case's answer.
    pub(crate) fn sharers(&self, spec: &str) -> Vec<String> {
        self.lock().sharers.get(spec).map(|s| s.iter().cloned().collect()).unwrap_or_default()
    }

    /// The answer at hand for `key`, if any.
    pub(crate) fn kept(&self, key: &Key) -> Option<Arc<Answer>> {
        self.lock().cells.get(key).and_then(|c| c.get().cloned())
    }
}

impl Store {
    /// Count `bytes` of a new answer and let the oldest go while over [`KEPT_BYTES`].
    fn keep(&mut self, key: Key, bytes: usize) {
        self.order.push_back((key, bytes));
        self.bytes += bytes;
        while self.bytes > KEPT_BYTES && self.order.len() > 1 {
            let Some((old, n)) = self.order.pop_front() else { break };
            self.bytes -= n;
            self.cells.remove(&old);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn key(url: &str) -> Key {
        Key::of("GET", &url::Url::parse(url).unwrap(), &[("Accept".into(), "application/json".into())]).unwrap()
    }

    fn answered(status: u16, body: &str) -> Exchange {
        Exchange { status: Some(status), body: body.as_bytes().to_vec().into(), ..Exchange::new("GET", "http://h/x") }
    }

    #[tokio::test]
    async fn concurrent_identical_requests_are_sent_once() {
        let responses = Responses::default();
        let sends = AtomicUsize::new(0);
        let send = || async {
            sends.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            answered(200, "[1]")
        };
        let (a, b, c) = tokio::join!(
            responses.answer(key("http://h/x"), "c0", "s.yaml", send()),
            responses.answer(key("http://h/x"), "c1", "s.yaml", send()),
            responses.answer(key("http://h/x"), "c2", "s.yaml", send()),
        );
        let served = [a, b, c];
        assert_eq!(sends.load(Ordering::SeqCst), 1);
        let bodies: Vec<Vec<u8>> = served
            .into_iter()
            .map(|s| match s {
                Served::Shared { answer, .. } => answer.exchange("GET", "u").body.bytes().to_vec(),
                Served::Sent(exchange) => exchange.body.bytes().to_vec(),
            })
            .collect();
        assert!(bodies.iter().all(|b| b == b"[1]"));
        // A later ask is served at once.
        let later = responses.answer(key("http://h/x"), "c9", "s.yaml", send()).await;
        assert!(matches!(later, Served::Shared { waited: false, .. }));
        // Two waited for the first one's request, one came later: three shared.
        assert_eq!(responses.shared_count(), 3);
        assert_eq!(responses.sharers("s.yaml"), ["c1", "c2", "c9"]);
    }

    #[tokio::test]
    async fn a_failed_answer_is_not_shared() {
        let responses = Responses::default();
        let first = responses.answer(key("http://h/x"), "a", "s", async { answered(503, "busy") }).await;
        assert!(matches!(first, Served::Sent(_)));
        let second = responses.answer(key("http://h/x"), "b", "s", async { answered(200, "{}") }).await;
        assert!(matches!(second, Served::Sent(_)));
        assert_eq!(responses.shared_count(), 0);
    }

    #[test]
    fn other_headers_or_methods_are_other_requests() {
        let url = url::Url::parse("http://h/x").unwrap();
        let a = Key::of("GET", &url, &[("Accept".into(), "application/json".into())]);
        let b = Key::of("get", &url, &[("accept".into(), "application/json".into())]);
        let c = Key::of("GET", &url, &[("Accept".into(), "text/html".into())]);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(Key::of("POST", &url, &[]), None);
    }

    #[tokio::test]
    async fn an_answer_is_never_shared_across_identities() {
        let responses = Responses::default();
        let alice = key("http://h/v2/images").made_as("alice");
        let bob = key("http://h/v2/images").made_as("bob");
        assert_ne!(alice, bob);
        let first = responses.answer(alice.clone(), "a", "s", async { answered(200, "[\"alice-private\"]") }).await;
        assert!(matches!(first, Served::Sent(_)));
        // Bob's listing is his own, even though alice's answer to the same URL is at hand.
        let second = responses.answer(bob, "b", "s", async { answered(200, "[]") }).await;
        let Served::Sent(ex) = second else { panic!("bob was given alice's answer") };
        assert_eq!(ex.body.bytes(), b"[]");
        // The same identity still shares.
        assert!(matches!(responses.answer(alice, "c", "s", async { answered(200, "x") }).await, Served::Shared { .. }));
    }

    #[test]
    fn the_oldest_answers_go_first_beyond_the_bound() {
        let mut store = Store::default();
        store.cells.insert(key("http://h/1"), Cell::default());
        store.keep(key("http://h/1"), KEPT_BYTES - 10);
        store.cells.insert(key("http://h/2"), Cell::default());
        store.keep(key("http://h/2"), 20);
        assert!(!store.cells.contains_key(&key("http://h/1")));
        assert!(store.cells.contains_key(&key("http://h/2")));
        assert_eq!(store.bytes, 20);
    }
}
