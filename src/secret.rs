//! The API key as a value that cannot be printed by accident.
//!
//! `ApiKey` has no `Display`, its `Debug` prints `(redacted)`, and the only way to name a key in
//! output is its fingerprint (`sha256:` + 12 hex digits, cli-contract §2).

use std::fmt;

use sha2::{Digest, Sha256};

/// An API key: the exact bytes the official SDKs feed to HMAC (never trimmed, never normalised).
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(Vec<u8>);

/// Why a key could not be accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyError {
    /// An empty key would make every signature forgeable by anyone; the Python SDK refuses it too.
    Empty,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Empty => f.write_str("the API key is empty"),
        }
    }
}

impl std::error::Error for KeyError {}

impl ApiKey {
    /// A key used verbatim, as from `SMILE_API_KEY` or an inline key-file value.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, KeyError> {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(ApiKey(bytes))
    }

    /// A key read from a file: exactly one trailing `\n` or `\r\n` removed, nothing else
    /// (editors add one newline; anything more is part of the key as the user wrote it).
    pub fn from_file_contents(mut bytes: Vec<u8>) -> Result<Self, KeyError> {
        if bytes.ends_with(b"\r\n") {
            bytes.truncate(bytes.len() - 2);
        } else if bytes.ends_with(b"\n") {
            bytes.truncate(bytes.len() - 1);
        }
        ApiKey::new(bytes)
    }

    /// The raw key bytes, for HMAC and digests only.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// `sha256:` and the first 12 hex digits of SHA-256 of the key: names a key without revealing it.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(&self.0);
        let mut out = String::from("sha256:");
        for byte in &digest[..6] {
            out.push_str(&format!("{byte:02x}"));
        }
        out
    }

    /// SHA-256 of the key, for comparing secrets without holding two copies side by side in output.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(&self.0).into()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(redacted)")
    }
}

impl<'de> serde::Deserialize<'de> for ApiKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        ApiKey::new(value.into_bytes()).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let key = ApiKey::new("super-secret-value").unwrap();
        let shown = format!("{key:?} {:?}", Some(&key));
        assert!(!shown.contains("super-secret-value"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn file_contents_lose_exactly_one_newline() {
        assert_eq!(
            ApiKey::from_file_contents(b"k\n".to_vec())
                .unwrap()
                .expose(),
            b"k"
        );
        assert_eq!(
            ApiKey::from_file_contents(b"k\r\n".to_vec())
                .unwrap()
                .expose(),
            b"k"
        );
        assert_eq!(
            ApiKey::from_file_contents(b"k\n\n".to_vec())
                .unwrap()
                .expose(),
            b"k\n"
        );
        assert_eq!(
            ApiKey::from_file_contents(b" k \n".to_vec())
                .unwrap()
                .expose(),
            b" k "
        );
        assert_eq!(
            ApiKey::from_file_contents(b"\n".to_vec()),
            Err(KeyError::Empty)
        );
    }

    #[test]
    fn fingerprint_is_sha256_prefix() {
        // sha256("abc") = ba7816bf8f01cfea414140de5dae2223...
        assert_eq!(
            ApiKey::new("abc").unwrap().fingerprint(),
            "sha256:ba7816bf8f01"
        );
    }
}
