//! Where the API key comes from, through the binary: `--api-key-file`, then `--keys FILE` on the
//! command line, then `SMILE_API_KEY`, then `SMILE_SEC_KEYS` or `./smile-keys.json`. Every pair of
//! sources, for `sign`, `verify` and `callback new`: the higher one is used, the lower one is named
//! in exactly one warning, and no key value is ever printed.

use std::path::Path;

use crate::common::smile_sec;
use smile_sec::signing::secret::ApiKey;
use smile_sec::signing::signature::sign;

const PARTNER: &str = "085";
const TS: &str = "2026-11-20T10:00:00.000Z";
const NOW: &str = "2026-11-20T10:01:00Z";

/// The sources, highest first, each with its own key.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    ApiKeyFile,
    KeysFlag,
    ApiKeyEnv,
    KeysEnv,
    DefaultFile,
}

const ALL: [Source; 5] = [
    Source::ApiKeyFile,
    Source::KeysFlag,
    Source::ApiKeyEnv,
    Source::KeysEnv,
    Source::DefaultFile,
];

impl Source {
    fn key(self) -> &'static str {
        match self {
            Source::ApiKeyFile => "key-from-api-key-file-0001",
            Source::KeysFlag => "key-from-keys-flag-0002",
            Source::ApiKeyEnv => "key-from-smile-api-key-0003",
            Source::KeysEnv => "key-from-smile-sec-keys-0004",
            Source::DefaultFile => "key-from-default-file-0005",
        }
    }

    /// What the warning calls it.
    fn name(self) -> &'static str {
        match self {
            Source::ApiKeyFile => "--api-key-file",
            Source::KeysFlag => "--keys",
            Source::ApiKeyEnv => "SMILE_API_KEY",
            Source::KeysEnv => "SMILE_SEC_KEYS",
            Source::DefaultFile => "./smile-keys.json",
        }
    }
}

