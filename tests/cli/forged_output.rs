//! No input can forge a line of output: file names, key ids, labels, owners, mute reasons and
//! answers from an endpoint, holding a newline, a GitHub workflow command, a carriage return and
//! terminal escapes (colour, OSC 8 links, the one-byte CSI), go through every command and every
//! text format; no line they print is one the input wrote, and no escape reaches the terminal.

use std::path::Path;

use crate::common::smile_sec;
use smile_sec::signing::secret::ApiKey;
use smile_sec::signing::signature::sign;

/// What an attacker would put in a name: a line of its own for GitHub Actions, another that
/// passes for a result, a carriage return that rewrites the line, and escapes.
const HOSTILE: &str = "evil\n::error file=x::FORGED\nok                  FORGED.json:1\rFORGED\u{1b}[31m\u{1b}]8;;evil.example\u{7}\u{9b}2J\u{2028}FORGED";

const KEY: &str = "forged-output-test-key";
const TS: &str = "2026-11-20T10:00:00.000Z";
const NOW: &str = "2026-11-20T10:01:00Z";

/// Checks one run's output: nothing the hostile text holds reaches either stream as it is.
/// (JSON escapes the ASCII controls; C1 controls and U+2028 are valid JSON text as they are, and
/// a JSON reader decodes them anyway, so JSON output is held to the ASCII ones.)
fn check(what: &str, stdout: &[u8], stderr: &[u8], github: bool) {
    let json = what.contains("json") || what.contains("sarif");
    for (stream, bytes) in [("stdout", stdout), ("stderr", stderr)] {
        let text = String::from_utf8_lossy(bytes);
        let ascii_only = json && stream == "stdout";
        for bad in ['\u{1b}', '\r', '\u{9b}', '\u{7}', '\u{2028}'] {
            if ascii_only && !bad.is_ascii() {
                continue;
            }
            assert!(
                !text.contains(bad),
                "{what}: {stream} holds {bad:?}:\n{text}"
            );
        }
        for line in text.lines() {
            assert!(
                !line.starts_with("::error file=x") && !line.starts_with("FORGED"),
                "{what}: {stream} has a forged line {line:?}:\n{text}"
            );
            assert!(
                !line.starts_with("ok                  FORGED"),
                "{what}: {stream} has a forged result {line:?}"
            );
            if github && stream == "stdout" {
                assert!(
                    ["::error ", "::warning ", "::notice ", "smile-sec audit: "]
                        .iter()
                        .any(|p| line.starts_with(p)),
                    "{what}: not a workflow command: {line:?}"
                );
            }
            if stream == "stderr" {
                assert!(
                    line.starts_with("smile-sec: ") || line.starts_with("hint: "),
                    "{what}: stray stderr line {line:?}"
                );
            }
        }
    }
}

fn key_file(dir: &Path) {
    let hostile = serde_json::to_string(HOSTILE).unwrap();
    let text = format!(
        r#"{{"keys":[
          {{"id":{hostile},"partner_id":"085","environment":"production","integrations":[{hostile},"mobile"],
            "created":"2025-01-01","api_key":"{KEY}","owner":{hostile},
            "mutes":[{{"finding":"inline_secret","reason":{hostile},"until":"2026-12-01"}}]}},
          {{"id":"other","partner_id":"085","environment":"sandbox","integrations":["server"],
            "created":"2026-11-19","api_key_env":"FORGED_OUTPUT_UNSET_VARIABLE"}}
        ]}}"#
    );
    std::fs::write(dir.join("keys.json"), &text).unwrap();
    std::fs::write(dir.join(HOSTILE), &text).unwrap();
}

#[test]
fn verify_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    key_file(dir.path());
    let signature = sign(&ApiKey::new(KEY).unwrap(), TS, "085");
    let good = format!(r#"{{"timestamp":"{TS}","signature":"{signature}"}}"#);
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let bad = format!(
        r#"{{"timestamp":"{TS}","signature":"{flipped}{}"}}"#,
        &signature[1..]
    );
    let url = signature.replace('+', "-").replace('/', "_");
    let wrapped = format!(r#"{{"timestamp":"{TS}","signature":"{url}"}}"#);
    std::fs::create_dir(dir.path().join("in")).unwrap();
    std::fs::write(
        dir.path().join("in").join(format!("{HOSTILE}.ndjson")),
        format!("{good}\n{bad}\n{wrapped}\nnot json\n[]\n"),
    )
    .unwrap();
    for format in ["text", "json"] {
        for extra in [&[][..], &["--explain"][..]] {
            let out = smile_sec()
                .current_dir(dir.path())
                .args([
                    "verify",
                    "in",
                    "--keys",
                    "keys.json",
                    "--now",
                    NOW,
                    "--format",
                    format,
                ])
                .args(extra)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2));
            check(
                &format!("verify {format} {extra:?}"),
                &out.stdout,
                &out.stderr,
                false,
            );
            let stdout = String::from_utf8_lossy(&out.stdout);
            // One line a callback and the summary: nothing split.
            assert_eq!(stdout.lines().count(), 6, "{stdout}");
        }
    }
}

