//! `smile-sec guard` as a real process on loopback: a real upstream that records what reaches it
//! (compared byte for byte), real clients (this file's own over TCP, and curl), hostile senders,
//! an upstream that is down, and a stop with requests in flight. Every process and server here
//! is stopped on drop, and every wait is bounded.

#![allow(clippy::print_stderr)] // a skipped check says so on stderr

use std::collections::HashMap;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::tool;
use chrono::Utc;
use smile_sec::signing::secret::ApiKey;
use smile_sec::signing::signature::sign;
use smile_sec::time::format_signing_timestamp;

const LIVE_KEY: &str = "live-key-4f1c9a";
const SANDBOX_KEY: &str = "sandbox-key-77b2";

/// How long any one wait in this file may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// Fixtures: keys, callbacks

/// A folder with a key file (a production and a sandbox key, partner 085) and an allowlist that
/// lets loopback in as production.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        for (name, key) in [("live.key", LIVE_KEY), ("sandbox.key", SANDBOX_KEY)] {
            std::fs::write(dir.path().join(name), key).unwrap();
        }
        std::fs::write(
            dir.path().join("keys.json"),
            r#"{"keys": [
  {"id": "live-1", "partner_id": "085", "environment": "production", "integrations": ["server"],
   "created": "2026-11-01", "api_key_file": "live.key"},
  {"id": "sandbox-1", "partner_id": "085", "environment": "sandbox", "integrations": ["server"],
   "created": "2026-11-01", "api_key_file": "sandbox.key"}
]}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("allow.txt"),
            "127.0.0.1 production\n34.240.137.52 production\n",
        )
        .unwrap();
        Setup { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `guard` with this setup's keys and allowlist, forwarding to `upstream`.
    fn guard(&self, upstream: &str, extra: &[&str]) -> Guard {
        let keys = self.path("keys.json");
        let allow = self.path("allow.txt");
        let mut args = vec![
            "guard",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            upstream,
            "--keys",
            keys.to_str().unwrap(),
            "--allowlist",
            allow.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        Guard::start(self.dir.path(), &args)
    }
}

/// The time now, as a signing timestamp: a different one at every call, so that two callbacks
/// signed within one millisecond never share a pair (the second would be a replay).
fn now_stamp() -> String {
    static LAST_MS: AtomicI64 = AtomicI64::new(0);
    let now = Utc::now().timestamp_millis();
    let previous = LAST_MS
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
            Some(now.max(last + 1))
        })
        .unwrap_or_default();
    let ms = now.max(previous + 1);
    format_signing_timestamp(chrono::DateTime::from_timestamp_millis(ms).unwrap())
}

/// A callback signed with `key` for partner 085 at `timestamp`; `rest` goes after the signed
/// fields (starting with a comma).
fn callback_at(key: &str, timestamp: &str, rest: &str) -> String {
    let signature = sign(&ApiKey::new(key).unwrap(), timestamp, "085");
    format!(r#"{{"signature":"{signature}","timestamp":"{timestamp}"{rest}}}"#)
}

fn callback(rest: &str) -> String {
    callback_at(LIVE_KEY, &now_stamp(), rest)
}

// ---------------------------------------------------------------------------------------------
// The guard process

struct Guard {
    child: Child,
    addr: SocketAddr,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Guard {
    fn start(dir: &Path, args: &[&str]) -> Guard {
        Guard::start_with_env(dir, args, &[])
    }

    /// With variables set in its environment.
    fn start_with_env(dir: &Path, args: &[&str], envs: &[(&str, &Path)]) -> Guard {
        Guard::start_from(dir, args, envs, Stdio::null())
    }

    /// With variables set in its environment, and `stdin` as its standard input.
    fn start_from(dir: &Path, args: &[&str], envs: &[(&str, &Path)], stdin: Stdio) -> Guard {
        let mut child = smile_sec_command(dir)
            .args(args)
            .envs(envs.iter().copied())
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start smile-sec guard");
        let stdout = collect_lines(child.stdout.take().unwrap(), None);
        let (tx, rx) = mpsc::channel();
        let stderr = collect_lines(child.stderr.take().unwrap(), Some(tx));
        let deadline = Instant::now() + PATIENCE;
        let addr = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left.max(Duration::from_millis(1))) {
                Ok(line) => {
                    if let Some(at) = line.strip_prefix("smile-sec: note: listening on http://") {
                        break at.trim().parse().unwrap();
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "guard did not start listening: {:?}",
                        stderr.lock().unwrap()
                    );
                }
            }
        };
        Guard {
            child,
            addr,
            stdout,
            stderr,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The request log so far, one JSON value a line.
    fn log(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lock()
            .unwrap()
            .iter()
            .map(|line| serde_json::from_str(line).expect("the request log is JSON lines"))
            .collect()
    }

    /// Waits (bounded) until the log holds `n` lines, and returns them.
    fn log_of(&self, n: usize) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + PATIENCE;
        while self.stdout.lock().unwrap().len() < n && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        self.log()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// Whether stderr holds `words`, waiting (bounded) for the thread that collects it: a line
    /// written before an answer was sent may not have been read when the answer is.
    fn stderr_holds(&self, words: &str) -> bool {
        let deadline = Instant::now() + PATIENCE;
        while !self.stderr().contains(words) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        self.stderr().contains(words)
    }

    fn signal(&self, name: &str) {
        send_signal(&self.child, name);
    }

    /// Waits (bounded) for the process to end; its exit code.
    fn wait_exit(&mut self) -> Option<i32> {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            thread::sleep(Duration::from_millis(20));
        }
        panic!("guard did not exit: {}", self.stderr());
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smile_sec_command(dir: &Path) -> Command {
    let mut command = crate::common::smile_sec_process();
    command.current_dir(dir);
    command
}

/// Reads lines from a child's stream on a thread of its own, into a shared list (and `tx`).
fn collect_lines(
    stream: impl Read + Send + 'static,
    tx: Option<Sender<String>>,
) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&lines);
    thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            kept.lock().unwrap().push(line.clone());
            if let Some(tx) = &tx {
                let _ = tx.send(line);
            }
        }
    });
    lines
}

// ---------------------------------------------------------------------------------------------
// The upstream: records what reaches it

#[derive(Debug, Clone)]
struct Recorded {
    request_line: String,
    /// Header names lower-cased, in order.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Recorded {
    fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

struct Upstream {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    arrived: Receiver<()>,
    stop: Arc<AtomicBool>,
}

impl Upstream {
    /// Answers every request with `status` and `body`, after `delay`.
    fn start(status: u16, body: &'static str, delay: Duration) -> Upstream {
        Upstream::on(
            TcpListener::bind("127.0.0.1:0").unwrap(),
            status,
            body,
            delay,
        )
    }