fn key_file(dir: &Path, name: &str, key: &str) {
    let text = format!(
        r#"{{"keys":[{{"id":"{name}","partner_id":"{PARTNER}","environment":"production","integrations":["server"],"created":"2026-11-01","api_key":"{key}"}}]}}"#
    );
    std::fs::write(dir.join(name), text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// A folder with every source's file in place (`smile-keys.json` only when `DefaultFile` is set).
fn setup(dir: &Path, sources: &[Source]) -> Vec<(String, Option<String>)> {
    std::fs::write(
        dir.join("api.key"),
        format!("{}\n", Source::ApiKeyFile.key()),
    )
    .unwrap();
    key_file(dir, "flag-keys.json", Source::KeysFlag.key());
    key_file(dir, "env-keys.json", Source::KeysEnv.key());
    if sources.contains(&Source::DefaultFile) {
        key_file(dir, "smile-keys.json", Source::DefaultFile.key());
    }
    let mut args = Vec::new();
    for source in sources {
        match source {
            Source::ApiKeyFile => {
                args.push(("--api-key-file".to_owned(), Some("api.key".to_owned())))
            }
            Source::KeysFlag => args.push(("--keys".to_owned(), Some("flag-keys.json".to_owned()))),
            _ => {}
        }
    }
    args
}

fn command(dir: &Path, sources: &[Source], sub: &[&str]) -> assert_cmd::Command {
    let mut cmd = smile_sec();
    cmd.current_dir(dir).args(sub);
    for (flag, value) in setup(dir, sources) {
        cmd.arg(flag);
        cmd.args(value);
    }
    if sources.contains(&Source::ApiKeyEnv) {
        cmd.env("SMILE_API_KEY", Source::ApiKeyEnv.key());
    }
    if sources.contains(&Source::KeysEnv) {
        cmd.env("SMILE_SEC_KEYS", "env-keys.json");
    }
    cmd
}

fn signature(source: Source) -> String {
    sign(&ApiKey::new(source.key()).unwrap(), TS, PARTNER)
}

/// Checks stderr: each unused source named in exactly one warning line, no key, no other noise.
fn check_stderr(stderr: &str, used: Source, unused: &[Source], context: &str) {
    for source in ALL {
        assert!(
            !stderr.contains(source.key()),
            "{context}: a key leaks: {stderr}"
        );
    }
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("smile-sec: warning:"))
        .collect();
    if unused.is_empty() {
        assert!(warnings.is_empty(), "{context}: {stderr}");
    } else {
        assert_eq!(warnings.len(), 1, "{context}: {stderr}");
        for source in unused {
            assert!(warnings[0].contains(source.name()), "{context}: {stderr}");
        }
        assert!(
            warnings[0].contains(&format!("comes from {}", used.name())),
            "{context}: {stderr}"
        );
    }
    let says_default = stderr.contains("smile-sec: note: using the key file ./smile-keys.json");
    assert_eq!(
        says_default,
        used == Source::DefaultFile,
        "{context}: {stderr}"
    );
}

/// Every single source and every pair: the higher one wins.
fn cases() -> Vec<Vec<Source>> {
    let mut cases: Vec<Vec<Source>> = ALL.iter().map(|s| vec![*s]).collect();
    for (i, high) in ALL.iter().enumerate() {
        for low in &ALL[i + 1..] {
            // SMILE_SEC_KEYS set means ./smile-keys.json is never looked at.
            if (*high, *low) == (Source::KeysEnv, Source::DefaultFile) {
                continue;
            }
            cases.push(vec![*high, *low]);
        }
    }
    cases
}

#[test]
fn sign_uses_the_highest_source_and_names_the_other() {
    for sources in cases() {
        let dir = tempfile::tempdir().unwrap();
        let out = command(
            dir.path(),
            &sources,
            &[
                "sign",
                "--partner-id",
                PARTNER,
                "--timestamp",
                TS,
                "--format",
                "json",
            ],
        )
        .output()
        .unwrap();
        let context = format!("sign with {sources:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{context}: {stderr}");
        let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(printed["signature"], signature(sources[0]), "{context}");
        check_stderr(&stderr, sources[0], &sources[1..], &context);
    }
}

#[test]
fn callback_new_uses_the_highest_source_and_names_the_other() {
    for sources in cases() {
        let dir = tempfile::tempdir().unwrap();
        let out = command(
            dir.path(),
            &sources,
            &[
                "callback",
                "new",
                "--partner-id",
                PARTNER,
                "--timestamp",
                TS,
            ],
        )
        .output()
        .unwrap();
        let context = format!("callback new with {sources:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{context}: {stderr}");
        let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(body["signature"], signature(sources[0]), "{context}");
        check_stderr(&stderr, sources[0], &sources[1..], &context);
    }
}

#[test]
fn verify_uses_the_highest_source_only() {
    for sources in cases() {
        let dir = tempfile::tempdir().unwrap();
        // One callback signed by each source's key: only the winner's passes.
        let lines: String = ALL
            .iter()
            .map(|s| format!(r#"{{"timestamp":"{TS}","signature":"{}"}}"#, signature(*s)) + "\n")
            .collect();
        std::fs::write(dir.path().join("in.ndjson"), lines).unwrap();
        let out = command(
            dir.path(),
            &sources,
            &[
                "verify",
                "in.ndjson",
                "--partner-id",
                PARTNER,
                "--now",
                NOW,
                "--format",
                "json",
            ],
        )
        .output()
        .unwrap();
        let context = format!("verify with {sources:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{context}: {stderr}");
        let valid: Vec<bool> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|v| v["type"] == "result")
            .map(|v| v["valid"].as_bool().unwrap())
            .collect();
        let expected: Vec<bool> = ALL.iter().map(|s| *s == sources[0]).collect();
        assert_eq!(valid, expected, "{context}");
        check_stderr(&stderr, sources[0], &sources[1..], &context);
    }
}

#[test]
fn three_sources_make_one_warning_naming_both_losers() {
    let dir = tempfile::tempdir().unwrap();
    let sources = [Source::ApiKeyFile, Source::ApiKeyEnv, Source::DefaultFile];
    let out = command(
        dir.path(),
        &sources,
        &[
            "sign",
            "--partner-id",
            PARTNER,
            "--timestamp",
            TS,
            "--format",
            "json",
        ],
    )
    .output()
    .unwrap();
    assert!(out.status.success());
    check_stderr(
        &String::from_utf8_lossy(&out.stderr),
        Source::ApiKeyFile,
        &sources[1..],
        "three sources",
    );
}

#[test]
fn a_typed_key_id_beats_smile_api_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(
        dir.path(),
        &[Source::ApiKeyEnv, Source::KeysEnv],
        &[
            "sign",
            "--partner-id",
            PARTNER,
            "--timestamp",
            TS,
            "--format",
            "json",
            "--key",
            "env-keys.json",
        ],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["signature"], signature(Source::KeysEnv));
    assert!(
        stderr.contains("SMILE_API_KEY is set but not used"),
        "{stderr}"
    );
    // --key with no key file at all is an error, not a silent switch to SMILE_API_KEY.
    let dir = tempfile::tempdir().unwrap();
    smile_sec()
        .current_dir(dir.path())
        .args(["sign", "--partner-id", PARTNER, "--key", "live"])
        .env("SMILE_API_KEY", Source::ApiKeyEnv.key())
        .assert()
        .code(2)
        .stderr(crate::common::error_report(&["there is no key file"]));
}

#[test]
fn env_with_a_key_that_has_no_environment_is_refused() {
    for source in [Source::ApiKeyFile, Source::ApiKeyEnv] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("in.json"), "{}").unwrap();
        let out = command(
            dir.path(),
            &[source],
            &[
                "verify",
                "in.json",
                "--partner-id",
                PARTNER,
                "--env",
                "production",
            ],
        )
        .output()
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.starts_with(&format!(
                "smile-sec: error: --env production picks key-file entries, but the API key comes from {}",
                source.name()
            )),
            "{stderr}"
        );
        assert!(
            stderr.lines().nth(1).unwrap().starts_with("hint: "),
            "{stderr}"
        );
        assert!(!stderr.contains(source.key()));
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn every_flag_beats_its_variable_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let out = smile_sec()
        .current_dir(dir.path())
        .args([
            "sign",
            "--partner-id",
            PARTNER,
            "--timestamp",
            TS,
            "--format",
            "json",
        ])
        .args(["--now", "2026-01-01T00:00:00Z"])
        .env("SMILE_API_KEY", "k")
        .env("SMILE_PARTNER_ID", "999-from-env")
        .env("SMILE_SEC_NOW", "2030-01-01T00:00:00Z")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["partner_id"], PARTNER);
    for (variable, flag) in [
        ("SMILE_PARTNER_ID", "--partner-id"),
        ("SMILE_SEC_NOW", "--now"),
    ] {
        let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(variable)).collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(
            lines[0].starts_with("smile-sec: warning:") && lines[0].contains(flag),
            "{stderr}"
        );
    }
    assert!(
        !stderr.contains("999-from-env") && !stderr.contains("2030"),
        "{stderr}"
    );
    // The variable alone is used quietly.
    let out = smile_sec()
        .current_dir(dir.path())
        .args(["sign", "--timestamp", TS])
        .env("SMILE_API_KEY", "k")
        .env("SMILE_PARTNER_ID", "999-from-env")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // audit's --keys against SMILE_SEC_KEYS.
    key_file(dir.path(), "a.json", "inline");
    let out = smile_sec()
        .current_dir(dir.path())
        .args(["audit", "--keys", "a.json", "--now", "2026-11-02T00:00:00Z"])
        .env("SMILE_SEC_KEYS", "/nowhere/b.json")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("smile-sec: warning: SMILE_SEC_KEYS is set but not used: --keys"),
        "{stderr}"
    );
    assert!(!stderr.contains("/nowhere"), "{stderr}");
}

