//! The HTTP side of the gate: accepting connections (a bounded number, each cut off when its
//! headers or body are too slow), routing, answering, and a clean stop on SIGTERM or SIGINT that
//! lets requests in flight finish. The decisions are `gate`'s, replays the store's, forwarding
//! `upstream`'s; what is printed goes out as [`Event`]s to the command.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::http::request;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode, Version};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Semaphore, mpsc, watch};

use super::claims::{Claims, Pair};
use super::gate::Gate;
use super::metrics::{self, Metrics};
use super::reason;
use super::upstream::{self, Failure, Upstream};
use crate::callbacks::verdict::{Reason, Verdict};
use crate::time::Clock;

/// Everything a running gate needs, checked by the command before it listens.
pub struct Config {
    pub gate: Gate,
    pub claims: Claims,
    /// The app; each worker forwards to it through a connection pool of its own.
    pub upstream: Upstream,
    /// The path callbacks arrive at.
    pub path: String,
    pub max_body: u64,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    /// How long a callback waits for its claim: a store that stops answering must not hold
    /// callbacks (and the connections they come on) for as long as it stalls.
    pub store_timeout: Duration,
    pub max_connections: usize,
    /// How long a stop waits for requests in flight.
    pub grace: Duration,
    /// Whether the keys would load now as they did at start (`/healthz`).
    pub keys_usable: Box<dyn Fn() -> bool + Send + Sync>,
    /// A fixed now (`--now`), else the clock, read for each request.
    pub clock: Clock,
    /// Where lines for the terminal go (the command prints them).
    pub events: Box<dyn Fn(Event<'_>) + Send + Sync>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("path", &self.path)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

/// What the gate has to say.
#[derive(Debug)]
pub enum Event<'a> {
    Listening(SocketAddr),
    Request(&'a RequestLog<'a>),
    Warning(String),
    /// A signal arrived: no new connections, requests in flight finish.
    Stopping,
    /// Requests were still in flight when the grace period ended.
    Abandoned,
}

/// One line of the request log.
#[derive(Debug, Serialize)]
pub struct RequestLog<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub time: String,
    pub client: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub reason: &'static str,
    pub key_id: Option<&'a str>,
    pub status: u16,
    /// For a forwarded callback: an identical resend of one forwarded before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<bool>,
    pub ms: f64,
}

impl<'a> RequestLog<'a> {
    /// A request whose head could not be read: nothing of it is known but its peer (`client`).
    /// When its head began is not known either: its time is counted from the connection's
    /// start, which bounds it from above.
    fn unreadable(client: &'a str, status: u16, since_opened: Duration) -> RequestLog<'a> {
        RequestLog {
            kind: "request",
            time: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            client,
            method: "",
            path: "",
            reason: reason::MALFORMED_REQUEST,
            key_id: None,
            status,
            duplicate: None,
            ms: milliseconds(since_opened.as_secs_f64()),
        }
    }
}

/// Worker threads. Each runs a single-threaded runtime that accepts from the shared listening
/// socket and serves its connections start to end, with an upstream pool of its own, so that a
/// request never waits on another thread (the store's thread aside). Two: the machine the gate
/// shares with its app and load balancer needs no more.
const WORKERS: usize = 2;

/// What a worker's requests use: the configuration and metrics all workers share, and the
/// worker's own upstream pool.
struct Worker {
    config: Arc<Config>,
    metrics: Arc<Metrics>,
    upstream: Upstream,
}

/// Runs the gate on `listener` until SIGTERM or SIGINT: the workers serve, this thread waits for
/// the signal (or a worker that stopped by itself), then lets requests in flight finish.
pub fn serve(listener: std::net::TcpListener, config: Config) -> anyhow::Result<()> {
    listener.set_nonblocking(true)?;
    let config = Arc::new(config);
    let metrics = Arc::new(Metrics::default());
    let permits = Arc::new(Semaphore::new(config.max_connections));
    let (stop, stopping) = watch::channel(false);
    let (ended, mut ended_early) = mpsc::unbounded_channel::<()>();
    let signals = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Listened for before the address is announced: a signal sent once it is, is never missed.
    let (mut terminate, mut interrupt) = {
        let _inside = signals.enter();
        (
            signal(SignalKind::terminate())?,
            signal(SignalKind::interrupt())?,
        )
    };
    let mut workers = Vec::with_capacity(WORKERS);
    for n in 0..WORKERS {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = listener.try_clone()?;
        let worker = Arc::new(Worker {
            config: Arc::clone(&config),
            metrics: Arc::clone(&metrics),
            upstream: config.upstream.with_own_pool(),
        });
        let (permits, stopping) = (Arc::clone(&permits), stopping.clone());
        // Tells this thread when the worker ends, however it ends (a panic too).
        let ended = Ended(ended.clone());
        workers.push(
            std::thread::Builder::new()
                .name(format!("guard-{n}"))
                .spawn(move || {
                    let finished = runtime.block_on(accept(listener, worker, permits, stopping));
                    // Blocking work (the upstream's name lookups) must not keep the process
                    // from exiting.
                    runtime.shutdown_timeout(Duration::from_secs(5));
                    drop(ended);
                    finished
                })?,
        );
    }
    drop(ended);
    let address = listener.local_addr()?;
    // The workers hold the socket now: once they stop accepting, it closes, and new connections
    // are refused at once (a load balancer tries another instance) rather than left waiting.
    drop(listener);
    (config.events)(Event::Listening(address));
    signals.block_on(async {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
            _ = ended_early.recv() => {}
        }
    });
    (config.events)(Event::Stopping);
    let _ = stop.send(true);
    // Every worker is waited for, so that none is cut off while the others finish.
    let mut all_finished = true;
    let mut failure = None;
    for worker in workers {
        match worker.join() {
            Ok(Ok(finished)) => all_finished &= finished,
            Ok(Err(e)) => failure = failure.or(Some(e)),
            Err(_) => {
                failure = failure.or(Some(anyhow::anyhow!("a worker thread of the gate failed")));
            }
        }
    }
    if !all_finished {
        (config.events)(Event::Abandoned);
    }
    failure.map_or(Ok(()), Err)
}

