//! Inputs shared by the criterion benches: realistic Smile ID callbacks (the Enhanced KYC shape of
//! smile-id-signing.md, about 550 bytes a line), signed with one key for one partner.
//! scripts/bench.sh generates the same shape for its whole-process runs.

#![allow(dead_code, unreachable_pub)] // each bench uses a subset

use smile_sec::signing::secret::ApiKey;
use smile_sec::signing::signature::sign;

pub const PARTNER_ID: &str = "085";
pub const API_KEY: &str = "bench-0f6c1a2e-5d7b-4c3a-9e8f-1b2c3d4e5f60";
/// A clock for the freshness checks: a little after every generated timestamp.
pub const NOW: &str = "2026-11-21T00:00:00Z";

pub fn api_key() -> ApiKey {
    ApiKey::new(API_KEY).expect("non-empty key")
}

/// The `i`th callback timestamp: Node/docs form, distinct per `i`, all on 2026-11-20.
pub fn timestamp(i: usize) -> String {
    let ms = i % 86_400_000;
    format!(
        "2026-11-20T{:02}:{:02}:{:02}.{:03}Z",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// One NDJSON line (no newline): a signed Enhanced KYC job result.
pub fn callback_line(i: usize) -> String {
    let key = api_key();
    let timestamp = timestamp(i);
    let signature = sign(&key, &timestamp, PARTNER_ID);
    let (code, text) = if i.is_multiple_of(10) {
        ("1013", "ID Number Not Found")
    } else {
        ("1012", "ID Number Validated")
    };
    format!(
        concat!(
            r#"{{"Actions":{{"Verify_ID_Number":"Verified","Return_Personal_Info":"Returned","#,
            r#""Names":"Exact Match","DOB":"Exact Match","Gender":"Exact Match","#,
            r#""Phone_Number":"Not Provided","ID_Verification":"Completed"}},"#,
            r#""ResultCode":"{code}","ResultText":"{text}","ResultType":"ID Verification","#,
            r#""SmileJobID":"{job:010}","PartnerParams":{{"job_id":"job-{i}","user_id":"user-{user}","job_type":5}},"#,
            r#""Country":"NG","IDType":"NIN_V2","IDNumber":"{id:011}","FullName":"Test User {i}","#,
            r#""DOB":"1990-01-01","Gender":"F","Source":"NIN Lookup","#,
            r#""signature":"{signature}","timestamp":"{timestamp}"}}"#
        ),
        code = code,
        text = text,
        job = 1_000_000 + i,
        i = i,
        user = i % 997,
        id = (i as u64).wrapping_mul(2_654_435_761) % 100_000_000_000,
        signature = signature,
        timestamp = timestamp,
    )
}

/// `n` callbacks as one NDJSON buffer.
pub fn ndjson(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 600);
    for i in 0..n {
        out.extend_from_slice(callback_line(i).as_bytes());
        out.push(b'\n');
    }
    out
}