/// Key-file entries named on the command line carry their own partner ID: an exported
/// `SMILE_PARTNER_ID` neither re-signs them (`sign`) nor filters them out (`verify`), and is
/// named in a warning. Beside a key given alone, or a key file the environment names, the
/// variable is still the partner ID.
#[test]
fn smile_partner_id_does_not_override_key_file_entries_named_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &[]);
    let from_env = "999-from-env";
    let sign_with = |extra: &[&str], env_keys: bool| {
        let mut cmd = smile_sec();
        cmd.current_dir(dir.path())
            .args(["sign", "--timestamp", TS, "--format", "json"])
            .args(extra)
            .env("SMILE_PARTNER_ID", from_env);
        if env_keys {
            cmd.env("SMILE_SEC_KEYS", "env-keys.json");
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{extra:?}: {stderr}");
        let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (printed["partner_id"].as_str().unwrap().to_owned(), stderr)
    };
    let unused = "smile-sec: warning: SMILE_PARTNER_ID is set but not used";
    for typed in [
        &["--keys", "flag-keys.json", "--key", "flag-keys.json"][..],
        &["--keys", "flag-keys.json"],
        &["--key", "env-keys.json"],
    ] {
        let (partner, stderr) = sign_with(typed, true);
        assert_eq!(partner, PARTNER, "{typed:?}: {stderr}");
        assert_eq!(
            stderr.lines().filter(|l| l.starts_with(unused)).count(),
            1,
            "{typed:?}: {stderr}"
        );
        assert!(!stderr.contains(from_env), "{stderr}");
    }
    // Typed, the flag still picks the partner ID for an entry.
    let (partner, _) = sign_with(&["--keys", "flag-keys.json", "--partner-id", "777"], false);
    assert_eq!(partner, "777");
    // The environment on both sides: the variable is the partner ID, quietly.
    let (partner, stderr) = sign_with(&[], true);
    assert_eq!((partner.as_str(), stderr.as_str()), (from_env, ""));

    // verify: the typed key file's entry is tried, not filtered out by the variable.
    let callback = format!(
        r#"{{"signature":"{}","timestamp":"{TS}"}}"#,
        signature(Source::KeysFlag)
    );
    let out = smile_sec()
        .current_dir(dir.path())
        .args(["verify", "--keys", "flag-keys.json", "--now", NOW, "-"])
        .env("SMILE_PARTNER_ID", from_env)
        .write_stdin(callback)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.starts_with(unused), "{stderr}");
}

