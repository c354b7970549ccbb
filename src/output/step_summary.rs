//! The GitHub Actions job summary: when `GITHUB_STEP_SUMMARY` names a file, `audit` and `verify`
//! append a short Markdown table of what failed (or one all-clear line), whatever `--format` is.
//! A value that is not a plain word (a file name, a key id, a message naming either) is written as
//! a code span, in which Markdown reads no markup, links, HTML or mentions; so a hostile name
//! cannot add any, and every value reads (and greps) as itself.

use std::fmt;
use std::fs::OpenOptions;
use std::io::{self, Read, Seek, SeekFrom, Write};

use super::escape_controls;

/// The variable GitHub Actions sets to the job summary's file.
pub const STEP_SUMMARY_ENV: &str = "GITHUB_STEP_SUMMARY";

/// Rows beyond this are counted, not listed: the summary is for a glance, the full report is
/// the command's output.
const MAX_ROWS: usize = 50;

/// A summary being gathered: a title, a table of failures, and the all-clear line used when the
/// table stays empty.
#[derive(Debug)]
pub struct StepSummary {
    title: String,
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    more: usize,
}

impl StepSummary {
    /// A summary headed `title`, followed by `subject` (such as the file audited) when given.
    pub fn new(title: &str, subject: Option<&str>, header: &[&'static str]) -> Self {
        let mut title = words(title);
        if let Some(subject) = subject {
            title.push_str(": ");
            title.push_str(&value(subject, Place::Heading));
        }
        StepSummary {
            title,
            header: header.to_vec(),
            rows: Vec::new(),
            more: 0,
        }
    }

    /// Adds a row of raw (unescaped) cells. A cell is written out only for a row that is kept:
    /// a run with many failures formats no more than the table shows.
    pub fn row(&mut self, cells: &[&dyn fmt::Display]) {
        if self.rows.len() < MAX_ROWS {
            self.rows.push(
                cells
                    .iter()
                    .map(|c| value(&c.to_string(), Place::Table))
                    .collect(),
            );
        } else {
            self.more += 1;
        }
    }

    /// Adds a row above all others, kept whatever else is there (why a run stopped): a row
    /// that no longer fits goes to the count of those not shown.
    pub fn first_row(&mut self, cells: &[&dyn fmt::Display]) {
        if self.rows.len() == MAX_ROWS {
            self.rows.pop();
            self.more += 1;
        }
        let row = cells
            .iter()
            .map(|c| value(&c.to_string(), Place::Table))
            .collect();
        self.rows.insert(0, row);
    }

    /// The Markdown text: the title, then the table or `all_clear`, then `totals`.
    pub fn render(&self, all_clear: &str, totals: &str) -> String {
        let mut md = format!("### {}\n\n", self.title);
        if self.rows.is_empty() {
            md.push_str(&format!("{}\n\n", words(all_clear)));
        } else {
            md.push_str(&format!("| {} |\n", self.header.join(" | ")));
            md.push_str(&format!("|{}\n", "---|".repeat(self.header.len())));
            for row in &self.rows {
                md.push_str(&format!("| {} |\n", row.join(" | ")));
            }
            if self.more > 0 {
                md.push_str(&format!("\n…and {} more.\n", self.more));
            }
            md.push('\n');
        }
        md.push_str(&format!("{}\n\n", words(totals)));
        md
    }

    /// Appends the summary to the file `GITHUB_STEP_SUMMARY` names; nothing when it is unset or
    /// empty.
    pub fn append_if_requested(&self, all_clear: &str, totals: &str) -> io::Result<()> {
        let Some(path) = std::env::var_os(STEP_SUMMARY_ENV).filter(|p| !p.is_empty()) else {
            return Ok(());
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        // Whatever an earlier step left unfinished, the title starts a line of its own, or it
        // would not be read as a heading.
        let mut text = String::new();
        if ends_mid_line(&mut file)? {
            text.push('\n');
        }
        text.push_str(&self.render(all_clear, totals));
        file.write_all(text.as_bytes())
    }
}

/// Whether `file` is not empty and its last byte is not a newline.
fn ends_mid_line(file: &mut std::fs::File) -> io::Result<bool> {
    let length = file.metadata()?.len();
    if length == 0 {
        return Ok(false);
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::Start(length - 1))?;
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

/// Where a value is written: a `|` ends a table cell even inside a code span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Heading,
    Table,
}

/// A value (a file name, a key id, a code): a plain word as it is, anything else as a code span.
fn value(raw: &str, place: Place) -> String {
    let visible = escape_controls(raw);
    if visible.is_empty() || is_plain(&visible) {
        return visible.into_owned();
    }
    code_span(&visible, place)
}

/// Whether Markdown shows `text` as it is: letters, digits, spaces and `-(),;`, with `_` only
/// inside a word (where it cannot start or end emphasis), and no space at either end (a table
/// cell drops it). No `:`, `.` or `/` (no link is found without them), no `@` (no mention), and
/// no word GitHub may link as a reference: a commit hash (seven or more hex digits) or `GH-12`.
fn is_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    let inside_word = |i: usize| {
        let alnum = |at: Option<&u8>| at.is_some_and(u8::is_ascii_alphanumeric);
        i > 0 && alnum(bytes.get(i - 1)) && alnum(bytes.get(i + 1))
    };
    let reference = |word: &str| {
        let digits = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit());
        (word.len() >= 7 && word.bytes().all(|b| b.is_ascii_hexdigit()))
            || word
                .get(..3)
                .is_some_and(|gh| gh.eq_ignore_ascii_case("gh-") && digits(&word[3..]))
    };
    !bytes.is_empty()
        && text.trim() == text
        && bytes.iter().enumerate().all(|(i, &b)| match b {
            b'_' => inside_word(i),
            b' ' | b'-' | b'(' | b')' | b',' | b';' => true,
            _ => b.is_ascii_alphanumeric(),
        })
        && !text
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .any(reference)
}

