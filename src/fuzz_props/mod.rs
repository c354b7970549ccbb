//! Properties every parser of outside input must keep, one function per fuzz target.
//!
//! Each `pub fn <target>(data: &[u8])` panics when a property is violated. The cargo-fuzz targets
//! under `fuzz/` are one line calling these, and [`corpus_replay`] replays every saved corpus file
//! through the same functions, so `cargo test` exercises each target without nightly. Compiled only
//! for tests and for cargo-fuzz (`cfg(fuzzing)`): the release binary carries none of it.
//! Adding a target: write its function here, add it to [`TARGETS`], add `fuzz/fuzz_targets/<name>.rs`
//! and its `[[bin]]` in `fuzz/Cargo.toml`, and seed `fuzz/corpus/<name>/`.
//!
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::io::BufReader;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{Datelike, Duration, SecondsFormat};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::callbacks::canonical;
use crate::callbacks::replay::{self, PairId};
use crate::callbacks::store::ndjson;
use crate::ingest::fast::scan;
use crate::ingest::payload::{self, Field, Item, ItemNumber};
use crate::ip::address::{self, Ip};
use crate::ip::allowlist::{self, AddressVerdict, Allowlist, Entry, EntryError, IpNet, Reason};
use crate::ip::proxy::{self, Hop, Why};
use crate::ip::published::Published;
use crate::ip::snippet;
use crate::keys::keyfile::{KeyFile, SecretSource};
use crate::signing::request_body::{self, BodyError};
use crate::signing::secret::ApiKey;
use crate::signing::signature::{DecodedSignature, MalformedSignature};
use crate::time::{self, Zone};

#[cfg(test)]
mod corpus_replay;

/// A property function: panics when `data` breaks a property.
pub type Property = fn(&[u8]);

/// Every fuzz target by name (the name of its `fuzz/fuzz_targets/<name>.rs` and corpus folder).
pub const TARGETS: &[(&str, Property)] = &[
    ("payload_framing", payload_framing),
    ("array_framing", array_framing),
    ("payload_item", payload_item),
    ("fast_scan", fast_scan),
    ("body_digest", body_digest),
    ("plain_body", plain_body),
    ("callback_timestamp", callback_timestamp),
    ("duration", duration),
    ("keyfile", keyfile),
    ("signature", signature),
    ("seen_file", seen_file),
    ("address", address),
    ("allowlist_file", allowlist_file),
    ("proxy_chain", proxy_chain),
    ("snippet", snippet),
    ("request_body", request_body),
    ("published_page", published_page),
];

/// What framing reported for one item, enough to compare runs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Framed {
    Callback(Option<String>, Option<String>),
    NotAnObject,
    ParseError,
}

/// A source that gives at most `step` bytes a read, as a pipe may.
#[derive(Debug)]
pub struct Trickle<'a> {
    pub data: &'a [u8],
    pub step: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn frame(data: &[u8], capacity: usize) -> Vec<(ItemNumber, Framed)> {
    frame_from(BufReader::with_capacity(capacity, data))
}

fn frame_from(reader: impl std::io::BufRead) -> Vec<(ItemNumber, Framed)> {
    let mut items = Vec::new();
    payload::for_each_item(reader, |n, item| {
        items.push((
            n,
            match item {
                Item::Callback(cb) => Framed::Callback(
                    cb.signed.signature.as_str().map(str::to_owned),
                    cb.signed.timestamp.as_str().map(str::to_owned),
                ),
                Item::NotAnObject => Framed::NotAnObject,
                Item::ParseError(_) => Framed::ParseError,
            },
        ));
        Ok(())
    })
    .expect("the sink never fails");
    items
}

/// `payload::for_each_item`: item numbers strictly increase; an NDJSON item is numbered by a line
/// that exists; a line that is a valid JSON value on its own is reported, or is part of a
/// multi-line value that parsed (a parse error never swallows a following good line); the
/// result does not depend on how the reader's buffer splits the input; an item's offset points
/// at its bytes in the input (the replay check reads bodies back from there).
pub fn payload_framing(data: &[u8]) {
    let items = frame(data, 1 << 18);
    for capacity in [5, 1 << 18] {
        payload::for_each_raw_item(BufReader::with_capacity(capacity, data), |n, raw| {
            if let payload::RawItem::Json(bytes, Some(at)) = raw {
                let at = usize::try_from(at).expect("a small input");
                assert_eq!(
                    data.get(at..at + bytes.len()),
                    Some(bytes),
                    "item {n} is not where its offset says"
                );
            }
            Ok::<_, std::io::Error>(())
        })
        .expect("the sink never fails");
    }
    for pair in items.windows(2) {
        assert!(
            pair[0].0 < pair[1].0,
            "item numbers must increase: {items:?}"
        );
    }
    // Small buffers split the input everywhere; the BOM is only looked for in the first read.
    for capacity in [3, 7, 64] {
        assert_eq!(
            frame(data, capacity),
            items,
            "framing depends on the buffer size ({capacity})"
        );
    }
    // A pipe may give a byte a read, the byte-order mark's too: `WholeMark` gathers it.
    assert_eq!(
        frame_from(BufReader::new(crate::input::WholeMark::new(Trickle {
            data,
            step: 1
        }))),
        items,
        "framing depends on how the source's reads split it"
    );
    let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let start = crate::ingest::fast::scan::space(body, 0);
    // A first line that is a whole value, with more after it, makes NDJSON of a source that
    // opens with `[`.
    let value_then_more = memchr::memchr(b'\n', &body[start..]).is_some_and(|end| {
        std::str::from_utf8(&body[start..start + end])
            .is_ok_and(|line| serde_json::from_str::<de::IgnoredAny>(line).is_ok())
            && !body[start + end..].iter().all(|&b| payload::is_space(b))
    });
    let is_array = body.get(start) == Some(&b'[') && !value_then_more;
    if is_array {
        for (i, (n, _)) in items.iter().enumerate() {
            assert_eq!(*n, i as u64 + 1, "array elements are numbered 1, 2, ...");
        }
        return;
    }
    let lines: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
    let line_count = lines.len() - usize::from(body.ends_with(b"\n"));
    if let Some((last, _)) = items.last() {
        assert!(
            *last as usize <= line_count,
            "item on line {last} of {line_count}"
        );
    }
    // A lone item is item 1 wherever it starts: with one non-blank line, that line is the item.
    let non_blank = lines
        .iter()
        .filter(|l| !l.iter().all(|&b| payload::is_space(b)))
        .count();
    if items.len() == 1 && non_blank == 1 {
        return;
    }
    for (i, line) in lines.iter().enumerate() {
        let number = i as u64 + 1;
        if line.iter().all(|&b| payload::is_space(b))
            || serde_json::from_slice::<de::IgnoredAny>(line).is_err()
        {
            continue;
        }
        // The item that covers this line: the last one starting at or before it.
        match items.iter().rev().find(|(n, _)| *n <= number) {
            Some((n, _)) if *n == number => {}
            Some((n, Framed::ParseError)) => {
                panic!(
                    "line {number} is valid JSON but was swallowed by the parse error of line {n}"
                )
            }
            Some(_) => {}
            None => panic!("line {number} is valid JSON but was not reported"),
        }
    }
}

