//! Line-laid-out sources (NDJSON; one or more objects over lines) read in large pieces that end at
//! a line end, so that the reading thread only reads and the workers frame: a thread that looks
//! at every byte to find where items end would be the slowest stage of `verify`.
//!
//! Framing a piece on its own is a guess that nearly always holds: every line is an item. It fails
//! only at a line that opens a value it does not close (a pretty-printed object, a truncated
//! line), whose item may run into the next piece. From such a line on, the rest of the source goes
//! through [`Rest`] to the one framer that defines the layout, [`payload::frame_lines`], so the
//! items are the same either way. Held to it by a test that runs `verify` on the fuzz target
//! `payload_framing`'s corpus in pieces of 1, 7 and 100 bytes (`tests/cli/pieces.rs`): the
//! framing spans the reading thread, the workers and the collector, so no fuzz target runs it.

use std::io::{self, Read};
use std::ops::Range;

use crate::ingest::payload::{self, ItemNumber, MAX_ITEM_BYTES};

/// Bytes a piece holds (more when a line is longer): large enough that handing a piece to a worker
/// costs nothing next to reading it, small enough to keep memory flat.
pub(crate) const PIECE_BYTES: usize = 256 << 10;

/// A part of a line-laid-out source.
#[derive(Debug)]
pub(crate) enum Piece {
    /// Whole lines (the last may lack its newline at the end of the source): the first is line
    /// `first_line` and starts at `offset` in the source.
    Lines {
        data: Vec<u8>,
        first_line: ItemNumber,
        offset: u64,
    },
    /// Line `number` is longer than [`MAX_ITEM_BYTES`]; it was skipped, not buffered. Whether it
    /// starts another value ([`payload::starts_value`]) decides whether it cuts short a value
    /// that opened before it.
    TooLong {
        number: ItemNumber,
        starts_value: bool,
    },
    /// Reading failed before line `number`; nothing after it is read.
    ReadError { number: ItemNumber, error: String },
}

/// Reads a source from line `lines_before + 1` (at byte `bytes_before`) to its end in pieces of
/// about `piece_bytes`, handing each to `emit`; stops early when `emit` returns false. Pieces are
/// read into buffers from `buffer` (empty ones, which may be reused: fresh memory costs the
/// kernel a page fault and a cleared page every 4 KiB). A piece ends early, at its last line end,
/// when `all_read` says that all that has come is read (a pipe waiting for its writer).
pub(crate) fn read_pieces(
    mut reader: impl Read,
    lines_before: ItemNumber,
    bytes_before: u64,
    piece_bytes: usize,
    all_read: impl Fn() -> bool,
    mut buffer: impl FnMut() -> Vec<u8>,
    mut emit: impl FnMut(Piece) -> bool,
) {
    let mut next_line = lines_before + 1;
    let mut offset = bytes_before;
    let mut carry: Vec<u8> = Vec::new();
    loop {
        // A reused buffer keeps its old bytes: reading over them needs no zeroing first.
        let mut data = buffer();
        let mut filled = carry.len();
        if data.len() < filled {
            data.resize(filled, 0);
        }
        data[..filled].copy_from_slice(&carry);
        carry.clear();
        let (end, failure) =
            match read_piece(&mut reader, &mut data, &mut filled, piece_bytes, &all_read) {
                Ok(PieceEnd::At(end)) => (end, None),
                Ok(PieceEnd::TooLong { skipped, after }) => {
                    offset += filled as u64 + skipped;
                    carry = after;
                    let starts_value = payload::starts_value(&data[..filled.min(1)]);
                    if !emit(Piece::TooLong {
                        number: next_line,
                        starts_value,
                    }) {
                        return;
                    }
                    next_line += 1;
                    continue;
                }
                // Whole lines read before the error still count.
                Err(e) => (
                    memchr::memrchr(b'\n', &data[..filled]).map_or(0, |i| i + 1),
                    Some(e),
                ),
            };
        if failure.is_none() {
            carry.extend_from_slice(&data[end..filled]);
        }
        data.truncate(end);
        let lines = memchr::memchr_iter(b'\n', &data).count() as ItemNumber;
        let len = data.len() as u64;
        if !data.is_empty() {
            let piece = Piece::Lines {
                data,
                first_line: next_line,
                offset,
            };
            if !emit(piece) {
                return;
            }
        }
        next_line += lines;
        offset += len;
        match failure {
            Some(error) => {
                emit(Piece::ReadError {
                    number: next_line,
                    error: error.to_string(),
                });
                return;
            }
            None if len == 0 => return, // the end of the source
            None => {}
        }
    }
}

/// Where a piece ends.
enum PieceEnd {
    /// After this many bytes of it: after its last line end, or at the end of the source.
    At(usize),
    /// All of it is one line over the limit; `skipped` more bytes of it were read past, up to its
    /// end, and `after` followed it.
    TooLong { skipped: u64, after: Vec<u8> },
}

