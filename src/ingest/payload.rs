//! Saved callbacks as they arrive on disk or stdin: framing (one object, a JSON array of objects,
//! or NDJSON) and the extraction of the fields `verify` checks.
//!
//! Everything here streams: one item is in memory at a time, and an item larger than
//! [`MAX_ITEM_BYTES`] is reported and skipped without being buffered. Cryptography and verdicts
//! live in `verify`.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead};

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// The largest single callback accepted. Real Smile ID job results are a few kilobytes; the limit
/// keeps a hostile file from making us buffer gigabytes.
pub const MAX_ITEM_BYTES: usize = 16 << 20;

/// The deepest nesting serde_json reads into typed values (127 levels; a unit test holds it to
/// that). Raw and ignored values have no such limit, so each reader states its own bound relative
/// to this one.
pub(crate) const MAX_NESTING: u32 = 127;

/// Deepest nesting a multi-line value may reach while its lines are gathered; deeper is judged
/// broken.
const MAX_GATHER_DEPTH: u32 = MAX_NESTING + 1;

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
        Err(e) => Item::ParseError(e.to_string()),
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
    mut reader: R,
    mut sink: impl FnMut(ItemNumber, RawItem<'_>) -> Result<(), E>,
) -> Result<(), E> {
    match layout(&mut reader) {
        Err(e) => sink(1, RawItem::Error(format!("read error: {e}"))),
        Ok(Layout::Array { place, .. }) => read_array(reader, place, sink),
        Ok(Layout::Lines {
            lines_before,
            bytes_before,
        }) => read_lines(reader, lines_before, bytes_before, sink),
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

/// Reads past a BOM and leading white space, and says how the rest is laid out.
pub fn layout<R: BufRead>(reader: &mut R) -> io::Result<Layout> {
    Ok(match skip_leading_space(reader)? {
        (Some(b'['), lines, bytes_before, column) => Layout::Array {
            bytes_before,
            place: Place { lines, column },
        },
        (_, lines_before, bytes_before, _) => Layout::Lines {
            lines_before,
            bytes_before,
        },
    })
}

/// Whether `line` opens more brackets than it closes without being broken: the first line of a
/// multi-line value (a pretty-printed object), or a truncated line. Such a line is not an item by
/// itself; [`frame_lines`] gathers the lines that follow it.
pub fn opens_value(line: &[u8]) -> bool {
    Depth::default().scan(line) == Scan::Open
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
    if reader.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
        skipped = 3;
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

/// A top-level array, streamed element by element (after [`layout`] said [`Layout::Array`]).
///
/// An element that cannot be read is an error item of its own, and the elements after it are
/// read on: a batch reports every item it holds, and one damaged callback must not hide the
/// callbacks after it. serde_json stops at the error (or, for an element larger than
/// [`MAX_ITEM_BYTES`], once it has been handed that many bytes of it, so memory stays bounded);
/// the rest of that element is skipped by its brackets and quotes ([`Bounded::get_past`]), and
/// serde_json is started again on a short stand-in for what came before; the lines and columns of
/// its errors are moved back to the file's ([`Bounded::placed`]). Reading ends at the array's
/// end, at the end of the source, or at a read error.
pub fn read_array<R: BufRead, E: From<io::Error>>(
    reader: R,
    place: Place,
    mut sink: impl FnMut(ItemNumber, RawItem<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let mut source = Bounded::new(reader, place);
    // The number of this pass's first element, and whether that one is a stand-in.
    let mut first: ItemNumber = 1;
    let mut stand_in = false;
    loop {
        let Some(broken) = array_pass(&mut source, first, stand_in, &mut sink)? else {
            return Ok(());
        };
        sink(broken.number, RawItem::Error(broken.error))?;
        if !broken.read_on {
            return Ok(());
        }
        let Some(stand_in_bytes) = source.get_past()? else {
            return Ok(());
        };
        source.restart(stand_in_bytes);
        first = broken.number;
        stand_in = true;
    }
}

/// Where serde_json's stream reader stopped short of the array's end.
struct Broken {
    /// The element it stopped in, or would have read next.
    number: ItemNumber,
    error: String,
    /// Whether the elements after it can be read: not after a read error.
    read_on: bool,
}

/// One run of serde_json's stream reader over the array: `Some` when it stopped before the
/// array's end (an element too large, a syntax error, the source's end or a read error).
fn array_pass<R: BufRead, E>(
    source: &mut Bounded<R>,
    first: ItemNumber,
    stand_in: bool,
    sink: &mut impl FnMut(ItemNumber, RawItem<'_>) -> Result<(), E>,
) -> Result<Option<Broken>, E> {
    struct Elements<'s, F, E> {
        sink: &'s mut F,
        /// The sink's own error, kept while serde_json unwinds with a stand-in of its type.
        sink_error: Option<E>,
        count: ItemNumber,
        first: ItemNumber,
        stand_in: bool,
        cues: std::rc::Rc<Cues>,
    }
    impl<'de, F: FnMut(ItemNumber, RawItem<'_>) -> Result<(), E>, E> Visitor<'de>
        for &mut Elements<'_, F, E>
    {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of callback objects")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            loop {
                self.cues.start_value.set(true);
                let raw = match seq.next_element::<Box<RawValue>>() {
                    Ok(Some(raw)) => raw,
                    Ok(None) => {
                        // The closing bracket may have been read already (it ends a number), so
                        // no byte took the cue: what follows is not an element.
                        self.cues.start_value.set(false);
                        break;
                    }
                    Err(e) => {
                        self.cues.halted.set(true);
                        return Err(e);
                    }
                };
                self.count += 1;
                if self.stand_in && self.count == 1 {
                    continue;
                }
                let number = self.first + self.count - 1;
                if let Err(e) = (self.sink)(number, RawItem::Json(raw.get().as_bytes(), None)) {
                    self.sink_error = Some(e);
                    return Err(de::Error::custom("output closed"));
                }
            }
            Ok(())
        }
    }
    let mut elements = Elements {
        sink,
        sink_error: None,
        count: 0,
        first,
        stand_in,
        cues: source.cues.clone(),
    };
    let outcome = {
        let mut de = serde_json::Deserializer::from_reader(&mut *source);
        de.deserialize_seq(&mut elements).and_then(|()| de.end())
    };
    if let Some(e) = elements.sink_error {
        return Err(e);
    }
    let number = elements.first + elements.count;
    if source.over_limit {
        return Ok(Some(Broken {
            number,
            error: too_large(),
            read_on: true,
        }));
    }
    Ok(outcome.err().map(|e| Broken {
        number,
        read_on: !e.is_io(),
        error: source.placed(&e),
    }))
}

/// Where the reader is in the element serde_json is reading, judged byte by byte by quotes and
/// brackets only (serde_json judges validity).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not in an element: the array's opening, or after its end.
    Outside,
    /// Before an element's first byte: white space and the comma.
    Before,
    Scalar,
    Str {
        escaped: bool,
    },
    /// In an object or array, whose open brackets' closers are [`Bounded::closers`].
    Container {
        in_string: bool,
        escaped: bool,
    },
    /// After an element's last byte.
    Done,
    /// After a `]` that closed nothing open in a broken element: the array's own closing
    /// bracket, unless a comma follows (then it stood for the element's own closer).
    StrayClose,
}

