//! `verify --explain`, in-run replay detection and `--seen`.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{assert_no_leak, smile_sec, smile_sec_process};
use serde_json::{Value, json};
use smile_sec::signing::secret::ApiKey;
use smile_sec::signing::signature::sign;

const NOW: &str = "2026-11-20T10:05:00Z";
const TS: &str = "2026-11-20T10:00:00.000Z";
const PROD_KEY: &str = "prod-key-value-1";
const PROD_KEY_2: &str = "prod-key-value-2";
const SANDBOX_KEY: &str = "sandbox-key-value";

fn key_file(dir: &Path) {
    std::fs::write(
        dir.join("keys.json"),
        r#"{"keys":[
          {"id":"live-server","partner_id":"085","environment":"production","integrations":["server"],"created":"2026-11-01","api_key_env":"PROD_KEY"},
          {"id":"live-mobile","partner_id":"085","environment":"production","integrations":["mobile"],"created":"2026-11-01","api_key_env":"PROD_KEY_2"},
          {"id":"test-server","partner_id":"085","environment":"sandbox","integrations":["server"],"created":"2026-11-01","api_key_env":"SANDBOX_KEY"}
        ]}"#,
    )
    .unwrap();
}

fn signed(key: &str, partner: &str, ts: &str) -> String {
    sign(&ApiKey::new(key).unwrap(), ts, partner)
}

fn callback(signature: &str, ts: &str, job: &str) -> Value {
    json!({"ResultCode": "1012", "SmileJobID": job, "signature": signature, "timestamp": ts})
}

fn run(dir: &Path, args: &[&str], stdin: String) -> std::process::Output {
    smile_sec()
        .current_dir(dir)
        .arg("verify")
        .args(args)
        .args(["--keys", "keys.json", "--now", NOW, "--format", "json"])
        .env("PROD_KEY", PROD_KEY)
        .env("PROD_KEY_2", PROD_KEY_2)
        .env("SANDBOX_KEY", SANDBOX_KEY)
        .write_stdin(stdin)
        // A run that waits forever (reopening a pipe, say) fails here rather than hanging CI.
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap()
}

