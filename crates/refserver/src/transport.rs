//! Transport faults: misbehaviour of the exchange itself, applied around the endpoints.
//!
//! `reset` acts in the listener (the connection is dropped with SO_LINGER 0 after the request is
//! read, so the client sees a TCP RST); `endless-pages` acts in the pager; the others act in
//! [`edge`], a middleware in front of every route. With several answering faults, the first one
//! named when starting wins; `latency` delays whichever answer comes, and `rate` answers only
//! when its bucket is empty.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::Frame;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use crate::bucket::Bucket;
use crate::fault::defect::Transport;

/// Roughly what `huge-body` sends: large enough to hurt a client that buffers whole bodies.
const HUGE_BODY_BYTES: usize = 300 << 20;

/// Whether any of these faults acts in [`edge`].
pub(crate) fn needs_edge(faults: &[Transport]) -> bool {
    faults.iter().any(|f| !matches!(f, Transport::Reset | Transport::EndlessPages))
}

/// What the middleware in front of every route knows: its faults, the `rate` fault's bucket,
/// and when the server stops.
pub(crate) struct Edge {
    faults: Vec<Transport>,
    latency: Option<Duration>,
    bucket: Option<Bucket>,
    shutdown: watch::Receiver<bool>,
}

impl Edge {
    pub(crate) fn new(faults: Vec<Transport>, shutdown: watch::Receiver<bool>) -> Edge {
        let latency = faults.iter().find_map(|f| match f {
            Transport::Latency(delay) => Some(*delay),
            _ => None,
        });
        let bucket = faults.iter().find_map(|f| match f {
            Transport::Rate(per_second) => Some(Bucket::new(*per_second, Instant::now())),
            _ => None,
        });
        Edge { faults, latency, bucket, shutdown }
    }
}

/// The middleware in front of every route.
pub(crate) async fn edge(State(state): State<Arc<Edge>>, request: Request, next: Next) -> Response {
    if let Some(delay) = state.latency {
        // First, so that every answer is late, the ones other faults give too.
        if !late(delay, state.shutdown.clone()).await {
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    let mut trickle = false;
    for fault in &state.faults {
        match fault {
            Transport::Rate(per_second) => {
                if let Some(Err(wait)) = state.bucket.as_ref().map(|b| b.take(Instant::now())) {
                    return throttled(per_second.get(), wait);
                }
            }
            Transport::RateLimit => return rate_limited(),
            Transport::RedirectLoop => return redirect_to_self(&request),
            Transport::Hang => return hang(state.shutdown.clone()).await,
            Transport::NotJson => return not_json(),
            Transport::HugeBody => return huge_body(state.shutdown.clone()),
            Transport::Trickle => trickle = true,
            Transport::Reset | Transport::EndlessPages | Transport::Latency(_) => {}
        }
    }
    let response = next.run(request).await;
    if trickle {
        trickled(response, state.shutdown.clone()).await
    } else {
        response
    }
}

/// Waits out a latency; `false` when the server stopped first (so shutdown stays prompt).
async fn late(delay: Duration, mut shutdown: watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(delay) => true,
        _ = shutdown.wait_for(|stopping| *stopping) => false,
    }
}

fn rate_limited() -> Response {
    too_many_requests("limit:5,time:1 minute", 1)
}

/// The `rate` fault's answer: `Retry-After` is the wait for the next token in whole seconds,
/// rounded up, so a client that waits that long is served.
fn throttled(per_second: u32, wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    too_many_requests(&format!("limit:{per_second},time:1 second"), seconds.max(1))
}

/// A 429 in the API gateway's error shape, as IMS clients meet it.
fn too_many_requests(policy: &str, retry_after: u64) -> Response {
    let body = format!(
        r#"{{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,{policy}","request_id":"0a1b2c3d4e5f"}}"#
    );
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json")), (header::RETRY_AFTER, HeaderValue::from(retry_after))],
        body,
    )
        .into_response()
}

