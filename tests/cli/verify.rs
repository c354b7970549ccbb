//! `smile-sec verify` through the binary.

use std::path::Path;

use crate::common::{assert_no_leak, smile_sec};
use predicates::prelude::*;
use serde_json::{Value, json};
use smile_sec::signing::secret::ApiKey;
use smile_sec::signing::signature::sign;

const KEY: &str = "sandbox-test-key-123";
const PARTNER: &str = "085";
const NOW: &str = "2026-11-20T10:05:00Z";

fn callback(key: &str, timestamp: &str, job: &str) -> Value {
    json!({
        "ResultCode": "1012",
        "SmileJobID": job,
        "PartnerParams": {"job_id": job, "user_id": "u", "job_type": 5},
        "signature": sign(&ApiKey::new(key).unwrap(), timestamp, PARTNER),
        "timestamp": timestamp,
    })
}

fn expected_signature(timestamp: &str) -> String {
    sign(&ApiKey::new(KEY).unwrap(), timestamp, PARTNER)
}

fn verify(dir: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = smile_sec();
    cmd.current_dir(dir)
        .arg("verify")
        .args(args)
        .args(["--partner-id", PARTNER, "--now", NOW, "--format", "json"])
        .env("SMILE_API_KEY", KEY);
    cmd
}

/// The result lines and the summary line of a JSON run.
fn results(out: &std::process::Output) -> (Vec<Value>, Value) {
    let mut lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = lines.pop().expect("a summary line");
    assert_eq!(summary["type"], "summary");
    assert!(lines.iter().all(|l| l["type"] == "result"));
    (lines, summary)
}

