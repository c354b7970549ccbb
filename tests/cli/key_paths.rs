//! File inputs are what they claim to be: a key file's `api_key_file` stays inside the key file's
//! folder (no absolute path, no `..` out of it, no symbolic link out of it), every file input is a
//! regular file (a FIFO is refused at once instead of waiting for a writer; `-` still reads
//! stdin, and `--api-key-file` a pipe a process writes), and a "path" that does not exist and looks like a secret is named by its fingerprint,
//! never echoed.
#![cfg(unix)]

use std::path::Path;
use std::time::Duration;

use crate::common::{fingerprint, smile_sec};

const TIMEOUT: Duration = Duration::from_secs(20);
const PASTED: &str = "0c1b2a39-4d5e-6f70-8192-a3b4c5d6e7f8";

fn key_file(dir: &Path, api_key_file: &str) {
    let entry = serde_json::json!({"keys": [{
        "id": "live", "partner_id": "085", "environment": "production",
        "integrations": ["server"], "created": "2026-11-01", "api_key_file": api_key_file,
    }]});
    std::fs::write(dir.join("keys.json"), entry.to_string()).unwrap();
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo (coreutils) runs");
    assert!(status.success());
}

/// `sign` with the key file in `dir`: exit code and stderr.
fn sign_with_keys(dir: &Path) -> (Option<i32>, String) {
    let out = smile_sec()
        .current_dir(dir)
        .args([
            "sign",
            "--keys",
            "keys.json",
            "--timestamp",
            "2026-11-20T10:00:00.000Z",
        ])
        .timeout(TIMEOUT)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn api_key_file_stays_inside_the_key_files_folder() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("conf");
    std::fs::create_dir_all(dir.join("secrets")).unwrap();
    std::fs::write(root.path().join("outside.key"), "outside-key\n").unwrap();
    std::fs::write(dir.join("secrets/inside.key"), "inside-key\n").unwrap();
    std::os::unix::fs::symlink(root.path().join("outside.key"), dir.join("out.key")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", dir.join("environ.key")).unwrap();
    std::os::unix::fs::symlink("secrets/inside.key", dir.join("in.key")).unwrap();
    let outside = root.path().join("outside.key");
    for (api_key_file, why) in [
        (outside.to_str().unwrap(), "not an absolute one"),
        ("/proc/self/environ", "not an absolute one"),
        ("../outside.key", "`..` leads out of the key file's folder"),
        (
            "secrets/../../outside.key",
            "`..` leads out of the key file's folder",
        ),
        ("out.key", "through a symbolic link"),
        ("environ.key", "through a symbolic link"),
    ] {
        key_file(&dir, api_key_file);
        let (code, stderr) = sign_with_keys(&dir);
        assert_eq!(code, Some(2), "{api_key_file}: {stderr}");
        assert!(
            stderr.contains("is refused") && stderr.contains(why),
            "{api_key_file}: {stderr}"
        );
        assert!(!stderr.contains("outside-key"), "{stderr}");
    }
    // Inside the folder, directly, through `..` that stays inside, or a link that stays inside.
    for api_key_file in [
        "secrets/inside.key",
        "secrets/../secrets/inside.key",
        "in.key",
    ] {
        key_file(&dir, api_key_file);
        let (code, stderr) = sign_with_keys(&dir);
        assert_eq!(code, Some(0), "{api_key_file}: {stderr}");
    }
}

#[test]
fn a_fifo_or_device_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("fifo"));
    key_file(dir.path(), "fifo");
    let (code, stderr) = sign_with_keys(dir.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("a FIFO (named pipe), not a regular file"),
        "{stderr}"
    );
    std::fs::write(dir.path().join("api.key"), "k\n").unwrap();
    std::fs::write(dir.path().join("body.json"), "{}").unwrap();
    let runs: [&[&str]; 7] = [
        &["sign", "--keys", "fifo"],
        &["verify", "--keys", "fifo"],
        &["audit", "--keys", "fifo"],
        &["ip-check", "--allowlist", "fifo", "1.2.3.4"],
        &["allowlist", "--allowlist", "fifo"],
        &[
            "sign",
            "--partner-id",
            "085",
            "--api-key-file",
            "api.key",
            "--body",
            "fifo",
        ],
        &["callback", "send", "http://127.0.0.1:9/", "fifo"],
    ];
    for args in runs {
        let out = smile_sec()
            .current_dir(dir.path())
            .args(args)
            .write_stdin("{}")
            .timeout(TIMEOUT)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("smile-sec: error: ") && stderr.contains("not a regular file"),
            "{args:?}: {stderr}"
        );
    }
    for args in [
        &["sign", "--partner-id", "085", "--api-key-file", "/dev/zero"][..],
        &["audit", "--keys", "/dev/null"][..],
    ] {
        smile_sec()
            .args(args)
            .timeout(TIMEOUT)
            .assert()
            .code(2)
            .stderr(crate::common::error_report(&[
                "it is a device, not a regular file",
            ]));
    }
    // `-` still reads stdin.
    smile_sec()
        .args(["sign", "--partner-id", "085", "--api-key-file", "-"])
        .write_stdin("k\n")
        .timeout(TIMEOUT)
        .assert()
        .success();
}

