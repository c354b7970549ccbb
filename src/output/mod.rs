//! The one place that writes to the terminal: a buffered stdout for data (text lines or NDJSON),
//! stderr for warnings and errors, and the colour decision.

pub(crate) mod audit;
pub(crate) mod ip_check;
pub mod junit;
pub mod step_summary;
pub mod verify;

use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufWriter, IsTerminal, StdoutLock, Write};

use colored::Colorize;
use serde::Serialize;

/// `--color auto|always|never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// Decides colour for stdout once, before anything is printed. `auto` honours `NO_COLOR`
/// (no-color.org), then `CLICOLOR_FORCE` (bixense.com/clicolors), then whether stdout is a terminal.
pub fn configure_color(choice: ColorChoice) {
    let env_set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    let enabled = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if env_set("NO_COLOR") => false,
        ColorChoice::Auto
            if env_set("CLICOLOR_FORCE")
                && std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| v != "0") =>
        {
            true
        }
        ColorChoice::Auto => io::stdout().is_terminal(),
    };
    colored::control::set_override(enabled);
}

/// How a verdict word reads: colour only ever marks the verdict, so text reads the same without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Warn,
    Bad,
    Error,
    Plain,
}

/// A verdict word, padded to `width` and coloured by tone (when colour is on).
pub fn verdict(word: &str, tone: Tone, width: usize) -> VerdictWord<'_> {
    VerdictWord { word, tone, width }
}

/// What [`verdict`] returns: displayed without building a string unless it is coloured, since
/// `verify` and `ip-check` print one a line.
#[derive(Debug, Clone, Copy)]
pub struct VerdictWord<'a> {
    word: &'a str,
    tone: Tone,
    width: usize,
}

impl VerdictWord<'_> {
    /// Appends the word as displayed; a plain one without the formatting machinery.
    pub fn write_to(self, out: &mut Vec<u8>) {
        if colored::control::SHOULD_COLORIZE.should_colorize() {
            // Writing to a Vec cannot fail.
            let _ = write!(out, "{self}");
        } else {
            out.extend_from_slice(self.word.as_bytes());
            let pad = self.width.saturating_sub(self.word.chars().count());
            out.resize(out.len() + pad, b' ');
        }
    }
}

impl fmt::Display for VerdictWord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let VerdictWord { word, tone, width } = *self;
        if !colored::control::SHOULD_COLORIZE.should_colorize() {
            return write!(f, "{word:<width$}");
        }
        let padded = format!("{word:<width$}");
        let colored = match tone {
            Tone::Good => padded.green(),
            Tone::Warn => padded.yellow(),
            Tone::Bad => padded.red().bold(),
            Tone::Error => padded.magenta().bold(),
            Tone::Plain => padded.normal(),
        };
        write!(f, "{colored}")
    }
}

/// Buffered, locked stdout. Every write returns `io::Result`, so a closed pipe surfaces as
/// `BrokenPipe` and ends the run quietly in `main` (ripgrep does the same). A printer can also
/// gather in memory, for a document whose head depends on what follows (JUnit's counts).
pub struct Printer {
    out: Target,
}

enum Target {
    Stdout(BufWriter<StdoutLock<'static>>),
    Memory(Vec<u8>),
}

impl Write for Target {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Target::Stdout(out) => out.write(buf).map_err(writing_stdout),
            Target::Memory(out) => out.write(buf),
        }
    }

    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Target::Stdout(out) => out.write_all(buf).map_err(writing_stdout),
            Target::Memory(out) => {
                out.extend_from_slice(buf);
                Ok(())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Target::Stdout(out) => out.flush().map_err(writing_stdout),
            Target::Memory(_) => Ok(()),
        }
    }
}

/// A failed write names what failed (a full disk says only "No space left on device"); its kind
/// stays, so that a closed pipe is still told apart.
#[cold]
fn writing_stdout(error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("cannot write to stdout: {error}"))
}

impl fmt::Debug for Printer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Printer")
    }
}

impl Default for Printer {
    fn default() -> Self {
        Self::new()
    }
}

impl Printer {
    pub fn new() -> Self {
        Printer {
            out: Target::Stdout(BufWriter::with_capacity(64 * 1024, io::stdout().lock())),
        }
    }

