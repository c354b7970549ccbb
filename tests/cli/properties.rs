//! Round-trip properties: whatever `sign` produces, `verify` accepts, and any single-byte change to
//! the signature is refused.

use chrono::Duration;
use proptest::prelude::*;
use smile_sec::callbacks::verdict::{Candidate, Reason, Verifier, Window};
use smile_sec::ingest::payload::{Item, parse_item};
use smile_sec::keys::credentials::Credential;
use smile_sec::signing::secret::ApiKey;
use smile_sec::signing::signature::sign;
use smile_sec::time::parse_rfc3339;

fn verifier(key: &ApiKey, partner_id: &str) -> Verifier {
    let credential = Credential {
        key: key.clone(),
        key_id: Some("k".into()),
        environment: None,
        partner_id: partner_id.to_owned(),
        retired: None,
        retired_itself: false,
    };
    Verifier::new(
        vec![Candidate::new(&credential)],
        Window {
            max_age: None,
            // The timestamps below are arbitrary strings; freshness is not what is tested here.
            max_future: Duration::days(365 * 10_000),
        },
    )
}

fn check(v: &Verifier, signature: &str, timestamp: &str) -> Reason {
    let json =
        serde_json::json!({"signature": signature, "timestamp": timestamp, "ResultCode": "1012"})
            .to_string();
    match parse_item(json.as_bytes()) {
        Item::Callback(cb) => {
            v.check(&cb.signed, parse_rfc3339("2026-11-20T10:00:00Z").unwrap())
                .reason
        }
        other => panic!("{other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sign_then_verify(
        key in proptest::collection::vec(any::<u8>(), 1..100).prop_filter_map("UTF-8 keys", |b| String::from_utf8(b).ok().filter(|s| !s.is_empty())),
        partner_id in "\\PC{1,12}",
        secs in 0i64..4_000_000_000,
        millis in 0u32..1000,
        index in 0usize..44,
        flip in 1u8..=255,
    ) {
        let key = ApiKey::new(key).unwrap();
        let at = chrono::DateTime::from_timestamp(secs, millis * 1_000_000).unwrap();
        let timestamp = smile_sec::time::format_signing_timestamp(at);
        let signature = sign(&key, &timestamp, &partner_id);
        let v = verifier(&key, &partner_id);
        prop_assert_eq!(check(&v, &signature, &timestamp), Reason::Ok);

        // Any single-byte change: never accepted (bad or malformed, never ok).
        let mut bytes = signature.clone().into_bytes();
        bytes[index] ^= flip;
        if let Ok(changed) = String::from_utf8(bytes) {
            let reason = check(&verifier(&key, &partner_id), &changed, &timestamp);
            prop_assert!(matches!(reason, Reason::BadSignature | Reason::MalformedSignature), "{:?}", reason);
        }
    }

    #[test]
    fn arbitrary_timestamp_strings_round_trip(
        key in "[ -~]{1,80}",
        partner_id in "[0-9]{1,6}",
        timestamp in "\\PC{0,40}",
    ) {
        let key = ApiKey::new(key).unwrap();
        let signature = sign(&key, &timestamp, &partner_id);
        let reason = check(&verifier(&key, &partner_id), &signature, &timestamp);
        // The signature always matches; an unreadable time can only fail freshness.
        prop_assert!(matches!(reason, Reason::Ok | Reason::BadTimestamp), "{:?}", reason);
    }
}
