//! The reference framer of line-laid-out sources: NDJSON, a lone object (pretty-printed or
//! not), or several of either, with the lines of a multi-line value gathered into one item.

use std::io::{self, BufRead};

use super::{
    Item, ItemNumber, LONE_ITEM, LoneItem, MAX_ITEM_BYTES, MAX_NESTING, RawItem, is_space,
    parse_item,
};

/// Deepest nesting gathered as a multi-line value: serde_json reads typed values no deeper (a
/// callback's body is read to this depth), and a bound keeps the gatherings that start again on
/// each line of a broken value short. A value that goes deeper is one error, its lines passed
/// over by their brackets alone.
const MAX_GATHER_DEPTH: u32 = MAX_NESTING + 1;

/// Whether `line` opens more brackets than it closes without being broken: the first line of a
/// multi-line value (a pretty-printed object), or a truncated line. Such a line is not an item by
/// itself; [`frame_lines`] gathers the lines that follow it.
pub fn opens_value(line: &[u8]) -> bool {
    Depth::default().scan(line) == Scan::Open
}

/// NDJSON, a lone object (possibly pretty-printed over many lines), or several of either,
/// numbered as [`LoneItem`] says.
pub(super) fn read_lines<R: BufRead, E>(
    reader: R,
    lines_before: ItemNumber,
    bytes_before: u64,
    mut sink: impl FnMut(ItemNumber, RawItem<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let mut lone = LoneItem::new(true);
    let mut emit = |number: ItemNumber, raw: RawItem<'_>| -> Result<(), E> {
        if lone.awaits_first() {
            lone.hold((number, OwnedItem::from(raw)));
            return Ok(());
        }
        if let Some((n, first)) = lone.release() {
            first.emit(n, &mut sink)?;
        }
        sink(number, raw)
    };
    frame_lines(reader, lines_before, bytes_before, &mut emit)?;
    match lone.end() {
        Some((_, only)) => only.emit(LONE_ITEM, &mut sink),
        None => Ok(()),
    }
}

/// The first item of a source, copied while it waits to learn its number.
#[derive(Debug)]
enum OwnedItem {
    Json(Vec<u8>, Option<u64>),
    Error(String),
}

impl From<RawItem<'_>> for OwnedItem {
    fn from(raw: RawItem<'_>) -> Self {
        match raw {
            RawItem::Json(bytes, at) => OwnedItem::Json(bytes.to_vec(), at),
            RawItem::Error(message) => OwnedItem::Error(message),
        }
    }
}

impl OwnedItem {
    fn emit<E>(
        self,
        number: ItemNumber,
        sink: &mut impl FnMut(ItemNumber, RawItem<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            OwnedItem::Json(bytes, at) => sink(number, RawItem::Json(&bytes, at)),
            OwnedItem::Error(message) => sink(number, RawItem::Error(message)),
        }
    }
}

