//! Hostile input for `ip-check`, `allowlist --allowlist FILE` and `audit` (key files) through the
//! binary (`verify` and `sign` are in tests/cli/hostile.rs). Every case: the exit code
//! the README gives, a `smile-sec: error:` line for every exit 2, never a panic or
//! the panic hook's "internal error" line, a time bound, and every good line of a batch reported.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::smile_sec;
use serde_json::Value;

/// Generous for a debug build on a loaded two-core machine; a hang or a quadratic blow-up on
/// these inputs takes far longer.
const TIME_BOUND: Duration = Duration::from_secs(20);

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs smile-sec in `dir` and checks what every case must hold.
fn run(dir: &Path, args: &[&str], stdin: impl Into<Vec<u8>>, code: i32) -> Ran {
    let started = Instant::now();
    let out = smile_sec()
        .current_dir(dir)
        .args(args)
        .write_stdin(stdin.into())
        .timeout(TIME_BOUND)
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let ran = Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let shown = |s: &str| s.chars().take(2000).collect::<String>();
    assert!(elapsed < TIME_BOUND, "{args:?} took {elapsed:?}");
    assert_eq!(
        ran.code,
        code,
        "{args:?}\nstdout: {}\nstderr: {}",
        shown(&ran.stdout),
        shown(&ran.stderr)
    );
    assert!(
        !ran.stderr.contains("internal error") && !ran.stderr.contains("panicked"),
        "{args:?}: {}",
        ran.stderr
    );
    if code == 2 {
        // Ours start `smile-sec: error:`; clap's usage errors start `error:`.
        assert!(
            ran.stderr.starts_with("smile-sec: error:")
                || ran.stderr.contains("\nsmile-sec: error:")
                || ran.stderr.starts_with("error:"),
            "{args:?}: exit 2 without an error line:\n{}",
            ran.stderr
        );
    }
    ran
}

/// The NDJSON results of `ip-check --format json`, by input, and the summary.
fn results(ran: &Ran) -> (Vec<Value>, Value) {
    let mut lines: Vec<Value> = ran
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = lines.pop().unwrap();
    assert_eq!(summary["type"], "summary");
    (lines, summary)
}

// ---------------------------------------------------------------------------------------------
// ip-check: lines on stdin and arguments

#[test]
fn ip_check_reports_every_line_of_a_hostile_batch() {
    let dir = tempfile::tempdir().unwrap();
    let mut input: Vec<u8> = Vec::new();
    let hostile: Vec<Vec<u8>> = vec![
        b"\xef\xbb\xbf52.36.32.43".to_vec(),
        b"1.2.3.4\r".to_vec(),
        b"a\x00b".to_vec(),
        b"\x00".to_vec(),
        b"\xff\xfe\xfd".to_vec(),
        b"\xed\xa0\x80".to_vec(), // a lone surrogate, as WTF-8
        vec![b'9'; 100_000],
        b"999.999.999.999".to_vec(),
        b"4294967296".to_vec(),
        b"1.2.3.4:99999".to_vec(),
        b"1.2.3.4:0".to_vec(),
        b"1.2.3.4:".to_vec(),
        b"1.2.3.4/32".to_vec(),
        "１.２.３.４".as_bytes().to_vec(),
        b"-1.2.3.4".to_vec(),
        b"0x22.0xf0.0x89.0x34".to_vec(),
        b"1:2:3:4:5:6:7:8:9".to_vec(),
        b"fe80::1%eth0".to_vec(),
        b"[".to_vec(),
        b"]:".to_vec(),
        b"[::ffff:34.240.137.52".to_vec(),
        b"   ".to_vec(),
        b"".to_vec(),
        b"\x1b[2J".to_vec(),
    ];
    // A good line before each hostile one: every good line must still be reported as allowed.
    for h in &hostile {
        input.extend_from_slice(b"44.230.128.108\n");
        input.extend_from_slice(h);
        input.push(b'\n');
    }
    input.extend_from_slice(b"[::ffff:52.213.46.74]:443"); // the last line has no newline
    let ran = run(dir.path(), &["ip-check", "--format", "json"], input, 2);
    let (lines, summary) = results(&ran);
    assert_eq!(lines.len(), hostile.len() * 2 + 1, "one result per line");
    assert_eq!(summary["checked"], hostile.len() * 2 + 1);
    for pair in lines[..lines.len() - 1].chunks(2) {
        assert_eq!(pair[0]["verdict"], "allowed", "{}", pair[0]);
        assert!(
            ["denied", "invalid"].contains(&pair[1]["verdict"].as_str().unwrap()),
            "{}",
            pair[1]
        );
    }
    assert_eq!(lines.last().unwrap()["verdict"], "allowed");
    // The CRLF line is an address (line endings are not part of it).
    assert_eq!(lines[3]["verdict"], "denied", "{}", lines[3]);
    assert!(ran.stderr.contains("smile-sec: error:"), "{}", ran.stderr);
    // Text output escapes control characters: nothing can reach the terminal raw.
    let text = run(dir.path(), &["ip-check"], b"\x1b[2J\n\x07\n".to_vec(), 2);
    assert!(!text.stdout.contains('\x1b') && !text.stdout.contains('\x07'));
}