/// `array::read_in` and `array::read_once_in`, the fast framer of a top-level array of a file
/// and of stdin: each hands on exactly the items `payload::read_array` (serde_json's stream
/// reader) does, the same numbers, bytes and errors, however its reads split the input
/// (elements spanning reads, broken elements it leaves to the stream reader midway); each
/// element's offset points at its bytes in the input; and a valid, shallow array is framed by
/// the fast framer throughout (every element has an offset).
pub fn array_framing(data: &[u8]) {
    let Ok((
        payload::Layout::Array {
            bytes_before,
            place,
        },
        _,
    )) = payload::layout(data)
    else {
        return;
    };
    // The source from its `[` on, as the readers after `layout` get it.
    let reader = &data[bytes_before as usize..];
    type Items = Vec<(ItemNumber, Result<Vec<u8>, String>)>;
    let item = |number, raw: payload::RawItem<'_>| match raw {
        payload::RawItem::Json(bytes, _) => (number, Ok(bytes.to_vec())),
        payload::RawItem::Error(message) => (number, Err(message)),
    };
    let mut expected: Items = Vec::new();
    payload::read_array(reader, place, |number, raw| {
        expected.push(item(number, raw));
        Ok::<_, std::io::Error>(())
    })
    .expect("an in-memory sink cannot fail");
    let vouched_for = expected.iter().all(|(_, item)| item.is_ok())
        && data.iter().filter(|b| matches!(b, b'[' | b'{')).count() < 100;
    for read_bytes in [1, 2, 7, 4096] {
        let mut items: Items = Vec::new();
        crate::ingest::fast::array::read_in(
            read_bytes,
            reader,
            bytes_before,
            || Ok(data),
            |number, raw| {
                match raw {
                    payload::RawItem::Json(bytes, Some(at)) => {
                        let at = usize::try_from(at).expect("an offset into the input");
                        let place = data.get(at..at + bytes.len());
                        assert_eq!(place, Some(bytes), "offset of item {number}");
                    }
                    payload::RawItem::Json(_, None) if vouched_for => {
                        panic!("item {number} of a valid array was left to the stream reader")
                    }
                    _ => {}
                }
                items.push(item(number, raw));
                Ok(())
            },
        )
        .expect("an in-memory sink cannot fail");
        assert_eq!(items, expected, "reads of {read_bytes} bytes");
        // The same, read once (stdin): the stream reader takes over after a stand-in.
        let mut items: Items = Vec::new();
        crate::ingest::fast::array::read_once_in(read_bytes, reader, place, |number, raw| {
            items.push(item(number, raw));
            Ok(())
        })
        .expect("an in-memory sink cannot fail");
        assert_eq!(items, expected, "read once, in reads of {read_bytes} bytes");
    }
}

/// `payload::parse_item` agrees with serde_json on what the value is, and extracts exactly the
/// top-level `signature` and `timestamp` serde_json sees.
pub fn payload_item(data: &[u8]) {
    let item = payload::parse_item(data);
    let reference = match serde_json::from_slice::<serde_json::Value>(data) {
        Ok(value) => value,
        // serde_json's Value stops at 128 levels and refuses lone surrogate escapes
        // (`"\ud800"`); parse_item leaves the body's values unread, so it takes both there.
        Err(e) if e.to_string().contains("recursion limit") || is_value_only_error(&e) => return,
        // Value takes an object whose first key is serde_json's private raw-value token for a
        // raw value in disguise, and fails on it; the text is JSON all the same.
        Err(_) if leads_an_object_with_the_raw_value_token(data) => return,
        Err(e) => {
            assert!(
                matches!(item, Item::ParseError(_)),
                "serde_json refuses what parse_item accepted: {item:?}\n{e}"
            );
            return;
        }
    };
    let serde_json::Value::Object(object) = reference else {
        assert!(matches!(item, Item::NotAnObject), "not an object: {item:?}");
        return;
    };
    let callback = match item {
        Item::Callback(cb) => cb,
        // The only object parse_item refuses: a repeated `signature` or `timestamp`.
        Item::ParseError(e) => {
            assert!(e.contains("duplicate field"), "object refused: {e}");
            return;
        }
        Item::NotAnObject => panic!("an object read as not an object"),
    };
    for (name, field) in [
        ("signature", &callback.signed.signature),
        ("timestamp", &callback.signed.timestamp),
    ] {
        match (object.get(name), field) {
            (None, Field::Missing) => {}
            (Some(serde_json::Value::String(s)), Field::Str(f)) => assert_eq!(s, f.as_ref()),
            (Some(v), Field::NotString) if !v.is_string() => {}
            (expected, found) => panic!("`{name}`: serde_json {expected:?}, parse_item {found:?}"),
        }
    }
    let body_keys: HashSet<&str> = callback.body.iter().map(|(k, _)| k.as_ref()).collect();
    let expected: HashSet<&str> = object
        .keys()
        .map(String::as_str)
        .filter(|k| !matches!(*k, "signature" | "timestamp"))
        .collect();
    assert_eq!(body_keys, expected, "body members");
}

/// `scan::signed_fields`, the fast path: whenever it answers, `payload::parse_item` (serde_json)
/// reads the same signed fields from the same bytes; and it does answer for the plain objects
/// that make up real input (no escapes, shallow), so the fast path is really taken.
pub fn fast_scan(data: &[u8]) {
    let item = payload::parse_item(data);
    match (scan::signed_fields(data), &item) {
        (Some(fast), Item::Callback(cb)) => assert_eq!(fast, cb.signed, "fields differ"),
        (Some(fast), other) => panic!("fast path read {fast:?}, serde_json {other:?}"),
        (None, Item::Callback(_))
            if !data.contains(&b'\\')
                && data.iter().filter(|b| matches!(b, b'[' | b'{')).count() < 60 =>
        {
            panic!("the fast path declined a plain object")
        }
        (None, _) => {}
    }
}