/// Dropped when a worker thread ends, by return or by panic: wakes the thread that waits for a
/// signal, so that a gate whose worker stopped does not go on with fewer.
struct Ended(mpsc::UnboundedSender<()>);

impl Drop for Ended {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// One worker: accepts and serves connections until the gate stops, then waits for its requests
/// in flight (at most the grace period). Whether they all finished.
async fn accept(
    listener: std::net::TcpListener,
    worker: Arc<Worker>,
    permits: Arc<Semaphore>,
    mut stopping: watch::Receiver<bool>,
) -> anyhow::Result<bool> {
    let listener = TcpListener::from_std(listener)?;
    let config = Arc::clone(&worker.config);
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        // Also the longest a kept-alive connection may sit idle between requests.
        .header_read_timeout(config.header_timeout)
        // A sender may close its side once its request is out and still read the answer.
        .half_close(true)
        .max_buf_size(64 << 10);
    loop {
        // At the limit, connections wait in the kernel's queue until one closes.
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => permit?,
            _ = stopping.changed() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was taken: wait
                    // a moment rather than spin.
                    (config.events)(Event::Warning(format!("accepting a connection: {e}")));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopping.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let serving = Arc::clone(&worker);
        let asked = Arc::new(AtomicBool::new(false));
        let service = service_fn({
            let asked = Arc::clone(&asked);
            move |request| {
                asked.store(true, Ordering::Relaxed);
                handle(Arc::clone(&serving), peer, request)
            }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        let metrics = Arc::clone(&worker.metrics);
        metrics.connection_opened();
        let config = Arc::clone(&config);
        let opened = Instant::now();
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let ended = tokio::select! {
                ended = &mut connection => Some(ended),
                () = async { drop(stopping.wait_for(|stop| *stop).await) } => {
                    // A connection that has asked nothing yet (silent, or half a request head)
                    // has nothing in flight: it is closed now rather than holding the stop until
                    // its header timeout. One that has asked is left to finish its answer.
                    if asked.load(Ordering::Relaxed) {
                        Some(connection.await)
                    } else {
                        None
                    }
                }
            };
            // A connection that ends otherwise in an error (a timeout, a reset) has nothing to
            // answer and nothing to log.
            if let Some(Err(e)) = ended
                && let Some(status) = unreadable_status(&e)
            {
                let client = peer.ip().to_string();
                let line = RequestLog::unreadable(&client, status, opened.elapsed());
                log(&config, &metrics, &line);
            }
            metrics.connection_closed();
            drop(permit);
        });
    }
    drop(listener);
    Ok(tokio::select! {
        () = graceful.shutdown() => true,
        () = tokio::time::sleep(config.grace) => false,
    })
}

/// What one request came to: the answer, and what the log says of it.
struct Reply {
    response: Response<Full<Bytes>>,
    reason: &'static str,
}

/// What the log learns while a callback is checked.
#[derive(Default)]
struct Seen {
    client: String,
    key_id: Option<Arc<str>>,
    duplicate: Option<bool>,
}

async fn handle(
    worker: Arc<Worker>,
    peer: SocketAddr,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (config, metrics) = (&worker.config, &worker.metrics);
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let mut seen = Seen {
        client: peer.ip().to_string(),
        ..Seen::default()
    };
    let reply = route(&worker, peer, &parts, body, &mut seen).await;
    let line = RequestLog {
        kind: "request",
        time: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        client: &seen.client,
        method: parts.method.as_str(),
        path: parts.uri.path(),
        reason: reply.reason,
        key_id: seen.key_id.as_deref(),
        status: reply.response.status().as_u16(),
        duplicate: seen.duplicate,
        ms: milliseconds(started.elapsed().as_secs_f64()),
    };
    log(config, metrics, &line);
    Ok(reply.response)
}

/// Seconds as the log writes them: milliseconds to the microsecond.
fn milliseconds(seconds: f64) -> f64 {
    (seconds * 1e6).round() / 1e3
}

/// Counts a request in the metrics and writes its line to the request log.
fn log(config: &Config, metrics: &Metrics, line: &RequestLog<'_>) {
    // A request HTTP could not read has no time of its own to put in the latency histogram.
    let timed = line.reason != reason::MALFORMED_REQUEST;
    metrics.observe(line.reason, line.status, timed.then_some(line.ms / 1e3));
    (config.events)(Event::Request(line));
}

/// The status HTTP answered a request it could not read with, as hyper answers: 414 for a
/// request line too long, 431 for any other head over the read buffer, 400 for a head it cannot
/// parse. `None`: the connection ended otherwise, with nothing answered.
fn unreadable_status(error: &hyper::Error) -> Option<u16> {
    // hyper answers a request line too long 414, and tells it from a head too large only in
    // its message.
    if error.is_parse_too_large() && error.to_string() == "URI too long" {
        Some(414)
    } else if error.is_parse_too_large() {
        Some(431)
    } else if error.is_parse() && !error.is_parse_version_h2() {
        Some(400)
    } else {
        None
    }
}

/// Whether a `Host` value is a host and maybe a port: a name of letters, digits, `-`, `.` and
/// `_`, an IPv4 address or a bracketed IPv6 one, then at most a `:` and a port from 1 to 65535.
/// No user name, no list, nothing empty.
fn is_host(value: &[u8]) -> bool {
    let Ok(value) = std::str::from_utf8(value) else {
        return false;
    };
    let (host_ok, port) = match value.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((v6, rest)) => (v6.parse::<std::net::Ipv6Addr>().is_ok(), rest),
            None => return false,
        },
        None => {
            let host = value.split_once(':').map_or(value, |(host, _)| host);
            let named = !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
            (named, &value[host.len()..])
        }
    };
    let port_ok = match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(port) => {
            port.bytes().all(|b| b.is_ascii_digit()) && matches!(port.parse::<u16>(), Ok(1..))
        }
    };
    host_ok && port_ok
}

