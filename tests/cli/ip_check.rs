//! `smile-sec ip-check` through the real binary.

use predicates::prelude::*;
use serde_json::Value;

use crate::common::{assert_error_report, assert_refused, smile_sec, smile_sec_process};

fn ndjson(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

/// The JSON lines of `ip-check --format json` on `stdin`, which must exit with `code`.
fn json_from_stdin(stdin: &str, code: i32) -> Vec<Value> {
    let out = smile_sec()
        .args(["ip-check", "--format", "json"])
        .write_stdin(stdin)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    ndjson(&out)
}

#[test]
fn allowed_address_exits_0() {
    smile_sec()
        .args(["ip-check", "34.240.137.52"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("allowed  34.240.137.52"))
        .stdout(predicate::str::contains("34.240.137.52/32 (production)"))
        .stdout(predicate::str::contains(
            "1 checked: 1 allowed, 0 denied, 0 invalid",
        ));
}

#[test]
fn denied_address_exits_1() {
    smile_sec()
        .args(["ip-check", "34.240.137.52", "1.2.3.4"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "denied   1.2.3.4  not on the allowlist",
        ));
}

#[test]
fn invalid_address_exits_2_and_is_named_ambiguous() {
    let out = smile_sec()
        .args(["ip-check", "034.240.137.52"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "invalid  034.240.137.52  ambiguous IPv4",
        ))
        .stdout(predicate::str::ends_with(
            "1 checked: 0 allowed, 0 denied, 1 invalid\n",
        ))
        .get_output()
        .clone();
    assert_error_report(&out.stderr, &["1 input is not a valid address"]);
}

#[test]
fn zoned_is_denied() {
    smile_sec()
        .args(["ip-check", "fe80::1%eth0"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with(
            "denied   fe80::1%eth0  zoned IPv6 address",
        ))
        .stdout(predicate::str::ends_with(
            "1 checked: 0 allowed, 1 denied, 0 invalid\n",
        ))
        .stderr("");
}

#[test]
fn env_narrows_the_list() {
    smile_sec()
        .args(["ip-check", "--env", "sandbox", "34.240.137.52"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with(
            "denied   34.240.137.52  not on the allowlist\n",
        ))
        .stderr("");
    smile_sec()
        .args(["ip-check", "--env", "production", "34.240.137.52"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "allowed  34.240.137.52  on the allowlist as 34.240.137.52/32 (production)\n",
        ))
        .stderr("");
    smile_sec()
        .args(["ip-check", "--env", "all", "99.81.237.141"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "allowed  99.81.237.141  on the allowlist as 99.81.237.141/32 (sandbox)\n",
        ))
        .stderr("");
    let out = smile_sec()
        .args(["ip-check", "--env", "staging", "99.81.237.141"])
        .output()
        .unwrap();
    assert_refused(&out, &["'staging'", "--env"]);
}

const MIXED: &str = "34.240.137.52\n\
     [::ffff:34.240.137.52]:443\n\
     ::ffff:22f0:8934\n\
     \x20 99.81.237.141 \r\n\
     1.2.3.4\n\
     ::34.240.137.52\n\
     64:ff9b::34.240.137.52\n\
     2002:22f0:8934::1\n\
     fe80::1%eth0\n\
     034.240.137.52\n\
     0x22.240.137.52\n\
     34.240.35124\n\
     not an address\n\
     \n\
     44.230.128.108";

#[test]
fn mixed_batch_on_stdin_reports_every_line_and_exits_2() {
    let lines = json_from_stdin(MIXED, 2);
    assert_eq!(lines.len(), 16, "15 results and a summary");
    let verdicts: Vec<&str> = lines[..15]
        .iter()
        .map(|l| l["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(
        verdicts,
        [
            "allowed", "allowed", "allowed", "allowed", "denied", "denied", "denied", "denied",
            "denied", "invalid", "invalid", "invalid", "invalid", "invalid", "allowed"
        ]
    );
    assert_eq!(lines[1]["input"], "[::ffff:34.240.137.52]:443");
    assert_eq!(lines[1]["address"], "34.240.137.52");
    assert_eq!(lines[1]["entry"], "34.240.137.52/32");
    assert_eq!(lines[1]["label"], "production");
    assert_eq!(lines[3]["input"], "  99.81.237.141 ");
    assert_eq!(lines[3]["label"], "sandbox");
    assert_eq!(lines[8]["reason"], "zoned");
    assert_eq!(lines[8]["address"], "fe80::1%eth0");
    assert_eq!(lines[9]["address"], Value::Null);
    assert_eq!(lines[9]["entry"], Value::Null);
    assert!(lines[9]["reason"].as_str().unwrap().contains("ambiguous"));
    assert!(lines[10]["reason"].as_str().unwrap().contains("ambiguous"));
    assert!(lines[11]["reason"].as_str().unwrap().contains("ambiguous"));
    for l in &lines[..15] {
        assert_eq!(l["type"], "result");
        for key in ["input", "address", "verdict", "entry", "label", "reason"] {
            assert!(l.get(key).is_some(), "{key} missing in {l}");
        }
    }
    assert_eq!(
        lines[15],
        serde_json::json!({"type": "summary", "checked": 15, "allowed": 5, "denied": 5, "invalid": 5})
    );
}

#[test]
fn dash_reads_stdin_between_arguments() {
    smile_sec()
        .args(["ip-check", "34.240.137.52", "-", "52.36.32.43"])
        .write_stdin("44.246.19.66\n")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("3 checked: 3 allowed"));
}

/// White space around an address is Unicode's: the vertical tab too (Python's
/// `string.whitespace` has it), and a no-break space pasted from a web page. Inside an address
/// it is still no address.
#[test]
fn surrounding_white_space_of_every_kind_is_trimmed() {
    let lines = json_from_stdin(
        "\u{b}34.240.137.52\u{c}\n\u{a0}52.36.32.43\u{3000}\n \t\u{b}\n34.240.\u{a0}137.52\n",
        2,
    );
    let verdicts: Vec<&Value> = lines[..4].iter().map(|l| &l["verdict"]).collect();
    assert_eq!(
        verdicts,
        ["allowed", "allowed", "invalid", "invalid"],
        "{lines:?}"
    );
    assert_eq!(lines[0]["address"], "34.240.137.52");
    assert_eq!(lines[1]["address"], "52.36.32.43");
    assert_eq!(lines[2]["reason"], "empty", "{}", lines[2]);
    assert_eq!(lines[3]["reason"], "not_an_address", "{}", lines[3]);
}

/// A list saved by a Windows editor begins with a byte-order mark: not part of the first address.
/// Characters that print as nothing are shown escaped, so an address that looks valid and is
/// refused shows why.
#[test]
fn a_byte_order_mark_before_the_list_is_skipped_and_invisible_characters_are_shown() {
    smile_sec()
        .args(["ip-check"])
        .write_stdin("\u{feff}44.246.19.66\r\n34.240.137.52\n")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("2 checked: 2 allowed"));
    smile_sec()
        .args(["ip-check"])
        .write_stdin("44.246.19.66\n\u{feff}34.240.137.52\u{200b}\n")
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "invalid  \\u{feff}34.240.137.52\\u{200b}  not an IP address",
        ));
}

/// An allowlist label is shown with what prints as nothing escaped, as the input is.
#[test]
fn a_label_is_shown_with_invisible_characters_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.txt");
    std::fs::write(&list, "34.240.137.52/32 a\u{202e}b\u{feff}\n").unwrap();
    let out = smile_sec()
        .args(["ip-check", "34.240.137.52", "--allowlist"])
        .arg(&list)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("(a\\u{202e}b\\u{feff})"), "{stdout}");
}

