//! The append-only NDJSON record that `verify --seen FILE` kept before the stores: read for
//! `seen import`, and recognised so that such a file is never taken for (or turned into) a store.
//!
//! One line per accepted callback: `{"timestamp":..,"pair":..,"body":..,"seen_at":..}`, with the
//! pair's name (first 16 bytes of SHA-256 of the decoded signature) and the body's SHA-256 in hex.
//! A run killed mid-write could leave a partial last line, which is skipped; any other line that
//! is not an entry is damage, and named.

use std::io::BufRead;

use serde::Deserialize;

use super::Imported;
use crate::callbacks::replay::{BodyDigest, PairId};
use crate::time::parse_rfc3339;

/// One line of the former record, as written.
#[derive(Debug, Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    timestamp: std::borrow::Cow<'a, str>,
    pair: &'a str,
    body: &'a str,
    seen_at: &'a str,
}

/// An entry of the record, or `None` for a line that is not one (damaged, or partial).
pub fn parse_line(line: &[u8]) -> Option<Imported> {
    let line: Line<'_> = serde_json::from_slice(line).ok()?;
    let pair = hex_array::<16>(line.pair)?;
    let body = hex_array::<32>(line.body)?;
    Some(Imported {
        timestamp: line.timestamp.into_owned(),
        pair: PairId(pair),
        body: BodyDigest(body),
        seen_at: parse_rfc3339(line.seen_at).ok()?,
    })
}

/// What reading a record found.
#[derive(Debug, Default)]
pub struct Read {
    pub entries: Vec<Imported>,
    /// Lines that are not entries (blank lines are not counted).
    pub skipped: u64,
}

/// The lines of a record that are not entries (blank lines aside).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    /// A last line without its line end that is no entry: what a run killed mid-write left.
    pub partial_last: bool,
    /// Every other such line: damage, each the entry of a callback whose replay would pass.
    pub damaged: u64,
    /// The first few damaged lines' numbers (from 1), to name in a message.
    pub first_damaged: Vec<u64>,
}

impl Skipped {
    /// How many lines were skipped.
    pub fn count(&self) -> u64 {
        self.damaged + u64::from(self.partial_last)
    }
}

/// Reads every entry of a record, handing them on `chunk` at a time (so that a large record is
/// never held whole).
pub fn read(
    mut input: impl BufRead,
    chunk: usize,
    mut each: impl FnMut(Vec<Imported>) -> anyhow::Result<()>,
) -> anyhow::Result<Skipped> {
    let mut skipped = Skipped::default();
    let mut entries = Vec::with_capacity(chunk);
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        line.clear();
        let n = bounded_line(&mut input, &mut line)?;
        if n == 0 {
            break;
        }
        number += 1;
        if n as u64 == MAX_LINE && !line.ends_with(b"\n") {
            skip_line(&mut input)?;
            skipped.damaged += 1;
            if skipped.first_damaged.len() < 5 {
                skipped.first_damaged.push(number);
            }
            continue;
        }
        let ended = line.ends_with(b"\n");
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        match parse_line(text) {
            Some(entry) => entries.push(entry),
            None if text.iter().all(u8::is_ascii_whitespace) => {}
            None if !ended => skipped.partial_last = true,
            None => {
                skipped.damaged += 1;
                if skipped.first_damaged.len() < 5 {
                    skipped.first_damaged.push(number);
                }
            }
        }
        if entries.len() >= chunk {
            each(std::mem::take(&mut entries))?;
        }
    }
    if !entries.is_empty() {
        each(entries)?;
    }
    Ok(skipped)
}

/// The longest line read: an entry is about 200 bytes, so a longer line is damage, passed over
/// without being held whole.
pub const MAX_LINE: u64 = 64 << 10;

/// Reads `input`'s next line into `line`, its line end included, up to [`MAX_LINE`] bytes: the
/// bytes read (0 at the end of the input).
pub fn bounded_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<usize> {
    std::io::Read::take(input, MAX_LINE).read_until(b'\n', line)
}

/// Reads past the rest of a line, however long.
fn skip_line(input: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match memchr::memchr(b'\n', buf) {
            Some(end) => {
                input.consume(end + 1);
                return Ok(());
            }
            None => {
                let len = buf.len();
                input.consume(len);
            }
        }
    }
}

/// Whether a file's first bytes read as the former record (an entry on its first line).
pub fn looks_like_record(head: &[u8]) -> bool {
    let first = first_line(head);
    parse_line(first).is_some()
        || (first.starts_with(b"{\"timestamp\":")
            && memchr::memmem::find(first, b"\"pair\":").is_some())
}

/// Whether a file's first bytes read as what `seen export` prints (an entry on its first line):
/// its body digests are keyed by its store's salt, which it does not hold, so it cannot be
/// imported as the former record is.
pub fn looks_like_export(head: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct ExportLine<'a> {
        #[serde(rename = "type")]
        kind: &'a str,
        body_hmac: &'a str,
    }
    let first = first_line(head);
    serde_json::from_slice::<ExportLine<'_>>(first)
        .is_ok_and(|line| line.kind == "entry" && !line.body_hmac.is_empty())
        // A line that also reads as an entry of the record is the record's.
        && parse_line(first).is_none()
}