    /// A printer that keeps what it is given, for [`Printer::into_memory`].
    pub fn in_memory() -> Self {
        Printer {
            out: Target::Memory(Vec::new()),
        }
    }

    /// What an in-memory printer was given (nothing for one on stdout, which has written it).
    pub fn into_memory(self) -> Vec<u8> {
        match self.out {
            Target::Memory(kept) => kept,
            Target::Stdout(_) => Vec::new(),
        }
    }

    /// One line of text.
    pub fn line(&mut self, args: fmt::Arguments<'_>) -> io::Result<()> {
        self.out.write_fmt(args)?;
        self.out.write_all(b"\n")
    }

    /// One line of text that holds input (file names, key ids, labels): its control characters
    /// are escaped, so that no input can forge a line of its own or drive the terminal. Colour
    /// codes belong outside it (see [`Printer::verdict_line`]).
    pub fn text(&mut self, args: fmt::Arguments<'_>) -> io::Result<()> {
        let line = args.to_string();
        self.out.write_all(escape_controls(&line).as_bytes())?;
        self.out.write_all(b"\n")
    }

    /// A verdict word (coloured when colour is on), two spaces, then text that holds input,
    /// escaped as [`Printer::text`] does.
    pub fn verdict_line(
        &mut self,
        word: VerdictWord<'_>,
        rest: fmt::Arguments<'_>,
    ) -> io::Result<()> {
        let rest = rest.to_string();
        write!(self.out, "{word}  ")?;
        self.out.write_all(escape_controls(&rest).as_bytes())?;
        self.out.write_all(b"\n")
    }

    /// Lines of text that hold input, each escaped as [`Printer::text`] does.
    pub fn text_block(&mut self, text: &str) -> io::Result<()> {
        for line in text.lines() {
            self.out.write_all(escape_controls(line).as_bytes())?;
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Raw text, as is (generated scripts, snippets).
    pub fn raw(&mut self, text: &str) -> io::Result<()> {
        self.out.write_all(text.as_bytes())
    }

    /// The stream itself, for output written by hand on a hot path (`verify`'s result lines).
    pub fn writer(&mut self) -> &mut impl Write {
        &mut self.out
    }

    /// One JSON object on its own line (NDJSON).
    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, value)?;
        self.out.write_all(b"\n")
    }

    /// One JSON document, pretty-printed (SARIF and other single documents).
    pub fn json_pretty<T: Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut self.out, value)?;
        self.out.write_all(b"\n")
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A warning on stderr: `smile-sec: warning: ...`.
pub fn warn(message: fmt::Arguments<'_>) {
    // A failed write to stderr has nowhere left to be reported.
    let _ = writeln!(
        io::stderr().lock(),
        "smile-sec: warning: {}",
        escape_controls(&message.to_string())
    );
}

/// A note on stderr: `smile-sec: note: ...`, for what the user should know but need not act on
/// (which file was read when none was named).
pub fn note(message: fmt::Arguments<'_>) {
    let _ = writeln!(
        io::stderr().lock(),
        "smile-sec: note: {}",
        escape_controls(&message.to_string())
    );
}

/// One JSON object as one line on stdout, written and flushed at once: the lines of a
/// long-running command come from several threads, must not interleave, and must be seen as they
/// happen (a log collector reads them live).
pub fn json_line<T: Serialize + ?Sized>(value: &T) -> io::Result<()> {
    let mut line = serde_json::to_vec(value).map_err(io::Error::other)?;
    line.push(b'\n');
    let mut out = io::stdout().lock();
    out.write_all(&line)?;
    out.flush()
}

/// An error about one item of a batch, on stderr; the run goes on.
pub fn item_error(message: fmt::Arguments<'_>) {
    let _ = writeln!(
        io::stderr().lock(),
        "smile-sec: error: {}",
        escape_controls(&message.to_string())
    );
}

/// The final error of a run: one line, then an optional `hint:` line.
pub fn fatal(error: &anyhow::Error) {
    let hint = error.chain().find_map(|e| e.downcast_ref::<Hinted>());
    error_lines(&format!("{error:#}"), hint.map(|h| h.hint.as_str()));
}

