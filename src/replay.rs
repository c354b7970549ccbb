//! Replay detection. Smile ID's signature covers the timestamp and partner ID only, never the body,
//! so one captured (timestamp, signature) pair authenticates any body until it goes stale. A pair
//! seen again with a different body is a replay; with the same body it is an honest resend.
//!
//! Bodies are compared by a digest of their canonical form: the members other than `signature` and
//! `timestamp`, keys sorted at every level, white space dropped, strings re-escaped one way.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::payload::Callback;
use crate::signature::DecodedSignature;

/// SHA-256 of a body's canonical form.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BodyDigest(pub [u8; 32]);

impl fmt::Debug for BodyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in &self.0[..8] {
            write!(f, "{b:02x}")?;
        }
        f.write_str("…")
    }
}

impl BodyDigest {
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The digest of a callback body without its `signature` and `timestamp`.
pub fn body_digest(callback: &Callback<'_>) -> BodyDigest {
    let mut hasher = Sha256::new();
    let mut out = Vec::with_capacity(512);
    write_object(&mut out, &callback.body);
    hasher.update(&out);
    BodyDigest(hasher.finalize().into())
}

fn write_object(out: &mut Vec<u8>, members: &[(Cow<'_, str>, &RawValue)]) {
    let mut sorted: Vec<&(Cow<'_, str>, &RawValue)> = members.iter().collect();
    // Stable: duplicate keys keep their order, so bodies that differ only there still differ.
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    out.push(b'{');
    for (i, (key, value)) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(out, key);
        out.push(b':');
        write_value(out, value);
    }
    out.push(b'}');
}

fn write_string(out: &mut Vec<u8>, text: &str) {
    // serde_json escapes one canonical way; writing to a Vec cannot fail.
    serde_json::to_writer(&mut *out, text).expect("writing to a Vec");
}

fn write_value(out: &mut Vec<u8>, raw: &RawValue) {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'{') => match serde_json::from_str::<Members<'_>>(text) {
            Ok(Members(members)) => write_object(out, &members),
            Err(_) => out.extend_from_slice(text.as_bytes()),
        },
        Some(b'[') => match serde_json::from_str::<Vec<&RawValue>>(text) {
            Ok(items) => {
                out.push(b'[');
                for (i, item) in items.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_value(out, item);
                }
                out.push(b']');
            }
            Err(_) => out.extend_from_slice(text.as_bytes()),
        },
        Some(b'"') => match serde_json::from_str::<Cow<'_, str>>(text) {
            Ok(s) => write_string(out, &s),
            Err(_) => out.extend_from_slice(text.as_bytes()),
        },
        // Numbers and literals as written: `1.0` and `1` stay different, which can only flag a
        // resend as a replay, never let a replay pass as a resend.
        _ => out.extend_from_slice(text.as_bytes()),
    }
}

/// An object's members as raw JSON, duplicates kept.
struct Members<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> de::Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    members.push(entry);
                }
                Ok(Members(members))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
                Err(de::Error::custom("not an object"))
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// What a pair seen before says about the callback carrying it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sighting {
    /// First time this pair is seen.
    New,
    /// Same pair, same body: an honest resend.
    Duplicate,
    /// Same pair, different body: a replayed signature.
    Replayed,
}

/// The pairs accepted so far in this run. A valid signature is an HMAC of its timestamp, so the
/// first 16 bytes of the signature identify the pair; 16 bytes of body digest are kept with it
/// (32 bytes an accepted callback).
#[derive(Debug, Default)]
pub struct ReplayLog {
    seen: HashMap<[u8; 16], [u8; 16]>,
}

impl ReplayLog {
    /// Records an accepted callback and says whether its pair was seen before.
    pub fn sight(&mut self, signature: &DecodedSignature, body: &BodyDigest) -> Sighting {
        let pair: [u8; 16] = signature.0[..16].try_into().expect("16 of 32 bytes");
        let body: [u8; 16] = body.0[..16].try_into().expect("16 of 32 bytes");
        match self.seen.entry(pair) {
            Entry::Vacant(slot) => {
                slot.insert(body);
                Sighting::New
            }
            Entry::Occupied(first) if *first.get() == body => Sighting::Duplicate,
            Entry::Occupied(_) => Sighting::Replayed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::{Item, parse_item};

    fn digest(json: &str) -> BodyDigest {
        match parse_item(json.as_bytes()) {
            Item::Callback(cb) => body_digest(&cb),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn canonical_form_ignores_order_space_and_signed_fields() {
        let a =
            digest(r#"{"signature":"s","timestamp":"t","A":{"x":1,"y":[1,{"q":"a/b"}]},"B":"v"}"#);
        let b = digest(
            "{ \"B\" : \"v\",\n \"A\": {\"y\": [1, {\"q\": \"a\\/b\"}], \"x\": 1}, \"timestamp\":\"other\"}",
        );
        assert_eq!(a, b);
    }

    #[test]
    fn canonical_form_keeps_every_difference_of_content() {
        let base = digest(r#"{"A":{"x":1},"B":"v"}"#);
        for other in [
            r#"{"A":{"x":2},"B":"v"}"#,
            r#"{"A":{"x":1},"B":"w"}"#,
            r#"{"A":{"x":1},"B":"v","C":null}"#,
            r#"{"A":{"x":1,"x":1},"B":"v"}"#,
            r#"{"A":[{"x":1}],"B":"v"}"#,
            r#"{"A":{"x":1.0},"B":"v"}"#,
        ] {
            assert_ne!(digest(other), base, "{other}");
        }
    }

    #[test]
    fn sightings() {
        let mut log = ReplayLog::default();
        let sig = DecodedSignature([7; 32]);
        let body = digest(r#"{"a":1}"#);
        let other = digest(r#"{"a":2}"#);
        assert_eq!(log.sight(&sig, &body), Sighting::New);
        assert_eq!(log.sight(&sig, &body), Sighting::Duplicate);
        assert_eq!(log.sight(&sig, &other), Sighting::Replayed);
        assert_eq!(log.sight(&DecodedSignature([8; 32]), &other), Sighting::New);
    }
}
