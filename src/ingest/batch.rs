//! A `verify` run's batches: what the reading thread makes of the inputs ([`produce`]), and what
//! a worker makes of one batch ([`Worker::check`]): everything but the replay judgement, which
//! needs input order and is left to the collector in `cmd::verify::collector`.
//!
//! Line-laid-out sources go out in pieces that the workers frame themselves (see `chunks`); a
//! top-level array is framed here, element by element, by its brackets (see `array`).

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Receiver;

use chrono::{DateTime, Utc};

use crate::callbacks::explain::{Explainer, Explanation};
use crate::callbacks::replay::{self, BodyDigest, Fingerprints};
use crate::callbacks::verdict::{Reason, Verdict, Verifier};
use crate::ingest::arriving::{Arriving, Unread};
use crate::ingest::fast::array;
use crate::ingest::fast::chunks::{self, PIECE_BYTES, Piece};
use crate::ingest::fast::scan;
use crate::ingest::payload::{
    self, Item, ItemNumber, Layout, MAX_ITEM_BYTES, Place, RawItem, Signed,
};
use crate::ingest::pipeline::Emitter;
use crate::ingest::sources::{self, Found};
use crate::output::verify::{CallbackResult, ResultFormat};
use crate::time::Clock;

/// Work for a worker: a piece of a source, with where it came from.
#[derive(Debug)]
pub(crate) struct Batch {
    pub source: Arc<str>,
    /// The file, when its items can be read again by offset (not stdin).
    pub origin: Option<Arc<Path>>,
    /// Which source of the run this is: the batches of one source are consecutive.
    pub seq: u64,
    pub work: Work,
}

#[derive(Debug)]
pub(crate) enum Work {
    /// Items the reading thread framed: an array's elements, or a source it could not read.
    /// `guessed`: the elements were cut by their brackets, and each must be checked to be one
    /// JSON value before the cut can be trusted (see `array`).
    Framed {
        data: Vec<u8>,
        entries: Vec<Entry>,
        guessed: bool,
    },
    /// A piece of a line-laid-out source, framed by the worker.
    Piece(Piece),
}

impl Work {
    pub(crate) fn data(&self) -> &[u8] {
        match self {
            Work::Framed { data, .. } | Work::Piece(Piece::Lines { data, .. }) => data,
            Work::Piece(_) => &[],
        }
    }
}

#[derive(Debug)]
pub(crate) enum Entry {
    Item {
        number: ItemNumber,
        end: usize,
        /// Where it starts in its file, when it can be read back from there.
        at: Option<u64>,
    },
    /// Could not be framed (malformed, too large, unreadable mid-way).
    Unframed { number: ItemNumber, message: String },
    /// The array's elements from this one on could not be cut by their brackets: the stream
    /// reader frames them, in order (see `array`).
    Rest { number: ItemNumber },
    /// The whole source could not be opened or listed.
    Unreadable { message: String },
}

/// A batch worked on: everything but the replay judgement, which needs input order. The batch
/// comes back too: its bytes for the rare body comparison, and for framing again (`unfinished`).
#[derive(Debug)]
pub(crate) struct Checked {
    pub batch: Batch,
    pub results: Vec<Checking>,
    /// The callbacks' result lines, written here in the run's [`ResultFormat`] (each
    /// `Checking::Callback` says where its own is): printing is then a copy.
    pub rendered: Vec<u8>,
    /// Where the worker stopped because the rest of the source must be framed in order.
    pub unfinished: Option<Unfinished>,
}

#[derive(Debug)]
pub(crate) enum Unfinished {
    /// A line of the piece opens a value it does not close (see `chunks`).
    Line {
        number: ItemNumber,
        /// Where the line starts in the piece's data, and in the source.
        from: usize,
        at: u64,
    },
    /// An array's element that was not cut where the stream reader cuts it, or could not be cut
    /// (see `array`).
    Element { number: ItemNumber },
}

