//! The fast path for reading a callback: one pass over the bytes that checks the JSON grammar and
//! picks out the top-level `signature` and `timestamp`, without building anything.
//!
//! It answers only when it is sure. Whatever it does not fully handle (a value that is not an
//! object, an escaped top-level key, a `\u` surrogate, deep nesting, any error) gets `None`, and
//! the caller asks [`payload::parse_item`], the serde_json reader that
//! defines what the input means. So this module needs one property only: when it answers,
//! `parse_item` gives the same answer. Held to it by the fuzz target `fast_scan` (and a property
//! test). Kept while it beats both serde_json and sonic-rs (a SIMD JSON reader with runtime CPU
//! detection) at this job: `cargo bench --bench payload` compares the three (PERFORMANCE.md).

use std::borrow::Cow;

use crate::ingest::fast::classify::{classify, prefix_xor};
use crate::ingest::payload::{self, Field, Signed, SignedField};

/// Nesting handled here (one bit of a `u64` per level); deeper values, up to
/// [`MAX_NESTING`](crate::ingest::payload::MAX_NESTING), go to serde_json.
const MAX_DEPTH: u32 = 63;

/// The signed fields of `json` when it is exactly one valid JSON object; `None` when the slow path
/// must decide.
///
/// One loop with the position in a local, and an explicit stack of container kinds, not a
/// recursive descent: the position then stays in a register (about 300 ns a callback, against
/// 500 for the recursive form).
pub fn signed_fields(json: &[u8]) -> Option<Signed<'_>> {
    // One UTF-8 check for the whole item (fast for ASCII); spans below are cut at ASCII bytes.
    let text = std::str::from_utf8(json).ok()?;
    let bytes = text.as_bytes();
    let marks = Marks::of(bytes);
    let marks = marks.as_ref();
    let mut signed = Signed {
        signature: Field::Missing,
        timestamp: Field::Missing,
    };
    let mut at = space(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    // Bit d of `objects`: the container at depth d + 1 is an object (else an array).
    let (mut objects, mut depth) = (1u64, 1u32);
    at = space(bytes, at + 1);
    // Whether `at` is past a value (or inside an empty container), so that a comma or a close
    // comes next.
    let mut after_value = bytes.get(at) == Some(&b'}');
    loop {
        if !after_value {
            // A member or an element, at `at`.
            if objects >> (depth - 1) & 1 == 1 {
                if bytes.get(at) != Some(&b'"') {
                    return None;
                }
                let (end, escaped) = string(bytes, marks, at)?;
                let key = &bytes[at + 1..end - 1];
                at = space(bytes, end);
                if bytes.get(at) != Some(&b':') {
                    return None;
                }
                at = space(bytes, at + 1);
                if depth == 1 {
                    // An escaped key might spell `signature`: serde_json decides those.
                    if escaped {
                        return None;
                    }
                    if let Some(which) = SignedField::named(key) {
                        let slot = signed.field(which);
                        // A duplicate is an error; serde_json words it.
                        if *slot != Field::Missing {
                            return None;
                        }
                        *slot = Field::NotString;
                        if bytes.get(at) == Some(&b'"') {
                            let (end, escaped) = string(bytes, marks, at)?;
                            let raw = &text[at..end];
                            *slot = Field::Str(if escaped {
                                Cow::Owned(serde_json::from_str(raw).ok()?)
                            } else {
                                Cow::Borrowed(&raw[1..raw.len() - 1])
                            });
                            at = end;
                            after_value = true;
                        }
                    }
                }
            }
            if !after_value {
                match *bytes.get(at)? {
                    b'"' => at = string(bytes, marks, at)?.0,
                    open @ (b'{' | b'[') => {
                        if depth == MAX_DEPTH {
                            return None;
                        }
                        objects = objects & !(1 << depth) | u64::from(open == b'{') << depth;
                        depth += 1;
                        at = space(bytes, at + 1);
                        after_value = bytes.get(at) == Some(&(open + 2)); // `}` or `]`
                        if !after_value {
                            continue;
                        }
                    }
                    b't' => at = literal(bytes, at, b"true")?,
                    b'f' => at = literal(bytes, at, b"false")?,
                    b'n' => at = literal(bytes, at, b"null")?,
                    _ => at = number(bytes, at)?,
                }
            }
        }
        // After a value (or at the close of an empty container): a comma or closes.
        after_value = false;
        loop {
            let close = if objects >> (depth - 1) & 1 == 1 {
                b'}'
            } else {
                b']'
            };
            at = space(bytes, at);
            match bytes.get(at) {
                Some(b',') => {
                    at = space(bytes, at + 1);
                    break;
                }
                Some(&b) if b == close => {
                    at += 1;
                    depth -= 1;
                    if depth == 0 {
                        return (space(bytes, at) == bytes.len()).then_some(signed);
                    }
                }
                _ => return None,
            }
        }
    }
}