fn lines(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn each_explain_cause() {
    let dir = tempfile::tempdir().unwrap();
    key_file(dir.path());
    let url_unpadded = signed(PROD_KEY, "085", TS)
        .replace('+', "-")
        .replace('/', "_")
        .trim_end_matches('=')
        .to_owned();
    let cases = [
        (
            vec!["--env", "production"],
            signed(SANDBOX_KEY, "085", TS),
            "wrong_environment_key",
            "test-server",
        ),
        (
            vec!["--key", "live-server"],
            signed(PROD_KEY_2, "085", TS),
            "other_key",
            "live-mobile",
        ),
        (
            vec!["--env", "production"],
            signed(PROD_KEY, "85", TS),
            "partner_id_zero_padding",
            "\"85\"",
        ),
        (
            vec!["--env", "production"],
            signed(&format!("{PROD_KEY}\n"), "085", TS),
            "key_whitespace",
            "trailing newline",
        ),
        (
            vec!["--env", "production"],
            url_unpadded,
            "signature_encoding",
            "base64",
        ),
        (
            vec!["--env", "production"],
            signed("some-other-key", "085", TS),
            "unknown",
            "forged",
        ),
    ];
    for (filters, signature, cause, mention) in cases {
        let mut args = filters.clone();
        args.push("--explain");
        let out = run(dir.path(), &args, callback(&signature, TS, "1").to_string());
        assert_eq!(out.status.code(), Some(1), "{cause}");
        let result = &lines(&out)[0];
        assert_eq!(result["explain"]["cause"], cause, "{result}");
        let detail = result["explain"]["detail"].as_str().unwrap();
        assert!(detail.contains(mention), "{cause}: {detail}");
        let expected = [signed(PROD_KEY, "085", TS), signed(PROD_KEY_2, "085", TS)];
        assert_no_leak(
            &out,
            &[
                PROD_KEY,
                PROD_KEY_2,
                SANDBOX_KEY,
                &expected[0],
                &expected[1],
            ],
        );
    }
}

/// When two causes both make the signature match (here one key under two entries, one copy with
/// a trailing newline), the detail names both and claims neither as certain.
#[test]
fn two_causes_that_both_match_are_both_named() {
    let dir = tempfile::tempdir().unwrap();
    key_file(dir.path());
    let with_newline = format!("{PROD_KEY}\n");
    let body = callback(&signed(&with_newline, "085", TS), TS, "1").to_string();
    let out = smile_sec()
        .current_dir(dir.path())
        .args(["verify", "--keys", "keys.json", "--key", "live-server"])
        .args(["--now", NOW, "--format", "json", "--explain"])
        .env("PROD_KEY", PROD_KEY)
        .env("PROD_KEY_2", &with_newline)
        .env("SANDBOX_KEY", SANDBOX_KEY)
        .write_stdin(body)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let result = &lines(&out)[0];
    assert_eq!(result["explain"]["cause"], "other_key", "{result}");
    let detail = result["explain"]["detail"].as_str().unwrap();
    for named in [
        "more than one change makes it match, so none of them is certain",
        "live-mobile",
        "trailing newline",
    ] {
        assert!(detail.contains(named), "{named}: {detail}");
    }
    assert_no_leak(&out, &[PROD_KEY, SANDBOX_KEY, &signed(PROD_KEY, "085", TS)]);
}

/// A signature that is no string at all fails as `malformed_signature` like a badly spelt one, and
/// is explained like one: no spelling of it can match.
#[test]
fn a_signature_that_is_not_a_string_is_explained_too() {
    let dir = tempfile::tempdir().unwrap();
    key_file(dir.path());
    for value in ["12", "null", "[]", "{}", "true"] {
        let body = format!(r#"{{"signature":{value},"timestamp":"{TS}"}}"#);
        let out = run(dir.path(), &["--env", "production", "--explain"], body);
        assert_eq!(out.status.code(), Some(1), "{value}");
        let result = &lines(&out)[0];
        assert_eq!(result["reason"], "malformed_signature", "{result}");
        assert_eq!(result["explain"]["cause"], "unknown", "{result}");
        let detail = result["explain"]["detail"].as_str().unwrap();
        assert!(detail.contains("not a JSON string"), "{detail}");
    }
}

#[test]
fn explain_is_absent_without_the_flag_and_on_passes() {
    let dir = tempfile::tempdir().unwrap();
    key_file(dir.path());
    let good = callback(&signed(PROD_KEY, "085", TS), TS, "1");
    let bad = callback(&signed(SANDBOX_KEY, "85", TS), TS, "2");
    let out = run(dir.path(), &["--explain"], format!("{good}\n"));
    assert!(lines(&out)[0].get("explain").is_none());
    let out = run(dir.path(), &["--env", "production"], format!("{bad}\n"));
    assert!(lines(&out)[0].get("explain").is_none());
}

#[test]
fn in_run_replay_and_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    key_file(dir.path());
    let sig = signed(PROD_KEY, "085", TS);
    let original = callback(&sig, TS, "job-1");
    let resend =
        json!({"timestamp": TS, "signature": sig, "SmileJobID": "job-1", "ResultCode": "1012"});
    let replay = callback(&sig, TS, "job-2");
    let out = run(dir.path(), &[], format!("{original}\n{resend}\n{replay}\n"));
    assert_eq!(out.status.code(), Some(1));
    let l = lines(&out);
    let reasons: Vec<&str> = l[..3]
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["ok", "ok", "replayed"]);
    assert_eq!(l[2]["valid"], false);
    assert_eq!(l[3]["duplicates"], 1);
    assert_eq!(l[3]["invalid"], 1);
}