fn reasons(lines: &[Value]) -> Vec<(String, u64, String)> {
    lines
        .iter()
        .map(|l| {
            (
                l["source"].as_str().unwrap().to_owned(),
                l["item"].as_u64().unwrap(),
                l["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn lone_object_passes_with_contract_shape() {
    let dir = tempfile::tempdir().unwrap();
    let cb = callback(KEY, "2026-11-20T10:00:00.123Z", "1");
    std::fs::write(
        dir.path().join("cb.json"),
        serde_json::to_string_pretty(&cb).unwrap(),
    )
    .unwrap();
    let out = verify(dir.path(), &["cb.json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let (lines, summary) = results(&out);
    assert_eq!(
        lines,
        [
            json!({"type":"result","source":"cb.json","item":1,"valid":true,"reason":"ok","key_id":null,
                "timestamp":"2026-11-20T10:00:00.123Z","age_seconds":299,"duplicate":false})
        ]
    );
    assert_eq!(
        summary,
        json!({"type":"summary","checked":1,"valid":1,"invalid":0,"errors":0,"duplicates":0})
    );
}

/// JSON with line breaks but no indentation (Go's `MarshalIndent(v, "", "")`) puts an array's
/// objects at the start of their lines; the file is still one callback.
#[test]
fn a_lone_object_written_without_indentation_passes() {
    use serde::Serialize;
    let dir = tempfile::tempdir().unwrap();
    let mut cb = callback(KEY, "2026-11-20T10:00:00.123Z", "1");
    cb["History"] = json!([{"ResultCode": "0810"}, {"Steps": [[1], {"a": {}}]}]);
    let mut text = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"");
    cb.serialize(&mut serde_json::Serializer::with_formatter(
        &mut text, formatter,
    ))
    .unwrap();
    assert!(
        text.windows(2).any(|w| w == b"\n{"),
        "{}",
        String::from_utf8_lossy(&text)
    );
    std::fs::write(dir.path().join("cb.json"), &text).unwrap();
    let out = verify(dir.path(), &["cb.json"]).output().unwrap();
    let (lines, summary) = results(&out);
    assert_eq!(reasons(&lines), [("cb.json".into(), 1, "ok".into())]);
    assert_eq!(summary["checked"], 1);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn array_and_ndjson_with_one_tampered_line() {
    let dir = tempfile::tempdir().unwrap();
    let a = callback(KEY, "2026-11-20T10:00:00.001Z", "a");
    let b = callback(KEY, "2026-11-20T10:00:00.002Z", "b");
    let mut tampered = callback(KEY, "2026-11-20T10:00:00.003Z", "c");
    tampered["timestamp"] = json!("2026-11-20T10:00:00.004Z");
    std::fs::write(
        dir.path().join("list.json"),
        serde_json::to_string_pretty(&json!([a, b])).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("batch.ndjson"),
        format!("{a}\n{tampered}\n{b}\n"),
    )
    .unwrap();
    let out = verify(dir.path(), &["list.json", "batch.ndjson"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (lines, summary) = results(&out);
    let r = reasons(&lines);
    assert_eq!(r[0], ("list.json".into(), 1, "ok".into()));
    assert_eq!(r[1], ("list.json".into(), 2, "ok".into()));
    assert_eq!(r[2], ("batch.ndjson".into(), 1, "ok".into()));
    assert_eq!(r[3], ("batch.ndjson".into(), 2, "bad_signature".into()));
    // Line 3 repeats `b` byte for byte: an honest resend, counted as a duplicate.
    assert_eq!(r[4], ("batch.ndjson".into(), 3, "ok".into()));
    assert_eq!(summary["invalid"], 1);
    assert_eq!(summary["duplicates"], 2);
}

/// NDJSON whose first line is an array (no callback, so `not_an_object`) is still NDJSON: the
/// callbacks after it are read and checked, replays among them too, from a file and from stdin.
/// An array over several lines is one array.
#[test]
fn an_array_on_the_first_line_of_ndjson_loses_no_callback_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let a = callback(KEY, "2026-11-20T10:00:00.001Z", "a");
    let mut replay = a.clone();
    replay["SmileJobID"] = json!("forged");
    for first in ["[]", "[1]", &format!("[{a}]")] {
        let input = format!("{first}\n{a}\n\n{replay}\n");
        std::fs::write(dir.path().join("batch.ndjson"), &input).unwrap();
        for (source, out) in [
            (
                "batch.ndjson",
                verify(dir.path(), &["batch.ndjson"]).output(),
            ),
            (
                "-",
                verify(dir.path(), &[]).write_stdin(input.clone()).output(),
            ),
        ] {
            let out = out.unwrap();
            let (lines, summary) = results(&out);
            assert_eq!(
                reasons(&lines),
                [
                    (source.into(), 1, "not_an_object".into()),
                    (source.into(), 2, "ok".into()),
                    (source.into(), 4, "replayed".into()),
                ],
                "{first}"
            );
            assert_eq!(
                summary,
                json!({"type":"summary","checked":3,"valid":1,"invalid":1,"errors":1,"duplicates":0})
            );
            assert_eq!(out.status.code(), Some(2));
        }
    }
    // One array, however its lines fall: its elements are the items.
    let b = callback(KEY, "2026-11-20T10:00:00.002Z", "b");
    for array in [format!("[{a},\n{b}]\n"), format!("[{a}, {b}]\n\n")] {
        std::fs::write(dir.path().join("list.json"), &array).unwrap();
        let out = verify(dir.path(), &["list.json"]).output().unwrap();
        let (lines, _) = results(&out);
        assert_eq!(
            reasons(&lines),
            [
                ("list.json".into(), 1, "ok".into()),
                ("list.json".into(), 2, "ok".into())
            ],
            "{array}"
        );
        assert_eq!(out.status.code(), Some(0));
    }
}

#[test]
fn directory_walk_is_sorted_and_reports_malformed_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("cbs");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(
        root.join("b.json"),
        callback(KEY, "2026-11-20T10:00:00.001Z", "b").to_string(),
    )
    .unwrap();
    std::fs::write(root.join("a.json"), "{ not json").unwrap();
    std::fs::write(
        root.join("sub/c.jsonl"),
        callback(KEY, "2026-11-20T10:00:00.002Z", "c").to_string(),
    )
    .unwrap();
    std::fs::write(root.join("notes.txt"), "ignored").unwrap();
    let out = verify(dir.path(), &["cbs"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "a parse error wins over passes");
    let (lines, summary) = results(&out);
    let r = reasons(&lines);
    let p = |s: &str| Path::new("cbs").join(s).display().to_string();
    assert_eq!(
        r,
        [
            (p("a.json"), 1, "parse_error".into()),
            (p("b.json"), 1, "ok".into()),
            (p("sub/c.jsonl"), 1, "ok".into())
        ]
    );
    assert_eq!(summary["errors"], 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("smile-sec: error:") && stderr.contains("a.json:1"),
        "{stderr}"
    );
}

#[test]
fn stdin_is_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let cb = callback(KEY, "2026-11-20T10:00:00.123Z", "1");
    for args in [&[][..], &["-"][..]] {
        let out = verify(dir.path(), args)
            .write_stdin(cb.to_string())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            reasons(&results(&out).0),
            [("-".to_owned(), 1, "ok".to_owned())]
        );
    }
}

/// A pipe that delivers the byte-order mark a byte at a time, with pauses between (as a slow
/// writer does), is read as the same input in one piece: the mark is skipped, not a parse error.
#[test]
fn a_byte_order_mark_that_arrives_in_pieces_on_stdin_is_skipped() {
    use std::io::Write;
    use std::process::Stdio;

    let dir = tempfile::tempdir().unwrap();
    let body = callback(KEY, "2026-11-20T10:00:00.123Z", "1").to_string();
    for layout in [body.clone(), format!("[{body}]")] {
        let mut child = crate::common::smile_sec_process()
            .current_dir(dir.path())
            .args([
                "verify",
                "-",
                "--partner-id",
                PARTNER,
                "--now",
                NOW,
                "--format",
                "json",
            ])
            .env("SMILE_API_KEY", KEY)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        for piece in [&b"\xEF"[..], b"\xBB", b"\xBF", layout.as_bytes()] {
            stdin.write_all(piece).unwrap();
            stdin.flush().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{layout}");
        assert_eq!(
            reasons(&results(&out).0),
            [("-".to_owned(), 1, "ok".to_owned())]
        );
    }
}

/// `verify -` with `args` on a pipe the test writes to; its stdout lines go to a channel as they
/// come, so a test can wait for a result while the pipe is still open.
struct PipedVerify {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    lines: std::sync::mpsc::Receiver<String>,
    reader: std::thread::JoinHandle<()>,
}

impl PipedVerify {
    fn start(dir: &Path, args: &[&str]) -> PipedVerify {
        use std::io::BufRead;
        use std::process::Stdio;
        let mut child = crate::common::smile_sec_process()
            .current_dir(dir)
            .args(["verify", "-", "--partner-id", PARTNER])
            .args(args)
            .env("SMILE_API_KEY", KEY)
            .env_remove("SMILE_SEC_NOW")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let (sender, lines) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for read in stdout.lines() {
                let _ = sender.send(read.unwrap());
            }
        });
        PipedVerify {
            child,
            stdin,
            lines,
            reader,
        }
    }

    fn write(&mut self, text: &str) {
        use std::io::Write;
        self.stdin.write_all(text.as_bytes()).unwrap();
        self.stdin.flush().unwrap();
    }

    /// The next line of stdout, which must come while the pipe is open.
    fn next_line(&self, what: &str) -> String {
        self.lines
            .recv_timeout(std::time::Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("{what}: no result while the pipe is open"))
    }

    /// Closes the pipe: the exit code and the lines still to come.
    fn finish(self) -> (Option<i32>, Vec<String>) {
        let PipedVerify {
            mut child,
            stdin,
            lines,
            reader,
        } = self;
        drop(stdin);
        let code = child.wait().unwrap().code();
        reader.join().unwrap();
        (code, lines.try_iter().collect())
    }
}

/// Without `--now`, a run judges its callbacks by the clock when they come, not when it started
/// nor when its input ends: over a pipe, each callback's result is out while the writer is still
/// writing, judged fresh at that time, and a store records it as seen then (so its entry lasts as
/// long as a replay of it could pass).
#[test]
fn a_run_without_now_judges_callbacks_on_a_pipe_as_they_come() {
    let stamp_now = || {
        chrono::Utc::now()
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
    };
    for store in [None, Some("seen.db")] {
        let dir = tempfile::tempdir().unwrap();
        // No allowance for the future, and five seconds for the past (room for a slow start on
        // a busy machine).
        let mut args = vec!["--max-future", "0s", "--max-age", "5s", "--format", "json"];
        args.extend(store.map(|store| ["--seen", store]).into_iter().flatten());
        let mut run = PipedVerify::start(dir.path(), &args);
        let mut stamps = Vec::new();
        for (n, wait) in [(1, 0), (2, 6)] {
            // The second comes when the run has gone on longer than the window.
            std::thread::sleep(std::time::Duration::from_secs(wait));
            let stamp = stamp_now();
            run.write(&format!("{}\n", callback(KEY, &stamp, &n.to_string())));
            let result: Value =
                serde_json::from_str(&run.next_line(&format!("{store:?}: callback {n}"))).unwrap();
            assert_eq!(result["item"], n, "{store:?}: {result}");
            assert_eq!(result["reason"], "ok", "{store:?}: {result}");
            assert!(result["age_seconds"].as_i64().unwrap() <= 3, "{result}");
            stamps.push(stamp);
        }
        let (code, rest) = run.finish();
        assert_eq!(code, Some(0), "{store:?}");
        let summary: Value = serde_json::from_str(&rest[0]).unwrap();
        assert_eq!(summary["valid"], 2, "{summary}");
        if let Some(store) = store {
            let stats = smile_sec()
                .current_dir(dir.path())
                .args(["seen", "stats", store, "--format", "json"])
                .output()
                .unwrap();
            let stats: Value = serde_json::from_slice(&stats.stdout).unwrap();
            // The first may have expired already, and gone.
            assert!(matches!(stats["entries"].as_u64(), Some(1 | 2)), "{stats}");
            let newest = stats["newest_seen_at"].as_str().unwrap();
            assert!(
                newest >= stamps[1].as_str(),
                "seen at {newest}, dated {}",
                stamps[1]
            );
        }
    }
}

/// After an item over several lines (a pretty-printed object), whose rest is framed in order,
/// and inside a JSON array, results still come as the pipe's input does, not at its end.
#[test]
fn results_after_an_item_over_several_lines_or_in_an_array_come_as_a_pipe_does() {
    let ok = callback(KEY, "2026-11-20T10:00:00.123Z", "1");
    let cases = [
        (
            format!("{{\"a\":\n1}}\n{ok}\n"),
            vec!["missing_signature   -:1", "ok                  -:3"],
            format!("{ok}\n"),
            "ok                  -:4",
        ),
        (
            format!("[{ok},\n"),
            vec!["ok                  -:1"],
            format!("{ok}]\n"),
            "ok                  -:2",
        ),
    ];
    for (first, while_open, last, at_the_end) in cases {
        let dir = tempfile::tempdir().unwrap();
        let mut run = PipedVerify::start(dir.path(), &["--now", NOW]);
        run.write(&first);
        for expected in while_open {
            let got = run.next_line(&first);
            assert!(got.starts_with(expected), "{got}");
        }
        run.write(&last);
        let (_, rest) = run.finish();
        assert!(rest[0].starts_with(at_the_end), "{rest:?}");
    }
}

#[test]
fn every_reason_code() {
    let dir = tempfile::tempdir().unwrap();
    let ok = callback(KEY, "2026-11-20T10:00:00.123Z", "ok");
    let mut missing_sig = ok.clone();
    missing_sig.as_object_mut().unwrap().remove("signature");
    let mut missing_ts = ok.clone();
    missing_ts.as_object_mut().unwrap().remove("timestamp");
    let mut malformed = ok.clone();
    malformed["signature"] = json!(ok["signature"].as_str().unwrap().trim_end_matches('='));
    let stale = callback(KEY, "2026-11-19T10:00:00.000Z", "stale");
    let future = callback(KEY, "2026-11-20T10:11:00.000Z", "future");
    let bad_ts = callback(KEY, "yesterday", "badts");
    let wrong_key = callback("another-key", "2026-11-20T10:00:00.123Z", "wrong");
    let lines = [
        ok,
        missing_sig,
        missing_ts,
        malformed,
        stale,
        future,
        bad_ts,
        wrong_key,
        json!([1]),
        json!("x"),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let out = verify(dir.path(), &["--max-age", "1h"])
        .write_stdin(text + "{oops\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let got: Vec<String> = reasons(&results(&out).0).into_iter().map(|r| r.2).collect();
    assert_eq!(
        got,
        [
            "ok",
            "missing_signature",
            "missing_timestamp",
            "malformed_signature",
            "stale",
            "future",
            "bad_timestamp",
            "bad_signature",
            "not_an_object",
            "not_an_object",
            "parse_error"
        ]
    );
}

/// A timestamp that cannot be read is named as it is written (quotes and all), so that it reads
/// and greps as itself; each format escapes what it must.
#[test]
fn an_unreadable_timestamp_is_named_as_written() {
    let odd = r#"<a&"b'\c>"#;
    let cb = callback(KEY, odd, "1");
    let out = smile_sec()
        .args(["verify", "--partner-id", PARTNER, "--now", NOW])
        .env("SMILE_API_KEY", KEY)
        .write_stdin(cb.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("bad_timestamp")
            && stdout.contains(&format!("cannot read `{odd}` as a time to check freshness")),
        "{stdout}"
    );
}

#[test]
fn only_failures_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let stale = callback(KEY, "2026-11-19T10:00:00.000Z", "stale");
    verify(dir.path(), &["--max-age", "25h"])
        .write_stdin(stale.to_string())
        .assert()
        .success();
    let out = verify(dir.path(), &["--max-age", "60m"])
        .write_stdin(stale.to_string())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (items, summary) = results(&out);
    assert_eq!(items.len(), 1);
    assert_eq!(
        (&items[0]["valid"], &items[0]["reason"]),
        (&json!(false), &json!("stale"))
    );
    assert_eq!(
        (&summary["invalid"], &summary["errors"]),
        (&json!(1), &json!(0))
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_sdk_timestamp_spelling_is_judged_for_freshness() {
    let dir = tempfile::tempdir().unwrap();
    for ts in [
        "2026-11-20T10:04:30.123Z",
        "2026-11-20T10:04:30.123456+00:00",
        "2026-11-20T10:04:30",
        "2026-11-20 11:04:30 +0100",
        "2026-11-20T10:04:30.123456789Z",
        "2026-11-20T10:04:30+00:00",
    ] {
        let out = verify(dir.path(), &["--max-age", "1m"])
            .write_stdin(callback(KEY, ts, "x").to_string())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{ts}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let out = verify(dir.path(), &["--max-age", "10s"])
            .write_stdin(callback(KEY, ts, "x").to_string())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{ts} is 30 s old");
    }
}

/// A timestamp without an offset is read as UTC with a warning naming the first such callback,
/// and, when there are more, a count at the end: one warning would hide that the rest exist.
#[test]
fn timestamps_without_an_offset_are_warned_about_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let stdin = |timestamps: &[&str]| {
        timestamps
            .iter()
            .map(|ts| format!("{}\n", callback(KEY, ts, ts)))
            .collect::<String>()
    };
    let run = |args: &[&str], input: String| {
        let out = verify(dir.path(), args)
            .write_stdin(input)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.code(), stderr)
    };
    let (code, stderr) = run(
        &[],
        stdin(&[
            "2026-11-20T10:04:30Z",
            "2026-11-20T10:04:31",
            "2026-11-20T10:04:32.5",
            "2026-11-20T10:04:33",
        ]),
    );
    assert_eq!(code, Some(0));
    assert!(
        stderr.contains("-:2: timestamp has no UTC offset; read as UTC"),
        "{stderr}"
    );
    assert!(!stderr.contains("-:3:"), "{stderr}");
    assert!(
        stderr.contains("3 timestamps in all had no UTC offset"),
        "{stderr}"
    );
    let (_, stderr) = run(&[], stdin(&["2026-11-20T10:04:31"]));
    assert_eq!(stderr.matches("no UTC offset").count(), 1, "{stderr}");
    // The first in input order, also when a store holds the accepted ones back for their claim
    // and a failed one after them is counted at once.
    let mut forged = callback(KEY, "2026-11-20T10:04:32", "forged");
    forged["signature"] = callback("another-key", "2026-11-20T10:04:32", "x")["signature"].clone();
    let input = format!("{}{forged}\n", stdin(&["2026-11-20T10:04:31"]));
    let (code, stderr) = run(&["--seen", "seen.db"], input);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("-:1: timestamp has no UTC offset"),
        "{stderr}"
    );
    assert!(stderr.contains("2 timestamps in all"), "{stderr}");
}

#[test]
fn retired_key_still_verifies_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old.key"), "old-retired-key\n").unwrap();
    std::fs::write(
        dir.path().join("keys.json"),
        r#"{"keys":[
          {"id":"current","partner_id":"085","environment":"sandbox","integrations":["server"],"created":"2026-11-01","api_key_env":"CURRENT_KEY"},
          {"id":"old-2026-05","partner_id":"085","environment":"sandbox","integrations":["server"],"created":"2026-05-01","status":"retired","retired":"2026-11-01","api_key_file":"old.key"}
        ]}"#,
    )
    .unwrap();
    let old = callback("old-retired-key", "2026-06-01T00:00:00.000Z", "old");
    let new = callback("current-key", "2026-11-20T10:00:00.000Z", "new");
    let out = smile_sec()
        .current_dir(dir.path())
        .args([
            "verify",
            "--keys",
            "keys.json",
            "--now",
            NOW,
            "--format",
            "json",
        ])
        .env("CURRENT_KEY", "current-key")
        .write_stdin(format!("{old}\n{new}\n"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (lines, _) = results(&out);
    assert_eq!(lines[0]["key_id"], "old-2026-05");
    assert_eq!(lines[1]["key_id"], "current");
    assert_no_leak(&out, &["old-retired-key", "current-key"]);
}

/// A secret that a retired entry holds is retired whatever entry lists it, and whatever filter
/// (`--key`, `--env`) leaves the retired entry out; `--explain` calls a match with it no fix.
#[test]
fn a_retired_secret_stays_retired_under_any_filter() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old.key"), "old-retired-key\n").unwrap();
    std::fs::write(
        dir.path().join("keys.json"),
        r#"{"keys":[
          {"id":"current","partner_id":"085","environment":"production","integrations":["server"],"created":"2026-11-01","api_key_env":"CURRENT_KEY"},
          {"id":"copy","partner_id":"085","environment":"production","integrations":["web"],"created":"2026-05-01","api_key_file":"old.key"},
          {"id":"old","partner_id":"085","environment":"sandbox","integrations":["server"],"created":"2026-05-01","status":"retired","retired":"2026-11-01T12:00:00Z","api_key_file":"old.key"}
        ]}"#,
    )
    .unwrap();
    let after = callback("old-retired-key", "2026-11-20T10:00:00.000Z", "b").to_string();
    for filters in [
        &[][..],
        &["--key", "copy"],
        &["--env", "production"],
        &["--key", "current", "--explain"],
    ] {
        let out = smile_sec()
            .current_dir(dir.path())
            .args([
                "verify",
                "--keys",
                "keys.json",
                "--now",
                NOW,
                "--format",
                "json",
            ])
            .args(filters)
            .env("CURRENT_KEY", "current-key")
            .write_stdin(after.clone())
            .output()
            .unwrap();
        let (lines, _) = results(&out);
        let explained = filters.contains(&"--explain");
        assert_eq!(
            lines[0]["reason"],
            if explained {
                "bad_signature"
            } else {
                "retired_key"
            },
            "{filters:?}"
        );
        if explained {
            let detail = lines[0]["explain"]["detail"].as_str().unwrap();
            assert!(detail.contains("so this is no fix"), "{detail}");
        }
        // Named by the entry that says it is retired, when the filters keep it.
        if filters.is_empty() {
            assert_eq!(lines[0]["key_id"], "old", "{filters:?}");
        }
    }
    // A retired entry whose secret cannot be read cannot pass its retirement on: said, also
    // when a filter leaves it out.
    std::fs::rename(dir.path().join("old.key"), dir.path().join("gone.key")).unwrap();
    let out = smile_sec()
        .current_dir(dir.path())
        .args([
            "verify",
            "--keys",
            "keys.json",
            "--key",
            "current",
            "--now",
            NOW,
            "-",
        ])
        .env("CURRENT_KEY", "current-key")
        .write_stdin("")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("key `old` in keys.json")
            && stderr.contains("a key sharing its secret cannot be told retired"),
        "{stderr}"
    );
    std::fs::rename(dir.path().join("gone.key"), dir.path().join("old.key")).unwrap();
    let signed = smile_sec()
        .current_dir(dir.path())
        .args([
            "sign",
            "--keys",
            "keys.json",
            "--key",
            "copy",
            "--timestamp",
            "2026-11-20T10:00:00.000Z",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&signed.stderr)
            .contains("key `copy` holds a secret that another entry of the key file retired at 2026-11-01T12:00:00Z"),
        "{}",
        String::from_utf8_lossy(&signed.stderr)
    );
}

