//! `verify --seen STORE` on the real engines: an SQLite file, and a real `redis-server` started
//! here on a free loopback port. Concurrency across processes (and "machines": processes sharing
//! one Redis), crashes (`kill -9`), expiry, a server that goes away, refusal of foreign files, and
//! the import of the former NDJSON record.
#![allow(clippy::print_stderr)] // a skipped check says so on stderr

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{smile_sec, smile_sec_process};
use serde_json::{Value, json};
use smile_sec::callbacks::replay::{PairId, item_digest};
use smile_sec::signing::secret::ApiKey;
use smile_sec::signing::signature::{DecodedSignature, sign};

const KEY: &str = "store-test-key";
const NOW: &str = "2026-11-20T10:00:00Z";

fn signed(ts: &str) -> String {
    sign(&ApiKey::new(KEY).unwrap(), ts, "085")
}

/// A callback for timestamp `ts` with body marker `job`.
fn callback(ts: &str, job: &str) -> String {
    json!({"ResultCode": "1012", "SmileJobID": job, "signature": signed(ts), "timestamp": ts})
        .to_string()
}

/// The `n`-th distinct timestamp of a series (all within the freshness window of [`NOW`]).
fn ts(series: u32, n: u32) -> String {
    format!(
        "2026-11-20T09:{:02}:{:02}.{:03}{:03}Z",
        series % 60,
        n / 1000 % 60,
        n % 1000,
        series / 60
    )
}

fn verify(store: &str) -> Command {
    verify_at(store, NOW)
}

fn verify_at(store: &str, now: &str) -> Command {
    verify_within(store, now, "1h")
}

fn verify_within(store: &str, now: &str, max_age: &str) -> Command {
    let mut cmd = smile_sec_process();
    cmd.args([
        "verify",
        "--partner-id",
        "085",
        "--now",
        now,
        "--max-age",
        max_age,
        "--format",
        "json",
        "--seen",
        store,
    ])
    .env("SMILE_API_KEY", KEY)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    cmd
}

/// Runs `verify` on `input` in the background; the writer closes stdin when done.
fn spawn(dir: &Path, store: &str, input: String) -> (Child, std::thread::JoinHandle<()>) {
    let mut child = verify(store).current_dir(dir).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    (child, writer)
}

struct Ran {
    code: Option<i32>,
    results: Vec<Value>,
    summary: Value,
    stderr: String,
}

