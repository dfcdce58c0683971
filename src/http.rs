//! The HTTP layer: one shared reqwest client, bounded requests, recorded exchanges.
//!
//! Every request is bounded in time (`timeout`, covering headers and body) and size
//! (`max_body`), redirects are capped, and 429 answers are retried a bounded number of times
//! honouring `Retry-After`. Whatever happens, the caller gets an [`Exchange`]: a transport
//! failure is data (an `error` verdict later), never a panic or a hang.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::redact::Redactor;
use crate::verdict::ExchangeRecord;

#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Whole-request bound: connect, headers and body.
    pub timeout: Duration,
    /// Largest body read; a larger one is a transport error.
    pub max_body: usize,
    /// How many times a 429 is retried.
    pub retries: u32,
    /// Longest `Retry-After` honoured (longer ones are shortened to this).
    pub max_retry_wait: Duration,
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
    #[error("response body exceeds {0} bytes; stopped reading")]
    TooLarge(usize),
    #[error("too many redirects (redirect loop?): {0}")]
    Redirects(String),
    #[error("rate limited: still 429 after {0} retries")]
    RateLimited(u32),
    #[error("{0}")]
    Other(String),
}

/// A request and what came back.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub url: String,
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub elapsed: Duration,
    pub error: Option<TransportError>,
}

impl Exchange {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The media type of `Content-Type`, lower-cased, without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
    }

    pub fn json(&self) -> Result<Value, String> {
        serde_json::from_slice(&self.body).map_err(|e| format!("body is not JSON ({e}): {}", self.body_excerpt(120)))
    }

    /// The start of the body as text, for messages.
    pub fn body_excerpt(&self, max: usize) -> String {
        let text = String::from_utf8_lossy(&self.body[..self.body.len().min(max * 4)]);
        let mut s: String = text.chars().take(max).collect();
        if text.chars().count() > max || self.body.len() > max * 4 {
            s.push('…');
        }
        if s.is_empty() {
            "(empty body)".into()
        } else {
            s
        }
    }

    pub fn record(&self) -> ExchangeRecord {
        ExchangeRecord {
            method: self.method.clone(),
            url: self.url.clone(),
            status: self.status,
            elapsed_ms: self.elapsed.as_millis() as u64,
            error: self.error.as_ref().map(ToString::to_string),
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
    client: reqwest::Client,
    config: HttpConfig,
    redactor: Redactor,
    auth: crate::auth::Auth,
}

impl Http {
    pub fn new(config: HttpConfig, redactor: Redactor) -> Result<Http, String> {
        let client = config
            .tls
            .apply(reqwest::Client::builder())?
            .redirect(reqwest::redirect::Policy::limited(5))
            .connect_timeout(config.timeout)
            .pool_max_idle_per_host(16)
            .user_agent(concat!("specgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build HTTP client: {e}"))?;
        Ok(Http { client, config, redactor, auth: Default::default() })
    }

    /// Authenticate every request (signed or given a token just before each attempt).
    pub fn with_auth(mut self, auth: crate::auth::Auth) -> Http {
        self.auth = auth;
        self
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Send `req`, retrying 429s; never fails, never exceeds the configured bounds.
    pub async fn send(&self, req: &Request) -> Exchange {
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            let mut ex = self.send_once(req).await;
            if ex.status == Some(429) && ex.error.is_none() {
                if attempt >= self.config.retries {
                    ex.error = Some(TransportError::RateLimited(attempt));
                    ex.elapsed = started.elapsed();
                    return ex;
                }
                attempt += 1;
                let wait = ex
                    .header("retry-after")
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .map(|s| Duration::from_secs_f64(s.max(0.0)))
                    .unwrap_or(Duration::from_millis(200))
                    .min(self.config.max_retry_wait);
                tokio::time::sleep(wait).await;
                continue;
            }
            ex.elapsed = started.elapsed();
            return ex;
        }
    }

    async fn send_once(&self, req: &Request) -> Exchange {
        let url = self.redactor.url(&req.url);
        let mut ex = Exchange {
            method: req.method.clone(),
            url,
            status: None,
            headers: Vec::new(),
            body: Vec::new(),
            elapsed: Duration::ZERO,
            error: None,
        };
        let started = Instant::now();
        let timeout = self.config.timeout;
        let result = tokio::time::timeout(timeout, self.fetch(req, &mut ex)).await;
        ex.elapsed = started.elapsed();
        match result {
            Err(_) => ex.error = Some(TransportError::Timeout(timeout.as_millis() as u64)),
            Ok(Err(e)) => ex.error = Some(e),
            Ok(Ok(())) => {}
        }
        ex
    }

    async fn fetch(&self, req: &Request, ex: &mut Exchange) -> Result<(), TransportError> {
        let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| TransportError::Other(e.to_string()))?;
        let mut builder = self.client.request(method, req.url.clone());
        for (k, v) in &req.headers {
            builder = builder.header(k, v);
        }
        for (k, v) in
            self.auth.headers(&req.method, &req.url).await.map_err(|e| TransportError::Other(self.redactor.text(&e.to_string())))?
        {
            builder = builder.header(k, v);
        }
        let mut resp = builder.send().await.map_err(|e| self.classify(e))?;
        ex.status = Some(resp.status().as_u16());
        ex.headers =
            resp.headers().iter().map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
        if let Some(len) = resp.content_length() {
            if len as usize > self.config.max_body {
                return Err(TransportError::TooLarge(self.config.max_body));
            }
        }
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.classify(e))? {
            if ex.body.len() + chunk.len() > self.config.max_body {
                return Err(TransportError::TooLarge(self.config.max_body));
            }
            ex.body.extend_from_slice(&chunk);
        }
        Ok(())
    }

    fn classify(&self, e: reqwest::Error) -> TransportError {
        let text = self.redactor.text(&error_chain(&e));
        if e.is_redirect() {
            TransportError::Redirects(text)
        } else if e.is_timeout() {
            TransportError::Timeout(self.config.timeout.as_millis() as u64)
        } else if e.is_connect() {
            TransportError::Connect(text)
        } else {
            TransportError::Other(text)
        }
    }
}

/// The causes of an error on one line, without the wrappers that only repeat the URL
/// ("tcp connect error: Connection refused (os error 111)").
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = cur {
        let t = err.to_string();
        let wrapper = t.starts_with("error sending request")
            || t.starts_with("error decoding response body")
            || t.starts_with("client error (")
            || t.starts_with("request or response body error");
        if !wrapper && !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = err.source();
    }
    if parts.is_empty() {
        e.to_string()
    } else {
        parts.join(": ")
    }
}