fn redirect_to_self(request: &Request) -> Response {
    let target = request.uri().path_and_query().map_or("/", |pq| pq.as_str()).to_owned();
    let location = HeaderValue::from_str(&target).unwrap_or(HeaderValue::from_static("/"));
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// Never answers; only a server shutdown ends the wait (so shutdown stays graceful).
async fn hang(mut shutdown: watch::Receiver<bool>) -> Response {
    let _ = shutdown.wait_for(|stopping| *stopping).await;
    StatusCode::SERVICE_UNAVAILABLE.into_response()
}

fn not_json() -> Response {
    let body = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn huge_body(shutdown: watch::Receiver<bool>) -> Response {
    let item = r#"{"id":"00000000-0000-4000-8000-000000000000","name":"padding","status":"active","visibility":"public","size":0,"min_ram":0,"min_disk":40,"tags":[],"__os_bit":"64","__platform":"Other"}"#;
    let mut chunk = String::with_capacity(64 << 10);
    while chunk.len() + item.len() < 64 << 10 {
        chunk.push_str(item);
        chunk.push(',');
    }
    let chunk = Bytes::from(chunk);
    let chunks = HUGE_BODY_BYTES / chunk.len();
    let (tx, rx) = mpsc::channel(8);
    tokio::spawn(produce(shutdown, tx, async move |tx: mpsc::Sender<Bytes>| {
        tx.send(Bytes::from_static(b"{\"images\":[")).await.ok()?;
        for _ in 0..chunks {
            tx.send(chunk.clone()).await.ok()?;
        }
        tx.send(Bytes::from(format!("{item}]}}"))).await.ok()
    }));
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], Body::new(ChannelBody(rx))).into_response()
}

/// The real response, one byte per second; the Content-Length is announced up front.
async fn trickled(response: Response, shutdown: watch::Receiver<bool>) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(produce(shutdown, tx, async move |tx: mpsc::Sender<Bytes>| {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        for i in 0..bytes.len() {
            tick.tick().await;
            tx.send(bytes.slice(i..i + 1)).await.ok()?;
        }
        Some(())
    }));
    Response::from_parts(parts, Body::new(ChannelBody(rx)))
}

/// Runs a body producer until it finishes, the client goes away, or the server stops.
async fn produce<F>(mut shutdown: watch::Receiver<bool>, tx: mpsc::Sender<Bytes>, producer: F)
where
    F: AsyncFnOnce(mpsc::Sender<Bytes>) -> Option<()>,
{
    tokio::select! {
        _ = producer(tx) => {}
        _ = shutdown.wait_for(|stopping| *stopping) => {}
    }
}

/// A response body fed from a channel; ends when the sender is dropped.
struct ChannelBody(mpsc::Receiver<Bytes>);

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|chunk| chunk.map(|bytes| Ok(Frame::data(bytes))))
    }
}

/// The server's listener: sets TCP_NODELAY (multi-segment pages must not wait for delayed
/// ACKs) and, under the `reset` fault, resets every connection instead of serving it.
pub(crate) struct Listener {
    pub(crate) inner: TcpListener,
    pub(crate) reset: bool,
}

impl axum::serve::Listener for Listener {
    type Io = TcpStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (TcpStream, std::net::SocketAddr) {
        loop {
            let (stream, addr) = axum::serve::Listener::accept(&mut self.inner).await;
            if !self.reset {
                let _ = stream.set_nodelay(true);
                return (stream, addr);
            }
            tokio::spawn(reset_after_request(stream));
        }
    }

    fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.inner.local_addr()
    }
}

/// Reads the request head (so the client is mid-exchange), then aborts the connection.
async fn reset_after_request(mut stream: TcpStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let read_head = async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), read_head).await;
    // SO_LINGER 0 turns close into RST.
    let _ = stream.set_zero_linger();
    drop(stream);
}
