//! The official SDKs' known answers (tests/fixtures/official-sign-vectors.json, copied from the
//! project's shared reference material; each vector was produced by smile-id-core 3.0.1 (Python)
//! and/or smile-identity-core 3.2.1 (Node), as its `source` field says).

use serde_json::Value;
use smile_sec::signing::secret::ApiKey;
use smile_sec::signing::signature::sign;

struct Vector {
    partner_id: String,
    api_key: String,
    timestamp: String,
    signature: String,
}

fn vectors() -> Vec<Vector> {
    let text = include_str!("../fixtures/official-sign-vectors.json");
    let list: Vec<Value> = serde_json::from_str(text).unwrap();
    assert_eq!(list.len(), 50, "the fixture holds 50 vectors");
    list.into_iter()
        .map(|v| Vector {
            // Two vectors carry an integer partner ID; Python formats it as decimal.
            partner_id: match &v["partner_id"] {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                other => panic!("unexpected partner_id {other}"),
            },
            api_key: v["api_key"].as_str().unwrap().to_owned(),
            timestamp: v["timestamp"].as_str().unwrap().to_owned(),
            signature: v["signature"].as_str().unwrap().to_owned(),
        })
        .collect()
}

#[test]
fn library_matches_every_official_vector() {
    for v in vectors() {
        if v.api_key.is_empty() {
            // Only Node accepts an empty key; smile-sec refuses it (see the binary test below).
            assert!(ApiKey::new(v.api_key.as_bytes()).is_err());
            continue;
        }
        let key = ApiKey::new(v.api_key.as_bytes()).unwrap();
        assert_eq!(
            sign(&key, &v.timestamp, &v.partner_id),
            v.signature,
            "{} / {}",
            v.timestamp,
            v.partner_id
        );
    }
}

#[test]
fn binary_matches_every_official_vector() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key");
    for v in vectors() {
        // Through --api-key-file (some keys hold NUL bytes, which no environment variable can):
        // one trailing newline is removed, so a key ending in "\n" survives as written.
        std::fs::write(&key_file, format!("{}\n", v.api_key)).unwrap();
        let mut cmd = crate::common::smile_sec();
        cmd.args([
            "sign",
            "--format",
            "json",
            "--partner-id",
            &v.partner_id,
            "--timestamp",
            &v.timestamp,
        ])
        .arg("--api-key-file")
        .arg(&key_file);
        let output = cmd.output().unwrap();
        if v.api_key.is_empty() {
            assert_eq!(output.status.code(), Some(2), "an empty key is refused");
            assert!(String::from_utf8_lossy(&output.stderr).contains("empty"));
            continue;
        }
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let json: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(
            json["signature"],
            v.signature.as_str(),
            "{} / {}",
            v.timestamp,
            v.partner_id
        );
        assert_eq!(json["partner_id"], v.partner_id.as_str());
        assert_eq!(json["timestamp"], v.timestamp.as_str());
        crate::common::assert_no_leak(&output, &[&v.api_key]);
    }
}