/// Reads into `data` after its first `filled` bytes until they hold `piece_bytes` and a line end,
/// or the source ends, or (`all_read`) they hold a line end and all that has come is read.
fn read_piece(
    reader: &mut impl Read,
    data: &mut Vec<u8>,
    filled: &mut usize,
    piece_bytes: usize,
    all_read: &impl Fn() -> bool,
) -> io::Result<PieceEnd> {
    // No line end in `data[..searched]`.
    let mut searched = 0;
    loop {
        if *filled >= piece_bytes || (*filled > searched && all_read()) {
            if let Some(i) = memchr::memrchr(b'\n', &data[searched..*filled]) {
                return Ok(PieceEnd::At(searched + i + 1));
            }
            searched = *filled;
            if *filled > MAX_ITEM_BYTES {
                let (skipped, after) = skip_line(reader)?;
                return Ok(PieceEnd::TooLong { skipped, after });
            }
        }
        // What the piece lacks, in one read; past its size (a long line), in reads of a few
        // pages at least.
        let want = piece_bytes
            .saturating_sub(*filled)
            .max(piece_bytes.min(64 << 10));
        if fill(reader, data, filled, want)? == 0 {
            return Ok(PieceEnd::At(*filled));
        }
    }
}

/// Reads up to `want` bytes into `data` after its first `filled`: the count read, 0 at the end of
/// the source. One `read` into bytes that are already initialized (zeroed only where the buffer
/// grows): `read_to_end` would begin each piece with small reads, which the `BufReader` in front
/// of the file serves by copying, and that copy costs about 7% of a run.
pub(crate) fn fill(
    reader: &mut impl Read,
    data: &mut Vec<u8>,
    filled: &mut usize,
    want: usize,
) -> io::Result<usize> {
    if data.len() < *filled + want {
        data.resize(*filled + want, 0);
    }
    loop {
        match reader.read(&mut data[*filled..*filled + want]) {
            Ok(n) => {
                *filled += n;
                return Ok(n);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Reads past the next line end (or to the end of the source): the bytes up to and including it,
/// and what was read after it.
fn skip_line(reader: &mut impl Read) -> io::Result<(u64, Vec<u8>)> {
    let mut buf = vec![0; 64 << 10];
    let mut skipped = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok((skipped, Vec::new())),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok((skipped + i as u64 + 1, buf[i + 1..n].to_vec()));
        }
        skipped += n as u64;
    }
}

/// The non-blank lines of a [`Piece::Lines`]: number, bytes (newline included) and offset.
pub(crate) fn lines(
    data: &[u8],
    first_line: ItemNumber,
    offset: u64,
) -> impl Iterator<Item = (ItemNumber, Range<usize>, u64)> + '_ {
    let mut start = 0;
    let mut number = first_line;
    std::iter::from_fn(move || {
        while start < data.len() {
            let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i + 1);
            let line = (number, start..end, offset + start as u64);
            start = end;
            number += 1;
            if !data[line.1.clone()].iter().all(|&b| payload::is_space(b)) {
                return Some(line);
            }
        }
        None
    })
}

/// The rest of a source as one reader: the bytes left in the piece where framing stopped, then
/// the pieces that follow, as `next` hands them over. A skipped too-long line reads as a line just
/// over the limit that starts as the line did (`{` when it started a value), so the framer
/// reports it where it would have; a read error reads as one.
pub(crate) struct Rest<F> {
    current: Vec<u8>,
    at: usize,
    /// Bytes of a stand-in for a too-long line still to read (its last one a newline).
    stand_in: usize,
    /// The stand-in's first byte is still to read, and starts a value as the line did.
    stand_in_starts_value: bool,
    next: F,
}

impl<F> std::fmt::Debug for Rest<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rest")
            .field("left", &(self.current.len() - self.at))
            .field("stand_in", &self.stand_in)
            .finish_non_exhaustive()
    }
}

impl<F: FnMut() -> Option<Piece>> Rest<F> {
    pub(crate) fn new(first: Vec<u8>, next: F) -> Self {
        Rest {
            current: first,
            at: 0,
            stand_in: 0,
            stand_in_starts_value: false,
            next,
        }
    }
}

