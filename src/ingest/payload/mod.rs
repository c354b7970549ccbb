//! Saved callbacks as they arrive on disk or stdin: framing (one object, a JSON array of objects,
//! or NDJSON) and the extraction of the fields `verify` checks.
//!
//! Everything here streams: one item is in memory at a time, and an item larger than
//! [`MAX_ITEM_BYTES`] is reported and skipped without being buffered. Cryptography and verdicts
//! live in `callbacks`. Items are numbered by one rule, `LoneItem`'s.
//!
//! This module holds what an item is and how a source is laid out ([`layout`]); `array` reads a
//! top-level array ([`read_array`]) and `lines` everything else ([`frame_lines`]).

use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead};

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

mod array;
mod lines;
use lines::read_lines;

use crate::input::BOM;

pub use array::read_array;
pub(crate) use lines::starts_value;
pub use lines::{frame_lines, opens_value, too_large};

/// The largest single callback accepted. Real Smile ID job results are a few kilobytes; the limit
/// keeps a hostile file from making us buffer gigabytes.
pub const MAX_ITEM_BYTES: usize = 16 << 20;

/// The deepest nesting serde_json reads into typed values (127 levels; a unit test holds it to
/// that). Raw and ignored values have no such limit, so each reader states its own bound relative
/// to this one.
pub(crate) const MAX_NESTING: u32 = 127;

/// A string field of a callback as it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field<'a> {
    Missing,
    /// Present, but `null`, a number, an object...: not a string.
    NotString,
    Str(Cow<'a, str>),
}

impl Field<'_> {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Field::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// The two top-level fields a callback's signature covers, as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed<'a> {
    pub signature: Field<'a>,
    pub timestamp: Field<'a>,
}

/// Which of the two signed top-level fields a key names. The one place their names are spelt:
/// the reference reader here, the fast scan and the canonical body all ask it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignedField {
    Signature,
    Timestamp,
}

impl SignedField {
    #[inline(always)]
    pub(crate) fn named(key: &[u8]) -> Option<SignedField> {
        match key {
            b"signature" => Some(SignedField::Signature),
            b"timestamp" => Some(SignedField::Timestamp),
            _ => None,
        }
    }
}

impl<'a> Signed<'a> {
    pub(crate) fn field(&mut self, which: SignedField) -> &mut Field<'a> {
        match which {
            SignedField::Signature => &mut self.signature,
            SignedField::Timestamp => &mut self.timestamp,
        }
    }
}

/// A callback object: the two signed fields and the rest of the body, left unparsed.
#[derive(Debug)]
pub struct Callback<'a> {
    pub signed: Signed<'a>,
    /// Every other top-level member, in document order, as raw JSON (for the body digest).
    pub body: Vec<(Cow<'a, str>, &'a RawValue)>,
}

/// What one framed item turned out to be.
#[derive(Debug)]
pub enum Item<'a> {
    Callback(Callback<'a>),
    /// Valid JSON, but not an object.
    NotAnObject,
    /// Not valid JSON (or too large); the message says where and why.
    ParseError(String),
}

/// Parses one JSON value as a callback.
pub fn parse_item(json: &[u8]) -> Item<'_> {
    match serde_json::from_slice::<Parsed<'_>>(json) {
        Ok(Parsed::Object(callback)) => Item::Callback(callback),
        Ok(Parsed::Other) => Item::NotAnObject,
        Err(e) => Item::ParseError(within_item(&e)),
    }
}

/// serde_json's words for an error in one item read alone, whose line and column count from the
/// item's first byte, not the source's: said so, since the item's own number (an NDJSON line)
/// sits beside them in every message.
fn within_item(e: &serde_json::Error) -> String {
    match e.line() {
        0 => e.to_string(),
        _ => format!("{e} of the item"),
    }
}

enum Parsed<'a> {
    Object(Callback<'a>),
    Other,
}

impl<'de> de::Deserialize<'de> for Parsed<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ParsedVisitor)
    }
}

struct ParsedVisitor;

macro_rules! not_an_object {
    ($($name:ident: $ty:ty),*) => {
        $(fn $name<E: de::Error>(self, _: $ty) -> Result<Self::Value, E> { Ok(Parsed::Other) })*
    };
}

impl<'de> Visitor<'de> for ParsedVisitor {
    type Value = Parsed<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    not_an_object!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64, visit_str: &str);

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Parsed::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Parsed::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut callback = Callback {
            signed: Signed {
                signature: Field::Missing,
                timestamp: Field::Missing,
            },
            // A Smile ID job result has a dozen or so top-level members: grow once at most.
            body: Vec::with_capacity(16),
        };
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let Some(which) = SignedField::named(key.as_bytes()) else {
                callback.body.push((key, map.next_value()?));
                continue;
            };
            let slot = callback.signed.field(which);
            // Two `signature` members would let two parsers disagree on which one was checked.
            if *slot != Field::Missing {
                return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
            }
            *slot = map.next_value::<FieldValue<'de>>()?.0;
        }
        Ok(Parsed::Object(callback))
    }
}

