//! What CI systems read: `--format junit` (validated against the JUnit schema CI servers use,
//! with xmllint) and the GitHub job summary appended to `$GITHUB_STEP_SUMMARY`.
#![allow(clippy::print_stderr)] // a skipped check says so on stderr

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::common::smile_sec;
use quick_xml::Reader;
use quick_xml::events::Event;

/// A key file of three keys at 2026-11-25: one fine, one expired, one expiring; ids given.
fn key_file(dir: &Path, ids: [&str; 3]) -> std::path::PathBuf {
    let entry = |id: &str, created: &str| {
        serde_json::json!({
            "id": id, "partner_id": "085", "environment": "sandbox",
            "integrations": ["server"], "created": created,
        })
    };
    let file = serde_json::json!({"keys": [
        entry(ids[0], "2026-11-01"),
        entry(ids[1], "2026-01-01"),
        entry(ids[2], "2026-08-30"),
    ]});
    let path = dir.join("keys.json");
    std::fs::write(&path, file.to_string()).unwrap();
    path
}

fn audit(keys: &Path, extra: &[&str], summary: Option<&Path>) -> Output {
    let mut cmd = smile_sec();
    cmd.arg("audit")
        .arg("--keys")
        .arg(keys)
        .args(["--now", "2026-11-25T09:00:00Z"])
        .args(extra);
    if let Some(path) = summary {
        cmd.env("GITHUB_STEP_SUMMARY", path);
    }
    cmd.output().unwrap()
}

/// The `<testcase>` names and, for each, the `type` of its failure or error, if any; plus the
/// suite's `tests`/`failures`/`errors` attributes.
#[derive(Debug, Default)]
struct Junit {
    cases: Vec<(String, Option<String>)>,
    counts: Vec<(String, String)>,
}

fn parse_junit(xml: &str) -> Junit {
    let mut reader = Reader::from_str(xml);
    let mut junit = Junit::default();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let attr = |name: &str| {
                    e.attributes()
                        .map(Result::unwrap)
                        .find(|a| a.key.as_ref() == name)
                        .map(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                                .unwrap()
                                .into_owned()
                        })
                };
                match e.name().as_ref() {
                    "testsuite" => {
                        for name in ["tests", "failures", "errors"] {
                            junit.counts.push((name.into(), attr(name).unwrap()));
                        }
                    }
                    "testcase" => junit.cases.push((attr("name").unwrap(), None)),
                    "failure" | "error" => {
                        junit.cases.last_mut().unwrap().1 = attr("type");
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    junit
}

/// Validates `xml` against Jenkins' JUnit schema with xmllint (installed by `.ci/run`).
fn validate_junit(xml: &str) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit-10.xsd");
    let child = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("notice: xmllint not runnable ({e}); JUnit schema check skipped");
            return;
        }
        Err(e) => panic!("xmllint is needed under CI: {e}"),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "JUnit output does not validate:\n{}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn audit_junit_has_a_case_per_key_and_a_failure_for_each_that_fails() {
    let dir = tempfile::tempdir().unwrap();
    let keys = key_file(dir.path(), ["fresh", "old", "soon"]);

    let out = audit(&keys, &["--format", "junit"], None);
    assert_eq!(out.status.code(), Some(1));
    let xml = String::from_utf8(out.stdout).unwrap();
    validate_junit(&xml);
    let junit = parse_junit(&xml);
    assert_eq!(
        junit.cases,
        [
            ("fresh".into(), None),
            ("old".into(), Some("expired".into())),
            ("soon".into(), None),
        ]
    );
    assert!(junit.counts.contains(&("failures".into(), "1".into())));
    assert!(junit.counts.contains(&("tests".into(), "3".into())));

    // --fail-on warn makes the expiring key a failing case too.
    let out = audit(&keys, &["--format", "junit", "--fail-on", "warn"], None);
    let junit = parse_junit(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(junit.cases[2], ("soon".into(), Some("expiring".into())));
}