/// A retired key signs nothing after it was rotated out: Smile ID has disabled it, so a callback
/// it signed later comes from someone who kept a copy. Before that moment it still verifies.
#[test]
fn a_callback_signed_by_a_retired_key_after_its_retirement_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old.key"), "old-retired-key\n").unwrap();
    std::fs::write(
        dir.path().join("keys.json"),
        r#"{"keys":[
          {"id":"old-2026-05","partner_id":"085","environment":"sandbox","integrations":["server"],"created":"2026-05-01","status":"retired","retired":"2026-11-01T12:00:00Z","api_key_file":"old.key"}
        ]}"#,
    )
    .unwrap();
    let before = callback("old-retired-key", "2026-11-01T11:59:59.000Z", "a");
    let after = callback("old-retired-key", "2026-11-20T10:00:00.000Z", "b");
    let run = |format: &str| {
        smile_sec()
            .current_dir(dir.path())
            .args([
                "verify",
                "--keys",
                "keys.json",
                "--now",
                NOW,
                "--format",
                format,
            ])
            .write_stdin(format!("{before}\n{after}\n"))
            .output()
            .unwrap()
    };
    let out = run("json");
    assert_eq!(out.status.code(), Some(1));
    let (lines, summary) = results(&out);
    assert_eq!(
        (lines[0]["valid"].clone(), lines[0]["reason"].clone()),
        (json!(true), json!("ok"))
    );
    assert_eq!(
        (lines[1]["valid"].clone(), lines[1]["reason"].clone()),
        (json!(false), json!("retired_key"))
    );
    assert_eq!(lines[1]["key_id"], "old-2026-05");
    assert_eq!(summary["invalid"], 1);
    let out = run("text");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().nth(1).unwrap();
    assert!(
        line.starts_with("retired_key ") && line.contains("key old-2026-05"),
        "{text}"
    );
    assert!(line.contains("retired at 2026-11-01T12:00:00Z"), "{text}");
    assert_no_leak(&out, &["old-retired-key"]);
}

