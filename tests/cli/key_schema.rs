//! The key file's JSON Schema (schema/smile-keys.schema.json) says what the parser takes: the
//! example key file and `keys template` follow it, and the mistakes the parser refuses are refused
//! by the schema too. `keys template` prints a file that `audit` passes.

use crate::common::smile_sec;
use serde_json::{Value, json};

fn validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(include_str!("../../schema/smile-keys.schema.json")).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn entry() -> Value {
    json!({"id": "a", "partner_id": "085", "environment": "sandbox",
           "integrations": ["server"], "created": "2026-11-01"})
}

#[test]
fn the_example_key_file_follows_the_schema() {
    let example: Value =
        serde_json::from_str(include_str!("../../examples/smile-keys.json")).unwrap();
    let v = validator();
    let errors: Vec<String> = v.iter_errors(&example).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn the_schema_refuses_what_the_parser_refuses() {
    let v = validator();
    let with = |extra: Value| {
        let mut e = entry();
        for (k, val) in extra.as_object().unwrap() {
            e[k] = val.clone();
        }
        json!({ "keys": [e] })
    };
    assert!(v.is_valid(&with(json!({}))));
    assert!(v.is_valid(&with(
        json!({"status": "retired", "retired": "2026-11-20T10:00:00Z"})
    )));
    assert!(v.is_valid(
        &json!({"$comment": "x", "policy": {"production": {"max_age_days": 60}}, "keys": [entry()]})
    ));
    let refused = [
        with(json!({"crated": "2026-01-01"})),
        with(json!({"status": "retired"})),
        with(json!({"retired": "2026-11-20"})),
        with(json!({"status": "retired", "retired": "last week"})),
        with(json!({"environment": "staging"})),
        with(json!({"integrations": []})),
        with(json!({"integrations": [" "]})),
        with(json!({"id": " "})),
        with(json!({"api_key_env": "X", "api_key": "k"})),
        with(json!({"api_key_env": "0c1b2a39-4d5e"})),
        with(json!({"api_key_file": "/etc/key"})),
        with(json!({"created": "2026-1-1"})),
        with(json!({"mutes": [{"finding": "mute_expired", "reason": "x", "until": "2026-12-01"}]})),
        with(json!({"$comment": 7})),
        json!({"policy": {"staging": {}}, "keys": [entry()]}),
        json!({"policy": {"max_age_days": 0}, "keys": [entry()]}),
        json!({"keys": [entry()], "extra": 1}),
    ];
    for instance in refused {
        assert!(!v.is_valid(&instance), "{instance}");
        // And the parser agrees.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("k.json"), instance.to_string()).unwrap();
        smile_sec()
            .current_dir(dir.path())
            .args(["audit", "--keys", "k.json", "--now", "2026-11-25T00:00:00Z"])
            .assert()
            .code(2);
    }
}

#[test]
fn keys_template_parses_follows_the_schema_and_passes_audit() {
    let dir = tempfile::tempdir().unwrap();
    let out = smile_sec()
        .args(["keys", "template", "--now", "2026-12-06T09:00:00Z"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stderr.is_empty());
    let template: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(validator().is_valid(&template), "{template}");
    assert_eq!(template["keys"][0]["created"], "2026-12-06");
    assert!(template["keys"][0]["$comment"].is_string());
    std::fs::write(dir.path().join("smile-keys.json"), &out.stdout).unwrap();
    let one_line = smile_sec()
        .args([
            "keys",
            "template",
            "--now",
            "2026-12-06T09:00:00Z",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&one_line.stdout).lines().count(), 1);
    let same: Value = serde_json::from_slice(&one_line.stdout).unwrap();
    assert_eq!(same, template);
    for format in ["text", "json", "sarif", "github"] {
        smile_sec()
            .current_dir(dir.path())
            .args(["audit", "--now", "2026-12-06T09:00:00Z", "--format", format])
            .assert()
            .code(0);
    }
    // A month on it still passes; after 90 days it is due.
    smile_sec()
        .current_dir(dir.path())
        .args(["audit", "--now", "2027-01-06T09:00:00Z"])
        .assert()
        .code(0);
    smile_sec()
        .current_dir(dir.path())
        .args(["audit", "--now", "2027-03-10T09:00:00Z"])
        .assert()
        .code(1);
}

/// A key file is valid or not whatever command reads it: a misspelt mute, which would mute
/// nothing, is refused by `sign`, `verify`, `guard` and `audit` alike.
#[test]
fn a_bad_mute_is_refused_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad = entry();
    bad["api_key_env"] = json!("SMILE_SEC_TEST_MUTE_KEY");
    bad["mutes"] = json!([{"finding": "expird", "reason": "typo", "until": "2027-06-01"}]);
    std::fs::write(
        dir.path().join("k.json"),
        json!({ "keys": [bad] }).to_string(),
    )
    .unwrap();
    let commands: [&[&str]; 4] = [
        &["sign", "--key", "a", "--timestamp", "T"],
        &["verify", "-"],
        &["audit", "--now", "2026-11-25T00:00:00Z"],
        &[
            "guard",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "http://127.0.0.1:9/",
            "--env",
            "sandbox",
        ],
    ];
    for args in commands {
        let out = smile_sec()
            .current_dir(dir.path())
            .env("SMILE_SEC_TEST_MUTE_KEY", "apiKey")
            .args(&args[..1])
            .args(["--keys", "k.json"])
            .args(&args[1..])
            .write_stdin("{}")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("key `a`: mute names unknown finding `expird`"),
            "{args:?}: {stderr}"
        );
    }
}