/// `--api-key-file` takes a pipe a process writes (a shell's `<(pass show ...)`, `/dev/stdin`),
/// which hands the key over without a file on disk; a named pipe that no process writes is
/// refused at once, never waited on.
#[test]
fn api_key_file_takes_a_pipe_a_process_writes() {
    const SIG: &str = "XxThLHZy2ij1WINkqNEPgzVs9RvUDHWlebDYzprqS74=";
    let sign = format!(
        "{} sign --partner-id partner --timestamp 2023-02-13T15:07:42.214Z --format json",
        crate::common::binary().display()
    );
    // The writer is slow to start: the key is waited for while a process holds the pipe open.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "{sign} --api-key-file <(sleep 0.2; printf 'apiKey\n')"
        ))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout.contains(SIG), "{stdout}");
    let out = smile_sec()
        .args([
            "sign",
            "--partner-id",
            "partner",
            "--api-key-file",
            "/dev/stdin",
        ])
        .args([
            "--timestamp",
            "2023-02-13T15:07:42.214Z",
            "--format",
            "json",
        ])
        .write_stdin("apiKey")
        .timeout(TIMEOUT)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(SIG),
        "{out:?}"
    );
    // `/dev/stdin` is stdin: it cannot give the key and the callbacks (or the body) both.
    let runs: [&[&str]; 2] = [
        &["verify", "--partner-id", "085"],
        &["sign", "--partner-id", "085", "--body", "-"],
    ];
    for args in runs {
        let out = smile_sec()
            .args(args)
            .args(["--api-key-file", "/dev/stdin"])
            .write_stdin("{}")
            .timeout(TIMEOUT)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("cannot both"), "{args:?}: {stderr}");
    }

    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("fifo"));
    let started = std::time::Instant::now();
    let out = smile_sec()
        .current_dir(dir.path())
        .args(["sign", "--partner-id", "085", "--api-key-file", "fifo"])
        .timeout(TIMEOUT)
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot read API key file fifo: it is a pipe that nothing came through"),
        "{stderr}"
    );
}

#[test]
fn a_secret_pasted_as_a_path_is_named_by_its_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let runs: [&[&str]; 5] = [
        &["sign", "--partner-id", "085", "--api-key-file", PASTED],
        &["sign", "--keys", PASTED],
        &["audit", "--keys", PASTED],
        &["ip-check", "--allowlist", PASTED, "1.2.3.4"],
        &["allowlist", "--allowlist", PASTED],
    ];
    for args in runs {
        let out = smile_sec()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains(PASTED), "{args:?}: {stderr}");
        assert!(stderr.contains(&fingerprint(PASTED)), "{args:?}: {stderr}");
    }
    // In a key file's api_key_file: errors, audit's text, JSON, SARIF and GitHub annotations.
    key_file(dir.path(), PASTED);
    let (code, stderr) = sign_with_keys(dir.path());
    assert_eq!(code, Some(2));
    assert!(
        !stderr.contains(PASTED) && stderr.contains(&fingerprint(PASTED)),
        "{stderr}"
    );
    for format in ["text", "json", "sarif", "github"] {
        let out = smile_sec()
            .current_dir(dir.path())
            .args([
                "audit",
                "--keys",
                "keys.json",
                "--now",
                "2026-11-02T00:00:00Z",
            ])
            .args(["--format", format])
            .output()
            .unwrap();
        let all = [out.stdout.clone(), out.stderr.clone()].concat();
        let all = String::from_utf8_lossy(&all);
        assert!(!all.contains(PASTED), "{format}: {all}");
        assert!(all.contains(&fingerprint(PASTED)), "{format}: {all}");
    }
    // A file of that name that exists is named as it is.
    std::fs::write(dir.path().join(PASTED), "not json").unwrap();
    smile_sec()
        .current_dir(dir.path())
        .args(["audit", "--keys", PASTED])
        .assert()
        .code(2)
        .stderr(crate::common::error_report(&[PASTED]));
}

