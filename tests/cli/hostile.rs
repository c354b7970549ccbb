//! Hostile input through the binary, for `verify`, `sign` and key files.
//!
//! Every case is a row of a table that states the contract's answer: the exit code, and for
//! `verify` the reason of every item in order (so a good item next to a bad one is seen to be
//! still reported). Every case also checks what holds for all input: exit 0, 1 or 2 only, never
//! the panic hook's "internal error", a `smile-sec: error:` line for every exit 2, and an answer
//! within a time bound.
#![allow(clippy::print_stderr)] // a skipped check says so on stderr

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use smile_sec::signing::secret::ApiKey;
use smile_sec::signing::signature::sign;

const KEY: &str = "hostile-test-key-42";
const PARTNER: &str = "085";
const NOW: &str = "2026-11-20T10:05:00Z";
const TS: &str = "2026-11-20T10:00:00.123Z";
/// Generous for a debug build reading 17 MiB lines on a shared machine; a hang is far beyond it.
const TIME_BOUND: Duration = Duration::from_secs(60);

fn signed(timestamp: &str) -> String {
    sign(&ApiKey::new(KEY).unwrap(), timestamp, PARTNER)
}

/// A good callback on one line.
fn good() -> String {
    json!({"SmileJobID": "1", "signature": signed(TS), "timestamp": TS}).to_string()
}

/// A callback signed correctly for `timestamp`, with `extra` spliced in as raw JSON members.
fn with(timestamp: &str, extra: &str) -> String {
    let sig = signed(timestamp);
    let ts = serde_json::to_string(timestamp).unwrap();
    format!(r#"{{{extra}"signature":"{sig}","timestamp":{ts}}}"#)
}

fn lines(items: &[&str]) -> Vec<u8> {
    items
        .iter()
        .flat_map(|l| format!("{l}\n").into_bytes())
        .collect()
}

/// What one run printed.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary in `dir` with `stdin`, killing it after [`TIME_BOUND`].
fn run(dir: &Path, args: &[String], stdin: &[u8], env: &[(&str, &str)], name: &str) -> Run {
    let mut cmd = crate::common::smile_sec_process();
    cmd.current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.envs(env.iter().copied());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    // A program that stops reading early closes the pipe; that is not a failure of the case.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        out.read_to_end(&mut s).unwrap();
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        err.read_to_end(&mut s).unwrap();
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIME_BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name}: no answer within {TIME_BOUND:?} (a hang)");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    writer.join().unwrap();
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned(),
    }
}

/// The contract's promises for any input.
fn check_common(name: &str, run: &Run) {
    let context = || {
        format!(
            "{name}\nstdout: {}\nstderr: {}",
            head(&run.stdout),
            run.stderr
        )
    };
    assert!(
        matches!(run.code, Some(0..=2)),
        "{name}: exit {:?} (only 0, 1, 2 are allowed)\n{}",
        run.code,
        context()
    );
    assert!(
        !run.stderr.contains("internal error"),
        "{name}: a panic\n{}",
        context()
    );
    if run.code == Some(2) {
        assert!(
            run.stderr.contains("smile-sec: error: ") || run.stderr.starts_with("error: "),
            "{name}: exit 2 without an error message\n{}",
            context()
        );
    }
}

fn head(text: &str) -> &str {
    let mut end = text.len().min(2000);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// One `verify` case: extra arguments, stdin, the exit code and the reasons of the items in order.
struct VerifyCase {
    name: &'static str,
    args: Vec<String>,
    stdin: Vec<u8>,
    code: i32,
    /// Reasons of the result lines, comma-separated, in order.
    reasons: &'static str,
    /// Text the error output must hold.
    stderr: &'static str,
}

fn vcase(
    name: &'static str,
    args: &[&str],
    stdin: Vec<u8>,
    code: i32,
    reasons: &'static str,
    stderr: &'static str,
) -> VerifyCase {
    VerifyCase {
        name,
        args: args.iter().map(|s| (*s).to_owned()).collect(),
        stdin,
        code,
        reasons,
        stderr,
    }
}

fn check_verify(dir: &Path, case: &VerifyCase) {
    let mut args: Vec<String> = ["verify", "--partner-id", PARTNER, "--format", "json"]
        .map(str::to_owned)
        .into();
    if !case.args.iter().any(|a| a == "--now") {
        args.extend(["--now".into(), NOW.into()]);
    }
    args.extend(case.args.iter().cloned());
    let out = run(
        dir,
        &args,
        &case.stdin,
        &[("SMILE_API_KEY", KEY)],
        case.name,
    );
    check_common(case.name, &out);
    let context = format!("stdout: {}\nstderr: {}", head(&out.stdout), out.stderr);
    assert_eq!(
        out.code,
        Some(case.code),
        "{}: exit code\n{context}",
        case.name
    );
    let results: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}: {l}", case.name)))
        .collect();
    let reasons: Vec<&str> = results
        .iter()
        .filter(|r| r["type"] == "result")
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons.join(","),
        case.reasons,
        "{}: reasons\n{context}",
        case.name
    );
    // A run that got as far as reading input ends with a summary; a fatal error prints nothing.
    assert!(
        results.is_empty() || results.last().map(|r| r["type"].clone()) == Some(json!("summary")),
        "{}: a summary line ends every run\n{context}",
        case.name
    );
    assert!(
        out.stderr.contains(case.stderr),
        "{}: stderr lacks {:?}\n{context}",
        case.name,
        case.stderr
    );
}