/// A trusted proxy of every address believes any sender's X-Forwarded-For: warned about, for
/// `ip-check` as for `guard`, which share the warning.
#[test]
fn trusting_every_address_as_a_proxy_is_warned_about() {
    let out = smile_sec()
        .args([
            "ip-check",
            "--peer",
            "203.0.113.9",
            "--forwarded-for",
            "34.240.137.52",
        ])
        .args(["--trusted-proxy", "10.0.0.0/8,::/0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: --trusted-proxy ::/0 trusts every address")
            && !stderr.contains("10.0.0.0/8"),
        "{stderr}"
    );
    // Two halves trust everyone as well.
    let out = smile_sec()
        .args([
            "ip-check",
            "--peer",
            "203.0.113.9",
            "--forwarded-for",
            "34.240.137.52",
        ])
        .args(["--trusted-proxy", "0.0.0.0/1,128.0.0.0/1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr
            .matches("trusts more addresses than any network of proxies")
            .count(),
        2,
        "{stderr}"
    );
    // The widest private ranges are networks of proxies.
    let out = smile_sec()
        .args(["ip-check", "--peer", "10.0.0.1"])
        .args(["--trusted-proxy", "10.0.0.0/8,fc00::/7"])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("trusts"),
        "{out:?}"
    );
}

