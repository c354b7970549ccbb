//! Reading a whole file named on the command line, where `-` means stdin: API key files, key
//! files, allowlists, request and callback bodies. Each has a size limit, so that naming
//! `/dev/zero` or a log by mistake is an error rather than a process that grows until the system
//! kills it, and each must be a regular file, so that a FIFO or a device is an error rather than
//! a process that waits forever. Streams that can be large (`verify` inputs, address lists) are
//! read elsewhere, incrementally; what they share is here: the byte-order mark ([`WholeMark`]).
//!
//! A path is named in messages by [`shown`]: a "path" that does not exist and looks like a secret
//! (an API key pasted where its file's name belongs) is named by its fingerprint instead.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use anyhow::Context;
use sha2::{Digest, Sha256};

/// An API key file, or a key-file entry's `api_key_file`: a key is tens of bytes.
pub(crate) const SECRET_BYTES: u64 = 64 << 10;
/// A key file or an allowlist: thousands of entries.
pub(crate) const LIST_BYTES: u64 = 16 << 20;
/// A request or callback body (a request may carry images in base64).
pub(crate) const BODY_BYTES: u64 = 256 << 20;

/// The whole of `path` (`-`: stdin), up to `limit` bytes. `what` names it in errors, e.g.
/// "API key file".
pub(crate) fn read_all(path: &Path, what: &str, limit: u64) -> anyhow::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        read_limited(io::stdin().lock(), limit)
            .with_context(|| format!("cannot read the {what} from stdin"))
    } else {
        read_file(path, limit).with_context(|| format!("cannot read {what} {}", shown(path)))
    }
}

/// [`read_all`], and a pipe as well: `--api-key-file <(pass show smile/live)` hands the key over
/// through a pipe that the shell's process substitution writes, never a file on disk (and leaves
/// stdin to the callbacks). A named pipe that no process has open for writing is refused at
/// once, as any other special file is (a terminal, `/dev/zero`); one that a process holds open
/// is read until that process closes it, as `cat` reads it.
pub(crate) fn read_all_or_pipe(path: &Path, what: &str, limit: u64) -> anyhow::Result<Vec<u8>> {
    if path.as_os_str() != "-" && is_pipe_path(path) {
        return read_pipe(path, limit)
            .with_context(|| format!("cannot read {what} {}", shown(path)));
    }
    read_all(path, what, limit)
}

/// Whether `path` is this process's standard input: `-`, or a name of the same open file
/// (`/dev/stdin`, `/dev/fd/0`, `/proc/self/fd/0`), which two readers cannot share either.
pub(crate) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-" || names_stdin(path)
}

#[cfg(unix)]
fn names_stdin(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(stdin) = stdin_metadata() else {
        return false;
    };
    std::fs::metadata(path).is_ok_and(|meta| meta.dev() == stdin.dev() && meta.ino() == stdin.ino())
}

#[cfg(not(unix))]
fn names_stdin(_path: &Path) -> bool {
    false
}

/// Whether standard input is a regular file (`< file`), all there when it is read, rather than
/// a pipe or a terminal whose writer may still be writing.
#[cfg(unix)]
pub(crate) fn stdin_is_a_file() -> bool {
    stdin_metadata().is_ok_and(|meta| meta.is_file())
}

#[cfg(not(unix))]
pub(crate) fn stdin_is_a_file() -> bool {
    true
}

#[cfg(unix)]
fn stdin_metadata() -> io::Result<std::fs::Metadata> {
    use std::os::fd::AsFd;
    io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map(File::from)
        .and_then(|stdin| stdin.metadata())
}

/// Whether `path` is a pipe (a named one, or a shell's `<(...)`): it can be read once only.
pub(crate) fn is_pipe_path(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|meta| is_pipe(&meta))
}

#[cfg(unix)]
fn is_pipe(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_fifo()
}

#[cfg(not(unix))]
fn is_pipe(_meta: &std::fs::Metadata) -> bool {
    false
}

/// Reads a pipe to its end. tokio's pipe reader opens it without waiting for a writer (a named
/// pipe's plain open waits for one) and hands it back as a blocking file: a read then ends at
/// once when no process has it open for writing, and waits for one that has.
#[cfg(unix)]
fn read_pipe(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    // On a thread of its own: a runtime cannot be made and dropped within another one's task
    // (`guard` reads keys again from one).
    let open = || -> io::Result<std::os::fd::OwnedFd> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()?;
        let _in_runtime = runtime.enter();
        tokio::net::unix::pipe::OpenOptions::new()
            .open_receiver(path)?
            .into_blocking_fd()
    };
    let pipe = std::thread::scope(|scope| scope.spawn(open).join())
        .map_err(|_| io::Error::other("the pipe could not be opened"))??;
    let bytes = read_limited(File::from(pipe), limit)?;
    if bytes.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is a pipe that nothing came through (a named pipe with no writer?)",
        ));
    }
    Ok(bytes)
}