#[test]
fn ip_check_empty_and_blank_input() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing to check is not a pass (a log that went missing): exit 2 after the summary, as
    // `verify` does.
    let ran = run(dir.path(), &["ip-check", "--format", "json"], "", 2);
    assert_eq!(results(&ran).1["checked"], 0);
    assert!(
        ran.stderr.contains("no addresses in the input"),
        "{}",
        ran.stderr
    );
    // Blank lines are inputs that are not addresses, each reported.
    let ran = run(
        dir.path(),
        &["ip-check", "--format", "json"],
        " \n\t\n\r\n\n",
        2,
    );
    assert_eq!(results(&ran).0.len(), 4);
    run(dir.path(), &["ip-check", ""], "", 2);
    run(dir.path(), &["ip-check", "--count"], "\n", 2);
}

#[test]
fn ip_check_crlf_input_is_read_as_lines() {
    let dir = tempfile::tempdir().unwrap();
    let ran = run(
        dir.path(),
        &["ip-check", "--count"],
        "34.240.137.52\r\n44.230.128.108\r\n",
        0,
    );
    assert_eq!(ran.stdout, "allowed 2\ndenied 0\ninvalid 0\n");
}

#[test]
fn ip_check_huge_lines_are_invalid_and_cost_no_memory() {
    let dir = tempfile::tempdir().unwrap();
    // 32 MB in one line with no newline, then the same before a good line.
    let mut input = vec![b'1'; 32 << 20];
    let ran = run(dir.path(), &["ip-check", "--count"], input.clone(), 2);
    assert_eq!(ran.stdout, "allowed 0\ndenied 0\ninvalid 1\n");
    input.extend_from_slice(b"\n34.240.137.52\n");
    let ran = run(dir.path(), &["ip-check", "--format", "json"], input, 2);
    let (lines, _) = results(&ran);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["verdict"], "allowed");
    // The echoed input is cut, not 32 MB long.
    assert!(ran.stdout.len() < 4096, "{} bytes", ran.stdout.len());
}

#[test]
fn ip_check_proxy_flags_with_absurd_values() {
    let dir = tempfile::tempdir().unwrap();
    let chain = vec!["10.0.0.1"; 10_000].join(", ");
    // Every hop trusted: the leftmost is the client (nginx's real_ip_recursive).
    run(
        dir.path(),
        &[
            "ip-check",
            "--peer",
            "10.0.0.2",
            "--trusted-proxy",
            "10.0.0.0/8",
            "--forwarded-for",
            &chain,
        ],
        "",
        1,
    );
    // (argv cannot hold NUL; U+0001 stands in for the control characters.) The right-most hop
    // is no address, so the walk stops at the peer, as nginx stops it: a trusted proxy, denied.
    let junk = format!("{}, \u{1}, \u{feff}1.2.3.4, ,,", "x".repeat(50_000));
    run(
        dir.path(),
        &[
            "ip-check",
            "--peer",
            "10.0.0.2",
            "--trusted-proxy",
            "10.0.0.0/8",
            "--forwarded-for",
            &junk,
        ],
        "",
        1,
    );
    run(dir.path(), &["ip-check", "--peer", ""], "", 2);
    for cidr in [
        "1.2.3.4/33",
        "1.2.3.4/-1",
        "::/129",
        "010.0.0.0/8",
        "",
        "1.2.3.0/24/8",
    ] {
        run(
            dir.path(),
            &["ip-check", "--peer", "1.1.1.1", "--trusted-proxy", cidr],
            "",
            2,
        );
    }
}