/// Whether `data` is JSON in which some object's first key (once unescaped) is serde_json's
/// private raw-value token, `$serde_json::private::RawValue`.
fn leads_an_object_with_the_raw_value_token(data: &[u8]) -> bool {
    /// Walks a value, noting such an object in the flag.
    struct Walk<'a>(&'a mut bool);

    impl<'de> de::DeserializeSeed<'de> for Walk<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Walk<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Walk(&mut *self.0))?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut first = true;
            while let Some(key) = map.next_key::<String>()? {
                *self.0 |= first && key == "$serde_json::private::RawValue";
                first = false;
                map.next_value_seed(Walk(&mut *self.0))?;
            }
            Ok(())
        }
    }

    let mut found = false;
    let mut reader = serde_json::Deserializer::from_slice(data);
    let walked = de::DeserializeSeed::deserialize(Walk(&mut found), &mut reader);
    walked.is_ok() && reader.end().is_ok() && found
}

fn is_value_only_error(e: &serde_json::Error) -> bool {
    let text = e.to_string();
    text.contains("surrogate")
        || text.contains("unicode code point")
        || text.contains("hex escape")
        // `1e999999`: Value reads numbers as f64; parse_item keeps them as written.
        || text.contains("number out of range")
}

/// `replay::body_digest`: the same body with its keys reordered at every level, its white space
/// changed, its strings escaped another way and its signed fields changed has the same digest;
/// one more member changes it.
pub fn body_digest(data: &[u8]) {
    let Item::Callback(callback) = payload::parse_item(data) else {
        return;
    };
    let digest = replay::body_digest(&callback);
    assert_eq!(replay::body_digest(&callback), digest, "deterministic");
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(raw) = serde_json::from_str::<&RawValue>(text) else {
        return;
    };
    // The variation is drawn from the input itself, so every run of one input is the same.
    let mut rng = Rng(data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    }));
    let mut members = match object_members(raw) {
        Some(members) if unique_keys(&members) => members,
        _ => return,
    };
    members.retain(|(k, _)| k != "signature" && k != "timestamp");
    let mut rewritten = String::new();
    let mut extra = vec![
        (
            "timestamp".to_owned(),
            "\"2000-01-01T00:00:00Z\"".to_owned(),
        ),
        ("signature".to_owned(), "null".to_owned()),
    ];
    let mut body = Vec::new();
    for (key, value) in members {
        let mut out = String::new();
        if !reformat(value, &mut rng, &mut out) {
            return; // a nested object with duplicate keys: their order is content
        }
        body.push((key, out));
    }
    body.append(&mut extra);
    rng.shuffle(&mut body);
    write_members(&body, &mut rng, &mut rewritten);
    let Item::Callback(again) = payload::parse_item(rewritten.as_bytes()) else {
        panic!("the rewritten callback does not parse: {rewritten}");
    };
    assert_eq!(
        replay::body_digest(&again),
        digest,
        "digest changed by re-serialising:\n{text}\n{rewritten}"
    );
    body.push(("\u{1}fuzz".to_owned(), "1".to_owned()));
    let mut longer = String::new();
    write_members(&body, &mut rng, &mut longer);
    let Item::Callback(longer) = payload::parse_item(longer.as_bytes()) else {
        panic!("the extended callback does not parse");
    };
    assert_ne!(
        replay::body_digest(&longer),
        digest,
        "a new member must change the digest"
    );
}

/// `canonical::plain_body`, the fast path of the body digest: whenever it answers, it gives the
/// text `canonical::write_body` makes of what serde_json reads, byte for byte (a `--seen` file
/// holds digests of that text); and it does answer for plain callbacks (no escapes, shallow), so
/// the fast path is really taken.
pub fn plain_body(data: &[u8]) {
    let mut scratch = canonical::Scratch::default();
    match (
        canonical::plain_body(data, &mut scratch),
        payload::parse_item(data),
    ) {
        (Some(fast), Item::Callback(callback)) => {
            let mut text = Vec::new();
            canonical::write_body(&callback, &mut text);
            assert!(
                fast == text,
                "canonical texts differ:\n{}\n{}",
                String::from_utf8_lossy(fast),
                String::from_utf8_lossy(&text)
            );
        }
        (Some(fast), other) => panic!(
            "the fast path wrote {:?}, serde_json read {other:?}",
            String::from_utf8_lossy(fast)
        ),
        (None, Item::Callback(_))
            if !data.contains(&b'\\')
                && data.iter().filter(|b| matches!(b, b'[' | b'{')).count() <= 32 =>
        {
            panic!("the fast path declined a plain callback")
        }
        (None, _) => {}
    }
}

/// xorshift64: a small deterministic source of choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 |= 1;
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
    fn space(&mut self, out: &mut String) {
        out.push_str([" ", "", "\n  ", "\t", "\r\n"][self.below(5)]);
    }
}

/// An object's members, raw; `None` when it is not an object that parses.
fn object_members(raw: &RawValue) -> Option<Vec<(String, &RawValue)>> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<(String, &'de RawValue)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut members = Vec::new();
            while let Some(entry) = map.next_entry::<Cow<'de, str>, &'de RawValue>()? {
                members.push((entry.0.into_owned(), entry.1));
            }
            Ok(members)
        }
    }
    struct Members<'a>(Vec<(String, &'a RawValue)>);
    impl<'de> de::Deserialize<'de> for Members<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_map(V).map(Members)
        }
    }
    let text = raw.get();
    if !text.starts_with('{') {
        return None;
    }
    serde_json::from_str::<Members<'_>>(text).ok().map(|m| m.0)
}

fn unique_keys(members: &[(String, &RawValue)]) -> bool {
    let mut seen = HashSet::new();
    members.iter().all(|(k, _)| seen.insert(k.as_str()))
}

/// Writes `raw` again with other white space, key order and string escapes. False when it holds an
/// object with duplicate keys (whose order the digest rightly keeps).
fn reformat(raw: &RawValue, rng: &mut Rng, out: &mut String) -> bool {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'{') => match object_members(raw) {
            Some(members) => {
                if !unique_keys(&members) {
                    return false;
                }
                let mut written = Vec::new();
                for (key, value) in members {
                    let mut inner = String::new();
                    if !reformat(value, rng, &mut inner) {
                        return false;
                    }
                    written.push((key, inner));
                }
                rng.shuffle(&mut written);
                write_members(&written, rng, out);
            }
            // The digest keeps what it cannot parse as written; so must we.
            None => out.push_str(text),
        },
        Some(b'[') => match serde_json::from_str::<Vec<&RawValue>>(text) {
            Ok(items) => {
                out.push('[');
                for (i, item) in items.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    rng.space(out);
                    if !reformat(item, rng, out) {
                        return false;
                    }
                }
                rng.space(out);
                out.push(']');
            }
            Err(_) => out.push_str(text),
        },
        Some(b'"') => match serde_json::from_str::<String>(text) {
            Ok(s) => write_escaped(&s, rng, out),
            Err(_) => out.push_str(text),
        },
        _ => out.push_str(text),
    }
    true
}