async fn route(
    worker: &Worker,
    peer: SocketAddr,
    parts: &request::Parts,
    body: Incoming,
    seen: &mut Seen,
) -> Reply {
    let (config, metrics) = (&*worker.config, &*worker.metrics);
    let readable = parts.method == Method::GET || parts.method == Method::HEAD;
    // With two Host headers, the app and any server between could each act on another host than
    // the one the other read; HTTP has a server refuse such a request, and an HTTP/1.1 request
    // with none, as nginx does.
    let mut hosts = parts.headers.get_all(header::HOST).iter();
    match (hosts.next(), hosts.next()) {
        (_, Some(_)) => return closing(refuse(StatusCode::BAD_REQUEST, reason::DUPLICATE_HOST)),
        (None, None) if parts.version >= Version::HTTP_11 => {
            return closing(refuse(StatusCode::BAD_REQUEST, reason::MISSING_HOST));
        }
        (Some(host), None) if !is_host(host.as_bytes()) => {
            return closing(refuse(StatusCode::BAD_REQUEST, reason::INVALID_HOST));
        }
        _ => {}
    }
    // Only a callback from an allowed source keeps its connection open for the next request.
    // Anyone can ask for health, metrics or a wrong path, and a connection kept open for them
    // would let a sender that is never allowed hold the gate's connections for ever with a cheap
    // request every few seconds; one connection a request costs a health checker nothing.
    match parts.uri.path() {
        path if path == config.path => {
            if parts.method == Method::POST {
                callback(config, &worker.upstream, peer, parts, body, seen).await
            } else {
                closing(not_allowed("POST"))
            }
        }
        "/healthz" if readable => closing(health(config).await),
        "/metrics" if readable => closing(Reply {
            response: respond(
                StatusCode::OK,
                metrics::CONTENT_TYPE,
                Bytes::from(metrics.render()),
            ),
            reason: "metrics",
        }),
        "/healthz" | "/metrics" => closing(not_allowed("GET, HEAD")),
        _ => closing(refuse(StatusCode::NOT_FOUND, reason::NOT_FOUND)),
    }
}