/// Whether `b` is JSON white space (a form feed, say, is not).
#[inline(always)]
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The bracket that closes the one `open` opens.
fn closer_of(open: u8) -> u8 {
    if open == b'{' { b'}' } else { b']' }
}

/// What the visitor of the array's elements tells the reader under serde_json.
#[derive(Debug, Default)]
struct Cues {
    /// serde_json is about to read an element (set before each one).
    start_value: std::cell::Cell<bool>,
    /// serde_json met an error in an element or before one. It is handed nothing more, so that
    /// the reader stays where the error is: serde_json reads on after an error, to look for the
    /// array's end.
    halted: std::cell::Cell<bool>,
}

/// A reader between serde_json and the source that counts the bytes of each element it hands
/// on and stops at [`MAX_ITEM_BYTES`], and can skip the rest of that element and start again.
struct Bounded<R> {
    inner: R,
    phase: Phase,
    value_bytes: usize,
    cues: std::rc::Rc<Cues>,
    over_limit: bool,
    /// The closing brackets the element's open brackets expect, innermost last.
    closers: Vec<u8>,
    /// How many of `closers` are `}`.
    open_braces: usize,
    /// Line (newlines seen) and column (bytes since the last newline) of the source's next byte.
    lines: u64,
    column: u64,
    /// Where serde_json's run started: its line 1 begins with the stand-in, then the source
    /// from this place. Its errors are moved back to the source's lines and columns from here.
    start: Start,
    /// The stand-in still to hand on before the source (`[0 `).
    head: &'static [u8],
}