// Nearly every item is a callback: boxing the large variant would cost an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Checking {
    Callback {
        number: ItemNumber,
        verdict: Verdict,
        timestamp: Option<Stamp>,
        explanation: Option<Box<Explanation>>,
        /// The item's bytes in the batch's data.
        span: Range<usize>,
        at: Option<u64>,
        /// Taken at once for an accepted callback whose body cannot be read back later, or that
        /// a `--seen` store records.
        digest: Option<BodyDigest>,
        /// For an accepted callback its file keeps (and no digest): its bytes' fingerprint.
        fingerprint: Option<u64>,
        /// Its result line in `Checked::rendered`, as it reads unless the replay judgement
        /// changes the verdict; empty when not rendered.
        line: Range<usize>,
    },
    NotAnObject(ItemNumber),
    ParseError(ItemNumber, String),
    Unreadable(String),
}

/// A callback's timestamp, kept without a copy of its own: a result is kept for every item.
#[derive(Debug)]
pub(crate) enum Stamp {
    /// Where its text is in the item's bytes (it had no escapes).
    Span(Range<u32>),
    /// Its text, unescaped.
    Text(Box<str>),
}

impl Stamp {
    /// `text` as found in `item`: where it lies within those bytes, or a copy.
    fn of(text: &str, item: &[u8]) -> Stamp {
        let start = (text.as_ptr() as usize).wrapping_sub(item.as_ptr() as usize);
        match (u32::try_from(start), u32::try_from(text.len())) {
            (Ok(start), Ok(len))
                if item
                    .get(start as usize..)
                    .is_some_and(|rest| rest.starts_with(text.as_bytes())) =>
            {
                Stamp::Span(start..start + len)
            }
            _ => Stamp::Text(text.into()),
        }
    }

    /// The text, given the item's bytes.
    pub(crate) fn text<'a>(&'a self, item: &'a [u8]) -> &'a str {
        match self {
            Stamp::Span(span) => std::str::from_utf8(&item[span.start as usize..span.end as usize])
                .expect("a span of text found in this item"),
            Stamp::Text(text) => text,
        }
    }
}

impl Checking {
    pub(crate) fn number(&self) -> Option<ItemNumber> {
        match self {
            Checking::Callback { number, .. }
            | Checking::NotAnObject(number)
            | Checking::ParseError(number, _) => Some(*number),
            Checking::Unreadable(_) => None,
        }
    }

    pub(crate) fn renumber(&mut self, to: ItemNumber) {
        match self {
            Checking::Callback { number, .. }
            | Checking::NotAnObject(number)
            | Checking::ParseError(number, _) => *number = to,
            Checking::Unreadable(_) => {}
        }
    }
}

/// Array elements a batch holds before it is handed on, and bytes: small enough to keep memory
/// flat and latency low, large enough that handing over costs nothing next to the work.
const BATCH_ITEMS: usize = 512;
const BATCH_BYTES: usize = 256 << 10;

/// Walks the inputs and reads them into batches (this thread).
/// Paths the walk passes over (with why) go to `skipped`, for the command to tell.
pub(crate) fn produce(
    paths: &[PathBuf],
    emit: &mut Emitter<Batch>,
    recycled: &Receiver<Vec<u8>>,
    skipped: &mut Vec<String>,
) {
    let mut batcher = Batcher {
        emit,
        batch: None,
        seq: 0,
        recycled,
        piece_bytes: piece_bytes(),
        skipped,
    };
    // `Err` here only means the collector stopped (a closed stdout): stop reading.
    let _ = sources::expand(paths, &mut |found| match found {
        Found::Stdin if crate::input::stdin_is_a_file() => {
            batcher.source("-", None, io::stdin().lock(), None)
        }
        Found::Stdin => {
            let (arriving, unread) = Arriving::start(io::stdin());
            batcher.source("-", None, arriving, Some(unread))
        }
        Found::File(path) => {
            let name = path.display().to_string();
            match File::open(&path) {
                // Only a regular file can be read again by offset: not a named pipe, nor the
                // `/dev/fd/N` of a shell's `<(...)`, which arrive over time.
                Ok(file) if file.metadata().is_ok_and(|m| m.is_file()) => {
                    batcher.source(&name, Some(Arc::from(path)), file, None)
                }
                Ok(pipe) => {
                    let (arriving, unread) = Arriving::start(pipe);
                    batcher.source(&name, None, arriving, Some(unread))
                }
                Err(e) => batcher.unreadable(&crate::input::shown(&path), &e),
            }
        }
        Found::Skipped(path, why) => {
            batcher.skipped.push(format!("{}: {why}", path.display()));
            Ok(())
        }
        Found::Unreadable(path, e) => batcher.unreadable(&crate::input::shown(&path), &e),
    });
}

