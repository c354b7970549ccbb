//! Splits a byte stream into lines without copying them: each line is a slice of a large read
//! buffer, found with `memchr`, so scanning millions of short lines (address lists, logs) costs
//! no allocation per line. Memory stays bounded: an over-long line is reported as such, not kept.

use std::io::{self, BufRead, BufReader, Read};

use crate::input::{WholeMark, skip_bom};

/// Read buffer size: large enough that system calls and refills are rare.
pub const BUFFER: usize = 256 * 1024;

/// One line, without its `\n` (a `\r` before it is kept; callers trim).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    Text(&'a [u8]),
    /// Longer than the limit: only its first `limit` bytes are given.
    TooLong(&'a [u8]),
}

/// Calls `each` for every line of `reader`. A last line without a newline counts; an empty
/// input has no lines; a byte-order mark before the first line is not part of it. Errors from
/// `each` (a closed stdout) stop the scan and are returned.
pub fn for_each<R: Read>(
    reader: R,
    limit: usize,
    mut each: impl FnMut(Line<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(BUFFER, WholeMark::new(reader));
    skip_bom(&mut reader)?;
    // A line that straddles two buffer fills is gathered here (up to `limit` bytes).
    let mut partial: Vec<u8> = Vec::new();
    let mut straddling = false;
    let mut overlong = false;
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            break;
        }
        let len = buf.len();
        let mut start = 0;
        if straddling {
            let Some(end) = memchr::memchr(b'\n', buf) else {
                keep(&mut partial, buf, limit, &mut overlong);
                reader.consume(len);
                continue;
            };
            keep(&mut partial, &buf[..end], limit, &mut overlong);
            each(finished(&partial, overlong))?;
            partial.clear();
            (straddling, overlong) = (false, false);
            start = end + 1;
        }
        let rest = &buf[start..];
        let mut from = 0;
        for end in memchr::memchr_iter(b'\n', rest) {
            let line = &rest[from..end];
            if line.len() > limit {
                each(Line::TooLong(&line[..limit]))?;
            } else {
                each(Line::Text(line))?;
            }
            from = end + 1;
        }
        if from < rest.len() {
            straddling = true;
            keep(&mut partial, &rest[from..], limit, &mut overlong);
        }
        reader.consume(len);
    }
    if straddling {
        each(finished(&partial, overlong))?;
    }
    Ok(())
}

fn keep(partial: &mut Vec<u8>, bytes: &[u8], limit: usize, overlong: &mut bool) {
    let room = limit.saturating_sub(partial.len());
    if bytes.len() > room {
        *overlong = true;
    }
    partial.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

fn finished(partial: &[u8], overlong: bool) -> Line<'_> {
    if overlong {
        Line::TooLong(partial)
    } else {
        Line::Text(partial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz_props::Trickle;

    fn collect(data: &[u8], step: usize, limit: usize) -> Vec<(bool, String)> {
        let mut seen = Vec::new();
        for_each(Trickle { data, step }, limit, |line| {
            seen.push(match line {
                Line::Text(t) => (true, String::from_utf8_lossy(t).into_owned()),
                Line::TooLong(t) => (false, String::from_utf8_lossy(t).into_owned()),
            });
            Ok(())
        })
        .unwrap();
        seen
    }

    #[test]
    fn every_line_once_whatever_the_read_sizes() {
        let data = b"1.2.3.4\n\n  5.6.7.8\r\nlast";
        let want: Vec<(bool, String)> = ["1.2.3.4", "", "  5.6.7.8\r", "last"]
            .iter()
            .map(|s| (true, s.to_string()))
            .collect();
        for step in [1, 2, 3, 7, 100] {
            assert_eq!(collect(data, step, 64), want, "step {step}");
        }
        assert!(collect(b"", 1, 64).is_empty());
        for step in [1, 2, 100] {
            assert_eq!(
                collect(b"\xEF\xBB\xBF1.2.3.4\n", step, 64),
                want[..1],
                "step {step}"
            );
            // Only a whole mark, and only before the first line.
            assert_eq!(collect(b"\xEF\xBB", step, 64), [(true, "\u{fffd}".into())]);
            assert_eq!(
                collect(b"\n\xEF\xBB\xBF", step, 64),
                [(true, String::new()), (true, "\u{feff}".into())]
            );
        }
        assert_eq!(collect(b"\n", 1, 64), vec![(true, String::new())]);
    }

    #[test]
    fn over_long_lines_are_cut_and_flagged() {
        for step in [1, 4, 100] {
            assert_eq!(
                collect(b"abcdefgh\nok\nxyzxyzxyz", step, 4),
                vec![
                    (false, "abcd".into()),
                    (true, "ok".into()),
                    (false, "xyzx".into())
                ],
                "step {step}"
            );
        }
    }
}
