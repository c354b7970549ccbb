//! A closed pipe ends quietly: `smile-sec ... | head -1` prints nothing on stderr, for every
//! command that prints many lines, and exits with the verdict of what it checked so far: 0 when
//! everything passed, 1 when a check failed, 2 for unreadable input, so that a script under
//! `set -o pipefail` never takes a failure for success.
//!
//! Two ways to close the pipe: `| head -1` on output far larger than a pipe's buffer, so the
//! command is still writing when `head` leaves; and, for any output, a pipe whose reader is gone
//! before the command starts, so that its first write already meets the closed pipe.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{binary, scrub, smile_sec_process};

const KEY: &str = "closed-pipe-test-key";

/// Runs `args` with stdin from `input` (or nothing), its stdout read by `reader`: `head` is
/// `| head -1` under bash with `set -o pipefail` (the pipeline's status is the command's, as
/// `head` succeeds); `gone` is a pipe whose read end is closed before the command starts.
/// Returns (the exit status, its stderr).
fn piped(dir: &Path, args: &str, input: Option<&str>, reader: &str) -> (String, String) {
    let mut cmd = if reader == "head" {
        let script = format!(
            "set -o pipefail; '{}' {args} <{} | head -1 >/dev/null; echo $?",
            binary().display(),
            input.unwrap_or("/dev/null")
        );
        let mut cmd = Command::new("bash");
        scrub(&mut cmd).arg("-c").arg(script);
        cmd
    } else {
        let (read_end, write_end) = std::io::pipe().unwrap();
        drop(read_end);
        let mut cmd = smile_sec_process();
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
    assert_quiet_with(dir, args, input, readers, "0");
}

/// A closed pipe is quiet, and the exit status is `status`.
fn assert_quiet_with(dir: &Path, args: &str, input: Option<&str>, readers: &[&str], status: &str) {
    for reader in readers {
        let (got, stderr) = piped(dir, args, input, reader);
        assert_eq!(
            got, status,
            "`{args} | {reader}` exit status; stderr: {stderr}"
        );
        // Unreadable input is named on stderr as always; the closed pipe itself never is.
        if status == "2" {
            assert!(
                stderr
                    .lines()
                    .all(|l| l.starts_with("smile-sec: error: ") && !l.contains("pipe")),
                "`{args} | {reader}` is not quiet: {stderr}"
            );
        } else {
            assert_eq!(stderr, "", "`{args} | {reader}` is not quiet");
        }
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
    let allowed: String = (0..200_000).map(|_| "34.240.137.52\n").collect();
    std::fs::write(dir.path().join("allowed.txt"), allowed).unwrap();
    let denied: String = (0..200_000)
        .map(|n| format!("{}\n", lines[n % 2]))
        .collect();
    std::fs::write(dir.path().join("denied.txt"), denied).unwrap();
    for args in [
        "ip-check",
        "ip-check --format json",
        "ip-check --only denied",
        "ip-check --only invalid --format json",
        "ip-check -",
    ] {
        // The first line printed is allowed, but the denied and invalid ones after it were
        // checked (and written) before `head` left.
        assert_quiet_with(dir.path(), args, Some("in.txt"), &["head", "gone"], "2");
        assert_quiet_with(dir.path(), args, Some("denied.txt"), &["head", "gone"], "1");
    }
    for args in ["ip-check", "ip-check --format json", "ip-check -"] {
        assert_quiet(dir.path(), args, Some("allowed.txt"), &["head", "gone"]);
    }
    // Few lines: only the reader that is already gone closes the pipe before a write.
    assert_quiet_with(
        dir.path(),
        "ip-check --count 1.2.3.4 nope",
        None,
        &["gone"],
        "2",
    );
    assert_quiet_with(dir.path(), "ip-check --count 1.2.3.4", None, &["gone"], "1");
    assert_quiet(
        dir.path(),
        "ip-check --count 34.240.137.52",
        None,
        &["gone"],
    );
}

#[test]
fn verify_on_a_large_input() {
    use smile_sec::signing::secret::ApiKey;
    use smile_sec::signing::signature::sign;
    let dir = tempfile::tempdir().unwrap();
    let callback = |n: usize, key: &str| {
        let ts = format!("2026-01-01T00:00:{:02}.{:03}Z", n / 1000 % 60, n % 1000);
        let signature = sign(&ApiKey::new(key).unwrap(), &ts, "085");
        format!("{{\"timestamp\":\"{ts}\",\"signature\":\"{signature}\",\"n\":{n}}}\n")
    };
    let good: String = (0..60_000).map(|n| callback(n, KEY)).collect();
    std::fs::write(dir.path().join("good.ndjson"), &good).unwrap();
    // The first callback is bad: the one line `head -1` shows is a failure.
    let bad_first: String = std::iter::once(callback(0, "another-key"))
        .chain((1..60_000).map(|n| callback(n, KEY)))
        .collect();
    std::fs::write(dir.path().join("bad.ndjson"), &bad_first).unwrap();
    std::fs::write(dir.path().join("broken.ndjson"), format!("{{\n{good}")).unwrap();
    for format in ["text", "json"] {
        let args = |file: &str| {
            format!("verify {file} --partner-id 085 --now 2026-01-01T00:01:00Z --format {format}")
        };
        assert_quiet(dir.path(), &args("good.ndjson"), None, &["head", "gone"]);
        assert_quiet_with(
            dir.path(),
            &args("bad.ndjson"),
            None,
            &["head", "gone"],
            "1",
        );
        assert_quiet_with(
            dir.path(),
            &args("broken.ndjson"),
            None,
            &["head", "gone"],
            "2",
        );
    }
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
            // `--env all`: labels of its own say no environment, which a default one warns of.
            &format!("allowlist --allowlist big.txt --env all --emit {emit}"),
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
        // Every key is past its 90 days on 2026-12-01, and none past 400 days on 2025-09-02.
        assert_quiet_with(
            dir.path(),
            &format!("audit --keys keys.json --now 2026-12-01T00:00:00Z --format {format}"),
            None,
            &["head", "gone"],
            "1",
        );
        assert_quiet(
            dir.path(),
            &format!(
                "audit --keys keys.json --now 2025-09-02T00:00:00Z --max-age-days 400 --format {format}"
            ),
            None,
            &["head", "gone"],
        );
    }
}

/// JSON prints keys in the file's order: a run cut short before the one failing key, last in
/// the file, was printed ends with the verdict of what was: a pass. Text puts the failing key
/// first, and GitHub commands name findings only, so there the first line is the failure.
#[test]
fn audit_cut_short_before_its_failing_key_passes_in_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<String> = (0..3000)
        .map(|n| {
            format!(
                r#"{{"id":"key-{n}","partner_id":"085","environment":"production","integrations":["server"],"created":"{}"}}"#,
                if n == 2999 { "2025-01-01" } else { "2026-11-01" }
            )
        })
        .collect();
    std::fs::write(
        dir.path().join("keys.json"),
        format!(r#"{{"keys":[{}]}}"#, keys.join(",")),
    )
    .unwrap();
    let args = |format: &str| {
        format!("audit --keys keys.json --now 2026-12-01T00:00:00Z --format {format}")
    };
    assert_quiet(dir.path(), &args("json"), None, &["head", "gone"]);
    for format in ["text", "github"] {
        assert_quiet_with(dir.path(), &args(format), None, &["head"], "1");
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

/// A write that fails for another reason than a closed pipe (a full disk) is an error that says
/// it was stdout that could not be written, not only the system's words.
#[test]
fn a_full_disk_is_an_error_naming_stdout() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let out = smile_sec_process()
        .args(["allowlist", "--format", "json"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("smile-sec: error: cannot write to stdout: "),
        "{stderr}"
    );
}
