//! The GitHub Action (action.yml, its logic in scripts/action/run.sh) run as a runner would run
//! it: the INPUT_* and GITHUB_* variables set, against this build packed as a release archive by
//! scripts/release-archive.sh and served from a file:// URL. A checksum that does not match must
//! stop it before anything from the archive runs.

use crate::common::tools;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The tools the script needs ([`tools`]).
fn tools_present() -> bool {
    tools(&["bash", "curl", "tar", "gzip", "sha256sum"])
}

/// The runner's architecture name for this machine, as GitHub sets RUNNER_ARCH, and the target
/// the script downloads for it.
fn runner_arch() -> (&'static str, &'static str) {
    match std::env::consts::ARCH {
        "aarch64" => ("ARM64", "aarch64-unknown-linux-musl"),
        _ => ("X64", "x86_64-unknown-linux-musl"),
    }
}

struct Release {
    base: String,
    sha256: String,
}

/// This build, packed as this version's release for this runner, in a folder laid out as a
/// releases URL (under cargo's scratch folder for tests; made once for all the tests here).
fn fake_release() -> &'static Release {
    static RELEASE: std::sync::OnceLock<Release> = std::sync::OnceLock::new();
    RELEASE.get_or_init(|| {
        // One folder a process: test runners that start a process a test (cargo nextest) would
        // otherwise rebuild the archive under each other's feet.
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("action-releases")
            .join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&dir);
        let version = env!("CARGO_PKG_VERSION");
        let out = dir.join(format!("v{version}"));
        let (_, target) = runner_arch();
        let made = Command::new("bash")
            .arg(root().join("scripts/release-archive.sh"))
            .arg("--binary")
            .arg(crate::common::binary())
            .args(["--target", target])
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(made.status.success(), "release-archive.sh: {made:?}");
        let line = std::fs::read_to_string(out.join(format!("smile-sec-{target}.tar.gz.sha256")))
            .expect("the archive's .sha256 file");
        let sha256 = line.split_whitespace().next().unwrap().to_string();
        assert_eq!(sha256.len(), 64, "{line}");
        Release {
            base: format!("file://{}", dir.display()),
            sha256,
        }
    })
}

struct Run {
    output: Output,
    github_output: String,
    github_path: String,
    summary: String,
    workspace: tempfile::TempDir,
    _runner: tempfile::TempDir,
}

impl Run {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
}

/// Runs the action's script in a fresh workspace holding a copy of examples/, with `inputs`.
fn run_action(inputs: &[(&str, &str)]) -> Run {
    run_action_in(inputs, |_| {})
}

/// [`run_action`], with the workspace arranged by `prepare` first.
fn run_action_in(inputs: &[(&str, &str)], prepare: impl FnOnce(&Path)) -> Run {
    let workspace = tempfile::tempdir().unwrap();
    copy_tree(&root().join("examples"), &workspace.path().join("examples"));
    prepare(workspace.path());
    // A checkout leaves the example key files readable by everyone, which audit fails
    // (secret_file_permissions) as it should; a workspace that keeps keys keeps them 0600.
    for entry in std::fs::read_dir(workspace.path().join("examples/secrets")).unwrap() {
        use std::os::unix::fs::PermissionsExt;
        let path = entry.unwrap().path();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let runner = tempfile::tempdir().unwrap();
    let file = |name: &str| runner.path().join(name);
    for name in ["output", "path", "summary"] {
        std::fs::write(file(name), "").unwrap();
    }
    let (arch, _) = runner_arch();
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("scripts/action/run.sh"))
        .current_dir(workspace.path())
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", runner.path())
        // The audit's "today" and verify's "now", so that the example keys' ages stay put.
        .env("SMILE_SEC_NOW", "2026-11-25T09:00:00Z")
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", arch)
        .env("RUNNER_TEMP", runner.path().join("temp"))
        .env("GITHUB_WORKSPACE", workspace.path())
        .env("GITHUB_OUTPUT", file("output"))
        .env("GITHUB_PATH", file("path"))
        .env("GITHUB_STEP_SUMMARY", file("summary"))
        .env("GITHUB_ACTIONS", "true");
    std::fs::create_dir_all(runner.path().join("temp")).unwrap();
    for (name, value) in inputs {
        cmd.env(name, value);
    }
    let output = cmd.output().expect("bash runs");
    Run {
        output,
        github_output: std::fs::read_to_string(file("output")).unwrap(),
        github_path: std::fs::read_to_string(file("path")).unwrap(),
        summary: std::fs::read_to_string(file("summary")).unwrap(),
        workspace,
        _runner: runner,
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            // A checkout keeps no file modes but the executable bit; a key file is deployed for
            // its owner only, or audit fails it (secret_file_permissions).
            #[cfg(unix)]
            if target.extension().is_some_and(|e| e == "key") {
                use std::os::unix::fs::PermissionsExt;
                let private = std::fs::Permissions::from_mode(0o600);
                std::fs::set_permissions(&target, private).unwrap();
            }
        }
    }
}

