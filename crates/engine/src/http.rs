//! The HTTP layer: one shared reqwest client, bounded requests, recorded exchanges.
//!
//! Every request is bounded in time (`timeout`, covering headers and body) and size
//! (`max_body`), and redirects are capped. A 429, 502, 503 or 504 answer and a failed connect
//! are retried with jittered exponential backoff (honouring `Retry-After` in both its forms),
//! bounded in count (`retries`) and in total waiting (`max_retry_total`). Whatever happens, the
//! caller gets an [`Exchange`]: a transport failure is data (an `error` verdict later), never a
//! panic or a hang.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use specgate_json::Body;

use crate::redact::Redactor;
use crate::verdict::ExchangeRecord;

#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Whole-request bound: connect, headers and body.
    pub timeout: Duration,
    /// Largest body read; a larger one is a transport error.
    pub max_body: usize,
    /// How many times a retryable failure is retried.
    pub retries: u32,
    /// Longest single wait (`Retry-After` or backoff) before a retry.
    pub max_retry_wait: Duration,
    /// Most time one request may spend waiting between its attempts, in all.
    pub max_retry_total: Duration,
    /// `--cacert`, `--insecure`.
    pub tls: crate::auth::Tls,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            timeout: Duration::from_secs(10),
            max_body: 16 * 1024 * 1024,
            retries: 2,
            max_retry_wait: Duration::from_secs(2),
            max_retry_total: Duration::from_secs(10),
            tls: Default::default(),
        }
    }
}

/// Why a request produced no usable response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("timed out after {0} ms (no complete response)")]
    Timeout(u64),
    #[error("connection failed: {0}")]
    Connect(String),
    /// The connection was reset or closed before any response came back: what a server closing
    /// an idle keep-alive connection looks like to the request sent on it at that moment.
    #[error("connection dropped before a response: {0}")]
    Dropped(String),
    #[error("response body exceeds {0} bytes; stopped reading")]
    TooLarge(usize),
    #[error("too many redirects (redirect loop?): {0}")]
    Redirects(String),
    #[error("rate limited: still 429 after {0} retries")]
    RateLimited(u32),
    #[error("unavailable: still {status} after {retries} retries")]
    Unavailable { status: u16, retries: u32 },
    #[error("{0}")]
    Other(String),
}

impl TransportError {
    /// Whether this failure says something about the target's health (it did not answer
    /// usefully), as opposed to an answer that was merely too big or redirected in circles.
    pub(crate) fn is_target_failure(&self) -> bool {
        !matches!(self, TransportError::TooLarge(_) | TransportError::Redirects(_))
    }
}

/// Why an attempt may be worth repeating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retryable {
    RateLimited,
    Unavailable(u16),
    Connect,
}

impl Retryable {
    fn of(ex: &Exchange) -> Option<Retryable> {
        match (&ex.error, ex.status) {
            (Some(TransportError::Connect(_)), _) => Some(Retryable::Connect),
            // Sent again only when sending it twice means the same (RFC 9110 §9.2.2).
            (Some(TransportError::Dropped(_)), None) if idempotent(&ex.method) => Some(Retryable::Connect),
            (Some(_), _) => None,
            (None, Some(429)) => Some(Retryable::RateLimited),
            (None, Some(s @ (502..=504))) => Some(Retryable::Unavailable(s)),
            _ => None,
        }
    }
}

/// Whether a request of `method` may be repeated with the same effect (RFC 9110 §9.2.2).
fn idempotent(method: &str) -> bool {
    ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"].contains(&method.to_ascii_uppercase().as_str())
}

/// Whether `e` is a connection reset or closed under a request, before any response.
fn dropped(e: &reqwest::Error) -> bool {
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            if matches!(io.kind(), K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof) {
                return true;
            }
        }
        // hyper's `IncompleteMessage`, which it exposes only through its text.
        if err.to_string() == "connection closed before message completed" {
            return true;
        }
        cur = err.source();
    }
    false
}

/// The wait a `Retry-After` value asks for: delay-seconds or an HTTP-date.
fn retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A request and what came back.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub url: String,
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    /// The response body; it reads itself as JSON once, in the cheapest form a check needs.
    pub body: Body,
    pub elapsed: Duration,
    pub error: Option<TransportError>,
    /// What each attempt before this answer got, in order, when it was retried: its status, or 0
    /// when it got none (refused, reset). The reports count them, so that retries hide nothing.
    pub retried: Vec<u16>,
}