fn write_members(members: &[(String, String)], rng: &mut Rng, out: &mut String) {
    out.push('{');
    for (i, (key, value)) in members.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        rng.space(out);
        write_escaped(key, rng, out);
        rng.space(out);
        out.push(':');
        rng.space(out);
        out.push_str(value);
    }
    rng.space(out);
    out.push('}');
}

/// A JSON string with each character written plainly or as a `\u` escape, at random.
fn write_escaped(text: &str, rng: &mut Rng, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        let must_escape = c == '"' || c == '\\' || c < ' ';
        if must_escape || rng.below(4) == 0 {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else if c == '/' && rng.below(2) == 0 {
            out.push_str("\\/");
        } else {
            out.push(c);
        }
    }
    out.push('"');
}

/// `time::parse_callback_timestamp`, `parse_rfc3339`, `parse_date_or_time`: deterministic; what
/// strict RFC 3339 accepts the callback parser reads as the same instant; a parsed instant
/// printed as RFC 3339 parses back to itself.
pub fn callback_timestamp(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = time::parse_callback_timestamp(text);
    assert_eq!(
        time::parse_callback_timestamp(text),
        parsed,
        "deterministic"
    );
    let strict = time::parse_rfc3339(text);
    if let Ok(t) = strict {
        assert_eq!(parsed, Ok((t, Zone::Explicit)), "RFC 3339 read differently");
    }
    if parsed.is_ok() {
        // Every spelling starts with a full `YYYY-MM-DD`.
        let date = text.as_bytes().get(..10).unwrap_or_default();
        assert!(
            date.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }),
            "accepted without a YYYY-MM-DD date: {text:?}"
        );
    }
    // RFC 3339 has years 0000 to 9999 only; an offset can move an instant out of them.
    if let Some((t, _)) = parsed
        .clone()
        .ok()
        .filter(|(t, _)| (0..=9999).contains(&t.year()))
    {
        let printed = t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        assert_eq!(time::parse_rfc3339(&printed), Ok(t), "{printed}");
        assert_eq!(
            time::parse_callback_timestamp(&printed),
            Ok((t, Zone::Explicit))
        );
        // Age arithmetic on any readable instant must not overflow (verify computes it).
        let _ = (chrono::DateTime::<chrono::Utc>::MIN_UTC - t).num_seconds();
        let _ = (chrono::DateTime::<chrono::Utc>::MAX_UTC - t).num_seconds();
    }
    match time::parse_date_or_time(text) {
        Ok(t) if text.len() == 10 => {
            assert_eq!(t.time(), chrono::NaiveTime::MIN, "a date is midnight UTC");
            assert_eq!(t.date_naive().format("%Y-%m-%d").to_string(), text);
        }
        Ok(t) => assert_eq!(strict, Ok(t), "a key-file time is strict RFC 3339"),
        Err(_) => assert!(strict.is_err()),
    }
}

/// `time::parse_duration`: accepts exactly digits with an optional `s`/`m`/`h`/`d`, with the
/// value they say; the value written as bare seconds parses to itself; what is refused for its
/// length is written as a duration.
pub fn duration(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = time::parse_duration(text);
    let (digits, unit) = match text.as_bytes().last() {
        Some(b's') => (&text[..text.len() - 1], 1),
        Some(b'm') => (&text[..text.len() - 1], 60),
        Some(b'h') => (&text[..text.len() - 1], 3600),
        Some(b'd') => (&text[..text.len() - 1], 86_400),
        _ => (text, 1),
    };
    let grammatical = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let expected = grammatical
        .then(|| digits.parse::<u128>().ok())
        .flatten()
        .and_then(|n| n.checked_mul(unit))
        .and_then(|n| i64::try_from(n).ok())
        .and_then(Duration::try_seconds);
    if let Err(time::BadDuration::TooLong(_)) = parsed {
        assert!(
            grammatical,
            "{text:?} refused as too long, not as malformed"
        );
    }
    match (parsed, expected) {
        (Ok(d), Some(e)) => {
            assert_eq!(d, e);
            assert!(d >= Duration::zero());
            let seconds = d.num_seconds().to_string();
            assert_eq!(time::parse_duration(&seconds), Ok(d), "{seconds}");
            assert_eq!(time::parse_duration(&format!("{seconds}s")), Ok(d));
        }
        (Err(_), None) => {}
        (parsed, expected) => panic!("{text:?}: parsed {parsed:?}, expected {expected:?}"),
    }
}

/// `keyfile::KeyFile::parse`: a file that parses has unique, non-empty ids, non-empty partner IDs
/// and integration lists without blank labels, a positive maximum age, and no inline key in its
/// `Debug` output; parsing is deterministic.
pub fn keyfile(data: &[u8]) {
    let path = Path::new("/fuzz/smile-keys.json");
    let first = KeyFile::parse(path, data);
    let again = KeyFile::parse(path, data);
    assert_eq!(format!("{first:?}"), format!("{again:?}"), "deterministic");
    let Ok(file) = first else {
        return;
    };
    assert!(file.policy.max_age_days >= 1);
    let mut ids = HashSet::new();
    let redacted = format!(
        "{:?}",
        SecretSource::Inline(ApiKey::new("x").expect("non-empty"))
    );
    for key in &file.keys {
        assert!(!key.id.is_empty());
        assert!(ids.insert(key.id.as_str()), "duplicate id {}", key.id);
        assert!(!key.partner_id.is_empty());
        assert!(!key.integrations.is_empty());
        assert!(key.integrations.iter().all(|l| !l.trim().is_empty()));
        if let SecretSource::Inline(api_key) = &key.secret {
            assert!(!api_key.expose().is_empty());
            assert_eq!(format!("{:?}", key.secret), redacted, "Debug shows the key");
        }
        for mute in &key.mutes {
            assert_eq!(mute.until.format("%Y-%m-%d").to_string().len(), 10);
        }
    }
    assert_eq!(file.find("\u{0}no such id\u{0}").map(|k| &k.id), None);
}