fn debug(run: &Run) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}\nGITHUB_OUTPUT:\n{}\nsummary:\n{}",
        run.output.status.code(),
        run.stdout(),
        String::from_utf8_lossy(&run.output.stderr),
        run.github_output,
        run.summary
    )
}

#[test]
fn a_pinned_archive_is_checked_then_audits_verifies_and_writes_sarif() {
    if !tools_present() {
        return;
    }
    let release = fake_release();
    let run = run_action(&[
        ("INPUT_VERSION", env!("CARGO_PKG_VERSION")),
        ("INPUT_SHA256", &release.sha256.to_uppercase()),
        ("INPUT_KEY_FILE", "examples/smile-keys.json"),
        ("INPUT_VERIFY_PATH", "examples/callbacks"),
        ("INPUT_SARIF_FILE", "smile-sec.sarif"),
        ("INPUT_DOWNLOAD_BASE", &release.base),
    ]);
    let d = debug(&run);
    // 2026-11-25: the active example keys are 24 and 55 days old; every callback is signed.
    assert_eq!(run.output.status.code(), Some(0), "{d}");
    assert!(run.stdout().contains("Checksum OK"), "{d}");
    assert!(
        run.stdout()
            .contains("smile-sec audit: 3 keys: 0 fail, 0 warn, 3 ok"),
        "{d}"
    );
    assert!(
        run.stdout()
            .contains("5 checked: 5 valid, 0 invalid, 0 errors"),
        "{d}"
    );
    assert!(run.github_output.contains("audit-exit=0\n"), "{d}");
    assert!(run.github_output.contains("verify-exit=0\n"), "{d}");
    let bin = run
        .github_output
        .lines()
        .find_map(|l| l.strip_prefix("bin="))
        .expect("a bin output");
    assert_eq!(run.github_path.trim(), bin, "{d}");
    assert!(Path::new(bin).join("smile-sec").is_file(), "{d}");
    let sarif = std::fs::read_to_string(run.workspace.path().join("smile-sec.sarif")).unwrap();
    let sarif: serde_json::Value = serde_json::from_str(&sarif).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    assert!(
        run.summary
            .contains("| `audit --keys examples/smile-keys.json --fail-on fail` | pass |"),
        "{d}"
    );
    assert!(
        run.summary
            .contains("| `verify examples/callbacks` | pass |"),
        "{d}"
    );
}

#[test]
fn findings_become_annotations_and_fail_the_step() {
    if !tools_present() {
        return;
    }
    let release = fake_release();
    let run = run_action(&[
        ("INPUT_VERSION", env!("CARGO_PKG_VERSION")),
        ("INPUT_SHA256", &release.sha256),
        ("INPUT_KEY_FILE", "examples/audit/smile-keys.json"),
        ("INPUT_DOWNLOAD_BASE", &release.base),
    ]);
    let d = debug(&run);
    assert_eq!(run.output.status.code(), Some(1), "{d}");
    assert!(
        run.stdout().contains(
            "::error file=examples/audit/smile-keys.json,line=5,title=smile-sec audit%3A expired::"
        ),
        "{d}"
    );
    assert!(
        run.stdout()
            .contains("::warning file=examples/audit/smile-keys.json,line=13,"),
        "{d}"
    );
    assert!(run.github_output.contains("audit-exit=1\n"), "{d}");
    assert!(run.github_output.contains("verify-exit=\n"), "{d}");
    assert!(run.summary.contains("| **fail** |"), "{d}");

    // With --fail-on warn, an audit of keys that only warn fails too.
    let warn = run_action(&[
        ("INPUT_VERSION", env!("CARGO_PKG_VERSION")),
        ("INPUT_SHA256", &release.sha256),
        ("INPUT_KEY_FILE", "examples/audit/inline-secret.json"),
        ("INPUT_FAIL_ON", "warn"),
        ("INPUT_DOWNLOAD_BASE", &release.base),
    ]);
    assert_eq!(warn.output.status.code(), Some(1), "{}", debug(&warn));
    assert!(warn.stdout().contains("exposed_inline_secret"));
}