/// Past the string whose opening quote is at `at`, and whether it has escapes.
#[inline(always)]
fn string(bytes: &[u8], marks: Option<&Marks>, at: usize) -> Option<(usize, bool)> {
    match marks {
        // No backslash: the string ends at the next quote (and holds no control character).
        Some(marks) => Some((marks.next_quote(at + 1)? + 1, false)),
        None => escaped_string(bytes, at),
    }
}

/// Past JSON white space from `at`.
#[inline(always)]
pub(crate) fn space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|&b| payload::is_space(b)) {
        at += 1;
    }
    at
}

pub(crate) fn literal(bytes: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    bytes[at..].starts_with(word).then_some(at + word.len())
}

/// Past the number at `at`: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
pub(crate) fn number(bytes: &[u8], mut at: usize) -> Option<usize> {
    let digits = |mut at: usize| {
        while let Some(b'0'..=b'9') = bytes.get(at) {
            at += 1;
        }
        at
    };
    let some_digits = |at: usize| Some(digits(at)).filter(|&end| end > at);
    if bytes.get(at) == Some(&b'-') {
        at += 1;
    }
    at = match bytes.get(at)? {
        b'0' => at + 1,
        b'1'..=b'9' => digits(at),
        _ => return None,
    };
    if bytes.get(at) == Some(&b'.') {
        at = some_digits(at + 1)?;
    }
    if let Some(b'e' | b'E') = bytes.get(at) {
        at += 1;
        if let Some(b'+' | b'-') = bytes.get(at) {
            at += 1;
        }
        at = some_digits(at)?;
    }
    Some(at)
}

/// Past the string whose opening quote is at `at`, byte by byte (for items with a backslash):
/// no raw control characters, only JSON's escapes, no `\u` surrogate. Says whether it has escapes.
fn escaped_string(bytes: &[u8], mut at: usize) -> Option<(usize, bool)> {
    at += 1;
    let mut escaped = false;
    loop {
        at += special_byte(&bytes[at..])?;
        match bytes[at] {
            b'"' => return Some((at + 1, escaped)),
            b'\\' => {
                escaped = true;
                at = escape(bytes, at)?;
            }
            _ => return None, // a control character
        }
    }
}

/// Past the escape whose backslash is at `at`.
fn escape(bytes: &[u8], at: usize) -> Option<usize> {
    match *bytes.get(at + 1)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(at + 2),
        b'u' => {
            let hex = std::str::from_utf8(bytes.get(at + 2..at + 6)?).ok()?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let unit = u16::from_str_radix(hex, 16).ok()?;
            // Pairs and lone halves are serde_json's to judge.
            (!(0xD800..0xE000).contains(&unit)).then_some(at + 6)
        }
        _ => None,
    }
}

/// Items up to this many 64-byte words get [`Marks`]; longer ones are scanned string by string.
const MARK_WORDS: usize = 48;

/// A bit map of an item's quotes (bit `i % 64` of word `i / 64` for byte `i`), made a block at a
/// time. With no backslash in the item, every quote opens or closes a string, so finding a
/// string's end is a bit search instead of a scan of its bytes; and the control characters inside
/// strings are found for all strings at once.
struct Marks {
    quotes: [u64; MARK_WORDS],
    words: usize,
}

impl Marks {
    /// `None` when the item holds a backslash, or a control character inside a string (by the
    /// quotes' count), or is too long.
    fn of(bytes: &[u8]) -> Option<Marks> {
        let words = bytes.len().div_ceil(64);
        if words > MARK_WORDS {
            return None;
        }
        let mut marks = Marks {
            quotes: [0; MARK_WORDS],
            words,
        };
        // Bad bytes: backslashes anywhere, control characters inside strings.
        let mut bad = 0;
        // Whether the words so far left a string open.
        let mut open = 0u64;
        let mut blocks = bytes.chunks_exact(64);
        let mut mark = |word: usize, block: &[u8; 64]| {
            let masks = classify(block);
            let inside = prefix_xor(masks.quotes) ^ open.wrapping_neg();
            open = inside >> 63;
            marks.quotes[word] = masks.quotes;
            bad |= masks.backslashes | (masks.controls & inside);
        };
        for (word, block) in blocks.by_ref().enumerate() {
            mark(word, block.try_into().expect("64 bytes"));
        }
        let rest = blocks.remainder();
        if !rest.is_empty() {
            // Padding is neither a quote, a control character nor a backslash.
            let mut padded = [b' '; 64];
            padded[..rest.len()].copy_from_slice(rest);
            mark(words - 1, &padded);
        }
        (bad == 0).then_some(marks)
    }