#[test]
fn audit_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    key_file(dir.path());
    for file in ["keys.json", HOSTILE] {
        for format in ["text", "json", "sarif", "github"] {
            let out = smile_sec()
                .current_dir(dir.path())
                .args(["audit", "--keys", file, "--now", NOW, "--format", format])
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(1),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            check(
                &format!("audit {format} ({file:?})"),
                &out.stdout,
                &out.stderr,
                format == "github",
            );
            if format == "github" {
                let stdout = String::from_utf8_lossy(&out.stdout);
                // Properties spell `:` and `,` as GitHub asks, messages `%`, CR and LF.
                let first = stdout.lines().next().unwrap();
                let (command, message) = first[2..].split_once("::").unwrap();
                assert!(
                    message.contains("%0A%3A%3Aerror file=x")
                        || message.contains("%0A::error file=x"),
                    "{first}"
                );
                if file == HOSTILE {
                    assert!(
                        command.contains("file=evil%0A%3A%3Aerror file=x%3A%3AFORGED"),
                        "{first}"
                    );
                }
            }
        }
    }
}

#[test]
fn ip_check_and_allowlist_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(HOSTILE), "34.240.137.52 office\n").unwrap();
    for format in ["text", "json"] {
        let out = smile_sec()
            .current_dir(dir.path())
            .args([
                "ip-check",
                "--allowlist",
                HOSTILE,
                "--format",
                format,
                "34.240.137.52",
                HOSTILE,
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        check(
            &format!("ip-check {format}"),
            &out.stdout,
            &out.stderr,
            false,
        );
    }
    for emit in [
        "text", "json", "nginx", "apache", "iptables", "nftables", "haproxy", "k8s",
    ] {
        let out = smile_sec()
            .current_dir(dir.path())
            .args([
                "allowlist",
                "--allowlist",
                HOSTILE,
                "--emit",
                emit,
                "--env",
                "all",
            ])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        check(
            &format!("allowlist {emit}"),
            &out.stdout,
            &out.stderr,
            false,
        );
    }
    // A missing file with that name: the error line names it, escaped.
    let out = smile_sec()
        .current_dir(dir.path())
        .args(["allowlist", "--allowlist", &format!("{HOSTILE}.missing")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    check("allowlist missing", &out.stdout, &out.stderr, false);
}

#[test]
fn callback_send_and_probe_with_a_hostile_endpoint() {
    let url = crate::common::serve(Box::new(|_| (200, HOSTILE.to_owned())));
    let dir = tempfile::tempdir().unwrap();
    let body = smile_sec()
        .args(["callback", "new", "--partner-id", "085"])
        .env("SMILE_API_KEY", KEY)
        .output()
        .unwrap();
    std::fs::write(dir.path().join(HOSTILE), &body.stdout).unwrap();
    for format in ["text", "json"] {
        let out = smile_sec()
            .current_dir(dir.path())
            .args(["callback", "send", &url, HOSTILE, "--format", format])
            .output()
            .unwrap();
        check(
            &format!("callback send {format}"),
            &out.stdout,
            &out.stderr,
            false,
        );
        let out = smile_sec()
            .current_dir(dir.path())
            .args([
                "callback",
                "probe",
                &url,
                "--partner-id",
                "085",
                "--format",
                format,
            ])
            .env("SMILE_API_KEY", KEY)
            .output()
            .unwrap();
        check(
            &format!("callback probe {format}"),
            &out.stdout,
            &out.stderr,
            false,
        );
    }
    // A file name that does not exist, and a URL that is no URL.
    let out = smile_sec()
        .current_dir(dir.path())
        .args([
            "callback",
            "send",
            &format!("http://127.0.0.1:1/{HOSTILE}"),
            &format!("{HOSTILE}.x"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    check("callback send missing", &out.stdout, &out.stderr, false);
}

/// A command a hint suggests is one to paste into a shell: a name in it is quoted, so that a
/// file named `$(touch PWNED)` is read as that name and never run.
#[test]
fn suggested_commands_quote_the_names_in_them() {
    let dir = tempfile::tempdir().unwrap();
    let keys = "k $(touch PWNED).json";
    std::fs::write(
        dir.path().join(keys),
        r#"{"keys":[{"id":"a","partner_id":"085","environment":"production","integrations":["server"],"created":"2026-01-01"}]}"#,
    )
    .unwrap();
    let record = "old $(touch PWNED);x.ndjson";
    std::fs::write(
        dir.path().join(record),
        r#"{"timestamp":"2026-11-21T08:30:00.001Z","pair":"f44b933c356c56eeef4ee9614e73a9ff","body":"bd05","seen_at":"2026-11-21T09:00:00.000Z"}
"#,
    )
    .unwrap();
    let audit = smile_sec()
        .current_dir(dir.path())
        .args(["audit", "--keys", keys, "--now", NOW])
        .output()
        .unwrap();
    let stdout = String::from_utf8(audit.stdout).unwrap();
    assert!(
        stdout.contains("smile-sec verify CALLBACKS --keys 'k $(touch PWNED).json' --key NEW-ID"),
        "{stdout}"
    );
    let verify = smile_sec()
        .current_dir(dir.path())
        .args(["verify", "--partner-id", "085", "--seen", record, "-"])
        .env("SMILE_API_KEY", KEY)
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(2));
    let stderr = String::from_utf8(verify.stderr).unwrap();
    assert!(
        stderr.contains("`smile-sec seen import STORE 'old $(touch PWNED);x.ndjson'`"),
        "{stderr}"
    );
}
