//! `smile-sec sign` through the binary.

use crate::common::{assert_no_leak, smile_sec};
use predicates::prelude::*;

const KEY: &str = "apiKey";
// Official Java SDK fixture: partner `partner`, key `apiKey`.
const TS: &str = "2023-02-13T15:07:42.214Z";
const SIG: &str = "XxThLHZy2ij1WINkqNEPgzVs9RvUDHWlebDYzprqS74=";

fn sign(format: &str) -> assert_cmd::assert::Assert {
    smile_sec()
        .args([
            "sign",
            "--partner-id",
            "partner",
            "--timestamp",
            TS,
            "--format",
            format,
        ])
        .env("SMILE_API_KEY", KEY)
        .assert()
}

#[test]
fn text_format() {
    sign("text").success().stdout(format!(
        "partner_id  partner\ntimestamp   {TS}\nsignature   {SIG}\n"
    ));
}

/// A partner ID holding a character that prints as nothing would print the same as another in
/// text: refused there (JSON escapes it), as a control character is.
#[test]
fn text_refuses_an_invisible_character_in_the_partner_id() {
    for partner in ["085\u{200b}", "08\u{202e}5", "085\u{2028}"] {
        let out = smile_sec()
            .args(["sign", "--partner-id", partner, "--timestamp", TS])
            .env("SMILE_API_KEY", KEY)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{partner:?}");
        assert!(out.stdout.is_empty(), "{partner:?}");
        smile_sec()
            .args([
                "sign",
                "--partner-id",
                partner,
                "--timestamp",
                TS,
                "--format",
                "json",
            ])
            .env("SMILE_API_KEY", KEY)
            .assert()
            .success();
    }
}

#[test]
fn json_format() {
    let out = sign("json").success().get_output().stdout.clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"partner_id": "partner", "timestamp": TS, "signature": SIG})
    );
}

#[test]
fn headers_format() {
    sign("headers").success().stdout(format!(
        "SmileID-Partner-ID: partner\nSmileID-Timestamp: {TS}\nSmileID-Request-Signature: {SIG}\n"
    ));
}

#[test]
fn env_format_is_shell_safe() {
    sign("env").success().stdout(format!(
        "SMILE_PARTNER_ID='partner'\nSMILE_TIMESTAMP='{TS}'\nSMILE_SIGNATURE='{SIG}'\n"
    ));
    // A value with a quote survives a real POSIX shell unchanged.
    let out = smile_sec()
        .args([
            "sign",
            "--partner-id",
            "it's",
            "--timestamp",
            "x'y",
            "--format",
            "env",
        ])
        .env("SMILE_API_KEY", KEY)
        .output()
        .unwrap();
    let script = format!(
        "{}\nprintf '%s|%s' \"$SMILE_PARTNER_ID\" \"$SMILE_TIMESTAMP\"",
        String::from_utf8(out.stdout).unwrap()
    );
    let shell = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&shell.stdout), "it's|x'y");
}

#[test]
fn default_timestamp_is_node_form_of_now() {
    smile_sec()
        .args([
            "sign",
            "--partner-id",
            "085",
            "--now",
            "2026-11-20T10:00:00.5+01:00",
            "--format",
            "json",
        ])
        .env("SMILE_API_KEY", KEY)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            r#""timestamp":"2026-11-20T09:00:00.500Z""#,
        ));
    let out = smile_sec()
        .args(["sign", "--partner-id", "085", "--format", "json"])
        .env("SMILE_API_KEY", KEY)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ts = v["timestamp"].as_str().unwrap();
    assert_eq!(ts.len(), 24, "{ts}");
    assert!(ts.ends_with('Z') && ts.as_bytes()[19] == b'.', "{ts}");
    // A --now whose UTC reading leaves the four-digit years is refused, not written `+10000-...`.
    for (now, year) in [
        ("9999-12-31T23:59:59-23:59", "10000"),
        ("0000-01-01T00:00:00+01:00", "-1"),
    ] {
        let out = smile_sec()
            .args(["sign", "--partner-id", "085", "--now", now])
            .env("SMILE_API_KEY", KEY)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{now}: {stderr}");
        assert!(out.stdout.is_empty());
        assert!(
            stderr.contains(&format!("is in year {year} in UTC")),
            "{stderr}"
        );
    }
    smile_sec()
        .args([
            "sign",
            "--partner-id",
            "085",
            "--now",
            "9999-12-31T23:59:59Z",
        ])
        .env("SMILE_API_KEY", KEY)
        .assert()
        .success();
}