/// An entry marked retired at a moment still to come (a slip of the year) keeps its signatures
/// good until then: `verify` says so, once, naming the entry.
#[test]
fn a_retirement_still_to_come_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old.key"), KEY).unwrap();
    std::fs::write(
        dir.path().join("keys.json"),
        r#"{"keys":[{"id":"old","partner_id":"085","environment":"sandbox","integrations":["server"],"created":"2026-01-01","status":"retired","retired":"2062-06-01","api_key_file":"old.key"}]}"#,
    )
    .unwrap();
    let cb = callback(KEY, "2026-11-20T10:00:00.123Z", "1").to_string();
    let out = smile_sec()
        .current_dir(dir.path())
        .args(["verify", "--keys", "keys.json", "--now", NOW])
        .write_stdin(cb)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "smile-sec: warning: key `old` is marked retired, at 2062-06-01T00:00:00Z, which is still to come: callbacks it signs pass until then\n"
    );
}

#[test]
fn a_retired_key_without_its_date_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("keys.json"),
        r#"{"keys":[{"id":"old-one","partner_id":"085","environment":"sandbox","integrations":["server"],"created":"2026-05-01","status":"retired","api_key":"k"}]}"#,
    )
    .unwrap();
    smile_sec()
        .current_dir(dir.path())
        .args(["verify", "--keys", "keys.json", "--now", NOW])
        .write_stdin("{}")
        .assert()
        .code(2)
        .stderr(crate::common::error_report(&[
            "key `old-one`: `status` is `retired` but `retired` is missing",
        ]));
}