/// `request_body::parse` (`sign --body`): it reads what serde_json reads, and more only where
/// serde_json cannot hold a number; what it prints is one line of valid JSON, an object, that means
/// what the input meant and reads back to itself.
pub fn request_body(data: &[u8]) {
    let parsed = request_body::parse(data);
    // serde_json's `Value` (with `raw_value`) reads an object keyed by this token as a raw value
    // to unwrap, and so refuses valid JSON that the body reader rightly keeps (found by fuzzing).
    if memchr::memmem::find(data, b"$serde_json::private::RawValue").is_some() {
        if let Ok(body) = parsed {
            let printed = serde_json::to_string(&body).expect("raw values print");
            assert!(request_body::parse(printed.as_bytes()).is_ok(), "{printed}");
        }
        return;
    }
    let value = serde_json::from_slice::<serde_json::Value>(data);
    let body = match (parsed, &value) {
        (Ok(body), _) => body,
        (Err(BodyError::NotAnObject), Ok(value)) => {
            assert!(!value.is_object(), "an object refused as not one");
            return;
        }
        (Err(e), Ok(value)) => {
            assert!(
                !value.is_object(),
                "serde_json reads it, the body reader said {e:?}"
            );
            return;
        }
        (Err(_), Err(_)) => return,
    };
    let printed = serde_json::to_string(&body).expect("raw values print");
    assert!(!printed.contains('\n'), "{printed}");
    let again = request_body::parse(printed.as_bytes()).expect("what it prints reads back");
    assert_eq!(
        serde_json::to_string(&again).expect("raw values print"),
        printed,
        "printing is a fixed point"
    );
    match value {
        Ok(value) => assert_eq!(
            serde_json::from_str::<serde_json::Value>(&printed).ok(),
            Some(value),
            "{printed}"
        ),
        // Only a number no float holds may be read past serde_json.
        Err(e) => assert!(e.to_string().contains("number out of range"), "{e}"),
    }
}

/// `signature::DecodedSignature::parse`: accepts exactly the canonical padded standard base64 of
/// 32 bytes, and a decoded signature re-encodes to the same text; any 32 bytes round-trip.
pub fn signature(data: &[u8]) {
    if let Some(bytes) = data.first_chunk::<32>() {
        let text = STANDARD.encode(bytes);
        assert_eq!(DecodedSignature::parse(&text), Ok(DecodedSignature(*bytes)));
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match DecodedSignature::parse(text) {
        Ok(sig) => assert_eq!(STANDARD.encode(sig.0), text, "not canonical"),
        // A wrong length is counted in characters; 44 bytes, or 44 characters some of which are
        // not ASCII, are of the right length and not base64.
        Err(MalformedSignature::Length(n)) => {
            assert!(n != 44 && text.len() != 44);
            assert_eq!(n, text.chars().count());
        }
        Err(MalformedSignature::Encoding) => {
            assert!(text.len() == 44 || text.chars().count() == 44);
            // 44 characters without padding are 33 bytes: canonical, but not a signature.
            let reencoded = STANDARD
                .decode(text)
                .ok()
                .filter(|b| b.len() == 32)
                .map(|b| STANDARD.encode(b));
            assert_ne!(
                reencoded.as_deref(),
                Some(text),
                "a canonical signature refused"
            );
        }
    }
}

/// `store::ndjson::read` (what `seen import` reads the former `--seen` record with) on `data`:
/// every non-blank line is an entry or counted as skipped; a valid line after any damage is still
/// read, on a line of its own; a recognised record is never taken for anything else.
pub fn seen_file(data: &[u8]) {
    let non_blank = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .count() as u64;
    let count = |data: &[u8]| {
        let mut entries = Vec::new();
        let skipped = ndjson::read(data, 7, |chunk| {
            assert!(chunk.len() <= 7, "chunks are at most as asked");
            entries.extend(chunk);
            Ok(())
        })
        .expect("reading from memory");
        (entries, skipped.count())
    };
    let (entries, skipped) = count(data);
    assert_eq!(
        entries.len() as u64 + skipped,
        non_blank,
        "every line read or skipped"
    );
    let line = format!(
        r#"{{"timestamp":"2026-11-20T10:00:00Z","pair":"{}","body":"{}","seen_at":"2026-11-20T10:00:01Z"}}"#,
        "5a".repeat(16),
        "a5".repeat(32)
    );
    let mut more = data.to_vec();
    if !more.is_empty() && !more.ends_with(b"\n") {
        more.push(b'\n');
    }
    more.extend_from_slice(line.as_bytes());
    let (now, skipped_now) = count(&more);
    assert_eq!(
        (now.len(), skipped_now),
        (entries.len() + 1, skipped),
        "a valid line after damage must be read"
    );
    let last = now.last().expect("the valid line");
    assert_eq!(last.pair, PairId([0x5a; 16]));
    assert_eq!(last.body, replay::BodyDigest([0xa5; 32]));
    // A record whose first line is an entry is recognised as one.
    let first = data.split(|&b| b == b'\n').next().unwrap_or_default();
    if ndjson::parse_line(first).is_some() {
        assert!(ndjson::looks_like_record(data));
    }
    // Telling what `seen export` prints from the record reads the same outside bytes: it must
    // not fail on any of them (the fuzzer's check is that nothing panics).
    ndjson::looks_like_export(data);
}

/// The verdict and reason of one input against `list`, comparable across inputs.
fn judged(list: &Allowlist, input: &[u8]) -> (AddressVerdict, &'static str) {
    let check = list.check(input);
    let verdict = check.verdict();
    // The verdict is one of the three, and agrees with the reason.
    match (verdict, check.reason) {
        (AddressVerdict::Allowed, Reason::Listed)
        | (AddressVerdict::Denied, Reason::NotListed | Reason::Zoned)
        | (AddressVerdict::Invalid, Reason::Invalid(_)) => {}
        (v, r) => panic!("verdict {v:?} with reason {r:?}"),
    }
    assert!(!check.detail().is_empty());
    (verdict, check.reason.code())
}

/// Lists to judge addresses against: the built-in one, and one with IPv4 and IPv6 networks.
fn address_lists() -> [Allowlist; 2] {
    let text = "10.0.0.0/8 private\n34.240.137.52 production\n2001:db8::/32 doc\n\
                fe80::/10 link\n::/96 compat\n64:ff9b::/96 nat64\n";
    [
        Allowlist::built_in(None),
        Allowlist::parse_file(text, "fuzz".into(), "today".into()).expect("a valid list"),
    ]
}

/// Every text part holding a `.` in an address input, outside its zone: the IPv4 parts.
fn dotted_tokens(text: &str) -> impl Iterator<Item = &str> {
    let before_zone = text.split('%').next().unwrap_or_default();
    before_zone
        .split([':', '[', ']'])
        .filter(|t| t.contains('.'))
}

fn strict_dotted_quad(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            (1..=3).contains(&p.len())
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

/// `address::parse` and the `ip-check` verdict: the verdict is one of allowed/denied/invalid and
/// agrees with its reason; an accepted address's canonical form parses back to itself with the
/// same verdict; an IPv4-mapped spelling is judged exactly as its IPv4 address (both ways); what
/// std's `Ipv4Addr`/`Ipv6Addr` accept without leading zeros is read as the same address; an
/// accepted input never holds a leading-zero, short, hex or octal IPv4 part.
pub fn address(data: &[u8]) {
    let parsed = address::parse(data);
    assert_eq!(address::parse(data), parsed, "deterministic");
    let lists = address_lists();
    let verdicts: Vec<_> = lists.iter().map(|l| judged(l, data)).collect();
    let text = std::str::from_utf8(data).ok();
    let Ok(a) = parsed else {
        assert!(verdicts.iter().all(|(v, _)| *v == AddressVerdict::Invalid));
        if let Some(text) = text {
            std_agreement(text.trim());
        }
        return;
    };
    assert!(verdicts.iter().all(|(v, _)| *v != AddressVerdict::Invalid));
    // Every spelling is ASCII; only the white space around it may be Unicode's.
    let text = text.expect("an accepted address is UTF-8");
    assert!(text.trim().is_ascii(), "accepted non-ASCII {text:?}");
    for token in dotted_tokens(text.trim()) {
        assert!(
            strict_dotted_quad(token),
            "accepted {text:?} with the IPv4 part {token:?}"
        );
    }
    assert!(text.contains(['.', ':']), "accepted {text:?}");

    // Canonical form: parses back to itself, the same address, the same verdicts.
    let canonical = a.to_string();
    let again = address::parse(canonical.as_bytes())
        .unwrap_or_else(|e| panic!("canonical {canonical:?} of {text:?} refused: {e}"));
    assert_eq!(again.to_string(), canonical, "canonical form is not stable");
    assert_eq!((again.ip, again.zone, again.port), (a.ip, a.zone, None));
    for (list, verdict) in lists.iter().zip(&verdicts) {
        assert_eq!(
            judged(list, canonical.as_bytes()),
            *verdict,
            "{text:?} and its canonical form {canonical:?} judged differently"
        );
    }
    // A list holding exactly this address lets it in, unless it is zoned.
    let own = Allowlist::new(
        vec![Entry {
            net: allowlist::host_net(a.ip),
            label: None,
        }],
        "fuzz".into(),
        "today".into(),
    );
    let want = if a.zone.is_some() {
        AddressVerdict::Denied
    } else {
        AddressVerdict::Allowed
    };
    assert_eq!(judged(&own, data).0, want, "{text:?} against itself");

    // IPv4-mapped IPv6 is judged exactly as its IPv4 address, in every spelling.
    if let Ip::V4(v4) = a.ip {
        let dotted = Ipv4Addr::from(v4).to_string();
        let mapped = [
            format!("::ffff:{dotted}"),
            format!("::FFFF:{:x}:{:x}", v4 >> 16, v4 & 0xffff),
            format!("0:0:0:0:0:ffff:{dotted}"),
            format!("[::ffff:{dotted}]:443"),
        ];
        for (list, verdict) in lists.iter().zip(&verdicts) {
            let plain = judged(list, dotted.as_bytes());
            if a.zone.is_none() {
                assert_eq!(plain, *verdict, "{text:?} and {dotted} judged differently");
            }
            for spelling in &mapped {
                assert_eq!(
                    judged(list, spelling.as_bytes()),
                    plain,
                    "{spelling} and {dotted} judged differently"
                );
                let m = address::parse(spelling.as_bytes()).expect("a mapped spelling");
                assert!(m.mapped && m.ip == a.ip, "{spelling} read as {m:?}");
            }
        }
    }

    std_agreement(text.trim());
    if text.trim().parse::<IpAddr>().is_ok() {
        assert_eq!((a.port, a.zone), (None, None), "{text:?}");
    }
}

/// std's view of `text` as an address, unmapped as `address` does: for comparing refusals.
fn std_reads(text: &str) -> Option<Ip> {
    match text.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => Some(Ip::V4(v4.into())),
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            Some(if bits >> 32 == 0xffff {
                Ip::V4(bits as u32)
            } else {
                Ip::V6(bits)
            })
        }
    }
}

