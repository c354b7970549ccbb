//! Helpers shared by the CLI tests: the binary with a clean environment, and secret-leak checks.
#![allow(dead_code)]

use assert_cmd::Command;

/// The smile-sec binary with no SMILE_* variables inherited from the developer's shell.
pub fn smile_sec() -> Command {
    let mut cmd = Command::cargo_bin("smile-sec").expect("binary built");
    for var in [
        "SMILE_API_KEY",
        "SMILE_PARTNER_ID",
        "SMILE_SEC_KEYS",
        "SMILE_SEC_NOW",
        "NO_COLOR",
        "CLICOLOR_FORCE",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Asserts that neither stream of a finished run contains any of `secrets`.
pub fn assert_no_leak(output: &std::process::Output, secrets: &[&str]) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(
            !stdout.contains(secret),
            "stdout leaks {secret:?}:\n{stdout}"
        );
        assert!(
            !stderr.contains(secret),
            "stderr leaks {secret:?}:\n{stderr}"
        );
    }
}
