//! Test callbacks: realistic Smile ID job-result bodies (the Enhanced KYC shape in
//! smile-id-signing.md), signed as Smile ID signs them. Signing itself is `signature`; sending is
//! `http`; the probe's forged variants are `probe`.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::signing::signature::Signer;

/// The result code `callback new` uses unless told otherwise: Enhanced KYC's "ID Number Validated".
pub const DEFAULT_RESULT_CODE: &str = "1012";

/// The job type `callback new` uses unless told otherwise: 5, Enhanced KYC.
pub const DEFAULT_JOB_TYPE: u32 = 5;

/// Result texts for the ID-verification codes the docs' example callback uses; any other code gets
/// a neutral text (pass `result_text` to choose your own).
const KNOWN_RESULTS: [(&str, &str); 5] = [
    ("1012", "ID Number Validated"),
    ("1013", "ID Number Not Found"),
    ("1020", "Exact Match"),
    ("1021", "Partial Match"),
    ("1022", "No Match"),
];

/// What a test job result says. Everything else in the body is fixed test data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobResult {
    pub job_type: u32,
    pub result_code: String,
    /// `None`: the text Smile ID uses for a known code, else a neutral one.
    pub result_text: Option<String>,
    /// `None`: derived from the timestamp, so that each callback gets its own.
    pub job_id: Option<String>,
    pub user_id: Option<String>,
}

impl Default for JobResult {
    fn default() -> Self {
        JobResult {
            job_type: DEFAULT_JOB_TYPE,
            result_code: DEFAULT_RESULT_CODE.to_owned(),
            result_text: None,
            job_id: None,
            user_id: None,
        }
    }
}

/// The text for a result code, when it is one we know.
pub fn known_result_text(code: &str) -> Option<&'static str> {
    KNOWN_RESULTS
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, text)| *text)
}

/// A ten-digit `SmileJobID` that depends only on the timestamp and job id, so a fixed
/// `--timestamp` gives the same body every time.
fn smile_job_id(timestamp: &str, job_id: &str) -> String {
    let digest = Sha256::new()
        .chain_update(timestamp.as_bytes())
        .chain_update([0])
        .chain_update(job_id.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    format!("{:010}", u64::from_be_bytes(first) % 10_000_000_000)
}

/// The body without its `signature` and `timestamp`, in the order Smile ID sends the members.
pub fn unsigned_body(job: &JobResult, timestamp: &str) -> Map<String, Value> {
    let job_id = job.job_id.clone().unwrap_or_else(|| {
        let short = smile_job_id(timestamp, "");
        format!("job-{}", &short[4..])
    });
    let result_text = job.result_text.clone().unwrap_or_else(|| {
        known_result_text(&job.result_code).map_or_else(
            || format!("smile-sec test result {}", job.result_code),
            str::to_owned,
        )
    });
    let value = json!({
        "Actions": {
            "Verify_ID_Number": "Verified",
            "Return_Personal_Info": "Returned",
            "Names": "Exact Match"
        },
        "ResultCode": job.result_code,
        "ResultText": result_text,
        "ResultType": "ID Verification",
        "SmileJobID": smile_job_id(timestamp, &job_id),
        "PartnerParams": {
            "job_id": job_id,
            "user_id": job.user_id.as_deref().unwrap_or("smile-sec-test-user"),
            "job_type": job.job_type
        },
        "Country": "NG",
        "IDType": "NIN_V2",
        "IDNumber": "00000000000",
        "FullName": "Test User",
        "DOB": "1990-01-01"
    });
    match value {
        Value::Object(map) => map,
        // `json!` of an object literal is always an object.
        _ => Map::new(),
    }
}

/// A body with its `timestamp` and, when given, its `signature` (the probe leaves it out on purpose).
pub fn body_with(job: &JobResult, timestamp: &str, signature: Option<&str>) -> Map<String, Value> {
    let mut body = unsigned_body(job, timestamp);
    if let Some(signature) = signature {
        body.insert("signature".into(), signature.into());
    }
    body.insert("timestamp".into(), timestamp.into());
    body
}

/// A callback signed as Smile ID signs it: the signature covers the timestamp and partner ID only.
pub fn signed_body(
    job: &JobResult,
    signer: &Signer,
    partner_id: &str,
    timestamp: &str,
) -> Map<String, Value> {
    let signature = signer.sign(timestamp, partner_id);
    body_with(job, timestamp, Some(&signature))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::secret::ApiKey;

    const TS: &str = "2026-11-20T10:00:00.123Z";

    #[test]
    fn signed_body_has_the_docs_shape_and_signature() {
        let key = ApiKey::new("apiKey").unwrap();
        let body = signed_body(&JobResult::default(), &Signer::new(&key), "085", TS);
        let keys: Vec<&str> = body.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "Actions",
                "ResultCode",
                "ResultText",
                "ResultType",
                "SmileJobID",
                "PartnerParams",
                "Country",
                "IDType",
                "IDNumber",
                "FullName",
                "DOB",
                "signature",
                "timestamp"
            ]
        );
        assert_eq!(body["ResultCode"], "1012");
        assert_eq!(body["ResultText"], "ID Number Validated");
        assert_eq!(body["PartnerParams"]["job_type"], 5);
        assert_eq!(body["timestamp"], TS);
        assert_eq!(
            body["signature"],
            crate::signing::signature::sign(&key, TS, "085").as_str()
        );
        let job_id = body["SmileJobID"].as_str().unwrap();
        assert_eq!(job_id.len(), 10);
        assert!(job_id.bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn options_are_used_verbatim() {
        let job = JobResult {
            job_type: 1,
            result_code: "9999".into(),
            result_text: None,
            job_id: Some("j-1".into()),
            user_id: Some("u-1".into()),
        };
        let body = body_with(&job, TS, None);
        assert!(!body.contains_key("signature"));
        assert_eq!(body["ResultText"], "smile-sec test result 9999");
        assert_eq!(body["PartnerParams"]["job_id"], "j-1");
        assert_eq!(body["PartnerParams"]["user_id"], "u-1");
        assert_eq!(body["PartnerParams"]["job_type"], 1);
    }

    #[test]
    fn bodies_are_reproducible_and_differ_by_timestamp() {
        let job = JobResult::default();
        assert_eq!(unsigned_body(&job, TS), unsigned_body(&job, TS));
        assert_ne!(
            unsigned_body(&job, TS)["SmileJobID"],
            unsigned_body(&job, "2026-11-20T10:00:00.124Z")["SmileJobID"]
        );
    }
}