/// The contract's error: one `smile-sec: error:` line, then maybe one `hint:`
/// line. Whatever the text holds (a path or a value with a line break in it), it stays on its
/// line: control characters are written as escapes.
fn error_lines(message: &str, hint: Option<&str>) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "smile-sec: error: {}", escape_controls(message));
    if let Some(hint) = hint {
        let _ = writeln!(err, "hint: {}", escape_controls(hint));
    }
}

/// `text` with its control characters escaped (`\n`, `\u{1b}`): it prints as one line, and no
/// input can move the cursor, recolour the terminal or start a line of its own. Line and
/// paragraph separators (some viewers and YAML end a line at them), the bidirectional controls
/// (which make a line read otherwise than it is) and the characters that print as nothing (a
/// zero-width space, a byte-order mark: `1.2.3.4` with one looks valid and is not) are escaped
/// too. The joiners that some scripts and emoji need stay as they are.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.contains(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// Whether `c` breaks a line for some reader or prints as nothing: what [`escape_controls`]
/// escapes.
pub(crate) fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{061c}'
                | '\u{200b}'
                | '\u{2060}'..='\u{2064}'
                | '\u{feff}'
                // The rest of Unicode's format characters, which print as nothing: the soft
                // hyphen, the Mongolian vowel separator, the deprecated format controls,
                // interlinear annotations, musical symbol formats and tags.
                | '\u{ad}'
                | '\u{180e}'
                | '\u{206a}'..='\u{206f}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{1d173}'..='\u{1d17a}'
                | '\u{e0001}'
                | '\u{e0020}'..='\u{e007f}'
        )
}

/// Appends `text` to a line being built, escaped as [`escape_controls`] does.
pub fn push_escaped(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(escape_controls(text).as_bytes());
}

/// A usage error as clap renders it (`error: ...`, details, `Usage: ...`, `For more information...`),
/// printed as one `smile-sec: error:` line and one `hint:` line.
pub fn usage_error(rendered: &str) {
    let (message, hint) = usage_parts(rendered);
    error_lines(&message, Some(&hint));
}

/// [`usage_error`] for a value that came from the environment variable `variable`.
pub fn usage_error_about(variable: &str, rendered: &str) {
    let (message, hint) = usage_parts(rendered);
    error_lines(&format!("{variable}: {message}"), Some(&hint));
}

/// The message and hint in clap's rendering of a usage error. The message is its first line and
/// any line after it that is not indented (the rest of a value with a line break in it); indented
/// lines are details (`[possible values: ...]`, `tip: ...`), or, after a message that ends in a
/// colon, what the message lists (the required arguments not given).
fn usage_parts(rendered: &str) -> (String, String) {
    let rendered = without_secrets(rendered);
    let mut lines = rendered
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .peekable();
    let first = lines.next().unwrap_or("invalid usage");
    let mut message = first.strip_prefix("error: ").unwrap_or(first).to_owned();
    let continues = |l: &&str| {
        !l.is_empty()
            && !l.starts_with([' ', '\t'])
            && !l.starts_with("Usage:")
            && !l.starts_with("For more information")
    };
    while let Some(line) = lines.next_if(continues) {
        message.push('\n');
        message.push_str(line);
    }
    let details: Vec<&str> = lines
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take_while(|l| !l.starts_with("Usage:"))
        .filter(|l| !l.starts_with("For more information"))
        .map(|l| l.strip_prefix("tip: ").unwrap_or(l))
        .map(|l| l.trim_start_matches('[').trim_end_matches(']'))
        .collect();
    let mut hint = details.join("; ");
    if message.ends_with(':') && !details.is_empty() {
        message = format!("{message} {}", details.join(", "));
        hint.clear();
    }
    if hint.is_empty() {
        hint = "see --help".to_owned();
    } else {
        hint.push_str("; see --help");
    }
    (message, hint)
}