/// A key written where the file expects something else (a list of keys as strings, the key as
/// the environment or a date) is never printed: not in the error, nor in JUnit or the job summary.
#[test]
fn a_key_in_the_wrong_place_of_a_key_file_is_not_shown() {
    let dir = tempfile::tempdir().unwrap();
    let key = "M3T5ZvhimY+ZTZsi1T8PVEmPxpiu2FqEginmqegHBGI=";
    let entry = |field: &str, value: &str| {
        let mut e = json!({"id":"a","partner_id":"085","environment":"sandbox",
            "integrations":["server"],"created":"2026-11-01","api_key":"inline-secret-value"});
        e[field] = json!(value);
        json!({"keys": [e]}).to_string()
    };
    for (file, shown) in [
        (
            json!({"keys": [key]}).to_string(),
            "invalid type: a string (not shown)",
        ),
        (json!({"keys": key}).to_string(), "a string (not shown)"),
        (
            json!({"policy": key, "keys": []}).to_string(),
            "a string (not shown)",
        ),
        (json!(key).to_string(), "a string (not shown)"),
        (
            entry("environment", key),
            "unknown variant `(not shown: it looks like a secret, sha256:",
        ),
        (
            entry("created", key),
            "`created` is `(not shown: it looks like a secret, sha256:",
        ),
        (
            json!({"keys": [], key: 1}).to_string(),
            "unknown field `(not shown",
        ),
        (
            entry("environment", &format!(" {key}\t")),
            "unknown variant `(not shown: it looks like a secret, sha256:",
        ),
        (
            entry("id", key).replace("\"partner_id\":\"085\"", "\"partner_id\":\"\""),
            "key `(not shown: it looks like a secret, sha256:",
        ),
    ] {
        std::fs::write(dir.path().join("keys.json"), &file).unwrap();
        let summary = dir.path().join("summary.md");
        let out = smile_sec()
            .current_dir(dir.path())
            .args(["verify", "--keys", "keys.json", "--format", "junit"])
            .env("GITHUB_STEP_SUMMARY", &summary)
            .write_stdin("{}")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{file}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(shown), "{file}: {stderr}");
        assert_no_leak(&out, &[key, "M3T5ZvhimY"]);
        let summary = std::fs::read_to_string(&summary).unwrap_or_default();
        assert!(!summary.contains("M3T5ZvhimY"), "{summary}");
    }
    // A key typed for `--key` is not named either.
    std::fs::write(dir.path().join("keys.json"), entry("id", "live")).unwrap();
    let out = smile_sec()
        .current_dir(dir.path())
        .args(["verify", "--keys", "keys.json", "--key", key])
        .write_stdin("{}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no key `(not shown"),
        "{out:?}"
    );
    assert_no_leak(&out, &[key, "M3T5ZvhimY"]);
    // A word in the wrong place is still named, so that it can be found and fixed.
    std::fs::write(
        dir.path().join("keys.json"),
        entry("environment", "staging"),
    )
    .unwrap();
    smile_sec()
        .current_dir(dir.path())
        .args(["verify", "--keys", "keys.json"])
        .write_stdin("{}")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown variant `staging`"));
}