    fn on(listener: TcpListener, status: u16, body: &'static str, delay: Duration) -> Upstream {
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, arrived) = mpsc::channel();
        let (kept, stopping) = (Arc::clone(&requests), Arc::clone(&stop));
        thread::spawn(move || {
            // Stops when told, or by itself after a while whatever happens.
            let deadline = Instant::now() + Duration::from_secs(300);
            while !stopping.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (kept, tx) = (Arc::clone(&kept), tx.clone());
                        thread::spawn(move || answer(stream, status, body, delay, &kept, &tx));
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => break,
                }
            }
        });
        Upstream {
            addr,
            requests,
            arrived,
            stop,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn received(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn answer(
    mut stream: TcpStream,
    status: u16,
    body: &str,
    delay: Duration,
    kept: &Mutex<Vec<Recorded>>,
    arrived: &Sender<()>,
) {
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let Some((head, body_bytes)) = read_message(&mut stream) else {
        return;
    };
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    kept.lock().unwrap().push(Recorded {
        request_line,
        headers,
        body: body_bytes,
    });
    let _ = arrived.send(());
    thread::sleep(delay);
    let reply = format!(
        "HTTP/1.1 {status} Whatever\r\nContent-Type: application/json\r\nX-App: yes\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes());
}

/// One HTTP/1.1 message with a Content-Length body (or none): its head and body.
fn read_message(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 16 << 10];
    let head_end = loop {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end - 4]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    Some((head, data[head_end..].to_vec()))
}

// ---------------------------------------------------------------------------------------------
// This file's own client

#[derive(Debug)]
struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn reason(&self) -> String {
        let value: serde_json::Value = serde_json::from_str(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {:?}", self.body));
        value["reason"].as_str().unwrap_or_default().to_owned()
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, PATIENCE).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream
}

/// Sends raw bytes on a new connection and reads the answer to the end.
fn exchange(addr: SocketAddr, raw: &[u8]) -> Reply {
    let mut stream = connect(addr);
    stream.write_all(raw).unwrap();
    read_reply(&mut stream)
}

fn read_reply(stream: &mut TcpStream) -> Reply {
    let mut data = Vec::new();
    // Ends at the peer's close (every request here asks for it); errors end it too.
    let _ = stream.read_to_end(&mut data);
    let text = String::from_utf8_lossy(&data).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    Reply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

fn request(path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut raw = format!(
        "POST {path} HTTP/1.1\r\nHost: gate.test\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        raw.push_str(&format!("{name}: {value}\r\n"));
    }
    raw.push_str("\r\n");
    let mut raw = raw.into_bytes();
    raw.extend_from_slice(body);
    raw
}

fn post(guard: &Guard, body: &[u8]) -> Reply {
    exchange(guard.addr, &request("/callback", &[], body))
}

fn get(addr: SocketAddr, path: &str) -> Reply {
    exchange(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: gate.test\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

/// Sends the signal `name` (`TERM`, `STOP`, ...) to `child`.
fn send_signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Whether a system tool can be used ([`tool`]).
fn have(name: &str) -> bool {
    tool(name).is_some()
}

/// What no answer or log line may hold.
fn assert_no_secret(text: &str) {
    for secret in [LIVE_KEY, SANDBOX_KEY] {
        assert!(!text.contains(secret), "leaks a key: {text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn accepted_callbacks_reach_the_app_byte_for_byte_with_the_verdict() {
    let setup = Setup::new();
    let app = Upstream::start(202, r#"{"stored":true}"#, Duration::ZERO);
    let guard = setup.guard(&app.url(), &["--path", "/hooks/smile"]);
    // White space, escapes and non-ASCII the app must get exactly as sent.
    let body = callback(" ,\n  \"job\" : \"caf\\u00e9 \\/ ünï\",\"n\": 1.50e3 ").into_bytes();
    let sent = request(
        "/hooks/smile?tenant=7",
        &[
            ("X-Custom", "kept"),
            ("Smile-Sec-Verdict", "forged"),
            ("Smile-Sec-Key-Id", "forged"),
            // CGI and WSGI servers read `_` as `-`: these would pass for the gate's own.
            ("Smile_Sec_Key_Id", "forged"),
            ("smile-sec_duplicate", "forged"),
        ],
        &body,
    );
    let reply = exchange(guard.addr, &sent);
    assert_eq!(reply.status, 202, "{reply:?}");
    assert_eq!(reply.body, r#"{"stored":true}"#);
    assert!(
        reply.head.to_ascii_lowercase().contains("x-app: yes"),
        "{reply:?}"
    );

    let received = app.received();
    assert_eq!(received.len(), 1);
    let first = &received[0];
    assert_eq!(
        first.body, body,
        "the body must reach the app byte for byte"
    );
    assert_eq!(first.request_line, "POST /hooks/smile?tenant=7 HTTP/1.1");
    assert_eq!(first.header("x-custom"), ["kept"]);
    assert_eq!(first.header("host"), ["gate.test"]);
    assert_eq!(first.header("content-type"), ["application/json"]);
    // Only the gate speaks under its own prefix.
    assert_eq!(first.header("smile-sec-verdict"), ["ok"]);
    assert_eq!(first.header("smile-sec-key-id"), ["live-1"]);
    assert_eq!(first.header("smile-sec-duplicate"), ["false"]);
    assert!(first.header("smile_sec_key_id").is_empty(), "{first:?}");
    assert!(first.header("smile-sec_duplicate").is_empty(), "{first:?}");
    assert_eq!(first.header("x-forwarded-for"), ["127.0.0.1"]);

    // An identical resend (the sender retries) is forwarded again, marked.
    let again = exchange(guard.addr, &sent);
    assert_eq!(again.status, 202);
    let received = app.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].body, body);
    assert_eq!(received[1].header("smile-sec-duplicate"), ["true"]);

    // The same timestamp and signature with another body: a replay, refused and not forwarded.
    let text = String::from_utf8(body.clone()).unwrap();
    let replay = text.replace("1.50e3", "9.99e9");
    let refused = exchange(guard.addr, &request("/hooks/smile", &[], replay.as_bytes()));
    assert_eq!((refused.status, refused.reason()), (409, "replayed".into()));
    assert_eq!(app.received().len(), 2);

    let log = guard.log_of(3);
    assert_eq!(log.len(), 3, "{log:?}");
    for (line, (status, reason, duplicate)) in log.iter().zip([
        (202, "ok", Some(false)),
        (202, "ok", Some(true)),
        (409, "replayed", None),
    ]) {
        assert_eq!(line["type"], "request");
        assert_eq!(line["status"], status, "{line}");
        assert_eq!(line["reason"], reason, "{line}");
        assert_eq!(line["key_id"], "live-1", "{line}");
        assert_eq!(line["client"], "127.0.0.1");
        assert_eq!(line["path"], "/hooks/smile");
        assert_eq!(line.get("duplicate").and_then(|d| d.as_bool()), duplicate);
        assert!(line["ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{line}");
        assert!(
            line["time"].as_str().is_some_and(|t| t.ends_with('Z')),
            "{line}"
        );
    }
    let all = format!("{:?}{}", guard.log(), guard.stderr());
    assert_no_secret(&all);
    assert!(
        !all.contains("ünï"),
        "the log must not carry the callback's content"
    );
}

#[test]
fn refusals_answer_their_status_and_reason_and_nothing_reaches_the_app() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let guard = setup.guard(&app.url(), &["--max-body", "2k"]);
    let now = now_stamp();
    let stale = format_signing_timestamp(Utc::now() - chrono::Duration::minutes(11));
    let future = format_signing_timestamp(Utc::now() + chrono::Duration::minutes(6));
    let good = callback_at(LIVE_KEY, &now, "");
    let signature = good
        .split('"')
        .nth(3)
        .expect("the signature's value")
        .to_owned();
    let cases: Vec<(String, u16, &str)> = vec![
        ("not json".into(), 400, "parse_error"),
        ("[1,2]".into(), 400, "not_an_object"),
        ("\"text\"".into(), 400, "not_an_object"),
        (
            format!(r#"{{"signature":"AAAA","signature":"{signature}","timestamp":"{now}"}}"#),
            400,
            "parse_error",
        ),
        (
            format!(r#"{{"timestamp":"{now}"}}"#),
            401,
            "missing_signature",
        ),
        (
            format!(r#"{{"signature":"{signature}"}}"#),
            401,
            "missing_timestamp",
        ),
        (
            format!(r#"{{"signature":"not base64!","timestamp":"{now}"}}"#),
            401,
            "malformed_signature",
        ),
        (callback_at("another-key", &now, ""), 401, "bad_signature"),
        // Signed with the sandbox key: a production gate does not try it.
        (callback_at(SANDBOX_KEY, &now, ""), 401, "bad_signature"),
        (callback_at(LIVE_KEY, &stale, ""), 401, "stale"),
        (callback_at(LIVE_KEY, &future, ""), 401, "future"),
        (
            callback_at(LIVE_KEY, &now, &format!(r#","pad":"{}""#, "x".repeat(3000))),
            413,
            "body_too_large",
        ),
    ];
    for (body, status, reason) in &cases {
        let reply = post(&guard, body.as_bytes());
        assert_eq!(
            (reply.status, reply.reason()),
            (*status, reason.to_string()),
            "{body:.80}"
        );
        // Only the reason: no key, no expected signature, nothing of the callback.
        assert_eq!(reply.body, format!(r#"{{"reason":"{reason}"}}"#));
        assert!(
            reply
                .head
                .to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{reply:?}"
        );
    }
    // A body over the limit without a length up front (chunked) is cut off at the limit.
    let big = "x".repeat(4096);
    let chunked = format!(
        "POST /callback HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
        big.len()
    );
    let reply = exchange(guard.addr, chunked.as_bytes());
    assert_eq!(
        (reply.status, reply.reason()),
        (413, "body_too_large".into())
    );
    // Other paths and methods.
    assert_eq!(get(guard.addr, "/callback").status, 405);
    let reply = exchange(guard.addr, &request("/elsewhere", &[], good.as_bytes()));
    assert_eq!((reply.status, reply.reason()), (404, "not_found".into()));

    assert!(app.received().is_empty(), "{:?}", app.received());
    let log = guard.log_of(cases.len() + 3);
    let stale_line = log
        .iter()
        .find(|l| l["reason"] == "stale")
        .expect("a stale line");
    // The key is named by its id once the signature matched.
    assert_eq!(stale_line["key_id"], "live-1");
    assert_eq!(stale_line["status"], 401);
    assert_no_secret(&format!("{log:?}{}", guard.stderr()));
    assert!(!format!("{log:?}").contains(&signature));
}

/// One answer read off a kept-alive connection (by its Content-Length): its head.
fn read_one(stream: &mut TcpStream) -> String {
    let mut data = Vec::new();
    let mut byte = [0; 1];
    while !data.ends_with(b"\r\n\r\n") {
        assert_eq!(
            stream.read(&mut byte).unwrap(),
            1,
            "closed mid-answer: {data:?}"
        );
        data.push(byte[0]);
    }
    let head = String::from_utf8(data).unwrap().to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .map_or(0, |n| n.trim().parse().unwrap());
    let mut body = vec![0; length];
    stream.read_exact(&mut body).unwrap();
    head
}

/// A connection stays open only for callbacks from an allowed source: anyone can ask for health,
/// metrics or a wrong path, or be refused as a stranger, and a connection kept open for that
/// would let a sender never allowed hold the gate's connections with a request every few seconds.
#[test]
fn only_callbacks_from_allowed_sources_keep_their_connection() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    std::fs::write(setup.path("allow.txt"), "34.240.137.52 production\n").unwrap();
    let gate = setup.guard(&app.url(), &["--trusted-proxy", "127.0.0.0/8"]);
    let kept_alive = |method: &str, path: &str, from: &str, body: &str| {
        format!(
            "{method} {path} HTTP/1.1\r\nHost: gate.test\r\nX-Forwarded-For: {from}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let stranger = "203.0.113.9";
    for raw in [
        kept_alive("GET", "/healthz", stranger, ""),
        kept_alive("GET", "/metrics", stranger, ""),
        kept_alive("GET", "/elsewhere", stranger, ""),
        kept_alive("GET", "/callback", stranger, ""),
        kept_alive("POST", "/callback", stranger, &callback(r#","n":"1""#)),
    ] {
        let mut stream = connect(gate.addr);
        stream.write_all(raw.as_bytes()).unwrap();
        let head = read_one(&mut stream);
        assert!(head.contains("connection: close"), "{raw}: {head}");
        let mut rest = Vec::new();
        assert_eq!(
            stream.read_to_end(&mut rest).unwrap(),
            0,
            "{raw}: not closed"
        );
    }

    // Smile ID's callbacks, one after another on one connection.
    let mut stream = connect(gate.addr);
    for n in 0..3 {
        let body = callback(&format!(r#","n":"{n}""#));
        let raw = kept_alive("POST", "/callback", "34.240.137.52", &body);
        stream.write_all(raw.as_bytes()).unwrap();
        let head = read_one(&mut stream);
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(!head.contains("connection: close"), "{head}");
    }
    assert_eq!(app.received().len(), 3);
}

#[test]
fn sources_off_the_allowlist_are_refused_and_forwarded_for_is_believed_only_from_trusted_proxies() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    // Only Smile ID's address is allowed; loopback is a proxy here, or a stranger.
    std::fs::write(setup.path("allow.txt"), "34.240.137.52 production\n").unwrap();
    let stranger = setup.guard(&app.url(), &[]);
    let body = callback("");
    let xff =
        |value: &'static str| request("/callback", &[("X-Forwarded-For", value)], body.as_bytes());
    // From an untrusted peer, a forged X-Forwarded-For naming Smile ID changes nothing.
    for raw in [
        request("/callback", &[], body.as_bytes()),
        xff("34.240.137.52"),
    ] {
        let reply = exchange(stranger.addr, &raw);
        assert_eq!(
            (reply.status, reply.reason()),
            (403, "source_not_allowed".into())
        );
    }
    assert!(app.received().is_empty());
    let log = stranger.log_of(2);
    assert!(log.iter().all(|l| l["client"] == "127.0.0.1"), "{log:?}");

    let behind_proxy = setup.guard(&app.url(), &["--trusted-proxy", "127.0.0.0/8"]);
    // The right-most address past the trusted proxy is the client.
    let reply = exchange(behind_proxy.addr, &xff("203.0.113.9, 34.240.137.52"));
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(app.received().len(), 1);
    assert_eq!(
        app.received()[0].header("x-forwarded-for"),
        ["203.0.113.9, 34.240.137.52, 127.0.0.1"]
    );
    // A client that puts Smile ID's address first is still itself.
    let reply = exchange(behind_proxy.addr, &xff("34.240.137.52, 203.0.113.9"));
    assert_eq!(
        (reply.status, reply.reason()),
        (403, "source_not_allowed".into())
    );
    let reply = exchange(behind_proxy.addr, &xff("34.240.137.52, not-an-address"));
    assert_eq!(reply.status, 403);
    let log = behind_proxy.log_of(3);
    assert_eq!(log[0]["client"], "34.240.137.52");
    assert_eq!(log[1]["client"], "203.0.113.9");
    assert_eq!(app.received().len(), 1);
    // A value holding a byte that is not ASCII reaches the app as it came, with the peer added:
    // the app sees the list the gate judged (it saw only the peer).
    let mut raw = format!(
        "POST /callback HTTP/1.1\r\nHost: gate.test\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\nX-Forwarded-For: ",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(b"\xff10.9.9.9, 34.240.137.52\r\n\r\n");
    raw.extend_from_slice(body.as_bytes());
    assert_eq!(exchange(behind_proxy.addr, &raw).status, 200);
    assert_eq!(
        app.received()[1].header("x-forwarded-for"),
        ["\u{fffd}10.9.9.9, 34.240.137.52, 127.0.0.1"]
    );
    // A sender that names X-Forwarded-For in `Connection` does not take the peer away from the app.
    let raw = request(
        "/callback",
        &[
            ("X-Forwarded-For", "34.240.137.52"),
            ("Connection", "x-forwarded-for"),
        ],
        body.as_bytes(),
    );
    assert_eq!(exchange(behind_proxy.addr, &raw).status, 200);
    assert_eq!(
        app.received()[2].header("x-forwarded-for"),
        ["34.240.137.52, 127.0.0.1"]
    );
}

#[test]
fn curl_gets_the_apps_answer_and_a_refusal_before_sending_an_oversized_body() {
    if !have("curl") {
        return;
    }
    let setup = Setup::new();
    let app = Upstream::start(201, r#"{"ok":1}"#, Duration::ZERO);
    let guard = setup.guard(&app.url(), &["--max-body", "8k"]);
    // Over 1 KiB: curl asks `Expect: 100-continue` first.
    let body = callback(&format!(r#","pad":"{}""#, "é".repeat(1500)));
    let file = setup.path("cb.json");
    std::fs::write(&file, &body).unwrap();
    let curl = |file: &Path| {
        let out = Command::new("curl")
            .args([
                "-sS",
                "--max-time",
                "20",
                "-H",
                "Content-Type: application/json",
            ])
            .arg("--data-binary")
            .arg(format!("@{}", file.display()))
            .args(["-w", "\n%{http_code}", &guard.url("/callback")])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let (body, code) = text.rsplit_once('\n').unwrap();
        (code.to_owned(), body.to_owned())
    };
    assert_eq!(curl(&file), ("201".to_owned(), r#"{"ok":1}"#.to_owned()));
    assert_eq!(app.received()[0].body, body.as_bytes());
    let big = setup.path("big.json");
    std::fs::write(
        &big,
        callback(&format!(r#","pad":"{}""#, "x".repeat(20_000))),
    )
    .unwrap();
    assert_eq!(
        curl(&big),
        (
            "413".to_owned(),
            r#"{"reason":"body_too_large"}"#.to_owned()
        )
    );
    assert_eq!(app.received().len(), 1);
}

#[test]
fn slow_senders_are_cut_off_and_cannot_hold_the_gate() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let guard = setup.guard(
        &app.url(),
        &[
            "--header-timeout",
            "1",
            "--body-timeout",
            "1",
            "--max-connections",
            "3",
        ],
    );
    let started = Instant::now();
    // Every connection the gate serves at once, each sending its head a piece at a time, or
    // nothing at all.
    let mut slow: Vec<TcpStream> = (0..3)
        .map(|i| {
            let mut stream = connect(guard.addr);
            if i > 0 {
                stream
                    .write_all(b"POST /callback HTTP/1.1\r\nHost: x\r\n")
                    .unwrap();
            }
            stream
        })
        .collect();
    // A real callback still gets through once the slow ones are cut off.
    let addr = guard.addr;
    let body = callback("");
    let honest = thread::spawn(move || exchange(addr, &request("/callback", &[], body.as_bytes())));
    for (i, stream) in slow.iter_mut().enumerate() {
        // Keeps trickling until the gate closes the connection (bounded by the read timeout).
        if i > 0 {
            let _ = stream.write_all(b"X-Slow: 1\r\n");
        }
        let mut buf = [0u8; 256];
        let read = stream.read(&mut buf);
        let closed = match &read {
            Ok(n) => *n == 0 || String::from_utf8_lossy(&buf[..*n]).starts_with("HTTP/1.1 408"),
            Err(e) => e.kind() == ErrorKind::ConnectionReset,
        };
        assert!(
            closed,
            "slow sender {i} was not cut off: {read:?} {:?}",
            String::from_utf8_lossy(&buf)
        );
    }
    let reply = honest.join().unwrap();
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(started.elapsed() < Duration::from_secs(10));

    // A body that stops arriving: 408 after the body timeout.
    let mut stream = connect(guard.addr);
    stream
        .write_all(
            b"POST /callback HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"a\":",
        )
        .unwrap();
    let t = Instant::now();
    let reply = read_reply(&mut stream);
    assert_eq!((reply.status, reply.reason()), (408, "body_timeout".into()));
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert_eq!(app.received().len(), 1);
}

#[test]
fn a_half_closed_connection_still_gets_its_answer() {
    let setup = Setup::new();
    let app = Upstream::start(200, r#"{"fine":true}"#, Duration::ZERO);
    let guard = setup.guard(&app.url(), &[]);
    // The whole request, then the sender closes its side and waits.
    let body = callback("");
    let mut stream = connect(guard.addr);
    stream
        .write_all(&request("/callback", &[], body.as_bytes()))
        .unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let reply = read_reply(&mut stream);
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, r#"{"fine":true}"#)
    );
    // Half a body, then the close: refused, nothing forwarded.
    let mut stream = connect(guard.addr);
    stream
        .write_all(
            b"POST /callback HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"signature\":",
        )
        .unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let mut data = Vec::new();
    let _ = stream.read_to_end(&mut data);
    let text = String::from_utf8_lossy(&data);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 400"),
        "{text}"
    );
    // The gate goes on.
    assert_eq!(post(&guard, callback(",\"n\":2").as_bytes()).status, 200);
    assert_eq!(app.received().len(), 2);
}

/// Two `Host` headers leave each server behind the gate to pick one of its own, so the app could
/// act on another host than the one checked in front of it; HTTP has a server refuse them.
#[test]
fn a_request_with_two_host_headers_is_refused_and_claims_nothing() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let guard = setup.guard(&app.url(), &[]);
    let body = callback("");
    let twice = request("/callback", &[("Host", "app.internal")], body.as_bytes());
    let reply = exchange(guard.addr, &twice);
    assert_eq!(
        (reply.status, reply.reason()),
        (400, "duplicate_host".into())
    );
    assert!(
        reply
            .head
            .to_ascii_lowercase()
            .contains("connection: close"),
        "{reply:?}"
    );
    assert!(app.received().is_empty(), "{:?}", app.received());
    // The same callback with one Host passes as new: the refusal claimed nothing.
    let reply = post(&guard, body.as_bytes());
    assert_eq!(reply.status, 200, "{reply:?}");
    let received = app.received();
    assert_eq!(received[0].header("host"), ["gate.test"]);
    assert_eq!(received[0].header("smile-sec-duplicate"), ["false"]);
    let log = guard.log_of(2);
    assert_eq!(
        (&log[0]["reason"], &log[0]["status"]),
        (&"duplicate_host".into(), &400.into())
    );
}

/// HTTP/1.1 has a server refuse a request without `Host`, as nginx in front of an app would;
/// HTTP/1.0 needs none, so a bare `/dev/tcp` health check still gets its answer.
#[test]
fn an_http_1_1_request_without_host_is_refused_and_http_1_0_needs_none() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let guard = setup.guard(&app.url(), &[]);
    let body = callback("");
    let without_host = String::from_utf8(request("/callback", &[], body.as_bytes()))
        .unwrap()
        .replace("Host: gate.test\r\n", "");
    let reply = exchange(guard.addr, without_host.as_bytes());
    assert_eq!((reply.status, reply.reason()), (400, "missing_host".into()));
    assert!(app.received().is_empty(), "{:?}", app.received());
    let health = exchange(guard.addr, b"GET /healthz HTTP/1.0\r\n\r\n");
    assert_eq!(health.status, 200, "{health:?}");
    // The callback was not claimed: with its Host it passes as new.
    let reply = post(&guard, body.as_bytes());
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(app.received()[0].header("smile-sec-duplicate"), ["false"]);
    assert_eq!(guard.log_of(3)[0]["reason"], "missing_host");
}

/// A `Host` that is no host (white space in it, nothing, a user name) is refused as a missing one
/// is: the app would otherwise be handed a value HTTP has servers refuse.
#[test]
fn a_host_header_that_is_no_host_is_refused() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let guard = setup.guard(&app.url(), &[]);
    let body = callback("");
    for host in [
        "a b",
        "",
        "user@gate.test",
        "gate.test/x",
        "h:abc",
        "*",
        "gate.test:99999",
        "a,b",
        "[::1",
        "[x]:80",
        "a:1:2",
    ] {
        let raw = String::from_utf8(request("/callback", &[], body.as_bytes()))
            .unwrap()
            .replace("Host: gate.test\r\n", &format!("Host: {host}\r\n"));
        let reply = exchange(guard.addr, raw.as_bytes());
        assert_eq!(
            (reply.status, reply.reason()),
            (400, "invalid_host".into()),
            "{host:?}"
        );
    }
    assert!(app.received().is_empty(), "{:?}", app.received());
    for host in [
        "gate.test:8443",
        "[::1]:8443",
        "127.0.0.1",
        "[::1]",
        "app_1.internal",
    ] {
        let raw = String::from_utf8(request("/healthz", &[], b""))
            .unwrap()
            .replace("POST", "GET")
            .replace("Host: gate.test\r\n", &format!("Host: {host}\r\n"));
        assert_eq!(exchange(guard.addr, raw.as_bytes()).status, 200, "{host}");
    }
    assert_eq!(post(&guard, body.as_bytes()).status, 200);
}

/// A request the HTTP layer cannot read gets its answer from there (400, or 431 for a head
/// over the limit) and, like every other request, a line in the log and a count in the metrics.
#[test]
fn requests_too_malformed_to_read_are_answered_logged_and_counted() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let guard = setup.guard(&app.url(), &[]);
    let garbled = exchange(
        guard.addr,
        b"POST /callback HTTP/1.1\r\nHost: gate.test\r\nno colon here\r\n\r\n",
    );
    assert_eq!(garbled.status, 400, "{garbled:?}");
    let huge = format!(
        "POST /callback HTTP/1.1\r\nHost: gate.test\r\nX-Pad: {}\r\n\r\n",
        // Well over the read buffer, which a single read may overshoot.
        "a".repeat(256 << 10)
    );
    let mut stream = connect(guard.addr);
    // The gate may close before the whole head is written: only its answer matters.
    let _ = stream.write_all(huge.as_bytes());
    assert_eq!(read_reply(&mut stream).status, 431);
    let long_uri = format!(
        "GET /{} HTTP/1.1\r\nHost: gate.test\r\n\r\n",
        "a".repeat(70_000)
    );
    let mut stream = connect(guard.addr);
    let _ = stream.write_all(long_uri.as_bytes());
    assert_eq!(read_reply(&mut stream).status, 414);
    let log = guard.log_of(3);
    let mut seen: Vec<(String, i64, String)> = log
        .iter()
        .map(|line| {
            (
                line["reason"].as_str().unwrap().to_owned(),
                line["status"].as_i64().unwrap(),
                line["client"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("malformed_request".into(), 400, "127.0.0.1".into()),
            ("malformed_request".into(), 414, "127.0.0.1".into()),
            ("malformed_request".into(), 431, "127.0.0.1".into()),
        ]
    );
    assert!(log.iter().all(|line| line["ms"].is_number()), "{log:?}");
    let metrics = get(guard.addr, "/metrics").body;
    assert!(
        metrics.contains(r#"reason="malformed_request",status="431""#),
        "{metrics}"
    );
    // Counted, but kept out of the latency histogram: when their heads began is not known.
    assert!(
        metrics.contains("smile_sec_guard_request_duration_seconds_count 0"),
        "{metrics}"
    );
    assert!(app.received().is_empty());
}

/// The gate relays answers, not protocol switches: an app that answers a callback with
/// `101 Switching Protocols` has given no answer the sender can use.
#[test]
fn an_app_that_switches_protocols_is_a_bad_gateway() {
    let setup = Setup::new();
    let app = Upstream::start(101, "", Duration::ZERO);
    let guard = setup.guard(&app.url(), &[]);
    let reply = post(&guard, callback("").as_bytes());
    assert_eq!(
        (reply.status, reply.reason()),
        (502, "upstream_unreachable".into())
    );
    assert_eq!(app.received().len(), 1);
}

/// An app's answer is passed back up to 1 MiB; a larger one is a bad gateway of its own reason
/// (the app was reached and has the callback), not an app that cannot be reached.
#[test]
fn an_answer_over_a_mebibyte_is_a_bad_gateway_that_says_so() {
    let setup = Setup::new();
    for (size, status, reason) in [
        (1 << 20, 200, None),
        ((1 << 20) + 1, 502, Some("upstream_answer_too_large")),
    ] {
        let answer: &'static str = Box::leak("x".repeat(size).into_boxed_str());
        let app = Upstream::start(200, answer, Duration::ZERO);
        let guard = setup.guard(&app.url(), &[]);
        let reply = post(&guard, callback("").as_bytes());
        assert_eq!(reply.status, status, "{size}");
        match reason {
            Some(reason) => {
                assert_eq!(reply.reason(), reason);
                assert_eq!(guard.log_of(1)[0]["reason"], reason);
            }
            None => assert_eq!(reply.body.len(), size),
        }
        assert_eq!(app.received().len(), 1);
    }
}

#[test]
fn an_upstream_that_is_down_is_502_and_the_senders_retry_passes_once_it_is_back() {
    let setup = Setup::new();
    let parked = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = parked.local_addr().unwrap();
    drop(parked);
    let guard = setup.guard(&format!("http://{port}"), &["--upstream-timeout", "5"]);
    let body = callback(r#","job":"7""#);
    let reply = post(&guard, body.as_bytes());
    assert_eq!(
        (reply.status, reply.reason()),
        (502, "upstream_unreachable".into())
    );
    // The claim was kept: the retry of the same body is a resend, forwarded once the app is up.
    let Ok(listener) = TcpListener::bind(port) else {
        eprintln!("notice: port {port} was taken meanwhile; skipping the retry half");
        return;
    };
    let app = Upstream::on(listener, 200, "{}", Duration::ZERO);
    let reply = post(&guard, body.as_bytes());
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(app.received()[0].body, body.as_bytes());
    assert_eq!(app.received()[0].header("smile-sec-duplicate"), ["true"]);
    let log = guard.log_of(2);
    assert_eq!(log[0]["reason"], "upstream_unreachable");
    assert_eq!(log[0]["status"], 502);
}

#[test]
fn sigterm_lets_requests_in_flight_finish_and_exits_0() {
    let setup = Setup::new();
    // Slow enough that the checks below end long before it answers, on a busy machine too.
    let app = Upstream::start(200, r#"{"slow":true}"#, Duration::from_secs(4));
    let mut guard = setup.guard(&app.url(), &[]);
    let addr = guard.addr;
    let body = callback("");
    let in_flight =
        thread::spawn(move || exchange(addr, &request("/callback", &[], body.as_bytes())));
    app.arrived
        .recv_timeout(PATIENCE)
        .expect("the callback reached the app");
    guard.signal("TERM");
    // New connections are refused at once, while the request in flight is still being answered
    // (a load balancer then tries another instance instead of waiting).
    let deadline = Instant::now() + Duration::from_secs(1);
    let refused = loop {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Err(_) => break true,
            Ok(_) if Instant::now() > deadline => break false,
            Ok(_) => thread::sleep(Duration::from_millis(20)),
        }
    };
    assert!(refused, "the stopping gate still took connections");
    assert!(!in_flight.is_finished(), "the app answers after 4 s");
    let reply = in_flight.join().unwrap();
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, r#"{"slow":true}"#)
    );
    assert_eq!(guard.wait_exit(), Some(0), "{}", guard.stderr());
    assert!(guard.stderr_holds("stopping"), "{}", guard.stderr());
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err());
    assert_eq!(guard.log_of(1)[0]["status"], 200);

    // SIGINT (Ctrl-C) stops an idle gate the same way.
    let mut idle = setup.guard(&app.url(), &[]);
    idle.signal("INT");
    assert_eq!(idle.wait_exit(), Some(0), "{}", idle.stderr());
}

/// A connection with no request being answered (nothing sent yet, half a head, or kept alive
/// after its answer) is closed at once when the gate stops: it does not hold the stop until its
/// header timeout.
#[test]
fn sigterm_closes_connections_with_no_request_being_answered() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let mut guard = setup.guard(&app.url(), &["--header-timeout", "30s"]);
    let silent = connect(guard.addr);
    let mut half = connect(guard.addr);
    half.write_all(b"POST /callback HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    // Kept alive after its answer, then half of a second request head.
    let mut kept = connect(guard.addr);
    let body = callback("");
    let kept_alive = String::from_utf8(request("/callback", &[], body.as_bytes()))
        .unwrap()
        .replace("Connection: close\r\n", "");
    kept.write_all(kept_alive.as_bytes()).unwrap();
    let mut answer = [0u8; 12];
    kept.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200");
    thread::sleep(Duration::from_millis(100));
    kept.write_all(b"POST /callback HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    // The gate has read the half head before it is told to stop.
    thread::sleep(Duration::from_millis(200));
    let stopped = Instant::now();
    guard.signal("TERM");
    assert_eq!(guard.wait_exit(), Some(0), "{}", guard.stderr());
    assert!(
        stopped.elapsed() < Duration::from_secs(5),
        "the stop waited {:?} for connections with no request",
        stopped.elapsed()
    );
    for mut stream in [silent, half] {
        let mut buf = [0u8; 64];
        let read = stream.read(&mut buf);
        assert!(
            matches!(read, Ok(0)) || read.is_err(),
            "{read:?} {:?}",
            String::from_utf8_lossy(&buf)
        );
    }
    assert_eq!(app.received().len(), 1);
}

#[test]
fn healthz_follows_the_key_file_and_metrics_count_by_reason() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let guard = setup.guard(&app.url(), &[]);
    let health = get(guard.addr, "/healthz");
    assert_eq!(health.status, 200, "{health:?}");
    assert_eq!(post(&guard, callback("").as_bytes()).status, 200);
    assert_eq!(post(&guard, b"{}").status, 401);
    assert_eq!(post(&guard, b"{}").status, 401);
    let metrics = get(guard.addr, "/metrics");
    assert_eq!(metrics.status, 200);
    // The Prometheus text format, as every Prometheus reader takes it.
    assert!(
        metrics
            .head
            .to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{}",
        metrics.head
    );
    for expected in [
        "# TYPE smile_sec_guard_requests_total counter",
        r#"smile_sec_guard_requests_total{reason="ok",status="200"} 1"#,
        r#"smile_sec_guard_requests_total{reason="missing_signature",status="401"} 2"#,
        "smile_sec_guard_request_duration_seconds_count 4",
        "# TYPE smile_sec_guard_request_duration_seconds histogram",
    ] {
        assert!(
            metrics.body.contains(expected),
            "{expected}\n{}",
            metrics.body
        );
    }
    // Whatever would stop a restart makes the gate unhealthy, so that an orchestrator holds
    // the rollout: a key file that no longer loads, a secret that can no longer be read, a key
    // file left with no key of the gate's environment. The gate still runs on the keys it
    // loaded, and is healthy again once the file is mended.
    let keys = std::fs::read_to_string(setup.path("keys.json")).unwrap();
    let sandbox_only = r#"{"keys": [{"id": "sandbox-1", "partner_id": "085", "environment": "sandbox",
        "integrations": ["server"], "created": "2026-11-01", "api_key_file": "sandbox.key"}]}"#;
    let breakages: [(&str, &dyn Fn()); 4] = [
        ("broken JSON", &|| {
            std::fs::write(setup.path("keys.json"), "{").unwrap()
        }),
        ("secret gone", &|| {
            std::fs::rename(setup.path("live.key"), setup.path("moved.key")).unwrap()
        }),
        ("secret emptied", &|| {
            std::fs::write(setup.path("live.key"), "").unwrap()
        }),
        ("no production key", &|| {
            std::fs::write(setup.path("keys.json"), sandbox_only).unwrap()
        }),
    ];
    for (n, (what, break_it)) in breakages.iter().enumerate() {
        break_it();
        let health = get(guard.addr, "/healthz");
        assert_eq!(
            (health.status, health.reason()),
            (503, "key_file_unusable".into()),
            "{what}"
        );
        let body = callback(&format!(",\"n\":{n}"));
        assert_eq!(post(&guard, body.as_bytes()).status, 200, "{what}");
        std::fs::write(setup.path("keys.json"), &keys).unwrap();
        std::fs::write(setup.path("live.key"), LIVE_KEY).unwrap();
        assert_eq!(get(guard.addr, "/healthz").status, 200, "{what}");
    }
}

/// Keys a gate cannot serve with are bad configuration, exit 2 before listening, like no key
/// at all: only retired ones (it would refuse every callback Smile ID sends), or an id that the
/// `Smile-Sec-Key-Id` header cannot carry (the app would get no word of the key).
#[test]
fn a_gate_with_only_retired_keys_or_an_id_no_header_holds_does_not_start() {
    let setup = Setup::new();
    let start = |keys: &str, expected: &[&str]| {
        std::fs::write(setup.path("keys.json"), keys).unwrap();
        let stderr = refused_start(
            setup.dir.path(),
            &[
                "--listen",
                "127.0.0.1:0",
                "--upstream",
                "http://127.0.0.1:9/",
                "--keys",
                "keys.json",
                "--allowlist",
                "allow.txt",
            ],
        );
        assert!(
            expected.iter().all(|words| stderr.contains(words)),
            "{stderr}"
        );
    };
    start(
        r#"{"keys": [
  {"id": "live-1", "partner_id": "085", "environment": "production", "integrations": ["server"],
   "created": "2026-11-01", "api_key_file": "missing.key"},
  {"id": "live-0", "partner_id": "085", "environment": "production", "integrations": ["server"],
   "created": "2026-05-01", "status": "retired", "retired": "2026-11-01", "api_key_file": "live.key"}
]}"#,
        &["every usable production key is retired", "missing.key"],
    );
    // An active entry holding a retired entry's secret holds a retired key.
    start(
        r#"{"keys": [
  {"id": "live-1", "partner_id": "085", "environment": "production", "integrations": ["server"],
   "created": "2026-11-01", "api_key_file": "live.key"},
  {"id": "live-0", "partner_id": "085", "environment": "production", "integrations": ["web"],
   "created": "2026-05-01", "status": "retired", "retired": "2026-11-01", "api_key_file": "live.key"}
]}"#,
        &["every usable production key is retired"],
    );
    start(
        r#"{"keys": [
  {"id": "clé-1", "partner_id": "085", "environment": "production", "integrations": ["server"],
   "created": "2026-11-01", "api_key_file": "live.key"}
]}"#,
        &["the key id `clé-1` cannot be sent in the Smile-Sec-Key-Id header"],
    );
}

/// Runs `guard` with `args` in `dir`, which must end before listening: exit 2 and one error line
/// (after any warnings, with a hint at most), never a secret. Returns stderr.
fn refused_start(dir: &Path, args: &[&str]) -> String {
    let out = crate::common::smile_sec()
        .current_dir(dir)
        .arg("guard")
        .args(args)
        .timeout(PATIENCE)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    // Warnings, then the one error line (and its hint).
    let lines: Vec<&str> = stderr.lines().collect();
    let error = lines
        .iter()
        .position(|l| l.starts_with("smile-sec: error:"))
        .unwrap_or_else(|| panic!("{args:?}: no error line: {stderr}"));
    assert!(
        lines[..error]
            .iter()
            .all(|l| l.starts_with("smile-sec: warning:"))
            && lines[error + 1..].iter().all(|l| l.starts_with("hint:"))
            && lines.len() <= error + 2,
        "{args:?}: {stderr}"
    );
    assert_no_secret(&stderr);
    stderr
}

#[test]
fn configuration_errors_exit_2_before_listening() {
    let setup = Setup::new();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_addr = taken.local_addr().unwrap().to_string();
    let keys = setup.path("keys.json");
    let keys = keys.to_str().unwrap();
    let sandbox_only = setup.path("sandbox-only.txt");
    std::fs::write(&sandbox_only, "35.166.227.53 sandbox\n").unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["--listen", "not-an-address", "--keys", keys],
        vec![
            "--listen",
            "127.0.0.1:0",
            "--keys",
            "/nonexistent/keys.json",
        ],
        vec!["--listen", "127.0.0.1:0"],
        vec!["--listen", &taken_addr, "--keys", keys],
        vec![
            "--listen",
            "127.0.0.1:0",
            "--keys",
            keys,
            "--seen",
            "redis://127.0.0.1:1",
        ],
        vec![
            "--listen",
            "127.0.0.1:0",
            "--keys",
            keys,
            "--allowlist",
            sandbox_only.to_str().unwrap(),
        ],
        vec!["--listen", "127.0.0.1:0", "--keys", keys, "--max-body", "0"],
        vec![
            "--listen",
            "127.0.0.1:0",
            "--keys",
            keys,
            "--path",
            "callback",
        ],
        vec![
            "--listen",
            "127.0.0.1:0",
            "--keys",
            keys,
            "--path",
            "/healthz",
        ],
        vec![
            "--listen",
            "127.0.0.1:0",
            "--keys",
            keys,
            "--path",
            "/call back",
        ],
    ];
    let zero_timeouts: Vec<Vec<&str>> = [
        "--header-timeout",
        "--body-timeout",
        "--upstream-timeout",
        "--store-timeout",
        "--max-age",
    ]
    .into_iter()
    .map(|flag| vec!["--listen", "127.0.0.1:0", "--keys", keys, flag, "0"])
    .collect();
    for extra in cases.into_iter().chain(zero_timeouts) {
        let mut args = vec!["--upstream", "http://127.0.0.1:9"];
        args.extend(&extra);
        refused_start(setup.dir.path(), &args);
    }
    for upstream in [
        "https://app.test",
        "http://127.0.0.1:99999",
        "http://app.test/hooks#smile",
    ] {
        refused_start(
            setup.dir.path(),
            &[
                "--listen",
                "127.0.0.1:0",
                "--keys",
                keys,
                "--upstream",
                upstream,
            ],
        );
    }
    drop(taken);
}

/// A redis-server on a free loopback port, without persistence; killed on drop.
struct Redis {
    child: Child,
    port: u16,
    url: String,
}

impl Redis {
    fn start(dir: &Path) -> Redis {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Redis::start_on(dir, port)
    }

    /// On `port`: a server started again where one was stopped.
    fn start_on(dir: &Path, port: u16) -> Redis {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        let redis = Redis {
            child,
            port,
            url: format!("redis://127.0.0.1:{port}/3"),
        };
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + PATIENCE;
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            thread::sleep(Duration::from_millis(20));
        }
        redis
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn two_gates_sharing_redis_catch_a_replay_sent_to_the_other() {
    if !have("redis-server") {
        return;
    }
    let setup = Setup::new();
    let mut redis = Redis::start(setup.dir.path());
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let first = setup.guard(&app.url(), &["--seen", &redis.url]);
    let second = setup.guard(&app.url(), &["--seen", &redis.url]);
    let timestamp = now_stamp();
    let genuine = callback_at(LIVE_KEY, &timestamp, r#","amount":"10""#);
    let replay = callback_at(LIVE_KEY, &timestamp, r#","amount":"99999""#);
    assert_eq!(post(&first, genuine.as_bytes()).status, 200);
    let reply = post(&second, replay.as_bytes());
    assert_eq!((reply.status, reply.reason()), (409, "replayed".into()));
    // The honest retry may land on either gate.
    assert_eq!(post(&second, genuine.as_bytes()).status, 200);
    let received = app.received();
    assert_eq!(received.len(), 2);
    assert!(received.iter().all(|r| r.body == genuine.as_bytes()));
    assert_eq!(received[1].header("smile-sec-duplicate"), ["true"]);
    assert_eq!(get(second.addr, "/healthz").status, 200);

    // The store goes away: nothing is forwarded unclaimed, and health says so.
    let _ = redis.child.kill();
    let _ = redis.child.wait();
    let reply = post(&first, callback(r#","n":"3""#).as_bytes());
    assert_eq!(
        (reply.status, reply.reason()),
        (503, "store_unavailable".into())
    );
    let health = get(first.addr, "/healthz");
    assert_eq!(
        (health.status, health.reason()),
        (503, "store_unavailable".into())
    );
    assert_eq!(app.received().len(), 2);
    assert_no_secret(&first.stderr());
}

/// A long-running gate outlives its Redis: after the server restarts (without its data) or the
/// database is flushed, it refuses while the store is away, then claims again, and health says
/// which, without restarting the gate.
#[test]
fn a_gate_recovers_when_its_redis_restarts_or_is_flushed() {
    if !have("redis-server") {
        return;
    }
    let setup = Setup::new();
    let mut redis = Redis::start(setup.dir.path());
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let gate = setup.guard(&app.url(), &["--seen", &redis.url]);
    let pair = |n: u32| {
        let timestamp = now_stamp();
        (
            callback_at(LIVE_KEY, &timestamp, &format!(r#","n":"{n}""#)),
            callback_at(LIVE_KEY, &timestamp, &format!(r#","n":"{n}","forged":"1""#)),
        )
    };
    let (genuine, _) = pair(1);
    assert_eq!(post(&gate, genuine.as_bytes()).status, 200);

    // Flushed under the gate: health puts the store's meta back, and claims go on.
    let mut conn = redis::Client::open(redis.url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let _: () = redis::cmd("FLUSHDB").query(&mut conn).unwrap();
    assert_eq!(get(gate.addr, "/healthz").status, 200);
    let (genuine, forged) = pair(2);
    assert_eq!(post(&gate, genuine.as_bytes()).status, 200);
    let reply = post(&gate, forged.as_bytes());
    assert_eq!((reply.status, reply.reason()), (409, "replayed".into()));
    // Flushed with no health check between: the first callback after it sets the meta up
    // again itself, and passes.
    let _: () = redis::cmd("FLUSHDB").query(&mut conn).unwrap();
    let (genuine, forged) = pair(4);
    assert_eq!(post(&gate, genuine.as_bytes()).status, 200);
    let reply = post(&gate, forged.as_bytes());
    assert_eq!((reply.status, reply.reason()), (409, "replayed".into()));

    // Flushed and set up again by another process, with a salt of its own: the callback that
    // meets it is refused and leaves no entry behind, so the sender's retry is claimed anew
    // under that salt, and a replay of it is still caught.
    let meta: HashMap<String, String> = redis::cmd("HGETALL")
        .arg("smile-sec:meta")
        .query(&mut conn)
        .unwrap();
    let _: () = redis::cmd("FLUSHDB").query(&mut conn).unwrap();
    let _: () = redis::cmd("HSET")
        .arg("smile-sec:meta")
        .arg(&[
            ("app", meta["app"].as_str()),
            ("salt", "11".repeat(32).as_str()),
            ("keeps", meta["keeps"].as_str()),
        ])
        .query(&mut conn)
        .unwrap();
    let (genuine, forged) = pair(5);
    let reply = post(&gate, genuine.as_bytes());
    assert_eq!(
        (reply.status, reply.reason()),
        (503, "store_unavailable".into())
    );
    assert_eq!(post(&gate, genuine.as_bytes()).status, 200);
    let reply = post(&gate, forged.as_bytes());
    assert_eq!((reply.status, reply.reason()), (409, "replayed".into()));

    // Stopped: refused and unhealthy, nothing forwarded; started again: back, with no restart.
    let _ = redis.child.kill();
    let _ = redis.child.wait();
    let (genuine, forged) = pair(3);
    let reply = post(&gate, genuine.as_bytes());
    assert_eq!(
        (reply.status, reply.reason()),
        (503, "store_unavailable".into())
    );
    assert_eq!(get(gate.addr, "/healthz").status, 503);
    let forwarded = app.received().len();
    let _redis = Redis::start_on(setup.dir.path(), redis.port);
    assert_eq!(get(gate.addr, "/healthz").status, 200);
    assert_eq!(post(&gate, genuine.as_bytes()).status, 200);
    let reply = post(&gate, forged.as_bytes());
    assert_eq!((reply.status, reply.reason()), (409, "replayed".into()));
    assert_eq!(app.received().len(), forwarded + 1);
    assert_no_secret(&gate.stderr());
}

/// The store's meta replaced under a running gate by a key of another type (something else took
/// the name): every callback from then on is refused with the same words, the first one too,
/// which gave the server's raw `WRONGTYPE` error while later ones said whose key it is.
#[test]
fn a_meta_replaced_under_the_gate_by_another_type_is_said_so_from_the_first_callback() {
    if !have("redis-server") {
        return;
    }
    let setup = Setup::new();
    let redis = Redis::start(setup.dir.path());
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let gate = setup.guard(&app.url(), &["--seen", &redis.url]);
    assert_eq!(post(&gate, callback(r#","n":"1""#).as_bytes()).status, 200);
    let mut conn = redis::Client::open(redis.url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let _: () = redis::cmd("DEL")
        .arg("smile-sec:meta")
        .query(&mut conn)
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg(&["smile-sec:meta", "x"])
        .query(&mut conn)
        .unwrap();
    let said = |n: usize| {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let lines: Vec<String> = gate
                .stderr()
                .lines()
                .filter(|line| line.contains("replay store: "))
                .map(str::to_owned)
                .collect();
            if lines.len() >= n || Instant::now() >= deadline {
                return lines;
            }
            thread::sleep(Duration::from_millis(10));
        }
    };
    for n in 1..=2 {
        let reply = post(&gate, callback(&format!(r#","n":"after-{n}""#)).as_bytes());
        assert_eq!(
            (reply.status, reply.reason()),
            (503, "store_unavailable".into())
        );
        let lines = said(n);
        assert_eq!(lines.len(), n, "{}", gate.stderr());
        let line = &lines[n - 1];
        assert!(
            line.contains("its key smile-sec:meta belongs to something else")
                && !line.contains("WRONGTYPE"),
            "callback {n}: {line}"
        );
    }
    assert_eq!(app.received().len(), 1);
    let kept: String = redis::cmd("GET")
        .arg("smile-sec:meta")
        .query(&mut conn)
        .unwrap();
    assert_eq!(kept, "x", "the other key is left as it was");
}

/// A Redis server set to evict keys while the gate runs would forget callbacks: health says so
/// and callbacks are refused, as a start would refuse it, until it evicts nothing again.
#[test]
fn health_fails_when_the_redis_is_set_to_evict_keys() {
    if !have("redis-server") {
        return;
    }
    let setup = Setup::new();
    let redis = Redis::start(setup.dir.path());
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let gate = setup.guard(&app.url(), &["--seen", &redis.url]);
    assert_eq!(get(gate.addr, "/healthz").status, 200);
    let mut conn = redis::Client::open(redis.url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let set = |conn: &mut redis::Connection, name: &str, value: &str| {
        let _: () = redis::cmd("CONFIG")
            .arg(&["SET", name, value])
            .query(conn)
            .unwrap();
    };
    set(&mut conn, "maxmemory", "64mb");
    set(&mut conn, "maxmemory-policy", "allkeys-lru");
    let health = get(gate.addr, "/healthz");
    assert_eq!(
        (health.status, health.reason()),
        (503, "store_unavailable".into())
    );
    // Claims ask again within a second: a callback then gets 503, nothing is forwarded.
    thread::sleep(Duration::from_millis(1100));
    let reply = post(&gate, callback(r#","n":"evicting""#).as_bytes());
    assert_eq!(
        (reply.status, reply.reason()),
        (503, "store_unavailable".into())
    );
    assert!(app.received().is_empty());
    set(&mut conn, "maxmemory-policy", "noeviction");
    assert_eq!(get(gate.addr, "/healthz").status, 200);
    assert_eq!(
        post(&gate, callback(r#","n":"evicting""#).as_bytes()).status,
        200
    );
}

/// A Redis server that stops answering (stopped, not gone): the claim fails after the store's
/// wait for an answer, once, not once for every reply still due; the gate refuses meanwhile and
/// claims again once the server answers.
#[test]
fn a_redis_that_stops_answering_is_refused_after_one_wait() {
    if !have("redis-server") {
        return;
    }
    let setup = Setup::new();
    let redis = Redis::start(setup.dir.path());
    let app = Upstream::start(200, "{}", Duration::ZERO);
    // The gate's own bound on a claim is set past the store's, which is the one tried here.
    let gate = setup.guard(
        &app.url(),
        &["--seen", &redis.url, "--store-timeout", "100s"],
    );
    assert_eq!(post(&gate, callback(r#","n":"1""#).as_bytes()).status, 200);
    send_signal(&redis.child, "STOP");
    let asked = Instant::now();
    let mut stream = connect(gate.addr);
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    stream
        .write_all(&request(
            "/callback",
            &[],
            callback(r#","n":"2""#).as_bytes(),
        ))
        .unwrap();
    let reply = read_reply(&mut stream);
    let waited = asked.elapsed();
    send_signal(&redis.child, "CONT");
    assert_eq!(
        (reply.status, reply.reason()),
        (503, "store_unavailable".into())
    );
    // One wait of 30 s bounds the claim, however many replies were still due.
    assert!(waited < Duration::from_secs(60), "{waited:?}");
    assert!(
        gate.stderr_holds("did not answer in time"),
        "{}",
        gate.stderr()
    );
    assert_eq!(post(&gate, callback(r#","n":"3""#).as_bytes()).status, 200);
    assert_eq!(app.received().len(), 2);
}

/// A Redis server that stops answering, asked by a health check first: the callback after it
/// still gets 503 within `--store-timeout`, not once the server answers again.
#[test]
fn a_stopped_redis_holds_no_callback_past_the_store_timeout() {
    if !have("redis-server") {
        return;
    }
    let setup = Setup::new();
    let redis = Redis::start(setup.dir.path());
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let gate = setup.guard(&app.url(), &["--seen", &redis.url, "--store-timeout", "2s"]);
    assert_eq!(post(&gate, callback(r#","n":"1""#).as_bytes()).status, 200);
    send_signal(&redis.child, "STOP");
    assert_eq!(get(gate.addr, "/healthz").status, 503);
    let asked = Instant::now();
    let reply = post(&gate, callback(r#","n":"2""#).as_bytes());
    let waited = asked.elapsed();
    send_signal(&redis.child, "CONT");
    assert_eq!(
        (reply.status, reply.reason()),
        (503, "store_unavailable".into())
    );
    assert!(waited < Duration::from_secs(10), "{waited:?}");
    assert_eq!(app.received().len(), 1);
}

/// A store locked by another process: health answers at once that the store is not usable,
/// rather than waiting with the callbacks, and says it is again once the lock goes.
#[test]
fn health_answers_promptly_while_the_sqlite_store_is_locked() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let store = setup.path("seen.db");
    let gate = setup.guard(&app.url(), &["--seen", store.to_str().unwrap()]);
    assert_eq!(get(gate.addr, "/healthz").status, 200);

    let locker = rusqlite::Connection::open(&store).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let asked = Instant::now();
    let health = get(gate.addr, "/healthz");
    assert_eq!(
        (health.status, health.reason()),
        (503, "store_unavailable".into())
    );
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "{:?}",
        asked.elapsed()
    );

    locker.execute_batch("COMMIT").unwrap();
    let deadline = Instant::now() + PATIENCE;
    while get(gate.addr, "/healthz").status != 200 {
        assert!(
            Instant::now() < deadline,
            "still unhealthy once the lock went"
        );
        thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(post(&gate, callback(r#","n":"1""#).as_bytes()).status, 200);
}

/// A store that answers late lets no replay through: a callback that turned stale while its
/// claim waited may find its first sighting's entry gone (expired, swept by another process) and
/// be taken for new, so it is refused as `stale` rather than forwarded.
#[test]
fn a_claim_answered_after_the_callback_turned_stale_is_refused() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let store = setup.path("seen.db");
    let gate = setup.guard(
        &app.url(),
        &[
            "--seen",
            store.to_str().unwrap(),
            "--max-age",
            "6s",
            "--max-future",
            "0s",
            "--store-timeout",
            "15s",
        ],
    );
    let first_at = Utc::now();
    let stamp = format_signing_timestamp(first_at);
    let first = post(
        &gate,
        callback_at(LIVE_KEY, &stamp, r#","n":"1""#).as_bytes(),
    );
    assert_eq!(first.status, 200, "{first:?}");

    // Another process takes the store's lock; the replay is judged fresh and waits on it.
    let other = rusqlite::Connection::open(&store).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let addr = gate.addr;
    let replay = callback_at(LIVE_KEY, &stamp, r#","n":"2""#);
    let replayed =
        thread::spawn(move || exchange(addr, &request("/callback", &[], replay.as_bytes())));
    // Past the first entry's expiry, that process drops it, as its own sweep would.
    let expired = first_at + chrono::Duration::milliseconds(7500);
    thread::sleep((expired - Utc::now()).to_std().unwrap_or_default());
    let dropped = other
        .execute(
            "DELETE FROM seen WHERE expires_at < ?1 AND timestamp = ?2",
            (Utc::now().timestamp_millis(), &stamp),
        )
        .unwrap();
    assert_eq!(dropped, 1);
    other.execute_batch("COMMIT").unwrap();

    let reply = replayed.join().unwrap();
    assert_eq!(
        (reply.status, reply.reason()),
        (401, "stale".into()),
        "{reply:?}"
    );
    assert_eq!(app.received().len(), 1);
}

/// A store that stops answering holds no callback longer than `--store-timeout`: each gets 503
/// in that time, however many wait, and nothing reaches the app unclaimed. Once the store answers
/// again the sender's retry passes (as a resend when its claim was made late, else as new).
#[test]
fn a_stalled_store_answers_each_callback_503_within_the_store_timeout() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let store = setup.path("seen.db");
    let gate = setup.guard(
        &app.url(),
        &["--seen", store.to_str().unwrap(), "--store-timeout", "1s"],
    );
    assert_eq!(post(&gate, callback(r#","n":"0""#).as_bytes()).status, 200);

    let locker = rusqlite::Connection::open(&store).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let sent = Instant::now();
    let waits: Vec<_> = (1..=3)
        .map(|n| {
            let addr = gate.addr;
            let body = callback(&format!(r#","n":"{n}""#));
            thread::spawn(move || {
                let reply = exchange(addr, &request("/callback", &[], body.as_bytes()));
                (reply.status, reply.reason(), sent.elapsed())
            })
        })
        .collect();
    for wait in waits {
        let (status, reason, took) = wait.join().unwrap();
        assert_eq!((status, reason.as_str()), (503, "store_unavailable"));
        assert!(took < Duration::from_secs(10), "{took:?}");
    }
    assert!(gate.stderr_holds("--store-timeout"), "{}", gate.stderr());
    assert_eq!(app.received().len(), 1);

    locker.execute_batch("COMMIT").unwrap();
    let retry = post(&gate, callback(r#","n":"1""#).as_bytes());
    assert_eq!(retry.status, 200, "{retry:?}");
    assert_eq!(app.received().len(), 2);
}

/// An SQLite store deleted under a running gate: claims would go on into a file no other
/// process sees (a gate restarted on the path would make a new, empty store). The gate refuses
/// from then on, and health says so.
#[test]
fn a_store_deleted_under_the_gate_is_refused_not_written_blind() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let store = setup.path("seen.db");
    let gate = setup.guard(&app.url(), &["--seen", store.to_str().unwrap()]);
    assert_eq!(post(&gate, callback(r#","n":"1""#).as_bytes()).status, 200);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", store.display()));
    }
    let reply = post(&gate, callback(r#","n":"2""#).as_bytes());
    assert_eq!(
        (reply.status, reply.reason()),
        (503, "store_unavailable".into())
    );
    assert_eq!(get(gate.addr, "/healthz").status, 503);
    assert_eq!(app.received().len(), 1);
    assert!(
        gate.stderr_holds("removed or replaced"),
        "{}",
        gate.stderr()
    );
}

#[test]
fn a_replay_is_refused_with_409_by_the_sqlite_store_across_restarts() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let store = setup.path("seen.db");
    let store = store.to_str().unwrap();
    let timestamp = now_stamp();
    let genuine = callback_at(LIVE_KEY, &timestamp, r#","amount":"10""#);
    let replay = callback_at(LIVE_KEY, &timestamp, r#","amount":"99999""#);
    let mut guard = setup.guard(&app.url(), &["--seen", store]);
    assert_eq!(post(&guard, genuine.as_bytes()).status, 200);
    let reply = post(&guard, replay.as_bytes());
    assert_eq!((reply.status, reply.reason()), (409, "replayed".into()));
    guard.signal("TERM");
    assert_eq!(guard.wait_exit(), Some(0));

    // A new process on the same store remembers.
    let restarted = setup.guard(&app.url(), &["--seen", store]);
    let reply = post(&restarted, replay.as_bytes());
    assert_eq!((reply.status, reply.reason()), (409, "replayed".into()));
    assert_eq!(post(&restarted, genuine.as_bytes()).status, 200);
    let received = app.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].header("smile-sec-duplicate"), ["true"]);
    let log = restarted.log_of(2);
    assert_eq!(log[0]["reason"], "replayed");
    assert_eq!(log[0]["key_id"], "live-1");
    assert_eq!(log[1]["duplicate"], true);
}

#[test]
fn without_a_store_replays_are_caught_in_memory_with_a_warning() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let guard = setup.guard(&app.url(), &[]);
    assert!(
        guard.stderr().contains("no --seen store"),
        "{}",
        guard.stderr()
    );
    let timestamp = now_stamp();
    let genuine = callback_at(LIVE_KEY, &timestamp, r#","a":1"#);
    assert_eq!(post(&guard, genuine.as_bytes()).status, 200);
    let reply = post(
        &guard,
        callback_at(LIVE_KEY, &timestamp, r#","a":2"#).as_bytes(),
    );
    assert_eq!((reply.status, reply.reason()), (409, "replayed".into()));
}

#[test]
fn an_old_built_in_list_is_warned_about_once_at_start() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let keys = setup.path("keys.json");
    let start = |now: &str| {
        let mut guard = Guard::start(
            setup.dir.path(),
            &[
                "guard",
                "--listen",
                "127.0.0.1:0",
                "--upstream",
                &app.url(),
                "--keys",
                keys.to_str().unwrap(),
                "--now",
                now,
            ],
        );
        guard.signal("TERM");
        assert_eq!(guard.wait_exit(), Some(0));
        guard.stderr()
    };
    let old = start("2027-12-01T00:00:00Z");
    // The same warning, from the same code, as ip-check and allowlist give.
    assert_eq!(old.matches("may have changed").count(), 1, "{old}");
    assert!(old.contains("smile-sec allowlist fetch"), "{old}");
    let fresh = start("2026-12-01T00:00:00Z");
    assert!(!fresh.contains("may have changed"), "{fresh}");
}

/// The allowlist comes from `SMILE_SEC_ALLOWLIST` as for `ip-check` and `allowlist`; a typed
/// `--allowlist` wins, and the variable is named in a warning.
#[test]
fn the_allowlist_variable_is_read_and_a_typed_allowlist_beats_it() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let keys = setup.path("keys.json");
    let allow = setup.path("allow.txt");
    let (upstream, keys) = (app.url(), keys.to_str().unwrap());
    let args = |extra: &[&'static str]| -> Vec<&str> {
        let mut args = vec!["guard", "--listen", "127.0.0.1:0", "--upstream", &upstream];
        args.extend(["--keys", keys]);
        args.extend_from_slice(extra);
        args
    };
    let from_env = Guard::start_with_env(
        setup.dir.path(),
        &args(&[]),
        &[("SMILE_SEC_ALLOWLIST", &allow)],
    );
    let reply = post(&from_env, callback(r#","n":"1""#).as_bytes());
    assert_eq!(reply.status, 200, "{reply:?} {}", from_env.stderr());
    std::fs::write(setup.path("stranger.txt"), "34.240.137.52 production\n").unwrap();
    let typed = Guard::start_with_env(
        setup.dir.path(),
        &args(&["--allowlist", "stranger.txt"]),
        &[("SMILE_SEC_ALLOWLIST", &allow)],
    );
    let reply = post(&typed, callback(r#","n":"2""#).as_bytes());
    assert_eq!(
        (reply.status, reply.reason()),
        (403, "source_not_allowed".into())
    );
    assert!(
        typed
            .stderr()
            .contains("SMILE_SEC_ALLOWLIST is set but not used: --allowlist"),
        "{}",
        typed.stderr()
    );
}

#[test]
fn guard_and_verify_give_the_same_verdict_on_each_callback() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let guard = setup.guard(&app.url(), &[]);
    let now = now_stamp();
    let stale = format_signing_timestamp(Utc::now() - chrono::Duration::minutes(11));
    let future = format_signing_timestamp(Utc::now() + chrono::Duration::minutes(6));
    let bodies = [
        callback_at(LIVE_KEY, &now, r#","a":1"#),
        callback_at(LIVE_KEY, &stale, ""),
        callback_at(LIVE_KEY, &future, ""),
        callback_at(SANDBOX_KEY, &now, ""),
        callback_at(LIVE_KEY, "soon", ""),
        format!(r#"{{"timestamp":"{now}"}}"#),
        format!(r#"{{"signature":"AAAA","timestamp":"{now}"}}"#),
        format!(r#"{{"signature":7,"timestamp":"{now}"}}"#),
        r#"{"signature":"a","signature":"b","timestamp":"x"}"#.to_owned(),
        "{not json".to_owned(),
    ];
    for body in &bodies {
        let reply = post(&guard, body.as_bytes());
        let guard_reason = if reply.status == 200 {
            "ok".to_owned()
        } else {
            reply.reason()
        };
        let out = crate::common::smile_sec()
            .current_dir(setup.dir.path())
            .args(["verify", "--keys", "keys.json", "--env", "production"])
            .args(["--max-age", "10m", "--format", "json", "-"])
            .write_stdin(body.clone())
            .timeout(PATIENCE)
            .output()
            .unwrap();
        let first = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
            .expect("a result line");
        assert_eq!(first["reason"], guard_reason.as_str(), "{body}");
    }
    assert_eq!(app.received().len(), 1);
}

#[test]
fn a_callback_signed_after_its_key_was_retired_is_refused() {
    let setup = Setup::new();
    std::fs::write(setup.path("old.key"), "old-key-1d2e").unwrap();
    std::fs::write(
        setup.path("keys.json"),
        r#"{"keys": [
  {"id": "live-1", "partner_id": "085", "environment": "production", "integrations": ["server"],
   "created": "2026-11-01", "api_key_file": "live.key"},
  {"id": "live-0", "partner_id": "085", "environment": "production", "integrations": ["server"],
   "created": "2026-01-01", "status": "retired", "retired": "2026-11-01", "api_key_file": "old.key"}
]}"#,
    )
    .unwrap();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let guard = setup.guard(&app.url(), &[]);
    let reply = post(
        &guard,
        callback_at("old-key-1d2e", &now_stamp(), "").as_bytes(),
    );
    assert_eq!((reply.status, reply.reason()), (401, "retired_key".into()));
    assert_eq!(guard.log_of(1)[0]["key_id"], "live-0");
    // Freshness comes before retirement: an old callback from that key is stale first.
    let old = format_signing_timestamp(Utc::now() - chrono::Duration::minutes(20));
    let reply = post(&guard, callback_at("old-key-1d2e", &old, "").as_bytes());
    assert_eq!((reply.status, reply.reason()), (401, "stale".into()));
    assert!(app.received().is_empty());
    assert_eq!(post(&guard, callback("").as_bytes()).status, 200);
}

/// A secret retired in one key file is retired in another that lists it as active, whatever
/// environment the retired entry is for.
#[test]
fn a_secret_retired_in_one_key_file_is_retired_in_another() {
    let setup = Setup::new();
    std::fs::write(setup.path("old.key"), "old-key-77ab").unwrap();
    std::fs::write(setup.path("dup.key"), "old-key-77ab").unwrap();
    std::fs::write(
        setup.path("a.json"),
        r#"{"keys": [
  {"id": "live-1", "partner_id": "085", "environment": "production", "integrations": ["server"],
   "created": "2026-11-01", "api_key_file": "live.key"},
  {"id": "old", "partner_id": "085", "environment": "sandbox", "integrations": ["server"],
   "created": "2026-01-01", "status": "retired", "retired": "2026-11-01", "api_key_file": "old.key"}
]}"#,
    )
    .unwrap();
    std::fs::write(
        setup.path("b.json"),
        r#"{"keys": [
  {"id": "dup", "partner_id": "085", "environment": "production", "integrations": ["web"],
   "created": "2026-01-01", "api_key_file": "dup.key"}
]}"#,
    )
    .unwrap();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let (a, b, allow) = (
        setup.path("a.json"),
        setup.path("b.json"),
        setup.path("allow.txt"),
    );
    let guard = Guard::start(
        setup.dir.path(),
        &[
            "guard",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            &app.url(),
            "--keys",
            a.to_str().unwrap(),
            "--keys",
            b.to_str().unwrap(),
            "--allowlist",
            allow.to_str().unwrap(),
        ],
    );
    let reply = post(
        &guard,
        callback_at("old-key-77ab", &now_stamp(), "").as_bytes(),
    );
    assert_eq!((reply.status, reply.reason()), (401, "retired_key".into()));
    assert!(app.received().is_empty());
    assert_eq!(post(&guard, callback("").as_bytes()).status, 200);
}

/// A key given alone has no environment of its own; a gate serves one, so the key is taken as
/// that environment's key (and a key file's entries are still filtered by it).
#[test]
fn a_key_given_alone_is_the_key_of_the_gates_environment() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let allow = setup.path("allow.txt");
    let start = |key: &Path, env: &[&'static str]| {
        let mut args = vec![
            "guard",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            &app.url(),
            "--api-key-file",
            key.to_str().unwrap(),
            "--partner-id",
            "085",
            "--allowlist",
            allow.to_str().unwrap(),
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
        args.extend(env.iter().map(|s| (*s).to_owned()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Guard::start(setup.dir.path(), &args)
    };
    // The default environment, production.
    let guard = start(&setup.path("live.key"), &[]);
    assert_eq!(post(&guard, callback(r#","n":1"#).as_bytes()).status, 200);
    // Named by its fingerprint, as every output names a key outside a key file.
    let fingerprint = ApiKey::new(LIVE_KEY).unwrap().fingerprint();
    assert_eq!(
        app.received()[0].header("smile-sec-key-id"),
        [fingerprint.as_str()]
    );
    assert_eq!(guard.log_of(1)[0]["key_id"], fingerprint);
    let other = callback_at(SANDBOX_KEY, &now_stamp(), r#","n":2"#);
    let reply = post(&guard, other.as_bytes());
    assert_eq!(
        (reply.status, reply.reason()),
        (401, "bad_signature".into())
    );
    drop(guard);
    assert_eq!(app.received().len(), 1);
}

/// `--keys` may be given once per key file: the fitting entries of each are tried, each named by
/// its id, and `/healthz` checks every file. An id in two files, or `--key` with several files,
/// is exit 2 before listening.
#[test]
fn several_key_files_are_all_tried_and_all_checked_by_health() {
    let setup = Setup::new();
    std::fs::write(setup.path("team.key"), "team-key-90ab").unwrap();
    let team = r#"{"keys": [
  {"id": "team-1", "partner_id": "085", "environment": "production", "integrations": ["web"],
   "created": "2026-11-01", "api_key_file": "team.key"}
]}"#;
    std::fs::write(setup.path("team.json"), team).unwrap();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let team_json = setup.path("team.json");
    let guard = setup.guard(&app.url(), &["--keys", team_json.to_str().unwrap()]);
    assert_eq!(post(&guard, callback(r#","n":1"#).as_bytes()).status, 200);
    let from_team = callback_at("team-key-90ab", &now_stamp(), r#","n":2"#);
    assert_eq!(post(&guard, from_team.as_bytes()).status, 200);
    let ids: Vec<_> = guard
        .log_of(2)
        .iter()
        .map(|l| l["key_id"].clone())
        .collect();
    assert_eq!(ids, ["live-1", "team-1"]);
    assert_eq!(get(guard.addr, "/healthz").status, 200);
    std::fs::write(setup.path("team.json"), "{").unwrap();
    let health = get(guard.addr, "/healthz");
    assert_eq!(
        (health.status, health.reason()),
        (503, "key_file_unusable".into())
    );
    drop(guard);

    std::fs::write(setup.path("team.json"), team.replace("team-1", "live-1")).unwrap();
    let keys = setup.path("keys.json");
    for extra in [
        vec!["--keys", team_json.to_str().unwrap()],
        vec!["--keys", team_json.to_str().unwrap(), "--key", "live-1"],
    ] {
        let mut args = vec![
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "http://127.0.0.1:9",
            "--keys",
            keys.to_str().unwrap(),
        ];
        args.extend(&extra);
        let stderr = refused_start(setup.dir.path(), &args);
        assert_eq!(
            stderr.contains("live-1"),
            extra.len() == 2,
            "{extra:?}: {stderr}"
        );
    }
}

/// A gate in front of `app`, with the allowlist at `allow` and its key read from `key_file`.
fn gate_with_key_file(app: &Upstream, allow: &Path, key_file: &str) -> Vec<String> {
    let allow = allow.to_str().unwrap();
    [
        "guard",
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        &app.url(),
        "--allowlist",
        allow,
        "--api-key-file",
        key_file,
        "--partner-id",
        "085",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// A key read from standard input or a pipe (`--api-key-file -`, `/dev/stdin`, a shell's
/// `<(...)`) is not read again by `/healthz`, which would find the pipe at its end and the gate
/// unhealthy for ever.
#[test]
fn health_does_not_read_a_key_from_stdin_or_a_pipe_again() {
    use std::io::Write;
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let allow = setup.path("allow.txt");
    for key_file in ["-", "/dev/stdin"] {
        let (reader, mut writer) = std::io::pipe().unwrap();
        writer
            .write_all(&std::fs::read(setup.path("live.key")).unwrap())
            .unwrap();
        drop(writer);
        let args = gate_with_key_file(&app, &allow, key_file);
        let guard = Guard::start_from(setup.dir.path(), &as_strs(&args), &[], reader.into());
        for _ in 0..2 {
            assert_eq!(get(guard.addr, "/healthz").status, 200, "{key_file}");
        }
        assert_eq!(post(&guard, callback("").as_bytes()).status, 200);
    }
}

/// An `--api-key-file` replaced by a named pipe after the start is not read by `/healthz` (a
/// read would wait for a writer and hold the gate's thread), and the gate goes on.
#[cfg(unix)]
#[test]
fn health_does_not_wait_on_a_key_file_that_became_a_pipe() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let allow = setup.path("allow.txt");
    let key = setup.path("gate.key");
    std::fs::copy(setup.path("live.key"), &key).unwrap();
    let args = gate_with_key_file(&app, &allow, key.to_str().unwrap());
    let guard = Guard::start(setup.dir.path(), &as_strs(&args));
    assert_eq!(get(guard.addr, "/healthz").status, 200);
    std::fs::remove_file(&key).unwrap();
    let made = Command::new("mkfifo").arg(&key).status().unwrap();
    assert!(made.success());
    assert_eq!(get(guard.addr, "/healthz").status, 200);
    assert_eq!(post(&guard, callback("").as_bytes()).status, 200);
    assert!(
        !guard.stderr().contains("internal error"),
        "{}",
        guard.stderr()
    );
}

/// The key file named by `SMILE_SEC_KEYS` is the one `/healthz` checks.
#[test]
fn health_checks_the_key_file_the_environment_names() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    let allow = setup.path("allow.txt");
    let keys = setup.path("keys.json");
    let guard = Guard::start_with_env(
        setup.dir.path(),
        &[
            "guard",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            &app.url(),
            "--allowlist",
            allow.to_str().unwrap(),
        ],
        &[("SMILE_SEC_KEYS", &keys)],
    );
    assert_eq!(post(&guard, callback("").as_bytes()).status, 200);
    assert_eq!(get(guard.addr, "/healthz").status, 200);
    std::fs::write(&keys, "{").unwrap();
    assert_eq!(get(guard.addr, "/healthz").status, 503);
}

/// A list of your own that labels no environment is taken whole, whatever the gate's `--env`; a
/// list that labels environments is narrowed to the gate's.
#[test]
fn an_allowlist_without_environment_labels_is_taken_whole() {
    let setup = Setup::new();
    let app = Upstream::start(200, "{}", Duration::ZERO);
    std::fs::write(setup.path("allow.txt"), "127.0.0.1/32\n").unwrap();
    let live = setup.guard(&app.url(), &[]);
    assert_eq!(post(&live, callback("").as_bytes()).status, 200);
    assert!(!live.stderr().contains("labelled"), "{}", live.stderr());
    drop(live);
    // Labels of its own are no environments: taken whole too, and said.
    std::fs::write(setup.path("allow.txt"), "127.0.0.1/32\n10.0.0.0/8 lb\n").unwrap();
    let sandbox = setup.guard(&app.url(), &["--env", "sandbox"]);
    let from_sandbox = callback_at(SANDBOX_KEY, &now_stamp(), "");
    assert_eq!(post(&sandbox, from_sandbox.as_bytes()).status, 200);
    assert!(
        sandbox
            .stderr()
            .contains("no entry is labelled production or sandbox, so every entry is allowed"),
        "{}",
        sandbox.stderr()
    );
    drop(sandbox);

    std::fs::write(
        setup.path("allow.txt"),
        "127.0.0.1 sandbox\n34.240.137.52 production\n",
    )
    .unwrap();
    let live = setup.guard(&app.url(), &[]);
    let reply = post(&live, callback("").as_bytes());
    assert_eq!(
        (reply.status, reply.reason()),
        (403, "source_not_allowed".into())
    );
    assert_eq!(app.received().len(), 2);
}