#[test]
fn only_prints_the_chosen_verdict_and_keeps_the_exit_code() {
    let assert = smile_sec()
        .args(["ip-check", "--only", "denied"])
        .write_stdin(MIXED)
        .assert()
        .code(2);
    let text = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert_eq!(text.lines().count(), 5, "{text}");
    assert!(text.lines().all(|l| l.starts_with("denied ")), "{text}");
    // The invalid inputs it does not print still count: they are named on stderr.
    assert_error_report(
        &assert.get_output().stderr,
        &["5 inputs are not a valid address"],
    );
    let out = smile_sec()
        .args(["ip-check", "--only", "allowed", "--format", "json"])
        .write_stdin(MIXED)
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    let lines = ndjson(&out);
    assert_eq!(lines.len(), 6);
    assert!(lines[..5].iter().all(|l| l["verdict"] == "allowed"));
    assert_eq!(lines[5]["type"], "summary");
    assert_eq!(lines[5]["checked"], 15);
}

#[test]
fn count_prints_the_numbers() {
    smile_sec()
        .args(["ip-check", "--count"])
        .write_stdin(MIXED)
        .assert()
        .code(2)
        .stdout("allowed 5\ndenied 5\ninvalid 5\n")
        .stderr("smile-sec: error: 5 inputs are not a valid address (verdict `invalid`)\n");
    smile_sec()
        .args(["ip-check", "--count", "--only", "denied"])
        .write_stdin(MIXED)
        .assert()
        .code(2)
        .stdout("denied 5\n")
        .stderr("smile-sec: error: 5 inputs are not a valid address (verdict `invalid`)\n");
    let out = smile_sec()
        .args(["ip-check", "--count", "--format", "json"])
        .write_stdin("34.240.137.52\n1.2.3.4\n")
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        ndjson(&out),
        [
            serde_json::json!({"type": "summary", "checked": 2, "allowed": 1, "denied": 1, "invalid": 0})
        ]
    );
}

/// Nothing to check is counted, and is not a pass: a log that went missing must not read as
/// every source allowed.
#[test]
fn empty_stdin_checks_nothing_and_is_not_a_pass() {
    smile_sec()
        .args(["ip-check", "--count"])
        .write_stdin("")
        .assert()
        .code(2)
        .stdout("allowed 0\ndenied 0\ninvalid 0\n")
        .stderr("smile-sec: error: no addresses in the input\n");
}

