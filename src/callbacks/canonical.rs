//! The canonical form of a callback's body, which replay detection digests: the top-level members
//! other than `signature` and `timestamp`, keys sorted at every level (stably: duplicates keep
//! their order), white space dropped, strings re-escaped one way, numbers and literals as written.
//!
//! Two writers make it. [`write_body`] defines it, from what serde_json read ([`Callback`]).
//! [`plain_body`] is the fast path, one pass over the bytes for the plain callbacks that
//! make up real input (no backslash, shallow): `verify` digests every callback it accepts from
//! stdin or records in a `--seen` store, and the bytes are the cheaper way there
//! (`cargo bench --bench replay` compares the two). It answers only when it is sure, and then
//! with the same text: the fuzz target `plain_body` holds the two together. A change of the text
//! would orphan every digest already recorded in a replay store.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::ingest::fast::scan;
use crate::ingest::payload::{self, Callback, Item, MAX_NESTING, SignedField};

/// The canonical text of the body of `json`, one framed item, when it is a callback object: the
/// fast writer's ([`plain_body`]) when it is sure, else the one that defines the form
/// ([`write_body`], into `out`).
pub fn item_body<'a>(
    json: &[u8],
    scratch: &'a mut Scratch,
    out: &'a mut Vec<u8>,
) -> Option<&'a [u8]> {
    if let Some(text) = plain_body(json, scratch) {
        return Some(text);
    }
    match payload::parse_item(json) {
        Item::Callback(callback) => {
            out.clear();
            write_body(&callback, out);
            Some(out)
        }
        _ => None,
    }
}

/// Writes the canonical text of `callback`'s body to `out`.
pub fn write_body(callback: &Callback<'_>, out: &mut Vec<u8>) {
    let mut members: Vec<&Member<'_>> = callback.body.iter().collect();
    write_members(out, &mut members, 0);
}

type Member<'a> = (Cow<'a, str>, &'a RawValue);

/// Nesting canonicalised before values are taken as written: serde_json reads no deeper, so this
/// only bounds the recursion should a body ever come from elsewhere; taking a value as written
/// can only make two bodies differ, never match.
const MAX_CANONICAL_DEPTH: usize = MAX_NESTING as usize;

fn write_members(out: &mut Vec<u8>, members: &mut [&Member<'_>], depth: usize) {
    // Stable: duplicate keys keep their order, so bodies that differ only there still differ.
    members.sort_by(|a, b| a.0.cmp(&b.0));
    out.push(b'{');
    for (i, (key, value)) in members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match key {
            // serde_json borrows a key only when it has no escapes: it is canonical as it stands.
            Cow::Borrowed(plain) => {
                out.push(b'"');
                out.extend_from_slice(plain.as_bytes());
                out.push(b'"');
            }
            Cow::Owned(unescaped) => write_string(out, unescaped),
        }
        out.push(b':');
        write_value(out, value, depth + 1);
    }
    out.push(b'}');
}

fn write_string(out: &mut Vec<u8>, text: &str) {
    // serde_json escapes one canonical way; writing to a Vec cannot fail.
    serde_json::to_writer(&mut *out, text).expect("writing to a Vec");
}

fn write_value(out: &mut Vec<u8>, raw: &RawValue, depth: usize) {
    let text = raw.get();
    if depth > MAX_CANONICAL_DEPTH {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    match text.as_bytes().first() {
        Some(b'{') => match serde_json::from_str::<Members<'_>>(text) {
            Ok(Members(members)) => {
                let mut refs: Vec<&Member<'_>> = members.iter().collect();
                write_members(out, &mut refs, depth);
            }
            Err(_) => out.extend_from_slice(text.as_bytes()),
        },
        Some(b'[') => match serde_json::from_str::<Vec<&RawValue>>(text) {
            Ok(items) => {
                out.push(b'[');
                for (i, item) in items.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_value(out, item, depth + 1);
                }
                out.push(b']');
            }
            Err(_) => out.extend_from_slice(text.as_bytes()),
        },
        // Without a backslash a JSON string is already in serde_json's one spelling.
        Some(b'"') if !text.as_bytes().contains(&b'\\') => out.extend_from_slice(text.as_bytes()),
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
                let mut members = Vec::with_capacity(8);
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

/// Nesting the fast path takes (callbacks nest two or three deep); deeper bodies go to
/// [`write_body`], well inside serde_json's limit and [`MAX_CANONICAL_DEPTH`].
const PLAIN_DEPTH: usize = 32;

/// Reused space for [`plain_body`]: one per thread keeps a digest free of allocation.
#[derive(Debug, Default)]
pub struct Scratch {
    /// The members of the objects being written, innermost last.
    members: Vec<PlainMember>,
    /// Values in document order, and after them each object again in key order.
    out: Vec<u8>,
}

/// A member of an object being written: its key in the item, and its value's canonical text,
/// already in the output.
#[derive(Debug, Clone)]
struct PlainMember {
    /// The key's first eight bytes, big-endian, zero-padded: they order most keys without a
    /// comparison of slices. Padding sorts a shorter key first, as a key holds no zero byte.
    prefix: u64,
    key: Range<usize>,
    text: Range<usize>,
}

/// The canonical text of the body of `json` when `json` is one JSON object (a callback: at most
/// one top-level `signature` and `timestamp`) with no backslash and nesting of at most
/// `PLAIN_DEPTH`; `None` otherwise, and then [`write_body`] decides.
///
/// With no backslash, every string is written as it stands, and every quote opens or closes one.
/// Each object's members are written in document order, then again after them in key order.
pub fn plain_body<'s>(json: &[u8], scratch: &'s mut Scratch) -> Option<&'s [u8]> {
    if memchr::memchr(b'\\', json).is_some() {
        return None;
    }
    std::str::from_utf8(json).ok()?;
    scratch.members.clear();
    scratch.out.clear();
    let mut plain = Plain {
        bytes: json,
        members: &mut scratch.members,
        out: &mut scratch.out,
    };
    let at = scan::space(json, 0);
    if json.get(at) != Some(&b'{') {
        return None;
    }
    let (end, text) = plain.members(at, 0)?;
    (scan::space(json, end) == json.len()).then(|| &scratch.out[text])
}