struct FieldValue<'a>(Field<'a>);

impl<'de> de::Deserialize<'de> for FieldValue<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = <Cow<'de, RawValue>>::deserialize(deserializer)?;
        // Strings are re-read from the raw text so that escapes (PHP sends `\/`) are decoded.
        Ok(FieldValue(match value.get().as_bytes().first() {
            Some(b'"') => match value {
                Cow::Borrowed(raw) => {
                    Field::Str(serde_json::from_str(raw.get()).map_err(de::Error::custom)?)
                }
                Cow::Owned(raw) => Field::Str(Cow::Owned(
                    serde_json::from_str(raw.get()).map_err(de::Error::custom)?,
                )),
            },
            _ => Field::NotString,
        }))
    }
}

/// The line an item started on (NDJSON, one object) or its position in a top-level array.
pub type ItemNumber = u64;

/// The number of a line-laid-out source's only item, wherever it starts.
pub(crate) const LONE_ITEM: ItemNumber = 1;

/// How a line-laid-out source's first item learns its number. Items are numbered by the line they
/// start on, except that a source holding one value calls it item [`LONE_ITEM`], wherever it
/// starts (a pretty-printed callback after blank lines is still item 1). Whether a source holds
/// one value is known only at its second item or at its end, so the first item waits here until
/// then. Every reader that numbers line-laid-out items goes through this type: the sequential
/// reader ([`for_each_raw_item`]) and `verify`'s in-order collector.
#[derive(Debug)]
pub(crate) struct LoneItem<T>(Lone<T>);

#[derive(Debug)]
enum Lone<T> {
    AwaitingFirst,
    Held(T),
    /// A second item came, or the source numbers items by position (an array).
    Settled,
}

impl<T> LoneItem<T> {
    /// For a source whose items are numbered by line; `false` for one numbered by position.
    pub(crate) fn new(line_laid_out: bool) -> Self {
        LoneItem(if line_laid_out {
            Lone::AwaitingFirst
        } else {
            Lone::Settled
        })
    }

    /// Whether the next item is the source's first, to be given to [`LoneItem::hold`] rather than
    /// emitted.
    pub(crate) fn awaits_first(&self) -> bool {
        matches!(self.0, Lone::AwaitingFirst)
    }

    /// The first item starts on the first line, so it is item [`LONE_ITEM`] whether or not it is
    /// alone: it need not wait (a pipe's first callback is shown before a second one comes).
    pub(crate) fn first_on_line_one(&mut self) {
        debug_assert!(self.awaits_first(), "a source has one first item");
        self.0 = Lone::Settled;
    }

    pub(crate) fn hold(&mut self, first: T) {
        debug_assert!(self.awaits_first(), "a source has one first item");
        self.0 = Lone::Held(first);
    }

    /// A later item came: the held first item, to be emitted before it under the line it started
    /// on.
    pub(crate) fn release(&mut self) -> Option<T> {
        match std::mem::replace(&mut self.0, Lone::Settled) {
            Lone::Held(first) => Some(first),
            Lone::AwaitingFirst => {
                self.0 = Lone::AwaitingFirst;
                None
            }
            Lone::Settled => None,
        }
    }

    /// The source ended: a first item still held was its only one, to be emitted as item
    /// [`LONE_ITEM`].
    pub(crate) fn end(&mut self) -> Option<T> {
        match std::mem::replace(&mut self.0, Lone::Settled) {
            Lone::Held(only) => Some(only),
            Lone::AwaitingFirst | Lone::Settled => None,
        }
    }
}

/// One framed item, not yet parsed: parsing is the expensive part, and the caller may do it on
/// another thread.
#[derive(Debug)]
pub enum RawItem<'a> {
    /// The bytes of one JSON value (a line, a gathered multi-line value, or an array element),
    /// and where they start in the source when that is known (not in an array).
    Json(&'a [u8], Option<u64>),
    /// Could not be framed: malformed, too large, or unreadable.
    Error(String),
}