/// Files are not digested up front: an earlier body is read back from its file when its pair
/// comes again. Every way an item can sit in a file (a line, lines after a blank, a pretty-printed
/// object, an array element) and across files must compare as the stdin path does.
#[test]
fn replays_across_files_are_read_back_and_compared() {
    let dir = tempfile::tempdir().unwrap();
    key_file(dir.path());
    let sig = signed(PROD_KEY, "085", TS);
    let other_sig = signed(PROD_KEY, "085", "2026-11-20T10:01:00.000Z");
    let original = callback(&sig, TS, "job-1");
    let other = callback(&other_sig, "2026-11-20T10:01:00.000Z", "job-9");
    let batch = dir.path().join("in");
    std::fs::create_dir(&batch).unwrap();
    // a.ndjson: the original after a blank line and another callback.
    std::fs::write(batch.join("a.ndjson"), format!("{other}\n\n{original}\n")).unwrap();
    // b.json: the same body pretty-printed, keys reordered (an honest resend).
    let resend =
        json!({"timestamp": TS, "SmileJobID": "job-1", "signature": sig, "ResultCode": "1012"});
    std::fs::write(
        batch.join("b.json"),
        serde_json::to_string_pretty(&resend).unwrap(),
    )
    .unwrap();
    // c.json: an array, pretty-printed, with a replay, a resend and a first sighting...
    let third_ts = "2026-11-20T10:02:00.000Z";
    let third_sig = signed(PROD_KEY, "085", third_ts);
    let third = callback(&third_sig, third_ts, "job-3");
    std::fs::write(
        batch.join("c.json"),
        serde_json::to_string_pretty(&json!([callback(&sig, TS, "job-2"), other, third])).unwrap(),
    )
    .unwrap();
    // ...which d.ndjson resends (keys reordered) and replays: read back from within the array.
    let third_resend = format!(
        r#"{{"timestamp":"{third_ts}","signature":"{third_sig}","SmileJobID":"job-3","ResultCode":"1012"}}"#
    );
    let third_replay = callback(&third_sig, third_ts, "job-4");
    std::fs::write(
        batch.join("d.ndjson"),
        format!("{third_resend}\n{third_replay}\n"),
    )
    .unwrap();
    let out = run(dir.path(), &["in"], String::new());
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let found: Vec<(String, u64, String)> = lines(&out)
        .iter()
        .filter(|l| l["type"] == "result")
        .map(|l| {
            let source = l["source"].as_str().unwrap();
            let name = Path::new(source).file_name().unwrap().to_str().unwrap();
            (
                name.to_owned(),
                l["item"].as_u64().unwrap(),
                l["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("a.ndjson", 1, "ok"),
        ("a.ndjson", 3, "ok"),
        ("b.json", 1, "ok"),
        ("c.json", 1, "replayed"),
        ("c.json", 2, "ok"),
        ("c.json", 3, "ok"),
        ("d.ndjson", 1, "ok"),
        ("d.ndjson", 2, "replayed"),
    ];
    assert_eq!(
        found,
        expected.map(|(f, n, r)| (f.to_owned(), n, r.to_owned()))
    );
    let summary = lines(&out).pop().unwrap();
    assert_eq!(
        (summary["duplicates"].as_u64(), summary["invalid"].as_u64()),
        (Some(3), Some(2))
    );
}

/// A named pipe (or the `/dev/fd/N` of a shell's `<(...)`) is a path, but cannot be read twice:
/// its callbacks are digested as they come, and a resend in it is still only a resend.
#[cfg(unix)]
#[test]
fn a_named_pipe_is_not_read_back() {
    let dir = tempfile::tempdir().unwrap();
    key_file(dir.path());
    let fifo = dir.path().join("callbacks.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let sig = signed(PROD_KEY, "085", TS);
    let original = callback(&sig, TS, "job-1");
    let resend =
        json!({"timestamp": TS, "signature": sig, "ResultCode": "1012", "SmileJobID": "job-1"});
    let replay = callback(&sig, TS, "job-2");
    let writer = {
        let fifo = fifo.clone();
        let text = format!("{original}\n{resend}\n{replay}\n");
        std::thread::spawn(move || std::fs::write(fifo, text).unwrap())
    };
    let out = run(dir.path(), &["callbacks.fifo"], String::new());
    writer.join().unwrap();
    let reasons: Vec<String> = lines(&out)
        .iter()
        .filter(|l| l["type"] == "result")
        .map(|l| l["reason"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(reasons, ["ok", "ok", "replayed"], "{out:?}");
    assert_eq!(lines(&out).last().unwrap()["duplicates"], 1);
}

/// The number of entries in the store, as `seen stats` counts them.
fn entries(dir: &Path, store: &str) -> u64 {
    let out = smile_sec()
        .current_dir(dir)
        .args(["seen", "stats", store, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stats: Value = serde_json::from_slice(&out.stdout).unwrap();
    stats["entries"].as_u64().unwrap()
}

#[test]
fn seen_store_catches_replays_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    key_file(dir.path());
    let sig = signed(PROD_KEY, "085", TS);
    let original = callback(&sig, TS, "job-1");
    let out = run(dir.path(), &["--seen", "seen.db"], format!("{original}\n"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(entries(dir.path(), "seen.db"), 1);
    let store = std::fs::read(dir.path().join("seen.db")).unwrap();
    let raw_sig = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &sig).unwrap();
    assert!(
        !String::from_utf8_lossy(&store).contains(&sig)
            && !store.windows(raw_sig.len()).any(|w| w == raw_sig),
        "the store holds no usable signature"
    );
    // Days later, the same pair on another body.
    let out = run(
        dir.path(),
        &["--seen", "seen.db"],
        format!("{}\n", callback(&sig, TS, "job-666")),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(lines(&out)[0]["reason"], "replayed");
    // An identical resend is fine, and counted.
    let out = run(dir.path(), &["--seen", "seen.db"], format!("{original}\n"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(lines(&out)[1]["duplicates"], 1);
    // Without --seen, a new run knows nothing of the old one.
    let out = run(
        dir.path(),
        &[],
        format!("{}\n", callback(&sig, TS, "job-666")),
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn seen_folder_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    key_file(dir.path());
    let out = run(
        dir.path(),
        &["--seen", "no/such/dir/seen.db"],
        callback(&signed(PROD_KEY, "085", TS), TS, "1").to_string(),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("smile-sec: error:") && stderr.contains("no/such/dir/seen.db"),
        "{stderr}"
    );
}

fn batch(prefix: &str, count: usize) -> String {
    (0..count)
        .map(|i| {
            let ts = format!("2026-11-20T10:00:{:02}.{:03}Z", i / 1000 % 60, i % 1000);
            format!(
                "{}\n",
                callback(&signed(PROD_KEY, "085", &ts), &ts, &format!("{prefix}-{i}"))
            )
        })
        .collect()
}

fn verify_process(dir: &Path) -> Command {
    let mut cmd = smile_sec_process();
    cmd.current_dir(dir)
        .args([
            "verify",
            "--keys",
            "keys.json",
            "--now",
            NOW,
            "--seen",
            "seen.db",
            "--format",
            "json",
        ])
        .env("PROD_KEY", PROD_KEY)
        .env("PROD_KEY_2", PROD_KEY_2)
        .env("SANDBOX_KEY", SANDBOX_KEY)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

#[test]
fn concurrent_writers_lose_no_entries() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    key_file(dir.path());
    // Four runs at once, each with its own 300 callbacks (distinct timestamps per run).
    let runs: Vec<String> = (0..4)
        .map(|r| {
            (0..300)
                .map(|i| {
                    let ts = format!("2026-11-20T10:0{r}:{:02}.{:03}Z", i / 10, i);
                    format!(
                        "{}\n",
                        callback(&signed(PROD_KEY, "085", &ts), &ts, &format!("r{r}-{i}"))
                    )
                })
                .collect()
        })
        .collect();
    let children: Vec<_> = runs
        .iter()
        .map(|input| {
            let mut child = verify_process(dir.path()).spawn().unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let input = input.clone();
            let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
            (child, writer)
        })
        .collect();
    for (child, writer) in children {
        writer.join().unwrap().unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        entries(dir.path(), "seen.db"),
        1200,
        "every run's entries are present"
    );
    // And every one of them now catches a replay.
    let replays: String = runs
        .iter()
        .flat_map(|r| r.lines())
        .map(|l| format!("{}\n", l.replace("\"r", "\"x")))
        .collect();
    let out = run(dir.path(), &["--seen", "seen.db"], replays);
    let l = lines(&out);
    assert_eq!(l.last().unwrap()["invalid"], 1200);
}

#[test]
fn a_killed_writer_loses_nothing_already_recorded() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    key_file(dir.path());
    let first = batch("first", 500);
    let mut child = verify_process(dir.path()).spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(first.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(entries(dir.path(), "seen.db"), 500);

    // A second run is killed while it streams (its stdin still open, its work half done).
    let mut child = verify_process(dir.path()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let second = batch("second", 3000).replace("10:00:", "10:01:");
    stdin
        .write_all(&second.as_bytes()[..second.len() / 2])
        .unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();

    assert!(
        entries(dir.path(), "seen.db") >= 500,
        "recorded entries are untouched"
    );
    // The store stays usable: every first-run entry still catches a replay.
    let replays = first.replace("\"first-", "\"forged-");
    let out = run(dir.path(), &["--seen", "seen.db"], replays);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines(&out).last().unwrap()["invalid"], 500);
}

/// An entry that fits but whose secret is not set is skipped with a warning; a callback that only
/// it could have signed fails, and `--explain` names it as a key that was not tried.
#[test]
fn explain_names_an_entry_whose_secret_was_not_read() {
    let dir = tempfile::tempdir().unwrap();
    key_file(dir.path());
    let stdin = callback(&signed(PROD_KEY_2, "085", TS), TS, "job").to_string();
    let out = smile_sec()
        .current_dir(dir.path())
        .args(["verify", "--explain", "--keys", "keys.json", "--now", NOW])
        .args(["--format", "json"])
        .env("PROD_KEY", PROD_KEY)
        .env_remove("PROD_KEY_2")
        .env("SANDBOX_KEY", SANDBOX_KEY)
        .write_stdin(stdin)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let result = &lines(&out)[0];
    assert_eq!(result["reason"], "bad_signature");
    assert_eq!(result["explain"]["cause"], "unknown");
    let detail = result["explain"]["detail"].as_str().unwrap();
    assert!(
        detail.contains("such as that of `live-mobile` (its secret could not be read"),
        "{detail}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("PROD_KEY_2 is not set; skipped"),
        "{stderr}"
    );
}