fn finish((child, writer): (Child, std::thread::JoinHandle<()>)) -> Ran {
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    Ran {
        code: out.status.code(),
        summary: lines
            .iter()
            .find(|v| v["type"] == "summary")
            .cloned()
            .unwrap_or_default(),
        results: lines
            .into_iter()
            .filter(|v| v["type"] == "result")
            .collect(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run(dir: &Path, store: &str, input: String) -> Ran {
    finish(spawn(dir, store, input))
}

fn seen(dir: &Path, args: &[&str]) -> std::process::Output {
    smile_sec()
        .current_dir(dir)
        .arg("seen")
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

/// Writes a record of the former kind with one entry (any pair and body) to import.
fn write_record(path: &Path, timestamp: &str, seen_at: &str) {
    let record = json!({
        "timestamp": timestamp,
        "pair": "00".repeat(16),
        "body": "00".repeat(32),
        "seen_at": seen_at
    });
    std::fs::write(path, format!("{record}\n")).unwrap();
}

fn stats(dir: &Path, store: &str) -> Value {
    let out = seen(dir, &["stats", store, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_import_line_escapes_the_store_name_it_was_given() {
    // A store named with a line break cannot forge a second line of output.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_record(
        &d.join("seen.ndjson"),
        &ts(5, 1),
        "2026-11-20T09:59:00.000Z",
    );
    let name = "new\nimported 999 of 999 entries into x.db";
    let out = seen(d, &["import", name, "seen.ndjson"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout,
        "imported 1 of 1 entries into new\\nimported 999 of 999 entries into x.db \
         (0 already present or expired)\n"
    );
}

#[test]
fn export_in_json_ends_with_a_summary_of_the_entries() {
    let dir = tempfile::tempdir().unwrap();
    let input: String = (0..3).map(|n| callback(&ts(9, n), "a") + "\n").collect();
    assert_eq!(run(dir.path(), "seen.db", input).code, Some(0));
    let out = seen(dir.path(), &["export", "seen.db", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["entry", "entry", "entry", "summary"]);
    assert_eq!(lines[3]["entries"], 3);
}

/// The timestamps of every entry in the store.
fn exported(dir: &Path, store: &str) -> BTreeSet<String> {
    let out = seen(dir, &["export", store]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["type"], "entry");
            v["timestamp"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// A `redis-server` of our own on a free loopback port, without persistence; killed on drop.
struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    /// `None` (with a notice) when redis-server is not installed, outside CI only.
    fn start() -> Option<Redis> {
        Redis::start_with(&[])
    }

    /// With more `redis-server` options (`--requirepass ...`).
    fn start_with(options: &[&str]) -> Option<Redis> {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = match Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(options)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(e) if std::env::var_os("CI").is_none() => {
                eprintln!("notice: redis-server not available ({e}); Redis cases skipped");
                return None;
            }
            Err(e) => panic!("redis-server is needed under CI: {e}"),
        };
        let redis = Redis { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(mut conn) = TcpStream::connect(("127.0.0.1", port)) {
                // Up, whether it answers PONG or asks for the password first.
                let mut reply = [0; 1];
                if conn.write_all(b"PING\r\n").is_ok()
                    && conn.read_exact(&mut reply).is_ok()
                    && matches!(&reply, b"+" | b"-")
                {
                    return Some(redis);
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server did not answer on port {port}");
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A `redis-server` that speaks only TLS, with a certificate for 127.0.0.1 issued by a CA made
/// here (so no key is kept in the repository); the CA's PEM file is `ca.pem` in `dir`. `None`
/// (with a notice) when redis-server or openssl is missing, outside CI only.
fn start_tls_redis(dir: &Path) -> Option<Redis> {
    let (Some(_), Some(openssl)) = (
        crate::common::tool("redis-server"),
        crate::common::tool("openssl"),
    ) else {
        return None;
    };
    let openssl = |args: &[&str]| {
        let out = crate::common::scrub(&mut Command::new(&openssl))
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl {args:?}: {out:?}");
    };
    let key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let ca = [
        "-subj",
        "/CN=smile-sec test CA",
        "-days",
        "2",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ];
    openssl(&[&["req", "-x509"], &key[..], &ca[..]].concat());
    // A CA that certified nothing here: trusting it alone is trusting the wrong one.
    let other = [
        "-subj",
        "/CN=other CA",
        "-keyout",
        "other-ca.key",
        "-out",
        "other-ca.pem",
    ];
    openssl(&[&["req", "-x509"], &key[..], &other[..]].concat());
    let server = [
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ];
    openssl(&[&["req"], &key[..], &server[..]].concat());
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.pem",
    ]);
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("redis-server")
        .current_dir(dir)
        .args([
            "--port",
            "0",
            "--tls-port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .args([
            "--tls-cert-file",
            "server.pem",
            "--tls-key-file",
            "server.key",
        ])
        .args(["--tls-ca-cert-file", "ca.pem", "--tls-auth-clients", "no"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start redis-server");
    let redis = Redis { child, port };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "redis-server did not listen for TLS on {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(redis)
}

/// A `rediss://` store certified by a private CA: refused in words while the CA is not
/// trusted, with the way to trust it; a store like any other once `SSL_CERT_FILE` names it.
#[test]
fn a_rediss_store_trusts_the_ca_ssl_cert_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let Some(redis) = start_tls_redis(dir.path()) else {
        return;
    };
    let url = format!("rediss://127.0.0.1:{}/0", redis.port);
    let refused = seen(dir.path(), &["stats", &url]);
    let line = crate::common::assert_refused(
        &refused,
        &[
            "cannot connect: its TLS certificate was refused: no certificate authority smile-sec trusts issued it",
        ],
    );
    for raw in ["UnknownIssuer", "Other(", "invalid peer certificate"] {
        assert!(!line.contains(raw), "{line}");
    }
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("hint: ") && stderr.contains("SSL_CERT_FILE"),
        "{stderr}"
    );
    // With SSL_CERT_FILE set, the hint is about that file, which replaces the system's store.
    let wrong_ca = smile_sec()
        .current_dir(dir.path())
        .env("SSL_CERT_FILE", dir.path().join("other-ca.pem"))
        .args(["seen", "stats", &url])
        .output()
        .unwrap();
    crate::common::assert_refused(&wrong_ca, &["no certificate authority smile-sec trusts"]);
    let stderr = String::from_utf8_lossy(&wrong_ca.stderr);
    assert!(
        stderr.contains("hint: SSL_CERT_FILE / SSL_CERT_DIR, which take the place of this system's store, do not hold"),
        "{stderr}"
    );
    // A certificate file that cannot be read is said so, naming it, rather than trusted as empty.
    let missing = dir.path().join("no-such-ca.pem");
    let unreadable = smile_sec()
        .current_dir(dir.path())
        .env("SSL_CERT_FILE", &missing)
        .args(["seen", "stats", &url])
        .output()
        .unwrap();
    crate::common::assert_refused(
        &unreadable,
        &[
            "the certificate authorities to trust cannot be read",
            missing.to_str().unwrap(),
        ],
    );

    let ca = dir.path().join("ca.pem");
    let stamp = ts(7, 1);
    let input = format!(
        "{}\n{}\n",
        callback(&stamp, "first"),
        callback(&stamp, "forged")
    );
    let ran = finish({
        let mut child = verify(&url)
            .current_dir(dir.path())
            .env("SSL_CERT_FILE", &ca)
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        (child, writer)
    });
    let reasons: Vec<&str> = ran
        .results
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        (ran.code, reasons),
        (Some(1), vec!["ok", "replayed"]),
        "{}",
        ran.stderr
    );
    let stats = smile_sec()
        .current_dir(dir.path())
        .env("SSL_CERT_FILE", &ca)
        .args(["seen", "stats", &url, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(stats.status.code(), Some(0), "{stats:?}");
    let stats: Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(stats["entries"], 1);
}

/// A connection to the Redis store at `url`, and the keys of its entries.
fn entry_keys(url: &str) -> (redis::Connection, Vec<String>) {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_connection().unwrap();
    let keys = redis::cmd("KEYS")
        .arg("smile-sec:seen:*")
        .query(&mut conn)
        .unwrap();
    (conn, keys)
}

fn sqlite_and_redis(dir: &Path) -> Vec<(String, Option<Redis>)> {
    let mut stores = vec![(
        dir.join("seen.db").to_str().unwrap().to_owned(),
        None::<Redis>,
    )];
    if let Some(redis) = Redis::start() {
        stores.push((redis.url(), Some(redis)));
    }
    stores
}

#[test]
fn concurrent_processes_lose_no_entry() {
    let dir = tempfile::tempdir().unwrap();
    for (store, _redis) in sqlite_and_redis(dir.path()) {
        let runs: Vec<_> = (0..22)
            .map(|r| {
                let input: String = (0..60)
                    .map(|n| callback(&ts(r, n), &format!("r{r}-{n}")) + "\n")
                    .collect();
                spawn(dir.path(), &store, input)
            })
            .collect();
        for ran in runs.into_iter().map(finish) {
            assert_eq!(ran.code, Some(0), "{store}: {}", ran.stderr);
            assert!(ran.results.iter().all(|r| r["reason"] == "ok"));
        }
        assert_eq!(stats(dir.path(), &store)["entries"], 22 * 60, "{store}");
        // Every entry now catches a replay.
        let replays: String = (0..22)
            .flat_map(|r| (0..60).map(move |n| callback(&ts(r, n), "forged") + "\n"))
            .collect();
        let ran = run(dir.path(), &store, replays);
        assert_eq!(ran.code, Some(1), "{store}");
        assert!(
            ran.results.iter().all(|r| r["reason"] == "replayed"),
            "{store}"
        );
    }
}

#[test]
fn a_pair_split_between_concurrent_processes_is_accepted_once() {
    let dir = tempfile::tempdir().unwrap();
    for (store, _redis) in sqlite_and_redis(dir.path()) {
        // 20 processes ("machines", for Redis); each pair's two bodies go to two of them.
        let pairs = 300;
        let runs: Vec<_> = (0..20)
            .map(|p| {
                let input: String = (0..pairs)
                    .filter(|n| n % 10 == p / 2)
                    .map(|n| callback(&ts(50, n), &format!("body-{}", p % 2)) + "\n")
                    .collect();
                spawn(dir.path(), &store, input)
            })
            .collect();
        let mut verdicts: HashMap<String, Vec<String>> = HashMap::new();
        for ran in runs.into_iter().map(finish) {
            assert!(matches!(ran.code, Some(0 | 1)), "{store}: {}", ran.stderr);
            for r in ran.results {
                verdicts
                    .entry(r["timestamp"].as_str().unwrap().to_owned())
                    .or_default()
                    .push(r["reason"].as_str().unwrap().to_owned());
            }
        }
        assert_eq!(verdicts.len(), pairs as usize);
        for (ts, mut reasons) in verdicts {
            reasons.sort();
            assert_eq!(reasons, ["ok", "replayed"], "{store}: {ts}");
        }
    }
}

#[test]
fn a_killed_run_never_leaves_an_unrecorded_ok() {
    let dir = tempfile::tempdir().unwrap();
    for (store, _redis) in sqlite_and_redis(dir.path()) {
        killed_runs(dir.path(), &store);
    }
}

/// Runs `verify` on a stream of callbacks and kills it (SIGKILL) mid-run, in rounds: every
/// callback it printed `ok` is in the store, which opens afterwards.
fn killed_runs(dir: &Path, store: &str) {
    for round in 0..5u32 {
        let input: String = (0..20_000)
            .map(|n| callback(&ts(round, n), "k") + "\n")
            .collect();
        let mut child = verify(store).current_dir(dir).spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let writer = std::thread::spawn(move || {
            for chunk in input.as_bytes().chunks(16 << 10) {
                if stdin.write_all(chunk).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        std::thread::sleep(Duration::from_millis(150 + 70 * u64::from(round)));
        child.kill().unwrap();
        child.wait().unwrap();
        writer.join().unwrap();
        let printed = reader.join().unwrap();
        let oks: Vec<String> = printed
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["reason"] == "ok")
            .map(|v| v["timestamp"].as_str().unwrap().to_owned())
            .collect();
        // The store opens, and holds every callback reported ok.
        let recorded = exported(dir, store);
        for ts in &oks {
            assert!(
                recorded.contains(ts),
                "{store}, round {round}: {ts} printed ok, not recorded"
            );
        }
    }
}

#[test]
fn replays_within_one_run_are_caught_with_a_store_too() {
    let dir = tempfile::tempdir().unwrap();
    for (store, _redis) in sqlite_and_redis(dir.path()) {
        let (a, b) = (callback(&ts(6, 1), "a"), callback(&ts(6, 1), "b"));
        let ran = run(dir.path(), &store, format!("{a}\n{a}\n{b}\n"));
        let reasons: Vec<_> = ran.results.iter().map(|r| r["reason"].clone()).collect();
        assert_eq!(reasons, ["ok", "ok", "replayed"], "{store}");
        assert_eq!(ran.summary["duplicates"], 1, "{store}");
        assert_eq!(ran.code, Some(1));
        // The store took the first body: the replay first in a later run is still refused.
        let ran = run(dir.path(), &store, format!("{b}\n{a}\n"));
        let reasons: Vec<_> = ran.results.iter().map(|r| r["reason"].clone()).collect();
        assert_eq!(reasons, ["replayed", "ok"], "{store}");
    }
}

/// Enough callbacks for several batches of claims: the store claims one batch while the next
/// is gathered, and every line still comes out in input order with the store's verdict.
#[test]
fn batches_of_claims_print_in_input_order() {
    let dir = tempfile::tempdir().unwrap();
    const N: u32 = 40_000;
    let mut expected = BTreeMap::new();
    let mut input = String::new();
    for n in 0..N {
        let line = match n {
            // A resend and a replay of callbacks claimed several batches before.
            30_001 => callback(&ts(7, 5), "a5"),
            35_001 => callback(&ts(7, 9), "another body"),
            // Refused lines between held ones.
            _ if n % 997 == 0 => {
                callback(&ts(7, n), "forged").replace(&signed(&ts(7, n)), &signed(&ts(8, n)))
            }
            _ => callback(&ts(7, n), &format!("a{n}")),
        };
        let reason = match n {
            35_001 => "replayed",
            _ if n % 997 == 0 => "bad_signature",
            _ => "ok",
        };
        expected.insert(u64::from(n) + 1, reason);
        input.push_str(&line);
        input.push('\n');
    }
    for (store, _redis) in sqlite_and_redis(dir.path()) {
        let ran = run(dir.path(), &store, input.clone());
        assert_eq!(ran.code, Some(1), "{store}: {}", ran.stderr);
        let items: Vec<u64> = ran
            .results
            .iter()
            .map(|r| r["item"].as_u64().unwrap())
            .collect();
        assert_eq!(items, (1..=u64::from(N)).collect::<Vec<_>>(), "{store}");
        for result in &ran.results {
            let item = result["item"].as_u64().unwrap();
            assert_eq!(result["reason"], expected[&item], "{store}: item {item}");
            assert_eq!(result["duplicate"], item == 30_002, "{store}: item {item}");
        }
        assert_eq!(ran.summary["duplicates"], 1, "{store}");
    }
}

/// On both engines, by `--now`: Redis lets a key expire by its own clock from the claim, but an
/// entry's expiry is its `seen_at` (the run's now) plus the window, for `prune` and `export` too.
#[test]
fn entries_expire_exactly_when_a_replay_would_fail_as_stale() {
    let dir = tempfile::tempdir().unwrap();
    for (store, _redis) in sqlite_and_redis(dir.path()) {
        let store = store.as_str();
        // Dated at the edge of --max-future: accepted at 10:00, stale only after 11:05.
        let edge = "2026-11-20T10:05:00Z";
        let ran = run(dir.path(), store, callback(edge, "a"));
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
        let exported = seen(dir.path(), &["export", store]);
        let entry: Value = serde_json::from_slice(&exported.stdout).unwrap();
        assert_eq!(
            (&entry["seen_at"], &entry["expires_at"]),
            (
                &json!("2026-11-20T10:00:00.000Z"),
                &json!("2026-11-20T11:05:00.000Z")
            ),
            "{store}"
        );
        let prune = |now: &str| {
            let out = seen(
                dir.path(),
                &["prune", store, "--now", now, "--format", "json"],
            );
            assert_eq!(out.status.code(), Some(0), "{out:?}");
            serde_json::from_slice::<Value>(&out.stdout).unwrap()
        };
        assert_eq!(
            prune("2026-11-20T11:05:00Z"),
            json!({"pruned": 0, "entries": 1}),
            "{store}"
        );
        // Until then a replay still passes freshness, and the store catches it.
        let late = |now: &str| {
            let mut child = verify_at(store, now)
                .current_dir(dir.path())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(callback(edge, "b").as_bytes()).unwrap();
            drop(stdin);
            let out = child.wait_with_output().unwrap();
            let first = String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .map(str::to_owned);
            let line: Value = serde_json::from_str(&first.unwrap()).unwrap();
            line["reason"].as_str().unwrap().to_owned()
        };
        assert_eq!(late("2026-11-20T11:05:00Z"), "replayed", "{store}");
        assert_eq!(
            prune("2026-11-20T11:05:00.001Z"),
            json!({"pruned": 1, "entries": 0}),
            "{store}"
        );
        assert_eq!(late("2026-11-20T11:05:00.001Z"), "stale", "{store}");
    }
}

/// `seen prune` on Redis compares the kept window as the store writes it, whatever its spelling
/// (`03600000` reads as 3600000): it prunes, and never goes round for ever.
#[test]
fn redis_prune_takes_the_window_as_the_store_spells_it() {
    let Some(redis) = Redis::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = redis.url();
    let ran = run(dir.path(), &store, callback("2026-11-20T10:05:00Z", "a"));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let (mut conn, _) = entry_keys(&store);
    let keeps: String = redis::cmd("HGET")
        .arg("smile-sec:meta")
        .arg("keeps")
        .query(&mut conn)
        .unwrap();
    let () = redis::cmd("HSET")
        .arg("smile-sec:meta")
        .arg("keeps")
        .arg(format!("0{keeps}"))
        .query(&mut conn)
        .unwrap();
    let out = smile_sec()
        .current_dir(dir.path())
        .args(["seen", "prune", &store, "--now", "2026-11-21T00:00:00Z"])
        .args(["--format", "json"])
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let pruned: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(pruned, json!({"pruned": 1, "entries": 0}));
}

/// A store other users may write: they could delete entries, whose replays would then pass.
/// Used, with a warning that says how to close it.
#[cfg(unix)]
#[test]
fn a_store_others_may_write_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let ran = run(dir.path(), "seen.db", callback(&ts(14, 1), "a"));
    assert_eq!(ran.code, Some(0));
    assert!(!ran.stderr.contains("warning"), "{}", ran.stderr);
    let store = dir.path().join("seen.db");
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o666)).unwrap();
    let ran = run(dir.path(), "seen.db", callback(&ts(14, 2), "a"));
    assert_eq!(ran.code, Some(0));
    assert!(
        ran.stderr
            .starts_with("smile-sec: warning: replay store seen.db: other users may write")
            && ran.stderr.contains("chmod 600"),
        "{}",
        ran.stderr
    );
}

/// A run told a now far ahead of the clock (a test pointed at the real store) deletes only what
/// has expired by the clock: a run on the clock still catches the replay.
#[test]
fn a_run_told_a_later_now_deletes_nothing_the_clock_still_needs() {
    let dir = tempfile::tempdir().unwrap();
    let store = "seen.db";
    let at = |when: chrono::DateTime<chrono::Utc>| {
        when.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    let reason = |now: &str, input: String| {
        let mut child = verify_at(store, now)
            .current_dir(dir.path())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let line: Value =
            serde_json::from_slice(out.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
        line["reason"].as_str().unwrap().to_owned()
    };
    let clock = chrono::Utc::now();
    let sent = at(clock - chrono::Duration::minutes(1));
    assert_eq!(reason(&at(clock), callback(&sent, "a")), "ok");
    let later = clock + chrono::Duration::days(3650);
    let far = at(later - chrono::Duration::minutes(1));
    assert_eq!(reason(&at(later), callback(&far, "x")), "ok");
    assert_eq!(
        reason(
            &at(clock + chrono::Duration::minutes(10)),
            callback(&sent, "b")
        ),
        "replayed"
    );
}

/// Freshness is judged by each run's now, a Redis key's expiry by the server's clock: a key is
/// kept the window plus however far the claiming run's now lies from the clock, so a run told a
/// time ahead of the clock, or behind it, still meets the entry while a replay could pass. Here
/// the window is 1 s and the runs wait longer than that between them; SQLite keeps it too.
#[test]
fn an_entry_claimed_at_a_now_apart_from_the_clock_lasts_while_a_replay_could_pass() {
    let dir = tempfile::tempdir().unwrap();
    let at = |when: chrono::DateTime<chrono::Utc>| {
        when.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    for (store, redis) in sqlite_and_redis(dir.path()) {
        for apart in [chrono::Duration::days(400), -chrono::Duration::days(400)] {
            let claimed = chrono::Utc::now() + apart;
            let sent = at(claimed - chrono::Duration::milliseconds(200));
            let reason = |now: chrono::DateTime<chrono::Utc>, body: &str| {
                let mut child = verify_within(&store, &at(now), "1s")
                    .args(["--max-future", "0"])
                    .current_dir(dir.path())
                    .spawn()
                    .unwrap();
                let mut stdin = child.stdin.take().unwrap();
                stdin.write_all(callback(&sent, body).as_bytes()).unwrap();
                drop(stdin);
                let out = child.wait_with_output().unwrap();
                let line: Value =
                    serde_json::from_slice(out.stdout.split(|&b| b == b'\n').next().unwrap())
                        .unwrap_or_else(|e| panic!("{e}: {out:?}"));
                line["reason"].as_str().unwrap().to_owned()
            };
            assert_eq!(reason(claimed, "a"), "ok", "{store}");
            if let Some(redis) = &redis {
                let (mut conn, keys) = entry_keys(&redis.url());
                for key in keys {
                    let pttl: i64 = redis::cmd("PTTL").arg(&key).query(&mut conn).unwrap();
                    assert!(pttl > 399 * 24 * 3_600_000, "{key}: {pttl}");
                }
            }
            std::thread::sleep(Duration::from_millis(1200));
            let replay_at = claimed + chrono::Duration::milliseconds(500);
            assert_eq!(reason(replay_at, "b"), "replayed", "{store} {apart}");
        }
    }
}

#[test]
fn redis_keys_expire_with_the_window_and_resends_are_told_from_replays() {
    let Some(redis) = Redis::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = redis.url();
    let before = chrono::Utc::now();
    let ran = run(dir.path(), &url, callback(&ts(1, 1), "a"));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    // Two "machines": other processes, same server.
    let ran = run(
        dir.path(),
        &url,
        format!(
            "{}\n{}\n",
            callback(&ts(1, 1), "a"),
            callback(&ts(1, 1), "b")
        ),
    );
    let reasons: Vec<_> = ran.results.iter().map(|r| r["reason"].clone()).collect();
    assert_eq!(reasons, ["ok", "replayed"]);
    assert_eq!(ran.summary["duplicates"], 1, "the first is a resend");
    let (mut conn, keys) = entry_keys(&url);
    assert_eq!(keys.len(), 1);
    let pttl: i64 = redis::cmd("PTTL").arg(&keys[0]).query(&mut conn).unwrap();
    let after = chrono::Utc::now();
    // --max-age 1h plus the default --max-future 5m, plus how far NOW is from the clock at the
    // claim (made between `before` and `after`, and counted down since).
    let since_now = |t: chrono::DateTime<chrono::Utc>| {
        (t - chrono::DateTime::parse_from_rfc3339(NOW).unwrap().to_utc())
            .num_milliseconds()
            .abs()
    };
    let (near, far) = (since_now(before), since_now(after));
    let least = 3_900_000 + near.min(far) - (after - before).num_milliseconds();
    assert!(
        (least..=3_900_000 + near.max(far)).contains(&pttl),
        "{pttl}"
    );
    let value: String = redis::cmd("GET").arg(&keys[0]).query(&mut conn).unwrap();
    assert!(!value.contains("SmileJobID") && !value.contains(&signed(&ts(1, 1))));
}

/// Runs with different windows at once on one Redis store: whichever widened the window last,
/// and whichever re-dated an entry last, every entry ends kept for the widest window (re-dating
/// never shortens an entry another run lengthened).
#[test]
fn concurrent_runs_with_different_windows_keep_every_entry_for_the_widest() {
    let Some(redis) = Redis::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    for round in 1..=3u32 {
        let url = format!("redis://127.0.0.1:{}/{round}", redis.port);
        let started = Instant::now();
        let runs: Vec<_> = (1..=20u32)
            .map(|r| {
                let mut child = verify_within(&url, NOW, &format!("{}h", (r * 7) % 20 + 1))
                    .current_dir(dir.path())
                    .spawn()
                    .unwrap();
                let mut stdin = child.stdin.take().unwrap();
                stdin
                    .write_all(callback(&ts(round, r), "a").as_bytes())
                    .unwrap();
                drop(stdin);
                child
            })
            .collect();
        for child in runs {
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{out:?}");
        }
        let (mut conn, keys) = entry_keys(&url);
        assert_eq!(keys.len(), 20);
        // 20h plus the default --max-future 5m, less the time since the runs began.
        let widest = (20 * 60 + 5) * 60_000 - i64::try_from(started.elapsed().as_millis()).unwrap();
        for key in keys {
            let pttl: i64 = redis::cmd("PTTL").arg(&key).query(&mut conn).unwrap();
            assert!(pttl >= widest, "round {round}: {key} expires in {pttl} ms");
        }
    }
}

/// A run that widened the window and stopped before it had re-dated every entry (killed, or
/// cut off from the server) leaves a note in the meta hash; the next run finishes the re-dating,
/// whatever its own window, and clears the note.
#[test]
fn a_widening_left_half_done_is_finished_by_the_next_run() {
    let Some(redis) = Redis::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = redis.url();
    let ran = run(dir.path(), &url, callback(&ts(8, 1), "a"));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let (mut conn, keys) = entry_keys(&url);
    // What a run widening to 24h leaves when it stops right after writing the window.
    let wide = "86400000 300000";
    let _: () = redis::cmd("HSET")
        .arg(&["smile-sec:meta", "keeps", wide, "redating", wide])
        .query(&mut conn)
        .unwrap();
    let ran = run(dir.path(), &url, callback(&ts(8, 2), "b"));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    for key in entry_keys(&url).1 {
        let pttl: i64 = redis::cmd("PTTL").arg(&key).query(&mut conn).unwrap();
        assert!(pttl > (24 * 60 + 4) * 60_000, "{key}: {pttl}");
    }
    assert_eq!(keys.len(), 1);
    let note = |conn: &mut redis::Connection| -> Option<String> {
        redis::cmd("HGET")
            .arg(&["smile-sec:meta", "redating"])
            .query(conn)
            .unwrap()
    };
    assert_eq!(note(&mut conn), None);
    // A note that names no window (written by hand, say) is cleared as well, once.
    let _: () = redis::cmd("HSET")
        .arg(&["smile-sec:meta", "redating", "garbage"])
        .query(&mut conn)
        .unwrap();
    let ran = run(dir.path(), &url, callback(&ts(8, 3), "c"));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(note(&mut conn), None);
}

/// An entry of the former record imported before any window, seen longer ago than the window
/// the store then keeps, goes once a run sets that window (no run can still need it), as SQLite
/// drops it; a recent one is kept.
#[test]
fn an_imported_redis_entry_past_the_window_goes_when_one_is_set() {
    let Some(redis) = Redis::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let url = redis.url();
    let record = |n: u32, seen_at: &str| {
        let pair = PairId::of(&DecodedSignature::parse(&signed(&ts(10, n))).unwrap());
        json!({"timestamp": ts(10, n), "pair": hex(&pair.0), "body": "ab".repeat(32), "seen_at": seen_at})
            .to_string()
    };
    std::fs::write(
        d.join("seen.ndjson"),
        format!(
            "{}\n{}\n",
            record(1, "2025-01-01T00:00:00.000Z"),
            record(2, "2026-11-20T09:59:00.000Z")
        ),
    )
    .unwrap();
    let out = seen(d, &["import", &url, "seen.ndjson"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(entry_keys(&url).1.len(), 2);
    let ran = run(d, &url, callback(&ts(10, 3), "a"));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    // The recent import and the new claim are left; the old import is gone.
    let (mut conn, keys) = entry_keys(&url);
    assert_eq!(keys.len(), 2, "{keys:?}");
    for key in keys {
        let pttl: i64 = redis::cmd("PTTL").arg(&key).query(&mut conn).unwrap();
        assert!(pttl > 0, "{key}: {pttl}");
    }
}

/// A server that runs no scripts (a user without `@scripting`) is refused before anything is
/// written: entries could not be re-dated when the window grows.
#[test]
fn a_redis_that_runs_no_scripts_is_refused_before_anything_is_recorded() {
    let Some(redis) = Redis::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = redis.url();
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_connection().unwrap();
    let _: () = redis::cmd("ACL")
        .arg(&["SETUSER", "default", "-@scripting"])
        .query(&mut conn)
        .unwrap();
    let ran = run(dir.path(), &url, callback(&ts(9, 1), "a"));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.results.is_empty());
    assert!(
        ran.stderr
            .contains("the server does not run scripts (EVAL)"),
        "{}",
        ran.stderr
    );
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut conn).unwrap();
    assert!(keys.is_empty(), "{keys:?}");
}

#[test]
fn a_redis_server_that_goes_away_fails_closed() {
    let Some(mut redis) = Redis::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = redis.url();
    let mut child = verify(&url).current_dir(dir.path()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let first: String = (0..200).map(|n| callback(&ts(2, n), "a") + "\n").collect();
    stdin.write_all(first.as_bytes()).unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(700));
    redis.stop();
    let second: String = (200..400)
        .map(|n| callback(&ts(2, n), "a") + "\n")
        .collect();
    let _ = stdin.write_all(second.as_bytes());
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("smile-sec: error:") && stderr.contains("redis://"),
        "{stderr}"
    );
    // The output still ends with its summary: what was printed, and the failure as an error.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(summary["type"], "summary", "{stdout}");
    assert_eq!(summary["checked"], stdout.lines().count() as u64 - 1);
    assert!(summary["errors"].as_u64() >= Some(1), "{summary}");
    let unrecorded: BTreeSet<String> = (200..400).map(|n| ts(2, n)).collect();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        if v["reason"] == "ok" {
            let ts = v["timestamp"].as_str().unwrap();
            assert!(
                !unrecorded.contains(ts),
                "{ts} reported ok after the server went away"
            );
        }
    }
}

/// A store that refuses writes mid-run (a Redis out of memory) stops the run, fail closed: the
/// results that did not wait on it are still printed and counted, the callbacks it could not
/// record are not reported at all, and JUnit says why the run stopped.
#[test]
fn a_store_that_fails_mid_run_still_reports_the_failures_before() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = redis.url();
    let mut conn = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    fn config(conn: &mut redis::Connection, maxmemory: u64) {
        let _: () = redis::cmd("CONFIG")
            .arg("SET")
            .arg("maxmemory")
            .arg(maxmemory.to_string())
            .query(conn)
            .unwrap();
    }
    // A new store each time, with room for about 500 entries more.
    let mut new_store = |store: &str| {
        config(&mut conn, 0);
        let _: () = redis::cmd("FLUSHALL").query(&mut conn).unwrap();
        assert_eq!(
            run(dir.path(), store, callback(&ts(3, 0), "a")).code,
            Some(0)
        );
        let info: String = redis::cmd("INFO").arg("memory").query(&mut conn).unwrap();
        let used: u64 = info
            .lines()
            .find_map(|l| l.strip_prefix("used_memory:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        config(&mut conn, used + 100_000);
    };
    let forged = callback(&ts(3, 1), "a").replace(&signed(&ts(3, 1)), &signed(&ts(3, 2)));
    let good: String = (10..5010)
        .map(|n| callback(&ts(3, n), "a") + "\n")
        .collect();
    let input = format!("{forged}\n{good}");
    for format in ["json", "junit"] {
        new_store(&url);
        let mut cmd = verify(&url);
        if format == "junit" {
            // The last `--format` is the one read.
            let args: Vec<_> = cmd.get_args().map(ToOwned::to_owned).collect();
            cmd = smile_sec_process();
            cmd.args(args.iter().map(|a| {
                if a == "json" {
                    "junit".as_ref()
                } else {
                    a.as_os_str()
                }
            }))
            .env("SMILE_API_KEY", KEY)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        }
        let mut child = cmd.current_dir(dir.path()).spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input = input.clone();
        // The run stops at the failure, before it has read everything.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains("\"ok\""), "{stdout}");
        if format == "json" {
            let lines: Vec<Value> = stdout
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            assert_eq!(lines[0]["reason"], "bad_signature", "{stdout}");
            assert_eq!(lines.len(), 2, "{stdout}");
            assert_eq!(lines[1]["checked"], 1, "{stdout}");
            assert_eq!(lines[1]["errors"], 1, "{stdout}");
        } else {
            assert!(
                stdout.contains("tests=\"2\" failures=\"1\" errors=\"1\""),
                "{stdout}"
            );
            assert_eq!(stdout.matches("<testcase").count(), 2, "{stdout}");
            assert!(stdout.contains("(the run)"), "{stdout}");
        }
    }
}

/// A key under the store's prefix that holds no entry (written by something else) is not
/// counted out in silence: `seen stats` and `seen export` fail on it, naming how many.
#[test]
fn a_redis_key_that_holds_no_entry_is_reported_as_damage() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = redis.url();
    assert_eq!(
        run(dir.path(), &url, callback(&ts(12, 1), "a")).code,
        Some(0)
    );
    let mut conn = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg(format!("smile-sec:seen:{}", "ab".repeat(16)))
        .arg("garbage")
        .query(&mut conn)
        .unwrap();
    // One that holds no string at all.
    let _: () = redis::cmd("SADD")
        .arg("smile-sec:seen:s1")
        .arg("x")
        .query(&mut conn)
        .unwrap();
    for command in ["stats", "export"] {
        let out = seen(dir.path(), &[command, &url]);
        assert_eq!(out.status.code(), Some(2), "{command}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("is damaged: 2 key(s) under smile-sec:seen: hold no entry"),
            "{command}: {stderr}"
        );
    }
    // What can be read is still exported.
    let out = seen(dir.path(), &["export", &url]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

#[test]
fn a_read_only_replica_is_refused_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    // A replica of a primary that is not there (nothing listens on the discard port): it answers,
    // and refuses every write.
    let Some(replica) = Redis::start_with(&["--replicaof", "127.0.0.1", "9"]) else {
        return;
    };
    let ran = run(dir.path(), &replica.url(), callback(&ts(10, 1), "a"));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.results.is_empty());
    assert!(
        ran.stderr.starts_with("smile-sec: error:")
            && ran.stderr.contains("read-only replica")
            && ran.stderr.contains("hint: name the primary"),
        "{}",
        ran.stderr
    );
}

/// A database without a store of ours: looking after it finds nothing and writes nothing; a
/// hash of the store's name made by something else is refused and left as it was; keys under
/// the store's prefix that are not entries are passed over.
#[test]
fn redis_databases_that_are_not_stores_are_left_as_they_are() {
    let Some(redis) = Redis::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut conn = redis::Client::open(redis.url().as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    for command in ["stats", "export", "prune"] {
        let out = seen(d, &[command, &redis.url()]);
        assert_eq!(out.status.code(), Some(2), "{command}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("holds no replay store"),
            "{command}: {stderr}"
        );
    }
    let size: i64 = redis::cmd("DBSIZE").query(&mut conn).unwrap();
    assert_eq!(size, 0);

    let _: () = redis::cmd("HSET")
        .arg(&["smile-sec:meta", "app", "another"])
        .query(&mut conn)
        .unwrap();
    let ran = run(d, &redis.url(), callback(&ts(13, 1), "a"));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("belongs to something else"),
        "{}",
        ran.stderr
    );
    let meta: HashMap<String, String> = redis::cmd("HGETALL")
        .arg("smile-sec:meta")
        .query(&mut conn)
        .unwrap();
    assert_eq!(meta, HashMap::from([("app".into(), "another".into())]));
    // A hash of that name without any mark is someone else's too.
    let _: () = redis::cmd("SELECT").arg(2).query(&mut conn).unwrap();
    let _: () = redis::cmd("HSET")
        .arg(&["smile-sec:meta", "foo", "bar"])
        .query(&mut conn)
        .unwrap();
    let ran = run(
        d,
        &redis.url().replace("/0", "/2"),
        callback(&ts(13, 1), "a"),
    );
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("belongs to something else"),
        "{}",
        ran.stderr
    );
    let meta: HashMap<String, String> = redis::cmd("HGETALL")
        .arg("smile-sec:meta")
        .query(&mut conn)
        .unwrap();
    assert_eq!(meta, HashMap::from([("foo".into(), "bar".into())]));
    // A key of that name that is no hash at all, too: for a run and for `seen`.
    let _: () = redis::cmd("SELECT").arg(3).query(&mut conn).unwrap();
    let _: () = redis::cmd("SET")
        .arg(&["smile-sec:meta", "hello"])
        .query(&mut conn)
        .unwrap();
    let third = redis.url().replace("/0", "/3");
    let ran = run(d, &third, callback(&ts(13, 1), "a"));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("belongs to something else") && !ran.stderr.contains("WRONGTYPE"),
        "{}",
        ran.stderr
    );
    let out = seen(d, &["stats", &third]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("belongs to something else"),
        "{out:?}"
    );
    let kept: String = redis::cmd("GET")
        .arg("smile-sec:meta")
        .query(&mut conn)
        .unwrap();
    assert_eq!(kept, "hello");

    let other = redis.url().replace("/0", "/1");
    let _: () = redis::cmd("SELECT").arg(1).query(&mut conn).unwrap();
    let _: () = redis::cmd("SET")
        .arg(&["smile-sec:seen:not-an-entry", "junk", "PX", "100000"])
        .query(&mut conn)
        .unwrap();
    let ran = run(d, &other, callback(&ts(13, 2), "a"));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    // A wider window re-dates every entry, and passes the key that is not one over.
    let mut wider = verify_within(&other, NOW, "2h")
        .current_dir(d)
        .spawn()
        .unwrap();
    let mut stdin = wider.stdin.take().unwrap();
    stdin
        .write_all(callback(&ts(13, 4), "a").as_bytes())
        .unwrap();
    drop(stdin);
    let out = wider.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let value: String = redis::cmd("GET")
        .arg("smile-sec:seen:not-an-entry")
        .query(&mut conn)
        .unwrap();
    let ttl: i64 = redis::cmd("PTTL")
        .arg("smile-sec:seen:not-an-entry")
        .query(&mut conn)
        .unwrap();
    assert_eq!(value, "junk");
    assert!((0..=100_000).contains(&ttl), "{ttl}");

    // An import whose entries have all expired by the store's window: nothing to send.
    write_record(
        &d.join("old.ndjson"),
        &ts(13, 3),
        "2020-01-01T00:00:00.000Z",
    );
    let out = seen(
        d,
        &[
            "import",
            &other,
            "old.ndjson",
            "--now",
            NOW,
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["imported"], 0, "{report}");
}

/// A server that evicts keys when full would forget entries whose replays then pass: refused
/// before anything is written, by a run and by an import; told apart from one that evicts
/// nothing; and looking after the store still works.
#[test]
fn a_redis_that_evicts_keys_is_refused_before_anything_is_recorded() {
    let Some(redis) =
        Redis::start_with(&["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"])
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut conn = redis::Client::open(redis.url().as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let keys = |conn: &mut redis::Connection| -> i64 { redis::cmd("DBSIZE").query(conn).unwrap() };

    let ran = run(d, &redis.url(), callback(&ts(11, 1), "a"));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.results.is_empty());
    assert!(
        ran.stderr.starts_with("smile-sec: error:")
            && ran.stderr.contains("evicts keys")
            && ran.stderr.contains("maxmemory-policy allkeys-lru")
            && ran.stderr.contains("hint: set maxmemory-policy noeviction"),
        "{}",
        ran.stderr
    );
    assert_eq!(keys(&mut conn), 0, "nothing written to a refused server");

    // The same server once it evicts nothing.
    let policy = |conn: &mut redis::Connection, policy: &str| {
        let _: () = redis::cmd("CONFIG")
            .arg(&["SET", "maxmemory-policy", policy])
            .query(conn)
            .unwrap();
    };
    policy(&mut conn, "noeviction");
    let ran = run(d, &redis.url(), callback(&ts(11, 1), "a"));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(ran.results.len(), 1);

    // Evicting again: looking after the store asks for no such promise; recording does.
    policy(&mut conn, "allkeys-lru");
    assert_eq!(stats(d, &redis.url())["entries"], 1);
    write_record(
        &d.join("seen.ndjson"),
        &ts(11, 2),
        "2026-11-20T09:59:00.000Z",
    );
    let out = seen(d, &["import", &redis.url(), "seen.ndjson"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("evicts keys"));
    let ran = run(d, &redis.url(), callback(&ts(11, 3), "a"));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert_eq!(stats(d, &redis.url())["entries"], 1);
}

#[test]
fn an_unreachable_redis_is_an_error_before_any_result() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("redis://:hunter2@127.0.0.1:{port}/0");
    let ran = run(dir.path(), &url, callback(&ts(3, 1), "a"));
    assert_eq!(ran.code, Some(2));
    assert!(ran.results.is_empty());
    // The password on the command line is warned about, never shown; then the one error.
    let lines: Vec<&str> = ran.stderr.lines().collect();
    assert!(
        lines[0].starts_with("smile-sec: warning: the Redis password in the URL is visible")
            && lines[0].contains("SMILE_SEC_REDIS_PASSWORD"),
        "{}",
        ran.stderr
    );
    assert!(lines[1].starts_with("smile-sec: error:"), "{}", ran.stderr);
    assert!(!ran.stderr.contains("hunter2"), "{}", ran.stderr);

    // Passwords no URL parser accepts, and the query form: never shown, by any command.
    for url in [
        format!("redis://:hunter2/x@127.0.0.1:{port}/0"),
        format!("redis://:hunter2#x@127.0.0.1:{port}/0"),
        format!("redis://:hun?ter2@127.0.0.1:{port}/0"),
        format!("redis://127.0.0.1:{port}/0?password=hunter2"),
    ] {
        let ran = run(dir.path(), &url, callback(&ts(3, 2), "a"));
        assert_eq!(ran.code, Some(2), "{url}");
        let out = seen(dir.path(), &["stats", &url]);
        assert_eq!(out.status.code(), Some(2), "{url}");
        let stderr = ran.stderr + &String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("smile-sec: error:")
                && !stderr.contains("hunter2")
                && !stderr.contains("ter2"),
            "{url}: {stderr}"
        );
    }
}

/// Parts of a URL the Redis client would pass over (`?db=4` beside `/3`, a fragment) are
/// refused by name, not left to pick another database than the one meant.
#[test]
fn a_redis_url_with_parts_that_are_not_read_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (url, part) in [
        ("redis://127.0.0.1:6399/3?db=4", "the option `db`"),
        ("redis://127.0.0.1:6399/3#backup", "a fragment"),
        (
            "redis://127.0.0.1:6399/3?protocol=resp3&db=4",
            "the option `db`",
        ),
    ] {
        let ran = run(dir.path(), url, callback(&ts(3, 3), "a"));
        assert_eq!(ran.code, Some(2), "{url}");
        assert!(
            ran.stderr.starts_with("smile-sec: error:")
                && ran.stderr.contains(part)
                && ran.stderr.contains("of a Redis URL is not read"),
            "{url}: {}",
            ran.stderr
        );
    }
}

/// A password kept off the command line: from SMILE_SEC_REDIS_PASSWORD when the URL has none;
/// one in the URL wins, with a word about the variable it beat. Never printed.
#[test]
fn a_redis_password_comes_from_the_environment_or_the_url() {
    let Some(redis) = Redis::start_with(&["--requirepass", "s3cret-pw"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bare = redis.url();
    let with_env = |url: &str, password: Option<&str>, job: &str| {
        let mut cmd = verify(url);
        cmd.current_dir(dir.path());
        match password {
            Some(p) => cmd.env("SMILE_SEC_REDIS_PASSWORD", p),
            None => cmd.env_remove("SMILE_SEC_REDIS_PASSWORD"),
        };
        let mut child = cmd.spawn().unwrap();
        let input = callback(&ts(4, job.len() as u32), job);
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        finish((child, writer))
    };
    // No password anywhere: the server refuses, exit 2, nothing reported, and the hint says
    // where a password goes (also with a database named).
    for url in [bare.clone(), format!("{}/2", bare.trim_end_matches("/0"))] {
        let ran = with_env(&url, None, "a");
        assert_eq!(ran.code, Some(2), "{}", ran.stderr);
        assert!(ran.results.is_empty());
        assert!(
            ran.stderr.contains("asks for a password")
                && ran
                    .stderr
                    .contains("hint: give it in SMILE_SEC_REDIS_PASSWORD"),
            "{}",
            ran.stderr
        );
    }
    // From the variable: recorded, and nothing said.
    let ran = with_env(&bare, Some("s3cret-pw"), "bb");
    assert_eq!(
        (ran.code, ran.summary["valid"].as_u64()),
        (Some(0), Some(1)),
        "{}",
        ran.stderr
    );
    assert_eq!(ran.stderr, "");
    // A wrong variable is a refusal, not a quiet fallback.
    let ran = with_env(&bare, Some("wrong"), "ccc");
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    // In the URL: it wins over the variable, with two warnings.
    let in_url = bare.replace("redis://", "redis://:s3cret-pw@");
    let ran = with_env(&in_url, Some("wrong"), "dddd");
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains("is set but not used: the password in the URL wins"),
        "{}",
        ran.stderr
    );
    assert_eq!(ran.stderr.lines().count(), 2, "{}", ran.stderr);
    assert!(
        !ran.stderr.contains("s3cret-pw") && !ran.stderr.contains("wrong"),
        "{}",
        ran.stderr
    );
    // Copied into, the store is named without its password.
    assert_eq!(
        run(dir.path(), "local.db", callback(&ts(4, 9), "e")).code,
        Some(0)
    );
    let out = seen(dir.path(), &["import", &in_url, "local.db", "--now", NOW]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "the server already holds a store: {out:?}"
    );
    let into_new = in_url.replace("/0", "/3");
    let out = seen(dir.path(), &["import", &into_new, "local.db", "--now", NOW]);
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("copied 1 of 1 entries into redis://(password)@"),
        "{shown}"
    );
    assert!(!shown.contains("s3cret-pw"), "{shown}");
}

/// A store this user cannot write is refused before SQLite opens it: SQLite would open it read
/// only and make its log and index beside it read only too, which would keep the store's owner
/// from writing it ever after. (Run as `nobody` where the tests run as root, who may write
/// anything.)
#[cfg(unix)]
#[test]
fn a_store_this_user_cannot_write_is_refused_and_gets_no_companions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(run(d, "seen.db", callback(&ts(5, 1), "a")).code, Some(0));
    // Closed cleanly: nothing but the store is left.
    for companion in ["seen.db-wal", "seen.db-shm"] {
        let _ = std::fs::remove_file(d.join(companion));
    }
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(d.join("seen.db"), std::fs::Permissions::from_mode(0o444)).unwrap();
    let as_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n");
    for args in [
        &["seen", "stats", "seen.db"][..],
        &["verify", "--partner-id", "085", "--seen", "seen.db", "-"][..],
    ] {
        let mut command = if as_root {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(crate::common::binary());
            c
        } else {
            crate::common::smile_sec_process()
        };
        crate::common::scrub(&mut command);
        let out = command
            .current_dir(d)
            .args(args)
            .env("SMILE_API_KEY", KEY)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("smile-sec: error:")
                && stderr.contains("replay store seen.db: this user cannot write it"),
            "{args:?}: {stderr}"
        );
        assert!(
            !d.join("seen.db-wal").exists() && !d.join("seen.db-shm").exists(),
            "{args:?}"
        );
    }
    // Writable again, the store works as before.
    std::fs::set_permissions(d.join("seen.db"), std::fs::Permissions::from_mode(0o600)).unwrap();
    let ran = run(d, "seen.db", callback(&ts(5, 1), "b"));
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert_eq!(ran.results[0]["reason"], "replayed");
}

#[test]
fn foreign_files_are_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("keys.json"), r#"{"keys":[]}"#).unwrap();
    let other = d.join("other.db");
    {
        let conn = rusqlite::Connection::open(&other).unwrap();
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    let marked = d.join("marked.db");
    {
        let conn = rusqlite::Connection::open(&marked).unwrap();
        conn.execute_batch("PRAGMA application_id = 42; CREATE TABLE t (x);")
            .unwrap();
    }
    let pair = "ab".repeat(16);
    let body = "cd".repeat(32);
    let record = format!(
        "{{\"timestamp\":\"{NOW}\",\"pair\":\"{pair}\",\"body\":\"{body}\",\"seen_at\":\"{NOW}\"}}\n"
    );
    std::fs::write(d.join("seen.ndjson"), &record).unwrap();
    // Callbacks, given to --seen by mistake: not the record, so no word of importing them.
    std::fs::write(d.join("callbacks.ndjson"), callback(&ts(4, 3), "a") + "\n").unwrap();
    // Empty, as `touch` or `mktemp` leave it: not a store either.
    std::fs::write(d.join("empty.db"), "").unwrap();
    std::fs::write(d.join("record.txt"), &record).unwrap();
    // A store of ours, named through a link.
    assert_eq!(run(d, "real.db", callback(&ts(4, 1), "a")).code, Some(0));
    #[cfg(unix)]
    std::os::unix::fs::symlink(d.join("real.db"), d.join("link.db")).unwrap();
    let listing = |d: &Path| -> BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| {
                let bytes = std::fs::read(e.path()).unwrap_or_default();
                (e.file_name().to_string_lossy().into_owned(), bytes)
            })
            .collect()
    };
    // What a store removed while in use (or after a killed run) leaves beside its path.
    std::fs::write(d.join("orphan.db-wal"), b"log of a store that is gone").unwrap();
    std::fs::write(d.join("orphan.db-shm"), b"").unwrap();
    let mut cases = vec![
        (
            "orphan.db",
            "orphan.db-wal and orphan.db-shm beside it are left from a store that was removed",
        ),
        ("keys.json", "not a smile-sec replay store"),
        ("other.db", "another application's SQLite database"),
        ("marked.db", "another application's SQLite database"),
        ("seen.ndjson", "seen import"),
        (
            "callbacks.ndjson",
            "kept; refusing to use it as a replay store\nhint: for a store, use a path where nothing is yet",
        ),
        ("record.txt", "seen import"),
        ("empty.db", "empty file"),
        (".", "not a regular file"),
        // Mistyped URLs and stdin: never made into a file of that name.
        ("redis:127.0.0.1:6379", "written like a URL"),
        ("redis:/:hunter2@127.0.0.1/0", "written like a URL"),
        ("http://127.0.0.1/0", "written like a URL"),
        // SQLite would read it as naming real.db, another file than the one checked.
        ("file:real.db", "SQLite URI"),
        ("-", "standard input"),
        ("", "named by an empty path"),
        // The Redis client's words, without its Rust name for the kind of error.
        (
            "redis://",
            "not a usable Redis URL: Missing hostname\nhint:",
        ),
        (
            "redis://h/abc",
            "not a usable Redis URL: Invalid database number\nhint:",
        ),
    ];
    if cfg!(unix) {
        cases.push(("link.db", "symbolic link"));
        // Links planted where SQLite keeps its log and journal, for a new store and for one
        // of ours: the file they point at is never written.
        #[cfg(unix)]
        for companion in ["new.db-wal", "real.db-journal"] {
            std::os::unix::fs::symlink(d.join("keys.json"), d.join(companion)).unwrap();
        }
        cases.push(("new.db", "new.db-wal beside it is a symbolic link"));
        cases.push(("real.db", "real.db-journal beside it is a symbolic link"));
    }
    for (name, words) in cases {
        let before = listing(d);
        let ran = run(d, name, callback(&ts(4, 2), "a"));
        assert_eq!(ran.code, Some(2), "{name}");
        assert!(ran.results.is_empty(), "{name}");
        assert!(
            ran.stderr.starts_with("smile-sec: error:")
                && ran.stderr.contains(words)
                && !ran.stderr.contains("hunter2"),
            "{name}: {}",
            ran.stderr
        );
        assert_eq!(listing(d), before, "{name} or its folder changed");
    }
}

#[test]
fn an_imported_record_catches_replays() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let original = callback(&ts(5, 1), "original");
    let sig = signed(&ts(5, 1));
    // The line the former `verify --seen FILE` wrote for it.
    let pair = PairId::of(&DecodedSignature::parse(&sig).unwrap());
    let body = item_digest(original.as_bytes()).unwrap();
    let record = format!(
        "{}\n{{\"timestamp\":\"2026-1",
        json!({
            "timestamp": ts(5, 1),
            "pair": hex(&pair.0),
            "body": hex(&body.0),
            "seen_at": "2026-11-20T09:59:00.000Z"
        })
    );
    std::fs::write(d.join("seen.ndjson"), record).unwrap();
    let refused = run(d, "seen.ndjson", original.clone());
    assert_eq!(refused.code, Some(2));
    assert!(refused.stderr.contains("hint:") && refused.stderr.contains("seen import"));

    let out = seen(d, &["import", "seen.db", "seen.ndjson", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (report["imported"].as_u64(), report["skipped"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning"));

    let ran = run(d, "seen.db", callback(&ts(5, 1), "forged"));
    assert_eq!(ran.code, Some(1));
    assert_eq!(ran.results[0]["reason"], "replayed");
    let ran = run(d, "seen.db", original);
    assert_eq!(ran.code, Some(0));
    assert_eq!(ran.results[0]["reason"], "ok");
    assert_eq!(ran.summary["duplicates"], 1);
    let s = stats(d, "seen.db");
    assert_eq!(s["entries"], 1);
    assert_eq!(s["oldest_seen_at"], "2026-11-20T09:59:00.000Z");

    // A damaged line inside the record is named, and fails the import (exit 2) once the entries
    // around it are in: the callback it recorded would pass as new.
    let good = json!({
        "timestamp": ts(5, 1),
        "pair": hex(&pair.0),
        "body": hex(&body.0),
        "seen_at": "2026-11-20T09:59:00.000Z"
    });
    let mut damaged = good.clone();
    damaged["pair"] = hex(&pair.0[..15]).into();
    std::fs::write(
        d.join("damaged.ndjson"),
        format!("{good}\n{damaged}\n\n{good}\n"),
    )
    .unwrap();
    let out = seen(
        d,
        &["import", "damaged.db", "damaged.ndjson", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (report["read"].as_u64(), report["skipped"].as_u64()),
        (Some(2), Some(1))
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("smile-sec: error: damaged.ndjson: 1 line(s)")
            && stderr.contains("(line 2)"),
        "{stderr}"
    );
    assert_eq!(stats(d, "damaged.db")["entries"], 1);

    // A file with no entry of the record is refused, and leaves no store behind.
    std::fs::write(d.join("notes.txt"), "not a record\n").unwrap();
    let out = seen(d, &["import", "new.db", "notes.txt"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no entry of the former"));
    assert!(!d.join("new.db").exists());
    // A store that cannot be used is named as such, not as a failed read of the record.
    let out = seen(d, &["import", "notes.txt", "seen.ndjson"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("smile-sec: error: notes.txt:") && stderr.contains("hint:"),
        "{stderr}"
    );
}

/// A record an editor on Windows saved starts with a byte-order mark: its first entry is read as
/// any other, from a file or a pipe, and `--seen` on it still hints at the import.
#[test]
fn a_former_record_with_a_byte_order_mark_is_imported_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let entry = |n: u32| {
        json!({
            "timestamp": ts(5, n),
            "pair": format!("{n:02x}").repeat(16),
            "body": "00".repeat(32),
            "seen_at": "2026-11-20T09:59:00.000Z"
        })
    };
    let record = format!("\u{feff}{}\n{}\n", entry(1), entry(2));
    std::fs::write(d.join("seen.ndjson"), &record).unwrap();

    let out = seen(d, &["import", "seen.db", "seen.ndjson", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (report["imported"].as_u64(), report["skipped"].as_u64()),
        (Some(2), Some(0)),
        "{report}"
    );
    assert!(out.stderr.is_empty(), "{out:?}");

    let out = smile_sec()
        .current_dir(d)
        .args(["seen", "import", "piped.db", "-", "--format", "json"])
        .write_stdin(record)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["imported"].as_u64(), Some(2), "{report}");

    // Named as no store is, so that only its first line can tell what it is.
    std::fs::copy(d.join("seen.ndjson"), d.join("seen.txt")).unwrap();
    let refused = run(d, "seen.txt", callback(&ts(5, 1), "a"));
    assert_eq!(refused.code, Some(2));
    assert!(
        refused.stderr.contains("the NDJSON record an earlier")
            && refused.stderr.contains("seen import"),
        "{}",
        refused.stderr
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Entries imported without an expiry get one from the first run with a window, dated by that
/// run's now (or the clock, whichever is earlier) as on SQLite: a run told a now long before the
/// clock still catches a replay of an imported callback on both engines.
#[test]
fn imported_entries_are_dated_by_the_runs_now_on_both_engines() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let original = callback(&ts(6, 1), "original");
    let pair = PairId::of(&DecodedSignature::parse(&signed(&ts(6, 1))).unwrap());
    let body = item_digest(original.as_bytes()).unwrap();
    let record = json!({
        "timestamp": ts(6, 1),
        "pair": hex(&pair.0),
        "body": hex(&body.0),
        "seen_at": "2026-11-20T09:59:00.000Z"
    });
    std::fs::write(d.join("seen.ndjson"), format!("{record}\n")).unwrap();
    for (store, _redis) in sqlite_and_redis(d) {
        let out = seen(d, &["import", &store, "seen.ndjson"]);
        assert_eq!(out.status.code(), Some(0), "{store}: {out:?}");
        let ran = run(d, &store, callback(&ts(6, 1), "forged"));
        assert_eq!(ran.results[0]["reason"], "replayed", "{store}");
        let ran = run(d, &store, original.clone());
        assert_eq!(
            (&ran.results[0]["reason"], &ran.summary["duplicates"]),
            (&json!("ok"), &json!(1)),
            "{store}"
        );
    }
}

/// An entry copied at the very moment it expires is kept (a replay then is exactly `--max-age`
/// old, not stale), and a Redis copy made with a `--now` behind the clock lasts as long again,
/// by the server's clock, as a claim made with that `--now` would.
#[test]
fn a_copy_keeps_an_entry_through_its_expiry_on_both_engines() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Signed 5 minutes ahead of the run's now (the most --max-future allows), so that it is
    // exactly --max-age old when its entry expires: NOW + 1h + 5m.
    let at = "2026-11-20T10:05:00.000Z";
    let expiry = "2026-11-20T11:05:00Z";
    let ran = run(d, "source.db", callback(at, "original"));
    assert_eq!(ran.results[0]["reason"], "ok", "{}", ran.stderr);
    for (store, redis) in sqlite_and_redis(d) {
        let out = seen(d, &["import", &store, "source.db", "--now", expiry]);
        assert_eq!(out.status.code(), Some(0), "{store}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with("copied 1 of 1 entries"),
            "{store}: {out:?}"
        );
        let mut child = verify_at(&store, expiry).current_dir(d).spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(callback(at, "forged").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("\"reason\":\"replayed\""), "{store}: {text}");
        if let Some(redis) = redis {
            assert_entries_last_the_distance_from_the_clock(&redis.url(), expiry);
        }
    }
}

/// Every entry in the Redis store at `url` lasts, by the server's clock, at least as long as the
/// time `now` (a run's `--now`) lies from the clock: the allowance later runs told that time need.
fn assert_entries_last_the_distance_from_the_clock(url: &str, now: &str) {
    let (mut conn, keys) = entry_keys(url);
    assert!(!keys.is_empty());
    let now = chrono::DateTime::parse_from_rfc3339(now).unwrap().to_utc();
    let apart = (chrono::Utc::now() - now).num_milliseconds().abs();
    for key in keys {
        let pttl: i64 = redis::cmd("PTTL").arg(&key).query(&mut conn).unwrap();
        assert!(
            pttl >= apart - 60_000,
            "{key}: {pttl} ms left, the run's now lies {apart} ms from the clock"
        );
    }
}

/// An entry imported before the store had a window gets its expiry when a run sets one: by
/// that run's now, with the allowance a claim of that run gets for its distance from the clock.
#[test]
fn a_redis_entry_imported_without_a_window_is_dated_as_that_runs_claims_are() {
    let Some(redis) = Redis::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let url = redis.url();
    write_record(&d.join("old.ndjson"), &ts(8, 1), "2026-11-20T09:59:00.000Z");
    let out = seen(d, &["import", &url, "old.ndjson", "--now", NOW]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let ran = run(d, &url, callback(&ts(8, 2), "a"));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_entries_last_the_distance_from_the_clock(&url, NOW);
}

/// An entry whose expiry was set far out by something else, in a store whose window then grows
/// by decades: the entry keeps its later expiry (re-dating never shortens one), is not deleted
/// by a sum that wrapped, and the run does not stop.
#[test]
fn a_redis_entry_dated_beyond_any_window_is_kept_when_the_window_grows() {
    let Some(redis) = Redis::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = redis.url();
    let ran = run(dir.path(), &url, callback(&ts(7, 1), "a"));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let (mut conn, keys) = entry_keys(&url);
    let far: i64 = 9_223_370_000_000_000_000;
    let _: () = redis::cmd("PEXPIRE")
        .arg(&keys[0])
        .arg(far)
        .query(&mut conn)
        .unwrap();
    let out = verify_within(&url, NOW, "36000d")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("internal error"), "{stderr}");
    let pttl: i64 = redis::cmd("PTTL").arg(&keys[0]).query(&mut conn).unwrap();
    assert!(
        pttl > far - 600_000,
        "{pttl}: kept as far out, not shortened, deleted (-2) nor left to wrap"
    );
}

/// A store copied into another (how a receiver moves from SQLite to Redis, and back): the copy
/// takes the source's salt and window, so a replay of a copied callback is caught, its resend is
/// told apart, and entries stay as long as the source keeps them; entries expired by the
/// import's now are left out.
#[test]
fn a_store_copied_into_a_new_one_still_catches_replays() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let redis = Redis::start();
    let sqlite = |name: &str| d.join(name).to_str().unwrap().to_owned();
    // From, into, and the series of the callback the source holds (recorded first, or copied
    // into it by the copy before).
    let mut copies = vec![(sqlite("a.db"), sqlite("b.db"), 20)];
    if let Some(redis) = &redis {
        let db1 = format!("redis://127.0.0.1:{}/1", redis.port);
        copies.push((sqlite("c.db"), db1.clone(), 21));
        copies.push((db1, sqlite("d.db"), 21));
    }
    for (from, into, series) in &copies {
        let original = callback(&ts(*series, 1), "original");
        if !from.starts_with("redis://") {
            assert_eq!(run(d, from, original.clone()).code, Some(0), "{from}");
        }
        let out = seen(d, &["import", into, from, "--now", NOW, "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{from} -> {into}: {out:?}");
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["imported"], 1, "{from} -> {into}");

        let ran = run(d, into, callback(&ts(*series, 1), "forged"));
        assert_eq!(ran.results[0]["reason"], "replayed", "{from} -> {into}");
        let ran = run(d, into, original);
        assert_eq!(
            (&ran.results[0]["reason"], &ran.summary["duplicates"]),
            (&json!("ok"), &json!(1)),
            "{from} -> {into}"
        );
        assert_eq!(stats(d, into)["keeps"], stats(d, from)["keeps"]);
    }

    // By the import's now, the source's entries have expired (seen at 10:00, kept 1 h 5 min).
    let out = seen(
        d,
        &[
            "import",
            &sqlite("late.db"),
            &sqlite("a.db"),
            "--now",
            "2026-11-20T11:05:00.001Z",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("copied 0 of 1 entries"),
        "{out:?}"
    );
}

/// A store that keys its digests with a salt of its own cannot take a copy: refused, and left as
/// it was (its entries and its window). What `seen export` prints cannot be imported (it leaves
/// the salt out) nor used as a store; both say what to do instead.
#[test]
fn a_copy_into_a_store_of_its_own_and_an_export_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(run(d, "a.db", callback(&ts(30, 1), "a")).code, Some(0));
    let mut own = verify_within("own.db", NOW, "10m")
        .current_dir(d)
        .spawn()
        .unwrap();
    own.stdin
        .take()
        .unwrap()
        .write_all(callback(&ts(55, 2), "b").as_bytes())
        .unwrap();
    assert_eq!(own.wait_with_output().unwrap().status.code(), Some(0));
    let before = (stats(d, "own.db"), std::fs::read(d.join("own.db")).unwrap());

    let out = seen(d, &["import", "own.db", "a.db", "--now", NOW]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("smile-sec: error: own.db: it keys body digests with a salt of its own")
            && stderr.contains("hint: copy into a new store"),
        "{stderr}"
    );
    assert_eq!(
        (stats(d, "own.db"), std::fs::read(d.join("own.db")).unwrap()),
        before
    );

    let out = seen(d, &["export", "a.db"]);
    std::fs::write(d.join("export.ndjson"), &out.stdout).unwrap();
    let out = seen(d, &["import", "new.db", "export.ndjson"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("what `seen export` prints")
            && stderr.contains("hint: copy the store itself"),
        "{stderr}"
    );
    assert!(!d.join("new.db").exists());
    // Also when a pipe gives its first line in short reads.
    let mut child = smile_sec_process()
        .current_dir(d)
        .args(["seen", "import", "new.db", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for piece in std::fs::read(d.join("export.ndjson")).unwrap().chunks(40) {
        stdin.write_all(piece).unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("what `seen export` prints"),
        "{out:?}"
    );
    assert!(!d.join("new.db").exists());
    let ran = run(d, "export.ndjson", callback(&ts(30, 1), "a"));
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains("what `seen export` prints")
            && ran
                .stderr
                .contains("hint: use the store it was exported from"),
        "{}",
        ran.stderr
    );
}

/// A store that answers late (a lock held by another process, a stalled server) lets no replay
/// through. The first sighting's entry lasts until the callback turns stale; a replay judged
/// fresh whose claim is answered after that moment may find the entry gone (expired, swept by
/// another run) and be taken for new, so it fails as `stale`, not `ok`.
#[test]
fn a_claim_answered_after_the_callback_turned_stale_is_not_ok() {
    use std::io::BufRead;

    let dir = tempfile::tempdir().unwrap();
    let stamp_now = || {
        chrono::Utc::now()
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
    };
    let live = || {
        let mut cmd = smile_sec_process();
        cmd.current_dir(dir.path())
            .args(["verify", "-", "--partner-id", "085", "--seen", "seen.db"])
            .args(["--max-age", "6s", "--max-future", "0s"])
            .env("SMILE_API_KEY", KEY)
            .env_remove("SMILE_SEC_NOW")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        cmd
    };
    let first_at = chrono::Utc::now();
    let stamp = first_at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let out = live()
        .stdin(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            writeln!(child.stdin.take().unwrap(), "{}", callback(&stamp, "first"))?;
            child.wait_with_output()
        })
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    // The replaying run is ready (its store open) once it has answered an unrelated callback.
    let mut child = live().spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    writeln!(stdin, "{}", callback(&stamp_now(), "unrelated")).unwrap();
    let ready = stdout.next().unwrap().unwrap();
    assert!(ready.starts_with("ok"), "{ready}");

    // Another process takes the store's lock; the replay is judged fresh and waits on it.
    let other = rusqlite::Connection::open(dir.path().join("seen.db")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    writeln!(stdin, "{}", callback(&stamp, "replay")).unwrap();
    stdin.flush().unwrap();
    // Past the first entry's expiry, that process drops it, as its own sweep would.
    let expired = first_at + chrono::Duration::milliseconds(7500);
    std::thread::sleep((expired - chrono::Utc::now()).to_std().unwrap_or_default());
    let dropped = other
        .execute(
            "DELETE FROM seen WHERE expires_at < ?1 AND timestamp = ?2",
            (chrono::Utc::now().timestamp_millis(), &stamp),
        )
        .unwrap();
    assert_eq!(dropped, 1);
    other.execute_batch("COMMIT").unwrap();

    let replay = stdout.next().unwrap().unwrap();
    assert!(replay.starts_with("stale"), "{replay}");
    assert!(
        replay.contains("turned stale while the replay store recorded it"),
        "{replay}"
    );
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(1));
}