/// `--keys smile-keys.json` typed in the folder that holds it (as the README's first command
/// does), or `SMILE_SEC_KEYS` naming the same file: one key file, not two sources, so nothing to
/// warn about.
#[test]
fn the_same_key_file_named_twice_is_one_source() {
    let dir = tempfile::tempdir().unwrap();
    key_file(dir.path(), "smile-keys.json", Source::KeysFlag.key());
    for env in [None, Some("./smile-keys.json")] {
        let mut cmd = smile_sec();
        cmd.current_dir(dir.path())
            .args(["sign", "--keys", "smile-keys.json", "--timestamp", TS]);
        if let Some(path) = env {
            cmd.env("SMILE_SEC_KEYS", path);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{env:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.ends_with(&format!("signature   {}\n", signature(Source::KeysFlag))),
            "{stdout}"
        );
        assert!(
            out.stderr.is_empty(),
            "{env:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A variable that stands for a flag and holds a value the flag refuses is named in the error
/// (clap would name the flag, which was never typed); an empty one is said to be empty.
#[test]
fn a_bad_value_from_the_environment_names_its_variable() {
    for (variable, value, args, expected) in [
        (
            "SMILE_SEC_ALLOWLIST",
            "",
            &["ip-check", "34.240.137.52"][..],
            "smile-sec: error: SMILE_SEC_ALLOWLIST is set but empty\nhint: unset it, or set it to what --allowlist takes\n",
        ),
        (
            "SMILE_SEC_NOW",
            "",
            &["ip-check", "34.240.137.52"][..],
            "smile-sec: error: SMILE_SEC_NOW is set but empty\n",
        ),
        (
            "SMILE_SEC_NOW",
            "yesterday",
            &["ip-check", "34.240.137.52"][..],
            "smile-sec: error: SMILE_SEC_NOW: invalid value 'yesterday' for '--now <RFC3339>'",
        ),
        (
            "SMILE_SEC_KEYS",
            "",
            &["audit"][..],
            "smile-sec: error: SMILE_SEC_KEYS is set but empty\n",
        ),
    ] {
        let out = smile_sec()
            .args(args)
            .env(variable, value)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{variable}={value}: {stderr}");
        assert!(stderr.starts_with(expected), "{variable}={value}: {stderr}");
    }
    // Typed, the flag's own value is what the error is about, also when it is not UTF-8.
    let out = smile_sec()
        .args(["ip-check", "34.240.137.52", "--now", "x"])
        .env("SMILE_SEC_NOW", "yesterday")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("smile-sec: error: invalid value 'x' for '--now <RFC3339>'"),
        "{stderr}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let typed = std::ffi::OsStr::from_bytes(b"--now=\xff");
        let out = smile_sec()
            .args(["ip-check", "34.240.137.52"])
            .arg(typed)
            .env("SMILE_SEC_NOW", "yesterday")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.starts_with("smile-sec: error:") && !stderr.contains("SMILE_SEC_NOW"),
            "{stderr}"
        );
        // A variable that is not UTF-8 is named (clap's own words name nothing).
        for (variable, args) in [
            ("SMILE_SEC_NOW", &["ip-check", "34.240.137.52"][..]),
            ("SMILE_PARTNER_ID", &["sign", "--timestamp", TS][..]),
        ] {
            let out = smile_sec()
                .args(args)
                .env(variable, std::ffi::OsStr::from_bytes(b"\xff"))
                .env("SMILE_API_KEY", "k")
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out.stderr),
                format!(
                    "smile-sec: error: {variable} is not valid UTF-8\nhint: unset it, or set it to text\n"
                )
            );
            assert_eq!(out.status.code(), Some(2));
        }
    }
}

