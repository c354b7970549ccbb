//! The Smile ID signature: HMAC-SHA256 over timestamp ‖ partner ID ‖ `sid_request`, as the official
//! SDKs compute it (shared docs: smile-id-signing.md), and its constant-time verification.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::signing::secret::ApiKey;

type HmacSha256 = Hmac<Sha256>;

/// The literal every SDK appends after the partner ID.
const SUFFIX: &[u8] = b"sid_request";

/// Length of a signature: 32 bytes of HMAC-SHA256 in padded standard base64.
pub const ENCODED_LEN: usize = 44;

/// A keyed HMAC state, computed once per key and cloned per message (saves two compressions a call).
#[derive(Clone)]
pub struct Signer {
    keyed: HmacSha256,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(redacted)")
    }
}

/// Why a signature string is not a well-formed Smile ID signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MalformedSignature {
    /// Not 44 characters.
    Length(usize),
    /// Not canonical padded standard base64 (base64url, missing padding, stray bits, ...).
    Encoding,
}

impl std::fmt::Display for MalformedSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MalformedSignature::Length(n) => {
                write!(f, "signature is {n} characters, not {ENCODED_LEN}")
            }
            MalformedSignature::Encoding => {
                f.write_str("signature is not canonical padded standard base64")
            }
        }
    }
}

impl Signer {
    pub fn new(key: &ApiKey) -> Self {
        // HMAC accepts keys of any length (long keys are hashed first), so this cannot fail.
        let keyed =
            HmacSha256::new_from_slice(key.expose()).expect("HMAC takes keys of any length");
        Signer { keyed }
    }

    fn mac(&self, timestamp: &[u8], partner_id: &[u8]) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(timestamp);
        mac.update(partner_id);
        mac.update(SUFFIX);
        mac
    }

    /// The raw 32-byte signature.
    pub fn sign_raw(&self, timestamp: &str, partner_id: &str) -> [u8; 32] {
        self.mac(timestamp.as_bytes(), partner_id.as_bytes())
            .finalize()
            .into_bytes()
            .into()
    }

    /// The signature as the SDKs send it: 44 characters of padded standard base64.
    pub fn sign(&self, timestamp: &str, partner_id: &str) -> String {
        STANDARD.encode(self.sign_raw(timestamp, partner_id))
    }

    /// Compares a decoded signature with the expected one in constant time.
    pub fn matches(&self, timestamp: &str, partner_id: &str, signature: &DecodedSignature) -> bool {
        self.mac(timestamp.as_bytes(), partner_id.as_bytes())
            .verify_slice(&signature.0)
            .is_ok()
    }
}

/// A signature that decoded strictly to 32 bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodedSignature(pub [u8; 32]);

impl std::fmt::Debug for DecodedSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DecodedSignature(..)")
    }
}

impl DecodedSignature {
    /// Accepts only what the SDKs produce: canonical, padded, standard base64 of 32 bytes.
    /// (Node's SDK also accepts unpadded and base64url spellings; we do not, and `--explain` says so.)
    pub fn parse(text: &str) -> Result<Self, MalformedSignature> {
        if text.len() != ENCODED_LEN {
            // Counted in characters, as a reader counts them: 44 of them, some not ASCII, are
            // of the right length and not base64.
            return Err(match text.chars().count() {
                ENCODED_LEN => MalformedSignature::Encoding,
                n => MalformedSignature::Length(n),
            });
        }
        let mut out = [0u8; 32];
        match STANDARD.decode_slice(text.as_bytes(), &mut out) {
            Ok(32) => Ok(DecodedSignature(out)),
            _ => Err(MalformedSignature::Encoding),
        }
    }
}

/// One-shot signing, for callers with a single message.
pub fn sign(key: &ApiKey, timestamp: &str, partner_id: &str) -> String {
    Signer::new(key).sign(timestamp, partner_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_sdk_fixture() {
        // From the official Java SDK's test suite (smile-id-signing.md).
        let key = ApiKey::new("apiKey").unwrap();
        assert_eq!(
            sign(&key, "2023-02-13T15:07:42.214Z", "partner"),
            "XxThLHZy2ij1WINkqNEPgzVs9RvUDHWlebDYzprqS74="
        );
    }

    #[test]
    fn forty_four_characters_not_all_ascii_are_not_base64() {
        let signature = "é".repeat(ENCODED_LEN);
        assert_eq!(
            DecodedSignature::parse(&signature),
            Err(MalformedSignature::Encoding)
        );
        assert_eq!(
            DecodedSignature::parse("éé"),
            Err(MalformedSignature::Length(2))
        );
    }

    #[test]
    fn strict_decoding() {
        let good = "XxThLHZy2ij1WINkqNEPgzVs9RvUDHWlebDYzprqS74=";
        assert!(DecodedSignature::parse(good).is_ok());
        // unpadded
        assert_eq!(
            DecodedSignature::parse(&good[..43]),
            Err(MalformedSignature::Length(43))
        );
        // base64url alphabet
        let url = "fZacjLHtsCBdxib3RQFxNbhZ3+gv1o3NnIjxshdd6IY=".replace('+', "-");
        assert_eq!(
            DecodedSignature::parse(&url),
            Err(MalformedSignature::Encoding)
        );
        // non-canonical trailing bits: last char before '=' carries 2 unused bits
        let noncanonical = "XxThLHZy2ij1WINkqNEPgzVs9RvUDHWlebDYzprqS75=";
        assert_eq!(
            DecodedSignature::parse(noncanonical),
            Err(MalformedSignature::Encoding)
        );
        // multi-byte characters of the right byte length
        assert!(DecodedSignature::parse(&"é".repeat(22)).is_err());
    }

    #[test]
    fn verification_accepts_only_the_right_signature() {
        let key = ApiKey::new("apiKey").unwrap();
        let signer = Signer::new(&key);
        let sig = DecodedSignature::parse("XxThLHZy2ij1WINkqNEPgzVs9RvUDHWlebDYzprqS74=").unwrap();
        assert!(signer.matches("2023-02-13T15:07:42.214Z", "partner", &sig));
        assert!(!signer.matches("2023-02-13T15:07:42.214Z", "partner2", &sig));
        assert!(!signer.matches("2023-02-13T15:07:42.215Z", "partner", &sig));
    }
}