/// Where a byte is in a source, as serde_json counts it: the line breaks before it, and the
/// bytes since the last of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Place {
    pub lines: u64,
    pub column: u64,
}

/// Where in the source serde_json's current run starts, and the stand-in before it.
#[derive(Debug, Clone, Copy, Default)]
struct Start {
    place: Place,
    stand_in: u64,
}

impl<R: BufRead> Bounded<R> {
    /// Reads `inner`, which starts at `place` in its source.
    fn new(inner: R, place: Place) -> Self {
        Bounded {
            inner,
            phase: Phase::Outside,
            value_bytes: 0,
            cues: std::rc::Rc::default(),
            over_limit: false,
            closers: Vec::new(),
            open_braces: 0,
            lines: place.lines,
            column: place.column,
            start: Start { place, stand_in: 0 },
            head: b"",
        }
    }

    /// Takes `b` into the phase; false when it would make the element too large.
    fn track(&mut self, b: u8) -> bool {
        if self.cues.start_value.replace(false) {
            self.phase = Phase::Before;
            self.value_bytes = 0;
        }
        let ws = is_space(b);
        let before = self.phase;
        self.phase = match self.phase {
            Phase::Outside => Phase::Outside,
            Phase::StrayClose if ws => Phase::StrayClose,
            Phase::StrayClose if b == b',' => Phase::Before,
            Phase::StrayClose => Phase::Outside,
            // After an element as before one. In valid JSON what follows an element is read
            // after the visitor's cue (white space, a comma, the closing bracket); bytes that
            // serde_json read past an element while failing in it (the four of a `\u` escape)
            // come here, and a comma among them must still be seen.
            Phase::Done if ws => Phase::Done,
            Phase::Before | Phase::Done if ws || b == b',' => Phase::Before,
            Phase::Before | Phase::Done if b == b']' => Phase::Outside,
            Phase::Before | Phase::Done => self.begin(b),
            // What ends a scalar belongs to the array: white space, a comma (a value may follow:
            // `Before`) or the closing bracket (`Outside`).
            Phase::Scalar if ws => Phase::Done,
            Phase::Scalar if b == b',' => Phase::Before,
            Phase::Scalar if b == b']' => Phase::Outside,
            // A bracket or a quote cannot go on a number or a literal: it begins the next value
            // (a comma is missing), and a stray `}` ends the scalar. Valid JSON never gets here.
            Phase::Scalar if matches!(b, b'{' | b'[' | b'"') => self.begin(b),
            Phase::Scalar if b == b'}' => Phase::Done,
            Phase::Scalar => Phase::Scalar,
            Phase::Str { escaped: true } => Phase::Str { escaped: false },
            Phase::Str { escaped: false } => match b {
                b'\\' => Phase::Str { escaped: true },
                b'"' => Phase::Done,
                _ => Phase::Str { escaped: false },
            },
            Phase::Container {
                in_string: true,
                escaped,
            } => Phase::Container {
                in_string: escaped || b != b'"',
                escaped: !escaped && b == b'\\',
            },
            Phase::Container { .. } => match b {
                b'{' | b'[' => {
                    self.open(b);
                    Phase::Container {
                        in_string: false,
                        escaped: false,
                    }
                }
                b'}' | b']' => self.close(b),
                _ => Phase::Container {
                    in_string: b == b'"',
                    escaped: false,
                },
            },
        };
        // A byte of the element: its first, its last (a closing quote or bracket), any between;
        // not what ends a scalar, nor what follows the element.
        let in_value = !matches!(
            (before, self.phase),
            (Phase::Outside | Phase::Done | Phase::StrayClose, _)
                | (_, Phase::Outside | Phase::Before)
                | (Phase::Scalar, Phase::Done)
        );
        if in_value {
            self.value_bytes += 1;
            if self.value_bytes > MAX_ITEM_BYTES {
                // Not taken: the byte is left to `skip_value`, from the phase before it.
                self.phase = before;
                self.value_bytes -= 1;
                return false;
            }
        }
        true
    }