#[test]
fn the_sarif_run_adds_nothing_to_the_summary_and_an_unwritable_sarif_file_is_an_error() {
    if !tools_present() {
        return;
    }
    let release = fake_release();
    // A key file in a folder whose name starts with `-`: a name, not a flag.
    let run = run_action_in(
        &[
            ("INPUT_VERSION", env!("CARGO_PKG_VERSION")),
            ("INPUT_SHA256", &release.sha256),
            ("INPUT_KEY_FILE", "-audit/smile-keys.json"),
            ("INPUT_SARIF_FILE", "smile-sec.sarif"),
            ("INPUT_DOWNLOAD_BASE", &release.base),
        ],
        |workspace| copy_tree(&workspace.join("examples/audit"), &workspace.join("-audit")),
    );
    let d = debug(&run);
    assert_eq!(run.output.status.code(), Some(1), "{d}");
    assert_eq!(run.summary.matches("### smile-sec audit").count(), 1, "{d}");
    assert!(
        run.summary
            .contains("| `audit --keys -audit/smile-keys.json --fail-on fail` | **fail** |"),
        "{d}"
    );
    assert!(
        run.summary
            .contains("| SARIF written to `smile-sec.sarif` | yes |"),
        "{d}"
    );
    let sarif = std::fs::read_to_string(run.workspace.path().join("smile-sec.sarif")).unwrap();
    assert!(sarif.contains("\"ruleId\""), "{d}");

    // A key file named with Markdown's table and code marks stays in its cell, as code.
    let run = run_action(&[
        ("INPUT_VERSION", env!("CARGO_PKG_VERSION")),
        ("INPUT_SHA256", &release.sha256),
        ("INPUT_KEY_FILE", "a|b`c.json"),
        ("INPUT_DOWNLOAD_BASE", &release.base),
    ]);
    let d = debug(&run);
    assert_eq!(run.output.status.code(), Some(2), "{d}");
    assert!(
        run.summary
            .contains("| ``audit --keys a\\|b`c.json --fail-on fail`` | **error** (exit 2) |"),
        "{d}"
    );

    // A SARIF file in a folder that does not exist: an error, not "findings".
    let run = run_action(&[
        ("INPUT_VERSION", env!("CARGO_PKG_VERSION")),
        ("INPUT_SHA256", &release.sha256),
        ("INPUT_KEY_FILE", "examples/smile-keys.json"),
        ("INPUT_SARIF_FILE", "no-such-folder/out.sarif"),
        ("INPUT_DOWNLOAD_BASE", &release.base),
    ]);
    let d = debug(&run);
    assert_eq!(run.output.status.code(), Some(2), "{d}");
    assert!(
        run.stdout().contains(
            "::error title=smile-sec action::cannot write the SARIF file 'no-such-folder/out.sarif'"
        ),
        "{d}"
    );
    assert!(
        run.summary
            .contains("| SARIF written to `no-such-folder/out.sarif` | **error** |"),
        "{d}"
    );
}

#[test]
fn a_checksum_mismatch_fails_before_anything_from_the_archive_runs() {
    if !tools_present() {
        return;
    }
    let release = fake_release();
    let mut wrong = release.sha256.clone().into_bytes();
    wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
    let wrong = String::from_utf8(wrong).unwrap();
    let run = run_action(&[
        ("INPUT_VERSION", env!("CARGO_PKG_VERSION")),
        ("INPUT_SHA256", &wrong),
        ("INPUT_KEY_FILE", "examples/audit/smile-keys.json"),
        ("INPUT_DOWNLOAD_BASE", &release.base),
    ]);
    let d = debug(&run);
    assert_eq!(run.output.status.code(), Some(2), "{d}");
    assert!(
        run.stdout()
            .contains("::error title=smile-sec action::checksum mismatch"),
        "{d}"
    );
    assert!(run.stdout().contains(&release.sha256), "{d}");
    // Nothing was unpacked, put on PATH or run.
    assert!(!run.stdout().contains("::warning file="), "{d}");
    assert!(!run.stdout().contains("smile-sec audit:"), "{d}");
    assert_eq!(run.github_path, "", "{d}");
    assert_eq!(run.github_output, "", "{d}");
}