/// The checks, in order: source, body size, JSON object, signature, freshness (and a retired
/// key), replay; then the app.
async fn callback(
    config: &Config,
    upstream: &Upstream,
    peer: SocketAddr,
    parts: &request::Parts,
    body: Incoming,
    seen: &mut Seen,
) -> Reply {
    let forwarded_for: Vec<String> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .collect();
    let hops: Vec<&str> = forwarded_for.iter().map(String::as_str).collect();
    let client = config.gate.client(peer.ip(), &hops);
    seen.client = client.text;
    if !client.allowed {
        return closing(refuse(StatusCode::FORBIDDEN, reason::SOURCE_NOT_ALLOWED));
    }
    let bytes = match read_body(config, parts, body).await {
        Ok(bytes) => bytes,
        Err(refused) => return refused,
    };
    let now = config.clock.now();
    let accepted = match config.gate.judge(&bytes, now) {
        Ok(accepted) => accepted,
        Err(refused) => {
            seen.key_id = refused.key_id;
            return refuse(refused.status, refused.reason);
        }
    };
    let mut verdict = accepted.verdict;
    seen.key_id = verdict.key_id.clone();
    if let Err(refused) = claim(config, now, accepted.pair, &mut verdict).await {
        return refused;
    }
    let duplicate = verdict.duplicate;
    seen.duplicate = Some(duplicate);
    let verdict = upstream::Verdict {
        key_id: seen.key_id.as_deref(),
        duplicate,
        peer: &peer.ip().to_string(),
    };
    forwarded(upstream.forward(parts, bytes, &verdict).await)
}

/// The request's body, read within `--max-body` and `--body-timeout`; or the refusal, which
/// closes the connection (what is left of the body is never read).
async fn read_body(
    config: &Config,
    parts: &request::Parts,
    body: Incoming,
) -> Result<Bytes, Reply> {
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > config.max_body) {
        return Err(closing(refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            reason::BODY_TOO_LARGE,
        )));
    }
    let limit = usize::try_from(config.max_body).unwrap_or(usize::MAX);
    let read = tokio::time::timeout(config.body_timeout, Limited::new(body, limit).collect());
    match read.await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(closing(refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            reason::BODY_TOO_LARGE,
        ))),
        Ok(Err(_)) => Err(closing(refuse(
            StatusCode::BAD_REQUEST,
            reason::BODY_UNREADABLE,
        ))),
        Err(_) => Err(closing(refuse(
            StatusCode::REQUEST_TIMEOUT,
            reason::BODY_TIMEOUT,
        ))),
    }
}