#[test]
fn partner_id_is_used_byte_for_byte() {
    let sig_of = |pid: &str| {
        let out = smile_sec()
            .args([
                "sign",
                "--partner-id",
                pid,
                "--timestamp",
                TS,
                "--format",
                "json",
            ])
            .env("SMILE_API_KEY", KEY)
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["signature"].clone()
    };
    assert_ne!(sig_of("085"), sig_of("85"));
    assert_ne!(sig_of("085"), sig_of(" 085"));
}

#[test]
fn partner_id_from_env() {
    smile_sec()
        .args(["sign", "--timestamp", TS, "--format", "json"])
        .env("SMILE_API_KEY", KEY)
        .env("SMILE_PARTNER_ID", "partner")
        .assert()
        .success()
        .stdout(predicate::str::contains(SIG));
}

#[test]
fn body_is_merged() {
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("req.json");
    std::fs::write(
        &body,
        r#"{"job_type": 5, "partner_id": "old", "country": "NG"}"#,
    )
    .unwrap();
    let out = smile_sec()
        .args([
            "sign",
            "--partner-id",
            "partner",
            "--timestamp",
            TS,
            "--format",
            "json",
            "--body",
        ])
        .arg(&body)
        .env("SMILE_API_KEY", KEY)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"job_type": 5, "partner_id": "partner", "country": "NG", "timestamp": TS, "signature": SIG})
    );
    // From stdin too; a non-object is refused.
    smile_sec()
        .args([
            "sign",
            "--partner-id",
            "partner",
            "--timestamp",
            TS,
            "--body",
            "-",
        ])
        .env("SMILE_API_KEY", KEY)
        .write_stdin("{}")
        .assert()
        .success()
        .stdout(predicate::str::contains(SIG));
    smile_sec()
        .args(["sign", "--partner-id", "partner", "--body", "-"])
        .env("SMILE_API_KEY", KEY)
        .write_stdin("[1]")
        .assert()
        .code(2)
        .stderr(
            predicate::str::starts_with("smile-sec: error:")
                .and(predicate::str::contains("not a JSON object")),
        );
}

/// The body's other fields come back as written: in their order, numbers not read into floats
/// and written back, strings as escaped; only white space between tokens goes, so the JSON output
/// stays one line.
#[test]
fn body_fields_come_back_as_written() {
    let body = "{\"id\": 123456789012345678901234567890, \"n\": 1.0000000000000000001,\n \
                \"f\": 1.50, \"e\": 1e400, \"s\": \"a \\\" \\u00e9 b\",\n \
                \"nested\": {\n  \"list\": [1, 2.50, {\"x\": -0.0}]\n },\n \"timestamp\": \"old\"}";
    let out = smile_sec()
        .args(["sign", "--partner-id", "partner", "--timestamp", TS])
        .args(["--format", "json", "--body", "-"])
        .env("SMILE_API_KEY", KEY)
        .write_stdin(body)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!(
            "{{\"id\":123456789012345678901234567890,\"n\":1.0000000000000000001,\"f\":1.50,\
             \"e\":1e400,\"s\":\"a \\\" \\u00e9 b\",\"nested\":{{\"list\":[1,2.50,{{\"x\":-0.0}}]}},\
             \"timestamp\":\"{TS}\",\"partner_id\":\"partner\",\"signature\":\"{SIG}\"}}\n"
        )
    );
}