/// A key file that cannot be audited still gives CI a report naming the cause, never nothing.
#[test]
fn an_unusable_key_file_is_an_errored_case_and_a_summary_row() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.json");
    std::fs::write(&keys, r#"{"keys": ["#).unwrap();
    let summary = dir.path().join("summary.md");
    let out = audit(&keys, &["--format", "junit"], Some(&summary));
    assert_eq!(out.status.code(), Some(2));
    let xml = String::from_utf8(out.stdout).unwrap();
    validate_junit(&xml);
    let junit = parse_junit(&xml);
    assert_eq!(junit.cases, [("key file".into(), Some("unusable".into()))]);
    assert!(junit.counts.contains(&("errors".into(), "1".into())));
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(written.contains("| unusable |"), "{written}");
    assert!(written.contains("keys.json"), "{written}");
    // Text output stays on stderr alone; the summary is appended again.
    let missing = dir.path().join("missing.json");
    let out = audit(&missing, &[], Some(&summary));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let again = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(again.matches("| unusable |").count(), 2, "{again}");
    // SARIF: no log (an analysis with no result could close the open alerts), the row still.
    let out = audit(&keys, &["--format", "sarif"], Some(&summary));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let again = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(again.matches("| unusable |").count(), 3, "{again}");
    // GitHub: one error annotation, its text escaped as a workflow command's data.
    let out = audit(&missing, &["--format", "github"], None);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(
        lines[0].starts_with("::error title=smile-sec audit::")
            && lines[0].contains("missing.json"),
        "{stdout}"
    );
}

#[test]
fn hostile_key_ids_stay_data_in_junit_and_in_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let forged = "x\"/><testcase name=\"forged\"/>\n| forged | row |\u{1b}]0;title\u{7}";
    let keys = key_file(dir.path(), ["ok-1", forged, "@team <b>"]);
    let summary = dir.path().join("summary.md");

    let out = audit(&keys, &["--format", "junit"], Some(&summary));
    let xml = String::from_utf8(out.stdout).unwrap();
    validate_junit(&xml);
    let junit = parse_junit(&xml);
    assert_eq!(junit.cases.len(), 3, "{xml}");
    assert!(!junit.cases.iter().any(|(name, _)| name == "forged"));
    assert!(!xml.contains('\u{1b}'));

    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(!md.contains('\u{1b}'), "{md}");
    // Outside code spans, where Markdown reads markup, no tag or mention is left.
    let markup = outside_code_spans(&md);
    assert!(!markup.contains('<') && !markup.contains('@'), "{markup}");
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| ")).collect();
    // The header and one row for the expired key: the forged id adds no row or cell.
    assert_eq!(rows.len(), 2, "{md}");
    assert_eq!(rows[1].matches(" | ").count(), 3, "{md}");
}

#[test]
fn audit_appends_a_summary_whatever_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let keys = key_file(dir.path(), ["fresh", "old", "soon"]);
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();

    for format in ["text", "json", "sarif", "github", "junit"] {
        let out = audit(&keys, &["--format", format], Some(&summary));
        assert_eq!(out.status.code(), Some(1), "{format}");
    }
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("earlier step\n"), "appends, never truncates");
    assert_eq!(md.matches("### smile-sec audit: `").count(), 5, "{md}");
    assert_eq!(md.matches("| old | sandbox | expired |").count(), 5, "{md}");

    // Nothing failing: one all-clear line and no table.
    let fine = dir.path().join("fine.json");
    std::fs::write(
        &fine,
        r#"{"keys":[{"id":"a","partner_id":"085","environment":"sandbox","integrations":["server"],"created":"2026-11-01"}]}"#,
    )
    .unwrap();
    let clear = dir.path().join("clear.md");
    let out = audit(&fine, &[], Some(&clear));
    assert_eq!(out.status.code(), Some(0));
    let md = std::fs::read_to_string(&clear).unwrap();
    assert!(md.contains("Every key passes"), "{md}");
    assert!(
        md.contains("\n1 key: 0 fail, 0 warn, 1 ok, 0 muted\n"),
        "{md}"
    );
    assert!(!md.contains('|'), "{md}");
}