/// `SMILE_SEC_KEYS` and `./smile-keys.json` share a rung of the order, the variable first: the
/// file found in the folder loses to it, and is named as a source that lost, as it is when
/// `--keys` beats it. Named by both, the one file is no second source.
#[test]
fn the_key_file_a_variable_names_beats_the_one_in_the_folder_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    key_file(dir.path(), "smile-keys.json", "folder-key");
    key_file(dir.path(), "other.json", "variable-key");
    let run = |variable: &str| {
        let out = smile_sec()
            .current_dir(dir.path())
            .args(["sign", "--timestamp", TS, "--format", "json"])
            .env("SMILE_SEC_KEYS", variable)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let signed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (signed, String::from_utf8(out.stderr).unwrap())
    };
    let (signed, stderr) = run("other.json");
    assert_eq!(
        signed["signature"],
        sign(&ApiKey::new("variable-key").unwrap(), TS, PARTNER)
    );
    assert!(
        stderr.contains("smile-sec: warning: ./smile-keys.json is set but not used: the API key comes from SMILE_SEC_KEYS"),
        "{stderr}"
    );
    let (_, stderr) = run("./smile-keys.json");
    assert!(!stderr.contains("warning"), "{stderr}");
}

/// When no entry fits because of a partner ID set in the environment, the hint names the
/// variable, not a flag that was never typed.
#[test]
fn a_partner_id_from_the_environment_that_fits_no_entry_is_named() {
    let dir = tempfile::tempdir().unwrap();
    key_file(dir.path(), "one.json", "k");
    let out = smile_sec()
        .current_dir(dir.path())
        .args(["verify"])
        .env("SMILE_SEC_KEYS", "one.json")
        .env("SMILE_PARTNER_ID", "999")
        .write_stdin("{}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no usable key in one.json fits the filters")
            && stderr.contains("hint: check --key, --env and SMILE_PARTNER_ID"),
        "{stderr}"
    );
}

/// A key file of one environment and an `--env` of the other (a gate's default is production):
/// the error says so, rather than leaving the reader to compare filters.
#[test]
fn an_env_that_no_entry_of_the_key_file_has_is_named() {
    let keys = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/smile-keys.json");
    for args in [
        &["verify", "-", "--env", "production"][..],
        &[
            "guard",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "http://127.0.0.1:9",
        ][..],
    ] {
        let out = smile_sec()
            .args(args)
            .arg("--keys")
            .arg(&keys)
            .write_stdin("{}")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(
                "(--env is production, and every entry of the file is for another environment)"
            ),
            "{args:?}: {stderr}"
        );
    }
    // With an entry of that environment, no such words.
    let out = smile_sec()
        .args(["verify", "-", "--env", "sandbox", "--key", "nope", "--keys"])
        .arg(&keys)
        .write_stdin("{}")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("another environment"));
}