/// What std's `Ipv4Addr`/`Ipv6Addr` read (with no leading-zero IPv4 part), `address::parse`
/// reads as the same address.
fn std_agreement(text: &str) {
    let no_leading_zero =
        dotted_tokens(text).all(|t| t.split('.').all(|p| p.len() < 2 || !p.starts_with('0')));
    if let Some(ip) = std_reads(text).filter(|_| no_leading_zero) {
        let a = address::parse(text.as_bytes())
            .unwrap_or_else(|e| panic!("std reads {text:?} as {ip}, address refuses it: {e}"));
        assert_eq!(a.ip, ip, "{text:?}");
    }
}

/// `allowlist::Allowlist::parse_file` (`--allowlist FILE`): a parsed list printed as `allowlist`
/// prints its text (each [`Entry`]'s `Display`) parses back to the same entries; no entry has host
/// bits set and each lets its own network address in; every error names a line of the input, and
/// the line it names is refused on its own too.
pub fn allowlist_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let line_count = text.lines().count();
    let list = match Allowlist::parse_file(text, "fuzz".into(), "today".into()) {
        Ok(list) => list,
        Err(e) => {
            assert!(
                (1..=line_count).contains(&e.line),
                "error names line {} of {line_count}: {e}",
                e.line
            );
            let line = text.lines().nth(e.line - 1).unwrap_or_default();
            // The line as it stood: a byte-order mark is one only at the very start of a file,
            // so a later line keeps a line before it.
            let alone = if e.line == 1 {
                line.to_owned()
            } else {
                format!("#\n{line}")
            };
            assert_eq!(
                Allowlist::parse_file(&alone, "fuzz".into(), "today".into())
                    .err()
                    .map(|e| e.error),
                Some(e.error.clone()),
                "line {} alone is not refused the same way: {line:?}",
                e.line
            );
            assert!(!e.to_string().contains('\n'), "a multi-line error: {e}");
            return;
        }
    };
    for entry in list.entries() {
        assert_eq!(entry.net.trunc(), entry.net, "host bits set: {}", entry.net);
        if let Some(label) = &entry.label {
            assert!(
                !label.is_empty() && label.trim() == label,
                "label {label:?}"
            );
            assert!(!label.chars().any(char::is_control), "label {label:?}");
        }
        let network = match entry.net.network() {
            IpAddr::V4(v4) => Ip::V4(v4.into()),
            IpAddr::V6(v6) => Ip::V6(v6.into()),
        };
        let found = list
            .find(network)
            .unwrap_or_else(|| panic!("{} does not let {network} in", entry.net));
        assert!(found.net.contains(&entry.net.network()));
        assert!(
            found.net.prefix_len() >= entry.net.prefix_len(),
            "not the most specific"
        );
    }
    let printed: String = list.entries().iter().map(|e| format!("{e}\n")).collect();
    let again = Allowlist::parse_file(&printed, "fuzz".into(), "today".into())
        .unwrap_or_else(|e| panic!("the printed list is refused: {e}\n{printed}"));
    assert_eq!(
        again.entries(),
        list.entries(),
        "round trip changed entries"
    );
}