/// The paths `verify` reads and the replay store's paths: a secret pasted as one is named by its
/// fingerprint in every output (text, JSON, JUnit, the job summary).
#[test]
fn a_secret_pasted_as_an_input_or_a_store_is_named_by_its_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let run = |args: &[&str]| {
        let out = smile_sec()
            .current_dir(dir.path())
            .args(args)
            .env("SMILE_PARTNER_ID", "085")
            .env("SMILE_API_KEY", "pasted-test-key")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .write_stdin("{}\n")
            .timeout(TIMEOUT)
            .output()
            .unwrap();
        let all = [out.stdout, out.stderr].concat();
        (
            out.status.code(),
            String::from_utf8_lossy(&all).into_owned(),
        )
    };
    let runs: [&[&str]; 7] = [
        &["verify", PASTED],
        &["verify", PASTED, "--format", "json"],
        &["verify", PASTED, "--format", "junit"],
        &["seen", "stats", PASTED],
        &["seen", "export", PASTED],
        &["seen", "prune", PASTED],
        &["seen", "import", "store.db", PASTED],
    ];
    for args in runs {
        let (code, all) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {all}");
        assert!(!all.contains(PASTED), "{args:?}: {all}");
        assert!(all.contains(&fingerprint(PASTED)), "{args:?}: {all}");
        assert!(!dir.path().join(PASTED).exists(), "{args:?} made a file");
        assert!(
            !all.contains("looks like an API key"),
            "{args:?} makes nothing: {all}"
        );
    }
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        !summary.contains(PASTED) && summary.contains(&fingerprint(PASTED)),
        "{summary}"
    );
    // As a new store's name it is made (a name of words and numbers can look the same), with a
    // warning that says what to do if it was a key.
    let (code, all) = run(&["verify", "-", "--seen", PASTED]);
    assert_eq!(code, Some(1), "{all}");
    assert!(!all.contains(PASTED), "{all}");
    assert!(
        all.contains(&fingerprint(PASTED)) && all.contains("its name looks like an API key"),
        "{all}"
    );
    assert!(dir.path().join(PASTED).is_file());
    // A name of words and numbers that the test takes for a key is made all the same.
    let (code, all) = run(&["verify", "-", "--seen", "seen-store-2026-11"]);
    assert_eq!(code, Some(1), "{all}");
    assert!(dir.path().join("seen-store-2026-11").is_file(), "{all}");
}

/// A key file or an allowlist is never read from stdin: `-` there says so, rather than calling
/// `-` a file that does not exist. A file named `-` is still read as any other.
#[test]
fn a_dash_where_no_stdin_is_read_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let runs: [&[&str]; 4] = [
        &["sign", "--keys", "-"],
        &["verify", "--keys", "-"],
        &["audit", "--keys", "-"],
        &["ip-check", "--allowlist", "-", "1.2.3.4"],
    ];
    for args in runs {
        let out = smile_sec()
            .current_dir(dir.path())
            .args(args)
            .write_stdin("{}")
            .timeout(TIMEOUT)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("does not read stdin here"),
            "{args:?}: {stderr}"
        );
    }
    std::fs::write(dir.path().join("-"), "34.240.137.52 production\n").unwrap();
    let out = smile_sec()
        .current_dir(dir.path())
        .args(["ip-check", "--allowlist", "-", "34.240.137.52"])
        .timeout(TIMEOUT)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}