/// Regression: an exit 2 for invalid inputs came with nothing on stderr.
#[test]
fn ip_check_invalid_input_says_so_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["ip-check", "01.2.3.4"][..],
        &["ip-check", "--count", "1.2.3", "34.240.137.52"],
        &["ip-check", "--only", "allowed", "nope", "34.240.137.52"],
        &["ip-check", "--format", "json", "nope"],
    ] {
        let ran = run(dir.path(), args, "", 2);
        assert!(
            ran.stderr
                .lines()
                .any(|l| l.starts_with("smile-sec: error:") && l.contains("not a valid address")),
            "{args:?}: {}",
            ran.stderr
        );
    }
    // Only invalid input earns the line.
    let ran = run(dir.path(), &["ip-check", "1.2.3.4"], "", 1);
    assert_eq!(ran.stderr, "");
}

// ---------------------------------------------------------------------------------------------
// --allowlist FILE, through `allowlist` and `ip-check`

/// Runs both commands that read an allowlist file; `code` is the exit `allowlist` gives (ip-check
/// checks 10.1.2.3 against the list, so a good list gives 0 or 1 there).
fn both_with_list(dir: &Path, path: &str, code: i32, error: &str) {
    let ran = run(dir, &["allowlist", "--allowlist", path], "", code);
    assert!(ran.stderr.contains(error), "{path}: {}", ran.stderr);
    let ran = run(
        dir,
        &["allowlist", "--allowlist", path, "--emit", "nginx"],
        "",
        code,
    );
    assert!(ran.stderr.contains(error), "{path}: {}", ran.stderr);
    if code == 2 {
        let ran = run(dir, &["ip-check", "--allowlist", path, "10.1.2.3"], "", 2);
        assert!(ran.stderr.contains(error), "{path}: {}", ran.stderr);
        assert_eq!(
            ran.stdout, "",
            "no verdicts against a list that was not read"
        );
    }
}

#[test]
fn allowlist_files_that_hold_no_list() {
    let dir = tempfile::tempdir().unwrap();
    let files: [(&str, &[u8], &str); 6] = [
        ("empty.txt", b"", "has no entries"),
        ("blank.txt", b" \n\t\n\r\n\n", "has no entries"),
        ("comments.txt", b"# only\n   # comments\n", "has no entries"),
        ("nonutf8.txt", b"10.0.0.0/8 caf\xe9\n", "UTF-8"),
        ("nul.txt", b"10.0.0.0/8 a\x00b\n", "line 1"),
        ("u2028.txt", "10.0.0.0/8 a\u{2028}b\n".as_bytes(), "line 1"),
    ];
    for (name, bytes, error) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        both_with_list(dir.path(), name, 2, error);
    }
    // A byte-order mark is skipped, as in key files and callbacks.
    std::fs::write(
        dir.path().join("bom.txt"),
        b"\xef\xbb\xbf10.0.0.0/8 office\n",
    )
    .unwrap();
    let ran = run(
        dir.path(),
        &["ip-check", "--allowlist", "bom.txt", "10.1.2.3"],
        "",
        0,
    );
    assert!(ran.stdout.contains("office"), "{}", ran.stdout);
}

#[test]
fn allowlist_entries_with_absurd_values_name_their_line() {
    let dir = tempfile::tempdir().unwrap();
    for (n, bad) in [
        "1.2.3.4/33",
        "1.2.3.0/24/8",
        "999.1.1.1",
        "01.2.3.4",
        "10.0.0.1/8",
        "1.2.3.4/-1",
        "::/129",
        "1.2.3.4:80",
        "0x0a.0.0.0/8",
        "１.２.３.４",
        "fe80::1%eth0",
        "/8",
        "1.2.3.4/",
        "1.2.3.4/99999999999999999999",
    ]
    .iter()
    .enumerate()
    {
        let name = format!("bad-{n}.txt");
        std::fs::write(
            dir.path().join(&name),
            format!("# header\n34.240.137.52 good\n{bad} label\n"),
        )
        .unwrap();
        both_with_list(dir.path(), &name, 2, "line 3");
    }
}

