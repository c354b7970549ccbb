//! Helpers shared by the CLI tests: the one way to run the binary, with a clean environment;
//! secret-leak checks; and a tiny HTTP endpoint on loopback for `callback send`/`probe`.
#![allow(dead_code, unreachable_pub)]
#![allow(clippy::print_stderr)] // a skipped check says so on stderr

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;

/// Variables the binary must not inherit from the shell that runs the tests, besides every
/// `SMILE_*` one: colour switches change the text compared, a step summary file would receive
/// writes, a proxy would take `callback send`/`probe` and `allowlist fetch` requests off
/// loopback, and certificate files would change whom a `rediss://` store trusts.
const SCRUBBED: [&str; 13] = [
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "NO_COLOR",
    "CLICOLOR_FORCE",
    "GITHUB_STEP_SUMMARY",
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// The path of the smile-sec binary cargo built for these tests, for scripts that run it
/// themselves (put [`scrub`] on the command that runs the script).
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_smile-sec"))
}

/// The names of the variables to remove: every inherited `SMILE_*` one and [`SCRUBBED`].
fn scrubbed_names() -> Vec<OsString> {
    std::env::vars_os()
        .map(|(name, _)| name)
        .filter(|name| name.as_encoded_bytes().starts_with(b"SMILE_"))
        .chain(SCRUBBED.iter().map(OsString::from))
        .collect()
}

/// Removes from `cmd` every variable a run of smile-sec must not inherit; a test that needs one
/// sets it on the command afterwards.
pub fn scrub(cmd: &mut std::process::Command) -> &mut std::process::Command {
    for name in scrubbed_names() {
        cmd.env_remove(name);
    }
    cmd
}

/// The smile-sec binary as a plain process (to spawn, stream or kill), with a clean environment.
pub fn smile_sec_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(binary());
    scrub(&mut cmd);
    cmd
}

/// The smile-sec binary for `assert_cmd`'s assertions, with the same clean environment.
pub fn smile_sec() -> assert_cmd::Command {
    assert_cmd::Command::from_std(smile_sec_process())
}

/// `smile-sec verify --format json` for partner 085 at `now`, keyed by `SMILE_API_KEY`: inputs
/// still to add.
pub fn verify_json(api_key: &str, now: &str) -> assert_cmd::Command {
    let mut cmd = smile_sec();
    cmd.args([
        "verify",
        "--partner-id",
        "085",
        "--now",
        now,
        "--format",
        "json",
    ])
    .env("SMILE_API_KEY", api_key);
    cmd
}

/// What keeps `stderr` from being exactly one error report: a line `smile-sec: error: ...` holding
/// every one of `names` (the bad input, the flag), optionally followed by one line starting
/// `hint: `, and nothing else.
fn error_report_fault(stderr: &[u8], names: &[&str]) -> Option<String> {
    let text = String::from_utf8_lossy(stderr);
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    if !first.starts_with("smile-sec: error: ") {
        return Some(format!("stderr does not start with an error line:\n{text}"));
    }
    if let Some(name) = names.iter().find(|name| !first.contains(*name)) {
        return Some(format!("the error line does not name {name:?}:\n{text}"));
    }
    if lines.next().is_some_and(|hint| !hint.starts_with("hint: ")) {
        return Some(format!("a second line that is not a hint:\n{text}"));
    }
    if lines.next().is_some() {
        return Some(format!("more than an error and a hint:\n{text}"));
    }
    if !text.ends_with('\n') {
        return Some(format!("the report does not end its line:\n{text:?}"));
    }
    None
}

