//! The reference reader of a top-level JSON array: serde_json's stream reader, element by
//! element, read on past a broken element.

use std::fmt;
use std::io::{self, BufRead};

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::{ItemNumber, MAX_ITEM_BYTES, Place, RawItem, is_space, too_large};

/// A top-level array, streamed element by element (after [`layout`](super::layout) said [`Layout::Array`](super::Layout::Array)).
///
/// An element that cannot be read is an error item of its own, and the elements after it are
/// read on: a batch reports every item it holds, and one damaged callback must not hide the
/// callbacks after it. serde_json stops at the error (or, for an element larger than
/// [`MAX_ITEM_BYTES`], once it has been handed that many bytes of it, so memory stays bounded);
/// the rest of that element is skipped by its brackets and quotes (`Bounded::get_past`), and
/// serde_json is started again on a short stand-in for what came before; the lines and columns of
/// its errors are moved back to the file's (`Bounded::placed`). Reading ends at the array's
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

#[cfg(test)]
mod tests {
    use super::super::for_each_raw_item;
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
}