#[test]
fn allowlist_files_that_are_odd_but_good() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("crlf.txt"),
        "# office\r\n10.0.0.0/8 office\r\n\r\n34.240.137.52\r\n",
    )
    .unwrap();
    both_with_list(dir.path(), "crlf.txt", 0, "");
    let ran = run(
        dir.path(),
        &[
            "ip-check",
            "--allowlist",
            "crlf.txt",
            "--format",
            "json",
            "10.1.2.3",
        ],
        "",
        0,
    );
    assert_eq!(results(&ran).0[0]["label"], "office");

    // A 1 MB label, and 100 000 entries: read in bounded time.
    std::fs::write(
        dir.path().join("label.txt"),
        format!("10.0.0.0/8 {}\n", "x".repeat(1 << 20)),
    )
    .unwrap();
    both_with_list(dir.path(), "label.txt", 0, "");
    let many: String = (0..100_000u32)
        .map(|n| format!("10.{}.{}.0/24 n{n}\n", (n >> 8) & 255, n & 255))
        .collect();
    std::fs::write(dir.path().join("many.txt"), many).unwrap();
    both_with_list(dir.path(), "many.txt", 0, "");
    let mut input = String::new();
    for n in 0..1000 {
        input.push_str(&format!("10.{}.{}.9\n", n % 256, n % 7));
    }
    let ran = run(
        dir.path(),
        &["ip-check", "--allowlist", "many.txt", "--count"],
        input,
        0,
    );
    assert_eq!(ran.stdout, "allowed 1000\ndenied 0\ninvalid 0\n");
}

/// Paths that cannot be read: a directory, a missing file, a dangling symlink, a symlink loop,
/// a path through a regular file, and (when not root) a file without read permission.
fn unreadable_paths(dir: &Path) -> Vec<&'static str> {
    use std::os::unix::fs::{PermissionsExt, symlink};
    std::fs::create_dir(dir.join("a-directory")).unwrap();
    std::fs::write(dir.join("regular"), "x").unwrap();
    symlink("nowhere", dir.join("dangling")).unwrap();
    symlink("loop-b", dir.join("loop-a")).unwrap();
    symlink("loop-a", dir.join("loop-b")).unwrap();
    let mut paths = vec![
        "a-directory",
        "missing",
        "dangling",
        "loop-a",
        "regular/below",
    ];
    std::fs::write(dir.join("locked"), "10.0.0.0/8\n").unwrap();
    std::fs::set_permissions(dir.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    // root reads it all the same; only a non-root run can check this one.
    if std::fs::read(dir.join("locked")).is_err() {
        paths.push("locked");
    }
    paths
}

#[test]
fn allowlist_paths_that_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    for path in unreadable_paths(dir.path()) {
        both_with_list(dir.path(), path, 2, path.split('/').next().unwrap());
    }
}

// ---------------------------------------------------------------------------------------------
// audit: key files

const NOW: &str = "2026-06-01T00:00:00Z";

fn entry(id: &str, created: &str) -> String {
    format!(
        r#"{{"id":"{id}","partner_id":"085","environment":"production","integrations":["server"],"created":"{created}"}}"#
    )
}

fn audit(dir: &Path, name: &str, bytes: impl AsRef<[u8]>, code: i32) -> Ran {
    std::fs::write(dir.join(name), bytes).unwrap();
    run(
        dir,
        &["audit", "--keys", name, "--now", NOW, "--format", "json"],
        "",
        code,
    )
}

#[test]
fn audit_reads_a_key_file_saved_with_a_byte_order_mark() {
    // Windows editors save JSON with a BOM; key files skip it as verify's inputs do.
    let dir = tempfile::tempdir().unwrap();
    let good = format!(r#"{{"keys":[{}]}}"#, entry("a", "2026-05-01"));
    std::fs::write(
        dir.path().join("bom.json"),
        [b"\xef\xbb\xbf".as_slice(), good.as_bytes()].concat(),
    )
    .unwrap();
    smile_sec()
        .current_dir(dir.path())
        .args([
            "audit",
            "--keys",
            "bom.json",
            "--now",
            "2026-06-01T00:00:00Z",
        ])
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "\nok      a    production  2026-07-30 ",
        ))
        .stdout(predicates::str::contains("1 key: 0 fail, 0 warn, 1 ok"))
        .stderr("");
}