/// Asserts that `stderr` is exactly one error report naming every one of `names` (see
/// [`error_report`]). Returns the error line.
pub fn assert_error_report(stderr: &[u8], names: &[&str]) -> String {
    if let Some(fault) = error_report_fault(stderr, names) {
        panic!("{fault}");
    }
    String::from_utf8_lossy(stderr)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// For `assert_cmd`'s `.stderr(...)`: stderr is exactly one error report, a line
/// `smile-sec: error: ...` holding every one of `names`, optionally followed by one `hint: ` line.
pub fn error_report(names: &[&str]) -> impl predicates::Predicate<[u8]> {
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    predicates::function::function(move |stderr: &[u8]| {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        error_report_fault(stderr, &names).is_none()
    })
}

/// Asserts that every line of `stderr` is a report as the binary writes them: `smile-sec: error: `,
/// `smile-sec: warning: ` or `smile-sec: note: `, or one `hint: ` line right after an error.
/// Returns the error lines.
pub fn assert_reports(stderr: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(stderr);
    let mut errors = Vec::new();
    let mut after_error = false;
    for line in text.lines() {
        if line.starts_with("smile-sec: error: ") {
            errors.push(line.to_owned());
            after_error = true;
        } else if line.starts_with("hint: ") {
            assert!(
                after_error,
                "a hint that follows no error: {line:?}\n{text}"
            );
            after_error = false;
        } else {
            assert!(
                line.starts_with("smile-sec: warning: ") || line.starts_with("smile-sec: note: "),
                "not a report line: {line:?}\n{text}"
            );
            after_error = false;
        }
    }
    errors
}

/// Asserts a refused run: exit 2, nothing on stdout, and one error report naming every one of
/// `names` (see [`assert_error_report`]). Returns the error line.
pub fn assert_refused(output: &std::process::Output, names: &[&str]) -> String {
    assert_eq!(
        output.status.code(),
        Some(2),
        "exit code of a refused run; stderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stdout.is_empty(),
        "a refused run printed on stdout:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_error_report(&output.stderr, names)
}

/// How smile-sec names a secret it will not show: `sha256:` and the first 12 hex digits of the
/// SHA-256 of its bytes.
pub fn fingerprint(text: &str) -> String {
    use sha2::{Digest, Sha256};
    format!(
        "sha256:{}",
        hex::encode(&Sha256::digest(text.as_bytes())[..6])
    )
}

/// Asserts that neither stream of a finished run contains any of `secrets`.
pub fn assert_no_leak(output: &std::process::Output, secrets: &[&str]) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(
            !stdout.contains(secret),
            "stdout leaks {secret:?}:\n{stdout}"
        );
        assert!(
            !stderr.contains(secret),
            "stderr leaks {secret:?}:\n{stderr}"
        );
    }
}

/// A loopback address where nothing listens, held so that nothing else can start to: its port is
/// bound but never listened on, so a connection is refused at once. (A port found free and let
/// go may be taken by a server of a test running beside this one, which then answers.)
pub struct ClosedPort {
    _held: tokio::net::TcpSocket,
    /// `127.0.0.1:PORT`.
    pub addr: std::net::SocketAddr,
}

pub fn closed_port() -> ClosedPort {
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = held.local_addr().unwrap();
    ClosedPort { _held: held, addr }
}

pub type Handler = Box<dyn FnMut(&[u8]) -> (u16, String) + Send>;

/// An HTTP/1.1 server on an ephemeral loopback port that answers each request with `handler`.
/// It reads a request's headers and `Content-Length` body, answers, and closes the connection.
pub fn serve(mut handler: Handler) -> String {
    serve_with_headers(Box::new(move |body| {
        let (status, text) = handler(body);
        (status, String::new(), text)
    }))
}

/// A handler that also gives header lines to add to its answer (each ending `\r\n`).
pub type HeadersHandler = Box<dyn FnMut(&[u8]) -> (u16, String, String) + Send>;

/// As [`serve`], with header lines of the handler's own in each answer; a `Content-Type` among
/// them replaces the default `application/json`.
pub fn serve_with_headers(mut handler: HeadersHandler) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some(body) = read_request(&mut stream) else {
                continue;
            };
            let (status, headers, text) = handler(&body);
            let content_type = if headers.to_ascii_lowercase().contains("content-type:") {
                ""
            } else {
                "Content-Type: application/json\r\n"
            };
            let reply = format!(
                "HTTP/1.1 {status} Whatever\r\n{content_type}{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    format!("http://{addr}/smile/callback")
}

/// Reads one POST of a JSON body from `stream` (its headers and `Content-Length` body): the body.
pub fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(pos) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    assert!(head.starts_with("post "), "{head}");
    assert!(head.contains("content-type: application/json"), "{head}");
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0);
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    Some(data[head_end..].to_vec())
}

/// A web page on an ephemeral loopback port: each GET is answered with `status` and `body`, for
/// at most `requests` requests, after which the server thread ends.
pub fn serve_page(status: u16, body: &str, requests: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let body = body.to_owned();
    thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 << 10 {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            assert!(
                head.starts_with(b"GET "),
                "{}",
                String::from_utf8_lossy(&head)
            );
            let reply = format!(
                "HTTP/1.1 {status} Whatever\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    format!("http://{addr}/further-reading/security-overview")
}

/// A system tool a test drives, found on PATH. Missing is a skip with a notice on a developer's
/// machine and a failure under CI, where .ci/run installs it.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        skip_missing(name);
    }
    found
}

/// Whether every tool in `names` is there ([`tool`]).
pub fn tools(names: &[&str]) -> bool {
    names.iter().all(|name| tool(name).is_some())
}

/// Says that a test is skipped for want of `what` (a tool or a file), or fails it under CI.
pub fn skip_missing(what: impl AsRef<Path>) {
    let what = what.as_ref().display();
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} is not installed, and CI is set: .ci/run must install it"
    );
    eprintln!("skipped: {what} is not installed (CI would fail here)");
}