    /// The phase an element begins in with `b`, its first byte.
    fn begin(&mut self, b: u8) -> Phase {
        match b {
            b'{' | b'[' => {
                self.closers.clear();
                self.open_braces = 0;
                self.open(b);
                Phase::Container {
                    in_string: false,
                    escaped: false,
                }
            }
            b'"' => Phase::Str { escaped: false },
            _ => Phase::Scalar,
        }
    }

    fn open(&mut self, b: u8) {
        let closer = closer_of(b);
        self.open_braces += usize::from(closer == b'}');
        self.closers.push(closer);
    }

    /// Takes the closing bracket `b` in the element being read. Valid JSON only ever closes the
    /// innermost bracket open. One that does not closes the bracket it matches (`{"a":[1}`: the
    /// `[` was left open), so that the element ends where it was meant to; a `}` that matches
    /// nothing closes the innermost; a `]` that matches nothing ends the element, and is the
    /// array's own unless a comma follows ([`Phase::StrayClose`]). Counts of each kind keep every
    /// byte's cost flat.
    fn close(&mut self, b: u8) -> Phase {
        let open_of_kind = if b == b'}' {
            self.open_braces
        } else {
            self.closers.len() - self.open_braces
        };
        if open_of_kind > 0 {
            while let Some(closer) = self.closers.pop() {
                self.open_braces -= usize::from(closer == b'}');
                if closer == b {
                    break;
                }
            }
        } else if b == b']' {
            self.closers.clear();
            self.open_braces = 0;
            return Phase::StrayClose;
        } else {
            // No `}` is expected, so the innermost is a `]`.
            self.closers.pop();
        }
        if self.closers.is_empty() {
            Phase::Done
        } else {
            Phase::Container {
                in_string: false,
                escaped: false,
            }
        }
    }

    /// Moves the source's line and column past `b`, a byte of the source (not of a stand-in).
    fn advance(&mut self, b: u8) {
        if b == b'\n' {
            self.lines += 1;
            self.column = 0;
        } else {
            self.column += 1;
        }
    }

    /// serde_json's error, its line and column moved back to the source's: they count from
    /// where its run started, after the stand-in.
    fn placed(&self, e: &serde_json::Error) -> String {
        let text = e.to_string();
        let (line, column) = (e.line() as u64, e.column() as u64);
        let suffix = format!(" at line {line} column {column}");
        let Some(words) = text.strip_suffix(&suffix) else {
            return text;
        };
        let Start { place, stand_in } = self.start;
        let (line, column) = if line == 1 {
            (
                place.lines + 1,
                place.column + column.saturating_sub(stand_in),
            )
        } else {
            (place.lines + line, column)
        };
        format!("{words} at line {line} column {column}")
    }