/// `text` (no control characters left) as a code span, fenced by one backtick more than its
/// longest run of them; nothing in a code span is markup. In a table a `|` still ends the cell,
/// so it is escaped there (GitHub reads `\|` as `|` in a table, and only there).
fn code_span(text: &str, place: Place) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A space inside each fence keeps a backtick at either end from joining it; Markdown drops
    // one space from each end of a span padded on both sides.
    let pad = if text.starts_with(['`', ' ']) || text.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    let text = match place {
        Place::Table => text.replace('|', "\\|"),
        Place::Heading => text.to_owned(),
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// Our own sentences (titles, totals): control characters made visible and the characters that
/// could start markup escaped, should one ever hold any.
fn words(raw: &str) -> String {
    let visible = escape_controls(raw);
    let mut out = String::with_capacity(visible.len());
    for c in visible.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '@' | '#' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_cells_stay_inside_their_cell() {
        let mut summary = StepSummary::new("smile-sec audit", None, &["key", "finding"]);
        summary.row(&[
            &"a|b\n| forged | row |",
            &"<img src=x> @team [x](http://e) ``` *b* _i_",
        ]);
        let md = summary.render("all clear", "1 key");
        let row = md.lines().find(|l| l.starts_with("| `a")).unwrap();
        assert_eq!(
            row,
            "| `a\\|b\\n\\| forged \\| row \\|` | ````<img src=x> @team [x](http://e) ``` *b* _i_```` |"
        );
        assert!(!md.contains("\n| forged"), "{md}");
    }

    #[test]
    fn plain_words_stay_as_they_are_and_every_other_value_is_a_code_span() {
        for (raw, shown) in [
            ("bad_signature", "bad_signature"),
            ("no API key", "no API key"),
            ("(the input)", "(the input)"),
            ("live-server-2026-09", "live-server-2026-09"),
            ("callbacks.json:3", "`callbacks.json:3`"),
            ("_x_", "`_x_`"),
            ("a_", "`a_`"),
            ("www.example.com", "`www.example.com`"),
            ("me@example.com", "`me@example.com`"),
            ("`tick", "`` `tick ``"),
            ("x `", "`` x ` ``"),
            ("", ""),
            (" lead", "`  lead `"),
            ("deploy 0123abc", "`deploy 0123abc`"),
            ("see GH-12", "`see GH-12`"),
            ("live-2026-08 (12 days)", "live-2026-08 (12 days)"),
        ] {
            assert_eq!(value(raw, Place::Table), shown, "{raw}");
        }
    }

    #[test]
    fn a_subject_follows_the_title_as_a_value() {
        let summary = StepSummary::new("smile-sec audit", Some("keys/smile-keys.json"), &["a"]);
        let md = summary.render("all clear", "1 key: 1 ok, 0 fail");
        assert!(
            md.starts_with("### smile-sec audit: `keys/smile-keys.json`\n"),
            "{md}"
        );
        assert!(md.contains("\n1 key: 1 ok, 0 fail\n"), "{md}");
        // Outside a table a `|` is itself: escaped, it would show its backslash.
        let piped = StepSummary::new("smile-sec audit", Some("k|`x.json"), &["a"]);
        let md = piped.render("", "");
        assert!(
            md.starts_with("### smile-sec audit: ``k|`x.json``\n"),
            "{md}"
        );
    }

    #[test]
    fn an_empty_table_is_one_all_clear_line() {
        let summary = StepSummary::new("smile-sec verify", None, &["callback", "reason"]);
        let md = summary.render("Every callback passed.", "3 checked");
        assert!(md.contains("\nEvery callback passed.\n"), "{md}");
        assert!(!md.contains('|'), "{md}");
    }

    #[test]
    fn rows_past_the_limit_are_counted() {
        let mut summary = StepSummary::new("t", None, &["a"]);
        for n in 0..MAX_ROWS + 3 {
            summary.row(&[&n]);
        }
        assert!(summary.render("", "").contains("…and 3 more."));
        // Why a run stopped is kept, first, whatever the table holds.
        summary.first_row(&[&"(the run)", &"stopped", &"why"]);
        let md = summary.render("", "");
        assert!(md.contains("…and 4 more."), "{md}");
        assert!(
            md.contains("|---|\n| (the run) | stopped | why |\n| 0 |"),
            "{md}"
        );
    }
}