/// Frames lines into items (after [`layout`](super::layout) said [`Layout::Lines`](super::Layout::Lines), or from any line on): an item
/// is a line, or a multi-line value gathered from the line that opens it. Items are numbered by
/// the line they start on; unlike [`for_each_raw_item`](super::for_each_raw_item), a lone item is not renumbered 1.
pub fn frame_lines<R: BufRead, E>(
    reader: R,
    lines_before: ItemNumber,
    bytes_before: u64,
    mut sink: impl FnMut(ItemNumber, RawItem<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let mut lines = Lines::new(reader);
    lines.number = lines_before;
    lines.offset = bytes_before;
    let mut line = Vec::new();
    loop {
        let number = match lines.next(&mut line) {
            Ok(Some(LineRead::Line(n))) => n,
            Ok(Some(LineRead::TooLong(n))) => {
                sink(n, RawItem::Error(too_large()))?;
                continue;
            }
            Ok(None) => return Ok(()),
            Err(e) => return sink(lines.number + 1, RawItem::Error(format!("read error: {e}"))),
        };
        if line.iter().all(|&b| is_space(b)) {
            continue;
        }
        let at = lines.line_offset;
        // A line that opens more brackets than it closes cannot be a JSON value on its own: it
        // starts a multi-line value (a pretty-printed object), or is a truncated line. Anything
        // else goes to the parser as it is, which reports what is wrong with it.
        let mut depth = Depth::default();
        if depth.scan(&line) != Scan::Open {
            sink(number, RawItem::Json(&line, Some(at)))?;
            continue;
        }
        match gather(&mut lines, &mut line, depth) {
            // More than an item may hold, and JSON as far as it was read: one value too large
            // (a pretty-printed object of images). Reported once, and the rest of it passed over.
            Ok(Gathered::TooLarge(depth)) if is_json_so_far(&line) => {
                sink(number, RawItem::Error(too_large()))?;
                pass_over_the_rest(&mut lines, depth, &line, number, at, &mut sink)?;
            }
            // Deeper than a value is gathered: one error, and the rest of it passed over by its
            // brackets alone. (Cut short, it gives up the lines within it that are values on
            // their own; a value over several lines after the cut goes with it.)
            Ok(Gathered::TooDeep(depth)) => {
                sink(
                    number,
                    RawItem::Error(format!("value nests deeper than {MAX_GATHER_DEPTH} levels")),
                )?;
                pass_over_the_rest(&mut lines, depth, &line, number, at, &mut sink)?;
            }
            // Cut short where the next value starts: what was gathered is one broken item, and
            // reading goes on from that line.
            Ok(Gathered::CutShort) => {
                sink(
                    number,
                    RawItem::Error(format!(
                        "value is incomplete{}: a line that starts another value follows it",
                        lines_taken(number, &line)
                    )),
                )?;
                for (n, offset, text) in values_within(&line, number, at) {
                    sink(n, RawItem::Json(&text, Some(offset)))?;
                }
            }
            // Cut short by the end of the source (a callback saved in part), or inside its last
            // line (a string cut off, then the next value): one broken item, as for a value cut
            // short by the next one.
            Ok(Gathered::Unclosed) if is_json_so_far(&line) || cut_in_last_line(&line) => {
                let taken = lines_taken(number, &line);
                let reason = match parse_item(&line) {
                    Item::ParseError(e) if taken.is_empty() => e,
                    Item::ParseError(e) => format!("{e} (a value{taken})"),
                    _ => format!("value is incomplete{taken}: the source ends before it closes"),
                };
                sink(number, RawItem::Error(reason))?;
                for (n, offset, text) in values_within(&line, number, at) {
                    sink(n, RawItem::Json(&text, Some(offset)))?;
                }
            }
            Ok(gathered) => {
                let closed = matches!(gathered, Gathered::Closed);
                // Parsed here, not by the caller: when later lines merely balance a truncated
                // line's brackets, the lines in between must be read again.
                let reason = match parse_item(&line) {
                    Item::ParseError(e) => e,
                    _ if closed => {
                        sink(number, RawItem::Json(&line, Some(at)))?;
                        continue;
                    }
                    _ => "value is incomplete or too large".into(),
                };
                sink(number, RawItem::Error(reason))?;
                // Re-read what followed the first line: after a truncated NDJSON line the
                // rest may be good, and nothing good may be dropped.
                lines.push_back_after_first_line(&line, number, at);
            }
            Err(e) => return sink(number, RawItem::Error(format!("read error: {e}"))),
        }
    }
}

/// Which lines a broken value gathered from line `number` took, when it took more than its
/// first (` on lines 1-4`): those of them that are no value on their own are reported with it,
/// not as items of their own, and the user is told where to look.
fn lines_taken(number: ItemNumber, gathered: &[u8]) -> String {
    let last = number + gathered.split_inclusive(|&b| b == b'\n').count() as u64 - 1;
    if last > number {
        format!(" on lines {number}-{last}")
    } else {
        String::new()
    }
}

/// Reads past the rest of a value too large to hold (`gathered` so far, from line `number` at
/// `at`), by its brackets alone from `depth`; when it turns out cut short, the values within it
/// are items (see [`values_within`]).
fn pass_over_the_rest<R: BufRead, E>(
    lines: &mut Lines<R>,
    mut depth: Depth,
    gathered: &[u8],
    number: ItemNumber,
    at: u64,
    sink: &mut impl FnMut(ItemNumber, RawItem<'_>) -> Result<(), E>,
) -> Result<(), E> {
    depth.unbounded = true;
    depth.too_deep = false;
    // A line too long to hold that took it there is part of it, not an item.
    lines.deferred_too_long = None;
    let mut whole = values_within(gathered, number, at);
    match pass_over(lines, depth, &mut whole) {
        // The value was whole: its lines are its own.
        Ok(true) => Ok(()),
        // Cut short: the lines that are values on their own are items.
        Ok(false) => {
            for (n, offset, text) in &whole {
                sink(*n, RawItem::Json(text, Some(*offset)))?;
            }
            Ok(())
        }
        Err(e) => sink(lines.number + 1, RawItem::Error(format!("read error: {e}"))),
    }
}

/// The error for an item over [`MAX_ITEM_BYTES`].
pub fn too_large() -> String {
    format!("item is larger than {} MiB", MAX_ITEM_BYTES >> 20)
}

/// How gathering a multi-line value ended.
enum Gathered {
    /// Its brackets balance.
    Closed,
    /// It cannot become valid: the source ended, or a line broke it.
    Unclosed,
    /// A line that starts another value came before it closed (left unread).
    CutShort,
    /// It grew past [`MAX_ITEM_BYTES`] with its brackets still open (or balanced by the line that
    /// took it past), or met a line too long to hold, at this depth.
    TooLarge(Depth),
    /// It went deeper than [`MAX_GATHER_DEPTH`] (at this depth) without breaking.
    TooDeep(Depth),
}

/// Appends lines to `buf` until its brackets balance, it cannot become valid, it is too large, or
/// a line that starts another value comes first.
fn gather<R: BufRead>(
    lines: &mut Lines<R>,
    buf: &mut Vec<u8>,
    mut depth: Depth,
) -> io::Result<Gathered> {
    let mut next = Vec::new();
    loop {
        let number = match lines.next(&mut next)? {
            None => return Ok(Gathered::Unclosed),
            // A line too long to hold: one that starts another value cuts this one short (it is
            // reported on its own, as it would be if it were shorter); any other is inside this
            // value, which is then too large. (Reported on its own too if what came before it
            // was no value.)
            Some(LineRead::TooLong(n)) => {
                lines.deferred_too_long = Some(n);
                return Ok(if lines.too_long_starts_value && !depth.awaits_value() {
                    Gathered::CutShort
                } else {
                    Gathered::TooLarge(depth)
                });
            }
            Some(LineRead::Line(number)) => number,
        };
        if starts_value(&next) && !depth.awaits_value() {
            let at = lines.line_offset;
            lines.unread(&next, number, at);
            return Ok(Gathered::CutShort);
        }
        buf.extend_from_slice(&next);
        match depth.scan(&next) {
            Scan::Broken => return Ok(Gathered::Unclosed),
            _ if buf.len() > MAX_ITEM_BYTES => return Ok(Gathered::TooLarge(depth)),
            Scan::TooDeep => return Ok(Gathered::TooDeep(depth)),
            Scan::Open => {}
            Scan::Closed => return Ok(Gathered::Closed),
        }
    }
}

/// Whether `text` is JSON as far as it goes: a value, or the start of one cut short. A truncated
/// line followed by whole lines of their own is not (they do not continue it).
fn is_json_so_far(text: &[u8]) -> bool {
    match serde_json::from_slice::<serde::de::IgnoredAny>(text) {
        Ok(_) => true,
        Err(e) => e.is_eof(),
    }
}

/// Whether `text`, lines gathered for one value, is JSON up to its last line and broken only
/// there: the value was cut short inside that line (a string cut off by a crash). It takes two
/// lines at least; a single line is an item as it is.
fn cut_in_last_line(text: &[u8]) -> bool {
    let body = text.strip_suffix(b"\n").unwrap_or(text);
    let Some(last_start) = memchr::memrchr(b'\n', body).map(|i| i + 1) else {
        return false;
    };
    let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(text) else {
        return false;
    };
    let lines = memchr::memchr_iter(b'\n', body).count() + 1;
    e.line() == lines && is_json_so_far(&text[..last_start])
}

/// Whether a line met inside a multi-line value starts another value instead: one that opens an
/// object or array at its very start, where the value cannot take one (see
/// [`Depth::awaits_value`]). Inside a pretty-printed value every line is indented, so such a line
/// follows a value that was cut short (an NDJSON line truncated by a crash, a large callback
/// saved in part).
pub(crate) fn starts_value(line: &[u8]) -> bool {
    matches!(line.first(), Some(b'{' | b'['))
}

/// Reads past the rest of a value too large to hold, from `depth`, scanning its brackets only:
/// up to the line that closes it (`true`), or one that cannot continue it (read as part of it)
/// or starts another value (left unread), or the end of the source (`false`: it was cut short).
/// Lines that are JSON values on their own are added to `whole` (see [`values_within`]).
fn pass_over<R: BufRead>(
    lines: &mut Lines<R>,
    mut depth: Depth,
    whole: &mut Vec<(ItemNumber, u64, Vec<u8>)>,
) -> io::Result<bool> {
    let mut next = Vec::new();
    while depth.depth > 0 || depth.in_string {
        let number = match lines.next(&mut next)? {
            None => return Ok(false),
            // Too long to hold, so not scanned: inside such a value, a long line is a string's,
            // unless it starts another value.
            Some(LineRead::TooLong(n)) if lines.too_long_starts_value && !depth.awaits_value() => {
                lines.deferred_too_long = Some(n);
                return Ok(false);
            }
            Some(LineRead::TooLong(_)) => continue,
            Some(LineRead::Line(number)) => number,
        };
        if starts_value(&next) && !depth.awaits_value() {
            let at = lines.line_offset;
            lines.unread(&next, number, at);
            return Ok(false);
        }
        if is_whole_line(&next) {
            whole.push((number, lines.line_offset, next.clone()));
        }
        match depth.scan(&next) {
            // Unbounded here: scanned once, line by line.
            Scan::Open | Scan::TooDeep => {}
            Scan::Closed => return Ok(true),
            Scan::Broken => return Ok(false),
        }
    }
    Ok(true)
}

/// The values within `gathered` after its first line (line `first`, at `offset`), with their
/// numbers and offsets: lines that are JSON values on their own, and values over several lines
/// that open at a line's start (indented or not) and close within it. When a value cut short is
/// one error, these are still items, so that nothing good inside it is dropped (an indented
/// pretty-printed callback after a value cut between two of its members, say). The last object
/// of an array inside the cut value reads the same, and is an item too: it fails as a callback
/// (no signature), which is noise, where taking it for part of the cut value could lose one.
fn values_within(
    gathered: &[u8],
    first: ItemNumber,
    offset: u64,
) -> Vec<(ItemNumber, u64, Vec<u8>)> {
    let mut lines = Vec::new();
    let (mut number, mut at) = (first, offset);
    for line in gathered.split_inclusive(|&b| b == b'\n') {
        if number > first {
            lines.push((number, at, line));
        }
        number += 1;
        at += line.len() as u64;
    }
    let mut values = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (number, at, line) = lines[i];
        if is_whole_line(line) {
            values.push((number, at, line.to_vec()));
            i += 1;
            continue;
        }
        let opens = line.iter().find(|&&b| !is_space(b));
        if matches!(opens, Some(b'{' | b'[')) {
            let mut depth = Depth::default();
            let mut value = Vec::new();
            for (j, (_, _, next)) in lines.iter().enumerate().skip(i) {
                value.extend_from_slice(next);
                match depth.scan(next) {
                    Scan::Open => continue,
                    Scan::Closed
                        if serde_json::from_slice::<serde::de::IgnoredAny>(&value).is_ok() =>
                    {
                        values.push((number, at, std::mem::take(&mut value)));
                        i = j;
                    }
                    _ => {}
                }
                break;
            }
        }
        i += 1;
    }
    values
}

/// Whether `line` reads as one JSON value (not only white space; the text of its strings is
/// checked when it is parsed as an item).
fn is_whole_line(line: &[u8]) -> bool {
    !line.iter().all(|&b| is_space(b))
        && serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok()
}

#[derive(Debug, PartialEq, Eq)]
enum Scan {
    Open,
    Closed,
    Broken,
    /// Open, and deeper than [`MAX_GATHER_DEPTH`] (a bounded tracker only).
    TooDeep,
}

/// Tracks bracket depth across lines, skipping brackets inside strings. It only frames; serde_json
/// validates the gathered text.
#[derive(Default)]
struct Depth {
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// Which open brackets are arrays: bit `d` for the one at depth `d + 1`, the first 128 here
    /// and those deeper in `deeper` (only a value passed over by its brackets goes that deep).
    arrays: u128,
    deeper: Vec<u128>,
    /// Tracks any depth; by default, one past [`MAX_GATHER_DEPTH`] is [`Scan::TooDeep`].
    unbounded: bool,
    /// A bracket opened past [`MAX_GATHER_DEPTH`] (bounded trackers only).
    too_deep: bool,
    /// The last byte outside strings that is not white space (`"` for a string just closed).
    last: u8,
}

impl Depth {
    fn scan(&mut self, bytes: &[u8]) -> Scan {
        let mut i = 0;
        while i < bytes.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                // Jump to the next quote, backslash or newline: string contents are most bytes.
                match memchr::memchr3(b'"', b'\\', b'\n', &bytes[i..]) {
                    None => return self.end_of(bytes),
                    Some(at) => {
                        i += at;
                        match bytes[i] {
                            b'"' => {
                                self.in_string = false;
                                self.last = b'"';
                            }
                            b'\\' => self.escaped = true,
                            // JSON strings cannot span lines.
                            _ => return Scan::Broken,
                        }
                    }
                }
            } else {
                let byte = bytes[i];
                match byte {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => {
                        self.depth += 1;
                        self.set_array(byte == b'[');
                        self.too_deep |= !self.unbounded && self.depth > MAX_GATHER_DEPTH;
                    }
                    b'}' | b']' => match self.depth.checked_sub(1) {
                        Some(d) => self.depth = d,
                        None => return Scan::Broken,
                    },
                    _ => {}
                }
                if !is_space(byte) {
                    self.last = byte;
                }
            }
            i += 1;
        }
        self.end_of(bytes)
    }

    /// Whether the text so far ends where a value may come next: after `:`, `[`, or a `,` inside
    /// an array. A line that opens an object or array at its very start continues the text only
    /// there (JSON written with line breaks but no indentation puts an array's objects so).
    fn awaits_value(&self) -> bool {
        let in_array = self.depth > 0 && self.is_array();
        !self.in_string && (matches!(self.last, b':' | b'[') || (self.last == b',' && in_array))
    }

    /// Notes whether the bracket just opened (at `self.depth`) is an array's.
    fn set_array(&mut self, array: bool) {
        let d = (self.depth - 1) as usize;
        let word = match d / 128 {
            0 => &mut self.arrays,
            n => {
                if self.deeper.len() < n {
                    self.deeper.resize(n, 0);
                }
                &mut self.deeper[n - 1]
            }
        };
        let bit = 1u128 << (d % 128);
        if array {
            *word |= bit;
        } else {
            *word &= !bit;
        }
    }

    /// Whether the innermost open bracket (at `self.depth`, at least 1) is an array's.
    fn is_array(&self) -> bool {
        let d = (self.depth - 1) as usize;
        let word = match d / 128 {
            0 => self.arrays,
            n => self.deeper[n - 1],
        };
        word & (1u128 << (d % 128)) != 0
    }

    fn end_of(&self, bytes: &[u8]) -> Scan {
        match (self.depth, self.in_string) {
            (0, false) => Scan::Closed,
            (_, true) if bytes.ends_with(b"\n") => Scan::Broken,
            _ if self.too_deep => Scan::TooDeep,
            _ => Scan::Open,
        }
    }
}