#[test]
fn no_summary_is_written_when_the_variable_is_unset_or_empty() {
    let dir = tempfile::tempdir().unwrap();
    let keys = key_file(dir.path(), ["fresh", "old", "soon"]);
    for empty in [false, true] {
        let mut cmd = smile_sec();
        cmd.current_dir(dir.path())
            .args(["audit", "--now", "2026-11-25T09:00:00Z", "--keys"])
            .arg(&keys);
        if empty {
            cmd.env("GITHUB_STEP_SUMMARY", "");
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        // Nothing written beside the key file, and no complaint about a summary file.
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("summary"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["keys.json"], "empty variable: {empty}");
    }
}

/// `smile-sec verify` on the shipped examples plus `extra` files, at the examples' time.
fn verify(extra: &[&Path], args: &[&str], summary: Option<&Path>) -> Output {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut cmd = smile_sec();
    cmd.current_dir(&examples)
        .args(["verify", "callbacks", "tampered.json"])
        .args(extra)
        .args(["--keys", "smile-keys.json"])
        .args(["--now", "2026-11-21T09:00:00Z"])
        .args(args);
    if let Some(path) = summary {
        cmd.env("GITHUB_STEP_SUMMARY", path);
    }
    cmd.output().unwrap()
}

#[test]
fn verify_junit_has_a_case_per_callback_with_failures_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.ndjson");
    std::fs::write(&broken, "{\"a\":\n[1,2]\n").unwrap();
    let missing = dir.path().join("missing.json");

    let out = verify(&[&broken, &missing], &["--format", "junit"], None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "parse errors and a missing file"
    );
    let xml = String::from_utf8(out.stdout).unwrap();
    validate_junit(&xml);
    let junit = parse_junit(&xml);
    let failing: Vec<&(String, Option<String>)> = junit
        .cases
        .iter()
        .filter(|(_, kind)| kind.is_some())
        .collect();
    assert!(
        failing
            .iter()
            .any(|(name, kind)| name == "tampered.json:1"
                && kind.as_deref() == Some("bad_signature")),
        "{xml}"
    );
    // Named by its path, as every other case is by its source.
    assert!(
        failing
            .iter()
            .any(|(name, kind)| name.ends_with("missing.json")
                && !name.contains("cannot read")
                && kind.as_deref() == Some("unreadable")),
        "{xml}"
    );
    // Each failure and error says why in its text, which is all GitLab's report shows.
    assert!(
        !xml.contains("\"></failure>") && !xml.contains("\"></error>"),
        "{xml}"
    );
    assert!(
        xml.contains("message=\"bad_signature\">bad_signature (age "),
        "{xml}"
    );
    assert!(xml.contains("\">unreadable: "), "{xml}");
    let passed = junit
        .cases
        .iter()
        .filter(|(_, kind)| kind.is_none())
        .count();
    assert_eq!(passed, 5, "{xml}");
    let count = |name: &str| {
        junit
            .counts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.parse::<usize>().unwrap())
            .unwrap()
    };
    assert_eq!(count("tests"), junit.cases.len());
    assert_eq!(count("failures"), 1);
    assert_eq!(count("errors"), failing.len() - 1);
}

#[test]
fn verify_appends_its_failures_to_the_job_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    for format in ["text", "json", "junit"] {
        let out = verify(&[], &["--format", format], Some(&summary));
        assert_eq!(out.status.code(), Some(1), "{format}");
    }
    let md = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(md.matches("### smile-sec verify\n").count(), 3, "{md}");
    assert_eq!(
        md.matches("| `tampered.json:1` | bad_signature |").count(),
        3,
        "{md}"
    );
    assert!(
        md.contains("6 checked: 5 valid, 1 invalid, 0 errors"),
        "{md}"
    );
}

