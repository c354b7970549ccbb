//! `smile-sec audit` through the real binary. Every run has a fixed
//! `--now`, and every run checks that no secret value reaches stdout or stderr.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use tempfile::TempDir;

use crate::common::smile_sec;

/// Every secret value any test puts in a key file, a variable or a key file's neighbour.
const SECRETS: &[&str] = &[
    "live-secret-AAAA-1111",
    "sandbox-secret-BBBB-2222",
    "inline-secret-CCCC-3333",
    "shared-secret-DDDD-4444",
    "987654321",
];

const NOW: &str = "2026-11-25T09:00:00Z";

struct Keys {
    dir: TempDir,
    path: PathBuf,
}

/// A key file holding `keys` (JSON objects, comma separated) and an optional policy.
fn key_file(policy: &str, keys: &str) -> Keys {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("smile-keys.json");
    let policy = if policy.is_empty() {
        String::new()
    } else {
        format!("\"policy\": {policy},\n")
    };
    std::fs::write(&path, format!("{{\n{policy}\"keys\": [\n{keys}\n]\n}}\n")).unwrap();
    set_mode(&path, 0o600);
    Keys { dir, path }
}

fn raw_file(text: &str) -> Keys {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("smile-keys.json");
    std::fs::write(&path, text).unwrap();
    Keys { dir, path }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) {}

/// One key entry; `extra` is appended inside the object (start it with a comma).
fn entry(id: &str, env: &str, created: &str, extra: &str) -> String {
    format!(
        r#"{{ "id": "{id}", "partner_id": "085", "environment": "{env}", "integrations": ["server"],
  "created": "{created}"{extra} }}"#
    )
}

/// Runs `smile-sec audit --keys FILE --now NOW ARGS` and checks that no secret leaks.
fn audit(keys: &Keys, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = smile_sec();
    // NO_COLOR as a user would set it: text stays plain unless `--color always` asks for colour.
    cmd.env("NO_COLOR", "1")
        .arg("audit")
        .arg("--keys")
        .arg(&keys.path)
        .args(["--now", NOW])
        .args(args);
    for (name, value) in env {
        cmd.env(name, value);
    }
    let out = cmd.output().unwrap();
    no_secret_in(&out);
    out
}

fn no_secret_in(out: &Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for secret in SECRETS {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "secret leaked:\n{stdout}\n{stderr}"
        );
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The JSON object of key `id`.
fn key<'a>(lines: &'a [Value], id: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["type"] == "key" && l["id"] == id)
        .unwrap_or_else(|| panic!("no key {id} in {lines:?}"))
}