    /// Gets past what stopped serde_json, for it to start again after that: the rest of the
    /// element it stopped in is skipped. Returns the stand-in to start on (`[0 `, or `[0,` when
    /// what stopped it was the comma before a missing value, so that the next value keeps its
    /// number), or `None` when nothing but white space follows or the array is over. The
    /// stand-in's `0` is always ended by it, so that a digit next in the source cannot run on
    /// from it (`[04`) and fail before the stand-in is counted.
    fn get_past(&mut self) -> io::Result<Option<&'static [u8]>> {
        // An element asked for but not begun (its first byte was read before it was asked for):
        // what stopped serde_json lies in the phase as it is.
        self.cues.start_value.set(false);
        let stand_in: &'static [u8] = match self.phase {
            // The closing bracket, or what follows it: the array is over.
            Phase::Outside => return Ok(None),
            Phase::Before => b"[0,",
            Phase::Done | Phase::StrayClose => b"[0 ",
            Phase::Scalar | Phase::Str { .. } | Phase::Container { .. } => {
                self.skip_value()?;
                b"[0 "
            }
        };
        loop {
            let buf = self.inner.fill_buf()?;
            let Some(&b) = buf.first() else {
                return Ok(None);
            };
            if !is_space(b) {
                // After a stray `]`, only a comma says that the array goes on.
                if self.phase == Phase::StrayClose && b != b',' {
                    return Ok(None);
                }
                return Ok(Some(stand_in));
            }
            self.track(b);
            self.advance(b);
            self.inner.consume(1);
        }
    }

    /// Skips the rest of the element the reader stopped in, leaving a scalar's end unread.
    fn skip_value(&mut self) -> io::Result<()> {
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                return Ok(());
            }
            let chunk = buf[..buf.len().min(64 << 10)].to_vec();
            let mut used = 0;
            let mut done = false;
            for b in chunk {
                // What ends a scalar, or begins the value after it, is not the scalar's.
                if self.phase == Phase::Scalar
                    && (is_space(b) || matches!(b, b',' | b']' | b'{' | b'[' | b'"'))
                {
                    done = true;
                    break;
                }
                used += 1;
                // Past the limit already: only the phase and the position matter here.
                self.value_bytes = 0;
                self.track(b);
                self.advance(b);
                // The element's end (or, after a `]` that closes nothing in it, maybe the
                // array's).
                if matches!(self.phase, Phase::Done | Phase::StrayClose) {
                    done = true;
                    break;
                }
            }
            self.inner.consume(used);
            if done {
                if self.phase == Phase::Scalar {
                    self.phase = Phase::Done;
                }
                return Ok(());
            }
        }
    }

    /// Starts again after a skipped element: the stand-in, then the source from where it is.
    fn restart(&mut self, stand_in: &'static [u8]) {
        self.head = stand_in;
        self.start = Start {
            place: Place {
                lines: self.lines,
                column: self.column,
            },
            stand_in: stand_in.len() as u64,
        };
        self.phase = Phase::Outside;
        self.over_limit = false;
        self.cues.start_value.set(false);
        self.cues.halted.set(false);
    }
}

impl<R: BufRead> io::Read for Bounded<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.cues.halted.get() {
            return Ok(0);
        }
        if let Some((&b, rest)) = self.head.split_first() {
            self.head = rest;
            // Tracked too, as the element they stand for; not counted in the source's place.
            self.track(b);
            out[0] = b;
            return Ok(1);
        }
        let Some(&b) = self.inner.fill_buf()?.first() else {
            return Ok(0);
        };
        if !self.track(b) {
            self.over_limit = true;
            return Err(io::Error::other(too_large()));
        }
        self.advance(b);
        self.inner.consume(1);
        out[0] = b;
        Ok(1)
    }
}