/// A verify that cannot start (no usable key here) still leaves a CI report: a JUnit document
/// with the error as its one errored case, and a summary row saying why.
#[test]
fn a_verify_that_cannot_start_is_an_errored_case_and_a_summary_row() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let out = smile_sec()
        .current_dir(dir.path())
        .args(["verify", "--format", "junit", "-"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .write_stdin("{}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let xml = String::from_utf8(out.stdout).unwrap();
    validate_junit(&xml);
    let junit = parse_junit(&xml);
    assert_eq!(junit.cases, [("setup".into(), Some("unusable".into()))]);
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(written.contains("| unusable | no API key |"), "{written}");
    assert!(written.contains("verify could not start"), "{written}");
    // Text output: stdout stays empty, the summary gets its row all the same.
    let out = smile_sec()
        .current_dir(dir.path())
        .args(["verify", "-"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .write_stdin("{}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let again = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(again.matches("| unusable |").count(), 2, "{again}");
}

/// An input with no callback fails the run (exit 2), and every report says so as the exit code
/// does: the JSON summary counts an error, the JUnit document has an errored case, and the job
/// summary does not say that every callback passed.
#[test]
fn an_input_without_callbacks_is_an_error_in_every_report() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let run = |format: &str| {
        smile_sec()
            .current_dir(dir.path())
            .args(["verify", "--partner-id", "085", "--format", format])
            .env("SMILE_API_KEY", "k")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .write_stdin("\n  \n")
            .output()
            .unwrap()
    };
    let out = run("json");
    assert_eq!(out.status.code(), Some(2));
    let lines: Vec<serde_json::Value> = serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        lines[0],
        serde_json::json!({"type": "error", "source": "(the input)", "reason": "empty",
            "error": "no callbacks found in the input"})
    );
    let summary_line = &lines[1];
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (&summary_line["checked"], &summary_line["errors"]),
        (&0.into(), &1.into())
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no callbacks found"));
    let out = run("junit");
    assert_eq!(out.status.code(), Some(2));
    let xml = String::from_utf8(out.stdout).unwrap();
    validate_junit(&xml);
    let junit = parse_junit(&xml);
    assert_eq!(junit.cases, [("(the input)".into(), Some("empty".into()))]);
    assert!(
        junit.counts.contains(&("errors".into(), "1".into())),
        "{xml}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(!md.contains("Every callback passed"), "{md}");
    assert_eq!(
        md.matches("no callbacks found in the input").count(),
        2,
        "{md}"
    );
}

/// A summary file an earlier step left without a final newline: the title still starts a line
/// of its own, so it still reads as a heading.
#[test]
fn the_summary_title_starts_a_line_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "written by an earlier step").unwrap();
    let out = verify(&[], &[], Some(&summary));
    assert_eq!(out.status.code(), Some(1));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("written by an earlier step\n### smile-sec verify\n"),
        "{md}"
    );
}

/// `md` without its code spans (a run of backticks up to the next run of as many).
fn outside_code_spans(md: &str) -> String {
    let mut out = String::new();
    let mut rest = md;
    while let Some(open) = rest.find('`') {
        out.push_str(&rest[..open]);
        let fence_len = rest[open..].len() - rest[open..].trim_start_matches('`').len();
        let after = &rest[open + fence_len..];
        let mut search = 0;
        let close = loop {
            let Some(at) = after[search..].find('`') else {
                break None;
            };
            let at = search + at;
            let run = after[at..].len() - after[at..].trim_start_matches('`').len();
            if run == fence_len {
                break Some(at);
            }
            search = at + run;
        };
        match close {
            Some(at) => rest = &after[at + fence_len..],
            // An unclosed fence is text.
            None => {
                out.push_str(&rest[open..open + fence_len]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