/// `(code, muted)` of a key's findings.
fn findings(key: &Value) -> Vec<(String, bool)> {
    key["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["muted"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn f(code: &str) -> (String, bool) {
    (code.to_owned(), false)
}

#[test]
fn day_boundaries_89_90_91() {
    // NOW is 2026-11-25: created 89, 90 and 91 days before.
    let keys = key_file(
        "",
        &[
            entry("d89", "production", "2026-08-28", ""),
            entry("d90", "production", "2026-08-27", ""),
            entry("d91", "production", "2026-08-26", ""),
        ]
        .join(",\n"),
    );
    let out = audit(&keys, &["--format", "json", "--warn-days", "0"], &[]);
    assert_eq!(code(&out), 1);
    let lines = json_lines(&out);
    let d89 = key(&lines, "d89");
    assert_eq!(
        (&d89["status"], &d89["age_days"], &d89["days_left"]),
        (&Value::from("ok"), &Value::from(89), &Value::from(1))
    );
    assert_eq!(d89["due_date"], "2026-11-26");
    assert_eq!(findings(d89), []);
    let d90 = key(&lines, "d90");
    assert_eq!(d90["status"], "warn");
    assert_eq!(
        (d90["age_days"].as_i64(), d90["days_left"].as_i64()),
        (Some(90), Some(0))
    );
    assert_eq!(d90["due_date"], "2026-11-25");
    assert_eq!(findings(d90), [f("expiring")]);
    assert_eq!(d90["findings"][0]["severity"], "warn");
    let d91 = key(&lines, "d91");
    assert_eq!(d91["status"], "fail");
    assert_eq!(
        (d91["age_days"].as_i64(), d91["days_left"].as_i64()),
        (Some(91), Some(-1))
    );
    assert_eq!(findings(d91), [f("expired")]);
    assert_eq!(d91["findings"][0]["severity"], "fail");
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(
        (
            summary["keys"].as_u64(),
            summary["ok"].as_u64(),
            summary["warn"].as_u64(),
            summary["fail"].as_u64()
        ),
        (Some(3), Some(1), Some(1), Some(1))
    );

    // With the default 14-day window, 89 days is a warning, not a failure: exit 0.
    let only_89 = key_file("", &entry("d89", "production", "2026-08-28", ""));
    let out = audit(&only_89, &["--format", "json"], &[]);
    assert_eq!(code(&out), 0);
    assert_eq!(findings(key(&json_lines(&out), "d89")), [f("expiring")]);
    // ... and --fail-on warn turns it into exit 1.
    assert_eq!(code(&audit(&only_89, &["--fail-on", "warn"], &[])), 1);
}

#[test]
fn policy_from_file_and_overrides() {
    let keys = key_file(
        r#"{ "max_age_days": 30, "warn_days": 5 }"#,
        &entry("k", "production", "2026-10-20", ""),
    );
    let out = audit(&keys, &["--format", "json"], &[]);
    assert_eq!(code(&out), 1);
    let lines = json_lines(&out);
    assert_eq!(key(&lines, "k")["due_date"], "2026-11-19");
    assert_eq!(findings(key(&lines, "k")), [f("expired")]);
    let out = audit(&keys, &["--format", "json", "--max-age-days", "60"], &[]);
    assert_eq!(code(&out), 0);
    assert_eq!(key(&json_lines(&out), "k")["due_date"], "2026-12-19");
    let out = audit(
        &keys,
        &[
            "--format",
            "json",
            "--max-age-days",
            "40",
            "--warn-days",
            "10",
        ],
        &[],
    );
    assert_eq!(findings(key(&json_lines(&out), "k")), [f("expiring")]);
    assert_eq!(code(&audit(&keys, &["--max-age-days", "0"], &[])), 2);
}

/// `--max-age` takes a duration as `verify --max-age` does, held to whole days; `--max-age-days N`
/// says the same in a number of days; both are in the help, and the two cannot be mixed.
#[test]
fn max_age_as_a_duration_or_a_number_of_days() {
    let keys = key_file(
        r#"{ "max_age_days": 30, "warn_days": 5 }"#,
        &entry("k", "production", "2026-10-20", ""),
    );
    for spelling in [
        ["--max-age", "60d"],
        ["--max-age", "1440h"],
        ["--max-age-days", "60"],
    ] {
        let out = audit(&keys, &["--format", "json", spelling[0], spelling[1]], &[]);
        assert_eq!(code(&out), 0, "{spelling:?}");
        let lines = json_lines(&out);
        assert_eq!(key(&lines, "k")["due_date"], "2026-12-19", "{spelling:?}");
        assert_eq!(lines.last().unwrap()["max_age_days"], 60, "{spelling:?}");
    }
    for (value, says) in [
        ("60", "write it in days, like 90d (`60` is 60 seconds)"),
        ("36h", "whole days"),
        ("0d", "at least 1d"),
        ("36501d", "at most 36500d"),
        ("soon", "--max-age"),
    ] {
        let out = audit(&keys, &["--max-age", value], &[]);
        assert_eq!(code(&out), 2, "{value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("smile-sec: error: ") && err.contains(says),
            "{value}: {err}"
        );
    }
    let both = audit(&keys, &["--max-age", "60d", "--max-age-days", "60"], &[]);
    assert_eq!(code(&both), 2);
    let help = smile_sec().args(["audit", "--help"]).output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("--max-age <DUR>"), "{help}");
    assert!(help.contains("--max-age-days <N>"), "{help}");
}

#[test]
fn retired_keys_have_no_age_findings() {
    let keys = key_file(
        "",
        &entry(
            "old",
            "production",
            "2025-01-01",
            r#", "status": "retired", "retired": "2025-06-01""#,
        ),
    );
    let out = audit(&keys, &["--format", "json"], &[]);
    assert_eq!(code(&out), 0);
    let lines = json_lines(&out);
    assert_eq!(key(&lines, "old")["status"], "ok");
    assert_eq!(findings(key(&lines, "old")), []);
}

#[test]
fn created_as_date_and_as_rfc3339_with_offset() {
    // 2026-08-26T23:30-02:00 is 2026-08-27T01:30Z: 90 UTC days before NOW, due today.
    let keys = key_file(
        "",
        &[
            entry("date", "production", "2026-08-27", ""),
            entry("offset", "production", "2026-08-26T23:30:00-02:00", ""),
            entry("east", "production", "2026-08-27T01:00:00+03:00", ""),
        ]
        .join(",\n"),
    );
    let lines = json_lines(&audit(&keys, &["--format", "json"], &[]));
    for id in ["date", "offset"] {
        let k = key(&lines, id);
        assert_eq!(
            (k["age_days"].as_i64(), k["days_left"].as_i64()),
            (Some(90), Some(0)),
            "{id}"
        );
        assert_eq!(k["due_date"], "2026-11-25", "{id}");
    }
    // 01:00 at +03:00 is 22:00 UTC the day before: 91 days, expired.
    let east = key(&lines, "east");
    assert_eq!(east["due_date"], "2026-11-24");
    assert_eq!(findings(east), [f("expired")]);
}