/// NDJSON, a lone object (possibly pretty-printed over many lines), or several of either,
/// numbered as [`LoneItem`] says.
fn read_lines<R: BufRead, E>(
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

/// Frames lines into items (after [`layout`] said [`Layout::Lines`], or from any line on): an item
/// is a line, or a multi-line value gathered from the line that opens it. Items are numbered by
/// the line they start on; unlike [`for_each_raw_item`], a lone item is not renumbered 1.
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
        if line.iter().all(u8::is_ascii_whitespace) {
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
                // A line too long to hold that took it there is part of it, not an item.
                lines.deferred_too_long = None;
                sink(number, RawItem::Error(too_large()))?;
                let mut whole = values_within(&line, number, at);
                match pass_over(&mut lines, depth, &mut whole) {
                    // The value was whole: its lines are its own.
                    Ok(true) => {}
                    // Cut short: the lines that are values on their own are items.
                    Ok(false) => {
                        for (n, offset, text) in &whole {
                            sink(*n, RawItem::Json(text, Some(*offset)))?;
                        }
                    }
                    Err(e) => {
                        return sink(lines.number + 1, RawItem::Error(format!("read error: {e}")));
                    }
                }
            }
            // Cut short where the next value starts: what was gathered is one broken item, and
            // reading goes on from that line.
            Ok(Gathered::CutShort) => {
                sink(
                    number,
                    RawItem::Error(
                        "value is incomplete: a line that starts another value follows it".into(),
                    ),
                )?;
                for (n, offset, text) in values_within(&line, number, at) {
                    sink(n, RawItem::Json(&text, Some(offset)))?;
                }
            }
            // Cut short by the end of the source (a callback saved in part), or inside its last
            // line (a string cut off, then the next value): one broken item, as for a value cut
            // short by the next one.
            Ok(Gathered::Unclosed) if is_json_so_far(&line) || cut_in_last_line(&line) => {
                let reason = match parse_item(&line) {
                    Item::ParseError(e) => e,
                    _ => "value is incomplete: the source ends before it closes".into(),
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
                    _ => {
                        format!(
                            "value is incomplete, nested deeper than {MAX_GATHER_DEPTH}, or too large"
                        )
                    }
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
            Scan::Open => {}
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
        let opens = line.iter().find(|b| !b.is_ascii_whitespace());
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
    !line.iter().all(u8::is_ascii_whitespace)
        && serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok()
}

#[derive(Debug, PartialEq, Eq)]
enum Scan {
    Open,
    Closed,
    Broken,
}

/// Tracks bracket depth across lines, skipping brackets inside strings. It only frames; serde_json
/// validates the gathered text.
#[derive(Default)]
struct Depth {
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// Which open brackets are arrays: bit `d` for the one at depth `d + 1` (the gathering depth
    /// is at most 128).
    arrays: u128,
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
                        if self.depth > MAX_GATHER_DEPTH {
                            return Scan::Broken;
                        }
                        let bit = 1u128 << (self.depth - 1);
                        if byte == b'[' {
                            self.arrays |= bit;
                        } else {
                            self.arrays &= !bit;
                        }
                    }
                    b'}' | b']' => match self.depth.checked_sub(1) {
                        Some(d) => self.depth = d,
                        None => return Scan::Broken,
                    },
                    _ => {}
                }
                if !byte.is_ascii_whitespace() {
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
        let in_array = self.depth > 0 && self.arrays & (1u128 << (self.depth - 1)) != 0;
        !self.in_string && (matches!(self.last, b':' | b'[') || (self.last == b',' && in_array))
    }

    fn end_of(&self, bytes: &[u8]) -> Scan {
        match (self.depth, self.in_string) {
            (0, false) => Scan::Closed,
            (_, true) if bytes.ends_with(b"\n") => Scan::Broken,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What [`read_array`] hands on: each element's text, or its error's words.
    fn array_items(input: &str) -> Vec<(ItemNumber, String)> {
        let mut items = Vec::new();
        read_array(
            input.as_bytes(),
            Place::default(),
            |number, raw| -> io::Result<()> {
                items.push(match raw {
                    RawItem::Json(json, _) => (number, String::from_utf8_lossy(json).into_owned()),
                    RawItem::Error(error) => (number, format!("error: {error}")),
                });
                Ok(())
            },
        )
        .unwrap();
        items
    }

    #[test]
    fn a_form_feed_is_not_white_space_before_an_array() {
        let layout_of = |input: &[u8]| layout(&mut io::BufReader::new(input));
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

    #[test]
    fn errors_in_an_array_say_where_they_are_past_what_comes_before_it() {
        for (input, expected) in [
            ("\n\n  [{\"a\":}]", "expected value at line 3 column 9"),
            // A byte-order mark is three bytes of the first line.
            ("\u{feff}  [{\"a\":}]", "expected value at line 1 column 12"),
            (
                "\n \n  [{},\n{\"a\":},{}]",
                "expected value at line 4 column 6",
            ),
        ] {
            let mut errors = Vec::new();
            for_each_raw_item(input.as_bytes(), |_, raw| -> io::Result<()> {
                if let RawItem::Error(e) = raw {
                    errors.push(e);
                }
                Ok(())
            })
            .unwrap();
            assert_eq!(errors, [expected], "{input:?}");
        }
    }

    #[test]
    fn an_array_is_read_on_past_a_broken_element() {
        let a = r#"{"a":1}"#;
        let b = r#"{"b":2}"#;
        let cases: &[(&str, &[(ItemNumber, &str)])] = &[
            (
                r#"[{"a":1},{"x":1,,"y":2},{"b":2}]"#,
                &[
                    (1, a),
                    (2, "error: key must be a string at line 1 column 17"),
                    (3, b),
                ],
            ),
            (
                r#"[{"a":1},{"x":"\q"},{"b":2}]"#,
                &[
                    (1, a),
                    (2, "error: invalid escape at line 1 column 17"),
                    (3, b),
                ],
            ),
            // A missing comma: what follows is the element that cannot be read.
            (
                r#"[{"a":1} {"x":1}, {"b":2}]"#,
                &[
                    (1, a),
                    (2, "error: expected `,` or `]` at line 1 column 10"),
                    (3, b),
                ],
            ),
            // A missing value keeps its number, and the value after it its own.
            (
                r#"[{"a":1},,{"b":2}]"#,
                &[
                    (1, a),
                    (2, "error: expected value at line 1 column 10"),
                    (3, b),
                ],
            ),
            (
                r#"[,{"b":2}]"#,
                &[(1, "error: expected value at line 1 column 2"), (2, b)],
            ),
            // A broken literal ends at the comma that follows it.
            (
                r#"[{"a":1}, tru, {"b":2}]"#,
                &[
                    (1, a),
                    (2, "error: expected ident at line 1 column 14"),
                    (3, b),
                ],
            ),
            (
                r#"[{"a":1}, tru]"#,
                &[(1, a), (2, "error: expected ident at line 1 column 14")],
            ),
            // Errors after a break say where they are in the source.
            (
                "[\n{\"a\":1},\n,\n{\"b\":2}\n{\"c\":3}, {\"d\":4}\n]",
                &[
                    (1, a),
                    (2, "error: expected value at line 3 column 1"),
                    (3, b),
                    (4, "error: expected `,` or `]` at line 5 column 1"),
                    (5, r#"{"d":4}"#),
                ],
            ),
            // The array's end, or the source's, ends reading: nothing more is made up.
            (
                r#"[{"a":1},{"x":1]"#,
                &[
                    (1, a),
                    (2, "error: expected `,` or `}` at line 1 column 16"),
                ],
            ),
            (
                r#"[{"a":1},]"#,
                &[(1, a), (2, "error: trailing comma at line 1 column 10")],
            ),
            (
                "[{\"a\":1},\n  ",
                &[
                    (1, a),
                    (2, "error: EOF while parsing a value at line 2 column 2"),
                ],
            ),
            (
                r#"[{"a":1},{"x":"#,
                &[
                    (1, a),
                    (2, "error: EOF while parsing a value at line 1 column 14"),
                ],
            ),
            (
                r#"[{"a":1}] x"#,
                &[
                    (1, a),
                    (2, "error: trailing characters at line 1 column 11"),
                ],
            ),
            // Columns after a stand-in longer than what it stands for.
            (
                r#"[,{"a":}]"#,
                &[
                    (1, "error: expected value at line 1 column 2"),
                    (2, "error: expected value at line 1 column 8"),
                ],
            ),
            (
                "[,,",
                &[
                    (1, "error: expected value at line 1 column 2"),
                    (2, "error: expected value at line 1 column 3"),
                ],
            ),
            // A bracket left open ends with the element it is in, not with the array.
            (
                r#"[{"a":[1},{"b":2}]"#,
                &[(1, "error: expected `,` or `]` at line 1 column 9"), (2, b)],
            ),
            // A raw line break in a string is an error, and the string goes on after it.
            (
                "[{\"a\":\"x\ny\",\"s\":1},{\"b\":2},{\"c\":3}]",
                &[
                    (
                        1,
                        "error: control character (\\u0000-\\u001F) found while parsing a string at line 2 column 0",
                    ),
                    (2, b),
                    (3, r#"{"c":3}"#),
                ],
            ),
            // Commas missing: each value after one is an error, and the next is read.
            (
                r#"[{"a":1} {"b":2} {"c":3,"e":5},{"d":4}]"#,
                &[
                    (1, a),
                    (2, "error: expected `,` or `]` at line 1 column 10"),
                    (3, "error: expected `,` or `]` at line 1 column 18"),
                    (4, r#"{"d":4}"#),
                ],
            ),
            (
                r#"[1{"b":2}, {"c":3}]"#,
                &[
                    (1, "1"),
                    (2, "error: expected `,` or `]` at line 1 column 3"),
                    (3, r#"{"c":3}"#),
                ],
            ),
            (
                r#"[1}, {"b":2}]"#,
                &[
                    (1, "1"),
                    (2, "error: expected `,` or `]` at line 1 column 3"),
                    (3, b),
                ],
            ),
            // serde_json reads a `\u` escape's four bytes before it fails, here past the
            // element's end and its comma.
            (
                r#"[{"a":"\u1"},{"b":2,"c":3}]"#,
                &[
                    (1, "error: invalid escape at line 1 column 13"),
                    (2, r#"{"b":2,"c":3}"#),
                ],
            ),
            // A number right after a broken element is the next element, not a run-on of the
            // stand-in serde_json starts again on.
            (
                "[tru 4]",
                &[
                    (1, "error: expected ident at line 1 column 5"),
                    (2, "error: expected `,` or `]` at line 1 column 6"),
                ],
            ),
            // A `]` that closes nothing in its element stands for the element's own closer when a
            // comma follows it, and is the array's when anything else does.
            (
                r#"[{"a":1],{"b":2}]"#,
                &[(1, "error: expected `,` or `}` at line 1 column 8"), (2, b)],
            ),
            (
                "[{\"a\":1]\n[{\"c\":3},{\"d\":4}]",
                &[(1, "error: expected `,` or `}` at line 1 column 8")],
            ),
            // The closing bracket read with the number it ends.
            (
                "[1] x]]",
                &[
                    (1, "1"),
                    (2, "error: trailing characters at line 1 column 5"),
                ],
            ),
        ];
        for (input, expected) in cases {
            let expected: Vec<(ItemNumber, String)> = expected
                .iter()
                .map(|&(n, text)| (n, text.to_owned()))
                .collect();
            assert_eq!(array_items(input), expected, "{input}");
        }
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

    fn cb(n: ItemNumber, sig: &str) -> Seen {
        Seen::Cb(n, Some(sig.to_owned()))
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
        let mut errors = Vec::new();
        frame_lines(pretty.as_bytes(), 0, 0, |n, raw| {
            if let RawItem::Error(e) = raw {
                errors.push((n, e));
            }
            Ok::<_, io::Error>(())
        })
        .unwrap();
        assert_eq!(errors, [(1, too_large())]);

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