impl Exchange {
    /// An exchange of `method url` before anything came back.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Exchange {
        Exchange {
            method: method.into(),
            url: url.into(),
            status: None,
            headers: Vec::new(),
            body: Body::default(),
            elapsed: Duration::ZERO,
            error: None,
            retried: Vec::new(),
        }
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The media type of `Content-Type`, lower-cased, without parameters.
    pub(crate) fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
    }

    pub(crate) fn record(&self) -> ExchangeRecord {
        ExchangeRecord {
            method: self.method.clone(),
            url: self.url.clone(),
            status: self.status,
            elapsed_ms: self.elapsed.as_millis() as u64,
            error: self.error.as_ref().map(ToString::to_string),
            shared: false,
            retried: self.retried.clone(),
            identity: None,
        }
    }
}

/// A request to send.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub url: url::Url,
    pub headers: Vec<(String, String)>,
}

/// The shared client.
pub struct Http {
    /// Sends the plain-HTTP requests of safe methods (`GET`, `HEAD`, `OPTIONS`, `TRACE`) of a run that
    /// started without any need of TLS ([`Http::plain_first`]). It trusts no certificate, so
    /// building it reads none, and it follows no redirect: a redirected request is sent again
    /// through `full`, which follows redirects, also to `https`.
    plain: Option<reqwest::Client>,
    /// Sends everything else. Built on first need when it was not given: building it reads the
    /// system's CA certificates.
    full: OnceLock<Result<reqwest::Client, String>>,
    config: HttpConfig,
    redactor: Redactor,
    auth: crate::auth::Auth,
}

impl Http {
    pub fn new(config: HttpConfig, redactor: Redactor) -> Result<Http, String> {
        Ok(Http::with_client(Http::client(&config)?, config, redactor))
    }

    /// An `Http` for a run whose targets are all plain HTTP and which has no TLS settings
    /// (`--cacert`, `--insecure`): the client with the system's CA certificates, whose building
    /// costs more than a short run's requests, is built only if a request needs it (an `https`
    /// URL, a redirect, a method that writes).
    pub fn plain_first(config: HttpConfig, redactor: Redactor) -> Result<Http, String> {
        let plain = Http::builder(&config, reqwest::Client::builder().tls_certs_only(Vec::<reqwest::Certificate>::new()))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build HTTP client: {e}"))?;
        Ok(Http { plain: Some(plain), full: OnceLock::new(), config, redactor, auth: Default::default() })
    }

    /// Whether the client with the system's CA certificates was built (or given).
    pub fn reads_certificates(&self) -> bool {
        self.full.get().is_some()
    }