#[test]
fn audit_key_files_that_are_not_key_files() {
    let dir = tempfile::tempdir().unwrap();
    let good = format!(r#"{{"keys":[{}]}}"#, entry("a", "2026-05-01"));
    let deep = "[".repeat(200_000);
    let deep_object = format!(r#"{{"keys":[{{"id":{}}}]}}"#, "{\"a\":".repeat(100_000));
    let cases: Vec<(&str, Vec<u8>)> =
        vec![
        ("empty", b"".to_vec()),
        ("blank", b" \n\t\r\n".to_vec()),
        ("nonutf8", [&good.as_bytes()[..20], b"\xff", &good.as_bytes()[20..]].concat()),
        ("nul", good.replacen(' ', "\0", 1).replacen("{", "{\0", 1).into_bytes()),
        ("nul-in-string", good.replace("\"a\"", "\"a\u{0}\"").into_bytes()),
        ("truncated", good.as_bytes()[..good.len() / 2].to_vec()),
        ("deep-array", deep.into_bytes()),
        ("deep-object", deep_object.into_bytes()),
        ("array", b"[]".to_vec()),
        ("string", b"\"keys\"".to_vec()),
        ("null", b"null".to_vec()),
        (
            "duplicate-field",
            good.replace(r#""id":"a""#, r#""id":"a","id":"b""#).into_bytes(),
        ),
        (
            "duplicate-id",
            format!(
                r#"{{"keys":[{},{}]}}"#,
                entry("a", "2026-05-01"),
                entry("a", "2026-05-02")
            )
            .into_bytes(),
        ),
        (
            "huge-number",
            br#"{"policy":{"max_age_days":1e400},"keys":[]}"#.to_vec(),
        ),
        (
            "huge-integer",
            format!(
                r#"{{"policy":{{"max_age_days":{}}},"keys":[]}}"#,
                "9".repeat(10_000)
            )
            .into_bytes(),
        ),
        (
            "u32-max",
            r#"{"policy":{"max_age_days":4294967295,"warn_days":4294967295},"keys":[]}"#
                .as_bytes()
                .to_vec(),
        ),
        (
            "negative",
            r#"{"policy":{"warn_days":-1},"keys":[]}"#.as_bytes().to_vec(),
        ),
        (
            "wrong-type",
            good.replace(r#"["server"]"#, r#""server""#).into_bytes(),
        ),
        (
            "year-262143",
            format!(r#"{{"keys":[{}]}}"#, entry("a", "+262143-12-31T00:00:00Z")).into_bytes(),
        ),
        (
            "year-0",
            format!(r#"{{"keys":[{}]}}"#, entry("a", "0000-00-00")).into_bytes(),
        ),
        (
            "lone-surrogate",
            format!(r#"{{"keys":[{}]}}"#, entry("\\ud800", "2026-05-01")).into_bytes(),
        ),
        (
            "mute-until-absurd",
            good.replace(
                r#""created""#,
                r#""mutes":[{"finding":"expiring","reason":"x","until":"99999-01-01"}],"created""#,
            )
            .into_bytes(),
        ),
    ];
    for (name, bytes) in cases {
        let ran = audit(dir.path(), &format!("{name}.json"), bytes, 2);
        assert!(
            ran.stderr.contains(&format!("{name}.json")),
            "{name}: the error names the file: {}",
            ran.stderr
        );
        assert_eq!(ran.stdout, "", "{name}: no report from an invalid key file");
    }
}

#[test]
fn audit_key_files_that_are_odd_but_good() {
    let dir = tempfile::tempdir().unwrap();
    // CRLF and blank space are JSON white space.
    let crlf = format!(
        "{{\r\n  \"keys\": [\r\n    {}\r\n  ]\r\n}}\r\n",
        entry("a", "2026-05-01")
    );
    audit(dir.path(), "crlf.json", crlf, 0);
    // Absurd but well-formed dates: reported, with the finding they earn.
    let far = format!(
        r#"{{"keys":[{},{},{}]}}"#,
        entry("future", "9999-12-31"),
        entry("ancient", "0001-01-01"),
        entry("fine", "2026-05-01T23:59:59.999999999+14:00")
    );
    let ran = audit(dir.path(), "far.json", far, 1);
    let ids: Vec<String> = ran
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["type"] == "key")
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3, "every key is reported: {ids:?}");
    assert!(ran.stdout.contains("created_in_future") && ran.stdout.contains("expired"));
    // A due date past year 9999 is written as its last day: always YYYY-MM-DD.
    assert!(
        ran.stdout.contains(r#""due_date":"9999-12-31""#),
        "{}",
        ran.stdout
    );
    // The policy's largest allowed values, and an absurd --now either way.
    let policy = format!(
        r#"{{"policy":{{"max_age_days":36500,"warn_days":36500}},"keys":[{}]}}"#,
        entry("a", "2026-05-01")
    );
    std::fs::write(dir.path().join("policy.json"), policy).unwrap();
    for now in [
        "9999-12-31T23:59:59Z",
        "0000-01-01T00:00:00Z",
        "1970-01-01T00:00:00Z",
    ] {
        run(
            dir.path(),
            &[
                "audit",
                "--keys",
                "policy.json",
                "--now",
                now,
                "--format",
                "sarif",
            ],
            "",
            1,
        );
    }
    run(
        dir.path(),
        &[
            "audit",
            "--keys",
            "policy.json",
            "--max-age-days",
            "4294967296",
        ],
        "",
        2,
    );
    run(
        dir.path(),
        &[
            "audit",
            "--keys",
            "policy.json",
            "--now",
            "+262143-01-01T00:00:00Z",
        ],
        "",
        2,
    );
    // A 1 MB owner, and 20 000 keys: bounded time, every key reported.
    let big_owner = format!(
        r#"{{"keys":[{}]}}"#,
        entry("a", "2026-05-01").replace(
            r#""created""#,
            &format!(r#""owner":"{}","created""#, "o".repeat(1 << 20))
        )
    );
    audit(dir.path(), "owner.json", big_owner, 0);
    let many: Vec<String> = (0..20_000)
        .map(|n| entry(&format!("k{n}"), "2026-05-01"))
        .collect();
    let ran = audit(
        dir.path(),
        "many.json",
        format!(r#"{{"keys":[{}]}}"#, many.join(",")),
        0,
    );
    assert_eq!(ran.stdout.lines().count(), 20_001);
}

#[test]
fn audit_reports_every_key_when_some_secrets_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("secret-dir")).unwrap();
    std::fs::write(dir.path().join("bad.key"), b"\xff\xfe\n").unwrap();
    std::fs::write(dir.path().join("empty.key"), b"\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        "/proc/self/cwd/../../../../../../dev/null",
        dir.path().join("loop.key"),
    )
    .unwrap();
    #[cfg(unix)]
    for name in ["bad.key", "empty.key"] {
        use std::os::unix::fs::PermissionsExt;
        let private = std::fs::Permissions::from_mode(0o600);
        std::fs::set_permissions(dir.path().join(name), private).unwrap();
    }
    let with = |id: &str, secret: &str| {
        entry(id, "2026-05-01").replace(r#""created""#, &format!(r#"{secret},"created""#))
    };
    let entries = [
        with("dir", r#""api_key_file":"secret-dir""#),
        with("missing", r#""api_key_file":"no/such/file""#),
        // A link out of the key file's folder (an absolute path is refused with the file).
        with("loop", r#""api_key_file":"loop.key""#),
        with("nonutf8", r#""api_key_file":"bad.key""#),
        with("unset", r#""api_key_env":"HOSTILE_TEST_UNSET_VARIABLE""#),
    ];
    let file = format!(r#"{{"keys":[{}]}}"#, entries.join(","));
    let ran = audit(dir.path(), "keys.json", file, 0);
    let keys = ran
        .stdout
        .lines()
        .filter(|l| l.contains(r#""type":"key""#))
        .count();
    assert_eq!(keys, 5, "{}", ran.stdout);
    assert!(ran.stderr.contains("secret not read"), "{}", ran.stderr);
    // A secret read empty is no secret that could not be read: an error, as everywhere.
    let file = format!(
        r#"{{"keys":[{},{}]}}"#,
        entries[0],
        with("empty", r#""api_key_file":"empty.key""#)
    );
    let ran = audit(dir.path(), "keys.json", file, 2);
    assert!(
        ran.stderr.contains("the API key is empty"),
        "{}",
        ran.stderr
    );
}

#[test]
fn audit_paths_that_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    for path in unreadable_paths(dir.path()) {
        let ran = run(dir.path(), &["audit", "--keys", path], "", 2);
        assert!(ran.stderr.contains(path), "{path}: {}", ran.stderr);
        assert_eq!(ran.stdout, "");
    }
}
