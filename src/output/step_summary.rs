//! The GitHub Actions job summary: when `GITHUB_STEP_SUMMARY` names a file, `audit` and `verify`
//! append a short Markdown table of what failed (or one all-clear line), whatever `--format` is.
//! Every value is escaped, so a hostile key id or file name cannot add markup, links or mentions.

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
    pub fn new(title: &str, header: &[&'static str]) -> Self {
        StepSummary {
            title: title.to_owned(),
            header: header.to_vec(),
            rows: Vec::new(),
            more: 0,
        }
    }

    /// Adds a row of raw (unescaped) cells. A cell is written out only for a row that is kept:
    /// a run with many failures formats no more than the table shows.
    pub fn row(&mut self, cells: &[&dyn fmt::Display]) {
        if self.rows.len() < MAX_ROWS {
            self.rows
                .push(cells.iter().map(|c| markdown(&c.to_string())).collect());
        } else {
            self.more += 1;
        }
    }

    /// The Markdown text: the title, then the table or `all_clear`, then `totals`.
    pub fn render(&self, all_clear: &str, totals: &str) -> String {
        let mut md = format!("### {}\n\n", markdown(&self.title));
        if self.rows.is_empty() {
            md.push_str(&format!("{}\n\n", markdown(all_clear)));
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
        md.push_str(&format!("{}\n\n", markdown(totals)));
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

/// Text shown as itself in Markdown: control characters made visible, every ASCII punctuation
/// character backslash-escaped (CommonMark allows that for all of them), so no input can open a
/// table cell, a link, an HTML tag, a heading or an `@` mention.
fn markdown(raw: &str) -> String {
    let visible = escape_controls(raw);
    let mut out = String::with_capacity(visible.len());
    for c in visible.chars() {
        if c.is_ascii_punctuation() {
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
        let mut summary = StepSummary::new("smile-sec audit", &["key", "finding"]);
        summary.row(&[&"a|b\n| forged | row |", &"<img src=x> @team [x](http://e)"]);
        let md = summary.render("all clear", "1 key");
        let row = md.lines().find(|l| l.starts_with("| a")).unwrap();
        assert_eq!(row.matches(" | ").count(), 1, "{row}");
        // Every `<` is escaped, so no HTML tag opens.
        assert!(!md.replace("\\<", "").contains('<'), "{md}");
        assert!(md.contains("\\@team"), "{md}");
        assert!(!md.contains("\n| forged"), "{md}");
    }

    #[test]
    fn an_empty_table_is_one_all_clear_line() {
        let summary = StepSummary::new("smile-sec verify", &["callback", "reason"]);
        let md = summary.render("Every callback passed.", "3 checked");
        assert!(md.contains("Every callback passed\\."), "{md}");
        assert!(!md.contains('|'), "{md}");
    }

    #[test]
    fn rows_past_the_limit_are_counted() {
        let mut summary = StepSummary::new("t", &["a"]);
        for n in 0..MAX_ROWS + 3 {
            summary.row(&[&n]);
        }
        assert!(summary.render("", "").contains("…and 3 more."));
    }
}