#[test]
fn bad_inputs_and_a_missing_release_are_errors() {
    if !tools_present() {
        return;
    }
    let release = fake_release();
    let cases: [(&[(&str, &str)], &str); 6] = [
        (
            &[
                ("INPUT_VERSION", "latest"),
                ("INPUT_SHA256", &release.sha256),
            ],
            "input 'version' must be a release version",
        ),
        (
            &[
                ("INPUT_VERSION", env!("CARGO_PKG_VERSION")),
                ("INPUT_SHA256", "abc"),
            ],
            "input 'sha256' must be the 64 hex digits",
        ),
        (
            &[
                ("INPUT_VERSION", env!("CARGO_PKG_VERSION")),
                ("INPUT_SHA256", &release.sha256),
                ("INPUT_FAIL_ON", "never"),
            ],
            "input 'fail-on' must be 'fail' or 'warn'",
        ),
        (
            // A line break cannot start a workflow command of its own.
            &[
                ("INPUT_VERSION", "0.1.0\n::warning::forged"),
                ("INPUT_SHA256", &release.sha256),
            ],
            "got '0.1.0%0A::warning::forged'",
        ),
        (
            &[
                ("INPUT_VERSION", env!("CARGO_PKG_VERSION")),
                ("INPUT_SHA256", &release.sha256),
                ("INPUT_DOWNLOAD_BASE", "file:///x\n::warning::forged"),
            ],
            "input 'download-base' holds a control character",
        ),
        (
            &[
                ("INPUT_VERSION", "9.9.9"),
                ("INPUT_SHA256", &release.sha256),
            ],
            "could not download",
        ),
    ];
    for (inputs, message) in cases {
        let mut inputs = inputs.to_vec();
        if !inputs
            .iter()
            .any(|(name, _)| *name == "INPUT_DOWNLOAD_BASE")
        {
            inputs.push(("INPUT_DOWNLOAD_BASE", &release.base));
        }
        let run = run_action(&inputs);
        let d = debug(&run);
        assert_eq!(run.output.status.code(), Some(2), "{message}: {d}");
        assert!(run.stdout().contains(message), "{message}: {d}");
        assert_eq!(run.github_path, "", "{d}");
    }
}

/// Every input action.yml declares reaches the script as INPUT_<NAME>, and nothing is pasted
/// into the script's text (an input written into `run:` is a script injection).
#[test]
fn action_yml_hands_every_input_to_the_script_through_the_environment() {
    let yml = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let script = std::fs::read_to_string(root().join("scripts/action/run.sh")).unwrap();
    let inputs_block = yml
        .split("\ninputs:\n")
        .nth(1)
        .and_then(|rest| rest.split("\noutputs:\n").next())
        .expect("an inputs: block before outputs:");
    let names: Vec<&str> = inputs_block
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.trim_end().ends_with(':'))
        .map(|l| l.trim().trim_end_matches(':'))
        .collect();
    assert!(names.len() >= 6, "{names:?}");
    for name in [
        "version",
        "sha256",
        "key-file",
        "verify-path",
        "sarif-file",
        "fail-on",
    ] {
        assert!(names.contains(&name), "action.yml lacks input {name}");
    }
    for name in names {
        let var = format!("INPUT_{}", name.to_uppercase().replace('-', "_"));
        assert!(
            yml.contains(&format!("{var}: ${{{{ inputs.{name} }}}}")),
            "action.yml does not pass {name} as {var}"
        );
        assert!(script.contains(&var), "run.sh does not read {var}");
    }
    let run_line = yml
        .lines()
        .find(|l| l.trim_start().starts_with("run:"))
        .unwrap();
    assert!(!run_line.contains("${{"), "{run_line}");
    for output in ["audit-exit", "verify-exit", "bin"] {
        assert!(
            yml.contains(&format!("steps.run.outputs.{output}")),
            "{output}"
        );
        assert!(script.contains(&format!("{output}=")), "{output}");
    }
}