/// `text` with every word that looks like a secret named by its fingerprint instead. clap
/// echoes what it could not take (`unexpected argument '<value>' found`, an invalid value,
/// its own tip on how to pass it), from the command line or from an environment variable: an
/// API key typed as an argument or exported under the wrong name would land in a CI log.
fn without_secrets(text: &str) -> Cow<'_, str> {
    let is_boundary = |c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '`');
    if !text.split(is_boundary).any(crate::input::holds_a_secret) {
        return Cow::Borrowed(text);
    }
    // Each secret is named by the fingerprint of its own bytes, as a key is everywhere; the
    // rest of its word (a full stop after it) stays.
    let push_word = |shown: &mut String, word: &str| {
        let mut from = 0;
        for span in crate::input::secret_spans(word) {
            shown.push_str(&word[from..span.start]);
            shown.push_str(&crate::input::not_shown(&word[span.clone()]));
            from = span.end;
        }
        shown.push_str(&word[from..]);
    };
    let mut shown = String::with_capacity(text.len());
    let mut word_start = 0;
    for (at, c) in text.char_indices().filter(|&(_, c)| is_boundary(c)) {
        push_word(&mut shown, &text[word_start..at]);
        shown.push(c);
        word_start = at + c.len_utf8();
    }
    push_word(&mut shown, &text[word_start..]);
    Cow::Owned(shown)
}

/// An error that carries a `hint:` line for the user.
#[derive(Debug)]
pub struct Hinted {
    pub message: String,
    pub hint: String,
}

impl fmt::Display for Hinted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Hinted {}

/// Builds an error with a hint: `Err(hinted("no API key", "set SMILE_API_KEY or ..."))?`.
pub fn hinted(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Hinted {
        message: message.into(),
        hint: hint.into(),
    })
}

/// True when an error is (caused by) a closed output pipe.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            || e.downcast_ref::<serde_json::Error>()
                .and_then(|e| e.io_error_kind())
                .is_some_and(|k| k == io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_become_one_message_and_one_hint() {
        let parts = |text: &str| {
            let (message, hint) = usage_parts(text);
            (escape_controls(&message).into_owned(), hint)
        };
        assert_eq!(
            parts(
                "error: invalid value 'xml' for '--format <FORMAT>'\n  [possible values: text, json]\n\nFor more information, try '--help'.\n"
            ),
            (
                "invalid value 'xml' for '--format <FORMAT>'".to_owned(),
                "possible values: text, json; see --help".to_owned()
            )
        );
        // The arguments missing are the message's own end, not a hint.
        assert_eq!(
            parts(
                "error: the following required arguments were not provided:\n  <URL>\n\nUsage: smile-sec callback send <URL> [FILE]\n\nFor more information, try '--help'.\n"
            ),
            (
                "the following required arguments were not provided: <URL>".to_owned(),
                "see --help".to_owned()
            )
        );
        // The usage line is never part of the message, blank line before it or not.
        assert_eq!(
            parts("error: unexpected argument 'x' found\nUsage: smile-sec sign [OPTIONS]\n"),
            (
                "unexpected argument 'x' found".to_owned(),
                "see --help".to_owned()
            )
        );
        // A value with a line break in it stays in the message, escaped.
        assert_eq!(
            parts(
                "error: invalid value '1\n2' for '--job-type <N>': invalid digit\n\nFor more information, try '--help'.\n"
            ),
            (
                "invalid value '1\\n2' for '--job-type <N>': invalid digit".to_owned(),
                "see --help".to_owned()
            )
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            escape_controls("cannot read /a\nb\r\u{1b}[31m"),
            "cannot read /a\\nb\\r\\u{1b}[31m"
        );
        assert!(matches!(
            escape_controls("plain é"),
            Cow::Borrowed("plain é")
        ));
        assert_eq!(
            escape_controls("a\u{9b}2J\u{2028}b\u{202e}c"),
            "a\\u{9b}2J\\u{2028}b\\u{202e}c"
        );
        assert_eq!(
            escape_controls("\u{feff}1.2.3.4\u{200b}\u{200f}"),
            "\\u{feff}1.2.3.4\\u{200b}\\u{200f}"
        );
        assert_eq!(
            escape_controls("1.2.3.4\u{e0041}\u{ad}\u{180e}"),
            "1.2.3.4\\u{e0041}\\u{ad}\\u{180e}"
        );
        // A family emoji keeps its joiners.
        assert!(matches!(escape_controls("👩\u{200d}👧"), Cow::Borrowed(_)));
    }
}
