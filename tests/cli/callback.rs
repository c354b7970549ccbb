//! `smile-sec callback new|send|probe` through the real binary, against
//! small HTTP endpoints this test starts on 127.0.0.1. Nothing goes beyond loopback.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread;

use crate::common::{Handler, closed_port, serve, serve_with_headers};
use assert_cmd::Command;
use chrono::Utc;
use predicates::prelude::*;
use serde_json::Value;
use smile_sec::signing::secret::ApiKey;
use smile_sec::signing::signature::sign;
use smile_sec::time::parse_callback_timestamp;

const KEY: &str = "0c1b2a39-4d5e-6f70-8192-a3b4c5d6e7f8";
const PARTNER: &str = "085";

/// The binary (with the shared clean environment) holding the test's API key.
fn keyed() -> Command {
    let mut cmd = crate::common::smile_sec();
    cmd.env("SMILE_API_KEY", KEY);
    cmd
}

fn accept_all() -> Handler {
    Box::new(|_| (200, r#"{"ok":true}"#.into()))
}

fn refuse_all() -> Handler {
    Box::new(|_| (401, r#"{"error":"unauthorized"}"#.into()))
}

fn field<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name).and_then(Value::as_str)
}

/// Checks the signature as the SDKs do (recompute and compare), and nothing else.
/// `leak` makes it tell the caller the signature it expected, as careless endpoints do.
fn check_signature(
    body: &[u8],
    leak: bool,
    leaked: &Mutex<Vec<String>>,
) -> Result<(), (u16, String)> {
    let body: Value = serde_json::from_slice(body).map_err(|_| (400, "bad json".into()))?;
    let ts = field(&body, "timestamp").ok_or((401, "no timestamp".to_owned()))?;
    let expected = sign(&ApiKey::new(KEY).unwrap(), ts, PARTNER);
    match field(&body, "signature") {
        Some(sig) if sig == expected => Ok(()),
        _ if leak => {
            leaked.lock().unwrap().push(expected.clone());
            Err((
                401,
                format!(r#"{{"error":"signature mismatch","expected":"{expected}"}}"#),
            ))
        }
        _ => Err((401, r#"{"error":"bad signature"}"#.into())),
    }
}

fn signature_only() -> Handler {
    let none = Mutex::new(Vec::new());
    Box::new(move |body| match check_signature(body, false, &none) {
        Ok(()) => (200, "{}".into()),
        Err(refusal) => refusal,
    })
}

/// Signature, a five-minute freshness window each way, and a replay record of accepted
/// (timestamp, signature) pairs with the body they came with. `leak` as in [`check_signature`].
fn careful(leak: bool, leaked: Arc<Mutex<Vec<String>>>) -> Handler {
    let mut seen: HashMap<(String, String), Vec<u8>> = HashMap::new();
    Box::new(move |raw| {
        if let Err(refusal) = check_signature(raw, leak, &leaked) {
            return refusal;
        }
        let body: Value = serde_json::from_slice(raw).unwrap();
        let ts = field(&body, "timestamp").unwrap().to_owned();
        let sig = field(&body, "signature").unwrap().to_owned();
        let Ok((when, _)) = parse_callback_timestamp(&ts) else {
            return (400, r#"{"error":"bad timestamp"}"#.into());
        };
        let skew = (Utc::now() - when).num_seconds().abs();
        if skew > 300 {
            return (401, r#"{"error":"stale or future"}"#.into());
        }
        match seen.get(&(ts.clone(), sig.clone())) {
            Some(previous) if previous.as_slice() != raw => (409, r#"{"error":"replay"}"#.into()),
            Some(_) => (200, "{}".into()),
            None => {
                seen.insert((ts, sig), raw.to_vec());
                (200, "{}".into())
            }
        }
    })
}

/// Runs the probe with `--format json` and returns (exit code, results by case, summary, stdout+stderr).
fn probe_json(url: &str, extra: &[&str]) -> (i32, HashMap<String, Value>, Value, String) {
    let output = keyed()
        .args([
            "callback",
            "probe",
            url,
            "--partner-id",
            PARTNER,
            "--format",
            "json",
        ])
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let mut results = HashMap::new();
    let mut summary = Value::Null;
    let mut order = Vec::new();
    for line in stdout.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        match v["type"].as_str().unwrap() {
            "result" => {
                let case = v["case"].as_str().unwrap().to_owned();
                order.push(case.clone());
                results.insert(case, v);
            }
            "summary" => summary = v,
            other => panic!("unexpected type {other}"),
        }
    }
    if !results.is_empty() {
        assert_eq!(
            order,
            [
                "valid",
                "bad_signature",
                "wrong_key",
                "missing_signature",
                "wrong_partner",
                "stale",
                "future",
                "replayed_pair_new_body"
            ]
        );
    }
    assert!(
        !stdout.contains(KEY) && !stderr.contains(KEY),
        "the key was printed"
    );
    (
        output.status.code().unwrap(),
        results,
        summary,
        format!("{stdout}{stderr}"),
    )
}

fn verdicts(results: &HashMap<String, Value>) -> HashMap<&str, &str> {
    results
        .iter()
        .map(|(k, v)| (k.as_str(), v["verdict"].as_str().unwrap()))
        .collect()
}

#[test]
fn probe_accept_everything_endpoint_fails() {
    let url = serve(accept_all());
    let (code, results, summary, _) = probe_json(&url, &[]);
    assert_eq!(code, 1);
    let v = verdicts(&results);
    assert_eq!(v["valid"], "pass");
    for case in [
        "bad_signature",
        "wrong_key",
        "missing_signature",
        "wrong_partner",
    ] {
        assert_eq!(v[case], "fail", "{case}");
        assert_eq!(results[case]["expect"], "refuse");
        assert_eq!(results[case]["requirement"], "must");
        assert_eq!(results[case]["status"], 200);
    }
    for case in ["stale", "future", "replayed_pair_new_body"] {
        assert_eq!(v[case], "fail", "{case}");
        assert_eq!(results[case]["requirement"], "should");
    }
    assert_eq!(results["valid"]["expect"], "accept");
    assert_eq!(summary["cases"], 8);
    assert_eq!(summary["fail"], 7);
    assert_eq!(summary["warn"], 0);
    assert_eq!(summary["pass"], 1);
}

/// An endpoint that checks signatures only takes stale and replayed callbacks: a failure by
/// default (that is forgery), a warning with --lenient.
#[test]
fn probe_signature_only_endpoint_fails_and_passes_with_warnings_when_lenient() {
    let url = serve(signature_only());
    let (code, results, summary, _) = probe_json(&url, &["--lenient"]);
    assert_eq!(code, 0);
    assert_eq!(summary["strict"], false);
    let v = verdicts(&results);
    for case in [
        "valid",
        "bad_signature",
        "wrong_key",
        "missing_signature",
        "wrong_partner",
    ] {
        assert_eq!(v[case], "pass", "{case}");
    }
    for case in ["stale", "future", "replayed_pair_new_body"] {
        assert_eq!(v[case], "warn", "{case}");
    }

    for args in [&[][..], &["--strict"][..]] {
        let url = serve(signature_only());
        let (code, results, summary, _) = probe_json(&url, args);
        assert_eq!(code, 1, "{args:?}");
        for case in ["stale", "future", "replayed_pair_new_body"] {
            assert_eq!(verdicts(&results)[case], "fail", "{case}");
        }
        assert_eq!(summary["strict"], true);
    }
    // Both at once is a usage error.
    let out = crate::common::smile_sec()
        .args([
            "callback",
            "probe",
            "http://127.0.0.1:9/",
            "--lenient",
            "--strict",
        ])
        .output()
        .unwrap();
    crate::common::assert_refused(&out, &["--lenient", "--strict"]);
}

#[test]
fn probe_careful_endpoint_passes_strict() {
    let url = serve(careful(false, Arc::default()));
    let (code, results, summary, all) = probe_json(&url, &["--strict"]);
    assert_eq!(code, 0, "{all}");
    assert!(verdicts(&results).values().all(|v| *v == "pass"), "{all}");
    assert_eq!(results["replayed_pair_new_body"]["status"], 409);
    assert_eq!(
        results["replayed_pair_new_body"]["timestamp"],
        results["valid"]["timestamp"]
    );
    assert_eq!(summary["pass"], 8);
}

#[test]
fn probe_refuse_everything_endpoint_fails_on_the_valid_case() {
    let url = serve(refuse_all());
    let (code, results, _, _) = probe_json(&url, &[]);
    assert_eq!(code, 1);
    let v = verdicts(&results);
    assert_eq!(v["valid"], "fail");
    assert_eq!(results["valid"]["status"], 401);
    assert!(
        v.iter()
            .filter(|(k, _)| **k != "valid")
            .all(|(_, v)| *v == "pass")
    );
}

/// `probe ... | head -1` under `set -o pipefail`: the first row printed is the failed `valid` case
/// (after the header in text), so the run exits 1 even though the rest met a closed pipe; the
/// closed pipe itself is never an error.
#[test]
fn probe_into_a_closed_pipe_exits_with_the_verdict_of_what_it_printed() {
    // Each answer waits, so `head` has left before the second row is written: that write meets
    // the closed pipe on every run.
    let url = serve(Box::new(|_| {
        thread::sleep(std::time::Duration::from_millis(150));
        (401, r#"{"error":"unauthorized"}"#.into())
    }));
    for format in ["text", "json"] {
        let script = format!(
            "set -o pipefail; '{}' callback probe '{url}' --partner-id {PARTNER} --format {format} | head -1 >/dev/null",
            crate::common::binary().display()
        );
        let mut cmd = std::process::Command::new("bash");
        crate::common::scrub(&mut cmd)
            .arg("-c")
            .arg(script)
            .env("SMILE_API_KEY", KEY);
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: {stderr}");
        assert!(!stderr.contains("error"), "{format}: {stderr}");
    }
}

#[test]
fn probe_flags_an_endpoint_that_leaks_the_expected_signature_without_printing_it() {
    let leaked = Arc::new(Mutex::new(Vec::new()));
    let url = serve(careful(true, leaked.clone()));
    let (code, results, _, all) = probe_json(&url, &[]);
    assert_eq!(code, 1);
    for case in [
        "bad_signature",
        "wrong_key",
        "missing_signature",
        "wrong_partner",
    ] {
        assert_eq!(results[case]["verdict"], "fail", "{case}");
        assert_eq!(results[case]["leak"], "expected_signature", "{case}");
        assert_eq!(results[case]["status"], 401);
    }
    assert_eq!(results["valid"]["verdict"], "pass");
    let leaked = leaked.lock().unwrap();
    assert!(!leaked.is_empty());
    for sig in leaked.iter() {
        assert!(!all.contains(sig.as_str()), "printed a leaked signature");
    }

    // The text table names the problem, and prints no signature either.
    let url = serve(careful(true, Arc::default()));
    let output = keyed()
        .args(["callback", "probe", &url, "--partner-id", PARTNER])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("echoes an expected signature"), "{text}");
    assert!(!text.contains('='), "no base64 in the table: {text}");
}

#[test]
fn probe_flags_an_endpoint_that_echoes_the_api_key() {
    let url = serve(Box::new(|body| {
        let v: Value = serde_json::from_slice(body).unwrap();
        let ts = field(&v, "timestamp").unwrap();
        if field(&v, "signature") == Some(sign(&ApiKey::new(KEY).unwrap(), ts, PARTNER).as_str()) {
            (200, "{}".into())
        } else {
            (
                403,
                format!(r#"{{"error":"bad signature","debug":{{"key":"{KEY}"}}}}"#),
            )
        }
    }));
    let (code, results, _, _) = probe_json(&url, &[]);
    assert_eq!(code, 1);
    assert_eq!(results["wrong_key"]["verdict"], "fail");
    assert_eq!(results["wrong_key"]["leak"], "api_key");
    assert_eq!(
        results["wrong_key"]["note"],
        "response body echoes the API key"
    );
}

/// A debug header echoing the key is as much a leak as a body that does.
#[test]
fn probe_flags_an_endpoint_that_echoes_the_api_key_in_a_header() {
    let url = serve_with_headers(Box::new(|body| {
        let v: Value = serde_json::from_slice(body).unwrap();
        let ts = field(&v, "timestamp").unwrap();
        if field(&v, "signature") == Some(sign(&ApiKey::new(KEY).unwrap(), ts, PARTNER).as_str()) {
            (200, String::new(), "{}".into())
        } else {
            (403, format!("X-Debug-Key: {KEY}\r\n"), "{}".into())
        }
    }));
    let (code, results, _, all) = probe_json(&url, &[]);
    assert_eq!(code, 1);
    assert_eq!(results["wrong_key"]["verdict"], "fail");
    assert_eq!(results["wrong_key"]["leak"], "api_key");
    // Said where it was: the body was empty.
    assert_eq!(
        results["wrong_key"]["note"],
        "a response header echoes the API key"
    );
    assert!(!all.contains(KEY));
}

/// `send` shows the Content-Type of the answer (in JSON): a key echoed there is hidden as one
/// echoed in the body is, with a warning; a key in another header is warned of.
#[test]
fn send_never_prints_a_key_a_response_header_echoes() {
    let url = serve_with_headers(Box::new(|_| {
        (
            200,
            format!("Content-Type: text/plain; debug={KEY}\r\n"),
            "{}".into(),
        )
    }));
    let out = keyed()
        .args(["callback", "send", &url, "--partner-id", PARTNER])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    crate::common::assert_no_leak(&out, &[KEY]);
    let result: Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(result["content_type"], "(hidden: it contains the API key)");
    assert_eq!(result["body_excerpt"], "{}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: the response's Content-Type header echoes the API key"),
        "{stderr}"
    );

    let url = serve_with_headers(Box::new(|_| {
        (200, format!("X-Debug: {KEY}\r\n"), "{}".into())
    }));
    let out = keyed()
        .args(["callback", "send", &url, "--partner-id", PARTNER])
        .args(["--format", "json"])
        .output()
        .unwrap();
    crate::common::assert_no_leak(&out, &[KEY]);
    assert!(String::from_utf8_lossy(&out.stdout).contains(r#""content_type":"application/json""#));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: a response header echoes the API key"),
        "{stderr}"
    );
}

#[test]
fn probe_text_table() {
    let url = serve(signature_only());
    keyed()
        .args(["callback", "probe", &url, "--partner-id", PARTNER])
        .assert()
        .code(1)
        .stdout(predicate::str::is_match(r"(?m)^stale +should refuse +200 .* fail ").unwrap())
        .stdout(predicate::str::contains(
            "8 cases: 5 pass, 0 warn, 3 fail, 0 errors\n",
        ));
    let url = serve(signature_only());
    keyed()
        .args([
            "callback",
            "probe",
            &url,
            "--partner-id",
            PARTNER,
            "--lenient",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("CASE"))
        .stdout(
            predicate::str::is_match(r"(?m)^valid +must accept +200 .* pass +accepted$").unwrap(),
        )
        .stdout(predicate::str::is_match(r"(?m)^stale +should refuse +200 .* warn ").unwrap())
        .stdout(predicate::str::contains(
            "8 cases: 5 pass, 3 warn, 0 fail, 0 errors (lenient)",
        ));
}

/// A skew that dates the stale or future case outside the calendar is refused before anything
/// is sent: those cases would otherwise go out dated now, and be judged as what they are not.
#[test]
fn probe_skews_past_the_calendar_are_refused() {
    let url = serve(accept_all());
    for flag in ["--stale-by", "--future-by"] {
        let out = keyed()
            .args(["callback", "probe", &url, "--partner-id", PARTNER])
            .args([flag, "106751991167d"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(out.stdout.is_empty(), "{flag}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("within the calendar"), "{flag}: {stderr}");
    }
}

#[test]
fn probe_unreachable_endpoint_exits_2() {
    let closed = closed_port();
    keyed()
        .args([
            "callback",
            "probe",
            &format!("http://{}/callback", closed.addr),
            "--partner-id",
            PARTNER,
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("smile-sec: error:"));
}

#[test]
fn probe_needs_a_key() {
    crate::common::smile_sec()
        .current_dir(tempfile::tempdir().unwrap().path())
        .args([
            "callback",
            "probe",
            "http://127.0.0.1:1/",
            "--partner-id",
            PARTNER,
        ])
        .assert()
        .code(2)
        .stderr(crate::common::error_report(&["no API key"]));
}

#[test]
fn new_prints_a_callback_that_verify_accepts() {
    let output = keyed()
        .args([
            "callback",
            "new",
            "--partner-id",
            PARTNER,
            "--job-type",
            "1",
        ])
        .args([
            "--result-code",
            "1013",
            "--job-id",
            "job-9",
            "--user-id",
            "user-9",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(!text.contains(KEY));
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["ResultCode"], "1013");
    assert_eq!(body["ResultText"], "ID Number Not Found");
    assert_eq!(body["PartnerParams"]["job_type"], 1);
    assert_eq!(body["PartnerParams"]["job_id"], "job-9");
    assert_eq!(body["PartnerParams"]["user_id"], "user-9");
    assert_eq!(body["signature"].as_str().unwrap().len(), 44);

    keyed()
        .args(["verify", "--partner-id", PARTNER, "--format", "json"])
        .write_stdin(text.clone())
        .assert()
        .code(0)
        .stdout(predicate::str::contains(r#""valid":true"#));
    // Another partner ID does not verify it: the signature is really bound to the partner.
    keyed()
        .args(["verify", "--partner-id", "85"])
        .write_stdin(text)
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("bad_signature "))
        .stdout(predicate::str::ends_with(
            "1 checked: 0 valid, 1 invalid, 0 errors\n",
        ));
}

#[test]
fn new_with_a_fixed_timestamp_is_reproducible() {
    let run = || {
        keyed()
            .args([
                "callback",
                "new",
                "--partner-id",
                PARTNER,
                "--format",
                "json",
            ])
            .args(["--timestamp", "2026-11-20T10:00:00.123Z"])
            .output()
            .unwrap()
            .stdout
    };
    let first = run();
    assert_eq!(first, run());
    let body: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(body["timestamp"], "2026-11-20T10:00:00.123Z");
    assert_eq!(
        body["signature"],
        sign(
            &ApiKey::new(KEY).unwrap(),
            "2026-11-20T10:00:00.123Z",
            PARTNER
        )
        .as_str()
    );
    assert_eq!(String::from_utf8(first).unwrap().lines().count(), 1);
}

#[test]
fn send_reports_2xx_with_exit_0() {
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    let url = serve(Box::new(move |body| {
        sink.lock().unwrap().push(body.to_vec());
        (200, "{\"received\": true}\n".into())
    }));
    keyed()
        .args(["callback", "send", &url, "--partner-id", PARTNER])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("status  200 OK"))
        .stdout(predicate::str::is_match(r"(?m)^time    \d+(ms|\.\ds)$").unwrap())
        .stdout(predicate::str::contains(r#"{"received": true}"#));
    // Without FILE, a fresh signed callback went out.
    let sent: Value = serde_json::from_slice(&received.lock().unwrap()[0]).unwrap();
    let ts = sent["timestamp"].as_str().unwrap();
    assert_eq!(
        sent["signature"],
        sign(&ApiKey::new(KEY).unwrap(), ts, PARTNER).as_str()
    );
}

#[test]
fn send_posts_a_file_from_stdin_verbatim() {
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    let url = serve(Box::new(move |body| {
        sink.lock().unwrap().push(body.to_vec());
        (202, String::new())
    }));
    let body = "{\"ResultCode\": \"1012\",\n \"timestamp\":\"x\"}\n";
    let output = crate::common::smile_sec()
        .args(["callback", "send", &url, "-", "--format", "json"])
        .write_stdin(body)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(received.lock().unwrap()[0], body.as_bytes());
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let [v, summary] = &lines[..] else {
        panic!("a result and a summary: {lines:?}")
    };
    assert_eq!(v["type"], "result");
    assert_eq!(v["status"], 202);
    assert_eq!(v["accepted"], true);
    assert!(v["elapsed_ms"].is_u64());
    assert_eq!(
        *summary,
        serde_json::json!({"type": "summary", "sent": 1, "accepted": 1})
    );
}

#[test]
fn send_takes_a_file_saved_with_a_byte_order_mark_and_sends_it_without() {
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    let url = serve(Box::new(move |body| {
        sink.lock().unwrap().push(body.to_vec());
        (200, String::new())
    }));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("callback.json");
    let body = "{\"ResultCode\": \"1012\"}\n";
    std::fs::write(&path, format!("\u{feff}{body}")).unwrap();
    let output = crate::common::smile_sec()
        .args(["callback", "send", &url])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(received.lock().unwrap()[0], body.as_bytes());
}

#[test]
fn send_reports_4xx_with_exit_1() {
    let url = serve(Box::new(|_| (404, "not here".into())));
    keyed()
        .args(["callback", "send", &url, "--partner-id", PARTNER])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("status  404 Not Found"))
        .stdout(predicate::str::contains("not here"));
}

#[test]
fn send_to_an_unreachable_port_exits_2() {
    let closed = closed_port();
    keyed()
        .args([
            "callback",
            "send",
            &format!("http://{}/callback", closed.addr),
            "--partner-id",
            PARTNER,
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("smile-sec: error:"))
        .stderr(crate::common::error_report(&["cannot reach"]));
}

#[test]
fn send_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cb.json");
    let path = file.to_str().unwrap();
    // `callback send` to a port nothing answers on: each of these is refused before sending.
    let send = |args: &[&str]| {
        keyed()
            .args(["callback", "send", "http://127.0.0.1:1/"])
            .args(args)
            .assert()
            .code(2)
    };
    std::fs::write(&file, "not json").unwrap();
    send(&[path]).stderr(crate::common::error_report(&["is not JSON"]));
    // JSON is UTF-8, also inside a string that nothing reads.
    for body in [
        &b"{\"a\":\"\xff\"}"[..],
        b"{\"\xc3\":1}",
        b"{\"a\":\"\xed\xa0\x80\"}",
    ] {
        std::fs::write(&file, body).unwrap();
        send(&[path]).stderr(crate::common::error_report(&["is not JSON", "UTF-8"]));
        keyed()
            .args(["callback", "send", "http://127.0.0.1:1/", "-"])
            .write_stdin(body)
            .assert()
            .code(2)
            .stderr(crate::common::error_report(&["is not JSON", "UTF-8"]));
    }
    // The byte is counted in the file, its byte-order mark included.
    std::fs::write(&file, b"\xef\xbb\xbf{\"a\":\"\xff\"}").unwrap();
    send(&[path]).stderr(crate::common::error_report(&["not UTF-8 at byte 9"]));
    keyed()
        .args([
            "callback",
            "send",
            "ftp://127.0.0.1/",
            "--partner-id",
            PARTNER,
        ])
        .assert()
        .code(2)
        .stderr(crate::common::error_report(&[
            "not an http:// or https:// URL",
        ]));
    let out = keyed()
        .args(["callback", "send", "http://127.0.0.1:1/", "--timeout", "0"])
        .output()
        .unwrap();
    crate::common::assert_refused(&out, &["'0'", "--timeout"]);
    std::fs::write(&file, "{}").unwrap();
    // Typed is typed, even when it is the value the option would have had anyway.
    for typed in [
        ["--result-code", "1013"],
        ["--job-type", "5"],
        ["--result-code", "1012"],
    ] {
        send(&[path, typed[0], typed[1]])
            .stderr(crate::common::error_report(&["cannot be used with FILE"]));
    }
}

#[test]
fn send_times_out_with_exit_2() {
    // A server that accepts the connection and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    keyed()
        .args([
            "callback",
            "send",
            &format!("http://{addr}/"),
            "--partner-id",
            PARTNER,
        ])
        .args(["--timeout", "1"])
        .assert()
        .code(2)
        .stderr(crate::common::error_report(&["no answer within 1.0s"]));
}

/// A password in the endpoint's URL is a secret, and so is a token in its query: not in an
/// error, not in a result.
#[test]
fn a_password_in_the_url_is_never_shown() {
    let with_password = |url: &str| url.replacen("http://", "http://probe:s3cretpw@", 1);
    let closed = closed_port();
    let out = keyed()
        .args([
            "callback",
            "send",
            &with_password(&format!("http://{}/callback", closed.addr)),
        ])
        .args(["--partner-id", PARTNER])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("http://***@127.0.0.1:"), "{stderr}");
    // In the results of both commands: the URL shown as `shown`, the secret nowhere.
    let shown_without = |url: &str, shown: &str, secret: &str| {
        for command in ["send", "probe"] {
            let out = keyed()
                .args(["callback", command, url, "--partner-id", PARTNER])
                .args(["--format", "json"])
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(stdout.contains(shown), "{stdout}");
            for text in [&stdout, &String::from_utf8_lossy(&out.stderr)] {
                assert!(!text.contains(secret), "{command}: {text}");
            }
        }
    };
    let url = with_password(&serve(accept_all()));
    shown_without(&url, "\"url\":\"http://***@127.0.0.1:", "s3cretpw");
    // A token in the query, as endpoints that authenticate the sender by URL take it.
    let url = format!("{}?token=qtoken-s3cret&env=prod", serve(accept_all()));
    shown_without(&url, "?token=***&env=prod\"", "qtoken-s3cret");
}

/// A port the HTTP client cannot read went to port 80 instead; it is refused before anything is
/// sent, naming the URL and the port.
#[test]
fn a_url_with_a_port_that_is_none_is_refused_before_sending() {
    for port in ["99999", "70000", "abc", "-1", "4294967376", "0", ""] {
        let url = format!("http://probe:s3cretpw@127.0.0.1:{port}/x");
        for command in ["send", "probe"] {
            let out = keyed()
                .args(["callback", command, &url, "--partner-id", PARTNER])
                .output()
                .unwrap();
            let line = crate::common::assert_refused(&out, &["`http://***@127.0.0.1:"]);
            assert!(
                line.contains(&format!(
                    "the port `{port}` is not a number from 1 to 65535"
                )) || (port.is_empty() && line.contains("the port after `:` is empty")),
                "{command} {port}: {line}"
            );
            assert!(!line.contains("s3cretpw"), "{line}");
        }
    }
}

/// `send FILE` signs nothing, but a key source typed on the command line that cannot be used is
/// the error `new` and `probe` give for it, before anything is sent, whether or not
/// `SMILE_API_KEY` is set: it went on without a word, with the environment's key.
#[test]
fn send_with_a_file_refuses_a_key_source_it_cannot_use() {
    let requests = Arc::new(Mutex::new(0));
    let count = requests.clone();
    let url = serve(Box::new(move |_| {
        *count.lock().unwrap() += 1;
        (200, "{}".into())
    }));
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("callback.json");
    std::fs::write(&body, "{}").unwrap();
    let empty = dir.path().join("empty.key");
    std::fs::write(&empty, "").unwrap();
    let missing = dir.path().join("missing.key");
    let missing_keys = dir.path().join("missing-keys.json");
    for (flags, says) in [
        (
            ["--api-key-file", missing.to_str().unwrap()],
            "cannot read API key file",
        ),
        (
            ["--api-key-file", empty.to_str().unwrap()],
            "the API key is empty",
        ),
        (
            ["--keys", missing_keys.to_str().unwrap()],
            "cannot read key file",
        ),
    ] {
        for env_key in [None, Some(KEY)] {
            let run = |args: &[&str]| {
                let mut cmd = crate::common::smile_sec();
                cmd.current_dir(dir.path()).args(args).args(flags);
                if let Some(key) = env_key {
                    cmd.env("SMILE_API_KEY", key);
                }
                cmd.output().unwrap()
            };
            let sent = run(&["callback", "send", &url, body.to_str().unwrap()]);
            let made = run(&["callback", "new", "--partner-id", PARTNER]);
            for out in [&sent, &made] {
                assert_eq!(out.status.code(), Some(2), "{flags:?} {env_key:?}");
                assert!(out.stdout.is_empty(), "{flags:?} {env_key:?}");
            }
            let errors = crate::common::assert_reports(&sent.stderr);
            assert_eq!(errors.len(), 1, "{flags:?} {env_key:?}: {errors:?}");
            assert!(errors[0].contains(says), "{flags:?}: {errors:?}");
            assert_eq!(
                errors,
                crate::common::assert_reports(&made.stderr),
                "send and new say the same"
            );
        }
    }
    assert_eq!(*requests.lock().unwrap(), 0, "nothing is sent");
    // Both from stdin cannot be.
    let out = crate::common::smile_sec()
        .args(["callback", "send", &url, "-", "--api-key-file", "-"])
        .write_stdin("{}")
        .output()
        .unwrap();
    crate::common::assert_refused(&out, &["FILE and --api-key-file cannot both read stdin"]);
}

/// A loopback server that answers one request with `head`, then `piece` once (`every`: `None`)
/// and closes the connection, or `piece` again and again, `every` milliseconds apart, until a
/// write fails, as it does once the client has gone; then it stops.
fn serve_once_raw(head: &'static str, piece: &'static str, every: Option<u64>) -> String {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        // The client has sent its whole request before it reads the answer.
        let _ = stream.read(&mut [0u8; 65536]);
        let _ = stream.write_all(head.as_bytes());
        while stream.write_all(piece.as_bytes()).is_ok() {
            let Some(ms) = every else { return };
            thread::sleep(std::time::Duration::from_millis(ms));
        }
    });
    format!("http://{addr}/smile/callback")
}

/// A 200 whose body never ends (one chunk every 100 ms) is cut by --timeout: exit 2, saying so
/// and naming the status; it was a complete answer, exit 0, `"body_truncated":false`.
#[test]
fn send_says_a_body_the_timeout_cut_short() {
    let url = serve_once_raw(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        "1\r\nx\r\n",
        Some(100),
    );
    let started = std::time::Instant::now();
    let out = keyed()
        .args(["callback", "send", &url, "--partner-id", PARTNER])
        .args(["--timeout", "1", "--format", "json"])
        .output()
        .unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let line = crate::common::assert_refused(&out, &["POST http://127.0.0.1:"]);
    assert!(
        line.contains("the answer did not end within 1.0s (status 200 came, then "),
        "{line}"
    );
    assert!(line.contains("bytes of a body cut short)"), "{line}");
}

/// A body the server ends before the length it announced is the answer, marked cut, with a
/// warning; it was shown as complete.
#[test]
fn send_says_a_body_that_broke_off() {
    let url = serve_once_raw(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n",
        "{\"ok\":",
        None,
    );
    let out = keyed()
        .args(["callback", "send", &url, "--partner-id", PARTNER])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(r#""body_bytes":6,"body_truncated":true,"#),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "warning: the answer's body broke off after 6 bytes: the server closed the connection before the end of its answer"
        ),
        "{stderr}"
    );
    let url = serve_once_raw(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n",
        "{\"ok\":",
        None,
    );
    keyed()
        .args(["callback", "send", &url, "--partner-id", PARTNER])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("body    6 bytes (cut): {\"ok\":"));
}

/// How [`serve_cut`] answers one case of the probe.
#[derive(Clone, Copy)]
enum Answer {
    /// This status and this body, whole.
    Whole(u16, &'static str),
    /// This status, then a chunked body one byte every 100 ms, until the client has gone.
    Trickle(u16),
    /// This status, a `Content-Length` of 100, then these bytes of the body, and the connection
    /// closed.
    BreakOff(u16, &'static str),
    /// No answer: the connection closed once the request is read.
    HangUp,
}

/// A loopback endpoint for the probe that answers each case (read from the `job_id` the probe
/// gives it) as `answer` says, for `requests` requests; then it stops.
fn serve_cut(requests: usize, answer: fn(&str) -> Answer) -> String {
    use std::io::Write;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let Ok(mut stream) = stream else { continue };
            let Some(body) = crate::common::read_request(&mut stream) else {
                continue;
            };
            let body: Value = serde_json::from_slice(&body).unwrap();
            let job_id = body["PartnerParams"]["job_id"].as_str().unwrap_or_default();
            let case = job_id.strip_prefix("smile-sec-probe-").unwrap_or(job_id);
            let head = |status: u16, framing: &str| {
                format!(
                    "HTTP/1.1 {status} Whatever\r\nContent-Type: application/json\r\n{framing}\r\n"
                )
            };
            let _ = match answer(case) {
                Answer::Whole(status, text) => stream.write_all(
                    format!(
                        "{}{text}",
                        head(
                            status,
                            &format!("Content-Length: {}\r\nConnection: close\r\n", text.len())
                        )
                    )
                    .as_bytes(),
                ),
                Answer::Trickle(status) => {
                    let _ =
                        stream.write_all(head(status, "Transfer-Encoding: chunked\r\n").as_bytes());
                    while stream.write_all(b"1\r\nx\r\n").is_ok() {
                        thread::sleep(std::time::Duration::from_millis(100));
                    }
                    Ok(())
                }
                Answer::BreakOff(status, part) => stream.write_all(
                    format!("{}{part}", head(status, "Content-Length: 100\r\n")).as_bytes(),
                ),
                Answer::HangUp => Ok(()),
            };
        }
    });
    format!("http://{addr}/smile/callback")
}

/// An answer whose body was cut short, by --timeout or by the server, is no answer of its
/// status: the case is an `error` (status `null`, said on stderr), as when no answer came. It was
/// judged by its status (a forged callback "accepted" by a 200 that never ended). What of it did
/// come is still searched for secrets: an echo of the key there fails the case.
#[test]
fn probe_takes_an_answer_cut_short_for_no_answer() {
    let url = serve_cut(8, |case| match case {
        "valid" => Answer::Whole(200, "{}"),
        "wrong_key" => Answer::Trickle(200),
        "missing_signature" => Answer::BreakOff(200, "{\"ok\":"),
        "wrong_partner" => Answer::BreakOff(401, "{\"key\":\"0c1b2a39-4d5e-6f70-8192-a3b4c5"),
        _ => Answer::Whole(401, "{}"),
    });
    let started = std::time::Instant::now();
    let (code, results, summary, all) = probe_json(&url, &["--timeout", "1"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(code, 2, "{all}");
    for case in ["wrong_key", "missing_signature"] {
        let row = &results[case];
        assert_eq!(row["verdict"], "error", "{case}: {all}");
        assert_eq!(row["status"], Value::Null, "{case}");
        assert_eq!(row["note"], "answer cut short", "{case}");
        assert_eq!(row["elapsed_ms"], Value::Null, "{case}");
    }
    assert!(
        all.contains(
            "smile-sec: error: wrong_key: the answer did not end within 1.0s (status 200 came, then "
        ),
        "{all}"
    );
    assert!(
        all.contains(
            "smile-sec: error: missing_signature: the answer broke off (status 200 came, then 6 bytes of a body cut short): the server closed the connection before the end of its answer"
        ),
        "{all}"
    );
    assert_eq!(results["wrong_partner"]["verdict"], "fail", "{all}");
    assert_eq!(results["wrong_partner"]["leak"], "api_key");
    assert_eq!(results["wrong_partner"]["status"], 401);
    assert_eq!(
        (&summary["pass"], &summary["fail"], &summary["errors"]),
        (&Value::from(5), &Value::from(1), &Value::from(2)),
        "{summary}"
    );
}

/// The valid case that reached the server but got no whole answer (cut by --timeout, broken
/// off, or the connection closed at once) is an `error` row, and the refusals, which matter
/// most, are still tried and reported. (A valid case that
/// got nowhere, refused or silent, still stops it: see the unreachable test.)
#[test]
fn probe_goes_on_when_the_valid_case_gets_no_whole_answer() {
    let cut_by_timeout: fn(&str) -> Answer = |case| match case {
        "valid" => Answer::Trickle(200),
        _ => Answer::Whole(401, "{}"),
    };
    let broken_off: fn(&str) -> Answer = |case| match case {
        "valid" => Answer::BreakOff(200, "{\"ok\":"),
        _ => Answer::Whole(401, "{}"),
    };
    let hung_up: fn(&str) -> Answer = |case| match case {
        "valid" => Answer::HangUp,
        _ => Answer::Whole(401, "{}"),
    };
    for (answer, said) in [
        (
            cut_by_timeout,
            "smile-sec: error: valid: the answer did not end within 1.0s (status 200 came, then ",
        ),
        (
            broken_off,
            "smile-sec: error: valid: the answer broke off (status 200 came, then 6 bytes of a body cut short)",
        ),
        (
            hung_up,
            "smile-sec: error: valid: the server closed the connection before the end of its answer",
        ),
    ] {
        let url = serve_cut(8, answer);
        let (code, results, summary, all) = probe_json(&url, &["--timeout", "1"]);
        assert_eq!(code, 2, "{all}");
        assert!(all.contains(said), "{all}");
        assert!(!all.contains(KEY), "{all}");
        assert_eq!(results.len(), 8, "{all}");
        assert_eq!(results["valid"]["verdict"], "error", "{all}");
        assert_eq!(results["valid"]["status"], Value::Null, "{all}");
        assert_eq!(
            (&summary["pass"], &summary["errors"]),
            (&Value::from(7), &Value::from(1)),
            "{summary}"
        );
    }
}

/// `send FILE --keys F --key ID` watches every key of F, not only ID's: an answer echoing
/// another entry's key is not printed either.
#[test]
fn send_with_a_chosen_key_still_hides_the_other_keys_of_its_file() {
    let other = "prodsecretkey-BBBB-4444-5555-6666-7777";
    let url = serve(Box::new(move |_| (200, format!(r#"{{"echo":"{other}"}}"#))));
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.json");
    let entry = |id: &str, env: &str, key: &str| {
        serde_json::json!({"id": id, "partner_id": PARTNER, "environment": env, "integrations": ["server"],
            "created": "2026-11-01", "api_key": key})
    };
    std::fs::write(
        &keys,
        serde_json::json!({"keys": [entry("sb", "sandbox", KEY), entry("prod", "production", other)]})
            .to_string(),
    )
    .unwrap();
    let body = dir.path().join("callback.json");
    std::fs::write(&body, "{}").unwrap();
    let out = crate::common::smile_sec()
        .args([
            "callback",
            "send",
            &url,
            body.to_str().unwrap(),
            "--key",
            "sb",
        ])
        .arg("--keys")
        .arg(&keys)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    crate::common::assert_no_leak(&out, &[other, &other[..20]]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("echoes the API key"),
        "{out:?}"
    );
}

/// A key of 4 or 5 bytes echoed in base64 with its padding (`c2hvcnQ=` for `short`) is found,
/// as the documentation says of keys under 8 bytes; only 6 and 7 bytes were.
#[test]
fn a_short_key_echoed_in_base64_is_found() {
    let echo = || -> Handler { Box::new(|_| (200, r#"{"debug":"c2hvcnQ="}"#.into())) };
    let out = crate::common::smile_sec()
        .args(["callback", "probe", &serve(echo()), "--partner-id", PARTNER])
        .args(["--format", "json"])
        .env("SMILE_API_KEY", "short")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let first: Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(first["case"], "valid");
    assert_eq!(first["leak"], "api_key");
    let out = crate::common::smile_sec()
        .args(["callback", "send", &serve(echo()), "--partner-id", PARTNER])
        .env("SMILE_API_KEY", "short")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    crate::common::assert_no_leak(&out, &["c2hvcnQ"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the response body echoes the API key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A proxy variable the HTTP client cannot use was passed over, and the request went around
/// the proxy: it is refused before anything is sent, naming the variable and never its value
/// (a password). A host `NO_PROXY` exempts goes directly, as it always did.
#[test]
fn a_proxy_variable_that_cannot_be_used_is_refused() {
    let requests = Arc::new(Mutex::new(0));
    let count = requests.clone();
    let url = serve(Box::new(move |_| {
        *count.lock().unwrap() += 1;
        (200, "{}".into())
    }));
    for (variable, value, says) in [
        (
            "HTTP_PROXY",
            "socks5://probe:s3cretpw@127.0.0.1:1",
            "socks5:// proxies cannot be used",
        ),
        (
            "https_proxy",
            "ftp://127.0.0.1:21",
            "ftp:// proxies cannot be used",
        ),
        ("ALL_PROXY", "not a url", "not a proxy URL"),
        (
            "HTTPS_PROXY",
            "http://probe:s3cretpw@127.0.0.1:99999",
            "its port is not a number from 1 to 65535",
        ),
        // A password holding a `/` or `?`, or a value without `@`: where the port should be
        // stands part of the password, which is not repeated.
        (
            "HTTP_PROXY",
            "http://probe:s3cretpw/x@127.0.0.1:13128",
            "its user name or password holds a `/`, `?` or `#`",
        ),
        (
            "HTTP_PROXY",
            "http://probe:s3cretpw?x@127.0.0.1:13128",
            "its user name or password holds a `/`, `?` or `#`",
        ),
        (
            "HTTPS_PROXY",
            "probe:s3cretpw",
            "its port is not a number from 1 to 65535",
        ),
    ] {
        for command in ["send", "probe"] {
            let out = keyed()
                .args(["callback", command, &url, "--partner-id", PARTNER])
                .env(variable, value)
                .output()
                .unwrap();
            let line = crate::common::assert_refused(&out, &[&format!("{variable}: {says}")]);
            assert!(!line.contains("s3cretpw"), "{line}");
            assert!(!line.contains(value), "{line}");
        }
    }
    // The same of an endpoint's URL whose password holds a `/`.
    let cut = url.replacen("http://", "http://probe:s3cretpw/x@", 1);
    let out = keyed()
        .args(["callback", "send", &cut, "--partner-id", PARTNER])
        .output()
        .unwrap();
    let line = crate::common::assert_refused(&out, &["its user name or password holds a `/`"]);
    assert!(!line.contains("s3cretpw"), "{line}");
    assert_eq!(*requests.lock().unwrap(), 0, "nothing is sent");
    keyed()
        .args(["callback", "send", &url, "--partner-id", PARTNER])
        .env("HTTP_PROXY", "socks5://127.0.0.1:1")
        .env("NO_PROXY", "localhost,127.0.0.1")
        .assert()
        .code(0);
    assert_eq!(*requests.lock().unwrap(), 1);
}

/// A TLS failure is said in words, by `send`, `probe` and `allowlist fetch` alike: it was the TLS
/// library's debug string, `invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))`.
#[test]
fn a_tls_failure_is_said_in_words() {
    let (Some(python), Some(openssl)) = (
        crate::common::tool("python3"),
        crate::common::tool("openssl"),
    ) else {
        return;
    };
    // A self-signed certificate for 127.0.0.1, made here so that no key is kept in the
    // repository: `req -x509` marks it a certificate authority's (CA:TRUE) unless told otherwise.
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = crate::common::scrub(&mut std::process::Command::new(openssl))
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args([
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .args(["-days", "2"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    // Takes three connections (or gives up waiting after 30 s) and ends.
    let script = r#"
import socket, ssl, sys
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
listener = socket.create_server(("127.0.0.1", 0))
listener.settimeout(30)
print(listener.getsockname()[1], flush=True)
for _ in range(3):
    try:
        connection, _ = listener.accept()
        connection.settimeout(10)
        context.wrap_socket(connection, server_side=True).close()
    except OSError:
        pass
"#;
    let mut server = crate::common::scrub(&mut std::process::Command::new(python))
        .arg("-c")
        .arg(script)
        .arg(&cert)
        .arg(&key)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.stdout.take().unwrap()),
        &mut port,
    )
    .unwrap();
    let url = format!("https://127.0.0.1:{}/smile/callback", port.trim());
    let runs = [
        keyed()
            .args(["callback", "send", &url, "--partner-id", PARTNER])
            .output()
            .unwrap(),
        keyed()
            .args(["callback", "probe", &url, "--partner-id", PARTNER])
            .output()
            .unwrap(),
        crate::common::smile_sec()
            .args(["allowlist", "fetch", "--source", &url])
            .output()
            .unwrap(),
    ];
    let _ = server.wait();
    for out in &runs {
        let line = crate::common::assert_refused(
            out,
            &[
                "cannot reach the endpoint: its TLS certificate was refused: it is a certificate authority's own certificate (CA:TRUE, ",
            ],
        );
        for raw in ["Other(", "CaUsedAsEndEntity", "io:"] {
            assert!(!line.contains(raw), "{line}");
        }
    }
}

/// The defaults `--help` names for the options `send` refuses with FILE are written by hand (clap
/// must not fill them in, so that a typed value shows): they must be the ones used.
#[test]
fn the_help_names_the_defaults_in_use() {
    use smile_sec::endpoint::sample_callback::{DEFAULT_JOB_TYPE, DEFAULT_RESULT_CODE};
    let help = crate::common::smile_sec()
        .args(["callback", "new", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    for default in [DEFAULT_JOB_TYPE.to_string(), DEFAULT_RESULT_CODE.to_owned()] {
        assert!(help.contains(&format!("[default: {default}]")), "{help}");
    }
    let body: Value = serde_json::from_slice(
        &keyed()
            .args(["callback", "new", "--partner-id", PARTNER])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(body["PartnerParams"]["job_type"], DEFAULT_JOB_TYPE);
    assert_eq!(body["ResultCode"], DEFAULT_RESULT_CODE);
}