/// The first line of `head` that is not blank (reading skips blank lines and a byte-order mark).
fn first_line(head: &[u8]) -> &[u8] {
    crate::input::without_bom(head)
        .split(|&b| b == b'\n')
        .find(|line| !line.iter().all(u8::is_ascii_whitespace))
        .unwrap_or_default()
}

/// `N` bytes from exactly `2N` hex digits (either case), nothing else.
fn hex_array<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0; N];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(pair: &str, body: &str) -> String {
        format!(
            r#"{{"timestamp":"2026-11-21T08:30:00.001Z","pair":"{pair}","body":"{body}","seen_at":"2026-11-21T08:30:01Z"}}"#
        )
    }

    #[test]
    fn lines_of_the_former_record_are_read() {
        let entry = parse_line(line(&"f4".repeat(16), &"0A".repeat(32)).as_bytes()).unwrap();
        assert_eq!(entry.pair, PairId([0xf4; 16]));
        assert_eq!(entry.body, BodyDigest([0x0a; 32]));
        assert_eq!(entry.timestamp, "2026-11-21T08:30:00.001Z");
        assert_eq!(
            entry.seen_at,
            parse_rfc3339("2026-11-21T08:30:01Z").unwrap()
        );
    }

    #[test]
    fn damaged_lines_are_not_entries() {
        let (pair, body) = ("f4".repeat(16), "0a".repeat(32));
        for bad in [
            line(&pair[1..], &body),
            line(&format!("+{}", &pair[1..]), &body),
            line(&pair, &body[2..]),
            line(&pair, &format!("{body}00")),
            line(&pair, &body).replace("2026-11-21T08:30:01Z", "yesterday"),
            line(&pair, &body)[..40].to_owned(),
            "[]".into(),
        ] {
            assert!(parse_line(bad.as_bytes()).is_none(), "{bad}");
        }
    }

    #[test]
    fn records_are_read_in_chunks_and_damage_is_counted() {
        let good = line(&"f4".repeat(16), &"0a".repeat(32));
        let text = format!("{good}\n\n{good}\n{{\"timestamp\":\"2\n{good}\n{{\"time");
        let mut chunks = Vec::new();
        let skipped = read(text.as_bytes(), 2, |c| {
            chunks.push(c.len());
            Ok(())
        })
        .unwrap();
        let expected = Skipped {
            partial_last: true,
            damaged: 1,
            first_damaged: vec![4],
        };
        assert_eq!((chunks, skipped), (vec![2, 1], expected));
    }

    #[test]
    fn a_line_too_long_to_be_an_entry_is_damage_read_past() {
        let good = line(&"f4".repeat(16), &"0a".repeat(32));
        let long = "x".repeat(MAX_LINE as usize * 3);
        let mut entries = 0;
        for text in [
            format!("{good}\n{long}\n{good}\n"),
            format!("{good}\n{}\n{good}", &long[..MAX_LINE as usize]),
        ] {
            let skipped = read(text.as_bytes(), 10, |c| {
                entries += c.len();
                Ok(())
            })
            .unwrap();
            assert_eq!(skipped.first_damaged, [2], "{}", text.len());
            assert_eq!(skipped.count(), 1);
        }
        assert_eq!(entries, 4);
    }

    #[test]
    fn a_record_is_recognised_by_its_first_line() {
        let good = line(&"f4".repeat(16), &"0a".repeat(32));
        assert!(looks_like_record(format!("{good}\n{good}").as_bytes()));
        assert!(looks_like_record(&good.as_bytes()[..60]));
        assert!(looks_like_record(format!("\n \r\n{good}\n").as_bytes()));
        assert!(looks_like_record(format!("\u{feff}{good}\n").as_bytes()));
        assert!(!looks_like_record(b"{\"keys\":[]}"));
        assert!(!looks_like_record(b"SQLite format 3\0"));
    }

    #[test]
    fn an_export_is_told_from_the_record() {
        let export = r#"{"type":"entry","partner_id":"085","timestamp":"2026-11-21T08:30:00.001Z","pair":"f4","body_hmac":"0a","seen_at":"2026-11-21T08:30:01.000Z","expires_at":null}"#;
        assert!(looks_like_export(format!("{export}\n{export}").as_bytes()));
        assert!(looks_like_export(format!("\u{feff}{export}").as_bytes()));
        assert!(!looks_like_record(export.as_bytes()));
        let good = line(&"f4".repeat(16), &"0a".repeat(32));
        assert!(!looks_like_export(good.as_bytes()));
        assert!(!looks_like_export(br#"{"type":"summary","entries":1}"#));
        assert!(!looks_like_export(&export.as_bytes()[..60]));
    }
}