#[cfg(not(unix))]
fn read_pipe(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_file(path, limit)
}

/// The UTF-8 byte-order mark that editors on Windows put before JSON and text they save. Every
/// reader of outside input takes it as the same text with or without the mark.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `bytes` without a leading [`BOM`].
pub(crate) fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// Passes over a [`BOM`] at the start of `reader`, and says whether there was one. The reader's
/// source goes in a [`WholeMark`] under its buffer when it may be a pipe, so the mark arrives whole.
pub(crate) fn skip_bom(reader: &mut impl io::BufRead) -> io::Result<bool> {
    loop {
        match reader.fill_buf() {
            Ok(buf) => {
                let marked = buf.starts_with(BOM);
                if marked {
                    reader.consume(BOM.len());
                }
                return Ok(marked);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// A source whose first read holds a whole [`BOM`] when the source begins with one. Readers look
/// for the mark in the first buffer they are given, and a pipe may deliver its three bytes in
/// reads of their own; this goes under the `BufReader` of any source that may be a pipe. A source
/// that does not begin like the mark is never waited on.
#[derive(Debug)]
pub(crate) struct WholeMark<R> {
    inner: R,
    started: bool,
}

impl<R> WholeMark<R> {
    pub(crate) fn new(inner: R) -> Self {
        WholeMark {
            inner,
            started: false,
        }
    }
}

impl<R: io::Read> io::Read for WholeMark<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.started || buf.len() < BOM.len() {
            return self.inner.read(buf);
        }
        let mut len = self.inner.read(buf)?;
        self.started = true;
        while 0 < len && len < BOM.len() && buf[..len] == BOM[..len] {
            match self.inner.read(&mut buf[len..BOM.len()]) {
                Ok(0) => break,
                Ok(n) => len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // What was read is given; the error comes again with the next read.
                Err(_) => break,
            }
        }
        Ok(len)
    }
}

/// The whole of the regular file at `path`, up to `limit` bytes.
pub(crate) fn read_file(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_limited(open_regular(path)?, limit)
}

/// Opens `path` for reading if it is a regular file. It is asked before opening (opening a FIFO
/// waits for a writer) and again of the open file (the path may have changed in between).
pub(crate) fn open_regular(path: &Path) -> io::Result<File> {
    let meta = std::fs::metadata(path).map_err(|e| {
        // `-` where no stdin is read (a key file, an allowlist) is not a missing file.
        if path.as_os_str() == "-" && e.kind() == io::ErrorKind::NotFound {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "`-` does not read stdin here; name a file",
            )
        } else {
            e
        }
    })?;
    not_regular(&meta)?;
    let file = File::open(path)?;
    not_regular(&file.metadata()?)?;
    Ok(file)
}

fn not_regular(meta: &std::fs::Metadata) -> io::Result<()> {
    if meta.is_file() {
        return Ok(());
    }
    let kind = if meta.is_dir() {
        "a directory"
    } else {
        kind_of_special(meta)
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {kind}, not a regular file"),
    ))
}

#[cfg(unix)]
fn kind_of_special(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn kind_of_special(_meta: &std::fs::Metadata) -> &'static str {
    "a special file"
}

/// How a path given by the user is named in messages (errors, warnings, SARIF, annotations):
/// as it is, with one exception. A "path" that does not exist and looks like a secret is most
/// likely an API key pasted where a file name belongs; it is named by the fingerprint of its
/// bytes (`sha256:` and 12 hex digits), which lets the user recognise it without printing it.
pub(crate) fn shown(path: &Path) -> Cow<'_, str> {
    let text = path.to_string_lossy();
    if looks_like_secret(&text) && std::fs::symlink_metadata(path).is_err() {
        return Cow::Owned(format!(
            "(not shown: a path that does not exist and looks like a secret, {})",
            fingerprint(path.as_os_str().as_encoded_bytes())
        ));
    }
    text
}

