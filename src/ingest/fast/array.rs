//! A file that is one top-level JSON array, framed element by element without serde_json's
//! stream reader, which takes a byte at a time: framing 100,000 callbacks that way takes 60% of a
//! `verify` run, on the one reading thread.
//!
//! Framing is split the way `chunks` splits a line-laid-out source. The reading thread
//! ([`guess`]) cuts elements out of large reads by their brackets and quotes (64 bytes at a time,
//! by bit masks) and checks what lies between them (commas, white space, the closing bracket), but
//! not the elements themselves: the workers check those anyway, with the fast path
//! ([`scan::signed_fields`]) or, when that declines, serde_json on the element alone
//! ([`is_one_value`]). As long as every element and everything between them is valid, these are
//! exactly the elements [`payload::read_array`] frames. From the first thing that is not (a broken
//! element, a missing comma, the end of the input inside the array, a read error, a very large or
//! deep element), the file is read again from its start with [`payload::read_array`]
//! ([`read_rest`]), which defines what an array means and words its errors, and goes on from that
//! element with it. `read_in` does all of that in one thread. Stdin cannot be read again:
//! [`read_once`] checks each element as it cuts it, and hands the rest to the stream reader after a
//! stand-in for what came before. A fuzz target (`array_framing`) holds both to the stream
//! reader's items.

use std::io::{self, BufRead, Read};

use serde::de::IgnoredAny;

use crate::ingest::fast::chunks;
use crate::ingest::fast::classify::{classify, prefix_xor};
use crate::ingest::fast::scan;
use crate::ingest::payload::{self, ItemNumber, Layout, MAX_ITEM_BYTES, Place, RawItem};

/// Bytes asked for at each read (more while an element is longer).
const READ_BYTES: usize = 256 << 10;

/// Nesting an element may have here, well inside [`MAX_NESTING`](payload::MAX_NESTING) (the array around it is one more
/// level, and an element checked on its own does not count it); deeper elements are left to the
/// stream reader.
const MAX_DEPTH: u32 = 100;

/// Cuts the elements out of the array `reader` starts with, `bytes_before` into the source (after
/// [`payload::layout`] said it is one), handing each to `sink` with its number and where it
/// starts in the source; `sink` says whether to go on. `None` when the array was framed to its
/// end; else the number of the first element it could not frame, or that `sink` refused, from
/// which on the stream reader must take over ([`read_rest`]).
pub(crate) fn guess(
    reader: impl BufRead,
    bytes_before: u64,
    sink: impl FnMut(ItemNumber, &[u8], u64) -> io::Result<bool>,
) -> io::Result<Option<ItemNumber>> {
    guess_in(READ_BYTES, reader, bytes_before, sink)
}

/// [`guess`], asking for `read_bytes` at a time (tests read a byte or a few at a time, so that
/// elements span reads everywhere).
fn guess_in(
    read_bytes: usize,
    reader: impl BufRead,
    bytes_before: u64,
    mut sink: impl FnMut(ItemNumber, &[u8], u64) -> io::Result<bool>,
) -> io::Result<Option<ItemNumber>> {
    let mut framer = Framer::new(reader, bytes_before, read_bytes);
    Ok(framer.frame(&mut sink)?.map(|stop| stop.number))
}