/// Reads every item of one source and hands it to `sink` in order, parsed.
pub fn for_each_item<R: BufRead>(
    reader: R,
    mut sink: impl FnMut(ItemNumber, Item<'_>) -> io::Result<()>,
) -> io::Result<()> {
    for_each_raw_item(reader, |number, raw| match raw {
        RawItem::Json(bytes, _) => sink(number, parse_item(bytes)),
        RawItem::Error(message) => sink(number, Item::ParseError(message)),
    })
}

/// Reads every item of one source and hands it to `sink` in order, unparsed. Read errors end the
/// source with a final `Error` item; errors from `sink` (a closed stdout) are returned at once.
pub fn for_each_raw_item<R: BufRead, E: From<io::Error>>(
    reader: R,
    mut sink: impl FnMut(ItemNumber, RawItem<'_>) -> Result<(), E>,
) -> Result<(), E> {
    match layout(reader) {
        Err(e) => sink(1, RawItem::Error(format!("read error: {e}"))),
        Ok((Layout::Array { place, .. }, reader)) => read_array(reader, place, sink),
        Ok((
            Layout::Lines {
                lines_before,
                bytes_before,
            },
            reader,
        )) => read_lines(reader, lines_before, bytes_before, sink),
    }
}

/// How a source lays out its items, told by its first byte after any BOM and white space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A top-level JSON array: items are its elements ([`read_array`]); the reader is left at
    /// its `[`, this many bytes into the source, at this place.
    Array { bytes_before: u64, place: Place },
    /// NDJSON, or one or more objects over lines ([`frame_lines`]); the reader is left at the
    /// first byte that is not white space, after `lines_before` lines and `bytes_before` bytes.
    Lines {
        lines_before: ItemNumber,
        bytes_before: u64,
    },
}

/// A source after [`layout`]: the bytes it read ahead, then the rest.
pub type Unread<R> = io::Chain<io::Cursor<Vec<u8>>, R>;

/// Reads past a BOM and leading white space, and says how the rest is laid out. The source comes
/// back at the first byte after that white space, with what was read ahead to decide given back.
///
/// A source that opens with `[` is one array, unless its first line is a whole JSON value that
/// more values follow: that is NDJSON whose first item is an array (not an object, and reported
/// so): read as one array, every callback after it would be lost in one "trailing characters"
/// error.
pub fn layout<R: BufRead>(mut reader: R) -> io::Result<(Layout, Unread<R>)> {
    let (first, lines_before, bytes_before, column) = skip_leading_space(&mut reader)?;
    let mut ahead = Vec::new();
    let one_array = first == Some(b'[') && !array_line_then_more(&mut reader, &mut ahead)?;
    let layout = if one_array {
        Layout::Array {
            bytes_before,
            place: Place {
                lines: lines_before,
                column,
            },
        }
    } else {
        Layout::Lines {
            lines_before,
            bytes_before,
        }
    };
    Ok((layout, io::Read::chain(io::Cursor::new(ahead), reader)))
}

/// How far [`layout`] reads ahead in a source that opens with `[`: a Smile ID callback reaches
/// 1.5 MB, so a first line holding one fits, while reading stays within a few MiB of memory.
const LOOKAHEAD_BYTES: u64 = 2 << 20;

/// Whether the first line, which opens with `[`, is one whole JSON value and another value
/// follows it. Every byte read is appended to `ahead`; a first line longer than
/// [`LOOKAHEAD_BYTES`] is not looked past (the source is one array), nor is more white space than
/// that after it.
fn array_line_then_more<R: BufRead>(reader: &mut R, ahead: &mut Vec<u8>) -> io::Result<bool> {
    let limit = LOOKAHEAD_BYTES;
    io::Read::take(&mut *reader, limit).read_until(b'\n', ahead)?;
    let one_value = std::str::from_utf8(ahead)
        .is_ok_and(|line| line.ends_with('\n') && serde_json::from_str::<IgnoredAny>(line).is_ok());
    if !one_value {
        return Ok(false);
    }
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let space = buf.iter().position(|&b| !is_space(b)).unwrap_or(buf.len());
        let more = space < buf.len();
        ahead.extend_from_slice(&buf[..space]);
        reader.consume(space);
        if more || space == 0 || ahead.len() as u64 > 2 * limit {
            return Ok(more);
        }
    }
}

/// Skips a UTF-8 byte-order mark and any white space, however many reads it spans (a pipe may
/// deliver leading blank lines on their own, a file may begin with more white space than a
/// buffer holds), and returns the first byte after it (left unread) with the number of newlines
/// and bytes skipped, and the bytes skipped since the last newline, so that line numbers, columns
/// and offsets stay right.
fn skip_leading_space<R: BufRead>(
    reader: &mut R,
) -> io::Result<(Option<u8>, ItemNumber, u64, u64)> {
    let mut skipped = 0;
    if crate::input::skip_bom(reader)? {
        skipped = BOM.len() as u64;
    }
    let mut newlines = 0;
    let mut column = skipped;
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok((None, newlines, skipped, column));
        }
        let space = buf.iter().position(|&b| !is_space(b)).unwrap_or(buf.len());
        newlines += memchr::memchr_iter(b'\n', &buf[..space]).count() as ItemNumber;
        column = match memchr::memrchr(b'\n', &buf[..space]) {
            Some(newline) => (space - newline - 1) as u64,
            None => column + space as u64,
        };
        let first = buf.get(space).copied();
        reader.consume(space);
        skipped += space as u64;
        if first.is_some() {
            return Ok((first, newlines, skipped, column));
        }
    }
}