#[derive(Debug)]
struct Batcher<'e> {
    emit: &'e mut Emitter<Batch>,
    /// Array elements gathered so far.
    batch: Option<Batch>,
    seq: u64,
    /// Piece buffers the collector is done with.
    recycled: &'e Receiver<Vec<u8>>,
    piece_bytes: usize,
    /// What is said on stderr once the run is over: paths passed over, sources with no item.
    skipped: &'e mut Vec<String>,
}

impl Batcher<'_> {
    /// One source; `arriving` tells, for one that arrives over time, when all that has come is
    /// read (see [`Arriving`]).
    fn source(
        &mut self,
        name: &str,
        origin: Option<Arc<Path>>,
        reader: impl io::Read,
        arriving: Option<Unread>,
    ) -> io::Result<()> {
        self.seq += 1;
        let source: Arc<str> = Arc::from(name);
        // Small: pieces are read past this buffer, straight into their own.
        let reader = BufReader::with_capacity(64 << 10, crate::input::WholeMark::new(reader));
        let (lines, reader) = match payload::layout(reader) {
            Ok((
                Layout::Array {
                    bytes_before,
                    place,
                },
                reader,
            )) => {
                return self.array(&source, origin, reader, bytes_before, place, arriving);
            }
            Ok((
                Layout::Lines {
                    lines_before,
                    bytes_before,
                },
                mut reader,
            )) => {
                // Nothing but white space: no result will name the source, so a word does.
                if reader.fill_buf().is_ok_and(<[u8]>::is_empty) {
                    self.skipped
                        .push(format!("{name}: holds no callback (it is empty)"));
                }
                ((lines_before, bytes_before), reader)
            }
            Err(e) => {
                let piece = Piece::ReadError {
                    number: 1,
                    error: e.to_string(),
                };
                return self.send(Batch {
                    source,
                    origin,
                    seq: self.seq,
                    work: Work::Piece(piece),
                });
            }
        };
        let mut open = true;
        let recycled = self.recycled;
        let buffer = || recycled.try_recv().unwrap_or_default();
        let piece_bytes = self.piece_bytes;
        let all_read = || arriving.as_ref().is_some_and(Unread::none);
        chunks::read_pieces(
            reader,
            lines.0,
            lines.1,
            piece_bytes,
            all_read,
            buffer,
            |piece| {
                let batch = Batch {
                    source: source.clone(),
                    origin: origin.clone(),
                    seq: self.seq,
                    work: Work::Piece(piece),
                };
                open = self.emit.emit(batch);
                open
            },
        );
        if open {
            Ok(())
        } else {
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    /// A top-level array, framed here element by element, cut by its brackets (see `array`): the
    /// workers check the elements of a file, which can be read again from where one fails; the
    /// elements of stdin or a pipe are checked here. A batch is handed on when it is full, or
    /// (`arriving`) when all that has come of a pipe is read.
    fn array(
        &mut self,
        source: &Arc<str>,
        origin: Option<Arc<Path>>,
        reader: impl io::BufRead,
        bytes_before: u64,
        place: Place,
        arriving: Option<Unread>,
    ) -> io::Result<()> {
        let guessed = origin.is_some();
        let all_read = || arriving.as_ref().is_some_and(Unread::none);
        // Appends `bytes` to the batch's data and `entry` to its entries (an item's `end` is
        // where its bytes end there), and hands the batch on when it is full.
        let mut add = |bytes: &[u8], mut entry: Entry| {
            let batch = self.batch.get_or_insert_with(|| Batch {
                source: source.clone(),
                origin: origin.clone(),
                seq: self.seq,
                work: Work::Framed {
                    data: Vec::with_capacity(BATCH_BYTES + 4096),
                    entries: Vec::with_capacity(BATCH_ITEMS),
                    guessed,
                },
            });
            let Work::Framed { data, entries, .. } = &mut batch.work else {
                unreachable!("array batches are framed")
            };
            data.extend_from_slice(bytes);
            if let Entry::Item { end, .. } = &mut entry {
                *end = data.len();
            }
            entries.push(entry);
            if entries.len() >= BATCH_ITEMS || data.len() >= BATCH_BYTES || all_read() {
                self.flush()?;
            }
            Ok(())
        };
        let item = |number, at| Entry::Item { number, end: 0, at };
        if guessed {
            let rest = array::guess(reader, bytes_before, |number, element, at| {
                add(element, item(number, Some(at))).map(|()| true)
            })?;
            if let Some(number) = rest {
                add(&[], Entry::Rest { number })?;
            }
        } else {
            array::read_once(reader, place, |number, raw| match raw {
                RawItem::Json(bytes, at) => add(bytes, item(number, at)),
                RawItem::Error(message) => add(&[], Entry::Unframed { number, message }),
            })?;
        }
        // A batch never mixes sources.
        self.flush()
    }

    fn unreadable(&mut self, name: &str, error: &io::Error) -> io::Result<()> {
        self.seq += 1;
        self.send(Batch {
            source: Arc::from(name),
            origin: None,
            seq: self.seq,
            work: Work::Framed {
                data: Vec::new(),
                entries: vec![Entry::Unreadable {
                    message: format!("cannot read {name}: {error}"),
                }],
                guessed: false,
            },
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.batch.take() {
            Some(batch) => self.send(batch),
            None => Ok(()),
        }
    }

    fn send(&mut self, batch: Batch) -> io::Result<()> {
        if self.emit.emit(batch) {
            Ok(())
        } else {
            // The collector stopped (a closed stdout): stop reading.
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }
}

/// What the workers share: everything needed to check a callback without the others.
#[derive(Debug)]
pub(crate) struct Worker {
    pub verifier: Verifier,
    /// Each batch is judged by the now when it is checked: without `--now`, the clock then, so a
    /// long run on a pipe judges a late callback by when it came (as `guard` judges a request).
    pub clock: Clock,
    pub explainer: Option<Explainer>,
    /// Take every accepted body's digest at once (a `--seen` store records them).
    pub digest_all: bool,
    /// Fingerprint accepted bodies that stay in their file, so that a later read of them can be
    /// checked against what was judged.
    pub fingerprints: Fingerprints,
    /// Write results here, in parallel, rather than on the one thread that prints.
    pub format: ResultFormat,
}

impl Worker {
    /// Frames (a piece) and checks one batch (a worker thread): signature, freshness, explanation.
    pub(crate) fn check(&self, batch: Batch) -> Checked {
        let now = self.clock.now();
        let readable = batch.origin.is_some();
        // About what a full piece of real callbacks holds: grown rarely, never copied many times.
        let mut results = Vec::with_capacity(512);
        let mut unfinished = None;
        match &batch.work {
            Work::Framed {
                data,
                entries,
                guessed,
            } => {
                let mut start = 0;
                for entry in entries {
                    results.push(match entry {
                        Entry::Item { number, end, at } => {
                            let span = start..*end;
                            start = *end;
                            if !guessed {
                                self.check_value(*number, data, span, *at, now)
                            } else if let Some(checking) =
                                self.check_guessed(*number, data, span, *at, now)
                            {
                                checking
                            } else {
                                unfinished = Some(Unfinished::Element { number: *number });
                                break;
                            }
                        }
                        Entry::Rest { number } => {
                            unfinished = Some(Unfinished::Element { number: *number });
                            break;
                        }
                        Entry::Unframed { number, message } => {
                            Checking::ParseError(*number, message.clone())
                        }
                        Entry::Unreadable { message } => Checking::Unreadable(message.clone()),
                    });
                }
            }
            Work::Piece(Piece::Lines {
                data,
                first_line,
                offset,
            }) => {
                for (number, span, at) in chunks::lines(data, *first_line, *offset) {
                    let line = &data[span.clone()];
                    if line.len() > MAX_ITEM_BYTES {
                        results.push(Checking::ParseError(number, payload::too_large()));
                        continue;
                    }
                    match self.check_line(number, data, span.clone(), at, readable, now) {
                        Some(checking) => results.push(checking),
                        None => {
                            unfinished = Some(Unfinished::Line {
                                number,
                                from: span.start,
                                at,
                            });
                            break;
                        }
                    }
                }
            }
            Work::Piece(Piece::TooLong { number, .. }) => {
                results.push(Checking::ParseError(*number, payload::too_large()));
            }
            Work::Piece(Piece::ReadError { number, error }) => {
                results.push(Checking::ParseError(
                    *number,
                    format!("read error: {error}"),
                ));
            }
        }
        let mut rendered = Vec::with_capacity(results.len() * 192);
        for result in &mut results {
            if let Checking::Callback {
                number,
                verdict,
                timestamp,
                explanation,
                line,
                span,
                ..
            } = result
            {
                let start = rendered.len();
                let item = &batch.work.data()[span.clone()];
                let result = CallbackResult {
                    source: &batch.source,
                    item: *number,
                    verdict,
                    timestamp: timestamp.as_ref().map(|stamp| stamp.text(item)),
                    explanation: explanation.as_deref(),
                };
                self.format.write(&result, &mut rendered);
                *line = start..rendered.len();
            }
        }
        Checked {
            batch,
            results,
            rendered,
            unfinished,
        }
    }

    /// One line of a piece; `None` when it opens a value it does not close, which is not an item
    /// by itself (framing in order decides what it is).
    fn check_line(
        &self,
        number: ItemNumber,
        data: &[u8],
        span: Range<usize>,
        at: u64,
        readable: bool,
        now: DateTime<Utc>,
    ) -> Option<Checking> {
        let line = &data[span.clone()];
        let at = readable.then_some(at);
        // The fast path reads plain callbacks; only what it declines needs a closer look.
        if let Some(signed) = scan::signed_fields(line) {
            return Some(self.check_signed(number, signed, line, span, at, now));
        }
        if payload::opens_value(line) {
            return None;
        }
        Some(self.check_declined(number, data, span, at, now))
    }

    /// One framed JSON value.
    pub(crate) fn check_value(
        &self,
        number: ItemNumber,
        data: &[u8],
        span: Range<usize>,
        at: Option<u64>,
        now: DateTime<Utc>,
    ) -> Checking {
        match scan::signed_fields(&data[span.clone()]) {
            Some(signed) => self.check_signed(number, signed, &data[span.clone()], span, at, now),
            None => self.check_declined(number, data, span, at, now),
        }
    }

    /// An array element the reading thread cut by its brackets: `None` when it is not one JSON
    /// value, and so maybe not cut where the stream reader would cut it.
    fn check_guessed(
        &self,
        number: ItemNumber,
        data: &[u8],
        span: Range<usize>,
        at: Option<u64>,
        now: DateTime<Utc>,
    ) -> Option<Checking> {
        let bytes = &data[span.clone()];
        if let Some(signed) = scan::signed_fields(bytes) {
            return Some(self.check_signed(number, signed, bytes, span, at, now));
        }
        array::is_one_value(bytes).then(|| self.check_declined(number, data, span, at, now))
    }

    /// A value the fast path declined: serde_json decides what it is, and words the errors.
    fn check_declined(
        &self,
        number: ItemNumber,
        data: &[u8],
        span: Range<usize>,
        at: Option<u64>,
        now: DateTime<Utc>,
    ) -> Checking {
        let bytes = &data[span.clone()];
        match payload::parse_item(bytes) {
            Item::Callback(callback) => {
                self.check_signed(number, callback.signed, bytes, span, at, now)
            }
            Item::NotAnObject => Checking::NotAnObject(number),
            Item::ParseError(message) => Checking::ParseError(number, message),
        }
    }

    fn check_signed(
        &self,
        number: ItemNumber,
        signed: Signed<'_>,
        bytes: &[u8],
        span: Range<usize>,
        at: Option<u64>,
        now: DateTime<Utc>,
    ) -> Checking {
        let verdict = self.verifier.check(&signed, now);
        let (signature, timestamp) = (signed.signature.as_str(), signed.timestamp.as_str());
        let explained = matches!(
            verdict.reason,
            Reason::BadSignature | Reason::MalformedSignature
        );
        let explanation = match (&self.explainer, signature, timestamp) {
            (Some(explainer), Some(sig), Some(ts)) if explained => {
                Some(Box::new(explainer.explain(ts, sig)))
            }
            // A signature that is a number, `null` or an object: no spelling of it can match.
            (Some(_), None, _) if explained => Some(Box::new(Explainer::not_a_string())),
            _ => None,
        };
        let accepted = verdict.accepted.is_some();
        let digest = (accepted && (self.digest_all || at.is_none()))
            .then(|| replay::item_digest(bytes))
            .flatten();
        let fingerprint =
            (accepted && digest.is_none() && at.is_some()).then(|| self.fingerprints.of(bytes));
        Checking::Callback {
            number,
            verdict,
            timestamp: timestamp.map(|text| Stamp::of(text, bytes)),
            explanation,
            span,
            at,
            digest,
            fingerprint,
            line: 0..0,
        }
    }
}

/// The size of a piece. Debug builds (the ones `cargo test` runs) take `SMILE_SEC_PIECE_BYTES`:
/// pieces of a few bytes split items everywhere and so put the in-order framing after an
/// unfinished line to work. The release binary has no such knob.
fn piece_bytes() -> usize {
    #[cfg(debug_assertions)]
    if let Some(n) = std::env::var("SMILE_SEC_PIECE_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
    {
        return n;
    }
    PIECE_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_points_into_its_item_or_keeps_a_copy() {
        let item = br#"{"timestamp":"2026-11-20T00:00:00.068Z","x":"2026"}"#;
        let text = std::str::from_utf8(&item[14..38]).unwrap();
        let stamp = Stamp::of(text, item);
        assert!(
            matches!(stamp, Stamp::Span(ref s) if *s == (14..38)),
            "{stamp:?}"
        );
        assert_eq!(stamp.text(item), "2026-11-20T00:00:00.068Z");
        // Unescaped text lives elsewhere: it is copied, whatever the item holds.
        let unescaped = String::from("2026");
        let stamp = Stamp::of(&unescaped, item);
        assert!(matches!(stamp, Stamp::Text(_)), "{stamp:?}");
        assert_eq!(stamp.text(b""), "2026");
        // The item after the stamp's bytes, or before them: still a copy, not a wrong span.
        let stamp = Stamp::of(text, &item[..20]);
        assert_eq!(stamp.text(&item[..20]), text);
        let stamp = Stamp::of(text, &item[20..]);
        assert_eq!(stamp.text(&item[20..]), text);
    }
}