    /// The first quote at or after `from`.
    #[inline(always)]
    fn next_quote(&self, from: usize) -> Option<usize> {
        let quotes = &self.quotes[..self.words];
        let mut word = from / 64;
        let mut bits = *quotes.get(word)? & (!0 << (from % 64));
        while bits == 0 {
            word += 1;
            bits = *quotes.get(word)?;
        }
        Some(word * 64 + bits.trailing_zeros() as usize)
    }
}

/// The offset of the first `"`, `\` or control character in `bytes` (the bytes a JSON string must
/// escape): eight bytes at a time, since string contents are most of a callback.
#[inline]
pub fn special_byte(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Bytes below `n` (n ≤ 0x80) get their high bit set; the lowest flagged byte is exact.
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let found = below(word, 0x20)
            | below(word ^ (ONES * u64::from(b'"')), 1)
            | below(word ^ (ONES * u64::from(b'\\')), 1);
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    bytes[at..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(json: &str) -> Option<(Field<'_>, Field<'_>)> {
        signed_fields(json.as_bytes()).map(|s| (s.signature, s.timestamp))
    }

    fn s(text: &str) -> Field<'_> {
        Field::Str(Cow::Borrowed(text))
    }

    #[test]
    fn picks_out_the_signed_fields() {
        assert_eq!(
            fields(r#" {"a":[1,-2.5e+3,{"b":null}],"signature":"c2ln","x":true,"timestamp":"t"} "#),
            Some((s("c2ln"), s("t")))
        );
        assert_eq!(
            fields("{\"signature\":5,\"timestamp\":\"a\\/b\"}\r\n"),
            Some((Field::NotString, Field::Str(Cow::Owned("a/b".into()))))
        );
        assert_eq!(fields("{}"), Some((Field::Missing, Field::Missing)));
    }

    #[test]
    fn leaves_everything_else_to_serde_json() {
        for json in [
            "[1]",
            "5",
            "",
            "{",
            r#"{"a":1,}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":-}"#,
            r#"{"a":tru}"#,
            r#"{"a":"x"} x"#,
            "{\"a\":\"tab\there\"}",
            r#"{"a":"\x"}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"sign\u0061ture":"x"}"#,
            r#"{"signature":"a","signature":"b"}"#,
            "{\"a\":\"\u{feff}\"}\u{feff}",
        ] {
            assert_eq!(fields(json), None, "{json}");
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(70), "]".repeat(70));
        assert_eq!(fields(&deep), None);
        assert_eq!(signed_fields(b"{\"a\":\"\xff\"}").map(drop), None);
    }

    #[test]
    fn marks_find_quotes_and_control_characters_across_blocks() {
        assert_eq!(prefix_xor(0b1001_0010), !0 << 7 | 0b1110);
        for len in [1, 15, 16, 17, 63, 64, 65, 200] {
            for at in 0..len {
                let mut bytes = vec![b'a'; len];
                bytes[at] = b'"';
                let marks = Marks::of(&bytes).unwrap();
                assert_eq!(marks.next_quote(0), Some(at));
                assert_eq!(marks.next_quote(at), Some(at));
                assert_eq!(marks.next_quote(at + 1), None);
                // A control character inside a string, or outside: only the first is refused.
                let mut string = vec![b'a'; len + 2];
                (string[0], string[len + 1], string[at + 1]) = (b'"', b'"', b'\t');
                assert!(Marks::of(&string).is_none(), "a tab at {at} of {len}");
                bytes[at] = b'\t';
                assert!(Marks::of(&bytes).is_some(), "a tab outside strings");
                bytes[at] = b'\\';
                assert!(Marks::of(&bytes).is_none(), "a backslash at {at} of {len}");
            }
        }
        assert!(Marks::of(&vec![b'a'; 64 * MARK_WORDS + 1]).is_none());
        // Long items take the byte scan, with the same answers.
        let long = format!(
            "{{\"signature\":\"s\",\"x\":\"{}\"}}",
            "y".repeat(64 * MARK_WORDS)
        );
        assert_eq!(fields(&long), Some((s("s"), Field::Missing)));
        assert_eq!(fields(&long.replace('y', "\t")), None);
    }

    #[test]
    fn special_bytes_are_found_wherever_they_sit() {
        for len in 0..20 {
            for (at, special) in (0..len).flat_map(|at| [(at, b'"'), (at, b'\\'), (at, 0x1f)]) {
                let mut bytes = vec![b'a'; len];
                bytes[at] = special;
                assert_eq!(special_byte(&bytes), Some(at));
            }
            assert_eq!(special_byte(&vec![0xC3; len]), None);
        }
    }
}
