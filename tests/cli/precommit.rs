//! The pre-commit hooks (.pre-commit-hooks.yaml) run by the real `pre-commit` on scratch git
//! repositories: the `-system` variants with this build as the `smile-sec` on PATH, and one
//! `language: rust` variant as users get it, built by pre-commit from this checkout (slow: under
//! CI only). The two variants of a hook share one entry. Without pre-commit or git these skip with
//! a notice, except under CI, where .ci/run installs them.
#![allow(clippy::print_stderr)] // a skipped check says so on stderr

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{binary, scrub};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tool(name: &str) -> bool {
    crate::common::tool(name).is_some()
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// A git repository holding only this checkout's .pre-commit-hooks.yaml, committed, so that the
/// test sees the manifest as it is in the working tree; returns its commit.
fn hook_repo(dir: &Path) -> String {
    std::fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "-q"]);
    std::fs::copy(
        root().join(".pre-commit-hooks.yaml"),
        dir.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "hooks"]);
    let out = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(dir)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    /// A repository whose .pre-commit-config.yaml uses `hooks` from the hook repository.
    fn new(hooks: &[&str]) -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let hooks_dir = dir.path().join("hooks");
        let rev = hook_repo(&hooks_dir);
        let work = dir.path().join("work");
        std::fs::create_dir_all(&work).unwrap();
        git(&work, &["init", "-q"]);
        let ids: String = hooks
            .iter()
            .map(|id| format!("      - id: {id}\n"))
            .collect();
        std::fs::write(
            work.join(".pre-commit-config.yaml"),
            format!(
                "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n{ids}",
                hooks_dir.display()
            ),
        )
        .unwrap();
        Scratch { dir }
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// Writes `contents` (an example file) at `path`, with `mode`, and stages it.
    fn add(&self, path: &str, example: &str, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        let target = self.work().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(root().join("examples").join(example), &target).unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode)).unwrap();
        git(&self.work(), &["add", "-A"]);
    }

    /// `pre-commit run` on the staged files, with this build first on PATH.
    fn run(&self) -> Output {
        self.run_with(binary().parent().unwrap())
    }

    /// `pre-commit run` on the staged files, with `bin_dir`'s smile-sec first on PATH.
    fn run_with(&self, bin_dir: &Path) -> Output {
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        // The hooks run smile-sec with the environment the tests give every run of the binary.
        scrub(&mut Command::new("pre-commit"))
            .args(["run", "--color", "never"])
            .current_dir(self.work())
            .env("PATH", path)
            .env("PRE_COMMIT_HOME", self.dir.path().join("cache"))
            // The example keys' ages, as of this day.
            .env("SMILE_SEC_NOW", "2026-11-25T09:00:00Z")
            .output()
            .unwrap()
    }
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_manifest_is_valid_and_each_rust_hook_has_a_system_twin() {
    let manifest = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    for id in ["smile-sec-audit", "smile-sec-no-inline-secrets"] {
        let block = |id: &str| {
            let start = manifest
                .find(&format!("- id: {id}\n"))
                .unwrap_or_else(|| panic!("no hook {id}"));
            let rest = &manifest[start + 1..];
            rest[..rest.find("\n- id:").unwrap_or(rest.len())].to_string()
        };
        let rust = block(id);
        let system = block(&format!("{id}-system"));
        assert!(rust.contains("language: rust"), "{rust}");
        assert!(system.contains("language: system"), "{system}");
        let entry =
            |b: &str| b[b.find("entry:").unwrap()..b.find("language:").unwrap()].to_string();
        assert_eq!(
            entry(&rust),
            entry(&system),
            "{id}: the two variants differ"
        );
    }
    if !tool("pre-commit") {
        return;
    }
    let out = Command::new("pre-commit")
        .args(["validate-manifest", ".pre-commit-hooks.yaml"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn an_inline_key_is_refused_and_a_clean_key_file_passes() {
    if !tool("pre-commit") || !tool("git") {
        return;
    }
    let scratch = Scratch::new(&[
        "smile-sec-no-inline-secrets-system",
        "smile-sec-audit-system",
    ]);
    // A key file that names its secrets elsewhere: both hooks pass.
    scratch.add("config/smile-keys.json", "smile-keys.json", 0o644);
    scratch.add(
        "config/secrets/sandbox-server.key",
        "secrets/sandbox-server.key",
        0o600,
    );
    scratch.add(
        "config/secrets/sandbox-mobile.key",
        "secrets/sandbox-mobile.key",
        0o600,
    );
    scratch.add(
        "config/secrets/sandbox-old.key",
        "secrets/sandbox-old.key",
        0o600,
    );
    let clean = scratch.run();
    let t = text(&clean);
    assert_eq!(clean.status.code(), Some(0), "{t}");
    assert!(
        t.contains("smile-sec no inline API keys in key files") && t.contains("Passed"),
        "{t}"
    );
    assert!(!t.contains("Failed"), "{t}");

    // An inline key, even in a file only its owner can read: the inline hook refuses it
    // (audit alone only warns about it) and names the file, never the key.
    scratch.add("smile-keys.local.json", "audit/inline-secret.json", 0o600);
    let inline = scratch.run();
    let t = text(&inline);
    assert_eq!(inline.status.code(), Some(1), "{t}");
    assert!(
        t.contains("smile-keys.local.json: holds an API key inline"),
        "{t}"
    );
    assert!(!t.contains("sandbox-example-key-not-real-0003"), "{t}");

    // A smile-sec that cannot check (here one that crashes) fails the hook: it never passes
    // a file it did not read.
    let crashing = tempfile::tempdir().unwrap();
    let stub = crashing.path().join("smile-sec");
    std::fs::write(&stub, "#!/bin/sh\nexit 101\n").unwrap();
    std::fs::set_permissions(&stub, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let unchecked = Scratch::new(&["smile-sec-no-inline-secrets-system"]);
    unchecked.add("smile-keys.json", "audit/inline-secret.json", 0o600);
    let out = unchecked.run_with(crashing.path());
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("smile-keys.json: smile-sec audit could not check it (exit 101)"),
        "{t}"
    );
}

#[test]
fn the_audit_hook_refuses_an_expired_key_and_an_invalid_file() {
    if !tool("pre-commit") || !tool("git") {
        return;
    }
    let scratch = Scratch::new(&["smile-sec-audit-system"]);
    scratch.add("smile-keys.json", "audit/smile-keys.json", 0o644);
    let expired = scratch.run();
    let t = text(&expired);
    assert_eq!(expired.status.code(), Some(1), "{t}");
    assert!(t.contains("fail expired: 97 days old"), "{t}");

    // A folder whose name starts with `-` is a path, not a flag.
    let dashed = Scratch::new(&["smile-sec-audit-system"]);
    dashed.add("-team/smile-keys.json", "audit/smile-keys.json", 0o644);
    let out = dashed.run();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("fail expired: 97 days old"), "{t}");

    let broken = Scratch::new(&["smile-sec-audit-system"]);
    broken.add("smile-keys.json", "broken-keys.json", 0o644);
    let out = broken.run();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("unknown field `crated`"), "{t}");

    // Files not named like a key file are not the hooks' business.
    let other = Scratch::new(&["smile-sec-audit-system"]);
    other.add("package.json", "broken-keys.json", 0o644);
    let out = other.run();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("(no files to check)Skipped"), "{t}");
}

