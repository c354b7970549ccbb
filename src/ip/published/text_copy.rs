//! The text of a copy without tags (a text or Markdown copy of the page), as [`super::page`]
//! describes it: its lines are its rows, its `#` and underlined lines its headings, and its
//! Markdown tables its tables.

use super::page::{
    Doubt, END_OF_LIST, END_OF_ROW, END_OF_SECTION, Heading, PageText, TableText, plain_digits,
};

/// The text of a copy without tags (text or Markdown): each line is a row, a blank line ends a
/// list (but not one between a loose list's items), a heading (a `#` line, or a line underlined
/// with `---` or `===`) starts a section, and the cells of a Markdown table stand under its
/// header row's.
pub(super) fn text_copy(page: &str) -> PageText {
    // Markdown's escaped dots (`34\.240\.137\.52`) show as dots, and a link shows its text,
    // not its target (`[34.240.137.52](http://203.0.113.9/)`).
    // A control character separates as a space does (and the marks below are control
    // characters).
    // Lines end with LF, CR LF or a lone CR (older Mac editors), all read as one line end.
    let shown: String = page
        .replace("\r\n", "\n")
        .chars()
        .map(|c| match c {
            '\r' => '\n',
            '\n' | '\t' => c,
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let text = without_link_targets(&plain_digits(&shown).replace("\\.", "."));
    let lines: Vec<&str> = text.lines().collect();
    // For each line, whether the next line that is not blank is a list's item: a loose list
    // has blank lines between its items, which end no list. (Found from the end, once.)
    let mut item_follows = vec![false; lines.len()];
    let mut next_is_item = false;
    for (n, line) in lines.iter().enumerate().rev() {
        item_follows[n] = next_is_item;
        if !line.trim().is_empty() {
            next_is_item = is_list_item(line);
        }
    }
    let fenced = fenced_lines(&lines);
    let setext = setext_headings(&lines, &fenced);
    let mut out = String::with_capacity(text.len() + 2 * lines.len());
    let mut headings = Vec::new();
    // Where each line starts in `out`.
    let mut starts = Vec::with_capacity(lines.len());
    for (n, line) in lines.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        if line.trim().is_empty() {
            if !item_follows[n] {
                out.push(END_OF_LIST);
            }
            starts.push(out.len());
            continue;
        }
        let underlined = setext[n].filter(|_| n == 0 || setext[n - 1].is_none());
        if let Some(level) = heading_level(line).or(underlined).filter(|_| !fenced[n]) {
            headings.push(Heading {
                at: out.len(),
                level,
                title: out.len() + 1..out.len() + 1,
            });
            out.push(END_OF_SECTION);
        }
        starts.push(out.len());
        out.push_str(line);
        // The lines of an underlined heading are one title.
        let title_goes_on = setext[n].is_some() && setext.get(n + 1).is_some_and(Option::is_some);
        if !title_goes_on {
            out.push(END_OF_ROW);
        }
        if let Some(heading) = headings.last_mut()
            && heading.title.is_empty()
            && !title_goes_on
        {
            heading.title.end = out.len();
        }
    }
    let (tables, doubts) = markdown_tables(&lines, &starts);
    PageText {
        tables,
        text: out,
        doubts,
        headings,
        tab_labels: Vec::new(),
    }
}

/// Where the Markdown tables in `lines` stand, in the text in which line `n` starts at
/// `starts[n]`. A table is a row with a `|`, a delimiter row under it (`|---|:--:|`), and the
/// rows after that up to a blank line or another block (a heading, a code fence), as GitHub
/// reads it: a line without `|` is a row too. A table may stand in a quote (`> `) or a list's
/// item.
///
/// A row with more cells than the header shows only as many (GitHub drops the rest): it is
/// doubtful, as the second of the stretches returned.
fn markdown_tables(lines: &[&str], starts: &[usize]) -> (Vec<TableText>, Vec<Doubt>) {
    let mut tables = Vec::new();
    let mut doubts = Vec::new();
    let mut n = 1;
    while n < lines.len() {
        if !(is_delimiter_row(table_line(lines[n]).1) && table_line(lines[n - 1]).1.contains('|')) {
            n += 1;
            continue;
        }
        let end = n + 1 + lines[n + 1..].iter().take_while(|l| !ends_table(l)).count();
        tables.push(TableText {
            text: starts[n - 1]..starts[end - 1] + lines[end - 1].len(),
            notes: Vec::new(),
        });
        let columns = cell_count(lines[n - 1]);
        for row in n + 1..end {
            if cell_count(lines[row]) > columns {
                doubts.push(Doubt {
                    range: starts[row]..starts[row] + lines[row].len(),
                    declaration: "a Markdown table's row with more cells than its header".into(),
                });
            }
        }
        n = end;
    }
    (tables, doubts)
}

/// How many cells a Markdown table's row may have: one more than the `|`s between them (an
/// escaped `\|` counted as one too, so that a row is never taken for fewer cells than it has).
fn cell_count(line: &str) -> usize {
    let row = table_line(line).1.trim();
    let row = row.strip_prefix('|').unwrap_or(row);
    let row = row.strip_suffix('|').unwrap_or(row);
    row.matches('|').count() + 1
}

/// Where a table's row starts in `line`, and the row: after a quote's `>`s and a list item's
/// marker (`- `, `1. `).
fn table_line(line: &str) -> (usize, &str) {
    let mut rest = line.trim_start();
    while let Some(quoted) = rest.strip_prefix('>') {
        rest = quoted.trim_start();
    }
    let marker = match rest.bytes().next() {
        Some(b'-' | b'*' | b'+') => 1,
        Some(b'0'..=b'9') => {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            match rest.as_bytes().get(digits) {
                Some(b'.' | b')') if digits <= 9 => digits + 1,
                _ => 0,
            }
        }
        _ => 0,
    };
    if marker > 0 && rest[marker..].starts_with([' ', '\t']) {
        rest = rest[marker..].trim_start();
        // A quote inside the item (`- > | a | b |`).
        while let Some(quoted) = rest.strip_prefix('>') {
            rest = quoted.trim_start();
        }
    }
    (line.len() - rest.len(), rest)
}

/// The level of the heading `line` underlines (`Previous` over `===` is 1, over `---` 2, as
/// Markdown writes headings too), if it is only `=`s or only `-`s.
fn underline_level(line: &str) -> Option<u8> {
    let line = line.trim();
    if line.is_empty() {
        None
    } else if line.bytes().all(|b| b == b'=') {
        Some(1)
    } else if line.bytes().all(|b| b == b'-') {
        Some(2)
    } else {
        None
    }
}

/// The level of the heading `line` is, if it is one as Markdown writes it: one to six `#`s
/// followed by a space or nothing (`#1 | Production` is no heading).
fn heading_level(line: &str) -> Option<u8> {
    let line = line.trim_start();
    let marks = line.bytes().take_while(|&b| b == b'#').count();
    let after = line[marks..].bytes().next();
    ((1..=6).contains(&marks) && after.is_none_or(|b| b == b' ' || b == b'\t'))
        .then_some(marks as u8)
}

/// For each of `lines`, the level of the underlined heading it is part of, if any: the lines of
/// a paragraph that a line of `=`s (1) or `-`s (2) underlines, as Markdown writes headings. A
/// paragraph with an address or a list's item in it is no heading: in a text copy a rule of
/// dashes under a list is a rule.
fn setext_headings(lines: &[&str], fenced: &[bool]) -> Vec<Option<u8>> {
    let mut levels = vec![None; lines.len()];
    let mut paragraph = 0;
    let mut n = 0;
    while n < lines.len() {
        if lines[n].trim().is_empty() || heading_level(lines[n]).is_some() || fenced[n] {
            paragraph = n + 1;
        } else if let Some(level) = lines.get(n + 1).and_then(|l| underline_level(l)) {
            let title = &lines[paragraph..=n];
            if !title.iter().any(|l| holds_address(l) || is_list_item(l)) {
                levels[paragraph..=n].fill(Some(level));
            }
            // The underline ends the paragraph.
            n += 1;
            paragraph = n + 1;
        }
        n += 1;
    }
    levels
}

/// For each of `lines`, whether it stands in a fenced code block (between lines of ```` ``` ````
/// or `~~~`, the fences included): a `#` line there is a comment in code, no heading.
fn fenced_lines(lines: &[&str]) -> Vec<bool> {
    let mut open: Option<&str> = None;
    lines
        .iter()
        .map(|line| {
            let row = table_line(line).1;
            let fence = ["```", "~~~"].into_iter().find(|f| row.starts_with(f));
            match (open, fence) {
                (None, Some(fence)) => {
                    open = Some(fence);
                    true
                }
                (Some(kind), Some(fence)) if kind == fence => {
                    open = None;
                    true
                }
                (open, _) => open.is_some(),
            }
        })
        .collect()
}

/// Whether `line` holds what may be an address: four parts of digits with dots between them, or
/// an IPv6 `::`. (`Retired on 01.03.2024` holds none.)
fn holds_address(line: &str) -> bool {
    line.contains("::")
        || line
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .any(|token| {
                token
                    .trim_matches('.')
                    .split('.')
                    .filter(|p| !p.is_empty())
                    .count()
                    >= 4
            })
}

/// Whether `line` ends a Markdown table: a blank line, a heading or a code fence.
fn ends_table(line: &str) -> bool {
    let row = table_line(line).1;
    row.is_empty()
        || heading_level(row).is_some()
        || ["```", "~~~"].iter().any(|start| row.starts_with(start))
}

/// Whether `line` is a Markdown table's delimiter row: only `|`, `-`, `:` and spaces.
fn is_delimiter_row(line: &str) -> bool {
    let line = line.trim();
    line.contains('|')
        && line.contains('-')
        && line
            .bytes()
            .all(|b| matches!(b, b'|' | b'-' | b':' | b' ' | b'\t'))
}

/// `text` without Markdown's link targets: `[text](target)` shows as `[text]`.
fn without_link_targets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        out.push_str(&rest[..=at]);
        match rest[at + 2..].find([')', '\n']) {
            Some(close) if rest.as_bytes()[at + 2 + close] == b')' => {
                rest = &rest[at + 2 + close + 1..];
            }
            // No target closes on this line: nothing more on it is one (and it is not searched
            // again from each later `](`).
            Some(line_end) => {
                out.push_str(&rest[at + 1..at + 2 + line_end]);
                rest = &rest[at + 2 + line_end..];
            }
            None => {
                rest = &rest[at + 1..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether a line of a text copy is a list's item: a bullet, a number, or an address alone.
fn is_list_item(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with(['•', '-', '*', '+', '·', '–'])
        || line.starts_with(|c: char| c.is_ascii_digit())
}
