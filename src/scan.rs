//! The fast path for reading a callback: one pass over the bytes that checks the JSON grammar and
//! picks out the top-level `signature` and `timestamp`, without building anything.
//!
//! It answers only when it is sure. Whatever it does not fully handle (a value that is not an
//! object, an escaped top-level key, a `\u` surrogate, deep nesting, any error) gets `None`, and
//! the caller asks [`payload::parse_item`](crate::payload::parse_item), the serde_json reader that
//! defines what the input means. So this module needs one property only, checked by a fuzz target
//! and a property test: when it answers, `parse_item` gives the same answer.

use std::borrow::Cow;

use crate::payload::{Field, Signed};

/// Nesting handled here; deeper values go to serde_json (whose own limit is 128).
const MAX_DEPTH: u32 = 64;

/// The signed fields of `json` when it is exactly one valid JSON object; `None` when the slow path
/// must decide.
pub fn signed_fields(json: &[u8]) -> Option<Signed<'_>> {
    // One UTF-8 check for the whole item (fast for ASCII); spans below are cut at ASCII bytes.
    let text = std::str::from_utf8(json).ok()?;
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        at: 0,
    };
    scanner.space();
    scanner.byte(b'{')?;
    let mut signed = Signed {
        signature: Field::Missing,
        timestamp: Field::Missing,
    };
    scanner.space();
    if !scanner.eat(b'}') {
        loop {
            scanner.space();
            let key = scanner.string()?;
            scanner.space();
            scanner.byte(b':')?;
            scanner.space();
            // An escaped key might spell `signature`: serde_json decides those.
            if key.escaped {
                return None;
            }
            let slot = match &text[key.start + 1..key.end - 1] {
                "signature" => Some(&mut signed.signature),
                "timestamp" => Some(&mut signed.timestamp),
                _ => None,
            };
            match slot {
                // A duplicate is an error; serde_json words it.
                Some(slot) if *slot != Field::Missing => return None,
                Some(slot) if scanner.peek() == Some(b'"') => {
                    let value = scanner.string()?;
                    let raw = &text[value.start..value.end];
                    *slot = Field::Str(if value.escaped {
                        Cow::Owned(serde_json::from_str(raw).ok()?)
                    } else {
                        Cow::Borrowed(&raw[1..raw.len() - 1])
                    });
                }
                Some(slot) => {
                    scanner.value(1)?;
                    *slot = Field::NotString;
                }
                None => scanner.value(1)?,
            }
            scanner.space();
            if scanner.eat(b'}') {
                break;
            }
            scanner.byte(b',')?;
        }
    }
    scanner.space();
    (scanner.at == scanner.bytes.len()).then_some(signed)
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// Where a string sits, quotes included.
struct Span {
    start: usize,
    end: usize,
    escaped: bool,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let hit = self.peek() == Some(byte);
        self.at += usize::from(hit);
        hit
    }

    fn byte(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// One value of any kind, at nesting `depth`.
    fn value(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.container(depth, b'}', true),
            b'[' => self.container(depth, b']', false),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number(),
        }
    }

    fn container(&mut self, depth: u32, close: u8, object: bool) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.at += 1;
        self.space();
        if self.eat(close) {
            return Some(());
        }
        loop {
            self.space();
            if object {
                self.string()?;
                self.space();
                self.byte(b':')?;
                self.space();
            }
            self.value(depth + 1)?;
            self.space();
            if self.eat(close) {
                return Some(());
            }
            self.byte(b',')?;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let rest = self.bytes.get(self.at..)?;
        rest.starts_with(word).then(|| self.at += word.len())
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Option<()> {
        self.eat(b'-');
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.eat(b'.') {
            self.some_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.some_digits()?;
        }
        Some(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }

    fn some_digits(&mut self) -> Option<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }

    /// A string at the cursor: no raw control characters, only JSON's escapes, no `\u` surrogate.
    fn string(&mut self) -> Option<Span> {
        let start = self.at;
        self.byte(b'"')?;
        let mut escaped = false;
        loop {
            self.at += special_byte(&self.bytes[self.at..])?;
            match self.bytes[self.at] {
                b'"' => {
                    self.at += 1;
                    return Some(Span {
                        start,
                        end: self.at,
                        escaped,
                    });
                }
                b'\\' => {
                    escaped = true;
                    self.escape()?;
                }
                _ => return None, // a control character
            }
        }
    }

    /// The escape at the cursor (on its backslash).
    fn escape(&mut self) -> Option<()> {
        match *self.bytes.get(self.at + 1)? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 2,
            b'u' => {
                let hex = self.bytes.get(self.at + 2..self.at + 6)?;
                let text = std::str::from_utf8(hex).ok()?;
                if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                let unit = u16::from_str_radix(text, 16).ok()?;
                // Pairs and lone halves are serde_json's to judge.
                if (0xD800..0xE000).contains(&unit) {
                    return None;
                }
                self.at += 6;
            }
            _ => return None,
        }
        Some(())
    }
}

/// The offset of the first `"`, `\` or control character in `bytes` (the bytes a JSON string must
/// escape): eight bytes at a time, since string contents are most of a callback.
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