#[test]
fn misspelt_key_file_field_is_rejected_by_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("keys.json"),
        r#"{"keys":[{"id":"a","partner_id":"085","environment":"sandbox","integrations":["server"],"crated":"2026-11-01","api_key":"inline-secret-value"}]}"#,
    )
    .unwrap();
    let out = smile_sec()
        .current_dir(dir.path())
        .args(["verify", "--keys", "keys.json"])
        .write_stdin("{}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("smile-sec: error:") && stderr.contains("`crated`"),
        "{stderr}"
    );
    assert_no_leak(&out, &["inline-secret-value"]);
}

#[test]
fn an_unknown_key_id_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("keys.json"),
        r#"{"keys":[{"id":"a","partner_id":"085","environment":"sandbox","integrations":["server"],"created":"2026-11-01","api_key":"inline-secret-value"}]}"#,
    )
    .unwrap();
    let out = smile_sec()
        .current_dir(dir.path())
        .args(["verify", "--keys", "keys.json", "--key", "b"])
        .write_stdin("{}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("smile-sec: error: no key `b` in keys.json\nhint: ids in the file: a"),
        "{stderr}"
    );
    assert_no_leak(&out, &["inline-secret-value"]);
}

#[test]
fn empty_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    verify(dir.path(), &[])
        .env("SMILE_API_KEY", "")
        .write_stdin("{}")
        .assert()
        .code(2)
        .stderr(crate::common::error_report(&["empty"]));
}