/// Claims an accepted callback's pair in the store, within `--store-timeout`, and takes the
/// answer into `verdict` as `verify` takes it: a replay, or a new pair answered too late to
/// trust, is refused; a resend passes, marked duplicate. A store that fails or does not answer
/// is a 503, with a warning.
///
/// Claimed before forwarding, and kept whatever the app answers: the sender's retry of this
/// callback carries the same body, which the store takes as a resend and lets through. A claim
/// given up on may still be made once the store answers: the sender's retry is then a resend,
/// and passes.
async fn claim(
    config: &Config,
    now: DateTime<Utc>,
    pair: Pair,
    verdict: &mut Verdict,
) -> Result<(), Reply> {
    let claimed = tokio::time::timeout(config.store_timeout, config.claims.claim(now, pair));
    let message = match claimed.await {
        Ok(Ok(claim)) => {
            verdict.claimed(claim, config.clock.now());
            if verdict.reason != Reason::Ok {
                return Err(refuse(
                    reason::status_of(verdict.reason),
                    verdict.reason.as_str(),
                ));
            }
            return Ok(());
        }
        Ok(Err(message)) => message,
        Err(_) => format!(
            "no answer within {}s (--store-timeout)",
            config.store_timeout.as_secs_f64()
        ),
    };
    (config.events)(Event::Warning(format!("replay store: {message}")));
    Err(refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        reason::STORE_UNAVAILABLE,
    ))
}

/// The reply for the app's answer to a forwarded callback, or for its failure to give one.
fn forwarded(answer: Result<upstream::Answer, Failure>) -> Reply {
    match answer {
        Ok(answer) => {
            let mut response = Response::new(Full::new(answer.body));
            *response.status_mut() = answer.status;
            *response.headers_mut() = answer.headers;
            // The body's own length is sent; the app's header may describe another encoding.
            response.headers_mut().remove(header::CONTENT_LENGTH);
            Reply {
                response,
                reason: "ok",
            }
        }
        Err(Failure::Unreachable) => refuse(StatusCode::BAD_GATEWAY, reason::UPSTREAM_UNREACHABLE),
        Err(Failure::Timeout) => refuse(StatusCode::GATEWAY_TIMEOUT, reason::UPSTREAM_TIMEOUT),
        Err(Failure::AnswerTooLarge) => {
            refuse(StatusCode::BAD_GATEWAY, reason::UPSTREAM_ANSWER_TOO_LARGE)
        }
    }
}

/// How long `/healthz` waits for the store: a health check must answer while the store is
/// stuck (locked by another process, a server that does not reply), and a store that slow is
/// not healthy.
const HEALTH_WAIT: Duration = Duration::from_secs(2);

/// `GET /healthz`: 200 when the keys still load as at start and the store answers.
async fn health(config: &Config) -> Reply {
    if !(config.keys_usable)() {
        return health_reply(StatusCode::SERVICE_UNAVAILABLE, reason::KEY_FILE_UNUSABLE);
    }
    let answered = tokio::time::timeout(HEALTH_WAIT, config.claims.ping())
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "no answer within {}s (busy, or locked by another process)",
                HEALTH_WAIT.as_secs()
            ))
        });
    if let Err(message) = answered {
        (config.events)(Event::Warning(format!("replay store: {message}")));
        return health_reply(StatusCode::SERVICE_UNAVAILABLE, reason::STORE_UNAVAILABLE);
    }
    health_reply(StatusCode::OK, "ok")
}

fn health_reply(status: StatusCode, code: &'static str) -> Reply {
    let body = serde_json::json!({ "status": if status == StatusCode::OK { "ok" } else { "unhealthy" }, "reason": code });
    Reply {
        response: respond(status, "application/json", Bytes::from(body.to_string())),
        reason: if status == StatusCode::OK {
            "healthz"
        } else {
            code
        },
    }
}

/// A refusal: the status and `{"reason": CODE}`, nothing else.
fn refuse(status: StatusCode, code: &'static str) -> Reply {
    let body = serde_json::json!({ "reason": code }).to_string();
    Reply {
        response: respond(status, "application/json", Bytes::from(body)),
        reason: code,
    }
}

fn not_allowed(allow: &'static str) -> Reply {
    let mut reply = refuse(StatusCode::METHOD_NOT_ALLOWED, reason::METHOD_NOT_ALLOWED);
    reply
        .response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    reply
}

/// Asks for the connection to close after this answer: its request body was left unread, or
/// the sender has no callback to send on it.
fn closing(mut reply: Reply) -> Reply {
    reply
        .response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    reply
}

fn respond(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