struct Plain<'a> {
    bytes: &'a [u8],
    members: &'a mut Vec<PlainMember>,
    out: &'a mut Vec<u8>,
}

impl Plain<'_> {
    /// Writes the value at `at` (at `depth`); returns where it ends.
    fn value(&mut self, at: usize, depth: usize) -> Option<usize> {
        if depth > PLAIN_DEPTH {
            return None;
        }
        let end = match *self.bytes.get(at)? {
            b'{' => return self.object(at, depth),
            b'[' => return self.array(at, depth),
            b'"' => self.string(at)?,
            b't' => scan::literal(self.bytes, at, b"true")?,
            b'f' => scan::literal(self.bytes, at, b"false")?,
            b'n' => scan::literal(self.bytes, at, b"null")?,
            _ => scan::number(self.bytes, at)?,
        };
        self.out.extend_from_slice(&self.bytes[at..end]);
        Some(end)
    }

    /// Past the string whose opening quote is at `at`: the next quote closes it (there is no
    /// backslash) unless a control character comes first.
    fn string(&self, at: usize) -> Option<usize> {
        let len = scan::special_byte(self.bytes.get(at + 1..)?)?;
        (self.bytes[at + 1 + len] == b'"').then_some(at + len + 2)
    }

    /// Writes the object at `at`, its text in place of its values.
    fn object(&mut self, at: usize, depth: usize) -> Option<usize> {
        let start = self.out.len();
        let (end, text) = self.members(at, depth)?;
        self.out.drain(start..text.start);
        Some(end)
    }

    /// Writes the values of the object at `at` in document order, then the object in key order
    /// after them; at depth 0 (the callback itself) without its `signature` and `timestamp`.
    /// Returns where the object ends, and where its text is.
    fn members(&mut self, at: usize, depth: usize) -> Option<(usize, Range<usize>)> {
        let first = self.members.len();
        let mut signed = [false; 2];
        let mut at = scan::space(self.bytes, at + 1);
        if self.bytes.get(at) == Some(&b'}') {
            let start = self.out.len();
            self.out.extend_from_slice(b"{}");
            return Some((at + 1, start..self.out.len()));
        }
        loop {
            if self.bytes.get(at) != Some(&b'"') {
                return None;
            }
            let key_end = self.string(at)?;
            let key = at + 1..key_end - 1;
            at = scan::space(self.bytes, key_end);
            if self.bytes.get(at) != Some(&b':') {
                return None;
            }
            at = scan::space(self.bytes, at + 1);
            let text_start = self.out.len();
            at = self.value(at, depth + 1)?;
            let key_bytes = &self.bytes[key.clone()];
            let signed_field = SignedField::named(key_bytes)
                .filter(|_| depth == 0)
                .map(|which| which as usize);
            match signed_field {
                // Checked, never part of the body; twice is an error (serde_json words it).
                Some(i) => {
                    if std::mem::replace(&mut signed[i], true) {
                        return None;
                    }
                    self.out.truncate(text_start);
                }
                None => {
                    let mut prefix = [0; 8];
                    let n = key_bytes.len().min(8);
                    prefix[..n].copy_from_slice(&key_bytes[..n]);
                    self.members.push(PlainMember {
                        prefix: u64::from_be_bytes(prefix),
                        key,
                        text: text_start..self.out.len(),
                    });
                }
            }
            at = scan::space(self.bytes, at);
            match self.bytes.get(at)? {
                b',' => at = scan::space(self.bytes, at + 1),
                b'}' => break,
                _ => return None,
            }
        }
        let bytes = self.bytes;
        let members = &mut self.members[first..];
        // Stable, as `write_members` sorts.
        members.sort_by(|a, b| {
            (a.prefix.cmp(&b.prefix)).then_with(|| bytes[a.key.clone()].cmp(&bytes[b.key.clone()]))
        });
        let sorted = self.out.len();
        self.out.push(b'{');
        for (i, member) in members.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.out.push(b'"');
            self.out.extend_from_slice(&bytes[member.key.clone()]);
            self.out.extend_from_slice(b"\":");
            self.out.extend_from_within(member.text.clone());
        }
        self.out.push(b'}');
        self.members.truncate(first);
        Some((at + 1, sorted..self.out.len()))
    }

    /// Writes the array at `at`, elements in order.
    fn array(&mut self, at: usize, depth: usize) -> Option<usize> {
        self.out.push(b'[');
        let mut at = scan::space(self.bytes, at + 1);
        if self.bytes.get(at) == Some(&b']') {
            self.out.push(b']');
            return Some(at + 1);
        }
        loop {
            at = self.value(at, depth + 1)?;
            at = scan::space(self.bytes, at);
            match self.bytes.get(at)? {
                b',' => {
                    self.out.push(b',');
                    at = scan::space(self.bytes, at + 1);
                }
                b']' => {
                    self.out.push(b']');
                    return Some(at + 1);
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::payload::{Item, parse_item};

    /// The canonical text as [`write_body`] defines it; `None` when `json` is not a callback.
    fn reference(json: &str) -> Option<String> {
        let Item::Callback(callback) = parse_item(json.as_bytes()) else {
            return None;
        };
        let mut out = Vec::new();
        write_body(&callback, &mut out);
        Some(String::from_utf8(out).unwrap())
    }

    fn plain(json: &str) -> Option<String> {
        let mut scratch = Scratch::default();
        let text = plain_body(json.as_bytes(), &mut scratch)?;
        Some(String::from_utf8(text.to_vec()).unwrap())
    }

    #[test]
    fn plain_bodies_are_written_as_the_definition_writes_them() {
        for json in [
            r#"{"b":1,"a":{"z":[true,{"y":null,"x":-2.5e+3}],"c":"d e"},"signature":"s","timestamp":"t"}"#,
            " {\"signature\" : 5 ,\n\t\"k\":[ ] , \"j\":{ } , \"i\":[ 1 , \"2\" ] }\r\n",
            r#"{"dup":2,"a":0,"dup":1}"#,
            r#"{"a":{"signature":"kept when nested","timestamp":1}}"#,
            r#"{"é":"ü","e":"€"}"#,
            "{}",
        ] {
            let expected = reference(json).expect("a callback");
            assert_eq!(plain(json).as_deref(), Some(&*expected), "{json}");
        }
        assert_eq!(
            plain(r#"{"b":{"d":1,"c":2},"a":[3]}"#).as_deref(),
            Some(r#"{"a":[3],"b":{"c":2,"d":1}}"#)
        );
    }

    #[test]
    fn the_text_stays_what_seen_files_recorded() {
        // Digests of this text are on disk in `--seen` files: it must not drift.
        let json = r#"{"timestamp":"t","b":[1, {"y":"é","x":null}],"a":"c d","signature":"s"}"#;
        let text = r#"{"a":"c d","b":[1,{"x":null,"y":"é"}]}"#;
        assert_eq!(reference(json).as_deref(), Some(text));
        assert_eq!(plain(json).as_deref(), Some(text));
        let escaped = json.replace("c d", "c\\u0020d");
        assert_eq!(reference(&escaped).as_deref(), Some(text));
    }

    #[test]
    fn everything_else_is_left_to_the_definition() {
        for json in [
            r#"{"a":"b\/c"}"#,
            r#"{"a":"b","signature":"1","signature":"2"}"#,
            "[1]",
            "{",
            r#"{"a":1,}"#,
            r#"{"a":01}"#,
            r#"{"a" 1}"#,
            r#"{"a":1} {}"#,
            "{\"a\":\"tab\there\"}",
            "\u{feff}{}",
        ] {
            assert_eq!(plain(json), None, "{json}");
        }
        assert_eq!(
            plain_body(b"{\"a\":\"\xff\"}", &mut Scratch::default()),
            None
        );
        let deep = |n| format!("{{\"a\":{}{}}}", "[".repeat(n), "]".repeat(n));
        // The outermost bracket is at depth 1: the top-level object's members are.
        assert!(plain(&deep(PLAIN_DEPTH)).is_some());
        assert_eq!(plain(&deep(PLAIN_DEPTH + 1)), None);
    }
}