enum LineRead {
    Line(ItemNumber),
    TooLong(ItemNumber),
}

/// Lines with their numbers, a size cap, and a push-back buffer for re-reading after a failed gather.
struct Lines<R> {
    inner: R,
    /// Lines of the underlying reader read so far.
    number: ItemNumber,
    /// Bytes of the source before the underlying reader's position.
    offset: u64,
    /// Where the line last returned starts in the source.
    line_offset: u64,
    /// Where the next pushed-back line starts in the source.
    pushed_offset: u64,
    pushed_back: Vec<u8>,
    pushed_pos: usize,
    /// The number of the next pushed-back line.
    pushed_number: ItemNumber,
    /// A too-long line met while gathering, reported once the push-back is read.
    deferred_too_long: Option<ItemNumber>,
    /// Whether the last too-long line read starts another value (see [`starts_value`]).
    too_long_starts_value: bool,
}

impl<R: BufRead> Lines<R> {
    fn new(inner: R) -> Self {
        Lines {
            inner,
            number: 0,
            offset: 0,
            line_offset: 0,
            pushed_offset: 0,
            pushed_back: Vec::new(),
            pushed_pos: 0,
            pushed_number: 0,
            deferred_too_long: None,
            too_long_starts_value: false,
        }
    }

    /// Reads the next line, newline included, into `buf`.
    fn next(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<LineRead>> {
        buf.clear();
        if self.pushed_pos < self.pushed_back.len() {
            let rest = &self.pushed_back[self.pushed_pos..];
            let len = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
            buf.extend_from_slice(&rest[..len]);
            self.pushed_pos += len;
            self.line_offset = self.pushed_offset;
            self.pushed_offset += len as u64;
            self.pushed_number += 1;
            return Ok(Some(LineRead::Line(self.pushed_number - 1)));
        }
        if let Some(n) = self.deferred_too_long.take() {
            return Ok(Some(LineRead::TooLong(n)));
        }
        let mut too_long = false;
        let mut any = false;
        self.line_offset = self.offset;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            any = true;
            let (len, done) = match memchr::memchr(b'\n', available) {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            if !too_long && buf.len() + len <= MAX_ITEM_BYTES {
                buf.extend_from_slice(&available[..len]);
            } else {
                if !too_long {
                    let first = buf.first().or(available.first());
                    self.too_long_starts_value = first.is_some_and(|b| starts_value(&[*b]));
                }
                too_long = true;
                buf.clear();
            }
            self.inner.consume(len);
            self.offset += len as u64;
            if done {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        self.number += 1;
        Ok(Some(if too_long {
            LineRead::TooLong(self.number)
        } else {
            LineRead::Line(self.number)
        }))
    }

    /// Makes `lines` (the first is line `number`, at `offset`), just read, readable again,
    /// before any push-back not read yet (which follows them in the source).
    fn unread(&mut self, lines: &[u8], number: ItemNumber, offset: u64) {
        let mut pending = lines.to_vec();
        pending.extend_from_slice(&self.pushed_back[self.pushed_pos..]);
        self.pushed_back = pending;
        self.pushed_pos = 0;
        self.pushed_number = number;
        self.pushed_offset = offset;
    }

    /// Makes the lines of `gathered` after its first (line `first_number`, at `first_offset`)
    /// readable again.
    fn push_back_after_first_line(
        &mut self,
        gathered: &[u8],
        first_number: ItemNumber,
        first_offset: u64,
    ) {
        let Some(first_end) = memchr::memchr(b'\n', gathered) else {
            return;
        };
        self.unread(
            &gathered[first_end + 1..],
            first_number + 1,
            first_offset + first_end as u64 + 1,
        );
    }
}