fn nested(depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn verify_survives_hostile_callbacks() {
    let dir = tempfile::tempdir().unwrap();
    let g = good();
    let big_pad = "a".repeat(17 << 20);
    let huge_line = with(TS, &format!(r#""pad":"{big_pad}","#));
    let mut non_utf8_line = b"{\"x\":\"\xff\xfe\"}".to_vec();
    non_utf8_line.push(b'\n');
    let non_utf8 = [lines(&[&g]), non_utf8_line, lines(&[&g])].concat();
    let mut raw_nul = b"{\"x\":\"a\0b\"}\n".to_vec();
    raw_nul.extend(lines(&[&g]));
    let pretty_deep: String = (0..300).map(|_| "[\n").collect();
    let cases = vec![
        // Nothing to check is an input error, not a pass.
        vcase("empty", &[], vec![], 2, "", "no callbacks found"),
        vcase(
            "white space only",
            &[],
            b" \n\t\r\n  ".to_vec(),
            2,
            "",
            "no callbacks",
        ),
        vcase(
            "non-UTF-8 line between good ones",
            &[],
            non_utf8,
            2,
            "ok,parse_error,ok",
            ":2:",
        ),
        vcase(
            "raw NUL inside a string",
            &[],
            raw_nul,
            2,
            "parse_error,ok",
            ":1:",
        ),
        vcase(
            "NUL bytes alone",
            &[],
            [b"\0\0\0\n".to_vec(), lines(&[&g])].concat(),
            2,
            "parse_error,ok",
            ":1:",
        ),
        vcase(
            "escaped NUL in the signature",
            &[],
            lines(&[&with(TS, "").replace("\",\"timestamp", "\\u0000\",\"timestamp")]),
            1,
            "malformed_signature",
            "",
        ),
        vcase(
            "byte-order mark",
            &[],
            format!("\u{feff}{g}").into_bytes(),
            0,
            "ok",
            "",
        ),
        vcase(
            "byte-order mark on a later line",
            &[],
            format!("{g}\n\u{feff}{g}\n").into_bytes(),
            2,
            "ok,parse_error",
            ":2:",
        ),
        vcase(
            "CRLF line ends",
            &[],
            format!("{g}\r\n{g}\r\n").into_bytes(),
            0,
            "ok,ok",
            "",
        ),
        vcase(
            "CR only",
            &[],
            format!("{g}\r{g}\r").into_bytes(),
            2,
            "parse_error",
            ":1:",
        ),
        vcase(
            "truncated line between good ones",
            &[],
            lines(&[&g, r#"{"signature":"abc","time"#, &g]),
            2,
            "ok,parse_error,ok",
            ":2:",
        ),
        vcase(
            "truncated at end of input",
            &[],
            format!("{g}\n{{\"signa").into_bytes(),
            2,
            "ok,parse_error",
            ":2:",
        ),
        vcase(
            "truncated array",
            &[],
            format!("[{g},{g},{{\"sig").into_bytes(),
            2,
            "ok,ok,parse_error",
            ":3:",
        ),
        vcase(
            "truncated line balanced by later lines",
            &[],
            lines(&[r#"{"a":{"#, &g, "}}", &g]),
            2,
            "parse_error,ok,parse_error,ok",
            "",
        ),
        vcase(
            "nesting 100 000 deep on one line (valid JSON)",
            &[],
            lines(&[&g, &nested(100_000, "1"), &g]),
            2,
            "ok,not_an_object,ok",
            ":2:",
        ),
        vcase(
            "nesting 100 000 deep, unclosed",
            &[],
            lines(&[&g, &"[".repeat(100_000), &g]),
            2,
            "ok,parse_error,ok",
            ":2:",
        ),
        // A first line that is a whole array, with more lines after it, is NDJSON whose first
        // item is no object: every callback after it is still read.
        vcase(
            "an array line followed by NDJSON",
            &[],
            format!("[{g}]\n\n{g}\n").into_bytes(),
            2,
            "not_an_object,ok",
            "-:1: not a JSON object",
        ),
        // An array that spans lines is one array: what follows it is reported, not read.
        vcase(
            "a pretty-printed array followed by NDJSON",
            &[],
            format!("[\n{g}\n]\n{g}\n").into_bytes(),
            2,
            "ok,parse_error",
            "trailing characters",
        ),
        vcase(
            "nesting 10 000 deep inside a signed body",
            &[],
            lines(&[&with(TS, &format!(r#""x":{},"#, nested(10_000, "1")))]),
            0,
            "ok",
            "",
        ),
        vcase(
            "nesting 300 deep over many lines",
            &[],
            format!("{g}\n{pretty_deep}{g}\n").into_bytes(),
            2,
            // One value that never closes, however deep: one error, and the callback after it
            // (taken into it, as an array may hold an object) is still read.
            "ok,parse_error,ok",
            "",
        ),
        vcase(
            "duplicated signature",
            &[],
            lines(&[&with(TS, &format!(r#""signature":"{}","#, signed(TS))), &g]),
            2,
            "parse_error,ok",
            "duplicate field",
        ),
        vcase(
            "duplicated timestamp",
            &[],
            lines(&[&with(TS, r#""timestamp":"2020-01-01T00:00:00Z","#)]),
            2,
            "parse_error",
            "duplicate field",
        ),
        vcase(
            "duplicated body key",
            &[],
            lines(&[&with(TS, r#""x":1,"x":2,"#)]),
            0,
            "ok",
            "",
        ),
        vcase(
            "line over 16 MiB between good ones",
            &[],
            lines(&[&g, &huge_line, &g]),
            2,
            "ok,parse_error,ok",
            "larger than 16 MiB",
        ),
        vcase(
            "huge numbers in the body",
            &[],
            lines(&[&with(
                TS,
                r#""n":1e999999,"m":-123456789012345678901234567890,"#,
            )]),
            0,
            "ok",
            "",
        ),
        vcase(
            "number as signature",
            &[],
            lines(&[&format!(
                r#"{{"signature":123456789012345678901234567890,"timestamp":"{TS}"}}"#
            )]),
            1,
            "malformed_signature",
            "",
        ),
        vcase(
            "object as timestamp",
            &[],
            lines(&[&format!(
                r#"{{"signature":"{}","timestamp":{{"t":1}}}}"#,
                signed(TS)
            )]),
            1,
            "missing_timestamp",
            "",
        ),
        vcase(
            "not objects",
            &[],
            lines(&["null", "\"str\"", "42", "true", &g]),
            2,
            "not_an_object,not_an_object,not_an_object,not_an_object,ok",
            "not a JSON object",
        ),
        vcase(
            "array of wrong types",
            &[],
            format!("[1, \"x\", null, [], {g}]").into_bytes(),
            2,
            "not_an_object,not_an_object,not_an_object,not_an_object,ok",
            "",
        ),
        vcase(
            "lone surrogate in the signature",
            &[],
            lines(&[
                &format!(r#"{{"signature":"\ud800","timestamp":"{TS}"}}"#),
                &g,
            ]),
            2,
            "parse_error,ok",
            ":1:",
        ),
        vcase(
            "lone surrogate in the body",
            &[],
            lines(&[&with(TS, r#""x":"\udc00","#)]),
            0,
            "ok",
            "",
        ),
        vcase(
            "lone surrogate in a body key",
            &[],
            lines(&[&with(TS, r#""\ud800":1,"#), &g]),
            2,
            "parse_error,ok",
            "",
        ),
        vcase(
            "year 9999",
            &[],
            lines(&[&with("9999-12-31T23:59:59Z", "")]),
            1,
            "future",
            "",
        ),
        vcase(
            "year 0 with a max age",
            &["--max-age", "7d"],
            lines(&[&with("0000-01-01T00:00:00Z", "")]),
            1,
            "stale",
            "",
        ),
        vcase(
            "year 0 without a max age",
            &[],
            lines(&[&with("0000-01-01T00:00:00Z", "")]),
            0,
            "ok",
            "",
        ),
        vcase(
            "30 February",
            &[],
            lines(&[&with("2026-02-30T00:00:00Z", ""), &g]),
            1,
            "bad_timestamp,ok",
            "",
        ),
        vcase(
            "five-digit year",
            &[],
            lines(&[&with("+10000-01-01T00:00:00Z", "")]),
            1,
            "bad_timestamp",
            "",
        ),
        vcase(
            "leap second",
            &[],
            lines(&[&with("2026-11-20T09:59:60Z", "")]),
            0,
            "ok",
            "",
        ),
        vcase(
            "offset of 99 hours",
            &[],
            lines(&[&with("2026-11-20T10:00:00+99:00", "")]),
            1,
            "bad_timestamp",
            "",
        ),
        vcase(
            "widest windows",
            &[
                "--max-age",
                "106751991167d",
                "--max-future",
                "106751991167d",
                "--now",
                "9999-12-31T23:59:59Z",
            ],
            lines(&[&g]),
            0,
            "ok",
            "",
        ),
        vcase(
            "leading blank lines before an array",
            &[],
            format!("{}[{g},{g}]", "\n".repeat(300_000)).into_bytes(),
            0,
            "ok,ok",
            "",
        ),
        vcase("/dev/null", &["/dev/null"], vec![], 2, "", "no callbacks"),
        // An empty file among others has no result to name it: a warning does.
        vcase(
            "an empty file beside a good one",
            &["empty.json", "-"],
            lines(&[&g]),
            0,
            "ok",
            "warning: empty.json: holds no callback (it is empty)",
        ),
    ];
    std::fs::write(dir.path().join("empty.json"), "").unwrap();
    for case in &cases {
        check_verify(dir.path(), case);
    }
}

#[test]
fn verify_survives_hostile_paths() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("good.json"), good()).unwrap();
    let tree = root.join("tree");
    std::fs::create_dir_all(tree.join("sub")).unwrap();
    std::fs::write(tree.join("sub/a.json"), good()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(&tree, tree.join("sub/loop")).unwrap(); // a directory loop
        symlink("self.json", tree.join("self.json")).unwrap(); // a link to itself
        symlink("self.json", root.join("self.json")).unwrap();
    }
    std::fs::create_dir(root.join("dir.json")).unwrap();
    let cases = vec![
        vcase(
            "symlink loops inside a directory",
            &["tree"],
            vec![],
            0,
            "ok",
            "symbolic link not followed",
        ),
        vcase(
            "a link to itself named on the command line",
            &["self.json", "good.json"],
            vec![],
            2,
            "ok",
            "cannot read self.json",
        ),
        // A directory is walked, whatever its name.
        vcase(
            "a directory named like a file",
            &["dir.json", "good.json"],
            vec![],
            0,
            "ok",
            "",
        ),
        vcase(
            "a missing file",
            &["missing.json", "good.json"],
            vec![],
            2,
            "ok",
            "cannot read missing.json",
        ),
        vcase(
            "--api-key-file is a directory",
            &["--api-key-file", "tree"],
            lines(&[&good()]),
            2,
            "",
            "cannot read API key file tree",
        ),
        vcase(
            "--seen is a directory",
            &["--seen", "tree", "good.json"],
            vec![],
            2,
            "",
            "--seen",
        ),
        vcase(
            "--seen in a missing folder",
            &["--seen", "nowhere/seen.db", "good.json"],
            vec![],
            2,
            "",
            "--seen",
        ),
    ];
    for case in &cases {
        check_verify(root, case);
    }
}

/// `chmod 000` blocks reads, except for root: there the case cannot be set up and is skipped.
#[cfg(unix)]
#[test]
fn verify_reports_unreadable_files_and_checks_the_rest() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("d")).unwrap();
    std::fs::write(root.join("d/a.json"), good()).unwrap();
    std::fs::write(root.join("d/b.json"), good()).unwrap();
    std::fs::set_permissions(
        root.join("d/a.json"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    if std::fs::read(root.join("d/a.json")).is_ok() {
        eprintln!("notice: skipping the chmod 000 case: this user (root?) reads it anyway");
        return;
    }
    check_verify(
        root,
        &vcase(
            "unreadable file in a directory",
            &["d"],
            vec![],
            2,
            "ok",
            "cannot read d/a.json",
        ),
    );
    std::fs::create_dir(root.join("locked")).unwrap();
    std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    check_verify(
        root,
        &vcase(
            "unreadable directory",
            &["locked", "d/b.json"],
            vec![],
            2,
            "ok",
            "cannot read locked",
        ),
    );
    std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o700)).unwrap();
}

/// One `sign` case: arguments after `sign`, stdin, the exit code and text stdout must hold.
struct SignCase {
    name: &'static str,
    args: Vec<String>,
    stdin: Vec<u8>,
    env_key: bool,
    code: i32,
    stdout: String,
    stderr: &'static str,
}

fn scase(
    name: &'static str,
    args: &[&str],
    stdin: Vec<u8>,
    code: i32,
    stdout: &str,
    stderr: &'static str,
) -> SignCase {
    SignCase {
        name,
        args: args.iter().map(|s| (*s).to_owned()).collect(),
        stdin,
        env_key: true,
        code,
        stdout: stdout.to_owned(),
        stderr,
    }
}

fn check_sign(dir: &Path, case: &SignCase) {
    let mut args: Vec<String> = vec!["sign".into()];
    args.extend(case.args.iter().cloned());
    let env: &[(&str, &str)] = if case.env_key {
        &[("SMILE_API_KEY", KEY)]
    } else {
        &[]
    };
    let out = run(dir, &args, &case.stdin, env, case.name);
    check_common(case.name, &out);
    let context = format!("stdout: {}\nstderr: {}", head(&out.stdout), out.stderr);
    assert_eq!(
        out.code,
        Some(case.code),
        "{}: exit code\n{context}",
        case.name
    );
    assert!(
        out.stdout.contains(&case.stdout),
        "{}: stdout lacks {:?}\n{context}",
        case.name,
        case.stdout
    );
    assert!(
        out.stderr.contains(case.stderr),
        "{}: stderr lacks {:?}\n{context}",
        case.name,
        case.stderr
    );
    if case.code != 0 {
        assert!(
            out.stdout.is_empty(),
            "{}: output on failure\n{context}",
            case.name
        );
    }
}

#[test]
fn sign_survives_hostile_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let sig = signed(TS);
    let body = |name: &'static str, stdin: &[u8], code: i32, stdout: &str, stderr: &'static str| {
        scase(
            name,
            &[
                "--partner-id",
                PARTNER,
                "--timestamp",
                TS,
                "--format",
                "json",
                "--body",
                "-",
            ],
            stdin.to_vec(),
            code,
            stdout,
            stderr,
        )
    };
    let huge = format!(r#"{{"pad":"{}"}}"#, "a".repeat(17 << 20));
    let cases = vec![
        body("empty body", b"", 2, "", "not valid JSON"),
        body("white-space body", b" \n\t ", 2, "", "not valid JSON"),
        body(
            "non-UTF-8 body",
            b"{\"a\":\"\xff\"}",
            2,
            "",
            "not valid JSON",
        ),
        body(
            "byte-order mark",
            "\u{feff}{\"a\":1}".as_bytes(),
            0,
            &sig,
            "",
        ),
        body("truncated body", b"{\"a\":[1,", 2, "", "not valid JSON"),
        body(
            "nesting 100 000 deep",
            format!("{{\"a\":{}}}", nested(100_000, "1")).as_bytes(),
            2,
            "",
            "not valid JSON",
        ),
        body(
            "duplicated keys: the last wins, as in most parsers",
            br#"{"a":1,"a":2}"#,
            0,
            r#""a":2"#,
            "",
        ),
        body(
            "a forged signature field is replaced",
            br#"{"signature":"forged","timestamp":"x"}"#,
            0,
            &sig,
            "",
        ),
        // Valid JSON, if no float holds it: kept as written, never read into one.
        body(
            "huge number",
            br#"{"n":1e999999}"#,
            0,
            r#"{"n":1e999999,"#,
            "",
        ),
        body("array", b"[1,2]", 2, "", "not a JSON object"),
        body("string", b"\"x\"", 2, "", "not a JSON object"),
        body("null", b"null", 2, "", "not a JSON object"),
        body("raw NUL", b"{\"a\":\"\0\"}", 2, "", "not valid JSON"),
        body(
            "escaped NUL kept",
            br#"{"a":"\u0000"}"#,
            0,
            r#""a":"\u0000""#,
            "",
        ),
        body("CRLF", b"{\r\n\"a\": 1\r\n}\r\n", 0, &sig, ""),
        body(
            "lone surrogate",
            br#"{"a":"\ud800"}"#,
            2,
            "",
            "not valid JSON",
        ),
        body("body over 16 MiB", huge.as_bytes(), 0, &sig, ""),
    ];
    for case in &cases {
        check_sign(dir.path(), case);
    }
}

#[test]
fn sign_survives_hostile_arguments_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("dir")).unwrap();
    std::fs::write(root.join("key-non-utf8"), b"\xff\xfekey").unwrap();
    std::fs::write(root.join("key-empty"), b"").unwrap();
    std::fs::write(root.join("key-newline"), b"\r\n").unwrap();
    std::fs::write(root.join("key-nul"), b"k\0y\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();
    fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut a = vec!["--partner-id", PARTNER, "--timestamp", TS];
        a.extend_from_slice(extra);
        a
    }
    let cases = vec![
        scase(
            "--body is a directory",
            &args(&["--body", "dir"]),
            vec![],
            2,
            "",
            "cannot read request body dir",
        ),
        scase(
            "--body is a symlink loop",
            &args(&["--body", "loop"]),
            vec![],
            2,
            "",
            "cannot read request body loop",
        ),
        scase(
            "--api-key-file is a directory",
            &args(&["--api-key-file", "dir"]),
            vec![],
            2,
            "",
            "cannot read API key file dir",
        ),
        scase(
            "--api-key-file is a symlink loop",
            &args(&["--api-key-file", "loop"]),
            vec![],
            2,
            "",
            "loop",
        ),
        scase(
            "--api-key-file is not UTF-8",
            &args(&["--api-key-file", "key-non-utf8"]),
            vec![],
            2,
            "",
            "not UTF-8",
        ),
        scase(
            "--api-key-file is empty",
            &args(&["--api-key-file", "key-empty"]),
            vec![],
            2,
            "",
            "empty",
        ),
        scase(
            "--api-key-file holds only CRLF",
            &args(&["--api-key-file", "key-newline"]),
            vec![],
            2,
            "",
            "empty",
        ),
        scase(
            "--api-key-file holds a NUL byte",
            &args(&["--api-key-file", "key-nul"]),
            vec![],
            0,
            "signature",
            "",
        ),
        scase(
            "--api-key-file - with empty stdin",
            &args(&["--api-key-file", "-"]),
            vec![],
            2,
            "",
            "empty",
        ),
        scase(
            "empty timestamp",
            &["--partner-id", PARTNER, "--timestamp", ""],
            vec![],
            2,
            "",
            "empty",
        ),
        scase(
            "newline in a header",
            &[
                "--partner-id",
                PARTNER,
                "--timestamp",
                "a\nb",
                "--format",
                "headers",
            ],
            vec![],
            2,
            "",
            "control character",
        ),
        // In text, a line break would print a line that reads as another field.
        scase(
            "newline in the text form",
            &[
                "--partner-id",
                PARTNER,
                "--timestamp",
                "T\nsignature   FAKE",
            ],
            vec![],
            2,
            "",
            "use --format json",
        ),
        scase(
            "newline in the text form is signed verbatim",
            &[
                "--partner-id",
                PARTNER,
                "--timestamp",
                "a\nb",
                "--format",
                "json",
            ],
            vec![],
            0,
            r#""timestamp":"a\nb""#,
            "",
        ),
        scase(
            "absurd timestamp is signed verbatim",
            &[
                "--partner-id",
                PARTNER,
                "--timestamp",
                "+999999-99-99T99:99:99Z",
            ],
            vec![],
            0,
            "+999999-99-99",
            "",
        ),
        scase(
            "absurd --now",
            &["--partner-id", PARTNER, "--now", "99999-01-01T00:00:00Z"],
            vec![],
            2,
            "",
            "error",
        ),
        scase(
            "huge partner id",
            &["--partner-id", &"9".repeat(100_000), "--timestamp", TS],
            vec![],
            0,
            "signature",
            "",
        ),
        scase(
            "partner id of spaces is used verbatim",
            &["--partner-id", "  ", "--timestamp", TS, "--format", "json"],
            vec![],
            0,
            r#""partner_id":"  ""#,
            "",
        ),
    ];
    for case in &cases {
        check_sign(root, case);
    }
    // The key file is read only when no key is given directly.
    let mut keys_dir = scase(
        "--keys is a directory",
        &["--keys", "dir", "--key", "a", "--timestamp", TS],
        vec![],
        2,
        "",
        "cannot read key file dir",
    );
    keys_dir.env_key = false;
    check_sign(root, &keys_dir);
}

#[cfg(unix)]
#[test]
fn sign_refuses_arguments_that_are_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = crate::common::smile_sec_process();
    let bad = std::ffi::OsStr::from_bytes(b"\xff\xfe");
    let out = cmd
        .current_dir(dir.path())
        .env("SMILE_API_KEY", KEY)
        .args(["sign", "--timestamp", TS, "--partner-id"])
        .arg(bad)
        .output()
        .unwrap();
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    check_common("non-UTF-8 --partner-id", &run);
    assert_eq!(run.code, Some(2));
}

/// A key file that is not what the contract describes is an input error (exit 2) that names the
/// file, for `sign` and `verify` alike; odd but valid content works.
#[test]
fn key_files_survive_hostile_content() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let entry = |extra: &str| {
        format!(
            r#"{{"keys":[{{"id":"a","partner_id":"085","environment":"sandbox","integrations":["server"],"created":"2026-01-01","api_key_env":"HOSTILE_KEY"{extra}}}]}}"#
        )
    };
    let files: Vec<(&str, Vec<u8>, i32, &str)> = vec![
        ("empty", vec![], 2, "invalid key file"),
        ("white space", b" \n\t".to_vec(), 2, "invalid key file"),
        (
            "not UTF-8",
            [b"{\"keys\":[], \"x\":\"".as_slice(), b"\xff\"}"].concat(),
            2,
            "invalid key file",
        ),
        (
            "byte-order mark",
            format!("\u{feff}{}", entry("")).into_bytes(),
            0,
            "",
        ),
        ("truncated", entry("").as_bytes()[..60].to_vec(), 2, "EOF"),
        // serde reads a struct from an array by position, past the field names: not here.
        (
            "policy as an array",
            format!(r#"{{"policy":[30,5],{}"#, &entry("")[1..]).into_bytes(),
            2,
            "expected a JSON object",
        ),
        (
            "mute as an array",
            entry(r#","mutes":[["inline_secret","r","2027-01-01"]]"#).into_bytes(),
            2,
            "expected a JSON object",
        ),
        (
            "entry as an array",
            br#"{"keys":[["a","085","sandbox",["server"],"2026-01-01"]]}"#.to_vec(),
            2,
            "expected a JSON object",
        ),
        (
            "file as an array",
            br#"[null,[]]"#.to_vec(),
            2,
            "expected a JSON object",
        ),
        (
            "nesting 100 000 deep",
            format!("{{\"keys\":{}}}", nested(100_000, "")).into_bytes(),
            2,
            "invalid key file",
        ),
        (
            "duplicated id field",
            entry(r#","id":"b""#).into_bytes(),
            2,
            "duplicate field `id`",
        ),
        (
            "duplicated entry id",
            format!(
                r#"{{"keys":[{0},{0}]}}"#,
                &entry("")[9..entry("").len() - 2]
            )
            .into_bytes(),
            2,
            "duplicate id",
        ),
        (
            "huge max_age_days",
            format!(r#"{{"policy":{{"max_age_days":1e999}},{}"#, &entry("")[1..]).into_bytes(),
            2,
            "invalid key file",
        ),
        (
            "max_age_days over u32",
            format!(
                r#"{{"policy":{{"max_age_days":99999999999}},{}"#,
                &entry("")[1..]
            )
            .into_bytes(),
            2,
            "invalid key file",
        ),
        (
            "wrong type for integrations",
            entry("")
                .replace(r#"["server"]"#, r#""server""#)
                .into_bytes(),
            2,
            "invalid type",
        ),
        (
            "keys is an object",
            br#"{"keys":{}}"#.to_vec(),
            2,
            "invalid type",
        ),
        (
            "raw NUL",
            entry("").replace("server", "ser\0ver").into_bytes(),
            2,
            "invalid key file",
        ),
        ("CRLF", entry("").replace(',', ",\r\n").into_bytes(), 0, ""),
        (
            "lone surrogate in the id",
            entry("")
                .replace(r#""id":"a""#, r#""id":"\ud800""#)
                .into_bytes(),
            2,
            "invalid key file",
        ),
        (
            "created in year 9999",
            entry("").replace("2026-01-01", "9999-12-31").into_bytes(),
            0,
            "",
        ),
        (
            "created in year 0",
            entry("").replace("2026-01-01", "0000-01-01").into_bytes(),
            0,
            "",
        ),
        (
            "created five-digit year",
            entry("").replace("2026-01-01", "+10000-01-01").into_bytes(),
            2,
            "`created`",
        ),
        (
            "created on 30 February",
            entry("").replace("2026-01-01", "2026-02-30").into_bytes(),
            2,
            "`created`",
        ),
        (
            "mute until an absurd date",
            entry(r#","mutes":[{"finding":"expiring","reason":"y","until":"99999-01-01"}]"#)
                .into_bytes(),
            2,
            "until",
        ),
    ];
    for (name, bytes, code, stderr) in files {
        std::fs::write(root.join("keys.json"), &bytes).unwrap();
        let mut sign_case = scase(
            name,
            &["--keys", "keys.json", "--key", "a", "--timestamp", TS],
            vec![],
            code,
            if code == 0 { "signature" } else { "" },
            stderr,
        );
        sign_case.env_key = false;
        check_key_case(root, &sign_case);
        let verify_case = vcase(
            name,
            &["--keys", "keys.json"],
            lines(&[&good()]),
            code,
            if code == 0 { "ok" } else { "" },
            stderr,
        );
        check_key_verify(root, &verify_case);
    }
}

#[test]
fn key_file_that_is_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("keys")).unwrap();
    check_key_verify(
        dir.path(),
        &vcase(
            "verify --keys DIR",
            &["--keys", "keys"],
            lines(&[&good()]),
            2,
            "",
            "cannot read key file keys",
        ),
    );
}

fn check_key_case(dir: &Path, case: &SignCase) {
    let mut args: Vec<String> = vec!["sign".into()];
    args.extend(case.args.iter().cloned());
    let out = run(dir, &args, &case.stdin, &[("HOSTILE_KEY", KEY)], case.name);
    check_common(case.name, &out);
    let context = format!("stdout: {}\nstderr: {}", head(&out.stdout), out.stderr);
    assert_eq!(
        out.code,
        Some(case.code),
        "sign, key file {}: exit\n{context}",
        case.name
    );
    assert!(
        out.stdout.contains(&case.stdout),
        "{}\n{context}",
        case.name
    );
    assert!(
        out.stderr.contains(case.stderr),
        "{}: stderr lacks {:?}\n{context}",
        case.name,
        case.stderr
    );
    if case.code == 2 {
        assert!(
            out.stderr.contains("keys.json"),
            "{}: the file is named\n{context}",
            case.name
        );
    }
}

fn check_key_verify(dir: &Path, case: &VerifyCase) {
    let mut args: Vec<String> = ["verify", "--now", NOW, "--format", "json"]
        .map(str::to_owned)
        .into();
    args.extend(case.args.iter().cloned());
    let out = run(dir, &args, &case.stdin, &[("HOSTILE_KEY", KEY)], case.name);
    check_common(case.name, &out);
    let context = format!("stdout: {}\nstderr: {}", head(&out.stdout), out.stderr);
    assert_eq!(
        out.code,
        Some(case.code),
        "verify, key file {}: exit\n{context}",
        case.name
    );
    assert!(
        out.stdout.contains(case.reasons),
        "{}\n{context}",
        case.name
    );
    assert!(
        out.stderr.contains(case.stderr),
        "{}: stderr lacks {:?}\n{context}",
        case.name,
        case.stderr
    );
}

/// `sign --body` prints a request of any size (pretty JSON, many lines); a reader that stops
/// early (`| head -1`) ends it quietly with exit 0, as for `verify` (tests/cli/verify.rs).
#[cfg(unix)]
#[test]
fn sign_body_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<Value> = (0..200_000).map(|i| json!({ "n": i })).collect();
    std::fs::write(
        dir.path().join("big.json"),
        json!({ "items": items }).to_string(),
    )
    .unwrap();
    let script = format!(
        "'{}' sign --partner-id {PARTNER} --timestamp {TS} --body big.json | head -1 >/dev/null; echo ${{PIPESTATUS[0]}}",
        crate::common::binary().display()
    );
    let out = crate::common::scrub(&mut Command::new("bash"))
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

/// Files read whole (keys, key files, allowlists, bodies, a `--seen` file) named where an endless
/// one stands (a device): refused as not a regular file, exit 2, soon, not a process that grows
/// until it is killed; a key file's `api_key_file` may not name it at all (an absolute path).
#[cfg(target_os = "linux")]
#[test]
fn endless_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.json");
    let entry = json!({"keys": [{
        "id": "a", "partner_id": PARTNER, "environment": "production",
        "integrations": ["server"], "created": "2026-11-01", "api_key_file": "/dev/zero",
    }]});
    std::fs::write(&keys, entry.to_string()).unwrap();
    let keys = keys.to_str().unwrap();
    let key_file = dir.path().join("api.key");
    std::fs::write(&key_file, KEY).unwrap();
    let key_file = key_file.to_str().unwrap();
    let body = dir.path().join("cb.json");
    std::fs::write(
        &body,
        format!(r#"{{"signature":"{}","timestamp":"{TS}"}}"#, signed(TS)),
    )
    .unwrap();
    let body = body.to_str().unwrap();
    let p = ["--partner-id", PARTNER];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["sign", "--api-key-file", "/dev/zero", p[0], p[1]],
            "not a regular file",
        ),
        (
            vec!["sign", "--keys", keys, "--key", "a"],
            "is refused: it must be a path relative to the key file's folder",
        ),
        (
            vec!["sign", "--keys", "/dev/zero", "--key", "a"],
            "not a regular file",
        ),
        (
            vec![
                "sign",
                "--api-key-file",
                key_file,
                p[0],
                p[1],
                "--body",
                "/dev/zero",
            ],
            "not a regular file",
        ),
        (vec!["audit", "--keys", "/dev/zero"], "not a regular file"),
        (
            vec!["verify", body, "--keys", keys, "--now", NOW],
            "is refused: it must be a path relative to the key file's folder",
        ),
        (
            vec![
                "verify",
                body,
                "--api-key-file",
                key_file,
                p[0],
                p[1],
                "--now",
                NOW,
                "--seen",
                "/dev/zero",
            ],
            "not a regular file",
        ),
        (
            vec!["ip-check", "1.2.3.4", "--allowlist", "/dev/zero"],
            "not a regular file",
        ),
        (
            vec!["callback", "new", "--api-key-file", "/dev/zero", p[0], p[1]],
            "not a regular file",
        ),
    ];
    for (args, needle) in cases {
        let started = Instant::now();
        let out = crate::common::smile_sec().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("smile-sec: error: "),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(started.elapsed() < TIME_BOUND, "{args:?}");
    }
}