/// Where a byte is in a source, as serde_json counts it: the line breaks before it, and the
/// bytes since the last of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Place {
    pub lines: u64,
    pub column: u64,
}

/// Whether `b` is JSON white space (a form feed, say, is not).
#[inline(always)]
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_feed_is_not_white_space_before_an_array() {
        let layout_of = |input: &[u8]| layout(io::BufReader::new(input)).map(|(layout, _)| layout);
        assert_eq!(
            layout_of("\u{feff} [1]".as_bytes()).unwrap(),
            Layout::Array {
                bytes_before: 4,
                place: Place {
                    lines: 0,
                    column: 4
                }
            }
        );
        // JSON's white space has no form feed.
        assert!(matches!(
            layout_of(b"\x0c[1]").unwrap(),
            Layout::Lines { .. }
        ));
    }

    /// A first line that is a whole array with more values after it is NDJSON; any other source
    /// that opens with `[` is one array. Nothing read ahead to decide is lost.
    #[test]
    fn an_array_line_with_more_after_it_is_ndjson() {
        let laid = |input: &[u8]| {
            let (layout, mut rest) = layout(io::BufReader::with_capacity(2, input)).unwrap();
            let mut bytes = Vec::new();
            io::Read::read_to_end(&mut rest, &mut bytes).unwrap();
            (layout, bytes)
        };
        let lines = |bytes_before| Layout::Lines {
            lines_before: 1,
            bytes_before,
        };
        let array = |bytes_before| Layout::Array {
            bytes_before,
            place: Place {
                lines: 1,
                column: 0,
            },
        };
        // A first line longer than the look ahead: one array, whatever follows.
        let long = format!("\n[{}1]\n{{}}", "1,".repeat(LOOKAHEAD_BYTES as usize / 2));
        for (input, want) in [
            (long.as_bytes(), array(1)),
            (&b"\n[1]\n{}\n"[..], lines(1)),
            (b"\n[]\r\n\n  {}", lines(1)),
            (b"\n[[1], {\"a\": \"]\\n\"}]\n[2]", lines(1)),
            (b"\n[1]\n", array(1)),
            (b"\n[1]\n \n\t", array(1)),
            (b"\n[1]", array(1)),
            (b"\n[1] {}\n{}", array(1)),
            (b"\n[1,\n2]\n{}", array(1)),
            (b"\n[\n{}\n]\n{}", array(1)),
        ] {
            let (layout, rest) = laid(input);
            assert_eq!(layout, want, "{}", String::from_utf8_lossy(input));
            assert_eq!(rest, &input[1..], "{}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn a_byte_order_mark_read_a_byte_at_a_time_is_still_one() {
        let framed = |input: &[u8]| {
            let mut seen = Vec::new();
            let reader =
                io::BufReader::new(crate::input::WholeMark::new(crate::fuzz_props::Trickle {
                    data: input,
                    step: 1,
                }));
            for_each_raw_item(reader, |n, raw| {
                seen.push(match raw {
                    RawItem::Json(bytes, at) => (n, Some(bytes.to_vec()), at),
                    RawItem::Error(_) => (n, None, None),
                });
                Ok::<_, io::Error>(())
            })
            .unwrap();
            seen
        };
        let cb = br#"{"signature":"a"}"#;
        assert_eq!(
            framed(&[BOM, cb].concat()),
            [(1, Some(cb.to_vec()), Some(3))]
        );
        assert_eq!(
            framed(&[BOM, b"\n[", cb, b"]"].concat()),
            [(1, Some(cb.to_vec()), None)]
        );
        // Bytes that only begin like the mark are given back, not lost: the item keeps them.
        for start in [&BOM[..1], &BOM[..2], b"\xEF\xBB\xBE"] {
            let input = [start, cb].concat();
            assert_eq!(framed(&input), [(1, Some(input.clone()), Some(0))]);
        }
        assert_eq!(framed(&BOM[..2]), [(1, Some(BOM[..2].to_vec()), Some(0))]);
        assert_eq!(framed(b""), []);
    }

    #[test]
    fn max_nesting_is_what_serde_json_reads() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let depth = MAX_NESTING as usize;
        assert!(serde_json::from_str::<serde_json::Value>(&nested(depth)).is_ok());
        assert!(serde_json::from_str::<serde_json::Value>(&nested(depth + 1)).is_err());
    }

    #[derive(Debug, PartialEq)]
    enum Seen {
        Cb(ItemNumber, Option<String>),
        NotObj(ItemNumber),
        Err(ItemNumber),
    }

    fn frame(input: &str) -> Vec<Seen> {
        let mut seen = Vec::new();
        for_each_item(input.as_bytes(), |n, item| {
            seen.push(match item {
                Item::Callback(cb) => Seen::Cb(n, cb.signed.signature.as_str().map(str::to_owned)),
                Item::NotAnObject => Seen::NotObj(n),
                Item::ParseError(_) => Seen::Err(n),
            });
            Ok(())
        })
        .unwrap();
        seen
    }

    /// The errors `frame_lines` gives `input`, with the lines they are numbered by.
    fn frame_errors(input: &str) -> Vec<(ItemNumber, String)> {
        let mut errors = Vec::new();
        frame_lines(input.as_bytes(), 0, 0, |n, raw| {
            if let RawItem::Error(e) = raw {
                errors.push((n, e));
            }
            Ok::<_, io::Error>(())
        })
        .unwrap();
        errors
    }

    fn cb(n: ItemNumber, sig: &str) -> Seen {
        Seen::Cb(n, Some(sig.to_owned()))
    }

    /// A pretty-printed value nested deeper than a value is gathered (128 levels, as deep as
    /// serde_json reads a callback) is one error, whatever its depth, and its closing lines are
    /// passed over, not items of their own; what follows it is read.
    #[test]
    fn a_pretty_printed_value_too_deep_is_one_error() {
        for depth in [127, 128, 129, 300, 20_000] {
            let mut text = String::from("{\n \"signature\": \"a\",\n \"d\":\n");
            for _ in 0..depth {
                text.push_str(" [\n");
            }
            for _ in 0..depth {
                text.push_str(" ]\n");
            }
            text.push_str("}\n{\"signature\":\"b\"}\n");
            let first = if depth < 128 {
                cb(1, "a")
            } else {
                Seen::Err(1)
            };
            assert_eq!(
                frame(&text),
                [first, cb(2 * depth as u64 + 5, "b")],
                "{depth}"
            );
        }
        // Cut short: one error, and a line after it that is a value of its own is still one.
        let cut = format!(
            "{{\"x\":\n{}{{\"signature\":\"b\"}}\n",
            "[\n".repeat(50_000)
        );
        assert_eq!(frame(&cut), [Seen::Err(1), cb(50_002, "b")]);
    }

    #[test]
    fn lone_object_pretty_or_not() {
        assert_eq!(frame(r#"{"signature":"a"}"#), [cb(1, "a")]);
        assert_eq!(
            frame("{\n  \"signature\": \"a\",\n  \"x\": [1,\n 2]\n}\n"),
            [cb(1, "a")]
        );
        assert_eq!(frame("\u{feff}{\"signature\":\"a\"}"), [cb(1, "a")]);
        // A lone value is item 1 even after blank lines; in NDJSON, items are lines.
        assert_eq!(frame("\n\n{\"signature\":\"a\"}\n"), [cb(1, "a")]);
        assert_eq!(
            frame("\n{\"signature\":\"a\"}\n{\"signature\":\"b\"}"),
            [cb(2, "a"), cb(3, "b")]
        );
    }

    /// A pretty-printed value larger than an item may be is one error, and what follows it is
    /// read on, also when it was cut short; a truncated line followed by that much of lines of
    /// their own still has each of them read as an item.
    #[test]
    fn a_value_too_large_to_hold_is_one_error() {
        let element = format!("  \"{}\",\n", "x".repeat(100));
        let lines = MAX_ITEM_BYTES / element.len() + 10;
        let big = format!(
            "{{\n \"signature\": \"a\",\n \"imgs\": [\n{}  \"x\"\n ]\n}}\n",
            element.repeat(lines)
        );
        let after = 5 + lines as ItemNumber + 2;
        assert_eq!(
            frame(&format!("{big}{{\"signature\":\"b\"}}\n")),
            [Seen::Err(1), cb(after, "b")]
        );
        let mut errors = Vec::new();
        frame_lines(big.as_bytes(), 0, 0, |n, raw| {
            errors.push((n, matches!(raw, RawItem::Error(e) if e == too_large())));
            Ok::<_, io::Error>(())
        })
        .unwrap();
        assert_eq!(errors, [(1, true)]);

        // Cut short, smaller or larger than an item may be, and followed by more callbacks (on
        // one line, and pretty-printed): one error, and the callbacks after it.
        for elements in [10, lines] {
            let cut = format!(
                "{{\n \"signature\": \"a\",\n \"imgs\": [\n{}",
                element.repeat(elements)
            );
            let after = 4 + elements as ItemNumber;
            assert_eq!(
                frame(&format!(
                    "{cut}{{\"signature\":\"d\"}}\n{{\n  \"signature\": \"e\"\n}}\n"
                )),
                [Seen::Err(1), cb(after, "d"), cb(after + 1, "e")],
                "{elements}"
            );
        }

        // A line of a cut value that is a value on its own (here a string, even one that is not
        // UTF-8) is an item of its own, not part of the cut value's error.
        let mut seen = Vec::new();
        let cut = b"{\n  \"R\xb3s\"\n\n{\"signature\":\"f\"}\n";
        frame_lines(&cut[..], 0, 0, |n, raw| {
            seen.push((n, matches!(raw, RawItem::Json(..))));
            Ok::<_, io::Error>(())
        })
        .unwrap();
        assert_eq!(seen, [(1, false), (2, true), (4, true)]);

        let line = "{\"signature\":\"c\"}\n";
        let count = MAX_ITEM_BYTES / line.len() + 10;
        let seen = frame(&format!("{{\"a\":\n{}", line.repeat(count)));
        assert_eq!(seen.len(), count + 1);
        assert_eq!(seen[0], Seen::Err(1));
        assert_eq!(seen[count], cb(count as ItemNumber + 1, "c"));
    }

    /// A pretty-printed callback saved in part (cut by the end of the source) is one error, not
    /// one a line; and one whose single line is too long to hold (an image) is one "too large",
    /// with what follows it read on.
    #[test]
    fn a_value_cut_by_the_end_or_holding_a_line_too_long_is_one_error() {
        assert_eq!(
            frame(
                "{\n  \"ResultCode\": \"1012\",\n  \"signature\": \"a\",\n  \"timestamp\": \"x\"\n"
            ),
            [Seen::Err(1)]
        );
        let image = "A".repeat(MAX_ITEM_BYTES + 10);
        let pretty = format!(
            "{{\n  \"signature\": \"a\",\n  \"Image\": \"{image}\",\n  \"n\": [1,\n 2]\n}}\n{{\"signature\":\"b\"}}\n"
        );
        assert_eq!(frame(&pretty), [Seen::Err(1), cb(7, "b")]);
        assert_eq!(frame_errors(&pretty), [(1, too_large())]);

        // A line too long to hold that starts another value at its very start (an NDJSON line
        // after a truncated one) is an item of its own, as a shorter one would be.
        let ndjson =
            format!("{{\"a\":1,\n{{\"signature\":\"{image}\"}}\n{{\"signature\":\"b\"}}\n");
        let mut seen = Vec::new();
        frame_lines(ndjson.as_bytes(), 0, 0, |n, raw| {
            seen.push((n, matches!(raw, RawItem::Error(e) if e == too_large())));
            Ok::<_, io::Error>(())
        })
        .unwrap();
        assert_eq!(seen, [(1, false), (2, true), (3, false)]);
    }

    /// JSON written with line breaks but no indentation (Go's `MarshalIndent` with an empty
    /// indent, Python's `indent=0`) puts an array's objects, or a member's value, at the start of
    /// a line: there they continue the value, which is one item. Where the value cannot take one
    /// (after a member, or a value cut short), such a line still starts the next item.
    #[test]
    fn a_value_written_without_indentation_is_one_item() {
        let unindented = "{\n\"Actions\": [\n{\n\"a\": 1\n},\n{\n\"b\": [\n[\n1\n]\n]\n}\n],\n\"PartnerParams\":\n{\n\"job_id\": \"1\"\n},\n\"signature\": \"s\"\n}\n{\"signature\":\"t\"}\n";
        assert_eq!(frame(unindented), [cb(1, "s"), cb(20, "t")]);
        // Cut after a member, or inside an array of callbacks: the cut value is one error, and
        // the callbacks after it are items.
        assert_eq!(
            frame("{\"a\": 1,\n{\"signature\":\"t\"}\n"),
            [Seen::Err(1), cb(2, "t")]
        );
        assert_eq!(
            frame("{\"a\": [\n{\"signature\":\"t\"}\n{\"signature\":\"u\"}\n"),
            [Seen::Err(1), cb(2, "t"), cb(3, "u")]
        );
        assert_eq!(
            frame("{\"a\": [\n{\"signature\":\"t\"}\n"),
            [Seen::Err(1), cb(2, "t")]
        );
    }

    /// A pretty-printed value cut off inside a string, followed by the next value: one error,
    /// and the next value read on.
    #[test]
    fn a_value_cut_inside_its_last_line_is_one_error() {
        assert_eq!(
            frame(
                "{\n  \"ResultCode\": \"1012\",\n  \"signature\": \"ab\n{\n  \"signature\": \"c\"\n}\n"
            ),
            [Seen::Err(1), cb(4, "c")]
        );
        // Broken before its last line: the lines are read again, as before.
        assert_eq!(
            frame("{\"a\": [1,\n  x,\n  {\"signature\":\"d\"}]\n"),
            [Seen::Err(1), Seen::Err(2), Seen::Err(3)]
        );
    }

    /// A value cut short between two members, followed by an indented pretty-printed value
    /// (which does not start another at its very start) and then one that does: the indented
    /// one is an item of its own, not lost inside the cut value's error.
    #[test]
    fn an_indented_value_inside_a_cut_one_is_not_lost() {
        let input = "{\"signature\":\"a\"}\n{\n  \"ResultCode\": \"1012\",\n  {\n    \"signature\": \"b\"\n  }\n{\"signature\":\"c\"}\n";
        assert_eq!(
            frame(input),
            [cb(1, "a"), Seen::Err(2), cb(4, "b"), cb(7, "c")]
        );
        // At the end of the source, the value is broken in its middle (not cut short) and read
        // again line by line: its member line is an error of its own, and nothing is lost.
        let input = "{\n  \"ResultCode\": \"1012\",\n  {\n    \"signature\": \"b\"\n  }\n";
        assert_eq!(frame(input), [Seen::Err(1), Seen::Err(2), cb(3, "b")]);
    }

    /// The lines a cut value took that are no value on their own (` {"a":tru}`, indented, so
    /// not the start of another) are reported with it: its error says which lines it took, so
    /// that none goes unnamed.
    #[test]
    fn a_cut_value_names_the_lines_it_took() {
        let errors = frame_errors;
        let cut_short =
            " {\"a\":1,\n {\"a\":tru}\n {\"b\":+1}\n {\"c\":[1}\n{\"signature\":\"s\"}\n";
        assert_eq!(frame(cut_short), [Seen::Err(1), cb(5, "s")]);
        assert_eq!(
            errors(cut_short),
            [(
                1,
                "value is incomplete on lines 1-4: a line that starts another value follows it"
                    .to_owned()
            )]
        );
        // Cut short by the end of the source, where the parser says why: its lines too.
        let errors_at_end = errors("{\"a\":[1,\n2,\n{\"signature\":\"s\"}");
        assert_eq!(errors_at_end.len(), 1);
        assert!(
            errors_at_end[0]
                .1
                .ends_with("of the item (a value on lines 1-3)"),
            "{errors_at_end:?}"
        );
        // Cut short at once: its one line says enough.
        assert_eq!(
            errors("{\"a\":1,\n{\"signature\":\"s\"}\n"),
            [(
                1,
                "value is incomplete: a line that starts another value follows it".to_owned()
            )]
        );
    }

    #[test]
    fn lone_item_holds_only_a_line_laid_out_first_item() {
        // A source of one item: held, then given back at the end.
        let mut lone = LoneItem::new(true);
        assert!(lone.awaits_first());
        lone.hold("first");
        assert!(!lone.awaits_first());
        assert_eq!(lone.end(), Some("first"));
        // A second item releases the first, once; nothing is left for the end.
        let mut lone = LoneItem::new(true);
        assert_eq!(lone.release(), None::<&str>);
        assert!(lone.awaits_first(), "nothing released before a first item");
        lone.hold("first");
        assert_eq!(lone.release(), Some("first"));
        assert_eq!(lone.release(), None);
        assert!(!lone.awaits_first());
        assert_eq!(lone.end(), None);
        // An array's items are numbered by position: nothing waits.
        let mut array = LoneItem::<&str>::new(false);
        assert!(!array.awaits_first());
        assert_eq!(array.end(), None);
    }

    #[test]
    fn ndjson_numbers_lines_and_survives_bad_ones() {
        let input = "{\"signature\":\"a\"}\n\n{\"signature\":\"b\"\n[1]\n{\"signature\":\"c\"}\r\nnope\n{\"signature\":\"d\"}";
        assert_eq!(
            frame(input),
            [
                cb(1, "a"),
                Seen::Err(3),
                Seen::NotObj(4),
                cb(5, "c"),
                Seen::Err(6),
                cb(7, "d")
            ]
        );
    }

    #[test]
    fn a_line_of_white_space_json_does_not_know_is_an_error_not_a_blank_line() {
        // JSON's white space is space, tab, CR and LF; a form feed or a vertical tab is not.
        for odd in ["\u{c}", "\u{b}", " \u{c}\r"] {
            let input = format!("{{\"signature\":\"a\"}}\n{odd}\n\n{{\"signature\":\"b\"}}\n");
            assert_eq!(
                frame(&input),
                [cb(1, "a"), Seen::Err(2), cb(4, "b")],
                "{odd:?}"
            );
        }
        assert_eq!(frame(" \t\r\n{\"signature\":\"a\"}\n \r\n"), [cb(1, "a")]);
    }

    #[test]
    fn an_error_in_one_item_read_alone_says_its_place_is_the_items() {
        let errors = |input: &str| {
            let mut errors = Vec::new();
            for_each_item(input.as_bytes(), |n, item| {
                if let Item::ParseError(e) = item {
                    errors.push((n, e));
                }
                Ok(())
            })
            .unwrap();
            errors
        };
        let line = "{\"signature\":\"a\"}\n{\"signature\":\"a\",\"signature\":\"b\"}\n{\"x\":\n";
        assert_eq!(
            errors(line),
            [
                (
                    2,
                    "duplicate field `signature` at line 1 column 28 of the item".into()
                ),
                (
                    3,
                    "EOF while parsing a value at line 2 column 0 of the item".into()
                ),
            ]
        );
        // In an array: an element that is JSON but not a callback is read alone; a break in the
        // array's layout is placed in the file.
        let array = "[{\"a\":1},\n {\"timestamp\":\"a\",\"timestamp\":\"b\"},\n {\"a\":}]";
        assert_eq!(
            errors(array),
            [
                (
                    2,
                    "duplicate field `timestamp` at line 1 column 28 of the item".into()
                ),
                (3, "expected value at line 3 column 7".into()),
            ]
        );
    }

    #[test]
    fn truncated_line_before_good_lines_loses_nothing() {
        let input = "{\"signature\":\"a\",\"x\":{\n{\"signature\":\"b\"}\n{\"signature\":\"c\"}\n";
        assert_eq!(frame(input), [Seen::Err(1), cb(2, "b"), cb(3, "c")]);
    }

    #[test]
    fn arrays_stream_elements() {
        assert_eq!(
            frame(" [ {\"signature\":\"a\"}, 3, {\"signature\":\"b\"} ]\n"),
            [cb(1, "a"), Seen::NotObj(2), cb(3, "b")]
        );
        assert_eq!(
            frame("[{\"signature\":\"a\"}, {"),
            [cb(1, "a"), Seen::Err(2)]
        );
        assert_eq!(frame("[] x"), [Seen::Err(1)]);
    }

    #[test]
    fn fields_are_strict() {
        let Item::Callback(c) = parse_item(br#"{"signature":"a\/b","timestamp":5,"z":{"q":1}}"#)
        else {
            panic!()
        };
        assert_eq!(c.signed.signature, Field::Str(Cow::Owned("a/b".into())));
        assert_eq!(c.signed.timestamp, Field::NotString);
        assert_eq!(c.body.len(), 1);
        assert!(matches!(
            parse_item(br#"{"signature":"a","signature":"b"}"#),
            Item::ParseError(e) if e.contains("duplicate field")
        ));
        assert!(matches!(
            parse_item(br#"{"signature":null}"#),
            Item::Callback(Callback {
                signed: Signed {
                    signature: Field::NotString,
                    ..
                },
                ..
            })
        ));
    }

    #[test]
    fn empty_input_has_no_items() {
        assert_eq!(frame(""), []);
        assert_eq!(frame(" \n\n \t"), []);
    }

    #[test]
    fn balanced_brackets_after_a_truncated_line_lose_nothing() {
        // The closing `}}` balances the truncated first line, but the gathered text is not JSON:
        // the good line in between must still be reported.
        let input = "{\"a\":{\n{\"signature\":\"b\"}\n}}\n{\"signature\":\"c\"}\n";
        assert_eq!(
            frame(input),
            [Seen::Err(1), cb(2, "b"), Seen::Err(3), cb(4, "c")]
        );
    }

    #[test]
    fn leading_white_space_longer_than_one_read_keeps_the_framing() {
        let input = format!("{}[{{\"signature\":\"a\"}}, 1]", " \n".repeat(40));
        for capacity in [1, 3, 4096] {
            let mut seen = Vec::new();
            for_each_item(
                io::BufReader::with_capacity(capacity, input.as_bytes()),
                |n, item| {
                    seen.push((n, matches!(item, Item::Callback(_))));
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(seen, [(1, true), (2, false)], "buffer of {capacity}");
        }
        // NDJSON keeps its line numbers after skipped blank lines.
        assert_eq!(
            frame("\n \n{\"signature\":\"a\"}\n{\"signature\":\"b\"}"),
            [cb(3, "a"), cb(4, "b")]
        );
    }
}