/// How a value read from a file that holds secrets (a date, a name) is shown in an error: as
/// written, unless it looks like a secret, most likely a key pasted into the wrong field; that
/// is named by its fingerprint.
pub(crate) fn shown_value(text: &str) -> Cow<'_, str> {
    // A key pasted with white space around it is still a key.
    let trimmed = text.trim();
    if looks_like_secret(trimmed) {
        Cow::Owned(not_shown(trimmed))
    } else {
        Cow::Borrowed(text)
    }
}

/// How a secret found in a value or a message is named instead: by its fingerprint.
pub(crate) fn not_shown(secret: &str) -> String {
    format!(
        "(not shown: it looks like a secret, {})",
        fingerprint(secret.as_bytes())
    )
}

/// `sha256:` and the first 12 hex digits of SHA-256 of `bytes`.
pub(crate) fn fingerprint(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(&Sha256::digest(bytes)[..6]))
}

/// Where in `word` something that looks like a key stands: the whole word, or runs of the
/// characters keys are written in (base64, base64url, hex, UUIDs) inside it: a key with a full
/// stop typed after it, an unpadded base64 key with a `/`, a JWT's parts. A run counts from 24
/// characters (no key is shorter; `callbacks_2024-01-15.json` holds a name). A `/` is read as
/// base64's only in a run that base64 could be: no `-` or `_` (base64url's), upper and lower
/// case and digits, at most two of them, not at its start (`com/hooks/callback-v2` is a path).
pub(crate) fn secret_spans(word: &str) -> Vec<std::ops::Range<usize>> {
    if looks_like_secret(word) {
        let whole = 0..word.len();
        return vec![whole];
    }
    let key_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-');
    let base64_with_slash = |run: &str| {
        !run.starts_with('/')
            && run.matches('/').count() <= 2
            && !run.contains(['-', '_'])
            && run.contains(|c: char| c.is_ascii_uppercase())
            && run.contains(|c: char| c.is_ascii_lowercase())
            && run.contains(|c: char| c.is_ascii_digit())
    };
    let is_key = |run: &str| {
        run.len() >= 24
            && (!run.contains('/') || base64_with_slash(run))
            && looks_like_secret(&run.replace('/', "+"))
    };
    let mut spans = Vec::new();
    let mut start = None;
    for (at, c) in word.char_indices().chain([(word.len(), ' ')]) {
        if at < word.len() && key_char(c) {
            start.get_or_insert(at);
        } else if let Some(from) = start.take()
            && is_key(&word[from..at])
        {
            spans.push(from..at);
        }
    }
    spans
}

/// Whether `word` holds what looks like a key ([`secret_spans`]).
pub(crate) fn holds_a_secret(word: &str) -> bool {
    !secret_spans(word).is_empty()
}

/// A name with no folder in it, long, with letters and digits, no file extension and no white
/// space, whose characters are varied: what API keys (UUIDs, base64, hex) look like and file
/// names seldom do. A date and time (`2026-13-07T19:45:00Z`) and a number with a unit
/// (`18446744073709551615s`) are told apart by their shape, so that a mistyped `--now` or
/// `--max-age` is named as typed.
pub(crate) fn looks_like_secret(text: &str) -> bool {
    // A key pasted with the line end it had in its file is still a key.
    let text = text.trim_end_matches(['\n', '\r']);
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < 16 || text.contains(['\\', '.']) || text.contains(char::is_whitespace) {
        return false;
    }
    // `YYYY-MM-DD` and a `T` or space: the start of an RFC 3339 or ISO time.
    let date_time = chars[..10].iter().enumerate().all(|(at, c)| match at {
        4 | 7 => *c == '-',
        _ => c.is_ascii_digit(),
    }) && matches!(chars[10], 'T' | 't' | ' ');
    // Digits and a duration's unit.
    let (unit, number) = chars.split_last().expect("16 characters or more");
    let with_unit =
        matches!(unit, 's' | 'm' | 'h' | 'd') && number.iter().all(char::is_ascii_digit);
    if date_time || with_unit {
        return false;
    }
    // A `/` is a folder, except in what reads as standard base64 (a key of 32 random bytes has
    // one half the time).
    let base64 = chars.len() >= 24
        && chars.len().is_multiple_of(4)
        && text
            .trim_end_matches('=')
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/');
    if text.contains('/') && !base64 {
        return false;
    }
    if !chars.iter().any(char::is_ascii_digit) || !chars.iter().any(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    // Shannon entropy in bits per character: random keys are above 3.5, words around 3.
    let mut counts = std::collections::HashMap::new();
    for c in &chars {
        *counts.entry(c).or_insert(0u32) += 1;
    }
    let n = chars.len() as f64;
    let entropy: f64 = counts
        .values()
        .map(|&k| {
            let p = f64::from(k) / n;
            -p * p.log2()
        })
        .sum();
    entropy >= 3.0
}

/// All of `reader`, or an error once it holds more than `limit` bytes.
pub(crate) fn read_limited(reader: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("it is larger than {}", size(limit)),
        ));
    }
    Ok(bytes)
}

