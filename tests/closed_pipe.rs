//! A closed pipe ends quietly: `smile-sec ... | head -1` exits
//! 0 with nothing on stderr, for every command that prints many lines. (`verify` has its own test
//! in tests/verify.rs.)
//!
//! Two ways to close the pipe: `| head -1` on output far larger than a pipe's buffer, so the
//! command is still writing when `head` leaves; and, for any output, a pipe whose reader is gone
//! before the command starts, so that its first write already meets the closed pipe.

use std::path::Path;
use std::process::{Command, Stdio};

const KEY: &str = "closed-pipe-test-key";

/// Runs `args` with stdin from `input` (or nothing), its stdout read by `reader`: `head` is
/// `| head -1` under bash; `gone` is a pipe whose read end is closed before the command starts.
/// Returns (the command's exit status, its stderr).
fn piped(dir: &Path, args: &str, input: Option<&str>, reader: &str) -> (String, String) {
    let bin = assert_cmd::cargo::cargo_bin("smile-sec");
    let mut cmd = if reader == "head" {
        let script = format!(
            "'{}' {args} <{} | head -1 >/dev/null; echo ${{PIPESTATUS[0]}}",
            bin.display(),
            input.unwrap_or("/dev/null")
        );
        let mut cmd = Command::new("bash");
        cmd.arg("-c").arg(script);
        cmd
    } else {
        let (read_end, write_end) = std::io::pipe().unwrap();
        drop(read_end);
        let mut cmd = Command::new(bin);
        cmd.args(args.split(' ')).stdout(write_end);
        match input {
            Some(name) => cmd.stdin(std::fs::File::open(dir.join(name)).unwrap()),
            None => cmd.stdin(Stdio::null()),
        };
        cmd
    };
    let out = cmd
        .current_dir(dir)
        .env("SMILE_API_KEY", KEY)
        .env_remove("SMILE_SEC_KEYS")
        .env_remove("SMILE_PARTNER_ID")
        .env_remove("SMILE_SEC_NOW")
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let status = if reader == "head" {
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    } else {
        out.status.code().map_or("signal".into(), |c| c.to_string())
    };
    (status, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn assert_quiet(dir: &Path, args: &str, input: Option<&str>, readers: &[&str]) {
    for reader in readers {
        let (status, stderr) = piped(dir, args, input, reader);
        assert_eq!(
            status, "0",
            "`{args} | {reader}` exit status; stderr: {stderr}"
        );
        assert_eq!(stderr, "", "`{args} | {reader}` is not quiet");
    }
}

#[test]
fn ip_check_on_a_large_input() {
    let dir = tempfile::tempdir().unwrap();
    // Allowed, denied and invalid lines: the exit would be 2 if the run went to its end.
    let lines = [
        "34.240.137.52",
        "1.2.3.4",
        "not an address",
        "[2001:db8::1]:443",
    ];
    let text: String = (0..200_000)
        .map(|n| format!("{}\n", lines[n % 4]))
        .collect();
    std::fs::write(dir.path().join("in.txt"), text).unwrap();
    for args in [
        "ip-check",
        "ip-check --format json",
        "ip-check --only denied",
        "ip-check --only invalid --format json",
        "ip-check -",
    ] {
        assert_quiet(dir.path(), args, Some("in.txt"), &["head", "gone"]);
    }
    // Few lines: only the reader that is already gone closes the pipe before a write.
    assert_quiet(dir.path(), "ip-check --count 1.2.3.4 nope", None, &["gone"]);
}

#[test]
fn allowlist_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    // 6000 entries: every snippet is far larger than a pipe's buffer.
    let text: String = (0..6000)
        .map(|n| format!("10.{}.{}.0/24 office-{n}\n", n / 256, n % 256))
        .collect();
    std::fs::write(dir.path().join("big.txt"), text).unwrap();
    for emit in [
        "text", "json", "nginx", "apache", "iptables", "nftables", "haproxy", "k8s",
    ] {
        assert_quiet(
            dir.path(),
            &format!("allowlist --allowlist big.txt --emit {emit}"),
            None,
            &["head", "gone"],
        );
        assert_quiet(
            dir.path(),
            &format!("allowlist --emit {emit}"),
            None,
            &["head", "gone"],
        );
    }
    assert_quiet(
        dir.path(),
        "allowlist --allowlist big.txt --format json",
        None,
        &["head", "gone"],
    );
}

#[test]
fn audit_with_many_keys_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<String> = (0..3000)
        .map(|n| {
            format!(
                r#"{{"id":"key-{n}","partner_id":"085","environment":"{}","integrations":["server"],"created":"2025-0{}-01"}}"#,
                if n % 2 == 0 { "production" } else { "sandbox" },
                1 + n % 9
            )
        })
        .collect();
    std::fs::write(
        dir.path().join("keys.json"),
        format!(r#"{{"keys":[{}]}}"#, keys.join(",")),
    )
    .unwrap();
    for format in ["text", "json", "sarif", "github"] {
        assert_quiet(
            dir.path(),
            &format!("audit --keys keys.json --now 2026-06-01T00:00:00Z --format {format}"),
            None,
            &["head", "gone"],
        );
    }
}

#[test]
fn completions_for_every_shell() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        for format in ["text", "json"] {
            assert_quiet(
                dir.path(),
                &format!("completions {shell} --format {format}"),
                None,
                &["head", "gone"],
            );
        }
    }
}

#[test]
fn short_outputs_too() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        "sign --partner-id 085 --timestamp 2026-01-01T00:00:00.000Z",
        "sign --partner-id 085 --format headers",
        "callback new --partner-id 085",
        "callback new --partner-id 085 --format json",
        "--help",
        "verify --help",
        "--version",
    ] {
        assert_quiet(dir.path(), args, None, &["gone"]);
    }
}