/// The `language: rust` variant, as users get it: pre-commit builds smile-sec from this
/// repository at the checkout's commit with `cargo install`, then runs the hook. A build from
/// scratch takes minutes on a small machine, so it runs under CI (or with SMILE_SEC_SLOW_TESTS
/// set) and says so otherwise.
#[test]
fn the_rust_variant_builds_smile_sec_from_the_repository_and_refuses_an_inline_key() {
    if std::env::var_os("CI").is_none() && std::env::var_os("SMILE_SEC_SLOW_TESTS").is_none() {
        eprintln!(
            "skipped: pre-commit's cargo install of smile-sec takes minutes; runs under CI or with SMILE_SEC_SLOW_TESTS=1"
        );
        return;
    }
    if !tool("pre-commit") || !tool("git") || !tool("cargo") {
        return;
    }
    let head = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(head.status.success(), "the checkout is a git repository");
    let rev = String::from_utf8(head.stdout).unwrap().trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q"]);
    std::fs::write(
        work.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: smile-sec-no-inline-secrets\n",
            root().display()
        ),
    )
    .unwrap();
    std::fs::copy(
        root().join("examples/audit/inline-secret.json"),
        work.join("smile-keys.json"),
    )
    .unwrap();
    git(&work, &["add", "-A"]);
    let out = Command::new("pre-commit")
        .args(["run", "--color", "never"])
        .current_dir(&work)
        .env("PRE_COMMIT_HOME", dir.path().join("cache"))
        // The hook's behaviour does not depend on link-time optimisation; the build is shorter without.
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("smile-keys.json: holds an API key inline"),
        "{t}"
    );
    assert!(!t.contains("sandbox-example-key-not-real-0003"), "{t}");
}