/// An entry whose secret reads empty (a variable set to nothing by a secret store that answered
/// nothing) is an error, not a key skipped: the run would otherwise go on with fewer keys than
/// the key file lists. An entry the filters leave out is not read.
#[test]
fn an_empty_key_in_the_key_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.key"), KEY).unwrap();
    std::fs::write(dir.path().join("empty.key"), "\n").unwrap();
    std::fs::write(
        dir.path().join("keys.json"),
        r#"{"keys":[
          {"id":"emptied","partner_id":"085","environment":"production","integrations":["server"],"created":"2026-11-01","api_key_file":"empty.key"},
          {"id":"good","partner_id":"085","environment":"sandbox","integrations":["server"],"created":"2026-11-01","api_key_file":"good.key"}]}"#,
    )
    .unwrap();
    let cb = callback(KEY, "2026-11-20T10:00:00.123Z", "1").to_string();
    let run = |extra: &[&str]| {
        smile_sec()
            .current_dir(dir.path())
            .args(["verify", "--keys", "keys.json", "--now", NOW])
            .args(extra)
            .write_stdin(cb.clone())
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("smile-sec: error: ")
            && stderr.contains("emptied")
            && stderr.contains("empty"),
        "{stderr}"
    );
    let out = run(&["--env", "sandbox"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn no_output_holds_the_key_or_an_expected_signature() {
    let dir = tempfile::tempdir().unwrap();
    // Every failure path, in text and JSON.
    let mut bad = callback(KEY, "2026-11-20T10:00:00.123Z", "x");
    bad["signature"] = json!(callback("wrong", "2026-11-20T10:00:00.123Z", "x")["signature"]);
    let stale = callback(KEY, "2020-01-01T00:00:00.000Z", "s");
    let input = format!("{bad}\n{stale}\n{{broken\n[]\n");
    for format in ["text", "json"] {
        let out = smile_sec()
            .current_dir(dir.path())
            .args([
                "verify",
                "--partner-id",
                PARTNER,
                "--now",
                NOW,
                "--max-age",
                "1h",
                "--format",
                format,
            ])
            .env("SMILE_API_KEY", KEY)
            .write_stdin(input.clone())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert_no_leak(
            &out,
            &[KEY, &expected_signature("2026-11-20T10:00:00.123Z")],
        );
    }
}

#[test]
fn unreadable_path_is_an_error_but_the_rest_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("good.json"),
        callback(KEY, "2026-11-20T10:00:00.123Z", "g").to_string(),
    )
    .unwrap();
    let out = verify(dir.path(), &["missing.json", "good.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // The path has a line of its own in the stream, of its own type: a reader of results sees
    // only results, and a reader of the stream every input the summary counts.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let error = lines.remove(0);
    assert_eq!(
        (&error["type"], &error["source"], &error["reason"]),
        (
            &"error".into(),
            &"missing.json".into(),
            &"unreadable".into()
        )
    );
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .starts_with("cannot read missing.json: ")
    );
    let summary = lines.pop().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(
        reasons(&lines),
        [("good.json".to_owned(), 1, "ok".to_owned())]
    );
    assert_eq!(summary["errors"], 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json"));
}

#[test]
fn text_output_names_items_and_summarises() {
    let dir = tempfile::tempdir().unwrap();
    let ok = callback(KEY, "2026-11-20T10:00:00.123Z", "1");
    smile_sec()
        .current_dir(dir.path())
        .args(["verify", "--partner-id", PARTNER, "--now", NOW])
        .env("SMILE_API_KEY", KEY)
        .write_stdin(format!("{ok}\n{{}}\n"))
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("ok ")
                .and(predicate::str::contains("-:1"))
                .and(predicate::str::contains("missing_signature"))
                .and(predicate::str::contains("-:2"))
                .and(predicate::str::contains(
                    "2 checked: 1 valid, 1 invalid, 0 errors",
                )),
        );
}

#[test]
fn the_text_summary_counts_one_error_in_the_singular() {
    let dir = tempfile::tempdir().unwrap();
    let ok = callback(KEY, "2026-11-20T10:00:00.123Z", "1");
    let summary = |input: String| {
        let out = smile_sec()
            .current_dir(dir.path())
            .args(["verify", "--partner-id", PARTNER, "--now", NOW])
            .env("SMILE_API_KEY", KEY)
            .write_stdin(input)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stdout = String::from_utf8(out.stdout).unwrap();
        stdout.lines().last().unwrap().to_owned()
    };
    assert_eq!(
        summary(format!("{ok}\n{{\n")),
        "2 checked: 1 valid, 0 invalid, 1 error"
    );
    assert_eq!(
        summary(format!("{ok}\nx\ny\n")),
        "3 checked: 1 valid, 0 invalid, 2 errors"
    );
}

#[test]
fn closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let line = callback(KEY, "2026-11-20T10:00:00.123Z", "1").to_string();
    let big: String = std::iter::repeat_n(format!("{line}\n"), 200_000).collect();
    let path = dir.path().join("big.ndjson");
    std::fs::write(&path, big).unwrap();
    let script = format!(
        "'{}' verify big.ndjson --partner-id {PARTNER} --now {NOW} | head -1 >/dev/null; echo ${{PIPESTATUS[0]}}",
        crate::common::binary().display()
    );
    let out = crate::common::scrub(&mut std::process::Command::new("bash"))
        .current_dir(dir.path())
        .env("SMILE_API_KEY", KEY)
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "quiet on a closed pipe"
    );
}