#[test]
fn custom_allowlist_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("list.txt");
    std::fs::write(&path, "# ours\n10.0.0.0/8 office\n2001:db8::/32\n").unwrap();
    let out = smile_sec()
        .args(["ip-check", "--format", "json", "--allowlist"])
        .arg(&path)
        .args(["10.1.2.3", "2001:db8::5", "34.240.137.52"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let lines = ndjson(&out);
    assert_eq!(lines[0]["entry"], "10.0.0.0/8");
    assert_eq!(lines[0]["label"], "office");
    assert_eq!(lines[1]["label"], Value::Null);
    assert_eq!(
        lines[2]["verdict"], "denied",
        "the file replaces the built-in list"
    );
}

#[test]
fn bad_allowlist_file_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("list.txt");
    std::fs::write(&path, "10.0.0.0/8\n\n192.168.1.1/16 lab\n").unwrap();
    smile_sec()
        .args(["ip-check", "1.2.3.4", "--allowlist"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("smile-sec: error:"))
        .stderr(crate::common::error_report(&["line 3", "host bits"]));
    std::fs::write(&path, "010.0.0.0/8\n").unwrap();
    smile_sec()
        .args(["ip-check", "1.2.3.4", "--allowlist"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(crate::common::error_report(&["line 1", "leading zero"]));
    smile_sec()
        .args(["ip-check", "1.2.3.4", "--allowlist"])
        .arg(dir.path().join("missing.txt"))
        .assert()
        .code(2)
        .stderr(crate::common::error_report(&["cannot read"]));
}

#[test]
fn proxy_chain_takes_the_first_untrusted_hop() {
    // The attacker put Smile ID's address on the left; our proxy appended the attacker's.
    let out = smile_sec()
        .args([
            "ip-check",
            "--format",
            "json",
            "--peer",
            "10.0.0.7",
            "--forwarded-for",
            "34.240.137.52, 198.51.100.7",
            "--trusted-proxy",
            "10.0.0.0/8",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let lines = ndjson(&out);
    assert_eq!(lines[0]["address"], "198.51.100.7");
    assert_eq!(lines[0]["client"]["hop"], "forwarded_for");
    assert_eq!(lines[0]["client"]["index"], 2);
    assert_eq!(lines[0]["client"]["why"], "first_untrusted");
}

#[test]
fn proxy_chain_through_trusted_hops() {
    smile_sec()
        .args([
            "ip-check",
            "--peer",
            "::ffff:10.0.0.7",
            "--forwarded-for",
            "34.240.137.52, 192.168.0.9",
            "--forwarded-for",
            "10.9.9.9",
            "--trusted-proxy",
            "10.0.0.0/8,192.168.0.0/16",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("allowed  34.240.137.52"))
        .stdout(predicate::str::contains("client: X-Forwarded-For entry 1"));
}

#[test]
fn untrusted_peer_ignores_a_forged_header() {
    smile_sec()
        .args([
            "ip-check",
            "--peer",
            "203.0.113.5",
            "--forwarded-for",
            "34.240.137.52",
            "--trusted-proxy",
            "10.0.0.0/8",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("denied   203.0.113.5"))
        .stdout(predicate::str::contains("not a trusted proxy"));
}

#[test]
fn proxy_flags_are_checked() {
    // --forwarded-for means nothing without the peer that sent it.
    let out = smile_sec()
        .args(["ip-check", "--forwarded-for", "1.2.3.4"])
        .output()
        .unwrap();
    assert_refused(&out, &["--peer"]);
    let out = smile_sec()
        .args([
            "ip-check",
            "--peer",
            "1.2.3.4",
            "--trusted-proxy",
            "010.0.0.0/8",
        ])
        .output()
        .unwrap();
    assert_refused(&out, &["'010.0.0.0/8'", "--trusted-proxy", "ambiguous"]);
    // An IPv4-mapped range trusts nothing in nginx, and the IPv4 range it maps is what was meant:
    // refused, naming that range, by ip-check and guard alike.
    let mapped = ["--trusted-proxy", "::ffff:10.0.0.0/104"];
    for out in [
        smile_sec()
            .args(["ip-check", "--peer", "10.0.0.1"])
            .args(mapped)
            .output()
            .unwrap(),
        smile_sec()
            .args([
                "guard",
                "--listen",
                "127.0.0.1:0",
                "--upstream",
                "http://127.0.0.1:9/",
            ])
            .args(mapped)
            .output()
            .unwrap(),
    ] {
        assert_refused(
            &out,
            &["'::ffff:10.0.0.0/104'", "never matches", "10.0.0.0/8"],
        );
    }
    // A peer and plain addresses together: which one is checked would be a guess.
    let out = smile_sec()
        .args(["ip-check", "--peer", "1.2.3.4", "5.6.7.8"])
        .output()
        .unwrap();
    assert_refused(&out, &["--peer"]);
}

#[test]
fn hostile_input_never_panics_or_reaches_the_terminal_raw() {
    let mut input = Vec::new();
    input.extend_from_slice(b"\x1b[31mred\n\xff\xfe\n");
    input.extend(std::iter::repeat_n(b'9', 10_000));
    input.extend_from_slice(b"\n[\n[]\n]:\n%\n::ffff:\n1.2.3.4:99999\n");
    let assert = smile_sec()
        .args(["ip-check"])
        .write_stdin(input)
        .assert()
        .code(2);
    let out = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(!out.contains('\x1b'), "{out}");
    assert!(
        out.contains("9 checked: 0 allowed, 0 denied, 9 invalid"),
        "{out}"
    );
    assert_error_report(
        &assert.get_output().stderr,
        &["9 inputs are not a valid address"],
    );
}

#[test]
fn closed_pipe_ends_quietly() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    let mut child = smile_sec_process()
        .args(["ip-check", "--color", "never"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for _ in 0..100_000 {
            if stdin.write_all(b"1.2.3.4\n").is_err() {
                break;
            }
        }
    });
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("denied"), "{first}");
    // stdout is closed here: the rest of the output meets a broken pipe.
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    // Quiet, with the verdict of what was checked: denied addresses.
    assert_eq!(output.status.code(), Some(1));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Standard input that cannot be read (here a directory) is said on stderr and makes the exit 2;
/// the other inputs are still checked and the summary printed.
#[cfg(unix)]
#[test]
fn unreadable_stdin_is_reported_and_the_rest_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        smile_sec_process()
            .args(args)
            .stdin(std::fs::File::open(dir.path()).unwrap())
            .output()
            .unwrap()
    };
    let out = run(&[
        "ip-check",
        "--format",
        "json",
        "34.240.137.52",
        "-",
        "1.2.3.4",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let lines = ndjson(&out.stdout);
    let inputs: Vec<&str> = lines.iter().filter_map(|l| l["input"].as_str()).collect();
    assert_eq!(inputs, ["34.240.137.52", "1.2.3.4"]);
    let last = lines.last().unwrap();
    assert_eq!(
        (last["type"].as_str(), last["checked"].as_u64()),
        (Some("summary"), Some(2))
    );
    assert_error_report(&out.stderr, &["cannot read standard input: "]);
    // Counting and text output too.
    let out = run(&["ip-check", "--count", "1.2.3.4", "-"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(out.stdout, b"allowed 0\ndenied 1\ninvalid 0\n");
    assert_error_report(&out.stderr, &["cannot read standard input: "]);
    let out = run(&["ip-check"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(out.stdout, b"0 checked: 0 allowed, 0 denied, 0 invalid\n");
    assert_error_report(&out.stderr, &["cannot read standard input: "]);
}

/// An argument that is not UTF-8 is one `invalid` input, as the same bytes on stdin are; the
/// other arguments are still checked.
#[cfg(unix)]
#[test]
fn an_argument_that_is_not_utf8_is_an_invalid_input() {
    use std::os::unix::ffi::OsStrExt;
    let bad = std::ffi::OsStr::from_bytes(b"\xff1.2.3.4");
    let out = smile_sec()
        .args(["ip-check", "--format", "json", "34.240.137.52"])
        .arg(bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let lines = ndjson(&out.stdout);
    let verdicts: Vec<&str> = lines.iter().filter_map(|l| l["verdict"].as_str()).collect();
    assert_eq!(verdicts, ["allowed", "invalid"]);
    assert_eq!(lines[1]["reason"], "not_an_address");
    assert_error_report(&out.stderr, &["1 input is not a valid address"]);
}

/// A real nginx with `set_real_ip_from` and `real_ip_recursive on`, answering each request with
/// the `$remote_addr` its realip module chose. Stopped when dropped.
struct RealIpNginx {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl RealIpNginx {
    fn start(trusted: &[&str]) -> Option<RealIpNginx> {
        crate::common::tool("nginx")?;
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let trust: String = trusted
            .iter()
            .map(|net| format!("    set_real_ip_from {net};\n"))
            .collect();
        let conf = dir.path().join("nginx.conf");
        std::fs::write(
            &conf,
            format!(
                "daemon off;\nmaster_process off;\npid {dir}/nginx.pid;\nerror_log {dir}/error.log;\n\
                 events {{}}\nhttp {{\n  access_log off;\n  client_body_temp_path {dir};\n  proxy_temp_path {dir};\n  \
                 fastcgi_temp_path {dir};\n  uwsgi_temp_path {dir};\n  scgi_temp_path {dir};\n  server {{\n    \
                 listen 127.0.0.1:{port};\n{trust}    real_ip_header X-Forwarded-For;\n    real_ip_recursive on;\n    \
                 location / {{ return 200 \"$remote_addr\"; }}\n  }}\n}}\n",
                dir = dir.path().display(),
            ),
        )
        .unwrap();
        let child = std::process::Command::new("nginx")
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let nginx = RealIpNginx {
            child,
            port,
            _dir: dir,
        };
        let ready = (0..200).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(25));
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(ready, "nginx did not start on port {port}");
        Some(nginx)
    }

    /// The client address nginx takes for a request from 127.0.0.1 with this header.
    fn client(&self, forwarded_for: &str) -> String {
        self.client_of(&[forwarded_for])
    }

    /// The client chosen for a request with one X-Forwarded-For line for each of `lines`.
    fn client_of(&self, lines: &[&str]) -> String {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let headers: String = lines
            .iter()
            .map(|line| format!("X-Forwarded-For: {line}\r\n"))
            .collect();
        write!(
            stream,
            "GET / HTTP/1.1\r\nHost: test\r\n{headers}Connection: close\r\n\r\n"
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        reply.split("\r\n\r\n").nth(1).unwrap().to_owned()
    }
}

impl Drop for RealIpNginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The trusted proxies of the comparisons with nginx: IPv4 and IPv6 ranges, and one that holds
/// 255.255.255.255, which nginx cannot read as an address.
const BEHIND: [&str; 4] = [
    "127.0.0.0/8",
    "10.0.0.0/8",
    "2001:db8::/32",
    "255.255.255.0/24",
];

/// `ip-check`'s JSON lines for a request from 127.0.0.1 with one X-Forwarded-For line for each
/// of `lines`, behind the proxies of [`BEHIND`].
fn client_behind(lines: &[&str]) -> Vec<Value> {
    let out = smile_sec()
        .args(["ip-check", "--format", "json", "--peer", "127.0.0.1"])
        .args(lines.iter().map(|line| format!("--forwarded-for={line}")))
        .args(BEHIND.iter().flat_map(|net| ["--trusted-proxy", net]))
        .output()
        .unwrap();
    ndjson(&out.stdout)
}

/// The client `--peer`, `--forwarded-for` and `--trusted-proxy` choose is the one nginx's realip
/// module chooses with `real_ip_recursive on`, asked of a real nginx: forged entries on the left,
/// chains of trusted proxies, every hop trusted, and hops that are no address to nginx (`unknown`,
/// a zoned IPv6 address, `255.255.255.255` in any spelling, a tab), where it stops its walk even
/// inside a trusted range.
#[test]
fn the_client_is_the_one_nginx_realip_chooses() {
    let Some(nginx) = RealIpNginx::start(&BEHIND) else {
        return;
    };
    let headers = [
        "34.240.137.52",
        "34.240.137.52, 10.0.0.8",
        "203.0.113.9, 34.240.137.52, 10.0.0.8, 10.1.2.3",
        "10.0.0.1, 10.0.0.2",
        "34.240.137.52,10.0.0.8",
        "34.240.137.52 10.0.0.8",
        "unknown",
        "34.240.137.52, unknown",
        "34.240.137.52, unknown, 10.0.0.8",
        "unknown, 10.0.0.8, 10.0.0.9",
        "34.240.137.52, garbage, 10.0.0.8",
        "10.0.0.1:8080, 10.0.0.2",
        "2001:db8::1, 10.0.0.8",
        "[2001:db8::1]:443, 10.0.0.8",
        "[2001:db8::1], 10.0.0.8",
        "34.240.137.52, [10.0.0.9], 10.0.0.8",
        "34.240.137.52:0, 10.0.0.8",
        "34.240.137.52:8080, 10.0.0.8",
        "34.240.137.52, 2001:db8::1%eth0",
        "34.240.137.52, [2001:db8::1%eth0]:443, 10.0.0.8",
        "fe80::1%eth0, 10.0.0.1",
        "34.240.137.52, 255.255.255.255",
        "34.240.137.52, [10.0.0.9]:80, 10.0.0.8",
        "[34.240.137.52]:80, 10.0.0.8",
        "34.240.137.52, [10.0.0.9]:0",
        "34.240.137.52, 2001:db8::255.255.255.255",
        "34.240.137.52, ::ffff:255.255.255.255",
        "34.240.137.52, [2001:db8::255.255.255.255]:80",
        "34.240.137.52, ::ffff:ffff:ffff",
        "34.240.137.52, 2001:db8:1:2:3:4:5::",
        "34.240.137.52, [2001:db8:1:2:3:4:5::]:80",
        "34.240.137.52, ::2001:db8:1:2:3:4:5",
        "34.240.137.52,\t10.0.0.8",
        "34.240.137.52, 10.0.0.8\t, 10.0.0.9",
        "\t34.240.137.52, 10.0.0.8\t",
        "34.240.137.52, [::ffff:10.0.0.1]:80\t",
        "34.240.137.52, [2001:db8::1]:443\t",
        "34.240.137.52, [::ffff:10.0.0.1]\t",
        ",34.240.137.52, 10.0.0.1",
        ",34.240.137.52",
        "  34.240.137.52, 10.0.0.1  ",
    ];
    // Several header lines, which nginx reads one by one from the last: an empty line is a hop
    // of its own, and a line's first byte never ends a hop.
    let lines: [&[&str]; 5] = [
        &["34.240.137.52", ""],
        &["34.240.137.52", "", "10.0.0.1"],
        &["10.0.0.9", ",34.240.137.52"],
        &["34.240.137.52", "10.0.0.1, 10.0.0.2"],
        &["34.240.137.52", "   ", "10.0.0.1"],
    ];
    let cases = headers.iter().map(std::slice::from_ref).chain(lines);
    for lines in cases {
        let expected = nginx.client_of(lines);
        let got = client_behind(lines);
        assert_eq!(
            got[0]["address"].as_str(),
            Some(expected.as_str()),
            "X-Forwarded-For lines {lines:?}: {got:?}"
        );
    }
}

/// Hundreds of X-Forwarded-For values, made from hops that nginx and smile-sec may read
/// differently (ports, brackets, zones, mapped and embedded forms, white space, stray commas),
/// asked of a real nginx and of `ip-check`: any client smile-sec names outside the trusted
/// networks is the one nginx names. smile-sec may stop earlier (at a trusted proxy) or refuse an
/// ambiguous hop, never take an address nginx would not. Seeded, so a failure repeats.
#[test]
fn no_client_is_taken_that_nginx_would_not_take() {
    let Some(nginx) = RealIpNginx::start(&BEHIND) else {
        return;
    };
    let nets: Vec<ipnet::IpNet> = BEHIND.iter().map(|n| n.parse().unwrap()).collect();
    let hops = [
        "6.6.6.6",
        "34.240.137.52",
        "10.0.0.8",
        "10.255.255.254",
        "127.0.0.2",
        "0.0.0.0",
        "255.255.255.255",
        "255.255.255.1",
        "2001:db8::1",
        "2001:db8::",
        "2001:db8:1:2:3:4:5::",
        "::2001:db8:1:2:3:4:5",
        "2001:db8::10.0.0.1",
        "2001:db8::255.255.255.255",
        "::ffff:10.0.0.9",
        "::ffff:6.6.6.6",
        "::ffff:a00:9",
        "::ffff:255.255.255.255",
        "fe80::1%eth0",
        "2001:db8::1%1",
        "unknown",
        "_hidden",
        "10.0.0.",
        ":2001:db8::1",
        "2001:db8::1:",
        "010.0.0.1",
        "10.1",
        "0x0a.0.0.1",
        "1.2.3.4.5",
        "",
    ];
    let dressing = [
        ("", ""),
        ("", ":80"),
        ("", ":0"),
        ("", ":000080"),
        ("[", "]"),
        ("[", "]:443"),
        ("[", "]:0"),
        ("\t", ""),
        ("", "\t"),
        ("[", "]:80\t"),
        (",", ""),
    ];
    let separators = [", ", ",", " ", ",,", " , "];
    let mut state: u64 = 0x5eed_1e55_d1ff_0001;
    let mut pick = |n: usize| {
        // xorshift64: a fixed sequence, so that a failing header comes back on every run.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut compared = 0;
    for _ in 0..600 {
        let count = 1 + pick(4);
        let mut header = String::new();
        for i in 0..count {
            if i > 0 {
                header.push_str(separators[pick(separators.len())]);
            }
            let (before, after) = dressing[if pick(3) == 0 {
                pick(dressing.len())
            } else {
                0
            }];
            header.push_str(before);
            header.push_str(hops[pick(hops.len())]);
            header.push_str(after);
        }
        if header.trim_matches(' ').is_empty() {
            continue;
        }
        let expected = nginx.client(&header);
        let lines = client_behind(&[&header]);
        let Some(result) = lines.first().filter(|l| l["verdict"] != "invalid") else {
            continue;
        };
        let chosen: std::net::IpAddr = result["address"].as_str().unwrap().parse().unwrap();
        if nets.iter().any(|net| net.contains(&chosen.to_canonical())) {
            continue;
        }
        let expected: std::net::IpAddr = expected.parse().unwrap();
        assert_eq!(
            chosen.to_canonical(),
            expected.to_canonical(),
            "X-Forwarded-For: {header:?}: smile-sec took {chosen}, nginx {expected}"
        );
        compared += 1;
    }
    assert!(
        compared > 50,
        "only {compared} headers named an untrusted client"
    );
}