/// Splits fuzz input into a peer, X-Forwarded-For values and trusted networks: line 1 is the
/// peer, line 2 the header values separated by `|`, later lines trusted networks (at most four;
/// host bits are cleared rather than refused, so more inputs get a usable list).
fn proxy_parts(text: &str) -> (&str, Vec<&str>, Vec<IpNet>) {
    let mut lines = text.split('\n');
    let peer = lines.next().unwrap_or_default();
    let header: Vec<&str> = match lines.next() {
        Some(line) => line.split('|').collect(),
        None => Vec::new(),
    };
    let trusted = lines
        .take(4)
        .filter_map(|line| match allowlist::parse_net(line.trim()) {
            Ok(net) => Some(net),
            Err(EntryError::HostBitsSet(net)) => Some(net),
            Err(_) => None,
        })
        .collect();
    (peer, header, trusted)
}

/// `proxy::client` (the X-Forwarded-For walk): the chosen client is the peer or one of the
/// header's hops, as written; an untrusted peer is the client whatever the header says; the
/// chosen client is a trusted address only when every hop (and the peer) is trusted, or when the
/// hop left of it is no address (where nginx stops); the hops passed over are all trusted and
/// counted; an IPv4 peer spelled IPv4-mapped is chosen the same way.
pub fn proxy_chain(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (peer, header, trusted) = proxy_parts(text);
    let choice = proxy::client(peer, &header, &trusted);
    assert_eq!(
        proxy::client(peer, &header, &trusted),
        choice,
        "deterministic"
    );
    let is_trusted = |a: &address::Address<'_>| trusted.iter().any(|n| n.contains(&a.ip.to_std()));
    let hops = proxy::hops(&header);
    let read = match choice.hop {
        Hop::Peer => address::parse(choice.text.as_bytes()),
        Hop::ForwardedFor(_) => proxy::read_hop(choice.text),
    };
    assert_eq!(choice.address, read, "read as the walk reads it");
    let peer_parsed = address::parse(peer.trim().as_bytes());
    let chosen_at = match choice.hop {
        Hop::Peer => {
            assert_eq!(choice.text, peer.trim(), "the peer, as written");
            None
        }
        Hop::ForwardedFor(n) => {
            assert!(
                (1..=hops.len()).contains(&n),
                "hop {n} of {} hops",
                hops.len()
            );
            assert_eq!(choice.text, hops[n - 1], "hop {n}, as written");
            Some(n - 1)
        }
    };
    match &peer_parsed {
        Err(_) => assert_eq!((choice.hop, choice.why), (Hop::Peer, Why::Unreadable)),
        Ok(p) if !is_trusted(p) => {
            assert_eq!(
                (choice.hop, choice.why, choice.skipped),
                (Hop::Peer, Why::PeerNotTrusted, 0),
                "an untrusted peer's header was read"
            );
        }
        Ok(_) => assert_ne!(choice.why, Why::PeerNotTrusted),
    }
    let hop_trusted = |h: &str| proxy::read_hop(h).is_ok_and(|a| is_trusted(&a));
    // The hops right of the chosen one, which the walk went past.
    let right = &hops[chosen_at.map_or(hops.len(), |at| at + 1)..];
    if let Ok(a) = &choice.address
        && is_trusted(a)
        && choice.why != Why::StoppedAtUnreadable
    {
        assert!(
            peer_parsed.as_ref().is_ok_and(is_trusted) && hops.iter().all(|h| hop_trusted(h)),
            "trusted {} chosen though not every hop is trusted: {:?}",
            choice.text,
            choice.why
        );
        assert!(matches!(choice.why, Why::AllTrusted | Why::NoForwardedFor));
    }
    if choice.why == Why::StoppedAtUnreadable {
        // The walk stopped at a trusted hop (or the peer) because the next one left is no
        // address; everything right of it was trusted and passed over.
        let left = chosen_at.unwrap_or(hops.len());
        assert!(left > 0, "stopped with no hop left of it");
        assert!(
            proxy::read_hop(hops[left - 1]).is_err_and(|e| !e.is_ambiguous()),
            "stopped at a hop that is an address, or an ambiguous one"
        );
        assert!(choice.address.as_ref().is_ok_and(is_trusted));
        assert!(
            right.iter().all(|h| hop_trusted(h)),
            "skipped an untrusted hop"
        );
        assert_eq!(choice.skipped, right.len(), "skipped count");
    }
    match choice.why {
        Why::FirstUntrusted | Why::Unreadable if chosen_at.is_some() => {
            if choice.why == Why::Unreadable {
                assert!(
                    choice.address.is_err_and(|e| e.is_ambiguous()),
                    "a hop is no client only when parsers read it differently"
                );
            }
            assert!(
                right.iter().all(|h| hop_trusted(h)),
                "skipped an untrusted hop"
            );
            assert_eq!(choice.skipped, right.len(), "skipped count");
        }
        // Checked above.
        Why::StoppedAtUnreadable => {}
        Why::AllTrusted => {
            assert_eq!(chosen_at, Some(0));
            assert!(hops.iter().all(|h| hop_trusted(h)));
            assert_eq!(choice.skipped, hops.len() - 1);
        }
        Why::NoForwardedFor => assert!(hops.is_empty()),
        _ => assert_eq!(choice.hop, Hop::Peer),
    }
    // A dual-stack listener reports an IPv4 peer as ::ffff:a.b.c.d: the same walk.
    if let Ok(p) = &peer_parsed
        && let Ip::V4(v4) = p.ip
        && p.zone.is_none()
        && !p.mapped
        && p.port.is_none()
    {
        let mapped = format!("::ffff:{}", Ipv4Addr::from(v4));
        let other = proxy::client(&mapped, &header, &trusted);
        assert_eq!(
            (other.hop, other.why, other.skipped),
            (choice.hop, choice.why, choice.skipped),
            "peer {mapped} walked differently"
        );
    }
}

