//! Helpers shared by the CLI tests: the binary with a clean environment, secret-leak checks, and a
//! tiny HTTP endpoint on loopback for `callback send`/`probe`.
#![allow(dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

use assert_cmd::Command;

/// The smile-sec binary with no SMILE_* variables inherited from the developer's shell.
pub fn smile_sec() -> Command {
    let mut cmd = Command::cargo_bin("smile-sec").expect("binary built");
    for var in [
        "SMILE_API_KEY",
        "SMILE_PARTNER_ID",
        "SMILE_SEC_KEYS",
        "SMILE_SEC_NOW",
        "NO_COLOR",
        "CLICOLOR_FORCE",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// `smile-sec verify --format json` for partner 085 at `now`, keyed by `SMILE_API_KEY`: inputs
/// still to add.
pub fn verify_json(api_key: &str, now: &str) -> Command {
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

pub type Handler = Box<dyn FnMut(&[u8]) -> (u16, String) + Send>;

/// An HTTP/1.1 server on an ephemeral loopback port that answers each request with `handler`.
/// It reads a request's headers and `Content-Length` body, answers, and closes the connection.
pub fn serve(mut handler: Handler) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some(body) = read_request(&mut stream) else {
                continue;
            };
            let (status, text) = handler(&body);
            let reply = format!(
                "HTTP/1.1 {status} Whatever\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    format!("http://{addr}/smile/callback")
}

fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
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