/// Every JSON result says whether it is a resend; a result for input that is not a callback
/// carries the words stderr gives for it.
#[test]
fn json_results_carry_duplicate_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = callback(KEY, "2026-11-20T10:00:00.000Z", "1").to_string();
    std::fs::write(
        dir.path().join("in.ndjson"),
        format!("{good}\n{good}\n{{\"a\":\n[1]\n"),
    )
    .unwrap();
    let out = verify(dir.path(), &["in.ndjson"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let (lines, _) = results(&out);
    let duplicates: Vec<&Value> = lines.iter().map(|l| &l["duplicate"]).collect();
    assert_eq!(
        duplicates,
        [&json!(false), &json!(true), &json!(false), &json!(false)]
    );
    assert!(lines[0].get("error").is_none() && lines[1].get("error").is_none());
    assert_eq!(lines[2]["reason"], "parse_error");
    assert_eq!(lines[3]["reason"], "not_an_object");
    assert_eq!(lines[3]["error"], "not a JSON object");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in &lines[2..] {
        let error = line["error"].as_str().expect("an error text");
        assert!(!error.is_empty());
        let said = format!(
            "smile-sec: error: in.ndjson:{}: {error}",
            line["item"].as_u64().unwrap()
        );
        assert!(stderr.lines().any(|l| l == said), "{said}\n{stderr}");
    }
}

/// `--env` takes the values `ip-check` and `allowlist` take: `all` keeps every key-file entry (as
/// no `--env` does) and, unlike `production` or `sandbox`, goes with a key given on its own.
#[test]
fn env_all_is_every_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("keys.json"),
        r#"{"keys":[
          {"id":"live","partner_id":"085","environment":"production","integrations":["server"],"created":"2026-11-01","api_key_env":"LIVE_KEY"},
          {"id":"test","partner_id":"085","environment":"sandbox","integrations":["server"],"created":"2026-11-01","api_key_env":"TEST_KEY"}
        ]}"#,
    )
    .unwrap();
    let live = callback("live-key", "2026-11-20T10:00:00.000Z", "live");
    let test = callback("test-key", "2026-11-20T10:00:01.000Z", "test");
    let run = |env: Option<&str>| {
        let mut cmd = smile_sec();
        cmd.current_dir(dir.path())
            .args([
                "verify",
                "--keys",
                "keys.json",
                "--now",
                NOW,
                "--format",
                "json",
            ])
            .env("LIVE_KEY", "live-key")
            .env("TEST_KEY", "test-key");
        if let Some(env) = env {
            cmd.args(["--env", env]);
        }
        cmd.write_stdin(format!("{live}\n{test}\n"))
            .output()
            .unwrap()
    };
    let key_ids = |out: &std::process::Output| -> Vec<Value> {
        results(out).0.iter().map(|l| l["key_id"].clone()).collect()
    };
    for env in [None, Some("all")] {
        let out = run(env);
        assert_eq!(out.status.code(), Some(0), "{env:?}");
        assert_eq!(key_ids(&out), [json!("live"), json!("test")], "{env:?}");
    }
    let out = run(Some("sandbox"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(key_ids(&out), [Value::Null, json!("test")]);

    // A key without an environment: `all` promises nothing it cannot keep, `production` does.
    let mut alone = verify(dir.path(), &["--env", "all"]);
    let out = alone
        .write_stdin(format!(
            "{}\n",
            callback(KEY, "2026-11-20T10:00:00.000Z", "k")
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let mut refused = verify(dir.path(), &["--env", "production"]);
    let out = refused.write_stdin("{}\n").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