/// Frames the array of a source that cannot be read again (stdin, a pipe), after
/// [`payload::layout`] said it is one: [`guess`], with each element checked here, since there is
/// no going back to it once the workers find it broken; and from the first element that fails,
/// [`payload::read_array`] on the rest of the source. The stream reader is started on a stand-in
/// for what came before, made to end at the same line and column and in the same state (before a
/// value, after one, after the array), so that it goes on, and words its errors, exactly as it
/// would have from the start.
pub(crate) fn read_once(
    reader: impl BufRead,
    place: Place,
    sink: impl FnMut(ItemNumber, RawItem<'_>) -> io::Result<()>,
) -> io::Result<()> {
    read_once_in(READ_BYTES, reader, place, sink)
}

/// [`read_once`], asking for `read_bytes` at a time.
pub(crate) fn read_once_in(
    read_bytes: usize,
    reader: impl BufRead,
    place: Place,
    mut sink: impl FnMut(ItemNumber, RawItem<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let mut framer = Framer::new(reader, 0, read_bytes);
    framer.track_lines = true;
    let stop = framer.frame(&mut |number, element, _| {
        if !vouched(element) {
            return Ok(false);
        }
        sink(number, RawItem::Json(element, None))?;
        Ok(true)
    })?;
    let Some(stop) = stop else {
        return Ok(());
    };
    let (lines, column) = framer.position();
    let (stand_in, len) = stop.stand_in();
    // serde_json counts columns in bytes; the stand-in's own bytes are on the first line, and no
    // element is shorter than its stand-in (`0,` for an element and its comma).
    let padding = if lines == 0 {
        column.saturating_sub(len)
    } else {
        column
    };
    let Framer {
        reader,
        buf,
        at,
        filled,
        ..
    } = framer;
    let rest = stand_in
        .chain(io::repeat(b'\n').take(lines))
        .chain(io::repeat(b' ').take(padding))
        .chain(&buf[at..filled])
        .chain(reader);
    read_array_from(io::BufReader::new(rest), stop.number, place, sink)
}

/// Whether a cut element is one valid JSON value, as the workers find out by checking it.
fn vouched(element: &[u8]) -> bool {
    scan::signed_fields(element).is_some() || is_one_value(element)
}

/// Whether `element` (one that the fast path declined) is one valid JSON value, as serde_json's
/// stream reader would take it: only then was it cut where the stream reader would cut it.
pub(crate) fn is_one_value(element: &[u8]) -> bool {
    std::str::from_utf8(element).is_ok() && serde_json::from_slice::<IgnoredAny>(element).is_ok()
}

/// The items of the array from element `from` on, as [`payload::read_array`] frames them, reading
/// the source again from its start (`reopen`, before its layout was read): error messages then
/// say where in the source the error is.
pub(crate) fn read_rest<S: BufRead, E: From<io::Error>>(
    reopen: impl FnOnce() -> io::Result<S>,
    from: ItemNumber,
    mut sink: impl FnMut(ItemNumber, RawItem<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let (reader, place) = match reopen() {
        Ok(reader) => match payload::layout(reader) {
            Ok((Layout::Array { place, .. }, reader)) => (reader, place),
            Ok((Layout::Lines { .. }, reader)) => (reader, Place::default()),
            Err(e) => return sink(from, RawItem::Error(format!("read error: {e}"))),
        },
        Err(e) => return sink(from, RawItem::Error(format!("read error: {e}"))),
    };
    read_array_from(reader, from, place, sink)
}

/// The items [`payload::read_array`] frames from element `from` on: those before it were handed
/// on already, just as the stream reader frames them.
fn read_array_from<E: From<io::Error>>(
    reader: impl BufRead,
    from: ItemNumber,
    place: Place,
    mut sink: impl FnMut(ItemNumber, RawItem<'_>) -> Result<(), E>,
) -> Result<(), E> {
    payload::read_array(reader, place, |number, raw| match raw {
        RawItem::Json(..) if number < from => Ok(()),
        raw => sink(number, raw),
    })
}

/// What `verify` makes of an array, in one thread: [`guess`], each element checked as a worker
/// checks it, then [`read_rest`] from the first element that is not vouched for. For tests and the
/// fuzz target, which hold it to [`payload::read_array`].
#[cfg(any(test, fuzzing))]
pub(crate) fn read_in<S: BufRead>(
    read_bytes: usize,
    reader: impl BufRead,
    bytes_before: u64,
    reopen: impl FnOnce() -> io::Result<S>,
    mut sink: impl FnMut(ItemNumber, RawItem<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let stopped = guess_in(read_bytes, reader, bytes_before, |number, element, at| {
        if !vouched(element) {
            return Ok(false);
        }
        sink(number, RawItem::Json(element, Some(at)))?;
        Ok(true)
    })?;
    match stopped {
        Some(from) => read_rest(reopen, from, sink),
        None => Ok(()),
    }
}

/// Where framing stopped: at element `number`, in `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stop {
    number: ItemNumber,
    state: State,
}

/// What the stream reader would expect next where framing stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// The array's opening bracket.
    Open,
    /// A value: after the opening bracket or a comma.
    Value,
    /// A comma or the closing bracket, after a value.
    Separator,
    /// Nothing but white space, after the closing bracket.
    End,
}

impl Stop {
    /// JSON that leaves the stream reader in this state, with the elements before this one: each
    /// a `0` (they are skipped, and numbered as the real ones). Read as it is made, since an
    /// element far into a long array has many before it; and its length.
    fn stand_in(&self) -> (impl Read + use<>, u64) {
        let before = self.number.saturating_sub(1);
        let (open, last): (&[u8], &[u8]) = match (self.state, before) {
            (State::Open, _) => (b"", b""),
            (State::End, 0) => (b"[", b"]"),
            (_, 0) => (b"[", b""),
            (State::Value, _) => (b"[", b"0,"),
            (State::Separator, _) => (b"[", b"0"),
            (State::End, _) => (b"[", b"0]"),
        };
        // `0,` for each element before the last of them.
        let zeros = 2 * before.saturating_sub(1);
        let len = open.len() as u64 + zeros + last.len() as u64;
        (open.chain(Zeros { left: zeros }).chain(last), len)
    }
}

/// `0,0,0,...`: `left` bytes of it, an even number, made as they are read.
struct Zeros {
    left: u64,
}

impl Read for Zeros {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        for (i, byte) in buf[..n].iter_mut().enumerate() {
            // An even number of bytes left: a `0` is next.
            *byte = if (self.left - i as u64).is_multiple_of(2) {
                b'0'
            } else {
                b','
            };
        }
        self.left -= n as u64;
        Ok(n)
    }
}

struct Framer<R> {
    reader: R,
    /// Bytes read and not yet handed on, from `at` to `filled` (what is after that is left from
    /// earlier reads); `buf` starts `start` bytes into the source.
    buf: Vec<u8>,
    filled: usize,
    start: u64,
    at: usize,
    /// The source has no more bytes.
    ended: bool,
    read_bytes: usize,
    /// Count lines, for [`Framer::position`]: the newlines in the bytes dropped so far, and
    /// where the line after the last of them starts (in the source).
    track_lines: bool,
    lines: u64,
    line_start: u64,
}

impl<R: BufRead> Framer<R> {
    fn new(reader: R, bytes_before: u64, read_bytes: usize) -> Self {
        Framer {
            reader,
            buf: Vec::new(),
            filled: 0,
            start: bytes_before,
            at: 0,
            ended: false,
            read_bytes,
            track_lines: false,
            lines: 0,
            line_start: bytes_before,
        }
    }

    /// Hands on the elements it can frame: `None` when that was all of them, or where it stopped
    /// (`at` is then where the stream reader is to go on, past white space).
    fn frame(
        &mut self,
        sink: &mut impl FnMut(ItemNumber, &[u8], u64) -> io::Result<bool>,
    ) -> io::Result<Option<Stop>> {
        let mut number: ItemNumber = 1;
        let stop = |number, state| Ok(Some(Stop { number, state }));
        let Ok(Some(b'[')) = self.next_byte() else {
            return stop(number, State::Open);
        };
        self.at += 1;
        if let Ok(Some(b']')) = self.next_byte() {
            self.at += 1;
            return if self.rest_is_space() {
                Ok(None)
            } else {
                stop(number, State::End)
            };
        }
        loop {
            let Ok(Some(_)) = self.next_byte() else {
                return stop(number, State::Value);
            };
            let Ok(Some(len)) = self.element() else {
                return stop(number, State::Value);
            };
            let element = &self.buf[self.at..self.at + len];
            // With its place, to be read back from if its pair comes again (then no digest up
            // front).
            if !sink(number, element, self.start + self.at as u64)? {
                return stop(number, State::Value);
            }
            self.at += len;
            number += 1;
            match self.next_byte() {
                Ok(Some(b',')) => self.at += 1,
                Ok(Some(b']')) => {
                    self.at += 1;
                    return if self.rest_is_space() {
                        Ok(None)
                    } else {
                        stop(number, State::End)
                    };
                }
                _ => return stop(number, State::Separator),
            }
        }
    }

    /// The line (counted from 0) and the column in bytes of `at`, counted from where framing
    /// began, as serde_json counts them.
    fn position(&self) -> (u64, u64) {
        let (lines, line_start) = self.lines_before_at();
        (lines, self.start + self.at as u64 - line_start)
    }

    /// The newlines before `at`, and where the line `at` is on starts (in the source).
    fn lines_before_at(&self) -> (u64, u64) {
        let before = &self.buf[..self.at];
        let lines = self.lines + memchr::memchr_iter(b'\n', before).count() as u64;
        let line_start =
            memchr::memrchr(b'\n', before).map_or(self.line_start, |i| self.start + i as u64 + 1);
        (lines, line_start)
    }

    /// The next byte after JSON white space, left unread; `None` at the end of the source.
    fn next_byte(&mut self) -> io::Result<Option<u8>> {
        loop {
            while let Some(&b) = self.buf[..self.filled].get(self.at) {
                if !payload::is_space(b) {
                    return Ok(Some(b));
                }
                self.at += 1;
            }
            if !self.read_more(1)? {
                return Ok(None);
            }
        }
    }

    /// Whether only white space is left: the end of the array ends the source.
    fn rest_is_space(&mut self) -> bool {
        matches!(self.next_byte(), Ok(None))
    }

    /// The length of the element at `at`, read whole into `buf`; `None` when its end was not
    /// found (the source ended, or it is too large or too deep to vouch for).
    fn element(&mut self) -> io::Result<Option<usize>> {
        let mut cut = ElementEnd::default();
        loop {
            let bytes = &self.buf[self.at..self.filled];
            if let Some(len) = cut.scan(bytes) {
                // A large element, even one read whole, is the stream reader's to report.
                return Ok((cut.deepest <= MAX_DEPTH && len <= MAX_ITEM_BYTES).then_some(len));
            }
            if bytes.len() > MAX_ITEM_BYTES || !self.read_more(bytes.len())? {
                return Ok(None);
            }
        }
    }

    /// Reads `read_bytes` more, or `more` while an element is longer: false at the end of the
    /// source. Bytes before `at` are dropped first.
    fn read_more(&mut self, more: usize) -> io::Result<bool> {
        if self.ended {
            return Ok(false);
        }
        if self.track_lines {
            (self.lines, self.line_start) = self.lines_before_at();
        }
        self.buf.copy_within(self.at..self.filled, 0);
        self.filled -= self.at;
        self.start += self.at as u64;
        self.at = 0;
        let want = more.max(self.read_bytes);
        let read = chunks::fill(&mut self.reader, &mut self.buf, &mut self.filled, want)?;
        self.ended = read == 0;
        Ok(!self.ended)
    }
}

/// Where a JSON value ends, found by its quotes and brackets only (whether it is valid is checked
/// after), carried over reads: it resumes where the last call stopped.
#[derive(Debug, Default)]
struct ElementEnd {
    /// Bytes of the element already looked at.
    seen: usize,
    depth: u32,
    deepest: u32,
    in_string: bool,
    /// The byte before was a backslash inside a string.
    escaped: bool,
}

impl ElementEnd {
    /// The element's length when its end is within `bytes` (the element from its first byte).
    fn scan(&mut self, bytes: &[u8]) -> Option<usize> {
        // A scalar (a number or a literal) ends where JSON could go on after a value.
        if !matches!(bytes.first()?, b'{' | b'[' | b'"') {
            let end = bytes
                .iter()
                .position(|b| matches!(b, b',' | b']' | b' ' | b'\t' | b'\n' | b'\r'));
            self.seen = bytes.len();
            return end;
        }
        loop {
            if let Some(end) = self.blocks(bytes) {
                return Some(end);
            }
            // What the blocks could not take, a byte at a time: the element's first byte, a
            // string element, or a block with a backslash in it.
            let until = match (self.depth, self.in_string) {
                (0, false) => self.seen + 1,
                (0, true) => bytes.len(),
                _ => self.seen + 64,
            };
            if self.seen >= bytes.len() {
                return None;
            }
            if let Some(end) = self.bytes(bytes, until.min(bytes.len())) {
                return Some(end);
            }
        }
    }

    /// On through whole blocks of 64 bytes inside a container while they hold no backslash: by
    /// bit masks, the quotes telling which brackets are inside strings. Callbacks are mostly
    /// string contents and have few brackets, so this looks at each block a few times, not at
    /// each byte (a third of the reading thread's time, done a byte at a time).
    fn blocks(&mut self, bytes: &[u8]) -> Option<usize> {
        while self.depth > 0 && !self.escaped {
            let block = bytes.get(self.seen..self.seen + 64)?;
            let masks = classify(block.try_into().expect("64 bytes"));
            if masks.backslashes != 0 {
                return None;
            }
            let inside = prefix_xor(masks.quotes) ^ u64::from(self.in_string).wrapping_neg();
            let mut brackets = (masks.opens | masks.closes) & !inside;
            while brackets != 0 {
                let at = brackets.trailing_zeros();
                brackets &= brackets - 1;
                if masks.opens >> at & 1 == 1 {
                    self.depth += 1;
                    self.deepest = self.deepest.max(self.depth);
                } else {
                    self.depth -= 1;
                    if self.depth == 0 {
                        self.seen += at as usize + 1;
                        return Some(self.seen);
                    }
                }
            }
            self.in_string = inside >> 63 == 1;
            self.seen += 64;
        }
        None
    }

    /// On a byte at a time up to `until`.
    fn bytes(&mut self, bytes: &[u8], until: usize) -> Option<usize> {
        while self.seen < until {
            let i = self.seen;
            self.seen += 1;
            let b = bytes[i];
            if self.in_string {
                match (self.escaped, b) {
                    (true, _) => self.escaped = false,
                    (false, b'\\') => self.escaped = true,
                    (false, b'"') => {
                        self.in_string = false;
                        if self.depth == 0 {
                            return Some(self.seen);
                        }
                    }
                    // On to the next quote or backslash.
                    _ => match memchr::memchr2(b'"', b'\\', &bytes[self.seen..until]) {
                        Some(skip) => self.seen += skip,
                        None => self.seen = until,
                    },
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => {
                    self.depth += 1;
                    self.deepest = self.deepest.max(self.depth);
                }
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return Some(self.seen);
                    }
                }
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Items = Vec<(ItemNumber, Result<(String, Option<u64>), String>)>;

    /// What `read_in` hands on for `data` (after its layout), reading `read_bytes` at a time.
    fn items(data: &[u8], read_bytes: usize) -> Items {
        let (payload::Layout::Array { bytes_before, .. }, reader) = payload::layout(data).unwrap()
        else {
            panic!("not an array");
        };
        let mut items = Vec::new();
        read_in(
            read_bytes,
            reader,
            bytes_before,
            || Ok(data),
            |number, raw| {
                items.push(match raw {
                    RawItem::Json(bytes, at) => {
                        (number, Ok((String::from_utf8_lossy(bytes).into(), at)))
                    }
                    RawItem::Error(message) => (number, Err(message)),
                });
                Ok(())
            },
        )
        .unwrap();
        items
    }

    #[test]
    fn elements_are_cut_as_the_stream_reader_cuts_them() {
        for data in [
            &b"[]"[..],
            b" \n[ ]\n",
            br#"[{"a":"b]}\"c","d":[1,{"e":null}]},"x\\",-1.5e3,true,[[]]]"#,
            br#"[{"signature":"s"},{"a":1e400}]"#,
            b"\xEF\xBB\xBF [1,\n2]",
            br#"[{"a":1},{"b":},{"c":2}]"#,
            br#"[{"a":1} {"b":2}]"#,
            br#"[1,]"#,
            br#"[{"a":1}] x"#,
            br#"[{"a":1},"#,
            b"[{\"a\":\"\xff\"}]",
        ] {
            crate::fuzz_props::array_framing(data);
        }
        let deep = format!(
            "[{}{}]",
            "[".repeat(MAX_DEPTH as usize),
            "]".repeat(MAX_DEPTH as usize)
        );
        crate::fuzz_props::array_framing(deep.as_bytes());
        assert_eq!(items(deep.as_bytes(), 64)[0].1.as_ref().unwrap().1, Some(1));
        let deeper = format!("[{}]", deep);
        assert_eq!(items(deeper.as_bytes(), 64)[0].1.as_ref().unwrap().1, None);
    }

    #[test]
    fn elements_come_with_their_place_in_the_source() {
        let data = b"\n [ {\"a\":1} ,\n\"x\"]";
        for read_bytes in [1, 3, 1024] {
            assert_eq!(
                items(data, read_bytes),
                [
                    (1, Ok((r#"{"a":1}"#.into(), Some(4)))),
                    (2, Ok((r#""x""#.into(), Some(14)))),
                ]
            );
        }
    }

    #[test]
    fn the_stream_reader_takes_over_at_the_first_broken_element_and_reads_on() {
        let got = items(br#"[{"a":1},{"b":},{"c":2}]"#, 4);
        assert_eq!(got.len(), 3, "{got:?}");
        // Read again by the stream reader, which knows no offsets.
        assert_eq!(got[2], (3, Ok((r#"{"c":2}"#.into(), None))));
        assert_eq!(got[0], (1, Ok((r#"{"a":1}"#.into(), Some(1)))));
        let (number, Err(message)) = &got[1] else {
            panic!("{got:?}")
        };
        assert_eq!(*number, 2);
        assert!(message.contains("line 1 column 15"), "{message}");
    }

    #[test]
    fn a_source_that_cannot_be_read_again_ends_at_that_element() {
        let data = br#"[{"a":1},{"b":}]"#;
        let mut got = Vec::new();
        read_in(
            READ_BYTES,
            &data[..],
            0,
            || Err::<&[u8], _>(io::Error::other("gone")),
            |number, raw| {
                got.push((number, matches!(raw, RawItem::Json(..))));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(got, [(1, true), (2, false)]);
    }

    /// Where a fresh cut ends `element`, a byte at a time, and how deep it went.
    fn reference(element: &[u8]) -> (Option<usize>, u32) {
        let mut cut = ElementEnd::default();
        let end = if matches!(element.first(), Some(b'{' | b'[' | b'"')) {
            cut.bytes(element, element.len())
        } else {
            cut.scan(element)
        };
        (end, cut.deepest)
    }

    #[test]
    fn blocks_cut_where_bytes_do() {
        let long = "x".repeat(70);
        let mut elements = vec![
            format!(r#"{{"a":"{long}","b":{{"c":[1,2,{{"d":"]}}"}}]}},"e":"{long}"}}"#),
            format!(r#"{{"a":"{long}\"}}","b":"\\","c":"{long}"}}"#),
            format!(r#"["{long}",[[["{long}"]]],"\\\\"]"#),
            format!(r#""{long}\"{long}""#),
        ];
        // Backslashes and brackets at every place across a block's edge.
        for at in 50..80 {
            let mut text = format!(r#"{{"a":"{long}{long}"}}"#).into_bytes();
            text[at] = b'\\';
            elements.push(String::from_utf8(text.clone()).unwrap());
            text[at] = b'}';
            elements.push(String::from_utf8(text).unwrap());
        }
        for element in &elements {
            let element = format!("{element},{{\"next\":1}}");
            let bytes = element.as_bytes();
            let (end, deepest) = reference(bytes);
            // The whole at once, and in reads of a few bytes.
            for step in [bytes.len(), 1, 5, 63, 64, 65] {
                let mut cut = ElementEnd::default();
                let mut found = None;
                for len in (step..bytes.len() + step).step_by(step) {
                    found = cut.scan(&bytes[..len.min(bytes.len())]);
                    if found.is_some() {
                        break;
                    }
                }
                assert_eq!(
                    (found, cut.deepest),
                    (end, deepest),
                    "{element} in steps of {step}"
                );
            }
        }
    }

    #[test]
    fn stand_ins_put_the_stream_reader_where_framing_stopped() {
        let text = |number, state| {
            let (mut reader, len) = Stop { number, state }.stand_in();
            let mut bytes = Vec::new();
            // A byte at a time: `Zeros` keeps its place between reads.
            let mut byte = [0];
            while reader.read(&mut byte).unwrap() == 1 {
                bytes.push(byte[0]);
            }
            assert_eq!(bytes.len() as u64, len);
            String::from_utf8(bytes).unwrap()
        };
        assert_eq!(text(1, State::Open), "");
        assert_eq!(text(1, State::Value), "[");
        assert_eq!(text(1, State::End), "[]");
        assert_eq!(text(2, State::Value), "[0,");
        assert_eq!(text(2, State::Separator), "[0");
        assert_eq!(text(4, State::Value), "[0,0,0,");
        assert_eq!(text(4, State::Separator), "[0,0,0");
        assert_eq!(text(4, State::End), "[0,0,0]");
    }
}