impl<F: FnMut() -> Option<Piece>> Read for Rest<F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.at < self.current.len() {
                let n = buf.len().min(self.current.len() - self.at);
                buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
                self.at += n;
                return Ok(n);
            }
            if self.stand_in > 0 {
                let n = buf.len().min(self.stand_in);
                buf[..n].fill(b'x');
                if std::mem::take(&mut self.stand_in_starts_value) && n > 0 {
                    buf[0] = b'{';
                }
                self.stand_in -= n;
                if self.stand_in == 0 && n > 0 {
                    buf[n - 1] = b'\n';
                }
                return Ok(n);
            }
            match (self.next)() {
                None => return Ok(0),
                Some(Piece::Lines { data, .. }) => (self.current, self.at) = (data, 0),
                Some(Piece::TooLong { starts_value, .. }) => {
                    self.stand_in = MAX_ITEM_BYTES + 2;
                    self.stand_in_starts_value = starts_value;
                }
                Some(Piece::ReadError { error, .. }) => return Err(io::Error::other(error)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every piece, with its lines checked against the input: a piece's bytes are the input's
    /// at its offset, and its first line number counts the lines before it. Pieces are read into
    /// used buffers of several lengths, full of bytes that must not show through.
    fn pieces(input: &[u8], reader: impl Read, piece_bytes: usize) -> Vec<String> {
        let mut seen = Vec::new();
        let mut used = [0, 1, 5, 3000].into_iter().cycle();
        let buffer = || b"}\n{".repeat(used.next().expect("endless"));
        read_pieces(
            reader,
            0,
            0,
            piece_bytes,
            || false,
            buffer,
            |piece| {
                seen.push(match piece {
                    Piece::Lines {
                        data,
                        first_line,
                        offset,
                    } => {
                        let at = usize::try_from(offset).unwrap();
                        assert_eq!(&input[at..at + data.len()], &data[..], "bytes at {offset}");
                        let before = input[..at].iter().filter(|&&b| b == b'\n').count() as u64;
                        assert_eq!(first_line, before + 1, "line number at {offset}");
                        format!(
                            "{first_line}:{}",
                            String::from_utf8_lossy(&data).escape_debug()
                        )
                    }
                    Piece::TooLong { number, .. } => format!("{number}:too long"),
                    Piece::ReadError { number, error } => format!("{number}:{error}"),
                });
                true
            },
        );
        seen
    }

    #[test]
    fn pieces_end_at_line_ends_and_know_where_they_are() {
        let input = b"{\"a\":1}\n\n{\"b\":2}\r\n{\"c\":3}";
        // A piece is read a few bytes at a time here, and cut after the last line end it holds.
        assert_eq!(
            pieces(input, &input[..], 4),
            [
                "1:{\\\"a\\\":1}\\n",
                "2:\\n",
                "3:{\\\"b\\\":2}\\r\\n",
                "4:{\\\"c\\\":3}"
            ]
        );
        assert_eq!(pieces(input, &input[..], 1 << 10).len(), 1);
        assert!(pieces(b"", &b""[..], 4).is_empty());
    }

    #[test]
    fn a_line_over_the_limit_is_skipped_and_what_follows_keeps_its_place() {
        // Longer than the limit by more than a piece: no line end is in sight when the piece
        // passes the limit, so the line is skipped unread.
        let mut input = b"{\"a\":1}\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_ITEM_BYTES + (3 << 20)));
        input.extend_from_slice(b"\n{\"b\":2}\n{\"c\":3}\n");
        let seen = pieces(&input, &input[..], 1 << 20);
        assert_eq!(
            seen.len(),
            3,
            "{:?}",
            seen.iter().map(|s| s.len()).collect::<Vec<_>>()
        );
        assert_eq!(seen[0], "1:{\\\"a\\\":1}\\n");
        assert_eq!(seen[1], "2:too long");
        // Its offset and line number are checked against the input in `pieces`.
        assert_eq!(seen[2], "3:{\\\"b\\\":2}\\n{\\\"c\\\":3}\\n");
    }

    #[test]
    fn a_read_error_keeps_the_whole_lines_before_it() {
        struct Failing<'a>(&'a [u8]);
        impl Read for Failing<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Err(io::Error::other("disk on fire"));
                }
                let n = buf.len().min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let input = b"{\"a\":1}\n{\"b\":2}\n{\"c\"";
        assert_eq!(
            pieces(input, Failing(input), 1 << 10),
            ["1:{\\\"a\\\":1}\\n{\\\"b\\\":2}\\n", "3:disk on fire"]
        );
    }

    #[test]
    fn lines_skip_blank_ones_and_number_the_rest() {
        let data = b"a\n \n\nb\r\nc";
        let found: Vec<_> = lines(data, 5, 100).collect();
        assert_eq!(found, [(5, 0..2, 100), (8, 5..8, 105), (9, 8..9, 108)]);
    }

    #[test]
    fn the_rest_reads_on_through_the_pieces_that_follow() {
        let mut next = vec![
            Piece::Lines {
                data: b"b\n".to_vec(),
                first_line: 2,
                offset: 2,
            },
            Piece::TooLong {
                number: 3,
                starts_value: false,
            },
            Piece::ReadError {
                number: 4,
                error: "gone".into(),
            },
        ]
        .into_iter();
        let mut rest = Rest::new(b"a\n".to_vec(), || next.next());
        let mut text = Vec::new();
        let error = rest.read_to_end(&mut text).unwrap_err();
        assert_eq!(error.to_string(), "gone");
        assert_eq!(&text[..4], b"a\nb\n");
        // The stand-in for the skipped line: one line, just over the limit.
        assert_eq!(text.len(), 4 + MAX_ITEM_BYTES + 2);
        assert!(text.ends_with(b"x\n") && !text[4..text.len() - 1].contains(&b'\n'));
    }
}