#[test]
fn key_file_entry_and_api_key_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.txt"), "apiKey\n").unwrap();
    std::fs::write(
        dir.path().join("keys.json"),
        r#"{"keys":[{"id":"s","partner_id":"partner","environment":"sandbox","integrations":["server"],
            "created":"2026-11-01","api_key_file":"k.txt"}]}"#,
    )
    .unwrap();
    smile_sec()
        .current_dir(dir.path())
        .args([
            "sign",
            "--keys",
            "keys.json",
            "--key",
            "s",
            "--timestamp",
            TS,
            "--format",
            "json",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(SIG));
    // ./smile-keys.json is found without --keys.
    std::fs::rename(
        dir.path().join("keys.json"),
        dir.path().join("smile-keys.json"),
    )
    .unwrap();
    smile_sec()
        .current_dir(dir.path())
        .args(["sign", "--timestamp", TS, "--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains(SIG));
    smile_sec()
        .current_dir(dir.path())
        .args([
            "sign",
            "--api-key-file",
            "k.txt",
            "--partner-id",
            "partner",
            "--timestamp",
            TS,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(SIG));
    smile_sec()
        .current_dir(dir.path())
        .args([
            "sign",
            "--api-key-file",
            "-",
            "--partner-id",
            "partner",
            "--timestamp",
            TS,
        ])
        .write_stdin("apiKey\r\n")
        .assert()
        .success()
        .stdout(predicate::str::contains(SIG));
}

#[test]
fn usage_errors_exit_2_without_leaking() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty"), "\n").unwrap();
    let cases: Vec<(Vec<&str>, Option<&str>, &str)> = vec![
        (vec!["sign", "--partner-id", "p"], None, "no API key"),
        (vec!["sign"], Some(KEY), "no partner ID"),
        (vec!["sign", "--partner-id", "p"], Some(""), "empty"),
        (
            vec!["sign", "--partner-id", "p", "--api-key-file", "empty"],
            None,
            "empty",
        ),
        (
            vec!["sign", "--partner-id", "p", "--api-key-file", "missing"],
            None,
            "cannot read API key file missing",
        ),
        (
            vec!["sign", "--partner-id", "p", "--format", "xml"],
            Some(KEY),
            "invalid value 'xml'",
        ),
        (
            vec!["sign", "--partner-id", "p", "--api-key", "secret"],
            Some(KEY),
            "unexpected argument '--api-key'",
        ),
        (
            vec![
                "sign",
                "--partner-id",
                "p\nX-Evil: 1",
                "--format",
                "headers",
            ],
            Some(KEY),
            "control character",
        ),
        // HTTP drops the white space around a header value: what arrives is not what was signed.
        (
            vec!["sign", "--partner-id", " 085 ", "--format", "headers"],
            Some(KEY),
            "the partner ID begins or ends with white space",
        ),
        (
            vec![
                "sign",
                "--partner-id",
                "085",
                "--timestamp",
                " 2026-11-20T10:00:00Z",
                "--format",
                "headers",
            ],
            Some(KEY),
            "the timestamp begins or ends with white space",
        ),
        // No command at all: the error line, not the help text.
        (vec![], None, "`smile-sec` needs a command"),
        (vec!["--color", "never"], None, "sign, verify, ip-check"),
        (
            vec!["callback"],
            Some(KEY),
            "`smile-sec callback` needs a command",
        ),
        (vec!["callback"], None, "one of new, send, probe"),
        // What is missing is in the error line itself.
        (
            vec!["callback", "send"],
            Some(KEY),
            "were not provided: <URL>",
        ),
        // Line breaks in values and paths stay on the error line, escaped.
        (
            vec!["callback", "new", "--job-type", "1\n2"],
            Some(KEY),
            r"invalid value '1\n2'",
        ),
        (
            vec!["sign", "--partner-id", "p", "--api-key-file", "no\nsuch"],
            None,
            r"cannot read API key file no\nsuch",
        ),
    ];
    for (args, key, needle) in cases {
        let mut cmd = smile_sec();
        cmd.current_dir(dir.path()).args(&args);
        if let Some(key) = key {
            cmd.env("SMILE_API_KEY", key);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        // Usage errors from clap too: one contract-shaped line, then at most a hint.
        assert!(
            stderr.starts_with("smile-sec: error: "),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.lines().count() <= 2 && stderr.lines().skip(1).all(|l| l.starts_with("hint: ")),
            "{stderr}"
        );
        assert_no_leak(&out, &[KEY]);
    }
}

#[test]
fn help_shows_no_env_values() {
    let out = smile_sec()
        .args(["sign", "--help"])
        .env("SMILE_API_KEY", "sekrit-api-key")
        .env("SMILE_PARTNER_ID", "partner-from-env")
        .env("SMILE_SEC_KEYS", "keys-from-env.json")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_no_leak(
        &out,
        &["sekrit-api-key", "partner-from-env", "keys-from-env.json"],
    );
}

/// A partner ID with a NUL byte (possible from a key file) cannot be handed to a shell: it would
/// drop the byte and hold another partner ID than the one signed. `--format env` refuses it; JSON
/// can carry it.
#[test]
fn env_output_refuses_a_nul_byte_a_shell_would_drop() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.json");
    std::fs::write(
        &keys,
        r#"{"keys":[{"id":"n","partner_id":"08\u00005","environment":"production","integrations":["server"],"created":"2026-11-01","api_key_env":"NUL_TEST_KEY"}]}"#,
    )
    .unwrap();
    let sign_as = |format: &str| {
        smile_sec()
            .args(["sign", "--keys", keys.to_str().unwrap(), "--key", "n"])
            .args([
                "--timestamp",
                "2026-11-20T10:00:00.000Z",
                "--format",
                format,
            ])
            .env("NUL_TEST_KEY", "nul-test-key-value")
            .output()
            .unwrap()
    };
    let env = sign_as("env");
    assert_eq!(env.status.code(), Some(2));
    assert!(env.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&env.stderr);
    assert!(
        stderr.starts_with("smile-sec: error: the partner ID contains a NUL byte"),
        "{stderr}"
    );
    let json = sign_as("json");
    assert_eq!(json.status.code(), Some(0));
    let printed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(printed["partner_id"], "08\u{0}5");
}

/// A retired key still signs (a test may need exactly such a callback), but a signature dated
/// after its retirement is one Smile ID and `verify` refuse, and the user is told so.
#[test]
fn signing_with_a_retired_key_after_its_retirement_warns() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.txt"), "apiKey\n").unwrap();
    std::fs::write(
        dir.path().join("keys.json"),
        r#"{"keys":[{"id":"old","partner_id":"partner","environment":"sandbox","integrations":["server"],
            "created":"2023-01-01","status":"retired","retired":"2023-02-13T15:07:42.214Z","api_key_file":"k.txt"}]}"#,
    )
    .unwrap();
    let run = |command: &[&str], timestamp: &str| {
        smile_sec()
            .current_dir(dir.path())
            .args(command)
            .args([
                "--keys",
                "keys.json",
                "--key",
                "old",
                "--timestamp",
                timestamp,
            ])
            .assert()
            .success()
    };
    let warning = "smile-sec: warning: key `old` was retired at 2023-02-13T15:07:42Z, and this \
                   signature is not dated before then: Smile ID no longer accepts it, and \
                   `verify` refuses it as retired_key\n";
    // Up to the retirement moment itself the key was in use: no word.
    run(&["sign"], TS)
        .stdout(predicate::str::contains(SIG))
        .stderr("");
    let after = "2023-02-13T15:07:42.215Z";
    run(&["sign"], after)
        .stdout(predicate::str::contains(after))
        .stderr(warning);
    run(&["sign"], "not a time").stderr(warning);
    run(&["callback", "new"], after).stderr(warning);
    run(&["callback", "new"], TS).stderr("");
}