/// `65536` → `64 KiB`, for the limits above.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pipe is read from inside a running tokio task as from anywhere (`guard` reads keys
    /// from one): the reader's own runtime lives on a thread of its own.
    #[cfg(unix)]
    #[test]
    fn a_pipe_is_read_from_inside_a_runtime() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        let read = runtime.block_on(async { read_pipe(&fifo, 64) });
        // No process has it open for writing: refused at once, not waited on.
        assert_eq!(read.unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn reads_up_to_the_limit_and_no_further() {
        assert_eq!(read_limited(&b"abcd"[..], 4).unwrap(), b"abcd");
        assert_eq!(read_limited(&b""[..], 0).unwrap(), b"");
        let err = read_limited(&b"abcde"[..], 4).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(err.to_string(), "it is larger than 4 bytes");
        // An endless source stops one byte past the limit.
        let err = read_limited(io::repeat(0), SECRET_BYTES).unwrap_err();
        assert_eq!(err.to_string(), "it is larger than 64 KiB");
    }

    #[test]
    fn secrets_pasted_as_paths_are_recognised() {
        for secret in [
            "0c1b2a39-4d5e-6f70-8192-a3b4c5d6e7f8",
            "e3b0c44298fc1c149afbf4c8996fb924",
            "kX9vQ2mZ7pL4wR8tY1uN6bV3cH5jD0fG",
            "SGVsbG8gV29ybGQhIEl0IGlzIG1l+9z=",
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            // Tokens a narrower test once let through: few digits, or cut up by `-` and `_`.
            "sk_live_IhKtJ0RlgLKOmxgJTeKdNnFR",
            "IBXuDL7DxtpYlSXpfKtH",
            "PzwS_XRL-toJSHijujxjkMCbV_bpbBAauqQ9KN_70M4",
            "{47FCDF2E-0C44-41F0-98C7-C14BAC271313}",
            "Zm9vYmFyYmF6cXV4/2VzdGluZzEyMzQ1Njc4OTA=",
            "0c1b2a39-4d5e-6f70-8192-a3b4c5d6e7f8\n",
            "A1B2C3D4E5F60718293A4B5C",
            // Keys that only start like a time or end like a count: still keys.
            "key:0a1b2c3d4e5f6a7b",
            "0a1b2c3d4e5f6a7b9c8d",
            "7310582946015837a",
        ] {
            assert!(looks_like_secret(secret), "{secret}");
            let shown = shown(Path::new(secret));
            assert!(!shown.contains(secret), "{shown}");
            assert!(shown.contains(&fingerprint(secret.as_bytes())), "{shown}");
        }
        for path in [
            "smile-keys.json",
            "keys/production-2026.json",
            "aaaaaaaaaaaaaaaaaaaa1",
            "short1",
            "my production keys 2026",
            "/etc/smile/0c1b2a39-4d5e-6f70-8192-a3b4c5d6e7f8",
            "keys/prod2026store",
            "secrets/production-2026/smile-api.key",
            "2026-13-07T19:45:00Z",
            "2026-12-07t19:45:00+0100x",
            "2026-12-07 19:45:00+0100",
            "18446744073709551615s",
            "20261207194500123m",
        ] {
            assert!(!looks_like_secret(path), "{path}");
            assert_eq!(shown(Path::new(path)), path);
        }
        assert_eq!(fingerprint(b"abc"), "sha256:ba7816bf8f01");
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_read() {
        let err = read_file(Path::new("/dev/null"), 10).unwrap_err();
        assert_eq!(err.to_string(), "it is a device, not a regular file");
        let err = read_file(Path::new("/"), 10).unwrap_err();
        assert_eq!(err.to_string(), "it is a directory, not a regular file");
    }

    #[test]
    fn sizes() {
        assert_eq!(size(LIST_BYTES), "16 MiB");
        assert_eq!(size(BODY_BYTES), "256 MiB");
        assert_eq!(size(1536), "1536 bytes");
    }
}