    /// The client [`Http::new`] builds for `config`. Building it reads the system's CA
    /// certificates (about 2 ms), so a run builds it on another thread while its specs load.
    pub fn client(config: &HttpConfig) -> Result<reqwest::Client, String> {
        Http::builder(config, config.tls.apply(reqwest::Client::builder())?)
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| format!("cannot build HTTP client: {e}"))
    }

    /// What both clients share: connection timeout, pool and user agent.
    fn builder(config: &HttpConfig, tls: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        tls.connect_timeout(config.timeout).pool_max_idle_per_host(16).user_agent(concat!("specgate/", env!("CARGO_PKG_VERSION")))
    }

    /// An `Http` sending through `client`, built by [`Http::client`] for `config`.
    pub fn with_client(client: reqwest::Client, config: HttpConfig, redactor: Redactor) -> Http {
        Http { plain: None, full: OnceLock::from(Ok(client)), config, redactor, auth: Default::default() }
    }

    /// Authenticate every request (signed or given a token just before each attempt).
    pub fn with_auth(mut self, auth: crate::auth::Auth) -> Http {
        self.auth = auth;
        self
    }

    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Send `req`, retrying what is worth retrying; never fails, never exceeds the configured
    /// bounds: at most `retries + 1` attempts of `timeout` each, and `max_retry_total` of waiting.
    pub async fn send(&self, req: &Request) -> Exchange {
        self.send_paced(req, None).await
    }

    /// [`Http::send`] at a target's `pace`: every attempt waits for its turn and tells the pace
    /// what came back. A 429 is then retried at the pace it slowed, for as long as
    /// `max_retry_total` from the first 429 (not `retries` times, unless that is 0): a
    /// throttling target costs time, not verdicts.
    pub async fn send_paced(&self, req: &Request, pace: Option<&crate::pace::Pace>) -> Exchange {
        self.send_paced_as(req, pace, &self.auth).await
    }

    /// [`Http::send_paced`] authenticated as `auth` instead of the client's own: one client
    /// (one pool of connections) serves every identity of a run.
    pub async fn send_paced_as(&self, req: &Request, pace: Option<&crate::pace::Pace>, auth: &crate::auth::Auth) -> Exchange {
        use backon::BackoffBuilder;
        let started = Instant::now();
        let mut delays = backon::ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(200))
            .with_max_delay(self.config.max_retry_wait)
            .with_factor(2.0)
            .with_jitter()
            .with_max_times(self.config.retries as usize)
            .build();
        let mut waited = Duration::ZERO;
        let mut first_429: Option<Instant> = None;
        // Each attempt retried before the answer, by what it got: the retries made so far.
        let mut retried = Vec::new();
        let mut ex = loop {
            if let Some(pace) = pace {
                pace.ready().await;
            }
            let mut ex = self.send_once(req, auth).await;
            let advised = ex.header("retry-after").and_then(|v| retry_after(v, std::time::SystemTime::now()));
            if let Some(pace) = pace {
                pace.answered(ex.status.filter(|_| ex.error.is_none()), advised);
            }
            let Some(why) = Retryable::of(&ex) else { break ex };
            let attempts = retried.len() as u32;
            if let (Retryable::RateLimited, Some(_)) = (why, pace) {
                // The pace holds the target for the advised wait and slows it down.
                let since = *first_429.get_or_insert_with(Instant::now);
                if self.config.retries > 0 && since.elapsed() < self.config.max_retry_total {
                    retried.push(ex.status.unwrap_or(0));
                    continue;
                }
                ex.error = Some(TransportError::RateLimited(attempts));
                break ex;
            }
            let wait = delays.next().map(|backoff| advised.unwrap_or(backoff).min(self.config.max_retry_wait));
            match wait {
                Some(wait) if waited + wait <= self.config.max_retry_total => {
                    tokio::time::sleep(wait).await;
                    waited += wait;
                    retried.push(ex.status.unwrap_or(0));
                }
                _ => {
                    match why {
                        Retryable::RateLimited => ex.error = Some(TransportError::RateLimited(attempts)),
                        Retryable::Unavailable(status) => ex.error = Some(TransportError::Unavailable { status, retries: attempts }),
                        Retryable::Connect => {}
                    }
                    break ex;
                }
            }
        };
        ex.elapsed = started.elapsed();
        ex.retried = retried;
        ex
    }

    async fn send_once(&self, req: &Request, auth: &crate::auth::Auth) -> Exchange {
        let url = self.redactor.url(&req.url);
        let mut ex = Exchange::new(req.method.clone(), url);
        let started = Instant::now();
        let timeout = self.config.timeout;
        let result = tokio::time::timeout(timeout, self.fetch(req, &mut ex, auth)).await;
        ex.elapsed = started.elapsed();
        match result {
            Err(_) => ex.error = Some(TransportError::Timeout(timeout.as_millis() as u64)),
            Ok(Err(e)) => ex.error = Some(e),
            Ok(Ok(())) => {}
        }
        ex
    }

    async fn fetch(&self, req: &Request, ex: &mut Exchange, auth: &crate::auth::Auth) -> Result<(), TransportError> {
        let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| TransportError::Other(e.to_string()))?;
        let mut resp = match self.plain.as_ref().filter(|_| method.is_safe() && req.url.scheme() == "http") {
            Some(plain) => {
                let resp = self.respond(plain, method.clone(), req, auth).await?;
                if resp.status().is_redirection() && resp.headers().contains_key(reqwest::header::LOCATION) {
                    self.respond(self.full()?, method, req, auth).await?
                } else {
                    resp
                }
            }
            None => self.respond(self.full()?, method, req, auth).await?,
        };
        ex.status = Some(resp.status().as_u16());
        ex.headers =
            resp.headers().iter().map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
        if let Some(len) = resp.content_length() {
            if len as usize > self.config.max_body {
                return Err(TransportError::TooLarge(self.config.max_body));
            }
        }
        let mut body = Vec::with_capacity(resp.content_length().unwrap_or(0) as usize);
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.classify(e))? {
            if body.len() + chunk.len() > self.config.max_body {
                return Err(TransportError::TooLarge(self.config.max_body));
            }
            body.extend_from_slice(&chunk);
        }
        ex.body = body.into();
        Ok(())
    }

    /// `req` sent through `client`, with its headers and the authentication's.
    async fn respond(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        req: &Request,
        auth: &crate::auth::Auth,
    ) -> Result<reqwest::Response, TransportError> {
        let mut builder = client.request(method, req.url.clone());
        for (k, v) in &req.headers {
            builder = builder.header(k, v);
        }
        for (k, v) in auth.headers(&req.method, &req.url).await.map_err(|e| TransportError::Other(self.redactor.text(&e.to_string())))? {
            builder = builder.header(k, v);
        }
        builder.send().await.map_err(|e| self.classify(e))
    }

    /// The client with the system's CA certificates, built now if it was not yet.
    fn full(&self) -> Result<&reqwest::Client, TransportError> {
        self.full.get_or_init(|| Http::client(&self.config)).as_ref().map_err(|e| TransportError::Other(e.clone()))
    }

    fn classify(&self, e: reqwest::Error) -> TransportError {
        let text = self.redactor.text(&crate::transport::error_chain(&e));
        if e.is_redirect() {
            TransportError::Redirects(text)
        } else if e.is_timeout() {
            TransportError::Timeout(self.config.timeout.as_millis() as u64)
        } else if e.is_connect() {
            TransportError::Connect(text)
        } else if dropped(&e) {
            TransportError::Dropped(text)
        } else {
            TransportError::Other(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Sat, 28 Nov 2026 06:00:00 GMT").unwrap();
        assert_eq!(retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(" 0.5 ", now), Some(Duration::from_millis(500)));
        assert_eq!(retry_after("Sat, 28 Nov 2026 06:00:07 GMT", now), Some(Duration::from_secs(7)));
        // A date in the past means "now".
        assert_eq!(retry_after("Sat, 28 Nov 2026 05:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(retry_after("-1", now), None);
        assert_eq!(retry_after("soon", now), None);
    }

    fn exchange(status: Option<u16>, error: Option<TransportError>) -> Exchange {
        Exchange { status, error, ..Exchange::new("GET", "u") }
    }

    /// Regression: a real Glance (gunicorn) reset a keep-alive connection as a listing was sent
    /// on it, and the case ended in `error`. The request is now sent again.
    #[tokio::test]
    async fn a_get_whose_connection_is_reset_before_the_response_is_sent_again() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = url::Url::parse(&format!("http://{}/v2/images", listener.local_addr().unwrap())).unwrap();
        let server = std::thread::spawn(move || {
            // First connection: wait for the request, then close with it unread (a reset).
            let (first, _) = listener.accept().unwrap();
            let mut probe = [0u8; 1];
            first.peek(&mut probe).unwrap();
            drop(first);
            // A second connection within 5 s, or none: the test then fails rather than hangs.
            listener.set_nonblocking(true).unwrap();
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            let mut second = loop {
                match listener.accept() {
                    Ok((stream, _)) => break stream,
                    Err(_) if std::time::Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
                    Err(_) => return,
                }
            };
            second.set_nonblocking(false).unwrap();
            let mut request = [0u8; 4096];
            let _ = second.read(&mut request).unwrap();
            second
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                .unwrap();
        });
        let http = Http::new(HttpConfig::default(), Redactor::default()).unwrap();
        let ex = http.send(&Request { method: "GET".into(), url, headers: vec![] }).await;
        server.join().unwrap();
        assert_eq!((ex.status, &ex.error, ex.body.bytes()), (Some(200), &None, &b"{}"[..]));
    }

    #[test]
    fn what_is_retried() {
        assert_eq!(Retryable::of(&exchange(Some(429), None)), Some(Retryable::RateLimited));
        for s in [502, 503, 504] {
            assert_eq!(Retryable::of(&exchange(Some(s), None)), Some(Retryable::Unavailable(s)));
        }
        assert_eq!(Retryable::of(&exchange(None, Some(TransportError::Connect("refused".into())))), Some(Retryable::Connect));
        // A connection dropped under a request that may be sent twice, before any response.
        assert_eq!(Retryable::of(&exchange(None, Some(TransportError::Dropped("reset".into())))), Some(Retryable::Connect));
        let post = Exchange { error: Some(TransportError::Dropped("reset".into())), ..Exchange::new("POST", "u") };
        assert_eq!(Retryable::of(&post), None);
        assert_eq!(Retryable::of(&exchange(Some(200), Some(TransportError::Dropped("reset in the body".into())))), None);
        // A timeout is not retried: it would multiply the wait on a hanging target.
        assert_eq!(Retryable::of(&exchange(None, Some(TransportError::Timeout(1)))), None);
        for s in [200, 400, 404, 500, 501] {
            assert_eq!(Retryable::of(&exchange(Some(s), None)), None);
        }
    }
}