#[test]
fn a_key_created_in_the_future_fails() {
    let keys = key_file("", &entry("next", "production", "2026-11-25T10:00:00Z", ""));
    let out = audit(&keys, &["--format", "json"], &[]);
    assert_eq!(code(&out), 1);
    let lines = json_lines(&out);
    assert_eq!(findings(key(&lines, "next")), [f("created_in_future")]);
    assert_eq!(key(&lines, "next")["findings"][0]["severity"], "fail");
}

#[test]
fn a_key_listing_two_integrations_is_shared() {
    let keys = key_file(
        "",
        &entry("both", "production", "2026-11-01", "")
            .replace(r#"["server"]"#, r#"["server", "mobile"]"#),
    );
    let out = audit(&keys, &["--format", "json"], &[]);
    assert_eq!(code(&out), 1);
    let lines = json_lines(&out);
    assert_eq!(
        key(&lines, "both")["integrations"],
        serde_json::json!(["server", "mobile"])
    );
    assert_eq!(findings(key(&lines, "both")), [f("shared_key")]);
}

#[test]
fn one_secret_in_sandbox_and_production() {
    let keys = key_file(
        "",
        &[
            entry(
                "live",
                "production",
                "2026-11-01",
                r#", "api_key_env": "AUDIT_TEST_LIVE""#,
            ),
            entry(
                "sand",
                "sandbox",
                "2026-11-01",
                r#", "api_key_file": "sand.key""#,
            ),
            entry(
                "other",
                "sandbox",
                "2026-11-01",
                r#", "api_key_env": "AUDIT_TEST_OTHER""#,
            ),
        ]
        .join(",\n"),
    );
    std::fs::write(
        keys.dir.path().join("sand.key"),
        "shared-secret-DDDD-4444\n",
    )
    .unwrap();
    set_mode(&keys.dir.path().join("sand.key"), 0o600);
    let env = [
        ("AUDIT_TEST_LIVE", "shared-secret-DDDD-4444"),
        ("AUDIT_TEST_OTHER", "sandbox-secret-BBBB-2222"),
    ];
    let out = audit(&keys, &["--format", "json"], &env);
    assert_eq!(code(&out), 1);
    let lines = json_lines(&out);
    for id in ["live", "sand"] {
        assert_eq!(
            findings(key(&lines, id)),
            [f("shared_key"), f("cross_environment")],
            "{id}"
        );
    }
    assert_eq!(findings(key(&lines, "other")), []);
    // Text, SARIF and GitHub output name the keys, never the values (checked by `audit`).
    for format in ["text", "sarif", "github"] {
        let out = audit(&keys, &["--format", format], &env);
        assert_eq!(code(&out), 1, "{format}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("cross_environment"));
    }
}

#[test]
fn an_unresolved_secret_is_audited_on_metadata_and_says_so() {
    let keys = key_file(
        "",
        &entry(
            "live",
            "production",
            "2026-11-01",
            r#", "api_key_env": "AUDIT_TEST_UNSET_VAR""#,
        ),
    );
    let out = audit(&keys, &["--format", "json"], &[]);
    assert_eq!(code(&out), 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`live`")
            && stderr.contains("AUDIT_TEST_UNSET_VAR")
            && stderr.contains("metadata alone"),
        "{stderr}"
    );
    assert_eq!(json_lines(&out).last().unwrap()["unresolved"], 1);
    let out = audit(&keys, &[], &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("metadata alone"));
}

/// A secret that reads empty (a variable set to nothing, a file holding only a line end) is an
/// error, as `verify` and `sign` make it: a secret store that answered nothing passes no audit.
/// Every key is still reported (a CI secret a job was not given must not hide an expired key).
#[test]
fn a_secret_that_reads_empty_is_an_error() {
    let keys = key_file(
        "",
        &[
            entry(
                "live",
                "production",
                "2026-11-01",
                r#", "api_key_env": "AUDIT_TEST_EMPTY""#,
            ),
            entry(
                "file",
                "sandbox",
                "2026-11-01",
                r#", "api_key_file": "empty.key""#,
            ),
        ]
        .join(",\n"),
    );
    std::fs::write(keys.dir.path().join("empty.key"), "\n").unwrap();
    set_mode(&keys.dir.path().join("empty.key"), 0o600);
    let out = audit(&keys, &["--format", "json"], &[("AUDIT_TEST_EMPTY", "")]);
    assert_eq!(code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("smile-sec: error: "))
        .collect();
    assert_eq!(errors.len(), 2, "{stderr}");
    assert!(
        errors[0].starts_with("smile-sec: error: key `live` in ")
            && errors[0].ends_with("the API key is empty"),
        "{stderr}"
    );
    assert!(errors[1].contains("key `file` in "), "{stderr}");
    let lines = json_lines(&out);
    let ids: Vec<&str> = lines.iter().filter_map(|l| l["id"].as_str()).collect();
    assert_eq!(ids, ["live", "file"]);
    assert_eq!(lines.last().unwrap()["unresolved"], 2);
    let out = audit(&keys, &[], &[("AUDIT_TEST_EMPTY", "set-to-something")]);
    assert_eq!(code(&out), 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("key `file` in "),
        "{out:?}"
    );
}

#[cfg(unix)]
#[test]
fn inline_secret_at_0600_warns_and_at_0644_fails() {
    let keys = key_file(
        "",
        &entry(
            "inl",
            "sandbox",
            "2026-11-01",
            r#", "api_key": "inline-secret-CCCC-3333""#,
        ),
    );
    let out = audit(&keys, &["--format", "json"], &[]);
    assert_eq!(code(&out), 0);
    let lines = json_lines(&out);
    assert_eq!(findings(key(&lines, "inl")), [f("inline_secret")]);
    assert_eq!(key(&lines, "inl")["status"], "warn");
    assert_eq!(code(&audit(&keys, &["--fail-on", "warn"], &[])), 1);

    set_mode(&keys.path, 0o644);
    let out = audit(&keys, &["--format", "json"], &[]);
    assert_eq!(code(&out), 1);
    let lines = json_lines(&out);
    assert_eq!(
        findings(key(&lines, "inl")),
        [
            f("secret_file_permissions"),
            f("exposed_inline_secret"),
            f("inline_secret")
        ]
    );
    assert_eq!(key(&lines, "inl")["status"], "fail");
    for format in ["text", "sarif", "github"] {
        audit(&keys, &["--format", format], &[]);
    }
}

/// A file holding a key that group or others can read or write: anyone who can read it signs as
/// you, anyone who can write it swaps the key.
#[cfg(unix)]
#[test]
fn secret_files_open_to_others_fail() {
    let keys = key_file(
        "",
        &[
            entry(
                "file",
                "production",
                "2026-11-01",
                r#", "api_key_file": "live.key""#,
            ),
            entry(
                "inl",
                "sandbox",
                "2026-11-01",
                r#", "api_key": "inline-secret-CCCC-3333""#,
            ),
        ]
        .join(",\n"),
    );
    let key_path = keys.dir.path().join("live.key");
    std::fs::write(&key_path, "live-secret-AAAA-1111\n").unwrap();
    let run = |key_mode: u32, file_mode: u32| {
        set_mode(&key_path, key_mode);
        set_mode(&keys.path, file_mode);
        let out = audit(&keys, &["--format", "json"], &[]);
        let lines = json_lines(&out);
        (
            code(&out),
            findings(key(&lines, "file")),
            findings(key(&lines, "inl")),
        )
    };
    let perms = f("secret_file_permissions");
    let inline = f("inline_secret");
    assert_eq!(run(0o600, 0o600), (0, vec![], vec![inline.clone()]));
    assert_eq!(run(0o400, 0o644 & 0o600), (0, vec![], vec![inline.clone()]));
    for open in [0o640, 0o604, 0o620, 0o602] {
        assert_eq!(
            run(open, 0o600),
            (1, vec![perms.clone()], vec![inline.clone()]),
            "{open:o}"
        );
    }
    // Writable but not readable by others: the key file's inline key is not exposed, but can be
    // swapped.
    assert_eq!(
        run(0o600, 0o622),
        (1, vec![], vec![perms.clone(), inline.clone()])
    );
    let out = audit(&keys, &["--format", "text"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("fail secret_file_permissions"), "{text}");
    let sarif: Value =
        serde_json::from_slice(&audit(&keys, &["--format", "sarif"], &[]).stdout).unwrap();
    let rules = sarif["runs"][0]["driver"].clone();
    let rule_ids: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(rule_ids.contains(&"secret_file_permissions"), "{rules}");
}

/// A policy for one environment's keys beats the file's; the command line beats both.
#[test]
fn per_environment_policy() {
    // NOW is 2026-11-25: 70 days after 2026-09-16.
    let keys = key_file(
        r#"{"max_age_days": 90, "warn_days": 14, "production": {"max_age_days": 60}, "sandbox": {"warn_days": 30}}"#,
        &[
            entry("live", "production", "2026-09-16", ""),
            entry("test", "sandbox", "2026-09-16", ""),
        ]
        .join(",\n"),
    );
    let out = audit(&keys, &["--format", "json"], &[]);
    assert_eq!(code(&out), 1);
    let lines = json_lines(&out);
    assert_eq!(findings(key(&lines, "live")), [f("expired")]);
    assert_eq!(key(&lines, "live")["due_date"], "2026-11-15");
    // Sandbox: 90 days (due 2026-12-15, 20 days left), warned 30 days ahead.
    assert_eq!(findings(key(&lines, "test")), [f("expiring")]);
    assert_eq!(key(&lines, "test")["due_date"], "2026-12-15");
    // The summary says what each environment was held to, in JSON and in words.
    let summary = lines.last().unwrap();
    assert_eq!(
        summary["policies"],
        serde_json::json!({"production": {"max_age_days": 60, "warn_days": 14},
                           "sandbox": {"max_age_days": 90, "warn_days": 30}})
    );
    let text = String::from_utf8(audit(&keys, &[], &[]).stdout).unwrap();
    assert!(
        text.contains("(policy: production: rotate every 60 days, warn 14 days ahead; sandbox: rotate every 90 days, warn 30 days ahead;"),
        "{text}"
    );
    let out = audit(&keys, &["--format", "json", "--max-age-days", "80"], &[]);
    let lines = json_lines(&out);
    assert_eq!(key(&lines, "live")["due_date"], "2026-12-05");
    assert_eq!(findings(key(&lines, "live")), [f("expiring")]);
    let out = audit(&keys, &["--format", "json", "--warn-days", "5"], &[]);
    let lines = json_lines(&out);
    assert_eq!(findings(key(&lines, "test")), []);
    // An unknown environment or field in the policy is an error naming it.
    let bad = key_file(
        r#"{"staging": {"max_age_days": 30}}"#,
        &entry("a", "sandbox", "2026-11-01", ""),
    );
    let out = audit(&bad, &[], &[]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown field `staging`"));
}

/// Where secrets are absent (a CI job that audits the key file without them), one warning
/// covers every key, not one line each.
#[test]
fn absent_secrets_make_one_warning() {
    let entries: Vec<String> = (0..6)
        .map(|n| {
            entry(
                &format!("k{n}"),
                "production",
                "2026-11-01",
                &format!(r#", "api_key_env": "AUDIT_TEST_UNSET_{n}""#),
            )
        })
        .collect();
    let keys = key_file("", &entries.join(",\n"));
    for format in ["text", "json", "sarif", "github"] {
        let out = audit(&keys, &["--format", format], &[]);
        assert_eq!(code(&out), 0);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{format}: {stderr}");
        assert!(
            stderr.starts_with("smile-sec: warning: secret not read for 6 of 6 keys (`k0`: ")
                && stderr.contains("metadata alone"),
            "{stderr}"
        );
        assert!(stderr.contains("and 3 more"), "{stderr}");
    }
}

#[test]
fn current_and_lapsed_mutes() {
    let mute = |until: &str| {
        format!(
            r#", "mutes": [ {{ "finding": "expired", "reason": "rotation booked with the mobile team", "until": "{until}" }} ]"#
        )
    };
    let keys = key_file(
        "",
        &[
            entry("current", "production", "2026-08-01", &mute("2026-11-25")),
            entry("lapsed", "production", "2026-08-01", &mute("2026-11-24")),
        ]
        .join(",\n"),
    );
    let out = audit(&keys, &["--format", "json"], &[]);
    assert_eq!(code(&out), 1);
    let lines = json_lines(&out);
    let current = key(&lines, "current");
    assert_eq!(findings(current), [("expired".to_owned(), true)]);
    assert_eq!(current["status"], "ok");
    assert!(
        current["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("rotation booked")
    );
    let lapsed = key(&lines, "lapsed");
    assert_eq!(findings(lapsed), [f("expired"), f("mute_expired")]);
    assert_eq!(lapsed["findings"][1]["severity"], "warn");
    assert_eq!(lapsed["status"], "fail");
    let summary = lines.last().unwrap();
    assert_eq!(
        (summary["muted"].as_u64(), summary["findings"].as_u64()),
        (Some(1), Some(2))
    );

    // Only the current mute: exit 0 even with --fail-on warn.
    let only_current = key_file(
        "",
        &entry("current", "production", "2026-08-01", &mute("2026-12-01")),
    );
    assert_eq!(code(&audit(&only_current, &["--fail-on", "warn"], &[])), 0);

    // SARIF: the muted result carries a suppression with its justification.
    let sarif: Value =
        serde_json::from_slice(&audit(&keys, &["--format", "sarif"], &[]).stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert!(
        suppressed[0]["suppressions"][0]["justification"]
            .as_str()
            .unwrap()
            .contains("rotation booked with the mobile team")
    );
}

#[test]
fn fail_on_warn() {
    let keys = key_file("", &entry("soon", "production", "2026-09-01", ""));
    assert_eq!(code(&audit(&keys, &[], &[])), 0);
    assert_eq!(code(&audit(&keys, &["--fail-on", "fail"], &[])), 0);
    assert_eq!(code(&audit(&keys, &["--fail-on", "warn"], &[])), 1);
    assert_eq!(code(&audit(&keys, &["--fail-on", "error"], &[])), 2);
}

#[test]
fn every_invalid_key_file_exits_2_naming_the_problem() {
    let good = entry("a", "production", "2026-11-01", "");
    let cases: Vec<(String, &str)> = vec![
        ("{ \"keys\": [".to_owned(), "invalid key file"),
        ("not json".to_owned(), "expected"),
        (
            format!(
                r#"{{"keys":[{}]}}"#,
                good.replace("\"created\"", "\"crated\"")
            ),
            "unknown field `crated`",
        ),
        (format!(r#"{{"keys":[{good},{good}]}}"#), "duplicate id"),
        (
            format!(r#"{{"keys":[{}]}}"#, good.replace("production", "staging")),
            "unknown variant `staging`",
        ),
        (
            format!(
                r#"{{"keys":[{}]}}"#,
                good.replace("2026-11-01", "2026-02-30")
            ),
            "`created`",
        ),
        (
            format!(
                r#"{{"keys":[{}]}}"#,
                good.replace("2026-11-01", "1 Nov 2026")
            ),
            "`created`",
        ),
        (
            format!(r#"{{"keys":[{}]}}"#, good.replace(r#"["server"]"#, "[]")),
            "`integrations`",
        ),
        (
            format!(
                r#"{{"keys":[{}]}}"#,
                good.replace(r#", "integrations": ["server"]"#, "")
            ),
            "missing field `integrations`",
        ),
        (
            format!(
                r#"{{"keys":[{}]}}"#,
                good.replace(r#""partner_id": "085""#, r#""partner_id": 85"#)
            ),
            "invalid type: integer",
        ),
        (
            format!(
                r#"{{"keys":[{}]}}"#,
                entry("a", "production", "2026-11-01", r#", "status": "paused""#)
            ),
            "unknown variant `paused`",
        ),
        (
            format!(
                r#"{{"keys":[{}]}}"#,
                entry(
                    "a",
                    "production",
                    "2026-11-01",
                    r#", "mutes": [{"finding": "expird", "reason": "r", "until": "2026-12-01"}]"#
                )
            ),
            "unknown finding `expird`",
        ),
        (
            format!(
                r#"{{"keys":[{}]}}"#,
                entry(
                    "a",
                    "production",
                    "2026-11-01",
                    r#", "mutes": [{"finding": "expired", "reason": "r", "until": "soon"}]"#
                )
            ),
            "mute `until`",
        ),
        (
            format!(r#"{{"policy": {{"max_age_days": 0}}, "keys":[{good}]}}"#),
            "max_age_days",
        ),
        (
            format!(r#"{{"policy": {{"max_age_days": 4000000000}}, "keys":[{good}]}}"#),
            "max_age_days",
        ),
        (
            format!(r#"{{"policy": {{"max_age": 30}}, "keys":[{good}]}}"#),
            "unknown field `max_age`",
        ),
        // A mistyped inline key is refused without quoting it (`SECRETS` holds the number).
        (
            format!(
                r#"{{"keys":[{}]}}"#,
                entry("a", "production", "2026-11-01", r#", "api_key": 987654321"#)
            ),
            "the API key is a number (value not shown)",
        ),
        ("[]".to_owned(), "invalid key file"),
        ("\u{feff}{}".to_owned(), "invalid key file"),
    ];
    for (text, needle) in cases {
        let keys = raw_file(&text);
        for format in ["text", "json", "sarif", "github"] {
            let out = audit(&keys, &["--format", format], &[]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(code(&out), 2, "{text}\n{stderr}");
            // GitHub says why on stdout too, as an error annotation.
            let stdout = String::from_utf8_lossy(&out.stdout);
            match format {
                "github" => assert!(
                    stdout.starts_with("::error ") && stdout.contains(needle),
                    "{text}: {stdout}"
                ),
                _ => assert!(stdout.is_empty(), "{text}: stdout not empty"),
            }
            assert!(
                stderr.starts_with("smile-sec: error:") && stderr.contains(needle),
                "{text}\n→ {stderr}\n(expected {needle})"
            );
        }
    }
}

#[test]
fn missing_and_unreadable_key_files_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    // No --keys, no SMILE_SEC_KEYS, no ./smile-keys.json.
    let out = smile_sec()
        .current_dir(dir.path())
        .args(["audit", "--now", NOW])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("smile-sec: error: no key file") && stderr.contains("\nhint: "),
        "{stderr}"
    );
    // A named file that does not exist, and a directory.
    for path in [dir.path().join("nope.json"), dir.path().to_owned()] {
        let out = smile_sec()
            .arg("audit")
            .arg("--keys")
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(code(&out), 2);
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read key file"));
    }
}

#[test]
fn key_file_from_env_and_from_the_current_folder() {
    let keys = key_file("", &entry("here", "production", "2026-11-01", ""));
    let out = smile_sec()
        .env("SMILE_SEC_KEYS", &keys.path)
        .args(["audit", "--format", "json"])
        .env("SMILE_SEC_NOW", NOW)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0);
    assert_eq!(key(&json_lines(&out), "here")["due_date"], "2027-01-30");
    let out = smile_sec()
        .current_dir(keys.dir.path())
        .args(["audit", "--now", NOW, "--format", "github"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0);
}

#[test]
fn text_output_is_sorted_by_urgency_with_a_rotation_plan() {
    let keys = key_file(
        "",
        &[
            entry("fresh", "production", "2026-11-20", ""),
            entry("soon", "production", "2026-09-01", ""),
            entry("late", "production", "2026-08-01", ""),
            entry(
                "gone",
                "sandbox",
                "2025-01-01",
                r#", "status": "retired", "retired": "2025-06-01""#,
            ),
        ]
        .join(",\n"),
    );
    let out = audit(&keys, &[], &[]);
    assert_eq!(code(&out), 1);
    let text = String::from_utf8(out.stdout).unwrap();
    let pos = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in\n{text}"))
    };
    assert!(
        pos("fail    late") < pos("warn    soon") && pos("warn    soon") < pos("ok      fresh"),
        "{text}"
    );
    // Due dates are visible; the plan creates, deploys and checks before rotating.
    assert!(
        text.contains("2026-10-30") && text.contains("2026-11-30"),
        "{text}"
    );
    let plan = pos("Rotation plan");
    assert!(pos("create a new production key") > plan);
    assert!(pos("deploy it to the server integration") > pos("create a new production key"));
    assert!(pos("--key NEW-ID") > pos("deploy it to the server integration"));
    assert!(pos("only then rotate `late`") > pos("--key NEW-ID"));
    assert!(
        text.contains("partner 085 has 2 keys falling due together"),
        "{text}"
    );
    assert!(
        !text.contains("only then rotate `fresh`") && !text.contains("only then rotate `gone`")
    );
    assert!(!text.contains('\u{1b}'), "coloured despite NO_COLOR");
    // --color always colours the verdict word only.
    let out = audit(&keys, &["--color", "always"], &[]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("\u{1b}["));
}

#[test]
fn github_workflow_commands_point_at_the_key_file() {
    let keys = key_file(
        "",
        &[
            entry("late", "production", "2026-08-01", ""),
            entry("soon", "production", "2026-09-01", ""),
        ]
        .join(",\n"),
    );
    let out = audit(&keys, &["--format", "github"], &[]);
    assert_eq!(code(&out), 1);
    let text = String::from_utf8(out.stdout).unwrap();
    let file = keys
        .path
        .display()
        .to_string()
        .replace(':', "%3A")
        .replace(',', "%2C");
    assert!(
        text.lines().any(
            |l| l.starts_with(&format!("::error file={file},line=3,")) && l.contains("expired")
        ),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with(&format!("::warning file={file},line=5,"))
                && l.contains("expiring")),
        "{text}"
    );
}

#[test]
fn each_sarif_result_has_a_fingerprint_of_its_own() {
    // `two` serves two integrations and shares its secret with `other`: two shared_key results
    // on one key, which code scanning would merge into one alert if they shared a fingerprint.
    let keys = key_file(
        "",
        r#"{ "id": "two", "partner_id": "085", "environment": "sandbox", "integrations": ["server", "web"],
  "created": "2026-11-01", "api_key_env": "AUDIT_TEST_SAME" },
{ "id": "other", "partner_id": "085", "environment": "sandbox", "integrations": ["mobile"],
  "created": "2026-11-01", "api_key_env": "AUDIT_TEST_SAME" }"#,
    );
    let out = audit(
        &keys,
        &["--format", "sarif"],
        &[("AUDIT_TEST_SAME", "live-secret-AAAA-1111")],
    );
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let prints: Vec<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["smileSecKeyFinding/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    let shared_on_two = prints
        .iter()
        .filter(|p| p.starts_with("two:shared_key"))
        .count();
    assert_eq!(shared_on_two, 2, "{prints:?}");
    let distinct: std::collections::BTreeSet<&&str> = prints.iter().collect();
    assert_eq!(distinct.len(), prints.len(), "{prints:?}");
    // A code a key holds once keeps the plain fingerprint, and the first of two keeps it too,
    // so that a second appearing leaves the first alert as it was.
    assert!(prints.contains(&"other:shared_key"), "{prints:?}");
    assert!(
        prints.contains(&"two:shared_key") && prints.contains(&"two:shared_key:2"),
        "{prints:?}"
    );
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    // tests/fixtures/sarif-schema-2.1.0.json: see tests/fixtures/sarif-schema-2.1.0.md for where it came from.
    // The published schema's `run.language` pattern has a stray `]`, a literal in ECMAScript
    // regexes but refused by Rust's regex engines; escaping it keeps the meaning exactly.
    let text = include_str!("../fixtures/sarif-schema-2.1.0.json").replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#,
    );
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();

    let keys = key_file(
        "",
        &[
            entry(
                "late",
                "production",
                "2026-08-01",
                r#", "api_key_env": "AUDIT_TEST_SAME""#,
            ),
            entry(
                "sand",
                "sandbox",
                "2026-11-01",
                r#", "api_key_env": "AUDIT_TEST_SAME""#,
            ),
            entry(
                "inl",
                "sandbox",
                "2026-11-20",
                r#", "api_key": "inline-secret-CCCC-3333""#,
            ),
            entry(
                "muted",
                "production",
                "2026-09-01",
                r#", "mutes": [{"finding": "expiring", "reason": "booked", "until": "2026-12-31"},
                               {"finding": "expired", "reason": "old", "until": "2026-01-01"}]"#,
            ),
            entry(
                "nosecret",
                "production",
                "2026-11-01",
                r#", "api_key_env": "AUDIT_TEST_UNSET_VAR""#,
            ),
            entry("clean", "production", "2026-11-01", ""),
        ]
        .join(",\n"),
    );
    set_mode(&keys.path, 0o644);
    let out = audit(
        &keys,
        &["--format", "sarif"],
        &[("AUDIT_TEST_SAME", "live-secret-AAAA-1111")],
    );
    assert_eq!(code(&out), 1);
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // The validator is not vacuous: a broken log is refused.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&broken));

    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "expired",
            "expiring",
            "shared_key",
            "cross_environment",
            "created_in_future",
            "exposed_inline_secret",
            "inline_secret",
            "secret_file_permissions",
            "mute_expired"
        ]
    );
    let results = run["results"].as_array().unwrap();
    let ids: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    for code in [
        "expired",
        "shared_key",
        "cross_environment",
        "exposed_inline_secret",
        "inline_secret",
        "expiring",
        "mute_expired",
    ] {
        assert!(ids.contains(&code), "{code} missing from {ids:?}");
    }
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(
            loc["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .ends_with("smile-keys.json")
        );
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 3);
        let rule = &run["tool"]["driver"]["rules"][r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], r["ruleId"]);
    }
    // The lapsed mute's finding is not suppressed; the current one is.
    let suppressed: Vec<&str> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(suppressed, ["expiring"]);
}

#[test]
fn help_names_every_flag_and_hides_env_values() {
    let out = smile_sec()
        .env("SMILE_SEC_KEYS", "/very/secret/path.json")
        .args(["audit", "--help"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0);
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--keys",
        "--now",
        "--max-age",
        "--warn-days",
        "--fail-on",
        "--format",
        "sarif",
        "github",
    ] {
        assert!(help.contains(flag), "{flag} missing from help");
    }
    assert!(!help.contains("/very/secret/path.json"));
}

/// `audit` says where its key file came from, as `sign` and `verify` do: a note when it reads
/// `./smile-keys.json` found in the folder, a warning when `--keys` typed or the variable beats
/// that file, and nothing when either names that very file.
#[test]
fn where_the_key_file_came_from_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"{"keys":[{"id":"a","partner_id":"085","environment":"production","integrations":["server"],"created":"2026-11-01"}]}"#;
    for name in ["smile-keys.json", "other.json"] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let stderr = |args: &[&str], env: Option<&str>| {
        let mut cmd = smile_sec();
        cmd.current_dir(dir.path())
            .arg("audit")
            .args(args)
            .args(["--now", NOW]);
        if let Some(path) = env {
            cmd.env("SMILE_SEC_KEYS", path);
        }
        let out = cmd.output().unwrap();
        assert_eq!(code(&out), 0, "{args:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    assert_eq!(
        stderr(&[], None),
        "smile-sec: note: using the key file ./smile-keys.json found in the current folder (no --keys or SMILE_SEC_KEYS given)\n"
    );
    assert_eq!(
        stderr(&["--keys", "other.json"], None),
        "smile-sec: warning: ./smile-keys.json is set but not used: --keys given on the command line wins\n"
    );
    assert_eq!(
        stderr(&[], Some("other.json")),
        "smile-sec: warning: ./smile-keys.json is set but not used: the key file SMILE_SEC_KEYS names wins\n"
    );
    assert_eq!(stderr(&[], Some("smile-keys.json")), "");
    assert_eq!(stderr(&["--keys", "./smile-keys.json"], None), "");
}