/// Characters that end a line for some reader of a snippet: YAML 1.1 (Kubernetes) also breaks at
/// NEL, LS and PS; shells and nginx at `\n`; `\r` confuses all of them.
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// The rendered text with every `#` comment cut off each line.
fn without_comments(text: &str) -> Vec<&str> {
    text.split('\n')
        .map(|l| l.split('#').next().unwrap_or_default())
        .collect()
}

/// `snippet::render` on a parsed `--allowlist FILE`: no label or file name, in the header's
/// source or its command, ends a line (no line break but `\n` in the output), and a label changes nothing outside `#` comments: with every
/// label replaced by a plain word, each format has the same lines, and the same text outside
/// comments (iptables, whose labels are in quoted strings, has the same lines).
pub fn snippet(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The file name is outside input too: take it from the first line.
    let source = text.split('\n').next().unwrap_or_default().to_owned();
    let Ok(list) = Allowlist::parse_file(text, source.clone(), "today".into()) else {
        return;
    };
    let mut names: Vec<&str> = Vec::new();
    let plain: Vec<Entry> = list
        .entries()
        .iter()
        .map(|e| Entry {
            net: e.net,
            label: e.label.as_deref().map(|l| {
                let i = names.iter().position(|n| *n == l).unwrap_or_else(|| {
                    names.push(l);
                    names.len() - 1
                });
                format!("label{i}")
            }),
        })
        .collect();
    // The stamp's command names the file as `allowlist` writes it there.
    let command = format!(
        "smile-sec allowlist --allowlist {}",
        crate::shell::word_on_one_line(source.as_bytes())
    );
    let plain = Allowlist::new(plain, source, "today".into());
    let stamp = snippet::Stamp {
        scope: "entries of fuzz",
        command: &command,
        port: 8443,
    };
    for target in [
        snippet::Target::Nginx,
        snippet::Target::Apache,
        snippet::Target::Iptables,
        snippet::Target::Nftables,
        snippet::Target::Haproxy,
        snippet::Target::Kubernetes,
    ] {
        let out = snippet::render(&list, target, &stamp);
        let reference = snippet::render(&plain, target, &stamp);
        assert!(out.ends_with('\n'));
        if let Some(c) = out.chars().find(|&c| c != '\n' && is_line_break(c)) {
            panic!("{target:?}: a line break {c:?} in the output:\n{out}");
        }
        assert_eq!(
            out.lines().count(),
            reference.lines().count(),
            "{target:?}: a label added lines:\n{out}"
        );
        if target == snippet::Target::Iptables {
            // A comment stays one double-quoted word for iptables-restore: its `"` are escaped.
            for line in out.lines().filter(|l| !l.starts_with('#')) {
                let mut quotes = 0;
                let mut chars = line.chars();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => quotes += 1,
                        _ => {}
                    }
                }
                assert!(
                    quotes == 0 || quotes == 2,
                    "a label broke its quotes:\n{line}"
                );
            }
        }
        if target != snippet::Target::Iptables {
            assert_eq!(
                without_comments(&out),
                without_comments(&reference),
                "{target:?}: a label changed text outside comments"
            );
        }
    }
}

/// `allowlist fetch`'s reading of a page (HTML or text): never a panic; every address it takes is
/// written in the page; never half a list; and the allowlist file it writes reads back as the
/// same entries, whatever the source's name holds.
pub fn published_page(data: &[u8]) {
    let Ok(page) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(found) = Published::from_page(page) else {
        return;
    };
    assert_eq!(Published::from_page(page).as_ref(), Ok(&found));
    assert!(!found.production.is_empty() && !found.sandbox.is_empty());
    // Written as it is in a text copy; in HTML, markup and references may stand between its
    // characters (`34.240.137.5<span>2</span>`, `&#46;`), which still come in order, as do the
    // groups of an IPv6 address other than zeros, in whatever spelling (`2600:0:0::1` and
    // `1:2:3:4:5:6::8` are `2600::1` and `1:2:3:4:5:6:0:8`).
    let markup = page.contains(['<', '&']);
    // Markdown's escaped dot (`34\.240`) shows as a dot.
    let shown = page.to_ascii_lowercase().replace("\\.", ".");
    for (ip, _) in found.entries() {
        let markup = markup || ip.is_ipv6();
        let text = match ip {
            IpAddr::V4(_) => ip.to_string(),
            IpAddr::V6(_) => ip
                .to_string()
                .split(':')
                .filter(|group| !group.is_empty() && *group != "0")
                .collect::<Vec<_>>()
                .join(":"),
        };
        let in_order = || {
            let mut rest = page.chars();
            text.chars()
                .all(|c| rest.any(|p| p.to_ascii_lowercase() == c || (c == '.' && p == '&')))
        };
        assert!(
            shown.contains(&text) || (markup && in_order()),
            "{ip} is not in the page"
        );
    }
    let source = page.split('\n').next().unwrap_or_default();
    let file = found.to_allowlist_file(source, "2027-01-01T00:00:00Z");
    let list = Allowlist::parse_file(&file, "fetched".into(), "today".into())
        .unwrap_or_else(|e| panic!("the written list does not read back: {e:?}\n{file}"));
    let read_back: Vec<(String, Option<String>)> = list
        .entries()
        .iter()
        .map(|e| (e.net.to_string(), e.label.clone()))
        .collect();
    let written: Vec<(String, Option<String>)> = found
        .entries()
        .map(|(ip, env)| (IpNet::from(ip).to_string(), Some(env.as_str().to_owned())))
        .collect();
    assert_eq!(read_back, written);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_raw_value_token_is_found_only_as_an_objects_first_key() {
        let found = |json: &str| leads_an_object_with_the_raw_value_token(json.as_bytes());
        assert!(found(r#"{"$serde_json::private::RawValue":"x"}"#));
        assert!(found(
            r#"[1, {"a": {"\u0024serde_json::private::RawValue": 2}}]"#
        ));
        assert!(!found(r#"{"a":1,"$serde_json::private::RawValue":"x"}"#));
        assert!(!found(r#"{"$serde_json::private::RawValue":"x"} trailing"#));
        assert!(!found(r#"{"a":"$serde_json::private::RawValue"}"#));
    }
}
