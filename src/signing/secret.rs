//! The API key as a value that cannot be printed by accident.
//!
//! `ApiKey` has no `Display`, its `Debug` prints `(redacted)`, and the only way to name a key in
//! output is its fingerprint (`sha256:` + 12 hex digits).

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
    /// The contract reads key files as UTF-8 text; other bytes are a corrupt or wrong file.
    NotUtf8,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Empty => f.write_str("the API key is empty"),
            KeyError::NotUtf8 => f.write_str("the API key file is not UTF-8 text"),
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
        if std::str::from_utf8(&bytes).is_err() {
            return Err(KeyError::NotUtf8);
        }
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
        crate::input::fingerprint(&self.0)
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
        // `deserialize_any`: with `deserialize_string`, serde_json reports a wrong type itself, quoting it.
        deserializer.deserialize_any(KeyVisitor)
    }
}

/// Reads a key from a string only. serde's default "invalid type" error quotes the value it got
/// (`integer `123456``), which for a mistyped inline `api_key` would print the key.
struct KeyVisitor;

impl KeyVisitor {
    fn not_a_string<E: serde::de::Error>(what: &str) -> E {
        E::custom(format_args!(
            "invalid type: the API key is {what} (value not shown), expected a string"
        ))
    }
}

impl serde::de::Visitor<'_> for KeyVisitor {
    type Value = ApiKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the API key as a string")
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<ApiKey, E> {
        ApiKey::new(value.as_bytes()).map_err(E::custom)
    }

    fn visit_string<E: serde::de::Error>(self, value: String) -> Result<ApiKey, E> {
        ApiKey::new(value.into_bytes()).map_err(E::custom)
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<ApiKey, E> {
        Err(Self::not_a_string("a boolean"))
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<ApiKey, E> {
        Err(Self::not_a_string("a number"))
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<ApiKey, E> {
        Err(Self::not_a_string("a number"))
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<ApiKey, E> {
        Err(Self::not_a_string("a number"))
    }

    fn visit_bytes<E: serde::de::Error>(self, _: &[u8]) -> Result<ApiKey, E> {
        Err(Self::not_a_string("bytes"))
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
        assert_eq!(
            ApiKey::from_file_contents(b"k\xff\n".to_vec()),
            Err(KeyError::NotUtf8)
        );
    }

    #[test]
    fn a_mistyped_key_is_not_quoted_in_errors() {
        for text in ["987654321", "98765.4321", "true", "-987654321"] {
            let message = serde_json::from_str::<ApiKey>(text)
                .unwrap_err()
                .to_string();
            assert!(!message.contains(text), "{message}");
            assert!(message.contains("expected a string"), "{message}");
        }
        assert_eq!(
            serde_json::from_str::<ApiKey>(r#""k\u00e9""#)
                .unwrap()
                .expose(),
            "k\u{e9}".as_bytes()
        );
        assert!(serde_json::from_str::<ApiKey>(r#""""#).is_err());
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
